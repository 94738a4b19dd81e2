#include <iostream>

#include "commands.hpp"
#include "modelshield/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"modelshield: security toolkit for machine-learning model files"};
  app.set_version_flag("--version", MS_VERSION);
  app.require_subcommand(1);
  auto run_scan = ms::cli::add_scan_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? ms::cli::kExitClean : ms::cli::kExitError;
  }
  try {
    if (app.got_subcommand("scan")) return run_scan();
  } catch (const ms::UsageError& error) {
    std::cerr << "modelshield: " << error.what() << '\n';
    return ms::cli::kExitError;
  } catch (const std::exception& error) {
    std::cerr << "modelshield: internal error: " << error.what() << '\n';
    return ms::cli::kExitError;
  }
  return ms::cli::kExitError;
}
