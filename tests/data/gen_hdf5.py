"""Generate HDF5 test files with h5py (Debian python3-h5py) plus, beside each file, h5py's own view of it
as canonical JSON (objects in depth-first link-name order, attributes with decoded values, dataset shapes,
datatypes, layouts, filters, external and virtual storage, link kinds and targets).

The C++ differential test (tests/formats/hdf5_differential_test.cpp) parses every NAME.h5 with
ms::parse_hdf5, renders the same canonical JSON and compares it with NAME.json.

Usage: /usr/bin/python3 gen_hdf5.py <testdata-dir>   (files go to <testdata-dir>/hdf5/)
"""

import json
import math
import os
import shutil
import struct
import sys

import h5py
import numpy as np
from h5py import h5a, h5d, h5f, h5g, h5l, h5o, h5p, h5s, h5t

OUT = os.path.join(sys.argv[1] if len(sys.argv) == 2 else ".", "hdf5")

LIBVERS = {
    "earliest": ("earliest", "latest"),
    "v108": ("v108", "v108"),
    "latest": ("latest", "latest"),
}

# ----------------------------------------------------------------------------------------------
# Canonical view (must match tests/formats/hdf5_differential_test.cpp)
# ----------------------------------------------------------------------------------------------


def text(value):
    if isinstance(value, str):
        return value
    value = bytes(value)
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return "hex:" + value.hex()


def type_str(tid):
    cls = tid.get_class()
    size = tid.get_size()
    if cls == h5t.INTEGER:
        name = ("int" if tid.get_sign() == h5t.SGN_2 else "uint") + str(8 * size)
        return name + ("be" if tid.get_order() == h5t.ORDER_BE else "")
    if cls == h5t.FLOAT:
        return "float" + str(8 * size) + ("be" if tid.get_order() == h5t.ORDER_BE else "")
    if cls == h5t.STRING:
        pad = {h5t.STR_NULLTERM: "nullterm", h5t.STR_NULLPAD: "nullpad", h5t.STR_SPACEPAD: "spacepad"}[tid.get_strpad()]
        cset = {h5t.CSET_ASCII: "ascii", h5t.CSET_UTF8: "utf8"}[tid.get_cset()]
        if tid.is_variable_str():
            return "vstring/%s/%s" % (pad, cset)
        return "string[%d]/%s/%s" % (size, pad, cset)
    if cls == h5t.BITFIELD:
        return "bitfield" + str(8 * size) + ("be" if tid.get_order() == h5t.ORDER_BE else "")
    if cls == h5t.OPAQUE:
        return "opaque[%d]:%s" % (size, text(tid.get_tag()))
    if cls == h5t.COMPOUND:
        members = []
        for i in range(tid.get_nmembers()):
            members.append(
                "%s:%s@%d" % (text(tid.get_member_name(i)), type_str(tid.get_member_type(i)), tid.get_member_offset(i))
            )
        return "compound[%d]{%s}" % (size, ",".join(members))
    if cls == h5t.REFERENCE:
        return "ref-object" if tid.equal(h5t.STD_REF_OBJ) else "ref-region"
    if cls == h5t.ENUM:
        members = sorted(
            (bytes(tid.get_member_name(i)), tid.get_member_value(i)) for i in range(tid.get_nmembers())
        )
        members = ["%s=%d" % (text(name), value) for name, value in members]
        return "enum<%s>{%s}" % (type_str(tid.get_super()), ",".join(members))
    if cls == h5t.VLEN:
        return "vlen<%s>" % type_str(tid.get_super())
    if cls == h5t.ARRAY:
        return "array[%s]<%s>" % ("x".join(str(d) for d in tid.get_array_dims()), type_str(tid.get_super()))
    if cls == h5t.TIME:
        return "time"
    return "unknown"


SIMPLE_CLASSES = (h5t.INTEGER, h5t.FLOAT, h5t.ENUM, h5t.STRING)


def decodable(tid):
    cls = tid.get_class()
    if cls in SIMPLE_CLASSES:
        return True
    if cls == h5t.ARRAY:
        return tid.get_super().get_class() in SIMPLE_CLASSES
    if cls == h5t.VLEN:
        return tid.get_super().get_class() in (h5t.INTEGER, h5t.FLOAT)
    return False


