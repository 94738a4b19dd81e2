#!/usr/bin/python3
"""Writes a TensorFlow SavedModel `saved_model.pb` and a Keras `keras_metadata.pb` into <testdata>/savedmodel/.

TensorFlow is not packaged by Debian, so the protobuf wire format is encoded here by hand from the field
numbers of TensorFlow's saved_model.proto, meta_graph.proto, graph.proto, node_def.proto, function.proto,
op_def.proto, attr_value.proto, tensor.proto, tensor_shape.proto, saver.proto, saved_object_graph.proto and
Keras's saved_metadata.proto / versions.proto. Like protoc-generated serializers, fields are written in
field-number order, proto3 defaults are omitted and map entries are sorted by key.

When Debian's python3-protobuf is importable, every file is cross-checked: the real library parses it
against descriptors built from the same field numbers and must re-serialize it byte for byte
(deterministic mode), which proves the hand encoding is faithful wire format.
"""
import base64
import marshal
import os
import struct
import sys

from protobuf_wire import (DT_FLOAT, DT_STRING, FIXED32, attr, f_bytes, f_map, f_message, f_packed,
                           f_repeated_bytes, f_varint, message_classes, node, reparse, string_map, tag, tensor,
                           tensor_shape)


def arg_def(name, dtype):
    # OpDef.ArgDef { name = 1; type = 3; }
    return f_bytes(1, name) + f_varint(3, dtype)


def function_def(name, inputs, outputs, nodes, ret, stateful=False):
    signature = (f_bytes(1, name) + b"".join(f_message(2, arg_def(*a)) for a in inputs) +
                 b"".join(f_message(3, arg_def(*a)) for a in outputs) + (f_varint(17, 1) if stateful else b""))
    return (f_message(1, signature) + b"".join(f_message(3, n) for n in nodes) + string_map(4, ret) +
            f_map(5, {"_construction_context": ("s", b"kEagerRuntime")}, lambda a: attr(*a)))


READ_FN = "__inference_read_secret_105"
SERVE_FN = "__inference_serving_default_230"

LAMBDA_CODE = compile("lambda x: x * 2.0", "<keras-lambda>", "eval").co_consts[0]
LAMBDA_BASE64 = base64.encodebytes(marshal.dumps(LAMBDA_CODE)).decode("ascii")


