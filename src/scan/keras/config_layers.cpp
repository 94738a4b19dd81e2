// Layers whose configs carry their own risks: Lambda bytecode and function references, TorchModuleWrapper's
// pickled module, TFSMLayer / TF-Hub KerasLayer paths, TFOpLambda's TensorFlow symbol, and lookup or
// tokenizer layers that read vocabulary files.
#include <array>
#include <cctype>

#include "formats/marshal.hpp"
#include "scan/keras/config_text.hpp"
#include "scan/keras/config_walker.hpp"

namespace ms::keras {
namespace {

std::string describe_blob_start(std::string_view base64_text) {
  // Decode just the first whole quanta: enough to recognise torch.save's zip or a bare pickle.
  std::string head;
  for (char c : base64_text) {
    if (head.size() == 16) break;
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '+' || c == '/') head += c;
  }
  head.resize(head.size() / 4 * 4);
  std::optional<std::vector<std::uint8_t>> bytes = decode_base64(head);
  if (!bytes || bytes->size() < 2) return "starts with no decodable base64";
  const std::vector<std::uint8_t>& b = *bytes;
  if (b.size() >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4)
    return "starts with a zip header (torch.save's format: the module is pickled inside)";
  if (b[0] == 0x80 && b[1] >= 2 && b[1] <= 5)
    return "starts with a pickle stream (protocol " + std::to_string(b[1]) + ")";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (std::size_t i = 0; i < b.size() && i < 8; ++i) {
    hex += kHex[b[i] >> 4];
    hex += kHex[b[i] & 0xF];
  }
  return "starts with unrecognised bytes " + hex;
}

// TFSMLayer and TF-Hub handles: a remote or out-of-tree location is worse than a relative path next to the
// model, because the attacker then also controls what gets loaded.
Severity location_severity(ResourceKind kind) {
  return kind == ResourceKind::none ? Severity::high : Severity::critical;
}

std::string describe_location(std::string_view text, ResourceKind kind) {
  return kind == ResourceKind::none ? "relative path '" + printable(text, 200) +
                                          "' (resolved against the working "
                                          "directory of the loading process)"
                                    : std::string(to_string(kind)) + " '" + printable(text, 200) + "'";
}

}  // namespace

void ConfigWalker::report_lambda(const LambdaSite& site, const JsonValue& subject, const std::string& pointer,
                                 bool heuristic) {
  LambdaAnalysis analysis = analyze_lambda(site, limits_);
  if (heuristic && !analysis.parsed) return;  // a string that only resembled base64 marshal data
  handled_.insert(&subject);
  if (site.code != nullptr) handled_.insert(site.code);

  std::string reason;
  if (!analysis.indicators.empty()) {
    reason = "Lambda bytecode that runs at load time " + analysis.indicators.front();
  } else if (!analysis.parsed) {
    reason = "Lambda bytecode cannot be decoded, so what it runs at load time cannot be vouched for";
  } else if (heuristic) {
    reason = "a config value holds a marshalled Python function that a Lambda-style loader would run";
  } else {
    reason = "Lambda layer carries Python bytecode that runs when the model is loaded";
  }
  std::vector<std::string> evidence = std::move(analysis.evidence);
  evidence.emplace_back(lambda_loading_note(source_.container));
  report(&subject, make_finding(Rule::lambda_bytecode, analysis.severity, pointer, std::move(reason),
                                std::move(evidence)));
}

void ConfigWalker::inspect_lambda_layer(const JsonValue& object, const std::string& pointer) {
  const JsonValue* config = object.get("config");
  if (config == nullptr || !config->is_object()) return;
  const JsonValue* function = config->get("function");
  if (function == nullptr) return;
  std::string function_pointer = child_pointer(child_pointer(pointer, "config"), "function");
  std::string layer = printable(config->string_at("name"), 80);
  const JsonValue* function_type = config->get("function_type");

  if (function->is_array() &&
      !(function_type && function_type->is_string() && function_type->text == "lambda")) {
    // Keras 3's .h5 loader turns any list into a __lambda__ without looking at function_type.
    LambdaSite site =
        lambda_site_of(*function, "Lambda '" + layer +
                                      "' function without function_type 'lambda' (Keras 3's .h5 "
                                      "loader still runs it)");
    site.globals_module = std::string(config->string_at("module"));
    report_lambda(site, *function, function_pointer);
  } else if (function->is_string() && function_type == nullptr && !handled_.contains(function)) {
    handled_.insert(function);
    check_function(function->text, config->string_at("module"), {}, FunctionLookup::names_only, *function,
                   function_pointer, "Lambda '" + layer + "' function given by name");
  } else if (function->is_object()) {
    const JsonValue* arguments = config->get("arguments");
    attach_context(*function, "called by Lambda layer '" + layer +
                                  "' as function(inputs, **arguments), arguments: " +
                                  (arguments ? brief_json(*arguments) : std::string("none")));
  }
}

