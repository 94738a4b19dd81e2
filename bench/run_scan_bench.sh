#!/usr/bin/env bash
# Builds Keras models with 16 MiB, 1 GiB and 4 GiB of weights (legacy .h5 and .keras) and times
# `scan` on each with Google Benchmark. Needs about 10 GiB of free disk.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${MS_BENCH_MODELS:-build/bench-models}
sizes=${BENCH_SIZES_MIB:-"16 1024 4096"}
cmake --preset release >/dev/null
cmake --build --preset release --target scan_bench -j "$(nproc)"
if [ ! -f "$dir/.done-${sizes// /-}" ]; then
  rm -rf "$dir"; mkdir -p "$dir"
  /usr/bin/python3 bench/make_big_models.py "$dir" $sizes
  touch "$dir/.done-${sizes// /-}"
fi
MS_BENCH_MODELS=$dir ./build/release/bench/scan_bench --benchmark_min_time=0.2 "$@"
