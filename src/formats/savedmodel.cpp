// SavedModel and MetaGraphDef, by the field numbers of TensorFlow's saved_model.proto, meta_graph.proto,
// saver.proto and saved_object_graph.proto.
#include "formats/savedmodel.hpp"

#include "formats/savedmodel_internal.hpp"
#include "modelshield/utf8.hpp"

namespace ms::savedmodel {
namespace {

using detail::OutputBudget;
using protobuf::Field;
using protobuf::MessageReader;
using protobuf::WireType;

// MetaInfoDef { repeated string tags = 4; string tensorflow_version = 5; string tensorflow_git_version = 6; }
void read_meta_info(MessageReader info, SavedModelInfo::MetaGraph& graph, OutputBudget& budget) {
  while (auto field = info.next()) {
    if (field->number == 4) {
      budget.add_record(field->offset);
      graph.tags.push_back(budget.copy(info.string(*field, "tags"), field->offset));
    } else if (field->number == 5) {
      graph.tensorflow_version = budget.copy(info.string(*field, "tensorflow_version"), field->offset);
    } else if (field->number == 6) {
      graph.tensorflow_git_version =
          budget.copy(info.string(*field, "tensorflow_git_version"), field->offset);
    }
  }
}

// SavedUserObject { string identifier = 1; VersionDef version = 2; string metadata = 3; }
void read_user_object(MessageReader user_object, std::int64_t node_id, std::uint64_t offset,
                      SavedModelInfo::MetaGraph& graph, OutputBudget& budget) {
  KerasMetadataNode node;
  node.node_id = node_id;
  node.offset = offset;
  while (auto field = user_object.next()) {
    if (field->number == 1)
      node.identifier = budget.copy(user_object.string(*field, "identifier"), field->offset);
    if (field->number == 3)
      node.metadata = budget.copy(user_object.string(*field, "metadata"), field->offset);
  }
  budget.add_record(offset);
  graph.saved_object_identifiers.push_back(budget.copy(node.identifier, offset));
  if (!node.metadata.empty()) {
    budget.add_record(offset);
    graph.user_object_metadata.push_back(std::move(node));
  }
}

// SavedObjectGraph { repeated SavedObject nodes = 1; }  SavedObject { SavedUserObject user_object = 4; }
void read_object_graph(MessageReader object_graph, SavedModelInfo::MetaGraph& graph, OutputBudget& budget) {
  std::int64_t node_id = 0;
  while (auto field = object_graph.next()) {
    if (field->number != 1) continue;
    MessageReader object = object_graph.nested(*field, "SavedObject");
    while (auto kind = object.next())
      if (kind->number == 4)
        read_user_object(object.nested(*kind, "SavedUserObject"), node_id, field->offset, graph, budget);
    ++node_id;
  }
}

// MetaGraphDef { meta_info_def = 1; graph_def = 2; saver_def = 3; asset_file_def = 6; object_graph_def = 7; }
SavedModelInfo::MetaGraph read_meta_graph(MessageReader meta_graph, OutputBudget& budget) {
  SavedModelInfo::MetaGraph graph;
  while (auto field = meta_graph.next()) {
    switch (field->number) {
      case 1:
        read_meta_info(meta_graph.nested(*field, "MetaInfoDef"), graph, budget);
        break;
      case 2:
        detail::read_graph_def(meta_graph.nested(*field, "GraphDef"), graph, budget);
        break;
      case 3: {  // SaverDef { string filename_tensor_name = 1; }
        MessageReader saver = meta_graph.nested(*field, "SaverDef");
        while (auto saver_field = saver.next())
          if (saver_field->number == 1)
            graph.saver_filename_tensor =
                budget.copy(saver.string(*saver_field, "filename_tensor_name"), saver_field->offset);
        break;
      }
      case 6: {  // AssetFileDef { string filename = 2; }
        MessageReader asset = meta_graph.nested(*field, "AssetFileDef");
        while (auto asset_field = asset.next()) {
          if (asset_field->number != 2) continue;
          budget.add_record(asset_field->offset);
          graph.asset_files.push_back(
              budget.copy(asset.string(*asset_field, "filename"), asset_field->offset));
        }
        break;
      }
      case 7:
        read_object_graph(meta_graph.nested(*field, "SavedObjectGraph"), graph, budget);
        break;
      default:
        break;
    }
  }
  return graph;
}

std::size_t count_multibyte_utf8(Bytes data) {
  std::size_t count = 0;
  for (std::uint8_t byte : data) count += (byte >= 0xc0);  // lead bytes; data is known to be valid UTF-8
  return count;
}

}  // namespace

namespace detail {

void rethrow_with_encoding_hint(const FormatError& error, Bytes data) {
  if (dynamic_cast<const LimitError*>(&error) == nullptr && !find_invalid_utf8(data)) {
    if (std::size_t sequences = count_multibyte_utf8(data); sequences > 0)
      throw FormatError(
          error.format(),
          error.message() + "; the whole input is valid UTF-8 text with " + std::to_string(sequences) +
              " multi-byte sequences, which binary protobuf practically never is: the file was "
              "probably decoded and re-encoded as text (e.g. read as Windows-1252, written as UTF-8)",
          error.offset());
  }
  throw;
}

}  // namespace detail

SavedModelInfo parse_saved_model(Bytes saved_model_pb, const Limits& limits) {
  try {
    OutputBudget budget(limits);
    SavedModelInfo info;
    MessageReader saved_model(saved_model_pb, limits, detail::format_name, "SavedModel");
    while (auto field = saved_model.next()) {
      if (field->number == 1) {
        info.schema_version =
            static_cast<std::int64_t>(saved_model.varint(*field, "saved_model_schema_version"));
      } else if (field->number == 2) {
        budget.add_record(field->offset);
        info.meta_graphs.push_back(read_meta_graph(saved_model.nested(*field, "MetaGraphDef"), budget));
      }
    }
    return info;
  } catch (const FormatError& error) {
    detail::rethrow_with_encoding_hint(error, saved_model_pb);
  }
}

bool looks_like_saved_model_pb(Bytes data) {
  try {
    const Limits limits;
    MessageReader saved_model(data, limits, detail::format_name, "SavedModel");
    std::optional<Field> first_meta_graph;
    while (auto field = saved_model.next()) {
      if (field->number == 1 && field->wire_type == WireType::varint) continue;
      if (field->number != 2 || field->wire_type != WireType::length_delimited) return false;
      if (!first_meta_graph) first_meta_graph = field;
    }
    if (!first_meta_graph) return false;
    // Every MetaGraphDef field (1..7, and room for later ones) is an embedded message.
    MessageReader meta_graph = saved_model.nested(*first_meta_graph, "MetaGraphDef");
    while (auto field = meta_graph.next())
      if (field->number > 32 || field->wire_type != WireType::length_delimited) return false;
    return true;
  } catch (const FormatError&) {
    return false;
  }
}

}  // namespace ms::savedmodel
