// Parses an archive and reads every member with small caps. FormatError (and LimitError, a subclass) is
// the expected outcome for malformed input; anything else escaping, or a sanitizer report, is a bug.
#include <cstddef>
#include <cstdint>

#include "formats/zip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ms::Limits limits;
  limits.max_archive_members = 4096;
  limits.max_member_bytes = 1 << 20;
  limits.max_compression_ratio = 200;
  const ms::Bytes file(data, size);
  (void)ms::looks_like_zip(file);
  try {
    const ms::ZipArchive archive = ms::parse_zip(file, limits);
    for (const ms::ZipEntry& entry : archive.entries) {
      (void)archive.find(entry.name);
      try {
        const ms::ZipMemberData member = ms::read_zip_member(file, entry, limits, 256 << 10);
        if (member.bytes.size() > (256u << 10)) __builtin_trap();
        (void)ms::read_zip_member_prefix(file, entry, limits, 16);
        if (entry.method == 0) (void)ms::stored_zip_member_view(file, entry);
      } catch (const ms::FormatError&) {
      }
    }
    for (const ms::ZipAnomaly& anomaly : archive.anomalies) (void)ms::to_string(anomaly.kind);
  } catch (const ms::FormatError&) {
  }
  return 0;
}
