#include <cstring>

#include "formats/hdf5_internal.hpp"

namespace ms {

namespace {
constexpr std::uint8_t kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

bool signature_at(Bytes data, std::uint64_t offset) {
  return offset <= data.size() && data.size() - offset >= 8 &&
         std::memcmp(data.data() + offset, kSignature, 8) == 0;
}
}  // namespace

std::optional<std::uint64_t> find_hdf5_signature(Bytes data) {
  // libhdf5 looks at 0, then at every power of two from 512 on.
  if (signature_at(data, 0)) return 0;
  for (std::uint64_t offset = 512; offset < data.size(); offset *= 2) {
    if (signature_at(data, offset)) return offset;
  }
  return std::nullopt;
}

bool looks_like_hdf5(Bytes data) { return find_hdf5_signature(data).has_value(); }

}  // namespace ms

namespace ms::hdf5_internal {

namespace {

void check_sizes(Context& ctx, unsigned offsets, unsigned lengths, std::uint64_t where) {
  auto valid = [](unsigned size) { return size == 2 || size == 4 || size == 8; };
  if (!valid(offsets) || !valid(lengths))
    ctx.fail("unsupported size of offsets/lengths " + std::to_string(offsets) + "/" + std::to_string(lengths),
             where);
}

void check_end_of_file(Context& ctx, std::uint64_t eof, std::uint64_t where) {
  Hdf5File& out = ctx.out();
  std::uint64_t size = ctx.file().size();
  // libhdf5 writes the end-of-file address including the user block, i.e. as an absolute offset.
  out.end_of_file_address = eof;
  if (eof == kHdf5Undefined) {
    ctx.anomaly(Hdf5AnomalyKind::eof_mismatch, "end-of-file address is undefined", where);
  } else if (eof > size) {
    ctx.anomaly(Hdf5AnomalyKind::eof_mismatch,
                "file is truncated: superblock declares " + std::to_string(eof) + " bytes, file has " +
                    std::to_string(size),
                where);
  } else if (eof < size) {
    ctx.anomaly(Hdf5AnomalyKind::eof_mismatch,
                std::to_string(size - eof) + " bytes follow the end-of-file address " + std::to_string(eof),
                eof);
  }
}

void check_base(Context& ctx, std::uint64_t stored_base, std::uint64_t signature_offset) {
  // libhdf5 treats the signature position as the base when the two disagree; so does this reader.
  if (stored_base != signature_offset)
    ctx.anomaly(Hdf5AnomalyKind::base_address_mismatch,
                "base address " + std::to_string(stored_base) + " differs from the signature offset " +
                    std::to_string(signature_offset),
                signature_offset);
}

void read_v0_v1(Context& ctx, ByteReader& r, std::uint64_t signature_offset, unsigned version) {
  r.u8();  // free-space storage version
  r.u8();  // root group symbol table entry version
  r.u8();  // reserved
  r.u8();  // shared header message format version
  unsigned offsets = r.u8();
  unsigned lengths = r.u8();
  r.u8();  // reserved
  check_sizes(ctx, offsets, lengths, r.file_offset());
  r.u16le();  // group leaf node K
  r.u16le();  // group internal node K
  r.u32le();  // file consistency flags
  if (version == 1) {
    r.u16le();  // indexed storage internal node K
    r.u16le();  // reserved
  }
  ctx.set_geometry(signature_offset, offsets, lengths);
  std::uint64_t base = ctx.read_address(r);
  ctx.read_address(r);  // free-space info (unused by libhdf5)
  std::uint64_t eof = ctx.read_address(r);
  std::uint64_t driver = ctx.read_address(r);
  // Root group symbol table entry.
  ctx.read_length(r);  // link name offset (a heap offset: size of lengths)
  std::uint64_t root = ctx.read_address(r);
  check_base(ctx, base, signature_offset);
  check_end_of_file(ctx, eof, signature_offset);
  if (ctx.defined(driver))
    ctx.anomaly(Hdf5AnomalyKind::unsupported, "file driver information block present (multi/family driver)",
                signature_offset);
  ctx.out().root_address = root;
}

void read_v2_v3(Context& ctx, ByteReader& r, std::uint64_t signature_offset) {
  unsigned offsets = r.u8();
  unsigned lengths = r.u8();
  check_sizes(ctx, offsets, lengths, r.file_offset());
  r.u8();  // file consistency flags
  ctx.set_geometry(signature_offset, offsets, lengths);
  std::uint64_t base = ctx.read_address(r);
  std::uint64_t extension = ctx.read_address(r);
  std::uint64_t eof = ctx.read_address(r);
  std::uint64_t root = ctx.read_address(r);
  r.u32le();  // checksum
  ctx.verify_checksum(signature_offset, r.position(), "superblock");
  check_base(ctx, base, signature_offset);
  check_end_of_file(ctx, eof, signature_offset);
  if (ctx.defined(extension) && !ctx.in_file(extension, 1))
    ctx.anomaly(Hdf5AnomalyKind::out_of_bounds, "superblock extension address is outside the file",
                signature_offset);
  ctx.out().root_address = root;
}

}  // namespace

void read_superblock(Context& ctx) {
  std::optional<std::uint64_t> signature = find_hdf5_signature(ctx.file());
  if (!signature) ctx.fail("no HDF5 signature at offset 0, 512, 1024, 2048, ...", 0);
  Hdf5File& out = ctx.out();
  out.signature_offset = *signature;
  ByteReader r(ctx.file().subspan(*signature), kFormat, *signature);
  r.skip(8);
  unsigned version = r.u8();
  out.superblock_version = version;
  if (version <= 1) {
    read_v0_v1(ctx, r, *signature, version);
  } else if (version <= 3) {
    read_v2_v3(ctx, r, *signature);
  } else {
    ctx.fail("unsupported superblock version " + std::to_string(version), *signature + 8);
  }
  out.base_address = ctx.base();
  out.size_of_offsets = ctx.offset_size();
  out.size_of_lengths = ctx.length_size();
  if (!ctx.defined(out.root_address)) ctx.fail("root group address is undefined", *signature);
}

}  // namespace ms::hdf5_internal
