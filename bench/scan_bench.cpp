// Scan time of real-shaped Keras models whose weights grow from MiB to GiB: it should stay flat,
// because scanning reads metadata, not weights. Run through bench/run_scan_bench.sh, which builds the
// files first; MS_BENCH_MODELS names the directory holding them.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "modelshield/scan.hpp"

namespace {

void scan_file(benchmark::State& state, const std::filesystem::path& path) {
  ms::ScanOptions options;
  options.threads = 1;
  for (auto _ : state) {
    ms::ScanReport report = ms::scan_paths({path}, options);
    if (report.files.size() != 1 || !report.errors.empty()) state.SkipWithError("scan failed");
    benchmark::DoNotOptimize(report);
  }
  state.counters["file_MiB"] = static_cast<double>(std::filesystem::file_size(path)) / (1 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  const char* dir = std::getenv("MS_BENCH_MODELS");
  if (dir == nullptr || !std::filesystem::is_directory(dir)) {
    std::fprintf(stderr, "set MS_BENCH_MODELS to a directory made by bench/make_big_models.py\n");
    return 2;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return std::filesystem::file_size(a) < std::filesystem::file_size(b);
  });
  for (const auto& file : files)
    benchmark::RegisterBenchmark(("scan/" + file.filename().string()).c_str(), [file](
                                                                                   benchmark::State& state) {
      scan_file(state, file);
    })->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
