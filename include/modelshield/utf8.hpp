#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ms {

// Length of the UTF-8 sequence at text[i] that Python's strict decoder accepts (Unicode table 3-7: no
// overlongs, nothing above U+10FFFF, no surrogates unless `allow_surrogates`, as 'surrogatepass' and
// marshal/pickle strings permit), or 0 when the sequence there is ill-formed. Requires i < text.size().
std::size_t utf8_sequence_length(std::string_view text, std::size_t i, bool allow_surrogates = false);
inline std::size_t utf8_sequence_length(std::span<const std::uint8_t> bytes, std::size_t i,
                                        bool allow_surrogates = false) {
  return utf8_sequence_length(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), i,
                              allow_surrogates);
}

// Offset of the first ill-formed sequence, if any.
std::optional<std::size_t> find_invalid_utf8(std::string_view text, bool allow_surrogates = false);
inline std::optional<std::size_t> find_invalid_utf8(std::span<const std::uint8_t> bytes,
                                                    bool allow_surrogates = false) {
  return find_invalid_utf8(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                           allow_surrogates);
}

// Decodes the well-formed sequence at text[i] and moves i past it; nullopt (i unchanged) when ill-formed.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& i, bool allow_surrogates = false);

inline bool is_valid_utf8(std::string_view text, bool allow_surrogates = false) {
  return !find_invalid_utf8(text, allow_surrogates).has_value();
}

// Appends the UTF-8 encoding of one code point (any value up to U+10FFFF; surrogates are encoded as
// they are — callers that need well-formed UTF-8 replace them first).
inline void append_utf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

}  // namespace ms
