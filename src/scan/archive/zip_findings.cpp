#include "scan/archive/zip_findings.hpp"

#include <optional>

#include "scan/findings.hpp"

namespace ms {

namespace {

struct ZipRule {
  std::string_view rule_id;
  Severity severity;
  std::string_view reason;
  std::string_view fix;
};

constexpr std::string_view kRebuild =
    "Do not load this archive; rebuild it with the tool that produced the model.";

// nullopt: the anomaly is ordinary (torch writes zip64 records, comments are harmless).
std::optional<ZipRule> rule_for(ZipAnomalyKind kind) {
  using K = ZipAnomalyKind;
  switch (kind) {
    case K::duplicate_name:
      return ZipRule{"ZIP-DUPLICATE-MEMBER", Severity::high,
                     "two members share a name: Python's zipfile loads the last, other tools check the first",
                     kRebuild};
    case K::traversal_name:
    case K::absolute_name:
      return ZipRule{"ZIP-PATH-TRAVERSAL", Severity::high,
                     "a member name escapes the extraction directory (absolute path or '..')", kRebuild};
    case K::backslash_name:
      return ZipRule{"ZIP-BACKSLASH-NAME", Severity::medium,
                     "a member name uses backslashes, which Windows extractors treat as directory separators",
                     kRebuild};
    case K::symlink:
      return ZipRule{
          "ZIP-SYMLINK", Severity::high,
          "a member is a symbolic link: extracting it can point reads or writes outside the archive",
          kRebuild};
    case K::encrypted:
      return ZipRule{"ZIP-ENCRYPTED", Severity::medium, "a member is encrypted and cannot be inspected",
                     kRebuild};
    case K::unsupported_method:
    case K::unsupported_feature:
      return ZipRule{"ZIP-UNSUPPORTED", Severity::medium,
                     "a member uses a compression method or feature this scanner cannot inspect", kRebuild};
    case K::overlapping_entries:
      return ZipRule{"ZIP-OVERLAPPING-MEMBERS", Severity::high,
                     "members share bytes: the overlapping-entry zip bomb and reader-confusion technique",
                     kRebuild};
    case K::prepended_data:
      return ZipRule{"ZIP-PREPENDED-DATA", Severity::medium,
                     "bytes precede the archive: the file may be another format as well (a polyglot)",
                     kRebuild};
    case K::local_name_mismatch:
    case K::local_header_mismatch:
    case K::bad_local_header:
    case K::multiple_eocd:
    case K::inconsistent_directory:
      return ZipRule{"ZIP-HEADER-MISMATCH", Severity::medium,
                     "local and central headers disagree: different zip readers will see different contents",
                     kRebuild};
    case K::nul_in_name:
    case K::invalid_name_encoding:
      return ZipRule{"ZIP-BAD-NAME", Severity::medium,
                     "a member name contains NUL or invalid UTF-8: readers disagree on what it is called",
                     kRebuild};
    case K::truncated_entry:
    case K::truncated_directory:
    case K::corrupt_extra_field:
      return ZipRule{"ZIP-MALFORMED", Severity::medium, "the archive structure is damaged", kRebuild};
    case K::trailing_data:
    case K::gap_data:
      return ZipRule{"ZIP-HIDDEN-DATA", Severity::low,
                     "the archive holds bytes that belong to no member (after or between members)", kRebuild};
    case K::zip64:
    case K::comment:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

void report_zip_anomalies(ScanContext& context, const ZipArchive& archive) {
  for (const ZipAnomaly& anomaly : archive.anomalies) {
    std::optional<ZipRule> rule = rule_for(anomaly.kind);
    if (!rule) continue;
    Finding finding{
        .rule_id = std::string(rule->rule_id),
        .severity = rule->severity,
        .reason = std::string(rule->reason),
        .evidence = {fmt_reason("{}: {}", to_string(anomaly.kind), anomaly.detail)},
        .references = {"https://github.com/12end/evil_keras"},
        .fix = std::string(rule->fix),
    };
    if (anomaly.kind != ZipAnomalyKind::duplicate_name) finding.references.clear();
    if (anomaly.entry_index < archive.entries.size())
      finding.location.member = archive.entries[anomaly.entry_index].name;
    finding.location.byte_offset = anomaly.offset;
    context.report(std::move(finding));
  }
  if (!archive.python_error.empty()) {
    context.report(Finding{
        .rule_id = "ZIP-MALFORMED",
        .severity = Severity::medium,
        .reason = "Python's zipfile would refuse this archive; other readers may still load it",
        .evidence = {archive.python_error},
        .fix = std::string(kRebuild),
    });
  }
}

}  // namespace ms
