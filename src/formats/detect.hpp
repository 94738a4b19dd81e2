#pragma once
#include <cstdint>
#include <string_view>

#include "modelshield/byte_reader.hpp"

namespace ms {

// What a file is, judged by its bytes alone (the name is used only to tell protobuf messages apart,
// since the wire format has no signature).
enum class ContentFormat { zip, hdf5, pickle, npy, json, protobuf, base64_hdf5, empty, unknown };

std::string_view to_string(ContentFormat format);

ContentFormat detect_content(Bytes data, std::string_view file_name);

// HDF5 superblock signature positions: 0, 512, 1024, 2048, ... (libhdf5 searches powers of two).
bool has_hdf5_signature_at(Bytes data, std::uint64_t offset);
bool looks_like_hdf5_signature(Bytes data);
// A local header at 0 or an end-of-central-directory record in the last 64 KiB.
bool looks_like_zip_signature(Bytes data);

// The format a file name promises, when its extension is one a model loader dispatches on.
// ContentFormat::unknown when the extension promises nothing specific.
ContentFormat format_promised_by_name(std::string_view file_name);

}  // namespace ms
