#include "formats/pickle_machine.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "formats/pickle_names.hpp"
#include "modelshield/utf8.hpp"

namespace ms::pickle_vm {
namespace {

constexpr std::size_t kMaxNameBytes = 4096;      // longer module/qualnames are cut (inexact)
constexpr std::size_t kFrugalNameBytes = 64;     // the cut once the name budget is spent
constexpr std::size_t kKeyEndBytes = 128;        // dedupe keys of longer names keep both ends and the length
constexpr std::size_t kEmbeddedScanBudget = 64;  // values inspected per call for bytes arguments
constexpr std::uint64_t kValidatedUtf8Bytes = 1u << 20;  // longer str payloads are not validated
constexpr std::uint64_t kUnrecognisedPrefixBytes = 4096;

// Archives and compressed streams that may wrap a pickle (torch.save zips, zlib/gzip/bz2/xz blobs).
bool has_container_magic(std::string_view payload) {
  auto starts = [&](std::string_view magic) { return payload.substr(0, magic.size()) == magic; };
  if (starts("PK\x03\x04") || starts("\x1f\x8b") || starts("BZh") || starts("\xfd\x37zXZ")) return true;
  if (payload.size() >= 2 && payload[0] == '\x78') {  // zlib: CMF 0x78 with a valid FCHECK
    const unsigned header =
        (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
    return header % 31 == 0;
  }
  return false;
}

}  // namespace

Machine::Machine(Bytes data, const Limits& limits, std::uint64_t base_offset, PickleTrace& trace,
                 bool trace_embedded, const PickleVmOptions& options)
    : data_(data),
      limits_(limits),
      base_(base_offset),
      trace_(trace),
      reader_(data, "pickle", base_offset),
      arena_(limits.max_pickle_values),
      embedded_budget_(limits.max_pickle_embedded_bytes),
      trace_embedded_(trace_embedded),
      options_(options) {}

void Machine::reset_for_pickle() {
  stack_.clear();
  marks_.clear();
  forgotten_.assign(1, 0);
  memo_ = Memo{};
  protocol_ = 0;
  stopped_ = false;
  opcodes_in_pickle_ = 0;
  clean_opcodes_ = std::numeric_limits<std::uint64_t>::max();
}

Machine::RunResult Machine::run_one(std::size_t position, std::uint64_t max_opcodes) {
  reset_for_pickle();
  reader_.seek(position);
  RunResult result;
  for (;;) {
    if (result.opcodes >= max_opcodes) {
      result.outcome = Outcome::budget_spent;
      break;
    }
    op_offset_ = reader_.file_offset();
    try {
      if (arena_.wants_collection()) collect_garbage();
      if (reader_.at_end()) {
        fatal_error("unexpected end of data: the pickle has no STOP opcode", op_offset_);
        break;
      }
      std::uint8_t byte = reader_.u8();
      ++result.opcodes;
      ++opcodes_in_pickle_;
      ++trace_.opcode_count;
      if (opcode_name(byte).empty()) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", byte);
        fatal_error(std::string("invalid opcode ") + hex, op_offset_);
        break;
      }
      execute(static_cast<Op>(byte));
    } catch (const LimitError& error) {
      trace_.truncated = true;
      fatal_error(error.message(), error.offset());
      break;
    } catch (const FormatError& error) {
      fatal_error(error.message(), error.offset());
      break;
    }
    if (stopped_) {
      result.outcome = Outcome::stopped;
      break;
    }
  }
  result.clean_opcodes = clean_opcodes_;
  return result;
}

void Machine::collect_garbage() {
  const bool within_limit = arena_.collect([this](auto&& mark) {
    for (Handle h : stack_) mark(h);
    for (Handle h : memo_.dense) mark(h);
    for (const auto& [index, h] : memo_.sparse) mark(h);
  });
  if (!within_limit) throw LimitError("pickle", "value limit reached (max_pickle_values)", op_offset_);
}

std::string_view Machine::read_line() {
  Bytes rest = data_.subspan(reader_.position());
  const void* newline = rest.empty() ? nullptr : std::memchr(rest.data(), '\n', rest.size());
  if (newline == nullptr) reader_.fail("unexpected end of data: unterminated text argument");
  std::size_t length = static_cast<std::size_t>(static_cast<const std::uint8_t*>(newline) - rest.data());
  Bytes line = reader_.bytes(length + 1);
  return as_chars(line.first(length));
}

Bytes Machine::read_counted(std::uint64_t length) { return reader_.bytes(length); }

// ---- stack ----------------------------------------------------------------------------------------------

void Machine::push(Handle h) {
  stack_.push_back(h);
  if (stack_.size() + marks_.size() > limits_.max_pickle_stack) shed_stack();
}

// Past the stack ceiling, forget the older half of the largest frame: later pops that reach into it get
// unknown values, while what was pushed recently (what names and calls are built from) stays exact.
void Machine::shed_stack() {
  std::size_t largest = 0;
  std::size_t largest_size = 0;
  for (std::size_t frame = 0; frame <= marks_.size(); ++frame) {
    std::size_t begin = frame == 0 ? 0 : marks_[frame - 1];
    std::size_t end = frame == marks_.size() ? stack_.size() : marks_[frame];
    if (end - begin > largest_size) {
      largest_size = end - begin;
      largest = frame;
    }
  }
  // Each shed must free a good share of the stack, or a stack made of many small frames would be rescanned
  // on every push.
  std::size_t drop = largest_size / 2;
  if (drop == 0 || drop < limits_.max_pickle_stack / 8) {
    throw LimitError("pickle", "stack limit reached (too many marks)", op_offset_);
  }
  std::size_t begin = largest == 0 ? 0 : marks_[largest - 1];
  stack_.erase(stack_.begin() + static_cast<std::ptrdiff_t>(begin),
               stack_.begin() + static_cast<std::ptrdiff_t>(begin + drop));
  for (std::size_t frame = largest; frame < marks_.size(); ++frame) marks_[frame] -= drop;
  forgotten_[largest] += drop;
  note_truncation(noted_stack_limit_, "stack limit reached: the oldest stack entries became unknown");
}

Handle Machine::pop() {
  std::size_t fence = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() > fence) {
    Handle h = stack_.back();
    stack_.pop_back();
    return h;
  }
  if (forgotten_.back() > 0) {
    --forgotten_.back();
    return kUnknown;
  }
  soft_error(marks_.empty() ? "unpickling stack underflow" : "unexpected MARK found");
  return kUnknown;
}

