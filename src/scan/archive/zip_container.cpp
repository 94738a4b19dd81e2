// Zip archives: Keras v3 `.keras`, numpy `.npz`, PyTorch checkpoints, or any zip. Every central-directory
// entry is inspected by index (duplicates included), members are scanned by content.
#include <zlib.h>

#include <algorithm>

#include "formats/pickle.hpp"
#include "formats/zip.hpp"
#include "modelshield/error.hpp"
#include "scan/archive/zip_findings.hpp"
#include "scan/archive/zip_members.hpp"
#include "scan/detectors.hpp"
#include "scan/dispatch.hpp"
#include "scan/findings.hpp"
#include "scan/keras/keras_archive.hpp"
#include "scan/pickle/torch_archive.hpp"

namespace ms {

namespace {

// Stored members are scanned in place; those above this are not CRC-checked: verifying gigabytes of weights
// would make scan time depend on weight size, and a CRC protects nothing against an attacker who can write
// the archive.
constexpr std::uint64_t kCrcCheckLimit = 4ull << 20;

bool is_keras_archive(const ZipArchive& archive) { return archive.find("config.json") != nullptr; }

// np.load hands back the raw bytes of a member that is not an array: in a weights store that is data a
// model consumes without any check.
void check_npz_member(ScanContext& context, Bytes file, const ZipEntry& entry) {
  if (entry.is_directory) return;
  try {
    ZipMemberData prefix = read_zip_member_prefix(file, entry, context.limits(), 6);
    if (as_chars(prefix.bytes) == "\x93NUMPY") return;
  } catch (const FormatError&) {
    return;  // reported when the member itself is scanned
  }
  ScanContext member = context.for_member(entry.name);
  member.report(Finding{
      .rule_id = "NPZ-NON-ARRAY-MEMBER",
      .severity = Severity::medium,
      .reason =
          "an .npz member is not a .npy array: numpy returns its raw bytes to whoever loads the archive",
      .evidence = {entry.name},
      .fix = "Regenerate the archive with numpy.savez; it only ever writes .npy members.",
  });
}

void report_crc_mismatch(ScanContext& context, const ZipEntry& entry, std::uint32_t computed) {
  ScanContext member = context.for_member(entry.name);
  member.report(Finding{
      .rule_id = "ZIP-CRC-MISMATCH",
      .severity = Severity::medium,
      .reason = "member bytes do not match their CRC: Python's zipfile refuses them, other readers do not",
      .evidence = {fmt_reason("central directory CRC {:08x}, computed {:08x}", entry.crc32, computed)},
      .fix = "Do not load this archive; it was altered after it was written.",
  });
}

void report_crc_mismatch(ScanContext& context, const ZipEntry& entry, Bytes stored) {
  std::uint32_t computed = 0;
  for (std::size_t done = 0; done < stored.size();) {
    auto chunk = static_cast<uInt>(std::min<std::size_t>(stored.size() - done, 1u << 30));
    computed = static_cast<std::uint32_t>(::crc32(computed, stored.data() + done, chunk));
    done += chunk;
  }
  if (computed != entry.crc32) report_crc_mismatch(context, entry, computed);
}

}  // namespace

std::optional<MemberBytes> read_member(ScanContext& context, Bytes file, const ZipEntry& entry) {
  if (!entry.open_error.empty() && entry.encrypted) return std::nullopt;  // reported as ZIP-ENCRYPTED
  try {
    if (entry.method == 0 && !entry.encrypted) {
      Bytes view = stored_zip_member_view(file, entry);
      if (view.size() <= kCrcCheckLimit) report_crc_mismatch(context, entry, view);
      return MemberBytes{view, {}};
    }
    ZipMemberData data = read_zip_member(file, entry, context.limits());
    ScanContext member = context.for_member(entry.name);
    if (data.ratio_exceeded) {
      member.report(Finding{
          .rule_id = "ZIP-BOMB",
          .severity = Severity::high,
          .reason = fmt_reason("member inflates beyond {}:1 of its compressed size",
                               context.limits().max_compression_ratio),
          .evidence = {fmt_reason("compressed {} bytes, declares {} bytes", entry.compressed_size,
                                  entry.uncompressed_size)},
          .fix = "Do not load or extract this archive: it exhausts memory or disk.",
      });
      return std::nullopt;
    }
    if (data.truncated) {
      member.report(Finding{
          .rule_id = "SCAN-LIMIT-EXCEEDED",
          .severity = Severity::high,
          .reason =
              fmt_reason("member is larger than the {}-byte inflation limit; only its start was analysed",
                         context.limits().max_member_bytes),
          .evidence = {fmt_reason("declared size {} bytes", entry.uncompressed_size)},
          .fix = "Treat the archive as untrusted, or raise --max-member-size and scan again.",
      });
    }
    if (data.crc_checked && !data.crc_ok) report_crc_mismatch(context, entry, data.computed_crc32);
    MemberBytes out;
    out.storage = std::move(data.bytes);
    out.bytes = Bytes(out.storage);
    return out;
  } catch (const LimitError& error) {
    ScanContext member = context.for_member(entry.name);
    report_incomplete(member, error);
  } catch (const FormatError& error) {
    ScanContext member = context.for_member(entry.name);
    report_malformed(member, error);
  }
  return std::nullopt;
}

void scan_member_content(ScanContext& context, Bytes file, const ZipEntry& entry) {
  if (entry.is_directory || entry.is_symlink) return;
  ScanContext member = context.for_member(entry.name);
  if (member.nesting() > context.limits().max_nesting) {
    report_incomplete(member, LimitError("zip", "archives nested deeper than the nesting limit",
                                         entry.local_header_offset));
    return;
  }
  std::optional<MemberBytes> bytes = read_member(context, file, entry);
  if (!bytes) return;
  std::string_view base_name = entry.name;
  if (auto slash = base_name.find_last_of('/'); slash != std::string_view::npos)
    base_name.remove_prefix(slash + 1);
  scan_content(member, bytes->bytes, base_name);
}

std::string scan_zip_container(ScanContext& context, Bytes data, std::string_view name) {
  // pickle.load (and torch.load, which takes only files starting with a local header for zips) runs a
  // leading pickle; the archive is then appended junk or a byte string inside the pickle.
  const bool leading_pickle =
      !(data.size() >= 4 && as_chars(data.first(4)) == "PK\x03\x04") && looks_like_pickle(data);
  if (leading_pickle) scan_pickle_file(context, data, name);
  std::optional<ZipArchive> parsed;
  try {
    parsed = parse_zip(data, context.limits());
  } catch (const FormatError&) {
    if (leading_pickle) return "pickle";
    throw;
  }
  ZipArchive& archive = *parsed;
  report_zip_anomalies(context, archive);
  if (is_keras_archive(archive)) {
    scan_keras_archive(context, data, archive);
    return "keras-zip";
  }
  if (is_pytorch_archive(archive)) {
    scan_pytorch_archive(context, data, archive);
    return leading_pickle ? "pickle+zip" : "pytorch-zip";
  }
  bool npz =
      name.ends_with(".npz") ||
      (!archive.entries.empty() && std::all_of(archive.entries.begin(), archive.entries.end(),
                                               [](const ZipEntry& e) { return e.name.ends_with(".npy"); }));
  for (const ZipEntry& entry : archive.entries) {
    if (npz) check_npz_member(context, data, entry);
    scan_member_content(context, data, entry);
  }
  return leading_pickle ? "pickle+zip" : npz ? "npz" : "zip";
}

}  // namespace ms
