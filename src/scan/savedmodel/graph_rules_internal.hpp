#pragma once
// Shared by the graph rule files; not part of the detector's interface.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "scan/context.hpp"
#include "scan/savedmodel/graph_index.hpp"
#include "scan/savedmodel/graph_rules.hpp"

namespace ms::savedmodel_scan {

enum class Rule { file_write, file_read, network, pyfunc, unknown_op, asset_path };
inline constexpr std::size_t kRuleCount = 6;

std::string_view rule_id(Rule rule);

// Reports findings with each rule's references and fix; past kMaxFindingsPerRule findings of one rule in a
// MetaGraph, the rest are counted and summarised in one finding by flush().
class RuleReporter {
 public:
  RuleReporter(ScanContext& context, const GraphRuleOptions& options)
      : context_(context), options_(options) {}

  // A finding located at `node`; the evidence starts with the op (and the MetaGraph label, if any).
  void node_finding(const GraphNode& node, Rule rule, Severity severity, std::string reason,
                    std::vector<std::string> evidence, std::string allowlist_symbol = {});
  void finding(Rule rule, Severity severity, Location location, std::string reason,
               std::vector<std::string> evidence, std::string allowlist_symbol = {});
  void flush();

 private:
  static constexpr std::size_t kMaxFindingsPerRule = 100;

  ScanContext& context_;
  const GraphRuleOptions& options_;
  std::array<std::size_t, kRuleCount> reported_{};
  std::array<std::size_t, kRuleCount> suppressed_{};
  std::array<Severity, kRuleCount> suppressed_severity_{};
};

struct RuleContext {
  const SavedModelInfo::MetaGraph& graph;
  const GraphIndex& index;
  RuleReporter& reporter;
  const GraphRuleOptions& options;
};

// Each returns whether it reported a SAVEDMODEL-NETWORK finding for the node (a remote path counts).
bool check_file_write(RuleContext& rules, const GraphNode& node);
bool check_file_read(RuleContext& rules, const GraphNode& node);
bool check_network(RuleContext& rules, const GraphNode& node);
void check_remote_urls_in_attrs(RuleContext& rules, const GraphNode& node);
void check_py_func(RuleContext& rules, const GraphNode& node);

// Evidence wording for what feeds an input ("path: '/etc/passwd' (constant fn/filename)").
std::string describe_input(std::string_view label, const InputValue& value);
// Reports SAVEDMODEL-NETWORK when a literal path of a file op is a remote URL; returns whether it did.
bool report_remote_path(RuleContext& rules, const GraphNode& node, const InputValue& value);

}  // namespace ms::savedmodel_scan
