#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"modelshield: security scanner for machine-learning model files"};
  app.set_version_flag("--version", MS_VERSION);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
