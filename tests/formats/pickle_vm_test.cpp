#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "formats/pickle.hpp"
#include "formats/pickle_literals.hpp"
#include "test_paths.hpp"

namespace ms {
namespace {

using nlohmann::json;
using namespace std::string_view_literals;

struct Sample {
  std::string bytes;
  json expected;
  Bytes data() const { return as_bytes(bytes); }
};

Sample load_sample(const std::string& name) {
  Sample sample;
  sample.bytes = test::read_file(test::testdata("pickle_vm/" + name + ".pkl"));
  sample.expected = json::parse(test::read_file(test::testdata("pickle_vm/" + name + ".json")));
  return sample;
}

PickleTrace run(Bytes data, std::uint64_t base = 0) { return run_pickle_vm(data, Limits{}, base); }
PickleTrace run(std::string_view data) { return run(as_bytes(data)); }

bool is_method_call(const std::string& callable) {
  for (std::string_view suffix : {".extend", ".append", ".__setitem__", ".add"}) {
    if (callable.ends_with(suffix)) return true;
  }
  return false;
}

std::string describe(const PickleTrace& trace) {
  std::string out;
  for (const auto& i : trace.imports)
    out +=
        "  import " + i.module + " " + i.qualname + " @" + std::to_string(i.offset) + " " + i.opcode + "\n";
  for (const auto& c : trace.calls) {
    out += "  call " + c.callable + " " + c.opcode + " @" + std::to_string(c.offset) + " (";
    for (const auto& a : c.arg_summaries) out += a + ", ";
    out += ")\n";
  }
  for (const auto& e : trace.errors)
    out += "  error " + e.message + " @" + std::to_string(e.offset) + (e.fatal ? " fatal" : "") + "\n";
  return out;
}

// Compares a trace with what CPython's own unpickler resolved and called (see gen_pickle_vm.py).
void expect_matches_oracle(const std::string& name, const PickleTrace& trace, const json& expected) {
  SCOPED_TRACE(name + "\n" + describe(trace));
  const json& imports = expected["imports"];
  ASSERT_EQ(trace.imports.size(), imports.size());
  for (std::size_t i = 0; i < imports.size(); ++i) {
    EXPECT_EQ(trace.imports[i].module, imports[i]["module"].get<std::string>()) << i;
    EXPECT_EQ(trace.imports[i].qualname, imports[i]["qualname"].get<std::string>()) << i;
    EXPECT_TRUE(trace.imports[i].exact) << i;
    if (!imports[i]["offset"].is_null()) {
      EXPECT_EQ(trace.imports[i].offset, imports[i]["offset"].get<std::uint64_t>()) << i;
    }
    if (!imports[i]["opcode"].is_null()) {
      EXPECT_EQ(trace.imports[i].opcode, imports[i]["opcode"].get<std::string>()) << i;
    }
  }

  std::vector<const PickleCall*> calls;
  for (const PickleCall& call : trace.calls) {
    if (!is_method_call(call.callable)) calls.push_back(&call);
  }
  std::vector<json> expected_calls;
  for (const json& call : expected["calls"]) {
    if (!is_method_call(call["callable"].get<std::string>())) expected_calls.push_back(call);
  }
  ASSERT_EQ(calls.size(), expected_calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i]->callable, expected_calls[i]["callable"].get<std::string>()) << i;
    const json& args = expected_calls[i]["args"];
    ASSERT_EQ(calls[i]->arg_summaries.size(), args.size()) << i;
    for (std::size_t a = 0; a < args.size(); ++a) {
      if (!args[a].is_null()) {
        EXPECT_EQ(calls[i]->arg_summaries[a], args[a].get<std::string>()) << i << "/" << a;
      }
    }
  }

  std::vector<std::string> persistent;
  for (const auto& pid : trace.persistent_ids) persistent.push_back(pid.summary);
  EXPECT_EQ(persistent, expected["persistent_ids"].get<std::vector<std::string>>());
  EXPECT_EQ(trace.max_protocol, expected["max_protocol"].get<int>());
  if (!expected["opcode_count"].is_null()) {
    EXPECT_EQ(trace.opcode_count, expected["opcode_count"].get<std::uint64_t>());
  }
  std::vector<std::uint64_t> starts = expected["pickle_starts"].get<std::vector<std::uint64_t>>();
  EXPECT_EQ(trace.pickle_starts, starts);
  if (expected["load_error"].is_null()) {
    EXPECT_TRUE(trace.errors.empty());
    EXPECT_FALSE(trace.truncated);
  } else {
    ASSERT_FALSE(trace.errors.empty());
  }
}

TEST(PickleVm, MatchesCPythonOnEveryGeneratedStream) {
  std::size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::testdata("pickle_vm"))) {
    if (entry.path().extension() != ".json") continue;
    std::string name = entry.path().stem().string();
    Sample sample = load_sample(name);
    expect_matches_oracle(name, run(sample.data()), sample.expected);
    ++compared;
  }
  EXPECT_GE(compared, 36u);
}

