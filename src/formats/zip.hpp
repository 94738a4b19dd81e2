#pragma once
// ZIP reader for .keras archives, PyTorch zip checkpoints and .npz files.
//
// The archive is resolved exactly as CPython 3.11's `zipfile` resolves it (Keras and numpy go through
// it): the same end-of-central-directory search, the same "concat" offset adjustment, the same name
// decoding, the same zip64 handling and the same rule for which entry a name opens. torch.load reads
// checkpoints with its own C++ (miniz) reader instead, which is one more reason why everything a hostile
// archive could use to make two readers disagree, or to hurt the one that extracts it, is reported as
// plain data in ZipArchive::anomalies.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms {

// An offset that could not be determined (local header unreadable, or offset out of range).
inline constexpr std::uint64_t kZipNoOffset = std::numeric_limits<std::uint64_t>::max();

struct ZipEntry {
  std::size_t index = 0;      // position in the central directory
  std::string name;           // Python's ZipInfo.filename: decoded, cut at the first NUL; the lookup key
  std::string original_name;  // Python's ZipInfo.orig_filename: decoded, before the NUL cut
  std::string local_name;     // name in the local header, decoded by the local header's own flags
  std::string comment;        // raw bytes of the entry comment
  std::uint16_t method = 0;   // compression method from the central directory (the one Python uses)
  std::uint16_t flags = 0;    // general purpose bits from the central directory
  std::uint16_t version_made_by = 0;  // high byte: host system (3 = unix)
  std::uint16_t version_needed = 0;
  std::uint16_t local_method = 0, local_flags = 0;
  std::uint32_t crc32 = 0, external_attributes = 0;
  std::uint64_t compressed_size = 0, uncompressed_size = 0;  // zip64 extra applied
  std::uint64_t local_header_offset = 0;  // absolute (concat applied); kZipNoOffset if negative or past 2^64
  std::uint64_t data_offset = kZipNoOffset;  // absolute start of the member's data; kZipNoOffset if unknown
  bool encrypted = false;                    // flag bit 0
  bool is_directory = false;                 // name ends with '/', as ZipInfo.is_dir()
  bool is_symlink = false;           // unix host and S_IFLNK in the high 16 bits of external_attributes
  bool zip64 = false;                // a zip64 extra field supplied a size or offset
  bool has_data_descriptor = false;  // flag bit 3
  // Why CPython's ZipFile.open() would refuse this member (first failing check, in Python's order);
  // empty when Python opens it. CRC errors only show when the data is read (see ZipMemberData).
  std::string open_error;
};

enum class ZipAnomalyKind {
  duplicate_name,          // a later entry of the same name shadows this one in Python's lookup
  local_name_mismatch,     // local header name differs from the central one (Python refuses to open)
  local_header_mismatch,   // method / CRC / sizes / encryption bit differ between local and central
  bad_local_header,        // local header missing, truncated or with a wrong signature
  traversal_name,          // a ".." path component
  absolute_name,           // starts with / or \, or a drive letter
  backslash_name,          // contains '\' (a directory separator on Windows)
  nul_in_name,             // name contains NUL: Python cuts it there, other tools may not
  invalid_name_encoding,   // flag bit 11 set but the name is not valid UTF-8 (Python refuses the archive)
  symlink,                 // entry is a unix symbolic link
  encrypted,               // flag bit 0 (traditional or strong encryption)
  unsupported_method,      // a method other than stored (0) and deflate (8)
  unsupported_feature,     // patched data (bit 5), strong encryption (bit 6), version needed > 6.3
  overlapping_entries,     // data runs into the next local header or the central directory
  prepended_data,          // bytes before the first local header (Python's concat adjustment)
  trailing_data,           // bytes after the end-of-central-directory record and its comment
  gap_data,                // bytes between members that belong to no entry
  zip64,                   // zip64 end record or zip64 extra fields in use
  truncated_entry,         // member data (or its local header) runs past the end of the file
  truncated_directory,     // central directory records cut short by the end of the directory data
  corrupt_extra_field,     // malformed extra field (Python refuses the archive)
  inconsistent_directory,  // end-record counts, disk numbers, offsets disagree with what is there
  multiple_eocd,           // more than one end-of-central-directory signature near the end
  comment,                 // archive or entry comment present
};

struct ZipAnomaly {
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  ZipAnomalyKind kind{};
  std::size_t entry_index = npos;  // npos for archive-level anomalies
  std::string detail;
  std::uint64_t offset = 0;  // absolute file offset the anomaly is about
};

struct ZipArchive {
  std::vector<ZipEntry> entries;  // every central-directory entry, in order, duplicates included
  std::vector<ZipAnomaly> anomalies;
  std::int64_t concat_offset = 0;  // Python's "concat": added to every offset the directory declares
  std::uint64_t eocd_offset = 0;   // where the end-of-central-directory record was found
  std::uint64_t central_directory_offset = 0;  // absolute (Python's start_dir)
  std::uint64_t central_directory_size = 0;
  bool zip64 = false;   // a zip64 end-of-central-directory record was used
  std::string comment;  // archive comment bytes (as much of it as the file holds)
  // Why CPython's zipfile.ZipFile() would refuse the whole archive; empty when it opens. The reader
  // still lists what it can, because other tools may be more lenient.
  std::string python_error;
  // Name -> index of the entry Python's NameToInfo maps it to (the last entry of that name).
  std::map<std::string, std::size_t, std::less<>> index_by_name;

