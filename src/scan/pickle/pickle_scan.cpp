#include "scan/pickle/pickle_scan.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "formats/detect.hpp"
#include "formats/joblib.hpp"
#include "formats/torch_legacy.hpp"
#include "scan/detectors.hpp"
#include "scan/dispatch.hpp"
#include "scan/findings.hpp"
#include "scan/pickle/pickle_policy.hpp"

namespace ms {

namespace {

constexpr std::string_view kPickleDocs = "https://docs.python.org/3/library/pickle.html";

std::string render_call(const PickleCall& call) {
  std::string out = call.callable + "(";
  for (std::size_t i = 0; i < call.arg_summaries.size(); ++i) {
    if (i > 0) out += ", ";
    out += call.arg_summaries[i];
  }
  return out + ")";
}

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

// Whether a rendered argument names the global `name` as a whole token ("partial(posix.system, ...)").
bool mentions(std::string_view summary, std::string_view name) {
  for (std::size_t at = summary.find(name); at != std::string_view::npos; at = summary.find(name, at + 1)) {
    const bool starts = at == 0 || !is_name_char(summary[at - 1]);
    const std::size_t end = at + name.size();
    if (starts && (end == summary.size() || !is_name_char(summary[end]))) return true;
  }
  return false;
}

struct CallSite {
  const PickleCall* direct = nullptr;     // calls the global (or a method of what it made)
  std::vector<const PickleCall*> handed;  // calls the global is handed to, when it is never called itself
};

// The first call the pickle makes to `name`; failing that, a state/method call on an object `name`
// produced; failing that, the calls `name` is handed to as an argument (functools.partial(posix.system)
// and the partial's __setstate__ carrying its arguments), which is how a wrapper reaches it.
CallSite find_call(const PickleTrace& trace, const std::string& name, const PickleImport& import) {
  constexpr std::size_t kMaxHanded = 3;
  CallSite site;
  const PickleCall* produced = nullptr;
  for (const PickleCall& call : trace.calls) {
    if (call.callable == name) return {&call, {}};
    if (produced == nullptr && call.module == import.module && call.qualname == import.qualname)
      produced = &call;
    if (site.handed.size() < kMaxHanded &&
        std::any_of(call.arg_summaries.begin(), call.arg_summaries.end(),
                    [&](const std::string& arg) { return mentions(arg, name); }))
      site.handed.push_back(&call);
  }
  if (produced != nullptr) return {produced, {}};
  return site;
}

bool has_embedded_payload(const PickleTrace& trace, const std::string& name) {
  return std::any_of(trace.embedded.begin(), trace.embedded.end(),
                     [&](const PickleEmbeddedBytes& e) { return e.callable == name; });
}

class StreamJudge {
 public:
  StreamJudge(ScanContext& context, PickleScanResult& result) : context_(context), result_(result) {}

  void judge_import(const PickleImport& import) {
    const std::string name = import.module + "." + import.qualname;
    if (!seen_.insert(name).second) return;
    const PickleTrace& trace = result_.trace;
    const CallSite site = find_call(trace, name, import);
    const PickleCall* call = site.direct;
    std::uint64_t offset = call != nullptr ? call->offset : import.offset;
    std::vector<std::string> evidence;
    if (call != nullptr) evidence.push_back(render_call(*call));
    for (const PickleCall* handed : site.handed)
      evidence.push_back(fmt_reason("handed to {} at byte {}", render_call(*handed), handed->offset));
    evidence.push_back(fmt_reason("{} {} at byte {}", import.opcode, name, import.offset));

    if (!import.exact) {
      report({.rule_id = "PICKLE-COMPUTED-IMPORT",
              .severity = Severity::critical,
              .reason = fmt_reason("the pickle imports a global whose name is computed while loading ({}): "
                                   "no ordinary file does this, it hides what runs",
                                   name),
              .evidence = std::move(evidence),
              .references = {std::string(kPickleDocs)},
              .fix = "Do not load this file."},
             offset, call);
      return;
    }
    PickleClassification verdict = classify_pickle_global(import.module, import.qualname);
    switch (verdict.verdict) {
      case PickleVerdict::safe:
        return;
      case PickleVerdict::loader:
        if (has_embedded_payload(trace, name)) return;  // the payload itself is scanned
        [[fallthrough]];
      case PickleVerdict::dangerous:
        report({.rule_id = "PICKLE-DANGEROUS-CALL",
                .severity = Severity::critical,
                .reason = fmt_reason("loading this pickle calls {}, which {}",
                                     call != nullptr ? render_call(*call) : name, verdict.why),
                .evidence = std::move(evidence),
                .references = {std::string(kPickleDocs)},
                .fix = "Do not load this file. If the weights are needed, convert them in an isolated "
                       "environment to safetensors, or load with torch.load(weights_only=True)."},
               offset, call);
        return;
      case PickleVerdict::unknown: {
        Finding finding{
            .rule_id = "PICKLE-UNKNOWN-IMPORT",
            .severity = Severity::medium,
            .reason = fmt_reason("loading this pickle imports {}, which is not a known-safe global: it runs "
                                 "code that the file does not contain",
                                 name),
            .evidence = std::move(evidence),
            .references = {std::string(kPickleDocs)},
            .fix =
                "Check that the module is one you trust and have installed, then allow it by policy "
                "([allow] symbols).",
            .allowlist_symbol = name};
        report(std::move(finding), offset, call);
        return;
      }
    }
  }

