#include "formats/hdf5.hpp"

#include <algorithm>
#include <map>

#include "formats/hdf5_internal.hpp"

namespace ms {

using namespace hdf5_internal;

namespace {

using Kind = Hdf5Object::Kind;

std::string child_path(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

Hdf5Link to_public_link(const ParsedLink& parsed) {
  Hdf5Link link;
  link.name = parsed.name;
  link.type = parsed.type;
  link.soft_target = parsed.soft_target;
  link.external_file = parsed.external_file;
  link.external_path = parsed.external_path;
  link.user_type = parsed.raw_type;
  if (parsed.type == Hdf5Link::Type::hard) link.hard_address = parsed.address;
  return link;
}

// ---- attributes ----

void add_attribute(Context& ctx, Hdf5Object& object, const Message& message) {
  recover(ctx, Hdf5AnomalyKind::malformed, "attribute message", [&] {
    ctx.count_attribute(message.offset);
    if (message.flags & 0x02) {
      ctx.anomaly(Hdf5AnomalyKind::unsupported, "attribute stored in the shared object header message heap",
                  message.offset);
      return;
    }
    object.attributes.push_back(parse_attribute_message(ctx, message.data, message.offset));
  });
}

void add_dense_attributes(Context& ctx, Hdf5Object& object, const Message& info) {
  ByteReader r(info.data, kFormat, info.offset);
  unsigned version = r.u8();
  if (version != 0) ctx.fail("unsupported attribute info version " + std::to_string(version), info.offset);
  unsigned flags = r.u8();
  if (flags & 0x01) r.u16le();  // maximum creation index
  std::uint64_t heap_address = ctx.read_address(r);
  std::uint64_t name_index = ctx.read_address(r);
  if (!ctx.defined(heap_address)) return;  // attributes are compact
  FractalHeap heap(ctx, heap_address);
  for_each_v2_record(ctx, name_index, 8, [&](Bytes record) {
    recover(ctx, Hdf5AnomalyKind::malformed, "dense attribute", [&] {
      if (record.size() < 9) ctx.fail("attribute name record too short", info.offset);
      ctx.count_attribute(info.offset);
      if (record[8] & 0x02) {
        ctx.anomaly(Hdf5AnomalyKind::unsupported, "attribute stored in the shared object header message heap",
                    info.offset);
        return;
      }
      Bytes message = heap.object(record.first(8));
      std::uint64_t offset = static_cast<std::uint64_t>(message.data() - ctx.file().data());
      object.attributes.push_back(parse_attribute_message(ctx, message, offset));
    });
  });
}

// ---- links ----

void add_dense_links(Context& ctx, const Message& info, std::vector<ParsedLink>& links) {
  ByteReader r(info.data, kFormat, info.offset);
  unsigned version = r.u8();
  if (version != 0) ctx.fail("unsupported link info version " + std::to_string(version), info.offset);
  unsigned flags = r.u8();
  if (flags & 0x01) r.u64le();  // maximum creation index
  std::uint64_t heap_address = ctx.read_address(r);
  std::uint64_t name_index = ctx.read_address(r);
  std::uint64_t order_index = (flags & 0x02) ? ctx.read_address(r) : kHdf5Undefined;
  if (!ctx.defined(heap_address)) return;  // links are compact (link messages)
  FractalHeap heap(ctx, heap_address);
  auto collect = [&](std::uint8_t type, std::size_t id_offset) {
    for_each_v2_record(ctx, type == 5 ? name_index : order_index, type, [&](Bytes record) {
      recover(ctx, Hdf5AnomalyKind::malformed, "dense link", [&] {
        if (record.size() <= id_offset) ctx.fail("link index record too short", info.offset);
        Bytes message = heap.object(record.subspan(id_offset));
        std::uint64_t offset = static_cast<std::uint64_t>(message.data() - ctx.file().data());
        links.push_back(parse_link_message(ctx, ByteReader(message, kFormat, offset)));
      });
    });
  };
  // The name index always exists; the creation-order index is a fallback when it is damaged.
  bool named = ctx.defined(name_index) &&
               recover(ctx, Hdf5AnomalyKind::malformed, "link name index", [&] { collect(5, 4); });
  if (!named && ctx.defined(order_index)) {
    links.clear();
    recover(ctx, Hdf5AnomalyKind::malformed, "link creation-order index", [&] { collect(6, 8); });
  }
}

void add_symbol_table_links(Context& ctx, const Message& message, std::vector<ParsedLink>& links) {
  ByteReader r(message.data, kFormat, message.offset);
  std::uint64_t btree = ctx.read_address(r);
  std::uint64_t heap = ctx.read_address(r);
  for_each_symbol(ctx, btree, heap, [&](SymbolEntry&& entry) {
    ParsedLink link;
    link.name = std::move(entry.name);
    if (entry.cache_type == 2) {
      link.type = Hdf5Link::Type::soft;
      link.raw_type = 1;
      link.soft_target = std::move(entry.soft_target);
    } else {
      link.type = Hdf5Link::Type::hard;
      link.address = entry.object_address;
    }
    links.push_back(std::move(link));
  });
}

// ---- datasets ----

Hdf5DatasetInfo read_dataset(Context& ctx, const ObjectHeader& header) {
  Hdf5DatasetInfo info;
  const Message* space_message = header.first(kMsgDataspace);
  const Message* type_message = header.first(kMsgDatatype);
  Dataspace space = parse_dataspace(ctx, ByteReader(space_message->data, kFormat, space_message->offset));
  info.null_dataspace = space.null;
  info.dims = space.dims;
  info.max_dims = space.max_dims;
  info.type =
      parse_datatype_message(ctx, type_message->data, type_message->offset, type_message->flags & 0x02);
  info.datatype = info.type.description();
  ctx.charge_metadata_bytes(info.datatype.size(), type_message->offset);
  info.element_size = info.type.size;
  info.declared_bytes = space.null ? 0 : saturating_mul(space.element_count(), info.element_size);
  if (const Message* m = header.first(kMsgFilterPipeline)) {
    recover(ctx, Hdf5AnomalyKind::malformed, "filter pipeline message",
            [&] { info.filters = parse_filter_pipeline(ctx, ByteReader(m->data, kFormat, m->offset)); });
  }
  if (const Message* m = header.first(kMsgExternalFiles)) {
    recover(ctx, Hdf5AnomalyKind::malformed, "external data files message", [&] {
      info.external_files = parse_external_files(ctx, ByteReader(m->data, kFormat, m->offset));
    });
  }
  if (const Message* m = header.first(kMsgLayout)) {
    recover(ctx, Hdf5AnomalyKind::malformed, "data layout message", [&] {
      LayoutMessage layout = parse_layout(ctx, ByteReader(m->data, kFormat, m->offset));
      describe_storage(ctx, layout, info);
    });
  } else {
    ctx.anomaly(Hdf5AnomalyKind::malformed, "dataset without a data layout message", header.address);
  }
  return info;
}

// ---- objects ----

struct Contents {
  Hdf5Object object;
  std::vector<ParsedLink> links;
};

Contents read_contents(Context& ctx, std::uint64_t address, const std::string& path) {
  Contents contents;
  Hdf5Object& object = contents.object;
  object.path = path;
  object.address = address;
  ObjectHeader header = read_object_header(ctx, address);
  object.header_version = header.version;
  const Message* symbol_table = header.first(kMsgSymbolTable);
  const Message* link_info = header.first(kMsgLinkInfo);
  const Message* datatype = header.first(kMsgDatatype);
  const Message* dataspace = header.first(kMsgDataspace);
  // libhdf5's order of tests: group, then dataset, then named datatype.
  if (symbol_table || link_info) {
    object.kind = Kind::group;
  } else if (datatype && dataspace) {
    object.kind = Kind::dataset;
  } else if (datatype) {
    object.kind = Kind::datatype;
  }

  for (const Message& m : header.messages) {
    if (m.type == kMsgAttribute) add_attribute(ctx, object, m);
  }
  if (const Message* m = header.first(kMsgAttributeInfo)) {
    recover(ctx, Hdf5AnomalyKind::malformed, "dense attribute storage",
            [&] { add_dense_attributes(ctx, object, *m); });
  }

  switch (object.kind) {
    case Kind::group:
      if (link_info) {
        for (const Message& m : header.messages) {
          if (m.type != kMsgLink) continue;
          recover(ctx, Hdf5AnomalyKind::malformed, "link message", [&] {
            contents.links.push_back(parse_link_message(ctx, ByteReader(m.data, kFormat, m.offset)));
          });
        }
        recover(ctx, Hdf5AnomalyKind::malformed, "dense link storage",
                [&] { add_dense_links(ctx, *link_info, contents.links); });
      } else {
        recover(ctx, Hdf5AnomalyKind::malformed, "symbol table",
                [&] { add_symbol_table_links(ctx, *symbol_table, contents.links); });
      }
      break;
    case Kind::dataset:
      recover(ctx, Hdf5AnomalyKind::malformed, "dataset metadata",
              [&] { object.dataset = read_dataset(ctx, header); });
      break;
    case Kind::datatype:
      recover(ctx, Hdf5AnomalyKind::malformed, "committed datatype", [&] {
        object.committed_type =
            parse_datatype_message(ctx, datatype->data, datatype->offset, datatype->flags & 0x02);
        ctx.charge_metadata_bytes(object.committed_type->description().size(), datatype->offset);
      });
      break;
    case Kind::unknown:
      break;
  }
  return contents;
}

// Depth-first walk in link-name order. The stack of frames replaces recursion so that no file can
// exhaust the call stack, whatever max_hdf5_depth is set to.
class Walker {
 public:
  Walker(Context& ctx, Hdf5File& out) : ctx_(ctx), out_(out) {}

  void run() {
    visited_.emplace(out_.root_address, "/");
    ctx_.current_path = "/";
    // A root group that cannot be read means there is no file to speak of.
    Contents root = read_contents(ctx_, out_.root_address, "/");
    push(std::move(root), 0);
    while (!frames_.empty()) {
      Frame& frame = frames_.back();
      if (frame.next >= frame.links.size()) {
        frames_.pop_back();
        continue;
      }
      ParsedLink link = std::move(frame.links[frame.next++]);
      std::size_t parent = frame.object_index;
      std::size_t depth = frame.depth;
      if (link.type != Hdf5Link::Type::hard) {
        out_.objects[parent].links.push_back(to_public_link(link));
        continue;
      }
      auto seen = visited_.find(link.address);
      if (seen != visited_.end()) {
        Hdf5Link alias = to_public_link(link);
        alias.hard_target = seen->second;
        ctx_.charge_metadata_bytes(alias.hard_target.size(), link.address);
        out_.objects[parent].links.push_back(std::move(alias));
        continue;
      }
      std::string path = child_path(out_.objects[parent].path, link.name);
      visited_.emplace(link.address, path);
      visit(link.address, path, depth + 1);
    }
  }

 private:
  struct Frame {
    std::size_t object_index;
    std::size_t depth;
    std::vector<ParsedLink> links;
    std::size_t next = 0;
  };

  void visit(std::uint64_t address, const std::string& path, std::size_t depth) {
    if (depth > ctx_.limits().max_hdf5_depth)
      ctx_.limit(
          "objects nested deeper than max_hdf5_depth (" + std::to_string(ctx_.limits().max_hdf5_depth) + ")",
          address);
    ctx_.current_path = path;
    Contents contents;
    bool ok = recover(ctx_, Hdf5AnomalyKind::malformed, "object header",
                      [&] { contents = read_contents(ctx_, address, path); });
    if (!ok) {
      contents = Contents{};
      contents.object.path = path;
      contents.object.address = address;
    }
    push(std::move(contents), depth);
  }

  void push(Contents&& contents, std::size_t depth) {
    if (out_.objects.size() >= ctx_.limits().max_hdf5_objects)
      ctx_.limit(
          "more than max_hdf5_objects (" + std::to_string(ctx_.limits().max_hdf5_objects) + ") objects",
          contents.object.address);
    std::vector<ParsedLink> links = std::move(contents.links);
    // Paths repeat their ancestors' names: a deep chain of long names could otherwise hold far more
    // bytes than the file.
    ctx_.charge_metadata_bytes(contents.object.path.size(), contents.object.address);
    for (const ParsedLink& link : links) {
      ctx_.charge_metadata_bytes(
          link.name.size() + link.soft_target.size() + link.external_file.size() + link.external_path.size(),
          contents.object.address);
    }
    // Name order, as libhdf5 iterates by name; bytes compare unsigned.
    std::stable_sort(links.begin(), links.end(),
                     [](const ParsedLink& a, const ParsedLink& b) { return a.name < b.name; });
    std::vector<ParsedLink> unique;
    unique.reserve(links.size());
    for (ParsedLink& link : links) {
      if (!unique.empty() && unique.back().name == link.name) {
        ctx_.current_path = contents.object.path;
        ctx_.anomaly(Hdf5AnomalyKind::duplicate_link, "two links named \"" + link.name + "\"",
                     contents.object.address);
        continue;
      }
      unique.push_back(std::move(link));
    }
    out_.objects.push_back(std::move(contents.object));
    frames_.push_back(Frame{out_.objects.size() - 1, depth, std::move(unique)});
  }

  Context& ctx_;
  Hdf5File& out_;
  std::map<std::uint64_t, std::string> visited_;
  std::vector<Frame> frames_;
};

}  // namespace

Hdf5File parse_hdf5(Bytes file, const Limits& limits) {
  Hdf5File out;
  Context ctx(file, limits, out);
  read_superblock(ctx);
  Walker(ctx, out).run();
  return out;
}

std::uint64_t Hdf5Value::element_count() const {
  if (null_dataspace) return 0;
  std::uint64_t count = 1;
  for (std::uint64_t d : dims) count = saturating_mul(count, d);
  return count;
}

const Hdf5Attribute* Hdf5Object::attribute(std::string_view name) const {
  for (const Hdf5Attribute& a : attributes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const Hdf5Object* Hdf5File::find(std::string_view path) const {
  for (const Hdf5Object& o : objects) {
    if (o.path == path) return &o;
  }
  return nullptr;
}

bool Hdf5File::has_anomaly(Hdf5AnomalyKind kind) const {
  return std::any_of(anomalies.begin(), anomalies.end(),
                     [&](const Hdf5Anomaly& a) { return a.kind == kind; });
}

std::string_view to_string(Hdf5AnomalyKind kind) {
  switch (kind) {
    case Hdf5AnomalyKind::malformed:
      return "malformed";
    case Hdf5AnomalyKind::checksum_mismatch:
      return "checksum_mismatch";
    case Hdf5AnomalyKind::out_of_bounds:
      return "out_of_bounds";
    case Hdf5AnomalyKind::unsupported:
      return "unsupported";
    case Hdf5AnomalyKind::eof_mismatch:
      return "eof_mismatch";
    case Hdf5AnomalyKind::base_address_mismatch:
      return "base_address_mismatch";
    case Hdf5AnomalyKind::duplicate_link:
      return "duplicate_link";
    case Hdf5AnomalyKind::attribute_too_large:
      return "attribute_too_large";
    case Hdf5AnomalyKind::storage_out_of_bounds:
      return "storage_out_of_bounds";
  }
  return "unknown";
}

std::string_view to_string(Hdf5Object::Kind kind) {
  switch (kind) {
    case Kind::group:
      return "group";
    case Kind::dataset:
      return "dataset";
    case Kind::datatype:
      return "datatype";
    case Kind::unknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view to_string(Hdf5DatasetInfo::Layout layout) {
  switch (layout) {
    case Hdf5DatasetInfo::Layout::compact:
      return "compact";
    case Hdf5DatasetInfo::Layout::contiguous:
      return "contiguous";
    case Hdf5DatasetInfo::Layout::chunked:
      return "chunked";
    case Hdf5DatasetInfo::Layout::virtual_:
      return "virtual";
    case Hdf5DatasetInfo::Layout::unknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view to_string(Hdf5Link::Type type) {
  switch (type) {
    case Hdf5Link::Type::hard:
      return "hard";
    case Hdf5Link::Type::soft:
      return "soft";
    case Hdf5Link::Type::external:
      return "external";
    case Hdf5Link::Type::user_defined:
      return "user-defined";
  }
  return "unknown";
}

std::string_view hdf5_filter_name(std::uint16_t id) {
  switch (id) {
    case 1:
      return "deflate";
    case 2:
      return "shuffle";
    case 3:
      return "fletcher32";
    case 4:
      return "szip";
    case 5:
      return "nbit";
    case 6:
      return "scaleoffset";
    case 307:
      return "bzip2";
    case 32000:
      return "lzf";
    case 32001:
      return "blosc";
    case 32004:
      return "lz4";
    case 32015:
      return "zstd";
    default:
      return "";
  }
}

}  // namespace ms
