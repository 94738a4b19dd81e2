// Formats whose detectors have not landed yet: say so instead of passing the file silently.
#include "scan/detectors.hpp"
#include "scan/findings.hpp"

namespace ms {

namespace {
std::string not_analysed(ScanContext& context, std::string_view format) {
  context.report(Finding{
      .rule_id = "SCAN-FORMAT-NOT-ANALYSED",
      .severity = Severity::info,
      .reason = fmt_reason("{} content is recognised but this version does not analyse it", format),
      .fix = "Do not rely on this scan for this file.",
  });
  return std::string(format);
}
}  // namespace

std::string scan_protobuf_file(ScanContext& c, Bytes, std::string_view) { return not_analysed(c, "protobuf"); }

}  // namespace ms
