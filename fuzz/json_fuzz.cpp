#include <cstdint>

#include "formats/json.hpp"
#include "modelshield/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ms::Limits limits;
  limits.max_json_depth = 64;
  limits.max_json_nodes = 100000;
  try {
    ms::JsonValue value = ms::parse_json(ms::Bytes(data, size), limits);
    (void)value.get("class_name");
  } catch (const ms::FormatError&) {
  }
  return 0;
}
