#include "formats/zip.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "test_paths.hpp"

namespace ms {
namespace {

using nlohmann::json;

std::string load(const std::string& name) { return test::read_file(test::testdata("zip/" + name)); }

const json& python_view() {
  static const json view = json::parse(load("expected.json"));
  return view;
}

ZipArchive parse(const std::string& data, const Limits& limits = {}) {
  return parse_zip(as_bytes(data), limits);
}

ZipMemberData read(const std::string& data, const ZipEntry& entry, const Limits& limits = {},
                   std::uint64_t max_bytes = std::numeric_limits<std::uint64_t>::max()) {
  return read_zip_member(as_bytes(data), entry, limits, max_bytes);
}

std::string text_of(const ZipMemberData& member) {
  return std::string(member.bytes.begin(), member.bytes.end());
}

std::string hex_head(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  char digits[3];
  for (std::size_t i = 0; i < std::min<std::size_t>(bytes.size(), 64); ++i) {
    std::snprintf(digits, sizeof digits, "%02x", bytes[i]);
    out += digits;
  }
  return out;
}

std::string hex(std::string_view text) {
  return hex_head(std::vector<std::uint8_t>(text.begin(), text.end())).substr(0, 2 * text.size());
}

std::string error_type(const std::string& error) { return error.substr(0, error.find(':')); }

Limits generous_ratio() {
  Limits limits;
  limits.max_compression_ratio = 1u << 20;
  return limits;
}

// Every generated archive against what CPython's zipfile made of it (tests/data/gen_zip.py).
TEST(ZipReader, MatchesPythonZipfileOnEveryGeneratedArchive) {
  ASSERT_GE(python_view().size(), 30u);
  for (const auto& [file, python] : python_view().items()) {
    SCOPED_TRACE(file);
    const std::string data = load(file);
    if (python.contains("archive_error")) {
      const std::string expected_type = error_type(python["archive_error"].get<std::string>());
      try {
        ZipArchive archive = parse(data);
        ASSERT_FALSE(archive.python_error.empty())
            << "Python refuses the archive: " << python["archive_error"];
        EXPECT_EQ(error_type(archive.python_error), expected_type);
      } catch (const FormatError& error) {
        EXPECT_EQ(expected_type, "BadZipFile") << error.what();
      }
      continue;
    }
    const ZipArchive archive = parse(data);
    EXPECT_EQ(archive.python_error, "");
    EXPECT_EQ(archive.central_directory_offset, python["start_dir"].get<std::uint64_t>());
    EXPECT_EQ(hex(archive.comment), python["comment"].get<std::string>());
    const json& entries = python["entries"];
    ASSERT_EQ(archive.entries.size(), entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
      SCOPED_TRACE(i);
      const ZipEntry& entry = archive.entries[i];
      const json& expected = entries[i];
      EXPECT_EQ(entry.index, i);
      EXPECT_EQ(entry.name, expected["filename"].get<std::string>());
      EXPECT_EQ(entry.original_name, expected["orig_filename"].get<std::string>());
      const auto header_offset = expected["header_offset"].get<std::int64_t>();
      EXPECT_EQ(entry.local_header_offset, header_offset < 0 ? kZipNoOffset : std::uint64_t(header_offset));
      EXPECT_EQ(entry.compressed_size, expected["compress_size"].get<std::uint64_t>());
      EXPECT_EQ(entry.uncompressed_size, expected["file_size"].get<std::uint64_t>());
      EXPECT_EQ(entry.crc32, expected["crc"].get<std::uint32_t>());
      EXPECT_EQ(entry.flags, expected["flag_bits"].get<std::uint16_t>());
      EXPECT_EQ(entry.method, expected["compress_type"].get<std::uint16_t>());
      EXPECT_EQ(entry.external_attributes, expected["external_attr"].get<std::uint32_t>());
      EXPECT_EQ(entry.version_made_by >> 8, expected["create_system"].get<int>());
      EXPECT_EQ(entry.is_directory, expected["is_dir"].get<bool>());
    }
    EXPECT_EQ(archive.index_by_name.size(), python["lookup"].size());
    for (const auto& [name, index] : python["lookup"].items()) {
      const ZipEntry* found = archive.find(name);
      ASSERT_NE(found, nullptr) << name;
      EXPECT_EQ(found->index, index.get<std::size_t>()) << name;
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
      SCOPED_TRACE(archive.entries[i].name);
      const ZipEntry& entry = archive.entries[i];
      const json& outcome = python["reads"][i];
      if (outcome.contains("open_error")) {
        const std::string expected_error = outcome["open_error"].get<std::string>();
        EXPECT_EQ(error_type(entry.open_error), error_type(expected_error)) << expected_error;
        continue;
      }
      EXPECT_EQ(entry.open_error, "");
      if (entry.method != 0 && entry.method != 8) {  // bzip2, lzma: Python reads them, we refuse
        EXPECT_THROW(read(data, entry), FormatError);
        continue;
      }
      if (outcome.contains("read_error")) {
        const std::string expected_error = outcome["read_error"].get<std::string>();
        if (expected_error.starts_with("BadZipFile: Bad CRC-32")) {
          const ZipMemberData member = read(data, entry);
          EXPECT_TRUE(member.crc_checked);
          EXPECT_FALSE(member.crc_ok);
        } else {
          EXPECT_THROW(read(data, entry), FormatError) << expected_error;
        }
        continue;
      }
      const ZipMemberData member = read(data, entry, generous_ratio());
      EXPECT_TRUE(member.crc_checked);
      EXPECT_TRUE(member.crc_ok);
      EXPECT_FALSE(member.truncated);
      EXPECT_EQ(member.bytes.size(), outcome["length"].get<std::size_t>());
      EXPECT_EQ(member.computed_crc32, outcome["crc32"].get<std::uint32_t>());
      EXPECT_EQ(hex_head(member.bytes), outcome["head"].get<std::string>());
    }
  }
}

TEST(ZipReader, StoredArchive) {
  const std::string data = load("stored.zip");
  const ZipArchive archive = parse(data);
  ASSERT_EQ(archive.entries.size(), 3u);
  EXPECT_TRUE(archive.anomalies.empty()) << to_string(archive.anomalies.front().kind);
  EXPECT_TRUE(archive.entries[1].is_directory);
  EXPECT_FALSE(archive.entries[2].is_directory);
  const ZipEntry* a = archive.find("a.txt");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->data_offset, 30u + 5u);
  EXPECT_EQ(as_chars(stored_zip_member_view(as_bytes(data), *a)), "hello world\n");
  EXPECT_EQ(text_of(read(data, *a)), "hello world\n");
  EXPECT_EQ(archive.find("missing"), nullptr);
}

TEST(ZipReader, DeflatedArchive) {
  const std::string data = load("deflated.zip");
  const ZipArchive archive = parse(data);
  EXPECT_TRUE(archive.anomalies.empty());
  const ZipEntry* zeros = archive.find("zeros.bin");
  ASSERT_NE(zeros, nullptr);
  EXPECT_EQ(zeros->method, 8);
  const ZipMemberData member = read(data, *zeros);
  EXPECT_EQ(member.bytes, std::vector<std::uint8_t>(65536, 0));
  EXPECT_TRUE(member.crc_ok);
  EXPECT_FALSE(member.size_mismatch);
  EXPECT_THROW(stored_zip_member_view(as_bytes(data), *zeros), FormatError);

  const ZipEntry* config = archive.find("config.json");
  ASSERT_NE(config, nullptr);
  const ZipMemberData prefix = read_zip_member_prefix(as_bytes(data), *config, {}, 14);
  EXPECT_EQ(text_of(prefix), R"({"class_name":)");
  EXPECT_TRUE(prefix.truncated);
  EXPECT_FALSE(prefix.crc_checked);

  std::vector<std::uint8_t> streamed;
  std::size_t chunks = 0;
  const ZipEntry* weights = archive.find("weights.bin");
  ASSERT_NE(weights, nullptr);
  const ZipMemberData status =
      stream_zip_member(as_bytes(data), *weights, {}, weights->uncompressed_size, [&](Bytes chunk) {
        streamed.insert(streamed.end(), chunk.begin(), chunk.end());
        ++chunks;
      });
  EXPECT_TRUE(status.crc_ok);
  EXPECT_TRUE(status.bytes.empty());
  EXPECT_GT(chunks, 1u);
  EXPECT_EQ(streamed, read(data, *weights).bytes);
  const ZipEntry* empty = archive.find("empty.txt");
  ASSERT_NE(empty, nullptr);
  const ZipMemberData nothing = read(data, *empty);
  EXPECT_TRUE(nothing.bytes.empty());
  EXPECT_TRUE(nothing.crc_ok);
}

TEST(ZipReader, Zip64ExtraFieldsAndEndRecords) {
  const std::string forced = load("zip64_forced.zip");
  ZipArchive archive = parse(forced);
  EXPECT_FALSE(archive.zip64);
  // Only the local header carries zip64 sizes (numpy writes every .npz so): Python ignores them, and
  // they agree with the central directory, so there is nothing to report.
  EXPECT_FALSE(archive.entries[0].zip64);
  EXPECT_TRUE(archive.anomalies.empty());
  EXPECT_EQ(text_of(read(forced, archive.entries[0])), "tiny member written with force_zip64\n");

  const std::string full = load("zip64_full.zip");
  archive = parse(full);
  EXPECT_TRUE(archive.zip64);
  EXPECT_EQ(archive.concat_offset, 0);
  EXPECT_TRUE(archive.has_anomaly(ZipAnomalyKind::zip64));
  EXPECT_FALSE(archive.has_anomaly(ZipAnomalyKind::inconsistent_directory));
  EXPECT_FALSE(archive.has_anomaly(ZipAnomalyKind::prepended_data));
  ASSERT_EQ(archive.entries.size(), 4u);
  EXPECT_FALSE(archive.entries[0].zip64);  // 200 bytes at offset 0: under the lowered limit
  EXPECT_TRUE(archive.entries[1].zip64);
  EXPECT_TRUE(archive.entries[3].zip64);
  EXPECT_EQ(archive.entries[3].uncompressed_size, 650u);
  EXPECT_TRUE(read(full, archive.entries[3]).crc_ok);
}

TEST(ZipReader, DuplicateNameOpensTheLastEntry) {
  const std::string data = load("duplicate.zip");
  const ZipArchive archive = parse(data);
  ASSERT_EQ(archive.entries.size(), 3u);
  const ZipEntry* config = archive.find("config.json");
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->index, 2u);
  EXPECT_EQ(text_of(read(data, *config)), R"({"v": 2, "evil": true})");
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::duplicate_name));
  EXPECT_FALSE(archive.entry_has_anomaly(2, ZipAnomalyKind::duplicate_name));
  EXPECT_FALSE(archive.entry_has_anomaly(1, ZipAnomalyKind::duplicate_name));
}

