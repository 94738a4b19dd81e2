#pragma once
// Internal: the traversal of a Keras config and the checks applied to what it finds.
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "formats/json.hpp"
#include "scan/keras/config_findings.hpp"
#include "scan/keras/config_scan.hpp"
#include "scan/keras/lambda.hpp"
#include "scan/keras/symbols.hpp"

namespace ms::keras {

// The `module` / `class_name` / `registered_name` triple of a serialized object, as found.
struct ObjectNames {
  std::string_view class_name;
  std::string_view module;           // empty when null or absent
  bool module_present = false;       // the key exists and is a string
  std::string_view registered_name;  // empty when null or absent
};

// How a function name is looked up: Keras 3's deserializer imports `module` (before 3.9, any module);
// Keras 2 resolves bare names among its built-ins and the caller's custom objects only.
enum class FunctionLookup { imports_module, names_only };

class ConfigWalker {
 public:
  ConfigWalker(const Limits& limits, const KerasConfigSource& source, FindingSink& sink)
      : limits_(limits), source_(source), sink_(sink) {}

  void run(const JsonValue& root);

 private:
  struct Frame {
    std::string_view key;           // nearest enclosing object key
    bool function_context = false;  // inside a value Keras resolves as function / class names
  };

  // Traversal (config_walker.cpp).
  void visit(const JsonValue& value, std::string& pointer, std::size_t depth, Frame frame);
  void visit_object(const JsonValue& object, std::string& pointer, std::size_t depth, Frame frame);
  void check_string(const JsonValue& value, const std::string& pointer, Frame frame);
  void check_lambda_sites(const JsonValue& object, const std::string& pointer);
  void check_bare_module(const JsonValue& object, const std::string& pointer);
  void check_raw_function(const JsonValue& value, const std::string& pointer);
  static LambdaSite lambda_site_of(const JsonValue& value, const std::string& description);

  // Serialized objects (config_objects.cpp).
  void inspect_serialized(const JsonValue& object, const std::string& pointer);
  void inspect_class(const JsonValue& object, const ObjectNames& names, const std::string& pointer);
  void inspect_keras3_lambda(const JsonValue& object, const std::string& pointer);
  void check_function(std::string_view name, std::string_view module, std::string_view registered_name,
                      FunctionLookup lookup, const JsonValue& subject, const std::string& pointer,
                      std::string_view origin);
  void check_registered_name(const JsonValue& object, const ObjectNames& names, const std::string& pointer,
                             bool custom_reported);
  void report_custom(const JsonValue& subject, const std::string& pointer, Severity severity,
                     std::string reason, std::string symbol, std::vector<std::string> evidence);
  void report_malformed(const std::string& pointer, std::string reason, std::vector<std::string> evidence);

  // Layers with their own risks (config_layers.cpp).
  void inspect_lambda_layer(const JsonValue& object, const std::string& pointer);
  void inspect_torch_wrapper(const JsonValue& object, const std::string& pointer);
  void inspect_tfsm_layer(const JsonValue& object, const std::string& pointer);
  void inspect_hub_layer(const JsonValue& object, const std::string& pointer);
  void inspect_tf_op_lambda(const JsonValue& object, const std::string& pointer);
  void inspect_resource_parameters(const JsonValue& object, std::string_view class_leaf,
                                   const std::string& pointer);
  void report_lambda(const LambdaSite& site, const JsonValue& subject, const std::string& pointer,
                     bool heuristic = false);

  void report(const JsonValue* subject, Finding finding);
  // Evidence attached to a node before its turn comes (e.g. the arguments a Lambda passes to a function).
  void attach_context(const JsonValue& node, std::string line) { context_[&node].push_back(std::move(line)); }

  const Limits& limits_;
  const KerasConfigSource& source_;
  FindingSink& sink_;
  std::unordered_set<const JsonValue*> handled_;  // nodes a specific check already reported on
  std::unordered_map<const JsonValue*, std::vector<std::string>> context_;
  bool depth_reported_ = false;
};

}  // namespace ms::keras
