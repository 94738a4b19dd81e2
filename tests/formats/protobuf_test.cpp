#include "formats/protobuf.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "modelshield/utf8.hpp"

namespace ms::protobuf {
namespace {

using Buffer = std::vector<std::uint8_t>;

// A few lines of wire-format encoding, to build inputs byte by byte.
void put_varint(Buffer& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(value));
}
void put_tag(Buffer& out, std::uint32_t number, WireType type) {
  put_varint(out, (static_cast<std::uint64_t>(number) << 3) | static_cast<unsigned>(type));
}
void put_bytes(Buffer& out, std::uint32_t number, const Buffer& payload) {
  put_tag(out, number, WireType::length_delimited);
  put_varint(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}
void put_string(Buffer& out, std::uint32_t number, std::string_view text) {
  put_bytes(out, number, Buffer(text.begin(), text.end()));
}

FormatError error_of(const auto& action) {
  try {
    action();
  } catch (const FormatError& error) {
    return error;
  }
  ADD_FAILURE() << "no FormatError";
  return FormatError("none", "none", ~0ull);
}

std::vector<Field> all_fields(MessageReader reader) {
  std::vector<Field> fields;
  while (auto field = reader.next()) fields.push_back(*field);
  return fields;
}

TEST(ProtobufWalker, IteratesEveryWireTypeWithOffsets) {
  Buffer data;
  put_tag(data, 1, WireType::varint);
  put_varint(data, 300);  // offsets 0..2
  put_tag(data, 2, WireType::fixed64);
  for (int i = 1; i <= 8; ++i) data.push_back(static_cast<std::uint8_t>(i));  // 3..11
  put_string(data, 3, "hello");                                               // 12..18
  put_tag(data, 4, WireType::fixed32);
  const float pi = 3.5f;
  std::uint32_t bits;
  std::memcpy(&bits, &pi, 4);
  for (int i = 0; i < 4; ++i) data.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));  // 19..23
  put_tag(data, 100000, WireType::varint);
  put_varint(data, 1);  // 24..28

  const Limits limits;
  auto fields = all_fields(MessageReader(data, limits));
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_EQ(fields[0].number, 1u);
  EXPECT_EQ(fields[0].wire_type, WireType::varint);
  EXPECT_EQ(fields[0].value, 300u);
  EXPECT_EQ(fields[0].offset, 0u);
  EXPECT_EQ(fields[0].payload_offset, 1u);
  EXPECT_EQ(fields[1].wire_type, WireType::fixed64);
  EXPECT_EQ(fields[1].value, 0x0807060504030201ull);
  EXPECT_EQ(fields[1].offset, 3u);
  EXPECT_EQ(fields[2].wire_type, WireType::length_delimited);
  EXPECT_EQ(as_chars(fields[2].payload), "hello");
  EXPECT_EQ(fields[2].offset, 12u);
  EXPECT_EQ(fields[2].payload_offset, 14u);
  EXPECT_EQ(fields[3].wire_type, WireType::fixed32);
  EXPECT_EQ(fields[3].as_float(), 3.5f);
  EXPECT_EQ(fields[4].number, 100000u);
  EXPECT_EQ(fields[4].offset, 24u);
}

TEST(ProtobufWalker, EmptyMessageHasNoFields) {
  const Limits limits;
  MessageReader reader(Bytes{}, limits);
  EXPECT_FALSE(reader.next().has_value());
}

TEST(ProtobufWalker, VarintBoundaries) {
  const Limits limits;
  Buffer max{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  ByteReader ok(max, "t");
  EXPECT_EQ(read_varint(ok), ~0ull);
  EXPECT_TRUE(ok.at_end());

  Buffer eleven{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00};
  ByteReader too_long(eleven, "t", 40);
  FormatError long_error = error_of([&] { read_varint(too_long); });
  EXPECT_EQ(long_error.offset(), 40u);
  EXPECT_NE(long_error.message().find("longer than 10 bytes"), std::string::npos);

  Buffer overflow{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02};
  ByteReader overflowing(overflow, "t");
  EXPECT_NE(error_of([&] { read_varint(overflowing); }).message().find("64 bits"), std::string::npos);

  Buffer truncated{0x08, 0x96};  // field 1 varint whose second byte is missing
  FormatError cut = error_of([&] { all_fields(MessageReader(truncated, limits)); });
  EXPECT_EQ(cut.offset(), 1u);
  EXPECT_NE(cut.message().find("truncated"), std::string::npos);
}

TEST(ProtobufWalker, NegativeAndZigzagIntegers) {
  Buffer data;
  put_tag(data, 1, WireType::varint);
  put_varint(data, static_cast<std::uint64_t>(std::int64_t{-2}));  // int32 -2 is sign-extended: 10 bytes
  put_tag(data, 2, WireType::varint);
  put_varint(data, 3);  // sint64 zigzag for -2
  EXPECT_EQ(data.size(), 13u);
  const Limits limits;
  auto fields = all_fields(MessageReader(data, limits));
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].as_int32(), -2);
  EXPECT_EQ(fields[0].as_int64(), -2);
  EXPECT_EQ(fields[1].as_sint64(), -2);
}

