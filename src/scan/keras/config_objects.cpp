// Serialized objects: resolve `module` / `class_name` / `registered_name` (or a function's name) the way
// Keras 3's serialization_lib and Keras 2's generic_utils deserializers do, and report what they reach.
#include <algorithm>
#include <array>

#include "scan/keras/config_text.hpp"
#include "scan/keras/config_walker.hpp"

namespace ms::keras {
namespace {

// Class names Keras's deserializers treat as plain data, never as a class to import.
constexpr auto kDataClassNames = std::to_array<std::string_view>({
    "CompositeTensor",
    "TensorShape",
    "TypeSpec",
    "__bytes__",
    "__ellipsis__",
    "__keras_tensor__",
    "__numpy__",
    "__slice__",
    "__tensor__",
    "__tuple__",
});

// Packages whose registered names ("keras_hub>GemmaBackbone") are library classes, not the author's code.
constexpr auto kLibraryPackages = std::to_array<std::string_view>({
    "keras",
    "keras_cv",
    "keras_hub",
    "keras_nlp",
    "keras_rs",
    "tensorflow_hub",
});

std::string_view leaf_of(std::string_view dotted) {
  std::size_t dot = dotted.rfind('.');
  return dot == std::string_view::npos ? dotted : dotted.substr(dot + 1);
}

bool is_resource_class(std::string_view leaf) {
  return leaf == "StringLookup" || leaf == "IntegerLookup" || leaf == "TextVectorization" ||
         leaf == "IndexLookup" || leaf.ends_with("Tokenizer");
}

std::string qualified(std::string_view module, std::string_view name) {
  return module.empty() ? std::string(name) : std::string(module) + "." + std::string(name);
}

std::vector<std::string> names_evidence(const ObjectNames& names) {
  std::vector<std::string> evidence;
  evidence.push_back("class_name: " + printable(names.class_name, 120));
  evidence.push_back(names.module_present ? "module: " + printable(names.module, 120)
                                          : "module: null or absent");
  if (!names.registered_name.empty())
    evidence.push_back("registered_name: " + printable(names.registered_name, 120));
  return evidence;
}

}  // namespace

void ConfigWalker::report_custom(const JsonValue& subject, const std::string& pointer, Severity severity,
                                 std::string reason, std::string symbol, std::vector<std::string> evidence) {
  Finding finding =
      make_finding(Rule::custom_object, severity, pointer, std::move(reason), std::move(evidence));
  finding.allowlist_symbol = std::move(symbol);
  report(&subject, std::move(finding));
}

void ConfigWalker::inspect_serialized(const JsonValue& object, const std::string& pointer) {
  const JsonValue* class_value = object.get("class_name");
  if (!class_value->is_string() || class_value->text.empty()) {
    report_malformed(pointer,
                     "'class_name' is not a non-empty string; loaders fail or resolve it differently",
                     {"class_name: " + brief_json(*class_value)});
    return;
  }
  ObjectNames names;
  names.class_name = class_value->text;
  for (auto [key, target] :
       {std::pair{"module", &names.module}, std::pair{"registered_name", &names.registered_name}}) {
    const JsonValue* value = object.get(key);
    if (value == nullptr || value->is_null()) continue;
    if (!value->is_string()) {
      report_malformed(child_pointer(pointer, key), std::string("'") + key + "' is neither a string nor null",
                       {std::string(key) + ": " + brief_json(*value)});
      return;
    }
    *target = value->text;
    if (std::string_view(key) == "module") names.module_present = true;
  }

  std::string_view class_name = names.class_name;
  if (class_name == "__lambda__" || class_name == "__bytecode__") {
    inspect_keras3_lambda(object, pointer);
    return;
  }
  if (std::find(kDataClassNames.begin(), kDataClassNames.end(), class_name) != kDataClassNames.end()) return;

  const JsonValue* config = object.get("config");
  if (class_name == "function") {
    if (config == nullptr || !config->is_string()) {
      report_malformed(pointer, "a serialized function whose 'config' is not the function's name",
                       {"config: " + (config ? brief_json(*config) : std::string("absent"))});
      return;
    }
    check_function(config->text, names.module, names.registered_name, FunctionLookup::imports_module, object,
                   pointer, "a serialized function (class_name 'function')");
    return;
  }
  if (class_name == "__typespec__") {
    // Keras 3 resolves `spec_name` in `module` like any class.
    names.class_name = object.string_at("spec_name");
    if (names.class_name.empty()) return;
  } else if (config != nullptr && !config->is_object() && !config->is_array() && !config->is_null()) {
    report_malformed(pointer, "the 'config' of '" + printable(class_name, 80) + "' is not an object",
                     {"config: " + brief_json(*config)});
  }
  inspect_class(object, names, pointer);
}

void ConfigWalker::inspect_class(const JsonValue& object, const ObjectNames& names,
                                 const std::string& pointer) {
  std::string_view leaf = leaf_of(names.class_name);
  ModuleInfo module = classify_module(names.module);
  bool keras_scope = module.family == ModuleFamily::none || module.family == ModuleFamily::keras_core;
  if (keras_scope) {
    if (leaf == "Lambda") return inspect_lambda_layer(object, pointer);
    if (leaf == "TorchModuleWrapper") return inspect_torch_wrapper(object, pointer);
    if (leaf == "TFSMLayer") return inspect_tfsm_layer(object, pointer);
    if (leaf == "TFOpLambda" || leaf == "SlicingOpLambda") return inspect_tf_op_lambda(object, pointer);
  }
  if (leaf == "KerasLayer" &&
      (module.root == "tensorflow_hub" || names.registered_name.starts_with("tensorflow_hub>") ||
       module.family == ModuleFamily::none))
    return inspect_hub_layer(object, pointer);
  if (is_resource_class(leaf)) inspect_resource_parameters(object, leaf, pointer);

  std::string symbol = qualified(names.module, names.class_name);
  bool custom_reported = false;
  switch (module.family) {
    case ModuleFamily::dangerous: {
      std::vector<std::string> evidence = names_evidence(names);
      evidence.push_back("Keras 3 before 3.9 imports any module a config names and returns its attribute");
      report(&object, make_finding(Rule::function_reference, Severity::critical, pointer,
                                   "'module' makes Keras import '" + printable(names.module, 80) + "' (" +
                                       std::string(module.capability) + ") to find '" +
                                       printable(names.class_name, 80) + "'",
                                   std::move(evidence)));
      break;
    }
    case ModuleFamily::builtins: {
      std::string_view capability = dangerous_builtin_capability(names.class_name);
      report(&object,
             make_finding(Rule::function_reference,
                          capability.empty() ? Severity::medium : Severity::critical, pointer,
                          "the object resolves to Python's builtins." + printable(names.class_name, 80) +
                              (capability.empty() ? std::string() : " (" + std::string(capability) + ")"),
                          names_evidence(names)));
      break;
    }
    case ModuleFamily::keras_core:
    case ModuleFamily::keras_addon:
    case ModuleFamily::tensorflow:
      if (std::optional<Gadget> gadget = match_gadget(symbol)) {
        std::vector<std::string> evidence = names_evidence(names);
        evidence.push_back("resolves to: " + printable(symbol, 160));
        evidence.push_back("effect: " + std::string(gadget->effect));
        Finding finding = make_finding(
            Rule::gadget, Severity::critical, pointer,
            "the config reaches " + printable(symbol, 120) + ", which " + std::string(gadget->effect),
            std::move(evidence));
        for (std::string_view reference : gadget->references) finding.references.emplace_back(reference);
        report(&object, std::move(finding));
      } else if (module.family == ModuleFamily::keras_core && !is_known_keras_class(leaf) &&
                 !is_known_keras_function(leaf)) {
        custom_reported = true;
        report_custom(object, pointer, Severity::low,
                      "'" + printable(symbol, 120) +
                          "' is not a known Keras built-in: Keras imports its module "
                          "to find it",
                      symbol, names_evidence(names));
      }
      break;
    case ModuleFamily::main:
    case ModuleFamily::other: {
      custom_reported = true;
      bool registered = names.registered_name.find('>') != std::string_view::npos;
      report_custom(
          object, pointer, Severity::medium,
          "custom class '" + printable(symbol, 120) + "': loading needs code the file does not contain",
          registered ? std::string(names.registered_name) : symbol, names_evidence(names));
      break;
    }
    case ModuleFamily::none: {
      std::string_view name = names.class_name;
      if (name.starts_with("Custom>")) name.remove_prefix(7);  // tf.keras 2.11+ registers its optimizers so
      if (is_known_keras_class(name)) break;
      custom_reported = true;
      bool registered = names.registered_name.find('>') != std::string_view::npos;
      std::vector<std::string> evidence = names_evidence(names);
      if (match_gadget("keras." + std::string(name)) || is_python_builtin(name))
        evidence.push_back(
            "the name matches a non-modeling function; it only resolves through custom objects");
      report_custom(object, pointer, Severity::medium,
                    "'" + printable(names.class_name, 80) +
                        "' is not a Keras built-in class: loading needs it as a registered custom object",
                    registered ? std::string(names.registered_name) : std::string(names.class_name),
                    std::move(evidence));
      break;
    }
    case ModuleFamily::invalid:
      report_malformed(pointer, "'module' is not a Python module name", names_evidence(names));
      break;
  }
  check_registered_name(object, names, pointer, custom_reported);
}

void ConfigWalker::check_registered_name(const JsonValue& object, const ObjectNames& names,
                                         const std::string& pointer, bool custom_reported) {
  if (custom_reported) return;
  std::string_view registered = names.registered_name;
  std::size_t separator = registered.find('>');
  if (separator == std::string_view::npos) return;
  std::string_view package = registered.substr(0, separator);
  std::string_view name = registered.substr(separator + 1);
  if (std::find(kLibraryPackages.begin(), kLibraryPackages.end(), package) != kLibraryPackages.end()) return;
  if (package == "Custom" && is_known_keras_class(name)) return;
  // Keras 3 looks the registered name up first: whatever is registered under it replaces the class.
  report_custom(object, pointer, Severity::medium,
                "registered custom object '" + printable(registered, 120) +
                    "': loading needs code the file does not contain",
                std::string(registered), names_evidence(names));
}

void ConfigWalker::check_function(std::string_view name, std::string_view module,
                                  std::string_view registered_name, FunctionLookup lookup,
                                  const JsonValue& subject, const std::string& pointer,
                                  std::string_view origin) {
  ModuleInfo info = classify_module(module);
  std::string symbol = qualified(module, name);
  std::vector<std::string> evidence{
      "function: " + printable(name, 120),
      module.empty() ? std::string("module: null or absent") : "module: " + printable(module, 120),
      "found as: " + std::string(origin)};
  if (!registered_name.empty()) evidence.push_back("registered_name: " + printable(registered_name, 120));
  bool registered = registered_name.find('>') != std::string_view::npos;
  auto custom = [&](Severity severity, std::string reason, std::string allow) {
    report_custom(subject, pointer, severity, std::move(reason), std::move(allow), evidence);
  };
  auto reference = [&](Severity severity, std::string reason) {
    report(&subject, make_finding(Rule::function_reference, severity, pointer, std::move(reason), evidence));
  };

  switch (info.family) {
    case ModuleFamily::none:
      if (!is_known_keras_function(name) && !is_known_keras_class(name))
        custom(Severity::medium,
               "function '" + printable(name, 80) +
                   "' is not a Keras built-in: loading needs it "
                   "as a custom object",
               registered ? std::string(registered_name) : std::string(name));
      return;
    case ModuleFamily::builtins: {
      // Keras searches its built-in activations, losses, metrics... first, then Python's builtins module.
      if (is_known_keras_core_function(name)) return;
      if (std::string_view capability = dangerous_builtin_capability(name); !capability.empty()) {
        reference(Severity::critical, "the config calls Python's builtins." + printable(name, 80) + " (" +
                                          std::string(capability) + ")");
      } else if (is_python_builtin(name)) {
        reference(Severity::medium, "the config calls Python's builtins." + printable(name, 80) +
                                        ", not a Keras "
                                        "function");
      } else {
        custom(Severity::medium,
               "custom function '" + printable(name, 80) +
                   "' saved by name: loading needs it "
                   "as a custom object",
               registered ? std::string(registered_name) : std::string(name));
      }
      return;
    }
    case ModuleFamily::keras_core:
    case ModuleFamily::keras_addon:
    case ModuleFamily::tensorflow:
      if (std::optional<Gadget> gadget = match_gadget(symbol)) {
        evidence.push_back("resolves to: " + printable(symbol, 160));
        evidence.push_back("effect: " + std::string(gadget->effect));
        Finding finding = make_finding(
            Rule::gadget, Severity::critical, pointer,
            "the config calls " + printable(symbol, 120) + ", which " + std::string(gadget->effect),
            evidence);
        for (std::string_view cve : gadget->references) finding.references.emplace_back(cve);
        report(&subject, std::move(finding));
      } else if (info.family == ModuleFamily::keras_core && !is_known_keras_function(name) &&
                 !is_known_keras_class(name)) {
        reference(Severity::high, "'" + printable(symbol, 120) +
                                      "' is not a known Keras built-in function: "
                                      "Keras imports its module and calls it");
      }
      return;
    case ModuleFamily::dangerous:
      reference(Severity::critical,
                "the config calls " + printable(symbol, 120) + " (" + std::string(info.capability) + ")");
      return;
    case ModuleFamily::main:
      custom(Severity::medium,
             "function '" + printable(name, 80) +
                 "' from the saving script (__main__): loading "
                 "needs it as a custom object",
             registered ? std::string(registered_name) : symbol);
      return;
    case ModuleFamily::other:
      if (lookup == FunctionLookup::imports_module) {
        reference(Severity::critical, "the config makes Keras import '" + printable(module, 80) +
                                          "' and call its '" + printable(name, 80) +
                                          "' (Keras 3 before 3.9 imports any module)");
      } else {
        custom(Severity::medium,
               "function '" + printable(symbol, 120) + "': loading needs it as a custom object",
               registered ? std::string(registered_name) : symbol);
      }
      return;
    case ModuleFamily::invalid:
      report_malformed(pointer, "'module' is not a Python module name", evidence);
      return;
  }
}

void ConfigWalker::inspect_keras3_lambda(const JsonValue& object, const std::string& pointer) {
  LambdaSite site;
  const JsonValue* config = object.get("config");
  if (config != nullptr && config->is_object()) {
    if (const JsonValue* code = config->get("code")) {
      // keras.layers.Lambda: {"code": base64, "defaults": ..., "closure": ...}
      site.code = code;
      site.defaults = config->get("defaults");
      site.closure = config->get("closure");
      site.form = "Keras 3 __lambda__ object {code, defaults, closure}";
    } else if (const JsonValue* value = config->get("value")) {
      // serialization_lib: {"value": [code, defaults, closure]}
      site.form = "Keras 3 __lambda__ object {value: [code, defaults, closure]}";
      if (value->is_array()) {
        if (!value->items.empty()) site.code = &value->items[0];
        if (value->items.size() > 1) site.defaults = &value->items[1];
        if (value->items.size() > 2) site.closure = &value->items[2];
      } else {
        site.code = value;
      }
    }
  }
  if (site.form.empty()) site.form = "Keras 3 __lambda__ object without code";
  report_lambda(site, object, pointer);
}

}  // namespace ms::keras
