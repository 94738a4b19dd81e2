#pragma once
// Shared between the hdf5*.cpp files; not part of the reader's interface.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "formats/hdf5.hpp"
#include "modelshield/byte_reader.hpp"
#include "modelshield/error.hpp"
#include "modelshield/limits.hpp"

namespace ms::hdf5_internal {

inline constexpr const char* kFormat = "hdf5";

// Object header message types used here.
enum MessageType : std::uint16_t {
  kMsgNil = 0x00,
  kMsgDataspace = 0x01,
  kMsgLinkInfo = 0x02,
  kMsgDatatype = 0x03,
  kMsgExternalFiles = 0x07,
  kMsgLayout = 0x08,
  kMsgLink = 0x06,
  kMsgFilterPipeline = 0x0B,
  kMsgAttribute = 0x0C,
  kMsgContinuation = 0x10,
  kMsgSymbolTable = 0x11,
  kMsgAttributeInfo = 0x15,
};

// Bounds on structures whose size the file declares; each is far above anything libhdf5 writes.
inline constexpr unsigned kMaxRank = 32;           // H5S_MAX_RANK
inline constexpr unsigned kMaxDatatypeDepth = 16;  // nesting of compound/array/vlen/enum types
inline constexpr std::size_t kMaxContinuationBlocks = 65536;
inline constexpr unsigned kMaxBtreeDepth = 64;
inline constexpr unsigned kMaxSharedHops = 4;  // committed datatype referenced through another header

// Jenkins lookup3 "hashlittle" with initval 0, the checksum of every v2-format metadata block.
std::uint32_t lookup3(Bytes data);

// Parsing state shared by every part of the reader.
class Context {
 public:
  Context(Bytes file, const Limits& limits, Hdf5File& out);

  Bytes file() const { return file_; }
  const Limits& limits() const { return limits_; }
  Hdf5File& out() { return out_; }
  unsigned offset_size() const { return offset_size_; }
  unsigned length_size() const { return length_size_; }
  std::uint64_t base() const { return base_; }
  void set_geometry(std::uint64_t base, unsigned offset_size, unsigned length_size);

  // Address fields: all-ones (of the field width) becomes kHdf5Undefined.
  std::uint64_t read_address(ByteReader& r) const;
  std::uint64_t read_length(ByteReader& r) const { return r.uint_le(length_size_); }
  bool defined(std::uint64_t address) const { return address != kHdf5Undefined; }

  // Absolute file offset of a (base-relative) address; throws FormatError when undefined or out of the file.
  std::uint64_t absolute(std::uint64_t address, const char* what) const;
  // A reader over [address, address + size); throws FormatError when it does not lie in the file.
  ByteReader at(std::uint64_t address, std::uint64_t size, const char* what) const;
  // A reader from `address` to the end of the file (at most `max_size` bytes).
  ByteReader from(std::uint64_t address, const char* what,
                  std::uint64_t max_size = std::numeric_limits<std::uint64_t>::max()) const;
  // Whether [address, address + size) lies within the file.
  bool in_file(std::uint64_t address, std::uint64_t size) const;

  // Counts units of work (nodes, entries, messages); throws LimitError past a budget that grows with the
  // file size, so that structures shared many times over cannot multiply the work.
  void step(std::uint64_t units = 1);
  // Charges bytes the result will hold (decoded attribute values, names, paths, link targets, type
  // descriptions) against limits.max_metadata_bytes, so that shared or deeply nested structures cannot
  // make the result much larger than the file.
  void charge_metadata_bytes(std::uint64_t bytes, std::uint64_t offset);
  void count_attribute(std::uint64_t offset);

  void anomaly(Hdf5AnomalyKind kind, std::string detail, std::uint64_t offset);
  // The object path anomalies are attributed to.
  std::string current_path;
  // Committed datatypes already resolved (address -> type, or the error that resolving it raised).
  std::map<std::uint64_t, std::variant<Hdf5Datatype, FormatError>> committed_types;
  // Parsed global heap collections: address -> (object index -> object data); nullptr when unreadable.
  std::map<std::uint64_t, std::shared_ptr<const std::map<std::uint32_t, Bytes>>> global_heaps;

