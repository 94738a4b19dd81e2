#include <nlohmann/json.hpp>

#include "modelshield/report.hpp"
#include "report/shared.hpp"

namespace ms {

nlohmann::ordered_json location_json(const Location& location) {
  nlohmann::ordered_json out;
  out["file"] = location.file;
  if (!location.member.empty()) out["member"] = location.member;
  if (!location.json_pointer.empty()) out["json_pointer"] = location.json_pointer;
  if (!location.object_path.empty()) out["object_path"] = location.object_path;
  if (location.byte_offset) out["byte_offset"] = *location.byte_offset;
  return out;
}

nlohmann::ordered_json finding_json(const Finding& finding) {
  nlohmann::ordered_json out;
  out["rule_id"] = finding.rule_id;
  out["severity"] = std::string(to_string(finding.severity));
  out["location"] = location_json(finding.location);
  out["reason"] = finding.reason;
  out["evidence"] = finding.evidence;
  out["references"] = finding.references;
  out["fix"] = finding.fix;
  if (!finding.allowlist_symbol.empty()) out["allowlist_symbol"] = finding.allowlist_symbol;
  return out;
}

void render_json(std::ostream& out, const ScanReport& report) {
  nlohmann::ordered_json root;
  root["$schema"] = kJsonReportSchema;
  root["version"] = kJsonReportVersion;
  root["tool"] = {{"name", "modelshield"}, {"version", MS_VERSION}};
  nlohmann::ordered_json counts = nlohmann::ordered_json::object();
  for (Severity s : kSeveritiesDescending) counts[std::string(to_string(s))] = count_at(report, s);
  root["summary"] = {
      {"files_scanned", report.files.size()},
      {"findings", report.findings.size()},
      {"errors", report.errors.size()},
      {"by_severity", counts},
      {"highest_severity", report.findings.empty()
                               ? nlohmann::ordered_json(nullptr)
                               : nlohmann::ordered_json(std::string(to_string(highest_severity(report))))}};
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const ScannedFile& file : report.files)
    files.push_back({{"path", file.path}, {"format", file.format}, {"size", file.size}});
  root["files"] = files;
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const Finding& finding : report.findings) findings.push_back(finding_json(finding));
  root["findings"] = findings;
  nlohmann::ordered_json errors = nlohmann::ordered_json::array();
  for (const ScanError& error : report.errors)
    errors.push_back({{"path", error.path}, {"message", error.message}});
  root["errors"] = errors;
  // Replace invalid UTF-8 (file names, evidence from hostile files) instead of throwing.
  out << root.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

}  // namespace ms
