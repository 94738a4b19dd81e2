#pragma once
#include <optional>
#include <vector>

#include "formats/zip.hpp"
#include "scan/context.hpp"

namespace ms {

// A member's bytes: a view into the mapped file for large stored members, else owned inflated bytes.
struct MemberBytes {
  Bytes bytes;
  std::vector<std::uint8_t> storage;
  MemberBytes() = default;
  MemberBytes(Bytes view, std::vector<std::uint8_t> owned) : bytes(view), storage(std::move(owned)) {}
  MemberBytes(MemberBytes&& other) noexcept { *this = std::move(other); }
  MemberBytes& operator=(MemberBytes&& other) noexcept {
    bool owned = other.bytes.data() == other.storage.data();
    storage = std::move(other.storage);
    bytes = owned ? Bytes(storage) : other.bytes;
    return *this;
  }
};

// Reads a member for scanning, reporting bombs, CRC mismatches and limits as findings located at it.
// nullopt when there is nothing to scan.
std::optional<MemberBytes> read_member(ScanContext& context, Bytes file, const ZipEntry& entry);

// Reads the member and scans it by content (nested archives recurse up to limits().max_nesting).
void scan_member_content(ScanContext& context, Bytes file, const ZipEntry& entry);

}  // namespace ms
