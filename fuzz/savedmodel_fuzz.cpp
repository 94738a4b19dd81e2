// Both SavedModel readers and the content check on the same bytes.
#include <cstddef>
#include <cstdint>

#include "formats/savedmodel.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ms::Bytes bytes(data, size);
  ms::Limits limits;
  limits.max_protobuf_depth = 32;
  limits.max_protobuf_records = 100'000;
  limits.max_metadata_bytes = 4 << 20;
  (void)ms::savedmodel::looks_like_saved_model_pb(bytes);
  try {
    (void)ms::savedmodel::parse_saved_model(bytes, limits);
  } catch (const ms::FormatError&) {
  }
  try {
    (void)ms::savedmodel::parse_keras_metadata(bytes, limits);
  } catch (const ms::FormatError&) {
  }
  return 0;
}
