#pragma once
// The SavedModel detector: TensorFlow `saved_model.pb` graphs and Keras `keras_metadata.pb` configs.
#include <string>
#include <string_view>

#include "formats/savedmodel.hpp"
#include "modelshield/byte_reader.hpp"
#include "scan/context.hpp"

namespace ms {

// Entry point for a protobuf file. By name and content: `keras_metadata.pb` -> Keras metadata (each
// node's JSON config goes to the Keras config detector); `saved_model.pb`, or any protobuf shaped like
// one -> the graph rules (scan/savedmodel/graph_rules.hpp) over every node of every MetaGraph and library
// function, plus the Keras configs the object graph carries; anything else -> one low
// PROTOBUF-UNRECOGNISED finding. Malformed input -> FORMAT-MALFORMED, limits -> SCAN-LIMIT-EXCEEDED.
// Returns "savedmodel", "keras-metadata" or "protobuf".
std::string scan_savedmodel_protobuf(ScanContext& context, Bytes data, std::string_view name);

// The same rules over already-parsed structures (e.g. for a container that parsed them itself).
void scan_saved_model_info(ScanContext& context, const savedmodel::SavedModelInfo& info);
void scan_keras_metadata(ScanContext& context, const savedmodel::KerasMetadata& metadata);

}  // namespace ms
