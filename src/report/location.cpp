#include <fmt/format.h>

#include "modelshield/report.hpp"

namespace ms {

std::string describe_location(const Location& location) {
  std::string out = location.file;
  if (!location.member.empty()) out += "!" + location.member;
  if (!location.object_path.empty()) out += " " + location.object_path;
  if (!location.json_pointer.empty()) out += " #" + location.json_pointer;
  if (location.byte_offset) out += fmt::format(" @{}", *location.byte_offset);
  return out;
}

}  // namespace ms
