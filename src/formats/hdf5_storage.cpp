#include <cstring>

#include "formats/hdf5_internal.hpp"

namespace ms::hdf5_internal {

namespace {

using Layout = Hdf5DatasetInfo::Layout;

struct ChunkTally {
  std::uint64_t bytes = 0;
  std::uint64_t count = 0;
  void add(std::uint64_t size) {
    bytes = bytes + size < bytes ? ~0ull : bytes + size;
    ++count;
  }
};

// Fixed array index: header "FAHD", data block "FADB", optionally split into checksummed pages.
void walk_fixed_array(Context& ctx, std::uint64_t address, std::uint64_t chunk_bytes, ChunkTally& tally) {
  ByteReader h = ctx.from(address, "fixed array header", 64);
  expect_signature(ctx, h, "FAHD", "fixed array header");
  h.u8();  // version
  unsigned client = h.u8();
  unsigned entry_size = h.u8();
  unsigned page_bits = h.u8();
  std::uint64_t entries = ctx.read_length(h);
  std::uint64_t block_address = ctx.read_address(h);
  h.u32le();
  ctx.verify_checksum(h.file_offset() - h.position(), h.position(), "fixed array header");
  const unsigned o = ctx.offset_size();
  const bool filtered = client == 1;
  if (client > 1 || entry_size < o || (filtered && entry_size < o + 5) || page_bits >= 32)
    ctx.fail("fixed array header with impossible parameters", address);
  if (!ctx.defined(block_address)) return;
  if (saturating_mul(entries, entry_size) > ctx.file().size())
    ctx.fail("fixed array declares more entries than the file can hold", address);

  auto element = [&](ByteReader& r) {
    ctx.step();
    std::uint64_t chunk = ctx.read_address(r);
    std::uint64_t size = chunk_bytes;
    if (filtered) {
      size = r.uint_le(entry_size - o - 4);
      r.u32le();  // filter mask
    } else {
      r.skip(entry_size - o);
    }
    if (ctx.defined(chunk)) tally.add(size);
  };

  const std::uint64_t page_entries = std::uint64_t{1} << page_bits;
  ByteReader b = ctx.from(block_address, "fixed array data block");
  std::uint64_t start = b.file_offset();
  expect_signature(ctx, b, "FADB", "fixed array data block");
  b.u8();               // version
  b.u8();               // client
  ctx.read_address(b);  // header address
  if (entries <= page_entries) {
    for (std::uint64_t i = 0; i < entries; ++i) element(b);
    b.u32le();
    ctx.verify_checksum(start, b.position(), "fixed array data block");
    return;
  }
  const std::uint64_t pages = (entries + page_entries - 1) / page_entries;
  Bytes bitmap = b.bytes((pages + 7) / 8);
  b.u32le();
  ctx.verify_checksum(start, b.position(), "fixed array data block");
  for (std::uint64_t page = 0; page < pages; ++page) {
    std::uint64_t count = std::min(page_entries, entries - page * page_entries);
    std::uint64_t page_size = count * entry_size + 4;
    // A page that was never written has its bit clear and holds no chunk addresses.
    bool initialized = (bitmap[page / 8] >> (7 - page % 8)) & 1;
    if (initialized) {
      ByteReader p = b.sub(page_size);
      for (std::uint64_t i = 0; i < count; ++i) element(p);
    } else {
      b.skip(page_size);
    }
  }
}

// Extensible array index: header "EAHD", index block "EAIB", secondary blocks "EASB", data blocks "EADB".
// The spec gives the block layouts; the split of elements between blocks is the doubling scheme of its
// super blocks: super block s holds 2^floor(s/2) data blocks of 2^floor((s+1)/2) * min_elements elements,
// the first 2*log2(min_pointers) super blocks' data blocks are addressed from the index block directly.
class ExtensibleArray {
 public:
  ExtensibleArray(Context& ctx, std::uint64_t chunk_bytes, ChunkTally& tally)
      : ctx_(ctx), chunk_bytes_(chunk_bytes), tally_(tally) {}

