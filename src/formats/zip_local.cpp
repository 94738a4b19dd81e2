// Local headers, read the way ZipFile.open() reads them: the central directory decides everything except
// where the data starts (local name and extra lengths). Everything that differs between the two
// headers, and every byte range that overlaps another or belongs to nobody, is reported.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "formats/zip.hpp"

namespace ms {
namespace {

using namespace zip_internal;
__extension__ using Wide = __int128;

struct LocalHeader {
  std::uint16_t flags = 0, method = 0;
  std::uint32_t crc32 = 0;
  std::uint64_t compressed_size = 0, uncompressed_size = 0;
  bool zip64 = false;
  bool name_valid = true;
};

std::string python_repr(const std::string& text) { return "'" + text + "'"; }

// Reads the local header of `entry`; fills local_*, data_offset and the header-level open_error.
// Returns false when there is no readable local header.
bool read_local_header(Bytes file, ZipEntry& entry, LocalHeader& local, ZipArchive& archive) {
  const std::uint64_t at = entry.local_header_offset;
  if (at == kZipNoOffset || at > file.size() || file.size() - at < kLocalHeaderSize) {
    entry.open_error = "BadZipFile: Truncated file header";
    add_anomaly(archive, ZipAnomalyKind::bad_local_header, entry.index,
                at == kZipNoOffset ? "local header offset out of range"
                                   : fmt::format("local header at {} runs past the end of the file", at),
                at == kZipNoOffset ? 0 : at);
    return false;
  }
  ByteReader reader = ByteReader(file, "zip").slice(at, file.size() - at);
  if (reader.u32le() != kLocalHeaderSignature) {
    entry.open_error = "BadZipFile: Bad magic number for file header";
    add_anomaly(archive, ZipAnomalyKind::bad_local_header, entry.index,
                fmt::format("no local header signature at {}", at), at);
    return false;
  }
  reader.skip(2);  // version needed
  local.flags = reader.u16le();
  local.method = reader.u16le();
  reader.skip(4);  // time, date
  local.crc32 = reader.u32le();
  local.compressed_size = reader.u32le();
  local.uncompressed_size = reader.u32le();
  const std::uint16_t name_length = reader.u16le();
  const std::uint16_t extra_length = reader.u16le();
  const std::uint64_t wanted = std::uint64_t{name_length} + extra_length;
  if (wanted > reader.remaining())
    add_anomaly(archive, ZipAnomalyKind::truncated_entry, entry.index,
                "local header name/extra run past the end of the file", at);
  Bytes raw_name = reader.bytes(std::min<std::uint64_t>(name_length, reader.remaining()));
  ByteReader extra = reader.sub(std::min<std::uint64_t>(extra_length, reader.remaining()));
  entry.local_flags = local.flags;
  entry.local_method = local.method;
  entry.local_name = decode_zip_name(raw_name, local.flags & kFlagUtf8, &local.name_valid);
  entry.data_offset = reader.file_offset();

  // The local zip64 field holds the uncompressed then the compressed size, each only when its 32-bit
  // field is saturated.
  while (extra.remaining() >= 4) {
    const std::uint16_t tag = extra.u16le();
    const std::uint16_t length = extra.u16le();
    if (length > extra.remaining()) break;
    ByteReader field = extra.sub(length);
    if (tag != 0x0001) continue;
    local.zip64 = true;
    if (local.uncompressed_size == 0xFFFFFFFF && field.remaining() >= 8)
      local.uncompressed_size = field.u64le();
    if (local.compressed_size == 0xFFFFFFFF && field.remaining() >= 8) local.compressed_size = field.u64le();
  }
  return true;
}

void compare_headers(const ZipEntry& entry, const LocalHeader& local, ZipArchive& archive) {
  std::vector<std::string> differences;
  if (local.method != entry.method)
    differences.push_back(fmt::format("method {} vs {}", local.method, entry.method));
  const std::uint16_t significant = kFlagEncrypted | kFlagDataDescriptor;
  if ((local.flags & significant) != (entry.flags & significant))
    differences.push_back(fmt::format("flags 0x{:04x} vs 0x{:04x}", local.flags, entry.flags));
  if (!(local.flags & kFlagDataDescriptor)) {
    if (local.crc32 != entry.crc32)
      differences.push_back(fmt::format("crc 0x{:08x} vs 0x{:08x}", local.crc32, entry.crc32));
    if (local.compressed_size != entry.compressed_size)
      differences.push_back(
          fmt::format("compressed size {} vs {}", local.compressed_size, entry.compressed_size));
    if (local.uncompressed_size != entry.uncompressed_size)
      differences.push_back(
          fmt::format("uncompressed size {} vs {}", local.uncompressed_size, entry.uncompressed_size));
  }
  if (differences.empty()) return;
  std::string detail = "local header differs from central directory:";
  for (const std::string& difference : differences) detail += " " + difference + ";";
  detail.pop_back();
  add_anomaly(archive, ZipAnomalyKind::local_header_mismatch, entry.index, detail, entry.local_header_offset);
}

// Length of the data descriptor after the member's data (0 when there is none or it does not fit), after
// checking it against the central directory.
std::uint64_t check_data_descriptor(Bytes file, const ZipEntry& entry, const LocalHeader& local,
                                    ZipArchive& archive) {
  if (!(entry.flags & kFlagDataDescriptor)) return 0;
  const Wide at = static_cast<Wide>(entry.data_offset) + entry.compressed_size;
  if (at >= static_cast<Wide>(file.size())) return 0;
  ByteReader reader =
      ByteReader(file, "zip")
          .slice(static_cast<std::uint64_t>(at), file.size() - static_cast<std::uint64_t>(at));
  const unsigned width = local.zip64 ? 8 : 4;
  std::uint64_t length = 4 + 2 * width;
  if (reader.remaining() >= 4 && reader.data()[0] == 0x50 && reader.data()[1] == 0x4b &&
      reader.data()[2] == 0x07 && reader.data()[3] == 0x08) {
    reader.skip(4);
    length += 4;
  }
  if (reader.remaining() < 4 + 2 * width) return 0;
  const std::uint32_t crc = reader.u32le();
  const std::uint64_t compressed = reader.uint_le(width);
  const std::uint64_t uncompressed = reader.uint_le(width);
  if (crc != entry.crc32 || compressed != entry.compressed_size || uncompressed != entry.uncompressed_size)
    add_anomaly(archive, ZipAnomalyKind::local_header_mismatch, entry.index,
                fmt::format("data descriptor (crc 0x{:08x}, sizes {}/{}) differs from central directory", crc,
                            compressed, uncompressed),
                static_cast<std::uint64_t>(at));
  return length;
}

// ZipFile._RealGetContents: each member may extend up to the next local header (by offset) or, for the
// last one, up to the central directory. Python refuses to open a member that runs further.
std::vector<std::uint64_t> python_end_offsets(const ZipArchive& archive,
                                              const std::vector<SeekRange>& seek_ranges) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < archive.entries.size(); ++i)
    if (seek_ranges[i] != SeekRange::negative && seek_ranges[i] != SeekRange::below_int64) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return archive.entries[a].local_header_offset > archive.entries[b].local_header_offset;
  });
  std::vector<std::uint64_t> end_offsets(archive.entries.size(), 0);
  std::uint64_t end = archive.central_directory_offset;
  for (std::size_t i : order) {
    end_offsets[i] = end;
    end = archive.entries[i].local_header_offset;
  }
  return end_offsets;
}