def canon_element(x):
    if isinstance(x, (bytes, np.bytes_)):
        return text(bytes(x))
    if isinstance(x, str):
        return str(x)
    if isinstance(x, (bool, np.bool_)):
        return int(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    raise TypeError("cannot canonicalise %r" % (x,))


def canon_attribute(holder, name):
    aid = h5a.open(holder.id, name)
    tid = aid.get_type()
    space = aid.get_space()
    entry = {"name": text(name), "type": type_str(tid)}
    if space.get_simple_extent_type() == h5s.NULL:
        entry["shape"] = None
        entry["value"] = None
        return entry
    shape = list(aid.shape)
    if tid.get_class() == h5t.ARRAY:
        shape += list(tid.get_array_dims())
    entry["shape"] = shape
    if not decodable(tid):
        entry["value"] = None
        return entry
    value = holder.attrs[text(name)]
    if tid.get_class() == h5t.VLEN:
        items = [value] if aid.shape == () else list(np.asarray(value, dtype=object).reshape(-1))
        entry["value"] = [[canon_element(e) for e in np.asarray(item).reshape(-1)] for item in items]
    else:
        entry["value"] = [canon_element(e) for e in np.asarray(value).reshape(-1)]
    return entry


def canon_dataset(did):
    tid = did.get_type()
    space = did.get_space()
    plist = did.get_create_plist()
    layout = plist.get_layout()
    info = {"type": type_str(tid)}
    if space.get_simple_extent_type() == h5s.NULL:
        info["shape"] = None
        info["maxshape"] = None
    else:
        info["shape"] = list(space.get_simple_extent_dims())
        info["maxshape"] = [
            None if m == h5s.UNLIMITED else int(m) for m in space.get_simple_extent_dims(True)
        ]
    info["layout"] = {h5d.COMPACT: "compact", h5d.CONTIGUOUS: "contiguous", h5d.CHUNKED: "chunked", h5d.VIRTUAL: "virtual"}[
        layout
    ]
    info["chunks"] = list(plist.get_chunk()) if layout == h5d.CHUNKED else None
    info["filters"] = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
    info["external"] = [[text(n), int(o), int(s)] for (n, o, s) in (plist.get_external(i) for i in range(plist.get_external_count()))]
    if layout == h5d.VIRTUAL:
        info["virtual"] = [
            [text(plist.get_virtual_filename(i)), text(plist.get_virtual_dsetname(i))]
            for i in range(plist.get_virtual_count())
        ]
    else:
        info["virtual"] = []
    info["storage_size"] = int(did.get_storage_size())
    return info


def wrap(oid):
    kind = h5o.get_info(oid).type
    if kind == h5o.TYPE_GROUP:
        return "group", h5py.Group(oid)
    if kind == h5o.TYPE_DATASET:
        return "dataset", h5py.Dataset(oid)
    if kind == h5o.TYPE_NAMED_DATATYPE:
        return "datatype", h5py.Datatype(oid)
    return "unknown", None


def canon_file(path):
    objects = []
    visited = {}
    with h5py.File(path, "r") as f:

        def visit(oid, obj_path):
            kind, holder = wrap(oid)
            entry = {"path": obj_path, "kind": kind}
            names = []
            h5a.iterate(oid, lambda n, *rest: names.append(n))
            entry["attributes"] = [canon_attribute(holder, n) for n in sorted(names)]
            entry["links"] = []
            if kind == "dataset":
                entry["dataset"] = canon_dataset(oid)
            objects.append(entry)
            if kind != "group":
                return
            link_names = []
            oid.links.iterate(lambda n: link_names.append(n))
            for name in sorted(link_names):
                info = oid.links.get_info(name)
                child_path = ("/" if obj_path == "/" else obj_path + "/") + text(name)
                if info.type == h5l.TYPE_HARD:
                    if info.u in visited:
                        entry["links"].append({"name": text(name), "type": "hard", "target": visited[info.u]})
                        continue
                    visited[info.u] = child_path
                    visit(h5o.open(oid, name), child_path)
                elif info.type == h5l.TYPE_SOFT:
                    entry["links"].append({"name": text(name), "type": "soft", "target": text(oid.links.get_val(name))})
                elif info.type == h5l.TYPE_EXTERNAL:
                    target_file, target_path = oid.links.get_val(name)
                    entry["links"].append(
                        {"name": text(name), "type": "external", "file": text(target_file), "path": text(target_path)}
                    )
                else:
                    entry["links"].append({"name": text(name), "type": "user-defined"})

        root = f.id if isinstance(f.id, h5g.GroupID) else f["/"].id
        visited[h5o.get_info(f["/"].id).addr] = "/"
        visit(h5o.open(f.id, b"/"), "/")
    return {"objects": objects}


# ----------------------------------------------------------------------------------------------
# File builders
# ----------------------------------------------------------------------------------------------

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def out(name):
    return os.path.join(OUT, name + ".h5")


def new_file(name, libver="earliest", **kw):
    return h5py.File(out(name), "w", libver=LIBVERS[libver], **kw)


def add_numeric_attrs(obj):
    dtypes = ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", ">i2", ">i4", ">u8", ">f4", ">f8"]
    for dt in dtypes:
        tag = dt.replace(">", "be_")
        info = np.iinfo(dt) if np.dtype(dt).kind in "iu" else None
        obj.attrs["scalar_" + tag] = np.array(info.max if info else 1.5, dtype=dt)
        obj.attrs["vec_" + tag] = np.arange(5, dtype=dt)
        obj.attrs["mat_" + tag] = (np.arange(6, dtype=dt)).reshape(2, 3)
    obj.attrs["cube_f8"] = np.linspace(-1, 1, 8).reshape(2, 2, 2)
    obj.attrs["min_i8"] = np.array(np.iinfo("i8").min, dtype="i8")
    obj.attrs["max_u8"] = np.array(np.iinfo("u8").max, dtype="u8")
    obj.attrs["neg_i1"] = np.array([-128, -1, 0, 127], dtype="i1")
    obj.attrs["special_f4"] = np.array([np.nan, np.inf, -np.inf, -0.0, 1e-40], dtype="f4")
    obj.attrs["special_f8"] = np.array([np.nan, np.inf, -np.inf, 5e-324, 1.7976931348623157e308], dtype="f8")
    obj.attrs["f2_values"] = np.array([0.5, -2.0, 65504.0, 6e-8, np.inf], dtype="f2")
    obj.attrs["empty_vec"] = np.zeros((0,), dtype="i4")
    obj.attrs["python_int"] = 42
    obj.attrs["python_float"] = 0.1


def add_string_attrs(obj):
    obj.attrs["vlen_str"] = "hello world"
    obj.attrs["vlen_unicode"] = "h\u00e9llo \u4e16\u754c \U0001f600"
    obj.attrs["vlen_empty"] = ""
    obj.attrs["vlen_long"] = "x" * 20000
    obj.attrs["fixed_bytes"] = np.bytes_(b"fixed ascii")
    obj.attrs["fixed_embedded_nul"] = np.array(b"ab\x00cd", dtype="S8")
    obj.attrs["fixed_utf8"] = np.array("gr\u00fc\u00dfe".encode(), dtype=h5py.string_dtype("utf-8", 12))
    obj.attrs["vlen_str_array"] = np.array(["a", "bb", "", "d\u00e9"], dtype=h5py.string_dtype())
    obj.attrs["vlen_bytes_array"] = np.array([b"x", b"yy", b"zzz"], dtype=h5py.string_dtype("ascii"))
    obj.attrs["fixed_array"] = np.array([b"dense", b"dense_1", b"conv2d"], dtype="S7")
    obj.attrs["fixed_matrix"] = np.array([[b"a", b"bc"], [b"def", b"g"]], dtype="S3")
    obj.attrs["vlen_matrix"] = np.array([["a", "b"], ["c", "d"], ["e", "f"]], dtype=h5py.string_dtype())
    obj.attrs["non_utf8_bytes"] = np.bytes_(b"\xff\xfe\x80abc")
    space = h5s.create(h5s.SCALAR)
    for pad, tag in ((h5t.STR_NULLTERM, "nullterm"), (h5t.STR_NULLPAD, "nullpad"), (h5t.STR_SPACEPAD, "spacepad")):
        for cset, ctag in ((h5t.CSET_ASCII, "ascii"), (h5t.CSET_UTF8, "utf8")):
            tid = h5t.C_S1.copy()
            tid.set_size(10)
            tid.set_strpad(pad)
            tid.set_cset(cset)
            aid = h5a.create(obj.id, ("pad_%s_%s" % (tag, ctag)).encode(), tid, space)
            raw = b"abc" + (b" " if pad == h5t.STR_SPACEPAD else b"\0") * 7
            aid.write(np.array(raw, dtype="S10"), mtype=tid)
        tid = h5t.C_S1.copy()
        tid.set_size(h5t.VARIABLE)
        tid.set_strpad(pad)
        aid = h5a.create(obj.id, ("vlen_pad_%s" % tag).encode(), tid, space)
        aid.write(np.array(b"padded", dtype=h5py.string_dtype("ascii")), mtype=tid)
    tid = h5t.C_S1.copy()
    tid.set_size(6)
    tid.set_strpad(h5t.STR_SPACEPAD)
    vec = h5s.create_simple((3,))
    aid = h5a.create(obj.id, b"spacepad_vector", tid, vec)
    aid.write(np.array([b"a", b"bb", b"cccccc"], dtype="S6"))


def write_array_attr(obj, name, base, array_dims, space_dims, values):
    """An attribute whose datatype is an HDF5 array type, written byte-for-byte (no conversion)."""
    tid = h5t.array_create(base, array_dims)
    space = h5s.create(h5s.SCALAR) if space_dims == () else h5s.create_simple(space_dims)
    aid = h5a.create(obj.id, name.encode(), tid, space)
    aid.write(np.ascontiguousarray(values), mtype=tid)


def add_misc_attrs(obj):
    obj.attrs["bool_scalar"] = np.bool_(True)
    obj.attrs["bool_vector"] = np.array([True, False, True])
    color = h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 42}, basetype="i1")
    obj.attrs.create("enum_i1", np.array([0, 42, 1], dtype="i1"), dtype=color)
    big = h5py.enum_dtype({"LOW": 1, "HIGH": 60000}, basetype="u2")
    obj.attrs.create("enum_u2", np.array(60000, dtype="u2"), dtype=big)
    write_array_attr(obj, "array_i4", h5t.STD_I32LE, (3,), (), np.array([1, 2, 3], dtype="<i4"))
    write_array_attr(obj, "array_f8_vec", h5t.IEEE_F64BE, (2, 2), (2,), np.arange(8.0, dtype=">f8"))
    fixed = h5t.C_S1.copy()
    fixed.set_size(2)
    write_array_attr(obj, "array_strings", fixed, (2,), (1,), np.array([b"ab", b"c"], dtype="S2"))
    obj.attrs["compound"] = np.array([(1, 2.5), (3, 4.5)], dtype=[("a", "i4"), ("b", "f8")])
    obj.attrs["compound_nested"] = np.array(
        (1, (2, 3.0), b"xy"), dtype=[("id", "u2"), ("pair", [("x", "i1"), ("y", "f4")]), ("tag", "S2")]
    )
    obj.attrs["complex64"] = np.complex64(1 + 2j)
    obj.attrs["complex128"] = np.array([1 - 1j, 2j])
    obj.attrs["opaque"] = np.void(b"\x01\x02\x03")
    obj.attrs.create("vlen_int", np.array([np.arange(3, dtype="i4"), np.arange(0, dtype="i4"), np.array([-5], "i4")], dtype=object), dtype=h5py.vlen_dtype("i4"))
    scalar_vlen = np.empty((), dtype=object)
    scalar_vlen[()] = np.array([0.5, 1.5])
    obj.attrs.create("vlen_float_scalar", scalar_vlen, dtype=h5py.vlen_dtype("f8"))
    obj.attrs["empty_f4"] = h5py.Empty("f4")
    obj.attrs["empty_str"] = h5py.Empty(h5py.string_dtype())
    obj.attrs["empty_fixed_vec"] = np.zeros((0,), dtype="S4")


