#include "scan/keras/keras_archive.hpp"

#include <array>

#include "modelshield/error.hpp"
#include "scan/archive/zip_members.hpp"
#include "scan/findings.hpp"

namespace ms {

namespace {

constexpr std::array<std::string_view, 5> kKerasMembers = {"config.json", "metadata.json", "model.weights.h5",
                                                           "model.weights.npz", "model.weights.json"};

bool is_expected_member(const ZipEntry& entry) {
  for (std::string_view name : kKerasMembers)
    if (entry.name == name) return true;
  return entry.name.starts_with("assets/") || entry.name == "assets" ||
         (entry.name.starts_with("model") && entry.name.ends_with(".weights.h5"));  // sharded weights
}

std::string duplicate_label(const ZipArchive& archive, const ZipEntry& entry) {
  const ZipEntry* winner = archive.find(entry.name);
  if (winner == &entry) {
    std::size_t copies = std::count_if(archive.entries.begin(), archive.entries.end(),
                                       [&](const ZipEntry& e) { return e.name == entry.name; });
    return copies > 1 ? fmt_reason("{} [entry {}, the copy Python loads]", entry.name, entry.index)
                      : entry.name;
  }
  return fmt_reason("{} [entry {}, shadowed by entry {}]", entry.name, entry.index,
                    winner ? winner->index : 0);
}

}  // namespace

bool looks_like_keras_config(const JsonValue& value) {
  if (value.is_object()) return value.get("class_name") != nullptr && value.get("config") != nullptr;
  if (value.is_array() && !value.items.empty())
    return std::all_of(value.items.begin(), value.items.end(), [](const JsonValue& item) {
      return item.is_object() && item.get("class_name") != nullptr;
    });
  return false;
}

std::string keras_version_claim(Bytes metadata_json, const Limits& limits) {
  try {
    JsonValue metadata = parse_json(metadata_json, limits);
    return std::string(metadata.string_at("keras_version"));
  } catch (const FormatError&) {
    return {};
  }
}

void scan_keras_config_bytes(ScanContext& context, Bytes document, const KerasConfigSource& source) {
  JsonValue config;
  try {
    config = parse_json(document, context.limits());
  } catch (const LimitError& error) {
    report_incomplete(context, error);
    return;
  } catch (const FormatError& error) {
    Finding finding{
        .rule_id = "KERAS-CONFIG-MALFORMED",
        .severity = Severity::medium,
        .reason = "the model config is not valid JSON: loaders may reject or mis-read it",
        .evidence = {error.what()},
        .fix = "Do not load this model; obtain it again from a trusted source.",
    };
    finding.location.json_pointer = source.json_pointer_prefix;
    finding.location.byte_offset = error.offset();
    context.report(std::move(finding));
    return;
  }
  scan_keras_config(context, config, source);
}

void scan_keras_archive(ScanContext& context, Bytes file, const ZipArchive& archive) {
  KerasConfigSource source{.container = KerasConfigSource::Container::keras_v3};
  if (const ZipEntry* metadata = archive.find("metadata.json")) {
    if (auto bytes = read_member(context, file, *metadata))
      source.keras_version_claim = keras_version_claim(bytes->bytes, context.limits());
  }
  for (const ZipEntry& entry : archive.entries) {
    if (entry.name == "metadata.json" && archive.find(entry.name) == &entry) continue;
    if (entry.name == "config.json") {
      ScanContext member = context.for_member(duplicate_label(archive, entry));
      if (auto bytes = read_member(context, file, entry))
        scan_keras_config_bytes(member, bytes->bytes, source);
      continue;
    }
    if (!is_expected_member(entry) && !entry.is_directory) {
      ScanContext member = context.for_member(entry.name);
      member.report(Finding{
          .rule_id = "KERAS-ARCHIVE-UNEXPECTED-MEMBER",
          .severity = Severity::low,
          .reason = "the .keras archive holds a member Keras does not write",
          .evidence = {entry.name},
          .fix = "Find out why it is there; a loader ignores it, but other tooling may not.",
      });
    }
    scan_member_content(context, file, entry);
  }
}

}  // namespace ms
