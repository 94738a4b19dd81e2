#pragma once
// The symbolic unpickler behind run_pickle_vm and looks_like_pickle. One Machine scans one stream; each
// run_one() call executes one pickle (fresh stack, memo and protocol, as a fresh Unpickler would).
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "formats/pickle.hpp"
#include "formats/pickle_literals.hpp"
#include "formats/pickle_opcodes.hpp"
#include "formats/pickle_values.hpp"

namespace ms::pickle_vm {

class Machine {
 public:
  // With `trace_embedded` off (content sniffing), bytes arguments are not looked at.
  Machine(Bytes data, const Limits& limits, std::uint64_t base_offset, PickleTrace& trace,
          bool trace_embedded = true, const PickleVmOptions& options = {});

  enum class Outcome { stopped, fatal, budget_spent };
  struct RunResult {
    Outcome outcome = Outcome::fatal;
    std::uint64_t opcodes = 0;
    // Opcodes executed cleanly before the first error of this pickle.
    std::uint64_t clean_opcodes = std::numeric_limits<std::uint64_t>::max();
  };
  // Executes the pickle starting at `position` until STOP, a fatal error or `max_opcodes` opcodes.
  RunResult run_one(std::size_t position, std::uint64_t max_opcodes);
  std::size_t position() const { return reader_.position(); }

 private:
  struct Memo {
    std::vector<Handle> dense;
    std::unordered_map<std::uint64_t, Handle> sparse;
    std::uint64_t logical_size = 0;  // len(memo) as CPython sees it, entries we could not keep included
    std::size_t stored = 0;
  };

  void reset_for_pickle();
  void execute(Op op);
  void collect_garbage();

  // Operand readers (throw FormatError on truncation; that ends the stream).
  std::string_view read_line();
  Bytes read_counted(std::uint64_t length);

  // Stack.
  void push(Handle h);
  Handle pop();
  Handle peek();
  void pop_mark(std::vector<Handle>& items, std::uint64_t& forgotten);
  void shed_stack();

  // Memo.
  void memo_put(std::uint64_t index, Handle h);
  Handle memo_get(std::uint64_t index);
  void memo_put_from_line(std::string_view line);
  void memo_get_from_line(std::string_view line);

  // Value construction.
  Handle make(Value value) { return arena_.add(std::move(value)); }
  Handle make_integer(const IntegerValue& number);
  Handle make_float(double number);
  Handle make_text(Kind kind, Bytes payload, std::uint64_t payload_offset);
  Handle make_decoded(Kind kind, DecodedText decoded, bool py2_string);
  Handle make_collection(Kind kind, std::span<const Handle> items, std::uint64_t forgotten);
  Handle make_owned_text(std::string text);
  Handle make_global(Handle module, Handle qualname, bool exact, std::string_view opcode);

  // Opcode families.
  void op_text_global(bool inst);
  void op_stack_global();
  void op_add_to_container(Op op);
  void op_build();
  void step_over_inline_data(const PickleInlineData& inline_data);
  void op_call(Op op);
  std::optional<Handle> latin1_encoded(Handle callee, Handle args);
  void op_persistent_id(Handle pid, std::string_view opcode);
  void op_extension(std::int64_t code);
  void note_extension_registration(Handle callee, Handle args);

  // Records.
  void soft_error(std::string message);
  void fatal_error(std::string message, std::uint64_t offset);
  void record_call(std::string_view opcode, Handle callee, std::string_view method,
                   std::span<const Handle> args, std::uint64_t omitted_args, Handle kwargs,
                   bool pairs = false, bool star_args = false);
  void scan_embedded(std::string_view opcode, Handle callee, std::string_view method,
                     std::span<const Handle> args, Handle kwargs);
  void report_embedded(const std::string& callable, Handle bytes_value);
  template <typename Record>
  bool has_room(const std::vector<Record>& records) const {
    return records.size() < limits_.max_pickle_records;
  }
  static std::string dedupe_key(std::string_view first, std::string_view second);
  bool first_sighting(std::unordered_set<std::string>& seen, std::string key);
  void note_truncation(bool& noted, std::string message);

  Bytes data_;
  const Limits& limits_;
  std::uint64_t base_;
  PickleTrace& trace_;
  ByteReader reader_;
  Arena arena_;

  std::vector<Handle> stack_;
  std::vector<std::size_t> marks_;
  std::vector<std::uint64_t> forgotten_;  // per frame: oldest entries dropped past max_pickle_stack
  Memo memo_;
  int protocol_ = 0;

  std::uint64_t op_offset_ = 0;
  std::uint64_t opcodes_in_pickle_ = 0;
  std::uint64_t clean_opcodes_ = std::numeric_limits<std::uint64_t>::max();
  bool stopped_ = false;

  std::uint64_t embedded_budget_ = 0;
  std::size_t summary_budget_ = 16u << 20;  // characters of call and persistent-id summaries
  std::size_t name_budget_ = 16u << 20;     // characters of import names
  // copyreg.add_extension(module, name, code) calls seen so far: the process-wide table EXT1/2/4 read,
  // which a pickle can fill before using it.
  std::unordered_map<std::int64_t, std::pair<std::string, std::string>> extensions_;
  std::unordered_set<std::string> import_keys_;
  std::unordered_set<std::string> call_keys_;
  std::vector<Handle> scratch_;
  bool noted_stack_limit_ = false;
  bool noted_memo_limit_ = false;
  bool noted_record_limit_ = false;
  bool trace_embedded_ = true;
  PickleVmOptions options_;
};

}  // namespace ms::pickle_vm
