#!/usr/bin/python3
"""Pickle streams for tests/formats/pickle_vm_test.cpp, written to <testdata>/pickle_vm/.

Each <name>.pkl comes with <name>.json holding what CPython itself makes of the stream, computed
independently of the code under test and without importing or calling anything from it:
  * pickletools.genops walks the opcodes (offsets of GLOBAL / INST / STACK_GLOBAL, protocol, opcode count);
  * a subclass of the C pickle.Unpickler whose find_class returns inert stub classes records the names the
    real unpickler resolves (raw, before the Python 2 renaming, which is applied here from _compat_pickle)
    and the calls it makes on them, with the reprs of constant arguments.
"""
import io
import json
import os
import pickle
import pickletools
import struct
import sys
import zipfile

import _compat_pickle

OUT = os.path.join(sys.argv[1], "pickle_vm")
IMPORT_OPS = {"GLOBAL", "INST", "STACK_GLOBAL"}
CALL_OPS = {"REDUCE", "NEWOBJ", "NEWOBJ_EX", "INST", "OBJ", "BUILD"}


# ---- the oracle ------------------------------------------------------------------------------------------

def is_constant(value, depth=0):
    if depth > 4:
        return False
    if value is None or type(value) in (bool, int, float, str, bytes):
        return True
    if type(value) in (tuple, list, set, frozenset):
        return all(is_constant(item, depth + 1) for item in value)
    if type(value) is dict:
        return all(is_constant(k, depth + 1) and is_constant(v, depth + 1) for k, v in value.items())
    return False


def summary(value):
    if not is_constant(value):
        return None
    text = repr(value)
    return text if len(text) <= 200 else None


class Recorder(pickle.Unpickler):
    """The real (C) unpickler, with every global replaced by an inert stub class.

    `sites` lists the import opcodes genops found (name, argument, offset, protocol in force), in order: the
    n-th find_class call comes from the n-th of them.
    """

    def __init__(self, file, sites, imports, **kwargs):
        super().__init__(file, **kwargs)
        self.sites = iter(sites)
        self.imports = imports
        self.calls = []
        self.persistent_ids = []

    def find_class(self, module, name):
        # Past a genops failure (pickletools is stricter than the unpickler, e.g. on INT 0x10) the site
        # is unknown: the offset is then left out and protocol 0 assumed (such streams have no PROTO).
        opname, arg, pos, proto = next(self.sites, (None, None, None, 0))
        if opname not in ("STACK_GLOBAL", None):
            assert arg == "%s %s" % (module, name), (arg, module, name)
        mapped = mapped_name(module, name, proto)
        self.imports.append({"module": mapped[0], "qualname": mapped[1], "offset": pos, "opcode": opname})
        return self.stub_class("%s.%s" % mapped)

    def persistent_load(self, pid):
        self.persistent_ids.append(repr(pid))
        return self.stub_class("<persistent id>")

    def record(self, callable_name, args, kwargs):
        self.calls.append({
            "callable": callable_name,
            "args": [summary(a) for a in args] + [
                None if summary(v) is None else "%s=%s" % (k, summary(v)) for k, v in kwargs.items()],
        })

    def stub_class(self, label):
        recorder = self

        class Stub:
            def __new__(cls, *args, **kwargs):
                recorder.record(label, args, kwargs)
                instance = object.__new__(cls)
                instance._label = "<instance of %s>" % label
                return instance

            def __init__(self, *args, **kwargs):
                self._label = "<result of %s(...)>" % label

            def __call__(self, *args, **kwargs):
                recorder.record(self._label, args, kwargs)
                result = object.__new__(Stub)
                result._label = "<result of %s(...)>" % self._label
                return result

            def __setstate__(self, state):
                recorder.record(self._label + ".__setstate__", (state,), {})

            def extend(self, items):
                recorder.record(self._label + ".extend", tuple(items), {})

            def append(self, item):
                recorder.record(self._label + ".append", (item,), {})

            def __setitem__(self, key, value):
                recorder.record(self._label + ".__setitem__", (key, value), {})

            def add(self, item):
                recorder.record(self._label + ".add", (item,), {})

        return Stub


def mapped_name(module, name, proto):
    if proto < 3:
        if (module, name) in _compat_pickle.NAME_MAPPING:
            return _compat_pickle.NAME_MAPPING[(module, name)]
        if module in _compat_pickle.IMPORT_MAPPING:
            return _compat_pickle.IMPORT_MAPPING[module], name
    return module, name


def walk_opcodes(data):
    """genops over every pickle in the stream (as long as one parses): opcodes, import sites, protocols."""
    stream = io.BytesIO(data)
    pickles = []
    while stream.tell() < len(data):
        start = stream.tell()
        ops = []
        error = None
        try:
            for opcode, arg, pos in pickletools.genops(stream):
                ops.append((opcode.name, arg, pos))
        except Exception as exc:  # a deliberately broken stream
            error = str(exc)
        if not ops and error:
            break
        pickles.append({"start": start, "ops": ops, "error": error})
        if error:
            break
    return pickles