Handle Machine::peek() {
  std::size_t fence = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() > fence) return stack_.back();
  if (forgotten_.back() == 0)
    soft_error(marks_.empty() ? "unpickling stack underflow" : "unexpected MARK found");
  return kUnknown;
}

void Machine::pop_mark(std::vector<Handle>& items, std::uint64_t& forgotten) {
  std::size_t begin = 0;
  if (marks_.empty()) {
    soft_error("could not find MARK");
  } else {
    begin = marks_.back();
  }
  items.assign(stack_.begin() + static_cast<std::ptrdiff_t>(begin), stack_.end());
  stack_.resize(begin);
  forgotten = forgotten_.back();
  if (marks_.empty()) {
    forgotten_.back() = 0;
  } else {
    marks_.pop_back();
    forgotten_.pop_back();
  }
}

// ---- memo -----------------------------------------------------------------------------------------------

void Machine::memo_put(std::uint64_t index, Handle h) {
  if (index < memo_.dense.size() && memo_.dense[index] != kAbsent) {
    memo_.dense[index] = h;
    return;
  }
  if (auto found = memo_.sparse.find(index); found != memo_.sparse.end()) {
    found->second = h;
    return;
  }
  ++memo_.logical_size;
  if (memo_.stored >= limits_.max_pickle_memo) {
    note_truncation(noted_memo_limit_, "memo limit reached: later memo entries are unknown");
    return;
  }
  ++memo_.stored;
  if (index < memo_.dense.size()) {
    memo_.dense[index] = h;
  } else if (index <= 2 * memo_.stored + 4096) {
    memo_.dense.resize(static_cast<std::size_t>(index) + 1, kAbsent);
    memo_.dense[static_cast<std::size_t>(index)] = h;
  } else {
    memo_.sparse.emplace(index, h);
  }
}

Handle Machine::memo_get(std::uint64_t index) {
  if (index < memo_.dense.size() && memo_.dense[index] != kAbsent) return memo_.dense[index];
  if (auto found = memo_.sparse.find(index); found != memo_.sparse.end()) return found->second;
  if (memo_.stored < memo_.logical_size) return kUnknown;  // possibly one we could not keep
  soft_error("Memo value not found at index " + std::to_string(index));
  return kUnknown;
}

