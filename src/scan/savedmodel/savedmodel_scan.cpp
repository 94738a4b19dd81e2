#include "scan/savedmodel/savedmodel_scan.hpp"

#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "formats/json.hpp"
#include "modelshield/error.hpp"
#include "scan/findings.hpp"
#include "scan/keras/config_scan.hpp"
#include "scan/savedmodel/graph_rules.hpp"
#include "scan/savedmodel/path_text.hpp"

namespace ms {
namespace {

using savedmodel::KerasMetadataNode;

constexpr std::size_t kMaxRepeatLocations = 5;

// Keras repeats a layer's config in every enclosing model's metadata, so one Lambda shows up once per
// level. The detector reports it once and lists where else it was seen.
class MetadataScan {
 public:
  explicit MetadataScan(ScanContext& context) : context_(context) {}

  void node(const KerasMetadataNode& node, const std::string& pointer_prefix, const std::string& where) {
    if (node.metadata.empty()) return;
    JsonValue config;
    try {
      config = parse_json(as_bytes(node.metadata), context_.limits());
    } catch (const LimitError& error) {
      report_incomplete(
          context_,
          LimitError(error.format(), error.message() + " in the Keras metadata of " + where, node.offset));
      return;
    } catch (const FormatError& error) {
      report_not_json(node, pointer_prefix, where, error);
      return;
    }
    std::vector<Finding>& findings = context_.findings();
    const std::size_t first = findings.size();
    scan_keras_config(context_, config,
                      KerasConfigSource{.json_pointer_prefix = pointer_prefix,
                                        .container = KerasConfigSource::Container::saved_model});
    std::size_t kept = first;
    for (std::size_t i = first; i < findings.size(); ++i) {
      Finding& finding = findings[i];
      if (!finding.location.byte_offset) finding.location.byte_offset = node.offset;
      if (finding.location.object_path.empty()) finding.location.object_path = where;
      if (finding.rule_id == "KERAS-LAMBDA-BYTECODE" || finding.severity == Severity::critical)
        code_runs_at_load_ = true;
      auto [seen, inserted] = seen_.try_emplace(key(finding), kept);
      if (!inserted) {
        Finding& original = findings[seen->second];
        if (++repeats_[seen->second] <= kMaxRepeatLocations)
          original.evidence.push_back(
              fmt_reason("also in the metadata of {} ({})", where, finding.location.json_pointer));
        continue;
      }
      if (kept != i) findings[kept] = std::move(finding);
      ++kept;
    }
    findings.resize(kept);
  }

  bool code_runs_at_load() const { return code_runs_at_load_; }

 private:
  static std::string key(const Finding& finding) {
    std::string key = finding.rule_id;
    key += '\n';
    key += to_string(finding.severity);
    key += '\n';
    key += finding.reason;
    for (const std::string& line : finding.evidence) key += '\n' + line;
    return key;
  }

  void report_not_json(const KerasMetadataNode& node, const std::string& pointer_prefix,
                       const std::string& where, const FormatError& error) {
    Finding finding{
        .rule_id = "KERAS-CONFIG-MALFORMED",
        .severity = Severity::medium,
        .reason = fmt_reason("the Keras metadata of {} is not valid JSON: {}", where, error.message()),
        .evidence = {error.what()},
        .fix =
            "Regenerate the model with Keras; a malformed config may be handled differently by different "
            "loaders.",
    };
    finding.location.json_pointer = pointer_prefix;
    finding.location.object_path = where;
    finding.location.byte_offset = node.offset;
    context_.report(std::move(finding));
  }

  ScanContext& context_;
  // Indices refer to context_.findings(); findings are only ever appended or dropped after them.
  std::map<std::string, std::size_t> seen_;
  std::map<std::size_t, std::size_t> repeats_;
  bool code_runs_at_load_ = false;
};

std::string keras_node_name(const KerasMetadataNode& node) {
  return node.node_path.empty() ? fmt_reason("node {}", node.node_id) : node.node_path;
}

std::string lower_basename(std::string_view name) {
  std::string base(savedmodel_scan::path_basename(name));
  std::transform(base.begin(), base.end(), base.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return base;
}

void report_unrecognised(ScanContext& context) {
  context.report(Finding{
      .rule_id = "PROTOBUF-UNRECOGNISED",
      .severity = Severity::low,
      .reason =
          "protobuf content that is neither a TensorFlow SavedModel nor Keras metadata was not analysed",
      .fix = "If this file is a model (e.g. a frozen GraphDef), scan the SavedModel it was exported from; "
             "this version analyses only saved_model.pb and keras_metadata.pb.",
  });
}

}  // namespace

void scan_keras_metadata(ScanContext& context, const savedmodel::KerasMetadata& metadata) {
  MetadataScan scan(context);
  for (std::size_t i = 0; i < metadata.nodes.size(); ++i)
    scan.node(metadata.nodes[i], fmt_reason("/nodes/{}/metadata", i), keras_node_name(metadata.nodes[i]));
}

void scan_saved_model_info(ScanContext& context, const savedmodel::SavedModelInfo& info) {
  MetadataScan metadata(context);
  for (std::size_t g = 0; g < info.meta_graphs.size(); ++g) {
    for (const KerasMetadataNode& node : info.meta_graphs[g].user_object_metadata)
      metadata.node(
          node, fmt_reason("/meta_graphs/{}/object_graph_def/nodes/{}/user_object/metadata", g, node.node_id),
          fmt_reason("object_graph_def/nodes/{}", node.node_id));
  }
  for (std::size_t g = 0; g < info.meta_graphs.size(); ++g) {
    const auto& graph = info.meta_graphs[g];
    GraphRuleOptions options;
    options.code_runs_at_load = metadata.code_runs_at_load();
    if (info.meta_graphs.size() > 1)
      options.meta_graph_label =
          fmt_reason("meta graph {} (tags: {})", g,
                     graph.tags.empty() ? "none" : fmt::format("{}", fmt::join(graph.tags, ", ")));
    scan_saved_model_graph(context, graph, options);
  }
}

std::string scan_savedmodel_protobuf(ScanContext& context, Bytes data, std::string_view name) {
  const std::string base = lower_basename(name);
  std::string description = "savedmodel";
  // Hubs and mirrors prefix file names ("<repo>__keras_metadata.pb"): match the ending.
  try {
    if (base.ends_with("keras_metadata.pb")) {
      description = "keras-metadata";
      scan_keras_metadata(context, savedmodel::parse_keras_metadata(data, context.limits()));
      return description;
    }
    if (base.ends_with("saved_model.pb") || savedmodel::looks_like_saved_model_pb(data)) {
      scan_saved_model_info(context, savedmodel::parse_saved_model(data, context.limits()));
      return description;
    }
  } catch (const LimitError& error) {
    report_incomplete(context, error);
    return description;
  } catch (const FormatError& error) {
    report_malformed(context, error);
    return description;
  }
  // Renamed metadata files are still Keras metadata when their content says so.
  try {
    savedmodel::KerasMetadata metadata = savedmodel::parse_keras_metadata(data, context.limits());
    if (!metadata.nodes.empty() && metadata.nodes.front().metadata.starts_with('{')) {
      scan_keras_metadata(context, metadata);
      return "keras-metadata";
    }
  } catch (const FormatError&) {
    // not Keras metadata either (LimitError derives from FormatError: same answer)
  }
  report_unrecognised(context);
  return "protobuf";
}

}  // namespace ms
