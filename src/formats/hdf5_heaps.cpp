#include <cstring>

#include "formats/hdf5_internal.hpp"

namespace ms::hdf5_internal {

namespace {

std::shared_ptr<const std::map<std::uint32_t, Bytes>> parse_collection(Context& ctx, std::uint64_t address) {
  ByteReader head = ctx.from(address, "global heap collection", 16);
  expect_signature(ctx, head, "GCOL", "global heap collection");
  unsigned version = head.u8();
  if (version != 1)
    ctx.fail("unsupported global heap version " + std::to_string(version), head.file_offset() - 1);
  head.skip(3);
  std::uint64_t size = ctx.read_length(head);
  std::uint64_t header_size = (head.position() + 7) / 8 * 8;  // the header is padded to 8 bytes
  if (size < header_size) ctx.fail("global heap collection smaller than its header", head.file_offset());
  ByteReader r = ctx.at(address, size, "global heap collection");
  r.skip(header_size);
  auto objects = std::make_shared<std::map<std::uint32_t, Bytes>>();
  const std::uint64_t object_header = 8 + ctx.length_size();
  while (r.remaining() >= object_header) {
    ctx.step();
    std::uint16_t index = r.u16le();
    r.u16le();  // reference count
    r.u32le();  // reserved
    std::uint64_t length = ctx.read_length(r);
    if (index == 0) break;  // free space: the rest of the collection
    r.skip(std::min<std::uint64_t>((8 - (8 + ctx.length_size()) % 8) % 8, r.remaining()));  // header padding
    if (length > r.remaining())
      ctx.fail("global heap object of " + std::to_string(length) + " bytes overruns its collection",
               r.file_offset());
    Bytes data = r.bytes(length);
    std::uint64_t padding = (8 - length % 8) % 8;
    r.skip(std::min<std::uint64_t>(padding, r.remaining()));
    objects->emplace(index, data);
  }
  return objects;
}

}  // namespace

Bytes read_local_heap(Context& ctx, std::uint64_t address) {
  ByteReader r = ctx.from(address, "local heap", 64);
  expect_signature(ctx, r, "HEAP", "local heap");
  unsigned version = r.u8();
  if (version != 0)
    ctx.fail("unsupported local heap version " + std::to_string(version), r.file_offset() - 1);
  r.skip(3);
  std::uint64_t size = ctx.read_length(r);
  ctx.read_length(r);  // free list head
  std::uint64_t data = ctx.read_address(r);
  return ctx.at(data, size, "local heap data segment").data();
}

std::string local_heap_string(Context& ctx, Bytes segment, std::uint64_t offset, std::uint64_t where) {
  if (offset >= segment.size())
    ctx.fail("name offset " + std::to_string(offset) + " is outside the local heap (" +
                 std::to_string(segment.size()) + " bytes)",
             where);
  Bytes rest = segment.subspan(offset);
  const void* nul = std::memchr(rest.data(), 0, rest.size());
  if (!nul) ctx.fail("local heap string without NUL terminator", where);
  std::size_t length = static_cast<const std::uint8_t*>(nul) - rest.data();
  ctx.step(1 + length / 64);  // many entries may name the same long string
  return std::string(as_chars(rest.first(length)));
}

Bytes global_heap_object(Context& ctx, std::uint64_t collection, std::uint32_t index) {
  auto found = ctx.global_heaps.find(collection);
  if (found == ctx.global_heaps.end()) {
    std::shared_ptr<const std::map<std::uint32_t, Bytes>> parsed;
    try {
      parsed = parse_collection(ctx, collection);
    } catch (const LimitError&) {
      throw;
    } catch (const FormatError&) {
      ctx.global_heaps.emplace(collection, nullptr);  // do not re-parse a broken collection per element
      throw;
    }
    found = ctx.global_heaps.emplace(collection, std::move(parsed)).first;
  }
  if (!found->second) ctx.fail("unreadable global heap collection " + std::to_string(collection), 0);
  auto object = found->second->find(index);
  if (object == found->second->end())
    ctx.fail(
        "global heap collection " + std::to_string(collection) + " has no object " + std::to_string(index),
        0);
  return object->second;
}

}  // namespace ms::hdf5_internal
