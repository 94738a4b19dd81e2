#include <gtest/gtest.h>

#include "scan_helpers.hpp"
#include "test_paths.hpp"

namespace ms {
namespace {

using test::describe;
using test::highest;
using test::scan_one;
using test::with_rule;

TEST(KerasArchive, BenignArchiveHasNothingAtMediumOrAbove) {
  ScanReport report = scan_one(test::testdata("keras_archive/benign.keras"));
  ASSERT_EQ(report.files.size(), 1u);
  EXPECT_EQ(report.files[0].format, "keras-zip");
  EXPECT_LT(highest(report), Severity::medium) << describe(report);
  EXPECT_LT(highest(scan_one(test::testdata("keras_archive/deflated.keras"))), Severity::medium);
}

TEST(KerasArchive, DuplicateConfigIsReportedAndTheShadowingCopyIsScanned) {
  ScanReport report = scan_one(test::testdata("keras_archive/duplicate_config.keras"));
  EXPECT_FALSE(with_rule(report, "ZIP-DUPLICATE-MEMBER").empty()) << describe(report);
  auto references = with_rule(report, "KERAS-FUNCTION-REFERENCE");
  ASSERT_EQ(references.size(), 1u) << describe(report);
  EXPECT_EQ(references[0]->severity, Severity::critical);
  EXPECT_NE(references[0]->location.member.find("the copy Python loads"), std::string::npos)
      << references[0]->location.member;
}

TEST(KerasArchive, TraversalNamesAndUnexpectedMembersAreReported) {
  ScanReport traversal = scan_one(test::testdata("keras_archive/traversal.keras"));
  auto escapes = with_rule(traversal, "ZIP-PATH-TRAVERSAL");
  ASSERT_FALSE(escapes.empty()) << describe(traversal);
  EXPECT_EQ(escapes[0]->severity, Severity::high);
  ScanReport unexpected = scan_one(test::testdata("keras_archive/unexpected_member.keras"));
  auto members = with_rule(unexpected, "KERAS-ARCHIVE-UNEXPECTED-MEMBER");
  ASSERT_EQ(members.size(), 1u) << describe(unexpected);
  EXPECT_EQ(members[0]->location.member, "notes.txt");
  EXPECT_LT(highest(unexpected), Severity::medium);
}

TEST(KerasArchive, NestedArchivesAreScannedByContent) {
  ScanReport report = scan_one(test::testdata("keras_archive/nested_archive.keras"));
  auto references = with_rule(report, "KERAS-FUNCTION-REFERENCE");
  ASSERT_EQ(references.size(), 1u) << describe(report);
  EXPECT_EQ(references[0]->location.member, "assets/inner.keras!config.json");
}

TEST(KerasArchive, CrcMismatchIsReportedAndTheMemberStillScanned) {
  ScanReport report = scan_one(test::testdata("keras_archive/crc_mismatch.keras"));
  auto crc = with_rule(report, "ZIP-CRC-MISMATCH");
  ASSERT_EQ(crc.size(), 1u) << describe(report);
  EXPECT_EQ(crc[0]->location.member, "config.json");
  EXPECT_EQ(with_rule(report, "KERAS-FUNCTION-REFERENCE").size(), 1u) << describe(report);
}

TEST(KerasArchive, WeightShardManifestsMustNotEscape) {
  ScanReport good = scan_one(test::testdata("keras_archive/model.weights.json"));
  EXPECT_TRUE(good.findings.empty()) << describe(good);
  ASSERT_EQ(good.files.size(), 1u);
  EXPECT_EQ(good.files[0].format, "keras-weights-manifest");
  ScanReport bad = scan_one(test::testdata("keras_archive/escaping.weights.json"));
  auto found = with_rule(bad, "KERAS-WEIGHTS-SHARD-PATH");
  ASSERT_EQ(found.size(), 1u) << describe(bad);
  EXPECT_EQ(found[0]->location.json_pointer, "/weight_map/layers~1dense~1vars~10");
}

TEST(KerasArchive, SymlinksAndBombsAreHigh) {
  ScanReport symlink = scan_one(test::testdata("keras_archive/symlink.keras"));
  auto links = with_rule(symlink, "ZIP-SYMLINK");
  ASSERT_EQ(links.size(), 1u) << describe(symlink);
  EXPECT_EQ(links[0]->severity, Severity::high);
  EXPECT_EQ(links[0]->location.member, "assets/vocab.txt");
  ScanReport bomb = scan_one(test::testdata("keras_archive/bomb.keras"));
  auto bombs = with_rule(bomb, "ZIP-BOMB");
  ASSERT_EQ(bombs.size(), 1u) << describe(bomb);
  EXPECT_EQ(bombs[0]->location.member, "assets/zeros.bin");
}

TEST(KerasArchive, HdfZipPolyglotIsReportedAndScannedAsHdf5) {
  ScanReport report = scan_one(test::testdata("keras_archive/polyglot.h5"));
  EXPECT_EQ(with_rule(report, "FORMAT-POLYGLOT").size(), 1u) << describe(report);
  auto hidden = with_rule(report, "KERAS-FUNCTION-REFERENCE");
  ASSERT_EQ(hidden.size(), 1u) << "the zip view's config must be scanned\n" << describe(report);
  EXPECT_EQ(hidden[0]->location.member, "<zip view>!config.json");
}

}  // namespace
}  // namespace ms