def basic_tree(f):
    g = f.create_group("model_weights")
    g.attrs["layer_names"] = np.array([b"dense", b"dense_1"])
    for i, name in enumerate(["dense", "dense_1"]):
        lg = g.create_group(name)
        lg.attrs["weight_names"] = np.array([(name + "/kernel:0").encode(), (name + "/bias:0").encode()])
        sub = lg.create_group(name)
        sub.create_dataset("kernel:0", data=np.arange(12, dtype="f4").reshape(3, 4) + i)
        sub.create_dataset("bias:0", data=np.zeros(4, dtype="f4"))
    f.attrs["keras_version"] = b"2.4.0"
    f.create_dataset("scalar", data=3.25)
    f.create_group("empty_group")


for _lv in ("earliest", "v108", "latest"):

    def _basic(lv=_lv):
        with new_file("basic_" + lv, lv) as f:
            basic_tree(f)

    _basic.__name__ = "basic_" + _lv
    case(_basic)

    def _numeric(lv=_lv):
        with new_file("attrs_numeric_" + lv, lv) as f:
            add_numeric_attrs(f)
            add_numeric_attrs(f.create_group("g"))

    _numeric.__name__ = "attrs_numeric_" + _lv
    case(_numeric)

    def _strings(lv=_lv):
        with new_file("attrs_strings_" + lv, lv) as f:
            add_string_attrs(f)
            d = f.create_dataset("d", data=np.arange(3))
            add_string_attrs(d)

    _strings.__name__ = "attrs_strings_" + _lv
    case(_strings)

    def _misc(lv=_lv):
        with new_file("attrs_misc_" + lv, lv) as f:
            add_misc_attrs(f)

    _misc.__name__ = "attrs_misc_" + _lv
    case(_misc)


