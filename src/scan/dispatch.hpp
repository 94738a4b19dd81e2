#pragma once
#include <string_view>

#include "modelshield/byte_reader.hpp"
#include "scan/context.hpp"

namespace ms {

// Detects the format of `data` by content and hands it to the detector for that format. Containers call
// it again for their members (with a member context), bounded by limits().max_nesting.
// Returns the detected format's name for the report.
std::string scan_content(ScanContext& context, Bytes data, std::string_view name);

}  // namespace ms