const PickleCall* find_call(const PickleTrace& trace, std::string_view callable) {
  for (const PickleCall& call : trace.calls) {
    if (call.callable == callable) return &call;
  }
  return nullptr;
}

TEST(PickleVm, ReduceOfSystemAtEveryProtocol) {
  for (int protocol = 0; protocol <= 5; ++protocol) {
    SCOPED_TRACE(protocol);
    Sample sample = load_sample("reduce_system_p" + std::to_string(protocol));
    PickleTrace trace = run(sample.data());
    ASSERT_EQ(trace.imports.size(), 1u);
    EXPECT_EQ(trace.imports[0].module, "posix");
    EXPECT_EQ(trace.imports[0].qualname, "system");
    EXPECT_EQ(trace.imports[0].opcode, protocol >= 4 ? "STACK_GLOBAL" : "GLOBAL");
    const PickleCall* call = find_call(trace, "posix.system");
    ASSERT_NE(call, nullptr);
    EXPECT_EQ(call->opcode, "REDUCE");
    EXPECT_EQ(call->module, "posix");
    EXPECT_EQ(call->qualname, "system");
    EXPECT_EQ(call->arg_summaries, std::vector<std::string>{"'echo pwned'"});
    EXPECT_EQ(trace.max_protocol, protocol >= 2 ? protocol : 0);
    EXPECT_TRUE(trace.errors.empty());
  }
}

TEST(PickleVm, StackGlobalNamesFetchedFromTheMemo) {
  for (std::string name : {"stack_global_memo", "stack_global_text_memo"}) {
    PickleTrace trace = run(load_sample(name).data());
    ASSERT_EQ(trace.imports.size(), 1u) << name;
    EXPECT_EQ(trace.imports[0].module, "os");
    EXPECT_EQ(trace.imports[0].qualname, "system");
    EXPECT_TRUE(trace.imports[0].exact);
    ASSERT_EQ(trace.calls.size(), 1u);
    EXPECT_EQ(trace.calls[0].callable, "os.system");
  }
}

TEST(PickleVm, InstObjNewobjForms) {
  PickleTrace inst = run(load_sample("inst").data());
  ASSERT_EQ(inst.imports.size(), 1u);
  EXPECT_EQ(inst.imports[0].opcode, "INST");
  ASSERT_EQ(inst.calls.size(), 1u);
  EXPECT_EQ(inst.calls[0].opcode, "INST");
  EXPECT_EQ(inst.calls[0].arg_summaries, std::vector<std::string>{"'echo inst'"});

  PickleTrace obj = run(load_sample("obj").data());
  ASSERT_EQ(obj.calls.size(), 1u);
  EXPECT_EQ(obj.calls[0].opcode, "OBJ");
  EXPECT_EQ(obj.calls[0].callable, "os.system");

  PickleTrace newobj = run(load_sample("newobj_p2").data());
  ASSERT_NE(find_call(newobj, "__main__.Point"), nullptr);
  EXPECT_EQ(find_call(newobj, "__main__.Point")->opcode, "NEWOBJ");
  EXPECT_EQ(find_call(newobj, "__main__.Point")->arg_summaries, (std::vector<std::string>{"3", "4"}));

  PickleTrace newobj_ex = run(load_sample("newobj_ex_p4").data());
  const PickleCall* keyworded = find_call(newobj_ex, "__main__.Keyworded");
  ASSERT_NE(keyworded, nullptr);
  EXPECT_EQ(keyworded->opcode, "NEWOBJ_EX");
  EXPECT_EQ(keyworded->arg_summaries, (std::vector<std::string>{"1", "k=2"}));
  const PickleCall* setstate = find_call(newobj_ex, "<instance of __main__.Keyworded>.__setstate__");
  ASSERT_NE(setstate, nullptr);
  EXPECT_EQ(setstate->opcode, "BUILD");
  EXPECT_EQ(setstate->module, "__main__");
  EXPECT_EQ(setstate->qualname, "Keyworded");
}