@case
def attrs_unicode_names():
    for lv in ("earliest", "latest"):
        with new_file("attrs_unicode_names_" + lv, lv) as f:
            f.attrs["na\u00efve"] = 1
            f.attrs["\u540d\u524d"] = "value"
            f.create_group("gr\u00fcppe").attrs["\u00e9"] = np.float32(2.5)


@case
def attrs_many_compact():
    # Many attributes in an old-style header: forces continuation blocks in a v1 object header.
    with new_file("attrs_many_compact_earliest", "earliest") as f:
        g = f.create_group("g")
        for i in range(300):
            g.attrs["attr_%03d" % i] = np.arange(i % 7 + 1, dtype="i4") * i
    # A v2 header that outgrows its first chunk (OCHK continuation), still compact (<= 8 attributes).
    with new_file("attrs_continuation_latest", "latest") as f:
        g = f.create_group("g")
        g.create_dataset("d", data=np.arange(4))
        for i in range(8):
            g.attrs["a%d" % i] = "v" * (200 + i)


@case
def attrs_dense():
    for count in (9, 100, 1000):
        with new_file("attrs_dense_%d_latest" % count, "latest") as f:
            g = f.create_group("g")
            for i in range(count):
                g.attrs["attr_%04d" % i] = i if i % 3 else "text %d" % i
            f.attrs["root_attr"] = 1
    with new_file("attrs_dense_track_order_latest", "latest", track_order=True) as f:
        for i in range(40):
            f.attrs["z%02d" % (40 - i)] = np.float64(i)
    with new_file("attrs_dense_v108", "v108") as f:
        d = f.create_dataset("d", data=np.arange(10))
        for i in range(50):
            d.attrs["k%d" % i] = np.arange(i + 1, dtype="u2")


