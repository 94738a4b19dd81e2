// libFuzzer target for the marshal reader: raw marshal bytes, and the same input read as the Keras text
// forms. Only FormatError (LimitError included) is an acceptable failure.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/marshal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ms::Limits limits;
  limits.max_marshal_depth = 48;
  limits.max_marshal_items = 20000;
  limits.max_metadata_bytes = 1 << 20;
  try {
    ms::MarshalCodeResult result = ms::parse_marshal_code(ms::Bytes(data, size), limits);
    (void)ms::all_names(result);
    (void)ms::all_string_constants(result);
  } catch (const ms::FormatError&) {
  }
  try {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::uint8_t> raw = ms::keras_function_bytes(text);
    (void)ms::parse_marshal_code(raw, limits);
  } catch (const ms::FormatError&) {
  }
  return 0;
}
