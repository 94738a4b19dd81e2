#include "formats/marshal.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "test_paths.hpp"

namespace ms {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;
using json = nlohmann::json;
using ByteVector = std::vector<std::uint8_t>;

ByteVector read_bytes(const std::string& name) {
  std::string text = test::read_file(test::testdata("marshal/" + name));
  return ByteVector(text.begin(), text.end());
}

const json& expected() {
  static const json document = json::parse(test::read_file(test::testdata("marshal/expected.json")));
  return document;
}

std::vector<std::string> strings(const json& array) { return array.get<std::vector<std::string>>(); }

bool has_anomaly(const MarshalCodeResult& result, MarshalAnomalyKind kind) {
  return std::any_of(result.anomalies.begin(), result.anomalies.end(),
                     [&](const MarshalAnomaly& anomaly) { return anomaly.kind == kind; });
}

// Compares a decoded code object with the generator's description of the real Python code object.
void expect_matches(const MarshalCode& code, const json& want, const std::string& where) {
  SCOPED_TRACE(where + " " + code.name);
  EXPECT_EQ(code.name, want["name"]);
  EXPECT_EQ(code.qualname, want["qualname"]);
  EXPECT_EQ(code.filename, want["filename"]);
  EXPECT_EQ(code.first_line, want["first_line"]);
  EXPECT_EQ(code.argcount, want["argcount"]);
  EXPECT_EQ(code.posonlyargcount, want["posonlyargcount"]);
  EXPECT_EQ(code.kwonlyargcount, want["kwonlyargcount"]);
  EXPECT_EQ(code.nlocals, want["nlocals"]);
  EXPECT_EQ(code.stacksize, want["stacksize"]);
  EXPECT_EQ(code.flags, want["flags"]);
  EXPECT_EQ(code.names, strings(want["names"]));
  // 3.11 stores one localsplus list; Python derives co_varnames/co_cellvars/co_freevars from it.
  EXPECT_THAT(code.varnames, UnorderedElementsAreArray(strings(want["varnames"])));
  EXPECT_THAT(code.cellvars, UnorderedElementsAreArray(strings(want["cellvars"])));
  EXPECT_THAT(code.freevars, UnorderedElementsAreArray(strings(want["freevars"])));
  EXPECT_EQ(code.string_constants, strings(want["string_constants"]));
  EXPECT_EQ(code.other_constants, strings(want["other_constants"]));
  std::string hex;
  for (std::uint8_t byte : code.bytecode) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  EXPECT_EQ(hex, want["bytecode_hex"]);
  ASSERT_EQ(code.nested.size(), want["nested"].size());
  for (std::size_t i = 0; i < code.nested.size(); ++i)
    expect_matches(code.nested[i], want["nested"][i], where);
}

TEST(Marshal, DecodesRealCodeObjectsOfThisInterpreter) {
  ASSERT_GE(expected()["cases"].size(), 10u);
  for (const auto& [name, want] : expected()["cases"].items()) {
    ByteVector raw = read_bytes(name + ".marshal");
    MarshalCodeResult result = parse_marshal_code(raw, Limits{});
    EXPECT_EQ(result.layout, MarshalLayout::python311_plus) << name;
    EXPECT_EQ(result.python_versions, "3.11-3.14") << name;
    EXPECT_TRUE(result.alternatives.empty()) << name;
    EXPECT_TRUE(result.anomalies.empty()) << name << ": " << to_string(result.anomalies.front().kind);
    EXPECT_EQ(result.code.offset, 0u);
    expect_matches(result.code, want, name);
    EXPECT_EQ(all_names(result.code), strings(want["all_names"])) << name;
  }
}

TEST(Marshal, RevealsWhatMaliciousLambdasCall) {
  MarshalCodeResult system_call = parse_marshal_code(read_bytes("os_system.marshal"), Limits{});
  EXPECT_THAT(all_names(system_call), Contains("__import__"));
  EXPECT_THAT(all_names(system_call), Contains("system"));
  EXPECT_THAT(all_string_constants(system_call), Contains("os"));
  EXPECT_THAT(all_string_constants(system_call), Contains("echo hi"));

  MarshalCodeResult comprehension = parse_marshal_code(read_bytes("comprehension.marshal"), Limits{});
  EXPECT_THAT(all_names(comprehension.code), Contains("subprocess"));  // only inside the nested <listcomp>
  EXPECT_THAT(comprehension.code.names, ::testing::Not(Contains("subprocess")));

  MarshalCodeResult imports = parse_marshal_code(read_bytes("imports.marshal"), Limits{});
  EXPECT_THAT(imports.code.names, ::testing::IsSupersetOf({"socket", "os", "system"}));
  EXPECT_THAT(imports.code.string_constants, Contains("system"));  // the fromlist tuple ('system',)
}

TEST(Marshal, KerasTextFormsGiveBackTheMarshalBytes) {
  for (const auto& [name, want] : expected()["cases"].items()) {
    SCOPED_TRACE(name);
    ByteVector raw = read_bytes(name + ".marshal");
    std::string keras2 = test::read_file(test::testdata("marshal/" + name + ".b64"));
    std::string keras1 = test::read_file(test::testdata("marshal/" + name + ".k1"));
    ASSERT_NE(keras2.find('\n'), std::string::npos);  // codecs' base64 wraps lines

    std::optional<ByteVector> decoded = decode_base64(keras2);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, raw);
    EXPECT_EQ(keras_function_bytes(keras2), raw);

    ASSERT_TRUE(want["keras1_equals_raw"].get<bool>());
    EXPECT_EQ(decode_raw_unicode_escape_to_bytes(keras1), raw);
    EXPECT_EQ(keras_function_bytes(keras1), raw);  // not ASCII, so Keras falls back as we do
    EXPECT_EQ(parse_marshal_code(keras_function_bytes(keras1), Limits{}).code.name, want["name"]);
  }
}

