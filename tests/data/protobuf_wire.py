"""A minimal proto3 wire-format encoder and the TensorFlow messages the SavedModel test generators need.

TensorFlow is not packaged by Debian, so gen_savedmodel.py and gen_savedmodel_scan.py encode its messages by
hand from the field numbers of TensorFlow's .proto files. Like protoc-generated serializers, fields are
written in field-number order, proto3 defaults are omitted and map entries are sorted by key.
`message_classes` builds real python3-protobuf classes from the same field numbers, so each generator can
prove its bytes are faithful wire format (the real library re-serializes them byte for byte).
"""
import struct

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5
DT_FLOAT, DT_INT32, DT_STRING, DT_INT64, DT_RESOURCE = 1, 3, 7, 9, 20


def varint(value):
    if value < 0:
        value += 1 << 64  # int32/int64 negatives are sign-extended to ten bytes
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def tag(number, wire_type):
    return varint((number << 3) | wire_type)


def as_bytes(value):
    return value.encode("utf-8") if isinstance(value, str) else value


def f_varint(number, value):
    return tag(number, VARINT) + varint(value) if value else b""


def f_bytes(number, value):
    value = as_bytes(value)
    return tag(number, LEN) + varint(len(value)) + value if value else b""


def f_message(number, body):
    """An embedded message field; present even when empty (it was set)."""
    return tag(number, LEN) + varint(len(body)) + body


def f_repeated_bytes(number, values):
    return b"".join(tag(number, LEN) + varint(len(as_bytes(v))) + as_bytes(v) for v in values)


def f_packed(number, values):
    return f_message(number, b"".join(varint(v) for v in values)) if values else b""


def f_map(number, entries, encode_value):
    """map<string, V>: a repeated entry message {key = 1; value = 2}, sorted by key."""
    return b"".join(f_message(number, f_bytes(1, key) + f_message(2, encode_value(entries[key])))
                    for key in sorted(entries))


def string_map(number, entries):
    """map<string, string>: the value is a string field, not a message."""
    return b"".join(f_message(number, f_bytes(1, key) + f_bytes(2, entries[key])) for key in sorted(entries))


# --------------------------------------------------------------------------------------------------
# TensorFlow messages.

def tensor_shape(dims):
    # TensorShapeProto { repeated Dim dim = 2; }  Dim { int64 size = 1; }
    return b"".join(f_message(2, f_varint(1, d)) for d in dims)


def tensor(dtype, dims, strings=(), floats=(), ints=()):
    # TensorProto { dtype = 1; tensor_shape = 2; float_val = 5 (packed); int_val = 7 (packed); string_val = 8; }
    body = f_varint(1, dtype) + f_message(2, tensor_shape(dims))
    if floats:
        body += f_message(5, b"".join(struct.pack("<f", x) for x in floats))
    return body + f_packed(7, ints) + f_repeated_bytes(8, strings)


def attr(kind, value):
    """AttrValue oneof: list = 1, s = 2 (bytes), i = 3, b = 5, type = 6, shape = 7, tensor = 8, func = 10."""
    if kind == "s":
        return f_bytes(2, value) if value else tag(2, LEN) + b"\x00"
    if kind == "i":
        return tag(3, VARINT) + varint(value)
    if kind == "b":
        return tag(5, VARINT) + varint(1 if value else 0)
    if kind == "type":
        return tag(6, VARINT) + varint(value)
    if kind == "shape":
        return f_message(7, tensor_shape(value))
    if kind == "tensor":
        return f_message(8, value)
    if kind == "func":
        # NameAttrList { string name = 1; map<string, AttrValue> attr = 2; }: a name, or (name, attrs)
        name, inner = value if isinstance(value, tuple) else (value, {})
        return f_message(10, f_bytes(1, name) + f_map(2, inner, lambda a: attr(*a)))
    if kind == "list_s":  # ListValue { repeated bytes s = 2; }
        return f_message(1, f_repeated_bytes(2, value))
    if kind == "list_i":  # ListValue { repeated int64 i = 3 [packed]; }
        return f_message(1, f_packed(3, value))
    if kind == "list_type":  # ListValue { repeated DataType type = 6 [packed]; }
        return f_message(1, f_packed(6, value))
    if kind == "list_shape":  # ListValue { repeated TensorShapeProto shape = 7; }
        return f_message(1, b"".join(f_message(7, tensor_shape(s)) for s in value))
    if kind == "list_func":  # ListValue { repeated NameAttrList func = 9; }
        return f_message(1, b"".join(f_message(9, f_bytes(1, n)) for n in value))
    raise ValueError(kind)