TEST(ZipReader, DangerousNames) {
  const ZipArchive archive = parse(load("names.zip"));
  ASSERT_EQ(archive.entries.size(), 6u);
  for (ZipAnomalyKind kind :
       {ZipAnomalyKind::traversal_name, ZipAnomalyKind::absolute_name, ZipAnomalyKind::backslash_name})
    EXPECT_FALSE(archive.entry_has_anomaly(0, kind));
  EXPECT_TRUE(archive.entry_has_anomaly(1, ZipAnomalyKind::traversal_name));
  EXPECT_TRUE(archive.entry_has_anomaly(2, ZipAnomalyKind::traversal_name));
  EXPECT_TRUE(archive.entry_has_anomaly(3, ZipAnomalyKind::absolute_name));
  EXPECT_TRUE(archive.entry_has_anomaly(4, ZipAnomalyKind::absolute_name));
  EXPECT_FALSE(archive.entry_has_anomaly(4, ZipAnomalyKind::traversal_name));
  EXPECT_TRUE(archive.entry_has_anomaly(5, ZipAnomalyKind::backslash_name));
  EXPECT_EQ(archive.entries[5].name, "dir\\file.txt");  // Python on POSIX keeps the backslash
}

TEST(ZipReader, Symlink) {
  const std::string data = load("symlink.zip");
  const ZipArchive archive = parse(data);
  ASSERT_EQ(archive.entries.size(), 2u);
  EXPECT_FALSE(archive.entries[0].is_symlink);
  EXPECT_TRUE(archive.entries[1].is_symlink);
  EXPECT_TRUE(archive.entry_has_anomaly(1, ZipAnomalyKind::symlink));
  EXPECT_FALSE(archive.entry_has_anomaly(0, ZipAnomalyKind::symlink));
  EXPECT_EQ(text_of(read(data, archive.entries[1])), "/etc/passwd");
}

