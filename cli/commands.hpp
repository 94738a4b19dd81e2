#pragma once
#include <CLI/CLI.hpp>

namespace ms::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitClean = 0;     // nothing at or above --fail-on
inline constexpr int kExitFindings = 1;  // findings at or above --fail-on
inline constexpr int kExitError = 2;     // usage or I/O error

// Registers `scan` on the app; the returned callable runs it after parsing.
std::function<int()> add_scan_command(CLI::App& app);

}  // namespace ms::cli
