// Per-entry checks on names and attributes, and the small lookups of ZipArchive.
#include <fmt/format.h>

#include <algorithm>

#include "formats/zip.hpp"

namespace ms {
namespace {

using namespace zip_internal;

bool has_parent_component(std::string_view name) {
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = name.size();
    if (name.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

bool is_absolute(std::string_view name) {
  if (name.empty()) return false;
  if (name[0] == '/' || name[0] == '\\') return true;
  const bool drive_letter = name.size() >= 2 && name[1] == ':' &&
                            ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'));
  return drive_letter;
}

std::string_view method_name(std::uint16_t method) {
  switch (method) {
    case 1:
      return "shrink";
    case 6:
      return "implode";
    case 9:
      return "deflate64";
    case 12:
      return "bzip2";
    case 14:
      return "lzma";
    case 93:
      return "zstandard";
    case 95:
      return "xz";
    case 98:
      return "ppmd";
    case 99:
      return "AES encryption";
    default:
      return "unknown";
  }
}

void check_entry(const ZipEntry& entry, ZipArchive& archive) {
  const std::size_t i = entry.index;
  const std::uint64_t at = entry.local_header_offset == kZipNoOffset ? 0 : entry.local_header_offset;
  if (entry.original_name != entry.name)
    add_anomaly(archive, ZipAnomalyKind::nul_in_name, i,
                "name contains NUL; Python cuts it to '" + entry.name + "'", at);
  if (entry.name.find('\\') != std::string::npos)
    add_anomaly(archive, ZipAnomalyKind::backslash_name, i, "name contains a backslash: '" + entry.name + "'",
                at);
  if (is_absolute(entry.name))
    add_anomaly(archive, ZipAnomalyKind::absolute_name, i, "absolute name: '" + entry.name + "'", at);
  if (has_parent_component(entry.name))
    add_anomaly(archive, ZipAnomalyKind::traversal_name, i, "name climbs out with '..': '" + entry.name + "'",
                at);
  if (entry.is_symlink)
    add_anomaly(archive, ZipAnomalyKind::symlink, i, "unix symbolic link '" + entry.name + "'", at);
  if (entry.flags & (kFlagEncrypted | kFlagStrongEncryption))
    add_anomaly(archive, ZipAnomalyKind::encrypted, i,
                fmt::format("encrypted member (flags 0x{:04x})", entry.flags), at);
  if (entry.flags & (kFlagPatchedData | kFlagStrongEncryption))
    add_anomaly(archive, ZipAnomalyKind::unsupported_feature, i,
                fmt::format("{} (flags 0x{:04x})",
                            entry.flags & kFlagPatchedData ? "compressed patched data" : "strong encryption",
                            entry.flags),
                at);
  if (entry.method != kMethodStored && entry.method != kMethodDeflate)
    add_anomaly(
        archive, ZipAnomalyKind::unsupported_method, i,
        fmt::format(
            "compression method {} ({}){}", entry.method, method_name(entry.method),
            entry.method == 12 || entry.method == 14 ? ": Python reads it, modelshield does not" : ""),
        at);
  const std::size_t winner = archive.index_by_name.at(entry.name);
  if (winner != i)
    add_anomaly(archive, ZipAnomalyKind::duplicate_name, i,
                fmt::format("'{}' is also entry {}, which Python opens instead", entry.name, winner), at);
  if (!entry.comment.empty())
    add_anomaly(archive, ZipAnomalyKind::comment, i,
                fmt::format("entry comment of {} bytes", entry.comment.size()), at);
}

}  // namespace

namespace zip_internal {

void inspect_entry_names(ZipArchive& archive) {
  for (const ZipEntry& entry : archive.entries) check_entry(entry, archive);
}

}  // namespace zip_internal

const ZipEntry* ZipArchive::find(std::string_view name) const {
  auto found = index_by_name.find(name);
  return found == index_by_name.end() ? nullptr : &entries[found->second];
}

bool ZipArchive::has_anomaly(ZipAnomalyKind kind) const {
  return std::any_of(anomalies.begin(), anomalies.end(), [&](const ZipAnomaly& a) { return a.kind == kind; });
}

bool ZipArchive::entry_has_anomaly(std::size_t entry_index, ZipAnomalyKind kind) const {
  return std::any_of(anomalies.begin(), anomalies.end(),
                     [&](const ZipAnomaly& a) { return a.kind == kind && a.entry_index == entry_index; });
}

std::string_view to_string(ZipAnomalyKind kind) {
  switch (kind) {
    case ZipAnomalyKind::duplicate_name:
      return "duplicate_name";
    case ZipAnomalyKind::local_name_mismatch:
      return "local_name_mismatch";
    case ZipAnomalyKind::local_header_mismatch:
      return "local_header_mismatch";
    case ZipAnomalyKind::bad_local_header:
      return "bad_local_header";
    case ZipAnomalyKind::traversal_name:
      return "traversal_name";
    case ZipAnomalyKind::absolute_name:
      return "absolute_name";
    case ZipAnomalyKind::backslash_name:
      return "backslash_name";
    case ZipAnomalyKind::nul_in_name:
      return "nul_in_name";
    case ZipAnomalyKind::invalid_name_encoding:
      return "invalid_name_encoding";
    case ZipAnomalyKind::symlink:
      return "symlink";
    case ZipAnomalyKind::encrypted:
      return "encrypted";
    case ZipAnomalyKind::unsupported_method:
      return "unsupported_method";
    case ZipAnomalyKind::unsupported_feature:
      return "unsupported_feature";
    case ZipAnomalyKind::overlapping_entries:
      return "overlapping_entries";
    case ZipAnomalyKind::prepended_data:
      return "prepended_data";
    case ZipAnomalyKind::trailing_data:
      return "trailing_data";
    case ZipAnomalyKind::gap_data:
      return "gap_data";
    case ZipAnomalyKind::zip64:
      return "zip64";
    case ZipAnomalyKind::truncated_entry:
      return "truncated_entry";
    case ZipAnomalyKind::truncated_directory:
      return "truncated_directory";
    case ZipAnomalyKind::corrupt_extra_field:
      return "corrupt_extra_field";
    case ZipAnomalyKind::inconsistent_directory:
      return "inconsistent_directory";
    case ZipAnomalyKind::multiple_eocd:
      return "multiple_eocd";
    case ZipAnomalyKind::comment:
      return "comment";
  }
  return "unknown";
}

}  // namespace ms