TEST(ZipReader, PrependedAndTrailingData) {
  const std::string prepended = load("prepended.zip");
  ZipArchive archive = parse(prepended);
  const std::int64_t prefix =
      3 * std::string("#!/bin/sh\necho this archive has a shell script in front\nexit 0\n").size();
  EXPECT_EQ(archive.concat_offset, prefix);
  EXPECT_EQ(archive.entries[0].local_header_offset, std::uint64_t(prefix));
  EXPECT_TRUE(archive.has_anomaly(ZipAnomalyKind::prepended_data));
  EXPECT_FALSE(archive.has_anomaly(ZipAnomalyKind::trailing_data));
  EXPECT_EQ(text_of(read(prepended, *archive.find("a.txt"))), "prepended archive member");

  const std::string trailing = load("trailing.zip");
  archive = parse(trailing);
  EXPECT_EQ(archive.concat_offset, 0);
  EXPECT_FALSE(archive.has_anomaly(ZipAnomalyKind::prepended_data));
  ASSERT_TRUE(archive.has_anomaly(ZipAnomalyKind::trailing_data));
  const auto anomaly =
      std::find_if(archive.anomalies.begin(), archive.anomalies.end(),
                   [](const ZipAnomaly& a) { return a.kind == ZipAnomalyKind::trailing_data; });
  EXPECT_EQ(anomaly->offset, trailing.size() - std::string("TRAILING GARBAGE AFTER THE ARCHIVE").size());
  EXPECT_EQ(text_of(read(trailing, *archive.find("b.txt"))), "second member");
}

