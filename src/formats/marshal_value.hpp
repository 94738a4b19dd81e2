#pragma once
// Internal: the object graph of one marshal stream, as decoded under one code-object layout.
// Back-references ('r') make it a graph, not a tree (shared nodes, even cycles through containers),
// so every consumer walks it with a visited set or a budget.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "formats/marshal.hpp"

namespace ms::marshal {

inline constexpr std::uint32_t kNoNode = std::numeric_limits<std::uint32_t>::max();

enum class Kind : std::uint8_t {
  none,
  stop_iteration,
  ellipsis,
  false_value,
  true_value,
  small_int,  // 'i' / 'I'
  long_int,   // 'l': payload holds the little-endian 15-bit digits
  float_value,
  complex_value,
  bytes,  // Python 3 bytes; also Python 2 str ('s', 't', 'R')
  str,
  tuple,
  list,
  dict,  // items alternate key, value
  set,
  frozenset,
  slice,  // 3.14+: start, stop, step
  code,
};

struct Node {
  Kind kind = Kind::none;
  bool negative = false;      // long_int sign
  bool latin1 = false;        // str payload from the one-byte 'a'/'A'/'z'/'Z' codes: one byte per code point
  std::uint32_t code = 0;     // index into Graph::codes for Kind::code
  std::uint64_t offset = 0;   // of the type byte
  std::int64_t integer = 0;   // small_int
  double real = 0, imag = 0;  // float_value, complex_value
  Bytes payload;              // bytes / str / long digits, pointing into the input
  std::vector<std::uint32_t> items;
};

struct CodeFields {
  std::int64_t argcount = 0, posonlyargcount = 0, kwonlyargcount = 0, nlocals = 0, stacksize = 0, flags = 0;
  std::int64_t firstlineno = 0;
  std::uint32_t node = kNoNode;
  std::uint32_t bytecode = kNoNode, consts = kNoNode, names = kNoNode, varnames = kNoNode, freevars = kNoNode,
                cellvars = kNoNode, localsplusnames = kNoNode, localspluskinds = kNoNode, filename = kNoNode,
                name = kNoNode, qualname = kNoNode, linetable = kNoNode, exceptiontable = kNoNode;
};

struct Graph {
  std::vector<Node> nodes;
  std::vector<CodeFields> codes;
  std::uint32_t root = kNoNode;
  std::uint64_t consumed = 0;    // bytes read for the top-level object
  bool uses_references = false;  // FLAG_REF / 'r': marshal version 3, CPython 3.4+
  bool uses_version4 = false;    // 'a' 'A' 'z' 'Z' ')': marshal version 4, CPython 3.4+
  bool uses_slices = false;      // ':': marshal version 5, CPython 3.14+
};

// Decodes one object (normally a code object) with code objects read in `layout`'s field order.
Graph read_graph(Bytes data, MarshalLayout layout, const Limits& limits);

// Text of a str (or Python 2 str) node as UTF-8; bytes that are not valid UTF-8 become \xNN escapes.
// `valid` is cleared when that happened.
std::string node_text(const Node& node, bool* valid = nullptr);
// Bytes rendered as Python writes them inside b'...', without the quotes.
std::string escape_bytes(Bytes bytes);
// Python-style repr of a node, cut off with "..." beyond roughly `budget` characters; cycles print as
// "[...]" like Python's reprlib.
std::string repr(const Graph& graph, std::uint32_t node, std::size_t budget);
// repr(float) as CPython writes it ("1.0", "1e+16", "inf"); the complex form omits the ".0".
std::string float_repr(double value, bool add_dot_zero = true);

}  // namespace ms::marshal
