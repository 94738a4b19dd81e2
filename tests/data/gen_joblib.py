#!/usr/bin/python3
"""Compressed joblib streams for tests/formats/joblib_test.cpp, written to <testdata>/joblib/.

- <codec>.joblib: joblib.dump of a small dict with every compressor joblib offers (lz4 through Debian's
  python3-lz4), each checked by loading it back with joblib.load.
- <codec>_bomb.joblib: a pickle of 64 MiB of zero bytes, compressed with the codec's own Python module as
  joblib would write it: far past the compression-ratio limit.
- <codec>_two_streams.joblib (bz2, xz, lzma, lz4): one pickle compressed as two concatenated streams, which
  Python's readers (and so joblib.load) read as one; checked by loading it back. (joblib's own zlib/gzip
  reader runs out of memory on concatenated streams, so those cannot carry a payload.)
- zfile.joblib, zfile_space.joblib: joblib < 0.9.3's format ("ZF", the length in hex, one zlib stream; the
  second with the extra space joblib <= 0.8.4 wrote), which joblib.load still reads; checked by loading.
- zlib_two_streams.joblib: two zlib streams, of which joblib reads the first only.
"""
import bz2
import gzip
import lzma
import os
import pickle
import sys
import zlib

import joblib
import lz4.frame
import numpy as np

OUT = os.path.join(sys.argv[1], "joblib")
CODECS = {
    "zlib": lambda data: zlib.compress(data, 3),
    "gzip": lambda data: gzip.compress(data, 3, mtime=0),
    "bz2": lambda data: bz2.compress(data, 3),
    "xz": lambda data: lzma.compress(data, format=lzma.FORMAT_XZ),
    "lzma": lambda data: lzma.compress(data, format=lzma.FORMAT_ALONE),
    "lz4": lambda data: lz4.frame.compress(data),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    value = {"weights": np.arange(256, dtype=np.float32), "name": "model", "epochs": 3}
    plain = pickle.dumps({"a": list(range(1000)), "b": "x" * 5000}, protocol=4)
    bomb = pickle.dumps(bytes(64 << 20), protocol=4)
    for name, compress in CODECS.items():
        path = os.path.join(OUT, name + ".joblib")
        joblib.dump(value, path, compress=(name, 3))
        loaded = joblib.load(path)
        assert loaded["name"] == "model" and (loaded["weights"] == value["weights"]).all()
        with open(os.path.join(OUT, name + "_bomb.joblib"), "wb") as f:
            f.write(compress(bomb))
        if name in ("zlib", "gzip"):
            continue
        half = len(plain) // 2
        path = os.path.join(OUT, name + "_two_streams.joblib")
        with open(path, "wb") as f:
            f.write(compress(plain[:half]) + compress(plain[half:]))
        assert joblib.load(path) == pickle.loads(plain), name
    for name, width in (("zfile", 19), ("zfile_space", 20)):
        path = os.path.join(OUT, name + ".joblib")
        with open(path, "wb") as f:
            f.write(b"ZF" + ("%#x" % len(plain)).ljust(width).encode() + zlib.compress(plain))
        assert joblib.load(path) == pickle.loads(plain), name
    with open(os.path.join(OUT, "zlib_two_streams.joblib"), "wb") as f:
        f.write(zlib.compress(plain) + zlib.compress(pickle.dumps("second", protocol=4)))


if __name__ == "__main__":
    main()