TEST(ZipReader, Comments) {
  const ZipArchive archive = parse(load("comment.zip"));
  EXPECT_EQ(archive.comment, "archive comment here");
  EXPECT_EQ(archive.entries.at(0).comment, "entry comment");
  EXPECT_TRUE(archive.entry_has_anomaly(ZipAnomaly::npos, ZipAnomalyKind::comment));
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::comment));
  EXPECT_FALSE(archive.has_anomaly(ZipAnomalyKind::trailing_data));
}

TEST(ZipReader, CrcMismatchIsReportedNotThrown) {
  const std::string data = load("crc_bad.zip");
  const ZipArchive archive = parse(data);
  const ZipMemberData bad = read(data, *archive.find("data.bin"));
  EXPECT_EQ(bad.bytes.size(), 100u);
  EXPECT_EQ(bad.bytes[50], 'B');
  EXPECT_TRUE(bad.crc_checked);
  EXPECT_FALSE(bad.crc_ok);
  EXPECT_TRUE(read(data, *archive.find("fine.txt")).crc_ok);
}

TEST(ZipReader, DeflateBombStopsAtRatioAndCaps) {
  const std::string data = load("bomb.zip");
  const ZipArchive archive = parse(data);
  const ZipEntry* bomb = archive.find("bomb.bin");
  ASSERT_NE(bomb, nullptr);
  EXPECT_EQ(bomb->uncompressed_size, 20u << 20);
  EXPECT_LT(data.size(), 64u << 10);

  const ZipMemberData stopped = read(data, *bomb);  // default ratio 1000: zeros deflate ~1030:1
  EXPECT_TRUE(stopped.ratio_exceeded);
  EXPECT_FALSE(stopped.crc_checked);
  EXPECT_LE(stopped.bytes.size(), bomb->compressed_size * 1000 + (64u << 10));

  const ZipMemberData capped = read(data, *bomb, {}, 1u << 20);
  EXPECT_TRUE(capped.truncated);
  EXPECT_FALSE(capped.ratio_exceeded);
  EXPECT_EQ(capped.bytes.size(), 1u << 20);

  Limits small;
  small.max_member_bytes = 4096;
  const ZipMemberData limited = read(data, *bomb, small);
  EXPECT_TRUE(limited.truncated);
  EXPECT_EQ(limited.bytes.size(), 4096u);

  Limits strict;
  strict.max_compression_ratio = 10;
  const ZipMemberData early = read(data, *bomb, strict);
  EXPECT_TRUE(early.ratio_exceeded);
  EXPECT_LE(early.bytes.size(), bomb->compressed_size * 10 + (64u << 10));

  const ZipMemberData whole = read(data, *bomb, generous_ratio());
  EXPECT_TRUE(whole.crc_ok);
  EXPECT_EQ(whole.bytes.size(), 20u << 20);
  EXPECT_TRUE(std::all_of(whole.bytes.begin(), whole.bytes.end(), [](std::uint8_t b) { return b == 0; }));
  EXPECT_TRUE(read(data, *archive.find("readme.txt")).crc_ok);
}