def oracle(data, buffers=None):
    """What CPython resolves and calls, pickle by pickle, stopping where the real unpickler stops."""
    pickles = walk_opcodes(data)
    stream = io.BytesIO(data)
    imports, calls, persistent_ids = [], [], []
    max_protocol = 0
    opcode_count = 0
    load_error = None
    for index, walked in enumerate(pickles):
        # proto in force at each import opcode (PROTO may appear mid-stream)
        proto = 0
        sites = []
        for name, arg, pos in walked["ops"]:
            if name == "PROTO":
                proto = arg
                max_protocol = max(max_protocol, arg)
            if name in IMPORT_OPS:
                sites.append((name, arg, pos, proto))
        opcode_count += len(walked["ops"])
        stream.seek(walked["start"])
        recorder = Recorder(stream, sites, imports, buffers=buffers)
        try:
            recorder.load()
        except Exception as exc:
            load_error = "%s: %s" % (type(exc).__name__, exc)
        calls.extend(recorder.calls)
        persistent_ids.extend(recorder.persistent_ids)
        if load_error:
            break
    return {
        "imports": imports,
        "calls": calls,
        "persistent_ids": persistent_ids,
        "pickle_starts": [p["start"] for p in pickles],
        "max_protocol": max_protocol,
        "opcode_count": None if any(p["error"] for p in pickles) else opcode_count,
        "genops_error": next((p["error"] for p in pickles if p["error"]), None),
        "load_error": load_error,
    }


def write(name, data, buffers=None, **extra):
    with open(os.path.join(OUT, name + ".pkl"), "wb") as f:
        f.write(data)
    expected = oracle(data, buffers)
    expected.update(extra)
    expected["size"] = len(data)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


# ---- objects to pickle -----------------------------------------------------------------------------------

class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


class Nested:
    def __reduce__(self):
        return (pickle.loads, (pickle.dumps(Evil(), protocol=4),))


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __getnewargs__(self):
        return (self.x, self.y)


class Keyworded:
    def __new__(cls, a, *, k):
        return object.__new__(cls)

    def __init__(self, a, *, k):
        self.a, self.k = a, k

    def __getnewargs_ex__(self):
        return ((self.a,), {"k": self.k})


class Stateful:
    def __init__(self):
        self.value = 7

    def __getstate__(self):
        return {"value": self.value}

    def __setstate__(self, state):
        self.value = state["value"]


class Storage:
    def __init__(self, key):
        self.key = key


class PersistentPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return obj.key
        return None


def dumps_persistent(obj, protocol):
    out = io.BytesIO()
    PersistentPickler(out, protocol=protocol).dump(obj)
    return out.getvalue()


def check(data):
    """Hand-assembled streams must be opcode-valid: genops walks them completely."""
    for _ in pickletools.genops(data):
        pass
    return data


def short_unicode(text):
    raw = text.encode("utf-8")
    return b"\x8c" + bytes([len(raw)]) + raw


def binunicode(text):
    raw = text.encode("utf-8")
    return b"X" + struct.pack("<I", len(raw)) + raw


