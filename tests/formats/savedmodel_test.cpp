#include "formats/savedmodel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_paths.hpp"

namespace ms::savedmodel {
namespace {

const char* const read_fn = "__inference_read_secret_105";
const char* const serve_fn = "__inference_serving_default_230";

const std::string& saved_model_bytes() {
  static const std::string data = test::read_file(test::testdata("savedmodel/saved_model.pb"));
  return data;
}
const std::string& keras_metadata_bytes() {
  static const std::string data = test::read_file(test::testdata("savedmodel/keras_metadata.pb"));
  return data;
}

const GraphNode& find_node(const SavedModelInfo::MetaGraph& graph, std::string_view name,
                           std::string_view function = "") {
  for (const GraphNode& node : graph.nodes)
    if (node.name == name && node.function == function) return node;
  throw std::runtime_error("no node " + std::string(name));
}

std::vector<std::string> attr_values(const GraphNode& node, std::string_view attr) {
  std::vector<std::string> values;
  for (const auto& [name, value] : node.string_attrs)
    if (name == attr) values.push_back(value);
  return values;
}

FormatError error_of(const auto& action) {
  try {
    action();
  } catch (const LimitError& error) {
    ADD_FAILURE() << "a LimitError, not malformed input: " << error.what();
    return error;
  } catch (const FormatError& error) {
    return error;
  }
  ADD_FAILURE() << "no FormatError";
  return FormatError("none", "none", ~0ull);
}

TEST(SavedModel, ReadsMetaGraphs) {
  const SavedModelInfo info = parse_saved_model(as_bytes(saved_model_bytes()), Limits{});
  EXPECT_EQ(info.schema_version, 1);
  ASSERT_EQ(info.meta_graphs.size(), 2u);
  const auto& serve = info.meta_graphs[0];
  EXPECT_EQ(serve.tags, std::vector<std::string>{"serve"});
  EXPECT_EQ(serve.tensorflow_version, "2.15.0");
  EXPECT_EQ(serve.tensorflow_git_version, "v2.15.0-rc1-8-g6887368d6d4");
  EXPECT_EQ(serve.function_names, (std::vector<std::string>{read_fn, serve_fn}));
  EXPECT_EQ(serve.asset_files, (std::vector<std::string>{"vocab.txt", "../../etc/hosts"}));
  EXPECT_EQ(serve.saver_filename_tensor, "saver_filename:0");
  EXPECT_EQ(serve.saved_object_identifiers,
            (std::vector<std::string>{"_tf_keras_sequential", "_tf_keras_layer", "_tf_keras_layer"}));

  const auto& train = info.meta_graphs[1];
  EXPECT_EQ(train.tags, (std::vector<std::string>{"train", "gpu"}));
  ASSERT_EQ(train.nodes.size(), 1u);
  EXPECT_EQ(train.nodes[0].op, "VarHandleOp");
  EXPECT_EQ(attr_values(train.nodes[0], "shared_name"), std::vector<std::string>{"global_step"});
  EXPECT_TRUE(train.function_names.empty());
}

TEST(SavedModel, ReadsMainGraphNodesThenFunctionNodes) {
  const SavedModelInfo info = parse_saved_model(as_bytes(saved_model_bytes()), Limits{});
  const auto& graph = info.meta_graphs[0];
  std::vector<std::string> ops;
  for (const GraphNode& node : graph.nodes) ops.push_back(node.function + "/" + node.op);
  const std::string read = std::string(read_fn) + "/", serve = std::string(serve_fn) + "/";
  EXPECT_EQ(ops, (std::vector<std::string>{"/Placeholder", "/Const", "/ReadFile", "/Const", "/WriteFile",
                                           "/PrintV2", "/Const", "/MatchingFiles", "/Squeeze",
                                           "/StatefulPartitionedCall", "/Placeholder", "/Const", "/SaveV2",
                                           "/RestoreV2", read + "Const", read + "ReadFile", read + "Identity",
                                           serve + "PartitionedCall", serve + "Mul"}));

  const GraphNode& path = find_node(graph, "secret_path");
  EXPECT_EQ(path.device, "/job:localhost/replica:0/task:0/device:CPU:0");
  EXPECT_EQ(attr_values(path, "value"), std::vector<std::string>{"/etc/passwd"});
  EXPECT_EQ(find_node(graph, "ReadFile").inputs, std::vector<std::string>{"secret_path"});
  EXPECT_EQ(find_node(graph, "WriteFile").inputs, (std::vector<std::string>{"out_path", "ReadFile"}));
  EXPECT_EQ(attr_values(find_node(graph, "PrintV2"), "output_stream"),
            std::vector<std::string>{"file:///tmp/log.txt"});
  EXPECT_EQ(attr_values(find_node(graph, "pattern"), "value"), std::vector<std::string>{"/home/*/.ssh/*"});
  EXPECT_EQ(attr_values(find_node(graph, "StatefulPartitionedCall"), "f"), std::vector<std::string>{read_fn});
  EXPECT_EQ(attr_values(find_node(graph, "StatefulPartitionedCall"), "config"), std::vector<std::string>{""});
  const GraphNode& names = find_node(graph, "save/SaveV2/tensor_names");
  EXPECT_EQ(attr_values(names, "value"), (std::vector<std::string>{"dense/kernel", "dense/bias"}));
  EXPECT_EQ(attr_values(names, "_class"), std::vector<std::string>{"loc:@dense/kernel"});
  // AttrValue.s is `bytes`: kept raw, not UTF-8 checked.
  EXPECT_EQ(attr_values(find_node(graph, "save/RestoreV2"), "_raw"),
            std::vector<std::string>{"\xff\xfe not UTF-8: AttrValue.s is bytes"});

  const GraphNode& secret = find_node(graph, "filename", read_fn);
  EXPECT_EQ(attr_values(secret, "value"), std::vector<std::string>{"/root/.aws/credentials"});
  EXPECT_EQ(find_node(graph, "ReadFile", read_fn).inputs, std::vector<std::string>{"filename:output:0"});
  const GraphNode& call = find_node(graph, "call", serve_fn);
  EXPECT_EQ(attr_values(call, "f"), std::vector<std::string>{read_fn});
  EXPECT_EQ(attr_values(call, "f._noinline"), std::vector<std::string>{"true"});
}

TEST(SavedModel, NodeOffsetsPointAtTheirTags) {
  const std::string& data = saved_model_bytes();
  const SavedModelInfo info = parse_saved_model(as_bytes(data), Limits{});
  for (const auto& graph : info.meta_graphs) {
    for (const GraphNode& node : graph.nodes) {
      ASSERT_LT(node.offset + 2 + node.name.size(), data.size());
      // NodeDef is field 1 of GraphDef and field 3 of FunctionDef; its own first field is the name.
      EXPECT_EQ(static_cast<std::uint8_t>(data[node.offset]), node.function.empty() ? 0x0a : 0x1a)
          << node.name;
      EXPECT_NE(data.find(node.name, node.offset), std::string::npos);
      EXPECT_LT(data.find(node.name, node.offset) - node.offset, 8u) << node.name;
    }
  }
}

TEST(SavedModel, ObjectGraphUserMetadata) {
  const SavedModelInfo info = parse_saved_model(as_bytes(saved_model_bytes()), Limits{});
  const auto& objects = info.meta_graphs[0].user_object_metadata;
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].node_id, 0);
  EXPECT_EQ(objects[0].identifier, "_tf_keras_sequential");
  EXPECT_EQ(objects[1].node_id, 2);
  const auto config = nlohmann::json::parse(objects[1].metadata);
  EXPECT_EQ(config["class_name"], "Lambda");
  EXPECT_EQ(config["config"]["function_type"], "lambda");
}

