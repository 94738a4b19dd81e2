// Differential test: every file made by tests/data/gen_hdf5.py is parsed by ms::parse_hdf5 and rendered
// as the same canonical JSON that the generator wrote from h5py's (libhdf5's) view of the file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "formats/hdf5.hpp"
#include "test_paths.hpp"

namespace ms {
namespace {

using json = nlohmann::json;
using Class = Hdf5Datatype::Class;

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t extra;
    if (c < 0x80) {
      extra = 0;
    } else if ((c >> 5) == 0x6) {
      extra = 1;
    } else if ((c >> 4) == 0xE) {
      extra = 2;
    } else if ((c >> 3) == 0x1E) {
      extra = 3;
    } else {
      return false;
    }
    if (extra > s.size() - i - 1) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string text(const std::string& bytes) {
  if (valid_utf8(bytes)) return bytes;
  static const char* digits = "0123456789abcdef";
  std::string out = "hex:";
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string bits(const Hdf5Datatype& t) { return std::to_string(8ull * t.size); }

std::string type_str(const Hdf5Datatype& t) {
  const std::string be = t.big_endian ? "be" : "";
  auto pad = [&] {
    return std::string(t.pad == Hdf5Datatype::StringPad::null_terminated ? "nullterm"
                       : t.pad == Hdf5Datatype::StringPad::null_padded   ? "nullpad"
                                                                         : "spacepad") +
           "/" + (t.charset == Hdf5Datatype::Charset::utf8 ? "utf8" : "ascii");
  };
  switch (t.type_class) {
    case Class::fixed_point:
      return (t.is_signed ? "int" : "uint") + bits(t) + be;
    case Class::floating_point:
      return "float" + bits(t) + be;
    case Class::time:
      return "time";
    case Class::string:
      return "string[" + std::to_string(t.size) + "]/" + pad();
    case Class::variable_length:
      if (t.vlen_string) return "vstring/" + pad();
      return "vlen<" + type_str(t.base.front()) + ">";
    case Class::bitfield:
      return "bitfield" + bits(t) + be;
    case Class::opaque:
      return "opaque[" + std::to_string(t.size) + "]:" + t.opaque_tag;
    case Class::compound: {
      std::string out = "compound[" + std::to_string(t.size) + "]{";
      for (std::size_t i = 0; i < t.members.size(); ++i) {
        if (i) out += ",";
        out +=
            t.members[i].name + ":" + type_str(t.members[i].type) + "@" + std::to_string(t.members[i].offset);
      }
      return out + "}";
    }
    case Class::reference:
      return t.reference_type == 0 ? "ref-object" : "ref-region";
    case Class::enumeration: {
      std::vector<Hdf5EnumMember> members = t.enum_members;
      std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
      std::string out = "enum<" + type_str(t.base.front()) + ">{";
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i) out += ",";
        out += members[i].name + "=" + std::to_string(members[i].value);
      }
      return out + "}";
    }
    case Class::array: {
      std::string dims;
      for (std::size_t i = 0; i < t.array_dims.size(); ++i) {
        if (i) dims += 'x';
        dims += std::to_string(t.array_dims[i]);
      }
      return "array[" + dims + "]<" + type_str(t.base.front()) + ">";
    }
  }
  return "unknown";
}

json number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

json elements(const Hdf5Value& v) {
  json out = json::array();
  switch (v.kind) {
    case Hdf5Value::Kind::string:
      for (const std::string& s : v.strings) out.push_back(text(s));
      break;
    case Hdf5Value::Kind::integer:
      for (std::int64_t i : v.integers) {
        if (v.unsigned_integers) {
          out.push_back(static_cast<std::uint64_t>(i));
        } else {
          out.push_back(i);
        }
      }
      break;
    case Hdf5Value::Kind::floating:
      for (double d : v.floats) out.push_back(number(d));
      break;
    case Hdf5Value::Kind::sequence:
      for (const Hdf5Value& item : v.sequences) out.push_back(elements(item));
      break;
    case Hdf5Value::Kind::other:
      return nullptr;
  }
  return out;
}

json canonical_attribute(const Hdf5Attribute& a) {
  json entry = {{"name", text(a.name)}, {"type", type_str(a.datatype)}};
  if (a.value.null_dataspace) {
    entry["shape"] = nullptr;
    entry["value"] = nullptr;
    return entry;
  }
  entry["shape"] = a.value.dims;
  entry["value"] = a.decoded ? elements(a.value) : json(nullptr);
  return entry;
}

json canonical_dataset(const Hdf5DatasetInfo& d, int& storage_compared) {
  json out = {{"type", type_str(d.type)}, {"layout", std::string(to_string(d.layout))}};
  if (d.null_dataspace) {
    out["shape"] = nullptr;
    out["maxshape"] = nullptr;
  } else {
    out["shape"] = d.dims;
    json max = json::array();
    for (std::uint64_t m : d.max_dims) max.push_back(m == kHdf5Undefined ? json(nullptr) : json(m));
    out["maxshape"] = max;
  }
  out["chunks"] = d.layout == Hdf5DatasetInfo::Layout::chunked ? json(d.chunk_dims) : json(nullptr);
  json filters = json::array();
  for (const auto& f : d.filters) filters.push_back(f.id);
  out["filters"] = filters;
  json external = json::array();
  for (const auto& e : d.external_files) external.push_back({text(e.name), e.offset, e.size});
  out["external"] = external;
  json sources = json::array();
  for (const auto& v : d.virtual_sources) sources.push_back({text(v.file), text(v.dataset)});
  out["virtual"] = sources;
  if (d.stored_bytes) {
    out["storage_size"] = *d.stored_bytes;
    ++storage_compared;
  }
  return out;
}

json canonical_file(const Hdf5File& file, int& storage_compared) {
  json objects = json::array();
  for (const Hdf5Object& o : file.objects) {
    json entry = {{"path", o.path}, {"kind", std::string(to_string(o.kind))}};
    std::vector<const Hdf5Attribute*> attributes;
    for (const Hdf5Attribute& a : o.attributes) attributes.push_back(&a);
    std::sort(attributes.begin(), attributes.end(), [](auto* a, auto* b) { return a->name < b->name; });
    entry["attributes"] = json::array();
    for (const Hdf5Attribute* a : attributes) entry["attributes"].push_back(canonical_attribute(*a));
    entry["links"] = json::array();
    for (const Hdf5Link& l : o.links) {
      json link = {{"name", text(l.name)}, {"type", std::string(to_string(l.type))}};
      if (l.type == Hdf5Link::Type::hard) link["target"] = l.hard_target;
      if (l.type == Hdf5Link::Type::soft) link["target"] = text(l.soft_target);
      if (l.type == Hdf5Link::Type::external) {
        link["file"] = text(l.external_file);
        link["path"] = text(l.external_path);
      }
      entry["links"].push_back(link);
    }
    if (o.dataset) entry["dataset"] = canonical_dataset(*o.dataset, storage_compared);
    objects.push_back(entry);
  }
  return {{"objects", objects}};
}

// Datasets whose chunk index this reader does not walk have no storage size to compare.
void drop_unknown_storage(json& expected, const json& actual) {
  auto& exp_objects = expected["objects"];
  const auto& act_objects = actual["objects"];
  for (std::size_t i = 0; i < exp_objects.size() && i < act_objects.size(); ++i) {
    if (!exp_objects[i].contains("dataset") || !act_objects[i].contains("dataset")) continue;
    if (!act_objects[i]["dataset"].contains("storage_size")) exp_objects[i]["dataset"].erase("storage_size");
  }
}

TEST(Hdf5Differential, MatchesH5pyOnEveryGeneratedFile) {
  std::filesystem::path dir = test::testdata("hdf5");
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << "run gen_hdf5.py first (ctest does)";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".h5") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  int compared = 0, matched = 0, storage_compared = 0, objects = 0, datasets = 0;
  Limits limits;
  for (const auto& path : files) {
    std::filesystem::path expected_path = path;
    expected_path.replace_extension(".json");
    if (!std::filesystem::exists(expected_path)) continue;
    SCOPED_TRACE(path.filename().string());
    ++compared;
    std::string bytes = test::read_file(path);
    Hdf5File file;
    try {
      file = parse_hdf5(as_bytes(bytes), limits);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "parse failed: " << e.what();
      continue;
    }
    json expected = json::parse(test::read_file(expected_path));
    json actual = canonical_file(file, storage_compared);
    drop_unknown_storage(expected, actual);
    objects += static_cast<int>(file.objects.size());
    for (const Hdf5Object& o : file.objects) datasets += o.dataset.has_value();
    if (expected == actual) {
      ++matched;
    } else {
      json patch = json::diff(expected, actual);
      std::string shown = patch.dump();
      ADD_FAILURE() << "differs from h5py (" << patch.size() << " differences): " << shown.substr(0, 3000);
    }
    for (const Hdf5Anomaly& a : file.anomalies) {
      // Generated files are clean: the only expected anomaly is none at all.
      ADD_FAILURE() << "unexpected anomaly " << to_string(a.kind) << " at " << a.path << ": " << a.detail;
    }
  }
  std::cout << "[ hdf5     ] " << matched << " of " << compared << " generated files match h5py (" << objects
            << " objects, " << storage_compared << " dataset storage sizes compared)\n";
  EXPECT_GE(compared, 60);
  EXPECT_EQ(matched, compared);
  // Every chunk index type is walked, so every dataset's storage size is known and compared.
  EXPECT_EQ(storage_compared, datasets);
}

}  // namespace
}  // namespace ms

namespace ms {
namespace {

// Manual tool: MS_HDF5_DUMP=<file> modelshield_tests --gtest_also_run_disabled_tests
//   --gtest_filter=Hdf5Differential.DISABLED_DumpCanonicalJson  prints the canonical view of one file, to
// compare with `gen_hdf5.py --canon <file>` on files outside the generated set.
TEST(Hdf5Differential, DISABLED_DumpCanonicalJson) {
  const char* path = std::getenv("MS_HDF5_DUMP");
  if (!path) GTEST_SKIP() << "set MS_HDF5_DUMP";
  std::string bytes = test::read_file(path);
  int storage = 0;
  std::cout << canonical_file(parse_hdf5(as_bytes(bytes), Limits{}), storage).dump(1) << "\n";
}

}  // namespace
}  // namespace ms
