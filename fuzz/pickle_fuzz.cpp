// libFuzzer target for the symbolic pickle VM: any input must give a trace (never a crash, a hang or an
// exception other than FormatError), and the trace must be consistent with the input.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "formats/pickle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ms::Limits limits;
  limits.max_pickle_ops = 200'000;
  limits.max_pickle_stack = 4096;
  limits.max_pickle_memo = 4096;
  limits.max_pickle_values = 100'000;
  limits.max_pickle_records = 256;
  limits.max_pickle_embedded_bytes = 1u << 16;
  const ms::Bytes bytes(data, size);
  try {
    (void)ms::looks_like_pickle(bytes);
    const std::uint64_t base = 1000;
    ms::PickleTrace trace = ms::run_pickle_vm(bytes, limits, base);
    if (trace.opcode_count > limits.max_pickle_ops) std::abort();
    if (trace.end_offset < base || trace.end_offset > base + size) std::abort();
    for (std::uint64_t start : trace.pickle_starts) {
      if (start < base || start >= base + size) std::abort();
    }
    for (const auto& import : trace.imports) {
      if (import.offset < base || import.offset >= base + size) std::abort();
    }
    for (const auto& embedded : trace.embedded) {
      if (embedded.bytes.size() > embedded.size) std::abort();
      if (embedded.contiguous) {
        std::uint64_t at = embedded.offset_in_stream - base;
        if (embedded.offset_in_stream < base || at + embedded.size > size) std::abort();
        if (!embedded.bytes.empty() &&
            std::memcmp(embedded.bytes.data(), data + at, embedded.bytes.size()) != 0) {
          std::abort();
        }
      }
    }
  } catch (const ms::FormatError&) {
  }
  return 0;
}
