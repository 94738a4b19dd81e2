// Member data, produced as ZipExtFile.read() produces it: from the central directory's method, compressed
// size and CRC, never more than the declared uncompressed size, and in addition never more than the
// caller's cap or the compression-ratio budget.
#include <zlib.h>

#include <algorithm>

#include "formats/zip.hpp"

namespace ms {
namespace {

using namespace zip_internal;

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr std::uint64_t kMaxFeedBytes = 1ull << 30;  // z_stream counts input in 32 bits

std::string quoted(const ZipEntry& entry) { return "member '" + entry.name + "'"; }

void require_readable(const ZipEntry& entry) {
  const std::uint64_t at = entry.local_header_offset == kZipNoOffset ? 0 : entry.local_header_offset;
  if (entry.data_offset == kZipNoOffset)
    throw FormatError("zip", quoted(entry) + " has no readable local header", at);
  if (entry.flags & (kFlagEncrypted | kFlagStrongEncryption))
    throw FormatError("zip", quoted(entry) + " is encrypted", at);
  if (entry.flags & kFlagPatchedData)
    throw FormatError("zip", quoted(entry) + " holds compressed patched data", at);
  if (entry.method != kMethodStored && entry.method != kMethodDeflate)
    throw FormatError(
        "zip", quoted(entry) + " uses unsupported compression method " + std::to_string(entry.method), at);
}

// The member's compressed bytes that the file actually holds.
Bytes present_input(Bytes file, const ZipEntry& entry) {
  const std::uint64_t start = std::min<std::uint64_t>(entry.data_offset, file.size());
  return file.subspan(start, std::min<std::uint64_t>(entry.compressed_size, file.size() - start));
}

[[noreturn]] void throw_past_end(const ZipEntry& entry, std::uint64_t file_size) {
  throw FormatError("zip", quoted(entry) + " data runs past the end of the file", file_size);
}

class Inflater {
 public:
  explicit Inflater(Bytes input) : input_(input) {
    if (inflateInit2(&stream_, -MAX_WBITS) != Z_OK) throw FormatError("zip", "cannot initialise zlib", 0);
  }
  ~Inflater() { inflateEnd(&stream_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // input_exhausted: no further progress is possible (in practice: all input consumed, stream unfinished).
  enum class Result { progress, stream_end, input_exhausted };

  // Inflates into `out`, setting `produced`. Throws FormatError on corrupt data.
  Result step(std::uint8_t* out, std::size_t capacity, std::size_t& produced, std::uint64_t error_offset) {
    if (stream_.avail_in == 0 && fed_ < input_.size()) {
      const std::uint64_t piece = std::min<std::uint64_t>(input_.size() - fed_, kMaxFeedBytes);
      stream_.next_in = const_cast<Bytef*>(input_.data() + fed_);
      stream_.avail_in = static_cast<uInt>(piece);
      fed_ += piece;
    }
    stream_.next_out = out;
    stream_.avail_out = static_cast<uInt>(capacity);
    const uInt available_before = stream_.avail_in;
    const int status = inflate(&stream_, Z_NO_FLUSH);
    produced = capacity - stream_.avail_out;
    if (status == Z_STREAM_END) return Result::stream_end;
    if (status == Z_OK || status == Z_BUF_ERROR) {
      // No output and no input consumed: zlib cannot go on, whatever the reason; never call it again.
      const bool advanced = produced > 0 || stream_.avail_in != available_before;
      return advanced ? Result::progress : Result::input_exhausted;
    }
    throw FormatError("zip",
                      std::string("corrupt deflate data: ") + (stream_.msg ? stream_.msg : "zlib error"),
                      error_offset);
  }

  // Whether the stream would produce at least one more byte (Python never asks; we do, to report data
  // hidden past the declared size or past a cap). Corrupt data past that point counts as no more.
  bool more_output() {
    std::uint8_t byte = 0;
    for (;;) {
      std::size_t produced = 0;
      Result result;
      try {
        result = step(&byte, 1, produced, 0);
      } catch (const FormatError&) {
        return false;
      }
      if (produced > 0) return true;
      if (result != Result::progress) return false;
    }
  }

 private:
  Bytes input_;
  std::uint64_t fed_ = 0;
  z_stream stream_{};
};

struct Output {
  const std::function<void(Bytes)>& sink;
  std::uint64_t produced = 0;
  std::uint32_t crc = static_cast<std::uint32_t>(crc32(0, nullptr, 0));

  void emit(Bytes data) {
    if (data.empty()) return;
    crc = static_cast<std::uint32_t>(crc32(crc, data.data(), static_cast<uInt>(data.size())));
    produced += data.size();
    sink(data);
  }
};

void finish(ZipMemberData& result, const ZipEntry& entry, const Output& output, bool complete) {
  result.computed_crc32 = output.crc;
  result.crc_checked = complete;
  result.crc_ok = complete && output.crc == entry.crc32;
}

ZipMemberData stream_stored(Bytes file, const ZipEntry& entry, std::uint64_t cap, Output& output) {
  ZipMemberData result;
  const Bytes input = present_input(file, entry);
  const std::uint64_t python_size = std::min(entry.compressed_size, entry.uncompressed_size);
  const std::uint64_t wanted = std::min(python_size, cap);
  if (wanted > input.size()) throw_past_end(entry, file.size());
  for (std::uint64_t done = 0; done < wanted;) {
    const std::uint64_t piece = std::min<std::uint64_t>(wanted - done, kChunkBytes);
    output.emit(input.subspan(done, piece));
    done += piece;
  }
  result.truncated = python_size > cap;
  result.size_mismatch = entry.compressed_size != entry.uncompressed_size;
  finish(result, entry, output, !result.truncated);
  return result;
}

std::uint64_t ratio_budget(std::uint64_t compressed, std::uint64_t ratio) {
  std::uint64_t budget = 0;
  if (__builtin_mul_overflow(std::max<std::uint64_t>(compressed, 1), ratio, &budget))
    return std::numeric_limits<std::uint64_t>::max();
  return budget;
}

ZipMemberData stream_deflated(Bytes file, const ZipEntry& entry, const Limits& limits, std::uint64_t cap,
                              Output& output) {
  ZipMemberData result;
  const Bytes input = present_input(file, entry);
  const bool input_cut = entry.compressed_size > input.size();
  const std::uint64_t limit = std::min(entry.uncompressed_size, cap);
  const std::uint64_t budget = ratio_budget(input.size(), limits.max_compression_ratio);
  Inflater inflater(input);
  std::vector<std::uint8_t> chunk(
      static_cast<std::size_t>(std::min<std::uint64_t>(kChunkBytes, std::max<std::uint64_t>(limit, 1))));
  Inflater::Result last = Inflater::Result::progress;
  while (output.produced < limit) {
    std::size_t produced = 0;
    const std::size_t room =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), limit - output.produced));
    last = inflater.step(chunk.data(), room, produced, entry.data_offset);
    output.emit(Bytes(chunk.data(), produced));
    if (output.produced > budget) {
      result.ratio_exceeded = true;
      finish(result, entry, output, false);
      return result;
    }
    if (last != Inflater::Result::progress) break;
  }
  bool complete = true;
  if (last == Inflater::Result::input_exhausted && input_cut) throw_past_end(entry, file.size());
  if (last == Inflater::Result::progress) {
    // Stopped at the limit: Python stops too when the limit is the declared size.
    const bool more = inflater.more_output();
    if (entry.uncompressed_size <= cap) {
      result.size_mismatch = more;
    } else {
      result.truncated = more;
      complete = !more;
    }
  }
  if (complete && output.produced != entry.uncompressed_size) result.size_mismatch = true;
  finish(result, entry, output, complete);
  return result;
}

}  // namespace

