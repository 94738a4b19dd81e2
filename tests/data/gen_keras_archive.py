#!/usr/bin/env python3
"""Keras v3 archives with zip-level tricks, written with Python's real zipfile and h5py.

Writes <out>/keras_archive/*.keras. Each archive follows Keras's on-disk layout (config.json,
metadata.json, model.weights.h5)."""
import io
import json
import os
import sys
import warnings
import zipfile

import h5py
import numpy as np

BENIGN = {
    "module": "keras", "class_name": "Sequential", "registered_name": None,
    "config": {"name": "sequential", "trainable": True, "dtype": "float32", "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
         "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "input_layer"}},
        {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
         "config": {"name": "dense", "units": 2, "activation": "relu", "use_bias": True,
                    "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                           "config": {"seed": None}, "registered_name": None}}}]},
    "build_config": {"input_shape": [None, 4]},
}

EVIL = json.loads(json.dumps(BENIGN))
EVIL["config"]["layers"][1]["config"]["activation"] = {
    "module": "subprocess", "class_name": "function", "config": "Popen", "registered_name": None}

METADATA = {"keras_version": "3.6.0", "date_saved": "2026-01-01@00:00:00"}


def weights_h5():
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        layers = f.create_group("layers")
        dense = layers.create_group("dense").create_group("vars")
        dense.create_dataset("0", data=np.zeros((4, 2), dtype=np.float32))
        dense.create_dataset("1", data=np.zeros((2,), dtype=np.float32))
        f.create_group("optimizer").create_group("vars")
    return buffer.getvalue()


def write(path, members):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names: that is the point
        with zipfile.ZipFile(path, "w") as z:
            for name, data in members:
                z.writestr(name, data)


def main(out):
    out = os.path.join(out, "keras_archive")
    os.makedirs(out, exist_ok=True)
    weights = weights_h5()
    base = [("metadata.json", json.dumps(METADATA)), ("config.json", json.dumps(BENIGN)),
            ("model.weights.h5", weights)]
    write(os.path.join(out, "benign.keras"), base)
    # 12end/evil_keras: a benign config.json first, the payload last (what Python's zipfile opens).
    write(os.path.join(out, "duplicate_config.keras"), base + [("config.json", json.dumps(EVIL))])
    write(os.path.join(out, "traversal.keras"), base + [("../../.bashrc", "echo pwned\n")])
    write(os.path.join(out, "unexpected_member.keras"), base + [("notes.txt", "hello")])
    inner = io.BytesIO()
    write(inner, [("config.json", json.dumps(EVIL))])
    write(os.path.join(out, "nested_archive.keras"), base + [("assets/inner.keras", inner.getvalue())])
    # torch and other readers ignore CRCs; Python's zipfile refuses the member. Flip one byte of config.json.
    crc_path = os.path.join(out, "crc_mismatch.keras")
    write(crc_path, [("metadata.json", json.dumps(METADATA)), ("config.json", json.dumps(EVIL)),
                     ("model.weights.h5", weights)])
    data = bytearray(open(crc_path, "rb").read())
    at = data.index(b'"sequential"')
    data[at + 1] = ord("S")
    open(crc_path, "wb").write(bytes(data))
    # Sharded weights manifests (Keras 3.10+ `*.weights.json`): shard names must stay beside the manifest.
    with open(os.path.join(out, "model.weights.json"), "w") as f:
        json.dump({"weight_map": {"layers/dense/vars/0": "model_00000.weights.h5"}}, f)
    with open(os.path.join(out, "escaping.weights.json"), "w") as f:
        json.dump({"weight_map": {"layers/dense/vars/0": "../../etc/shadow"}}, f)
    # A symlink member and a deflate bomb inside a .keras archive.
    with zipfile.ZipFile(os.path.join(out, "symlink.keras"), "w") as z:
        for name, data in base:
            z.writestr(name, data)
        link = zipfile.ZipInfo("assets/vocab.txt")
        link.create_system = 3
        link.external_attr = (0o120777 << 16)
        z.writestr(link, "/etc/passwd")
    with zipfile.ZipFile(os.path.join(out, "bomb.keras"), "w") as z:
        for name, data in base:
            z.writestr(name, data)
        z.writestr("assets/zeros.bin", b"\0" * (64 << 20), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    # An HDF5 file that is also a zip archive (a polyglot: h5py and zipfile see two different models).
    with open(os.path.join(out, "polyglot.h5"), "wb") as f:
        f.write(weights)
        archive = io.BytesIO()
        write(archive, [("config.json", json.dumps(EVIL))])
        f.write(archive.getvalue())
    with zipfile.ZipFile(os.path.join(out, "deflated.keras"), "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in base:
            z.writestr(name, data)


if __name__ == "__main__":
    main(sys.argv[1])
