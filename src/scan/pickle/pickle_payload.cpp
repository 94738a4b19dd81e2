#include "scan/pickle/pickle_payload.hpp"

#include "scan/findings.hpp"
#include "scan/pickle/pickle_scan.hpp"

namespace ms {

void scan_object_array_pickle(ScanContext& context, Bytes pickle, std::uint64_t offset,
                              const std::string& what) {
  PickleScanResult result = scan_pickle_stream(context, pickle, offset);
  Finding finding{
      .rule_id = "NPY-OBJECT-ARRAY",
      .severity = Severity::low,
      .reason =
          "the array holds Python objects as a pickle, which only np.load(allow_pickle=True) reads; "
          "its globals are all known-safe",
      .evidence = {what, fmt_reason("{} bytes of pickle data", pickle.size())},
      .references = {"https://numpy.org/doc/stable/reference/generated/numpy.load.html"},
      .fix = "Store plain numeric arrays instead; weights never need pickled objects.",
  };
  if (result.highest >= Severity::critical) {
    finding.severity = Severity::critical;
    finding.reason = fmt_reason(
        "the array holds a pickle that runs {} when np.load(allow_pickle=True) (which Keras's .npz "
        "weight store uses) reads it",
        result.first_dangerous_call);
    finding.evidence.push_back(result.first_dangerous_call);
    finding.fix = "Do not load this file; weights are plain numeric arrays and never need pickled objects.";
  } else if (result.highest >= Severity::medium) {
    finding.severity = Severity::medium;
    finding.reason =
        "the array holds a pickle that imports code the file does not contain when "
        "np.load(allow_pickle=True) "
        "reads it";
  }
  finding.location.byte_offset = offset;
  context.report(std::move(finding));
}

}  // namespace ms
