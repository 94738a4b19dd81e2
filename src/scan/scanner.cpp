#include <algorithm>
#include <atomic>
#include <mutex>
#include <system_error>
#include <thread>

#include "formats/detect.hpp"
#include "modelshield/error.hpp"
#include "modelshield/mapped_file.hpp"
#include "modelshield/scan.hpp"
#include "scan/dispatch.hpp"
#include "scan/findings.hpp"

namespace ms {

namespace {

namespace fs = std::filesystem;

struct WorkItem {
  fs::path path;
  bool named_by_user = false;  // given on the command line: scanned whatever its content
};

// Files a directory walk lists even when their content is not recognised: the user expects a verdict.
bool has_model_extension(const fs::path& path) {
  const std::string name = path.filename().string();
  if (format_promised_by_name(name) != ContentFormat::unknown) return true;
  static constexpr std::string_view kPickleExtensions[] = {".pt",  ".pth",  ".ckpt",  ".bin", ".joblib",
                                                           ".sav", ".dill", ".model", ".tar"};
  return std::any_of(std::begin(kPickleExtensions), std::end(kPickleExtensions),
                     [&](std::string_view extension) { return name.ends_with(extension); });
}

void collect(const fs::path& root, const Limits& limits, std::vector<WorkItem>& items,
             std::vector<ScanError>& errors) {
  std::error_code error;
  fs::file_status status = fs::status(root, error);
  if (error) {
    errors.push_back({root.string(), error.message()});
    return;
  }
  if (!fs::is_directory(status)) {
    items.push_back({root, true});
    return;
  }
  std::size_t first = items.size();
  // Symlinked directories are not followed: a walk must terminate and stay inside what was named.
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, error), end;
  for (; !error && it != end; it.increment(error)) {
    if (static_cast<std::size_t>(it.depth()) >= limits.max_walk_depth) it.disable_recursion_pending();
    std::error_code type_error;
    if (it->is_regular_file(type_error) && !it->is_symlink(type_error)) items.push_back({it->path(), false});
  }
  if (error) errors.push_back({root.string(), error.message()});
  std::sort(items.begin() + static_cast<std::ptrdiff_t>(first), items.end(),
            [](const WorkItem& a, const WorkItem& b) { return a.path < b.path; });
}

struct FileOutcome {
  std::optional<ScannedFile> scanned;
  std::vector<Finding> findings;
  std::optional<ScanError> error;
};

FileOutcome scan_one(const WorkItem& item, const Limits& limits) {
  FileOutcome outcome;
  std::string display = item.path.string();
  try {
    std::error_code error;
    std::uint64_t size = fs::file_size(item.path, error);
    if (error) throw UsageError("cannot read " + display + ": " + error.message());
    ScanContext context(limits, display, outcome.findings);
    if (size > limits.max_file_bytes) {
      report_incomplete_size(context, size);
      outcome.scanned = ScannedFile{display, "too-large", size};
      return outcome;
    }
    MappedFile file(item.path);
    std::string name = item.path.filename().string();
    // Every file is scanned by content (compressed joblib streams and tar archives have no signature that
    // detect_content knows); a walk only leaves out what nothing recognised, unless its name promises a
    // model.
    std::string format = scan_content(context, file.bytes(), name);
    const bool recognised = format != "unknown" && format != "empty";
    if (!item.named_by_user && !recognised && outcome.findings.empty() && !has_model_extension(item.path))
      return outcome;
    outcome.scanned = ScannedFile{display, format, size};
  } catch (const UsageError& error) {
    outcome.error = ScanError{display, error.what()};
  }
  return outcome;
}

}  // namespace

ScanReport scan_paths(const std::vector<fs::path>& paths, const ScanOptions& options) {
  ScanReport report;
  std::vector<WorkItem> items;
  for (const fs::path& path : paths) collect(path, options.limits, items, report.errors);

  std::vector<FileOutcome> outcomes(items.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    for (std::size_t i = next++; i < items.size(); i = next++) {
      outcomes[i] = scan_one(items[i], options.limits);
      std::size_t finished = ++done;
      if (options.on_progress) {
        std::lock_guard lock(progress_mutex);
        options.on_progress(ScanProgress{finished, items.size(), items[i].path.string()});
      }
    }
  };
  unsigned threads =
      options.threads != 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(items.size(), 1)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& thread : pool) thread.join();

  std::vector<Finding> findings;
  for (FileOutcome& outcome : outcomes) {
    if (outcome.scanned) report.files.push_back(std::move(*outcome.scanned));
    if (outcome.error) report.errors.push_back(std::move(*outcome.error));
    std::move(outcome.findings.begin(), outcome.findings.end(), std::back_inserter(findings));
  }
  report.findings = options.policy.apply(std::move(findings));
  return report;
}

std::vector<Finding> scan_buffer(std::span<const std::uint8_t> bytes, const std::string& display_name,
                                 const Limits& limits) {
  std::vector<Finding> findings;
  ScanContext context(limits, display_name, findings);
  scan_content(context, bytes, display_name);
  return findings;
}

}  // namespace ms
