#pragma once
// Looks nodes up by name within their scope (the main graph or one library function) and works out
// what literal string, if any, reaches a node's input: the file paths and addresses the rules show.
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "formats/savedmodel.hpp"

namespace ms::savedmodel_scan {

using savedmodel::GraphNode;
using savedmodel::SavedModelInfo;

// What feeds a string input.
struct InputValue {
  enum class Kind {
    computed,        // a function argument, a placeholder fed at run time, or an op we do not evaluate
    literal,         // only constants: the value is fixed by the file
    saver_filename,  // built on the saver's filename tensor, which the loader feeds
  };
  Kind kind = Kind::computed;
  // The strings the constants spell (StringJoin concatenated, Pack listed); long values are cut.
  std::vector<std::string> values;
  // Name of the node that holds the first constant, for evidence.
  std::string source_node;
};

class GraphIndex {
 public:
  explicit GraphIndex(const SavedModelInfo::MetaGraph& graph);

  // The node an input string ("name", "name:1", "name:output:0") names in `scope`, or nullptr when it
  // is a control input, a function argument or missing.
  const GraphNode* producer(std::string_view scope, std::string_view input) const;

  // What flows into data input `index` of `node`.
  InputValue input_value(const GraphNode& node, std::size_t index) const;

  // The string values of a string attribute (several for list attributes).
  static std::vector<std::string_view> attr_values(const GraphNode& node, std::string_view attr);

  bool is_library_function(std::string_view name) const { return functions_.count(name) != 0; }

 private:
  struct Resolver;

  bool is_saver_filename(const GraphNode& node) const;

  const SavedModelInfo::MetaGraph& graph_;
  std::unordered_map<std::string_view, std::unordered_map<std::string_view, const GraphNode*>> scopes_;
  std::unordered_set<std::string_view> functions_;
  std::string_view saver_filename_node_;
};

// "function/node" for nodes of a library function, the node name for the main graph.
std::string object_path(const GraphNode& node);

}  // namespace ms::savedmodel_scan
