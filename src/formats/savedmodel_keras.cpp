// keras_metadata.pb, by the field numbers of Keras's saved_metadata.proto:
//   SavedMetadata { repeated SavedObject nodes = 1; }
//   SavedObject { int32 node_id = 2; string node_path = 3; string identifier = 4; string metadata = 5;
//                 VersionDef version = 6; }  (1 is reserved)
#include "formats/savedmodel_internal.hpp"

namespace ms::savedmodel {

KerasMetadata parse_keras_metadata(Bytes keras_metadata_pb, const Limits& limits) {
  try {
    detail::OutputBudget budget(limits);
    KerasMetadata metadata;
    protobuf::MessageReader saved_metadata(keras_metadata_pb, limits, detail::format_name, "SavedMetadata");
    while (auto field = saved_metadata.next()) {
      if (field->number != 1) continue;
      budget.add_record(field->offset);
      protobuf::MessageReader object = saved_metadata.nested(*field, "SavedMetadata.SavedObject");
      KerasMetadataNode node;
      node.offset = field->offset;
      while (auto member = object.next()) {
        switch (member->number) {
          case 2:
            object.expect(*member, protobuf::WireType::varint, "node_id");
            node.node_id = member->as_int32();
            break;
          case 3:
            node.node_path = budget.copy(object.string(*member, "node_path"), member->offset);
            break;
          case 4:
            node.identifier = budget.copy(object.string(*member, "identifier"), member->offset);
            break;
          case 5:
            node.metadata = budget.copy(object.string(*member, "metadata"), member->offset);
            break;
          default:
            break;
        }
      }
      metadata.nodes.push_back(std::move(node));
    }
    return metadata;
  } catch (const FormatError& error) {
    detail::rethrow_with_encoding_hint(error, keras_metadata_pb);
  }
}

}  // namespace ms::savedmodel
