// libFuzzer target for joblib's decompressors: the input is handed to every codec (zlib, gzip, bz2, xz,
// lzma, lz4) whatever its magic says, under tight limits. Output must stay within the caps; any input
// must end in output or a FormatError/LimitError, never a crash, a hang or an oversized allocation.
#include <cstdint>
#include <cstdlib>

#include "formats/joblib.hpp"
#include "modelshield/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ms::Limits limits;
  limits.max_member_bytes = 4u << 20;
  limits.max_compression_ratio = 200;
  const ms::Bytes bytes(data, size);
  for (ms::JoblibCompression codec :
       {ms::JoblibCompression::zlib, ms::JoblibCompression::gzip, ms::JoblibCompression::bz2,
        ms::JoblibCompression::xz, ms::JoblibCompression::lzma, ms::JoblibCompression::lz4}) {
    try {
      ms::JoblibDecompressed out = ms::decompress_joblib(bytes, codec, limits);
      if (out.bytes.size() > limits.max_member_bytes) std::abort();
    } catch (const ms::FormatError&) {
    }
  }
  return 0;
}