// Bytes between members (after data and data descriptor, before the next local header or the central
// directory) that no entry accounts for: room for a hidden payload.
void report_unaccounted_bytes(ZipArchive& archive, const std::vector<std::uint64_t>& member_end) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < archive.entries.size(); ++i)
    if (member_end[i] != 0) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return archive.entries[a].local_header_offset < archive.entries[b].local_header_offset;
  });
  const std::uint64_t first = order.empty() ? archive.central_directory_offset
                                            : std::min(archive.entries[order.front()].local_header_offset,
                                                       archive.central_directory_offset);
  if (first > 0)
    add_anomaly(archive, ZipAnomalyKind::prepended_data, ZipAnomaly::npos,
                fmt::format("{} bytes before the first local header{}", first,
                            archive.concat_offset != 0
                                ? fmt::format(" (Python shifts every offset by {})", archive.concat_offset)
                                : ""),
                0);
  std::uint64_t cursor = first;
  const auto report_gap = [&](std::uint64_t until, std::size_t entry_index) {
    if (until > cursor)
      add_anomaly(archive, ZipAnomalyKind::gap_data, entry_index,
                  fmt::format("{} bytes that belong to no member before offset {}", until - cursor, until),
                  cursor);
  };
  for (std::size_t i : order) {
    report_gap(archive.entries[i].local_header_offset, i);
    cursor = std::max(cursor, member_end[i]);
  }
  report_gap(archive.central_directory_offset, ZipAnomaly::npos);
}

}  // namespace

