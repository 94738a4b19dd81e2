#pragma once
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "modelshield/error.hpp"

namespace ms {

using Bytes = std::span<const std::uint8_t>;

inline std::string_view as_chars(Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
inline Bytes as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// A cursor over a byte span that cannot move or read past its end: every read is checked and a
// failed check throws FormatError naming `format` and the offset. Offsets are relative to `base_offset`
// so that sub-readers report positions in the enclosing file.
class ByteReader {
 public:
  ByteReader(Bytes data, std::string format, std::uint64_t base_offset = 0)
      : data_(data), format_(std::move(format)), base_(base_offset) {}

  std::size_t size() const { return data_.size(); }
  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ >= data_.size(); }
  std::uint64_t file_offset() const { return base_ + pos_; }
  Bytes data() const { return data_; }
  const std::string& format() const { return format_; }

  void seek(std::uint64_t position) {
    if (position > data_.size()) fail("seek past end of data", position);
    pos_ = static_cast<std::size_t>(position);
  }
  void skip(std::uint64_t count) {
    require(count);
    pos_ += static_cast<std::size_t>(count);
  }
  Bytes bytes(std::uint64_t count) {
    require(count);
    Bytes out = data_.subspan(pos_, static_cast<std::size_t>(count));
    pos_ += static_cast<std::size_t>(count);
    return out;
  }
  std::string_view chars(std::uint64_t count) { return as_chars(bytes(count)); }
  // A sub-reader over the next `count` bytes (consumed from this one).
  ByteReader sub(std::uint64_t count, std::string format = {}) {
    std::uint64_t start = file_offset();
    Bytes b = bytes(count);
    return ByteReader(b, format.empty() ? format_ : std::move(format), start);
  }
  // A reader over [offset, offset+count) of the same data, cursor untouched.
  ByteReader slice(std::uint64_t offset, std::uint64_t count) const {
    if (offset > data_.size() || count > data_.size() - offset) fail("slice out of bounds", offset);
    return ByteReader(data_.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(count)), format_,
                      base_ + offset);
  }

  std::uint8_t u8() { return bytes(1)[0]; }
  std::uint16_t u16le() { return static_cast<std::uint16_t>(le(2)); }
  std::uint32_t u32le() { return static_cast<std::uint32_t>(le(4)); }
  std::uint64_t u64le() { return le(8); }
  // Little-endian unsigned integer of 1..8 bytes (HDF5 "size of offsets/lengths").
  std::uint64_t uint_le(unsigned width) {
    if (width == 0 || width > 8) fail("unsupported integer width " + std::to_string(width), file_offset());
    return le(width);
  }
  std::uint16_t u16be() { return static_cast<std::uint16_t>(be(2)); }
  std::uint32_t u32be() { return static_cast<std::uint32_t>(be(4)); }
  std::uint64_t u64be() { return be(8); }

  std::uint8_t peek_u8() const {
    if (pos_ >= data_.size()) fail("unexpected end of data", file_offset());
    return data_[pos_];
  }

  [[noreturn]] void fail(const std::string& message) const { fail(message, file_offset()); }
  [[noreturn]] void fail(const std::string& message, std::uint64_t offset) const {
    throw FormatError(format_, message, offset);
  }

 private:
  void require(std::uint64_t count) const {
    if (count > remaining())
      fail("unexpected end of data: need " + std::to_string(count) + " bytes, " + std::to_string(remaining()) +
           " left");
  }
  std::uint64_t le(unsigned width) {
    Bytes b = bytes(width);
    std::uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i) v |= static_cast<std::uint64_t>(b[i]) << (8 * i);
    return v;
  }
  std::uint64_t be(unsigned width) {
    Bytes b = bytes(width);
    std::uint64_t v = 0;
    for (unsigned i = 0; i < width; ++i) v = (v << 8) | b[i];
    return v;
  }

  Bytes data_;
  std::string format_;
  std::uint64_t base_ = 0;
  std::size_t pos_ = 0;
};

}  // namespace ms
