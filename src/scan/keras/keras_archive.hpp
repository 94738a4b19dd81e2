#pragma once
#include "formats/json.hpp"
#include "formats/zip.hpp"
#include "scan/context.hpp"
#include "scan/keras/config_scan.hpp"

namespace ms {

// A Keras v3 `.keras` archive: config.json (every copy), metadata.json, weights and assets.
void scan_keras_archive(ScanContext& context, Bytes file, const ZipArchive& archive);

// Parses a config document (config.json, a `model_config` attribute, SavedModel metadata) and runs the
// Keras config detector on it; an unparseable document is reported as KERAS-CONFIG-MALFORMED.
void scan_keras_config_bytes(ScanContext& context, Bytes document, const KerasConfigSource& source);

// The `keras_version` a metadata document claims (attacker-controlled: context only), or "".
std::string keras_version_claim(Bytes metadata_json, const Limits& limits);

// Whether a JSON document is shaped like a serialized Keras model (object with class_name and config,
// or a Keras <= 2.2 list of layer objects).
bool looks_like_keras_config(const JsonValue& value);

}  // namespace ms
