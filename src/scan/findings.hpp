#pragma once
#include <fmt/format.h>

#include <string>

#include "modelshield/error.hpp"
#include "scan/context.hpp"

namespace ms {

template <typename... Args>
std::string fmt_reason(fmt::format_string<Args...> format, Args&&... args) {
  return fmt::format(format, std::forward<Args>(args)...);
}

// A reader gave up: the file is malformed in a way a loader may mis-handle (medium).
void report_malformed(ScanContext& context, const FormatError& error);
// A resource limit stopped the analysis: what was not read cannot be vouched for (high).
void report_incomplete(ScanContext& context, const LimitError& error);

// The file is larger than limits().max_file_bytes and was not opened (high).
void report_incomplete_size(ScanContext& context, std::uint64_t size);

}  // namespace ms
