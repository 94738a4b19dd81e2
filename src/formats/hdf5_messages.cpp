#include <cstring>

#include "formats/hdf5_internal.hpp"

namespace ms::hdf5_internal {

namespace {

using Layout = Hdf5DatasetInfo::Layout;

// A name field of `size` bytes that includes its NUL terminator (possibly followed by padding).
std::string sized_name(ByteReader& r, std::uint64_t size) {
  std::string_view raw = as_chars(r.bytes(size));
  return std::string(raw.substr(0, raw.find('\0')));
}

std::uint64_t padded8(std::uint64_t n) { return (n + 7) / 8 * 8; }

}  // namespace

Dataspace parse_dataspace(Context& ctx, ByteReader r) {
  Dataspace space;
  unsigned version = r.u8();
  unsigned rank = r.u8();
  unsigned flags = r.u8();
  if (rank > kMaxRank) ctx.fail("dataspace of rank " + std::to_string(rank), r.file_offset());
  if (version == 1) {
    r.skip(5);
    space.scalar = rank == 0;
  } else if (version == 2) {
    unsigned type = r.u8();
    if (type > 2) ctx.fail("unknown dataspace type " + std::to_string(type), r.file_offset() - 1);
    space.scalar = type == 0;
    space.null = type == 2;
  } else {
    ctx.fail("unsupported dataspace version " + std::to_string(version), r.file_offset() - 3);
  }
  for (unsigned i = 0; i < rank; ++i) space.dims.push_back(ctx.read_length(r));
  if (flags & 0x01) {
    for (unsigned i = 0; i < rank; ++i) space.max_dims.push_back(ctx.read_length(r));
  } else {
    space.max_dims = space.dims;
  }
  if (space.null) {
    space.dims.clear();
    space.max_dims.clear();
  }
  return space;
}

ParsedLink parse_link_message(Context& ctx, ByteReader r) {
  ParsedLink link;
  unsigned version = r.u8();
  if (version != 1)
    ctx.fail("unsupported link message version " + std::to_string(version), r.file_offset() - 1);
  unsigned flags = r.u8();
  link.raw_type = (flags & 0x08) ? r.u8() : 0;
  if (flags & 0x04) r.u64le();  // creation order
  if (flags & 0x10) r.u8();     // name character set
  std::uint64_t name_length = r.uint_le(1u << (flags & 0x03));
  if (name_length == 0) ctx.fail("link with an empty name", r.file_offset());
  link.name = std::string(r.chars(name_length));
  switch (link.raw_type) {
    case 0:
      link.type = Hdf5Link::Type::hard;
      link.address = ctx.read_address(r);
      break;
    case 1:
      link.type = Hdf5Link::Type::soft;
      link.soft_target = std::string(r.chars(r.u16le()));
      break;
    default: {
      if (link.raw_type < 64)
        ctx.fail("reserved link type " + std::to_string(link.raw_type), r.file_offset());
      ByteReader data = r.sub(r.u16le());
      if (link.raw_type == 64) {
        link.type = Hdf5Link::Type::external;
        unsigned version_flags = data.u8();
        if ((version_flags >> 4) != 0)
          ctx.fail("unsupported external link version " + std::to_string(version_flags >> 4),
                   data.file_offset());
        link.external_file = read_c_string(ctx, data, "external link file name");
        link.external_path = read_c_string(ctx, data, "external link object path");
      } else {
        link.type = Hdf5Link::Type::user_defined;
      }
    }
  }
  return link;
}

Hdf5Attribute parse_attribute_message(Context& ctx, Bytes data, std::uint64_t offset) {
  ByteReader r(data, kFormat, offset);
  Hdf5Attribute attribute;
  unsigned version = r.u8();
  if (version < 1 || version > 3)
    ctx.fail("unsupported attribute message version " + std::to_string(version), offset);
  unsigned flags = r.u8();  // reserved in version 1
  std::uint64_t name_size = r.u16le();
  std::uint64_t type_size = r.u16le();
  std::uint64_t space_size = r.u16le();
  if (version == 3) r.u8();  // name character set
  const bool pad = version == 1;
  attribute.name = sized_name(r, name_size);
  if (pad) r.skip(padded8(name_size) - name_size);
  bool shared_type = version >= 2 && (flags & 0x01);
  if (version >= 2 && (flags & 0x02)) ctx.fail("shared dataspace in attribute is not supported", offset);
  std::uint64_t type_offset = r.file_offset();
  Bytes type_bytes = r.bytes(type_size);
  if (pad) r.skip(padded8(type_size) - type_size);
  ByteReader space_reader = r.sub(space_size);
  if (pad) r.skip(std::min<std::uint64_t>(padded8(space_size) - space_size, r.remaining()));
  attribute.datatype = parse_datatype_message(ctx, type_bytes, type_offset, shared_type);
  Dataspace space = parse_dataspace(ctx, space_reader);
  std::uint64_t declared = saturating_mul(space.element_count(), attribute.datatype.size);
  if (declared > r.remaining()) {
    // The dataspace claims more data than the message holds: keep the declared shape, decode nothing.
    ctx.anomaly(Hdf5AnomalyKind::attribute_too_large,
                "attribute \"" + attribute.name + "\" declares " + std::to_string(declared) +
                    " bytes of data but holds " + std::to_string(r.remaining()),
                offset);
    attribute.value.type_description = attribute.datatype.description();
    attribute.value.dims = space.dims;
    ctx.charge_metadata_bytes(attribute.name.size() + attribute.value.type_description.size(), offset);
    return attribute;
  }
  attribute.value = decode_value(ctx, attribute.datatype, space.dims, space.null, r);
  ctx.charge_metadata_bytes(attribute.name.size() + attribute.value.type_description.size(), offset);
  attribute.decoded = !space.null && decodable(attribute.datatype);
  return attribute;
}

LayoutMessage parse_layout(Context& ctx, ByteReader r) {
  LayoutMessage layout;
  layout.version = r.u8();
  if (layout.version < 1 || layout.version > 4)
    ctx.fail("unsupported data layout version " + std::to_string(layout.version), r.file_offset() - 1);
  if (layout.version <= 2) {
    unsigned rank = r.u8();
    unsigned layout_class = r.u8();
    r.skip(5);
    if (rank > kMaxRank + 1) ctx.fail("data layout of rank " + std::to_string(rank), r.file_offset());
    if (layout_class != 0) layout.address = ctx.read_address(r);
    std::vector<std::uint64_t> dims;
    for (unsigned i = 0; i < rank; ++i) dims.push_back(r.u32le());
    switch (layout_class) {
      case 0:
        layout.layout = Layout::compact;
        layout.size = r.u32le();
        break;
      case 1: {
        layout.layout = Layout::contiguous;
        std::uint64_t size = 1;
        for (std::uint64_t d : dims) size = saturating_mul(size, d);
        layout.size = size;
        break;
      }
      case 2:
        // As in version 3, the last chunk dimension is the element size; a separate element size follows.
        layout.layout = Layout::chunked;
        if (rank < 2) ctx.fail("chunked layout of rank " + std::to_string(rank), r.file_offset());
        layout.chunk_dims = dims;
        if (r.remaining() >= 4) r.u32le();
        break;
      default:
        ctx.fail("unknown data layout class " + std::to_string(layout_class), r.file_offset());
    }
    return layout;
  }
  unsigned layout_class = r.u8();
  switch (layout_class) {
    case 0:
      layout.layout = Layout::compact;
      layout.size = r.u16le();
      if (layout.size > r.remaining()) ctx.fail("compact data overruns its layout message", r.file_offset());
      break;
    case 1:
      layout.layout = Layout::contiguous;
      layout.address = ctx.read_address(r);
      layout.size = ctx.read_length(r);
      break;
    case 2: {
      layout.layout = Layout::chunked;
      if (layout.version == 3) {
        unsigned rank = r.u8();
        if (rank < 2 || rank > kMaxRank + 1)
          ctx.fail("chunked layout of rank " + std::to_string(rank), r.file_offset());
        layout.address = ctx.read_address(r);
        for (unsigned i = 0; i < rank; ++i) layout.chunk_dims.push_back(r.u32le());
        layout.index_type = 0;  // v1 B-tree
      } else {
        layout.chunk_flags = r.u8();
        unsigned rank = r.u8();
        unsigned width = r.u8();
        if (rank < 2 || rank > kMaxRank + 1)
          ctx.fail("chunked layout of rank " + std::to_string(rank), r.file_offset());
        if (width < 1 || width > 8)
          ctx.fail("chunk dimension width " + std::to_string(width), r.file_offset());
        for (unsigned i = 0; i < rank; ++i) layout.chunk_dims.push_back(r.uint_le(width));
        layout.index_type = r.u8();
        switch (layout.index_type) {
          case 1:
            if (layout.chunk_flags & 0x02) {
              layout.single_filtered_size = ctx.read_length(r);
              r.u32le();  // filter mask
            }
            break;
          case 2:
            break;
          case 3:
            r.u8();  // page bits
            break;
          case 4:
            r.skip(5);
            break;
          case 5:
            r.skip(6);
            break;
          default:
            ctx.fail("unknown chunk index type " + std::to_string(layout.index_type), r.file_offset() - 1);
        }
        layout.address = ctx.read_address(r);
      }
      break;
    }
    case 3:
      if (layout.version < 4) ctx.fail("virtual layout in a version 3 layout message", r.file_offset());
      layout.layout = Layout::virtual_;
      layout.address = ctx.read_address(r);
      layout.virtual_index = r.u32le();
      break;
    default:
      ctx.fail("unknown data layout class " + std::to_string(layout_class), r.file_offset() - 1);
  }
  return layout;
}

std::vector<Hdf5DatasetInfo::Filter> parse_filter_pipeline(Context& ctx, ByteReader r) {
  std::vector<Hdf5DatasetInfo::Filter> filters;
  unsigned version = r.u8();
  unsigned count = r.u8();
  if (version == 1) {
    r.skip(6);
  } else if (version != 2) {
    ctx.fail("unsupported filter pipeline version " + std::to_string(version), r.file_offset() - 2);
  }
  for (unsigned i = 0; i < count; ++i) {
    ctx.step();
    Hdf5DatasetInfo::Filter filter;
    filter.id = r.u16le();
    std::uint64_t name_length = (version == 1 || filter.id >= 256) ? r.u16le() : 0;
    filter.flags = r.u16le();
    unsigned values = r.u16le();
    if (name_length > 0) {
      filter.name = sized_name(r, version == 1 ? padded8(name_length) : name_length);
    }
    for (unsigned v = 0; v < values; ++v) filter.client_data.push_back(r.u32le());
    if (version == 1 && (values % 2) == 1) r.skip(4);
    if (filter.name.empty()) filter.name = std::string(hdf5_filter_name(filter.id));
    filters.push_back(std::move(filter));
  }
  return filters;
}

std::vector<Hdf5DatasetInfo::ExternalFile> parse_external_files(Context& ctx, ByteReader r) {
  unsigned version = r.u8();
  if (version != 1)
    ctx.fail("unsupported external file list version " + std::to_string(version), r.file_offset() - 1);
  r.skip(3);
  r.u16le();  // allocated slots
  unsigned used = r.u16le();
  std::uint64_t heap = ctx.read_address(r);
  Bytes names = read_local_heap(ctx, heap);
  std::vector<Hdf5DatasetInfo::ExternalFile> files;
  for (unsigned i = 0; i < used; ++i) {
    ctx.step();
    std::uint64_t where = r.file_offset();
    Hdf5DatasetInfo::ExternalFile file;
    std::uint64_t name_offset = ctx.read_length(r);
    file.offset = ctx.read_length(r);
    file.size = ctx.read_length(r);
    file.name = local_heap_string(ctx, names, name_offset, where);
    ctx.charge_metadata_bytes(file.name.size(), where);
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace ms::hdf5_internal
