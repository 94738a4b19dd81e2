#pragma once
// Symbolic values of the pickle VM. Scalars live in the handle itself; everything else lives in an arena
// that is garbage-collected from the VM's roots (stack and memo), so memory follows what is reachable, not
// how long the stream is. Containers retain only their first few items (enough to render arguments), but
// count all of them.
#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "modelshield/byte_reader.hpp"

namespace ms::pickle_vm {

// Tagged 64-bit handle: low two bits 00 = arena slot (index << 2), 01 = small integer (value << 2),
// 10 = special constant.
using Handle = std::uint64_t;

inline constexpr Handle kNone = (0ull << 2) | 2;
inline constexpr Handle kTrue = (1ull << 2) | 2;
inline constexpr Handle kFalse = (2ull << 2) | 2;
inline constexpr Handle kUnknown = (3ull << 2) | 2;  // what a failed or unmodelled operation produced
inline constexpr Handle kAbsent = (4ull << 2) | 2;   // empty memo slot, never on the stack

inline constexpr std::int64_t kSmallIntMax = (std::int64_t{1} << 61) - 1;
inline constexpr std::int64_t kSmallIntMin = -(std::int64_t{1} << 61);

inline bool is_arena(Handle h) { return (h & 3) == 0; }
inline bool is_small_int(Handle h) { return (h & 3) == 1; }
inline std::int64_t small_int_value(Handle h) { return static_cast<std::int64_t>(h) >> 2; }
inline Handle make_small_int(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 2) | 1; }
inline std::uint32_t arena_index(Handle h) { return static_cast<std::uint32_t>(h >> 2); }

enum class Kind : std::uint8_t {
  free,  // arena slot not in use
  none,
  boolean,
  integer,
  floating,
  str,
  bytes,
  bytearray,
  tuple,
  list,
  dict,
  set,
  frozenset,
  global,         // items = {module str, qualname str}
  call,           // REDUCE result: items = {callable, args}
  object,         // NEWOBJ/NEWOBJ_EX/INST/OBJ result: items = {class, args[, kwargs]}
  persistent_id,  // items = {pid}
  extension,      // integer = code
  buffer,         // out-of-band buffer: integer = index
  unknown,
};

inline constexpr std::size_t kRetainedItems = 32;  // per container, for rendering

// 96 bytes: the arena can hold millions of these.
struct Value {
  Kind kind = Kind::free;
  bool partial : 1 = false;     // payload or items only partly retained
  bool py2_string : 1 = false;  // STRING/BINSTRING/SHORT_BINSTRING: str by default, bytes for some loaders
  bool contiguous : 1 = false;  // str/bytes payload is exactly stream[offset, offset + size)
  bool reported : 1 = false;    // bytes already reported as an embedded payload
  std::uint32_t mark = 0;       // garbage-collection epoch
  std::uint64_t size = 0;       // payload bytes (str/bytes) or item count (containers)
  std::uint64_t offset = 0;     // stream offset of the payload (str/bytes) or of the creating opcode
  union {
    std::int64_t integer = 0;  // int, extension code, buffer index
    double number;             // float
  };
  const std::uint8_t* view = nullptr;  // payload borrowed from the stream (`size` bytes), no copy
  std::string text;                    // owned payload, big integer digits
  std::vector<Handle> items;

  std::string_view payload() const {
    return view != nullptr ? std::string_view(reinterpret_cast<const char*>(view), size)
                           : std::string_view(text);
  }
};

class Arena {
 public:
  explicit Arena(std::size_t max_live) : max_live_(max_live) {}
  Handle add(Value value);
  Value& at(Handle h) { return slot(arena_index(h)); }
  const Value& at(Handle h) const { return const_cast<Arena*>(this)->slot(arena_index(h)); }

  // Whether enough has been allocated since the last collection to make one worthwhile.
  bool wants_collection() const { return allocated_since_collection_ >= collection_threshold_; }
  // Frees every slot not reachable from `roots`. Returns false when what stays reachable exceeds the
  // arena's ceiling.
  template <typename VisitRoots>
  bool collect(VisitRoots&& visit_roots) {
    begin_marking();
    visit_roots([this](Handle h) { mark(h); });
    finish_marking();
    return live() <= max_live_;
  }
  std::size_t live() const { return slot_count_ - free_.size(); }

 private:
  // Slots live in chunks that never move: chunk 0 holds slots [0, 256), chunk k >= 1 holds
  // [256 << (k - 1), 256 << k), so a small pickle allocates little and a large one few chunks.
  static constexpr std::uint32_t kFirstChunkBits = 8;
  static std::uint32_t chunk_of(std::uint32_t index) {
    return static_cast<std::uint32_t>(std::bit_width(index >> kFirstChunkBits));
  }
  static std::uint32_t chunk_start(std::uint32_t chunk) {
    return chunk == 0 ? 0 : (1u << kFirstChunkBits) << (chunk - 1);
  }
  Value& slot(std::uint32_t index) {
    std::uint32_t chunk = chunk_of(index);
    return chunks_[chunk][index - chunk_start(chunk)];
  }
  void begin_marking();
  void mark(Handle h);
  void finish_marking();

  std::vector<std::unique_ptr<Value[]>> chunks_;
  std::uint32_t slot_count_ = 0;
  std::size_t max_live_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint32_t> pending_;
  std::uint32_t epoch_ = 0;
  std::size_t allocated_since_collection_ = 0;
  std::size_t collection_threshold_ = 1u << 16;
};

Kind kind_of(const Arena& arena, Handle h);
// The names of a global value.
std::string_view global_module(const Arena& arena, const Value& global);
std::string_view global_qualname(const Arena& arena, const Value& global);
bool is_text(const Arena& arena, Handle h);  // a str constant

// Python-style rendering, bounded in depth and length.
struct RenderLimits {
  std::size_t max_chars = 1024;
  int max_depth = 6;
  int callable_nesting = 3;  // how deep callables of calls inside calls are described
};
std::string render(const Arena& arena, Handle h, RenderLimits limits = {});

// "module.qualname" for a global; a short description otherwise ("<result of os.system(...)>").
std::string describe_callable(const Arena& arena, Handle h, int nesting = 3);
// The global that produced `h` (itself, the callable of a call, the class of an object), if any.
const Value* origin_global(const Arena& arena, Handle h);

}  // namespace ms::pickle_vm
