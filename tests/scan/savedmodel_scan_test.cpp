#include "scan/savedmodel/savedmodel_scan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "scan/savedmodel/known_ops.hpp"
#include "scan/savedmodel/path_text.hpp"
#include "test_paths.hpp"

namespace ms {
namespace {

const char* const kHostileFunction = "__inference_call_666";

struct ScanResult {
  std::string description;
  std::vector<Finding> findings;

  std::vector<const Finding*> with_rule(std::string_view rule) const {
    std::vector<const Finding*> out;
    for (const Finding& finding : findings)
      if (finding.rule_id == rule) out.push_back(&finding);
    return out;
  }
  const Finding* at(std::string_view rule, std::string_view object_path) const {
    for (const Finding& finding : findings)
      if (finding.rule_id == rule && finding.location.object_path == object_path) return &finding;
    return nullptr;
  }
  std::size_t at_or_above(Severity severity) const {
    return std::count_if(findings.begin(), findings.end(),
                         [severity](const Finding& finding) { return finding.severity >= severity; });
  }
};

std::string dump(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& finding : findings) {
    out += finding.rule_id + " [" + std::string(to_string(finding.severity)) + "] " +
           finding.location.object_path + " " + finding.location.json_pointer + ": " + finding.reason + "\n";
    for (const std::string& line : finding.evidence) out += "    " + line + "\n";
  }
  return out;
}

ScanResult scan_bytes(const std::string& data, std::string_view name, const Limits& limits = {}) {
  ScanResult result;
  ScanContext context(limits, "model", result.findings);
  result.description = scan_savedmodel_protobuf(context, as_bytes(data), name);
  return result;
}

ScanResult scan(const std::string& file, std::string_view name = "saved_model.pb") {
  return scan_bytes(test::read_file(test::testdata("savedmodel_scan/" + file)), name);
}

bool has_evidence(const Finding& finding, std::string_view text) {
  return std::any_of(finding.evidence.begin(), finding.evidence.end(),
                     [text](const std::string& line) { return line.find(text) != std::string::npos; });
}

std::string hostile(std::string_view node) { return std::string(kHostileFunction) + "/" + std::string(node); }

void expect_node_finding(const ScanResult& result, std::string_view rule, std::string_view object_path,
                         Severity severity, std::string_view evidence = {}) {
  const Finding* finding = result.at(rule, object_path);
  ASSERT_NE(finding, nullptr) << "no " << rule << " at " << object_path << "\n" << dump(result.findings);
  EXPECT_EQ(finding->severity, severity) << object_path;
  EXPECT_TRUE(finding->location.byte_offset.has_value()) << object_path;
  EXPECT_EQ(finding->location.file, "model");
  EXPECT_FALSE(finding->references.empty());
  EXPECT_FALSE(finding->fix.empty());
  if (!evidence.empty()) {
    EXPECT_TRUE(has_evidence(*finding, evidence)) << dump({*finding});
  }
}

TEST(SavedModelScan, BenignKerasExportRaisesNothingAtMediumOrAbove) {
  const ScanResult result = scan("benign_keras.pb");
  EXPECT_EQ(result.description, "savedmodel");
  EXPECT_EQ(result.at_or_above(Severity::medium), 0u) << dump(result.findings);
  // Recognised by content as well as by name.
  const ScanResult by_content = scan("benign_keras.pb", "exported/model.pb");
  EXPECT_EQ(by_content.description, "savedmodel");
  EXPECT_EQ(by_content.at_or_above(Severity::medium), 0u) << dump(by_content.findings);
}

TEST(SavedModelScan, BenignTf1ExportRaisesNothingAtMediumOrAbove) {
  const ScanResult result = scan("benign_tf1.pb");
  EXPECT_EQ(result.description, "savedmodel");
  EXPECT_EQ(result.at_or_above(Severity::medium), 0u) << dump(result.findings);
}

TEST(SavedModelScan, FileWritingOpsAreCritical) {
  const ScanResult result = scan("file_write.pb");
  expect_node_finding(result, "SAVEDMODEL-FILE-WRITE", hostile("WriteFile"), Severity::critical,
                      "'/etc/cron.d/backdoor'");
  expect_node_finding(result, "SAVEDMODEL-FILE-WRITE", hostile("PrintV2"), Severity::critical,
                      "file:///tmp/exfil.log");
  expect_node_finding(result, "SAVEDMODEL-FILE-WRITE", hostile("SaveV2"), Severity::critical,
                      "/var/lib/evil/ckpt");
  expect_node_finding(result, "SAVEDMODEL-FILE-WRITE", hostile("CreateSummaryFileWriter"), Severity::critical,
                      "/home/victim/.bashrc.d");
  expect_node_finding(result, "SAVEDMODEL-FILE-WRITE", hostile("SaveDataset"), Severity::critical);
  EXPECT_EQ(result.at("SAVEDMODEL-FILE-WRITE", hostile("PrintV2_1")), nullptr) << "stderr is not a file";
  // The standard saver (SaveV2, MergeV2Checkpoints fed by the saver filename) stays quiet.
  for (const Finding* finding : result.with_rule("SAVEDMODEL-FILE-WRITE"))
    EXPECT_EQ(finding->location.object_path.rfind(kHostileFunction, 0), 0u) << dump({*finding});
  EXPECT_EQ(result.with_rule("SAVEDMODEL-FILE-WRITE").size(), 5u) << dump(result.findings);
}

TEST(SavedModelScan, FileReadingOpsAreHighAndShowLiteralPaths) {
  const ScanResult result = scan("file_read.pb");
  // The path reaches ReadFile through an Identity.
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", hostile("ReadFile"), Severity::high,
                      "'/root/.aws/credentials' (constant __inference_call_666/secret)");
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", hostile("MatchingFiles"), Severity::high,
                      "/home/*/.ssh/id_*");
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", hostile("RestoreV2"), Severity::high,
                      "../../../../etc/model.ckpt");
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", hostile("ImmutableConst"), Severity::high,
                      "/dev/shm/region");
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", hostile("InitializeTableFromTextFileV2"),
                      Severity::high, "/etc/shadow");
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", hostile("TFRecordDataset"), Severity::high);
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", hostile("WholeFileReaderV2"), Severity::high);
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", hostile("ReaderReadV2"), Severity::high);
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", hostile("DecodeProtoV2"), Severity::high,
                      "/tmp/descriptors.bin");
  EXPECT_EQ(result.at("SAVEDMODEL-FILE-READ", hostile("RestoreV2_1")), nullptr) << "relative checkpoint path";
  EXPECT_EQ(result.at("SAVEDMODEL-FILE-READ", hostile("DecodeProtoV2_1")), nullptr) << "local:// descriptors";
  EXPECT_EQ(result.with_rule("SAVEDMODEL-FILE-READ").size(), 9u) << dump(result.findings);
  EXPECT_TRUE(result.with_rule("SAVEDMODEL-NETWORK").empty()) << dump(result.findings);
}

