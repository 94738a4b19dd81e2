#include "formats/json_text.hpp"

#include <algorithm>
#include <cstdint>

#include "modelshield/error.hpp"
#include "modelshield/utf8.hpp"

namespace ms::json_detail {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

[[noreturn]] void fail(const std::string& message, std::uint64_t offset) {
  throw FormatError("json", message, offset);
}

// simdjson refuses encoded surrogates; Python's surrogatepass produces them: substitute U+FFFD.
void append_json_utf8(std::string& out, char32_t cp) {
  append_utf8(out, cp >= 0xD800 && cp <= 0xDFFF ? kReplacement : cp);
}

// Python's utf-8 decoder with errors='surrogatepass': strict, except that encoded surrogates pass.
std::string from_utf8(Bytes in, std::size_t start) {
  std::string out;
  out.reserve(in.size() - start);
  std::size_t i = start;
  while (i < in.size()) {
    std::uint8_t lead = in[i];
    if (lead < 0x80) {
      out.push_back(static_cast<char>(lead));
      ++i;
      continue;
    }
    std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
    if (length == 0 || lead > 0xF4 || i + length > in.size()) fail("invalid UTF-8", i);
    char32_t cp = lead & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) {
      if ((in[i + k] & 0xC0) != 0x80) fail("invalid UTF-8", i);
      cp = (cp << 6) | (in[i + k] & 0x3F);
    }
    bool overlong = (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF) fail("invalid UTF-8", i);
    append_json_utf8(out, cp);
    i += length;
  }
  return out;
}

std::string from_utf16(Bytes in, std::size_t start, bool big_endian) {
  if ((in.size() - start) % 2 != 0) fail("truncated UTF-16 data", in.size());
  std::string out;
  auto unit = [&](std::size_t at) -> char32_t {
    return big_endian ? (in[at] << 8 | in[at + 1]) : (in[at + 1] << 8 | in[at]);
  };
  for (std::size_t i = start; i < in.size(); i += 2) {
    char32_t cp = unit(i);
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < in.size()) {
      char32_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        i += 2;
      }
    }
    append_json_utf8(out, cp);
  }
  return out;
}

std::string from_utf32(Bytes in, std::size_t start, bool big_endian) {
  if ((in.size() - start) % 4 != 0) fail("truncated UTF-32 data", in.size());
  std::string out;
  for (std::size_t i = start; i < in.size(); i += 4) {
    char32_t cp = big_endian ? (char32_t(in[i]) << 24 | in[i + 1] << 16 | in[i + 2] << 8 | in[i + 3])
                             : (char32_t(in[i + 3]) << 24 | in[i + 2] << 16 | in[i + 1] << 8 | in[i]);
    if (cp > 0x10FFFF) fail("invalid UTF-32 code point", i);
    append_json_utf8(out, cp);
  }
  return out;
}

bool starts_with(Bytes in, std::initializer_list<std::uint8_t> prefix) {
  if (in.size() < prefix.size()) return false;
  std::size_t i = 0;
  for (std::uint8_t b : prefix)
    if (in[i++] != b) return false;
  return true;
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

unsigned hex_value(std::string_view four) {
  unsigned v = 0;
  for (char c : four) v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  return v;
}

// Copies a JSON string starting at text[i] == '"'; returns the index after the closing quote.
std::size_t copy_string(const std::string& text, std::size_t i, std::string& out) {
  out.push_back(text[i++]);
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      out.push_back(c);
      return i + 1;
    }
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) break;
    if (text[i + 1] != 'u' || i + 6 > text.size() ||
        !std::all_of(text.begin() + i + 2, text.begin() + i + 6, is_hex)) {
      out.append(text, i, 2);
      i += 2;
      continue;
    }
    unsigned unit = hex_value(std::string_view(text).substr(i + 2, 4));
    bool high = unit >= 0xD800 && unit <= 0xDBFF;
    bool low = unit >= 0xDC00 && unit <= 0xDFFF;
    if (high && i + 12 <= text.size() && text[i + 6] == '\\' && text[i + 7] == 'u' &&
        std::all_of(text.begin() + i + 8, text.begin() + i + 12, is_hex)) {
      unsigned next = hex_value(std::string_view(text).substr(i + 8, 4));
      if (next >= 0xDC00 && next <= 0xDFFF) {
        out.append(text, i, 12);
        i += 12;
        continue;
      }
    }
    if (high || low)
      out.append("\\ufffd");
    else
      out.append(text, i, 6);
    i += 6;
  }
  out.append(text, i, std::string::npos);  // unterminated: let simdjson reject it
  return text.size();
}

bool fits_in_64_bits(std::string_view digits, bool negative) {
  std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  if (digits.size() != limit.size()) return digits.size() < limit.size();
  return digits <= limit;
}

}  // namespace

std::string to_utf8_like_python(Bytes in) {
  if (starts_with(in, {0x00, 0x00, 0xFE, 0xFF})) return from_utf32(in, 4, true);
  if (starts_with(in, {0xFF, 0xFE, 0x00, 0x00})) return from_utf32(in, 4, false);
  if (starts_with(in, {0xFE, 0xFF})) return from_utf16(in, 2, true);
  if (starts_with(in, {0xFF, 0xFE})) return from_utf16(in, 2, false);
  if (starts_with(in, {0xEF, 0xBB, 0xBF})) return from_utf8(in, 3);
  if (in.size() >= 4) {
    if (in[0] == 0) return in[1] ? from_utf16(in, 0, true) : from_utf32(in, 0, true);
    if (in[1] == 0) return (in[2] || in[3]) ? from_utf16(in, 0, false) : from_utf32(in, 0, false);
  } else if (in.size() == 2) {
    if (in[0] == 0) return from_utf16(in, 0, true);
    if (in[1] == 0) return from_utf16(in, 0, false);
  }
  return from_utf8(in, 0);
}

std::string normalise_python_json(std::string text) {
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t i = 0;
  auto token_is = [&](std::string_view word) {
    return std::string_view(text).substr(i, word.size()) == word;
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      i = copy_string(text, i, out);
    } else if (token_is("NaN")) {
      out.append("null");
      i += 3;
    } else if (token_is("Infinity")) {
      out.append("null");
      i += 8;
    } else if (token_is("-Infinity")) {
      out.append("null");
      i += 9;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t end = i + (c == '-');
      while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
      bool integer = end < text.size() ? (text[end] != '.' && text[end] != 'e' && text[end] != 'E') : true;
      std::string_view digits = std::string_view(text).substr(i + (c == '-'), end - i - (c == '-'));
      if (integer && !digits.empty() && !fits_in_64_bits(digits, c == '-')) {
        out.append("\"\\u0001bigint:");
        out.append(text, i, end - i);
        out.push_back('"');
      } else {
        out.append(text, i, end - i);
      }
      i = end;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace ms::json_detail
