#!/usr/bin/env python3
"""Writes small sample model files for the demo with Debian's h5py/numpy: benign ones and ones carrying
a harmless marker payload. Nothing here is ever loaded by modelshield; it only reads bytes."""
import base64
import json
import marshal
import os
import sys
import zipfile

import h5py
import numpy as np


def dense_config(name="dense", units=4):
    return {"class_name": "Dense", "config": {"name": name, "units": units, "activation": "relu"}}


def sequential(layers):
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}


def write_h5(path, config):
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.12.0"
        f.attrs["backend"] = "tensorflow"
        weights = f.create_group("model_weights")
        weights.create_dataset("dense/kernel:0", data=np.zeros((4, 4), dtype=np.float32))


def write_keras(path, config):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0", "date_saved": "2026-01-01"}))
        z.writestr("config.json", json.dumps(config))


def lambda_layer(function):
    code = base64.b64encode(marshal.dumps(function.__code__)).decode("ascii")
    return {"class_name": "Lambda",
            "config": {"name": "lambda", "function": [code, None, None], "function_type": "lambda",
                       "module": "__main__", "output_shape": None, "arguments": {}}}


def main(out):
    os.makedirs(out, exist_ok=True)
    write_h5(os.path.join(out, "benign_dense.h5"), sequential([dense_config()]))
    write_keras(os.path.join(out, "benign_dense.keras"), sequential([dense_config()]))
    write_h5(os.path.join(out, "lambda_arithmetic.h5"), sequential([lambda_layer(lambda x: x / 127.5 - 1.0)]))
    marker = lambda x: __import__("os").system("touch /tmp/modelshield-demo-marker") or x  # noqa: E731
    write_h5(os.path.join(out, "lambda_payload.h5"), sequential([lambda_layer(marker)]))
    reference = sequential([{"class_name": "Dense", "config": {
        "name": "d", "units": 1,
        "activation": {"module": "os", "class_name": "function", "config": "system", "registered_name": None}}}])
    write_keras(os.path.join(out, "function_reference.keras"), reference)
    write_pickles(out)


class ShellCall:
    """Pickles as os.system(<command>): what a poisoned checkpoint runs when it is loaded."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def write_pickles(out):
    import joblib
    import torch
    from sklearn.linear_model import LogisticRegression
    model = torch.nn.Sequential(torch.nn.Linear(4, 2))
    torch.save(model.state_dict(), os.path.join(out, "benign_state_dict.pt"))
    classifier = LogisticRegression().fit(np.arange(8.0).reshape(4, 2), [0, 1, 0, 1])
    joblib.dump(classifier, os.path.join(out, "benign_classifier.joblib"), compress=("xz", 3))
    payload = ShellCall("touch /tmp/modelshield-demo-marker")
    torch.save({"state_dict": model.state_dict(), "hook": payload}, os.path.join(out, "poisoned_checkpoint.pt"))
    joblib.dump({"model": classifier, "hook": payload}, os.path.join(out, "poisoned_model.joblib"),
                compress=("lz4", 3))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "samples")
