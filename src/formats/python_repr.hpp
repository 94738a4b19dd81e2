#pragma once
// Python's repr() of str and bytes values, as the pickle and marshal readers show constants in findings
// (the shell command a payload runs is shown exactly as Python would print it).
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace ms {

inline constexpr std::size_t kReprUnlimited = std::numeric_limits<std::size_t>::max();

// repr() of a str held as UTF-8 (surrogates allowed; bytes that are not UTF-8 are shown as \xNN), cut with
// "..." once the rendering reaches about `max_chars` characters.
void python_repr_str(std::string& out, std::string_view utf8, std::size_t max_chars = kReprUnlimited);
// repr() of a bytes value: b'...'.
void python_repr_bytes(std::string& out, std::string_view bytes, std::size_t max_chars = kReprUnlimited);
// The inside of a bytes repr, without the b prefix or quotes; `quote` (0: none) is escaped.
void append_escaped_bytes(std::string& out, std::string_view bytes, char quote = 0);

}  // namespace ms
