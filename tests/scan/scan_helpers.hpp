#pragma once
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "modelshield/scan.hpp"

namespace ms::test {

// Scans one path with default options (no policy).
inline ScanReport scan_one(const std::filesystem::path& path) {
  ScanOptions options;
  options.threads = 1;
  return scan_paths({path}, options);
}

inline std::vector<const Finding*> with_rule(const ScanReport& report, std::string_view rule_id) {
  std::vector<const Finding*> out;
  for (const Finding& f : report.findings)
    if (f.rule_id == rule_id) out.push_back(&f);
  return out;
}

inline Severity highest(const ScanReport& report) {
  Severity s = Severity::info;
  for (const Finding& f : report.findings) s = std::max(s, f.severity);
  return s;
}

inline std::string describe(const ScanReport& report) {
  std::string out;
  for (const Finding& f : report.findings)
    out += std::string(to_string(f.severity)) + " " + f.rule_id + " " + f.location.member + " " +
           f.location.json_pointer + ": " + f.reason + "\n";
  return out;
}

}  // namespace ms::test