TEST(ZipReader, EncryptedFlag) {
  const std::string data = load("encrypted_flag.zip");
  const ZipArchive archive = parse(data);
  const ZipEntry& entry = archive.entries.at(0);
  EXPECT_TRUE(entry.encrypted);
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::encrypted));
  EXPECT_TRUE(entry.open_error.starts_with("RuntimeError")) << entry.open_error;
  EXPECT_THROW(read(data, entry), FormatError);
  EXPECT_THROW(stored_zip_member_view(as_bytes(data), entry), FormatError);
}

TEST(ZipReader, LocalNameMismatch) {
  const std::string data = load("local_name_mismatch.zip");
  const ZipArchive archive = parse(data);
  const ZipEntry& entry = archive.entries.at(0);
  EXPECT_EQ(entry.name, "config.json");
  EXPECT_EQ(entry.local_name, "evil00.json");
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::local_name_mismatch));
  EXPECT_FALSE(archive.entry_has_anomaly(1, ZipAnomalyKind::local_name_mismatch));
  EXPECT_TRUE(entry.open_error.starts_with("BadZipFile: File name in directory")) << entry.open_error;
  EXPECT_EQ(text_of(read(data, entry)), R"({"a": 1})");  // the data is still reachable for scanning
  EXPECT_EQ(archive.entries[1].open_error, "");
}

TEST(ZipReader, TruncatedAndBrokenArchivesThrow) {
  for (const char* name :
       {"truncated_half.zip", "truncated_tail.zip", "truncated_directory.zip", "bad_central_signature.zip"}) {
    SCOPED_TRACE(name);
    EXPECT_THROW(parse(load(name)), FormatError);
  }
  const std::string whole = load("deflated.zip");
  for (std::size_t cut = 0; cut < whole.size(); cut += 997) {
    const std::string part = whole.substr(0, cut);
    EXPECT_THROW(parse(part), FormatError) << cut;
  }
}

TEST(ZipReader, ClippedNameInLastRecord) {
  const ZipArchive archive = parse(load("clipped_name.zip"));
  ASSERT_EQ(archive.entries.size(), 5u);
  EXPECT_EQ(archive.entries[4].name, "clipped123");
  EXPECT_TRUE(archive.entry_has_anomaly(4, ZipAnomalyKind::truncated_directory));
  EXPECT_TRUE(archive.entry_has_anomaly(4, ZipAnomalyKind::local_name_mismatch));
  EXPECT_TRUE(archive.has_anomaly(ZipAnomalyKind::inconsistent_directory));  // 4 declared, 5 present
}

TEST(ZipReader, OverlappingEntries) {
  ZipArchive archive = parse(load("overlap.zip"));
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::overlapping_entries));
  EXPECT_FALSE(archive.entry_has_anomaly(1, ZipAnomalyKind::overlapping_entries));
  EXPECT_TRUE(archive.entries[0].open_error.starts_with("BadZipFile: Overlapped entries"));

  archive = parse(load("shared_header.zip"));
  EXPECT_EQ(archive.entries[0].local_header_offset, archive.entries[1].local_header_offset);
  EXPECT_FALSE(archive.entry_has_anomaly(0, ZipAnomalyKind::overlapping_entries));
  EXPECT_TRUE(archive.entry_has_anomaly(1, ZipAnomalyKind::overlapping_entries));
  EXPECT_TRUE(archive.entry_has_anomaly(1, ZipAnomalyKind::local_name_mismatch));
  EXPECT_TRUE(archive.has_anomaly(ZipAnomalyKind::gap_data));  // the orphaned second member
}

TEST(ZipReader, UnsupportedMethods) {
  const std::string data = load("methods.zip");
  const ZipArchive archive = parse(data);
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::unsupported_method));
  EXPECT_TRUE(archive.entry_has_anomaly(1, ZipAnomalyKind::unsupported_method));
  EXPECT_FALSE(archive.entry_has_anomaly(2, ZipAnomalyKind::unsupported_method));
  EXPECT_EQ(archive.entries[0].open_error, "");  // Python reads bzip2
  EXPECT_THROW(read(data, archive.entries[0]), FormatError);
  EXPECT_THROW(read(data, archive.entries[1]), FormatError);
  EXPECT_EQ(text_of(read(data, archive.entries[2])), "plain");
}

