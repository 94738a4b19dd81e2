#include "modelshield/byte_reader.hpp"

#include <gtest/gtest.h>

#include <array>

namespace ms {
namespace {

TEST(ByteReader, ReadsLittleAndBigEndian) {
  std::array<std::uint8_t, 8> raw{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  ByteReader reader(raw, "test");
  EXPECT_EQ(reader.u16le(), 0x0201);
  EXPECT_EQ(reader.u16be(), 0x0304);
  EXPECT_EQ(reader.uint_le(3), 0x070605u);
  EXPECT_EQ(reader.remaining(), 1u);
}

TEST(ByteReader, RefusesToReadPastTheEnd) {
  std::array<std::uint8_t, 3> raw{1, 2, 3};
  ByteReader reader(raw, "test", 100);
  reader.skip(2);
  try {
    reader.u32le();
    FAIL() << "read past end";
  } catch (const FormatError& error) {
    EXPECT_EQ(error.offset(), 102u);
    EXPECT_EQ(error.format(), "test");
  }
  EXPECT_THROW(reader.seek(4), FormatError);
  EXPECT_THROW(reader.slice(2, 2), FormatError);
  EXPECT_THROW(reader.skip(~0ull), FormatError);
}

TEST(ByteReader, SubReaderReportsEnclosingOffsets) {
  std::array<std::uint8_t, 6> raw{0, 0, 0xAA, 0xBB, 0, 0};
  ByteReader reader(raw, "outer", 10);
  reader.skip(2);
  ByteReader inner = reader.sub(2, "inner");
  EXPECT_EQ(inner.file_offset(), 12u);
  EXPECT_EQ(inner.u16le(), 0xBBAA);
  EXPECT_THROW(inner.u8(), FormatError);
  EXPECT_EQ(reader.position(), 4u);
}

}  // namespace
}  // namespace ms
