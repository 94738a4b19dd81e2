#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for FUZZ_SECONDS (default 60), seeded from the test data the
# test suite generated (build/release/tests/testdata/<target>) when present. Any crash fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
shopt -s nullglob
targets=(build/fuzz/fuzz/fuzz_*)
if [ ${#targets[@]} -eq 0 ]; then echo "fuzz: no targets built" >&2; exit 1; fi
for target in "${targets[@]}"; do
  name=$(basename "$target"); name=${name#fuzz_}
  work=build/fuzz/corpus/$name
  mkdir -p "$work"
  seeds=()
  for dir in build/release/tests/testdata/$name build/release/tests/testdata/${name}_*; do
    [ -d "$dir" ] && seeds+=("$dir")
  done
  echo "fuzz: $name for ${seconds}s (seeds: ${seeds[*]:-none})"
  "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build/fuzz/crash-$name-" "$work" "${seeds[@]}" 2>&1 | tail -n 3
done
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a crash"
