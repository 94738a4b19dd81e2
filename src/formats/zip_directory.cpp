// End-of-central-directory search and central directory parsing, step for step as CPython 3.11's
// zipfile._EndRecData / _EndRecData64 / ZipFile._RealGetContents / ZipInfo._decodeExtra do it, so that
// the entries, offsets and the name -> entry mapping are the ones Python (and so Keras and numpy) sees.
#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "formats/zip.hpp"

namespace ms {
namespace {

using namespace zip_internal;

// Offsets plus Python's signed "concat" adjustment can leave the 64-bit range in either direction.
__extension__ using Wide = __int128;

struct EndRecord {
  std::uint64_t location = 0;  // offset of the end-of-central-directory record
  std::uint32_t disk_number = 0, directory_disk = 0;
  std::uint64_t entries_on_disk = 0, entries_total = 0;
  std::uint64_t directory_size = 0, directory_offset = 0;
  std::uint16_t declared_comment_size = 0;
  Bytes comment;
  // As the 32-bit record declares them, before a zip64 record replaced them.
  std::uint64_t classic_entries = 0, classic_size = 0, classic_offset = 0;
  bool zip64 = false;
  std::uint64_t zip64_locator_offset = 0;  // where the locator says the zip64 record is
  std::size_t other_signatures = 0;        // further end-record signatures in the searched window
};

// Callers check bounds; these are the hot path of the end-record search.
std::uint16_t u16_at(Bytes data, std::uint64_t at) {
  return static_cast<std::uint16_t>(data[at] | data[at + 1] << 8);
}
std::uint32_t u32_at(Bytes data, std::uint64_t at) {
  return std::uint32_t{data[at]} | std::uint32_t{data[at + 1]} << 8 | std::uint32_t{data[at + 2]} << 16 |
         std::uint32_t{data[at + 3]} << 24;
}

bool signature_at(Bytes data, std::uint64_t at, std::uint32_t signature) {
  return data.size() >= 4 && at <= data.size() - 4 && u32_at(data, at) == signature;
}

// Python searches the last 64 KiB (the largest comment) plus one record for the end record.
std::uint64_t search_window_start(Bytes file) {
  constexpr std::uint64_t kWindow = (1u << 16) + kEndSize;
  return file.size() > kWindow ? file.size() - kWindow : 0;
}

void read_classic_record(Bytes file, std::uint64_t location, EndRecord& end) {
  ByteReader reader = ByteReader(file, "zip").slice(location, kEndSize);
  reader.skip(4);
  end.location = location;
  end.disk_number = reader.u16le();
  end.directory_disk = reader.u16le();
  end.entries_on_disk = reader.u16le();
  end.entries_total = reader.u16le();
  end.directory_size = reader.u32le();
  end.directory_offset = reader.u32le();
  end.declared_comment_size = reader.u16le();
  end.classic_entries = end.entries_total;
  end.classic_size = end.directory_size;
  end.classic_offset = end.directory_offset;
}

// _EndRecData64: the locator must sit right before the end record and the zip64 record right before
// the locator; the locator's own offset field is not used.
void apply_zip64_record(Bytes file, EndRecord& end) {
  if (end.location < kZip64LocatorSize) return;
  const std::uint64_t locator_at = end.location - kZip64LocatorSize;
  ByteReader locator = ByteReader(file, "zip").slice(locator_at, kZip64LocatorSize);
  if (locator.u32le() != kZip64LocatorSignature) return;
  const std::uint32_t disk = locator.u32le();
  end.zip64_locator_offset = locator.u64le();
  const std::uint32_t disks = locator.u32le();
  if (disk != 0 || disks > 1)
    throw FormatError("zip", "zipfiles that span multiple disks are not supported", locator_at);
  if (locator_at < kZip64EndSize)
    throw FormatError("zip", "zip64 locator without room for a zip64 end record before it", locator_at);
  const std::uint64_t record_at = locator_at - kZip64EndSize;
  ByteReader record = ByteReader(file, "zip").slice(record_at, kZip64EndSize);
  if (record.u32le() != kZip64EndSignature) return;
  record.skip(8 + 2 + 2);  // record size, version made by, version needed
  end.zip64 = true;
  end.disk_number = record.u32le();
  end.directory_disk = record.u32le();
  end.entries_on_disk = record.u64le();
  end.entries_total = record.u64le();
  end.directory_size = record.u64le();
  end.directory_offset = record.u64le();
}

std::optional<EndRecord> find_end_record(Bytes file) {
  if (file.size() < kEndSize) return std::nullopt;
  EndRecord end;
  const std::uint64_t last = file.size() - kEndSize;
  if (signature_at(file, last, kEndSignature) && u16_at(file, last + 20) == 0) {
    read_classic_record(file, last, end);
  } else {
    // The comment may be up to 64 KiB: Python takes the LAST signature in that window, and gives up
    // if it is too close to the end to hold a record (it does not look for an earlier one).
    const std::uint64_t window = search_window_start(file);
    std::optional<std::uint64_t> found;
    for (std::uint64_t at = file.size() - 4 + 1; at-- > window;) {
      if (signature_at(file, at, kEndSignature)) {
        found = at;
        break;
      }
    }
    if (!found || file.size() - *found < kEndSize) return std::nullopt;
    read_classic_record(file, *found, end);
    const std::uint64_t comment_room = file.size() - *found - kEndSize;
    end.comment =
        file.subspan(*found + kEndSize, std::min<std::uint64_t>(comment_room, end.declared_comment_size));
  }
  for (std::uint64_t at = search_window_start(file); at + 4 <= file.size(); ++at)
    if (at != end.location && signature_at(file, at, kEndSignature)) ++end.other_signatures;
  apply_zip64_record(file, end);
  return end;
}

// End-record signatures in the search window other than the one Python uses, outside every member's data
// (a stored .npz or zip inside a .keras archive carries its own end record: that is content, not a
// competing directory for this archive).
void report_stray_end_signatures(Bytes file, const EndRecord& end, ZipArchive& archive) {
  if (end.other_signatures == 0) return;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> data_ranges;
  for (const ZipEntry& entry : archive.entries)
    if (entry.data_offset != kZipNoOffset && entry.data_offset <= file.size())
      data_ranges.emplace_back(
          entry.data_offset,
          entry.data_offset + std::min(entry.compressed_size, file.size() - entry.data_offset));
  std::sort(data_ranges.begin(), data_ranges.end());
  std::vector<std::uint64_t> furthest_end(data_ranges.size());
  for (std::size_t i = 0; i < data_ranges.size(); ++i)
    furthest_end[i] = std::max(data_ranges[i].second, i > 0 ? furthest_end[i - 1] : 0);
  auto inside_member_data = [&](std::uint64_t at) {
    auto after = std::upper_bound(data_ranges.begin(), data_ranges.end(),
                                  std::make_pair(at, std::numeric_limits<std::uint64_t>::max()));
    if (after == data_ranges.begin()) return false;
    return furthest_end[static_cast<std::size_t>(after - data_ranges.begin()) - 1] >= at + 4;
  };
  std::size_t stray = 0;
  for (std::uint64_t at = search_window_start(file); at + 4 <= file.size(); ++at)
    if (at != end.location && signature_at(file, at, kEndSignature) && !inside_member_data(at)) ++stray;
  if (stray > 0)
    add_anomaly(archive, ZipAnomalyKind::multiple_eocd, ZipAnomaly::npos,
                std::to_string(stray) +
                    " other end-of-central-directory signature(s) near the end of the file, outside any "
                    "member; Python uses the one at " +
                    std::to_string(end.location),
                end.location);
}

void set_python_error(ZipArchive& archive, const std::string& error) {
  if (archive.python_error.empty()) archive.python_error = error;
}

void report_end_record(Bytes file, const EndRecord& end, Wide concat, ZipArchive& archive) {
  const auto archive_level = ZipAnomaly::npos;
  if (end.zip64) {
    add_anomaly(archive, ZipAnomalyKind::zip64, archive_level, "zip64 end-of-central-directory record",
                end.location - kZip64LocatorSize - kZip64EndSize);
    const Wide record_at = static_cast<Wide>(end.location - kZip64LocatorSize - kZip64EndSize);
    if (static_cast<Wide>(end.zip64_locator_offset) + concat != record_at)
      add_anomaly(archive, ZipAnomalyKind::inconsistent_directory, archive_level,
                  "zip64 locator points to offset " + std::to_string(end.zip64_locator_offset) +
                      ", Python uses the record right before it",
                  end.location - kZip64LocatorSize);
    const auto differs = [](std::uint64_t classic, std::uint64_t wide, std::uint64_t saturated) {
      return classic != saturated && classic != wide;
    };
    if (differs(end.classic_entries, end.entries_total, 0xFFFF) ||
        differs(end.classic_size, end.directory_size, 0xFFFFFFFF) ||
        differs(end.classic_offset, end.directory_offset, 0xFFFFFFFF))
      add_anomaly(archive, ZipAnomalyKind::inconsistent_directory, archive_level,
                  "classic end record disagrees with the zip64 end record (readers without zip64 see "
                  "another directory)",
                  end.location);
  }
  if (end.disk_number != 0 || end.directory_disk != 0)
    add_anomaly(archive, ZipAnomalyKind::inconsistent_directory, archive_level,
                "end record names disk " + std::to_string(end.disk_number) + " / directory disk " +
                    std::to_string(end.directory_disk),
                end.location);
  if (end.entries_total != archive.entries.size() || end.entries_on_disk != end.entries_total)
    add_anomaly(archive, ZipAnomalyKind::inconsistent_directory, archive_level,
                "end record declares " + std::to_string(end.entries_total) + " entries (" +
                    std::to_string(end.entries_on_disk) + " on this disk), the directory holds " +
                    std::to_string(archive.entries.size()),
                end.location);
  if (concat < 0)
    add_anomaly(archive, ZipAnomalyKind::inconsistent_directory, archive_level,
                "central directory offset " + std::to_string(end.directory_offset) +
                    " lies beyond where the directory really is; Python shifts every offset back",
                end.location);
  if (!end.comment.empty())
    add_anomaly(archive, ZipAnomalyKind::comment, archive_level,
                "archive comment of " + std::to_string(end.comment.size()) + " bytes",
                end.location + kEndSize);
  const std::uint64_t comment_end = end.location + kEndSize + end.declared_comment_size;
  if (end.comment.size() < end.declared_comment_size)
    add_anomaly(archive, ZipAnomalyKind::inconsistent_directory, archive_level,
                "archive comment declared as " + std::to_string(end.declared_comment_size) +
                    " bytes, the file holds " + std::to_string(end.comment.size()),
                end.location + kEndSize);
  else if (comment_end < file.size())
    add_anomaly(archive, ZipAnomalyKind::trailing_data, archive_level,
                std::to_string(file.size() - comment_end) + " bytes after the end of the archive",
                comment_end);
}

struct Zip64Values {
  std::uint64_t uncompressed_size, compressed_size;
  Wide header_offset;
};

// ZipInfo._decodeExtra: every zip64 (0x0001) field replaces the sizes/offset still at their sentinel.
void decode_extra(Bytes extra, Zip64Values& values, ZipEntry& entry, ZipArchive& archive, std::uint64_t at) {
  ByteReader reader(extra, "zip", at);
  while (reader.remaining() >= 4) {
    const std::uint16_t tag = reader.u16le();
    const std::uint16_t length = reader.u16le();
    if (length > reader.remaining()) {
      add_anomaly(
          archive, ZipAnomalyKind::corrupt_extra_field, entry.index,
          fmt::format("extra field 0x{:04x} declares {} bytes, {} remain", tag, length, reader.remaining()),
          reader.file_offset());
      set_python_error(archive, "BadZipFile: Corrupt extra field");
      return;
    }
    ByteReader field = reader.sub(length);
    if (tag != 0x0001) continue;
    const auto take = [&](const char* what) -> std::optional<std::uint64_t> {
      if (field.remaining() >= 8) return field.u64le();
      add_anomaly(archive, ZipAnomalyKind::corrupt_extra_field, entry.index,
                  std::string("zip64 extra field lacks the ") + what, field.file_offset());
      set_python_error(archive,
                       std::string("BadZipFile: Corrupt zip64 extra field. ") + what + " not found.");
      return std::nullopt;
    };
    if (values.uncompressed_size == 0xFFFFFFFFFFFFFFFFull || values.uncompressed_size == 0xFFFFFFFFull) {
      auto value = take("File size");
      if (!value) return;
      values.uncompressed_size = *value;
      entry.zip64 = true;
    }
    if (values.compressed_size == 0xFFFFFFFFull) {
      auto value = take("Compress size");
      if (!value) return;
      values.compressed_size = *value;
      entry.zip64 = true;
    }
    if (values.header_offset == 0xFFFFFFFF) {
      auto value = take("Header offset");
      if (!value) return;
      values.header_offset = *value;
      entry.zip64 = true;
    }
  }
}

Bytes take_up_to(ByteReader& reader, std::uint64_t count, bool& short_read) {
  if (count > reader.remaining()) {
    short_read = true;
    return reader.bytes(reader.remaining());
  }
  return reader.bytes(count);
}

// One iteration of _RealGetContents' loop; returns the bytes it accounts for in the directory size.
std::uint64_t read_central_entry(ByteReader& directory, Wide concat, ZipArchive& archive,
                                 std::vector<SeekRange>& seek_ranges) {
  const std::uint64_t record_at = directory.file_offset();
  if (directory.remaining() < kCentralHeaderSize)
    throw FormatError("zip", "truncated central directory", record_at);
  if (directory.u32le() != kCentralHeaderSignature)
    throw FormatError("zip", "bad magic number for central directory", record_at);
  ZipEntry entry;
  entry.index = archive.entries.size();
  entry.version_made_by = directory.u16le();
  entry.version_needed = directory.u16le();
  entry.flags = directory.u16le();
  entry.method = directory.u16le();
  directory.skip(4);  // time, date
  entry.crc32 = directory.u32le();
  Zip64Values values{};
  values.compressed_size = directory.u32le();
  values.uncompressed_size = directory.u32le();
  const std::uint16_t name_length = directory.u16le();
  const std::uint16_t extra_length = directory.u16le();
  const std::uint16_t comment_length = directory.u16le();
  directory.skip(2 + 2);  // disk number start, internal attributes
  entry.external_attributes = directory.u32le();
  values.header_offset = directory.u32le();

  // The directory was read with fp.read(size_cd): fields past its end come back short, not as errors.
  bool short_read = false;
  const std::uint64_t name_at = directory.file_offset();
  Bytes raw_name = take_up_to(directory, name_length, short_read);
  const std::uint64_t extra_at = directory.file_offset();
  Bytes extra = take_up_to(directory, extra_length, short_read);
  entry.comment = std::string(as_chars(take_up_to(directory, comment_length, short_read)));
  if (short_read)
    add_anomaly(archive, ZipAnomalyKind::truncated_directory, entry.index,
                "central directory record cut short by the end of the directory data", record_at);

  bool valid = true;
  entry.original_name = decode_zip_name(raw_name, entry.flags & kFlagUtf8, &valid);
  if (!valid) {
    add_anomaly(archive, ZipAnomalyKind::invalid_name_encoding, entry.index,
                "name flagged UTF-8 is not valid UTF-8", name_at);
    set_python_error(archive, "UnicodeDecodeError: 'utf-8' codec can't decode an entry name");
  }
  entry.name = entry.original_name.substr(0, entry.original_name.find('\0'));
  if ((entry.version_needed & 0xFF) > 63) {
    add_anomaly(archive, ZipAnomalyKind::unsupported_feature, entry.index,
                "version needed to extract " + std::to_string(entry.version_needed & 0xFF) + " is above 63",
                record_at);
    set_python_error(archive, "NotImplementedError: zip file version " +
                                  std::to_string((entry.version_needed & 0xFF) / 10) + "." +
                                  std::to_string((entry.version_needed & 0xFF) % 10));
  }
  decode_extra(extra, values, entry, archive, extra_at);
  entry.compressed_size = values.compressed_size;
  entry.uncompressed_size = values.uncompressed_size;
  const Wide header_offset = values.header_offset + concat;
  seek_ranges.push_back(header_offset < INT64_MIN   ? SeekRange::below_int64
                        : header_offset < 0         ? SeekRange::negative
                        : header_offset > INT64_MAX ? SeekRange::above_int64
                                                    : SeekRange::valid);
  entry.local_header_offset = header_offset < 0 || header_offset >= static_cast<Wide>(kZipNoOffset)
                                  ? kZipNoOffset
                                  : static_cast<std::uint64_t>(header_offset);
  entry.encrypted = entry.flags & kFlagEncrypted;
  entry.has_data_descriptor = entry.flags & kFlagDataDescriptor;
  entry.is_directory = entry.name.ends_with('/');
  constexpr std::uint32_t kUnixTypeMask = 0170000, kUnixSymlink = 0120000;
  entry.is_symlink = (entry.version_made_by >> 8) == 3 &&
                     ((entry.external_attributes >> 16) & kUnixTypeMask) == kUnixSymlink;
  if (entry.zip64)
    add_anomaly(archive, ZipAnomalyKind::zip64, entry.index, "zip64 extra field supplies sizes or offset",
                extra_at);

  archive.index_by_name[entry.name] = entry.index;
  archive.entries.push_back(std::move(entry));
  return kCentralHeaderSize + std::uint64_t{name_length} + extra_length + comment_length;
}

}  // namespace

namespace zip_internal {

void add_anomaly(ZipArchive& archive, ZipAnomalyKind kind, std::size_t entry_index, std::string detail,
                 std::uint64_t offset) {
  archive.anomalies.push_back(ZipAnomaly{kind, entry_index, std::move(detail), offset});
}

}  // namespace zip_internal

bool looks_like_zip(Bytes data) {
  if (signature_at(data, 0, kLocalHeaderSignature)) return true;
  try {
    return find_end_record(data).has_value();
  } catch (const FormatError&) {
    return false;
  }
}

ZipArchive parse_zip(Bytes file, const Limits& limits) {
  std::optional<EndRecord> end = find_end_record(file);
  if (!end)
    throw FormatError("zip", "no end-of-central-directory record (file is not a zip file)", file.size());

  ZipArchive archive;
  // concat: bytes prepended to the archive, inferred from where the directory really ends.
  Wide concat = static_cast<Wide>(end->location) - end->directory_size - end->directory_offset;
  if (end->zip64) concat -= kZip64EndSize + kZip64LocatorSize;
  const Wide start = static_cast<Wide>(end->directory_offset) + concat;
  if (start < 0) throw FormatError("zip", "bad offset for central directory", end->location);
  const auto directory_start = static_cast<std::uint64_t>(start);

  archive.concat_offset = concat > INT64_MAX   ? INT64_MAX
                          : concat < INT64_MIN ? INT64_MIN
                                               : static_cast<std::int64_t>(concat);
  archive.eocd_offset = end->location;
  archive.central_directory_offset = directory_start;
  archive.central_directory_size = end->directory_size;
  archive.zip64 = end->zip64;
  archive.comment = std::string(as_chars(end->comment));

  const std::uint64_t available = directory_start < file.size() ? file.size() - directory_start : 0;
  ByteReader directory = ByteReader(file, "zip")
                             .slice(std::min<std::uint64_t>(directory_start, file.size()),
                                    std::min(available, end->directory_size));
  std::vector<SeekRange> seek_ranges;
  std::uint64_t total = 0;
  while (total < end->directory_size) {
    if (archive.entries.size() >= limits.max_archive_members)
      throw LimitError("zip", "more than " + std::to_string(limits.max_archive_members) + " archive members",
                       directory.file_offset());
    total += read_central_entry(directory, concat, archive, seek_ranges);
  }

  report_end_record(file, *end, concat, archive);
  inspect_local_headers(file, archive, seek_ranges);
  report_stray_end_signatures(file, *end, archive);
  inspect_entry_names(archive);
  return archive;
}

}  // namespace ms
