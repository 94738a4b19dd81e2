// libFuzzer target: arbitrary bytes -> parse_json -> scan_keras_config. Only the parser may reject input
// (FormatError / LimitError); the detector must accept any JSON tree without crashing or throwing.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/json.hpp"
#include "modelshield/error.hpp"
#include "scan/context.hpp"
#include "scan/keras/config_scan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ms::Limits limits;
  limits.max_json_depth = 64;
  limits.max_json_nodes = 100000;
  limits.max_marshal_depth = 32;
  limits.max_marshal_items = 20000;
  limits.max_metadata_bytes = 1 << 20;

  // The size picks the container and a version claim, so that generated configs stay valid seeds.
  ms::KerasConfigSource source;
  source.container = static_cast<ms::KerasConfigSource::Container>(size % 3);
  static const char* const kClaims[] = {"", "3.10.0", "2.2.4", "not-a-version"};
  source.keras_version_claim = kClaims[(size / 3) % 4];
  ms::JsonValue config;
  try {
    config = ms::parse_json(ms::Bytes(data, size), limits);
  } catch (const ms::FormatError&) {
    return 0;
  }
  std::vector<ms::Finding> findings;
  ms::ScanContext ctx(limits, "fuzz.keras", findings);
  ms::scan_keras_config(ctx, config, source);
  return 0;
}
