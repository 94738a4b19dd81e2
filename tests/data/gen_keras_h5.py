#!/usr/bin/env python3
"""Legacy Keras HDF5 models and Keras 3 weights files with dangerous storage, written with real h5py.

Writes <out>/keras_h5/*.h5 following Keras's on-disk layout (root attributes model_config,
training_config, keras_version, backend; weights under /model_weights or /layers)."""
import json
import os
import sys

import h5py
import numpy as np

DENSE = {"class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "relu",
                                           "kernel_initializer": {"class_name": "GlorotUniform",
                                                                  "config": {"seed": None}}}}
MODEL = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [DENSE]}}
TRAINING = {"loss": "mse", "metrics": ["mae"], "optimizer_config": {
    "class_name": "Adam", "config": {"name": "Adam", "learning_rate": 0.001}}}


def legacy_model(path, config=MODEL, training=TRAINING, as_bytes=False, chunked_names=False):
    with h5py.File(path, "w") as f:
        text = json.dumps(config)
        f.attrs["model_config"] = text.encode("utf-8") if as_bytes else text
        f.attrs["training_config"] = json.dumps(training)
        f.attrs["keras_version"] = "2.4.0"
        f.attrs["backend"] = "tensorflow"
        weights = f.create_group("model_weights")
        names = [b"dense"]
        if chunked_names:  # Keras splits attributes above 64 KiB into name0, name1, ...
            weights.attrs["layer_names0"] = names
            weights.attrs["layer_names1"] = []
        else:
            weights.attrs["layer_names"] = names
        dense = weights.create_group("dense")
        dense.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
        dense.create_dataset("dense/kernel:0", data=np.ones((4, 2), dtype=np.float32))
        dense.create_dataset("dense/bias:0", data=np.zeros((2,), dtype=np.float32))
        return f


def keras3_weights(path):
    f = h5py.File(path, "w")
    vars_group = f.create_group("layers").create_group("dense").create_group("vars")
    vars_group.create_dataset("0", data=np.ones((4, 2), dtype=np.float32))
    return f, vars_group


def main(out):
    out = os.path.join(out, "keras_h5")
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)  # noqa: E731
    legacy_model(p("benign_legacy.h5"))
    legacy_model(p("benign_legacy_bytes_attr.h5"), as_bytes=True, chunked_names=True)
    # Keras <= 2.2 wrote Sequential configs as a bare list of layers.
    legacy_model(p("benign_keras22_list.h5"), config=[DENSE])
    evil_loss = dict(TRAINING, loss={"class_name": "function", "module": "os", "config": "system"})
    legacy_model(p("training_config_reference.h5"), training=evil_loss)
    evil_list = [DENSE, {"class_name": "Lambda", "config": {"name": "l", "function": {
        "class_name": "function", "module": "builtins", "config": "exec"}}}]
    legacy_model(p("keras22_list_reference.h5"), config=evil_list)

    f, vars_group = keras3_weights(p("benign_weights.h5"))
    f.close()

    f, vars_group = keras3_weights(p("external_link.h5"))
    vars_group["1"] = h5py.ExternalLink("/etc/passwd", "/data")
    f.close()

    f, vars_group = keras3_weights(p("soft_link.h5"))
    vars_group["1"] = h5py.SoftLink("/layers/dense/vars/0")
    f.close()

    raw = p("external_raw.bin")
    np.zeros(16, dtype=np.float32).tofile(raw)
    f, vars_group = keras3_weights(p("external_storage.h5"))
    vars_group.create_dataset("1", shape=(16,), dtype=np.float32, external=[("/etc/hostname", 0, 64)])
    f.close()

    source = p("vds_source.h5")
    with h5py.File(source, "w") as s:
        s.create_dataset("data", data=np.arange(8, dtype=np.float32))
    f, vars_group = keras3_weights(p("virtual_dataset.h5"))
    layout = h5py.VirtualLayout(shape=(8,), dtype=np.float32)
    layout[:] = h5py.VirtualSource("/etc/machine-id", "data", shape=(8,))
    vars_group.create_virtual_dataset("1", layout)
    f.close()

    # A chunked dataset declaring 4 TiB of float32 with no chunk written: a shape bomb.
    f, vars_group = keras3_weights(p("shape_bomb.h5"))
    vars_group.create_dataset("1", shape=(1 << 20, 1 << 20), dtype=np.float32, chunks=(1024, 1024))
    f.close()
    # The benign counterpart: a small dataset that was never written is not a bomb.
    f, vars_group = keras3_weights(p("unwritten_small.h5"))
    vars_group.create_dataset("1", shape=(64, 64), dtype=np.float32, chunks=(16, 16))
    f.close()


if __name__ == "__main__":
    main(sys.argv[1])
