#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms {

// An owned JSON tree with Python's semantics: object keys are unique (a duplicate key keeps the first
// key's position and the last value, like a dict built by json.loads), NaN/Infinity and integers of any
// size are accepted (their values are not needed for security analysis: NaN/Infinity become null, huge
// integers keep their decimal text in `text`).
struct JsonValue {
  enum class Kind : std::uint8_t { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  double number = 0;
  std::string text;                // string value; decimal text of integers too large for 64 bits
  std::vector<JsonValue> items;    // array elements, or object values (parallel to keys)
  std::vector<std::string> keys;   // object keys

  bool is_null() const { return kind == Kind::null; }
  bool is_string() const { return kind == Kind::string; }
  bool is_object() const { return kind == Kind::object; }
  bool is_array() const { return kind == Kind::array; }
  // Member lookup on objects; nullptr when absent or not an object.
  const JsonValue* get(std::string_view key) const;
  // The string member `key`, or empty view when absent / not a string.
  std::string_view string_at(std::string_view key) const;
};

// Parses JSON the way Python's json.loads(bytes) does: the encoding (UTF-8, UTF-8 with BOM, UTF-16/32
// with or without BOM) is detected from the first bytes, lone surrogate escapes are tolerated.
// Throws FormatError on malformed input and LimitError beyond limits.max_json_depth / max_json_nodes.
JsonValue parse_json(Bytes document, const Limits& limits);

// RFC 6901 escaping of one reference token ("~" -> "~0", "/" -> "~1").
std::string json_pointer_token(std::string_view key);

}  // namespace ms