TEST(SavedModelScan, NetworkOpsAndRemoteUrlsAreHigh) {
  const ScanResult result = scan("network.pb");
  expect_node_finding(result, "SAVEDMODEL-NETWORK", hostile("Rpc"), Severity::high, "evil.example:8470");
  expect_node_finding(result, "SAVEDMODEL-NETWORK", hostile("DataServiceDatasetV4"), Severity::high,
                      "evil.example:8470");
  expect_node_finding(result, "SAVEDMODEL-NETWORK", hostile("CollectiveReduceV2"), Severity::high);
  expect_node_finding(result, "SAVEDMODEL-NETWORK", hostile("DebugIdentity"), Severity::high,
                      "grpc://evil.example:6064");
  // A file op with a remote path is both a file read and a network access.
  expect_node_finding(result, "SAVEDMODEL-NETWORK", hostile("ReadFile"), Severity::high,
                      "gs://attacker-bucket/exfil");
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", hostile("ReadFile"), Severity::high,
                      "gs://attacker-bucket/exfil");
  // The save function's StaticRegexFullMatch("^s3://.*") is a pattern, not an address.
  EXPECT_EQ(result.with_rule("SAVEDMODEL-NETWORK").size(), 5u) << dump(result.findings);
}

TEST(SavedModelScan, PyFuncIsHigh) {
  const ScanResult result = scan("pyfunc.pb");
  expect_node_finding(result, "SAVEDMODEL-PYFUNC", hostile("EagerPyFunc"), Severity::high, "pyfunc_7");
  EXPECT_EQ(result.at_or_above(Severity::critical), 0u) << dump(result.findings);
}

