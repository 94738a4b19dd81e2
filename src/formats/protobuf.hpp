#pragma once
// A protobuf wire-format walker: no libprotobuf, no generated code. It iterates the fields of one
// message buffer and interprets their payloads on request; readers for concrete schemas (SavedModel,
// Keras metadata, ...) are written on top of it by field number.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms::protobuf {

enum class WireType : std::uint8_t {
  varint = 0,
  fixed64 = 1,
  length_delimited = 2,
  start_group = 3,  // deprecated proto2 groups
  end_group = 4,
  fixed32 = 5,
};
std::string_view to_string(WireType type);

inline constexpr std::uint32_t max_field_number = (1u << 29) - 1;
inline constexpr unsigned max_varint_bytes = 10;

// Groups never occur in proto3 files (TensorFlow, ONNX): by default they are malformed input. `skip`
// accepts balanced groups (nesting counted against Limits::max_protobuf_depth) and reports each as one
// field whose payload is the group's contents.
enum class GroupPolicy { reject, skip };

struct Field {
  std::uint32_t number = 0;
  WireType wire_type = WireType::varint;
  std::uint64_t value = 0;           // varint, fixed64 and fixed32 fields: the raw bits
  Bytes payload;                     // length-delimited fields and skipped groups: the contents
  std::uint64_t offset = 0;          // of the tag, in the outermost buffer
  std::uint64_t payload_offset = 0;  // of the first payload byte (value or contents)

  // Scalar interpretations; each throws nothing and assumes the caller checked the wire type.
  std::int64_t as_int64() const { return static_cast<std::int64_t>(value); }
  std::int32_t as_int32() const { return static_cast<std::int32_t>(static_cast<std::uint32_t>(value)); }
  std::int64_t as_sint64() const { return static_cast<std::int64_t>((value >> 1) ^ (~(value & 1) + 1)); }
  bool as_bool() const { return value != 0; }
  float as_float() const;
  double as_double() const;
};

// Reads a base-128 varint: at most ten bytes, and the tenth may only carry the 64th bit.
std::uint64_t read_varint(ByteReader& reader);

// Iterates the fields of one message. Offsets in fields and errors are positions in the outermost
// buffer. `context` names the message type in error messages ("NodeDef"); it must outlive the reader.
class MessageReader {
 public:
  MessageReader(Bytes message, const Limits& limits, std::string format = "protobuf",
                std::string_view context = "message", GroupPolicy groups = GroupPolicy::reject);

  // The next field, or nullopt at the end of the message. Throws FormatError on malformed wire data.
  std::optional<Field> next();

  // A reader over a length-delimited field (or skipped group) holding a sub-message, one level deeper;
  // LimitError past Limits::max_protobuf_depth.
  MessageReader nested(const Field& field, std::string_view context) const;

  // Throws FormatError naming the field unless it has the wire type the schema requires.
  void expect(const Field& field, WireType type, std::string_view field_name) const;
  // A schema `string`: length-delimited and valid UTF-8.
  std::string_view string(const Field& field, std::string_view field_name) const;
  // A schema `bytes`: length-delimited, any content.
  Bytes bytes(const Field& field, std::string_view field_name) const;
  // A schema integer/bool/enum: a varint.
  std::uint64_t varint(const Field& field, std::string_view field_name) const;

  // Repeated scalars, accepting both the packed (one length-delimited field) and the unpacked form.
  // Output is bounded by the field's own payload bytes.
  void append_varints(const Field& field, std::string_view field_name, std::vector<std::uint64_t>& out) const;
  void append_fixed32(const Field& field, std::string_view field_name, std::vector<std::uint32_t>& out) const;
  void append_fixed64(const Field& field, std::string_view field_name, std::vector<std::uint64_t>& out) const;

  [[noreturn]] void fail(const std::string& message, std::uint64_t offset) const;

  std::size_t depth() const { return depth_; }
  const Limits& limits() const { return *limits_; }
  const std::string& format() const { return reader_.format(); }
  std::string_view context() const { return context_; }
  std::uint64_t end_offset() const { return reader_.file_offset() + reader_.remaining(); }

 private:
  MessageReader(ByteReader reader, const Limits& limits, std::string_view context, GroupPolicy groups,
                std::size_t depth);
  void read_value(Field& field);
  void skip_group(Field& field);
  std::string describe(const Field& field, std::string_view field_name) const;

  ByteReader reader_;
  const Limits* limits_;
  std::string_view context_;
  GroupPolicy groups_;
  std::size_t depth_ = 0;
};

}  // namespace ms::protobuf
