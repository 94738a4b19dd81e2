// numpy .npy arrays: object arrays are pickles (np.load(allow_pickle=True) runs them, and Keras's
// model.weights.npz store loads with allow_pickle); declared shapes the file does not hold exhaust memory.
#include "formats/npy.hpp"
#include "scan/detectors.hpp"
#include "scan/findings.hpp"
#include "scan/pickle/pickle_payload.hpp"

namespace ms {

namespace {

constexpr std::uint64_t kShapeBombMinimum = 512ull << 20;
constexpr std::uint64_t kShapeBombRatio = 64;

std::uint64_t saturating_product(const std::vector<std::uint64_t>& dims, std::uint64_t item_size) {
  std::uint64_t total = item_size;
  for (std::uint64_t dim : dims) {
    if (dim != 0 && total > UINT64_MAX / dim) return UINT64_MAX;
    total *= dim;
  }
  return total;
}

}  // namespace

std::string scan_npy_file(ScanContext& context, Bytes data, std::string_view /*name*/) {
  NpyHeader header = parse_npy_header(data, context.limits());
  std::string shape = fmt_reason("{}", fmt::join(header.shape, "x"));
  if (header.has_objects) {
    Bytes payload = data.subspan(static_cast<std::size_t>(header.data_offset));
    scan_object_array_pickle(context, payload, header.data_offset,
                             fmt_reason("object array (dtype {}, shape {})", header.descr, shape));
    return "npy-object";
  }
  std::uint64_t declared = saturating_product(header.shape, header.item_size);
  std::uint64_t stored = data.size() - header.data_offset;
  if (header.item_size != 0 && declared >= kShapeBombMinimum && declared / kShapeBombRatio > stored) {
    context.report(Finding{
        .rule_id = "NPY-SHAPE-BOMB",
        .severity = Severity::high,
        .reason = "the array declares far more data than the file holds: np.load allocates the declared size",
        .evidence = {fmt_reason("declared {} bytes ({} of {}), stored {}", declared, shape, header.descr,
                                stored)},
        .fix = "Do not load this array.",
    });
  }
  return "npy";
}

}  // namespace ms
