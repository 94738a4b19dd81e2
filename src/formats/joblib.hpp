#pragma once
// joblib.dump files: a pickle (optionally wrapped in one compressed stream) in which each numpy array's raw
// data follows the BUILD that restores its NumpyArrayWrapper, read from the file by joblib's unpickler.
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "formats/growable_bytes.hpp"
#include "formats/pickle.hpp"
#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms {

enum class JoblibCompression { none, zlib, gzip, bz2, xz, lzma, lz4 };
std::string_view to_string(JoblibCompression compression);

// The compressor joblib would pick from the first bytes (joblib.numpy_pickle_utils._detect_compressor).
JoblibCompression detect_joblib_compression(Bytes data);

struct JoblibDecompressed {
  GrowableBytes bytes;
  bool truncated = false;       // Limits::max_member_bytes reached; `bytes` holds the start
  bool ratio_exceeded = false;  // inflates beyond Limits::max_compression_ratio
};
// Every joblib compressor (zlib, gzip, bz2, xz, lzma, lz4), concatenated streams included; throws
// FormatError on corrupt or truncated data, LimitError when an lzma header asks for too much memory.
JoblibDecompressed decompress_joblib(Bytes data, JoblibCompression compression, const Limits& limits);

// Tells the pickle VM how many bytes of array data follow each NumpyArrayWrapper BUILD, or that a nested
// pickle follows (object arrays).
class JoblibArrayInspector final : public PickleBuildInspector {
 public:
  std::optional<PickleInlineData> after_build(const pickle_vm::Arena& arena, std::uint64_t target,
                                              std::uint64_t state, Bytes rest) const override;
  // How many arrays were stepped over: when non-zero, a plain pickle.load reads those bytes as opcodes.
  std::uint64_t arrays_seen() const { return arrays_seen_; }

 private:
  mutable std::uint64_t arrays_seen_ = 0;
  // Item sizes that numpy.dtype.__setstate__ set on flexible dtypes ('V8' restored with elsize 1000 reads
  // 1000-byte items): keyed by the dtype's handle, so the array skip matches what joblib reads.
  mutable std::unordered_map<std::uint64_t, std::uint64_t> restored_item_sizes_;
};

}  // namespace ms
