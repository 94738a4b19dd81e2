#pragma once
// Symbolic pickle virtual machine: reads a pickle stream the way CPython's unpickler would, but never
// imports or calls anything. Every value is symbolic (a constant, a container, a global reference, the
// result of a call, ...), so the trace says exactly which globals a pickle would import and which calls it
// would make, however the names were assembled (memo, STACK_GLOBAL, dotted paths, Python 2 names).
// Policy (what is dangerous) lives elsewhere: this reader only reports.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms {

namespace pickle_vm {
class Arena;
}

// Loaders that read raw data from the file in the middle of a pickle (joblib's NumpyUnpickler reads each
// array right after the BUILD that restores its wrapper) tell the VM what follows such a BUILD.
struct PickleInlineData {
  std::uint64_t skip = 0;      // bytes of raw data to step over
  bool nested_pickle = false;  // a whole pickle follows instead (pickle.load on the same file)
  // The loader reads data here but its size cannot be worked out: what follows cannot be followed.
  bool size_unknown = false;
};
class PickleBuildInspector {
 public:
  virtual ~PickleBuildInspector() = default;
  // `target` is the object on the stack after BUILD, `state` the state it was given, `rest` the stream
  // after the BUILD opcode. Returns nothing for an ordinary BUILD.
  virtual std::optional<PickleInlineData> after_build(const pickle_vm::Arena& arena, std::uint64_t target,
                                                      std::uint64_t state, Bytes rest) const = 0;
};
struct PickleVmOptions {
  const PickleBuildInspector* build_inspector = nullptr;
};

// A global that CPython's Unpickler.find_class would resolve.
struct PickleImport {
  std::string module;        // after Python 2 -> 3 renaming (_compat_pickle) when the protocol is < 3
  std::string qualname;      // as written; at protocol >= 4 a dotted attribute path ("eval.__call__")
  std::uint64_t offset = 0;  // of the opcode
  std::string opcode;        // "GLOBAL", "STACK_GLOBAL" or "INST"
  // False when module or qualname were not constant strings (STACK_GLOBAL over the result of a call or an
  // unknown value: they are then rendered descriptions such as "<unknown>") or were too long to keep whole.
  bool exact = true;
};

// A call the unpickler would make. `callable` is "module.qualname" when the callee is a global, otherwise a
// description: "<result of builtins.getattr(...)>", "<instance of x.Y>" (made by NEWOBJ), "<unknown>",
// "<persistent_id(...)>", "<extension 42>". For BUILD (state restoration through __setstate__ or attribute
// assignment) and for APPEND(S)/SETITEM(S)/ADDITEMS on an object that is not a plain list/dict/set, it names
// the method: "<instance of x.Y>.__setstate__", "<result of collections.OrderedDict(...)>.__setitem__",
// "os.environ.__setstate__". `module`/`qualname` name the global behind the callee (itself, the function
// whose result it is, or the class it is an instance of), when there is one.
struct PickleCall {
  std::string callable;
  std::string module;
  std::string qualname;
  std::vector<std::string> arg_summaries;  // Python-repr of constants ('echo pwned'), summaries otherwise
  std::uint64_t offset = 0;                // of the opcode
  // REDUCE NEWOBJ NEWOBJ_EX INST OBJ BUILD APPEND APPENDS SETITEM SETITEMS ADDITEMS EXT1 EXT2 EXT4
  std::string opcode;
};

// A bytes value passed (directly or inside an argument tuple/list/dict) to a call: a candidate for a
// recursive scan (pickle.loads(b"..."), torch.storage._load_from_bytes(b"..."), marshal.loads(...)).
struct PickleEmbeddedBytes {
  std::string callable;                // as in PickleCall
  std::uint64_t call_offset = 0;       // offset of the calling opcode
  std::uint64_t offset_in_stream = 0;  // offset of the first payload byte
  std::uint64_t size = 0;              // full payload size
  // When true the payload is exactly the stream bytes [offset_in_stream, offset_in_stream + size), so a
  // caller holding the stream can take it whole even when `bytes` was cut short.
  bool contiguous = true;
  bool complete = true;  // `bytes` holds the whole payload
  // Payloads that look like a pickle or an archive/compressed stream are copied whole, within
  // Limits::max_pickle_embedded_bytes for the whole trace; of any other payload (tensor data, typically)
  // only the first 4 KiB, enough to sniff it.
  std::vector<std::uint8_t> bytes;
};

// A persistent id handed to persistent_load (PyTorch storages, joblib arrays, ...).
struct PicklePersistentId {
  std::string summary;  // rendered pid, e.g. ('storage', torch.FloatStorage, '0', 'cpu', 6)
  std::uint64_t offset = 0;
  std::string opcode;  // "PERSID" or "BINPERSID"
};

struct PickleTrace {
  int max_protocol = 0;  // highest protocol named by a PROTO opcode (0 when none)
  std::vector<PickleImport> imports;
  std::vector<PickleCall> calls;
  std::vector<PickleEmbeddedBytes> embedded;
  std::vector<PicklePersistentId> persistent_ids;
  std::vector<std::uint64_t> pickle_starts;  // offset of each pickle in the stream
  struct Error {
    std::string message;
    std::uint64_t offset = 0;
    // Fatal errors ended the scan of the stream (truncated data, unknown opcode, a hard limit); the others
    // would make CPython fail too, but the VM went on with an unknown value to see what follows.
    bool fatal = false;
  };
  std::vector<Error> errors;
  std::uint64_t opcode_count = 0;
  std::uint64_t out_of_band_buffers = 0;  // NEXT_BUFFER opcodes (protocol 5)
  std::uint64_t end_offset = 0;  // where scanning stopped; bytes after it were not recognised as a pickle
  bool truncated = false;        // a limit cut the analysis short or dropped records
};

// Runs every pickle in `data` (after a STOP, scanning resumes at the next byte while that yields a
// plausible pickle). Never throws on malformed input: problems land in `errors`. Offsets in the trace are
// `base_offset` + position in `data`.
PickleTrace run_pickle_vm(Bytes data, const Limits& limits, std::uint64_t base_offset = 0,
                          const PickleVmOptions& options = {});

// Content sniff: PROTO 2..5 at byte 0, or an opcode that can open a pickle followed by a clean parse of the
// first few opcodes.
bool looks_like_pickle(Bytes data);

// What pickle.load would run: looks_like_pickle, or a stream that imports a global and calls something
// before it fails or runs out of data (header-less protocol 0/1 payloads such as "N0cos\nsystem\n...").
// Bounded: only the first 64 KiB and 4096 opcodes are run. Plain text does neither.
bool unpickler_would_run(Bytes data);

}  // namespace ms
