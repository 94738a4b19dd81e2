#include "scan/keras/config_findings.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "formats/json.hpp"
#include "scan/keras/config_text.hpp"

namespace ms::keras {
namespace {

struct RuleInfo {
  std::string_view id;
  std::string_view fix;
  std::array<std::string_view, 2> references;
};

constexpr std::array<RuleInfo, 9> kRules{{
    {"KERAS-LAMBDA-BYTECODE",
     "Do not load this file unless you trust its author: rebuild the Lambda from reviewed source code (a "
     "registered custom layer), keep safe_mode=True and use Keras >= 3.11.3, which also refuses Lambda "
     "bytecode in .h5 files.",
     {"CVE-2024-3660", "CVE-2025-9905"}},
    {"KERAS-FUNCTION-REFERENCE",
     "Do not load this file: it makes Keras import and call a function outside Keras. Keras >= 3.9 only "
     "imports Keras modules; remove the reference and register reviewed custom functions instead.",
     {"CVE-2025-1550", {}}},
    {"KERAS-GADGET",
     "Do not load this file: it calls a Keras loading/saving/state helper instead of building a model. Keras "
     ">= 3.11 rejects these non-modeling APIs during deserialisation; upgrade and remove the reference.",
     {}},
    {"KERAS-TORCH-MODULE-WRAPPER",
     "Do not load this file with safe_mode=False or with Keras 3.11.0-3.11.2: the embedded torch module is a "
     "pickle. Scan the blob with a pickle scanner and rebuild the layer from source code.",
     {"CVE-2025-49655", {}}},
    {"KERAS-TFSM-LAYER",
     "Load only if the referenced SavedModel is trusted and present locally; use Keras >= 3.13.2, which "
     "honours safe_mode for TFSMLayer, or replace the layer with native Keras layers.",
     {"CVE-2026-1462", {}}},
    {"KERAS-HUB-LAYER",
     "Load only if the TF-Hub handle is trusted; pin it to a reviewed local copy of the SavedModel.",
     {"CVE-2026-1462", {}}},
    {"KERAS-EXTERNAL-RESOURCE",
     "Replace file and URL parameters with inline values or assets stored inside the model archive, and use "
     "Keras >= 3.12, which refuses vocabulary files in safe mode.",
     {"CVE-2025-12058", {}}},
    {"KERAS-CUSTOM-OBJECT",
     "Loading needs code that the file does not contain: provide the class or function from reviewed source "
     "code (custom_objects or a registered package) and allow-list its symbol after review.",
     {}},
    {"KERAS-CONFIG-MALFORMED",
     "Regenerate the model with Keras; a malformed config may be handled differently by different loaders.",
     {}},
}};

struct Version {
  int major = 0, minor = 0, patch = 0;
  auto operator<=>(const Version&) const = default;
};

struct AffectedRange {
  std::string_view cve;
  Version first;  // inclusive
  Version fixed;  // exclusive
  std::string_view text;
};

constexpr std::array<AffectedRange, 8> kAffected{{
    {"CVE-2024-3660", {0, 0, 0}, {2, 13, 0}, "Keras before 2.13"},
    {"CVE-2025-1550", {3, 0, 0}, {3, 9, 0}, "Keras 3.0 to 3.8"},
    {"CVE-2025-8747", {3, 0, 0}, {3, 11, 0}, "Keras 3.0 to 3.10"},
    {"CVE-2025-9905", {3, 0, 0}, {3, 11, 3}, "Keras 3.0 to 3.11.2"},
    {"CVE-2025-9906", {3, 0, 0}, {3, 11, 0}, "Keras 3.0 to 3.10"},
    {"CVE-2025-12058", {3, 0, 0}, {3, 12, 0}, "Keras 3.0 to 3.11"},
    {"CVE-2025-49655", {3, 11, 0}, {3, 11, 3}, "Keras 3.11.0 to 3.11.2"},
    {"CVE-2026-1462", {3, 0, 0}, {3, 13, 2}, "Keras 3.0 to 3.13.1"},
}};

std::optional<Version> parse_version(std::string_view text) {
  Version version;
  int* parts[] = {&version.major, &version.minor, &version.patch};
  const char* cursor = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 3; ++i) {
    auto [next, error] = std::from_chars(cursor, end, *parts[i]);
    if (error != std::errc()) return i >= 2 ? std::optional(version) : std::nullopt;
    cursor = next;
    if (cursor == end || *cursor != '.') return i >= 1 ? std::optional(version) : std::nullopt;
    ++cursor;
  }
  return version;
}

constexpr std::size_t kMaxPointerBytes = 1024;

const RuleInfo& info(Rule rule) { return kRules[static_cast<std::size_t>(rule)]; }

void add_version_context(Finding& finding, std::string_view claim) {
  if (claim.empty()) return;
  std::optional<Version> version = parse_version(claim);
  if (!version) {
    finding.evidence.push_back("version claim: the file says Keras '" + printable(claim, 40) +
                               "', which is not a version number");
    return;
  }
  for (const std::string& reference : finding.references) {
    for (const AffectedRange& range : kAffected) {
      if (range.cve != reference) continue;
      bool inside = range.first <= *version && *version < range.fixed;
      finding.evidence.push_back(
          "version claim: the file says Keras " + printable(claim, 40) + ", " +
          (inside ? "inside" : "outside") + " the range affected by " + reference + " (" +
          std::string(range.text) + ")" +
          (inside ? "" : "; the claim is not trusted and does not lower the severity"));
    }
  }
}

}  // namespace