TEST(SavedModel, LooksLikeSavedModel) {
  EXPECT_TRUE(looks_like_saved_model_pb(as_bytes(saved_model_bytes())));
  EXPECT_FALSE(looks_like_saved_model_pb(as_bytes(keras_metadata_bytes())));
  EXPECT_FALSE(looks_like_saved_model_pb(Bytes{}));
  EXPECT_FALSE(looks_like_saved_model_pb(as_bytes(std::string_view("{\"class_name\": \"Sequential\"}"))));
  EXPECT_FALSE(looks_like_saved_model_pb(as_bytes(std::string_view("\x08\x01", 2))));  // no meta graph
  EXPECT_FALSE(looks_like_saved_model_pb(as_bytes(std::string_view(saved_model_bytes()).substr(0, 100))));
}

TEST(SavedModel, EveryTruncationFailsCleanly) {
  const std::string& data = saved_model_bytes();
  const std::size_t first_meta_graph_end = [&] {
    // 08 01 12 <varint length> <MetaGraphDef>
    std::size_t length = 0, shift = 0, position = 3;
    for (std::uint8_t byte; (byte = static_cast<std::uint8_t>(data[position++])) & 0x80; shift += 7)
      length |= std::size_t{byte & 0x7fu} << shift;
    length |= std::size_t{static_cast<std::uint8_t>(data[position - 1])} << shift;
    return position + length;
  }();
  ASSERT_LT(first_meta_graph_end, data.size());
  for (std::size_t size = 0; size < data.size(); ++size) {
    const Bytes prefix = as_bytes(std::string_view(data).substr(0, size));
    if (size > 2 && size < first_meta_graph_end) {
      EXPECT_THROW(parse_saved_model(prefix, Limits{}), FormatError) << size;
    } else {
      try {
        parse_saved_model(prefix, Limits{});  // a cut between top-level fields leaves a valid message
      } catch (const FormatError&) {
      }
    }
  }
}

