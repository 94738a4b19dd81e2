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

}  // namespace
}  // namespace ms
