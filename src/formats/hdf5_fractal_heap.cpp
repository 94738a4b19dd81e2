#include <cstring>

#include "formats/hdf5_internal.hpp"

namespace ms::hdf5_internal {

namespace {

bool signature_is(Context& ctx, std::uint64_t address, const char* signature) {
  ByteReader r = ctx.at(address, 4, "fractal heap block");
  return std::memcmp(r.bytes(4).data(), signature, 4) == 0;
}

}  // namespace

FractalHeap::FractalHeap(Context& ctx, std::uint64_t address) : ctx_(ctx), address_(address) {
  ByteReader r = ctx.from(address, "fractal heap header");
  if (std::memcmp(r.bytes(4).data(), "FRHP", 4) != 0)
    ctx.fail("fractal heap header without its \"FRHP\" signature", r.file_offset() - 4);
  unsigned version = r.u8();
  if (version != 0)
    ctx.fail("unsupported fractal heap version " + std::to_string(version), r.file_offset() - 1);
  id_length_ = r.u16le();
  filter_length_ = r.u16le();
  flags_ = r.u8();
  max_managed_size_ = r.u32le();
  ctx.read_length(r);  // next huge object ID
  huge_btree_ = ctx.read_address(r);
  ctx.read_length(r);   // free space in managed blocks
  ctx.read_address(r);  // free-space manager
  ctx.read_length(r);   // managed space
  ctx.read_length(r);   // allocated managed space
  ctx.read_length(r);   // direct block allocation iterator
  ctx.read_length(r);   // managed objects
  ctx.read_length(r);   // huge objects size
  ctx.read_length(r);   // huge objects count
  ctx.read_length(r);   // tiny objects size
  ctx.read_length(r);   // tiny objects count
  table_width_ = r.u16le();
  start_block_size_ = ctx.read_length(r);
  max_direct_size_ = ctx.read_length(r);
  max_heap_bits_ = r.u16le();
  r.u16le();  // starting rows of the root indirect block
  root_ = ctx.read_address(r);
  current_rows_ = r.u16le();
  if (filter_length_ > 0) {
    ctx.read_length(r);  // filtered root direct block size
    r.u32le();           // filter mask
    r.skip(filter_length_);
  }
  r.u32le();
  ctx.verify_checksum(r.file_offset() - r.position(), r.position(), "fractal heap header");

  if (id_length_ == 0 || !is_power_of_two(table_width_) || !is_power_of_two(start_block_size_) ||
      !is_power_of_two(max_direct_size_) || max_direct_size_ < start_block_size_ || max_heap_bits_ == 0 ||
      max_heap_bits_ > 64 || current_rows_ > 64)
    ctx.fail("fractal heap header with impossible doubling-table parameters", address);
  offset_bytes_ = (max_heap_bits_ + 7) / 8;
  length_bytes_ = bytes_needed(std::min<std::uint64_t>(max_direct_size_, max_managed_size_));
  max_direct_rows_ = log2_floor(max_direct_size_) - log2_floor(start_block_size_) + 2;
}

std::uint64_t FractalHeap::row_block_size(unsigned row) const {
  if (row == 0) return start_block_size_;
  unsigned shift = row - 1;
  if (shift >= 64 || log2_floor(start_block_size_) + shift >= 64)
    ctx_.fail("fractal heap row too large", address_);
  return start_block_size_ << shift;
}

unsigned FractalHeap::child_rows(std::uint64_t block_size) const {
  // An indirect block standing for `block_size` bytes of heap space has rows of width * start, width *
  // start, 2 * width * start, ... adding up to block_size.
  std::uint64_t first = saturating_mul(start_block_size_, table_width_);
  if (block_size < first) ctx_.fail("fractal heap indirect block smaller than one row", address_);
  return log2_floor(block_size) - log2_floor(first) + 1;
}

Bytes FractalHeap::object(Bytes id) {
  Bytes found = locate(id);
  ctx_.step(1 + found.size() / 64);  // many records may name the same large object
  return found;
}

Bytes FractalHeap::locate(Bytes id) {
  if (id.empty()) ctx_.fail("empty fractal heap ID", address_);
  unsigned version = id[0] >> 6;
  unsigned type = (id[0] >> 4) & 0x03;
  if (version != 0) ctx_.fail("unsupported fractal heap ID version " + std::to_string(version), address_);
  ByteReader r(id, kFormat);
  r.u8();
  switch (type) {
    case 0: {
      std::uint64_t offset = r.uint_le(offset_bytes_);
      std::uint64_t length = r.uint_le(length_bytes_);
      return managed(offset, length);
    }
    case 1:
      return huge(id);
    case 2: {
      std::uint64_t length;
      if (id_length_ <= 18) {
        length = (id[0] & 0x0f) + 1;
      } else {
        length = ((static_cast<std::uint64_t>(id[0] & 0x0f) << 8) | r.u8()) + 1;
      }
      return r.bytes(length);
    }
    default:
      ctx_.fail("unknown fractal heap ID type", address_);
  }
}

Bytes FractalHeap::managed(std::uint64_t offset, std::uint64_t length) {
  if (filter_length_ > 0) ctx_.fail("fractal heaps with I/O filters are not supported", address_);
  if (!ctx_.defined(root_)) ctx_.fail("fractal heap has no root block", address_);
  std::uint64_t block = root_, block_offset = 0, block_size = start_block_size_;
  if (current_rows_ > 0) {
    std::uint64_t iblock = root_, iblock_offset = 0;
    unsigned rows = current_rows_;
    const std::uint64_t header = 4 + 1 + ctx_.offset_size() + offset_bytes_;
    for (unsigned level = 0;; ++level) {
      ctx_.step();
      if (level > 64) ctx_.fail("fractal heap indirect blocks nested too deeply", address_);
      if (!signature_is(ctx_, iblock, "FHIB"))
        ctx_.fail("fractal heap indirect block without \"FHIB\"", address_);
      std::uint64_t acc = iblock_offset;
      unsigned row = 0, column = 0;
      std::uint64_t entry_offset = 0, size = 0;
      bool found = false;
      for (; row < rows; ++row) {
        size = row_block_size(row);
        std::uint64_t span = saturating_mul(size, table_width_);
        if (offset >= acc && offset - acc < span) {
          column = static_cast<unsigned>((offset - acc) / size);
          entry_offset = acc + column * size;
          found = true;
          break;
        }
        if (span > ~std::uint64_t{0} - acc) break;
        acc += span;
      }
      if (!found)
        ctx_.fail("fractal heap offset " + std::to_string(offset) + " is outside the heap", address_);
      const std::uint64_t direct_rows = std::min<std::uint64_t>(rows, max_direct_rows_);
      std::uint64_t position;
      if (row < max_direct_rows_) {
        position = header + (static_cast<std::uint64_t>(row) * table_width_ + column) * ctx_.offset_size();
      } else {
        position =
            header + direct_rows * table_width_ * ctx_.offset_size() +
            (static_cast<std::uint64_t>(row - max_direct_rows_) * table_width_ + column) * ctx_.offset_size();
      }
      if (!ctx_.in_file(iblock, position))
        ctx_.fail("fractal heap indirect block runs past the file", address_);
      ByteReader entry = ctx_.at(iblock + position, ctx_.offset_size(), "fractal heap block entry");
      std::uint64_t child = ctx_.read_address(entry);
      if (!ctx_.defined(child)) ctx_.fail("fractal heap object in an unallocated block", address_);
      if (row < max_direct_rows_) {
        block = child;
        block_offset = entry_offset;
        block_size = size;
        break;
      }
      rows = child_rows(size);
      iblock = child;
      iblock_offset = entry_offset;
    }
  }
  if (!signature_is(ctx_, block, "FHDB")) ctx_.fail("fractal heap direct block without \"FHDB\"", address_);
  const std::uint64_t header = 4 + 1 + ctx_.offset_size() + offset_bytes_ + ((flags_ & 0x02) ? 4 : 0);
  std::uint64_t within = offset - block_offset;
  if (within < header || within > block_size || length > block_size - within)
    ctx_.fail("fractal heap object at offset " + std::to_string(offset) + " does not fit its direct block",
              address_);
  return ctx_.at(block + within, length, "fractal heap object").data();
}

Bytes FractalHeap::huge(Bytes id) {
  const unsigned o = ctx_.offset_size(), l = ctx_.length_size();
  ByteReader r(id, kFormat);
  r.u8();
  if (filter_length_ > 0) ctx_.fail("filtered huge fractal heap objects are not supported", address_);
  if (id.size() - 1 >= static_cast<std::size_t>(o) + l) {
    // Directly accessed: address and length are in the ID.
    std::uint64_t address = ctx_.read_address(r);
    std::uint64_t length = ctx_.read_length(r);
    return ctx_.at(address, length, "huge fractal heap object").data();
  }
  std::uint64_t key = r.uint_le(std::min<unsigned>(static_cast<unsigned>(id.size() - 1), 8));
  if (!huge_objects_) {
    huge_objects_.emplace();
    if (!ctx_.defined(huge_btree_))
      ctx_.fail("fractal heap has huge object IDs but no huge object B-tree", address_);
    for_each_v2_record(ctx_, huge_btree_, 1, [&](Bytes record) {
      ByteReader rec(record, kFormat);
      std::uint64_t address = ctx_.read_address(rec);
      std::uint64_t length = ctx_.read_length(rec);
      std::uint64_t object_id = ctx_.read_length(rec);
      huge_objects_->emplace(object_id, std::make_pair(address, length));
    });
  }
  auto found = huge_objects_->find(key);
  if (found == huge_objects_->end())
    ctx_.fail("huge fractal heap object " + std::to_string(key) + " not found", address_);
  return ctx_.at(found->second.first, found->second.second, "huge fractal heap object").data();
}

}  // namespace ms::hdf5_internal