  void walk(std::uint64_t address) {
    ByteReader h = ctx_.from(address, "extensible array header", 128);
    expect_signature(ctx_, h, "EAHD", "extensible array header");
    h.u8();  // version
    client_ = h.u8();
    element_size_ = h.u8();
    unsigned max_bits = h.u8();
    unsigned index_elements = h.u8();
    unsigned min_elements = h.u8();
    unsigned min_pointers = h.u8();
    page_bits_ = h.u8();
    for (int i = 0; i < 6; ++i) ctx_.read_length(h);  // statistics
    std::uint64_t index_block = ctx_.read_address(h);
    h.u32le();
    ctx_.verify_checksum(h.file_offset() - h.position(), h.position(), "extensible array header");
    const unsigned o = ctx_.offset_size();
    if (client_ > 1 || element_size_ < o || (client_ == 1 && element_size_ < o + 5) || max_bits == 0 ||
        max_bits > 64 || page_bits_ >= 32 || !is_power_of_two(min_elements) ||
        !is_power_of_two(min_pointers) || log2_floor(min_elements) >= max_bits)
      ctx_.fail("extensible array header with impossible parameters", address);
    offset_bytes_ = (max_bits + 7) / 8;
    min_elements_ = min_elements;
    super_blocks_ = 1 + max_bits - log2_floor(min_elements);
    if (!ctx_.defined(index_block)) return;

    // Super blocks 0 .. 2*log2(min_pointers)-1 hold 2 * (min_pointers - 1) data blocks in all.
    const unsigned direct_super_blocks = 2 * log2_floor(min_pointers);
    const std::uint64_t direct_data_blocks = 2 * (std::uint64_t{min_pointers} - 1);
    const std::uint64_t secondary =
        super_blocks_ > direct_super_blocks ? super_blocks_ - direct_super_blocks : 0;
    ByteReader b = ctx_.from(index_block, "extensible array index block");
    std::uint64_t start = b.file_offset();
    expect_signature(ctx_, b, "EAIB", "extensible array index block");
    b.u8();
    b.u8();
    ctx_.read_address(b);
    for (unsigned i = 0; i < index_elements; ++i) element(b);
    std::vector<std::uint64_t> data_blocks, secondary_blocks;
    for (std::uint64_t i = 0; i < direct_data_blocks; ++i) data_blocks.push_back(ctx_.read_address(b));
    for (std::uint64_t i = 0; i < secondary; ++i) secondary_blocks.push_back(ctx_.read_address(b));
    b.u32le();
    ctx_.verify_checksum(start, b.position(), "extensible array index block");

    std::size_t next = 0;
    for (unsigned s = 0; s < direct_super_blocks && s < super_blocks_; ++s) {
      for (std::uint64_t k = 0; k < blocks_in(s) && next < data_blocks.size(); ++k, ++next) {
        if (ctx_.defined(data_blocks[next])) data_block(data_blocks[next], elements_in(s), nullptr, 0);
      }
    }
    for (std::uint64_t j = 0; j < secondary_blocks.size(); ++j) {
      if (ctx_.defined(secondary_blocks[j])) secondary_block(secondary_blocks[j], direct_super_blocks + j);
    }
  }

 private:
  std::uint64_t blocks_in(std::uint64_t s) const { return std::uint64_t{1} << (s / 2); }
  std::uint64_t elements_in(std::uint64_t s) const {
    return (std::uint64_t{1} << ((s + 1) / 2)) * min_elements_;
  }

  void element(ByteReader& r) {
    ctx_.step();
    const unsigned o = ctx_.offset_size();
    std::uint64_t chunk = ctx_.read_address(r);
    std::uint64_t size = chunk_bytes_;
    if (client_ == 1) {
      size = r.uint_le(element_size_ - o - 4);
      r.u32le();
    } else {
      r.skip(element_size_ - o);
    }
    if (ctx_.defined(chunk)) tally_.add(size);
  }

