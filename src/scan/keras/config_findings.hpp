#pragma once
// Rule metadata of the Keras config detector and the sink its findings pass through (per-rule caps,
// de-duplication of repeated custom symbols, version-claim context).
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "modelshield/finding.hpp"
#include "scan/context.hpp"
#include "scan/keras/config_scan.hpp"

namespace ms::keras {

enum class Rule {
  lambda_bytecode,
  function_reference,
  gadget,
  torch_module_wrapper,
  tfsm_layer,
  hub_layer,
  external_resource,
  custom_object,
  config_malformed,
};

std::string_view rule_id(Rule rule);

// A finding with the rule's id, default fix and references; `pointer` is relative to the config root.
Finding make_finding(Rule rule, Severity severity, std::string_view pointer, std::string reason,
                     std::vector<std::string> evidence);

// Pointers into a hostile document can be as long as the document itself (long keys at every level);
// findings keep at most about a kilobyte of them, head and tail.
std::string bounded_pointer(std::string_view pointer);
// "/a/b" + "c" -> "/a/b/c", escaping the key as RFC 6901 requires, bounded like bounded_pointer.
std::string child_pointer(std::string_view pointer, std::string_view key);

// What a loader of `container` does with Lambda bytecode, for evidence lines.
std::string_view lambda_loading_note(KerasConfigSource::Container container);

class FindingSink {
 public:
  explicit FindingSink(const KerasConfigSource& source) : source_(source) {}

  void add(Finding finding);
  // Prefixes pointers, adds version-claim context and the repeat counts, and reports everything.
  void flush(ScanContext& ctx);

 private:
  static constexpr std::size_t kMaxFindingsPerRule = 1000;

  const KerasConfigSource& source_;
  std::vector<Finding> findings_;
  std::map<std::string, std::size_t, std::less<>> per_rule_;
  std::map<std::string, std::size_t, std::less<>> suppressed_;
  // custom-object allowlist symbol -> (index of its first finding, occurrences)
  std::map<std::string, std::pair<std::size_t, std::size_t>, std::less<>> custom_symbols_;
};

}  // namespace ms::keras
