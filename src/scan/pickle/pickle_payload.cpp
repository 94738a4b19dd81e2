#include "scan/pickle/pickle_payload.hpp"

#include "scan/findings.hpp"

namespace ms {

void scan_object_array_pickle(ScanContext& context, Bytes pickle, std::uint64_t offset,
                              const std::string& what) {
  Finding finding{
      .rule_id = "NPY-OBJECT-ARRAY",
      .severity = Severity::critical,
      .reason =
          "the array holds Python objects as a pickle: np.load(allow_pickle=True), which Keras's .npz "
          "weight store uses, runs whatever the pickle names",
      .evidence = {what, fmt_reason("{} bytes of pickle data", pickle.size())},
      .references = {"https://numpy.org/doc/stable/reference/generated/numpy.load.html"},
      .fix = "Do not load this file; weights are plain numeric arrays and never need pickled objects.",
  };
  finding.location.byte_offset = offset;
  context.report(std::move(finding));
}

}  // namespace ms
