#pragma once
#include <string>

#include "modelshield/byte_reader.hpp"
#include "scan/context.hpp"

namespace ms {

// A pickle that a loader runs as part of another format (numpy object arrays, Keras weight stores).
// `offset` is where the pickle starts in the current member; `what` describes the carrier.
void scan_object_array_pickle(ScanContext& context, Bytes pickle, std::uint64_t offset,
                              const std::string& what);

}  // namespace ms
