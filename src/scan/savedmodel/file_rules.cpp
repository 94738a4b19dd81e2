// SAVEDMODEL-FILE-WRITE and SAVEDMODEL-FILE-READ: ops that touch the file system.
#include <algorithm>
#include <array>

#include "scan/findings.hpp"
#include "scan/savedmodel/graph_rules_internal.hpp"
#include "scan/savedmodel/path_text.hpp"

namespace ms::savedmodel_scan {
namespace {

using Kind = InputValue::Kind;

// An op and the data input that names the file (or -1 when the op has none).
struct PathOp {
  std::string_view op;
  int path_input;
};

template <std::size_t N>
const PathOp* find_op(const PathOp (&table)[N], std::string_view op) {
  for (const PathOp& entry : table)
    if (entry.op == op) return &entry;
  return nullptr;
}

bool any_suspicious(const InputValue& value) {
  return std::any_of(value.values.begin(), value.values.end(),
                     [](const std::string& path) { return is_suspicious_path(path); });
}

std::string_view first_attr(const GraphNode& node, std::string_view attr) {
  const auto values = GraphIndex::attr_values(node, attr);
  return values.empty() ? std::string_view{} : values.front();
}

// Writers whose every use writes (or deletes) files at a path the graph chooses.
constexpr PathOp kAlwaysWrites[] = {
    {"WriteFile", 0},   {"DatasetToTFRecord", 1}, {"ExperimentalDatasetToTFRecord", 1},
    {"SaveDataset", 1}, {"SaveDatasetV2", 1},     {"DistributedSave", 1},
};

// Checkpoint writers: the standard saver feeds them the filename the caller chose.
constexpr PathOp kCheckpointWriters[] = {{"Save", 0}, {"SaveSlices", 0}, {"SaveV2", 0}};

// Writers reported when a constant names their file.
constexpr PathOp kLiteralWriters[] = {{"CreateSummaryFileWriter", 1}, {"CreateSummaryDbWriter", 1}};

constexpr PathOp kCacheWriters[] = {{"CacheDataset", 1}, {"CacheDatasetV2", 1}};

constexpr std::array<std::string_view, 5> kPrintStreams = {"stdout", "stderr", "log(info)", "log(warning)",
                                                           "log(error)"};

constexpr std::array<std::string_view, 5> kDebugOps = {"DebugIdentity", "DebugIdentityV2", "DebugIdentityV3",
                                                       "DebugNanCount", "DebugNumericSummary"};

// Readers whose every use reads files (path input shown when a constant names it).
constexpr PathOp kAlwaysReads[] = {
    {"ReadFile", 0},
    {"MatchingFiles", 0},
    {"MatchingFilesDataset", 0},
    {"ExperimentalMatchingFilesDataset", 0},
    {"TFRecordDataset", 0},
    {"TFRecordDatasetV2", 0},
    {"TextLineDataset", 0},
    {"FixedLengthRecordDataset", 0},
    {"FixedLengthRecordDatasetV2", 0},
    {"CSVDataset", 0},
    {"CSVDatasetV2", 0},
    {"ExperimentalCSVDataset", 0},
    {"SqlDataset", 1},
    {"ExperimentalSqlDataset", 1},
    {"LMDBDataset", 0},
    {"ExperimentalLMDBDataset", 0},
    {"LoadDataset", 0},
    {"SnapshotDataset", 1},
    {"SnapshotDatasetV2", 1},
    {"SnapshotDatasetReader", 0},
    {"SnapshotChunkDataset", 0},
    {"ListSnapshotChunksDataset", 0},
    {"LoadAndRemapMatrix", 0},
    {"GenerateVocabRemapping", 0},
    {"WholeFileReader", -1},
    {"WholeFileReaderV2", -1},
    {"TextLineReader", -1},
    {"TextLineReaderV2", -1},
    {"TFRecordReader", -1},
    {"TFRecordReaderV2", -1},
    {"FixedLengthRecordReader", -1},
    {"FixedLengthRecordReaderV2", -1},
    {"LMDBReader", -1},
    {"IdentityReader", -1},
    {"IdentityReaderV2", -1},
    {"ReaderRead", -1},
    {"ReaderReadV2", -1},
    {"ReaderReadUpTo", -1},
    {"ReaderReadUpToV2", -1},
};

constexpr PathOp kCheckpointReaders[] = {{"Restore", 0}, {"RestoreSlice", 0}, {"RestoreV2", 0}};

constexpr PathOp kVocabularyReaders[] = {{"InitializeTableFromTextFile", 1},
                                         {"InitializeTableFromTextFileV2", 1}};

bool is_asset(const RuleContext& rules, std::string_view path) {
  const std::string_view name = path_basename(path);
  return std::any_of(rules.graph.asset_files.begin(), rules.graph.asset_files.end(),
                     [name](const std::string& asset) { return path_basename(asset) == name; });
}

bool write_finding(RuleContext& rules, const GraphNode& node, std::string reason, const InputValue& path) {
  rules.reporter.node_finding(node, Rule::file_write, Severity::critical, std::move(reason),
                              {describe_input("path", path)});
  return report_remote_path(rules, node, path);
}

bool read_finding(RuleContext& rules, const GraphNode& node, std::string reason,
                  std::vector<std::string> evidence, const InputValue& path) {
  rules.reporter.node_finding(node, Rule::file_read, Severity::high, std::move(reason), std::move(evidence));
  return report_remote_path(rules, node, path);
}

}  // namespace

bool check_file_write(RuleContext& rules, const GraphNode& node) {
  const std::string op = printable(node.op, 120);
  if (const PathOp* writer = find_op(kAlwaysWrites, node.op)) {
    const InputValue path = rules.index.input_value(node, static_cast<std::size_t>(writer->path_input));
    return write_finding(rules, node, fmt_reason("{} writes a file when the graph runs", op), path);
  }
  if (node.op == "PrintV2") {
    const std::string_view stream = first_attr(node, "output_stream");
    if (stream.empty() ||
        std::find(kPrintStreams.begin(), kPrintStreams.end(), stream) != kPrintStreams.end())
      return false;
    rules.reporter.node_finding(
        node, Rule::file_write, Severity::critical,
        fmt_reason("PrintV2 appends its input to the file '{}'", printable(stream, 160)),
        {fmt_reason("attr output_stream: {}", printable(stream))});
    return false;
  }
  if (std::find(kDebugOps.begin(), kDebugOps.end(), node.op) != kDebugOps.end()) {
    for (std::string_view url : GraphIndex::attr_values(node, "debug_urls")) {
      if (url_scheme(url) != "file") continue;
      rules.reporter.node_finding(
          node, Rule::file_write, Severity::critical,
          fmt_reason("{} dumps tensors to the directory '{}'", op, printable(url, 160)),
          {fmt_reason("attr debug_urls: {}", printable(url))});
      break;
    }
    return false;
  }
  if (const PathOp* writer = find_op(kCheckpointWriters, node.op)) {
    const InputValue path = rules.index.input_value(node, static_cast<std::size_t>(writer->path_input));
    if (path.kind == Kind::literal || (path.kind == Kind::saver_filename && any_suspicious(path)))
      return write_finding(
          rules, node,
          fmt_reason("{} writes a checkpoint to a path fixed in the file, not to the one the "
                     "loader chooses",
                     op),
          path);
    return false;
  }
  if (node.op == "MergeV2Checkpoints") {
    // Merging writes the destination and deletes the source checkpoints (delete_old_dirs).
    bool network = false;
    for (std::size_t input = 0; input < 2; ++input) {
      const InputValue path = rules.index.input_value(node, input);
      if (path.kind == Kind::literal || (path.kind == Kind::saver_filename && any_suspicious(path))) {
        network |=
            write_finding(rules, node,
                          fmt_reason("MergeV2Checkpoints {} checkpoint files at a path fixed in the file",
                                     input == 0 ? "deletes" : "writes"),
                          path);
      }
    }
    return network;
  }
  if (const PathOp* writer = find_op(kLiteralWriters, node.op)) {
    const InputValue path = rules.index.input_value(node, static_cast<std::size_t>(writer->path_input));
    if (path.kind != Kind::literal) return false;
    return write_finding(rules, node, fmt_reason("{} writes summaries to a location fixed in the file", op),
                         path);
  }
  if (const PathOp* writer = find_op(kCacheWriters, node.op)) {
    const InputValue path = rules.index.input_value(node, static_cast<std::size_t>(writer->path_input));
    const bool in_memory =
        path.kind == Kind::literal && std::all_of(path.values.begin(), path.values.end(),
                                                  [](const std::string& file) { return file.empty(); });
    if (in_memory) return false;
    return write_finding(rules, node, fmt_reason("{} caches the dataset in files", op), path);
  }
  return false;
}

bool check_file_read(RuleContext& rules, const GraphNode& node) {
  const std::string op = printable(node.op, 120);
  if (const PathOp* reader = find_op(kAlwaysReads, node.op)) {
    InputValue path;
    std::vector<std::string> evidence;
    if (reader->path_input >= 0) {
      path = rules.index.input_value(node, static_cast<std::size_t>(reader->path_input));
      evidence.push_back(describe_input("path", path));
    }
    bool network = read_finding(rules, node, fmt_reason("{} reads files when the graph runs", op),
                                std::move(evidence), path);
    if (node.op == "GenerateVocabRemapping")
      network |= report_remote_path(rules, node, rules.index.input_value(node, 1));
    return network;
  }
  if (const PathOp* restore = find_op(kCheckpointReaders, node.op)) {
    const InputValue path = rules.index.input_value(node, static_cast<std::size_t>(restore->path_input));
    if (path.kind == Kind::computed || !any_suspicious(path)) return false;
    return read_finding(
        rules, node, fmt_reason("{} restores variables from a path fixed in the file, outside the model", op),
        {describe_input("path", path)}, path);
  }
  if (const PathOp* table = find_op(kVocabularyReaders, node.op)) {
    const InputValue path = rules.index.input_value(node, static_cast<std::size_t>(table->path_input));
    if (path.kind != Kind::literal ||
        std::all_of(path.values.begin(), path.values.end(),
                    [&rules](const std::string& file) { return is_asset(rules, file); }))
      return false;
    return read_finding(rules, node,
                        fmt_reason("{} reads a vocabulary file that is not one of the model's assets", op),
                        {describe_input("path", path)}, path);
  }
  if (node.op == "ImmutableConst") {
    const std::string_view region = first_attr(node, "memory_region_name");
    read_finding(rules, node,
                 fmt_reason("ImmutableConst maps the file '{}' into memory", printable(region, 160)),
                 {fmt_reason("attr memory_region_name: {}", printable(region))}, {});
    return false;
  }
  if (node.op == "RecordInput") {
    const std::string_view pattern = first_attr(node, "file_pattern");
    read_finding(rules, node, fmt_reason("RecordInput reads the files '{}'", printable(pattern, 160)),
                 {fmt_reason("attr file_pattern: {}", printable(pattern))}, {});
    return false;
  }
  if (node.op == "FixedUnigramCandidateSampler") {
    const std::string_view vocabulary = first_attr(node, "vocab_file");
    if (vocabulary.empty()) return false;
    read_finding(rules, node,
                 fmt_reason("FixedUnigramCandidateSampler reads the file '{}'", printable(vocabulary, 160)),
                 {fmt_reason("attr vocab_file: {}", printable(vocabulary))}, {});
    return false;
  }
  if (node.op == "DecodeProtoV2" || node.op == "EncodeProto") {
    const std::string_view source = first_attr(node, "descriptor_source");
    if (source.empty() || source == "local://" || source.substr(0, 8) == "bytes://") return false;
    read_finding(rules, node,
                 fmt_reason("{} loads protobuf descriptors from the file '{}'", op, printable(source, 160)),
                 {fmt_reason("attr descriptor_source: {}", printable(source))}, {});
    return false;
  }
  return false;
}

}  // namespace ms::savedmodel_scan
