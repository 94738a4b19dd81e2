#pragma once
// Analysis of the Python bytecode a Keras config carries for Lambda layers (and anything else that stores
// `marshal.dumps(function.__code__)`): decoding, marshal parsing and what the code reaches.
#include <string>
#include <string_view>
#include <vector>

#include "formats/json.hpp"
#include "modelshield/limits.hpp"
#include "modelshield/severity.hpp"

namespace ms::keras {

// One place in a config from which Keras builds a function out of bytecode.
struct LambdaSite {
  const JsonValue* code = nullptr;      // the encoded marshal data (a string when well-formed)
  const JsonValue* defaults = nullptr;  // function defaults, when stored beside the code
  const JsonValue* closure = nullptr;   // closure cell values, when stored beside the code
  std::string globals_module;           // Keras 2: module whose namespace becomes the function's globals
  std::string form;                     // how the config stores it, for the evidence
};

struct LambdaAnalysis {
  Severity severity = Severity::high;
  bool parsed = false;                  // a code object was decoded
  std::string error;                    // why it could not be decoded
  std::vector<std::string> indicators;  // what makes it critical ("name 'system' (process execution)")
  std::vector<std::string> evidence;    // everything seen, indicators first
};

LambdaAnalysis analyze_lambda(const LambdaSite& site, const Limits& limits);

// The marshal bytes Keras's func_load would unmarshal from `text`: base64 when the text is ASCII and decodes
// as base64 (Python's lenient decoder), otherwise the raw_unicode_escape form Keras 1 wrote.
// `encoding` is set to "base64" or "raw_unicode_escape". Throws FormatError when neither applies.
std::vector<std::uint8_t> lambda_code_bytes(std::string_view text, std::string& encoding);

// Cheap test for a config string that may hold a marshalled code object (base64 or raw form), used to
// find bytecode outside the places Keras documents.
bool looks_like_marshalled_code(std::string_view text);

}  // namespace ms::keras
