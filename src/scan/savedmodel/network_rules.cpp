// SAVEDMODEL-NETWORK and SAVEDMODEL-PYFUNC: ops that leave the process.
#include <algorithm>

#include "scan/findings.hpp"
#include "scan/savedmodel/graph_rules_internal.hpp"
#include "scan/savedmodel/path_text.hpp"

namespace ms::savedmodel_scan {
namespace {

// An op and the data input holding the address it contacts (-1 when none).
struct NetworkOp {
  std::string_view op;
  int address_input;
  std::string_view what;
};

constexpr NetworkOp kNetworkOps[] = {
    {"Rpc", 0, "sends RPC requests"},
    {"TryRpc", 0, "sends RPC requests"},
    {"RpcClient", 0, "connects to an RPC server"},
    {"RpcCall", -1, "sends an RPC request"},
    {"RpcServer", 0, "starts an RPC server"},
    {"RpcServerStart", -1, "starts an RPC server"},
    {"RpcServerRegister", -1, "registers an RPC server method"},
    {"DataServiceDataset", 2, "reads from a tf.data service"},
    {"DataServiceDatasetV2", 2, "reads from a tf.data service"},
    {"DataServiceDatasetV3", 2, "reads from a tf.data service"},
    {"DataServiceDatasetV4", 2, "reads from a tf.data service"},
    {"RegisterDataset", 1, "registers a dataset with a tf.data service"},
    {"RegisterDatasetV2", 1, "registers a dataset with a tf.data service"},
    {"DistributedSave", 2, "contacts a tf.data service"},
    {"RemoteCall", 0, "runs a function on another device, possibly another machine"},
    {"CollectiveReduce", -1, "exchanges tensors with other workers"},
    {"CollectiveReduceV2", -1, "exchanges tensors with other workers"},
    {"CollectiveReduceV3", -1, "exchanges tensors with other workers"},
    {"CollectiveReduceScatterV2", -1, "exchanges tensors with other workers"},
    {"CollectiveGather", -1, "exchanges tensors with other workers"},
    {"CollectiveGatherV2", -1, "exchanges tensors with other workers"},
    {"CollectiveBcastSend", -1, "sends tensors to other workers"},
    {"CollectiveBcastSendV2", -1, "sends tensors to other workers"},
    {"CollectiveBcastRecv", -1, "receives tensors from other workers"},
    {"CollectiveBcastRecvV2", -1, "receives tensors from other workers"},
    {"CollectiveAllToAllV2", -1, "exchanges tensors with other workers"},
    {"CollectiveAllToAllV3", -1, "exchanges tensors with other workers"},
    {"CollectiveInitializeCommunicator", -1, "joins a group of workers"},
};

// String attributes that legitimately mention URL schemes without contacting them: regular
// expressions (the standard TF2 save function matches "^s3://.*") and serialized compiler modules.
bool is_inert_attr(const GraphNode& node, std::string_view attr) {
  if (node.op == "StaticRegexFullMatch" || node.op == "StaticRegexReplace" || node.op == "RegexFullMatch" ||
      node.op == "RegexReplace")
    return attr == "pattern" || attr == "rewrite";
  return node.op == "XlaCallModule" && attr == "module";
}

constexpr std::string_view kPyFuncOps[] = {"PyFunc", "PyFuncStateless", "EagerPyFunc"};

}  // namespace

bool check_network(RuleContext& rules, const GraphNode& node) {
  const auto* entry = std::find_if(std::begin(kNetworkOps), std::end(kNetworkOps),
                                   [&node](const NetworkOp& op) { return op.op == node.op; });
  if (entry == std::end(kNetworkOps)) return false;
  std::vector<std::string> evidence;
  if (entry->address_input >= 0)
    evidence.push_back(describe_input(
        "address", rules.index.input_value(node, static_cast<std::size_t>(entry->address_input))));
  rules.reporter.node_finding(node, Rule::network, Severity::high,
                              fmt_reason("{} {} when the graph runs", printable(node.op, 120), entry->what),
                              std::move(evidence));
  return true;
}

void check_remote_urls_in_attrs(RuleContext& rules, const GraphNode& node) {
  // Constants are data (a vocabulary may well contain URLs); what they feed is judged by the op using them.
  if (node.op == "Const") return;
  for (const auto& [attr, value] : node.string_attrs) {
    if (is_inert_attr(node, attr)) continue;
    const std::string_view url = find_remote_url(value);
    if (url.empty()) continue;
    rules.reporter.node_finding(
        node, Rule::network, Severity::high,
        fmt_reason("{} is configured with the remote URL '{}'", printable(node.op, 120), printable(url, 160)),
        {fmt_reason("attr {}: {}", printable(attr, 80), printable(value))});
    return;
  }
}

void check_py_func(RuleContext& rules, const GraphNode& node) {
  if (std::find(std::begin(kPyFuncOps), std::end(kPyFuncOps), node.op) == std::end(kPyFuncOps)) return;
  const auto tokens = GraphIndex::attr_values(node, "token");
  std::vector<std::string> evidence;
  if (!tokens.empty()) evidence.push_back(fmt_reason("attr token: {}", printable(tokens.front())));
  const bool escalate = rules.options.code_runs_at_load;
  if (escalate)
    evidence.push_back("the same file carries code that runs at load time and could register this function");
  rules.reporter.node_finding(
      node, Rule::pyfunc, escalate ? Severity::critical : Severity::high,
      fmt_reason("{} calls a Python function that is not in the file but registered at run time{}",
                 printable(node.op, 120),
                 escalate ? ", and the file carries code that runs at load time" : ""),
      std::move(evidence));
}

}  // namespace ms::savedmodel_scan