std::string_view rule_id(Rule rule) { return info(rule).id; }

std::string bounded_pointer(std::string_view pointer) {
  if (pointer.size() <= kMaxPointerBytes) return std::string(pointer);
  std::string out(pointer.substr(0, kMaxPointerBytes / 2));
  out += "/...";
  out += pointer.substr(pointer.size() - kMaxPointerBytes / 2);
  return out;
}

std::string child_pointer(std::string_view pointer, std::string_view key) {
  std::string token = json_pointer_token(key.substr(0, kMaxPointerBytes));
  if (pointer.size() + token.size() < kMaxPointerBytes) return std::string(pointer) + "/" + token;
  return bounded_pointer(bounded_pointer(pointer) + "/" + token);
}

Finding make_finding(Rule rule, Severity severity, std::string_view pointer, std::string reason,
                     std::vector<std::string> evidence) {
  const RuleInfo& rule_info = info(rule);
  Finding finding;
  finding.rule_id = std::string(rule_info.id);
  finding.severity = severity;
  finding.location.json_pointer = bounded_pointer(pointer);
  finding.reason = std::move(reason);
  finding.evidence = std::move(evidence);
  finding.fix = std::string(rule_info.fix);
  for (std::string_view reference : rule_info.references)
    if (!reference.empty()) finding.references.emplace_back(reference);
  return finding;
}

std::string_view lambda_loading_note(KerasConfigSource::Container container) {
  switch (container) {
    case KerasConfigSource::Container::keras_v3:
      return "loading: Keras 3 and tf.keras 2.13+ run it only with safe_mode=False or after a safe-mode "
             "bypass "
             "(e.g. an enable_unsafe_deserialization gadget earlier in the config)";
    case KerasConfigSource::Container::legacy_h5:
      return "loading: runs on every load by Keras 2 and by Keras 3 before 3.11.3, which ignores safe_mode "
             "for "
             ".h5 files (CVE-2025-9905)";
    case KerasConfigSource::Container::saved_model:
      return "loading: runs when tf.keras rebuilds the model from the SavedModel's Keras metadata";
  }
  return {};
}

void FindingSink::add(Finding finding) {
  bool custom = finding.rule_id == info(Rule::custom_object).id && !finding.allowlist_symbol.empty();
  if (custom) {
    if (auto it = custom_symbols_.find(finding.allowlist_symbol); it != custom_symbols_.end()) {
      ++it->second.second;
      return;
    }
  }
  std::size_t& count = per_rule_[finding.rule_id];
  if (count >= kMaxFindingsPerRule) {
    ++suppressed_[finding.rule_id];
    return;
  }
  ++count;
  if (custom)
    custom_symbols_.emplace(finding.allowlist_symbol,
                            std::pair<std::size_t, std::size_t>{findings_.size(), 1});
  findings_.push_back(std::move(finding));
}

void FindingSink::flush(ScanContext& ctx) {
  for (const auto& [symbol, first_and_count] : custom_symbols_) {
    const auto& [index, count] = first_and_count;
    if (count > 1 && index < findings_.size())
      findings_[index].evidence.push_back("seen " + std::to_string(count) +
                                          " times in this config (first occurrence located)");
  }
  for (const auto& [rule, count] : suppressed_) {
    Finding note;
    note.rule_id = rule;
    note.severity = Severity::info;
    note.reason = std::to_string(count) + " further " + rule + " findings in this config were not listed";
    note.evidence.push_back("limit: " + std::to_string(kMaxFindingsPerRule) +
                            " findings per rule and config");
    findings_.push_back(std::move(note));
  }
  for (Finding& finding : findings_) {
    finding.location.json_pointer = source_.json_pointer_prefix + finding.location.json_pointer;
    add_version_context(finding, source_.keras_version_claim);
    ctx.report(std::move(finding));
  }
  findings_.clear();
}

}  // namespace ms::keras
