#include "formats/joblib.hpp"

#include <gtest/gtest.h>

#include <string>

#include "formats/pickle.hpp"
#include "modelshield/error.hpp"
#include "scan/context.hpp"
#include "scan/dispatch.hpp"
#include "test_paths.hpp"

namespace ms {
namespace {

constexpr const char* kCodecs[] = {"zlib", "gzip", "bz2", "xz", "lzma", "lz4"};

std::string load(const std::string& name) { return test::read_file(test::testdata("joblib/" + name)); }

JoblibDecompressed decompress(const std::string& data, const Limits& limits = {}) {
  Bytes bytes = as_bytes(std::string_view(data));
  return decompress_joblib(bytes, detect_joblib_compression(bytes), limits);
}

TEST(JoblibDecompress, EveryCompressorJoblibWritesIsRead) {
  for (const char* codec : kCodecs) {
    const std::string data = load(std::string(codec) + ".joblib");
    EXPECT_EQ(to_string(detect_joblib_compression(as_bytes(std::string_view(data)))), codec);
    JoblibDecompressed out = decompress(data);
    EXPECT_FALSE(out.truncated || out.ratio_exceeded) << codec;
    ASSERT_TRUE(looks_like_pickle(out.bytes.view())) << codec;
    JoblibArrayInspector arrays;
    PickleTrace trace = run_pickle_vm(out.bytes.view(), Limits{}, 0, {.build_inspector = &arrays});
    EXPECT_TRUE(trace.errors.empty()) << codec << ": " << trace.errors.front().message;
    EXPECT_EQ(arrays.arrays_seen(), 1u) << codec << ": the joblib pickle was not recovered";
  }
}

TEST(JoblibDecompress, ConcatenatedStreamsReadAsOne) {
  // The generator checked that joblib.load reads these as one pickle.
  for (const char* codec : {"bz2", "xz", "lzma", "lz4"}) {
    JoblibDecompressed out = decompress(load(std::string(codec) + "_two_streams.joblib"));
    PickleTrace trace = run_pickle_vm(out.bytes.view(), Limits{});
    EXPECT_TRUE(trace.errors.empty())
        << codec << ": " << (trace.errors.empty() ? "" : trace.errors[0].message);
    EXPECT_EQ(trace.pickle_starts.size(), 1u) << codec;
  }
}

TEST(JoblibDecompress, TruncatedAndCorruptStreamsAreFormatErrors) {
  for (const char* codec : kCodecs) {
    const std::string data = load(std::string(codec) + ".joblib");
    for (std::size_t cut : {data.size() / 2, data.size() - 1}) {
      EXPECT_THROW(decompress(data.substr(0, cut)), FormatError) << codec << " cut at " << cut;
    }
    // Every byte flipped in turn: an error or some output, never a crash or a hang (lz4 frames written by
    // joblib carry no checksum, so a flipped literal decodes).
    for (std::size_t at = 0; at < data.size(); ++at) {
      std::string flipped = data;
      flipped[at] = static_cast<char>(flipped[at] ^ 0x20);
      try {
        decompress(flipped);
      } catch (const FormatError&) {
      }
    }
  }
  for (const char* codec : {"gzip", "bz2", "xz"}) {  // CRC-protected: a flip in the middle is caught
    std::string data = load(std::string(codec) + ".joblib");
    data[data.size() / 2] = static_cast<char>(data[data.size() / 2] ^ 0x01);
    EXPECT_THROW(decompress(data), FormatError) << codec;
  }
}

TEST(JoblibDecompress, BombsStopAtTheLimits) {
  for (const char* codec : kCodecs) {
    const std::string data = load(std::string(codec) + "_bomb.joblib");  // 64 MiB inside
    Limits tight;
    tight.max_member_bytes = 8u << 20;
    JoblibDecompressed out = decompress(data, tight);
    EXPECT_LE(out.bytes.size(), tight.max_member_bytes) << codec;
    EXPECT_TRUE(out.truncated || out.ratio_exceeded) << codec;
    // With the default limits the strongest codecs (ratio above 1000) trip the ratio limit.
    if (std::string(codec) == "bz2" || std::string(codec) == "xz" || std::string(codec) == "lzma") {
      JoblibDecompressed whole = decompress(data);
      EXPECT_TRUE(whole.ratio_exceeded) << codec;
      EXPECT_LE(whole.bytes.size(), data.size() * Limits{}.max_compression_ratio) << codec;
    }
  }
}

TEST(JoblibDecompress, ScanSaysWhenABombWasCutShort) {
  for (const char* codec : kCodecs) {
    const std::string name = std::string(codec) + "_bomb.joblib";
    const std::string data = load(name);
    Limits tight;
    tight.max_member_bytes = 8u << 20;
    std::vector<Finding> findings;
    ScanContext context(tight, name, findings);
    scan_content(context, as_bytes(std::string_view(data)), name);
    bool cut_short = false;
    for (const Finding& f : findings)
      cut_short |= f.rule_id == "SCAN-LIMIT-EXCEEDED" && f.severity == Severity::high;
    EXPECT_TRUE(cut_short) << codec;
  }
}

}  // namespace
}  // namespace ms