def serve_graph():
    cpu = "/job:localhost/replica:0/task:0/device:CPU:0"
    nodes = [
        node("serving_default_input", "Placeholder",
             attrs={"dtype": ("type", DT_FLOAT), "shape": ("shape", [-1, 28])}),
        node("secret_path", "Const", device=cpu,
             attrs={"dtype": ("type", DT_STRING), "value": ("tensor", tensor(DT_STRING, [], strings=[b"/etc/passwd"]))}),
        node("ReadFile", "ReadFile", ["secret_path"], device=cpu),
        node("out_path", "Const",
             attrs={"dtype": ("type", DT_STRING), "value": ("tensor", tensor(DT_STRING, [], strings=[b"/tmp/exfil.txt"]))}),
        node("WriteFile", "WriteFile", ["out_path", "ReadFile"]),
        node("PrintV2", "PrintV2", ["ReadFile"], attrs={"output_stream": ("s", "file:///tmp/log.txt"),
                                                        "end": ("s", "\n")}),
        node("pattern", "Const",
             attrs={"dtype": ("type", DT_STRING), "value": ("tensor", tensor(DT_STRING, [], strings=[b"/home/*/.ssh/*"]))}),
        node("MatchingFiles", "MatchingFiles", ["pattern"]),
        node("Squeeze", "Squeeze", ["serving_default_input"], attrs={"squeeze_dims": ("list_i", [-1]),
                                                                      "T": ("type", DT_FLOAT)}),
        node("StatefulPartitionedCall", "StatefulPartitionedCall", ["serving_default_input"],
             attrs={"f": ("func", (READ_FN, {})), "Tin": ("list_type", [DT_FLOAT]), "Tout": ("list_type", [DT_STRING]),
                    "config": ("s", ""), "executor_type": ("s", "")}),
        node("saver_filename", "Placeholder", attrs={"dtype": ("type", DT_STRING), "shape": ("shape", [])}),
        node("save/SaveV2/tensor_names", "Const",
             attrs={"dtype": ("type", DT_STRING),
                    "value": ("tensor", tensor(DT_STRING, [2], strings=[b"dense/kernel", b"dense/bias"])),
                    "_class": ("list_s", [b"loc:@dense/kernel"])}),
        node("save/SaveV2", "SaveV2", ["saver_filename", "save/SaveV2/tensor_names", "save/SaveV2/shape_and_slices"],
             attrs={"dtypes": ("list_type", [DT_FLOAT, DT_FLOAT])}),
        node("save/RestoreV2", "RestoreV2", ["saver_filename", "save/SaveV2/tensor_names"],
             attrs={"dtypes": ("list_type", [DT_FLOAT, DT_FLOAT]),
                    "_raw": ("s", b"\xff\xfe not UTF-8: AttrValue.s is bytes")}),
    ]
    read_fn = function_def(READ_FN, [("input", DT_FLOAT)], [("identity", DT_STRING)], [
        node("filename", "Const",
             attrs={"dtype": ("type", DT_STRING), "value": ("tensor", tensor(DT_STRING, [], strings=[b"/root/.aws/credentials"]))}),
        node("ReadFile", "ReadFile", ["filename:output:0"]),
        node("Identity", "Identity", ["ReadFile:contents:0"], attrs={"T": ("type", DT_STRING)}),
    ], {"identity": "Identity:output:0"}, stateful=True)
    serve_fn = function_def(SERVE_FN, [("x", DT_FLOAT)], [("y", DT_FLOAT)], [
        node("call", "PartitionedCall", ["x"], attrs={"f": ("func", (READ_FN, {"_noinline": ("s", "true")})),
                                                     "Tin": ("list_type", [DT_FLOAT]),
                                                     "Tout": ("list_type", [DT_STRING])}),
        node("mul", "Mul", ["x", "x"], attrs={"T": ("type", DT_FLOAT)}),
    ], {"y": "mul:z:0"})
    # FunctionDefLibrary { repeated FunctionDef function = 1; }
    library = f_message(1, read_fn) + f_message(1, serve_fn)
    # VersionDef { producer = 1; min_consumer = 2; }
    versions = f_varint(1, 1645) + f_varint(2, 12)
    # GraphDef { node = 1; library = 2; versions = 4; }
    return b"".join(f_message(1, n) for n in nodes) + f_message(2, library) + f_message(4, versions)


def meta_info(tags, stripped_ops):
    # MetaInfoDef { meta_graph_version = 1; stripped_op_list = 2 (OpList { op = 1 }); tags = 4;
    #               tensorflow_version = 5; tensorflow_git_version = 6; stripped_default_attrs = 7; }
    op_list = b"".join(f_message(1, f_bytes(1, op)) for op in stripped_ops)
    return (f_message(2, op_list) + f_repeated_bytes(4, tags) + f_bytes(5, "2.15.0") +
            f_bytes(6, "v2.15.0-rc1-8-g6887368d6d4") + f_varint(7, 1))


def saver_def():
    # SaverDef { filename_tensor_name = 1; save_tensor_name = 2; restore_op_name = 3; max_to_keep = 4;
    #            sharded = 5; keep_checkpoint_every_n_hours = 6 (float); version = 7; }
    return (f_bytes(1, "saver_filename:0") + f_bytes(2, "StatefulPartitionedCall_1:0") +
            f_bytes(3, "StatefulPartitionedCall_2") + f_varint(4, 5) + f_varint(5, 1) +
            tag(6, FIXED32) + struct.pack("<f", 10000.0) + f_varint(7, 2))


def signature_defs():
    # SignatureDef { map<string, TensorInfo> inputs = 1; outputs = 2; method_name = 3; }
    # TensorInfo { name = 1; dtype = 2; tensor_shape = 3; }
    def tensor_info(info):
        name, dtype, dims = info
        return f_bytes(1, name) + f_varint(2, dtype) + f_message(3, tensor_shape(dims))

    sig = (f_map(1, {"input": ("serving_default_input:0", DT_FLOAT, [-1, 28])}, tensor_info) +
           f_map(2, {"output_0": ("StatefulPartitionedCall:0", DT_STRING, [])}, tensor_info) +
           f_bytes(3, "tensorflow/serving/predict"))
    return f_map(5, {"serving_default": sig}, lambda s: s)