@case
def attrs_large_values():
    with new_file("attrs_large_values_latest", "latest") as f:
        f.attrs["big_vlen"] = "y" * 100000
        f.attrs["big_fixed"] = np.bytes_(b"z" * 70000)
        f.attrs["big_array"] = np.arange(30000, dtype="f8")
        for i in range(6):
            f.attrs["mid_%d" % i] = np.arange(9000, dtype="i8") + i
    # Hundreds of medium-sized managed objects: the attribute heap grows into child indirect blocks.
    with new_file("attrs_heap_indirect_latest", "latest") as f:
        g = f.create_group("g")
        for i in range(400):
            g.attrs["blob_%03d" % i] = np.full(450, i, dtype="f8")


@case
def links_compact_and_dense():
    for lv in ("earliest", "latest"):
        for count in (5, 9, 40, 300):
            with new_file("links_%d_%s" % (count, lv), lv) as f:
                g = f.create_group("g")
                for i in range(count):
                    if i % 5 == 0:
                        g.create_group("grp_%04d" % i).attrs["i"] = i
                    elif i % 5 == 1:
                        g["soft_%04d" % i] = h5py.SoftLink("/g/grp_%04d" % (i - 1))
                    elif i % 5 == 2:
                        g.create_dataset("ds_%04d" % i, data=np.arange(i % 4 + 1))
                    else:
                        g["hard_%04d" % i] = g["grp_%04d" % (i - i % 5)]
    with new_file("links_2000_latest", "latest") as f:
        g = f.create_group("g")
        target = f.create_dataset("target", data=np.arange(3))
        for i in range(2000):
            g["link_%05d_%s" % (i, "x" * (i % 13))] = target
    with new_file("links_2000_earliest", "earliest") as f:
        g = f.create_group("g")
        target = f.create_dataset("target", data=np.arange(3))
        for i in range(2000):
            g["link_%05d" % i] = target


@case
def track_order_groups():
    for lv in ("v108", "latest"):
        with new_file("track_order_" + lv, lv, track_order=True) as f:
            for name in ["zeta", "alpha", "mu", "beta"]:
                f.create_group(name).attrs["n"] = name
            g = f.create_group("many", track_order=True)
            for i in range(30):
                g.create_group("c%02d" % (30 - i))


@case
def nested():
    for lv in ("earliest", "latest"):
        with new_file("nested_10_" + lv, lv) as f:
            g = f
            for depth in range(10):
                g = g.create_group("level_%d" % depth)
                g.attrs["depth"] = depth
            g.create_dataset("leaf", data=np.arange(3))


@case
def special_links():
    for lv in ("earliest", "latest"):
        with new_file("special_links_" + lv, lv) as f:
            a = f.create_group("a")
            b = a.create_group("b")
            b.create_dataset("data", data=[1, 2, 3])
            f["soft_abs"] = h5py.SoftLink("/a/b/data")
            a["soft_rel"] = h5py.SoftLink("b")
            f["dangling"] = h5py.SoftLink("/does/not/exist")
            f["ext"] = h5py.ExternalLink("other_file.h5", "/path/in/other")
            a["ext_self"] = h5py.ExternalLink("special_links_%s.h5" % lv, "/a/b")
            f["alias_b"] = b
            b["cycle_to_root"] = f["/"]
            b["cycle_to_a"] = a
            f["\u00fcnicode_soft"] = h5py.SoftLink("/a")


@case
def committed_types():
    for lv in ("earliest", "latest"):
        with new_file("committed_types_" + lv, lv) as f:
            f["point_t"] = np.dtype([("x", "f4"), ("y", "f4")])
            f["int_t"] = np.dtype(">i4")
            f["int_t"].attrs["doc"] = "a committed type with an attribute"
            d = f.create_dataset("points", shape=(3,), dtype=f["point_t"])
            d.attrs.create("origin", np.zeros((), dtype=f["point_t"].dtype), dtype=f["point_t"])
            f.create_dataset("ints", data=np.arange(4, dtype=">i4"), dtype=f["int_t"])
            f.attrs.create("typed_attr", np.arange(2, dtype=">i4"), dtype=f["int_t"])


def make_compact(parent, name, data):
    tid = h5t.py_create(data.dtype)
    space = h5s.create_simple(data.shape)
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_layout(h5d.COMPACT)
    did = h5d.create(parent.id, name.encode(), tid, space, dcpl=dcpl)
    did.write(h5s.ALL, h5s.ALL, data)
    return did


