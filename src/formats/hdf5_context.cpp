#include <bit>
#include <cstring>
#include <limits>

#include "formats/hdf5_internal.hpp"

namespace ms::hdf5_internal {

namespace {

std::uint32_t rotate(std::uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

void mix(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c) {
  a -= c, a ^= rotate(c, 4), c += b;
  b -= a, b ^= rotate(a, 6), a += c;
  c -= b, c ^= rotate(b, 8), b += a;
  a -= c, a ^= rotate(c, 16), c += b;
  b -= a, b ^= rotate(a, 19), a += c;
  c -= b, c ^= rotate(b, 4), b += a;
}

void final_mix(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c) {
  c ^= b, c -= rotate(b, 14);
  a ^= c, a -= rotate(c, 11);
  b ^= a, b -= rotate(a, 25);
  c ^= b, c -= rotate(b, 16);
  a ^= c, a -= rotate(c, 4);
  b ^= a, b -= rotate(a, 14);
  c ^= b, c -= rotate(b, 24);
}

std::uint32_t word(const std::uint8_t* p, std::size_t n) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

std::uint32_t lookup3(Bytes data) {
  std::size_t length = data.size();
  std::uint32_t a = 0xdeadbeef + static_cast<std::uint32_t>(length);
  std::uint32_t b = a, c = a;
  const std::uint8_t* k = data.data();
  while (length > 12) {
    a += word(k, 4);
    b += word(k + 4, 4);
    c += word(k + 8, 4);
    mix(a, b, c);
    length -= 12;
    k += 12;
  }
  if (length == 0) return c;
  // The tail is added little-endian into a, b, c: bytes 0-3 into a, 4-7 into b, 8-11 into c.
  a += word(k, length < 4 ? length : 4);
  if (length > 4) b += word(k + 4, length < 8 ? length - 4 : 4);
  if (length > 8) c += word(k + 8, length - 8);
  final_mix(a, b, c);
  return c;
}

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  if (a == 0 || b == 0) return 0;
  if (a > std::numeric_limits<std::uint64_t>::max() / b) return std::numeric_limits<std::uint64_t>::max();
  return a * b;
}

unsigned log2_floor(std::uint64_t value) { return value == 0 ? 0 : 63 - std::countl_zero(value); }

unsigned bytes_needed(std::uint64_t value) { return log2_floor(value) / 8 + 1; }

bool is_power_of_two(std::uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }

Context::Context(Bytes file, const Limits& limits, Hdf5File& out) : file_(file), limits_(limits), out_(out) {
  // Generous: a legitimate file needs a few units per byte of metadata at most.
  step_budget_ = 4'000'000 + saturating_mul(file.size(), 16);
}

void Context::set_geometry(std::uint64_t base, unsigned offset_size, unsigned length_size) {
  base_ = base;
  offset_size_ = offset_size;
  length_size_ = length_size;
}

std::uint64_t Context::read_address(ByteReader& r) const {
  std::uint64_t value = r.uint_le(offset_size_);
  std::uint64_t all_ones = offset_size_ >= 8 ? std::numeric_limits<std::uint64_t>::max()
                                             : (std::uint64_t{1} << (8 * offset_size_)) - 1;
  return value == all_ones ? kHdf5Undefined : value;
}

std::uint64_t Context::absolute(std::uint64_t address, const char* what) const {
  if (address == kHdf5Undefined) fail(std::string(what) + " has the undefined address", 0);
  if (address > file_.size() || base_ > file_.size() - address)
    fail(std::string(what) + " address " + std::to_string(address) + " is beyond the end of the file",
         std::min<std::uint64_t>(address, file_.size()));
  return base_ + address;
}

bool Context::in_file(std::uint64_t address, std::uint64_t size) const {
  if (address == kHdf5Undefined || address > file_.size() || base_ > file_.size() - address) return false;
  return size <= file_.size() - (base_ + address);
}

ByteReader Context::at(std::uint64_t address, std::uint64_t size, const char* what) const {
  std::uint64_t start = absolute(address, what);
  if (size > file_.size() - start)
    fail(std::string(what) + " of " + std::to_string(size) + " bytes runs past the end of the file", start);
  return ByteReader(file_.subspan(start, size), kFormat, start);
}

ByteReader Context::from(std::uint64_t address, const char* what, std::uint64_t max_size) const {
  std::uint64_t start = absolute(address, what);
  std::uint64_t size = std::min<std::uint64_t>(max_size, file_.size() - start);
  return ByteReader(file_.subspan(start, size), kFormat, start);
}

void Context::step(std::uint64_t units) {
  steps_ += units;
  if (steps_ > step_budget_)
    limit(
        "metadata structures need more work than a file of this size can justify (shared or cyclic "
        "structures?)",
        0);
}

void Context::charge_metadata_bytes(std::uint64_t bytes, std::uint64_t offset) {
  attribute_bytes_ += bytes;
  if (bytes > limits_.max_metadata_bytes || attribute_bytes_ > limits_.max_metadata_bytes)
    limit("decoded metadata (attribute values, names, paths) exceeds max_metadata_bytes (" +
              std::to_string(limits_.max_metadata_bytes) + ")",
          offset);
}

void Context::count_attribute(std::uint64_t offset) {
  if (++attribute_count_ > limits_.max_hdf5_attributes)
    limit("more than max_hdf5_attributes (" + std::to_string(limits_.max_hdf5_attributes) + ") attributes",
          offset);
}

void Context::anomaly(Hdf5AnomalyKind kind, std::string detail, std::uint64_t offset) {
  // A hostile file could produce one anomaly per byte; keep the list useful and bounded.
  constexpr std::size_t kMaxAnomalies = 10000;
  if (out_.anomalies.size() >= kMaxAnomalies) return;
  out_.anomalies.push_back(Hdf5Anomaly{kind, current_path, std::move(detail), offset});
}

bool Context::verify_checksum(std::uint64_t absolute_start, std::uint64_t size, const char* what) {
  if (size < 4 || absolute_start > file_.size() || size > file_.size() - absolute_start) return false;
  step(1 + size / 64);  // hashing is work too: a block reached many times must not hash the file many times
  Bytes block = file_.subspan(absolute_start, size);
  std::uint32_t stored = static_cast<std::uint32_t>(block[size - 4]) |
                         (static_cast<std::uint32_t>(block[size - 3]) << 8) |
                         (static_cast<std::uint32_t>(block[size - 2]) << 16) |
                         (static_cast<std::uint32_t>(block[size - 1]) << 24);
  std::uint32_t computed = lookup3(block.first(size - 4));
  if (stored == computed) return true;
  anomaly(Hdf5AnomalyKind::checksum_mismatch, std::string(what) + " checksum mismatch", absolute_start);
  return false;
}

bool recover(Context& ctx, Hdf5AnomalyKind kind, const std::string& what, const std::function<void()>& body) {
  try {
    body();
    return true;
  } catch (const LimitError&) {
    throw;
  } catch (const FormatError& e) {
    ctx.anomaly(kind, what + ": " + e.message(), e.offset());
    return false;
  }
}

void expect_signature(Context& ctx, ByteReader& r, const char* signature, const char* what) {
  Bytes sig = r.bytes(4);
  if (std::memcmp(sig.data(), signature, 4) != 0)
    ctx.fail(std::string(what) + " without its \"" + signature + "\" signature", r.file_offset() - 4);
}

std::string read_c_string(Context& ctx, ByteReader& r, const char* what) {
  Bytes rest = r.data().subspan(r.position());
  const void* nul = std::memchr(rest.data(), 0, rest.size());
  if (!nul) ctx.fail(std::string(what) + " without NUL terminator", r.file_offset());
  std::size_t length = static_cast<const std::uint8_t*>(nul) - rest.data();
  std::string out(as_chars(rest.first(length)));
  r.skip(length + 1);
  return out;
}

std::uint64_t Dataspace::element_count() const {
  if (null) return 0;
  std::uint64_t count = 1;
  for (std::uint64_t d : dims) count = saturating_mul(count, d);
  return count;
}

}  // namespace ms::hdf5_internal
