#pragma once
#include <string>

#include "modelshield/byte_reader.hpp"

namespace ms::json_detail {

// Bytes in the encoding Python's json.detect_encoding would pick, transcoded to UTF-8 (surrogatepass).
std::string to_utf8_like_python(Bytes document);

// Rewrites constructs Python accepts but simdjson does not into equivalents simdjson accepts, without
// changing string contents or structure: NaN/Infinity/-Infinity -> null; integers beyond 64 bits ->
// strings prefixed with "\u0000bigint:" (restored as numbers by the tree builder); lone surrogate escapes
// -> U+FFFD. Leaves malformed input malformed for simdjson to reject.
std::string normalise_python_json(std::string text);

inline constexpr std::string_view kBigIntMarker = "\x01" "bigint:";

}  // namespace ms::json_detail
