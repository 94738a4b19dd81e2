#pragma once
// Reader for CPython's `marshal` serialisation of code objects (Keras Lambda layers store
// `marshal.dumps(func.__code__)`). Nothing is executed or imported: the bytes are decoded into plain data.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms {

// The field order of a marshalled code object changed with the interpreter; the order in the data tells
// which interpreters can load it.
enum class MarshalLayout : std::uint8_t {
  python2,          // 2.3-2.7: argcount, nlocals, stacksize, flags, ...
  python30_to_37,   // argcount, kwonlyargcount, nlocals, stacksize, flags, ..., lnotab
  python38_to_310,  // argcount, posonlyargcount, kwonlyargcount, nlocals, ..., lnotab/linetable
  python311_plus,   // argcount, posonlyargcount, kwonlyargcount, stacksize, flags, ..., qualname, ...,
                    // linetable, exceptiontable (unchanged through 3.14)
};
std::string_view to_string(MarshalLayout layout);

struct MarshalCode {
  std::string name, qualname, filename;  // qualname only exists from 3.11 on
  std::int64_t first_line = 0;
  std::int64_t argcount = 0, posonlyargcount = 0, kwonlyargcount = 0, nlocals = 0, stacksize = 0, flags = 0;
  std::vector<std::string> names;     // co_names: globals, attributes and imported modules the code uses
  std::vector<std::string> varnames;  // every local-ish name: arguments, locals, cell and free variables
  std::vector<std::string> cellvars;  // subset of varnames captured by inner functions
  std::vector<std::string> freevars;  // subset of varnames captured from an enclosing function
  // str and bytes constants, searched through constant tuples/frozensets too. str as UTF-8 (invalid
  // sequences as \xNN); bytes with non-printable bytes and backslashes escaped as Python writes them.
  std::vector<std::string> string_constants;
  std::vector<std::string> other_constants;  // Python-style repr (shortened) of the other top-level constants
  std::vector<MarshalCode> nested;           // code objects among the constants (each reported once)
  std::vector<std::uint8_t> bytecode;
  std::uint64_t offset = 0;  // of the code object's type byte in the marshal data
};

enum class MarshalAnomalyKind : std::uint8_t {
  trailing_data,       // bytes after the top-level object (marshal.loads ignores them)
  ambiguous_layout,    // the bytes are also a consistent code object under another layout
  unusual_constant,    // a constant no compiler emits (list, dict, set, StopIteration, code inside a tuple)
  shared_code_object,  // one code object referenced from several places
  reference_cycle,     // a container that contains itself through back-references
  invalid_text,        // a str whose bytes are not valid UTF-8 (or encode surrogates)
};
std::string_view to_string(MarshalAnomalyKind kind);

struct MarshalAnomaly {
  MarshalAnomalyKind kind;
  std::string detail;
  std::uint64_t offset = 0;
};

struct MarshalLayoutParse {
  MarshalLayout layout{};
  std::string python_versions;  // e.g. "3.8-3.10"; narrowed by the marshal features used ("3.4-3.7")
  MarshalCode code;
};

struct MarshalCodeResult {
  MarshalCode code;
  MarshalLayout layout{};
  std::string python_versions;
  // Other layouts under which the same bytes also decode consistently. A crafted polyglot could show one
  // interpreter harmless code and another a payload, so a detector should look at these too.
  std::vector<MarshalLayoutParse> alternatives;
  std::vector<MarshalAnomaly> anomalies;
};

// Decodes a marshalled code object, trying every layout. Throws FormatError when no layout decodes it
// (or the top-level object is not a code object) and LimitError past limits.max_marshal_depth /
// max_marshal_items / max_metadata_bytes (decoded output).
MarshalCodeResult parse_marshal_code(Bytes data, const Limits& limits);

// Every name from the code object and its nested code objects, each once, in order of appearance.
std::vector<std::string> all_names(const MarshalCode& code);
std::vector<std::string> all_string_constants(const MarshalCode& code);
// The same over the chosen layout and every alternative layout.
std::vector<std::string> all_names(const MarshalCodeResult& result);
std::vector<std::string> all_string_constants(const MarshalCodeResult& result);

// --- Keras encodings of the marshal bytes ---

// Python's base64.decodebytes (binascii.a2b_base64, non-strict): characters outside the alphabet, such as
// newlines, are skipped and decoding stops at the padding that completes a quantum. nullopt where Python
// raises (incomplete final quantum) or where the text is not ASCII (Keras calls .encode('ascii') first).
std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text);

// Keras 1 stored `marshal.dumps(code).decode('raw_unicode_escape')`; Keras reverses it with
// str.encode('raw_unicode_escape'), which this reproduces: a code point below 256 becomes that byte, any
// other becomes the text \uXXXX or \UXXXXXXXX. Throws FormatError when utf8_text is not UTF-8.
std::vector<std::uint8_t> decode_raw_unicode_escape_to_bytes(std::string_view utf8_text);

// The marshal bytes Keras' func_load would unmarshal from a Lambda "function" string: base64 when the
// text is ASCII and decodes as base64, otherwise the raw_unicode_escape form.
std::vector<std::uint8_t> keras_function_bytes(std::string_view text);

}  // namespace ms
