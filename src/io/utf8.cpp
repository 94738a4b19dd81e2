#include "modelshield/utf8.hpp"

namespace ms {

std::size_t utf8_sequence_length(std::string_view text, std::size_t i, bool allow_surrogates) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;                        // overlong
    if (lead == 0xED && !allow_surrogates) high = 0x9F;  // U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, an overlong two-byte lead (C0, C1) or F5..FF
  }
  if (text.size() - i < length) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  return length;
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text, bool allow_surrogates) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(text, i, allow_surrogates);
    if (length == 0) return i;
    i += length;
  }
  return std::nullopt;
}

std::optional<char32_t> next_code_point(std::string_view text, std::size_t& i, bool allow_surrogates) {
  const std::size_t length = utf8_sequence_length(text, i, allow_surrogates);
  if (length == 0) return std::nullopt;
  constexpr unsigned char kLeadBits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  char32_t value = static_cast<unsigned char>(text[i]) & kLeadBits[length];
  for (std::size_t k = 1; k < length; ++k)
    value = (value << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  i += length;
  return value;
}

}  // namespace ms