def asset_file_defs(names):
    # AssetFileDef { TensorInfo tensor_info = 1; string filename = 2; }
    return b"".join(f_message(6, f_message(1, f_bytes(1, f"asset_path_initializer_{i}:0")) + f_bytes(2, n))
                    for i, n in enumerate(names))


def keras_layer_metadata(class_name, name, config):
    import json
    return json.dumps({"name": name, "trainable": True, "expects_training_arg": False, "dtype": "float32",
                       "batch_input_shape": None, "stateful": False, "must_restore_from_config": False,
                       "class_name": class_name, "config": config}, sort_keys=False)


LAMBDA_CONFIG = {"name": "lambda", "trainable": True, "dtype": "float32",
                 "function": [LAMBDA_BASE64, None, None], "function_type": "lambda", "module": "__main__",
                 "output_shape": None, "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}
DENSE_CONFIG = {"name": "dense", "trainable": True, "dtype": "float32", "units": 10, "activation": "softmax",
                "use_bias": True}
SEQUENTIAL_CONFIG = {"name": "sequential", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 28], "dtype": "float32", "name": "input_1"}},
    {"class_name": "Dense", "config": DENSE_CONFIG},
    {"class_name": "Lambda", "config": LAMBDA_CONFIG}]}

KERAS_NODES = [  # node_id, node_path, identifier, metadata
    (0, "root", "_tf_keras_sequential", keras_layer_metadata("Sequential", "sequential", SEQUENTIAL_CONFIG)),
    (1, "root.layer_with_weights-0", "_tf_keras_layer", keras_layer_metadata("Dense", "dense", DENSE_CONFIG)),
    (2, "root.layer-1", "_tf_keras_layer", keras_layer_metadata("Lambda", "lambda", LAMBDA_CONFIG)),
    (5, "root.keras_api.metrics.0", "_tf_keras_metric",
     '{"class_name": "Mean", "name": "loss", "dtype": "float32", "config": {"name": "loss", "dtype": "float32"}}'),
]


def object_graph():
    # SavedObjectGraph { repeated SavedObject nodes = 1; map<string, SavedConcreteFunction> concrete_functions = 2; }
    # SavedObject { children = 1 (ObjectReference { node_id = 1; local_name = 2; }); user_object = 4;
    #               asset = 5; function = 6; }
    # SavedUserObject { identifier = 1; version = 2 (VersionDef); metadata = 3; }
    version = f_varint(1, 1) + f_varint(2, 1)
    root = (f_message(1, f_varint(1, 1) + f_bytes(2, "layer_with_weights-0")) +
            f_message(1, f_varint(1, 2) + f_bytes(2, "layer-1")) +
            f_message(1, f_varint(1, 3) + f_bytes(2, "vocabulary")) +
            f_message(4, f_bytes(1, "_tf_keras_sequential") + f_message(2, version) +
                      f_bytes(3, KERAS_NODES[0][3])))
    dense = f_message(4, f_bytes(1, "_tf_keras_layer") + f_message(2, version))
    lam = f_message(4, f_bytes(1, "_tf_keras_layer") + f_message(2, version) + f_bytes(3, KERAS_NODES[2][3]))
    asset = f_message(5, b"")  # SavedAsset { asset_file_def_index = 1; } = 0, omitted
    fn = f_message(6, f_repeated_bytes(1, [SERVE_FN]))  # SavedFunction { concrete_functions = 1; }
    nodes = b"".join(f_message(1, n) for n in [root, dense, lam, asset, fn])
    # SavedConcreteFunction { repeated int32 bound_inputs = 2 [packed]; }
    return nodes + f_map(2, {SERVE_FN: [3]}, lambda bound: f_packed(2, bound))


def saved_model():
    serve = (f_message(1, meta_info(["serve"], ["Const", "MatchingFiles", "PrintV2", "ReadFile", "WriteFile"])) +
             f_message(2, serve_graph()) + f_message(3, saver_def()) + signature_defs() +
             asset_file_defs(["vocab.txt", "../../etc/hosts"]) + f_message(7, object_graph()))
    train_graph = f_message(1, node("global_step", "VarHandleOp", attrs={"dtype": ("type", 9),
                                                                          "shape": ("shape", []),
                                                                          "shared_name": ("s", "global_step")}))
    train = f_message(1, meta_info(["train", "gpu"], ["VarHandleOp"])) + f_message(2, train_graph)
    # SavedModel { int64 saved_model_schema_version = 1; repeated MetaGraphDef meta_graphs = 2; }
    return f_varint(1, 1) + f_message(2, serve) + f_message(2, train)