TEST(Marshal, RawUnicodeEscapeMatchesPythonsEncoder) {
  // 'é' (U+00E9) -> one byte; U+0101 -> the text \u0101; U+1F600 -> \U0001f600.
  ByteVector bytes = decode_raw_unicode_escape_to_bytes("a\xc3\xa9\xc4\x81\xf0\x9f\x98\x80");
  std::string text(bytes.begin(), bytes.end());
  EXPECT_EQ(text, std::string("a\xe9\\u0101\\U0001f600"));
  // A lone surrogate can sit in a Python str (and so in JSON that was written from one).
  bytes = decode_raw_unicode_escape_to_bytes("\xed\xa0\x80");
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "\\ud800");
  EXPECT_THROW(decode_raw_unicode_escape_to_bytes("\xff"), FormatError);
  EXPECT_THROW(decode_raw_unicode_escape_to_bytes("ab\xc3"), FormatError);
  EXPECT_THROW(decode_raw_unicode_escape_to_bytes("\xc0\xaf"), FormatError);  // overlong '/'
  EXPECT_THROW(decode_raw_unicode_escape_to_bytes("\xf4\x90\x80\x80"), FormatError);
}

TEST(Marshal, Base64FollowsPythonsLenientDecoder) {
  auto text = [](std::optional<ByteVector> bytes) {
    return bytes ? std::string(bytes->begin(), bytes->end()) : std::string("<error>");
  };
  EXPECT_EQ(text(decode_base64("YWJj\nZGVm\n")), "abcdef");
  EXPECT_EQ(text(decode_base64("YW=Jj")), "abc");      // a pad inside a quantum is skipped
  EXPECT_EQ(text(decode_base64("YQ==ignored")), "a");  // padding ends the data
  EXPECT_EQ(text(decode_base64("Y*W!J j")), "abc");    // non-alphabet characters are skipped
  EXPECT_EQ(text(decode_base64("")), "");
  EXPECT_EQ(text(decode_base64("YWJjZ")), "<error>");         // one character past a quantum
  EXPECT_EQ(text(decode_base64("YWJjZA")), "<error>");        // missing padding
  EXPECT_EQ(text(decode_base64("YWJj\xc3\xa9")), "<error>");  // not ASCII: Keras' .encode('ascii') fails
  // Keras falls back to raw_unicode_escape when base64 fails.
  ByteVector fallback = keras_function_bytes("YWJjZ");
  EXPECT_EQ(std::string(fallback.begin(), fallback.end()), "YWJjZ");
}

