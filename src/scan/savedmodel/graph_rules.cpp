#include "scan/savedmodel/graph_rules.hpp"

#include <fmt/ranges.h>

#include <map>

#include "scan/findings.hpp"
#include "scan/savedmodel/graph_rules_internal.hpp"
#include "scan/savedmodel/known_ops.hpp"
#include "scan/savedmodel/path_text.hpp"

namespace ms::savedmodel_scan {
namespace {

constexpr const char* kTensorFlowSecurity =
    "https://github.com/tensorflow/tensorflow/blob/master/SECURITY.md";

struct RuleText {
  std::string_view id;
  std::vector<std::string> references;
  std::string_view fix;
};

const RuleText& rule_text(Rule rule) {
  static const std::array<RuleText, kRuleCount> texts = {{
      {"SAVEDMODEL-FILE-WRITE",
       {kTensorFlowSecurity, "https://www.tensorflow.org/api_docs/python/tf/io/write_file"},
       "Do not load or serve this model: a model has no reason to write files. If you exported it yourself, "
       "re-export it without the file-writing ops."},
      {"SAVEDMODEL-FILE-READ",
       {kTensorFlowSecurity, "https://www.tensorflow.org/api_docs/python/tf/io/read_file"},
       "Do not load or serve this model where it can read sensitive files; re-export it without the "
       "file-reading ops, or run it in a sandbox without access to the file system."},
      {"SAVEDMODEL-NETWORK",
       {kTensorFlowSecurity, "https://www.tensorflow.org/api_docs/python/tf/data/experimental/service"},
       "Load this model only in a sandbox without network access, or re-export it without the ops that "
       "reach other machines."},
      {"SAVEDMODEL-PYFUNC",
       {kTensorFlowSecurity, "https://www.tensorflow.org/api_docs/python/tf/py_function"},
       "The graph calls Python that the exporting process registered; whatever registers it in your process "
       "runs with your privileges. Review that code before loading, or re-export without "
       "tf.py_function / tf.numpy_function."},
      {"SAVEDMODEL-UNKNOWN-OP",
       {"https://www.tensorflow.org/guide/create_op",
        "https://www.tensorflow.org/api_docs/python/tf/load_op_library"},
       "Loading needs a custom op library (native code that is not in this file). Load it only with a "
       "library "
       "from a source you trust, and allow-list the op if it is expected."},
      {"SAVEDMODEL-ASSET-PATH",
       {kTensorFlowSecurity, "https://www.tensorflow.org/guide/saved_model"},
       "Do not load this model: its asset list points outside the assets/ directory, so the loader would "
       "read an arbitrary file."},
  }};
  return texts[static_cast<std::size_t>(rule)];
}

constexpr std::size_t kMaxUnknownNodesListed = 5;

struct UnknownOp {
  const GraphNode* first = nullptr;
  std::size_t count = 0;
  std::vector<std::string> nodes;
};

void report_unknown_ops(RuleContext& rules) {
  std::vector<std::string_view> order;  // first-seen order keeps the report stable
  std::map<std::string_view, UnknownOp> unknown;
  for (const GraphNode& node : rules.graph.nodes) {
    if (node.op.empty() || is_stock_tensorflow_op(node.op) || rules.index.is_library_function(node.op))
      continue;
    auto [entry, inserted] = unknown.try_emplace(node.op);
    if (inserted) {
      order.push_back(node.op);
      entry->second.first = &node;
    }
    if (++entry->second.count <= kMaxUnknownNodesListed) entry->second.nodes.push_back(object_path(node));
  }
  for (std::string_view op : order) {
    const UnknownOp& info = unknown[op];
    std::vector<std::string> evidence;
    evidence.push_back(fmt_reason("used by {} node(s): {}{}", info.count, fmt::join(info.nodes, ", "),
                                  info.count > info.nodes.size() ? ", ..." : ""));
    rules.reporter.node_finding(
        *info.first, Rule::unknown_op, Severity::medium,
        fmt_reason("op '{}' is not a standard TensorFlow op: loading needs a custom op "
                   "library, i.e. native code that is not in the file",
                   printable(op, 120)),
        std::move(evidence), std::string(op));
  }
}

void report_asset_paths(RuleContext& rules) {
  for (std::size_t i = 0; i < rules.graph.asset_files.size(); ++i) {
    const std::string& asset = rules.graph.asset_files[i];
    if (!is_suspicious_path(asset)) continue;
    Location location;
    location.object_path = fmt_reason("asset_file_def[{}]", i);
    rules.reporter.finding(
        Rule::asset_path, Severity::high, std::move(location),
        fmt_reason("asset file '{}' is outside the model's assets/ directory: loading reads "
                   "that file instead of one shipped with the model",
                   printable(asset, 120)),
        {fmt_reason("asset filename: {}", printable(asset))});
  }
}

}  // namespace

std::string_view rule_id(Rule rule) { return rule_text(rule).id; }

void RuleReporter::node_finding(const GraphNode& node, Rule rule, Severity severity, std::string reason,
                                std::vector<std::string> evidence, std::string allowlist_symbol) {
  Location location;
  location.object_path = object_path(node);
  location.byte_offset = node.offset;
  evidence.insert(evidence.begin(), fmt_reason("op: {}", printable(node.op, 120)));
  finding(rule, severity, std::move(location), std::move(reason), std::move(evidence),
          std::move(allowlist_symbol));
}

void RuleReporter::finding(Rule rule, Severity severity, Location location, std::string reason,
                           std::vector<std::string> evidence, std::string allowlist_symbol) {
  const auto index = static_cast<std::size_t>(rule);
  if (reported_[index] >= kMaxFindingsPerRule) {
    if (suppressed_[index]++ == 0 || severity > suppressed_severity_[index])
      suppressed_severity_[index] = severity;
    return;
  }
  ++reported_[index];
  if (!options_.meta_graph_label.empty()) evidence.push_back(options_.meta_graph_label);
  const RuleText& text = rule_text(rule);
  context_.report(Finding{
      .rule_id = std::string(text.id),
      .severity = severity,
      .location = std::move(location),
      .reason = std::move(reason),
      .evidence = std::move(evidence),
      .references = text.references,
      .fix = std::string(text.fix),
      .allowlist_symbol = std::move(allowlist_symbol),
  });
}

void RuleReporter::flush() {
  for (std::size_t index = 0; index < kRuleCount; ++index) {
    if (suppressed_[index] == 0) continue;
    const RuleText& text = rule_text(static_cast<Rule>(index));
    std::vector<std::string> evidence;
    if (!options_.meta_graph_label.empty()) evidence.push_back(options_.meta_graph_label);
    context_.report(Finding{
        .rule_id = std::string(text.id),
        .severity = suppressed_severity_[index],
        .reason = fmt_reason("{} more findings of this rule in the graph are not listed individually",
                             suppressed_[index]),
        .evidence = std::move(evidence),
        .references = text.references,
        .fix = std::string(text.fix),
    });
    suppressed_[index] = 0;
  }
}

std::string describe_input(std::string_view label, const InputValue& value) {
  switch (value.kind) {
    case InputValue::Kind::computed:
      return fmt_reason("{}: computed when the graph runs", label);
    case InputValue::Kind::saver_filename:
      return fmt_reason("{}: the saver's filename tensor{}", label,
                        value.values.empty()
                            ? std::string()
                            : fmt_reason(" (default '{}')", printable(value.values.front())));
    case InputValue::Kind::literal:
      break;
  }
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < value.values.size() && i < 4; ++i)
    shown.push_back(fmt_reason("'{}'", printable(value.values[i])));
  return fmt_reason("{}: {}{} (constant {})", label, fmt::join(shown, ", "),
                    value.values.size() > 4 ? ", ..." : "", printable(value.source_node, 120));
}

