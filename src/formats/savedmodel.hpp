#pragma once
// Readers for TensorFlow SavedModel `saved_model.pb` and Keras `keras_metadata.pb`, decoded by field
// number from TensorFlow's and Keras's .proto definitions on top of the protobuf wire walker. They
// extract what a scanner needs (ops, devices, string attributes, functions, assets, Keras layer configs)
// and skip everything else (tensor contents, shapes, signatures) after checking its wire structure.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms::savedmodel {

struct GraphNode {
  std::string name, op, device;
  std::string function;  // "" = main graph, else the signature name of the FunctionDef holding the node
  std::vector<std::string> inputs;  // as written: "node", "node:1", "node:output:0", "^control_dependency"
  // attr name -> value for string attrs, each entry of list-of-string attrs, function names (func and
  // list(func) attrs, recursively "f.inner" for attrs of a function reference) and the string_val of
  // tensor attrs (e.g. a Const node's "value"). AttrValue.s and string_val are protobuf `bytes`: kept raw.
  std::vector<std::pair<std::string, std::string>> string_attrs;
  std::uint64_t offset = 0;  // of the NodeDef's tag in the file
};

// A Keras object recorded in keras_metadata.pb (or, for SavedModels written before it existed, in the
// object graph's SavedUserObject): metadata is its JSON config.
struct KerasMetadataNode {
  std::int64_t node_id = 0;
  std::string node_path, identifier, metadata;
  std::uint64_t offset = 0;  // of the node's tag in the file
};

struct SavedModelInfo {
  std::int64_t schema_version = 0;
  struct MetaGraph {
    std::vector<std::string> tags;
    std::string tensorflow_version, tensorflow_git_version;
    std::vector<GraphNode> nodes;  // graph_def nodes, then the nodes of every function in graph_def.library
    std::vector<std::string> function_names;  // signature names of graph_def.library functions
    std::vector<std::string> asset_files;     // asset_file_def filenames
    std::string saver_filename_tensor;        // saver_def.filename_tensor_name
    // object_graph_def: identifier of every SavedUserObject, in node order ("_tf_keras_layer", ...)
    std::vector<std::string> saved_object_identifiers;
    // object_graph_def user objects that carry metadata (node_id = object index, node_path empty).
    std::vector<KerasMetadataNode> user_object_metadata;
  };
  std::vector<MetaGraph> meta_graphs;
};

struct KerasMetadata {
  std::vector<KerasMetadataNode> nodes;
};

// Throw FormatError (with the offset) on malformed wire data or invalid UTF-8 in a `string` field, and
// LimitError past Limits::max_protobuf_depth, max_protobuf_records (records emitted) or
// max_metadata_bytes (string bytes emitted).
SavedModelInfo parse_saved_model(Bytes saved_model_pb, const Limits& limits);
KerasMetadata parse_keras_metadata(Bytes keras_metadata_pb, const Limits& limits);

// Cheap content check, never throws: every top-level field parses, they are only field 1 (varint schema
// version) and field 2 (meta_graphs, at least one), and the first MetaGraphDef's top-level fields parse.
bool looks_like_saved_model_pb(Bytes data);

}  // namespace ms::savedmodel
