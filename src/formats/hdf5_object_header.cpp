#include <cstring>
#include <deque>

#include "formats/hdf5_internal.hpp"

namespace ms::hdf5_internal {

namespace {

struct Chunk {
  std::uint64_t address = 0;  // base-relative address of the block
  std::uint64_t length = 0;   // bytes of the block (v2: including signature and checksum)
};

bool has_signature(ByteReader& r, const char* signature) {
  if (r.remaining() < 4) return false;
  return std::memcmp(r.data().data() + r.position(), signature, 4) == 0;
}

// Parses one continuation message and queues the block it names.
void queue_continuation(Context& ctx, const Message& message, std::deque<Chunk>& pending,
                        std::set<std::uint64_t>& seen, std::uint64_t& total_length) {
  ByteReader r(message.data, kFormat, message.offset);
  Chunk chunk;
  chunk.address = ctx.read_address(r);
  chunk.length = ctx.read_length(r);
  // Blocks may not overlap in a valid file, so together they cannot exceed the file; this keeps
  // overlapping blocks from multiplying the messages read.
  if (chunk.length > ctx.file().size() || total_length + chunk.length > ctx.file().size())
    ctx.fail("object header continuation blocks add up to more than the file size", message.offset);
  total_length += chunk.length;
  if (!seen.insert(chunk.address).second) {
    ctx.anomaly(Hdf5AnomalyKind::malformed, "object header continuation loops back to an earlier block",
                message.offset);
    return;
  }
  if (seen.size() > kMaxContinuationBlocks)
    ctx.fail("too many object header continuation blocks", message.offset);
  pending.push_back(chunk);
}

struct Walk {
  std::deque<Chunk> pending;
  std::set<std::uint64_t> seen;
  std::uint64_t total_length = 0;
};

// Version 1 messages: type(2) size(2) flags(1) reserved(3) data, sizes multiples of 8.
// Version 2 messages: type(1) size(2) flags(1) [creation order(2)] data, packed; a gap smaller than a
// message prefix may end the block.
void read_messages(Context& ctx, ByteReader r, unsigned version, bool creation_order, ObjectHeader& header,
                   Walk& walk) {
  const std::size_t prefix = version == 1 ? 8 : creation_order ? 6 : 4;
  while (r.remaining() >= prefix) {
    ctx.step();
    Message m;
    m.type = version == 1 ? r.u16le() : r.u8();
    std::uint16_t size = r.u16le();
    m.flags = r.u8();
    if (version == 1) r.skip(3);
    if (version != 1 && creation_order) r.u16le();
    if (size > r.remaining()) {
      ctx.anomaly(Hdf5AnomalyKind::malformed,
                  "object header message of " + std::to_string(size) + " bytes overruns its block",
                  r.file_offset());
      return;
    }
    m.offset = r.file_offset();
    m.data = r.bytes(size);
    if (m.type == kMsgContinuation) {
      recover(ctx, Hdf5AnomalyKind::malformed, "continuation message",
              [&] { queue_continuation(ctx, m, walk.pending, walk.seen, walk.total_length); });
    } else {
      header.messages.push_back(m);
    }
  }
}

}  // namespace

const Message* ObjectHeader::first(std::uint16_t type) const {
  for (const Message& m : messages) {
    if (m.type == type) return &m;
  }
  return nullptr;
}

ObjectHeader read_object_header(Context& ctx, std::uint64_t address) {
  ObjectHeader header;
  header.address = address;
  ByteReader prefix = ctx.from(address, "object header");
  Walk walk;
  walk.seen.insert(address);
  bool creation_order = false;

  if (has_signature(prefix, "OHDR")) {
    header.version = 2;
    prefix.skip(4);
    unsigned version = prefix.u8();
    if (version != 2)
      ctx.fail("unsupported object header version " + std::to_string(version), prefix.file_offset());
    std::uint8_t flags = prefix.u8();
    creation_order = (flags & 0x04) != 0;
    if (flags & 0x20) prefix.skip(16);  // access, modification, change, birth times
    if (flags & 0x10) prefix.skip(4);   // attribute phase change values
    std::uint64_t chunk_size = prefix.uint_le(1u << (flags & 0x03));
    std::uint64_t data_start = prefix.position();
    if (chunk_size > prefix.remaining() || prefix.remaining() - chunk_size < 4)
      ctx.fail(
          "object header chunk of " + std::to_string(chunk_size) + " bytes runs past the end of the file",
          prefix.file_offset());
    ctx.verify_checksum(prefix.file_offset() - data_start, data_start + chunk_size + 4, "object header");
    read_messages(ctx, prefix.sub(chunk_size), 2, creation_order, header, walk);
  } else {
    unsigned version = prefix.u8();
    if (version != 1)
      ctx.fail("unsupported object header version " + std::to_string(version), prefix.file_offset() - 1);
    header.version = 1;
    prefix.u8();     // reserved
    prefix.u16le();  // number of messages (the blocks are read in full instead)
    prefix.u32le();  // reference count
    std::uint64_t size = prefix.u32le();
    prefix.skip(4);  // alignment of the first message to 8 bytes
    if (size > prefix.remaining())
      ctx.fail("object header of " + std::to_string(size) + " bytes runs past the end of the file",
               prefix.file_offset());
    read_messages(ctx, prefix.sub(size), 1, false, header, walk);
  }

  while (!walk.pending.empty()) {
    Chunk chunk = walk.pending.front();
    walk.pending.pop_front();
    recover(ctx, Hdf5AnomalyKind::malformed, "object header continuation block", [&] {
      ByteReader block = ctx.at(chunk.address, chunk.length, "object header continuation block");
      if (header.version == 1) {
        read_messages(ctx, block, 1, false, header, walk);
        return;
      }
      if (!has_signature(block, "OCHK"))
        ctx.fail("continuation block without OCHK signature", block.file_offset());
      if (chunk.length < 8) ctx.fail("continuation block too short", block.file_offset());
      ctx.verify_checksum(block.file_offset(), chunk.length, "object header continuation block");
      block.skip(4);
      read_messages(ctx, block.sub(chunk.length - 8), 2, creation_order, header, walk);
    });
  }
  return header;
}

}  // namespace ms::hdf5_internal
