// libFuzzer target for joblib's decompressors: the input is handed to every codec (zlib, gzip, bz2, xz,
// lzma, lz4, zfile) whatever its magic says, under tight limits. Output must stay within the caps, the
// streaming and all-or-nothing entry points must agree, and any input must end in output or an error,
// never a crash, a hang or an oversized allocation.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "formats/joblib.hpp"
#include "modelshield/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ms::Limits limits;
  limits.max_member_bytes = 4u << 20;
  limits.max_compression_ratio = 200;
  const ms::Bytes bytes(data, size);
  const std::uint64_t ratio_cap = std::max<std::uint64_t>(size, 1) * limits.max_compression_ratio;
  const std::uint64_t cap = std::min<std::uint64_t>(limits.max_member_bytes, ratio_cap);
  for (ms::JoblibCompression codec :
       {ms::JoblibCompression::zlib, ms::JoblibCompression::gzip, ms::JoblibCompression::bz2,
        ms::JoblibCompression::xz, ms::JoblibCompression::lzma, ms::JoblibCompression::lz4,
        ms::JoblibCompression::zfile}) {
    ms::JoblibDecompressed prefix = ms::decompress_joblib_prefix(bytes, codec, limits);
    if (prefix.bytes.size() > cap || prefix.bytes.capacity() > cap) std::abort();
    if (prefix.error && prefix.error->offset > size) std::abort();
    if ((prefix.truncated || prefix.ratio_exceeded) && prefix.bytes.size() != cap) std::abort();
    try {
      ms::JoblibDecompressed whole = ms::decompress_joblib(bytes, codec, limits);
      if (prefix.error || !std::ranges::equal(whole.bytes.view(), prefix.bytes.view())) std::abort();
    } catch (const ms::FormatError&) {
      if (!prefix.error) std::abort();
    }
  }
  return 0;
}