void Machine::memo_put_from_line(std::string_view line) {
  std::optional<IntegerValue> index = parse_decimal_line(line);
  if (!index) return soft_error("invalid literal for int() with base 10 in PUT");
  if (!index->fits || index->value < 0) return soft_error("negative or oversized PUT argument");
  std::size_t fence = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= fence && forgotten_.back() == 0) return soft_error("unpickling stack underflow");
  memo_put(static_cast<std::uint64_t>(index->value), peek());
}

void Machine::memo_get_from_line(std::string_view line) {
  std::optional<IntegerValue> index = parse_decimal_line(line);
  if (!index) {
    soft_error("invalid literal for int() with base 10 in GET");
    return push(kUnknown);
  }
  if (!index->fits || index->value < 0) {
    soft_error("Memo value not found at index " + index->to_string());
    return push(kUnknown);
  }
  push(memo_get(static_cast<std::uint64_t>(index->value)));
}

// ---- values ---------------------------------------------------------------------------------------------

Handle Machine::make_integer(const IntegerValue& number) {
  if (number.fits && number.value >= kSmallIntMin && number.value <= kSmallIntMax) {
    return make_small_int(number.value);
  }
  Value value;
  value.kind = Kind::integer;
  value.integer = number.value;
  if (!number.fits) value.text = number.decimal;
  value.offset = op_offset_;
  return make(std::move(value));
}

Handle Machine::make_float(double number) {
  Value value;
  value.kind = Kind::floating;
  value.number = number;
  value.offset = op_offset_;
  return make(std::move(value));
}

Handle Machine::make_text(Kind kind, Bytes payload, std::uint64_t payload_offset) {
  if (kind == Kind::str && payload.size() <= kValidatedUtf8Bytes &&
      !is_valid_utf8(as_chars(payload), /*allow_surrogates=*/true)) {
    soft_error("'utf-8' codec can't decode the string payload");
  }
  Value value;
  value.kind = kind;
  value.view = payload.data();
  value.size = payload.size();
  value.offset = payload_offset;
  value.contiguous = true;
  return make(std::move(value));
}

Handle Machine::make_decoded(Kind kind, DecodedText decoded, bool py2_string) {
  Value value;
  value.kind = kind;
  value.size = decoded.text.size();
  value.text = std::move(decoded.text);
  value.partial = decoded.partial;
  value.py2_string = py2_string;
  value.offset = op_offset_;
  return make(std::move(value));
}

Handle Machine::make_collection(Kind kind, std::span<const Handle> items, std::uint64_t forgotten) {
  const bool pairs = kind == Kind::dict;
  const std::size_t keep = pairs ? 2 * kRetainedItems : kRetainedItems;
  Value value;
  value.kind = kind;
  value.size = (pairs ? items.size() / 2 : items.size()) + forgotten;
  value.items.assign(items.begin(),
                     items.begin() + static_cast<std::ptrdiff_t>(std::min(keep, items.size())));
  value.partial = items.size() > keep || forgotten > 0;
  value.offset = op_offset_;
  return make(std::move(value));
}

Handle Machine::make_owned_text(std::string text) {
  Value value;
  value.kind = Kind::str;
  value.size = text.size();
  value.text = std::move(text);
  value.offset = op_offset_;
  return make(std::move(value));
}

// `module` and `qualname` are str values; the global refers to them rather than copying, so that any
// number of globals built from the same memoized strings costs no more than the strings.
Handle Machine::make_global(Handle module, Handle qualname, bool exact, std::string_view opcode) {
  constexpr std::size_t kLongestRenamedName = 64;  // every name in the _compat_pickle tables is shorter
  if (protocol_ < 3 && exact) {
    std::string_view module_text = arena_.at(module).payload();
    std::string_view qualname_text = arena_.at(qualname).payload();
    if (module_text.size() <= kLongestRenamedName && qualname_text.size() <= kLongestRenamedName) {
      std::string renamed_module(module_text);
      std::string renamed_qualname(qualname_text);
      map_python2_name(renamed_module, renamed_qualname);
      const bool module_changed = renamed_module != module_text;
      const bool qualname_changed = renamed_qualname != qualname_text;
      if (module_changed) module = make_owned_text(std::move(renamed_module));
      if (qualname_changed) qualname = make_owned_text(std::move(renamed_qualname));
    }
  }
  std::string_view module_text = arena_.at(module).payload();
  std::string_view qualname_text = arena_.at(qualname).payload();
  std::string key = dedupe_key(module_text, qualname_text);
  const bool seen_before = !first_sighting(import_keys_, std::move(key));
  if (has_room(trace_.imports) || (!seen_before && trace_.imports.size() < 2 * limits_.max_pickle_records)) {
    // Names are kept whole (up to kMaxNameBytes) until the text budget is spent, then cut short.
    const std::size_t keep = name_budget_ > 0 ? kMaxNameBytes : kFrugalNameBytes;
    PickleImport record{std::string(module_text.substr(0, keep)), std::string(qualname_text.substr(0, keep)),
                        op_offset_, std::string(opcode), exact};
    if (module_text.size() > keep || qualname_text.size() > keep) record.exact = false;
    name_budget_ -= std::min(name_budget_, record.module.size() + record.qualname.size());
    trace_.imports.push_back(std::move(record));
  } else {
    note_truncation(noted_record_limit_,
                    "record limit reached: repeated imports and calls are no longer listed");
  }
  Value value;
  value.kind = Kind::global;
  value.items = {module, qualname};
  value.offset = op_offset_;
  return make(std::move(value));
}