TEST(ProtobufWalker, RejectsBadTags) {
  const Limits limits;
  Buffer zero{0x00, 0x01};
  EXPECT_NE(error_of([&] { all_fields(MessageReader(zero, limits)); }).message().find("field number 0"),
            std::string::npos);
  Buffer wire6{0x0e};
  EXPECT_NE(error_of([&] { all_fields(MessageReader(wire6, limits)); }).message().find("invalid wire type 6"),
            std::string::npos);
  Buffer huge;
  put_varint(huge, (std::uint64_t{1} << 29) << 3);  // field number 2^29
  put_varint(huge, 0);
  EXPECT_NE(error_of([&] { all_fields(MessageReader(huge, limits)); }).message().find("out of range"),
            std::string::npos);
}

TEST(ProtobufWalker, LengthBeyondTheMessageIsReportedAtTheLength) {
  Buffer data;
  put_string(data, 1, "ok");
  put_tag(data, 2, WireType::length_delimited);  // offset 4
  put_varint(data, 1000);                        // offset 5..6
  data.push_back('x');
  const Limits limits;
  FormatError error = error_of([&] { all_fields(MessageReader(data, limits, "pb", "Outer")); });
  EXPECT_EQ(error.format(), "pb");
  EXPECT_EQ(error.offset(), 5u);
  EXPECT_EQ(error.message(),
            "Outer: field 2 declares a length of 1000 bytes but only 1 remain in the message");
}

TEST(ProtobufWalker, TruncatedFixedWidthFields) {
  const Limits limits;
  Buffer fixed64{0x09, 1, 2, 3};
  EXPECT_NE(error_of([&] { all_fields(MessageReader(fixed64, limits)); }).message().find("64-bit field 1"),
            std::string::npos);
  Buffer fixed32{0x15, 1, 2, 3};
  EXPECT_NE(error_of([&] { all_fields(MessageReader(fixed32, limits)); }).message().find("32-bit field 2"),
            std::string::npos);
}

TEST(ProtobufWalker, NestedOffsetsAreFileOffsets) {
  Buffer inner;
  put_string(inner, 7, "abc");
  Buffer outer;
  put_tag(outer, 1, WireType::varint);
  put_varint(outer, 5);
  put_bytes(outer, 2, inner);  // tag at 2, length at 3, inner from 4
  const Limits limits;
  MessageReader reader(outer, limits);
  reader.next();
  auto message = reader.next();
  ASSERT_TRUE(message);
  MessageReader nested = reader.nested(*message, "Inner");
  EXPECT_EQ(nested.depth(), 1u);
  auto field = nested.next();
  ASSERT_TRUE(field);
  EXPECT_EQ(field->offset, 4u);
  EXPECT_EQ(field->payload_offset, 6u);
  EXPECT_EQ(nested.string(*field, "name"), "abc");
  EXPECT_FALSE(nested.next());
  // A varint field is not an embedded message.
  MessageReader again(outer, limits);
  auto scalar = again.next();
  EXPECT_NE(error_of([&] { again.nested(*scalar, "X"); }).message().find("expected an embedded message"),
            std::string::npos);
}

Buffer nested_chain(int levels) {
  Buffer message;
  put_tag(message, 1, WireType::varint);
  put_varint(message, 1);
  for (int i = 0; i < levels; ++i) {
    Buffer outer;
    put_bytes(outer, 1, message);
    message = std::move(outer);
  }
  return message;
}

// Descends into field 1 as long as it is a message; returns the depth reached.
std::size_t descend(MessageReader reader) {
  while (auto field = reader.next())
    if (field->wire_type == WireType::length_delimited) return descend(reader.nested(*field, "Level"));
  return reader.depth();
}

