// The whole scan pipeline on one buffer: detection, every container and detector, recursion.
#include <cstdint>
#include <string>

#include "modelshield/scan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ms::Limits limits;
  limits.max_member_bytes = 8u << 20;
  limits.max_metadata_bytes = 4u << 20;
  limits.max_json_nodes = 100000;
  limits.max_hdf5_objects = 2000;
  limits.max_nesting = 4;
  // The first byte picks the name the file is scanned under, so name-dependent paths get exercised.
  static const char* const kNames[] = {"model.keras",       "model.h5",    "saved_model.pb",
                                       "keras_metadata.pb", "config.json", "model.weights.json",
                                       "weights.npz",       "model.pkl"};
  std::string name = size == 0 ? "empty" : kNames[data[0] % 8];
  auto findings = ms::scan_buffer({data, size}, name, limits);
  (void)findings;
  return 0;
}
