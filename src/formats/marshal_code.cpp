// Layout detection and the conversion of a decoded graph into MarshalCode trees.
#include <algorithm>
#include <array>
#include <optional>
#include <unordered_set>

#include "formats/marshal_value.hpp"

namespace ms {
namespace {

using marshal::CodeFields;
using marshal::Graph;
using marshal::Kind;
using marshal::kNoNode;
using marshal::Node;

constexpr char kFormat[] = "marshal";
constexpr std::size_t kReprBudget = 200;
constexpr std::size_t kMaxAnomalies = 64;
constexpr std::uint8_t kLocalCell = 0x40, kLocalFree = 0x80;  // co_localspluskinds bits (3.11+)

// Newest first: when two layouts fit equally, the newest interpreter is the likelier target.
constexpr std::array<MarshalLayout, 4> kLayouts = {MarshalLayout::python311_plus,
                                                   MarshalLayout::python38_to_310,
                                                   MarshalLayout::python30_to_37, MarshalLayout::python2};

std::string python_versions(MarshalLayout layout, const Graph& graph) {
  switch (layout) {
    case MarshalLayout::python2:
      return "2.3-2.7";
    case MarshalLayout::python30_to_37:
      return graph.uses_references || graph.uses_version4 ? "3.4-3.7" : "3.0-3.7";
    case MarshalLayout::python38_to_310:
      return "3.8-3.10";
    case MarshalLayout::python311_plus:
      return graph.uses_slices ? "3.14" : "3.11-3.14";
  }
  return "unknown";
}

void push_unique(std::vector<std::string>& out, std::unordered_set<std::string>& seen,
                 const std::string& value) {
  if (seen.insert(value).second) out.push_back(value);
}

class CodeBuilder {
 public:
  CodeBuilder(const Graph& graph, const Limits& limits, std::vector<MarshalAnomaly>* anomalies)
      : graph_(graph),
        limits_(limits),
        anomalies_(anomalies),
        code_state_(graph.codes.size(), State::unseen),
        walk_state_(graph.nodes.size(), 0),
        step_budget_(8 * static_cast<std::uint64_t>(graph.nodes.size()) + 1'000'000) {}

  MarshalCode build_root() { return build(graph_.nodes[graph_.root].code, 0); }

 private:
  enum class State : std::uint8_t { unseen, building, built };

  void anomaly(MarshalAnomalyKind kind, std::string detail, std::uint64_t offset) {
    if (anomalies_ && anomalies_->size() < kMaxAnomalies)
      anomalies_->push_back({kind, std::move(detail), offset});
  }

  // Shared nodes could otherwise multiply the output far beyond the input.
  void charge(std::size_t bytes, std::uint64_t offset) {
    output_bytes_ += bytes;
    if (output_bytes_ > limits_.max_metadata_bytes)
      throw LimitError(kFormat, "decoded code objects exceed max_metadata_bytes", offset);
  }
  void step(std::uint64_t offset) {
    if (++steps_ > step_budget_) throw LimitError(kFormat, "constants shared too often to walk", offset);
  }

  const Node& node(std::uint32_t index) const { return graph_.nodes[index]; }

  std::string text(std::uint32_t index) {
    const Node& n = node(index);
    bool valid = true;
    std::string out = marshal::node_text(n, &valid);
    if (!valid) anomaly(MarshalAnomalyKind::invalid_text, "string is not valid UTF-8", n.offset);
    charge(out.size(), n.offset);
    return out;
  }

  std::vector<std::string> texts(std::uint32_t tuple) {
    std::vector<std::string> out;
    if (tuple == kNoNode) return out;
    for (std::uint32_t item : node(tuple).items) out.push_back(text(item));
    return out;
  }

  std::string constant_string(std::uint32_t index) {
    const Node& n = node(index);
    if (n.kind == Kind::str) return text(index);
    std::string out = marshal::escape_bytes(n.payload);
    charge(out.size(), n.offset);
    return out;
  }

  MarshalCode build(std::uint32_t code_index, std::size_t depth) {
    const CodeFields& fields = graph_.codes[code_index];
    const std::uint64_t offset = node(fields.node).offset;
    if (depth >= limits_.max_marshal_depth)
      throw LimitError(kFormat, "code objects nested deeper than max_marshal_depth", offset);
    code_state_[code_index] = State::building;

    MarshalCode code;
    code.offset = offset;
    code.name = text(fields.name);
    if (fields.qualname != kNoNode) code.qualname = text(fields.qualname);
    code.filename = text(fields.filename);
    code.first_line = fields.firstlineno;
    code.argcount = fields.argcount;
    code.posonlyargcount = fields.posonlyargcount;
    code.kwonlyargcount = fields.kwonlyargcount;
    code.stacksize = fields.stacksize;
    code.flags = fields.flags;
    code.names = texts(fields.names);
    fill_locals(fields, code);
    Bytes bytecode = node(fields.bytecode).payload;
    charge(bytecode.size(), offset);
    code.bytecode.assign(bytecode.begin(), bytecode.end());

    std::vector<std::uint32_t> nested = walk_constants(fields.consts, code);
    for (std::uint32_t index : nested) {
      switch (code_state_[index]) {
        case State::unseen:
          code.nested.push_back(build(index, depth + 1));
          break;
        case State::building:
          anomaly(MarshalAnomalyKind::reference_cycle, "code object reachable from its own constants",
                  node(graph_.codes[index].node).offset);
          break;
        case State::built:
          anomaly(MarshalAnomalyKind::shared_code_object, "code object referenced again",
                  node(graph_.codes[index].node).offset);
          break;
      }
    }
    code_state_[code_index] = State::built;
    return code;
  }

