// Text files carrying a base64-encoded HDF5 model (seen in notebooks and model hubs' text uploads).
#include "formats/marshal.hpp"
#include "scan/detectors.hpp"
#include "scan/dispatch.hpp"
#include "scan/findings.hpp"

namespace ms {

std::string scan_base64_hdf5(ScanContext& context, Bytes data, std::string_view /*name*/) {
  if (data.size() / 4 * 3 > context.limits().max_member_bytes)
    throw LimitError("base64", "encoded file larger than the member limit", 0);
  std::optional<std::vector<std::uint8_t>> decoded = decode_base64(as_chars(data));
  if (!decoded) throw FormatError("base64", "text is not valid base64", 0);
  ScanContext inner = context.for_member("<base64-decoded>");
  inner.report(Finding{
      .rule_id = "FORMAT-BASE64-WRAPPED",
      .severity = Severity::low,
      .reason = "the file is an HDF5 model wrapped in base64 text, a way to slip past scanners",
      .evidence = {fmt_reason("{} bytes decoded", decoded->size())},
      .fix = "Store models in their native format so every tool sees what the loader sees.",
  });
  scan_content(inner, *decoded, "decoded.h5");
  return "base64-hdf5";
}

}  // namespace ms
