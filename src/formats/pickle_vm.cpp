#include <algorithm>

#include "formats/pickle_machine.hpp"

namespace ms {
namespace {

using pickle_vm::Machine;

// A follow-on pickle (bytes after a STOP) counts only if its first opcodes run cleanly: junk such as an
// appended zip fails at once, a real pickle does not.
constexpr std::uint64_t kProbeOpcodes = 4;
constexpr std::uint64_t kSniffOpcodes = 8;

struct TraceSizes {
  std::size_t imports, calls, embedded, persistent_ids, errors;
  int max_protocol;
  std::uint64_t opcode_count, out_of_band_buffers;
  bool truncated;
};

TraceSizes sizes_of(const PickleTrace& trace) {
  return {trace.imports.size(),        trace.calls.size(),        trace.embedded.size(),
          trace.persistent_ids.size(), trace.errors.size(),       trace.max_protocol,
          trace.opcode_count,          trace.out_of_band_buffers, trace.truncated};
}

void restore(PickleTrace& trace, const TraceSizes& sizes) {
  trace.imports.resize(sizes.imports);
  trace.calls.resize(sizes.calls);
  trace.embedded.resize(sizes.embedded);
  trace.persistent_ids.resize(sizes.persistent_ids);
  trace.errors.resize(sizes.errors);
  trace.max_protocol = sizes.max_protocol;
  trace.opcode_count = sizes.opcode_count;
  trace.out_of_band_buffers = sizes.out_of_band_buffers;
  trace.truncated = sizes.truncated;
}

}  // namespace

PickleTrace run_pickle_vm(Bytes data, const Limits& limits, std::uint64_t base_offset,
                          const PickleVmOptions& options) {
  PickleTrace trace;
  trace.end_offset = base_offset;
  if (data.empty()) {
    trace.errors.push_back({"empty pickle stream", base_offset, true});
    return trace;
  }
  Machine machine(data, limits, base_offset, trace, /*trace_embedded=*/true, options);
  std::size_t position = 0;
  bool first = true;
  while (position < data.size()) {
    if (!first && !pickle_vm::can_open_pickle(data[position])) break;
    if (trace.opcode_count >= limits.max_pickle_ops) {
      trace.truncated = true;
      trace.errors.push_back({"operation limit reached", base_offset + position, true});
      break;
    }
    const TraceSizes before = sizes_of(trace);
    Machine::RunResult result = machine.run_one(position, limits.max_pickle_ops - trace.opcode_count);
    if (!first && result.clean_opcodes < kProbeOpcodes) {
      restore(trace, before);
      break;
    }
    first = false;
    trace.pickle_starts.push_back(base_offset + position);
    position = machine.position();
    trace.end_offset = base_offset + position;
    if (result.outcome == Machine::Outcome::budget_spent) {
      trace.truncated = true;
      trace.errors.push_back({"operation limit reached", base_offset + position, true});
      break;
    }
    if (result.outcome == Machine::Outcome::fatal) break;
  }
  return trace;
}

bool looks_like_pickle(Bytes data) {
  if (data.size() < 2) return false;
  if (data[0] == static_cast<std::uint8_t>(pickle_vm::Op::PROTO) && data[1] >= 2 &&
      data[1] <= pickle_vm::kHighestProtocol) {
    return true;
  }
  if (!pickle_vm::can_open_pickle(data[0])) return false;
  Limits limits;
  limits.max_pickle_records = 64;
  limits.max_pickle_embedded_bytes = 0;
  PickleTrace trace;
  Machine machine(data, limits, 0, trace, /*trace_embedded=*/false);
  Machine::RunResult result = machine.run_one(0, kSniffOpcodes);
  return result.outcome != Machine::Outcome::fatal && trace.errors.empty();
}

bool unpickler_would_run(Bytes data) {
  if (looks_like_pickle(data)) return true;
  if (data.empty() || !pickle_vm::can_open_pickle(data[0])) return false;  // pickle.load fails at once
  constexpr std::size_t kSniffBytes = 64 * 1024;
  Limits sniff;
  sniff.max_pickle_ops = 4096;
  sniff.max_pickle_records = 16;
  sniff.max_pickle_embedded_bytes = 0;
  const PickleTrace trace = run_pickle_vm(data.first(std::min(data.size(), kSniffBytes)), sniff);
  return !trace.imports.empty() && !trace.calls.empty();
}

}  // namespace ms