TEST(ZipReader, NameDecoding) {
  ZipArchive archive = parse(load("nul_name.zip"));
  EXPECT_EQ(archive.entries.at(0).name, "evil.txt");
  EXPECT_EQ(archive.entries[0].original_name, std::string("evil.txt\0junk.exe", 17));
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::nul_in_name));
  EXPECT_NE(archive.find("evil.txt"), nullptr);
  EXPECT_EQ(archive.entries[0].open_error, "");

  archive = parse(load("cp437_name.zip"));
  EXPECT_EQ(archive.entries.at(0).name, "caf\u00e9_\u00df.txt");
  archive = parse(load("utf8_name.zip"));
  EXPECT_EQ(archive.entries.at(0).name, "donn\u00e9es/\u65e5\u672c.txt");
  EXPECT_TRUE(archive.anomalies.empty());

  archive = parse(load("bad_utf8_name.zip"));
  EXPECT_TRUE(archive.python_error.starts_with("UnicodeDecodeError")) << archive.python_error;
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::invalid_name_encoding));
  EXPECT_EQ(archive.entries.at(0).name, "bad_\uFFFD.txt");

  bool valid = true;
  const std::string overlong = "\xC0\xAF", surrogate = "\xED\xA0\x80", above = "\xF4\x90\x80\x80";
  for (const std::string& bad : {overlong, surrogate, above}) {
    decode_zip_name(as_bytes(bad), true, &valid);
    EXPECT_FALSE(valid) << hex(bad);
  }
  EXPECT_EQ(decode_zip_name(as_bytes("\xF0\x9F\x98\x80"), true, &valid), "\U0001F600");
  EXPECT_TRUE(valid);
  EXPECT_EQ(decode_zip_name(as_bytes("\x80\xFF\x7F"), false, &valid), "\u00c7\u00a0\x7f");
}

TEST(ZipReader, DataDescriptors) {
  const std::string data = load("data_descriptor.zip");
  const ZipArchive archive = parse(data);
  ASSERT_EQ(archive.entries.size(), 2u);
  EXPECT_TRUE(archive.entries[0].has_data_descriptor);
  EXPECT_TRUE(archive.entries[0].local_flags & 0x8);
  EXPECT_TRUE(archive.anomalies.empty()) << archive.anomalies.front().detail;
  EXPECT_TRUE(read(data, archive.entries[0]).crc_ok);
}

TEST(ZipReader, HiddenBytesBetweenMembers) {
  const std::string data = load("gap.zip");
  const ZipArchive archive = parse(data);
  ASSERT_TRUE(archive.has_anomaly(ZipAnomalyKind::gap_data));
  const auto gap = std::find_if(archive.anomalies.begin(), archive.anomalies.end(),
                                [](const ZipAnomaly& a) { return a.kind == ZipAnomalyKind::gap_data; });
  EXPECT_EQ(data.substr(gap->offset, 14), "HIDDEN PAYLOAD");
  EXPECT_EQ(gap->entry_index, 1u);
}

TEST(ZipReader, EmptyArchive) {
  const ZipArchive archive = parse(load("empty.zip"));
  EXPECT_TRUE(archive.entries.empty());
  EXPECT_TRUE(archive.anomalies.empty());
  EXPECT_TRUE(looks_like_zip(as_bytes(load("empty.zip"))));
}

TEST(ZipReader, ArchivesPythonRefusesAreStillListed) {
  ZipArchive archive = parse(load("version_too_new.zip"));
  EXPECT_TRUE(archive.python_error.starts_with("NotImplementedError")) << archive.python_error;
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::unsupported_feature));
  archive = parse(load("corrupt_extra.zip"));
  EXPECT_TRUE(archive.python_error.starts_with("BadZipFile")) << archive.python_error;
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::corrupt_extra_field));
  EXPECT_EQ(archive.entries.at(0).name, "extra.txt");
}

TEST(ZipReader, NestedArchiveAndMultipleEndRecords) {
  const std::string data = load("nested_eocd.zip");
  const ZipArchive archive = parse(data);
  ASSERT_EQ(archive.entries.size(), 2u);
  // The inner archive's end record is member content, not a rival directory for this archive.
  EXPECT_FALSE(archive.has_anomaly(ZipAnomalyKind::multiple_eocd));
  const ZipArchive decoy = parse(load("stray_eocd.zip"));
  ASSERT_EQ(decoy.entries.size(), 2u);
  EXPECT_TRUE(decoy.has_anomaly(ZipAnomalyKind::multiple_eocd));
  const ZipMemberData inner = read(data, *archive.find("inner.zip"));
  ASSERT_TRUE(looks_like_zip(inner.bytes));
  const ZipArchive nested = parse_zip(inner.bytes, {});
  ASSERT_EQ(nested.entries.size(), 1u);
  EXPECT_EQ(text_of(read_zip_member(inner.bytes, nested.entries[0], {})), "inner");
}

