#include "formats/pickle_literals.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "modelshield/utf8.hpp"

namespace ms::pickle_vm {
namespace {

// CPython refuses decimal strings longer than this (sys.int_info.default_max_str_digits); binary-radix
// literals are unlimited, but we stop converting them to decimal past the same order of size.
constexpr std::size_t kMaxDecimalDigits = 4300;
// Past 1 Kbit (about 300 decimal digits) a number is only described: converting costs quadratic time and
// an argument summary would cut it anyway.
constexpr std::size_t kMaxConvertedLimbs = 32;

// An unsigned magnitude in base 2^32, least significant limb first.
class Magnitude {
 public:
  void multiply_add(std::uint32_t factor, std::uint32_t addend) {
    std::uint64_t carry = addend;
    for (auto& limb : limbs_) {
      std::uint64_t product = static_cast<std::uint64_t>(limb) * factor + carry;
      limb = static_cast<std::uint32_t>(product);
      carry = product >> 32;
    }
    if (carry != 0) limbs_.push_back(static_cast<std::uint32_t>(carry));
  }
  std::uint32_t divide(std::uint32_t divisor) {
    std::uint64_t remainder = 0;
    for (std::size_t i = limbs_.size(); i-- > 0;) {
      std::uint64_t current = (remainder << 32) | limbs_[i];
      limbs_[i] = static_cast<std::uint32_t>(current / divisor);
      remainder = current % divisor;
    }
    trim();
    return static_cast<std::uint32_t>(remainder);
  }
  void set_limbs(std::vector<std::uint32_t> limbs) {
    limbs_ = std::move(limbs);
    trim();
  }
  std::size_t limb_count() const { return limbs_.size(); }
  bool is_zero() const { return limbs_.empty(); }

