#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "scan/dispatch.hpp"
#include "scan/pickle/pickle_policy.hpp"
#include "scan_helpers.hpp"
#include "test_paths.hpp"

namespace ms {
namespace {

using test::describe;
using test::highest;
using test::with_rule;

nlohmann::json manifest(const std::string& name) {
  std::ifstream in(test::testdata("pickle_scan/" + name));
  return nlohmann::json::parse(in);
}

ScanReport scan(const std::string& kind, const std::string& name) {
  return test::scan_one(test::testdata("pickle_scan/" + kind + "/" + name));
}

bool mentions(const ScanReport& report, const std::string& text) {
  for (const Finding& f : report.findings) {
    if (f.severity != Severity::critical) continue;
    if (f.reason.find(text) != std::string::npos) return true;
    for (const std::string& e : f.evidence)
      if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

// The generator proved each of these real: the real loader, run in a throw-away subprocess, ran the payload.
TEST(PickleScan, EveryProvenMaliciousSampleIsCritical) {
  nlohmann::json samples = manifest("malicious.json");
  ASSERT_GE(samples.size(), 30u);
  for (const auto& sample : samples) {
    const std::string file = sample["file"];
    ScanReport report = scan("malicious", file);
    EXPECT_EQ(highest(report), Severity::critical) << file << "\n" << describe(report);
    const std::string expect = sample["expect"];
    if (!expect.empty()) {
      EXPECT_TRUE(mentions(report, expect)) << file << " should name " << expect << "\n" << describe(report);
    }
  }
}

TEST(PickleScan, BenignFilesStayBelowHigh) {
  nlohmann::json samples = manifest("benign.json");
  ASSERT_GE(samples.size(), 25u);
  for (const auto& sample : samples) {
    const std::string file = sample;
    ScanReport report = scan("benign", file);
    EXPECT_LT(highest(report), Severity::medium) << file << "\n" << describe(report);
  }
}

TEST(PickleScan, FindingsNameCallArgumentsOffsetAndMember) {
  ScanReport report = scan("malicious", "torch_checkpoint.pt");
  auto found = with_rule(report, "PICKLE-DANGEROUS-CALL");
  ASSERT_EQ(found.size(), 1u) << describe(report);
  EXPECT_EQ(found[0]->location.member, "archive/data.pkl");
  EXPECT_TRUE(found[0]->location.byte_offset.has_value());
  EXPECT_NE(found[0]->reason.find("system('touch ms_marker')"), std::string::npos) << found[0]->reason;
  EXPECT_EQ(report.files.at(0).format, "pytorch-zip");
}

TEST(PickleScan, NestedPayloadsAreLocatedInsideTheirCarrier) {
  ScanReport report = scan("malicious", "nested_load_from_bytes.pkl");
  auto found = with_rule(report, "PICKLE-DANGEROUS-CALL");
  ASSERT_EQ(found.size(), 1u) << describe(report);
  EXPECT_NE(found[0]->location.member.find("torch.storage._load_from_bytes"), std::string::npos);
  EXPECT_NE(found[0]->location.member.find("archive/data.pkl"), std::string::npos);
}

TEST(PickleScan, UnknownImportsAreMediumAndAllowListable) {
  ScanReport report = scan("malicious", "timeit.pkl");
  auto unknown = with_rule(report, "PICKLE-UNKNOWN-IMPORT");
  ASSERT_EQ(unknown.size(), 1u) << describe(report);
  EXPECT_EQ(unknown[0]->severity, Severity::medium);
  EXPECT_EQ(unknown[0]->allowlist_symbol, "time.perf_counter");
}

TEST(PickleScan, DuplicatePicklesSayWhichOneTorchLoads) {
  // The generator proved that torch.load runs the second data.pkl (the payload), not the first.
  ScanReport report = scan("malicious", "torch_duplicate.pt");
  auto found = with_rule(report, "PYTORCH-DUPLICATE-PICKLE");
  ASSERT_EQ(found.size(), 1u) << describe(report);
  auto calls = with_rule(report, "PICKLE-DANGEROUS-CALL");
  ASSERT_EQ(calls.size(), 1u) << describe(report);
  EXPECT_NE(found[0]->reason.find("torch.load reads entry #"), std::string::npos) << found[0]->reason;
  EXPECT_EQ(found[0]->location.member, "archive/data.pkl");
  // Entry indices: the payload's pickle is the later of the two.
  std::string evidence = found[0]->evidence.at(0);
  std::string second = evidence.substr(evidence.rfind('#'));
  EXPECT_NE(found[0]->reason.find(second), std::string::npos) << found[0]->reason << " / " << evidence;
}

TEST(PickleScan, DuplicateStorageRecordsSayWhichOneTorchLoads) {
  // The generator loaded each file with torch and recorded which copy's values came back.
  for (const auto& sample : manifest("duplicates.json")) {
    ScanReport report = scan("duplicates", sample["file"]);
    auto found = with_rule(report, "PYTORCH-DUPLICATE-RECORD");
    ASSERT_EQ(found.size(), 1u) << describe(report);
    const std::string reads = "torch.load reads entry #" + std::to_string(sample["torch_reads"].get<int>());
    EXPECT_NE(found[0]->reason.find(reads), std::string::npos) << found[0]->reason;
    EXPECT_EQ(found[0]->location.member, sample["record"]);
    EXPECT_TRUE(with_rule(report, "PYTORCH-DUPLICATE-PICKLE").empty()) << describe(report);
  }
}

TEST(PickleScan, PlainTextIsNotTakenForAPickle) {
  ScanReport report = scan("benign", "vocab.txt");
  EXPECT_TRUE(report.findings.empty()) << describe(report);
}

TEST(PickleScan, JoblibArraysOfUnknownSizeAreNotPassed) {
  // joblib reads the array's bytes; without their size the rest of the file cannot be followed.
  ScanReport report = scan("unfollowable", "joblib_unsized_dtype.joblib");
  auto found = with_rule(report, "SCAN-LIMIT-EXCEEDED");
  ASSERT_EQ(found.size(), 1u) << describe(report);
  EXPECT_EQ(found[0]->severity, Severity::high);
  EXPECT_NE(found[0]->evidence.at(0).find("cannot work out"), std::string::npos) << describe(report);
}

TEST(PickleScan, TruncatedAndCorruptedFilesFailCleanly) {
  for (const char* name : {"torch_checkpoint.pt", "joblib_plain.joblib", "joblib_zlib.joblib",
                           "os_system_p4.pkl", "joblib_object_array.joblib", "nested_load_from_bytes.pkl"}) {
    std::string bytes = test::read_file(test::testdata(std::string("pickle_scan/malicious/") + name));
    const std::size_t step = std::max<std::size_t>(1, bytes.size() / 97);
    for (std::size_t cut = 0; cut < bytes.size(); cut += step) {
      std::vector<Finding> findings;
      Limits limits;
      ScanContext context(limits, name, findings);
      EXPECT_NO_THROW(scan_content(context, as_bytes(std::string_view(bytes).substr(0, cut)), name)) << cut;
      std::string flipped = bytes;
      flipped[cut] = static_cast<char>(flipped[cut] ^ 0x5a);
      findings.clear();
      EXPECT_NO_THROW(scan_content(context, as_bytes(flipped), name)) << cut;
    }
  }
}

TEST(PicklePolicy, AllowListAndDangerousNames) {
  auto verdict = [](std::string_view m, std::string_view q) { return classify_pickle_global(m, q).verdict; };
  EXPECT_EQ(verdict("torch._utils", "_rebuild_tensor_v2"), PickleVerdict::safe);
  EXPECT_EQ(verdict("collections", "OrderedDict"), PickleVerdict::safe);
  EXPECT_EQ(verdict("numpy.core.multiarray", "_reconstruct"), PickleVerdict::safe);
  EXPECT_EQ(verdict("sklearn.ensemble._forest", "RandomForestClassifier"), PickleVerdict::safe);
  EXPECT_EQ(verdict("torch", "FloatStorage"), PickleVerdict::safe);
  EXPECT_EQ(verdict("builtins", "set"), PickleVerdict::safe);
  EXPECT_EQ(verdict("torch.storage", "_load_from_bytes"), PickleVerdict::loader);
  for (auto [m, q] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"os", "system"},
           {"posix", "system"},
           {"pip", "main"},
           {"pip._internal.cli.main", "main"},
           {"timeit", "timeit"},
           {"runpy", "run_path"},
           {"numpy.testing._private.utils", "runstring"},
           {"setuptools._distutils.spawn", "spawn"},
           {"pkgutil", "resolve_name"},
           {"pathlib", "Path.write_text"},
           {"pdb", "run"},
           {"bdb", "Bdb"},
           {"cProfile", "run"},
           {"code", "InteractiveInterpreter"},
           {"pydoc", "pipepager"},
           {"venv", "create"},
           {"ctypes", "CDLL"},
           {"marshal", "loads"},
           {"types", "FunctionType"},
           {"pickle", "loads"},
           {"torch", "load"},
           {"torch.serialization", "load"},
           {"builtins", "getattr"},
           {"__builtin__", "eval"},
           {"operator", "attrgetter"},
           {"builtins", "exec.__call__"},
           {"torch._utils", "_import_dotted_name"},
           {"sklearn.datasets", "fetch_openml"},
           {"socket", "create_connection"},
           {"collections", "OrderedDict.__getattribute__"}}) {
    if (m == "torch._utils") {
      EXPECT_NE(verdict(m, q), PickleVerdict::safe) << m << "." << q;
      continue;
    }
    EXPECT_EQ(verdict(m, q), PickleVerdict::dangerous) << m << "." << q;
  }
  // Wrappers that only call what they are handed (each handed callable is an import judged on its own).
  EXPECT_EQ(verdict("functools", "partial"), PickleVerdict::safe);
  EXPECT_EQ(verdict("functools", "reduce"), PickleVerdict::safe);
  EXPECT_EQ(verdict("builtins", "map"), PickleVerdict::safe);
  EXPECT_EQ(verdict("functools", "update_wrapper"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("functools", "partial.__call__"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("logging", "getLogger"), PickleVerdict::safe);
  EXPECT_EQ(verdict("logging", "FileHandler"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("logging.handlers", "SocketHandler"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("logging.config", "listen"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("threading", "Thread"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("copyreg", "_reconstructor"), PickleVerdict::safe);
  // Methods of allowed classes are not data (DataFrame.to_csv writes a .pth file as well as anything).
  EXPECT_EQ(verdict("pandas.core.frame", "DataFrame"), PickleVerdict::safe);
  EXPECT_EQ(verdict("pandas.core.frame", "DataFrame.to_csv"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("torch.nn.modules.module", "Module.register_forward_hook"), PickleVerdict::unknown);
  EXPECT_EQ(verdict("numpy", "ndarray.tofile"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("numpy.core.records", "fromfile"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("mypkg.io", "save_model"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("torch.fx.graph_module", "reduce_graph_module"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("torch._utils", "_import_dotted_name"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("pandas.core.computation.eval", "eval"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("copyreg", "add_extension"), PickleVerdict::dangerous);
  EXPECT_EQ(verdict("mypkg.layers", "Block"), PickleVerdict::unknown);
  EXPECT_EQ(verdict("time", "perf_counter"), PickleVerdict::unknown);
}

TEST(PickleScan, CorpusBenignPicklesStayBelowHigh) {
  MS_REQUIRE_CORPUS();
  auto dir = test::shared_corpus() / "pickle" / "benign";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no pickle corpus";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ScanReport report = test::scan_one(entry.path());
    EXPECT_LT(highest(report), Severity::high) << entry.path() << "\n" << describe(report);
  }
}

}  // namespace
}  // namespace ms
