#pragma once
// HDF5 metadata reader, written from the HDF5 File Format Specification 3.0 (not libhdf5).
//
// It walks the object tree (superblock v0-v3, object headers v1/v2, symbol-table groups, compact and
// dense link storage, compact and dense attributes) and decodes attribute values, datatypes, dataspaces,
// storage layouts, filter pipelines, external-file lists and virtual-dataset mappings. It never reads
// dataset raw data (weights): only metadata and the small attribute values, so the time it takes does not
// depend on the size of the weights. Every read is bounds-checked, every loop and recursion bounded.
//
// Structural problems deep inside the file (one bad attribute, a broken B-tree node, a checksum mismatch)
// are recorded in Hdf5File::anomalies and parsing goes on where that is safe; a file whose superblock or
// root group cannot be read throws FormatError, and a file beyond the configured Limits throws LimitError.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelshield/byte_reader.hpp"
#include "modelshield/limits.hpp"

namespace ms {

// "Undefined address" and "unlimited size" in HDF5 are all-ones values.
inline constexpr std::uint64_t kHdf5Undefined = std::numeric_limits<std::uint64_t>::max();

struct Hdf5CompoundMember;
struct Hdf5EnumMember;

struct Hdf5Datatype {
  enum class Class : std::uint8_t {
    fixed_point = 0,
    floating_point = 1,
    time = 2,
    string = 3,
    bitfield = 4,
    opaque = 5,
    compound = 6,
    reference = 7,
    enumeration = 8,
    variable_length = 9,
    array = 10,
  };
  enum class StringPad : std::uint8_t { null_terminated = 0, null_padded = 1, space_padded = 2 };
  enum class Charset : std::uint8_t { ascii = 0, utf8 = 1 };

  Class type_class = Class::opaque;
  unsigned version = 0;
  std::uint32_t size = 0;  // bytes per element as stored (a vlen element is its 4+O+4 byte descriptor)
  bool big_endian = false;
  bool is_signed = false;  // fixed-point only
  // Strings: fixed-length (class string) and variable-length (class variable_length, vlen_string).
  bool vlen_string = false;
  StringPad pad = StringPad::null_terminated;
  Charset charset = Charset::ascii;
  // Fixed and floating point.
  std::uint16_t bit_offset = 0, precision = 0;
  std::uint8_t exponent_location = 0, exponent_size = 0, mantissa_location = 0, mantissa_size = 0;
  std::uint8_t sign_location = 0, mantissa_normalization = 0;
  std::uint32_t exponent_bias = 0;
  std::string opaque_tag;
  unsigned reference_type = 0;               // 0 object, 1 dataset region
  std::vector<std::uint32_t> array_dims;     // array class
  std::vector<Hdf5CompoundMember> members;   // compound class, in stored order
  std::vector<Hdf5EnumMember> enum_members;  // enumeration class, in stored order
  std::vector<Hdf5Datatype> base;            // parent type of enumeration / variable_length / array (0 or 1)
  // The type was stored once and shared (a committed datatype referenced from this message).
  std::optional<std::uint64_t> committed_address;

  // Human-readable: "int32", "float64 (big-endian)", "vlen utf-8 string", "string[10] ascii",
  // "enum<int8>{FALSE=0,TRUE=1}", "compound{a:int32@0,b:float64@8}", "array[3]<float32>", ...
  std::string description() const;
  const Hdf5Datatype* base_type() const { return base.empty() ? nullptr : &base.front(); }
};

struct Hdf5CompoundMember {
  std::string name;
  std::uint64_t offset = 0;
  Hdf5Datatype type;
};

struct Hdf5EnumMember {
  std::string name;
  std::int64_t value = 0;  // the base type's value (unsigned bases above INT64_MAX wrap)
};

// A decoded attribute value. Strings are UTF-8/ASCII bytes as stored (padding removed the way HDF5's own
// string conversion removes it); numbers are converted to int64 / double.
struct Hdf5Value {
  enum class Kind { string, integer, floating, sequence, other };
  Kind kind = Kind::other;
  bool null_dataspace = false;         // H5S_NULL: no elements at all (h5py.Empty)
  std::vector<std::uint64_t> dims;     // dataspace dims then array-type dims; empty = scalar
  std::vector<std::string> strings;    // Kind::string, row-major
  std::vector<std::int64_t> integers;  // Kind::integer (enumerations too: their numeric values)
  bool unsigned_integers = false;      // integers hold uint64 bit patterns
  std::vector<double> floats;          // Kind::floating
  std::vector<Hdf5Value> sequences;    // Kind::sequence: one 1-D value per vlen element
  std::string type_description;        // Hdf5Datatype::description()

  std::uint64_t element_count() const;  // product of dims (1 for scalar, 0 for null)
};

struct Hdf5Attribute {
  std::string name;
  Hdf5Datatype datatype;
  Hdf5Value value;
  bool decoded = false;  // value holds the data (false for compound/opaque/reference/... types)
};

struct Hdf5Link {
  enum class Type { hard, soft, external, user_defined };
  std::string name;
  Type type = Type::soft;
  std::string soft_target;                   // soft links
  std::string external_file, external_path;  // external links
  // Hard links listed here point at an object already listed under another path (aliases and cycles):
  std::string hard_target;  // that object's first path
  std::uint64_t hard_address = kHdf5Undefined;
  unsigned user_type = 0;  // the link type number as stored (0 hard, 1 soft, 64 external, ...)
};

struct Hdf5DatasetInfo {
  enum class Layout { compact, contiguous, chunked, virtual_, unknown };
  struct ExternalFile {
    std::string name;
    std::uint64_t offset = 0, size = 0;
  };
  struct Filter {
    std::uint16_t id = 0;
    std::string name;
    std::uint16_t flags = 0;
    std::vector<std::uint32_t> client_data;
  };
  struct VirtualSource {
    std::string file, dataset;
  };

