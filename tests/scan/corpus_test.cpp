// Acceptance tests on ../shared/corpus: real public model files written by real Keras installations.
#include <gtest/gtest.h>

#include "scan_helpers.hpp"
#include "test_paths.hpp"

namespace ms {
namespace {

using test::describe;
using test::highest;
using test::with_rule;

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file()) out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Corpus, EveryMaliciousKerasFileIsCritical) {
  MS_REQUIRE_CORPUS();
  auto files = files_in(test::shared_corpus() / "keras/malicious");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    ScanReport report = test::scan_one(file);
    EXPECT_EQ(highest(report), Severity::critical) << file << "\n" << describe(report);
    EXPECT_FALSE(with_rule(report, "KERAS-LAMBDA-BYTECODE").empty()) << file;
  }
}

TEST(Corpus, NoBenignKerasFileIsHighOrAbove) {
  MS_REQUIRE_CORPUS();
  auto files = files_in(test::shared_corpus() / "keras/benign");
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files) {
    ScanReport report = test::scan_one(file);
    ASSERT_EQ(report.files.size(), 1u) << file;
    EXPECT_LT(highest(report), Severity::high) << file << "\n" << describe(report);
    EXPECT_NE(report.files[0].format, "hdf5") << file << " not recognised as a Keras model";
  }
}

TEST(Corpus, BenignLambdaIsReportedAsBytecodeWithItsNames) {
  MS_REQUIRE_CORPUS();
  auto files = files_in(test::shared_corpus() / "keras/benign-lambda");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    ScanReport report = test::scan_one(file);
    auto lambdas = with_rule(report, "KERAS-LAMBDA-BYTECODE");
    ASSERT_EQ(lambdas.size(), 1u) << describe(report);
    EXPECT_EQ(lambdas[0]->severity, Severity::high) << "arithmetic bytecode is code, but not a payload";
    std::string evidence;
    for (const auto& line : lambdas[0]->evidence) evidence += line + "\n";
    EXPECT_NE(evidence.find("3.4-3.7"), std::string::npos) << evidence;
    EXPECT_NE(evidence.find("names referenced: none"), std::string::npos) << evidence;
  }
}

TEST(Corpus, RealScikitLearnPicklesUseOnlyKnownSafeGlobals) {
  MS_REQUIRE_CORPUS();
  auto files = files_in(test::shared_corpus() / "pickle/benign");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    ScanReport report = test::scan_one(file);
    EXPECT_LT(highest(report), Severity::medium) << file << "\n" << describe(report);
  }
}

TEST(Corpus, MalformedKerasMetadataIsACleanFinding) {
  MS_REQUIRE_CORPUS();
  auto files = files_in(test::shared_corpus() / "savedmodel/malformed");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    ScanReport report = test::scan_one(file);
    ASSERT_EQ(report.files.size(), 1u);
    auto malformed = with_rule(report, "FORMAT-MALFORMED");
    ASSERT_EQ(malformed.size(), 1u) << describe(report);
    EXPECT_EQ(malformed[0]->severity, Severity::medium);
    EXPECT_TRUE(malformed[0]->location.byte_offset.has_value());
  }
}

}  // namespace
}  // namespace ms
