#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms {

// The header of a numpy .npy file (format versions 1.0, 2.0, 3.0). The header is a Python literal that
// numpy reads with ast.literal_eval; this reader parses the same literal subset itself.
struct NpyHeader {
  int major_version = 0, minor_version = 0;
  std::string descr;                     // the dtype as written: '<f4', '|O', or a structured-dtype repr
  bool structured = false;               // descr was a list of fields
  std::vector<std::string> field_types;  // every type string inside a structured descr
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;
  bool has_objects = false;       // some field has dtype 'O': the payload is a pickle
  std::uint64_t data_offset = 0;  // first byte after the header
  std::uint64_t item_size = 0;    // bytes per element for plain numeric dtypes, 0 if unknown
};

// Throws FormatError when the magic, lengths or header literal are malformed.
NpyHeader parse_npy_header(Bytes data, const Limits& limits);

}  // namespace ms