void ConfigWalker::inspect_torch_wrapper(const JsonValue& object, const std::string& pointer) {
  const JsonValue* config = object.get("config");
  const JsonValue* blob = config && config->is_object() ? config->get("module") : nullptr;
  if (blob == nullptr || !blob->is_string()) return;
  handled_.insert(blob);
  std::vector<std::string> evidence{"config.module: " + std::to_string(blob->text.size()) +
                                        " base64 characters (about " +
                                        std::to_string(blob->text.size() / 4 * 3) + " bytes decoded)",
                                    "blob " + describe_blob_start(blob->text),
                                    "loading: Keras 3.11.0-3.11.2 unpickles it even with safe_mode=True; "
                                    "later versions with safe_mode=False"};
  report(blob, make_finding(Rule::torch_module_wrapper, Severity::critical,
                            child_pointer(child_pointer(pointer, "config"), "module"),
                            "TorchModuleWrapper embeds a torch.save() blob that Keras passes to torch.load "
                            "(pickle), which runs code chosen by the blob",
                            std::move(evidence)));
}

void ConfigWalker::inspect_tfsm_layer(const JsonValue& object, const std::string& pointer) {
  const JsonValue* config = object.get("config");
  const JsonValue* path = config && config->is_object() ? config->get("filepath") : nullptr;
  if (path == nullptr || !path->is_string()) return;
  handled_.insert(path);
  ResourceKind kind = classify_resource(path->text);
  std::vector<std::string> evidence{"filepath: " + describe_location(path->text, kind)};
  for (std::string_view key : {"call_endpoint", "call_training_endpoint"}) {
    if (std::string_view endpoint = config->string_at(key); !endpoint.empty())
      evidence.push_back(std::string(key) + ": " + printable(endpoint, 80));
  }
  evidence.emplace_back(
      "loading: tf.saved_model.load runs the SavedModel's graph, whose ops can read and write "
      "files; Keras before 3.13.2 loads it even with safe_mode=True");
  report(path, make_finding(Rule::tfsm_layer, location_severity(kind),
                            child_pointer(child_pointer(pointer, "config"), "filepath"),
                            "TFSMLayer loads an external TensorFlow SavedModel from " +
                                (kind == ResourceKind::none ? std::string("a path outside the model file")
                                                            : with_article(kind)),
                            std::move(evidence)));
}

void ConfigWalker::inspect_hub_layer(const JsonValue& object, const std::string& pointer) {
  const JsonValue* config = object.get("config");
  const JsonValue* handle = config && config->is_object() ? config->get("handle") : nullptr;
  if (handle == nullptr || !handle->is_string()) return;
  handled_.insert(handle);
  ResourceKind kind = classify_resource(handle->text);
  report(handle,
         make_finding(Rule::hub_layer, location_severity(kind),
                      child_pointer(child_pointer(pointer, "config"), "handle"),
                      "TF-Hub KerasLayer downloads or opens the SavedModel named by its handle at load time",
                      {"handle: " + describe_location(handle->text, kind),
                       "loading: needs the tensorflow_hub package, which fetches remote handles and runs "
                       "the SavedModel's graph"}));
}

void ConfigWalker::inspect_tf_op_lambda(const JsonValue& object, const std::string& pointer) {
  const JsonValue* config = object.get("config");
  const JsonValue* function = config && config->is_object() ? config->get("function") : nullptr;
  if (function == nullptr || !function->is_string()) return;
  // tf.keras resolves the name against TensorFlow's public API: "math.add" is tf.math.add.
  std::string symbol = "tf." + function->text;
  std::optional<Gadget> gadget = match_gadget(symbol);
  if (!gadget) return;
  handled_.insert(function);
  std::vector<std::string> evidence{"function: " + printable(symbol, 120),
                                    "effect: " + std::string(gadget->effect)};
  if (const JsonValue* nodes = object.get("inbound_nodes"))
    evidence.push_back("call arguments: " + brief_json(*nodes, 300));
  report(function,
         make_finding(
             Rule::gadget, Severity::critical, child_pointer(child_pointer(pointer, "config"), "function"),
             "TFOpLambda calls " + printable(symbol, 120) + ", which is " + std::string(gadget->effect),
             std::move(evidence)));
}

void ConfigWalker::inspect_resource_parameters(const JsonValue& object, std::string_view class_leaf,
                                               const std::string& pointer) {
  static constexpr auto kFileParameters = std::to_array<std::string_view>({
      "merges",
      "merges_file",
      "proto",
      "spm_proto",
      "vocab_file",
      "vocabulary",
      "vocabulary_file",
      "vocabulary_path",
  });
  const JsonValue* config = object.get("config");
  if (config == nullptr || !config->is_object()) return;
  for (std::string_view key : kFileParameters) {
    const JsonValue* value = config->get(key);
    if (value == nullptr || !value->is_string() || value->text.empty()) continue;
    // keras_nlp once stored SentencePiece protos inline; a path is short.
    if ((key == "proto" || key == "spm_proto") && value->text.size() > 4096) continue;
    handled_.insert(value);
    ResourceKind kind = classify_resource(value->text);
    report(value,
           make_finding(Rule::external_resource, Severity::high,
                        child_pointer(child_pointer(pointer, "config"), key),
                        std::string(class_leaf) + " '" + std::string(key) +
                            "' names a file that Keras reads when loading the model",
                        {"parameter: " + std::string(key), "value: " + describe_location(value->text, kind),
                         "loading: read through tf.io.gfile, which also fetches gs://, s3://, hdfs:// and "
                         "http(s) locations; Keras before 3.12 does so even with safe_mode=True"}));
  }
}

}  // namespace ms::keras