def keras_metadata():
    # SavedMetadata { repeated SavedObject nodes = 1; }
    # SavedObject { int32 node_id = 2; string node_path = 3; string identifier = 4; string metadata = 5;
    #               VersionDef version = 6 (producer = 1; min_consumer = 2); }
    version = f_varint(1, 2) + f_varint(2, 1)
    return b"".join(f_message(1, f_varint(2, i) + f_bytes(3, p) + f_bytes(4, ident) + f_bytes(5, meta) +
                              f_message(6, version)) for i, p, ident, meta in KERAS_NODES)


# --------------------------------------------------------------------------------------------------
# Cross-check with the real protobuf library (python3-protobuf), when installed.

SCHEMA = {  # message: [(field, number, type, repeated, message type)]
    "SavedModel": [("saved_model_schema_version", 1, "int64", False, None), ("meta_graphs", 2, "msg", True, "MetaGraphDef")],
    "MetaGraphDef": [("meta_info_def", 1, "msg", False, "MetaInfoDef"), ("graph_def", 2, "msg", False, "GraphDef"),
                     ("saver_def", 3, "msg", False, "SaverDef"),
                     ("signature_def", 5, "map", True, "SignatureDef"),
                     ("asset_file_def", 6, "msg", True, "AssetFileDef"),
                     ("object_graph_def", 7, "msg", False, "SavedObjectGraph")],
    "MetaInfoDef": [("meta_graph_version", 1, "string", False, None), ("stripped_op_list", 2, "msg", False, "OpList"),
                    ("tags", 4, "string", True, None), ("tensorflow_version", 5, "string", False, None),
                    ("tensorflow_git_version", 6, "string", False, None),
                    ("stripped_default_attrs", 7, "bool", False, None)],
    "OpList": [("op", 1, "msg", True, "OpDef")],
    "OpDef": [("name", 1, "string", False, None), ("input_arg", 2, "msg", True, "ArgDef"),
              ("output_arg", 3, "msg", True, "ArgDef"), ("is_stateful", 17, "bool", False, None)],
    "ArgDef": [("name", 1, "string", False, None), ("type", 3, "enum_int", False, None)],
    "GraphDef": [("node", 1, "msg", True, "NodeDef"), ("library", 2, "msg", False, "FunctionDefLibrary"),
                 ("versions", 4, "msg", False, "VersionDef")],
    "VersionDef": [("producer", 1, "int32", False, None), ("min_consumer", 2, "int32", False, None)],
    "NodeDef": [("name", 1, "string", False, None), ("op", 2, "string", False, None),
                ("input", 3, "string", True, None), ("device", 4, "string", False, None),
                ("attr", 5, "map", True, "AttrValue")],
    "AttrValue": [("list", 1, "msg", False, "ListValue"), ("s", 2, "bytes", False, None),
                  ("i", 3, "int64", False, None), ("type", 6, "enum_int", False, None),
                  ("shape", 7, "msg", False, "TensorShapeProto"), ("tensor", 8, "msg", False, "TensorProto"),
                  ("func", 10, "msg", False, "NameAttrList")],
    "ListValue": [("s", 2, "bytes", True, None), ("i", 3, "int64", True, None), ("type", 6, "enum_int", True, None),
                  ("func", 9, "msg", True, "NameAttrList")],
    "NameAttrList": [("name", 1, "string", False, None), ("attr", 2, "map", True, "AttrValue")],
    "TensorShapeProto": [("dim", 2, "msg", True, "Dim")],
    "Dim": [("size", 1, "int64", False, None)],
    "TensorProto": [("dtype", 1, "enum_int", False, None), ("tensor_shape", 2, "msg", False, "TensorShapeProto"),
                    ("float_val", 5, "float", True, None), ("string_val", 8, "bytes", True, None)],
    "FunctionDefLibrary": [("function", 1, "msg", True, "FunctionDef")],
    "FunctionDef": [("signature", 1, "msg", False, "OpDef"), ("node_def", 3, "msg", True, "NodeDef"),
                    ("ret", 4, "map", True, "string"), ("attr", 5, "map", True, "AttrValue")],
    "SaverDef": [("filename_tensor_name", 1, "string", False, None), ("save_tensor_name", 2, "string", False, None),
                 ("restore_op_name", 3, "string", False, None), ("max_to_keep", 4, "int32", False, None),
                 ("sharded", 5, "bool", False, None), ("keep_checkpoint_every_n_hours", 6, "float", False, None),
                 ("version", 7, "enum_int", False, None)],
    "SignatureDef": [("inputs", 1, "map", True, "TensorInfo"), ("outputs", 2, "map", True, "TensorInfo"),
                     ("method_name", 3, "string", False, None)],
    "TensorInfo": [("name", 1, "string", False, None), ("dtype", 2, "enum_int", False, None),
                   ("tensor_shape", 3, "msg", False, "TensorShapeProto")],
    "AssetFileDef": [("tensor_info", 1, "msg", False, "TensorInfo"), ("filename", 2, "string", False, None)],
    "SavedObjectGraph": [("nodes", 1, "msg", True, "SavedObject"),
                         ("concrete_functions", 2, "map", True, "SavedConcreteFunction")],
    "SavedObject": [("children", 1, "msg", True, "ObjectReference"), ("user_object", 4, "msg", False, "SavedUserObject"),
                    ("asset", 5, "msg", False, "SavedAsset"), ("function", 6, "msg", False, "SavedFunction")],
    "ObjectReference": [("node_id", 1, "int32", False, None), ("local_name", 2, "string", False, None)],
    "SavedUserObject": [("identifier", 1, "string", False, None), ("version", 2, "msg", False, "VersionDef"),
                        ("metadata", 3, "string", False, None)],
    "SavedAsset": [("asset_file_def_index", 1, "int32", False, None)],
    "SavedFunction": [("concrete_functions", 1, "string", True, None)],
    "SavedConcreteFunction": [("bound_inputs", 2, "int32", True, None)],
    "SavedMetadata": [("nodes", 1, "msg", True, "KerasSavedObject")],
    "KerasSavedObject": [("node_id", 2, "int32", False, None), ("node_path", 3, "string", False, None),
                         ("identifier", 4, "string", False, None), ("metadata", 5, "string", False, None),
                         ("version", 6, "msg", False, "VersionDef")],
}