// ---- records --------------------------------------------------------------------------------------------

void Machine::soft_error(std::string message) {
  clean_opcodes_ = std::min(clean_opcodes_, opcodes_in_pickle_ > 0 ? opcodes_in_pickle_ - 1 : 0);
  if (has_room(trace_.errors)) {
    trace_.errors.push_back({std::move(message), op_offset_, false});
  } else {
    trace_.truncated = true;
  }
}

void Machine::fatal_error(std::string message, std::uint64_t offset) {
  clean_opcodes_ = std::min(clean_opcodes_, opcodes_in_pickle_ > 0 ? opcodes_in_pickle_ - 1 : 0);
  trace_.errors.push_back({std::move(message), offset, true});
}

void Machine::note_truncation(bool& noted, std::string message) {
  trace_.truncated = true;
  if (noted) return;
  noted = true;
  if (has_room(trace_.errors)) trace_.errors.push_back({std::move(message), op_offset_, false});
}

// Long parts are keyed by their length and both ends: hashing them whole would cost time in proportion
// to the name on every reuse of a memoized string.
std::string Machine::dedupe_key(std::string_view first, std::string_view second) {
  std::string key;
  for (std::string_view part : {first, second}) {
    if (part.size() <= 2 * kKeyEndBytes) {
      key.append(part);
    } else {
      key.append(part.substr(0, kKeyEndBytes)).append("\0", 1).append(std::to_string(part.size()));
      key.append("\0", 1).append(part.substr(part.size() - kKeyEndBytes));
    }
    key.push_back('\n');
  }
  return key;
}

// Keys are remembered up to twice the record limit, so that past the limit a new import or callable is
// still listed while repetitions are not.
bool Machine::first_sighting(std::unordered_set<std::string>& seen, std::string key) {
  if (seen.size() < 2 * limits_.max_pickle_records) return seen.insert(std::move(key)).second;
  return !seen.contains(key);
}

