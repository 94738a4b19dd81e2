#pragma once
// Shared by the SavedModel and Keras metadata readers; not part of the reader's interface.
#include <cstdint>
#include <string>
#include <string_view>

#include "formats/protobuf.hpp"
#include "formats/savedmodel.hpp"

namespace ms::savedmodel::detail {

inline constexpr const char* format_name = "savedmodel";

// What the readers emit is bounded by Limits, not only by the input size: a tiny NodeDef becomes a
// GraphNode of a few hundred bytes, and a function's name is copied into every node of the function.
class OutputBudget {
 public:
  OutputBudget(const Limits& limits) : limits_(limits) {}

  void add_record(std::uint64_t offset) {
    if (++records_ > limits_.max_protobuf_records)
      throw LimitError(format_name, "more than " + std::to_string(limits_.max_protobuf_records) + " records",
                       offset);
  }
  // Counts `size` bytes of strings about to be built.
  void charge(std::uint64_t size, std::uint64_t offset) {
    bytes_ += size;
    if (bytes_ > limits_.max_metadata_bytes)
      throw LimitError(format_name,
                       "more than " + std::to_string(limits_.max_metadata_bytes) + " bytes of strings",
                       offset);
  }
  std::string copy(std::string_view text, std::uint64_t offset) {
    charge(text.size(), offset);
    return std::string(text);
  }
  std::string copy(Bytes bytes, std::uint64_t offset) { return copy(as_chars(bytes), offset); }

 private:
  const Limits& limits_;
  std::uint64_t records_ = 0;
  std::uint64_t bytes_ = 0;
};

// Reads a GraphDef (its nodes, then the nodes of every library function) into `graph`.
void read_graph_def(protobuf::MessageReader graph_def, SavedModelInfo::MetaGraph& graph,
                    OutputBudget& budget);

// Rethrows a FormatError, adding a diagnosis when the input is entirely valid UTF-8 with multi-byte
// sequences: binary protobuf practically never is (a varint of two or more bytes is a lead byte followed
// by an ASCII byte), so such a file was almost surely decoded and re-encoded as text.
[[noreturn]] void rethrow_with_encoding_hint(const FormatError& error, Bytes data);

}  // namespace ms::savedmodel::detail