TEST(SavedModel, InvalidUtf8InAStringFieldIsReportedAtTheByte) {
  std::string data = saved_model_bytes();
  const std::size_t op = data.find("MatchingFiles", data.find("\x12\x0dMatchingFiles\x1a"));
  ASSERT_NE(op, std::string::npos);
  data[op + 3] = '\xff';
  FormatError error = error_of([&] { parse_saved_model(as_bytes(data), Limits{}); });
  EXPECT_EQ(error.offset(), op + 3);
  EXPECT_EQ(error.format(), "savedmodel");
  EXPECT_EQ(error.message(), "NodeDef: field 2 (op) is not valid UTF-8 (byte 0xff)");
}

TEST(SavedModel, OutputIsLimited) {
  Limits few_records;
  few_records.max_protobuf_records = 10;
  EXPECT_THROW(parse_saved_model(as_bytes(saved_model_bytes()), few_records), LimitError);
  few_records.max_protobuf_records = 3;
  EXPECT_THROW(parse_keras_metadata(as_bytes(keras_metadata_bytes()), few_records), LimitError);
  Limits few_bytes;
  few_bytes.max_metadata_bytes = 200;
  EXPECT_THROW(parse_saved_model(as_bytes(saved_model_bytes()), few_bytes), LimitError);
}

// Hand-encoded wire data for shapes the generator does not produce.
void put_varint(std::string& out, std::uint64_t value) {
  for (; value >= 0x80; value >>= 7) out.push_back(static_cast<char>(value | 0x80));
  out.push_back(static_cast<char>(value));
}
std::string message_field(unsigned number, const std::string& body) {
  std::string out;
  put_varint(out, (number << 3) | 2);
  put_varint(out, body.size());
  return out + body;
}

// SavedModel { meta_graphs { graph_def { node { name: "n" attr { key: "f" value <attr> } } } } }
std::string saved_model_with_attr(const std::string& attr_value) {
  const std::string entry = message_field(1, "f") + message_field(2, attr_value);
  const std::string node = message_field(1, "n") + message_field(5, entry);
  return "\x08\x01" + message_field(2, message_field(2, message_field(1, node)));
}

TEST(SavedModel, FunctionAttrNestingIsDepthLimited) {
  // AttrValue { func { name: "g" attr { key: "x" value { func { ... } } } } }, `levels` deep.
  auto chain = [](int levels) {
    std::string value = message_field(2, "leaf");
    for (int i = 0; i < levels; ++i)
      value = message_field(
          10, message_field(1, "g") + message_field(2, message_field(1, "x") + message_field(2, value)));
    return saved_model_with_attr(value);
  };
  const SavedModelInfo info = parse_saved_model(as_bytes(chain(3)), Limits{});
  const GraphNode& node = info.meta_graphs.at(0).nodes.at(0);
  EXPECT_EQ(attr_values(node, "f"), std::vector<std::string>{"g"});
  EXPECT_EQ(attr_values(node, "f.x.x"), std::vector<std::string>{"g"});
  EXPECT_EQ(attr_values(node, "f.x.x.x"), std::vector<std::string>{"leaf"});

  const std::string deep = chain(200);
  try {
    parse_saved_model(as_bytes(deep), Limits{});
    FAIL() << "no LimitError";
  } catch (const LimitError& error) {
    EXPECT_NE(error.message().find("nested deeper than 64"), std::string::npos);
  }
}