  [[noreturn]] void fail(const std::string& message, std::uint64_t offset) const {
    throw FormatError(kFormat, message, offset);
  }
  [[noreturn]] void limit(const std::string& message, std::uint64_t offset) const {
    throw LimitError(kFormat, message, offset);
  }

  // Verifies the trailing 4-byte lookup3 checksum of [absolute_start, absolute_start + size) where the
  // last 4 bytes are the stored checksum; records an anomaly on mismatch.
  bool verify_checksum(std::uint64_t absolute_start, std::uint64_t size, const char* what);

 private:
  Bytes file_;
  const Limits& limits_;
  Hdf5File& out_;
  std::uint64_t base_ = 0;
  unsigned offset_size_ = 8, length_size_ = 8;
  std::uint64_t steps_ = 0, step_budget_ = 0;
  std::uint64_t attribute_bytes_ = 0, attribute_count_ = 0;
};

// Runs `body`; a FormatError (but not a LimitError) becomes an anomaly of `kind` and returns false.
bool recover(Context& ctx, Hdf5AnomalyKind kind, const std::string& what, const std::function<void()>& body);

// Consumes a 4-byte block signature ("TREE", "OHDR", ...); throws FormatError when it differs.
void expect_signature(Context& ctx, ByteReader& r, const char* signature, const char* what);
// Consumes a NUL-terminated string (and its NUL); throws FormatError when there is no NUL.
std::string read_c_string(Context& ctx, ByteReader& r, const char* what);

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b);
// Bytes needed to encode `value` (at least 1): what HDF5 calls H5VM_limit_enc_size.
unsigned bytes_needed(std::uint64_t value);
unsigned log2_floor(std::uint64_t value);
bool is_power_of_two(std::uint64_t value);

// ---- superblock ----
void read_superblock(Context& ctx);

// ---- object headers ----
struct Message {
  std::uint16_t type = 0;
  std::uint8_t flags = 0;
  Bytes data;
  std::uint64_t offset = 0;  // absolute offset of the message data
};

struct ObjectHeader {
  unsigned version = 0;
  std::uint64_t address = 0;
  std::vector<Message> messages;
  const Message* first(std::uint16_t type) const;
};

// Reads every message of the header at `address`, following continuation blocks. Problems in
// continuation blocks become anomalies; an unreadable prefix throws FormatError.
ObjectHeader read_object_header(Context& ctx, std::uint64_t address);

// ---- datatypes and values ----
Hdf5Datatype parse_datatype(Context& ctx, ByteReader& r, unsigned depth = 0);
// A datatype message body, possibly a shared (committed) reference when `shared` is set.
Hdf5Datatype parse_datatype_message(Context& ctx, Bytes data, std::uint64_t offset, bool shared,
                                    unsigned hops = 0);
// Whether decode_value yields the values (not Kind::other) for this type.
bool decodable(const Hdf5Datatype& type);
Hdf5Value decode_value(Context& ctx, const Hdf5Datatype& type, const std::vector<std::uint64_t>& dims,
                       bool null_dataspace, ByteReader data);

// ---- dataspaces ----
struct Dataspace {
  bool null = false;
  bool scalar = false;
  std::vector<std::uint64_t> dims, max_dims;
  std::uint64_t element_count() const;  // saturating
};
Dataspace parse_dataspace(Context& ctx, ByteReader r);

// ---- heaps ----
// Local heap ("HEAP"): the data segment.
Bytes read_local_heap(Context& ctx, std::uint64_t address);
// NUL-terminated string at `offset` in a local heap data segment.
std::string local_heap_string(Context& ctx, Bytes segment, std::uint64_t offset, std::uint64_t where);
// Global heap object (collection address + index); collections are parsed once and cached.
Bytes global_heap_object(Context& ctx, std::uint64_t collection, std::uint32_t index);

