#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "modelshield/error.hpp"
#include "modelshield/report.hpp"
#include "modelshield/scan.hpp"

namespace ms::cli {

namespace {

struct ScanArguments {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string output;
  std::string fail_on = "high";
  std::string policy;
  std::string colour = "auto";
  unsigned threads = 0;
  bool verbose = false;
  bool quiet = false;
  std::uint64_t max_file_mib = 0;
  std::uint64_t max_member_mib = 0;
};

int run(const ScanArguments& args) {
  ScanOptions options;
  if (!args.policy.empty()) options.policy = Policy::load(args.policy);
  if (args.max_file_mib != 0) options.limits.max_file_bytes = args.max_file_mib << 20;
  if (args.max_member_mib != 0) options.limits.max_member_bytes = args.max_member_mib << 20;
  options.threads = args.threads;
  Severity fail_on = *parse_severity(args.fail_on);

  bool progress = !args.quiet && ::isatty(STDERR_FILENO);
  if (progress) {
    options.on_progress = [](const ScanProgress& p) {
      if (p.files_total < 2) return;
      std::cerr << "\r\033[K[" << p.files_done << "/" << p.files_total << "] " << p.current.substr(0, 100)
                << std::flush;
    };
  }
  std::vector<std::filesystem::path> paths(args.paths.begin(), args.paths.end());
  ScanReport report = scan_paths(paths, options);
  if (progress) std::cerr << "\r\033[K" << std::flush;

  std::unique_ptr<std::ofstream> file;
  std::ostream* out = &std::cout;
  if (!args.output.empty()) {
    file = std::make_unique<std::ofstream>(args.output, std::ios::binary);
    if (!*file) throw UsageError("cannot write " + args.output);
    out = file.get();
  }
  if (args.format == "json") {
    render_json(*out, report);
  } else if (args.format == "sarif") {
    render_sarif(*out, report);
  } else {
    bool tty = file == nullptr && ::isatty(STDOUT_FILENO);
    bool colour =
        args.colour == "always" || (args.colour == "auto" && tty && std::getenv("NO_COLOR") == nullptr);
    render_text(*out, report, TextStyle{colour, args.verbose});
  }
  out->flush();
  if (!*out) throw UsageError("failed writing the report");

  if (!report.errors.empty()) return kExitError;
  for (const Finding& finding : report.findings)
    if (finding.severity >= fail_on) return kExitFindings;
  return kExitClean;
}

}  // namespace

std::function<int()> add_scan_command(CLI::App& app) {
  auto args = std::make_shared<ScanArguments>();
  CLI::App* scan = app.add_subcommand(
      "scan",
      "Scan model files and directories for code that runs when they are loaded (nothing is executed)");
  scan->add_option("paths", args->paths, "Files or directories (walked recursively)")->required();
  scan->add_option("-f,--format", args->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  scan->add_option("-o,--output", args->output, "Write the report to this file instead of standard output");
  scan->add_option("--fail-on", args->fail_on, "Exit 1 when a finding is at or above this severity")
      ->check(CLI::IsMember({"info", "low", "medium", "high", "critical"}))
      ->capture_default_str();
  scan->add_option("--policy", args->policy,
                   "TOML policy: allow-listed symbols, ignored rules, severity overrides")
      ->check(CLI::ExistingFile);
  scan->add_option("--color", args->colour, "Colour in text output")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  scan->add_option("-j,--threads", args->threads, "Files scanned in parallel (default: all cores)");
  scan->add_option("--max-file-size", args->max_file_mib, "Largest file to analyse, MiB (default 65536)");
  scan->add_option("--max-member-size", args->max_member_mib,
                   "Largest archive member to inflate, MiB (default 512)");
  scan->add_flag("-v,--verbose", args->verbose, "Show all evidence for every finding");
  scan->add_flag("-q,--quiet", args->quiet, "No progress display");
  return [args] { return run(*args); };
}

}  // namespace ms::cli
