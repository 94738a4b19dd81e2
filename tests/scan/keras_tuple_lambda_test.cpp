// Keras 2 SavedModel metadata writes a Lambda's [code, defaults, closure] as a __tuple__ object.
#include <gtest/gtest.h>

#include "formats/json.hpp"
#include "scan/keras/config_scan.hpp"
#include "test_paths.hpp"

namespace ms {
namespace {

std::vector<Finding> scan_config(const std::string& json) {
  std::vector<Finding> findings;
  Limits limits;
  ScanContext context(limits, "keras_metadata.pb", findings);
  scan_keras_config(context, parse_json(as_bytes(json), limits),
                    KerasConfigSource{.container = KerasConfigSource::Container::saved_model});
  return findings;
}

TEST(KerasTupleLambda, IsReportedOnceWithItsNames) {
  std::string code = test::read_file(test::testdata("marshal/os_system.b64"));
  std::erase(code,
             '\n');  // Keras 2 writes base64 with line breaks, escaped in JSON; dropping them is equivalent
  std::erase(code, '\r');
  std::string config = R"({"class_name": "Lambda", "config": {"name": "l", "function_type": "lambda",
      "function": {"class_name": "__tuple__", "items": [")" +
                       code + R"(", null, null]}}})";
  std::vector<Finding> findings = scan_config(config);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].rule_id, "KERAS-LAMBDA-BYTECODE");
  EXPECT_EQ(findings[0].severity, Severity::critical);
  std::string evidence;
  for (const std::string& line : findings[0].evidence) evidence += line + "\n";
  EXPECT_NE(evidence.find("system"), std::string::npos) << evidence;
}

}  // namespace
}  // namespace ms
