#pragma once
// Text and binary literals of the pickle opcodes, decoded exactly as CPython 3.11's C unpickler (_pickle.c)
// decodes them, which is what pickle.load runs. Lines are given without their trailing '\n'.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "modelshield/byte_reader.hpp"

namespace ms::pickle_vm {

// A Python int. Values outside int64 keep their decimal text (or a description when too long to convert).
struct IntegerValue {
  bool fits = true;
  std::int64_t value = 0;
  std::string decimal;  // when !fits

  std::string to_string() const { return fits ? std::to_string(value) : decimal; }
};

struct IntOpcodeValue {
  bool is_bool = false;  // "00" / "01" (any 2-character spelling of 0 or 1: C checks the line length)
  IntegerValue number;
};

// INT: C's strtol(line, 0) when it consumes the whole line, else Python's int(line, 0).
std::optional<IntOpcodeValue> parse_int_line(std::string_view line);
// LONG: one trailing 'L' dropped, then Python's int(line, 0).
std::optional<IntegerValue> parse_long_line(std::string_view line);
// GET / PUT: Python's int(line, 10).
std::optional<IntegerValue> parse_decimal_line(std::string_view line);
// FLOAT: PyOS_string_to_double (no surrounding blanks, inf/nan spelled out, overflow is an error).
std::optional<double> parse_float_line(std::string_view line);
// LONG1 / LONG4: little-endian two's complement.
IntegerValue decode_long_bytes(Bytes data);

// A decoded text payload, cut after `max_output` bytes (then `partial`).
struct DecodedText {
  std::string text;
  bool partial = false;
};

// STRING: the argument must be quoted with matching ' or "; the inside is escape-decoded like Python 2 str
// literals (bytes). nullopt + `error` when CPython would refuse it.
std::optional<DecodedText> decode_string_line(std::string_view line, std::size_t max_output,
                                              std::string& error);
// UNICODE: raw-unicode-escape to UTF-8 (lone surrogates kept, encoded as in CESU/WTF-8).
std::optional<DecodedText> decode_raw_unicode_escape(std::string_view line, std::size_t max_output,
                                                     std::string& error);

bool is_ascii(std::string_view text);

// Python's repr() of a float.
std::string python_float_repr(double value);

}  // namespace ms::pickle_vm