  void judge_errors() {
    const PickleTrace& trace = result_.trace;
    if (trace.truncated) {
      report({.rule_id = "SCAN-LIMIT-EXCEEDED",
              .severity = Severity::high,
              .reason =
                  "a scanning limit cut the pickle analysis short: what was not read cannot be vouched for",
              .evidence = {trace.errors.empty() ? std::string("limit reached") : trace.errors.back().message},
              .fix = "Treat the file as untrusted, or raise the pickle limits and scan again."},
             trace.end_offset, nullptr);
    }
    auto first = std::find_if(trace.errors.begin(), trace.errors.end(), [](const PickleTrace::Error& e) {
      return e.message != "operation limit reached";
    });
    if (first == trace.errors.end() || trace.truncated) return;
    report({.rule_id = "PICKLE-MALFORMED",
            .severity = Severity::medium,
            .reason = fmt_reason("the pickle is malformed: {}", first->message),
            .evidence = {fmt_reason("{} error(s); the first at byte {}", trace.errors.size(), first->offset)},
            .fix = "Do not load this file: pickle.load fails part-way, after running what came before, and "
                   "other loaders may read it differently."},
           first->offset, nullptr);
  }

 private:
  void report(Finding finding, std::uint64_t offset, const PickleCall* call) {
    finding.location.byte_offset = offset;
    result_.highest = std::max(result_.highest, finding.severity);
    if (finding.severity == Severity::critical && result_.first_dangerous_call.empty())
      result_.first_dangerous_call = call != nullptr ? render_call(*call) : finding.evidence.back();
    context_.report(std::move(finding));
  }

  ScanContext& context_;
  PickleScanResult& result_;

 public:
  void skip(const std::vector<PickleImport>& imports) {
    for (const PickleImport& import : imports) seen_.insert(import.module + "." + import.qualname);
  }