class FractalHeap {
 public:
  FractalHeap(Context& ctx, std::uint64_t address);
  // The object a heap ID names; throws FormatError when it cannot be located.
  Bytes object(Bytes heap_id);
  std::uint16_t id_length() const { return id_length_; }

 private:
  Bytes locate(Bytes heap_id);
  Bytes managed(std::uint64_t offset, std::uint64_t length);
  Bytes huge(Bytes id);
  std::uint64_t row_block_size(unsigned row) const;
  unsigned child_rows(std::uint64_t block_size) const;

  Context& ctx_;
  std::uint64_t address_;
  std::uint16_t id_length_ = 0, filter_length_ = 0;
  std::uint8_t flags_ = 0;
  std::uint32_t max_managed_size_ = 0;
  std::uint64_t huge_btree_ = kHdf5Undefined;
  std::uint16_t table_width_ = 0;
  std::uint64_t start_block_size_ = 0, max_direct_size_ = 0;
  std::uint16_t max_heap_bits_ = 0, current_rows_ = 0;
  std::uint64_t root_ = kHdf5Undefined;
  unsigned offset_bytes_ = 0, length_bytes_ = 0, max_direct_rows_ = 0;
  std::optional<std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>>> huge_objects_;
};

// ---- B-trees ----
// Calls `visit(record)` for every record of the v2 B-tree whose header is at `address`.
void for_each_v2_record(Context& ctx, std::uint64_t address, std::uint8_t expected_type,
                        const std::function<void(Bytes record)>& visit);
// Symbol-table group: every (name, symbol table entry) of the v1 B-tree + local heap.
struct SymbolEntry {
  std::string name;
  std::uint64_t object_address = kHdf5Undefined;
  std::uint32_t cache_type = 0;
  std::string soft_target;  // cache type 2
};
void for_each_symbol(Context& ctx, std::uint64_t btree, std::uint64_t heap,
                     const std::function<void(SymbolEntry&&)>& visit);
// Chunked datasets indexed by a v1 B-tree (type 1): calls visit(chunk_bytes) for every allocated chunk.
void for_each_v1_chunk(Context& ctx, std::uint64_t btree, unsigned layout_rank,
                       const std::function<void(std::uint64_t size)>& visit);

// ---- messages ----
struct ParsedLink {
  std::string name;
  Hdf5Link::Type type = Hdf5Link::Type::hard;
  std::uint64_t address = kHdf5Undefined;  // hard
  std::string soft_target, external_file, external_path;
  unsigned raw_type = 0;
};
ParsedLink parse_link_message(Context& ctx, ByteReader r);
// Attribute message (versions 1-3) with its decoded value.
Hdf5Attribute parse_attribute_message(Context& ctx, Bytes data, std::uint64_t offset);

struct LayoutMessage {
  Hdf5DatasetInfo::Layout layout = Hdf5DatasetInfo::Layout::unknown;
  unsigned version = 0;
  std::uint64_t address = kHdf5Undefined;  // contiguous data / chunk index / virtual heap collection
  std::uint64_t size = 0;                  // contiguous size / compact size
  std::vector<std::uint64_t> chunk_dims;   // as stored (the last is the element size for chunked)
  unsigned chunk_flags = 0;
  unsigned index_type = 0;  // v4 chunk index: 1 single, 2 implicit, 3 fixed array, 4 ext. array, 5 v2 B-tree
  std::uint64_t single_filtered_size = 0;
  std::uint32_t virtual_index = 0;
};
LayoutMessage parse_layout(Context& ctx, ByteReader r);
std::vector<Hdf5DatasetInfo::Filter> parse_filter_pipeline(Context& ctx, ByteReader r);
std::vector<Hdf5DatasetInfo::ExternalFile> parse_external_files(Context& ctx, ByteReader r);

// Fills stored_bytes / chunk_count for chunked layouts (walking the chunk index when it is one this
// reader knows) and the virtual source list for virtual layouts.
void describe_storage(Context& ctx, const LayoutMessage& layout, Hdf5DatasetInfo& info);

}  // namespace ms::hdf5_internal
