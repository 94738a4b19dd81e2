#pragma once
#include <array>
#include <cstddef>

#include "modelshield/scan.hpp"

namespace ms {

inline constexpr std::array<Severity, 5> kSeveritiesDescending = {
    Severity::critical, Severity::high, Severity::medium, Severity::low, Severity::info};

inline std::size_t count_at(const ScanReport& report, Severity severity) {
  std::size_t n = 0;
  for (const Finding& f : report.findings) n += f.severity == severity;
  return n;
}

inline Severity highest_severity(const ScanReport& report) {
  Severity highest = Severity::info;
  for (const Finding& f : report.findings) highest = std::max(highest, f.severity);
  return highest;
}

}  // namespace ms