@case
def datasets_layouts():
    for lv in ("earliest", "latest"):
        with new_file("datasets_" + lv, lv) as f:
            f.create_dataset("contiguous", data=np.arange(100, dtype="f8").reshape(10, 10))
            f.create_dataset("unallocated", shape=(1000,), dtype="i4")
            f.create_dataset("empty", shape=(0,), dtype="f4")
            f.create_dataset("empty_2d", shape=(0, 5), dtype="f4", maxshape=(None, 5))
            f.create_dataset("null", data=h5py.Empty("f4"))
            f.create_dataset("scalar", data=np.int16(7))
            f.create_dataset("be", data=np.arange(6, dtype=">f8"))
            f.create_dataset("strings", data=np.array(["a", "bb"], dtype=h5py.string_dtype()))
            f.create_dataset("fixed_strings", data=np.array([b"abc", b"de"]))
            make_compact(f, "compact", np.arange(10, dtype="i2"))
            make_compact(f, "compact_2d", np.ones((3, 4), dtype="f4"))
            f.create_dataset("chunked", data=np.arange(1000, dtype="i4"), chunks=(100,))
            f.create_dataset("chunked_partial", shape=(1000,), dtype="i4", chunks=(100,))[0:150] = 1
            f.create_dataset("chunked_2d", data=np.arange(400, dtype="f4").reshape(20, 20), chunks=(7, 6))
            f.create_dataset("gzip", data=np.arange(5000, dtype="i8"), chunks=(500,), compression="gzip", compression_opts=6)
            f.create_dataset("lzf", data=np.arange(5000, dtype="i8"), chunks=(500,), compression="lzf")
            f.create_dataset("shuffle_gzip", data=np.arange(5000, dtype="f4"), chunks=(1000,), shuffle=True, compression="gzip")
            f.create_dataset("fletcher32", data=np.arange(300, dtype="u1"), chunks=(64,), fletcher32=True)
            f.create_dataset("scaleoffset", data=np.arange(2000, dtype="i4"), chunks=(400,), scaleoffset=0)
            f.create_dataset("all_filters", data=np.arange(3000, dtype="f8"), chunks=(256,), shuffle=True, compression="gzip", fletcher32=True)
            f.create_dataset("extendable_1d", data=np.arange(50, dtype="i4"), chunks=(8,), maxshape=(None,))
            f.create_dataset("extendable_2d", data=np.arange(64, dtype="i4").reshape(8, 8), chunks=(3, 3), maxshape=(None, None))
            f.create_dataset("extendable_gzip", data=np.arange(70, dtype="i4"), chunks=(8,), maxshape=(None,), compression="gzip")
            f.create_dataset("extendable_2d_gzip", data=np.arange(64, dtype="i4").reshape(8, 8), chunks=(4, 4), maxshape=(None, None), compression="gzip")
            f.create_dataset("single_chunk", data=np.arange(20, dtype="i4"), chunks=(20,))
            f.create_dataset("single_chunk_gzip", data=np.arange(20, dtype="i4"), chunks=(20,), compression="gzip")
            dcpl = h5p.create(h5p.DATASET_CREATE)
            dcpl.set_chunk((10,))
            dcpl.set_alloc_time(h5d.ALLOC_TIME_EARLY)
            h5d.create(f.id, b"implicit", h5t.NATIVE_INT32, h5s.create_simple((95,)), dcpl=dcpl)
            f.create_dataset("many_chunks", data=np.arange(3000, dtype="u1"), chunks=(1,))
            # One unlimited dimension and enough chunks that the extensible array needs secondary blocks
            # and paged data blocks (latest format); a v1 B-tree several levels deep (earliest format).
            ea = f.create_dataset("many_chunks_unlimited", shape=(150000,), dtype="u1", chunks=(1,), maxshape=(None,))
            ea[:] = np.arange(150000) % 251
            ea[70000:70100] = 0  # rewrites, no new chunks
            f.create_dataset("sparse_unlimited", shape=(200000,), dtype="u1", chunks=(1,), maxshape=(None,))[::997] = 1
            f.create_dataset("many_chunks_gzip", data=np.arange(2500, dtype="u2"), chunks=(2,), compression="gzip")
            f.create_dataset("vlen_data", data=np.array([np.arange(3), np.arange(1)], dtype=object), dtype=h5py.vlen_dtype("i8"))
            f.create_dataset("compound_data", data=np.zeros(4, dtype=[("a", "i4"), ("b", "S3")]))


@case
def external_storage():
    for lv in ("earliest", "latest"):
        with new_file("external_storage_" + lv, lv) as f:
            raw = os.path.join(OUT, "external_raw.bin")
            np.arange(40, dtype="f4").tofile(raw)
            f.create_dataset("ext", shape=(10,), dtype="f4", external=[("external_raw.bin", 0, 40)])
            f.create_dataset(
                "ext_multi", shape=(20,), dtype="f4", external=[("external_raw.bin", 40, 40), ("/etc/passwd", 0, 40)]
            )


