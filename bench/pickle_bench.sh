#!/bin/sh
# Scan time of multi-GB pickle-based model files: a raw pickle with tensors inlined as BINBYTES, a
# torch.save zip archive, and a joblib dump with inline arrays (plain), plus 256 MiB of arrays in
# zlib- and lz4-compressed joblib dumps (which must be decompressed whole). Files are generated with Debian's
# python3-torch / python3-joblib into $WORK (default /tmp/ms-pickle-bench) and scanned with the release CLI.
#   cmake --preset release && cmake --build --preset release --target modelshield
#   bench/pickle_bench.sh [size_gb]
set -eu
SIZE_GB=${1:-2}
WORK=${WORK:-/tmp/ms-pickle-bench}
BIN=${BIN:-build/release/modelshield}
mkdir -p "$WORK"
/usr/bin/python3 - "$WORK" "$SIZE_GB" <<'PY'
import os, pickle, sys
import numpy as np
import torch
import joblib
work, size_gb = sys.argv[1], float(sys.argv[2])
chunk = 256 << 20
n = max(1, int(size_gb * (1 << 30)) // chunk)
arrays = {"layer%d" % i: np.full(chunk // 4, i, dtype=np.float32) for i in range(n)}
def once(name, write):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        write(path)
def inline(path):
    with open(path, "wb") as f:
        pickle.dump({k: v.tobytes() for k, v in arrays.items()}, f, protocol=4)
once("inline.pkl", inline)
once("checkpoint.pt", lambda p: torch.save({k: torch.from_numpy(v) for k, v in arrays.items()}, p))
once("model.joblib", lambda p: joblib.dump(arrays, p))
ramp = {"layer0": (np.arange(chunk // 4) % 65536).astype(np.float32)}
once("model_zlib.joblib", lambda p: joblib.dump(ramp, p, compress=("zlib", 3)))
once("model_lz4.joblib", lambda p: joblib.dump(ramp, p, compress=("lz4", 3)))
PY
for f in inline.pkl checkpoint.pt model.joblib model_zlib.joblib model_lz4.joblib; do
  path="$WORK/$f"
  bytes=$(stat -c %s "$path")
  cat "$path" > /dev/null  # warm the page cache: measure scanning, not the disk
  start=$(date +%s.%N)
  "$BIN" scan --format json "$path" > /dev/null || true
  end=$(date +%s.%N)
  echo "$f $bytes" | awk -v s="$start" -v e="$end" '{t = e - s; printf "%-14s %6.2f GB  %7.3f s  %6.2f GB/s\n", $1, $2 / 1e9, t, $2 / 1e9 / t}'
done
