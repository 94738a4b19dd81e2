#pragma once
// PyTorch zip checkpoints (torch.save since 1.6): `<archive>/data.pkl` plus one raw member per storage.
#include <cstddef>
#include <optional>
#include <string_view>

#include "formats/zip.hpp"
#include "scan/context.hpp"

namespace ms {

bool is_pytorch_archive(const ZipArchive& archive);

// The central-directory index torch's reader (miniz, sorted case-insensitive binary search) returns for
// `record` under the archive's top directory: with duplicate names it is not necessarily the last one.
std::optional<std::size_t> torch_loaded_entry(const ZipArchive& archive, std::string_view record);

// Scans every entry by index, duplicates included; storage members are only sniffed, not read whole,
// unless their content is something other than raw tensor data.
void scan_pytorch_archive(ScanContext& context, Bytes data, const ZipArchive& archive);

}  // namespace ms