@case
def virtual_datasets():
    src_name = "vds_source.h5"
    with h5py.File(os.path.join(OUT, src_name), "w", libver="latest") as src:
        src.create_dataset("data", data=np.arange(20, dtype="i4").reshape(2, 10))
        src.create_dataset("more", data=np.arange(10, dtype="i4"))
    with new_file("virtual_latest", "latest") as f:
        layout = h5py.VirtualLayout(shape=(3, 10), dtype="i4")
        layout[0:2] = h5py.VirtualSource(src_name, "data", shape=(2, 10))
        layout[2] = h5py.VirtualSource(src_name, "more", shape=(10,))
        f.create_virtual_dataset("vds", layout, fillvalue=-1)
        layout2 = h5py.VirtualLayout(shape=(10,), dtype="i4")
        layout2[::2] = h5py.VirtualSource("/etc/shadow", "/secret", shape=(5,))
        f.create_virtual_dataset("vds_strided", layout2)
        self_layout = h5py.VirtualLayout(shape=(4,), dtype="i4")
        self_layout[:] = h5py.VirtualSource(".", "/vds_target", shape=(4,))
        f.create_dataset("vds_target", data=np.arange(4, dtype="i4"))
        f.create_virtual_dataset("vds_self", self_layout)


@case
def shape_bombs():
    for lv in ("earliest", "latest"):
        with new_file("shape_bomb_" + lv, lv) as f:
            d = f.create_dataset("bomb", shape=(10**12,), dtype="f8", chunks=(1024,), maxshape=(None,))
            d[0:10] = 1.0
            f.create_dataset("bomb_2d", shape=(10**6, 10**6), dtype="u1", chunks=(100, 100))
            f.create_dataset("bomb_contiguous_unallocated", shape=(2**40,), dtype="i8")


@case
def patched_shape_bombs():
    # A contiguous dataset whose dataspace is patched to declare 10**15 elements while its storage stays
    # 7777 * 8 bytes: libhdf5 refuses to open it, so it gets no h5py view (".hdf5", not ".h5").
    for lv in ("earliest", "latest"):
        name = os.path.join(OUT, "patched_shape_bomb_%s.hdf5" % lv)
        with h5py.File(name, "w", libver=LIBVERS[lv]) as f:
            f.create_dataset("bomb", data=np.zeros(7777, dtype="f8"))
            f.attrs["note"] = "dims patched"
            f.attrs["bomb_attr"] = np.zeros(4321, dtype="u1")
        data = open(name, "rb").read()
        assert data.count(struct.pack("<Q", 7777)) >= 1 and data.count(struct.pack("<Q", 4321)) >= 1
        data = data.replace(struct.pack("<Q", 7777), struct.pack("<Q", 10**15))
        open(name, "wb").write(data.replace(struct.pack("<Q", 4321), struct.pack("<Q", 10**9)))


