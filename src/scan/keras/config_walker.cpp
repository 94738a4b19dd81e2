// Traversal of a Keras config. Every node is visited (nested models, wrappers, initializers, dtype policies,
// inbound nodes, compile and training configs, Keras 1/2 list forms): any dict with a `class_name` is a
// serialized object whatever key holds it, because Keras's deserializers are just as generic.
#include <algorithm>
#include <array>

#include "scan/keras/config_text.hpp"
#include "scan/keras/config_walker.hpp"

namespace ms::keras {
namespace {

// Keys whose strings are layer, tensor or dtype names: never paths, URLs or code.
constexpr auto kNameKeys = std::to_array<std::string_view>({
    "backend", "class_name", "dtype", "inbound_nodes", "input_layers", "keras_history", "keras_version",
    "module", "name", "output_layers", "registered_name", "spec_name", "type_spec",
});

bool is_name_key(std::string_view key) {
  return std::find(kNameKeys.begin(), kNameKeys.end(), key) != kNameKeys.end();
}

// Keys whose string values Keras resolves as names of functions or classes (activations, losses, metrics,
// optimizers, initializers, regularizers, constraints; Keras 1's init / inner_init).
bool is_function_valued_key(std::string_view key) {
  return key == "activation" || key.ends_with("_activation") || key.ends_with("_initializer") ||
         key.ends_with("_regularizer") || key.ends_with("_constraint") || key == "loss" || key == "losses" ||
         key == "metrics" || key == "weighted_metrics" || key == "optimizer" || key == "fn" || key == "init" ||
         key == "inner_init";
}

}  // namespace

void ConfigWalker::run(const JsonValue& root) {
  if (!root.is_object() && !root.is_array()) {
    report_malformed("", "the Keras config is not a JSON object", {"top-level value: " + brief_json(root)});
    return;
  }
  std::string pointer;
  visit(root, pointer, 0, Frame{});
}

void ConfigWalker::report(const JsonValue* subject, Finding finding) {
  if (subject != nullptr) {
    if (auto it = context_.find(subject); it != context_.end())
      finding.evidence.insert(finding.evidence.end(), it->second.begin(), it->second.end());
  }
  sink_.add(std::move(finding));
}

void ConfigWalker::report_malformed(const std::string& pointer, std::string reason,
                                    std::vector<std::string> evidence) {
  report(nullptr, make_finding(Rule::config_malformed, Severity::medium, pointer, std::move(reason),
                               std::move(evidence)));
}

void ConfigWalker::visit(const JsonValue& value, std::string& pointer, std::size_t depth, Frame frame) {
  if (depth > limits_.max_json_depth) {
    if (!depth_reported_) {
      depth_reported_ = true;
      report_malformed(pointer, "the config nests deeper than the scanner follows; deeper objects were not checked",
                       {"depth limit: " + std::to_string(limits_.max_json_depth)});
    }
    return;
  }
  switch (value.kind) {
    case JsonValue::Kind::object:
      visit_object(value, pointer, depth, frame);
      break;
    case JsonValue::Kind::array: {
      std::size_t base = pointer.size();
      for (std::size_t i = 0; i < value.items.size(); ++i) {
        pointer += '/';
        pointer += std::to_string(i);
        visit(value.items[i], pointer, depth + 1, frame);
        pointer.resize(base);
      }
      break;
    }
    case JsonValue::Kind::string:
      check_string(value, pointer, frame);
      break;
    default:
      break;
  }
}

void ConfigWalker::visit_object(const JsonValue& object, std::string& pointer, std::size_t depth, Frame frame) {
  bool serialized = object.get("class_name") != nullptr;
  if (serialized) {
    inspect_serialized(object, pointer);
  } else {
    check_bare_module(object, pointer);
  }
  check_lambda_sites(object, pointer);

  std::size_t base = pointer.size();
  for (std::size_t i = 0; i < object.items.size(); ++i) {
    const std::string& key = object.keys[i];
    pointer += '/';
    pointer += json_pointer_token(key);
    Frame child{key, !serialized && frame.function_context};
    if (is_function_valued_key(key)) child.function_context = true;
    visit(object.items[i], pointer, depth + 1, child);
    pointer.resize(base);
  }
}

void ConfigWalker::check_string(const JsonValue& value, const std::string& pointer, Frame frame) {
  if (handled_.contains(&value)) return;
  const std::string& text = value.text;

  if (frame.function_context && !text.empty() && !is_known_string_reference(text)) {
    report_custom(value, pointer, Severity::medium,
                  "'" + printable(frame.key, 60) + "' names '" + printable(text, 80) +
                      "', which is not a Keras built-in: loading needs it as a custom object",
                  text, {"name: " + printable(text, 120), "key: " + printable(frame.key, 60)});
  }
  if (is_name_key(frame.key)) return;

  if (looks_like_marshalled_code(text)) {
    LambdaSite site;
    site.code = &value;
    site.form = "a marshalled Python code object in the config value '" + printable(frame.key, 60) + "'";
    report_lambda(site, value, pointer, /*heuristic=*/true);
    if (handled_.contains(&value)) return;
  }

  if (ResourceKind kind = classify_resource(text); kind != ResourceKind::none) {
    handled_.insert(&value);
    report(&value, make_finding(Rule::external_resource, Severity::high, pointer,
                                "config value '" + printable(frame.key, 60) + "' is a " +
                                    std::string(to_string(kind)) +
                                    ": a layer that opens it at load time reads local files or reaches the network",
                                {"value: " + printable(text, 200), "kind: " + std::string(to_string(kind)),
                                 "key: " + printable(frame.key, 60)}));
  }
}

void ConfigWalker::check_lambda_sites(const JsonValue& object, const std::string& pointer) {
  for (std::size_t i = 0; i < object.items.size(); ++i) {
    const std::string& key = object.keys[i];
    if (key.ends_with("_type") || key.ends_with("module")) continue;
    const JsonValue* type = object.get(key + "_type");
    if (type == nullptr || !type->is_string()) continue;
    const JsonValue& value = object.items[i];
    std::string module_key = key == "function" ? "module" : key + "_module";
    std::string_view globals_module = object.string_at(module_key);

    if (type->text == "lambda") {
      if (handled_.contains(&value)) continue;
      LambdaSite site;
      site.globals_module = std::string(globals_module);
      if (value.is_array()) {
        site.code = value.items.empty() ? nullptr : &value.items[0];
        if (value.items.size() > 1) site.defaults = &value.items[1];
        if (value.items.size() > 2) site.closure = &value.items[2];
        site.form = "Keras 2 Lambda '" + key + "' as [code, defaults, closure] with " + key + "_type 'lambda'";
        if (value.items.size() != 3)
          site.form += " (malformed: " + std::to_string(value.items.size()) + " elements instead of 3)";
      } else {
        site.code = &value;
        site.form = "Lambda '" + key + "' as a code string with " + key + "_type 'lambda' (Keras 1 form)";
      }
      report_lambda(site, value, child_pointer(pointer, key));
    } else if (type->text == "function" && value.is_string() && !handled_.contains(&value)) {
      handled_.insert(&value);
      check_function(value.text, globals_module, {}, FunctionLookup::names_only, value, child_pointer(pointer, key),
                     "a Keras 2 Lambda '" + key + "' given by function name (" + key + "_type 'function')");
    }
  }
}

void ConfigWalker::check_bare_module(const JsonValue& object, const std::string& pointer) {
  // A Lambda's own `module` (its globals) is judged with its bytecode; TorchModuleWrapper's `module` is a blob.
  const JsonValue* module = object.get("module");
  if (module == nullptr || !module->is_string() || handled_.contains(module) || object.get("function_type"))
    return;
  ModuleInfo info = classify_module(module->text);
  if (info.family != ModuleFamily::dangerous && info.family != ModuleFamily::builtins) return;
  handled_.insert(module);
  report(module, make_finding(Rule::function_reference, Severity::critical, child_pointer(pointer, "module"),
                              "a 'module' value names '" + printable(module->text, 80) + "' (" +
                                  std::string(info.capability) + ") outside any Keras object",
                              {"module: " + printable(module->text, 120), "object: " + brief_json(object)}));
}

}  // namespace ms::keras
