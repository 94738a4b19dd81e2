#include "scan/hdf5/storage_rules.hpp"

#include "scan/findings.hpp"

namespace ms {

namespace {

// The published h5py/Keras weight-storage attacks (external storage, links, virtual datasets, declared
// shapes the file does not hold).
const std::vector<std::string> kStorageReferences = {"CVE-2026-0897", "CVE-2026-1669", "CVE-2026-12480"};

// Declared sizes below this are never bombs: a legitimate model may leave small datasets unallocated.
constexpr std::uint64_t kShapeBombMinimum = 512ull << 20;
constexpr std::uint64_t kShapeBombRatio = 64;

void report_at(ScanContext& context, const std::string& path, Finding finding) {
  finding.location.object_path = path;
  if (finding.references.empty()) finding.references = kStorageReferences;
  context.report(std::move(finding));
}

void check_links(ScanContext& context, const Hdf5Object& object) {
  for (const Hdf5Link& link : object.links) {
    std::string path = object.path == "/" ? "/" + link.name : object.path + "/" + link.name;
    switch (link.type) {
      case Hdf5Link::Type::external:
        report_at(
            context, path,
            Finding{
                .rule_id = "HDF5-EXTERNAL-LINK",
                .severity = Severity::high,
                .reason = "an external link makes the loader open another file when it reads weights",
                .evidence = {fmt_reason("{} -> {}:{}", link.name, link.external_file, link.external_path)},
                .fix = "Do not load this file; weights must live inside the file."});
        break;
      case Hdf5Link::Type::soft:
        report_at(
            context, path,
            Finding{.rule_id = "HDF5-SOFT-LINK",
                    .severity = Severity::medium,
                    .reason = "a soft link aliases another object: weights can be swapped or read twice",
                    .evidence = {fmt_reason("{} -> {}", link.name, link.soft_target)},
                    .fix = "Keras never writes soft links; regenerate the file from its source."});
        break;
      case Hdf5Link::Type::user_defined:
        report_at(context, path,
                  Finding{.rule_id = "HDF5-USER-DEFINED-LINK",
                          .severity = Severity::medium,
                          .reason = "a user-defined link type needs a handler the file does not contain",
                          .evidence = {fmt_reason("{} (link type {})", link.name, link.user_type)},
                          .fix = "Regenerate the file from its source."});
        break;
      case Hdf5Link::Type::hard:
        break;  // aliases of objects already listed: harmless
    }
  }
}

void check_dataset(ScanContext& context, const Hdf5Object& object, const Hdf5DatasetInfo& dataset,
                   std::uint64_t file_size) {
  if (!dataset.external_files.empty()) {
    Finding finding{.rule_id = "HDF5-EXTERNAL-STORAGE",
                    .severity = Severity::high,
                    .reason =
                        "the dataset's data is stored in other files (External File List): loading "
                        "reads them, e.g. secrets from the local disk into the model",
                    .fix = "Do not load this file; weights must live inside the file."};
    for (const auto& external : dataset.external_files)
      finding.evidence.push_back(
          fmt_reason("{} (offset {}, {} bytes)", external.name, external.offset, external.size));
    report_at(context, object.path, std::move(finding));
  }
  if (dataset.layout == Hdf5DatasetInfo::Layout::virtual_) {
    Finding finding{
        .rule_id = "HDF5-VIRTUAL-DATASET",
        .severity = Severity::high,
        .reason = "a virtual dataset maps its data from other files or datasets: loading reads them",
        .fix = "Do not load this file; weights must live inside the file."};
    for (const auto& source : dataset.virtual_sources)
      finding.evidence.push_back(fmt_reason("{}:{}", source.file, source.dataset));
    if (!dataset.virtual_sources_complete) finding.evidence.push_back("(mapping list not fully decoded)");
    report_at(context, object.path, std::move(finding));
  }
  if (!dataset.external_files.empty() || dataset.layout == Hdf5DatasetInfo::Layout::virtual_) return;
  std::uint64_t stored = dataset.stored_bytes.value_or(0);
  bool unknown_storage = !dataset.stored_bytes.has_value();
  std::uint64_t declared = dataset.declared_bytes;
  bool bomb = declared >= kShapeBombMinimum && (unknown_storage ? declared / kShapeBombRatio > file_size
                                                                : declared / kShapeBombRatio > stored);
  if (bomb) {
    report_at(
        context, object.path,
        Finding{.rule_id = "HDF5-SHAPE-BOMB",
                .severity = Severity::high,
                .reason = "the dataset declares far more data than the file stores: reading it allocates "
                          "the declared size and exhausts memory",
                .evidence = {fmt_reason("declared {} bytes ({} of {}), stored {}", declared,
                                        fmt::join(dataset.dims, "x"), dataset.datatype,
                                        unknown_storage ? std::string("unknown") : std::to_string(stored))},
                .fix = "Do not load this file."});
  }
}

std::string_view anomaly_rule(Hdf5AnomalyKind kind) {
  switch (kind) {
    case Hdf5AnomalyKind::unsupported:
      return "HDF5-UNSUPPORTED-FEATURE";
    case Hdf5AnomalyKind::duplicate_link:
      return "HDF5-DUPLICATE-LINK";
    case Hdf5AnomalyKind::eof_mismatch:
    case Hdf5AnomalyKind::base_address_mismatch:
      return "HDF5-LAYOUT-ANOMALY";
    default:
      return "HDF5-MALFORMED";
  }
}

Severity anomaly_severity(Hdf5AnomalyKind kind) {
  switch (kind) {
    case Hdf5AnomalyKind::eof_mismatch:
    case Hdf5AnomalyKind::base_address_mismatch:
      return Severity::low;
    default:
      return Severity::medium;
  }
}

}  // namespace

void check_hdf5_storage(ScanContext& context, const Hdf5File& file, std::uint64_t file_size) {
  for (const Hdf5Object& object : file.objects) {
    check_links(context, object);
    if (object.dataset) check_dataset(context, object, *object.dataset, file_size);
  }
  for (const Hdf5Anomaly& anomaly : file.anomalies) {
    Finding finding{.rule_id = std::string(anomaly_rule(anomaly.kind)),
                    .severity = anomaly_severity(anomaly.kind),
                    .reason = fmt_reason("HDF5 structure problem ({}): loaders may read it differently",
                                         to_string(anomaly.kind)),
                    .evidence = {anomaly.detail},
                    .fix = "Do not load this file; obtain it again from a trusted source."};
    finding.location.object_path = anomaly.path;
    finding.location.byte_offset = anomaly.offset;
    context.report(std::move(finding));
  }
}

}  // namespace ms