TEST(Marshal, DecodesEveryValueTypeOfEveryMarshalVersion) {
  for (const auto& [name, want] : expected()["values"].items()) {
    SCOPED_TRACE(name);
    MarshalCodeResult result = parse_marshal_code(read_bytes(name + ".marshal"), Limits{});
    EXPECT_EQ(result.layout, MarshalLayout::python311_plus);
    EXPECT_EQ(result.code.other_constants, strings(want["other_constants"]));
    EXPECT_EQ(result.code.string_constants, strings(want["string_constants"]));
    EXPECT_TRUE(has_anomaly(result, MarshalAnomalyKind::unusual_constant));  // lists, dicts, sets
    if (name.rfind("cycle", 0) == 0) {
      EXPECT_TRUE(has_anomaly(result, MarshalAnomalyKind::reference_cycle));
      EXPECT_EQ(result.code.other_constants.front(), "[[...]]");
    }
  }
  // Version 0 writes floats as text ('f', 'x'); make sure that path was exercised.
  ByteVector v0 = read_bytes("values_v0.marshal");
  EXPECT_NE(std::string(v0.begin(), v0.end())
                .find("f\x04"
                      "3.25"),
            std::string::npos);
}

MarshalLayout layout_named(const std::string& name) {
  if (name == "python2") return MarshalLayout::python2;
  if (name == "python30_to_37") return MarshalLayout::python30_to_37;
  if (name == "python38_to_310") return MarshalLayout::python38_to_310;
  return MarshalLayout::python311_plus;
}

TEST(Marshal, IdentifiesOlderLayoutsFromHandBuiltData) {
  for (const auto& [name, want] : expected()["hand"].items()) {
    SCOPED_TRACE(name);
    MarshalCodeResult result = parse_marshal_code(read_bytes(name + ".marshal"), Limits{});
    EXPECT_EQ(result.layout, layout_named(want["layout"]));
    EXPECT_EQ(result.python_versions, want["python_versions"]);
    EXPECT_TRUE(result.alternatives.empty());
    EXPECT_TRUE(result.anomalies.empty());
    const MarshalCode& code = result.code;
    EXPECT_EQ(code.name, want["name"]);
    EXPECT_EQ(code.filename, want["filename"]);
    EXPECT_EQ(code.first_line, want["first_line"]);
    EXPECT_EQ(code.argcount, 1);
    EXPECT_EQ(code.posonlyargcount, want["posonlyargcount"]);
    EXPECT_EQ(code.nlocals, 1);
    EXPECT_EQ(code.names, strings(want["names"]));
    EXPECT_EQ(code.varnames, strings(want["varnames"]));
    EXPECT_EQ(code.cellvars, strings(want["cellvars"]));
    EXPECT_EQ(code.string_constants, strings(want["string_constants"]));
    EXPECT_EQ(code.other_constants, strings(want["other_constants"]));
    EXPECT_EQ(all_names(result), strings(want["all_names"]));
    ASSERT_EQ(code.nested.size(), 1u);
    const MarshalCode& inner = code.nested[0];
    EXPECT_EQ(inner.name, want["nested_name"]);
    EXPECT_EQ(inner.varnames, strings(want["nested_varnames"]));
    EXPECT_EQ(inner.freevars, strings(want["nested_freevars"]));
    EXPECT_EQ(inner.string_constants, strings(want["nested_strings"]));
    EXPECT_EQ(inner.other_constants, (std::vector<std::string>{"None", "7"}));
    EXPECT_EQ(inner.bytecode.size(), want["nested_bytecode_hex"].get<std::string>().size() / 2);
  }
}