  void secondary_block(std::uint64_t address, std::uint64_t s) {
    if (s >= 64) ctx_.fail("extensible array super block index too large", address);
    const std::uint64_t blocks = blocks_in(s), elements = elements_in(s);
    const bool paged = elements > (std::uint64_t{1} << page_bits_);
    const std::uint64_t pages = paged ? elements >> page_bits_ : 0;
    ByteReader b = ctx_.from(address, "extensible array secondary block");
    std::uint64_t start = b.file_offset();
    expect_signature(ctx_, b, "EASB", "extensible array secondary block");
    b.u8();
    b.u8();
    ctx_.read_address(b);
    b.skip(offset_bytes_);
    // Room for a byte-rounded bitmap per data block, though the bits are numbered across blocks.
    Bytes bitmap = paged ? b.bytes(saturating_mul(blocks, (pages + 7) / 8)) : Bytes{};
    std::vector<std::uint64_t> data_blocks;
    for (std::uint64_t i = 0; i < blocks; ++i) {
      ctx_.step();
      data_blocks.push_back(ctx_.read_address(b));
    }
    b.u32le();
    ctx_.verify_checksum(start, b.position(), "extensible array secondary block");
    for (std::uint64_t i = 0; i < blocks; ++i) {
      if (ctx_.defined(data_blocks[i]))
        data_block(data_blocks[i], elements, paged ? &bitmap : nullptr, i * pages);
    }
  }

  void data_block(std::uint64_t address, std::uint64_t elements, const Bytes* bitmap,
                  std::uint64_t first_page) {
    ctx_.step();
    if (saturating_mul(elements, element_size_) > ctx_.file().size())
      ctx_.fail("extensible array data block larger than the file", address);
    ByteReader b = ctx_.from(address, "extensible array data block");
    std::uint64_t start = b.file_offset();
    expect_signature(ctx_, b, "EADB", "extensible array data block");
    b.u8();
    b.u8();
    ctx_.read_address(b);
    b.skip(offset_bytes_);
    const std::uint64_t page_elements = std::uint64_t{1} << page_bits_;
    if (elements <= page_elements) {
      for (std::uint64_t i = 0; i < elements; ++i) element(b);
      b.u32le();
      ctx_.verify_checksum(start, b.position(), "extensible array data block");
      return;
    }
    if (!bitmap) ctx_.fail("paged extensible array data block without a page bitmap", address);
    b.u32le();
    ctx_.verify_checksum(start, b.position(), "extensible array data block");
    for (std::uint64_t page = 0; page < elements / page_elements; ++page) {
      std::uint64_t bit = first_page + page;
      bool initialized = bit / 8 < bitmap->size() && (((*bitmap)[bit / 8] >> (7 - bit % 8)) & 1);
      std::uint64_t page_size = page_elements * element_size_ + 4;
      if (!initialized) {
        b.skip(page_size);
        continue;
      }
      ByteReader p = b.sub(page_size);
      for (std::uint64_t i = 0; i < page_elements; ++i) element(p);
    }
  }

