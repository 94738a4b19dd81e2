#include "formats/hdf5.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_paths.hpp"

namespace ms {
namespace {

using Layout = Hdf5DatasetInfo::Layout;

std::string load(const std::string& name) { return test::read_file(test::testdata("hdf5/" + name)); }

Hdf5File parse(const std::string& bytes, const Limits& limits = {}) {
  return parse_hdf5(as_bytes(bytes), limits);
}

const Hdf5Object& object(const Hdf5File& file, const std::string& path) {
  const Hdf5Object* o = file.find(path);
  if (!o) throw std::runtime_error("no object " + path);
  return *o;
}

const Hdf5Attribute& attribute(const Hdf5Object& o, const std::string& name) {
  const Hdf5Attribute* a = o.attribute(name);
  if (!a) throw std::runtime_error("no attribute " + name + " on " + o.path);
  return *a;
}

const Hdf5Link* link(const Hdf5Object& o, const std::string& name) {
  for (const Hdf5Link& l : o.links) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

const Hdf5DatasetInfo& dataset(const Hdf5File& file, const std::string& path) {
  const Hdf5Object& o = object(file, path);
  if (!o.dataset) throw std::runtime_error(path + " is not a dataset");
  return *o.dataset;
}

void put_u64(std::string& bytes, std::size_t offset, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) bytes[offset + i] = static_cast<char>(value >> (8 * i));
}

TEST(Hdf5Reader, ReadsEverySuperblockVersionAndGeometry) {
  EXPECT_EQ(parse(load("basic_earliest.h5")).superblock_version, 0u);
  EXPECT_EQ(parse(load("superblock_v1.h5")).superblock_version, 1u);
  EXPECT_EQ(parse(load("basic_v108.h5")).superblock_version, 2u);
  EXPECT_EQ(parse(load("basic_latest.h5")).superblock_version, 3u);
  Hdf5File small = parse(load("offsets4_latest.h5"));
  EXPECT_EQ(small.size_of_offsets, 4u);
  EXPECT_EQ(small.size_of_lengths, 4u);
  Hdf5File mixed = parse(load("lengths4_earliest.h5"));
  EXPECT_EQ(mixed.size_of_offsets, 8u);
  EXPECT_EQ(mixed.size_of_lengths, 4u);
  EXPECT_EQ(dataset(mixed, "/model_weights/dense/dense/kernel:0").dims, (std::vector<std::uint64_t>{3, 4}));
}

TEST(Hdf5Reader, FindsTheSuperblockAfterAUserBlock) {
  for (auto [name, offset] :
       {std::pair{"userblock_512_earliest.h5", 512u}, {"userblock_4096_latest.h5", 4096u}}) {
    SCOPED_TRACE(name);
    std::string bytes = load(name);
    EXPECT_TRUE(looks_like_hdf5(as_bytes(bytes)));
    Hdf5File file = parse(bytes);
    EXPECT_EQ(file.signature_offset, offset);
    EXPECT_EQ(file.base_address, offset);
    EXPECT_TRUE(file.anomalies.empty());
    EXPECT_EQ(dataset(file, "/model_weights/dense_1/dense_1/kernel:0").dims,
              (std::vector<std::uint64_t>{3, 4}));
  }
}

TEST(Hdf5Reader, SearchesTheSignatureOnlyWhereLibhdf5Does) {
  std::string plain = load("basic_earliest.h5");
  std::string shifted = std::string(1024, '\0') + plain;  // stored base address 0, signature at 1024
  ASSERT_EQ(find_hdf5_signature(as_bytes(shifted)), std::optional<std::uint64_t>(1024));
  Hdf5File file = parse(shifted);
  EXPECT_TRUE(file.has_anomaly(Hdf5AnomalyKind::base_address_mismatch));
  EXPECT_EQ(file.objects.size(), parse(plain).objects.size());
  std::string odd = std::string(700, '\0') + plain;
  EXPECT_FALSE(looks_like_hdf5(as_bytes(odd)));
  EXPECT_THROW(parse(odd), FormatError);
  EXPECT_FALSE(looks_like_hdf5(as_bytes(std::string("PK\x03\x04 not hdf5"))));
}

TEST(Hdf5Reader, DecodesLegacyKerasAttributes) {
  for (const char* name : {"keras_legacy_earliest.h5", "keras_legacy_latest.h5"}) {
    SCOPED_TRACE(name);
    Hdf5File file = parse(load(name));
    const Hdf5Object& root = object(file, "/");
    const Hdf5Attribute& config = attribute(root, "model_config");
    ASSERT_EQ(config.value.kind, Hdf5Value::Kind::string);
    ASSERT_EQ(config.value.strings.size(), 1u);
    EXPECT_TRUE(config.value.dims.empty());
    nlohmann::json model = nlohmann::json::parse(config.value.strings[0]);
    EXPECT_EQ(model["class_name"], "Sequential");
    EXPECT_EQ(model["config"]["layers"].size(), 40u);
    EXPECT_EQ(attribute(root, "keras_version").value.strings, std::vector<std::string>{"2.4.0"});
    EXPECT_EQ(attribute(root, "backend").value.strings, std::vector<std::string>{"tensorflow"});
    const Hdf5Attribute& names = attribute(object(file, "/model_weights"), "layer_names");
    EXPECT_EQ(names.value.dims, std::vector<std::uint64_t>{40});
    ASSERT_EQ(names.value.strings.size(), 40u);
    EXPECT_EQ(names.value.strings.front(), "dense_0");
    for (const std::string& layer : names.value.strings) {
      const Hdf5Attribute& weights = attribute(object(file, "/model_weights/" + layer), "weight_names");
      EXPECT_EQ(weights.value.strings, (std::vector<std::string>{layer + "/kernel:0", layer + "/bias:0"}));
      EXPECT_EQ(dataset(file, "/model_weights/" + layer + "/" + layer + "/kernel:0").datatype, "float32");
    }
    EXPECT_TRUE(file.anomalies.empty());
  }
}

TEST(Hdf5Reader, ReadsKerasChunkedAttributesAndKeras3Weights) {
  Hdf5File chunked = parse(load("keras_chunked_attrs_earliest.h5"));
  const Hdf5Object& weights = object(chunked, "/model_weights");
  std::vector<std::string> all;
  for (int i = 0; i < 3; ++i) {
    const Hdf5Attribute& part = attribute(weights, "layer_names" + std::to_string(i));
    all.insert(all.end(), part.value.strings.begin(), part.value.strings.end());
  }
  ASSERT_EQ(all.size(), 4000u);
  EXPECT_EQ(all[3999], "layer_with_a_long_name_03999");

  Hdf5File keras3 = parse(load("keras3_weights_latest.h5"));
  EXPECT_EQ(dataset(keras3, "/layers/batch_normalization/vars/3").dims, std::vector<std::uint64_t>{4});
  EXPECT_EQ(object(keras3, "/vars").kind, Hdf5Object::Kind::group);
  EXPECT_EQ(dataset(keras3, "/optimizer/vars/0").datatype, "int64");
}

TEST(Hdf5Reader, ReportsSoftExternalAndAliasedLinks) {
  for (const char* name : {"special_links_earliest.h5", "special_links_latest.h5"}) {
    SCOPED_TRACE(name);
    Hdf5File file = parse(load(name));
    const Hdf5Object& root = object(file, "/");
    const Hdf5Link* dangling = link(root, "dangling");
    ASSERT_NE(dangling, nullptr);
    EXPECT_EQ(dangling->type, Hdf5Link::Type::soft);
    EXPECT_EQ(dangling->soft_target, "/does/not/exist");
    const Hdf5Link* ext = link(root, "ext");
    ASSERT_NE(ext, nullptr);
    EXPECT_EQ(ext->type, Hdf5Link::Type::external);
    EXPECT_EQ(ext->external_file, "other_file.h5");
    EXPECT_EQ(ext->external_path, "/path/in/other");
    const Hdf5Link* alias = link(root, "alias_b");
    ASSERT_NE(alias, nullptr);
    EXPECT_EQ(alias->type, Hdf5Link::Type::hard);
    EXPECT_EQ(alias->hard_target, "/a/b");
    const Hdf5Object& b = object(file, "/a/b");
    ASSERT_NE(link(b, "cycle_to_root"), nullptr);
    EXPECT_EQ(link(b, "cycle_to_root")->hard_target, "/");
    EXPECT_EQ(link(b, "cycle_to_a")->hard_target, "/a");
    EXPECT_EQ(link(object(file, "/a"), "soft_rel")->soft_target, "b");
    // Each object is listed once, under the first path that reaches it.
    EXPECT_EQ(file.objects.size(), 4u);
  }
}

TEST(Hdf5Reader, ReportsExternalStorageAndVirtualSources) {
  Hdf5File efl = parse(load("external_storage_earliest.h5"));
  const Hdf5DatasetInfo& multi = dataset(efl, "/ext_multi");
  ASSERT_EQ(multi.external_files.size(), 2u);
  EXPECT_EQ(multi.external_files[0].name, "external_raw.bin");
  EXPECT_EQ(multi.external_files[0].offset, 40u);
  EXPECT_EQ(multi.external_files[1].name, "/etc/passwd");
  EXPECT_EQ(multi.external_files[1].size, 40u);

  Hdf5File vds = parse(load("virtual_latest.h5"));
  const Hdf5DatasetInfo& v = dataset(vds, "/vds");
  EXPECT_EQ(v.layout, Layout::virtual_);
  ASSERT_EQ(v.virtual_sources.size(), 2u);
  EXPECT_EQ(v.virtual_sources[0].file, "vds_source.h5");
  EXPECT_EQ(v.virtual_sources[0].dataset, "data");
  EXPECT_EQ(v.virtual_sources[1].dataset, "more");
  EXPECT_TRUE(v.virtual_sources_complete);
  const Hdf5DatasetInfo& strided = dataset(vds, "/vds_strided");
  ASSERT_EQ(strided.virtual_sources.size(), 1u);
  EXPECT_EQ(strided.virtual_sources[0].file, "/etc/shadow");
  EXPECT_EQ(strided.virtual_sources[0].dataset, "/secret");
}

TEST(Hdf5Reader, MeasuresShapeBombs) {
  for (const char* name : {"shape_bomb_earliest.h5", "shape_bomb_latest.h5"}) {
    SCOPED_TRACE(name);
    Hdf5File file = parse(load(name));
    const Hdf5DatasetInfo& bomb = dataset(file, "/bomb");
    EXPECT_EQ(bomb.declared_bytes, 8'000'000'000'000ull);
    EXPECT_EQ(bomb.stored_bytes, std::optional<std::uint64_t>(8192));  // the one chunk written
    EXPECT_EQ(bomb.chunk_count, std::optional<std::uint64_t>(1));
    EXPECT_EQ(bomb.max_dims, std::vector<std::uint64_t>{kHdf5Undefined});
    EXPECT_EQ(dataset(file, "/bomb_2d").declared_bytes, 1'000'000'000'000ull);
    EXPECT_EQ(dataset(file, "/bomb_2d").stored_bytes, std::optional<std::uint64_t>(0));
    EXPECT_EQ(dataset(file, "/bomb_contiguous_unallocated").declared_bytes, 8ull << 40);
    EXPECT_EQ(dataset(file, "/bomb_contiguous_unallocated").stored_bytes, std::optional<std::uint64_t>(0));
  }
  // A dataspace patched after the fact: declared 10^15 doubles over 7777 stored ones.
  Hdf5File patched = parse(load("patched_shape_bomb_earliest.hdf5"));
  const Hdf5DatasetInfo& bomb = dataset(patched, "/bomb");
  EXPECT_EQ(bomb.dims, std::vector<std::uint64_t>{1'000'000'000'000'000ull});
  EXPECT_EQ(bomb.declared_bytes, 8'000'000'000'000'000ull);
  EXPECT_EQ(bomb.stored_bytes, std::optional<std::uint64_t>(7777 * 8));
  EXPECT_EQ(bomb.layout, Layout::contiguous);
  // Its attribute, patched the same way, keeps its declared shape but is not decoded.
  EXPECT_TRUE(patched.has_anomaly(Hdf5AnomalyKind::attribute_too_large));
  const Hdf5Attribute& bomb_attr = attribute(object(patched, "/"), "bomb_attr");
  EXPECT_EQ(bomb_attr.value.dims, std::vector<std::uint64_t>{1'000'000'000});
  EXPECT_FALSE(bomb_attr.decoded);
  EXPECT_EQ(attribute(object(patched, "/"), "note").value.strings, std::vector<std::string>{"dims patched"});
  // In a checksummed (v2) header the patch is also visible as a checksum mismatch.
  Hdf5File patched_latest = parse(load("patched_shape_bomb_latest.hdf5"));
  EXPECT_EQ(dataset(patched_latest, "/bomb").declared_bytes, 8'000'000'000'000'000ull);
  EXPECT_TRUE(patched_latest.has_anomaly(Hdf5AnomalyKind::checksum_mismatch));
}

TEST(Hdf5Reader, DescribesChunkIndexesAndFilters) {
  Hdf5File latest = parse(load("datasets_latest.h5"));
  EXPECT_EQ(dataset(latest, "/chunked").chunk_index, "fixed array");
  EXPECT_EQ(dataset(latest, "/many_chunks").chunk_index, "fixed array");
  EXPECT_EQ(dataset(latest, "/single_chunk").chunk_index, "single chunk");
  EXPECT_EQ(dataset(latest, "/implicit").chunk_index, "implicit");
  EXPECT_EQ(dataset(latest, "/extendable_1d").chunk_index, "extensible array");
  EXPECT_EQ(dataset(latest, "/extendable_2d").chunk_index, "v2 B-tree");
  EXPECT_EQ(dataset(latest, "/many_chunks_unlimited").chunk_count, std::optional<std::uint64_t>(150000));
  const Hdf5DatasetInfo& filtered = dataset(latest, "/all_filters");
  ASSERT_EQ(filtered.filters.size(), 3u);
  EXPECT_EQ(filtered.filters[0].name, "shuffle");
  EXPECT_EQ(filtered.filters[1].name, "deflate");
  EXPECT_EQ(filtered.filters[2].name, "fletcher32");
  EXPECT_EQ(filtered.chunk_dims, std::vector<std::uint64_t>{256});
  EXPECT_EQ(dataset(latest, "/lzf").filters.at(0).id, 32000);
  EXPECT_EQ(dataset(latest, "/compact").layout, Layout::compact);
  EXPECT_EQ(dataset(latest, "/compact").stored_bytes, std::optional<std::uint64_t>(20));
  EXPECT_TRUE(dataset(latest, "/null").null_dataspace);

  Hdf5File earliest = parse(load("datasets_earliest.h5"));
  EXPECT_EQ(dataset(earliest, "/chunked").chunk_index, "v1 B-tree");
  EXPECT_EQ(dataset(earliest, "/many_chunks_unlimited").chunk_count, std::optional<std::uint64_t>(150000));
}

TEST(Hdf5Reader, ReadsVersion2LayoutMessages) {
  // HDF5 1.6 wrote version 1/2 layout messages; rewrite the version 3 message of a 6-element float64
  // dataset in place (both take 24 bytes in a v1 object header) into that older form.
  std::string bytes = load("datasets_earliest.h5");
  Hdf5File before = parse(bytes);
  const Hdf5DatasetInfo& be = dataset(before, "/be");
  std::string v3 = std::string("\x03\x01", 2) + std::string(16, '\0');
  put_u64(v3, 2, be.data_address);
  put_u64(v3, 10, 48);
  std::size_t at = bytes.find(v3);
  ASSERT_NE(at, std::string::npos);
  std::string v2 = std::string("\x02\x02\x01", 3) + std::string(5 + 8 + 8, '\0');
  put_u64(v2, 8, be.data_address);
  v2[16] = 6;  // dimension 0: elements
  v2[20] = 8;  // dimension 1: element size
  bytes.replace(at, v2.size(), v2);
  Hdf5File after = parse(bytes);
  EXPECT_TRUE(after.anomalies.empty());
  const Hdf5DatasetInfo& old = dataset(after, "/be");
  EXPECT_EQ(old.layout, Layout::contiguous);
  EXPECT_EQ(old.data_address, be.data_address);
  EXPECT_EQ(old.stored_bytes, std::optional<std::uint64_t>(48));
}

TEST(Hdf5Reader, ReadsDenseAttributesAndLinks) {
  Hdf5File attrs = parse(load("attrs_dense_1000_latest.h5"));
  const Hdf5Object& g = object(attrs, "/g");
  EXPECT_EQ(g.attributes.size(), 1000u);
  EXPECT_EQ(attribute(g, "attr_0003").value.strings, std::vector<std::string>{"text 3"});
  EXPECT_EQ(attribute(g, "attr_0997").value.integers, std::vector<std::int64_t>{997});

  Hdf5File heap = parse(load("attrs_heap_indirect_latest.h5"));
  const Hdf5Attribute& blob = attribute(object(heap, "/g"), "blob_399");
  EXPECT_EQ(blob.value.floats, std::vector<double>(450, 399.0));

  Hdf5File huge = parse(load("attrs_large_values_latest.h5"));
  EXPECT_EQ(attribute(object(huge, "/"), "big_vlen").value.strings.at(0), std::string(100000, 'y'));
  EXPECT_EQ(attribute(object(huge, "/"), "big_array").value.floats.size(), 30000u);

  // "/g" sorts before "/target": the dataset is first reached as /g/link_00000_, every other name is an
  // alias of it.
  Hdf5File links = parse(load("links_2000_latest.h5"));
  EXPECT_EQ(dataset(links, "/g/link_00000_").dims, std::vector<std::uint64_t>{3});
  const Hdf5Object& group = object(links, "/g");
  EXPECT_EQ(group.links.size(), 1999u);
  for (const Hdf5Link& l : group.links) EXPECT_EQ(l.hard_target, "/g/link_00000_");
  EXPECT_EQ(link(object(links, "/"), "target")->hard_target, "/g/link_00000_");
}

TEST(Hdf5Reader, FallsBackToTheCreationOrderIndexWhenTheNameIndexIsDamaged) {
  std::string bytes = load("track_order_latest.h5");
  Hdf5File clean = parse(bytes);
  ASSERT_EQ(object(clean, "/many").kind, Hdf5Object::Kind::group);
  // The dense group /many is indexed by name (v2 B-tree type 5) and by creation order (type 6).
  std::size_t name_index = std::string::npos;
  for (std::size_t at = bytes.find("BTHD"); at != std::string::npos; at = bytes.find("BTHD", at + 1)) {
    if (bytes[at + 5] == 5) name_index = at;
  }
  ASSERT_NE(name_index, std::string::npos);
  bytes[name_index] = 'X';
  Hdf5File damaged = parse(bytes);
  EXPECT_TRUE(damaged.has_anomaly(Hdf5AnomalyKind::malformed));
  ASSERT_EQ(damaged.objects.size(), clean.objects.size());
  for (std::size_t i = 0; i < clean.objects.size(); ++i)
    EXPECT_EQ(damaged.objects[i].path, clean.objects[i].path);
}

TEST(Hdf5Reader, DecodesValuesTheWayLibhdf5ConvertsThem) {
  Hdf5File file = parse(load("attrs_strings_latest.h5"));
  const Hdf5Object& root = object(file, "/");
  EXPECT_EQ(attribute(root, "pad_spacepad_ascii").value.strings, std::vector<std::string>{"abc"});
  EXPECT_EQ(attribute(root, "pad_nullterm_utf8").value.strings, std::vector<std::string>{"abc"});
  EXPECT_EQ(attribute(root, "fixed_embedded_nul").value.strings,
            std::vector<std::string>{std::string("ab\0cd", 5)});
  EXPECT_EQ(attribute(root, "non_utf8_bytes").value.strings, std::vector<std::string>{"\xff\xfe\x80"
                                                                                      "abc"});
  EXPECT_EQ(attribute(root, "vlen_str").datatype.description(), "vlen utf-8 string");

  Hdf5File numbers = parse(load("attrs_numeric_earliest.h5"));
  const Hdf5Object& n = object(numbers, "/");
  const Hdf5Value& max_u8 = attribute(n, "max_u8").value;
  EXPECT_TRUE(max_u8.unsigned_integers);
  EXPECT_EQ(static_cast<std::uint64_t>(max_u8.integers.at(0)), ~0ull);
  EXPECT_EQ(attribute(n, "min_i8").value.integers.at(0), INT64_MIN);
  EXPECT_EQ(attribute(n, "scalar_be_i4").value.integers.at(0), 2147483647);
  EXPECT_EQ(attribute(n, "f2_values").value.floats,
            (std::vector<double>{0.5, -2.0, 65504.0, 5.960464477539063e-08,
                                 std::numeric_limits<double>::infinity()}));
  EXPECT_EQ(attribute(n, "mat_f8").value.dims, (std::vector<std::uint64_t>{2, 3}));

  Hdf5File misc = parse(load("attrs_misc_latest.h5"));
  const Hdf5Object& m = object(misc, "/");
  EXPECT_EQ(attribute(m, "bool_vector").datatype.description(), "enum<int8>{FALSE=0,TRUE=1}");
  EXPECT_EQ(attribute(m, "bool_vector").value.integers, (std::vector<std::int64_t>{1, 0, 1}));
  EXPECT_EQ(attribute(m, "complex64").datatype.description(), "compound{r:float32@0,i:float32@4}");
  EXPECT_FALSE(attribute(m, "complex64").decoded);
  EXPECT_TRUE(attribute(m, "empty_f4").value.null_dataspace);
  const Hdf5Value& ragged = attribute(m, "vlen_int").value;
  ASSERT_EQ(ragged.kind, Hdf5Value::Kind::sequence);
  ASSERT_EQ(ragged.sequences.size(), 3u);
  EXPECT_EQ(ragged.sequences[0].integers, (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_TRUE(ragged.sequences[1].integers.empty());
  EXPECT_EQ(attribute(m, "array_f8_vec").value.dims, (std::vector<std::uint64_t>{2, 2, 2}));
}

TEST(Hdf5Reader, ResolvesCommittedDatatypes) {
  for (const char* name : {"committed_types_earliest.h5", "committed_types_latest.h5"}) {
    SCOPED_TRACE(name);
    Hdf5File file = parse(load(name));
    const Hdf5Object& type = object(file, "/point_t");
    EXPECT_EQ(type.kind, Hdf5Object::Kind::datatype);
    ASSERT_TRUE(type.committed_type.has_value());
    EXPECT_EQ(type.committed_type->description(), "compound{x:float32@0,y:float32@4}");
    const Hdf5DatasetInfo& points = dataset(file, "/points");
    EXPECT_EQ(points.type.committed_address, std::optional<std::uint64_t>(type.address));
    EXPECT_EQ(points.datatype, "compound{x:float32@0,y:float32@4}");
    EXPECT_EQ(attribute(object(file, "/"), "typed_attr").value.integers, (std::vector<std::int64_t>{0, 1}));
    EXPECT_EQ(attribute(object(file, "/int_t"), "doc").value.strings.size(), 1u);
  }
}

TEST(Hdf5Reader, EnforcesLimits) {
  Limits objects;
  objects.max_hdf5_objects = 50;
  EXPECT_THROW(parse(load("links_300_latest.h5"), objects), LimitError);
  Limits depth;
  depth.max_hdf5_depth = 11;  // /level_0/.../level_9/leaf is 11 links deep
  EXPECT_NO_THROW(parse(load("nested_10_earliest.h5"), depth));
  depth.max_hdf5_depth = 10;
  EXPECT_THROW(parse(load("nested_10_earliest.h5"), depth), LimitError);
  EXPECT_THROW(parse(load("nested_10_latest.h5"), depth), LimitError);
  Limits attributes;
  attributes.max_hdf5_attributes = 100;
  EXPECT_THROW(parse(load("attrs_many_compact_earliest.h5"), attributes), LimitError);
  EXPECT_THROW(parse(load("attrs_dense_1000_latest.h5"), attributes), LimitError);
  Limits bytes;
  bytes.max_metadata_bytes = 1000;  // model_config alone is larger
  EXPECT_THROW(parse(load("keras_legacy_earliest.h5"), bytes), LimitError);
  bytes.max_metadata_bytes = 60000;  // a single 100 kB vlen string
  EXPECT_THROW(parse(load("attrs_large_values_latest.h5"), bytes), LimitError);
}

TEST(Hdf5Reader, NeverReadsDatasetRawData) {
  // Overwriting every byte of raw data must change nothing: the reader only looks at metadata.
  std::string bytes = load("datasets_earliest.h5");
  Hdf5File before = parse(bytes);
  int wiped = 0;
  for (const Hdf5Object& o : before.objects) {
    if (!o.dataset || o.dataset->layout != Layout::contiguous || o.dataset->data_address == kHdf5Undefined)
      continue;
    if (o.dataset->type.type_class == Hdf5Datatype::Class::variable_length)
      continue;  // heap IDs, not raw data
    std::uint64_t start = before.base_address + o.dataset->data_address;
    std::memset(bytes.data() + start, 0xA5, *o.dataset->stored_bytes);
    ++wiped;
  }
  EXPECT_GE(wiped, 4);
  Hdf5File after = parse(bytes);
  ASSERT_EQ(after.objects.size(), before.objects.size());
  EXPECT_TRUE(after.anomalies.empty());
  for (std::size_t i = 0; i < after.objects.size(); ++i) {
    EXPECT_EQ(after.objects[i].path, before.objects[i].path);
    EXPECT_EQ(after.objects[i].attributes.size(), before.objects[i].attributes.size());
    if (before.objects[i].dataset) {
      EXPECT_EQ(after.objects[i].dataset->stored_bytes, before.objects[i].dataset->stored_bytes);
    }
  }
}

TEST(Hdf5Reader, ReportsChecksumMismatchesAndTrailingData) {
  std::string bytes = load("basic_latest.h5");
  Hdf5File clean = parse(bytes);
  ASSERT_TRUE(clean.anomalies.empty());
  // The root's v2 header stores four timestamps right after its flags; changing one breaks the checksum
  // but not the structure.
  std::uint64_t root = clean.base_address + clean.root_address;
  ASSERT_EQ(bytes.substr(root, 4), "OHDR");
  ASSERT_TRUE(static_cast<std::uint8_t>(bytes[root + 5]) & 0x20);
  bytes[root + 6] ^= 0x55;
  Hdf5File damaged = parse(bytes);
  EXPECT_TRUE(damaged.has_anomaly(Hdf5AnomalyKind::checksum_mismatch));
  EXPECT_EQ(damaged.objects.size(), clean.objects.size());

  std::string appended = load("basic_earliest.h5") + std::string(100, 'x');
  Hdf5File trailing = parse(appended);
  EXPECT_TRUE(trailing.has_anomaly(Hdf5AnomalyKind::eof_mismatch));
}

TEST(Hdf5Reader, RejectsBrokenSuperblocksAndRoots) {
  EXPECT_THROW(parse(""), FormatError);
  std::string signature = "\x89HDF\r\n\x1a\n";
  EXPECT_THROW(parse(signature), FormatError);
  EXPECT_THROW(parse(signature + std::string(200, '\0')), FormatError);  // sizes of offsets 0
  std::string bytes = load("basic_earliest.h5");
  std::string version9 = bytes;
  version9[8] = 9;
  EXPECT_THROW(parse(version9), FormatError);
  std::string far_root = bytes;
  put_u64(far_root, 56 + 8, 0x7fffffff00ull);  // root symbol table entry: object header address
  EXPECT_THROW(parse(far_root), FormatError);
  std::string undefined_root = bytes;
  put_u64(undefined_root, 56 + 8, ~0ull);
  EXPECT_THROW(parse(undefined_root), FormatError);
}

// Files small enough to damage thoroughly, covering every structure the reader walks.
const char* const kDamageFiles[] = {"basic_earliest.h5",
                                    "basic_latest.h5",
                                    "superblock_v1.h5",
                                    "offsets4_latest.h5",
                                    "attrs_misc_latest.h5",
                                    "attrs_strings_earliest.h5",
                                    "attrs_dense_100_latest.h5",
                                    "links_40_latest.h5",
                                    "links_40_earliest.h5",
                                    "special_links_latest.h5",
                                    "committed_types_latest.h5",
                                    "virtual_latest.h5",
                                    "external_storage_latest.h5",
                                    "keras_legacy_earliest.h5",
                                    "track_order_latest.h5",
                                    "attrs_dense_track_order_latest.h5",
                                    "attrs_continuation_latest.h5",
                                    "shape_bomb_latest.h5"};

void parse_damaged(const std::string& bytes, int& rejected, int& parsed) {
  Limits limits;
  limits.max_hdf5_objects = 5000;
  limits.max_metadata_bytes = 8 << 20;
  try {
    Hdf5File file = parse_hdf5(as_bytes(bytes), limits);
    ++parsed;
  } catch (const FormatError&) {
    ++rejected;
  }
  // Anything else escaping (std::bad_alloc, std::length_error, ...) fails the test.
}

TEST(Hdf5Reader, SurvivesTruncation) {
  int rejected = 0, parsed = 0;
  for (const char* name : kDamageFiles) {
    SCOPED_TRACE(name);
    std::string bytes = load(name);
    std::vector<std::size_t> cuts;
    for (std::size_t cut = 0; cut < std::min<std::size_t>(bytes.size(), 1024); cut += 7) cuts.push_back(cut);
    for (std::size_t i = 1; i < 64; ++i) cuts.push_back(bytes.size() * i / 64);
    for (std::size_t cut : cuts) {
      std::string truncated = bytes.substr(0, cut);
      int before = parsed;
      parse_damaged(truncated, rejected, parsed);
      if (parsed > before) {
        // A truncated file that still parses must say that it is truncated.
        EXPECT_TRUE(parse(truncated).has_anomaly(Hdf5AnomalyKind::eof_mismatch)) << "cut at " << cut;
      }
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(parsed, 0);
}

TEST(Hdf5Reader, SurvivesCorruption) {
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int rejected = 0, parsed = 0;
  for (const char* name : kDamageFiles) {
    SCOPED_TRACE(name);
    const std::string original = load(name);
    for (int round = 0; round < 150; ++round) {
      std::string bytes = original;
      int changes = 1 + static_cast<int>(next() % 8);
      for (int c = 0; c < changes; ++c) {
        std::size_t at = next() % bytes.size();
        switch (next() % 4) {
          case 0:
            bytes[at] = static_cast<char>(next());
            break;
          case 1:
            bytes[at] ^= static_cast<char>(1u << (next() % 8));
            break;
          case 2:
            bytes[at] = '\xff';
            break;
          default:
            bytes[at] = '\0';
        }
      }
      parse_damaged(bytes, rejected, parsed);
    }
  }
  EXPECT_GT(rejected + parsed, 2000);
}

TEST(Hdf5Reader, ParsesRealKerasFiles) {
  MS_REQUIRE_CORPUS();
  int files = 0;
  for (const char* folder : {"keras/benign", "keras/benign-lambda", "keras/malicious"}) {
    std::filesystem::path dir = test::shared_corpus() / folder;
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::string bytes = test::read_file(entry.path());
      if (!looks_like_hdf5(as_bytes(bytes))) continue;  // .keras zips
      SCOPED_TRACE(entry.path().filename().string());
      ++files;
      Hdf5File file = parse(bytes);
      EXPECT_TRUE(file.anomalies.empty());
      const Hdf5Attribute& config = attribute(object(file, "/"), "model_config");
      ASSERT_EQ(config.value.strings.size(), 1u);
      nlohmann::json model = nlohmann::json::parse(config.value.strings[0]);
      EXPECT_TRUE(model.contains("class_name"));
      const Hdf5Object* weights = file.find("/model_weights");
      if (!weights) continue;
      for (const std::string& layer : attribute(*weights, "layer_names").value.strings)
        EXPECT_NE(file.find("/model_weights/" + layer), nullptr) << layer;
    }
  }
  EXPECT_GE(files, 5);
}

}  // namespace
}  // namespace ms
