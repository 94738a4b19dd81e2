// Bounded decompression of the streams joblib.load reads: one driver grows the output in chunks up to the
// size and ratio caps, and each codec only turns input into output. The driver reads streams the way
// joblib's file objects do: zlib and gzip (joblib's BinaryZlibFile) and zfile (zlib.decompress) end at
// their first stream; bz2, lzma/xz and lz4 (Python's _compression.DecompressReader) go on to a further
// stream when bytes follow, and ignore those bytes when they do not start one.
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
// "ZF", then the length as 19 characters of hex (joblib's _MAX_LEN), then at most one space.
constexpr std::size_t kZfileHeader = 2 + 19;

struct Step {
  std::size_t consumed = 0;  // before the error, when there is one
  std::size_t produced = 0;  // likewise: output written before the error is kept
  bool stream_end = false;
  std::string error;  // corrupt data, or (over_limit) more memory than we grant
  bool over_limit = false;
};

Step failed(Step step, std::string error, bool over_limit = false) {
  step.error = std::move(error);
  step.over_limit = over_limit;
  return step;
}

class Codec {
 public:
  virtual ~Codec() = default;
  // Starts a fresh stream (after construction, and after each stream end when more input follows); throws
  // LimitError when the library cannot allocate its state.
  virtual void begin() = 0;
  virtual Step step(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out, std::size_t out_size) = 0;
};

unsigned int clamp_uint(std::size_t size) {
  return static_cast<unsigned int>(std::min<std::size_t>(size, 1u << 30));
}

class ZlibCodec final : public Codec {
 public:
  // 15: a zlib header only (joblib's zlib and zfile readers); 15 + 16: a gzip header only.
  explicit ZlibCodec(int window_bits) : window_bits_(window_bits) {}
  ~ZlibCodec() override { end(); }
  void begin() override {
    end();
    stream_ = z_stream{};
    if (inflateInit2(&stream_, window_bits_) != Z_OK) throw LimitError("joblib", "cannot initialise zlib", 0);
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
    if (status == Z_MEM_ERROR) return failed(step, "zlib ran out of memory", true);
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR)
      return failed(step, std::string("corrupt zlib data: ") +
                              (stream_.msg ? stream_.msg : "needs a preset dictionary"));
    return step;
  }

 private:
  void end() {
    if (open_) inflateEnd(&stream_);
    open_ = false;
  }
  int window_bits_;
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
      throw LimitError("joblib", "cannot initialise bzip2", 0);
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
    if (status == BZ_MEM_ERROR) return failed(step, "bzip2 ran out of memory", true);
    if (status != BZ_OK && status != BZ_STREAM_END)
      return failed(step, "corrupt bzip2 data (error " + std::to_string(status) + ")");
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

// joblib reads both 'xz' and 'lzma' files with lzma.LZMAFile(fileobj, 'rb'), that is FORMAT_AUTO: every
// stream, the first and each one after it, may be .xz or .lzma whatever the file's first bytes said.
// liblzma's auto decoder is the one Python's FORMAT_AUTO uses, with its stricter .lzma header checks.
class LzmaCodec final : public Codec {
 public:
  ~LzmaCodec() override { lzma_end(&stream_); }
  void begin() override {
    lzma_end(&stream_);
    stream_ = LZMA_STREAM_INIT;
    if (lzma_auto_decoder(&stream_, kLzmaMemoryLimit, 0) != LZMA_OK)
      throw LimitError("joblib", "cannot initialise lzma", 0);
  }
  Step step(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out, std::size_t out_size) override {
    stream_.next_in = in;
    stream_.avail_in = in_size;
    stream_.next_out = out;
    stream_.avail_out = out_size;
    const lzma_ret status = lzma_code(&stream_, LZMA_RUN);
    Step step{in_size - stream_.avail_in, out_size - stream_.avail_out, status == LZMA_STREAM_END};
    if (status == LZMA_MEMLIMIT_ERROR)
      return failed(step, "the lzma stream asks for a dictionary larger than 256 MiB", true);
    if (status == LZMA_MEM_ERROR) return failed(step, "lzma ran out of memory", true);
    if (status != LZMA_OK && status != LZMA_STREAM_END && status != LZMA_BUF_ERROR)
      return failed(step, "corrupt lzma data (error " + std::to_string(status) + ")");
    return step;
  }

 private:
  lzma_stream stream_ = LZMA_STREAM_INIT;
};

class Lz4Codec final : public Codec {
 public:
  ~Lz4Codec() override {
    if (context_ != nullptr) LZ4F_freeDecompressionContext(context_);
  }
  void begin() override {
    if (context_ == nullptr && LZ4F_isError(LZ4F_createDecompressionContext(&context_, LZ4F_VERSION))) {
      context_ = nullptr;
      throw LimitError("joblib", "cannot initialise lz4", 0);
    }
    LZ4F_resetDecompressionContext(context_);
    wanted_ = kMagicSize;
  }
  // A failing LZ4F_decompress call reports nothing of what it decoded before the error. Handing it no
  // more input than it asks for (its hint: the rest of the current header or block) makes each call
  // finish at most one block, so an error loses only the corrupt block, never a good one before it.
  Step step(const std::uint8_t* in, std::size_t in_size, std::uint8_t* out, std::size_t out_size) override {
    std::size_t produced = out_size, consumed = std::min(in_size, wanted_);
    const std::size_t hint = LZ4F_decompress(context_, out, &produced, in, &consumed, nullptr);
    if (LZ4F_isError(hint))
      return failed(Step{}, std::string("corrupt lz4 data: ") + LZ4F_getErrorName(hint));
    if (hint != 0) wanted_ = hint;
    return Step{consumed, produced, hint == 0};
  }