TEST(ProtobufWalker, NestingIsLimited) {
  Limits limits;
  limits.max_protobuf_depth = 64;
  EXPECT_EQ(descend(MessageReader(nested_chain(64), limits)), 64u);
  Buffer deep = nested_chain(65);
  try {
    descend(MessageReader(deep, limits));
    FAIL() << "no LimitError";
  } catch (const LimitError& error) {
    EXPECT_NE(error.message().find("nested deeper than 64"), std::string::npos);
  }
}

TEST(ProtobufWalker, StringsMustBeUtf8) {
  Buffer data;
  put_string(data, 1, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");  // é € 😀
  put_string(data, 2, "ab\xc0\x80");                                 // overlong NUL at payload byte 2
  const Limits limits;
  MessageReader reader(data, limits, "pb", "Msg");
  auto good = reader.next();
  EXPECT_EQ(reader.string(*good, "name"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  auto bad = reader.next();
  FormatError error = error_of([&] { reader.string(*bad, "op"); });
  EXPECT_EQ(error.offset(), bad->payload_offset + 2);
  EXPECT_EQ(error.message(), "Msg: field 2 (op) is not valid UTF-8 (byte 0xc0)");
  // `bytes` fields take anything.
  EXPECT_EQ(reader.bytes(*bad, "raw").size(), 4u);
}

TEST(ProtobufWalker, Utf8Validation) {
  auto invalid_at = [](std::string_view text) { return find_invalid_utf8(as_bytes(text)); };
  EXPECT_EQ(invalid_at("plain ascii"), std::nullopt);
  EXPECT_EQ(invalid_at("\xf4\x8f\xbf\xbf"), std::nullopt);  // U+10FFFF
  EXPECT_EQ(invalid_at("\xed\x9f\xbf"), std::nullopt);      // U+D7FF
  EXPECT_EQ(invalid_at("x\x80"), 1u);                       // stray continuation
  EXPECT_EQ(invalid_at("\xc1\xbf"), 0u);                    // overlong 2-byte
  EXPECT_EQ(invalid_at("\xe0\x9f\xbf"), 0u);                // overlong 3-byte
  EXPECT_EQ(invalid_at("\xf0\x8f\xbf\xbf"), 0u);            // overlong 4-byte
  EXPECT_EQ(invalid_at("ok\xed\xa0\x80"), 2u);              // surrogate U+D800
  EXPECT_EQ(invalid_at("\xf4\x90\x80\x80"), 0u);            // above U+10FFFF
  EXPECT_EQ(invalid_at("\xf5\x80\x80\x80"), 0u);
  EXPECT_EQ(invalid_at("abc\xe2\x82"), 3u);   // truncated sequence
  EXPECT_EQ(invalid_at("\xe2\x28\xa1"), 0u);  // bad continuation
  // What a Windows-1252 -> UTF-8 re-encoding produces is valid UTF-8.
  EXPECT_EQ(invalid_at("\xcb\x86\x6d"), std::nullopt);
}

TEST(ProtobufWalker, WrongWireTypeNamesTheField) {
  Buffer data;
  put_tag(data, 3, WireType::varint);
  put_varint(data, 9);
  const Limits limits;
  MessageReader reader(data, limits, "pb", "NodeDef");
  auto field = reader.next();
  FormatError error = error_of([&] { reader.string(*field, "name"); });
  EXPECT_EQ(error.message(), "NodeDef: field 3 (name) has wire type varint, expected length-delimited");
  EXPECT_EQ(error.offset(), 0u);
  EXPECT_EQ(reader.varint(*field, "count"), 9u);
}

TEST(ProtobufWalker, RepeatedScalarsPackedAndUnpacked) {
  Buffer packed_varints;
  for (std::uint64_t v : {1ull, 300ull, ~0ull}) put_varint(packed_varints, v);
  Buffer packed32{1, 0, 0, 0, 2, 0, 0, 0};
  Buffer packed64{1, 0, 0, 0, 0, 0, 0, 0};
  Buffer data;
  put_bytes(data, 1, packed_varints);
  put_tag(data, 1, WireType::varint);
  put_varint(data, 7);
  put_bytes(data, 2, packed32);
  put_bytes(data, 3, packed64);
  put_bytes(data, 4, Buffer{1, 2, 3});  // not a multiple of 4
  put_bytes(data, 5, Buffer{0x80});     // truncated packed varint
  const Limits limits;
  MessageReader reader(data, limits);
  auto fields = all_fields(reader);
  ASSERT_EQ(fields.size(), 6u);
  std::vector<std::uint64_t> varints;
  reader.append_varints(fields[0], "i", varints);
  reader.append_varints(fields[1], "i", varints);
  EXPECT_EQ(varints, (std::vector<std::uint64_t>{1, 300, ~0ull, 7}));
  std::vector<std::uint32_t> words;
  reader.append_fixed32(fields[2], "f", words);
  EXPECT_EQ(words, (std::vector<std::uint32_t>{1, 2}));
  std::vector<std::uint64_t> doubles;
  reader.append_fixed64(fields[3], "d", doubles);
  EXPECT_EQ(doubles, (std::vector<std::uint64_t>{1}));
  EXPECT_NE(error_of([&] { reader.append_fixed32(fields[4], "f", words); }).message().find("multiple of 4"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { reader.append_varints(fields[5], "i", varints); }).offset(),
            fields[5].payload_offset);
  EXPECT_NE(error_of([&] { reader.append_fixed64(fields[1], "d", doubles); }).message().find("expected"),
            std::string::npos);
}

Buffer group_message() {
  Buffer data;
  put_tag(data, 1, WireType::varint);
  put_varint(data, 1);
  put_tag(data, 2, WireType::start_group);  // offset 2
  put_string(data, 3, "in");
  put_tag(data, 4, WireType::start_group);
  put_tag(data, 5, WireType::fixed32);
  for (int i = 0; i < 4; ++i) data.push_back(0);
  put_tag(data, 4, WireType::end_group);
  put_tag(data, 2, WireType::end_group);
  put_tag(data, 6, WireType::varint);
  put_varint(data, 6);
  return data;
}

TEST(ProtobufWalker, GroupsAreRejectedByDefault) {
  Buffer data = group_message();
  const Limits limits;
  FormatError error = error_of([&] { all_fields(MessageReader(data, limits)); });
  EXPECT_EQ(error.offset(), 2u);
  EXPECT_NE(error.message().find("deprecated group wire type"), std::string::npos);
  Buffer stray;
  put_tag(stray, 9, WireType::end_group);
  EXPECT_NE(
      error_of([&] { all_fields(MessageReader(stray, limits)); }).message().find("without a matching start"),
      std::string::npos);
}

TEST(ProtobufWalker, GroupsCanBeSkipped) {
  Buffer data = group_message();
  const Limits limits;
  MessageReader reader(data, limits, "pb", "Msg", GroupPolicy::skip);
  auto fields = all_fields(reader);
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[1].number, 2u);
  EXPECT_EQ(fields[1].wire_type, WireType::start_group);
  EXPECT_EQ(fields[1].payload_offset, 3u);
  EXPECT_EQ(fields[1].payload.size(), 4u + 1 + 5 + 1);  // "in" field, inner group with its end tag
  EXPECT_EQ(fields[2].number, 6u);
  // A skipped group's contents walk like a message.
  auto inner = all_fields(reader.nested(fields[1], "Group"));
  ASSERT_EQ(inner.size(), 2u);
  EXPECT_EQ(inner[0].offset, 3u);
  EXPECT_EQ(inner[1].wire_type, WireType::start_group);
}

TEST(ProtobufWalker, MalformedGroupsFailCleanly) {
  Limits limits;
  Buffer unclosed;
  put_tag(unclosed, 2, WireType::start_group);
  put_string(unclosed, 3, "x");
  EXPECT_NE(error_of([&] { all_fields(MessageReader(unclosed, limits, "pb", "M", GroupPolicy::skip)); })
                .message()
                .find("never closed"),
            std::string::npos);
  Buffer mismatched;
  put_tag(mismatched, 2, WireType::start_group);
  put_tag(mismatched, 3, WireType::end_group);
  EXPECT_NE(error_of([&] { all_fields(MessageReader(mismatched, limits, "pb", "M", GroupPolicy::skip)); })
                .message()
                .find("closes the group of field 2"),
            std::string::npos);
  limits.max_protobuf_depth = 8;
  Buffer deep;
  for (int i = 0; i < 20; ++i) put_tag(deep, 1, WireType::start_group);
  for (int i = 0; i < 20; ++i) put_tag(deep, 1, WireType::end_group);
  EXPECT_THROW(all_fields(MessageReader(deep, limits, "pb", "M", GroupPolicy::skip)), LimitError);
}

}  // namespace
}  // namespace ms::protobuf
