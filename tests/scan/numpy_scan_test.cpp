#include <gtest/gtest.h>

#include "formats/npy.hpp"
#include "modelshield/error.hpp"
#include "scan_helpers.hpp"
#include "test_paths.hpp"

namespace ms {
namespace {

using test::describe;
using test::highest;
using test::with_rule;

ScanReport scan(const std::string& name) { return test::scan_one(test::testdata("numpy/" + name)); }

TEST(NpyHeader, ParsesRealNumpyHeaders) {
  std::string bytes = test::read_file(test::testdata("numpy/float32.npy"));
  NpyHeader header = parse_npy_header(as_bytes(bytes), Limits{});
  EXPECT_EQ(header.descr, "<f4");
  EXPECT_EQ(header.shape, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(header.item_size, 4u);
  EXPECT_FALSE(header.has_objects);
  EXPECT_EQ(bytes.size() - header.data_offset, 48u);

  std::string structured = test::read_file(test::testdata("numpy/structured_object.npy"));
  NpyHeader object_header = parse_npy_header(as_bytes(structured), Limits{});
  EXPECT_TRUE(object_header.structured);
  EXPECT_TRUE(object_header.has_objects);
}

TEST(NpyHeader, RejectsMalformedHeaders) {
  std::string bytes = test::read_file(test::testdata("numpy/malformed_header.npy"));
  EXPECT_THROW(parse_npy_header(as_bytes(bytes), Limits{}), FormatError);
  std::string good = test::read_file(test::testdata("numpy/float32.npy"));
  for (std::size_t cut = 0; cut < 128; ++cut)
    EXPECT_THROW(parse_npy_header(as_bytes(std::string_view(good).substr(0, cut)), Limits{}), FormatError)
        << cut;
}

TEST(NumpyScan, PlainArraysAndArchivesAreClean) {
  for (const char* name : {"float32.npy", "structured.npy", "plain.npz"}) {
    ScanReport report = scan(name);
    EXPECT_TRUE(report.findings.empty()) << name << "\n" << describe(report);
  }
  EXPECT_EQ(scan("plain.npz").files.at(0).format, "npz");
}

TEST(NumpyScan, ObjectArraysAreCritical) {
  for (const char* name : {"object_payload.npy", "object_payload.npz"}) {
    ScanReport report = scan(name);
    auto found = with_rule(report, "NPY-OBJECT-ARRAY");
    ASSERT_EQ(found.size(), 1u) << name << "\n" << describe(report);
    EXPECT_EQ(found[0]->severity, Severity::critical);
    EXPECT_EQ(with_rule(report, "PICKLE-DANGEROUS-CALL").size(), 1u) << name << "\n" << describe(report);
  }
  // Objects that are plain numbers are ordinary data: only the hygiene note remains.
  ScanReport plain_objects = scan("structured_object.npy");
  auto hygiene = with_rule(plain_objects, "NPY-OBJECT-ARRAY");
  ASSERT_EQ(hygiene.size(), 1u) << describe(plain_objects);
  EXPECT_EQ(hygiene[0]->severity, Severity::low);
  EXPECT_EQ(highest(plain_objects), Severity::low) << describe(plain_objects);

  // The Keras weight-store attack is reported with the command it runs.
  ScanReport keras = scan("weights_npz_payload.keras");
  auto found = with_rule(keras, "NPY-OBJECT-ARRAY");
  ASSERT_EQ(found.size(), 1u) << describe(keras);
  EXPECT_EQ(found[0]->location.member, "model.weights.npz!layers/dense/vars/0.npy");
  auto call = with_rule(keras, "PICKLE-DANGEROUS-CALL");
  ASSERT_EQ(call.size(), 1u) << describe(keras);
  EXPECT_NE(call[0]->reason.find("system("), std::string::npos) << call[0]->reason;
}

TEST(NumpyScan, HostileHeadersAndMembersAreReported) {
  ScanReport bomb = scan("shape_bomb.npy");
  ASSERT_EQ(with_rule(bomb, "NPY-SHAPE-BOMB").size(), 1u) << describe(bomb);
  EXPECT_EQ(highest(bomb), Severity::high);
  ScanReport member = scan("non_array_member.npz");
  auto found = with_rule(member, "NPZ-NON-ARRAY-MEMBER");
  ASSERT_EQ(found.size(), 1u) << describe(member);
  EXPECT_EQ(found[0]->location.member, "notes.txt");
  ScanReport malformed = scan("malformed_header.npy");
  EXPECT_EQ(with_rule(malformed, "FORMAT-MALFORMED").size(), 1u) << describe(malformed);
}

}  // namespace
}  // namespace ms
