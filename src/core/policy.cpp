#include "modelshield/policy.hpp"

#include <fnmatch.h>
#include <toml++/toml.h>

#include <algorithm>

#include "modelshield/error.hpp"

namespace ms {

namespace {

std::vector<std::string> string_array(const toml::table& table, std::string_view section,
                                      std::string_view key, const std::string& source) {
  std::vector<std::string> out;
  const toml::node* node = table.at_path(std::string(section) + "." + std::string(key)).node();
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr)
    throw UsageError(source + ": [" + std::string(section) + "] " + std::string(key) +
                     " must be an array of strings");
  for (const toml::node& item : *array) {
    auto text = item.value<std::string>();
    if (!text)
      throw UsageError(source + ": [" + std::string(section) + "] " + std::string(key) +
                       " holds a non-string");
    out.push_back(*text);
  }
  return out;
}

}  // namespace

Policy Policy::parse(std::string_view toml_text, const std::string& source_name) {
  toml::table table;
  try {
    table = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    throw UsageError(source_name + ": " + std::string(error.description()));
  }
  for (auto&& [key, node] : table) {
    if (key != "allow" && key != "ignore" && key != "severity")
      throw UsageError(source_name + ": unknown section [" + std::string(key.str()) + "]");
  }
  Policy policy;
  policy.allowed_symbols = string_array(table, "allow", "symbols", source_name);
  policy.ignored_rules = string_array(table, "ignore", "rules", source_name);
  policy.ignored_path_globs = string_array(table, "ignore", "paths", source_name);
  if (const toml::table* overrides = table["severity"].as_table()) {
    for (auto&& [rule, node] : *overrides) {
      auto text = node.value<std::string>();
      auto severity = text ? parse_severity(*text) : std::nullopt;
      if (!severity)
        throw UsageError(source_name + ": [severity] " + std::string(rule.str()) +
                         " must be one of info, low, medium, high, critical");
      policy.severity_overrides.emplace(std::string(rule.str()), *severity);
    }
  }
  return policy;
}

Policy Policy::load(const std::filesystem::path& path) {
  toml::table table;
  std::error_code error;
  auto size = std::filesystem::file_size(path, error);
  if (error) throw UsageError("cannot read policy " + path.string() + ": " + error.message());
  if (size > (1u << 20)) throw UsageError("policy " + path.string() + " is larger than 1 MiB");
  std::string text(size, '\0');
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) throw UsageError("cannot open policy " + path.string());
  std::size_t got = std::fread(text.data(), 1, size, file);
  std::fclose(file);
  text.resize(got);
  return parse(text, path.string());
}

bool Policy::allows_symbol(std::string_view symbol) const {
  if (symbol.empty()) return false;
  return std::any_of(allowed_symbols.begin(), allowed_symbols.end(), [&](const std::string& allowed) {
    if (symbol == allowed) return true;
    return symbol.size() > allowed.size() && symbol.starts_with(allowed) &&
           (symbol[allowed.size()] == '.' || symbol[allowed.size()] == '>');
  });
}

std::vector<Finding> Policy::apply(std::vector<Finding> findings) const {
  std::vector<Finding> kept;
  kept.reserve(findings.size());
  for (Finding& finding : findings) {
    if (std::find(ignored_rules.begin(), ignored_rules.end(), finding.rule_id) != ignored_rules.end())
      continue;
    bool path_ignored =
        std::any_of(ignored_path_globs.begin(), ignored_path_globs.end(), [&](const std::string& glob) {
          return ::fnmatch(glob.c_str(), finding.location.file.c_str(), 0) == 0;
        });
    if (path_ignored) continue;
    if (allows_symbol(finding.allowlist_symbol)) continue;
    if (auto it = severity_overrides.find(finding.rule_id); it != severity_overrides.end())
      finding.severity = it->second;
    kept.push_back(std::move(finding));
  }
  return kept;
}

}  // namespace ms
