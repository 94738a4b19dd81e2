#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

#include "modelshield/byte_reader.hpp"

namespace ms {

// A read-only view of a whole file. Large files are memory-mapped so that readers touch only the pages
// they parse (metadata, not weights); tiny or unmappable files are read into memory.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;

  Bytes bytes() const { return {data_, size_}; }
  std::uint64_t size() const { return size_; }

 private:
  void release() noexcept;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace ms
