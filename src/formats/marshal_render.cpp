// Text renderings of decoded marshal values: the forms Python's repr() would print, bounded in size.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "formats/marshal_value.hpp"
#include "formats/python_repr.hpp"
#include "modelshield/utf8.hpp"

namespace ms::marshal {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex_escape(std::string& out, unsigned byte) {
  out += "\\x";
  out += kHex[(byte >> 4) & 15];
  out += kHex[byte & 15];
}

// Decimal text of a marshal long (15-bit little-endian digits); past a few thousand bits only the size,
// since exact conversion is quadratic.
std::string long_repr(const Node& node) {
  std::size_t count = node.payload.size() / 2;
  std::vector<std::uint32_t> digits(count);  // most significant first
  for (std::size_t i = 0; i < count; ++i)
    digits[count - 1 - i] = node.payload[2 * i] | (node.payload[2 * i + 1] << 8);
  if (count == 0) return "0";
  if (count > 256)
    return std::string(node.negative ? "-" : "") + "<int of about " + std::to_string(count * 15) + " bits>";
  std::string reversed;
  while (!digits.empty()) {
    std::uint32_t remainder = 0;
    for (std::uint32_t& digit : digits) {
      std::uint32_t value = (remainder << 15) | digit;
      digit = value / 10000;
      remainder = value % 10000;
    }
    while (!digits.empty() && digits.front() == 0) digits.erase(digits.begin());
    for (int k = 0; k < 4; ++k) {
      reversed += static_cast<char>('0' + remainder % 10);
      remainder /= 10;
      if (digits.empty() && remainder == 0) break;
    }
  }
  while (reversed.size() > 1 && reversed.back() == '0') reversed.pop_back();
  std::string out = node.negative ? "-" : "";
  out.append(reversed.rbegin(), reversed.rend());
  return out;
}

std::string complex_repr(double real, double imag) {
  std::string out;
  if (real == 0 && !std::signbit(real)) {
    out = float_repr(imag, false);
    out += 'j';
    return out;
  }
  std::string imag_text = float_repr(imag, false);
  out += '(';
  out += float_repr(real, false);
  if (imag_text.front() != '-') out += '+';
  out += imag_text;
  out += "j)";
  return out;
}

class ReprWriter {
 public:
  ReprWriter(const Graph& graph, std::size_t budget) : graph_(graph), budget_(budget) {}

  std::string run(std::uint32_t node) {
    write(node, 0);
    if (truncated_) out_ += "...";
    return std::move(out_);
  }

 private:
  bool full() {
    if (out_.size() >= budget_) truncated_ = true;
    return truncated_;
  }

  void write_items(const Node& node, std::size_t depth, const char* open, const char* close, bool pairs) {
    out_ += open;
    for (std::size_t i = 0; i < node.items.size() && !full(); ++i) {
      if (i > 0) out_ += pairs && i % 2 == 1 ? ": " : ", ";
      write(node.items[i], depth + 1);
    }
    if (node.kind == Kind::tuple && node.items.size() == 1) out_ += ",";
    out_ += close;
  }

