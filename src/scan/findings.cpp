#include "scan/findings.hpp"

namespace ms {

void report_malformed(ScanContext& context, const FormatError& error) {
  Finding finding{
      .rule_id = "FORMAT-MALFORMED",
      .severity = Severity::medium,
      .reason = fmt_reason("malformed {} data: {}", error.format(), error.message()),
      .evidence = {error.what()},
      .fix =
          "Do not load this file; obtain it again from a trusted source. Loaders differ in how they "
          "handle malformed data, which attackers use to hide payloads.",
  };
  finding.location.byte_offset = error.offset();
  context.report(std::move(finding));
}

void report_incomplete(ScanContext& context, const LimitError& error) {
  Finding finding{
      .rule_id = "SCAN-LIMIT-EXCEEDED",
      .severity = Severity::high,
      .reason = fmt_reason("{} data exceeds a scanning limit, so part of it was not analysed: {}",
                           error.format(), error.message()),
      .evidence = {error.what()},
      .fix =
          "Treat the file as untrusted. If it is legitimately this large, raise the limit (--max-* options) "
          "and scan again.",
  };
  finding.location.byte_offset = error.offset();
  context.report(std::move(finding));
}

void report_incomplete_size(ScanContext& context, std::uint64_t size) {
  context.report(Finding{
      .rule_id = "SCAN-LIMIT-EXCEEDED",
      .severity = Severity::high,
      .reason = fmt_reason("the file is {} bytes, above the {}-byte limit, and was not analysed", size,
                           context.limits().max_file_bytes),
      .fix = "Treat the file as untrusted, or raise --max-file-size and scan again.",
  });
}

}  // namespace ms
