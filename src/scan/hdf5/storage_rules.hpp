#pragma once
#include "formats/hdf5.hpp"
#include "scan/context.hpp"

namespace ms {

// Weights storage that makes a loader read outside the file or allocate what the file does not hold:
// external links, soft and user-defined links, External File List storage, virtual datasets, shape
// bombs, and structural anomalies. Applies to every HDF5 file (legacy models and Keras 3 weights).
void check_hdf5_storage(ScanContext& context, const Hdf5File& file, std::uint64_t file_size);

}  // namespace ms