TEST(PickleVm, Python2NamesAreRenamedBelowProtocol3Only) {
  PickleTrace p2 = run(load_sample("builtin_eval_p2").data());
  ASSERT_EQ(p2.imports.size(), 1u);
  EXPECT_EQ(p2.imports[0].module, "builtins");
  EXPECT_EQ(p2.imports[0].qualname, "eval");
  ASSERT_NE(find_call(p2, "builtins.eval"), nullptr);
  EXPECT_EQ(find_call(p2, "builtins.eval")->arg_summaries, std::vector<std::string>{"'print(1234)'"});

  PickleTrace p3 = run(load_sample("builtin_eval_p3").data());
  ASSERT_EQ(p3.imports.size(), 1u);
  EXPECT_EQ(p3.imports[0].module, "__builtin__");

  PickleTrace stack_global = run(load_sample("stack_global_p2").data());
  ASSERT_EQ(stack_global.imports.size(), 1u);
  EXPECT_EQ(stack_global.imports[0].module, "builtins");
  EXPECT_EQ(stack_global.imports[0].qualname, "getattr");

  PickleTrace midstream = run(load_sample("proto_midstream").data());
  ASSERT_EQ(midstream.imports.size(), 1u);
  EXPECT_EQ(midstream.imports[0].module, "__builtin__");  // PROTO 4 replaced PROTO 2

  PickleTrace compat = run(load_sample("compat_names_p0").data());
  ASSERT_EQ(compat.imports.size(), 7u);
  EXPECT_EQ(compat.imports[0].module + "." + compat.imports[0].qualname, "builtins.range");
  EXPECT_EQ(compat.imports[2].module + "." + compat.imports[2].qualname, "urllib.request.urlopen");
  EXPECT_EQ(compat.imports[3].module + "." + compat.imports[3].qualname, "pickle.loads");
}

TEST(PickleVm, DottedNamesAtProtocol4) {
  PickleTrace trace = run(load_sample("dotted_p4").data());
  ASSERT_EQ(trace.imports.size(), 1u);
  EXPECT_EQ(trace.imports[0].module, "builtins");
  EXPECT_EQ(trace.imports[0].qualname, "eval.__call__");
  ASSERT_EQ(trace.calls.size(), 1u);
  EXPECT_EQ(trace.calls[0].callable, "builtins.eval.__call__");
  EXPECT_EQ(trace.calls[0].module, "builtins");
  EXPECT_EQ(trace.calls[0].qualname, "eval.__call__");
}

TEST(PickleVm, TextLiteralsParsedLikeTheCUnpickler) {
  PickleTrace trace = run(load_sample("int_literals").data());
  ASSERT_EQ(trace.calls.size(), 1u);
  EXPECT_EQ(trace.calls[0].arg_summaries,
            (std::vector<std::string>{"16", "8", "True", "False", "7", "1000", "-9", "123", "16", "1.5",
                                      "-inf", "'aA\\n'", "'caf\xc3\xa9'"}));
  EXPECT_TRUE(trace.errors.empty());
}

TEST(PickleVm, EveryPickleInTheStreamIsScanned) {
  Sample sample = load_sample("two_pickles");
  PickleTrace trace = run(sample.data());
  const auto second = sample.expected["second_start"].get<std::uint64_t>();
  EXPECT_EQ(trace.pickle_starts, (std::vector<std::uint64_t>{0, second}));
  ASSERT_EQ(trace.imports.size(), 1u);
  EXPECT_GT(trace.imports[0].offset, second);
  EXPECT_NE(find_call(trace, "posix.system"), nullptr);
  EXPECT_EQ(trace.end_offset, sample.bytes.size());
}

TEST(PickleVm, KeepsWhatCameBeforeAParseError) {
  Sample sample = load_sample("parse_error");
  PickleTrace trace = run(sample.data());
  ASSERT_EQ(trace.imports.size(), 1u);
  EXPECT_EQ(trace.imports[0].module + "." + trace.imports[0].qualname, "os.system");
  ASSERT_NE(find_call(trace, "os.system"), nullptr);
  ASSERT_EQ(trace.errors.size(), 1u);
  EXPECT_TRUE(trace.errors[0].fatal);
  EXPECT_EQ(trace.errors[0].offset, sample.expected["error_offset"].get<std::uint64_t>());
  EXPECT_NE(trace.errors[0].message.find("invalid opcode"), std::string::npos);
}

TEST(PickleVm, AppendedZipIsNotTakenForAPickle) {
  Sample sample = load_sample("zip_appended");
  PickleTrace trace = run(sample.data());
  EXPECT_EQ(trace.pickle_starts, std::vector<std::uint64_t>{0});
  EXPECT_EQ(trace.end_offset, sample.expected["pickle_end"].get<std::uint64_t>());
  EXPECT_TRUE(trace.errors.empty());
  EXPECT_EQ(trace.imports.size(), 1u);
}