TEST(ZipReader, DirectoryOffsetBeyondItsPlace) {
  const ZipArchive archive = parse(load("cd_offset_high.zip"));
  EXPECT_EQ(archive.concat_offset, -1000);
  EXPECT_TRUE(archive.has_anomaly(ZipAnomalyKind::inconsistent_directory));
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::bad_local_header));
  EXPECT_EQ(archive.entries.at(0).data_offset, kZipNoOffset);
  EXPECT_THROW(read(load("cd_offset_high.zip"), archive.entries[0]), FormatError);
}

TEST(ZipReader, CorruptAndLyingDeflateStreams) {
  std::string data = load("deflate_corrupt.zip");
  EXPECT_THROW(read(data, parse(data).entries.at(0)), FormatError);

  data = load("size_lie.zip");
  const ZipArchive archive = parse(data);
  EXPECT_TRUE(archive.entry_has_anomaly(0, ZipAnomalyKind::local_header_mismatch));
  const ZipMemberData member = read(data, archive.entries.at(0));
  EXPECT_EQ(member.bytes.size(), 10u);  // Python stops at the declared size
  EXPECT_TRUE(member.size_mismatch);
  EXPECT_FALSE(member.crc_ok);
  EXPECT_FALSE(member.truncated);
}

TEST(ZipReader, MemberLimit) {
  Limits limits;
  limits.max_archive_members = 3;
  EXPECT_THROW(parse(load("deflated.zip"), limits), LimitError);
  limits.max_archive_members = 4;
  EXPECT_EQ(parse(load("deflated.zip"), limits).entries.size(), 4u);
}

std::string end_record(std::uint64_t entries, std::uint32_t size, std::uint32_t offset) {
  std::string record = "PK\x05\x06";
  record += std::string(4, '\0');
  for (int i = 0; i < 2; ++i) record += {char(entries & 0xFF), char((entries >> 8) & 0xFF)};
  for (std::uint32_t v : {size, offset})
    for (int i = 0; i < 4; ++i) record += char((v >> (8 * i)) & 0xFF);
  record += std::string(2, '\0');
  return record;
}

TEST(ZipReader, HostileEndRecords) {
  for (std::size_t n = 0; n < 40; ++n) EXPECT_THROW(parse(std::string(n, 'P')), FormatError);
  EXPECT_FALSE(looks_like_zip(as_bytes(std::string("hello, not a zip"))));
  EXPECT_TRUE(looks_like_zip(as_bytes(load("truncated_half.zip"))));  // local header at 0
  EXPECT_FALSE(looks_like_zip(as_bytes(load("truncated_tail.zip").substr(10))));

  // A directory claiming 4 GiB and 65535 entries in a 22-byte file: start_dir would be negative.
  EXPECT_THROW(parse(end_record(0xFFFF, 0xFFFFFFFF, 0)), FormatError);
  // Zip64 records claiming 2^64-1 bytes of directory.
  std::string zip64 = "PK\x06\x06" + std::string(36, '\0') + std::string(8, '\xFF') + std::string(8, '\0');
  zip64 += "PK\x06\x07" + std::string(16, '\0');
  zip64[zip64.size() - 4] = 1;  // total disks
  EXPECT_THROW(parse(zip64 + end_record(0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)), FormatError);
  // Multi-disk locator.
  std::string multi = zip64;
  multi[multi.size() - 4] = 2;
  EXPECT_THROW(parse(multi + end_record(0, 0, 0)), FormatError);
  // A locator with no room for the zip64 record before it.
  EXPECT_THROW(parse("PK\x06\x07" + std::string(16, '\0') + end_record(0, 0, 0)), FormatError);
  // Empty directory behind 100 bytes of junk: Python's concat makes it a valid empty archive.
  const ZipArchive junk = parse(std::string(100, 'x') + end_record(0, 0, 0));
  EXPECT_TRUE(junk.entries.empty());
  EXPECT_EQ(junk.concat_offset, 100);
  EXPECT_TRUE(junk.has_anomaly(ZipAnomalyKind::prepended_data));
}