// --- the shared corpus: Lambda layers saved by Keras under Python 3.5-3.8 ---

// The model_config attribute is stored as plain JSON text inside the HDF5 file; pull out every Lambda
// "function" string without an HDF5 reader.
std::vector<std::string> lambda_functions(const std::string& file_bytes) {
  std::vector<std::string> found;
  const std::string key = "\"function\": [\"";
  for (std::size_t at = file_bytes.find(key); at != std::string::npos; at = file_bytes.find(key, at + 1)) {
    std::size_t start = at + key.size() - 1;  // the opening quote
    std::size_t end = start + 1;
    while (end < file_bytes.size() && file_bytes[end] != '"') end += file_bytes[end] == '\\' ? 2 : 1;
    found.push_back(json::parse(file_bytes.substr(start, end - start + 1)).get<std::string>());
  }
  return found;
}

struct CorpusLambda {
  std::string file;
  MarshalCodeResult result;
};

std::vector<CorpusLambda> corpus_lambdas(const std::string& folder) {
  std::vector<CorpusLambda> out;
  for (const auto& entry : std::filesystem::directory_iterator(test::shared_corpus() / "keras" / folder)) {
    if (entry.path().extension() != ".h5") continue;
    for (const std::string& function : lambda_functions(test::read_file(entry.path()))) {
      std::optional<ByteVector> raw = decode_base64(function);
      EXPECT_TRUE(raw.has_value()) << entry.path();
      if (!raw) continue;
      MarshalCodeResult result = parse_marshal_code(*raw, Limits{});
      std::cout << "[corpus] " << entry.path().filename().string() << ": " << to_string(result.layout)
                << " (Python " << result.python_versions << "), " << result.code.filename << ":"
                << result.code.name << "\n";
      for (const std::string& name : all_names(result)) std::cout << "    name   " << name << "\n";
      for (const std::string& text : all_string_constants(result)) std::cout << "    string " << text << "\n";
      out.push_back({entry.path().filename().string(), std::move(result)});
    }
  }
  return out;
}

TEST(MarshalCorpus, BenignLambdaDecodesAsOlderLayout) {
  MS_REQUIRE_CORPUS();
  std::vector<CorpusLambda> lambdas = corpus_lambdas("benign-lambda");
  ASSERT_FALSE(lambdas.empty());
  for (const CorpusLambda& lambda : lambdas) {
    SCOPED_TRACE(lambda.file);
    EXPECT_EQ(lambda.result.code.name, "<lambda>");
    EXPECT_NE(lambda.result.layout, MarshalLayout::python311_plus);
    EXPECT_TRUE(lambda.result.alternatives.empty());
    // x / 127.5 - 1.0 style normalisation: no names, only numbers.
    EXPECT_TRUE(all_names(lambda.result).empty());
    EXPECT_TRUE(all_string_constants(lambda.result).empty());
    EXPECT_THAT(lambda.result.code.varnames, Contains("x"));
  }
}