TEST(SavedModelScan, PyFuncBesideLoadTimeCodeIsCritical) {
  const ScanResult result = scan("pyfunc_lambda.pb");
  expect_node_finding(result, "SAVEDMODEL-PYFUNC", hostile("PyFunc"), Severity::critical, "pyfunc_0");
  const auto lambdas = result.with_rule("KERAS-LAMBDA-BYTECODE");
  ASSERT_FALSE(lambdas.empty()) << dump(result.findings);
  EXPECT_EQ(lambdas.front()->location.json_pointer.rfind(
                "/meta_graphs/0/object_graph_def/nodes/3/user_object/metadata", 0),
            0u);
  EXPECT_EQ(lambdas.front()->location.object_path, "object_graph_def/nodes/3");
  EXPECT_TRUE(lambdas.front()->location.byte_offset.has_value());
}

TEST(SavedModelScan, UnknownOpsAreMediumOncePerOp) {
  const ScanResult result = scan("unknown_op.pb");
  const auto unknown = result.with_rule("SAVEDMODEL-UNKNOWN-OP");
  ASSERT_EQ(unknown.size(), 2u) << dump(result.findings);
  const Finding* gelu = unknown[0]->allowlist_symbol == "Addons>GeluCustom" ? unknown[0] : unknown[1];
  EXPECT_EQ(gelu->allowlist_symbol, "Addons>GeluCustom");
  EXPECT_EQ(gelu->severity, Severity::medium);
  EXPECT_EQ(gelu->location.object_path, "gelu_2") << "main-graph nodes come first";
  EXPECT_TRUE(has_evidence(*gelu, "used by 3 node(s)")) << dump({*gelu});
  const Finding* tokenizer = gelu == unknown[0] ? unknown[1] : unknown[0];
  EXPECT_EQ(tokenizer->allowlist_symbol, "SentencepieceTokenizeOp");
  EXPECT_EQ(tokenizer->location.object_path, hostile("tokenize"));
  // A call of a library function and an internal (_-prefixed) op are not custom ops.
  EXPECT_EQ(result.at_or_above(Severity::high), 0u) << dump(result.findings);
}

TEST(SavedModelScan, AssetsOutsideTheAssetsDirectoryAreHigh) {
  const ScanResult result = scan("asset_path.pb");
  const auto assets = result.with_rule("SAVEDMODEL-ASSET-PATH");
  ASSERT_EQ(assets.size(), 2u) << dump(result.findings);
  EXPECT_EQ(assets[0]->severity, Severity::high);
  EXPECT_EQ(assets[0]->location.object_path, "asset_file_def[1]");
  EXPECT_TRUE(has_evidence(*assets[0], "../../../etc/passwd"));
  EXPECT_TRUE(has_evidence(*assets[1], "/etc/hosts"));
}

TEST(SavedModelScan, RepeatedFindingsAreCappedAndSummarised) {
  const ScanResult result = scan("many_reads.pb");
  const auto reads = result.with_rule("SAVEDMODEL-FILE-READ");
  ASSERT_EQ(reads.size(), 101u);
  EXPECT_NE(reads.back()->reason.find("50 more"), std::string::npos) << reads.back()->reason;
  EXPECT_EQ(reads.back()->severity, Severity::high);
}

