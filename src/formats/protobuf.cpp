#include "formats/protobuf.hpp"

#include <bit>
#include <cstring>

#include "modelshield/utf8.hpp"

namespace ms::protobuf {

std::string_view to_string(WireType type) {
  switch (type) {
    case WireType::varint:
      return "varint";
    case WireType::fixed64:
      return "64-bit";
    case WireType::length_delimited:
      return "length-delimited";
    case WireType::start_group:
      return "start-group";
    case WireType::end_group:
      return "end-group";
    case WireType::fixed32:
      return "32-bit";
  }
  return "invalid";
}

float Field::as_float() const { return std::bit_cast<float>(static_cast<std::uint32_t>(value)); }
double Field::as_double() const { return std::bit_cast<double>(value); }

std::uint64_t read_varint(ByteReader& reader) {
  const std::uint64_t start = reader.file_offset();
  std::uint64_t result = 0;
  for (unsigned index = 0; index < max_varint_bytes; ++index) {
    if (reader.at_end()) reader.fail("varint truncated after " + std::to_string(index) + " bytes", start);
    const std::uint8_t byte = reader.u8();
    if (index == max_varint_bytes - 1) {
      if (byte & 0x80) reader.fail("varint longer than 10 bytes", start);
      if (byte > 1) reader.fail("varint does not fit in 64 bits", start);
    }
    result |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * index);
    if (!(byte & 0x80)) return result;
  }
  return result;  // not reached: the tenth byte either ends the varint or fails above
}

MessageReader::MessageReader(Bytes message, const Limits& limits, std::string format,
                             std::string_view context, GroupPolicy groups)
    : MessageReader(ByteReader(message, std::move(format)), limits, context, groups, 0) {}

MessageReader::MessageReader(ByteReader reader, const Limits& limits, std::string_view context,
                             GroupPolicy groups, std::size_t depth)
    : reader_(std::move(reader)), limits_(&limits), context_(context), groups_(groups), depth_(depth) {}

void MessageReader::fail(const std::string& message, std::uint64_t offset) const {
  throw FormatError(reader_.format(), std::string(context_) + ": " + message, offset);
}

namespace {

struct Tag {
  std::uint32_t number;
  WireType wire_type;
};

Tag read_tag(ByteReader& reader, const MessageReader& message) {
  const std::uint64_t offset = reader.file_offset();
  const std::uint64_t tag = read_varint(reader);
  const std::uint64_t number = tag >> 3;
  const unsigned wire_type = static_cast<unsigned>(tag & 7);
  if (number == 0) message.fail("field number 0 is invalid (tag byte " + std::to_string(tag) + ")", offset);
  if (number > max_field_number)
    message.fail("field number " + std::to_string(number) + " is out of range", offset);
  if (wire_type > 5)
    message.fail("field " + std::to_string(number) + " has invalid wire type " + std::to_string(wire_type),
                 offset);
  return {static_cast<std::uint32_t>(number), static_cast<WireType>(wire_type)};
}

}  // namespace

std::optional<Field> MessageReader::next() {
  if (reader_.at_end()) return std::nullopt;
  Field field;
  field.offset = reader_.file_offset();
  const Tag tag = read_tag(reader_, *this);
  field.number = tag.number;
  field.wire_type = tag.wire_type;
  read_value(field);
  return field;
}

void MessageReader::read_value(Field& field) {
  field.payload_offset = reader_.file_offset();
  switch (field.wire_type) {
    case WireType::varint:
      field.value = read_varint(reader_);
      return;
    case WireType::fixed64:
      if (reader_.remaining() < 8)
        fail("64-bit field " + std::to_string(field.number) + " is truncated", field.offset);
      field.value = reader_.u64le();
      return;
    case WireType::fixed32:
      if (reader_.remaining() < 4)
        fail("32-bit field " + std::to_string(field.number) + " is truncated", field.offset);
      field.value = reader_.u32le();
      return;
    case WireType::length_delimited: {
      const std::uint64_t length = read_varint(reader_);
      if (length > reader_.remaining())
        fail("field " + std::to_string(field.number) + " declares a length of " + std::to_string(length) +
                 " bytes but only " + std::to_string(reader_.remaining()) + " remain in the message",
             field.payload_offset);
      field.payload_offset = reader_.file_offset();
      field.payload = reader_.bytes(length);
      return;
    }
    case WireType::start_group:
      if (groups_ == GroupPolicy::reject)
        fail("field " + std::to_string(field.number) +
                 " uses the deprecated group wire type, which this schema "
                 "never contains",
             field.offset);
      skip_group(field);
      return;
    case WireType::end_group:
      fail("end-group tag for field " + std::to_string(field.number) + " without a matching start",
           field.offset);
  }
}