TEST(MarshalCorpus, MaliciousLambdasRevealShellCommands) {
  MS_REQUIRE_CORPUS();
  std::vector<CorpusLambda> lambdas = corpus_lambdas("malicious");
  ASSERT_GE(lambdas.size(), 2u);
  bool saw_older_than_38 = false, saw_38_to_310 = false;
  for (const CorpusLambda& lambda : lambdas) {
    SCOPED_TRACE(lambda.file);
    EXPECT_THAT(all_names(lambda.result), ::testing::IsSupersetOf({"os", "system"}));
    saw_older_than_38 |= lambda.result.layout == MarshalLayout::python30_to_37;
    saw_38_to_310 |= lambda.result.layout == MarshalLayout::python38_to_310;
    if (lambda.file.find("s0x6fup") != std::string::npos) {
      EXPECT_EQ(lambda.result.python_versions, "3.8-3.10");
      EXPECT_THAT(all_string_constants(lambda.result), Contains(HasSubstr("import socket,os,pty")));
      EXPECT_THAT(all_string_constants(lambda.result), Contains(HasSubstr("pty.spawn(\"/bin/sh\")")));
    }
    if (lambda.file.find("dvir145") != std::string::npos) {
      EXPECT_EQ(lambda.result.python_versions, "3.4-3.7");
      EXPECT_THAT(all_string_constants(lambda.result), Contains(HasSubstr("flag.txt")));
    }
  }
  EXPECT_TRUE(saw_older_than_38);
  EXPECT_TRUE(saw_38_to_310);
}

// --- malformed and hostile input ---

// Minimal 3.11+ code object around the given consts tuple bytes.
ByteVector code311(const ByteVector& consts, const ByteVector& name = {'z', 1, 'n'}) {
  auto append_long = [](ByteVector& out, std::int32_t value) {
    for (int i = 0; i < 4; ++i)
      out.push_back(static_cast<std::uint8_t>(static_cast<std::uint32_t>(value) >> (8 * i)));
  };
  ByteVector out{'c'};
  for (int i = 0; i < 5; ++i) append_long(out, 0);
  out.insert(out.end(), {'s', 2, 0, 0, 0, 0x97, 0});  // co_code
  out.insert(out.end(), consts.begin(), consts.end());
  out.insert(out.end(), {')', 0, ')', 0, 's', 0, 0, 0, 0});  // names, localsplusnames, localspluskinds
  out.insert(out.end(), {'z', 1, 'f'});                      // filename
  out.insert(out.end(), name.begin(), name.end());
  out.insert(out.end(), {'z', 1, 'q'});  // qualname
  append_long(out, 1);
  out.insert(out.end(), {'s', 0, 0, 0, 0, 's', 0, 0, 0, 0});  // linetable, exceptiontable
  return out;
}

TEST(MarshalMalformed, HandBuiltMinimalCodeObjectParses) {
  MarshalCodeResult result = parse_marshal_code(code311({')', 1, 'N'}), Limits{});
  EXPECT_EQ(result.code.name, "n");
  EXPECT_EQ(result.code.qualname, "q");
  EXPECT_EQ(result.code.other_constants, (std::vector<std::string>{"None"}));
}

TEST(MarshalMalformed, EveryTruncationIsAFormatError) {
  for (const std::string name : {"closure", "numbers", "strings", "values_v4", "values_v0", "hand_py27"}) {
    ByteVector raw = read_bytes(name + ".marshal");
    for (std::size_t size = 0; size < raw.size(); ++size) {
      try {
        parse_marshal_code(Bytes(raw.data(), size), Limits{});
        ADD_FAILURE() << name << " truncated to " << size << " bytes was accepted";
      } catch (const LimitError& error) {
        ADD_FAILURE() << name << " truncated to " << size << ": " << error.what();
      } catch (const FormatError& error) {
        EXPECT_LE(error.offset(), size);
      }
    }
  }
}

