#!/usr/bin/env bash
# Installs dependencies, builds modelshield, generates a few sample model files with the real libraries
# (benign and malicious) and scans them, plus ../shared/corpus when present.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
samples=build/samples
/usr/bin/python3 scripts/make_samples.py "$samples"
targets=("$samples")
[ -d ../shared/corpus ] && targets+=(../shared/corpus)
set +e
./build/release/modelshield scan "${targets[@]}"
code=$?
set -e
echo "modelshield exited $code (0: nothing at or above high, 1: findings at or above high, 2: error)"
[ "$code" -le 1 ]
