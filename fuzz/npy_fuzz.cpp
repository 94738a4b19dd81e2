#include <cstdint>

#include "formats/npy.hpp"
#include "modelshield/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    ms::NpyHeader header = ms::parse_npy_header(ms::Bytes(data, size), ms::Limits{});
    (void)header.has_objects;
  } catch (const ms::FormatError&) {
  }
  return 0;
}
