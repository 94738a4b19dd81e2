#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "modelshield/finding.hpp"
#include "modelshield/limits.hpp"
#include "modelshield/policy.hpp"

namespace ms {

struct ScanProgress {
  std::size_t files_done = 0;
  std::size_t files_total = 0;
  std::string current;
};

struct ScanOptions {
  Limits limits;
  Policy policy;
  unsigned threads = 0;  // 0: one per hardware thread
  std::function<void(const ScanProgress&)> on_progress;  // called from worker threads, serialised
};

struct ScannedFile {
  std::string path;
  std::string format;  // detected by content, e.g. "keras-zip", "hdf5", "pickle"
  std::uint64_t size = 0;
};

struct ScanError {
  std::string path;
  std::string message;
};

struct ScanReport {
  std::vector<ScannedFile> files;
  std::vector<Finding> findings;  // after policy; ordered by file, then as detected
  std::vector<ScanError> errors;  // paths that could not be read at all
};

// Scans files and directories (walked recursively). Never imports or executes anything from them.
ScanReport scan_paths(const std::vector<std::filesystem::path>& paths, const ScanOptions& options);

// Scans one in-memory buffer as if it were a file called `display_name` (for embedding and fuzzing).
std::vector<Finding> scan_buffer(std::span<const std::uint8_t> bytes, const std::string& display_name,
                                 const Limits& limits);

}  // namespace ms