@case
def superblock_variants():
    with new_file("userblock_512_earliest", "earliest", userblock_size=512) as f:
        basic_tree(f)
    with new_file("userblock_4096_latest", "latest", userblock_size=4096) as f:
        basic_tree(f)
    for lv, (low, high) in (("earliest", ("earliest", "latest")), ("latest", ("latest", "latest"))):
        fcpl = h5p.create(h5p.FILE_CREATE)
        fcpl.set_sizes(4, 4)
        fapl = h5p.create(h5p.FILE_ACCESS)
        fapl.set_libver_bounds(*(getattr(h5f, "LIBVER_" + v.upper()) for v in (low, high)))
        fid = h5f.create(out("offsets4_" + lv).encode(), h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
        with h5py.File(fid) as f:
            basic_tree(f)
            for i in range(20):
                f.attrs["a%d" % i] = "s" * i
            f.create_dataset("chunked", data=np.arange(500), chunks=(50,), compression="gzip")
    fcpl = h5p.create(h5p.FILE_CREATE)
    fcpl.set_sizes(8, 4)
    fid = h5f.create(out("lengths4_earliest").encode(), h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        basic_tree(f)
        f.attrs["vlen"] = np.array(["a", "b"], dtype=h5py.string_dtype())


def relocate_to_superblock_v1(src, dst):
    """Turn an h5py-made superblock v0 file into a v1 file: v1 adds 4 bytes (indexed storage K + reserved) to
    the superblock, so the root object header that follows it is first copied to the end of the file and the
    root symbol table entry re-pointed there. h5py must then read the result back identically."""
    data = bytearray(open(src, "rb").read())
    assert data[8] == 0
    root_entry = 56  # v0 superblock with 8-byte offsets: root symbol table entry starts here
    (root_addr,) = struct.unpack_from("<Q", data, root_entry + 8)
    # v1 object header: 16-byte prefix, then "object header size" bytes of messages.
    (header_size,) = struct.unpack_from("<I", data, root_addr + 8)
    header = bytes(data[root_addr : root_addr + 16 + header_size])
    new_addr = (len(data) + 7) & ~7
    data.extend(b"\0" * (new_addr - len(data)))
    data.extend(header)
    superblock = bytearray(data[:root_entry])
    superblock[8] = 1  # superblock version
    superblock[24:24] = struct.pack("<HH", 32, 0)  # indexed storage internal node K, reserved
    entry = bytearray(data[root_entry : root_entry + 40])
    struct.pack_into("<Q", entry, 8, new_addr)
    superblock += entry
    eof_field = 24 + 4 + 16  # base, free-space, EOF: EOF address follows base and free-space addresses
    struct.pack_into("<Q", superblock, eof_field, len(data))
    data[: len(superblock)] = superblock
    open(dst, "wb").write(data)


@case
def superblock_v1():
    tmp = out("tmp_v0")
    with h5py.File(tmp, "w", libver="earliest") as f:
        basic_tree(f)
        f.attrs["note"] = "superblock v1"
    relocate_to_superblock_v1(tmp, out("superblock_v1"))
    os.remove(tmp)
    with h5py.File(out("superblock_v1"), "r") as f:
        assert f.attrs["note"] == "superblock v1"
        assert f["model_weights/dense/dense/kernel:0"][1, 1] == 5


@case
def keras_like():
    model_config = json.dumps(
        {
            "class_name": "Sequential",
            "config": {
                "name": "sequential",
                "layers": [
                    {"class_name": "Dense", "config": {"name": "dense_%d" % i, "units": 8, "activation": "relu"}}
                    for i in range(40)
                ],
            },
        }
    )
    training_config = json.dumps({"loss": "mse", "optimizer_config": {"class_name": "Adam", "config": {"lr": 0.001}}})
    for lv in ("earliest", "latest"):
        with new_file("keras_legacy_" + lv, lv) as f:
            f.attrs["keras_version"] = b"2.4.0"
            f.attrs["backend"] = b"tensorflow"
            f.attrs["model_config"] = model_config.encode("utf8")
            f.attrs["training_config"] = training_config.encode("utf8")
            mw = f.create_group("model_weights")
            names = ["dense_%d" % i for i in range(40)]
            mw.attrs["layer_names"] = np.array([n.encode("utf8") for n in names])
            mw.attrs["backend"] = b"tensorflow"
            mw.attrs["keras_version"] = b"2.4.0"
            for n in names:
                g = mw.create_group(n)
                weight_names = [(n + "/kernel:0").encode(), (n + "/bias:0").encode()]
                g.attrs["weight_names"] = np.array(weight_names)
                sub = g.create_group(n)
                sub.create_dataset("kernel:0", data=np.ones((8, 8), dtype="f4"))
                sub.create_dataset("bias:0", data=np.zeros(8, dtype="f4"))
            og = f.create_group("optimizer_weights")
            og.attrs["weight_names"] = np.array([b"Adam/iter:0"])
            og.create_dataset("Adam/iter:0", data=np.int64(10))
    # Keras splits attributes larger than the 64 KiB object header limit into name0, name1, ...
    with new_file("keras_chunked_attrs_earliest", "earliest") as f:
        names = np.array([("layer_with_a_long_name_%05d" % i).encode() for i in range(4000)])
        chunks = np.array_split(names, 3)
        mw = f.create_group("model_weights")
        for i, chunk in enumerate(chunks):
            mw.attrs["layer_names%d" % i] = chunk
        f.attrs["model_config"] = model_config.encode("utf8")
    with new_file("keras_lambda_like_earliest", "earliest") as f:
        config = {"class_name": "Functional", "config": {"layers": [{"class_name": "Lambda", "config": {
            "function": ["4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwCpAk7pAgAAAKkAKQHaAXhyAgAAAHICAAAA+gc8c3RkaW4+", None, None],
            "function_type": "lambda"}}]}}
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        f.attrs["keras_version"] = b"2.2.4"
    # Keras 3 model.weights.h5: groups per layer holding a "vars" group of datasets "0", "1", ...
    for lv in ("earliest", "latest"):
        with new_file("keras3_weights_" + lv, lv) as f:
            layers = f.create_group("layers")
            for n in ("dense", "dense_1", "batch_normalization"):
                vars_group = layers.create_group(n).create_group("vars")
                for j in range(2 if n != "batch_normalization" else 4):
                    vars_group.create_dataset(str(j), data=np.full((4,), j, dtype="f4"))
            opt = f.create_group("optimizer").create_group("vars")
            opt.create_dataset("0", data=np.int64(3))
            f.create_group("vars")


@case
def empty_files():
    for lv in ("earliest", "v108", "latest"):
        with new_file("empty_" + lv, lv):
            pass


@case
def link_edge_cases():
    with new_file("link_names_latest", "latest") as f:
        for name in ["a", "a b", "a.b", "\u00e9t\u00e9", "x" * 300, "\u4e2d\u6587", "9", "_"]:
            f.create_group(name)
        for i in range(20):
            f["long_soft_%d" % i] = h5py.SoftLink("/" + "x" * 300)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    for builder in CASES:
        builder()
    count = 0
    for name in sorted(os.listdir(OUT)):
        if not name.endswith(".h5"):
            continue
        view = canon_file(os.path.join(OUT, name))
        with open(os.path.join(OUT, name[:-3] + ".json"), "w") as fh:
            json.dump(view, fh, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False)
        count += 1
    print("gen_hdf5: wrote %d HDF5 files with their h5py views to %s" % (count, OUT))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--canon":
        # Manual use: the canonical view of one (trusted) file, for comparison with the C++ reader.
        print(json.dumps(canon_file(sys.argv[2]), indent=1, sort_keys=True, ensure_ascii=False))
    else:
        main()
