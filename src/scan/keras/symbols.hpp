#pragma once
// Resolution of the names a Keras config uses to reach Python code: `module` / `class_name` /
// `registered_name` of serialized objects, function names, and the names a Lambda's bytecode references.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ms::keras {

// Where a `module` value makes Keras look for a class or function.
enum class ModuleFamily {
  none,         // null or absent: built-in names and registered custom objects only
  keras_core,   // keras, tf_keras, tensorflow.keras, keras_core
  keras_addon,  // keras_hub, keras_cv, keras_nlp, keras_rs
  tensorflow,   // tensorflow outside its keras package
  builtins,     // builtins / __builtin__: Keras searches its own built-in functions, then Python's
  main,         // __main__: the saving script's own code
  dangerous,    // standard-library or well-known modules that run processes, code, files or network
  other,        // any other importable name: third-party or the author's own package
  invalid,      // not a Python module name at all
};

struct ModuleInfo {
  ModuleFamily family = ModuleFamily::none;
  std::string root;             // first dotted component
  std::string_view capability;  // for `dangerous`: what the module gives access to
};

ModuleInfo classify_module(std::string_view module);

// The path of a symbol relative to the Keras package it lives in ("utils.get_file" for
// "keras.src.utils.file_utils.get_file" → "utils.file_utils.get_file"); nullopt outside Keras.
std::optional<std::string> keras_relative_path(std::string_view dotted);

// A Keras helper that a config can reach which loads, downloads, writes, or changes global state instead of
// building a model.
struct Gadget {
  std::string_view effect;
  std::vector<std::string_view> references;
};
// `dotted` is the full symbol ("keras.utils.get_file", "tensorflow.io.write_file").
std::optional<Gadget> match_gadget(std::string_view dotted);

// Built-in name tables (symbols_builtins.cpp).
bool is_known_keras_class(std::string_view name);
// Functions of the modules Keras searches for bare function names: activations, constraints, initializers,
// losses, metrics, optimizers, regularizers (and their aliases, e.g. "mse", "acc").
bool is_known_keras_core_function(std::string_view name);
// The above plus keras.ops / keras.random / layer helpers / legacy backend functions.
bool is_known_keras_function(std::string_view name);
// A string naming a built-in activation, loss, metric, optimizer, initializer... (case-insensitive).
bool is_known_string_reference(std::string_view name);

// Python's builtins module: whether `name` is one of its functions, and what a dangerous one does.
bool is_python_builtin(std::string_view name);
std::string_view dangerous_builtin_capability(std::string_view name);

// Indicators inside Lambda bytecode: a referenced name (co_names) or a string constant that reaches the
// process, code execution, files or the network. Empty when the name / text is unremarkable.
std::string_view code_name_capability(std::string_view name);
std::string_view string_capability(std::string_view text);

}  // namespace ms::keras