namespace zip_internal {

void inspect_local_headers(Bytes file, ZipArchive& archive, const std::vector<SeekRange>& seek_ranges) {
  const std::vector<std::uint64_t> end_offsets = python_end_offsets(archive, seek_ranges);
  std::vector<std::uint64_t> member_end(archive.entries.size(), 0);
  for (ZipEntry& entry : archive.entries) {
    if (seek_ranges[entry.index] != SeekRange::valid) {
      const bool negative = seek_ranges[entry.index] == SeekRange::negative;
      entry.open_error = negative ? "ValueError: negative seek value"
                                  : "OverflowError: Python int too large to convert to C ssize_t";
      add_anomaly(archive, ZipAnomalyKind::bad_local_header, entry.index,
                  seek_ranges[entry.index] == SeekRange::above_int64
                      ? "local header offset beyond any file size"
                      : "local header offset lies before the start of the file",
                  0);
      continue;
    }
    LocalHeader local;
    if (!read_local_header(file, entry, local, archive)) continue;
    compare_headers(entry, local, archive);

    const Wide data_end = static_cast<Wide>(entry.data_offset) + entry.compressed_size;
    if (data_end > static_cast<Wide>(file.size()))
      add_anomaly(archive, ZipAnomalyKind::truncated_entry, entry.index,
                  fmt::format("data of {} bytes at {} runs past the end of the file ({} bytes)",
                              entry.compressed_size, entry.data_offset, file.size()),
                  entry.data_offset);
    const bool overlaps = data_end > static_cast<Wide>(end_offsets[entry.index]);
    if (overlaps)
      add_anomaly(
          archive, ZipAnomalyKind::overlapping_entries, entry.index,
          fmt::format("data [{}, {}) runs past offset {}, where the next local header or the central "
                      "directory starts",
                      entry.data_offset, static_cast<std::uint64_t>(std::min<Wide>(data_end, kZipNoOffset)),
                      end_offsets[entry.index]),
          entry.data_offset);
    if (entry.local_name != entry.original_name)
      add_anomaly(
          archive, ZipAnomalyKind::local_name_mismatch, entry.index,
          "local header names '" + entry.local_name + "', central directory '" + entry.original_name + "'",
          entry.local_header_offset);

    const std::uint64_t descriptor = check_data_descriptor(file, entry, local, archive);
    member_end[entry.index] =
        static_cast<std::uint64_t>(std::min<Wide>(data_end + descriptor, static_cast<Wide>(file.size())));

    // ZipFile.open()'s checks, in its order.
    const bool python_method =
        entry.method == 0 || entry.method == 8 || entry.method == 12 || entry.method == 14;
    if (entry.flags & kFlagPatchedData)
      entry.open_error = "NotImplementedError: compressed patched data (flag bit 5)";
    else if (entry.flags & kFlagStrongEncryption)
      entry.open_error = "NotImplementedError: strong encryption (flag bit 6)";
    else if (!local.name_valid)
      entry.open_error = "UnicodeDecodeError: local header name is not valid UTF-8";
    else if (entry.local_name != entry.original_name)
      entry.open_error = "BadZipFile: File name in directory " + python_repr(entry.original_name) +
                         " and header " + python_repr(entry.local_name) + " differ.";
    else if (overlaps)
      entry.open_error =
          "BadZipFile: Overlapped entries: " + python_repr(entry.original_name) + " (possible zip bomb)";
    else if (entry.encrypted)
      entry.open_error =
          "RuntimeError: File " + python_repr(entry.name) + " is encrypted, password required for extraction";
    else if (!python_method)
      entry.open_error = fmt::format("NotImplementedError: compression type {}", entry.method);
  }
  report_unaccounted_bytes(archive, member_end);
}

}  // namespace zip_internal
}  // namespace ms
