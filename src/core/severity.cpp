#include "modelshield/severity.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace ms {

namespace {
constexpr std::array<std::string_view, 5> kNames = {"info", "low", "medium", "high", "critical"};
}

std::string_view to_string(Severity severity) { return kNames.at(static_cast<std::size_t>(severity)); }

std::optional<Severity> parse_severity(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (lower == kNames[i]) return static_cast<Severity>(i);
  return std::nullopt;
}

}  // namespace ms
