#include "formats/python_repr.hpp"

#include <cstdint>
#include <cstdio>

#include "modelshield/utf8.hpp"

namespace ms {
namespace {

constexpr std::string_view kEllipsis = "...";

void append_hex_escape(std::string& out, char prefix, std::uint32_t value, int digits) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\%c%0*x", prefix, digits, static_cast<unsigned>(value));
  out += buffer;
}

// Python's quote choice: single quotes unless the text has a single quote and no double quote.
char quote_for(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  return has_single && !has_double ? '"' : '\'';
}

void append_escaped_byte(std::string& out, unsigned char byte, char quote) {
  if (byte == '\\' || (quote != 0 && byte == static_cast<unsigned char>(quote))) {
    out.push_back('\\');
    out.push_back(static_cast<char>(byte));
  } else if (byte == '\n') {
    out += "\\n";
  } else if (byte == '\r') {
    out += "\\r";
  } else if (byte == '\t') {
    out += "\\t";
  } else if (byte < 0x20 || byte >= 0x7F) {
    append_hex_escape(out, 'x', byte, 2);
  } else {
    out.push_back(static_cast<char>(byte));
  }
}

// str.isprintable() for the code points a model file plausibly holds: C0/C1 controls, DEL, NBSP and the
// soft hyphen are escaped; other non-ASCII text is shown as it is.
bool printable(char32_t code_point) {
  return !(code_point < 0x20 || code_point == 0x7F || (code_point >= 0x80 && code_point <= 0xA0) ||
           code_point == 0xAD);
}

}  // namespace

void python_repr_str(std::string& out, std::string_view utf8, std::size_t max_chars) {
  const char quote = quote_for(utf8.substr(0, max_chars == kReprUnlimited ? utf8.size() : 4 * max_chars + 4));
  const std::size_t start = out.size();
  out.push_back(quote);
  for (std::size_t i = 0; i < utf8.size();) {
    if (out.size() - start >= max_chars) {
      out += kEllipsis;
      break;
    }
    const std::size_t begin = i;
    const std::optional<char32_t> code_point = next_code_point(utf8, i, /*allow_surrogates=*/true);
    if (!code_point) {
      append_hex_escape(out, 'x', static_cast<unsigned char>(utf8[i++]), 2);
    } else if (*code_point == '\\' || *code_point == static_cast<char32_t>(quote) || *code_point == '\n' ||
               *code_point == '\r' || *code_point == '\t') {
      append_escaped_byte(out, static_cast<unsigned char>(*code_point), quote);
    } else if (!printable(*code_point)) {
      append_hex_escape(out, 'x', *code_point, 2);
    } else if (*code_point >= 0xD800 && *code_point <= 0xDFFF) {
      append_hex_escape(out, 'u', *code_point, 4);
    } else {
      out.append(utf8.substr(begin, i - begin));
    }
  }
  out.push_back(quote);
}

void python_repr_bytes(std::string& out, std::string_view bytes, std::size_t max_chars) {
  const char quote = quote_for(bytes.substr(0, max_chars == kReprUnlimited ? bytes.size() : max_chars + 4));
  const std::size_t start = out.size();
  out += "b";
  out.push_back(quote);
  for (char c : bytes) {
    if (out.size() - start >= max_chars) {
      out += kEllipsis;
      break;
    }
    append_escaped_byte(out, static_cast<unsigned char>(c), quote);
  }
  out.push_back(quote);
}

void append_escaped_bytes(std::string& out, std::string_view bytes, char quote) {
  for (char c : bytes) append_escaped_byte(out, static_cast<unsigned char>(c), quote);
}

}  // namespace ms
