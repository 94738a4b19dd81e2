#include "formats/joblib.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "formats/pickle.hpp"
#include "modelshield/error.hpp"
#include "scan/context.hpp"
#include "scan/dispatch.hpp"
#include "test_paths.hpp"

namespace ms {
namespace {

constexpr const char* kCodecs[] = {"zlib", "gzip", "bz2", "xz", "lzma", "lz4"};

std::string load(const std::string& name) { return test::read_file(test::testdata("joblib/" + name)); }
// Proven by gen_pickle_scan.py: joblib.load runs the payload ahead of the error.
std::string load_malicious(const std::string& name) {
  return test::read_file(test::testdata("pickle_scan/malicious/" + name));
}

JoblibDecompressed decompress_prefix(const std::string& data, const Limits& limits = {}) {
  Bytes bytes = as_bytes(std::string_view(data));
  return decompress_joblib_prefix(bytes, detect_joblib_compression(bytes), limits);
}

std::vector<std::uint8_t> owned(const GrowableBytes& bytes) { return {bytes.begin(), bytes.end()}; }

bool imports(Bytes bytes, const std::string& qualname) {
  PickleTrace trace = run_pickle_vm(Bytes(bytes), Limits{});
  for (const PickleImport& import : trace.imports)
    if (import.qualname == qualname) return true;
  return false;
}

std::vector<Finding> scan_bytes(const std::string& name, const std::string& data, const Limits& limits = {}) {
  std::vector<Finding> findings;
  ScanContext context(limits, name, findings);
  scan_content(context, as_bytes(std::string_view(data)), name);
  return findings;
}

const Finding* find_rule(const std::vector<Finding>& findings, const std::string& rule) {
  for (const Finding& f : findings)
    if (f.rule_id == rule) return &f;
  return nullptr;
}

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

TEST(JoblibDecompress, DetectsWhatJoblibDetects) {
  auto detect = [](std::string_view bytes) { return to_string(detect_joblib_compression(as_bytes(bytes))); };
  EXPECT_EQ(detect(std::string_view("\x5d\x00\x00\x00\x01", 5)), "lzma");
  EXPECT_EQ(detect(std::string_view("\x5d\x00\x01\x00\x00", 5)), "lzma");  // joblib's prefix is ']\0' only
  EXPECT_EQ(detect("ZF0x10"), "zfile");
  EXPECT_EQ(detect("BZh9"), "bz2");
  EXPECT_EQ(detect(std::string_view("\x78\x9c", 2)), "zlib");
  EXPECT_EQ(detect(std::string_view("\x78\x00", 2)), "none");  // fails zlib's header check, as in joblib
  EXPECT_EQ(detect(std::string_view("\x5d\x01\x00", 3)), "none");
  EXPECT_EQ(detect("x"), "none");
}

TEST(JoblibDecompress, ZfileIsReadPastItsHeader) {
  // Written as joblib < 0.9.3 wrote it; the generator checked that joblib.load reads both.
  for (const char* name : {"zfile.joblib", "zfile_space.joblib"}) {
    const std::string data = load(name);
    ASSERT_EQ(detect_joblib_compression(as_bytes(std::string_view(data))), JoblibCompression::zfile);
    JoblibDecompressed out = decompress(data);
    PickleTrace trace = run_pickle_vm(Bytes(out.bytes), Limits{});
    EXPECT_TRUE(trace.errors.empty()) << name;
    EXPECT_EQ(trace.pickle_starts.size(), 1u) << name;
    EXPECT_THROW(decompress(data.substr(0, data.size() - 4)), FormatError) << name;
  }
  EXPECT_THROW(decompress("ZF0x10"), FormatError);  // header only
}

TEST(JoblibDecompress, XzAndLzmaStreamsMixAsLzmaFileReadsThem) {
  // joblib opens both with lzma.LZMAFile (auto-detecting each stream): the payload is in the second.
  for (const char* name : {"joblib_xz_then_lzma.joblib", "joblib_lzma_then_xz.joblib"}) {
    JoblibDecompressed out = decompress(load_malicious(name));
    EXPECT_TRUE(imports(out.bytes, "system")) << name;
  }
  const std::string small = load_malicious("joblib_lzma_small_dictionary.joblib");
  EXPECT_EQ(small.substr(0, 3), std::string("\x5d\x00\x01", 3));
  EXPECT_TRUE(imports(decompress(small).bytes, "system"));
}

TEST(JoblibDecompress, ZlibAndGzipEndAtTheirFirstStream) {
  // joblib's BinaryZlibFile never returns data from a second stream.
  JoblibDecompressed out = decompress(load("zlib_two_streams.joblib"));
  EXPECT_FALSE(out.error.has_value());
  PickleTrace trace = run_pickle_vm(Bytes(out.bytes), Limits{});
  EXPECT_EQ(trace.pickle_starts.size(), 1u);
  EXPECT_EQ(trace.end_offset, out.bytes.size());
}

TEST(JoblibDecompress, BytesAfterTheLastStreamAreIgnoredButACutStreamIsNot) {
  for (const char* codec : {"bz2", "xz", "lzma", "lz4"}) {
    const std::string data = load(std::string(codec) + ".joblib");
    const std::vector<std::uint8_t> whole = owned(decompress(data).bytes);
    JoblibDecompressed garbage = decompress_prefix(data + "not a stream");
    EXPECT_FALSE(garbage.error.has_value()) << codec;
    EXPECT_EQ(owned(garbage.bytes), whole) << codec;
    // A second stream that starts and is cut short: Python raises EOFError, and so do we.
    JoblibDecompressed cut = decompress_prefix(data + data.substr(0, data.size() / 2));
    ASSERT_TRUE(cut.error.has_value()) << codec;
    EXPECT_FALSE(cut.error->over_limit) << codec;
    EXPECT_GE(cut.bytes.size(), whole.size()) << codec;
    EXPECT_TRUE(std::equal(whole.begin(), whole.end(), cut.bytes.begin())) << codec;
  }
}

TEST(JoblibDecompress, WhatCameBeforeAnErrorIsKept) {
  for (const char* codec : kCodecs) {
    for (const char* kind : {"truncated", "corrupt"}) {
      const std::string name = std::string("joblib_") + codec + "_" + kind + ".joblib";
      const std::string data = load_malicious(name);
      JoblibDecompressed out = decompress_prefix(data);
      ASSERT_TRUE(out.error.has_value()) << name;
      EXPECT_FALSE(out.error->over_limit) << name;
      EXPECT_LE(out.error->offset, data.size()) << name;
      EXPECT_FALSE(out.truncated || out.ratio_exceeded) << name;
      // The generator cut or broke the stream past 1.5 MiB of output (joblib's first 1 MiB read must
      // succeed).
      EXPECT_GE(out.bytes.size(), 3u << 19) << name;
      EXPECT_TRUE(imports(out.bytes, "system")) << name;
      EXPECT_THROW(decompress(data), FormatError) << name;
      if (std::string(kind) == "truncated") {
        EXPECT_EQ(out.error->message, "compressed stream is truncated");
      }
    }
  }
}

TEST(JoblibDecompress, ScanReportsTheBrokenStreamAndScansWhatCameBefore) {
  for (const char* codec : kCodecs) {
    const std::string name = std::string("joblib_") + codec + "_corrupt.joblib";
    std::vector<Finding> findings = scan_bytes(name, load_malicious(name));
    const Finding* broken = find_rule(findings, "FORMAT-MALFORMED");
    ASSERT_NE(broken, nullptr) << name;
    EXPECT_NE(broken->reason.find(std::string(codec) + " stream"), std::string::npos) << broken->reason;
    EXPECT_TRUE(broken->location.byte_offset.has_value());
    const Finding* call = find_rule(findings, "PICKLE-DANGEROUS-CALL");
    ASSERT_NE(call, nullptr) << name;
    EXPECT_EQ(call->severity, Severity::critical);
    EXPECT_EQ(call->location.member, "<" + std::string(codec) + " stream>");
  }
}

TEST(JoblibDecompress, AStreamEndingExactlyAtTheCapIsWhole) {
  for (const char* codec : kCodecs) {
    const std::string data = load(std::string(codec) + ".joblib");
    const std::vector<std::uint8_t> whole = owned(decompress(data).bytes);
    Limits exact;
    exact.max_member_bytes = whole.size();
    JoblibDecompressed at_cap = decompress(data, exact);
    EXPECT_FALSE(at_cap.truncated || at_cap.ratio_exceeded) << codec;
    EXPECT_EQ(owned(at_cap.bytes), whole) << codec;
    Limits short_by_one;
    short_by_one.max_member_bytes = whole.size() - 1;
    JoblibDecompressed cut = decompress(data, short_by_one);
    EXPECT_TRUE(cut.truncated) << codec;
    EXPECT_FALSE(cut.ratio_exceeded) << codec;
    EXPECT_EQ(cut.bytes.size(), whole.size() - 1) << codec;
    Limits nothing;
    nothing.max_member_bytes = 0;
    EXPECT_TRUE(decompress(data, nothing).truncated) << codec;
  }
}

TEST(JoblibDecompress, NeverAllocatesPastTheCap) {
  for (const char* codec : kCodecs) {
    const std::string data = load(std::string(codec) + "_bomb.joblib");
    Limits odd;
    odd.max_member_bytes = (5u << 20) + 12345;  // not a multiple of the growth chunk
    const std::uint64_t cap =
        std::min<std::uint64_t>(odd.max_member_bytes, data.size() * odd.max_compression_ratio);
    JoblibDecompressed out = decompress(data, odd);
    EXPECT_TRUE(out.truncated || out.ratio_exceeded) << codec;
    EXPECT_EQ(out.bytes.size(), cap) << codec;
    EXPECT_LE(out.bytes.capacity(), cap) << codec;
  }
}

TEST(JoblibDecompress, AnLzmaDictionaryPastTheMemoryLimitIsALimitNotCorruption) {
  // A .lzma header asking for a 1 GiB dictionary (a power of two, which Python's reader accepts).
  std::string data("\x5d\x00\x00\x00\x40\xff\xff\xff\xff\xff\xff\xff\xff", 13);
  data += std::string(64, '\0');
  JoblibDecompressed out = decompress_prefix(data);
  ASSERT_TRUE(out.error.has_value());
  EXPECT_TRUE(out.error->over_limit);
  EXPECT_TRUE(out.bytes.empty());
  EXPECT_THROW(decompress(data), LimitError);
  std::vector<Finding> findings = scan_bytes("huge_dictionary.joblib", data);
  const Finding* limit = find_rule(findings, "SCAN-LIMIT-EXCEEDED");
  ASSERT_NE(limit, nullptr);
  EXPECT_EQ(limit->severity, Severity::high);
}

TEST(JoblibDecompress, NotACompressorIsAnError) {
  JoblibDecompressed out =
      decompress_joblib_prefix(as_bytes(std::string_view("abc")), JoblibCompression::none, {});
  EXPECT_TRUE(out.error.has_value());
  EXPECT_THROW(decompress_joblib(as_bytes(std::string_view("abc")), JoblibCompression::none, {}),
               FormatError);
}

}  // namespace
}  // namespace ms