# Oneof members are serialized even when they hold the default value, so the check must know them.
ONEOFS = {"AttrValue": ("value", {"list", "s", "i", "type", "shape", "tensor", "func"}),
          "SavedObject": ("kind", {"user_object", "asset", "function"})}


def cross_check(files):
    classes = message_classes(SCHEMA, ONEOFS, "modelshield_check.proto")
    if classes is None:
        print("gen_savedmodel: python3-protobuf not installed, skipping the cross-check")
        return
    for message_name, data in files:
        parsed = reparse(classes, message_name, data, message_name)
        assert not parsed.UnknownFields(), f"{message_name}: unknown fields at top level"
        if message_name == "SavedModel":
            serve = parsed.meta_graphs[0]
            assert list(serve.meta_info_def.tags) == ["serve"]
            assert serve.graph_def.node[2].op == "ReadFile"
            assert serve.graph_def.library.function[0].signature.name == READ_FN
            assert serve.graph_def.node[0].attr["shape"].shape.dim[0].size == -1
            assert list(serve.graph_def.node[8].attr["squeeze_dims"].list.i) == [-1]
        else:
            assert parsed.nodes[2].node_path == "root.layer-1" and parsed.nodes[0].node_id == 0
    print("gen_savedmodel: python3-protobuf parsed and re-serialized both files byte for byte")


def main():
    out_dir = os.path.join(sys.argv[1], "savedmodel")
    os.makedirs(out_dir, exist_ok=True)
    files = {"saved_model.pb": ("SavedModel", saved_model()), "keras_metadata.pb": ("SavedMetadata", keras_metadata())}
    cross_check(files.values())
    for name, (_, data) in files.items():
        with open(os.path.join(out_dir, name), "wb") as out:
            out.write(data)


if __name__ == "__main__":
    main()