TEST(SavedModel, WrongWireTypeForAKnownFieldIsMalformed) {
  std::string data =
      "\x08\x01" + message_field(2, message_field(2, message_field(1, std::string("\x08\x05", 2))));
  FormatError error = error_of([&] { parse_saved_model(as_bytes(data), Limits{}); });
  EXPECT_EQ(error.message(), "NodeDef: field 1 (name) has wire type varint, expected length-delimited");
  EXPECT_EQ(error.offset(), 8u);
  // Groups never occur in these proto3 files.
  EXPECT_NE(error_of([&] { parse_saved_model(as_bytes(std::string("\x0b\x0c")), Limits{}); })
                .message()
                .find("group"),
            std::string::npos);
}

TEST(KerasMetadata, ReadsNodes) {
  const KerasMetadata metadata = parse_keras_metadata(as_bytes(keras_metadata_bytes()), Limits{});
  ASSERT_EQ(metadata.nodes.size(), 4u);
  EXPECT_EQ(metadata.nodes[0].node_id, 0);
  EXPECT_EQ(metadata.nodes[0].node_path, "root");
  EXPECT_EQ(metadata.nodes[0].identifier, "_tf_keras_sequential");
  EXPECT_EQ(metadata.nodes[0].offset, 0u);
  EXPECT_EQ(metadata.nodes[2].node_id, 2);
  EXPECT_EQ(metadata.nodes[2].node_path, "root.layer-1");
  EXPECT_EQ(metadata.nodes[3].node_id, 5);
  EXPECT_EQ(metadata.nodes[3].identifier, "_tf_keras_metric");

  const auto root = nlohmann::json::parse(metadata.nodes[0].metadata);
  EXPECT_EQ(root["class_name"], "Sequential");
  const auto& layers = root["config"]["layers"];
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[2]["class_name"], "Lambda");
  const std::string bytecode = layers[2]["config"]["function"][0];
  EXPECT_EQ(bytecode.substr(0, 2), "4w");  // base64 of 0xe3, the marshal type byte of a code object
  for (const auto& node : metadata.nodes) {
    EXPECT_EQ(static_cast<std::uint8_t>(keras_metadata_bytes()[node.offset]), 0x0a);
  }
}

TEST(KerasMetadata, EveryTruncationIsHandled) {
  const std::string& data = keras_metadata_bytes();
  std::size_t failures = 0;
  for (std::size_t size = 0; size < data.size(); ++size) {
    try {
      const KerasMetadata metadata =
          parse_keras_metadata(as_bytes(std::string_view(data).substr(0, size)), Limits{});
      EXPECT_LT(metadata.nodes.size(), 4u);
    } catch (const FormatError&) {
      ++failures;
    }
  }
  EXPECT_GT(failures, data.size() * 9 / 10);  // only cuts between nodes leave a valid message
}

TEST(KerasMetadata, NegativeNodeIdIsInt32) {
  std::string node = "\x10";
  put_varint(node, static_cast<std::uint64_t>(std::int64_t{-7}));
  const KerasMetadata metadata = parse_keras_metadata(as_bytes(message_field(1, node)), Limits{});
  ASSERT_EQ(metadata.nodes.size(), 1u);
  EXPECT_EQ(metadata.nodes[0].node_id, -7);
  EXPECT_NE(
      error_of([&] { parse_keras_metadata(as_bytes(message_field(1, message_field(2, "7"))), Limits{}); })
          .message()
          .find("(node_id) has wire type length-delimited, expected varint"),
      std::string::npos);
}

