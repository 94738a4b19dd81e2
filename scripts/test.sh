#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite: release build, the ASan+UBSan build,
# and a short run of every fuzz target. This is the command CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

jobs=$(nproc)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -j "$jobs"

cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --preset asan -j "$jobs"

FUZZ_SECONDS=${FUZZ_SECONDS:-20} bash scripts/fuzz.sh
