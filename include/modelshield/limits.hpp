#pragma once
#include <cstddef>
#include <cstdint>

namespace ms {

// Hard ceilings applied by every reader. Hostile input that declares more is rejected with a LimitError
// (reported as a finding), never allocated.
struct Limits {
  std::uint64_t max_file_bytes = 64ull << 30;           // files larger than this are not mapped
  std::uint64_t max_member_bytes = 512ull << 20;        // decompressed archive member we will inflate
  std::uint64_t max_metadata_bytes = 64ull << 20;       // config / metadata documents
  std::uint64_t max_compression_ratio = 1000;           // inflate output / input above this = bomb
  std::size_t max_archive_members = 200000;
  std::size_t max_json_depth = 512;
  std::size_t max_json_nodes = 5'000'000;
  std::size_t max_hdf5_objects = 200000;
  std::size_t max_hdf5_depth = 64;
  std::size_t max_hdf5_attributes = 100000;
  std::size_t max_marshal_depth = 64;
  std::size_t max_marshal_items = 1'000'000;
  std::size_t max_protobuf_depth = 64;
  std::size_t max_protobuf_records = 10'000'000;  // nodes, attrs, strings a protobuf-based reader emits
  std::size_t max_walk_depth = 32;      // directory recursion
  std::size_t max_nesting = 8;          // container within container (zip in zip, pickle bytes in pickle)
  // Symbolic pickle VM. Past the stack and memo ceilings the VM degrades (old stack entries and new memo
  // entries become unknown values, the trace is marked truncated) instead of stopping.
  std::uint64_t max_pickle_ops = 200'000'000;         // opcodes executed per stream
  std::size_t max_pickle_stack = 1'000'000;           // values on the stack, marks included
  std::size_t max_pickle_memo = 1'000'000;            // memo entries retained
  std::size_t max_pickle_values = 4'000'000;          // symbolic values alive at once (96-350 bytes each)
  std::size_t max_pickle_records = 100'000;           // imports/calls/errors/... kept per list
  std::uint64_t max_pickle_embedded_bytes = 64ull << 20;  // bytes arguments copied into the trace, in all
};

}  // namespace ms
