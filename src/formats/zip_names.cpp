// Name decoding exactly as CPython's zipfile does it: bytes.decode('utf-8') (strict) when flag bit 11 is
// set, bytes.decode('cp437') otherwise.
#include <array>

#include "formats/zip.hpp"
#include "modelshield/utf8.hpp"

namespace ms {
namespace {

// Code points of cp437 bytes 0x80..0xFF (0x00..0x7F map to themselves, as in Python's codec).
constexpr std::array<char32_t, 128> kCp437High = {
    0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7, 0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee,
    0x00ec, 0x00c4, 0x00c5, 0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9, 0x00ff, 0x00d6,
    0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192, 0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa,
    0x00ba, 0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb, 0x2591, 0x2592, 0x2593, 0x2502,
    0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510, 0x2514,
    0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f, 0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550,
    0x256c, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b, 0x256a, 0x2518, 0x250c,
    0x2588, 0x2584, 0x258c, 0x2590, 0x2580, 0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
    0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229, 0x2261, 0x00b1, 0x2265, 0x2264, 0x2320,
    0x2321, 0x00f7, 0x2248, 0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0};

// Length of the well-formed UTF-8 sequence at raw[i] (Unicode table 3-7, which is what Python's strict
// decoder accepts: no overlongs, no surrogates, nothing above U+10FFFF), or 0 when ill-formed.
std::size_t utf8_sequence_length(Bytes raw, std::size_t i) {
  const std::uint8_t lead = raw[i];
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t second_low = 0x80, second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;
    if (lead == 0xED) second_high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;
    if (lead == 0xF4) second_high = 0x8F;
  } else {
    return 0;
  }
  if (raw.size() - i < length) return 0;
  if (raw[i + 1] < second_low || raw[i + 1] > second_high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (raw[i + k] < 0x80 || raw[i + k] > 0xBF) return 0;
  return length;
}

}  // namespace

std::string decode_zip_name(Bytes raw, bool utf8_flag, bool* valid) {
  if (valid) *valid = true;
  std::string out;
  out.reserve(raw.size());
  if (!utf8_flag) {
    for (std::uint8_t byte : raw) append_utf8(out, byte < 0x80 ? char32_t{byte} : kCp437High[byte - 0x80]);
    return out;
  }
  for (std::size_t i = 0; i < raw.size();) {
    std::size_t length = utf8_sequence_length(raw, i);
    if (length == 0) {
      if (valid) *valid = false;
      append_utf8(out, 0xFFFD);
      ++i;
      continue;
    }
    out.append(reinterpret_cast<const char*>(raw.data() + i), length);
    i += length;
  }
  return out;
}

}  // namespace ms
