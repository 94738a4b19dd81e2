#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "modelshield/report.hpp"

namespace ms {

namespace {

// SARIF has three levels; GitHub code scanning ranks by the numeric security-severity property.
std::string_view sarif_level(Severity severity) {
  switch (severity) {
    case Severity::critical:
    case Severity::high:
      return "error";
    case Severity::medium:
      return "warning";
    default:
      return "note";
  }
}

std::string security_severity(Severity severity) {
  switch (severity) {
    case Severity::critical:
      return "9.5";
    case Severity::high:
      return "8.0";
    case Severity::medium:
      return "5.5";
    case Severity::low:
      return "3.0";
    case Severity::info:
      return "1.0";
  }
  return "1.0";
}

std::string artifact_uri(const std::string& path) {
  std::string uri;
  for (unsigned char c : path) {
    if (std::isalnum(c) || std::string_view("/-._~").find(static_cast<char>(c)) != std::string_view::npos)
      uri += static_cast<char>(c);
    else
      uri += fmt::format("%{:02X}", c);
  }
  return uri;
}

nlohmann::ordered_json result_json(const Finding& finding) {
  nlohmann::ordered_json physical = {{"artifactLocation", {{"uri", artifact_uri(finding.location.file)}}}};
  if (finding.location.byte_offset && finding.location.member.empty())
    physical["region"] = {{"byteOffset", *finding.location.byte_offset}};
  nlohmann::ordered_json location = {{"physicalLocation", physical}};
  std::string logical = finding.location.member;
  if (!finding.location.object_path.empty())
    logical += (logical.empty() ? "" : "!") + finding.location.object_path;
  if (!finding.location.json_pointer.empty()) logical += "#" + finding.location.json_pointer;
  if (!logical.empty())
    location["logicalLocations"] = nlohmann::ordered_json::array({{{"fullyQualifiedName", logical}}});
  nlohmann::ordered_json result = {
      {"ruleId", finding.rule_id},
      {"level", sarif_level(finding.severity)},
      {"message", {{"text", finding.reason + (finding.fix.empty() ? "" : " Fix: " + finding.fix)}}},
      {"locations", nlohmann::ordered_json::array({location})},
  };
  result["properties"] = {{"severity", std::string(to_string(finding.severity))},
                          {"evidence", finding.evidence},
                          {"references", finding.references}};
  return result;
}

}  // namespace

void render_sarif(std::ostream& out, const ScanReport& report) {
  // One rule entry per rule id seen, graded by the most severe finding of that rule.
  std::map<std::string, const Finding*> rules;
  for (const Finding& finding : report.findings) {
    auto [it, inserted] = rules.emplace(finding.rule_id, &finding);
    if (!inserted && finding.severity > it->second->severity) it->second = &finding;
  }
  nlohmann::ordered_json rule_list = nlohmann::ordered_json::array();
  for (const auto& [id, finding] : rules) {
    nlohmann::ordered_json rule = {
        {"id", id},
        {"shortDescription", {{"text", finding->reason}}},
        {"help", {{"text", finding->fix}}},
        {"properties",
         {{"security-severity", security_severity(finding->severity)}, {"tags", {"security"}}}}};
    if (!finding->references.empty() && finding->references.front().starts_with("http"))
      rule["helpUri"] = finding->references.front();
    rule_list.push_back(rule);
  }
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const Finding& finding : report.findings) results.push_back(result_json(finding));
  nlohmann::ordered_json notifications = nlohmann::ordered_json::array();
  for (const ScanError& error : report.errors)
    notifications.push_back({{"level", "error"}, {"message", {{"text", error.path + ": " + error.message}}}});
  nlohmann::ordered_json run = {
      {"tool",
       {{"driver",
         {{"name", "modelshield"},
          {"version", MS_VERSION},
          {"informationUri", "https://github.com/modelshield/modelshield"},
          {"rules", rule_list}}}}},
      {"invocations", nlohmann::ordered_json::array({{{"executionSuccessful", report.errors.empty()},
                                                      {"toolExecutionNotifications", notifications}}})},
      {"results", results},
  };
  nlohmann::ordered_json root = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs", nlohmann::ordered_json::array({run})},
  };
  out << root.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

}  // namespace ms