std::filesystem::path corrupted_keras_metadata() {
  return test::shared_corpus() / "savedmodel/malformed/0x7a726f__MNIST_model__model1_keras_metadata.pb";
}

// A real keras_metadata.pb whose bytes were decoded as Windows-1252 and written back as UTF-8: the first
// length varint 0x88 0x6d (13960) became 0xcb 0x86 0x6d (1786699), far beyond the file.
TEST(KerasMetadata, RejectsTheRealTextReencodedFile) {
  MS_REQUIRE_CORPUS();
  if (!std::filesystem::exists(corrupted_keras_metadata()))
    GTEST_SKIP() << "corrupted keras_metadata.pb absent";
  const std::string data = test::read_file(corrupted_keras_metadata());
  FormatError error = error_of([&] { parse_keras_metadata(as_bytes(data), Limits{}); });
  EXPECT_EQ(error.format(), "savedmodel");
  EXPECT_EQ(error.offset(), 1u);
  EXPECT_NE(
      error.message().find("SavedMetadata: field 1 declares a length of 1786699 bytes but only 27145 remain"),
      std::string::npos)
      << error.message();
  EXPECT_NE(error.message().find("decoded and re-encoded as text"), std::string::npos) << error.message();
  EXPECT_FALSE(looks_like_saved_model_pb(as_bytes(data)));
  EXPECT_THROW(parse_saved_model(as_bytes(data), Limits{}), FormatError);
}

// Undoing the damage proves the reader handles the original, written by real Keras: map every UTF-8
// character back to its Windows-1252 byte, restore the one CR (a length of 13) the text conversion
// turned into LF, and drop the LF it appended.
std::string undo_text_reencoding(const std::string& text) {
  static const char32_t cp1252_high[32] = {0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
                                           0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017d, 0,
                                           0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
                                           0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178};
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    char32_t code = length == 1 ? lead : lead & (0x7f >> length);
    for (std::size_t k = 1; k < length; ++k)
      code = (code << 6) | (static_cast<std::uint8_t>(text[i + k]) & 0x3f);
    i += length;
    if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) {
      out.push_back(static_cast<char>(code));
      continue;
    }
    const char32_t* found = std::find(cp1252_high, cp1252_high + 32, code);
    if (code == 0 || found == cp1252_high + 32) throw std::runtime_error("not Windows-1252");
    out.push_back(static_cast<char>(0x80 + (found - cp1252_high)));
  }
  const std::string lf_for_cr = std::string("\x1a\x0a") + "root.layer-10";
  const std::size_t at = out.find(lf_for_cr);
  if (at == std::string::npos || out.back() != '\n') throw std::runtime_error("unexpected damage");
  out[at + 1] = '\x0d';
  out.pop_back();
  return out;
}

TEST(KerasMetadata, ReadsTheRealFileOnceTheReencodingIsUndone) {
  MS_REQUIRE_CORPUS();
  if (!std::filesystem::exists(corrupted_keras_metadata()))
    GTEST_SKIP() << "corrupted keras_metadata.pb absent";
  const std::string original = undo_text_reencoding(test::read_file(corrupted_keras_metadata()));
  EXPECT_EQ(original.size(), 27108u);
  const KerasMetadata metadata = parse_keras_metadata(as_bytes(original), Limits{});
  ASSERT_EQ(metadata.nodes.size(), 15u);
  EXPECT_EQ(metadata.nodes[0].node_id, 0);
  EXPECT_EQ(metadata.nodes[0].node_path, "root");
  EXPECT_EQ(metadata.nodes[0].identifier, "_tf_keras_sequential");
  EXPECT_EQ(nlohmann::json::parse(metadata.nodes[0].metadata)["class_name"], "Sequential");
  EXPECT_EQ(metadata.nodes[11].node_path, "root.layer-10");
  EXPECT_EQ(metadata.nodes[14].node_id, 237);
  EXPECT_EQ(metadata.nodes[14].node_path, "root.keras_api.metrics.1");
  EXPECT_EQ(metadata.nodes[14].identifier, "_tf_keras_metric");
  for (const auto& node : metadata.nodes)
    EXPECT_TRUE(nlohmann::json::accept(node.metadata)) << node.node_path;
}

}  // namespace
}  // namespace ms::savedmodel
