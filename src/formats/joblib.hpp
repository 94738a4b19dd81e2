#pragma once
// joblib.dump files: a pickle (optionally compressed) in which each numpy array's raw
// data follows the BUILD that restores its NumpyArrayWrapper, read from the file by joblib's unpickler.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "formats/growable_bytes.hpp"
#include "formats/pickle.hpp"
#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms {

// `zfile` is the format of joblib < 0.9.3 ("ZF", a hex length, one zlib stream), which joblib.load still
// reads (numpy_pickle_compat.read_zfile).
enum class JoblibCompression { none, zlib, gzip, bz2, xz, lzma, lz4, zfile };
std::string_view to_string(JoblibCompression compression);

// The compressor joblib would pick from the first bytes (joblib.numpy_pickle_utils._detect_compressor).
JoblibCompression detect_joblib_compression(Bytes data);

// Why decoding stopped before the end of the data.
struct JoblibStreamError {
  std::string message;
  std::uint64_t offset = 0;  // in the compressed data
  bool over_limit = false;   // a resource limit (the dictionary an lzma header asks for), not corrupt data
};

struct JoblibDecompressed {
  GrowableBytes bytes;
  bool truncated = false;       // Limits::max_member_bytes reached; `bytes` holds the start
  bool ratio_exceeded = false;  // inflates beyond Limits::max_compression_ratio
  // Set when the data is corrupt or ends early: `bytes` then holds everything decoded before that point,
  // which joblib.load has already unpickled when it meets the error (it decompresses as it unpickles).
  std::optional<JoblibStreamError> error;
};

// Decompresses as joblib.load would read the stream: zlib and gzip (one stream), bz2, xz and lzma (both
// read by Python's lzma module in its auto-detecting mode) and lz4 frames (further streams are read after
// the first), and zfile. Output is capped at min(max_member_bytes, input size * max_compression_ratio) and
// is never allocated beyond that cap. Never throws on bad data: see JoblibDecompressed::error.
JoblibDecompressed decompress_joblib_prefix(Bytes data, JoblibCompression compression, const Limits& limits);

// As decompress_joblib_prefix, but all or nothing: throws FormatError with the offset on corrupt or
// truncated data, LimitError when an lzma header asks for a dictionary above 256 MiB.
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