TEST(PickleVm, NestedPickleBytesAreReported) {
  PickleTrace trace = run(load_sample("nested_pickle").data());
  std::string inner = test::read_file(test::testdata("pickle_vm/nested_inner.bin"));
  ASSERT_EQ(trace.embedded.size(), 1u);
  const PickleEmbeddedBytes& embedded = trace.embedded[0];
  EXPECT_EQ(embedded.callable, "_pickle.loads");
  EXPECT_EQ(std::string(embedded.bytes.begin(), embedded.bytes.end()), inner);
  EXPECT_TRUE(embedded.complete);
  EXPECT_TRUE(embedded.contiguous);
  EXPECT_EQ(embedded.size, inner.size());
  Sample sample = load_sample("nested_pickle");
  EXPECT_EQ(sample.bytes.substr(embedded.offset_in_stream, embedded.size), inner);
  EXPECT_TRUE(looks_like_pickle(embedded.bytes));
  PickleTrace nested = run(Bytes(embedded.bytes), embedded.offset_in_stream);
  ASSERT_EQ(nested.imports.size(), 1u);
  EXPECT_EQ(nested.imports[0].module + "." + nested.imports[0].qualname, "posix.system");
  EXPECT_GT(nested.imports[0].offset, embedded.offset_in_stream);
}

TEST(PickleVm, OutOfBandBuffers) {
  Sample sample = load_sample("oob_buffers_p5");
  PickleTrace trace = run(sample.data());
  EXPECT_EQ(trace.out_of_band_buffers, sample.expected["out_of_band"].get<std::uint64_t>());
  EXPECT_EQ(trace.max_protocol, 5);
  EXPECT_TRUE(trace.errors.empty());
}

TEST(PickleVm, PersistentIds) {
  PickleTrace p0 = run(load_sample("persistent_p0").data());
  ASSERT_EQ(p0.persistent_ids.size(), 1u);
  EXPECT_EQ(p0.persistent_ids[0].summary, "'storage_0'");
  EXPECT_EQ(p0.persistent_ids[0].opcode, "PERSID");
  PickleTrace p2 = run(load_sample("persistent_p2").data());
  ASSERT_EQ(p2.persistent_ids.size(), 1u);
  EXPECT_EQ(p2.persistent_ids[0].summary, "('storage', 'FloatStorage', '0', 'cpu', 6)");
  EXPECT_EQ(p2.persistent_ids[0].opcode, "BINPERSID");
}

TEST(PickleVm, MillionElementListIsFast) {
  Sample sample = load_sample("million_list");
  auto start = std::chrono::steady_clock::now();
  PickleTrace trace = run(sample.data());
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 10000);
  EXPECT_EQ(trace.opcode_count, sample.expected["opcode_count"].get<std::uint64_t>());
  EXPECT_TRUE(trace.errors.empty());
  EXPECT_FALSE(trace.truncated);
}

TEST(PickleVm, HeavyMemoReuseStillResolvesThePayload) {
  for (std::string name : {"memo_heavy_p4", "memo_heavy_p0"}) {
    PickleTrace trace = run(load_sample(name).data());
    ASSERT_NE(find_call(trace, "posix.system"), nullptr) << name;
    EXPECT_TRUE(trace.errors.empty()) << name;
  }
}

TEST(PickleVm, GarbageCollectionKeepsWhatTheMemoHolds) {
  PickleTrace trace = run(load_sample("gc_stress").data());
  ASSERT_EQ(trace.imports.size(), 1u);
  EXPECT_EQ(trace.imports[0].module, "os");
  EXPECT_EQ(trace.imports[0].qualname, "system");
  EXPECT_TRUE(trace.errors.empty());
}

TEST(PickleVm, ValueLimitStopsTheScan) {
  Limits limits;
  limits.max_pickle_values = 50'000;  // the memo alone holds 100k strings
  PickleTrace trace = run_pickle_vm(load_sample("gc_stress").data(), limits);
  ASSERT_FALSE(trace.errors.empty());
  EXPECT_TRUE(trace.errors.back().fatal);
  EXPECT_NE(trace.errors.back().message.find("value limit"), std::string::npos);
  EXPECT_TRUE(trace.truncated);
}

TEST(PickleVm, LargeNonPickleBytesArgumentsAreOnlySampled) {
  std::string data =
      "\x80\x03"
      "cbuiltins\nbytearray\nB";
  data += std::string("\x10\x27\x00\x00"sv) + std::string(10000, 'A') + "\x85R.";
  PickleTrace trace = run(data);
  ASSERT_EQ(trace.embedded.size(), 1u);
  EXPECT_EQ(trace.embedded[0].size, 10000u);
  EXPECT_EQ(trace.embedded[0].offset_in_stream, 27u);
  EXPECT_EQ(trace.embedded[0].bytes.size(), 4096u);
  EXPECT_FALSE(trace.embedded[0].complete);
  EXPECT_TRUE(trace.embedded[0].contiguous);
  EXPECT_EQ(trace.embedded[0].callable, "builtins.bytearray");
  ASSERT_EQ(trace.calls.size(), 1u);
  EXPECT_NE(trace.calls[0].arg_summaries[0].find("<10000 bytes>"), std::string::npos);
}