  Hdf5Datatype type;
  std::string datatype;  // type.description()
  bool null_dataspace = false;
  std::vector<std::uint64_t> dims, max_dims;  // max_dims: kHdf5Undefined = unlimited
  std::uint64_t element_size = 0;
  Layout layout = Layout::unknown;
  std::uint64_t declared_bytes = 0;  // product(dims) * element_size, saturating at UINT64_MAX
  // Raw-data bytes allocated, as libhdf5's H5Dget_storage_size counts them: the contiguous block size (0
  // when unallocated; with an External File List, the size of the data kept in the external files), the
  // compact data size, or the sum of the allocated chunk sizes.
  // Unset when the chunk index is one this reader does not walk (extensible array, v2 B-tree).
  std::optional<std::uint64_t> stored_bytes;
  std::uint64_t data_address = kHdf5Undefined;  // contiguous data / chunk index address
  std::vector<std::uint64_t> chunk_dims;        // chunked only, element units (without the element size)
  std::string chunk_index;  // "v1 B-tree", "single chunk", "implicit", "fixed array", "extensible array",
                            // "v2 B-tree"
  std::optional<std::uint64_t> chunk_count;  // allocated chunks, when the index was walked
  std::vector<Filter> filters;
  std::vector<ExternalFile> external_files;  // External File List storage (raw data outside this file)
  std::vector<VirtualSource> virtual_sources;
  bool virtual_sources_complete = true;  // false when the mapping list could not be fully decoded
};

struct Hdf5Object {
  enum class Kind { group, dataset, datatype, unknown };
  std::string path;
  Kind kind = Kind::unknown;
  std::uint64_t address = 0;  // object header address (relative to the base address)
  unsigned header_version = 0;
  std::vector<Hdf5Attribute> attributes;  // in stored order
  std::vector<Hdf5Link> links;            // soft, external, user-defined, and hard links to seen objects
  std::optional<Hdf5DatasetInfo> dataset;
  std::optional<Hdf5Datatype> committed_type;  // kind == datatype

  const Hdf5Attribute* attribute(std::string_view name) const;
};

enum class Hdf5AnomalyKind {
  malformed,              // a sub-structure could not be decoded; what it held is missing from the result
  checksum_mismatch,      // a Jenkins lookup3 checksum does not match
  out_of_bounds,          // an address or size points outside the file
  unsupported,            // a valid feature this reader does not decode (shared-message heap, ...)
  eof_mismatch,           // the superblock's end-of-file address differs from the file size
  base_address_mismatch,  // the superblock's base address is not where its signature was found
  duplicate_link,         // a group holds two links with the same name
  attribute_too_large,    // an attribute's dataspace declares more data than its message holds (not decoded)
  storage_out_of_bounds,  // a dataset's raw data lies (partly) beyond the end of the file
};

struct Hdf5Anomaly {
  Hdf5AnomalyKind kind = Hdf5AnomalyKind::malformed;
  std::string path;          // object path the anomaly was seen under ("" for file-level)
  std::string detail;        // what was seen
  std::uint64_t offset = 0;  // absolute file offset
};

struct Hdf5File {
  unsigned superblock_version = 0;
  std::uint64_t signature_offset = 0;  // where the signature was found (0, 512, 1024, ...)
  std::uint64_t base_address = 0;      // absolute offset that file addresses are relative to
  unsigned size_of_offsets = 8, size_of_lengths = 8;
  std::uint64_t end_of_file_address = 0;  // as declared by the superblock (absolute)
  std::uint64_t root_address = 0;
  std::vector<Hdf5Object> objects;  // "/" first, then depth-first in link-name (byte) order
  std::vector<Hdf5Anomaly> anomalies;

  const Hdf5Object* find(std::string_view path) const;
  bool has_anomaly(Hdf5AnomalyKind kind) const;
};

// The signature at offset 0, 512, 1024, 2048, ... (where libhdf5 searches for it).
bool looks_like_hdf5(Bytes data);
// Offset of the first signature, or nullopt.
std::optional<std::uint64_t> find_hdf5_signature(Bytes data);

// Parses the metadata tree. Throws FormatError when there is no signature, or the superblock or root
// object header cannot be read; LimitError when the file holds more objects / depth / attributes /
// attribute bytes than `limits` allows (max_hdf5_objects, max_hdf5_depth, max_hdf5_attributes, and
// max_metadata_bytes for everything decoded into the result: attribute values, names, paths, link targets,
// type descriptions), or when its metadata structures would take far more work than the file's size
// justifies (structures shared or referenced many times over).
Hdf5File parse_hdf5(Bytes file, const Limits& limits);

std::string_view to_string(Hdf5AnomalyKind kind);
std::string_view to_string(Hdf5Object::Kind kind);
std::string_view to_string(Hdf5DatasetInfo::Layout layout);
std::string_view to_string(Hdf5Link::Type type);
// Known filter names ("deflate", "shuffle", "fletcher32", "szip", "nbit", "scaleoffset", "lzf", ...).
std::string_view hdf5_filter_name(std::uint16_t id);

}  // namespace ms