  void fill_locals(const CodeFields& fields, MarshalCode& code) {
    std::unordered_set<std::string> seen;
    if (fields.localsplusnames != kNoNode) {
      std::vector<std::string> names = texts(fields.localsplusnames);
      Bytes kinds = node(fields.localspluskinds).payload;
      std::int64_t plain_locals = 0;
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (kinds[i] & kLocalCell) code.cellvars.push_back(names[i]);
        if (kinds[i] & kLocalFree) code.freevars.push_back(names[i]);
        if (!(kinds[i] & kLocalFree)) ++plain_locals;
        push_unique(code.varnames, seen, names[i]);
      }
      code.nlocals = plain_locals;
      return;
    }
    code.nlocals = fields.nlocals;
    for (const std::string& name : texts(fields.varnames)) push_unique(code.varnames, seen, name);
    code.cellvars = texts(fields.cellvars);
    code.freevars = texts(fields.freevars);
    for (const std::string& name : code.cellvars) push_unique(code.varnames, seen, name);
    for (const std::string& name : code.freevars) push_unique(code.varnames, seen, name);
  }

  // Collects strings from the whole constant graph, reprs of the top-level non-string constants, and the
  // code objects to nest (returned, and built only after this walk: walk_state_ is shared).
  std::vector<std::uint32_t> walk_constants(std::uint32_t consts, MarshalCode& code) {
    std::vector<std::uint32_t> nested;
    for (std::uint32_t item : node(consts).items) {
      Kind kind = node(item).kind;
      if (kind != Kind::str && kind != Kind::bytes && kind != Kind::code) {
        std::string text = marshal::repr(graph_, item, kReprBudget);
        charge(text.size(), node(item).offset);
        code.other_constants.push_back(std::move(text));
      }
    }

    // Iterative depth-first walk; a node met again while still open closes a reference cycle.
    constexpr std::uint8_t kOpen = 1, kDone = 2;
    struct Visit {
      std::uint32_t node;
      std::uint32_t level;  // 0: the consts tuple, 1: a direct constant
      bool leaving;
    };
    std::vector<std::uint32_t> touched;
    std::vector<Visit> stack{{consts, 0, false}};
    while (!stack.empty()) {
      Visit visit = stack.back();
      stack.pop_back();
      if (visit.leaving) {
        walk_state_[visit.node] = kDone;
        continue;
      }
      const Node& n = node(visit.node);
      step(n.offset);
      std::uint8_t& state = walk_state_[visit.node];
      if (state == kOpen) {
        anomaly(MarshalAnomalyKind::reference_cycle, "constant container contains itself", n.offset);
        continue;
      }
      if (state == kDone) continue;
      touched.push_back(visit.node);
      switch (n.kind) {
        case Kind::str:
        case Kind::bytes:
          state = kDone;
          code.string_constants.push_back(constant_string(visit.node));
          continue;
        case Kind::code:
          state = kDone;
          if (visit.level > 1)
            anomaly(MarshalAnomalyKind::unusual_constant, "code object inside a constant container",
                    n.offset);
          nested.push_back(n.code);
          continue;
        case Kind::list:
        case Kind::dict:
        case Kind::set:
        case Kind::stop_iteration:
          anomaly(MarshalAnomalyKind::unusual_constant,
                  std::string("constant no compiler emits: ") + kind_name(n.kind), n.offset);
          break;
        default:
          break;
      }
      state = kOpen;
      stack.push_back({visit.node, visit.level, true});
      for (auto it = n.items.rbegin(); it != n.items.rend(); ++it)
        stack.push_back({*it, visit.level + 1, false});
    }
    for (std::uint32_t index : touched) walk_state_[index] = 0;
    return nested;
  }

  static const char* kind_name(Kind kind) {
    switch (kind) {
      case Kind::list:
        return "list";
      case Kind::dict:
        return "dict";
      case Kind::set:
        return "set";
      case Kind::stop_iteration:
        return "StopIteration";
      default:
        return "object";
    }
  }

