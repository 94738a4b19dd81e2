// Walks any input as a protobuf message, descending into every length-delimited field and trying each
// interpretation of it, so that every path of the walker sees hostile bytes.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "formats/protobuf.hpp"

namespace {

using ms::protobuf::Field;
using ms::protobuf::MessageReader;
using ms::protobuf::WireType;

void walk(MessageReader reader) {
  while (auto field = reader.next()) {
    if (field->wire_type != WireType::length_delimited && field->wire_type != WireType::start_group) continue;
    std::vector<std::uint64_t> varints, words64;
    std::vector<std::uint32_t> words32;
    try {
      (void)reader.string(*field, "s");
    } catch (const ms::FormatError&) {
    }
    try {
      reader.append_varints(*field, "v", varints);
    } catch (const ms::FormatError&) {
    }
    try {
      reader.append_fixed32(*field, "f", words32);
      reader.append_fixed64(*field, "d", words64);
    } catch (const ms::FormatError&) {
    }
    try {
      walk(reader.nested(*field, "Nested"));
    } catch (const ms::FormatError&) {  // a payload that is not a message, or too deep
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  ms::Limits limits;
  limits.max_protobuf_depth = 24;
  const auto groups = (data[0] & 1) ? ms::protobuf::GroupPolicy::skip : ms::protobuf::GroupPolicy::reject;
  try {
    walk(MessageReader(ms::Bytes(data + 1, size - 1), limits, "protobuf", "Fuzz", groups));
  } catch (const ms::FormatError&) {
  }
  return 0;
}