def main():
    os.makedirs(OUT, exist_ok=True)

    containers = {
        "ints": [0, 1, -5, 255, 65535, 2**31 - 1, -2**31, 2**40, 2**70, -2**70],
        "floats": [1.5, -0.0, 1e300, 1e-7, 1e16, 123456789.125, float("inf")],
        "strs": ["a", "caf\u00e9 \u20ac", "", "quote's", 'dq"'],
        "bytes": b"\x00\xffab",
        "tuple": (1, (2, 3), ()),
        "set": {1, 2},
        "frozenset": frozenset({3}),
        "none": None,
        "bools": [True, False],
        "nested": [[[]]],
        "bytearray": bytearray(b"xy"),
    }
    for protocol in range(6):
        write("containers_p%d" % protocol, pickle.dumps(containers, protocol=protocol))
        write("reduce_system_p%d" % protocol, pickle.dumps(Evil(), protocol=protocol))

    # STACK_GLOBAL whose strings are fetched back from the memo (MEMOIZE, BINGET, LONG_BINGET).
    write("stack_global_memo", check(
        b"\x80\x04" + short_unicode("os") + b"\x94" + short_unicode("system") + b"\x94" + b"00"
        + b"h\x00" + b"j\x01\x00\x00\x00" + b"\x93" + short_unicode("id") + b"\x85R."))
    # The same with text PUT/GET at protocol 0 and the strings built in reverse order.
    write("stack_global_text_memo", check(
        b"\x80\x04Vsystem\np7\n0Vos\np300\n0g300\ng7\n\x93Vuname -a\n\x85R."))

    write("inst", check(b"(S'echo inst'\nios\nsystem\n."))
    write("obj", check(b"(cos\nsystem\nS'echo obj'\no."))
    write("newobj_p2", pickle.dumps(Point(3, 4), protocol=2))
    write("newobj_ex_p4", pickle.dumps(Keyworded(1, k=2), protocol=4))
    write("build_p0", pickle.dumps(Stateful(), protocol=0))
    write("build_p2", pickle.dumps(Stateful(), protocol=2))

    write("builtin_eval_p2", check(b"\x80\x02c__builtin__\neval\n" + binunicode("print(1234)") + b"\x85R."))
    write("builtin_eval_p3", check(b"\x80\x03c__builtin__\neval\n" + binunicode("print(1234)") + b"\x85R."))
    write("compat_names_p0", check(
        b"(c__builtin__\nxrange\ncexceptions\nValueError\ncurllib\nurlopen\nccPickle\nloads\n"
        b"ccopy_reg\n_reconstructor\ncUserDict\nUserDict\ncmultiprocessing\nTimeoutError\nt."))
    # PROTO 2 followed by PROTO 4: the second one governs (no renaming of __builtin__).
    write("stack_global_p2", check(b"\x80\x02" + binunicode("__builtin__") + binunicode("getattr") + b"\x93."))
    write("proto_midstream", check(b"\x80\x02\x80\x04c__builtin__\nopen\n."))
    write("dotted_p4", check(
        b"\x80\x04" + short_unicode("builtins") + short_unicode("eval.__call__") + b"\x93"
        + short_unicode("1+1") + b"\x85R."))
    # Literals the C unpickler accepts (pickletools itself refuses INT 0x10, so no check() here).
    write("int_literals",
          b"cbuiltins\nprint\n(I0x10\nI010\nI01\nI00\nI 7\nI1_000\nI-9\nL123L\nL0x10\nF1.5\nF-inf\n"
          b"S'a\\x41\\n'\nVcaf\\u00e9\ntR.")

    benign = pickle.dumps([1, 2, 3], protocol=2)
    write("two_pickles", benign + pickle.dumps(Evil(), protocol=4), second_start=len(benign))
    payload = b"\x80\x02cos\nsystem\n" + binunicode("echo!") + b"\x85R"
    write("parse_error", payload + b"\xff.", error_offset=len(payload))

    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        info = zipfile.ZipInfo("data.txt", date_time=(2020, 1, 1, 0, 0, 0))
        archive.writestr(info, b"hello world\n" * 4)
    evil = pickle.dumps(Evil(), protocol=2)
    write("zip_appended", evil + zipped.getvalue(), pickle_end=len(evil))

    inner = pickle.dumps(Evil(), protocol=4)
    with open(os.path.join(OUT, "nested_inner.bin"), "wb") as f:
        f.write(inner)
    write("nested_pickle", pickle.dumps(Nested(), protocol=4))

    buffers = []
    oob = pickle.dumps([pickle.PickleBuffer(b"abc"), pickle.PickleBuffer(bytearray(b"xyz")), bytearray(b"inband")],
                       protocol=5, buffer_callback=buffers.append)
    write("oob_buffers_p5", oob, buffers=[bytes(b.raw()) for b in buffers], out_of_band=len(buffers))

    write("persistent_p0", dumps_persistent([Storage("storage_0"), 1], 0))
    write("persistent_p2", dumps_persistent([Storage(("storage", "FloatStorage", "0", "cpu", 6)), 1], 2))

    write("million_list", pickle.dumps(list(range(1_000_000)), protocol=4))
    # Enough values to make the VM collect garbage several times, with the names of the final call
    # memoized at the very start: 100k memoized strings stay alive, 200k appended ones become garbage.
    parts = [b"\x80\x04", short_unicode("os"), b"\x94", short_unicode("system"), b"\x94", b"00]"]
    for batch in range(300):
        parts.append(b"(")
        for i in range(1000):
            parts.append(short_unicode("v%d.%d" % (batch, i)))
            if batch < 100:
                parts.append(b"\x94")
        parts.append(b"e")
    parts.append(b"0j\x00\x00\x00\x00j\x01\x00\x00\x00\x93" + short_unicode("id") + b"\x85R.")
    write("gc_stress", check(b"".join(parts)))
    shared = {"k": "v"}
    heavy = [shared] * 50_000 + ["s%d" % i for i in range(50_000)] + [Evil()]
    write("memo_heavy_p4", pickle.dumps(heavy, protocol=4))
    write("memo_heavy_p0", pickle.dumps(heavy[:2000] + heavy[-2000:], protocol=0))


if __name__ == "__main__":
    main()