TEST(MarshalMalformed, ByteFlipsNeverCrash) {
  std::size_t parsed = 0, rejected = 0;
  for (const std::string name : {"closure", "values_v3", "hand_py37"}) {
    ByteVector raw = read_bytes(name + ".marshal");
    for (std::size_t i = 0; i < raw.size(); ++i) {
      for (std::uint8_t value : {std::uint8_t{0x00}, std::uint8_t{0xff}, std::uint8_t{0x72},
                                 std::uint8_t{0x29}, static_cast<std::uint8_t>(raw[i] ^ 0x80)}) {
        ByteVector mutated = raw;
        mutated[i] = value;
        try {
          MarshalCodeResult result = parse_marshal_code(mutated, Limits{});
          (void)all_names(result);
          ++parsed;
        } catch (const FormatError&) {
          ++rejected;
        }
      }
    }
  }
  EXPECT_GT(parsed, 0u);
  EXPECT_GT(rejected, 0u);
}

TEST(MarshalMalformed, RejectsBadReferences) {
  // A reference past the table, and one to the code object still being read.
  EXPECT_THROW(parse_marshal_code(code311({')', 1, 'r', 5, 0, 0, 0}), Limits{}), FormatError);
  ByteVector self = code311({')', 1, 'r', 0, 0, 0, 0});
  self[0] = 'c' | 0x80;  // the code object reserves slot 0
  try {
    parse_marshal_code(self, Limits{});
    FAIL() << "reference to an unfinished code object accepted";
  } catch (const FormatError& error) {
    EXPECT_THAT(error.message(), HasSubstr("still being read"));
  }
  // Negative and Python-2-only codes.
  EXPECT_THROW(parse_marshal_code(code311({')', 1, 'r', 0xff, 0xff, 0xff, 0xff}), Limits{}), FormatError);
  EXPECT_THROW(parse_marshal_code(code311({')', 1, 'R', 0, 0, 0, 0}), Limits{}), FormatError);
}

TEST(MarshalMalformed, ReferenceLoopsAreReportedNotFollowed) {
  // consts = ([<the list itself>],) via FLAG_REF on the list and a back-reference.
  MarshalCodeResult result =
      parse_marshal_code(code311({')', 1, '[' | 0x80, 1, 0, 0, 0, 'r', 0, 0, 0, 0}), Limits{});
  EXPECT_TRUE(has_anomaly(result, MarshalAnomalyKind::reference_cycle));
  EXPECT_EQ(result.code.other_constants, (std::vector<std::string>{"[[...]]"}));
  // A tuple that contains itself (registered before its items, as CPython does).
  result = parse_marshal_code(code311({'(' | 0x80, 1, 0, 0, 0, 'r', 0, 0, 0, 0}), Limits{});
  EXPECT_TRUE(has_anomaly(result, MarshalAnomalyKind::reference_cycle));
}

TEST(MarshalMalformed, SharedSubgraphsDoNotExplode) {
  // t0 = ('bomb',); t(i+1) = (t(i), t(i)) through references: 2^60 leaves if expanded.
  ByteVector consts{'(' | 0x80, 1, 0, 0, 0, 'z', 4, 'b', 'o', 'm', 'b'};
  const int levels = 60;
  ByteVector chain;
  for (int i = 0; i < levels; ++i) chain.insert(chain.begin(), {'(' | 0x80, 2, 0, 0, 0});
  ByteVector body = chain;
  body.insert(body.end(), consts.begin(), consts.end());
  // Each level's second item refers to the level just finished: slot numbers count from the outside in.
  for (int i = levels - 1; i >= 0; --i) {
    std::uint8_t slot = static_cast<std::uint8_t>(i + 1);
    body.insert(body.end(), {'r', slot, 0, 0, 0});
  }
  auto start = std::chrono::steady_clock::now();
  MarshalCodeResult result = parse_marshal_code(code311(body), Limits{});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(result.code.string_constants, (std::vector<std::string>{"bomb"}));
  ASSERT_EQ(result.code.other_constants.size(), 2u);
  for (const std::string& text : result.code.other_constants) EXPECT_LT(text.size(), 400u);
}