void Machine::record_call(std::string_view opcode, Handle callee, std::string_view method,
                          std::span<const Handle> args, std::uint64_t omitted_args, Handle kwargs, bool pairs,
                          bool star_args) {
  std::string callable = describe_callable(arena_, callee);
  if (!method.empty()) {
    callable += '.';
    callable += method;
  }
  const bool new_callable = first_sighting(call_keys_, dedupe_key(callable, opcode));
  if (has_room(trace_.calls) || (new_callable && trace_.calls.size() < 2 * limits_.max_pickle_records)) {
    PickleCall call;
    call.callable = callable;
    if (const Value* origin = origin_global(arena_, callee)) {
      call.module = global_module(arena_, *origin).substr(0, kMaxNameBytes);
      call.qualname = global_qualname(arena_, *origin).substr(0, kMaxNameBytes);
    }
    call.offset = op_offset_;
    call.opcode = std::string(opcode);
    // The same memoized value can be passed to any number of calls: once the text budget is spent,
    // summaries shrink so that the trace stays small whatever the stream repeats.
    const bool frugal = summary_budget_ == 0;
    const std::size_t max_summaries = frugal ? 4 : kRetainedItems;
    const RenderLimits render_limits{.max_chars = frugal ? std::size_t{64} : std::size_t{1024}};
    auto summarize = [&](Handle h) { return render(arena_, h, render_limits); };
    const std::size_t step = pairs ? 2 : 1;
    for (std::size_t i = 0; i + step <= args.size(); i += step) {
      if (call.arg_summaries.size() >= max_summaries) {
        omitted_args += (args.size() - i) / step;
        break;
      }
      std::string summary = summarize(args[i]);
      if (pairs) summary.append(": ").append(summarize(args[i + 1]));
      if (star_args) summary = std::string("*").append(summary);
      call.arg_summaries.push_back(std::move(summary));
    }
    if (kwargs != kAbsent) {
      if (kind_of(arena_, kwargs) == Kind::dict) {
        const Value& dict = arena_.at(kwargs);
        std::size_t pair = 0;
        for (; 2 * pair + 1 < dict.items.size() && call.arg_summaries.size() < max_summaries; ++pair) {
          Handle key = dict.items[2 * pair];
          std::string summary =
              is_text(arena_, key) ? std::string(arena_.at(key).payload().substr(0, 256)) : summarize(key);
          call.arg_summaries.push_back(summary.append("=").append(summarize(dict.items[2 * pair + 1])));
        }
        omitted_args += dict.size - pair;
      } else {
        call.arg_summaries.push_back("**" + summarize(kwargs));
      }
    }
    if (omitted_args > 0) call.arg_summaries.push_back("...(" + std::to_string(omitted_args) + " more)");
    std::size_t used = call.callable.size();
    for (const std::string& summary : call.arg_summaries) used += summary.size();
    summary_budget_ -= std::min(summary_budget_, used);
    trace_.calls.push_back(std::move(call));
  } else {
    note_truncation(noted_record_limit_,
                    "record limit reached: repeated imports and calls are no longer listed");
  }
  scan_embedded(opcode, callee, method, args, kwargs);
}

// Bytes handed to a call, directly or one container down (an argument tuple, a state tuple, a kwargs dict).
void Machine::scan_embedded(std::string_view, Handle callee, std::string_view method,
                            std::span<const Handle> args, Handle kwargs) {
  if (!trace_embedded_) return;
  std::vector<std::pair<Handle, int>> pending;
  for (Handle h : args) pending.emplace_back(h, 0);
  if (kwargs != kAbsent) pending.emplace_back(kwargs, 0);
  std::string callable;
  std::size_t inspected = 0;
  for (std::size_t next = 0; next < pending.size() && inspected < kEmbeddedScanBudget; ++next, ++inspected) {
    auto [h, depth] = pending[next];
    if (!is_arena(h)) continue;
    const Value& value = arena_.at(h);
    const bool bytes_like = value.kind == Kind::bytes || value.kind == Kind::bytearray ||
                            (value.kind == Kind::str && value.py2_string);
    if (bytes_like) {
      if (!value.reported && value.size > 0) {
        if (callable.empty()) {
          callable = describe_callable(arena_, callee);
          if (!method.empty()) callable.append(".").append(method);
        }
        report_embedded(callable, h);
      }
      continue;
    }
    const bool container = value.kind == Kind::tuple || value.kind == Kind::list ||
                           value.kind == Kind::dict || value.kind == Kind::set ||
                           value.kind == Kind::frozenset;
    if (container && depth < 1) {
      for (Handle item : value.items) pending.emplace_back(item, depth + 1);
    }
  }
}

void Machine::report_embedded(const std::string& callable, Handle bytes_value) {
  Value& value = arena_.at(bytes_value);
  value.reported = true;
  if (!has_room(trace_.embedded)) {
    trace_.truncated = true;
    return;
  }
  PickleEmbeddedBytes embedded;
  embedded.callable = callable;
  embedded.call_offset = op_offset_;
  embedded.offset_in_stream = value.offset;
  embedded.size = value.size;
  embedded.contiguous = value.contiguous;
  std::string_view payload = value.payload();
  // Whole copies for what a recursive scan can use; of anything else (tensor data, typically) a prefix.
  const std::uint64_t wanted = looks_like_pickle(as_bytes(payload)) || has_container_magic(payload)
                                   ? payload.size()
                                   : std::min<std::uint64_t>(payload.size(), kUnrecognisedPrefixBytes);
  std::size_t copied = static_cast<std::size_t>(std::min<std::uint64_t>(wanted, embedded_budget_));
  embedded.bytes.assign(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(copied));
  embedded_budget_ -= copied;
  embedded.complete = copied == value.size && !value.partial;
  trace_.embedded.push_back(std::move(embedded));
}

}  // namespace ms::pickle_vm
