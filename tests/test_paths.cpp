#include "test_paths.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ms::test {

std::filesystem::path testdata(const std::string& relative) {
  return std::filesystem::path(MS_TESTDATA_DIR) / relative;
}

std::filesystem::path shared_corpus() {
  std::filesystem::path corpus = std::filesystem::path(MS_SHARED_DIR) / "corpus";
  return std::filesystem::is_directory(corpus) ? corpus : std::filesystem::path();
}

std::filesystem::path source_dir() { return MS_SOURCE_DIR; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read test file " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace ms::test
