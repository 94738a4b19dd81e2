#!/usr/bin/env python3
"""numpy arrays and .npz archives (plain, object arrays carrying a pickle payload, hostile headers), and
a Keras v3 archive whose model.weights.npz holds an object array. Written with Debian's numpy."""
import io
import json
import os
import struct
import sys
import zipfile

import numpy as np


class MarkerPayload:
    """Pickles to os.system(<command>): the classic weights-store attack."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


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
    evil[0] = MarkerPayload("touch /tmp/modelshield-npy-marker")
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


if __name__ == "__main__":
    main(sys.argv[1])
