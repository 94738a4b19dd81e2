// GraphDef, NodeDef, AttrValue and FunctionDefLibrary, by the field numbers of TensorFlow's graph.proto,
// node_def.proto, attr_value.proto, tensor.proto, function.proto and op_def.proto.
#include <optional>

#include "formats/savedmodel_internal.hpp"

namespace ms::savedmodel::detail {
namespace {

using protobuf::Field;
using protobuf::MessageReader;
using protobuf::WireType;

using StringAttrs = std::vector<std::pair<std::string, std::string>>;

class GraphReader {
 public:
  GraphReader(SavedModelInfo::MetaGraph& graph, OutputBudget& budget) : graph_(graph), budget_(budget) {}

  void read_graph_def(MessageReader graph_def) {
    std::vector<Field> libraries;  // read after the nodes, so that main-graph nodes come first
    while (auto field = graph_def.next()) {
      if (field->number == 1) {  // repeated NodeDef node
        read_node(graph_def.nested(*field, "NodeDef"), field->offset, {});
      } else if (field->number == 2) {  // FunctionDefLibrary library
        graph_def.expect(*field, WireType::length_delimited, "library");
        libraries.push_back(*field);
      }
    }
    for (const Field& library : libraries) read_library(graph_def.nested(library, "FunctionDefLibrary"));
  }

 private:
  void read_library(MessageReader library) {
    while (auto field = library.next())
      if (field->number == 1) read_function(library.nested(*field, "FunctionDef"));  // repeated FunctionDef
  }

  void read_function(MessageReader function) {
    // The nodes are tagged with the signature's name, which the encoding need not put first.
    std::string name;
    for (MessageReader scan = function; auto field = scan.next();) {
      if (field->number != 1) continue;  // OpDef signature
      MessageReader signature = scan.nested(*field, "OpDef");
      while (auto op_field = signature.next())
        if (op_field->number == 1) name = std::string(signature.string(*op_field, "name"));
    }
    budget_.add_record(function.end_offset());
    graph_.function_names.push_back(budget_.copy(name, function.end_offset()));
    while (auto field = function.next())
      if (field->number == 3) read_node(function.nested(*field, "NodeDef"), field->offset, name);  // node_def
  }

  void read_node(MessageReader node_def, std::uint64_t offset, std::string_view function) {
    budget_.add_record(offset);
    GraphNode node;
    node.offset = offset;
    node.function = budget_.copy(function, offset);
    while (auto field = node_def.next()) {
      switch (field->number) {
        case 1:
          node.name = budget_.copy(node_def.string(*field, "name"), field->offset);
          break;
        case 2:
          node.op = budget_.copy(node_def.string(*field, "op"), field->offset);
          break;
        case 3:
          budget_.add_record(field->offset);
          node.inputs.push_back(budget_.copy(node_def.string(*field, "input"), field->offset));
          break;
        case 4:
          node.device = budget_.copy(node_def.string(*field, "device"), field->offset);
          break;
        case 5:
          read_attr_entry(node_def.nested(*field, "NodeDef.AttrEntry"), {}, node.string_attrs);
          break;
        default:
          break;
      }
    }
    graph_.nodes.push_back(std::move(node));
  }

  // map<string, AttrValue> entry { key = 1; value = 2; }, in either order.
  void read_attr_entry(MessageReader entry, std::string_view prefix, StringAttrs& out) {
    std::string key(prefix);
    std::optional<Field> value;
    while (auto field = entry.next()) {
      if (field->number == 1) {
        const std::string_view text = entry.string(*field, "key");
        budget_.charge(prefix.size() + text.size(), field->offset);  // nested prefixes grow with depth
        key = std::string(prefix).append(text);
      }
      if (field->number == 2) {
        entry.expect(*field, WireType::length_delimited, "value");
        value = *field;
      }
    }
    if (value) read_attr_value(entry.nested(*value, "AttrValue"), key, out);
  }

  void emit(StringAttrs& out, std::string_view name, Bytes value, std::uint64_t offset) {
    budget_.add_record(offset);
    out.emplace_back(budget_.copy(name, offset), budget_.copy(value, offset));
  }

  void read_attr_value(MessageReader value, std::string_view name, StringAttrs& out) {
    while (auto field = value.next()) {
      switch (field->number) {
        case 1:
          read_list_value(value.nested(*field, "AttrValue.ListValue"), name, out);
          break;
        case 2:
          emit(out, name, value.bytes(*field, "s"), field->offset);
          break;
        case 8:
          read_tensor(value.nested(*field, "TensorProto"), name, out);
          break;
        case 9:
          value.string(*field, "placeholder");
          break;
        case 10:
          read_name_attr_list(value.nested(*field, "NameAttrList"), name, out);
          break;
        default:
          break;
      }
    }
  }

  void read_list_value(MessageReader list, std::string_view name, StringAttrs& out) {
    while (auto field = list.next()) {
      switch (field->number) {
        case 2:
          emit(out, name, list.bytes(*field, "s"), field->offset);
          break;
        case 8:
          read_tensor(list.nested(*field, "TensorProto"), name, out);
          break;
        case 9:
          read_name_attr_list(list.nested(*field, "NameAttrList"), name, out);
          break;
        default:
          break;
      }
    }
  }

  // NameAttrList { string name = 1; map<string, AttrValue> attr = 2; }: a function reference.
  void read_name_attr_list(MessageReader function, std::string_view name, StringAttrs& out) {
    const std::string prefix = std::string(name) + ".";
    while (auto field = function.next()) {
      if (field->number == 1) emit(out, name, as_bytes(function.string(*field, "name")), field->offset);
      if (field->number == 2) read_attr_entry(function.nested(*field, "NameAttrList.AttrEntry"), prefix, out);
    }
  }

  // TensorProto { repeated bytes string_val = 8; }: the contents of string constants.
  void read_tensor(MessageReader tensor, std::string_view name, StringAttrs& out) {
    while (auto field = tensor.next())
      if (field->number == 8) emit(out, name, tensor.bytes(*field, "string_val"), field->offset);
  }

  SavedModelInfo::MetaGraph& graph_;
  OutputBudget& budget_;
};

}  // namespace

void read_graph_def(MessageReader graph_def, SavedModelInfo::MetaGraph& graph, OutputBudget& budget) {
  GraphReader(graph, budget).read_graph_def(std::move(graph_def));
}

}  // namespace ms::savedmodel::detail
