#include "modelshield/policy.hpp"

#include <gtest/gtest.h>

#include "modelshield/error.hpp"

namespace ms {
namespace {

Finding finding(std::string rule, Severity severity, std::string symbol = {}, std::string file = "model.keras") {
  Finding f;
  f.rule_id = std::move(rule);
  f.severity = severity;
  f.allowlist_symbol = std::move(symbol);
  f.location.file = std::move(file);
  return f;
}

TEST(Policy, ParsesAllSections) {
  Policy policy = Policy::parse(R"(
[allow]
symbols = ["my_pkg.layers", "Custom>Block"]
[ignore]
rules = ["FORMAT-EXTENSION-MISMATCH"]
paths = ["fixtures/*"]
[severity]
KERAS-CUSTOM-OBJECT = "low"
)",
                                "policy.toml");
  EXPECT_TRUE(policy.allows_symbol("my_pkg.layers.Attention"));
  EXPECT_TRUE(policy.allows_symbol("my_pkg.layers"));
  EXPECT_FALSE(policy.allows_symbol("my_pkg.layersX.Attention"));
  EXPECT_TRUE(policy.allows_symbol("Custom>Block"));
  EXPECT_FALSE(policy.allows_symbol(""));

  std::vector<Finding> out = policy.apply({
      finding("KERAS-CUSTOM-OBJECT", Severity::medium, "my_pkg.layers.Attention"),
      finding("KERAS-CUSTOM-OBJECT", Severity::medium, "other.Thing"),
      finding("FORMAT-EXTENSION-MISMATCH", Severity::low),
      finding("KERAS-LAMBDA-BYTECODE", Severity::critical, "", "fixtures/evil.h5"),
      finding("KERAS-LAMBDA-BYTECODE", Severity::critical),
  });
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].allowlist_symbol, "other.Thing");
  EXPECT_EQ(out[0].severity, Severity::low);
  EXPECT_EQ(out[1].rule_id, "KERAS-LAMBDA-BYTECODE");
  EXPECT_EQ(out[1].severity, Severity::critical);
}

TEST(Policy, AllowListNeverSilencesFindingsWithoutASymbol) {
  Policy policy = Policy::parse("[allow]\nsymbols = [\"os\", \"builtins\"]\n", "p.toml");
  auto out = policy.apply({finding("KERAS-FUNCTION-REFERENCE", Severity::critical)});
  EXPECT_EQ(out.size(), 1u);
}

TEST(Policy, RejectsMistakesClearly) {
  EXPECT_THROW(Policy::parse("[allow]\nsymbols = \"os\"\n", "p.toml"), UsageError);
  EXPECT_THROW(Policy::parse("[severity]\nX = \"severe\"\n", "p.toml"), UsageError);
  EXPECT_THROW(Policy::parse("[alow]\n", "p.toml"), UsageError);
  EXPECT_THROW(Policy::parse("not toml at all = = =", "p.toml"), UsageError);
  EXPECT_THROW(Policy::load("/nonexistent/policy.toml"), UsageError);
}

}  // namespace
}  // namespace ms
