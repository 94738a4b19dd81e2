// Traversal of a Keras config. Every node is visited (nested models, wrappers, initializers, dtype policies,
// inbound nodes, compile and training configs, Keras 1/2 list forms): any dict with a `class_name` is a
// serialized object whatever key holds it, because Keras's deserializers are just as generic.
#include "scan/keras/config_walker.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "scan/keras/config_text.hpp"

namespace ms::keras {
namespace {

// Keys whose strings are layer, tensor or dtype names: never paths, URLs or code.
constexpr auto kNameKeys = std::to_array<std::string_view>({
    "backend",
    "class_name",
    "dtype",
    "inbound_nodes",
    "input_layers",
    "keras_history",
    "keras_version",
    "module",
    "name",
    "output_layers",
    "registered_name",
    "spec_name",
    "type_spec",
});

bool is_name_key(std::string_view key) {
  return std::find(kNameKeys.begin(), kNameKeys.end(), key) != kNameKeys.end();
}

// Keys whose string values Keras resolves as names of functions or classes (activations, losses, metrics,
// optimizers, initializers, regularizers, constraints; Keras 1's init / inner_init).
bool is_function_valued_key(std::string_view key) {
  return key == "activation" || key.ends_with("_activation") || key.ends_with("_initializer") ||
         key.ends_with("_regularizer") || key.ends_with("_constraint") || key == "loss" || key == "losses" ||
         key == "metrics" || key == "weighted_metrics" || key == "optimizer" || key == "fn" ||
         key == "init" || key == "inner_init";
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
      report_malformed(pointer,
                       "the config nests deeper than the scanner follows; deeper objects were not checked",
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

void ConfigWalker::visit_object(const JsonValue& object, std::string& pointer, std::size_t depth,
                                Frame frame) {
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
                  std::string("'").append(printable(frame.key, 60)) + "' names '" + printable(text, 80) +
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
    report(&value,
           make_finding(Rule::external_resource, Severity::high, pointer,
                        "config value '" + printable(frame.key, 60) + "' is " + with_article(kind) +
                            ": a layer that opens it at load time reads local files or reaches the network",
                        {"value: " + printable(text, 200), "kind: " + std::string(to_string(kind)),
                         "key: " + printable(frame.key, 60)}));
  }
}

void ConfigWalker::check_lambda_sites(const JsonValue& object, const std::string& pointer) {
  // A key "<name>_type" makes its sibling "<name>" a Lambda site. Siblings are found through an index built
  // on first use, so that an object with a million keys stays linear.
  std::unordered_map<std::string_view, std::size_t> index;
  auto sibling = [&](std::string_view key) -> const JsonValue* {
    if (index.empty())
      for (std::size_t i = 0; i < object.keys.size(); ++i) index.emplace(object.keys[i], i);
    auto it = index.find(key);
    return it == index.end() ? nullptr : &object.items[it->second];
  };

  for (std::size_t i = 0; i < object.items.size(); ++i) {
    const std::string& type_key = object.keys[i];
    const JsonValue& type = object.items[i];
    if ((type_key == "__lambda__" || type_key == "__bytecode__") && (type.is_string() || type.is_array()) &&
        !handled_.contains(&type)) {
      report_lambda(lambda_site_of(type, "'" + type_key + "' value"), type, child_pointer(pointer, type_key));
      continue;
    }
    if (!type_key.ends_with("_type") || !type.is_string() || type_key.size() == 5) continue;
    std::string key = type_key.substr(0, type_key.size() - 5);
    const JsonValue* found = sibling(key);
    if (found == nullptr || handled_.contains(found)) continue;
    const JsonValue& value = *found;
    const JsonValue* module = sibling(key == "function" ? std::string("module") : key + "_module");
    std::string_view globals_module =
        module != nullptr && module->is_string() ? std::string_view(module->text) : "";

    if (type.text == "lambda") {
      LambdaSite site = lambda_site_of(value, "Keras 2 Lambda '" + key + "' with " + type_key + " 'lambda'");
      site.globals_module = std::string(globals_module);
      report_lambda(site, value, child_pointer(pointer, key));
    } else if (type.text == "function" && value.is_string()) {
      handled_.insert(&value);
      check_function(value.text, globals_module, {}, FunctionLookup::names_only, value,
                     child_pointer(pointer, key),
                     "a Keras 2 Lambda '" + key + "' given by function name (" + type_key + " 'function')");
    } else if (type.text == "raw" && key == "function") {
      check_raw_function(value, child_pointer(pointer, key));
    }
  }
}

LambdaSite ConfigWalker::lambda_site_of(const JsonValue& value_or_tuple, const std::string& description) {
  LambdaSite site;
  // Keras 2 SavedModel metadata serialises the [code, defaults, closure] tuple as
  // {"class_name": "__tuple__", "items": [...]}.
  const JsonValue* items =
      value_or_tuple.string_at("class_name") == "__tuple__" ? value_or_tuple.get("items") : nullptr;
  const JsonValue& value = items != nullptr && items->is_array() ? *items : value_or_tuple;
  if (value.is_array()) {
    site.code = value.items.empty() ? nullptr : &value.items[0];
    if (value.items.size() > 1) site.defaults = &value.items[1];
    if (value.items.size() > 2) site.closure = &value.items[2];
    site.form = description + " as [code, defaults, closure]";
    if (value.items.size() != 3)
      site.form += " (malformed: " + std::to_string(value.items.size()) + " elements instead of 3)";
  } else {
    site.code = &value;
    site.form = description + " as a code string";
  }
  return site;
}

void ConfigWalker::check_raw_function(const JsonValue& value, const std::string& pointer) {
  // function_type 'raw' makes Keras use the value itself as the function: never callable, unless the text
  // names one ("os.system") for a loader that resolves it.
  handled_.insert(&value);
  if (value.is_string()) {
    std::size_t dot = value.text.rfind('.');
    if (dot != std::string::npos) {
      std::string_view text = value.text;
      ModuleInfo module = classify_module(text.substr(0, dot));
      if (module.family == ModuleFamily::dangerous || module.family == ModuleFamily::builtins) {
        check_function(text.substr(dot + 1), text.substr(0, dot), {}, FunctionLookup::names_only, value,
                       pointer, "a Lambda function given raw (function_type 'raw')");
        return;
      }
    }
  }
  report_malformed(pointer, "a Lambda whose function_type is 'raw': the stored value is not a callable",
                   {"function: " + brief_json(value)});
}

void ConfigWalker::check_bare_module(const JsonValue& object, const std::string& pointer) {
  // A Lambda's own `module` (its globals) is judged with its bytecode; TorchModuleWrapper's `module` is a
  // blob.
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
