#pragma once
// Classifies the file paths and URLs a graph names, and renders graph bytes for evidence lines.
#include <cstddef>
#include <string>
#include <string_view>

namespace ms::savedmodel_scan {

// The scheme of "scheme://rest" in lower case, or empty when `path` has none.
std::string url_scheme(std::string_view path);

// Schemes of TensorFlow file systems (and protocols) that reach another machine.
bool is_remote_scheme(std::string_view scheme);

// The first remote URL ("gs://bucket/x") inside `text`, or empty.
std::string_view find_remote_url(std::string_view text);

// A path a loader should never be steered to: absolute (POSIX, drive letter, UNC), with a ".."
// component, or a URL of any scheme.
bool is_suspicious_path(std::string_view path);

// The last component of a slash- or backslash-separated path.
std::string_view path_basename(std::string_view path);

// Graph strings are raw bytes: non-printable bytes become \xNN and long values are cut at `limit`.
std::string printable(std::string_view bytes, std::size_t limit = 200);

}  // namespace ms::savedmodel_scan