  // The entry Python's zipfile opens for `name`: the LAST entry of that name; nullptr when absent.
  const ZipEntry* find(std::string_view name) const;
  bool has_anomaly(ZipAnomalyKind kind) const;
  bool entry_has_anomaly(std::size_t entry_index, ZipAnomalyKind kind) const;
};

// Cheap content check: a local header at offset 0, or an end-of-central-directory record where
// Python's zipfile.is_zipfile() looks for it.
bool looks_like_zip(Bytes data);

// Reads the central directory. Throws FormatError when there is no usable central directory (no end
// record, directory out of the file, bad record signature) and LimitError beyond
// limits.max_archive_members. Never reads member data.
ZipArchive parse_zip(Bytes file, const Limits& limits);

struct ZipMemberData {
  std::vector<std::uint8_t> bytes;   // empty for stream_zip_member
  std::uint32_t computed_crc32 = 0;  // CRC-32 of the bytes produced
  bool crc_checked = false;          // read to where Python stops, so the CRC could be compared
  bool crc_ok = false;               // crc_checked and equal to the central directory's CRC
  bool truncated = false;            // stopped at max_bytes / limits.max_member_bytes with data left
  bool ratio_exceeded = false;       // stopped: output / compressed size above limits.max_compression_ratio
  // The data ends before, or goes on past, the declared uncompressed size. Python silently stops at
  // the declared size, and so does this reader.
  bool size_mismatch = false;
};

// Produces the bytes Python's ZipFile.open(name).read() returns (at most the declared uncompressed
// size), capped at min(max_bytes, limits.max_member_bytes). Stored and deflate only. Throws FormatError
// for unsupported methods, encryption, an unreadable local header, corrupt deflate data, or data that
// runs past the end of the file before the cap. A CRC mismatch is reported, never thrown.
ZipMemberData read_zip_member(Bytes file, const ZipEntry& entry, const Limits& limits,
                              std::uint64_t max_bytes = std::numeric_limits<std::uint64_t>::max());
// The first `count` bytes of the member (truncated is set when more follow).
ZipMemberData read_zip_member_prefix(Bytes file, const ZipEntry& entry, const Limits& limits,
                                     std::uint64_t count);
// As read_zip_member, but hands the data to `sink` in chunks instead of collecting it.
ZipMemberData stream_zip_member(Bytes file, const ZipEntry& entry, const Limits& limits,
                                std::uint64_t max_bytes, const std::function<void(Bytes)>& sink);
// Zero-copy view of a stored, unencrypted member: exactly the bytes Python would return. Throws
// FormatError for other methods, encryption, an unreadable local header or data past the end of file.
Bytes stored_zip_member_view(Bytes file, const ZipEntry& entry);

std::string_view to_string(ZipAnomalyKind kind);

// Name decoding as zipfile does it: UTF-8 when `utf8_flag` (flag bit 11), else cp437. Invalid UTF-8 is
// replaced with U+FFFD and `valid` set to false (Python raises UnicodeDecodeError there).
std::string decode_zip_name(Bytes raw, bool utf8_flag, bool* valid = nullptr);

}  // namespace ms

// Shared between the zip*.cpp files; not part of the reader's interface.
namespace ms::zip_internal {

inline constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
inline constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
inline constexpr std::uint32_t kEndSignature = 0x06054b50;
inline constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
inline constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
inline constexpr std::uint32_t kDataDescriptorSignature = 0x08074b50;
inline constexpr std::size_t kLocalHeaderSize = 30;
inline constexpr std::size_t kCentralHeaderSize = 46;
inline constexpr std::size_t kEndSize = 22;
inline constexpr std::size_t kZip64LocatorSize = 20;
inline constexpr std::size_t kZip64EndSize = 56;
inline constexpr std::uint16_t kFlagEncrypted = 0x0001;
inline constexpr std::uint16_t kFlagDataDescriptor = 0x0008;
inline constexpr std::uint16_t kFlagPatchedData = 0x0020;
inline constexpr std::uint16_t kFlagStrongEncryption = 0x0040;
inline constexpr std::uint16_t kFlagUtf8 = 0x0800;
inline constexpr std::uint16_t kMethodStored = 0;
inline constexpr std::uint16_t kMethodDeflate = 8;

void add_anomaly(ZipArchive& archive, ZipAnomalyKind kind, std::size_t entry_index, std::string detail,
                 std::uint64_t offset);
// Reads local headers the way ZipFile.open() does (sets local_*, data_offset, open_error) and reports
// local/central disagreements, overlaps, truncation and unaccounted bytes.
// Where an entry's header offset (concat applied) falls for Python's seek().
// Python raises ValueError below 0 and OverflowError outside the signed 64-bit range.
enum class SeekRange : std::uint8_t { valid, negative, below_int64, above_int64 };
void inspect_local_headers(Bytes file, ZipArchive& archive, const std::vector<SeekRange>& seek_ranges);
// Reports names and attributes that are dangerous to extract or that make readers disagree.
void inspect_entry_names(ZipArchive& archive);

}  // namespace ms::zip_internal