bool report_remote_path(RuleContext& rules, const GraphNode& node, const InputValue& value) {
  if (value.kind == InputValue::Kind::computed) return false;
  for (const std::string& path : value.values) {
    const std::string scheme = url_scheme(path);
    if (!is_remote_scheme(scheme)) continue;
    rules.reporter.node_finding(node, Rule::network, Severity::high,
                                fmt_reason("{} reaches the network: it names the remote path '{}'",
                                           printable(node.op, 120), printable(path, 160)),
                                {describe_input("path", value)});
    return true;
  }
  return false;
}

}  // namespace ms::savedmodel_scan

namespace ms {

void scan_saved_model_graph(ScanContext& context, const savedmodel::SavedModelInfo::MetaGraph& graph,
                            const GraphRuleOptions& options) {
  using namespace savedmodel_scan;
  const GraphIndex index(graph);
  RuleReporter reporter(context, options);
  RuleContext rules{graph, index, reporter, options};
  report_asset_paths(rules);
  for (const GraphNode& node : graph.nodes) {
    bool network = check_file_write(rules, node);
    network |= check_file_read(rules, node);
    network |= check_network(rules, node);
    if (!network) check_remote_urls_in_attrs(rules, node);
    check_py_func(rules, node);
  }
  report_unknown_ops(rules);
  reporter.flush();
}

}  // namespace ms