void MessageReader::skip_group(Field& field) {
  const std::size_t start = reader_.position();
  std::vector<std::uint32_t> open{field.number};
  while (true) {
    if (reader_.at_end())
      fail("group for field " + std::to_string(field.number) + " is never closed", field.offset);
    const std::size_t tag_position = reader_.position();
    const std::uint64_t tag_offset = reader_.file_offset();
    const Tag tag = read_tag(reader_, *this);
    if (tag.wire_type == WireType::end_group) {
      if (tag.number != open.back())
        fail("end-group tag for field " + std::to_string(tag.number) + " closes the group of field " +
                 std::to_string(open.back()),
             tag_offset);
      open.pop_back();
      if (open.empty()) {
        field.payload = reader_.data().subspan(start, tag_position - start);
        return;
      }
    } else if (tag.wire_type == WireType::start_group) {
      if (depth_ + open.size() + 1 > limits_->max_protobuf_depth)
        throw LimitError(reader_.format(),
                         std::string(context_) + ": groups nested deeper than " +
                             std::to_string(limits_->max_protobuf_depth),
                         tag_offset);
      open.push_back(tag.number);
    } else {
      Field inner;
      inner.number = tag.number;
      inner.wire_type = tag.wire_type;
      inner.offset = tag_offset;
      read_value(inner);
    }
  }
}

MessageReader MessageReader::nested(const Field& field, std::string_view context) const {
  if (field.wire_type != WireType::length_delimited && field.wire_type != WireType::start_group)
    fail("field " + std::to_string(field.number) + " has wire type " +
             std::string(to_string(field.wire_type)) + ", expected an embedded message",
         field.offset);
  if (depth_ + 1 > limits_->max_protobuf_depth)
    throw LimitError(
        reader_.format(),
        std::string(context) + ": messages nested deeper than " + std::to_string(limits_->max_protobuf_depth),
        field.payload_offset);
  return MessageReader(ByteReader(field.payload, reader_.format(), field.payload_offset), *limits_, context,
                       groups_, depth_ + 1);
}

std::string MessageReader::describe(const Field& field, std::string_view field_name) const {
  return "field " + std::to_string(field.number) + " (" + std::string(field_name) + ")";
}

void MessageReader::expect(const Field& field, WireType type, std::string_view field_name) const {
  if (field.wire_type != type)
    fail(describe(field, field_name) + " has wire type " + std::string(to_string(field.wire_type)) +
             ", expected " + std::string(to_string(type)),
         field.offset);
}

std::string_view MessageReader::string(const Field& field, std::string_view field_name) const {
  expect(field, WireType::length_delimited, field_name);
  if (auto bad = find_invalid_utf8(field.payload))
    fail(describe(field, field_name) + " is not valid UTF-8 (byte 0x" +
             std::string(1, "0123456789abcdef"[field.payload[*bad] >> 4]) +
             std::string(1, "0123456789abcdef"[field.payload[*bad] & 15]) + ")",
         field.payload_offset + *bad);
  return as_chars(field.payload);
}

Bytes MessageReader::bytes(const Field& field, std::string_view field_name) const {
  expect(field, WireType::length_delimited, field_name);
  return field.payload;
}

std::uint64_t MessageReader::varint(const Field& field, std::string_view field_name) const {
  expect(field, WireType::varint, field_name);
  return field.value;
}

void MessageReader::append_varints(const Field& field, std::string_view field_name,
                                   std::vector<std::uint64_t>& out) const {
  if (field.wire_type == WireType::varint) {
    out.push_back(field.value);
    return;
  }
  expect(field, WireType::length_delimited, field_name);
  ByteReader packed(field.payload, reader_.format(), field.payload_offset);
  while (!packed.at_end()) out.push_back(read_varint(packed));
}

void MessageReader::append_fixed32(const Field& field, std::string_view field_name,
                                   std::vector<std::uint32_t>& out) const {
  if (field.wire_type == WireType::fixed32) {
    out.push_back(static_cast<std::uint32_t>(field.value));
    return;
  }
  expect(field, WireType::length_delimited, field_name);
  if (field.payload.size() % 4 != 0)
    fail(describe(field, field_name) + ": packed 32-bit values span " + std::to_string(field.payload.size()) +
             " bytes, not a multiple of 4",
         field.payload_offset);
  ByteReader packed(field.payload, reader_.format(), field.payload_offset);
  while (!packed.at_end()) out.push_back(packed.u32le());
}

void MessageReader::append_fixed64(const Field& field, std::string_view field_name,
                                   std::vector<std::uint64_t>& out) const {
  if (field.wire_type == WireType::fixed64) {
    out.push_back(field.value);
    return;
  }
  expect(field, WireType::length_delimited, field_name);
  if (field.payload.size() % 8 != 0)
    fail(describe(field, field_name) + ": packed 64-bit values span " + std::to_string(field.payload.size()) +
             " bytes, not a multiple of 8",
         field.payload_offset);
  ByteReader packed(field.payload, reader_.format(), field.payload_offset);
  while (!packed.at_end()) out.push_back(packed.u64le());
}

}  // namespace ms::protobuf
