#pragma once
// Text helpers for the Keras config detector: bounded evidence renderings and the classification of config
// strings that name files or network locations.
#include <cstddef>
#include <string>
#include <string_view>

#include "formats/json.hpp"

namespace ms::keras {

// `text` made safe for an evidence line: control characters and bytes that are not UTF-8 escaped as \xNN,
// cut to about `max_bytes` with "..." appended when longer.
std::string printable(std::string_view text, std::size_t max_bytes = 160);

// A compact JSON rendering of `value`, cut to about `max_bytes`.
std::string brief_json(const JsonValue& value, std::size_t max_bytes = 200);

enum class ResourceKind {
  none,
  remote_url,     // http(s), ftp, s3, gs, hdfs... (network access)
  file_url,       // file:
  absolute_path,  // /etc/passwd
  home_path,      // ~/...
  parent_path,    // ../ anywhere in a relative path
  windows_path,   // C:\... or \\server\share
};

// What `text` names, if it is a URL or a path that leaves the model's own directory.
ResourceKind classify_resource(std::string_view text);
std::string_view to_string(ResourceKind kind);
// "an absolute path", "a remote URL".
std::string with_article(ResourceKind kind);

}  // namespace ms::keras
