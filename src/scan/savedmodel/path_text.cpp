#include "scan/savedmodel/path_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace ms::savedmodel_scan {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_scheme_char(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

// TensorFlow's registered remote file systems, plus the network protocols its ops speak.
constexpr std::array<std::string_view, 19> kRemoteSchemes = {
    "abfs", "abfss", "az",  "ftp", "ftps", "gs",  "grpc",   "grpc+verbs", "grpcs", "hdfs",
    "http", "https", "oss", "s3",  "s3a",  "s3n", "viewfs", "wasb",       "wasbs"};

}  // namespace

std::string url_scheme(std::string_view path) {
  const std::size_t separator = path.find("://");
  if (separator == std::string_view::npos || separator == 0 || !is_alpha(path[0])) return {};
  for (std::size_t i = 0; i < separator; ++i)
    if (!is_scheme_char(path[i])) return {};
  return lowered(path.substr(0, separator));
}

bool is_remote_scheme(std::string_view scheme) {
  return std::find(kRemoteSchemes.begin(), kRemoteSchemes.end(), scheme) != kRemoteSchemes.end();
}

std::string_view find_remote_url(std::string_view text) {
  for (std::size_t separator = text.find("://"); separator != std::string_view::npos;
       separator = text.find("://", separator + 3)) {
    std::size_t start = separator;
    while (start > 0 && is_scheme_char(text[start - 1])) --start;
    while (start < separator && !is_alpha(text[start])) ++start;  // a scheme begins with a letter
    if (start == separator || !is_remote_scheme(lowered(text.substr(start, separator - start)))) continue;
    std::size_t end = separator + 3;
    while (end < text.size() && end - start < 200 && static_cast<unsigned char>(text[end]) > ' ' &&
           text[end] != '"' && text[end] != '\'')
      ++end;
    return text.substr(start, end - start);
  }
  return {};
}

bool is_suspicious_path(std::string_view path) {
  if (path.empty()) return false;
  if (path[0] == '/' || path[0] == '\\') return true;
  if (path.size() >= 2 && is_alpha(path[0]) && path[1] == ':') return true;
  if (!url_scheme(path).empty()) return true;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find_first_of("/\\", start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

std::string_view path_basename(std::string_view path) {
  const std::size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string printable(std::string_view bytes, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (out.size() >= limit) {
      out += fmt::format("... ({} bytes)", bytes.size());
      break;
    }
    const auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte == '\\') {
      out += "\\\\";
    } else if (byte >= 0x20 && byte < 0x7f) {
      out += static_cast<char>(byte);
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  return out;
}

}  // namespace ms::savedmodel_scan