TEST(SavedModelScan, ResolutionStaysBoundedOnDiamondsAndCycles) {
  const auto start = std::chrono::steady_clock::now();
  const ScanResult result = scan("adversarial_graph.pb");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  expect_node_finding(result, "SAVEDMODEL-FILE-WRITE", hostile("WriteFile"), Severity::critical,
                      "path: computed when the graph runs");
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", hostile("ReadFile"), Severity::high,
                      "path: computed when the graph runs");
}

TEST(SavedModelScan, FindingsNameTheirMetaGraphWhenThereAreSeveral) {
  const ScanResult result = scan("two_meta_graphs.pb");
  expect_node_finding(result, "SAVEDMODEL-FILE-READ", "ReadFile", Severity::high,
                      "meta graph 1 (tags: train)");
  EXPECT_EQ(result.at_or_above(Severity::medium), 1u) << dump(result.findings);
}

TEST(SavedModelScan, KerasMetadataGoesToTheKerasConfigDetector) {
  const ScanResult benign = scan("keras_metadata_benign.pb", "model/keras_metadata.pb");
  EXPECT_EQ(benign.description, "keras-metadata");
  EXPECT_EQ(benign.at_or_above(Severity::medium), 0u) << dump(benign.findings);

  const ScanResult hostile_metadata = scan("keras_metadata_lambda.pb", "keras_metadata.pb");
  const auto lambdas = hostile_metadata.with_rule("KERAS-LAMBDA-BYTECODE");
  ASSERT_FALSE(lambdas.empty()) << dump(hostile_metadata.findings);
  for (const Finding* lambda : lambdas) {
    EXPECT_EQ(lambda->location.json_pointer.rfind("/nodes/", 0), 0u) << lambda->location.json_pointer;
    EXPECT_TRUE(lambda->location.byte_offset.has_value());
    EXPECT_EQ(lambda->location.object_path.rfind("root", 0), 0u) << lambda->location.object_path;
  }
  // The same layer config seen at two levels of the model is reported once.
  EXPECT_LE(lambdas.size(), 2u) << dump(hostile_metadata.findings);
  const auto malformed = hostile_metadata.with_rule("KERAS-CONFIG-MALFORMED");
  ASSERT_EQ(malformed.size(), 1u) << dump(hostile_metadata.findings);
  EXPECT_EQ(malformed[0]->severity, Severity::medium);
  EXPECT_EQ(malformed[0]->location.json_pointer, "/nodes/2/metadata");
  EXPECT_EQ(malformed[0]->location.object_path, "root.layer-4");
  EXPECT_TRUE(malformed[0]->location.byte_offset.has_value());
}

TEST(SavedModelScan, OtherProtobufsAreOnlyNoted) {
  const ScanResult result = scan("other.pb", "frozen_graph.pb");
  EXPECT_EQ(result.description, "protobuf");
  ASSERT_EQ(result.findings.size(), 1u) << dump(result.findings);
  EXPECT_EQ(result.findings[0].rule_id, "PROTOBUF-UNRECOGNISED");
  EXPECT_EQ(result.findings[0].severity, Severity::low);
}

TEST(SavedModelScan, MalformedSavedModelIsReportedNotThrown) {
  const ScanResult truncated = scan("truncated.pb");
  EXPECT_EQ(truncated.description, "savedmodel");
  ASSERT_EQ(truncated.with_rule("FORMAT-MALFORMED").size(), 1u) << dump(truncated.findings);
  EXPECT_EQ(truncated.with_rule("FORMAT-MALFORMED")[0]->severity, Severity::medium);
  // Under another name it does not even look like a SavedModel.
  EXPECT_EQ(scan("truncated.pb", "weights.pb").description, "protobuf");
}

