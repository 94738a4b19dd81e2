#pragma once
// Pickle detector: runs the symbolic VM over a stream and judges every global it would import against the
// allow-list policy (scan/pickle/pickle_policy.hpp). Byte strings handed to calls are scanned in turn.
#include <cstdint>
#include <string>

#include "formats/pickle.hpp"
#include "modelshield/byte_reader.hpp"
#include "modelshield/severity.hpp"
#include "scan/context.hpp"

namespace ms {

struct PickleScanResult {
  Severity highest = Severity::info;  // of the findings this stream produced (nested scans excluded)
  std::string first_dangerous_call;   // rendered, e.g. "os.system('echo pwned')"
  PickleTrace trace;
  std::uint64_t joblib_arrays = 0;  // inline joblib arrays stepped over
};

// `base_offset` is where `data` starts in the current member; findings carry member-relative offsets.
// joblib's inline arrays are stepped over (and the stream is judged as plain pickle.load reads it too).
PickleScanResult scan_pickle_stream(ScanContext& context, Bytes data, std::uint64_t base_offset);

}  // namespace ms
