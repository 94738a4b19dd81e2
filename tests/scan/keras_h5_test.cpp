#include <gtest/gtest.h>

#include "scan_helpers.hpp"
#include "test_paths.hpp"

namespace ms {
namespace {

using test::describe;
using test::highest;
using test::with_rule;

ScanReport scan(const std::string& name) { return test::scan_one(test::testdata("keras_h5/" + name)); }

TEST(KerasH5, BenignLegacyModelsAndWeightsAreClean) {
  for (const char* name : {"benign_legacy.h5", "benign_legacy_bytes_attr.h5", "benign_keras22_list.h5",
                           "benign_weights.h5", "unwritten_small.h5"}) {
    ScanReport report = scan(name);
    ASSERT_EQ(report.files.size(), 1u) << name;
    EXPECT_TRUE(report.findings.empty()) << name << "\n" << describe(report);
  }
  EXPECT_EQ(scan("benign_legacy.h5").files[0].format, "keras-h5");
  EXPECT_EQ(scan("benign_weights.h5").files[0].format, "keras-weights-h5");
}

TEST(KerasH5, TrainingConfigAndListConfigsAreWalked) {
  ScanReport training = scan("training_config_reference.h5");
  auto refs = with_rule(training, "KERAS-FUNCTION-REFERENCE");
  ASSERT_EQ(refs.size(), 1u) << describe(training);
  EXPECT_EQ(refs[0]->severity, Severity::critical);
  EXPECT_EQ(refs[0]->location.object_path, "/@training_config");
  ScanReport list = scan("keras22_list_reference.h5");
  EXPECT_EQ(highest(list), Severity::critical) << describe(list);
  EXPECT_EQ(with_rule(list, "KERAS-FUNCTION-REFERENCE").at(0)->location.object_path, "/@model_config");
}

struct StorageCase {
  const char* file;
  const char* rule;
  Severity severity;
  const char* evidence;
};

TEST(KerasH5, DangerousWeightStorageIsReported) {
  for (const StorageCase& c : {
           StorageCase{"external_link.h5", "HDF5-EXTERNAL-LINK", Severity::high, "/etc/passwd"},
           StorageCase{"soft_link.h5", "HDF5-SOFT-LINK", Severity::medium, "/layers/dense/vars/0"},
           StorageCase{"external_storage.h5", "HDF5-EXTERNAL-STORAGE", Severity::high, "/etc/hostname"},
           StorageCase{"virtual_dataset.h5", "HDF5-VIRTUAL-DATASET", Severity::high, "/etc/machine-id"},
           StorageCase{"shape_bomb.h5", "HDF5-SHAPE-BOMB", Severity::high, "1048576x1048576"},
       }) {
    ScanReport report = scan(c.file);
    auto found = with_rule(report, c.rule);
    ASSERT_EQ(found.size(), 1u) << c.file << "\n" << describe(report);
    EXPECT_EQ(found[0]->severity, c.severity) << c.file;
    EXPECT_EQ(found[0]->location.object_path, "/layers/dense/vars/1") << c.file;
    ASSERT_FALSE(found[0]->evidence.empty());
    EXPECT_NE(found[0]->evidence[0].find(c.evidence), std::string::npos) << found[0]->evidence[0];
    EXPECT_FALSE(found[0]->references.empty());
  }
}

}  // namespace
}  // namespace ms