TEST(PickleVm, OffsetsAreShiftedByTheBaseOffset) {
  Sample sample = load_sample("reduce_system_p4");
  PickleTrace plain = run(sample.data());
  PickleTrace shifted = run(sample.data(), 1000);
  ASSERT_EQ(shifted.imports.size(), 1u);
  EXPECT_EQ(shifted.imports[0].offset, plain.imports[0].offset + 1000);
  EXPECT_EQ(shifted.calls[0].offset, plain.calls[0].offset + 1000);
  EXPECT_EQ(shifted.pickle_starts, std::vector<std::uint64_t>{1000});
}

TEST(PickleVm, EveryTruncationFailsCleanlyAndKeepsAPrefixOfTheImports) {
  for (std::string name : {"reduce_system_p0", "reduce_system_p2", "reduce_system_p5", "stack_global_memo",
                           "newobj_ex_p4", "containers_p3", "nested_pickle"}) {
    Sample sample = load_sample(name);
    PickleTrace full = run(sample.data());
    for (std::size_t length = 0; length < sample.bytes.size(); ++length) {
      SCOPED_TRACE(name + " cut at " + std::to_string(length));
      PickleTrace cut = run(sample.data().first(length));
      ASSERT_FALSE(cut.errors.empty());
      EXPECT_TRUE(cut.errors.back().fatal);
      EXPECT_LE(cut.errors.back().offset, length);
      ASSERT_LE(cut.imports.size(), full.imports.size());
      for (std::size_t i = 0; i < cut.imports.size(); ++i) {
        EXPECT_EQ(cut.imports[i].qualname, full.imports[i].qualname);
      }
    }
  }
}

TEST(PickleVm, StackLimitDegradesInsteadOfStopping) {
  Limits limits;
  limits.max_pickle_stack = 64;
  PickleTrace trace = run_pickle_vm(load_sample("memo_heavy_p4").data(), limits);
  EXPECT_TRUE(trace.truncated);
  EXPECT_NE(find_call(trace, "posix.system"), nullptr);
  for (const auto& error : trace.errors) EXPECT_FALSE(error.fatal) << error.message;
}