TEST(MarshalMalformed, EnforcesDepthAndItemLimits) {
  ByteVector deep;
  for (int i = 0; i < 100; ++i) deep.insert(deep.end(), {')', 1});
  deep.push_back('N');
  EXPECT_THROW(parse_marshal_code(code311(deep), Limits{}), LimitError);
  Limits roomy;
  roomy.max_marshal_depth = 200;
  EXPECT_NO_THROW(parse_marshal_code(code311(deep), roomy));

  ByteVector many{'(', 0x10, 0x27, 0, 0};  // 10000 Nones
  many.insert(many.end(), 10000, 'N');
  Limits tight;
  tight.max_marshal_items = 5000;
  EXPECT_THROW(parse_marshal_code(code311(many), tight), LimitError);
  EXPECT_NO_THROW(parse_marshal_code(code311(many), Limits{}));
}

TEST(MarshalMalformed, DeclaredSizesAreCheckedAgainstTheData) {
  EXPECT_THROW(parse_marshal_code(code311({'(', 0xff, 0xff, 0xff, 0x7f, 'N'}), Limits{}), FormatError);
  EXPECT_THROW(parse_marshal_code(code311({')', 1, 's', 0xff, 0xff, 0xff, 0x7f}), Limits{}), FormatError);
  EXPECT_THROW(parse_marshal_code(code311({')', 1, 'l', 0xff, 0xff, 0xff, 0x7f, 1, 0}), Limits{}),
               FormatError);
  EXPECT_THROW(parse_marshal_code(code311({')', 1, 'u', 0xfe, 0xff, 0xff, 0xff}), Limits{}), FormatError);
  // Long digits must be 15-bit and normalised, as CPython checks.
  EXPECT_THROW(parse_marshal_code(code311({')', 1, 'l', 1, 0, 0, 0, 0, 0x80}), Limits{}), FormatError);
  EXPECT_THROW(parse_marshal_code(code311({')', 1, 'l', 2, 0, 0, 0, 1, 0, 0, 0}), Limits{}), FormatError);
  EXPECT_THROW(parse_marshal_code(code311({')', 1, 'f', 3, 'a', 'b', 'c'}), Limits{}), FormatError);
  EXPECT_THROW(parse_marshal_code(code311({')', 1, '?'}), Limits{}), FormatError);
  EXPECT_THROW(parse_marshal_code(code311({')', 1, '0'}), Limits{}), FormatError);  // NULL in a tuple
}

TEST(MarshalMalformed, RejectsWhatIsNotACodeObject) {
  EXPECT_THROW(parse_marshal_code(ByteVector{}, Limits{}), FormatError);
  EXPECT_THROW(parse_marshal_code(ByteVector{'N'}, Limits{}), FormatError);
  EXPECT_THROW(parse_marshal_code(ByteVector{')', 0}, Limits{}), FormatError);
  try {
    parse_marshal_code(ByteVector{'i', 1, 0, 0, 0}, Limits{});
    FAIL();
  } catch (const FormatError& error) {
    EXPECT_THAT(error.message(), HasSubstr("not a code object"));
  }
  // A name that is not a string.
  EXPECT_THROW(parse_marshal_code(code311({')', 0}, {'N'}), Limits{}), FormatError);
  EXPECT_THROW(parse_marshal_code(code311({')', 0}, {'s', 1, 0, 0, 0, 'n'}), Limits{}), FormatError);
}

TEST(MarshalMalformed, ReportsTrailingBytesAndBadText) {
  ByteVector data = code311({')', 2, 'u', 2, 0, 0, 0, 0xc3, 0x28, 'N'});
  data.insert(data.end(), {'X', 'Y'});
  MarshalCodeResult result = parse_marshal_code(data, Limits{});
  EXPECT_TRUE(has_anomaly(result, MarshalAnomalyKind::trailing_data));
  EXPECT_TRUE(has_anomaly(result, MarshalAnomalyKind::invalid_text));
  EXPECT_EQ(result.code.string_constants, (std::vector<std::string>{"\\xc3("}));
}

}  // namespace
}  // namespace ms
