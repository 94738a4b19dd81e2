#include "scan/keras/config_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "modelshield/utf8.hpp"

namespace ms::keras {
namespace {

void append_escaped_byte(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (byte) {
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
  }
}

void append_json(std::string& out, const JsonValue& value, std::size_t max_bytes, int depth) {
  if (out.size() > max_bytes) return;
  switch (value.kind) {
    case JsonValue::Kind::null:
      out += "null";
      return;
    case JsonValue::Kind::boolean:
      out += value.boolean ? "true" : "false";
      return;
    case JsonValue::Kind::number: {
      if (!value.text.empty()) {
        out += printable(value.text, 40);
      } else {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.17g", value.number);
        out += buffer;
      }
      return;
    }
    case JsonValue::Kind::string:
      out += '"';
      out += printable(value.text, 80);
      out += '"';
      return;
    case JsonValue::Kind::array:
    case JsonValue::Kind::object:
      break;
  }
  bool is_object = value.is_object();
  out += is_object ? '{' : '[';
  if (depth >= 6 && !value.items.empty()) {
    out += "...";
  } else {
    for (std::size_t i = 0; i < value.items.size(); ++i) {
      if (i) out += ", ";
      if (out.size() > max_bytes) {
        out += "...";
        break;
      }
      if (is_object) {
        out += '"';
        out += printable(value.keys[i], 60);
        out += "\": ";
      }
      append_json(out, value.items[i], max_bytes, depth + 1);
    }
  }
  out += is_object ? '}' : ']';
}

bool has_control_characters(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
  return false;
}

bool is_scheme_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '+' || c == '-' || c == '.';
}

// The URL scheme that starts `text` ("http" in "http://x"), lower-cased, or empty.
std::string url_scheme(std::string_view text) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon < 2 || colon > 16) return {};
  if (!std::isalpha(static_cast<unsigned char>(text[0]))) return {};
  for (std::size_t i = 1; i < colon; ++i)
    if (!is_scheme_char(text[i])) return {};
  std::string scheme(text.substr(0, colon));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view rest = text.substr(colon + 1);
  if (scheme == "file") return scheme;
  return rest.starts_with("//") ? scheme : std::string();
}

bool is_parent_relative(std::string_view text) {
  return text == ".." || text.starts_with("../") || text.starts_with("..\\") || text.ends_with("/..") ||
         text.ends_with("\\..") || text.find("/../") != std::string_view::npos ||
         text.find("\\..\\") != std::string_view::npos;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 8);
  for (std::size_t pos = 0; pos < text.size();) {
    if (out.size() >= max_bytes) {
      out += "...";
      break;
    }
    auto byte = static_cast<unsigned char>(text[pos]);
    if (byte >= 0x20 && byte < 0x7F) {
      out += static_cast<char>(byte);
      ++pos;
    } else if (std::size_t length = byte >= 0x80 ? utf8_sequence_length(text, pos) : 0; length > 0) {
      out.append(text.substr(pos, length));
      pos += length;
    } else {
      append_escaped_byte(out, byte);
      ++pos;
    }
  }
  return out;
}

std::string brief_json(const JsonValue& value, std::size_t max_bytes) {
  std::string out;
  append_json(out, value, max_bytes, 0);
  return out;
}

ResourceKind classify_resource(std::string_view text) {
  if (text.size() < 2 || text.size() > 4096 || has_control_characters(text)) return ResourceKind::none;
  if (std::string scheme = url_scheme(text); !scheme.empty())
    return scheme == "file" ? ResourceKind::file_url : ResourceKind::remote_url;
  if (text.starts_with("\\\\")) return ResourceKind::windows_path;
  if (text.size() >= 3 && std::isalpha(static_cast<unsigned char>(text[0])) && text[1] == ':' &&
      (text[2] == '\\' || text[2] == '/'))
    return ResourceKind::windows_path;
  if (text.starts_with("~/") || text.starts_with("~\\")) return ResourceKind::home_path;
  if (text[0] == '~') {
    std::size_t slash = text.find('/');
    std::string_view user = text.substr(1, slash == std::string_view::npos ? text.size() : slash - 1);
    bool user_like = !user.empty() && slash != std::string_view::npos;
    for (char c : user)
      user_like =
          user_like && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
    if (user_like) return ResourceKind::home_path;
  }
  if (text[0] == '/' && std::isalnum(static_cast<unsigned char>(text[1]))) return ResourceKind::absolute_path;
  if (text[0] == '/' && (text[1] == '.' || text[1] == '_' || text[1] == '/')) {
    for (char c : text.substr(1))
      if (std::isalnum(static_cast<unsigned char>(c))) return ResourceKind::absolute_path;
  }
  if (is_parent_relative(text)) return ResourceKind::parent_path;
  return ResourceKind::none;
}

std::string_view to_string(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::none:
      return "none";
    case ResourceKind::remote_url:
      return "remote URL";
    case ResourceKind::file_url:
      return "file URL";
    case ResourceKind::absolute_path:
      return "absolute path";
    case ResourceKind::home_path:
      return "home-directory path";
    case ResourceKind::parent_path:
      return "path leaving the model's directory";
    case ResourceKind::windows_path:
      return "Windows path";
  }
  return "none";
}

std::string with_article(ResourceKind kind) {
  return (kind == ResourceKind::absolute_path ? "an " : "a ") + std::string(to_string(kind));
}

}  // namespace ms::keras
