#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modelshield/severity.hpp"

namespace ms {

// Where inside a file a finding was seen. Every part is optional; the renderers print what is set.
struct Location {
  std::string file;          // path as given on the command line (or walked to)
  std::string member;        // archive member, e.g. "config.json" or "archive/data.pkl"
  std::string json_pointer;  // RFC 6901 pointer into a JSON document, e.g. "/config/layers/3"
  std::string object_path;   // HDF5 object path, e.g. "/model_weights/dense"; protobuf node name
  std::optional<std::uint64_t> byte_offset;  // offset within the member (or file, when no member)
};

struct Finding {
  std::string rule_id;  // stable, e.g. "KERAS-LAMBDA-BYTECODE"
  Severity severity = Severity::info;
  Location location;
  std::string reason;                   // one line: what is wrong and why it matters
  std::vector<std::string> evidence;    // what was seen (names referenced, the URL, the command)
  std::vector<std::string> references;  // CVE ids, advisories, documentation URLs
  std::string fix;                      // what the user should do
  // The symbol the finding is about (e.g. "my_pkg.layers.MyLayer"), for policy allow-lists.
  // Only findings whose subject is a custom class or module set this.
  std::string allowlist_symbol;
};

}  // namespace ms
