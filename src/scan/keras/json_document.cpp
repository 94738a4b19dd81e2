// Stand-alone JSON files: an unzipped Keras model's config.json, sharded-weights manifests.
#include "formats/json.hpp"
#include "modelshield/error.hpp"
#include "scan/detectors.hpp"
#include "scan/findings.hpp"
#include "scan/keras/keras_archive.hpp"

namespace ms {

namespace {

bool escapes_directory(std::string_view path) {
  if (path.starts_with('/') || path.starts_with('\\') || path.starts_with("~")) return true;
  if (path.size() > 1 && path[1] == ':') return true;
  return path == ".." || path.starts_with("../") || path.starts_with("..\\") ||
         path.find("/../") != std::string_view::npos || path.find("\\..\\") != std::string_view::npos ||
         path.ends_with("/..");
}

void check_manifest_paths(ScanContext& context, const JsonValue& value, const std::string& pointer,
                          std::size_t depth) {
  if (depth > context.limits().max_json_depth) return;
  if (value.is_string() && escapes_directory(value.text)) {
    Finding finding{
        .rule_id = "KERAS-WEIGHTS-SHARD-PATH",
        .severity = Severity::high,
        .reason = "a sharded-weights manifest names a file outside the model's directory",
        .evidence = {value.text},
        .fix = "Do not load these weights; shard names must be plain file names next to the manifest.",
    };
    finding.location.json_pointer = pointer;
    context.report(std::move(finding));
  }
  for (std::size_t i = 0; i < value.items.size(); ++i) {
    std::string child =
        pointer + "/" + (value.is_object() ? json_pointer_token(value.keys[i]) : std::to_string(i));
    check_manifest_paths(context, value.items[i], child, depth + 1);
  }
}

}  // namespace

std::string scan_json_file(ScanContext& context, Bytes data, std::string_view name) {
  bool model_name = name == "config.json" || name.ends_with(".weights.json");
  JsonValue document;
  try {
    document = parse_json(data, context.limits());
  } catch (const LimitError&) {
    throw;
  } catch (const FormatError&) {
    if (model_name) throw;  // reported as malformed by the dispatcher
    return "json";          // some other JSON file in a walked directory: not ours to judge
  }
  if (name.ends_with(".weights.json")) {
    check_manifest_paths(context, document, "", 0);
    return "keras-weights-manifest";
  }
  if (!looks_like_keras_config(document)) return "json";
  KerasConfigSource source{.container = KerasConfigSource::Container::keras_v3};
  scan_keras_config(context, document, source);
  return "keras-config";
}

}  // namespace ms
