#pragma once
#include <ostream>
#include <string>

#include "modelshield/scan.hpp"

namespace ms {

// Version of the JSON report layout (docs/json-report.md). Bumped on any incompatible change.
inline constexpr const char* kJsonReportSchema = "https://modelshield.dev/schemas/report-1.json";
inline constexpr int kJsonReportVersion = 1;

struct TextStyle {
  bool colour = false;
  bool verbose = false;  // evidence and references for every finding, not just the first lines
};

void render_text(std::ostream& out, const ScanReport& report, const TextStyle& style);
void render_json(std::ostream& out, const ScanReport& report);
void render_sarif(std::ostream& out, const ScanReport& report);

// "member!/json/pointer @ offset" style description of where a finding is, for one-line displays.
std::string describe_location(const Location& location);

}  // namespace ms
