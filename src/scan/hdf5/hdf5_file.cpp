// HDF5 files: legacy Keras models (model_config / training_config attributes) and weights files.
#include "formats/hdf5.hpp"
#include "scan/detectors.hpp"
#include "scan/findings.hpp"
#include "scan/hdf5/storage_rules.hpp"
#include "scan/keras/keras_archive.hpp"

namespace ms {

namespace {

// A string attribute as Keras reads it (h5py returns str or bytes; Keras decodes bytes as UTF-8).
std::optional<std::string> string_attribute(const Hdf5Object& object, std::string_view name) {
  const Hdf5Attribute* attribute = object.attribute(name);
  if (attribute == nullptr || !attribute->decoded || attribute->value.kind != Hdf5Value::Kind::string ||
      attribute->value.strings.empty())
    return std::nullopt;
  return attribute->value.strings.front();
}

void scan_config_attribute(ScanContext& context, const Hdf5Object& root, std::string_view name,
                           const std::string& version_claim) {
  const Hdf5Attribute* attribute = root.attribute(name);
  if (attribute == nullptr) return;
  ScanContext at = context.at_object(fmt_reason("/@{}", name));
  std::optional<std::string> text = string_attribute(root, name);
  if (!text) {
    at.report(Finding{.rule_id = "KERAS-CONFIG-MALFORMED",
                      .severity = Severity::medium,
                      .reason = fmt_reason("the {} attribute is not a string: loaders may mis-read it", name),
                      .evidence = {attribute->value.type_description},
                      .fix = "Do not load this model; obtain it again from a trusted source."});
    return;
  }
  KerasConfigSource source{.container = KerasConfigSource::Container::legacy_h5,
                           .keras_version_claim = version_claim};
  scan_keras_config_bytes(at, as_bytes(*text), source);
}

}  // namespace

std::string scan_hdf5_file(ScanContext& context, Bytes data, std::string_view /*name*/) {
  Hdf5File file = parse_hdf5(data, context.limits());
  check_hdf5_storage(context, file, data.size());
  const Hdf5Object* root = file.find("/");
  if (root == nullptr) return "hdf5";
  std::string version_claim = string_attribute(*root, "keras_version").value_or("");
  bool model = root->attribute("model_config") != nullptr;
  scan_config_attribute(context, *root, "model_config", version_claim);
  scan_config_attribute(context, *root, "training_config", version_claim);
  if (model) return "keras-h5";
  bool weights = file.find("/layers") != nullptr || file.find("/model_weights") != nullptr ||
                 root->attribute("layer_names") != nullptr || root->attribute("layer_names0") != nullptr;
  return weights ? "keras-weights-h5" : "hdf5";
}

}  // namespace ms