ZipMemberData stream_zip_member(Bytes file, const ZipEntry& entry, const Limits& limits,
                                std::uint64_t max_bytes, const std::function<void(Bytes)>& sink) {
  require_readable(entry);
  const std::uint64_t cap = std::min(max_bytes, limits.max_member_bytes);
  Output output{sink};
  if (entry.method == kMethodStored) return stream_stored(file, entry, cap, output);
  return stream_deflated(file, entry, limits, cap, output);
}

ZipMemberData read_zip_member(Bytes file, const ZipEntry& entry, const Limits& limits,
                              std::uint64_t max_bytes) {
  std::vector<std::uint8_t> bytes;
  if (entry.method == kMethodStored && entry.data_offset != kZipNoOffset)  // bounded by the bytes present
    bytes.reserve(std::min({entry.uncompressed_size, max_bytes, limits.max_member_bytes,
                            static_cast<std::uint64_t>(present_input(file, entry).size())}));
  const std::function<void(Bytes)> sink = [&](Bytes data) {
    bytes.insert(bytes.end(), data.begin(), data.end());
  };
  ZipMemberData result = stream_zip_member(file, entry, limits, max_bytes, sink);
  result.bytes = std::move(bytes);
  return result;
}

ZipMemberData read_zip_member_prefix(Bytes file, const ZipEntry& entry, const Limits& limits,
                                     std::uint64_t count) {
  return read_zip_member(file, entry, limits, count);
}

Bytes stored_zip_member_view(Bytes file, const ZipEntry& entry) {
  require_readable(entry);
  if (entry.method != kMethodStored)
    throw FormatError("zip", quoted(entry) + " is compressed", entry.data_offset);
  const Bytes input = present_input(file, entry);
  const std::uint64_t python_size = std::min(entry.compressed_size, entry.uncompressed_size);
  if (python_size > input.size()) throw_past_end(entry, file.size());
  return input.first(static_cast<std::size_t>(python_size));
}

}  // namespace ms
