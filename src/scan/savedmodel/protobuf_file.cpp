#include "scan/detectors.hpp"
#include "scan/savedmodel/savedmodel_scan.hpp"

namespace ms {

std::string scan_protobuf_file(ScanContext& context, Bytes data, std::string_view name) {
  return scan_savedmodel_protobuf(context, data, name);
}

}  // namespace ms