  Context& ctx_;
  std::uint64_t chunk_bytes_;
  ChunkTally& tally_;
  unsigned client_ = 0, element_size_ = 0, page_bits_ = 0, offset_bytes_ = 0;
  std::uint64_t min_elements_ = 0, super_blocks_ = 0;
};

void skip_selection(Context& ctx, ByteReader& r) {
  std::uint32_t type = r.u32le();
  std::uint32_t version = r.u32le();
  auto skip_counted = [&](std::uint64_t count, std::uint64_t each) {
    std::uint64_t bytes = saturating_mul(count, each);
    if (bytes > r.remaining()) ctx.fail("selection runs past its block", r.file_offset());
    r.skip(bytes);
  };
  switch (type) {
    case 0:  // none
    case 3:  // all
      r.skip(8);
      return;
    case 1:  // points
      if (version == 1) {
        r.skip(8);  // reserved, length
        std::uint64_t rank = r.u32le();
        std::uint64_t points = r.u32le();
        skip_counted(saturating_mul(rank, points), 4);
      } else if (version == 2) {
        unsigned width = r.u8();
        if (width != 2 && width != 4 && width != 8)
          ctx.fail("bad point selection encoding size", r.file_offset());
        std::uint64_t rank = r.u32le();
        std::uint64_t points = r.uint_le(width);
        skip_counted(saturating_mul(rank, points), width);
      } else {
        ctx.fail("unsupported point selection version " + std::to_string(version), r.file_offset());
      }
      return;
    case 2:  // hyperslab
      if (version == 1) {
        r.skip(8);  // reserved, length
        std::uint64_t rank = r.u32le();
        std::uint64_t blocks = r.u32le();
        skip_counted(saturating_mul(2 * rank, blocks), 4);
      } else if (version == 2) {
        r.u8();     // flags
        r.u32le();  // length
        std::uint64_t rank = r.u32le();
        skip_counted(4 * rank, 8);
      } else if (version == 3) {
        unsigned flags = r.u8();
        unsigned width = r.u8();
        if (width != 2 && width != 4 && width != 8) ctx.fail("bad hyperslab encoding size", r.file_offset());
        std::uint64_t rank = r.u32le();
        if (flags & 0x01) {
          skip_counted(4 * rank, width);
        } else {
          std::uint64_t blocks = r.uint_le(width);
          skip_counted(saturating_mul(2 * rank, blocks), width);
        }
      } else {
        ctx.fail("unsupported hyperslab selection version " + std::to_string(version), r.file_offset());
      }
      return;
    default:
      ctx.fail("unknown selection type " + std::to_string(type), r.file_offset());
  }
}

void describe_virtual(Context& ctx, const LayoutMessage& layout, Hdf5DatasetInfo& info) {
  info.virtual_sources_complete = false;
  if (!ctx.defined(layout.address)) {
    info.virtual_sources_complete = true;
    return;
  }
  Bytes block = global_heap_object(ctx, layout.address, layout.virtual_index);
  ctx.step(1 + block.size() / 64);  // many datasets may share one mapping block
  std::uint64_t start = static_cast<std::uint64_t>(block.data() - ctx.file().data());
  ByteReader r(block, kFormat, start);
  unsigned version = r.u8();
  if (version != 0) ctx.fail("unsupported virtual dataset mapping version " + std::to_string(version), start);
  std::uint64_t entries = ctx.read_length(r);
  if (entries > block.size()) ctx.fail("virtual dataset mapping count exceeds its block", start);
  for (std::uint64_t i = 0; i < entries; ++i) {
    ctx.step();
    Hdf5DatasetInfo::VirtualSource source;
    source.file = read_c_string(ctx, r, "virtual source file name");
    source.dataset = read_c_string(ctx, r, "virtual source dataset name");
    ctx.charge_metadata_bytes(source.file.size() + source.dataset.size(), r.file_offset());
    info.virtual_sources.push_back(std::move(source));
    skip_selection(ctx, r);
    skip_selection(ctx, r);
  }
  if (r.remaining() >= 4) ctx.verify_checksum(start, r.position() + 4, "virtual dataset mapping");
  info.virtual_sources_complete = true;
}

void describe_chunked(Context& ctx, const LayoutMessage& layout, Hdf5DatasetInfo& info) {
  info.data_address = layout.address;
  if (layout.chunk_dims.size() < 2) ctx.fail("chunked layout without dimensions", 0);
  info.chunk_dims.assign(layout.chunk_dims.begin(), layout.chunk_dims.end() - 1);
  std::uint64_t chunk_bytes = layout.chunk_dims.back();
  for (std::uint64_t d : info.chunk_dims) chunk_bytes = saturating_mul(chunk_bytes, d);
  static const char* const kIndexNames[] = {"v1 B-tree",   "single chunk",     "implicit",
                                            "fixed array", "extensible array", "v2 B-tree"};
  info.chunk_index = layout.index_type <= 5 ? kIndexNames[layout.index_type] : "unknown";
  if (!ctx.defined(layout.address)) {
    info.stored_bytes = 0;
    info.chunk_count = 0;
    return;
  }
  ChunkTally tally;
  switch (layout.index_type) {
    case 0:
      for_each_v1_chunk(ctx, layout.address, static_cast<unsigned>(layout.chunk_dims.size()),
                        [&](std::uint64_t size) { tally.add(size); });
      break;
    case 1:
      tally.add((layout.chunk_flags & 0x02) ? layout.single_filtered_size : chunk_bytes);
      break;
    case 2: {
      // Every chunk of the maximum extent is allocated up front.
      std::uint64_t chunks = 1;
      for (std::size_t i = 0; i < info.chunk_dims.size() && i < info.max_dims.size(); ++i) {
        std::uint64_t d = info.max_dims[i], c = info.chunk_dims[i];
        if (c == 0) ctx.fail("zero chunk dimension", 0);
        chunks = saturating_mul(chunks, d / c + (d % c != 0));
      }
      tally.bytes = saturating_mul(chunks, chunk_bytes);
      tally.count = chunks;
      break;
    }
    case 3:
      walk_fixed_array(ctx, layout.address, chunk_bytes, tally);
      break;
    case 5: {
      const bool filtered = !info.filters.empty();
      const std::uint64_t rank = info.chunk_dims.size();
      const unsigned o = ctx.offset_size();
      for_each_v2_record(ctx, layout.address, filtered ? 11 : 10, [&](Bytes record) {
        ByteReader r(record, kFormat);
        std::uint64_t chunk = ctx.read_address(r);
        std::uint64_t size = chunk_bytes;
        if (filtered) {
          std::uint64_t fixed = o + 4 + 8 * rank;
          if (record.size() <= fixed || record.size() - fixed > 8)
            ctx.fail("bad filtered chunk record size", 0);
          size = r.uint_le(static_cast<unsigned>(record.size() - fixed));
        }
        if (ctx.defined(chunk)) tally.add(size);
      });
      break;
    }
    case 4:
      ExtensibleArray(ctx, chunk_bytes, tally).walk(layout.address);
      break;
    default:
      return;
  }
  info.stored_bytes = tally.bytes;
  info.chunk_count = tally.count;
}

}  // namespace

void describe_storage(Context& ctx, const LayoutMessage& layout, Hdf5DatasetInfo& info) {
  info.layout = layout.layout;
  switch (layout.layout) {
    case Layout::compact:
      info.stored_bytes = layout.size;
      break;
    case Layout::contiguous:
      info.data_address = layout.address;
      // With an External File List the data lives in other files; libhdf5 still counts its size.
      info.stored_bytes = ctx.defined(layout.address) || !info.external_files.empty() ? layout.size : 0;
      if (ctx.defined(layout.address) && !ctx.in_file(layout.address, layout.size))
        ctx.anomaly(Hdf5AnomalyKind::storage_out_of_bounds,
                    "contiguous data at " + std::to_string(layout.address) + " (" +
                        std::to_string(layout.size) + " bytes) extends beyond the end of the file",
                    ctx.file().size());
      break;
    case Layout::chunked:
      describe_chunked(ctx, layout, info);
      break;
    case Layout::virtual_:
      info.stored_bytes = 0;
      describe_virtual(ctx, layout, info);
      break;
    case Layout::unknown:
      break;
  }
}

}  // namespace ms::hdf5_internal
