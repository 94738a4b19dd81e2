#pragma once
#include <string>
#include <vector>

#include "modelshield/finding.hpp"
#include "modelshield/limits.hpp"

namespace ms {

// What a detector needs to report: the limits to respect, where findings go, and the location prefix
// (file, and archive member when the detector works on a member) that every finding inherits.
class ScanContext {
 public:
  ScanContext(const Limits& limits, std::string file, std::vector<Finding>& findings)
      : limits_(limits), findings_(findings) {
    base_.file = std::move(file);
  }

  const Limits& limits() const { return limits_; }
  const Location& base() const { return base_; }
  const std::string& file() const { return base_.file; }
  std::size_t nesting() const { return nesting_; }

  // A context for a member of the current container: findings are located inside `member`.
  ScanContext for_member(const std::string& member) const {
    ScanContext child(*this);
    child.base_.member = base_.member.empty() ? member : base_.member + "!" + member;
    child.base_.object_path.clear();
    child.nesting_ = nesting_ + 1;
    return child;
  }

  // A context whose findings are located at an object inside the current member (HDF5 object path,
  // graph node), unless they name one themselves.
  ScanContext at_object(const std::string& object_path) const {
    ScanContext child(*this);
    child.base_.object_path = object_path;
    return child;
  }

  // Fills the file/member/object parts of the finding's location from the context and records it.
  void report(Finding finding) {
    if (finding.location.file.empty()) finding.location.file = base_.file;
    if (finding.location.member.empty()) finding.location.member = base_.member;
    if (finding.location.object_path.empty()) finding.location.object_path = base_.object_path;
    findings_.push_back(std::move(finding));
  }

  std::vector<Finding>& findings() { return findings_; }

 private:
  const Limits& limits_;
  std::vector<Finding>& findings_;
  Location base_;
  std::size_t nesting_ = 0;
};

}  // namespace ms