TEST(PickleVm, StackOfManySmallFramesHitsTheLimitQuickly) {
  std::string data = "\x80\x02";
  for (int i = 0; i < 200'000; ++i) data += "(K\x01K\x02";
  Limits limits;
  limits.max_pickle_stack = 100'000;
  auto start = std::chrono::steady_clock::now();
  PickleTrace trace = run_pickle_vm(as_bytes(data), limits);
  EXPECT_LT(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count(), 5);
  ASSERT_FALSE(trace.errors.empty());
  EXPECT_TRUE(trace.errors.back().fatal);
  EXPECT_TRUE(trace.truncated);
}

TEST(PickleVm, MemoLimitLeavesADynamicImport) {
  Limits limits;
  limits.max_pickle_memo = 1;  // "os" is kept, "system" is not
  PickleTrace trace = run_pickle_vm(load_sample("stack_global_memo").data(), limits);
  EXPECT_TRUE(trace.truncated);
  ASSERT_EQ(trace.imports.size(), 1u);
  EXPECT_EQ(trace.imports[0].module, "os");
  EXPECT_EQ(trace.imports[0].qualname, "<unknown>");
  EXPECT_FALSE(trace.imports[0].exact);
}

TEST(PickleVm, OperationLimitStopsWithAFatalError) {
  Limits limits;
  limits.max_pickle_ops = 1000;
  PickleTrace trace = run_pickle_vm(load_sample("million_list").data(), limits);
  EXPECT_TRUE(trace.truncated);
  ASSERT_FALSE(trace.errors.empty());
  EXPECT_TRUE(trace.errors.back().fatal);
  EXPECT_EQ(trace.opcode_count, 1000u);
}

TEST(PickleVm, RecordLimitStillListsNewCallables) {
  // Twenty calls of builtins.len, then one of os.system.
  std::string data = "\x80\x02";
  for (int i = 0; i < 20; ++i) data += "cbuiltins\nlen\n)R0";
  data += "cos\nsystem\nX\x02\x00\x00\x00id\x85R."sv;
  Limits limits;
  limits.max_pickle_records = 5;
  PickleTrace trace = run_pickle_vm(as_bytes(data), limits);
  EXPECT_TRUE(trace.truncated);
  EXPECT_NE(find_call(trace, "os.system"), nullptr);
  EXPECT_LE(trace.calls.size(), 10u);
  EXPECT_EQ(trace.imports.back().module, "os");
}

TEST(PickleVm, RepeatedLongArgumentsDoNotBlowUpTheTrace) {
  // One 1000-character string, memoized once and passed 32 times to each of 20k calls (1.4 MB of input).
  std::string data(
      "\x80\x04"
      "cbuiltins\nprint\n\x94X\xe8\x03\x00\x00"sv);
  data += std::string(1000, 'A') +
          "\x94"
          "0";
  for (int call = 0; call < 20'000; ++call) {
    data += "h\x00("sv;
    for (int arg = 0; arg < 32; ++arg) data += "h\x01";
    data += "tR0";
  }
  data += "N.";
  PickleTrace trace = run(data);
  EXPECT_TRUE(trace.errors.empty());
  EXPECT_EQ(trace.calls.size(), 20'000u);
  std::size_t characters = 0;
  for (const auto& call : trace.calls) {
    for (const auto& summary : call.arg_summaries) characters += summary.size();
  }
  EXPECT_LT(characters, 32u << 20);  // 640 MB if every summary were kept whole
  EXPECT_EQ(trace.calls.front().arg_summaries.size(), 32u);
  EXPECT_EQ(trace.calls.front().arg_summaries[0].size(), 1002u);
}

TEST(PickleVm, RepeatedLongGlobalNamesDoNotBlowUpTheTrace) {
  // Two 4000-character names, memoized once and combined by 100k STACK_GLOBALs (500 KB of input).
  std::string data("\x80\x04"sv);
  data += "X\xa0\x0f\x00\x00"sv;
  data += std::string(4000, 'a') +
          "\x94"
          "0";
  data += "X\xa0\x0f\x00\x00"sv;
  data += std::string(4000, 'b') +
          "\x94"
          "0";
  for (int i = 0; i < 100'000; ++i)
    data +=
        "h\x00h\x01\x93"
        "0"sv;
  data += "N.";
  PickleTrace trace = run(data);
  EXPECT_TRUE(trace.errors.empty());
  ASSERT_EQ(trace.imports.size(), 100'000u);
  std::size_t characters = 0;
  for (const auto& import : trace.imports) characters += import.module.size() + import.qualname.size();
  EXPECT_LT(characters, 32u << 20);  // 800 MB if every name were kept whole
  EXPECT_EQ(trace.imports.front().module, std::string(4000, 'a'));
  EXPECT_TRUE(trace.imports.front().exact);
  EXPECT_FALSE(trace.imports.back().exact);
}

TEST(PickleVm, CyclicValuesRenderBoundedly) {
  // L = []; memo L; X = L(); memo X; L.append(X); X()
  PickleTrace trace =
      run("\x80\x04]\x94)R\x94h\x00h\x01"
          "a0)R."sv);
  ASSERT_EQ(trace.calls.size(), 2u);
  EXPECT_LT(trace.calls[1].callable.size(), 2000u);
  // A list holding itself, passed as an argument.
  PickleTrace self =
      run("\x80\x04"
          "cbuiltins\nlen\n]\x94h\x00"
          "a\x85R."sv);
  ASSERT_EQ(self.calls.size(), 1u);
  EXPECT_LT(self.calls[0].arg_summaries.at(0).size(), 2000u);
  EXPECT_EQ(self.calls[0].arg_summaries[0].substr(0, 3), "[[[");
}

TEST(PickleVm, SoftErrorsAreRecordedAndScanningGoesOn) {
  // A badly quoted STRING, then a call that CPython would never reach but a scanner must see.
  PickleTrace trace = run("S'abc\"\n0cos\nsystem\n(S'id'\ntR.");
  ASSERT_FALSE(trace.errors.empty());
  EXPECT_FALSE(trace.errors[0].fatal);
  EXPECT_EQ(trace.errors[0].offset, 0u);
  EXPECT_NE(find_call(trace, "os.system"), nullptr);

  PickleTrace underflow = run("\x80\x02R.");
  ASSERT_FALSE(underflow.errors.empty());
  EXPECT_EQ(underflow.calls.size(), 1u);
  EXPECT_EQ(underflow.calls[0].callable, "<unknown>");

  PickleTrace not_str = run("\x80\x04K\x01K\x02\x93.");
  ASSERT_FALSE(not_str.errors.empty());
  EXPECT_NE(not_str.errors[0].message.find("STACK_GLOBAL requires str"), std::string::npos);
  EXPECT_TRUE(not_str.imports.empty());
}

TEST(PickleVm, DynamicStackGlobalOperandsAreInexact) {
  // STACK_GLOBAL over the result of builtins.getattr(...): the name is only known at run time.
  PickleTrace trace =
      run("\x80\x04\x8c\x02os\x8c\x08"
          "builtins\x8c\x07getattr\x93\x8c\x01x\x8c\x01y\x86R\x93."sv);
  ASSERT_EQ(trace.imports.size(), 2u);
  EXPECT_EQ(trace.imports[1].module, "os");
  EXPECT_FALSE(trace.imports[1].exact);
  EXPECT_EQ(trace.imports[1].qualname, "<result of builtins.getattr(...)>");
}

TEST(PickleVm, MalformedInputs) {
  PickleTrace empty = run(std::string_view());
  ASSERT_EQ(empty.errors.size(), 1u);
  EXPECT_TRUE(empty.errors[0].fatal);

  PickleTrace bad_opcode = run("\xff");
  ASSERT_EQ(bad_opcode.errors.size(), 1u);
  EXPECT_EQ(bad_opcode.pickle_starts, std::vector<std::uint64_t>{0});

  // BINBYTES8 declaring 2^62 bytes: refused from the length, nothing allocated.
  PickleTrace huge = run("\x80\x04\x8e\x00\x00\x00\x00\x00\x00\x00\x40."sv);
  ASSERT_EQ(huge.errors.size(), 1u);
  EXPECT_TRUE(huge.errors[0].fatal);

  PickleTrace no_stop = run("\x80\x02N");
  ASSERT_EQ(no_stop.errors.size(), 1u);
  EXPECT_TRUE(no_stop.errors[0].fatal);

  PickleTrace unterminated = run("cos\nsys");
  ASSERT_EQ(unterminated.errors.size(), 1u);
  EXPECT_TRUE(unterminated.imports.empty());

  PickleTrace bad_protocol = run("\x80\x09N.");
  ASSERT_EQ(bad_protocol.errors.size(), 1u);
  EXPECT_FALSE(bad_protocol.errors[0].fatal);
  EXPECT_EQ(bad_protocol.max_protocol, 0);

  PickleTrace negative_binstring = run("T\xff\xff\xff\xff."sv);
  ASSERT_EQ(negative_binstring.errors.size(), 1u);
  EXPECT_TRUE(negative_binstring.errors[0].fatal);
}

TEST(PickleVm, FramesAreOnlyAHint) {
  // A FRAME whose length ends inside the SHORT_BINUNICODE that follows it.
  PickleTrace trace = run("\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93."sv);
  EXPECT_TRUE(trace.errors.empty());
  ASSERT_EQ(trace.imports.size(), 1u);
  EXPECT_EQ(trace.imports[0].qualname, "system");
}

TEST(PickleVm, BuildOnAGlobalIsACall) {
  // BUILD straight on os.environ: CPython would set attributes on (or call __setstate__ of) the global.
  PickleTrace trace = run("cos\nenviron\n}S'X'\nS'Y'\nsb.");
  ASSERT_EQ(trace.calls.size(), 1u);
  EXPECT_EQ(trace.calls[0].callable, "os.environ.__setstate__");
  EXPECT_EQ(trace.calls[0].opcode, "BUILD");
  EXPECT_EQ(trace.calls[0].module, "os");
  EXPECT_EQ(trace.calls[0].qualname, "environ");
  EXPECT_EQ(trace.calls[0].arg_summaries, std::vector<std::string>{"{'X': 'Y'}"});
}

TEST(PickleVm, ExtensionCodesAreCalls) {
  PickleTrace trace = run("\x80\x02\x82\x05.");
  ASSERT_EQ(trace.calls.size(), 1u);
  EXPECT_EQ(trace.calls[0].callable, "<extension 5>");
  EXPECT_EQ(trace.calls[0].opcode, "EXT1");
}

TEST(PickleVm, MethodCallsOnObjects) {
  // collections.OrderedDict() then SETITEMS: a __setitem__ call on the result.
  PickleTrace trace =
      run("\x80\x02"
          "ccollections\nOrderedDict\n)R(X\x01\x00\x00\x00"
          "aK\x01u."sv);
  const PickleCall* setitem = find_call(trace, "<result of collections.OrderedDict(...)>.__setitem__");
  ASSERT_NE(setitem, nullptr);
  EXPECT_EQ(setitem->arg_summaries, std::vector<std::string>{"'a': 1"});
  EXPECT_EQ(setitem->module, "collections");
}

TEST(PickleVm, LooksLikePickle) {
  for (const auto& entry : std::filesystem::directory_iterator(test::testdata("pickle_vm"))) {
    if (entry.path().extension() != ".pkl") continue;
    std::string bytes = test::read_file(entry.path());
    EXPECT_TRUE(looks_like_pickle(as_bytes(bytes))) << entry.path();
  }
  EXPECT_TRUE(looks_like_pickle(as_bytes("N.")));
  EXPECT_TRUE(looks_like_pickle(as_bytes("(lp0\nI1\naI2\na.")));
  EXPECT_FALSE(looks_like_pickle(as_bytes("")));
  EXPECT_FALSE(looks_like_pickle(as_bytes("hello world\n")));
  EXPECT_FALSE(looks_like_pickle(as_bytes("{\"a\": [1, 2]}")));
  EXPECT_FALSE(looks_like_pickle(as_bytes("PK\x03\x04")));
  EXPECT_FALSE(looks_like_pickle(as_bytes("\x80\x06N.")));
  EXPECT_FALSE(looks_like_pickle(as_bytes("(I am a sentence.)")));
}

namespace pv = pickle_vm;

TEST(PickleLiterals, IntegersLikeTheCUnpickler) {
  EXPECT_EQ(pv::parse_int_line("010")->number.value, 8);  // strtol: octal
  EXPECT_EQ(pv::parse_int_line("0x10")->number.value, 16);
  EXPECT_TRUE(pv::parse_int_line("01")->is_bool);
  EXPECT_TRUE(pv::parse_int_line(" 1")->is_bool);
  EXPECT_FALSE(pv::parse_int_line("1")->is_bool);
  EXPECT_EQ(pv::parse_int_line("1_000")->number.value, 1000);
  EXPECT_EQ(pv::parse_int_line("12\0junk"sv)->number.value, 12);
  EXPECT_FALSE(pv::parse_int_line("0x"));
  EXPECT_FALSE(pv::parse_int_line("08"));
  EXPECT_FALSE(pv::parse_int_line(""));
  auto big = pv::parse_int_line("9223372036854775808");
  ASSERT_TRUE(big);
  EXPECT_FALSE(big->number.fits);
  EXPECT_EQ(big->number.decimal, "9223372036854775808");
  EXPECT_EQ(pv::parse_int_line("-9223372036854775808")->number.value, INT64_MIN);
  EXPECT_EQ(pv::parse_long_line("0x10L")->value, 16);
  EXPECT_FALSE(pv::parse_long_line("010"));
  EXPECT_FALSE(pv::parse_long_line("L"));
  EXPECT_EQ(pv::parse_long_line("-0x_ff")->value, -255);
  EXPECT_FALSE(pv::parse_long_line("1__0"));
  EXPECT_FALSE(pv::parse_long_line(std::string(5000, '7')));  // int max str digits
  EXPECT_EQ(pv::parse_decimal_line(" 010 ")->value, 10);
  EXPECT_FALSE(pv::parse_decimal_line("0x1"));
}

TEST(PickleLiterals, LongBytesAndFloats) {
  auto bytes = [](std::initializer_list<std::uint8_t> list) { return std::vector<std::uint8_t>(list); };
  EXPECT_EQ(pv::decode_long_bytes(bytes({0xff})).value, -1);
  EXPECT_EQ(pv::decode_long_bytes(bytes({0x00, 0x80})).value, -32768);
  EXPECT_EQ(pv::decode_long_bytes(bytes({})).value, 0);
  auto two_to_64 = pv::decode_long_bytes(bytes({0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(two_to_64.decimal, "18446744073709551616");
  auto minus = pv::decode_long_bytes(bytes({0, 0, 0, 0, 0, 0, 0, 0, 0xff}));
  EXPECT_EQ(minus.decimal, "-18446744073709551616");

  EXPECT_EQ(*pv::parse_float_line("1.5"), 1.5);
  EXPECT_EQ(*pv::parse_float_line("+1E5"), 1e5);
  EXPECT_TRUE(std::isinf(*pv::parse_float_line("-Infinity")));
  EXPECT_FALSE(pv::parse_float_line(" 1.5"));
  EXPECT_FALSE(pv::parse_float_line("1e500"));
  EXPECT_FALSE(pv::parse_float_line("nan(1)"));
  EXPECT_FALSE(pv::parse_float_line("1_0.5"));
  EXPECT_EQ(*pv::parse_float_line("1e-400"), 0.0);

  EXPECT_EQ(pv::python_float_repr(1e16), "1e+16");
  EXPECT_EQ(pv::python_float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(pv::python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(pv::python_float_repr(1e-05), "1e-05");
  EXPECT_EQ(pv::python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(pv::python_float_repr(123456789.125), "123456789.125");
  EXPECT_EQ(pv::python_float_repr(1.5e300), "1.5e+300");
}

TEST(PickleLiterals, StringEscapes) {
  std::string error;
  EXPECT_EQ(pv::decode_string_line("'a\\x41\\n\\101\\q'", 100, error)->text, "aA\nA\\q");
  EXPECT_FALSE(pv::decode_string_line("'abc\"", 100, error));
  EXPECT_FALSE(pv::decode_string_line("'a\\'", 100, error));
  EXPECT_FALSE(pv::decode_string_line("'\\x4'", 100, error));
  EXPECT_EQ(pv::decode_raw_unicode_escape("\\u00e9\\\\u0041\\\\\\u0041", 100, error)->text,
            "\xc3\xa9\\\\u0041\\\\A");
  EXPECT_FALSE(pv::decode_raw_unicode_escape("\\u004", 100, error));
  EXPECT_FALSE(pv::decode_raw_unicode_escape("\\U00110000", 100, error));
  auto cut = pv::decode_string_line("'" + std::string(100, 'x') + "'", 10, error);
  EXPECT_TRUE(cut->partial);
  EXPECT_EQ(cut->text.size(), 10u);
}

}  // namespace
}  // namespace ms
