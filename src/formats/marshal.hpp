#pragma once
// Interface of the CPython marshal reader (implementation lands from the `marshal` branch).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms {

struct MarshalCode {
  std::string name, qualname, filename;
  std::int64_t first_line = 0;
  std::int64_t argcount = 0, flags = 0;
  std::vector<std::string> names;             // co_names: globals, attributes, imports the code uses
  std::vector<std::string> varnames;          // locals, free and cell variables
  std::vector<std::string> string_constants;  // str and bytes constants
  std::vector<std::string> other_constants;   // short repr of numbers/None/tuples
  std::vector<MarshalCode> nested;            // code objects found in consts (recursively)
  std::vector<std::uint8_t> bytecode;
};

struct MarshalCodeResult {
  MarshalCode code;
  std::string python_versions;  // layout the bytes use, e.g. "3.8-3.10"
};

MarshalCodeResult parse_marshal_code(Bytes data, const Limits& limits);
std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text);
std::vector<std::uint8_t> decode_raw_unicode_escape_to_bytes(std::string_view utf8_text);
std::vector<std::string> all_names(const MarshalCode& code);
std::vector<std::string> all_string_constants(const MarshalCode& code);

}  // namespace ms