 private:
  std::unordered_set<std::string> seen_;
};

// "module.name" or "module.name(...).__setstate__": whether the callee is (a method of) an allowed global.
bool passed_to_safe_global(std::string_view callable) {
  if (std::size_t paren = callable.find('('); paren != std::string_view::npos)
    callable = callable.substr(0, paren);
  std::size_t dot = callable.rfind('.');
  if (dot == std::string_view::npos || callable.starts_with("<")) return false;
  return classify_pickle_global(callable.substr(0, dot), callable.substr(dot + 1)).verdict ==
         PickleVerdict::safe;
}

// Byte strings handed to calls (pickle.loads(b"..."), torch.storage._load_from_bytes(b"PK...")) are
// scanned like files of their own.
void scan_embedded(ScanContext& context, Bytes data, std::uint64_t base_offset, const PickleTrace& trace) {
  for (const PickleEmbeddedBytes& embedded : trace.embedded) {
    Bytes payload(embedded.bytes);
    if (embedded.contiguous && embedded.offset_in_stream >= base_offset &&
        embedded.offset_in_stream - base_offset + embedded.size <= data.size())
      payload = data.subspan(static_cast<std::size_t>(embedded.offset_in_stream - base_offset),
                             static_cast<std::size_t>(embedded.size));
    else if (!embedded.complete)
      payload = Bytes();
    if (passed_to_safe_global(embedded.callable)) continue;  // array state and the like: copied, not run
    ContentFormat format = detect_content(payload.empty() ? Bytes(embedded.bytes) : payload, "");
    if (format == ContentFormat::unknown || format == ContentFormat::empty) continue;
    ScanContext nested = context.for_member(
        fmt_reason("<bytes passed to {} at byte {}>", embedded.callable, embedded.call_offset));
    if (nested.nesting() > context.limits().max_nesting) {
      report_incomplete(nested, LimitError("pickle", "byte strings nested deeper than the nesting limit",
                                           embedded.offset_in_stream));
      continue;
    }
    if (payload.empty()) {
      report_incomplete(nested, LimitError("pickle", "an embedded payload was too large to keep for scanning",
                                           embedded.offset_in_stream));
      continue;
    }
    scan_content(nested, payload, "");
  }
}

}  // namespace

PickleScanResult scan_pickle_stream(ScanContext& context, Bytes data, std::uint64_t base_offset) {
  JoblibArrayInspector joblib_arrays;
  PickleVmOptions options{.build_inspector = &joblib_arrays};
  PickleScanResult result;
  result.trace = run_pickle_vm(data, context.limits(), base_offset, options);
  StreamJudge judge(context, result);
  for (const PickleImport& import : result.trace.imports) judge.judge_import(import);
  judge.judge_errors();
  scan_embedded(context, data, base_offset, result.trace);
  result.joblib_arrays = joblib_arrays.arrays_seen();
  if (joblib_arrays.arrays_seen() > 0) {
    // joblib.load steps over the arrays, a plain pickle.load reads their bytes as opcodes: judge the globals
    // that reading would import too (its parse errors are expected and not reported).
    PickleScanResult plain;
    plain.trace = run_pickle_vm(data, context.limits(), base_offset);
    StreamJudge plain_judge(context, plain);
    plain_judge.skip(result.trace.imports);
    for (const PickleImport& import : plain.trace.imports) plain_judge.judge_import(import);
    result.highest = std::max(result.highest, plain.highest);
    if (result.first_dangerous_call.empty()) result.first_dangerous_call = plain.first_dangerous_call;
  }
  return result;
}

std::string scan_pickle_file(ScanContext& context, Bytes data, std::string_view /*name*/) {
  PickleScanResult result = scan_pickle_stream(context, data, 0);
  return result.joblib_arrays > 0 ? "joblib" : "pickle";
}

// torch.save's oldest layout: a tar whose members hold pickles (every member is scanned by content).
std::string scan_tar_archive(ScanContext& context, Bytes data) {
  std::vector<TarMember> members = parse_tar(data, context.limits());
  bool torch_layout = false;
  for (const TarMember& member : members) {
    torch_layout = torch_layout || member.name == "pickle" || member.name == "storages";
    if (member.type != '0' && member.type != '\0' && member.type != '7') continue;
    ScanContext inside = context.for_member(member.name);
    if (member.truncated)
      report_malformed(inside,
                       FormatError("tar", "member data runs past the end of the file", member.data_offset));
    if (inside.nesting() > context.limits().max_nesting) {
      report_incomplete(
          inside, LimitError("tar", "archives nested deeper than the nesting limit", member.header_offset));
      continue;
    }
    std::string_view base = member.name;
    if (std::size_t slash = base.rfind('/'); slash != std::string_view::npos) base.remove_prefix(slash + 1);
    scan_content(
        inside,
        data.subspan(static_cast<std::size_t>(member.data_offset), static_cast<std::size_t>(member.size)),
        base);
  }
  return torch_layout ? "pytorch-legacy-tar" : "tar";
}

std::string scan_compressed_stream(ScanContext& context, Bytes data, std::string_view /*name*/) {
  if (looks_like_tar(data)) return scan_tar_archive(context, data);
  JoblibCompression compression = detect_joblib_compression(data);
  if (compression == JoblibCompression::none) return "unknown";
  const std::string compressed = fmt_reason("{}-compressed", to_string(compression));
  JoblibDecompressed decompressed = decompress_joblib_prefix(data, compression, context.limits());
  const std::optional<JoblibStreamError>& error = decompressed.error;
  if (error && error->over_limit) {
    report_incomplete(
        context, LimitError("joblib", fmt_reason("{} stream: {}", to_string(compression), error->message),
                            error->offset));
  }
  // Nothing decoded: only the magic bytes matched (joblib.load fails before unpickling anything).
  if (decompressed.bytes.size() == 0) return error && !error->over_limit ? "unknown" : compressed;
  Bytes inner = decompressed.bytes.view();
  // joblib.load unpickles whatever the stream holds, even when its first opcodes do not look clean.
  if (!unpickler_would_run(inner)) return compressed;
  if (error && !error->over_limit) {
    report_malformed(context,
                     FormatError("joblib",
                                 fmt_reason("{} stream: {}; joblib.load has already unpickled the {} "
                                            "bytes decoded before it, which are scanned",
                                            to_string(compression), error->message, inner.size()),
                                 error->offset));
  }
  if (decompressed.ratio_exceeded || decompressed.truncated)
    report_incomplete(context, LimitError("joblib",
                                          decompressed.ratio_exceeded
                                              ? "the stream inflates beyond the compression-ratio limit"
                                              : "the stream inflates beyond the member size limit",
                                          0));
  ScanContext inside = context.for_member(fmt_reason("<{} stream>", to_string(compression)));
  scan_pickle_stream(inside, inner, 0);
  return fmt_reason("joblib-{}", to_string(compression));
}

}  // namespace ms
