#pragma once
// The Keras config detector: one entry point for every container that stores a Keras model config
// (.keras config.json, legacy HDF5 `model_config` / `training_config` attributes, SavedModel
// keras_metadata.pb node metadata). It resolves every serialized object the way Keras's deserializers do
// and reports what loading the config would run, read, fetch or need.
#include <string>

#include "formats/json.hpp"
#include "scan/context.hpp"

namespace ms {

struct KerasConfigSource {
  // Prepended to every finding's json_pointer (e.g. "/nodes/3/metadata" when the config is embedded).
  std::string json_pointer_prefix;
  enum class Container { keras_v3, legacy_h5, saved_model } container = Container::keras_v3;
  // The Keras version the file claims (metadata.json or the keras_version attribute). Attacker-controlled:
  // it only adds context to findings (affected version ranges), never lowers a severity.
  std::string keras_version_claim;
};

// Rule ids: KERAS-LAMBDA-BYTECODE, KERAS-FUNCTION-REFERENCE, KERAS-GADGET, KERAS-TORCH-MODULE-WRAPPER,
// KERAS-TFSM-LAYER, KERAS-HUB-LAYER, KERAS-EXTERNAL-RESOURCE, KERAS-CUSTOM-OBJECT, KERAS-CONFIG-MALFORMED.
void scan_keras_config(ScanContext& ctx, const JsonValue& config, const KerasConfigSource& source);

}  // namespace ms
