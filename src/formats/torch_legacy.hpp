#pragma once
// The tar layout of PyTorch's oldest torch.save (members `sys_info`, `storages`, `tensors`, `pickle`), read
// by torch.load's legacy_load through Python's tarfile. Only what a scanner needs: the members' extents.
#include <cstdint>
#include <string>
#include <vector>

#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms {

struct TarMember {
  std::string name;  // header name (ustar prefix joined); PAX/GNU long names are members of their own
  char type = '0';   // typeflag: '0'/'\0' regular file, 'x'/'g' PAX, 'L' GNU long name, '5' directory...
  std::uint64_t header_offset = 0;
  std::uint64_t data_offset = 0;
  std::uint64_t size = 0;  // bytes present (clamped to the file; `truncated` says so)
  bool truncated = false;
};

// A 512-byte header block at 0 whose checksum is valid (what tarfile.is_tarfile accepts).
bool looks_like_tar(Bytes data);

// Every header up to the end-of-archive blocks; throws FormatError on a bad checksum past the first block
// and LimitError past Limits::max_archive_members.
std::vector<TarMember> parse_tar(Bytes data, const Limits& limits);

}  // namespace ms