 private:
  static constexpr std::size_t kMagicSize = 4;
  LZ4F_dctx* context_ = nullptr;
  std::size_t wanted_ = kMagicSize;
};

struct Reader {
  std::unique_ptr<Codec> codec;
  bool concatenated = false;  // a further stream may follow the first
  std::size_t start = 0;      // where the first stream begins
};

Reader reader_for(JoblibCompression compression, Bytes data) {
  switch (compression) {
    case JoblibCompression::zlib:
      return {std::make_unique<ZlibCodec>(MAX_WBITS), false, 0};
    case JoblibCompression::gzip:
      return {std::make_unique<ZlibCodec>(MAX_WBITS + 16), false, 0};
    case JoblibCompression::zfile: {
      std::size_t start = std::min(kZfileHeader, data.size());
      if (start < data.size() && data[start] == ' ') ++start;  // joblib <= 0.8.4 wrote one more character
      return {std::make_unique<ZlibCodec>(MAX_WBITS), false, start};
    }
    case JoblibCompression::bz2:
      return {std::make_unique<Bz2Codec>(), true, 0};
    case JoblibCompression::xz:
    case JoblibCompression::lzma:
      return {std::make_unique<LzmaCodec>(), true, 0};
    case JoblibCompression::lz4:
      return {std::make_unique<Lz4Codec>(), true, 0};
    case JoblibCompression::none:
      break;
  }
  return {};
}

// The output, grown chunk by chunk up to the cap (never allocated past it).
class CappedOutput {
 public:
  CappedOutput(GrowableBytes& bytes, std::uint64_t cap) : bytes_(bytes), cap_(cap) {}
  bool full() const { return bytes_.size() >= cap_; }
  // Room for up to kChunk more bytes (room_size() of them), to be settled by keep().
  std::uint8_t* grow() {
    room_ = static_cast<std::size_t>(std::min<std::uint64_t>(cap_ - bytes_.size(), kChunk));
    return bytes_.reserve_more(room_, static_cast<std::size_t>(std::min<std::uint64_t>(cap_, SIZE_MAX)));
  }
  std::size_t room_size() const { return room_; }
  void keep(std::size_t produced) { bytes_.commit(produced); }

 private:
  GrowableBytes& bytes_;
  std::uint64_t cap_;
  std::size_t room_ = 0;
};

std::uint64_t output_cap(std::uint64_t input_size, const Limits& limits, bool& ratio_bound) {
  const std::uint64_t input = std::max<std::uint64_t>(input_size, 1);
  const std::uint64_t ratio = std::max<std::uint64_t>(limits.max_compression_ratio, 1);
  const std::uint64_t ratio_cap = input > UINT64_MAX / ratio ? UINT64_MAX : input * ratio;
  ratio_bound = ratio_cap < limits.max_member_bytes;
  return std::min(limits.max_member_bytes, ratio_cap);
}

}  // namespace

JoblibDecompressed decompress_joblib_prefix(Bytes data, JoblibCompression compression, const Limits& limits) {
  JoblibDecompressed out;
  Reader reader = reader_for(compression, data);
  if (!reader.codec) {
    out.error = JoblibStreamError{"not a compressed stream", 0, false};
    return out;
  }
  bool ratio_bound = false;
  CappedOutput output(out.bytes, output_cap(data.size(), limits, ratio_bound));
  std::size_t consumed = reader.start;
  bool first_stream = true;
  bool stream_output = false;  // the current stream has produced something
  auto stop = [&](std::string message, std::uint64_t offset, bool over_limit) {
    out.error = JoblibStreamError{std::move(message), offset, over_limit};
  };
  try {
    reader.codec->begin();
  } catch (const FormatError& error) {
    stop(error.message(), consumed, true);
    return out;
  }
  for (;;) {
    // At the cap, one byte more into a scratch byte tells a stream that ends right there from a longer one.
    std::uint8_t probe = 0;
    const bool at_cap = output.full();
    std::uint8_t* room = at_cap ? &probe : output.grow();
    const std::size_t room_size = at_cap ? 1 : output.room_size();
    const Step step = reader.codec->step(data.data() + consumed, data.size() - consumed, room, room_size);
    if (!at_cap) output.keep(step.produced);
    if (at_cap && step.produced > 0) {
      (ratio_bound ? out.ratio_exceeded : out.truncated) = true;
      break;
    }
    stream_output = stream_output || step.produced > 0;
    if (!step.error.empty()) {
      // Bytes after a stream that do not start another are ignored, as Python's readers ignore them.
      if (!first_stream && !stream_output && !step.over_limit) break;
      stop(step.error, consumed + step.consumed, step.over_limit);
      break;
    }
    consumed += step.consumed;
    if (step.stream_end) {
      if (!reader.concatenated || consumed >= data.size()) break;
      first_stream = false;
      stream_output = false;
      try {
        reader.codec->begin();
      } catch (const FormatError& error) {
        stop(error.message(), consumed, true);
        break;
      }
      continue;
    }
    if (step.consumed == 0 && step.produced == 0) {
      stop(consumed >= data.size() ? "compressed stream is truncated" : "compressed stream makes no progress",
           consumed, false);
      break;
    }
  }
  return out;
}

JoblibDecompressed decompress_joblib(Bytes data, JoblibCompression compression, const Limits& limits) {
  JoblibDecompressed out = decompress_joblib_prefix(data, compression, limits);
  if (out.error) {
    if (out.error->over_limit) throw LimitError("joblib", out.error->message, out.error->offset);
    throw FormatError("joblib", out.error->message, out.error->offset);
  }
  return out;
}

}  // namespace ms
