// libFuzzer target for the HDF5 metadata reader: any exception other than FormatError (LimitError is one),
// any crash, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>

#include "formats/hdf5.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ms::Limits limits;
  limits.max_hdf5_objects = 2000;
  limits.max_hdf5_depth = 32;
  limits.max_hdf5_attributes = 5000;
  limits.max_metadata_bytes = 4u << 20;
  try {
    ms::Hdf5File file = ms::parse_hdf5(ms::Bytes(data, size), limits);
    // Touch what a detector would read.
    std::size_t total = 0;
    for (const ms::Hdf5Object& object : file.objects) {
      for (const ms::Hdf5Attribute& attribute : object.attributes)
        total += attribute.value.type_description.size();
      if (object.dataset) total += object.dataset->datatype.size();
    }
    (void)total;
  } catch (const ms::FormatError&) {
  }
  return 0;
}