TEST(SavedModelScan, EveryTruncationOfAnExportIsHandled) {
  const std::string data = test::read_file(test::testdata("savedmodel_scan/file_read.pb"));
  for (std::size_t size = 0; size < data.size(); size += 37) {
    const ScanResult result = scan_bytes(data.substr(0, size), "saved_model.pb");
    EXPECT_EQ(result.description, "savedmodel");
  }
  for (std::size_t size = 0; size < data.size(); size += 53) {
    std::string flipped = data;
    flipped[size] = static_cast<char>(flipped[size] ^ 0x5a);
    scan_bytes(flipped, "keras_metadata.pb");
    scan_bytes(flipped, "saved_model.pb");
  }
}

TEST(SavedModelScan, LimitsAreReported) {
  Limits limits;
  limits.max_protobuf_records = 20;
  const ScanResult result = scan_bytes(test::read_file(test::testdata("savedmodel_scan/benign_keras.pb")),
                                       "saved_model.pb", limits);
  ASSERT_EQ(result.with_rule("SCAN-LIMIT-EXCEEDED").size(), 1u) << dump(result.findings);
  EXPECT_EQ(result.with_rule("SCAN-LIMIT-EXCEEDED")[0]->severity, Severity::high);
}

TEST(SavedModelScan, CorruptedRealKerasMetadataIsMalformed) {
  MS_REQUIRE_CORPUS();
  const auto path =
      test::shared_corpus() / "savedmodel/malformed/0x7a726f__MNIST_model__model1_keras_metadata.pb";
  const ScanResult result = scan_bytes(test::read_file(path), "keras_metadata.pb");
  EXPECT_EQ(result.description, "keras-metadata");
  const auto malformed = result.with_rule("FORMAT-MALFORMED");
  ASSERT_EQ(malformed.size(), 1u) << dump(result.findings);
  EXPECT_EQ(malformed[0]->severity, Severity::medium);
  EXPECT_NE(malformed[0]->reason.find("re-encoded"), std::string::npos) << malformed[0]->reason;
}

TEST(SavedModelKnownOps, StockInternalAndCustomOps) {
  using savedmodel_scan::is_stock_tensorflow_op;
  for (const char* op :
       {"Abort", "MatMul", "VarHandleOp", "StatefulPartitionedCall", "SaveV2", "XlaCallModule", "ZipDataset",
        "DisableCopyOnRead", "Gelu", "Conv", "_Arg", "_FusedConv2D"})
    EXPECT_TRUE(is_stock_tensorflow_op(op)) << op;
  for (const char* op : {"", "Addons>GeluCustom", "SentencepieceOp", "matmul", "MatMul ", "Zzz"})
    EXPECT_FALSE(is_stock_tensorflow_op(op)) << op;
}

TEST(SavedModelPathText, ClassifiesPathsAndUrls) {
  using namespace savedmodel_scan;
  for (const char* path : {"/etc/passwd", "\\\\server\\share", "C:\\Windows", "../x", "a/../../b", "a\\..\\b",
                           "file:///tmp/x", "gs://bucket/x"})
    EXPECT_TRUE(is_suspicious_path(path)) << path;
  for (const char* path : {"", "vocab.txt", "assets/vocab.txt", "variables/variables", "a..b/c", "..hidden"})
    EXPECT_FALSE(is_suspicious_path(path)) << path;
  EXPECT_EQ(find_remote_url("read from HTTPS://evil.example/x now"), "HTTPS://evil.example/x");
  EXPECT_EQ(find_remote_url("^s3://.*"), "s3://.*");
  EXPECT_EQ(find_remote_url("file:///tmp/x and ram://y"), "");
  EXPECT_EQ(find_remote_url("://nothing"), "");
  EXPECT_EQ(url_scheme("Hdfs://namenode/x"), "hdfs");
  EXPECT_EQ(url_scheme("1x://y"), "");
  EXPECT_EQ(path_basename("/a/b\\c.txt"), "c.txt");
  EXPECT_EQ(printable(std::string("a\xff\n\\b", 5)), "a\\xff\\x0a\\\\b");
  EXPECT_EQ(printable(std::string(300, 'x'), 10), "xxxxxxxxxx... (300 bytes)");
}

}  // namespace
}  // namespace ms
