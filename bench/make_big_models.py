#!/usr/bin/env python3
"""Writes Keras models whose weights are SIZE bytes (legacy .h5 and .keras), for the scan benchmark.

usage: make_big_models.py OUT_DIR SIZE_MIB [SIZE_MIB ...]
The architecture is the same at every size (one Dense layer with a large kernel); only the weight bytes grow.
"""
import json
import os
import sys
import zipfile

import h5py
import numpy as np

CHUNK_ROWS = 4096


def config(rows):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None, "config": {
        "name": "sequential", "layers": [{"module": "keras.layers", "class_name": "Dense",
                                           "registered_name": None,
                                           "config": {"name": "dense", "units": 1024, "activation": "relu"}}]},
            "build_config": {"input_shape": [None, rows]}}


def write_kernel(dataset, rows):
    block = np.full((CHUNK_ROWS, 1024), 0.5, dtype=np.float32)
    for start in range(0, rows, CHUNK_ROWS):
        n = min(CHUNK_ROWS, rows - start)
        dataset[start:start + n] = block[:n]


def legacy_h5(path, rows):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config(rows))
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        group = f.create_group("model_weights").create_group("dense").create_group("dense")
        write_kernel(group.create_dataset("kernel:0", shape=(rows, 1024), dtype=np.float32), rows)


def keras_zip(path, rows, scratch):
    with h5py.File(scratch, "w") as f:
        vars_group = f.create_group("layers").create_group("dense").create_group("vars")
        write_kernel(vars_group.create_dataset("0", shape=(rows, 1024), dtype=np.float32), rows)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
        z.writestr("config.json", json.dumps(config(rows)))
        z.write(scratch, "model.weights.h5")
    os.remove(scratch)


def main(out, sizes):
    os.makedirs(out, exist_ok=True)
    for mib in sizes:
        rows = max(1, mib * 1024 * 1024 // (1024 * 4))
        legacy_h5(os.path.join(out, f"dense_{mib}MiB.h5"), rows)
        keras_zip(os.path.join(out, f"dense_{mib}MiB.keras"), rows, os.path.join(out, "scratch.h5"))
        print(f"wrote {mib} MiB models", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], [int(s) for s in sys.argv[2:]])
