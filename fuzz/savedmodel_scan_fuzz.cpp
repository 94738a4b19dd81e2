// The SavedModel detector over arbitrary bytes, under every entry name.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "scan/savedmodel/savedmodel_scan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ms::Bytes bytes(data, size);
  ms::Limits limits;
  limits.max_protobuf_depth = 32;
  limits.max_protobuf_records = 100'000;
  limits.max_metadata_bytes = 4 << 20;
  limits.max_json_depth = 64;
  limits.max_json_nodes = 100'000;
  for (const char* name : {"saved_model.pb", "keras_metadata.pb", "other.pb"}) {
    std::vector<ms::Finding> findings;
    ms::ScanContext context(limits, "fuzz", findings);
    (void)ms::scan_savedmodel_protobuf(context, bytes, name);
  }
  return 0;
}
