#pragma once
#include <string>
#include <string_view>

#include "modelshield/byte_reader.hpp"
#include "scan/context.hpp"

// One entry point per content format. Each returns a short description of what the file turned out to
// be (e.g. "keras-zip", "keras-h5", "savedmodel") for the report, and reports findings into the context.
namespace ms {

std::string scan_zip_container(ScanContext& context, Bytes data, std::string_view name);
std::string scan_hdf5_file(ScanContext& context, Bytes data, std::string_view name);
std::string scan_json_file(ScanContext& context, Bytes data, std::string_view name);
std::string scan_protobuf_file(ScanContext& context, Bytes data, std::string_view name);
std::string scan_base64_hdf5(ScanContext& context, Bytes data, std::string_view name);
std::string scan_pickle_file(ScanContext& context, Bytes data, std::string_view name);
std::string scan_npy_file(ScanContext& context, Bytes data, std::string_view name);
// Content no signature above recognised: tar archives (legacy torch.save) and zlib/gzip/bz2/xz/lz4 streams
// (compressed joblib files); "unknown" when `data` is none of these.
std::string scan_compressed_stream(ScanContext& context, Bytes data, std::string_view name);

}  // namespace ms
