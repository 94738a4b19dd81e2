#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include "test_paths.hpp"

namespace ms {
namespace {

// Every rule id the scanner can emit is what users filter on in policies and SARIF: each must be
// explained in docs/rules.md.
TEST(RulesDocumentation, EveryRuleIdInTheSourcesIsDocumented) {
  const std::filesystem::path root = MS_SOURCE_DIR;
  const std::string docs = test::read_file(root / "docs" / "rules.md");
  const std::regex rule_id(
      R"re("((?:KERAS|HDF5|ZIP|NPY|NPZ|PICKLE|PYTORCH|JOBLIB|SAVEDMODEL|PROTOBUF|FORMAT|SCAN)(?:-[A-Z0-9]+)+)")re");
  std::set<std::string> ids;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root / "src")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".cpp") continue;
    const std::string text = test::read_file(entry.path());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), rule_id); it != std::sregex_iterator();
         ++it)
      ids.insert((*it)[1].str());
  }
  ASSERT_GE(ids.size(), 40u) << "the pattern no longer finds the rule ids";
  for (const std::string& id : ids)
    EXPECT_NE(docs.find(id), std::string::npos) << id << " is not in docs/rules.md";
}

}  // namespace
}  // namespace ms