  IntegerValue to_integer(bool negative) {
    IntegerValue result;
    if (limbs_.size() <= 2) {
      std::uint64_t magnitude = limbs_.empty() ? 0 : limbs_[0];
      if (limbs_.size() == 2) magnitude |= static_cast<std::uint64_t>(limbs_[1]) << 32;
      constexpr std::uint64_t kMaxPositive =
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
      if (!negative && magnitude <= kMaxPositive) {
        result.value = static_cast<std::int64_t>(magnitude);
        return result;
      }
      if (negative && magnitude <= kMaxPositive + 1) {
        result.value = magnitude == kMaxPositive + 1 ? std::numeric_limits<std::int64_t>::min()
                                                     : -static_cast<std::int64_t>(magnitude);
        return result;
      }
    }
    result.fits = false;
    std::string digits;
    while (!is_zero()) {
      std::uint32_t chunk = divide(1'000'000'000);
      for (int i = 0; i < 9; ++i) {
        digits.push_back(static_cast<char>('0' + chunk % 10));
        chunk /= 10;
      }
    }
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    if (negative) digits.push_back('-');
    result.decimal.assign(digits.rbegin(), digits.rend());
    return result;
  }

 private:
  void trim() {
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
  }
  std::vector<std::uint32_t> limbs_;
};

bool is_python_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// The C unpickler copies each line into a NUL-terminated buffer and parses it as a C string.
std::string_view up_to_nul(std::string_view text) { return text.substr(0, text.find('\0')); }

// PyLong_FromString(text, NULL, base) for base 0 or 10: blanks around, an optional sign, a 0x/0o/0b prefix
// (base 0), single underscores between digits, no leading zeros on a non-zero decimal (base 0).
std::optional<IntegerValue> parse_python_int(std::string_view text, int base) {
  text = up_to_nul(text);
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n && is_python_space(text[i])) ++i;
  bool negative = false;
  if (i < n && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  int radix = 10;
  bool zero_prefixed_decimal = false;
  bool prefixed = false;
  if (base == 0 && i + 1 < n && text[i] == '0') {
    char marker = static_cast<char>(text[i + 1] | 0x20);
    if (marker == 'x' || marker == 'o' || marker == 'b') {
      radix = marker == 'x' ? 16 : marker == 'o' ? 8 : 2;
      prefixed = true;
      i += 2;
    }
  }
  if (base == 0 && !prefixed && i < n && text[i] == '0') zero_prefixed_decimal = true;
  if (prefixed && i < n && text[i] == '_') ++i;
  std::size_t digits = 0;
  bool nonzero = false;
  bool last_was_underscore = false;
  Magnitude magnitude;
  for (; i < n; ++i) {
    char c = text[i];
    if (c == '_') {
      if (digits == 0 || last_was_underscore) return std::nullopt;
      last_was_underscore = true;
      continue;
    }
    int d = digit_value(c);
    if (d >= radix) break;
    last_was_underscore = false;
    ++digits;
    nonzero = nonzero || d != 0;
    if (magnitude.limb_count() <= kMaxConvertedLimbs)
      magnitude.multiply_add(static_cast<std::uint32_t>(radix), d);
  }
  if (digits == 0 || last_was_underscore) return std::nullopt;
  if (zero_prefixed_decimal && nonzero) return std::nullopt;
  while (i < n && is_python_space(text[i])) ++i;
  if (i != n) return std::nullopt;
  if (radix == 10 && digits > kMaxDecimalDigits) return std::nullopt;
  if (magnitude.limb_count() > kMaxConvertedLimbs) {
    IntegerValue described;
    described.fits = false;
    described.decimal = "<int of " + std::to_string(digits) + " base-" + std::to_string(radix) + " digits>";
    return described;
  }
  return magnitude.to_integer(negative);
}

// glibc strtol(text, &end, 0) in the C locale; `end` is 0 when no digit was read.
struct StrtolResult {
  std::int64_t value = 0;
  std::size_t end = 0;
  bool overflow = false;
};

bool is_c_space(char c) { return is_python_space(c); }

StrtolResult c_strtol_base0(std::string_view text) {
  StrtolResult result;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n && is_c_space(text[i])) ++i;
  bool negative = false;
  if (i < n && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  int radix = 10;
  if (i < n && text[i] == '0') {
    radix = 8;
    if (i + 2 < n && (text[i + 1] | 0x20) == 'x' && digit_value(text[i + 2]) < 16) {
      radix = 16;
      i += 2;
    }
  }
  const std::uint64_t limit = negative ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1;
  std::uint64_t accumulated = 0;
  std::size_t digits = 0;
  for (; i < n; ++i) {
    int d = digit_value(text[i]);
    if (d >= radix) break;
    ++digits;
    if (accumulated > (limit - static_cast<std::uint64_t>(d)) / static_cast<std::uint64_t>(radix)) {
      result.overflow = true;
    } else {
      accumulated = accumulated * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(d);
    }
  }
  if (digits == 0) return result;
  result.end = i;
  if (!result.overflow) {
    result.value = negative
                       ? (accumulated == (std::uint64_t{1} << 63) ? std::numeric_limits<std::int64_t>::min()
                                                                  : -static_cast<std::int64_t>(accumulated))
                       : static_cast<std::int64_t>(accumulated);
  }
  return result;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view lower_prefix) {
  if (text.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    if ((text[i] | 0x20) != lower_prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<IntOpcodeValue> parse_int_line(std::string_view line) {
  if (line.empty()) return std::nullopt;
  std::string_view c_line = up_to_nul(line);
  StrtolResult quick = c_strtol_base0(c_line);
  IntOpcodeValue result;
  if (!quick.overflow && quick.end == c_line.size()) {
    // C compares the line length including its newline with 3.
    result.is_bool = line.size() == 2 && (quick.value == 0 || quick.value == 1);
    result.number.value = quick.value;
    return result;
  }
  std::optional<IntegerValue> slow = parse_python_int(line, 0);
  if (!slow) return std::nullopt;
  result.number = std::move(*slow);
  return result;
}

std::optional<IntegerValue> parse_long_line(std::string_view line) {
  if (line.empty()) return std::nullopt;
  if (line.back() == 'L') line.remove_suffix(1);
  return parse_python_int(line, 0);
}

std::optional<IntegerValue> parse_decimal_line(std::string_view line) {
  if (line.empty()) return std::nullopt;
  return parse_python_int(line, 10);
}

std::optional<double> parse_float_line(std::string_view line) {
  if (line.empty()) return std::nullopt;
  std::string_view text = up_to_nul(line);
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string_view body = text.substr(i);
  double value = 0;
  if (starts_with_ignoring_case(body, "infinity") || starts_with_ignoring_case(body, "inf")) {
    std::size_t length = starts_with_ignoring_case(body, "infinity") ? 8 : 3;
    if (length != body.size()) return std::nullopt;
    value = std::numeric_limits<double>::infinity();
  } else if (starts_with_ignoring_case(body, "nan")) {
    if (body.size() != 3) return std::nullopt;
    value = std::numeric_limits<double>::quiet_NaN();
  } else {
    std::size_t j = 0;
    std::size_t mantissa_digits = 0;
    while (j < body.size() && body[j] >= '0' && body[j] <= '9') ++j, ++mantissa_digits;
    if (j < body.size() && body[j] == '.') {
      ++j;
      while (j < body.size() && body[j] >= '0' && body[j] <= '9') ++j, ++mantissa_digits;
    }
    if (mantissa_digits == 0) return std::nullopt;
    bool negative_exponent = false;
    if (j < body.size() && (body[j] | 0x20) == 'e') {
      std::size_t k = j + 1;
      if (k < body.size() && (body[k] == '+' || body[k] == '-')) negative_exponent = body[k++] == '-';
      std::size_t exponent_start = k;
      while (k < body.size() && body[k] >= '0' && body[k] <= '9') ++k;
      if (k > exponent_start) j = k;
    }
    if (j != body.size()) return std::nullopt;
    auto [end, status] = std::from_chars(body.data(), body.data() + body.size(), value);
    if (status == std::errc::result_out_of_range) {
      if (!negative_exponent) return std::nullopt;  // CPython raises OverflowError
      value = 0.0;                                  // underflow rounds to zero
    } else if (status != std::errc() || end != body.data() + body.size()) {
      return std::nullopt;
    }
  }
  return negative ? -value : value;
}

IntegerValue decode_long_bytes(Bytes data) {
  IntegerValue result;
  if (data.empty()) return result;
  const bool negative = (data.back() & 0x80) != 0;
  if (data.size() <= 8) {
    std::uint64_t raw = 0;
    for (std::size_t i = 0; i < data.size(); ++i) raw |= static_cast<std::uint64_t>(data[i]) << (8 * i);
    if (negative && data.size() < 8) raw |= ~std::uint64_t{0} << (8 * data.size());
    result.value = static_cast<std::int64_t>(raw);
    return result;
  }
  if (data.size() > kMaxConvertedLimbs * 4) {
    result.fits = false;
    result.decimal = "<int of " + std::to_string(data.size()) + " bytes>";
    return result;
  }
  std::vector<std::uint32_t> limbs((data.size() + 3) / 4, negative ? 0xFFFFFFFFu : 0u);
  for (std::size_t i = 0; i < data.size(); ++i) {
    std::uint32_t& limb = limbs[i / 4];
    unsigned shift = 8 * (i % 4);
    limb = (limb & ~(0xFFu << shift)) | (static_cast<std::uint32_t>(data[i]) << shift);
  }
  if (negative) {  // magnitude = two's complement negation
    std::uint64_t carry = 1;
    for (auto& limb : limbs) {
      std::uint64_t sum = static_cast<std::uint64_t>(static_cast<std::uint32_t>(~limb)) + carry;
      limb = static_cast<std::uint32_t>(sum);
      carry = sum >> 32;
    }
  }
  Magnitude magnitude;
  magnitude.set_limbs(std::move(limbs));
  return magnitude.to_integer(negative);
}

std::optional<DecodedText> decode_string_line(std::string_view line, std::size_t max_output,
                                              std::string& error) {
  if (line.size() < 2 || line.front() != line.back() || (line.front() != '\'' && line.front() != '"')) {
    error = "the STRING opcode argument must be quoted";
    return std::nullopt;
  }
  std::string_view body = line.substr(1, line.size() - 2);
  DecodedText out;
  auto emit = [&](char c) {
    if (out.text.size() < max_output) {
      out.text.push_back(c);
    } else {
      out.partial = true;
    }
  };
  for (std::size_t i = 0; i < body.size();) {
    char c = body[i++];
    if (c != '\\') {
      emit(c);
      continue;
    }
    if (i == body.size()) {
      error = "Trailing \\ in string";
      return std::nullopt;
    }
    char escape = body[i++];
    switch (escape) {
      case '\n':
        break;
      case '\\':
        emit('\\');
        break;
      case '\'':
        emit('\'');
        break;
      case '"':
        emit('"');
        break;
      case 'b':
        emit('\b');
        break;
      case 'f':
        emit('\f');
        break;
      case 't':
        emit('\t');
        break;
      case 'n':
        emit('\n');
        break;
      case 'r':
        emit('\r');
        break;
      case 'v':
        emit('\v');
        break;
      case 'a':
        emit('\a');
        break;
      case 'x':
        if (i + 1 < body.size() && digit_value(body[i]) < 16 && digit_value(body[i + 1]) < 16) {
          emit(static_cast<char>(digit_value(body[i]) * 16 + digit_value(body[i + 1])));
          i += 2;
          break;
        }
        error = "invalid \\x escape at position " + std::to_string(i - 2);
        return std::nullopt;
      default:
        if (escape >= '0' && escape <= '7') {
          unsigned value = static_cast<unsigned>(escape - '0');
          for (int more = 0; more < 2 && i < body.size() && body[i] >= '0' && body[i] <= '7'; ++more) {
            value = value * 8 + static_cast<unsigned>(body[i++] - '0');
          }
          emit(static_cast<char>(value & 0xFF));
        } else {  // unknown escapes keep their backslash
          emit('\\');
          --i;
        }
    }
  }
  return out;
}

std::optional<DecodedText> decode_raw_unicode_escape(std::string_view line, std::size_t max_output,
                                                     std::string& error) {
  DecodedText out;
  auto emit = [&](std::uint32_t code_point) {
    if (out.text.size() < max_output) {
      append_utf8(out.text, code_point);
    } else {
      out.partial = true;
    }
  };
  for (std::size_t i = 0; i < line.size();) {
    if (line[i] != '\\') {
      emit(static_cast<std::uint8_t>(line[i++]));
      continue;
    }
    // Only a \u or \U after an odd run of backslashes is an escape.
    std::size_t run_start = i;
    while (i < line.size() && line[i] == '\\') ++i;
    std::size_t run = i - run_start;
    bool escape = (run % 2 == 1) && i < line.size() && (line[i] == 'u' || line[i] == 'U');
    for (std::size_t k = 0; k < run - (escape ? 1 : 0); ++k) emit('\\');
    if (!escape) continue;
    int count = line[i] == 'u' ? 4 : 8;
    ++i;
    std::uint32_t code_point = 0;
    for (int k = 0; k < count; ++k, ++i) {
      if (i >= line.size() || digit_value(line[i]) >= 16) {
        error = count == 4 ? "truncated \\uXXXX escape" : "truncated \\UXXXXXXXX escape";
        return std::nullopt;
      }
      code_point = code_point * 16 + static_cast<std::uint32_t>(digit_value(line[i]));
    }
    if (code_point > 0x10FFFF) {
      error = "\\Uxxxxxxxx out of range";
      return std::nullopt;
    }
    emit(code_point);
  }
  return out;
}

bool is_ascii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buffer[64];
  auto [end, status] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  if (status != std::errc()) return "<float>";
  std::string_view scientific(buffer, static_cast<std::size_t>(end - buffer));  // -d.ddde+XX
  std::size_t e_pos = scientific.find('e');
  std::string_view mantissa = scientific.substr(0, e_pos);
  int exponent = 0;
  std::from_chars(scientific.data() + e_pos + 1 + (scientific[e_pos + 1] == '+' ? 1 : 0),
                  scientific.data() + scientific.size(), exponent);
  std::string sign;
  if (!mantissa.empty() && mantissa[0] == '-') {
    sign = "-";
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  if (exponent < -4 || exponent >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out.append(".").append(digits, 1);
    char exponent_text[16];
    std::snprintf(exponent_text, sizeof exponent_text, "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    return out + exponent_text;
  }
  std::string out = sign;
  if (exponent < 0) {
    out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  } else {
    std::size_t integer_digits = static_cast<std::size_t>(exponent) + 1;
    if (digits.size() <= integer_digits) {
      out += digits + std::string(integer_digits - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, integer_digits) + "." + digits.substr(integer_digits);
    }
  }
  return out;
}

}  // namespace ms::pickle_vm
