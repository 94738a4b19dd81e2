#include "formats/torch_legacy.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

#include "modelshield/error.hpp"

namespace ms {

namespace {

constexpr std::size_t kBlock = 512;

// Octal (NUL/space terminated) or base-256 (high bit set) numeric field.
std::optional<std::uint64_t> tar_number(std::string_view field) {
  if (!field.empty() && (static_cast<unsigned char>(field[0]) & 0x80) != 0) {
    std::uint64_t value = static_cast<unsigned char>(field[0]) & 0x7f;
    for (std::size_t i = 1; i < field.size(); ++i) {
      if (value >> 56) return std::nullopt;
      value = (value << 8) | static_cast<unsigned char>(field[i]);
    }
    return value;
  }
  std::size_t i = 0;
  while (i < field.size() && (field[i] == ' ' || field[i] == '\0')) ++i;
  std::uint64_t value = 0;
  bool digits = false;
  for (; i < field.size() && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value >> 60) return std::nullopt;
    value = value * 8 + static_cast<std::uint64_t>(field[i] - '0');
    digits = true;
  }
  for (; i < field.size(); ++i)
    if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
  return digits ? std::optional<std::uint64_t>(value) : std::optional<std::uint64_t>(0);
}

bool checksum_ok(Bytes block) {
  std::optional<std::uint64_t> stored = tar_number(as_chars(block.subspan(148, 8)));
  if (!stored) return false;
  std::uint64_t unsigned_sum = 0;
  std::int64_t signed_sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    std::uint8_t byte = (i >= 148 && i < 156) ? ' ' : block[i];
    unsigned_sum += byte;
    signed_sum += static_cast<std::int8_t>(byte);
  }
  return *stored == unsigned_sum || static_cast<std::int64_t>(*stored) == signed_sum;
}

std::string field_text(Bytes block, std::size_t offset, std::size_t length) {
  std::string_view text = as_chars(block.subspan(offset, length));
  return std::string(text.substr(0, text.find('\0')));
}

bool all_zero(Bytes block) {
  return std::all_of(block.begin(), block.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace

bool looks_like_tar(Bytes data) {
  if (data.size() < kBlock) return false;
  Bytes block = data.first(kBlock);
  return !all_zero(block) && checksum_ok(block);
}

std::vector<TarMember> parse_tar(Bytes data, const Limits& limits) {
  std::vector<TarMember> members;
  std::uint64_t offset = 0;
  while (offset + kBlock <= data.size()) {
    Bytes block = data.subspan(static_cast<std::size_t>(offset), kBlock);
    if (all_zero(block)) break;  // end-of-archive marker
    if (!checksum_ok(block)) throw FormatError("tar", "bad header checksum", offset);
    if (members.size() >= limits.max_archive_members)
      throw LimitError("tar", "more members than the archive member limit", offset);
    TarMember member;
    member.header_offset = offset;
    member.type = static_cast<char>(block[156]);
    member.name = field_text(block, 0, 100);
    if (as_chars(block.subspan(257, 5)) == "ustar") {
      std::string prefix = field_text(block, 345, 155);
      if (!prefix.empty()) member.name = prefix + "/" + member.name;
    }
    std::optional<std::uint64_t> size = tar_number(as_chars(block.subspan(124, 12)));
    if (!size) throw FormatError("tar", "bad member size field", offset + 124);
    member.data_offset = offset + kBlock;
    const std::uint64_t available = data.size() - member.data_offset;
    member.truncated = *size > available;
    member.size = std::min(*size, available);
    members.push_back(std::move(member));
    if (members.back().truncated) break;
    const std::uint64_t padded = (*size + kBlock - 1) / kBlock * kBlock;
    offset = members.back().data_offset + padded;
  }
  return members;
}

}  // namespace ms
