// Bounded decompression of the streams joblib.dump(compress=...) writes: one driver grows the output in
// chunks up to the size and ratio caps, and each codec only turns input into output. Like Python's gzip,
// bz2, lzma and lz4.frame readers, a stream may be followed by further streams; bytes after the last
// stream that do not start a valid one are ignored, as those readers ignore them.
#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "formats/joblib.hpp"
#include "modelshield/error.hpp"

namespace ms {
namespace {

// liblzma allocates the dictionary a header asks for; joblib's presets use at most 64 MiB.
constexpr std::uint64_t kLzmaMemoryLimit = 256ull << 20;
constexpr std::size_t kChunk = 4u << 20;

struct Step {
  std::size_t consumed = 0;
  std::size_t produced = 0;
  bool stream_end = false;
};

class Codec {
 public:
  virtual ~Codec() = default;
  // Starts a fresh stream (after construction, and after each stream end when more input follows).
  virtual void begin() = 0;
  // Throws FormatError (offset relative to this call's input) on corrupt data.
  virtual Step step(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out, std::size_t out_size) = 0;
};

unsigned int clamp_uint(std::size_t size) {
  return static_cast<unsigned int>(std::min<std::size_t>(size, 1u << 30));
}

class ZlibCodec final : public Codec {
 public:
  ~ZlibCodec() override { end(); }
  void begin() override {
    end();
    stream_ = z_stream{};
    // 15 + 32: a zlib or gzip header, recognised by zlib itself.
    if (inflateInit2(&stream_, MAX_WBITS + 32) != Z_OK)
      throw FormatError("joblib", "cannot initialise zlib", 0);
    open_ = true;
  }
  Step step(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out, std::size_t out_size) override {
    stream_.next_in = const_cast<Bytef*>(in);
    stream_.avail_in = clamp_uint(in_size);
    stream_.next_out = out;
    stream_.avail_out = clamp_uint(out_size);
    const uInt in_before = stream_.avail_in, out_before = stream_.avail_out;
    const int status = inflate(&stream_, Z_NO_FLUSH);
    Step step{in_before - stream_.avail_in, out_before - stream_.avail_out, status == Z_STREAM_END};
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR)
      throw FormatError("joblib",
                        std::string("corrupt compressed data: ") + (stream_.msg ? stream_.msg : "zlib"),
                        step.consumed);
    return step;
  }

 private:
  void end() {
    if (open_) inflateEnd(&stream_);
    open_ = false;
  }
  z_stream stream_{};
  bool open_ = false;
};

class Bz2Codec final : public Codec {
 public:
  ~Bz2Codec() override { end(); }
  void begin() override {
    end();
    stream_ = bz_stream{};
    if (BZ2_bzDecompressInit(&stream_, 0, 0) != BZ_OK)
      throw FormatError("joblib", "cannot initialise bzip2", 0);
    open_ = true;
  }
  Step step(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out, std::size_t out_size) override {
    stream_.next_in = reinterpret_cast<char*>(const_cast<std::uint8_t*>(in));
    stream_.avail_in = clamp_uint(in_size);
    stream_.next_out = reinterpret_cast<char*>(out);
    stream_.avail_out = clamp_uint(out_size);
    const unsigned int in_before = stream_.avail_in, out_before = stream_.avail_out;
    const int status = BZ2_bzDecompress(&stream_);
    Step step{in_before - stream_.avail_in, out_before - stream_.avail_out, status == BZ_STREAM_END};
    if (status != BZ_OK && status != BZ_STREAM_END)
      throw FormatError("joblib", "corrupt bzip2 data (error " + std::to_string(status) + ")", step.consumed);
    return step;
  }

 private:
  void end() {
    if (open_) BZ2_bzDecompressEnd(&stream_);
    open_ = false;
  }
  bz_stream stream_{};
  bool open_ = false;
};

class LzmaCodec final : public Codec {
 public:
  explicit LzmaCodec(bool alone) : alone_(alone) {}
  ~LzmaCodec() override { lzma_end(&stream_); }
  void begin() override {
    lzma_end(&stream_);
    stream_ = LZMA_STREAM_INIT;
    const lzma_ret status = alone_ ? lzma_alone_decoder(&stream_, kLzmaMemoryLimit)
                                   : lzma_stream_decoder(&stream_, kLzmaMemoryLimit, 0);
    if (status != LZMA_OK) throw FormatError("joblib", "cannot initialise lzma", 0);
  }
  Step step(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out, std::size_t out_size) override {
    stream_.next_in = in;
    stream_.avail_in = in_size;
    stream_.next_out = out;
    stream_.avail_out = out_size;
    const lzma_ret status = lzma_code(&stream_, LZMA_RUN);
    Step step{in_size - stream_.avail_in, out_size - stream_.avail_out, status == LZMA_STREAM_END};
    if (status == LZMA_MEMLIMIT_ERROR)
      throw LimitError("joblib", "the lzma stream asks for a dictionary larger than 256 MiB", step.consumed);
    if (status != LZMA_OK && status != LZMA_STREAM_END && status != LZMA_BUF_ERROR)
      throw FormatError("joblib", "corrupt lzma data (error " + std::to_string(status) + ")", step.consumed);
    return step;
  }

