#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_paths.hpp"

namespace ms {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult run_cli(const std::string& arguments) {
  std::string command = std::string(MS_CLI_PATH) + " " + arguments + " 2>/dev/null";
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t got;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), got);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::filesystem::path temp_dir(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("modelshield-cli-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(Cli, UsageAndIoErrorsExitTwo) {
  EXPECT_EQ(run_cli("").exit_code, 2);
  EXPECT_EQ(run_cli("scan").exit_code, 2);
  EXPECT_EQ(run_cli("scan --format yaml .").exit_code, 2);
  EXPECT_EQ(run_cli("scan /nonexistent/model.keras").exit_code, 2);
  EXPECT_EQ(run_cli("scan --policy /nonexistent.toml .").exit_code, 2);
}

TEST(Cli, CleanFilesExitZeroAndJsonIsVersioned) {
  auto dir = temp_dir("clean");
  std::ofstream(dir / "notes.txt") << "not a model";
  CommandResult result = run_cli("scan --format json " + dir.string());
  EXPECT_EQ(result.exit_code, 0);
  auto report = nlohmann::json::parse(result.output);
  EXPECT_EQ(report["version"], 1);
  EXPECT_EQ(report["summary"]["findings"], 0);
  EXPECT_TRUE(report["findings"].is_array());
  std::filesystem::remove_all(dir);
}

TEST(Cli, DirectoryWalksFindCompressedPicklesByContent) {
  // Compressed joblib streams carry no signature of their own: a walk must still open them, whatever
  // their name, and leave plain text out of the file list.
  auto dir = temp_dir("walk");
  const auto samples = test::testdata("pickle_scan/malicious");
  std::filesystem::copy_file(samples / "joblib_lz4.joblib", dir / "weights.dat");
  std::filesystem::copy_file(samples / "joblib_bz2.joblib", dir / "model.joblib");
  std::ofstream(dir / "notes.txt") << "not a model";
  CommandResult result = run_cli("scan --format json " + dir.string());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  auto report = nlohmann::json::parse(result.output);
  EXPECT_EQ(report["summary"]["files_scanned"], 2) << result.output;
  EXPECT_EQ(report["summary"]["by_severity"]["critical"], 2) << result.output;
  std::filesystem::remove_all(dir);
}

TEST(Cli, FailOnThresholdDecidesTheExitCode) {
  auto dir = temp_dir("threshold");
  // An HDF5 signature in a file named .keras: a low-severity extension mismatch at least.
  std::ofstream(dir / "model.keras", std::ios::binary)
      << std::string("\x89HDF\r\n\x1a\n", 8) << std::string(64, '\0');
  EXPECT_EQ(run_cli("scan --fail-on critical " + dir.string()).exit_code, 0);
  EXPECT_EQ(run_cli("scan --fail-on info " + dir.string()).exit_code, 1);
  CommandResult sarif = run_cli("scan --format sarif --fail-on critical " + dir.string());
  auto log = nlohmann::json::parse(sarif.output);
  EXPECT_EQ(log["version"], "2.1.0");
  EXPECT_FALSE(log["runs"][0]["results"].empty());
  EXPECT_EQ(log["runs"][0]["tool"]["driver"]["name"], "modelshield");
  std::filesystem::remove_all(dir);
}

TEST(Cli, PolicyCanIgnoreRules) {
  auto dir = temp_dir("policy");
  std::ofstream(dir / "model.keras", std::ios::binary)
      << std::string("\x89HDF\r\n\x1a\n", 8) << std::string(64, '\0');
  std::ofstream(dir / "policy.toml") << "[ignore]\nrules = [\"FORMAT-EXTENSION-MISMATCH\"]\n";
  CommandResult result = run_cli("scan --format json --policy " + (dir / "policy.toml").string() + " " +
                                 (dir / "model.keras").string());
  auto report = nlohmann::json::parse(result.output);
  for (const auto& finding : report["findings"]) EXPECT_NE(finding["rule_id"], "FORMAT-EXTENSION-MISMATCH");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ms
