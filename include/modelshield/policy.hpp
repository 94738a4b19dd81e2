#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "modelshield/finding.hpp"

namespace ms {

// A team's decisions about findings, loaded from TOML (see docs/policy.md):
//   [allow]     symbols = ["my_pkg.layers", "Custom>MyLayer"]   custom classes/modules the team trusts
//   [ignore]    rules = ["RULE-ID"], paths = ["glob/*.h5"]
//   [severity]  RULE-ID = "low"
// Allow-lists only silence findings that name an allow-listable symbol (custom classes); they can never
// silence a Lambda, a function reference into the standard library, or any other code-execution finding.
struct Policy {
  std::vector<std::string> allowed_symbols;
  std::vector<std::string> ignored_rules;
  std::vector<std::string> ignored_path_globs;
  std::map<std::string, Severity, std::less<>> severity_overrides;

  static Policy parse(std::string_view toml_text, const std::string& source_name);
  static Policy load(const std::filesystem::path& path);  // throws UsageError

  // True when `symbol` equals an allowed entry or lies inside an allowed module ("pkg" allows "pkg.X").
  bool allows_symbol(std::string_view symbol) const;
  // Drops ignored and allow-listed findings, re-grades the rest.
  std::vector<Finding> apply(std::vector<Finding> findings) const;
};

}  // namespace ms
