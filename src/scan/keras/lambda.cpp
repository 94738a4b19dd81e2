#include "scan/keras/lambda.hpp"

#include <algorithm>
#include <set>

#include "formats/marshal.hpp"
#include "modelshield/error.hpp"
#include "scan/keras/config_text.hpp"
#include "scan/keras/symbols.hpp"

namespace ms::keras {
namespace {

constexpr std::size_t kMaxListedNames = 48;
constexpr std::size_t kMaxListedStrings = 16;
constexpr std::size_t kMaxValueStrings = 64;

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string join_limited(const std::vector<std::string>& items, std::size_t max_items,
                         std::size_t max_item_bytes, bool quote) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max_items; ++i) {
    if (i) out += ", ";
    if (quote) out += '\'';
    out += printable(items[i], max_item_bytes);
    if (quote) out += '\'';
  }
  if (items.size() > max_items) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

// Strings inside a Lambda's defaults / closure (Keras 2 stores them as plain JSON), bounded.
void collect_strings(const JsonValue& value, std::vector<std::string_view>& out, int depth) {
  if (out.size() >= kMaxValueStrings || depth > 8) return;
  if (value.is_string()) {
    out.push_back(value.text);
    return;
  }
  for (const JsonValue& item : value.items) collect_strings(item, out, depth + 1);
}

void add_indicator(LambdaAnalysis& analysis, std::string text) {
  if (std::find(analysis.indicators.begin(), analysis.indicators.end(), text) == analysis.indicators.end())
    analysis.indicators.push_back(std::move(text));
}

void inspect_code(LambdaAnalysis& analysis, std::vector<std::string>& details,
                  const MarshalCodeResult& result) {
  const MarshalCode& code = result.code;
  details.push_back("interpreter: code object layout of CPython " + printable(result.python_versions, 40) +
                    " (other Python versions fail to load it)");
  details.push_back("code object: '" + printable(code.name, 60) + "' from file '" +
                    printable(code.filename, 120) + "' line " + std::to_string(code.first_line) + ", " +
                    std::to_string(code.argcount) + " argument(s), " + std::to_string(code.nested.size()) +
                    " nested code object(s)");

  // Names and strings of every layout the bytes decode under: a polyglot may show one interpreter harmless
  // code.
  for (const MarshalLayoutParse& alternative : result.alternatives)
    details.push_back("also decodes as CPython " + printable(alternative.python_versions, 40) +
                      " code object '" + printable(alternative.code.name, 60) + "'");
  for (const MarshalAnomaly& anomaly : result.anomalies)
    details.push_back("marshal anomaly: " + std::string(to_string(anomaly.kind)) + ": " +
                      printable(anomaly.detail, 120));
  std::vector<std::string> names = all_names(result);
  for (const std::string& name : names) {
    if (std::string_view capability = code_name_capability(name); !capability.empty())
      add_indicator(analysis, "references '" + printable(name, 60) + "' (" + std::string(capability) + ")");
  }
  details.push_back(names.empty() ? "names referenced: none (pure arithmetic on its arguments)"
                                  : "names referenced: " + join_limited(names, kMaxListedNames, 60, false));

  std::vector<std::string> strings = all_string_constants(result);
  for (const std::string& text : strings) {
    if (std::string_view capability = string_capability(text); !capability.empty())
      add_indicator(analysis,
                    "string constant '" + printable(text, 400) + "' (" + std::string(capability) + ")");
  }
  if (!strings.empty())
    details.push_back("string constants: " + join_limited(strings, kMaxListedStrings, 400, true));
}

}  // namespace

std::vector<std::uint8_t> lambda_code_bytes(std::string_view text, std::string& encoding) {
  // Keras's func_load: codecs.decode(code.encode("ascii"), "base64"), falling back to
  // code.encode("raw_unicode_escape") when the text is not ASCII or not base64.
  if (is_ascii(text)) {
    if (std::optional<std::vector<std::uint8_t>> decoded = decode_base64(text)) {
      encoding = "base64";
      return std::move(*decoded);
    }
  }
  encoding = "raw_unicode_escape";
  return decode_raw_unicode_escape_to_bytes(text);
}

bool looks_like_marshalled_code(std::string_view text) {
  if (text.size() < 16) return false;
  // base64 of a code object's type byte: 0xE3 ('c' | FLAG_REF, Python 3.4+) encodes as '4', 0x63 as 'Y'.
  if ((text[0] == '4' || text[0] == 'Y') && text.size() >= 4) {
    std::optional<std::vector<std::uint8_t>> head = decode_base64(text.substr(0, 4));
    return head && !head->empty() && ((*head)[0] == 0xE3 || (*head)[0] == 0x63);
  }
  // raw_unicode_escape form: U+00E3 or 'c', followed by the little-endian argument count.
  auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20; };
  if (text.starts_with("\xC3\xA3")) return control(text[2]);
  return text[0] == 'c' && control(text[1]);
}

LambdaAnalysis analyze_lambda(const LambdaSite& site, const Limits& limits) {
  LambdaAnalysis analysis;
  std::vector<std::string> details;
  details.push_back("stored as: " + site.form);

  if (site.code == nullptr || !site.code->is_string()) {
    analysis.error = "the code value is not a string";
  } else {
    std::string encoding;
    try {
      std::vector<std::uint8_t> bytes = lambda_code_bytes(site.code->text, encoding);
      details.push_back("encoding: " + encoding + ", " + std::to_string(bytes.size()) +
                        " bytes of marshal data");
      MarshalCodeResult result = parse_marshal_code(Bytes(bytes.data(), bytes.size()), limits);
      analysis.parsed = true;
      inspect_code(analysis, details, result);
    } catch (const FormatError& error) {
      analysis.error = error.what();
    }
  }
  if (!analysis.parsed) {
    details.push_back("bytecode could not be decoded (" + printable(analysis.error, 200) +
                      "); its behaviour cannot be vouched for");
  }

  if (!site.globals_module.empty()) {
    ModuleInfo module = classify_module(site.globals_module);
    details.push_back("globals: namespace of module '" + printable(site.globals_module, 80) + "'");
    if (module.family == ModuleFamily::dangerous || module.family == ModuleFamily::builtins)
      add_indicator(analysis, "runs with the globals of module '" + printable(site.globals_module, 80) +
                                  "' (" + std::string(module.capability) + ")");
  }
  for (const auto& [label, value] :
       {std::pair{"defaults", site.defaults}, std::pair{"closure", site.closure}}) {
    if (value == nullptr || value->is_null()) continue;
    details.push_back(std::string(label) + ": " + brief_json(*value));
    std::vector<std::string_view> strings;
    collect_strings(*value, strings, 0);
    for (std::string_view text : strings) {
      if (std::string_view capability = string_capability(text); !capability.empty())
        add_indicator(analysis, std::string(label) + " value '" + printable(text, 120) + "' (" +
                                    std::string(capability) + ")");
    }
  }

  analysis.severity = analysis.indicators.empty() ? Severity::high : Severity::critical;
  for (const std::string& indicator : analysis.indicators)
    analysis.evidence.push_back("reaches: " + indicator);
  for (std::string& detail : details) analysis.evidence.push_back(std::move(detail));
  return analysis;
}

}  // namespace ms::keras