TEST(ZipReader, AnomalyNamesAreDistinct) {
  std::set<std::string_view> names;
  for (int kind = 0; kind <= static_cast<int>(ZipAnomalyKind::comment); ++kind)
    names.insert(to_string(static_cast<ZipAnomalyKind>(kind)));
  EXPECT_EQ(names.size(), static_cast<std::size_t>(ZipAnomalyKind::comment) + 1);
  EXPECT_FALSE(names.contains("unknown"));
}

// What numpy.savez / savez_compressed and torch.save write must read back cleanly, with nothing to report.
TEST(ZipReader, NumpyAndTorchArchives) {
  for (const char* name : {"arrays.npz", "arrays_compressed.npz", "checkpoint.pt"}) {
    SCOPED_TRACE(name);
    if (!std::filesystem::exists(test::testdata(std::string("zip/") + name))) {
      ASSERT_STREQ(name, "checkpoint.pt") << "only torch may be missing";
      GTEST_SKIP() << "torch not installed";
    }
    const std::string data = load(name);
    const ZipArchive archive = parse(data);
    // torch (miniz) always writes zip64 end records; that is informational, not suspicious.
    const bool torch = std::string_view(name).ends_with(".pt");
    EXPECT_EQ(archive.zip64, torch);
    for (const ZipAnomaly& anomaly : archive.anomalies)
      if (!(torch && anomaly.kind == ZipAnomalyKind::zip64))
        ADD_FAILURE() << to_string(anomaly.kind) << ": " << anomaly.detail;
    for (const ZipEntry& entry : archive.entries) {
      const ZipMemberData member = read(data, entry);
      EXPECT_TRUE(member.crc_ok) << entry.name;
      EXPECT_FALSE(member.size_mismatch) << entry.name;
    }
    if (!torch) {
      const ZipEntry* weights = archive.find("weights.npy");
      ASSERT_NE(weights, nullptr);
      EXPECT_TRUE(text_of(read(data, *weights)).starts_with("\x93NUMPY"));
    } else {
      const ZipEntry* pickle = archive.find("archive/data.pkl");
      ASSERT_NE(pickle, nullptr);
      EXPECT_TRUE(pickle->has_data_descriptor);
      EXPECT_EQ(read(data, *pickle).bytes.at(0), 0x80);  // pickle PROTO opcode
      EXPECT_EQ(pickle->data_offset % 64, 0u);           // torch aligns stored records to 64 bytes
    }
  }
}

TEST(ZipReader, RealKerasArchives) {
  MS_REQUIRE_CORPUS();
  std::size_t archives = 0;
  for (const auto& file : std::filesystem::directory_iterator(test::shared_corpus() / "keras" / "benign")) {
    if (file.path().extension() != ".keras") continue;
    SCOPED_TRACE(file.path().filename().string());
    const std::string data = test::read_file(file.path());
    if (!looks_like_zip(as_bytes(data))) {  // the corpus holds one HDF5 file named .keras
      EXPECT_TRUE(data.starts_with("\x89HDF\r\n\x1a\n"));
      EXPECT_THROW(parse(data), FormatError);
      continue;
    }
    ++archives;
    const ZipArchive archive = parse(data);
    EXPECT_EQ(archive.python_error, "");
    for (const ZipAnomaly& anomaly : archive.anomalies)
      ADD_FAILURE() << to_string(anomaly.kind) << ": " << anomaly.detail;
    for (const char* name : {"config.json", "metadata.json", "model.weights.h5"}) {
      const ZipEntry* entry = archive.find(name);
      ASSERT_NE(entry, nullptr) << name;
      EXPECT_EQ(entry->open_error, "");
      const ZipMemberData member = read(data, *entry);
      EXPECT_TRUE(member.crc_ok) << name;
      EXPECT_EQ(member.bytes.size(), entry->uncompressed_size);
      if (entry->method == 0) {
        const Bytes view = stored_zip_member_view(as_bytes(data), *entry);
        EXPECT_TRUE(std::equal(view.begin(), view.end(), member.bytes.begin(), member.bytes.end()));
      }
      if (std::string_view(name).ends_with(".json"))
        EXPECT_EQ(member.bytes.at(0), '{');
      else
        EXPECT_EQ(std::string(member.bytes.begin(), member.bytes.begin() + 8), "\x89HDF\r\n\x1a\n");
    }
  }
  EXPECT_GE(archives, 5u);
}

}  // namespace
}  // namespace ms