  const Graph& graph_;
  const Limits& limits_;
  std::vector<MarshalAnomaly>* anomalies_;
  std::vector<State> code_state_;
  std::vector<std::uint8_t> walk_state_;
  std::uint64_t output_bytes_ = 0;
  std::uint64_t steps_ = 0;
  std::uint64_t step_budget_;
};

struct Attempt {
  MarshalLayout layout;
  Graph graph;
};

void collect(const MarshalCode& code, std::vector<std::string>& out, std::unordered_set<std::string>& seen,
             std::vector<std::string> MarshalCode::*field) {
  // Iterative: nesting depth is bounded by the reader, but a walk with its own stack costs nothing.
  std::vector<const MarshalCode*> stack{&code};
  while (!stack.empty()) {
    const MarshalCode* current = stack.back();
    stack.pop_back();
    for (const std::string& value : current->*field) push_unique(out, seen, value);
    for (auto it = current->nested.rbegin(); it != current->nested.rend(); ++it) stack.push_back(&*it);
  }
}

}  // namespace

std::string_view to_string(MarshalLayout layout) {
  switch (layout) {
    case MarshalLayout::python2:
      return "python2";
    case MarshalLayout::python30_to_37:
      return "python3.0-3.7";
    case MarshalLayout::python38_to_310:
      return "python3.8-3.10";
    case MarshalLayout::python311_plus:
      return "python3.11+";
  }
  return "unknown";
}

std::string_view to_string(MarshalAnomalyKind kind) {
  switch (kind) {
    case MarshalAnomalyKind::trailing_data:
      return "trailing_data";
    case MarshalAnomalyKind::ambiguous_layout:
      return "ambiguous_layout";
    case MarshalAnomalyKind::unusual_constant:
      return "unusual_constant";
    case MarshalAnomalyKind::shared_code_object:
      return "shared_code_object";
    case MarshalAnomalyKind::reference_cycle:
      return "reference_cycle";
    case MarshalAnomalyKind::invalid_text:
      return "invalid_text";
  }
  return "unknown";
}

MarshalCodeResult parse_marshal_code(Bytes data, const Limits& limits) {
  std::vector<Attempt> successes;
  std::optional<LimitError> limit_error;
  std::optional<FormatError> best_error;
  for (MarshalLayout layout : kLayouts) {
    try {
      Graph graph = marshal::read_graph(data, layout, limits);
      if (graph.nodes[graph.root].kind != Kind::code)
        throw FormatError(kFormat, "top-level object is not a code object", graph.nodes[graph.root].offset);
      successes.push_back({layout, std::move(graph)});
    } catch (const LimitError& error) {
      if (!limit_error) limit_error = error;
    } catch (const FormatError& error) {
      // The layout that read furthest before failing explains the damage best.
      if (!best_error || error.offset() > best_error->offset()) best_error = error;
    }
  }
  if (successes.empty()) {
    if (limit_error) throw *limit_error;
    throw *best_error;
  }
  // A layout that accounts for every byte beats one that leaves a tail.
  std::stable_sort(successes.begin(), successes.end(), [&](const Attempt& a, const Attempt& b) {
    return (a.graph.consumed == data.size()) > (b.graph.consumed == data.size());
  });

  MarshalCodeResult result;
  const Attempt& chosen = successes.front();
  result.layout = chosen.layout;
  result.python_versions = python_versions(chosen.layout, chosen.graph);
  result.code = CodeBuilder(chosen.graph, limits, &result.anomalies).build_root();
  if (chosen.graph.consumed < data.size())
    result.anomalies.push_back(
        {MarshalAnomalyKind::trailing_data,
         std::to_string(data.size() - chosen.graph.consumed) + " bytes after the code object",
         chosen.graph.consumed});
  for (std::size_t i = 1; i < successes.size(); ++i) {
    const Attempt& other = successes[i];
    MarshalLayoutParse alternative;
    alternative.layout = other.layout;
    alternative.python_versions = python_versions(other.layout, other.graph);
    alternative.code = CodeBuilder(other.graph, limits, nullptr).build_root();
    result.anomalies.push_back({MarshalAnomalyKind::ambiguous_layout,
                                "also decodes as " + std::string(to_string(other.layout)) + " (Python " +
                                    alternative.python_versions + ")",
                                0});
    result.alternatives.push_back(std::move(alternative));
  }
  return result;
}

std::vector<std::string> all_names(const MarshalCode& code) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  collect(code, out, seen, &MarshalCode::names);
  return out;
}

std::vector<std::string> all_string_constants(const MarshalCode& code) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  collect(code, out, seen, &MarshalCode::string_constants);
  return out;
}

std::vector<std::string> all_names(const MarshalCodeResult& result) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  collect(result.code, out, seen, &MarshalCode::names);
  for (const MarshalLayoutParse& alternative : result.alternatives)
    collect(alternative.code, out, seen, &MarshalCode::names);
  return out;
}

std::vector<std::string> all_string_constants(const MarshalCodeResult& result) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  collect(result.code, out, seen, &MarshalCode::string_constants);
  for (const MarshalLayoutParse& alternative : result.alternatives)
    collect(alternative.code, out, seen, &MarshalCode::string_constants);
  return out;
}

}  // namespace ms
