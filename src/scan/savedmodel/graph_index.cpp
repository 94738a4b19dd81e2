#include "scan/savedmodel/graph_index.hpp"

#include <algorithm>
#include <array>

namespace ms::savedmodel_scan {
namespace {

// Work done to explain one input is bounded: a crafted graph can chain StringJoins into a diamond
// whose naive expansion is exponential, or loop Identity nodes into a cycle.
constexpr std::size_t kMaxVisits = 256;
constexpr std::size_t kMaxDepth = 32;
constexpr std::size_t kMaxValues = 64;
constexpr std::size_t kMaxValueBytes = 4096;

// Ops whose output is their first input, as far as the string it carries is concerned.
constexpr std::array<std::string_view, 11> kPassThroughOps = {
    "EnsureShape",     "ExpandDims", "Identity",        "PlaceholderWithDefault",
    "PreventGradient", "Reshape",    "ShardedFilename", "ShardedFilespec",
    "Snapshot",        "Squeeze",    "StopGradient"};

bool is_pass_through(std::string_view op) {
  return std::find(kPassThroughOps.begin(), kPassThroughOps.end(), op) != kPassThroughOps.end();
}

std::string_view node_name_of(std::string_view input) { return input.substr(0, input.find(':')); }

std::size_t output_index_of(std::string_view input) {
  const std::size_t colon = input.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == input.size()) return 0;
  std::size_t index = 0;
  for (char c : input.substr(colon + 1)) {
    if (c < '0' || c > '9' || index > 1'000'000) return 0;
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  return index;
}

bool is_control_input(std::string_view input) { return input.empty() || input.front() == '^'; }

// TF1 savers name their filename tensor "save/Const", "save_1/Const", ...
bool is_tf1_saver_filename_name(std::string_view name) {
  if (name.substr(0, 4) != "save") return false;
  std::size_t i = 4;
  if (i < name.size() && name[i] == '_') {
    ++i;
    while (i < name.size() && name[i] >= '0' && name[i] <= '9') ++i;
  }
  return name.substr(i) == "/Const";
}

void cut_to_limit(std::string& value) {
  if (value.size() > kMaxValueBytes) value.resize(kMaxValueBytes);
}

}  // namespace

std::string object_path(const GraphNode& node) {
  return node.function.empty() ? node.name : node.function + "/" + node.name;
}

GraphIndex::GraphIndex(const SavedModelInfo::MetaGraph& graph) : graph_(graph) {
  for (const GraphNode& node : graph.nodes) scopes_[node.function].try_emplace(node.name, &node);
  for (const std::string& function : graph.function_names) functions_.insert(function);
  saver_filename_node_ = node_name_of(graph.saver_filename_tensor);
}

const GraphNode* GraphIndex::producer(std::string_view scope, std::string_view input) const {
  if (is_control_input(input)) return nullptr;
  const auto nodes = scopes_.find(scope);
  if (nodes == scopes_.end()) return nullptr;
  const auto node = nodes->second.find(node_name_of(input));
  return node == nodes->second.end() ? nullptr : node->second;
}

std::vector<std::string_view> GraphIndex::attr_values(const GraphNode& node, std::string_view attr) {
  std::vector<std::string_view> values;
  for (const auto& [name, value] : node.string_attrs)
    if (name == attr) values.push_back(value);
  return values;
}

bool GraphIndex::is_saver_filename(const GraphNode& node) const {
  if (!node.function.empty() ||
      (node.op != "Placeholder" && node.op != "PlaceholderV2" && node.op != "Const"))
    return false;
  return (!saver_filename_node_.empty() && node.name == saver_filename_node_) ||
         node.name == "saver_filename" || is_tf1_saver_filename_name(node.name);
}

struct GraphIndex::Resolver {
  const GraphIndex& index;
  std::string_view scope;
  std::size_t visits = 0;

  InputValue input(std::string_view input_name, std::size_t depth) {
    const GraphNode* node = index.producer(scope, input_name);
    if (node == nullptr) return {};
    return produced(*node, output_index_of(input_name), depth + 1);
  }

  InputValue produced(const GraphNode& node, std::size_t output, std::size_t depth) {
    if (++visits > kMaxVisits || depth > kMaxDepth) return {};
    if (index.is_saver_filename(node)) return constant(node, InputValue::Kind::saver_filename);
    if (node.op == "Const") return constant(node, InputValue::Kind::literal);
    if (is_pass_through(node.op)) return node.inputs.empty() ? InputValue{} : input(node.inputs[0], depth);
    if (node.op == "IdentityN")
      return output < node.inputs.size() ? input(node.inputs[output], depth) : InputValue{};
    if (node.op == "StringJoin") return string_join(node, depth);
    if (node.op == "Pack") return pack(node, depth);
    return {};
  }

  InputValue constant(const GraphNode& node, InputValue::Kind kind) {
    InputValue value;
    value.kind = kind;
    value.source_node = object_path(node);
    for (std::string_view text : GraphIndex::attr_values(node, "value")) {
      if (value.values.size() == kMaxValues) break;
      value.values.emplace_back(text.substr(0, kMaxValueBytes));
    }
    // A saver filename placeholder has no value; a non-string constant cannot name a file.
    if (kind == InputValue::Kind::literal && value.values.empty()) return {};
    return value;
  }

  // Combines the values of every data input; any computed input makes the whole computed.
  bool gather(const GraphNode& node, std::size_t depth, std::vector<InputValue>& parts) {
    for (const std::string& input_name : node.inputs) {
      if (is_control_input(input_name)) continue;
      InputValue part = input(input_name, depth);
      if (part.kind == InputValue::Kind::computed) return false;
      parts.push_back(std::move(part));
    }
    return !parts.empty();
  }

  static InputValue combined(std::vector<InputValue>& parts) {
    InputValue value;
    value.kind = InputValue::Kind::literal;
    for (InputValue& part : parts) {
      if (part.kind == InputValue::Kind::saver_filename) value.kind = InputValue::Kind::saver_filename;
      if (value.source_node.empty()) value.source_node = part.source_node;
    }
    return value;
  }

  InputValue string_join(const GraphNode& node, std::size_t depth) {
    std::vector<InputValue> parts;
    if (!gather(node, depth, parts)) return {};
    const std::vector<std::string_view> separators = GraphIndex::attr_values(node, "separator");
    const std::string_view separator = separators.empty() ? std::string_view{} : separators.front();
    InputValue value = combined(parts);
    std::string joined;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) joined.append(separator.substr(0, kMaxValueBytes));
      // The saver's placeholder carries no value: the loader's directory goes there.
      if (!parts[i].values.empty()) joined.append(parts[i].values.front());
      cut_to_limit(joined);
    }
    value.values.push_back(std::move(joined));
    return value;
  }

  InputValue pack(const GraphNode& node, std::size_t depth) {
    std::vector<InputValue> parts;
    if (!gather(node, depth, parts)) return {};
    InputValue value = combined(parts);
    for (InputValue& part : parts)
      for (std::string& text : part.values)
        if (value.values.size() < kMaxValues) value.values.push_back(std::move(text));
    return value;
  }
};

InputValue GraphIndex::input_value(const GraphNode& node, std::size_t index) const {
  if (index >= node.inputs.size()) return {};
  Resolver resolver{*this, node.function};
  return resolver.input(node.inputs[index], 0);
}

}  // namespace ms::savedmodel_scan