  void write(std::uint32_t index, std::size_t depth) {
    if (full()) return;
    const Node& node = graph_.nodes[index];
    // Back-references can chain containers far deeper than the stream nests them.
    if (depth > kMaxDepth || std::find(open_.begin(), open_.end(), index) != open_.end()) {
      out_ += node.kind == Kind::list ? "[...]" : node.kind == Kind::dict ? "{...}" : "...";
      return;
    }
    switch (node.kind) {
      case Kind::none:
        out_ += "None";
        return;
      case Kind::stop_iteration:
        out_ += "<class 'StopIteration'>";
        return;
      case Kind::ellipsis:
        out_ += "Ellipsis";
        return;
      case Kind::false_value:
        out_ += "False";
        return;
      case Kind::true_value:
        out_ += "True";
        return;
      case Kind::small_int:
        out_ += std::to_string(node.integer);
        return;
      case Kind::long_int:
        out_ += long_repr(node);
        return;
      case Kind::float_value:
        out_ += float_repr(node.real);
        return;
      case Kind::complex_value:
        out_ += complex_repr(node.real, node.imag);
        return;
      case Kind::bytes: {
        if (node.payload.size() > budget_) truncated_ = true;
        python_repr_bytes(out_, as_chars(node.payload.first(std::min(node.payload.size(), budget_))));
        return;
      }
      case Kind::str: {
        std::string text = node_text(node);
        if (text.size() > budget_) {
          std::size_t cut = budget_;
          while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
          text.resize(cut);
          truncated_ = true;
        }
        python_repr_str(out_, text);
        return;
      }
      case Kind::code: {
        const CodeFields& code = graph_.codes[node.code];
        out_ += "<code object " + node_text(graph_.nodes[code.name]) + ">";
        return;
      }
      default:
        break;
    }
    open_.push_back(index);
    switch (node.kind) {
      case Kind::tuple:
        write_items(node, depth, "(", ")", false);
        break;
      case Kind::list:
        write_items(node, depth, "[", "]", false);
        break;
      case Kind::dict:
        write_items(node, depth, "{", "}", true);
        break;
      case Kind::set:
        if (node.items.empty())
          out_ += "set()";
        else
          write_items(node, depth, "{", "}", false);
        break;
      case Kind::frozenset:
        if (node.items.empty())
          out_ += "frozenset()";
        else
          write_items(node, depth, "frozenset({", "})", false);
        break;
      case Kind::slice:
        write_items(node, depth, "slice(", ")", false);
        break;
      default:
        break;
    }
    open_.pop_back();
  }

  static constexpr std::size_t kMaxDepth = 32;
  const Graph& graph_;
  std::size_t budget_;
  bool truncated_ = false;
  std::string out_;
  std::vector<std::uint32_t> open_;
};

}  // namespace

std::string node_text(const Node& node, bool* valid) {
  std::string out;
  out.reserve(node.payload.size());
  if (node.latin1) {
    for (std::uint8_t c : node.payload) append_utf8(out, c);
    return out;
  }
  for (std::size_t i = 0; i < node.payload.size();) {
    std::size_t length = utf8_sequence_length(node.payload, i);
    if (length == 0) {
      if (valid) *valid = false;
      append_hex_escape(out, node.payload[i]);
      ++i;
      continue;
    }
    out.append(reinterpret_cast<const char*>(node.payload.data() + i), length);
    i += length;
  }
  return out;
}

std::string escape_bytes(Bytes bytes) {
  std::string out;
  out.reserve(bytes.size());
  append_escaped_bytes(out, as_chars(bytes));
  return out;
}

std::string repr(const Graph& graph, std::uint32_t node, std::size_t budget) {
  return ReprWriter(graph, budget).run(node);
}

std::string float_repr(double value, bool add_dot_zero) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Shortest round-trip digits, laid out by repr()'s rule: exponent form when the decimal point
  // would sit more than 16 places right or 4 places left of the first digit.
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  std::string out;
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e))
    if (c != '.') digits += c;
  int exponent = 0;
  std::string_view exponent_text = text.substr(e + 1);
  if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
  std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
  int point = exponent + 1;  // digits before the decimal point
  if (point > 16 || point < -3) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += exponent < 0 ? "e-" : "e+";
    int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) out += '0';
    out += std::to_string(magnitude);
  } else if (point <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-point), '0');
    out += digits;
  } else if (static_cast<std::size_t>(point) >= digits.size()) {
    out += digits;
    out.append(static_cast<std::size_t>(point) - digits.size(), '0');
    if (add_dot_zero) out += ".0";
  } else {
    out.append(digits, 0, static_cast<std::size_t>(point));
    out += '.';
    out.append(digits, static_cast<std::size_t>(point));
  }
  return out;
}

}  // namespace ms::marshal
