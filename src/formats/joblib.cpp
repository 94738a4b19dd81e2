#include "formats/joblib.hpp"

#include <algorithm>
#include <charconv>

#include "formats/pickle_values.hpp"
#include "modelshield/error.hpp"

namespace ms {

using pickle_vm::Arena;
using pickle_vm::Handle;
using pickle_vm::Kind;

std::string_view to_string(JoblibCompression compression) {
  switch (compression) {
    case JoblibCompression::none:
      return "none";
    case JoblibCompression::zlib:
      return "zlib";
    case JoblibCompression::gzip:
      return "gzip";
    case JoblibCompression::bz2:
      return "bz2";
    case JoblibCompression::xz:
      return "xz";
    case JoblibCompression::lzma:
      return "lzma";
    case JoblibCompression::lz4:
      return "lz4";
    case JoblibCompression::zfile:
      return "zfile";
  }
  return "none";
}

JoblibCompression detect_joblib_compression(Bytes data) {
  auto starts = [&](std::string_view magic) {
    return data.size() >= magic.size() && as_chars(data.first(magic.size())) == magic;
  };
  // joblib's own prefixes, in its order; zlib's header check stands in for joblib's bare 'x', which zlib
  // then rejects. An lzma header is only ']\0': a 256-byte dictionary makes the third byte 1.
  if (starts("ZF")) return JoblibCompression::zfile;
  if (data.size() >= 2 && data[0] == 0x78 && ((data[0] << 8) | data[1]) % 31 == 0)
    return JoblibCompression::zlib;
  if (starts("\x1f\x8b")) return JoblibCompression::gzip;
  if (starts("BZh")) return JoblibCompression::bz2;
  if (starts(std::string_view("\x5d\x00", 2))) return JoblibCompression::lzma;
  if (starts("\xfd\x37\x7a\x58\x5a")) return JoblibCompression::xz;
  if (starts("\x04\x22\x4d\x18")) return JoblibCompression::lz4;
  return JoblibCompression::none;
}

namespace {

const pickle_vm::Value* arena_value(const Arena& arena, Handle h) {
  return pickle_vm::is_arena(h) ? &arena.at(h) : nullptr;
}

Handle dict_lookup(const Arena& arena, Handle dict, std::string_view key) {
  const pickle_vm::Value* value = arena_value(arena, dict);
  if (value == nullptr || value->kind != Kind::dict) return pickle_vm::kAbsent;
  for (std::size_t i = 0; i + 1 < value->items.size(); i += 2)
    if (pickle_vm::is_text(arena, value->items[i]) && arena.at(value->items[i]).payload() == key)
      return value->items[i + 1];
  return pickle_vm::kAbsent;
}

struct ItemSize {
  std::uint64_t bytes = 0;
  bool objects = false;
  bool flexible = false;  // S, U or V: dtype.__setstate__ may set another item size
};

bool is_numpy_dtype(const Arena& arena, Handle h) {
  const pickle_vm::Value* global = pickle_vm::origin_global(arena, h);
  return global != nullptr && pickle_vm::global_qualname(arena, *global) == "dtype" &&
         pickle_vm::global_module(arena, *global).starts_with("numpy");
}

// numpy.dtype(str, False, True): the type string numpy's dtype.__reduce__ writes ("f8", "U10", "O8", "V16").
std::optional<ItemSize> dtype_item_size(const Arena& arena, Handle dtype) {
  const pickle_vm::Value* call = arena_value(arena, dtype);
  if (call == nullptr || call->kind != Kind::call || call->items.size() < 2) return std::nullopt;
  if (!is_numpy_dtype(arena, dtype)) return std::nullopt;
  const pickle_vm::Value* args = arena_value(arena, call->items[1]);
  if (args == nullptr || args->kind != Kind::tuple || args->items.empty() ||
      !pickle_vm::is_text(arena, args->items[0]))
    return std::nullopt;
  std::string_view type = arena.at(args->items[0]).payload();
  if (!type.empty() && std::string_view("<>=|").find(type[0]) != std::string_view::npos)
    type.remove_prefix(1);  // numpy accepts a byte order in the type string
  if (type.empty()) return std::nullopt;
  if (type[0] == 'O') return ItemSize{8, true};
  std::uint64_t count = 0;
  auto [end, error] = std::from_chars(type.data() + 1, type.data() + type.size(), count);
  if (error != std::errc() || end != type.data() + type.size() || count > (1u << 30)) return std::nullopt;
  if (type[0] == 'U') count *= 4;
  if (std::string_view("fiubcUSVMm?").find(type[0]) == std::string_view::npos) return std::nullopt;
  return ItemSize{count, false, type[0] == 'S' || type[0] == 'U' || type[0] == 'V'};
}

std::optional<std::uint64_t> element_count(const Arena& arena, Handle shape) {
  const pickle_vm::Value* tuple = arena_value(arena, shape);
  if (tuple == nullptr || (tuple->kind != Kind::tuple && tuple->kind != Kind::list) ||
      tuple->items.size() != tuple->size)
    return std::nullopt;
  std::uint64_t count = 1;
  for (Handle dim : tuple->items) {
    if (!pickle_vm::is_small_int(dim) || pickle_vm::small_int_value(dim) < 0) return std::nullopt;
    std::uint64_t n = static_cast<std::uint64_t>(pickle_vm::small_int_value(dim));
    if (n != 0 && count > UINT64_MAX / n) return std::nullopt;
    count *= n;
  }
  return count;
}

}  // namespace

std::optional<PickleInlineData> JoblibArrayInspector::after_build(const Arena& arena, std::uint64_t target,
                                                                  std::uint64_t state, Bytes rest) const {
  if (is_numpy_dtype(arena, target)) {
    // dtype.__setstate__((version, byteorder, subarray, names, fields, elsize, alignment, flags[, meta])):
    // flexible types (S, U, V) take their item size from elsize.
    const pickle_vm::Value* tuple = arena_value(arena, state);
    if (tuple != nullptr && tuple->kind == Kind::tuple && tuple->items.size() >= 6 &&
        pickle_vm::is_small_int(tuple->items[5]) && pickle_vm::small_int_value(tuple->items[5]) >= 0 &&
        restored_item_sizes_.size() < (1u << 16))
      restored_item_sizes_[target] = static_cast<std::uint64_t>(pickle_vm::small_int_value(tuple->items[5]));
    return std::nullopt;
  }
  const pickle_vm::Value* origin = pickle_vm::origin_global(arena, target);
  if (origin == nullptr || pickle_vm::global_module(arena, *origin) != "joblib.numpy_pickle" ||
      pickle_vm::global_qualname(arena, *origin) != "NumpyArrayWrapper")
    return std::nullopt;
  const Handle dtype = dict_lookup(arena, state, "dtype");
  std::optional<ItemSize> item = dtype_item_size(arena, dtype);
  if (item && item->flexible)
    if (auto restored = restored_item_sizes_.find(dtype); restored != restored_item_sizes_.end())
      item->bytes = restored->second;
  std::optional<std::uint64_t> count = element_count(arena, dict_lookup(arena, state, "shape"));
  ++arrays_seen_;
  if (!item || !count) return PickleInlineData{.size_unknown = true};
  if (item->objects) return PickleInlineData{0, true};
  std::uint64_t skip = 0;
  Handle alignment = dict_lookup(arena, state, "numpy_array_alignment_bytes");
  if (alignment != pickle_vm::kAbsent && alignment != pickle_vm::kNone) {
    if (rest.empty()) return PickleInlineData{1, false};  // the VM reports the truncation
    skip = 1 + rest[0];
  }
  if (item->bytes != 0 && *count > (UINT64_MAX - skip) / item->bytes)
    return PickleInlineData{UINT64_MAX, false};
  return PickleInlineData{skip + *count * item->bytes, false};
}

}  // namespace ms