def node(name, op, inputs=(), attrs=None, device=""):
    # NodeDef { name = 1; op = 2; repeated input = 3; device = 4; map<string, AttrValue> attr = 5; }
    return (f_bytes(1, name) + f_bytes(2, op) + f_repeated_bytes(3, inputs) + f_bytes(4, device) +
            f_map(5, attrs or {}, lambda a: attr(*a)))


# --------------------------------------------------------------------------------------------------
# Cross-check with the real library.

def message_classes(schema, oneofs, file_name):
    """Real python3-protobuf message classes for `schema` ({message: [(field, number, kind, repeated,
    message type)]}, kind one of int64/int32/enum_int/bool/float/string/bytes/msg/map), or None when
    python3-protobuf is not installed. Returns a function from message name to class."""
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    except ImportError:
        return None
    fd = descriptor_pb2.FieldDescriptorProto
    scalar = {"int64": fd.TYPE_INT64, "int32": fd.TYPE_INT32, "enum_int": fd.TYPE_INT32, "bool": fd.TYPE_BOOL,
              "float": fd.TYPE_FLOAT, "string": fd.TYPE_STRING, "bytes": fd.TYPE_BYTES}
    file_proto = descriptor_pb2.FileDescriptorProto(name=file_name, package="check", syntax="proto3")

    def add_field(message, name, number, kind, repeated, type_name):
        field = message.field.add(name=name, number=number,
                                  label=fd.LABEL_REPEATED if repeated else fd.LABEL_OPTIONAL)
        if kind in ("msg", "map"):
            field.type, field.type_name = fd.TYPE_MESSAGE, type_name
        else:
            field.type = scalar[kind]
        return field

    for name, fields in schema.items():
        message = file_proto.message_type.add(name=name)
        if name in oneofs:
            message.oneof_decl.add(name=oneofs[name][0])
        for field_name, number, kind, repeated, type_name in fields:
            if kind == "map":
                entry_name = "".join(p.capitalize() for p in field_name.split("_")) + "Entry"
                entry = message.nested_type.add(name=entry_name)
                entry.options.map_entry = True
                add_field(entry, "key", 1, "string", False, None)
                if type_name == "string":
                    add_field(entry, "value", 2, "string", False, None)
                else:
                    add_field(entry, "value", 2, "msg", False, ".check." + type_name)
                add_field(message, field_name, number, "map", True, f".check.{name}.{entry_name}")
            else:
                field = add_field(message, field_name, number, kind, repeated,
                                  ".check." + type_name if type_name else None)
                if name in oneofs and field_name in oneofs[name][1]:
                    field.oneof_index = 0
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_proto)
    factory = message_factory.MessageFactory(pool)
    return lambda message_name: factory.GetPrototype(pool.FindMessageTypeByName("check." + message_name))


def reparse(classes, message_name, data, label):
    """Parses `data` with the real library and asserts it re-serializes byte for byte; returns the message."""
    parsed = classes(message_name).FromString(data)
    again = parsed.SerializeToString(deterministic=True)
    assert again == data, f"{label}: python3-protobuf re-serializes differently ({len(again)} vs {len(data)})"
    return parsed
