#include <fmt/format.h>

#include "modelshield/report.hpp"
#include "report/shared.hpp"

namespace ms {

namespace {

std::string_view colour_of(Severity severity) {
  switch (severity) {
    case Severity::critical:
      return "\033[1;31m";
    case Severity::high:
      return "\033[31m";
    case Severity::medium:
      return "\033[33m";
    case Severity::low:
      return "\033[36m";
    case Severity::info:
      return "\033[2m";
  }
  return "";
}

// Hostile files choose evidence strings: never let them drive the terminal.
std::string printable(std::string_view text, std::size_t max_length = 300) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= max_length) {
      out += "…";
      break;
    }
    if (c < 0x20 || c == 0x7F)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

}  // namespace

void render_text(std::ostream& out, const ScanReport& report, const TextStyle& style) {
  std::string_view reset = style.colour ? "\033[0m" : "";
  for (const Finding& finding : report.findings) {
    std::string_view colour = style.colour ? colour_of(finding.severity) : "";
    out << fmt::format("{}{:<8}{} {}  {}\n", colour, to_string(finding.severity), reset, finding.rule_id,
                       printable(describe_location(finding.location)));
    out << "         " << printable(finding.reason, 500) << '\n';
    std::size_t shown =
        style.verbose ? finding.evidence.size() : std::min<std::size_t>(finding.evidence.size(), 3);
    for (std::size_t i = 0; i < shown; ++i)
      out << "         seen: " << printable(finding.evidence[i]) << '\n';
    if (shown < finding.evidence.size())
      out << fmt::format("         (+{} more; --verbose shows all)\n", finding.evidence.size() - shown);
    if (!finding.references.empty()) {
      std::string refs;
      for (const std::string& ref : finding.references) refs += (refs.empty() ? "" : ", ") + ref;
      out << "         refs: " << printable(refs) << '\n';
    }
    if (!finding.fix.empty()) out << "         fix:  " << printable(finding.fix, 500) << '\n';
  }
  for (const ScanError& error : report.errors)
    out << "error    " << printable(error.path) << ": " << error.message << '\n';
  std::string counts;
  for (Severity s : kSeveritiesDescending) {
    std::size_t n = count_at(report, s);
    if (n != 0) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, to_string(s));
  }
  out << fmt::format("{} file{} scanned, {} finding{}{}{}\n", report.files.size(),
                     report.files.size() == 1 ? "" : "s", report.findings.size(),
                     report.findings.size() == 1 ? "" : "s", counts.empty() ? "" : " (" + counts + ")",
                     report.errors.empty() ? "" : fmt::format(", {} unreadable", report.errors.size()));
}

}  // namespace ms
