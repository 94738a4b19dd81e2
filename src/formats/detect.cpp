#include "formats/detect.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "formats/pickle.hpp"

namespace ms {

namespace {

constexpr std::array<std::uint8_t, 8> kHdf5Signature = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1A, '\n'};
// base64 of the HDF5 signature's first six bytes: a text file that decodes to HDF5.
constexpr std::string_view kBase64Hdf5Prefix = "iUhERg0K";

bool starts_with(Bytes data, std::string_view prefix) {
  return data.size() >= prefix.size() && std::memcmp(data.data(), prefix.data(), prefix.size()) == 0;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), text.rbegin(),
                    [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
}

std::size_t skip_whitespace(Bytes data, std::size_t i) {
  while (i < data.size() && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) ++i;
  return i;
}

}  // namespace

bool looks_like_zip_signature(Bytes data) {
  if (starts_with(data, "PK\x03\x04") || starts_with(data, "PK\x05\x06")) return true;
  // Data may be prepended to an archive (Python's zipfile tolerates it): look for the end record.
  std::size_t window = std::min<std::size_t>(data.size(), 65535 + 22);
  for (std::size_t i = data.size() - std::min<std::size_t>(data.size(), 22) + 1;
       i-- > data.size() - window;) {
    if (i + 4 <= data.size() && std::memcmp(data.data() + i, "PK\x05\x06", 4) == 0) return true;
  }
  return false;
}

std::string_view to_string(ContentFormat format) {
  switch (format) {
    case ContentFormat::zip:
      return "zip";
    case ContentFormat::hdf5:
      return "hdf5";
    case ContentFormat::pickle:
      return "pickle";
    case ContentFormat::npy:
      return "npy";
    case ContentFormat::json:
      return "json";
    case ContentFormat::protobuf:
      return "protobuf";
    case ContentFormat::base64_hdf5:
      return "base64-hdf5";
    case ContentFormat::empty:
      return "empty";
    case ContentFormat::unknown:
      return "unknown";
  }
  return "unknown";
}

bool has_hdf5_signature_at(Bytes data, std::uint64_t offset) {
  return offset <= data.size() && data.size() - offset >= kHdf5Signature.size() &&
         std::memcmp(data.data() + offset, kHdf5Signature.data(), kHdf5Signature.size()) == 0;
}

bool looks_like_hdf5_signature(Bytes data) {
  if (has_hdf5_signature_at(data, 0)) return true;
  for (std::uint64_t offset = 512; offset < data.size(); offset *= 2)
    if (has_hdf5_signature_at(data, offset)) return true;
  return false;
}

ContentFormat detect_content(Bytes data, std::string_view file_name) {
  if (data.empty()) return ContentFormat::empty;
  if (has_hdf5_signature_at(data, 0)) return ContentFormat::hdf5;
  if (starts_with(data, "\x93NUMPY")) return ContentFormat::npy;
  if (starts_with(data, "PK\x03\x04")) return ContentFormat::zip;
  if (looks_like_hdf5_signature(data)) return ContentFormat::hdf5;
  if (looks_like_zip_signature(data)) return ContentFormat::zip;
  if (unpickler_would_run(data)) return ContentFormat::pickle;
  std::size_t first = skip_whitespace(data, 0);
  if (starts_with(data.subspan(first), kBase64Hdf5Prefix)) return ContentFormat::base64_hdf5;
  if (first < data.size() && (data[first] == '{' || data[first] == '[')) return ContentFormat::json;
  if (ends_with(file_name, ".pb")) return ContentFormat::protobuf;
  return ContentFormat::unknown;
}

ContentFormat format_promised_by_name(std::string_view name) {
  if (ends_with(name, ".keras") || ends_with(name, ".npz")) return ContentFormat::zip;
  if (ends_with(name, ".h5") || ends_with(name, ".hdf5") || ends_with(name, ".he5"))
    return ContentFormat::hdf5;
  if (ends_with(name, ".pkl") || ends_with(name, ".pickle")) return ContentFormat::pickle;
  if (ends_with(name, ".npy")) return ContentFormat::npy;
  if (ends_with(name, ".pb")) return ContentFormat::protobuf;
  if (ends_with(name, ".json")) return ContentFormat::json;
  return ContentFormat::unknown;
}

}  // namespace ms
