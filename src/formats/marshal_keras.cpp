// The two text forms in which Keras stores a Lambda layer's marshalled code, reversed exactly as Keras'
// func_load reverses them (so that we see the bytes Python would unmarshal, even for odd input).
#include <array>
#include <string>

#include "formats/marshal.hpp"
#include "modelshield/utf8.hpp"

namespace ms {
namespace {

constexpr std::uint8_t kNotBase64 = 0xFF;

constexpr std::array<std::uint8_t, 256> make_base64_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& value : table) value = kNotBase64;
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<std::uint8_t>(kAlphabet[i])] = i;
  return table;
}
constexpr std::array<std::uint8_t, 256> kBase64 = make_base64_table();

// Decodes one UTF-8 sequence at text[i]; surrogate code points are accepted because a Python str can hold
// them (raw_unicode_escape turns "\ud800" in the marshal bytes into one).
char32_t decode_code_point(std::string_view text, std::size_t& i) {
  const std::size_t at = i;
  if (auto code_point = next_code_point(text, i, /*allow_surrogates=*/true)) return *code_point;
  throw FormatError("keras-lambda", "text is not well-formed UTF-8", at);
}

void append_escape(std::vector<std::uint8_t>& out, char32_t code_point) {
  static constexpr char kHex[] = "0123456789abcdef";
  int digits = code_point > 0xFFFF ? 8 : 4;
  out.push_back('\\');
  out.push_back(digits == 8 ? 'U' : 'u');
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out.push_back(kHex[(code_point >> shift) & 15]);
}

}  // namespace

std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3 + 3);
  unsigned quad_position = 0, pads = 0, left = 0;
  for (char c : text) {
    auto ch = static_cast<unsigned char>(c);
    if (ch >= 0x80) return std::nullopt;
    if (ch == '=') {
      // Padding ends the data once it completes a quantum that has at least two data characters.
      if (quad_position >= 2 && quad_position + ++pads >= 4) return out;
      continue;
    }
    std::uint8_t value = kBase64[ch];
    if (value == kNotBase64) continue;
    pads = 0;
    switch (quad_position) {
      case 0:
        left = value;
        quad_position = 1;
        break;
      case 1:
        out.push_back(static_cast<std::uint8_t>((left << 2) | (value >> 4)));
        left = value & 0x0F;
        quad_position = 2;
        break;
      case 2:
        out.push_back(static_cast<std::uint8_t>((left << 4) | (value >> 2)));
        left = value & 0x03;
        quad_position = 3;
        break;
      default:
        out.push_back(static_cast<std::uint8_t>((left << 6) | value));
        quad_position = 0;
        break;
    }
  }
  if (quad_position != 0) return std::nullopt;
  return out;
}

std::vector<std::uint8_t> decode_raw_unicode_escape_to_bytes(std::string_view utf8_text) {
  std::vector<std::uint8_t> out;
  out.reserve(utf8_text.size());
  for (std::size_t i = 0; i < utf8_text.size();) {
    char32_t code_point = decode_code_point(utf8_text, i);
    if (code_point < 0x100)
      out.push_back(static_cast<std::uint8_t>(code_point));
    else
      append_escape(out, code_point);
  }
  return out;
}

std::vector<std::uint8_t> keras_function_bytes(std::string_view text) {
  if (auto decoded = decode_base64(text)) return *std::move(decoded);
  return decode_raw_unicode_escape_to_bytes(text);
}

}  // namespace ms