 private:
  bool alone_;
  lzma_stream stream_ = LZMA_STREAM_INIT;
};

class Lz4Codec final : public Codec {
 public:
  ~Lz4Codec() override {
    if (context_ != nullptr) LZ4F_freeDecompressionContext(context_);
  }
  void begin() override {
    if (context_ == nullptr && LZ4F_isError(LZ4F_createDecompressionContext(&context_, LZ4F_VERSION)))
      throw FormatError("joblib", "cannot initialise lz4", 0);
    LZ4F_resetDecompressionContext(context_);
  }
  Step step(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out, std::size_t out_size) override {
    std::size_t produced = out_size, consumed = in_size;
    const std::size_t hint = LZ4F_decompress(context_, out, &produced, in, &consumed, nullptr);
    if (LZ4F_isError(hint))
      throw FormatError("joblib", std::string("corrupt lz4 data: ") + LZ4F_getErrorName(hint), consumed);
    return Step{consumed, produced, hint == 0};
  }

 private:
  LZ4F_dctx* context_ = nullptr;
};

std::unique_ptr<Codec> codec_for(JoblibCompression compression) {
  switch (compression) {
    case JoblibCompression::zlib:
    case JoblibCompression::gzip:
      return std::make_unique<ZlibCodec>();
    case JoblibCompression::bz2:
      return std::make_unique<Bz2Codec>();
    case JoblibCompression::xz:
      return std::make_unique<LzmaCodec>(false);
    case JoblibCompression::lzma:
      return std::make_unique<LzmaCodec>(true);
    case JoblibCompression::lz4:
      return std::make_unique<Lz4Codec>();
    case JoblibCompression::none:
      break;
  }
  throw FormatError("joblib", "not a compressed stream", 0);
}

}  // namespace

JoblibDecompressed decompress_joblib(Bytes data, JoblibCompression compression, const Limits& limits) {
  std::unique_ptr<Codec> codec = codec_for(compression);
  codec->begin();
  JoblibDecompressed out;
  const std::uint64_t input = std::max<std::uint64_t>(data.size(), 1);
  const std::uint64_t ratio_cap =
      input > UINT64_MAX / limits.max_compression_ratio ? UINT64_MAX : input * limits.max_compression_ratio;
  const std::uint64_t cap = std::min(limits.max_member_bytes, ratio_cap);
  std::size_t consumed = 0;
  bool first_stream = true;
  for (;;) {
    if (out.bytes.size() >= cap) {
      (cap == ratio_cap && cap < limits.max_member_bytes ? out.ratio_exceeded : out.truncated) = true;
      break;
    }
    const std::size_t room =
        static_cast<std::size_t>(std::min<std::uint64_t>(cap - out.bytes.size(), kChunk));
    std::uint8_t* at =
        out.bytes.reserve_more(room, static_cast<std::size_t>(std::min<std::uint64_t>(cap, SIZE_MAX)));
    Step step;
    try {
      step = codec->step(data.data() + consumed, data.size() - consumed, at, room);
    } catch (const LimitError&) {
      throw;
    } catch (const FormatError& error) {
      if (!first_stream) break;  // trailing bytes that are not another stream: Python ignores them
      throw FormatError("joblib", error.message(), consumed + error.offset());
    }
    consumed += step.consumed;
    out.bytes.commit(step.produced);
    if (step.stream_end) {
      if (consumed >= data.size()) break;
      first_stream = false;
      codec->begin();
      continue;
    }
    if (step.consumed == 0 && step.produced == 0) {
      if (consumed >= data.size()) {
        if (!first_stream) break;
        throw FormatError("joblib", "compressed stream is truncated", consumed);
      }
      throw FormatError("joblib", "compressed stream makes no progress", consumed);
    }
  }
  return out;
}

}  // namespace ms
