// libFuzzer target for the pickle detector: raw pickles, joblib inline arrays and compressed streams,
// PyTorch archives and nested byte strings, all through content dispatch. Any input must give findings,
// never a crash, a hang or an escaping exception.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "formats/joblib.hpp"
#include "formats/pickle.hpp"
#include "scan/context.hpp"
#include "scan/dispatch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ms::Limits limits;
  limits.max_member_bytes = 8u << 20;
  limits.max_pickle_ops = 200'000;
  limits.max_pickle_stack = 4096;
  limits.max_pickle_memo = 4096;
  limits.max_pickle_values = 100'000;
  limits.max_pickle_records = 256;
  limits.max_pickle_embedded_bytes = 1u << 16;
  limits.max_nesting = 4;
  const ms::Bytes bytes(data, size);
  std::vector<ms::Finding> findings;
  ms::ScanContext context(limits, "fuzz", findings);
  // scan_content reports FormatError/LimitError as findings itself; anything escaping is a bug.
  (void)ms::scan_content(context, bytes, "fuzz.pkl");
  // The joblib path directly, whatever the content detection said.
  ms::JoblibArrayInspector inspector;
  ms::PickleVmOptions options{.build_inspector = &inspector};
  ms::PickleTrace trace = ms::run_pickle_vm(bytes, limits, 0, options);
  if (trace.end_offset > size) std::abort();
  return 0;
}
