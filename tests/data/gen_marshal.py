#!/usr/bin/python3
"""Writes marshal test data into <testdata-dir>/marshal/.

Real data: CPython's own marshal.dumps of function code objects (this interpreter's layout, 3.11+), in the
raw form and in the two text forms Keras stores in a Lambda layer's config:
  <case>.marshal  raw marshal bytes
  <case>.b64      Keras 2: codecs.encode(raw, 'base64').decode('ascii')
  <case>.k1       Keras 1: raw.decode('raw_unicode_escape'), written as UTF-8
Constant-table variants dumped with every marshal version 0-4 (text floats, no back-references, ...).
Older layouts (3.0-3.7, 3.8-3.10, 2.x) cannot be produced by this interpreter, so hand_*.marshal are
written field by field with a small writer below.
expected.json describes each file from the real code objects (or the hand-built description).
"""
import os
import sys

# Set and frozenset iteration order, and so the marshal bytes, depend on string hashing.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import codecs
import json
import marshal
import pathlib
import struct
import types

FILENAME = "<modelshield-test>"

# Each source defines `f`; its code object is what gets marshalled.
CASES = {
    "arithmetic": "f = lambda x: x * 2.5 + 1\n",
    "os_system": "f = lambda x: __import__('os').system('echo hi') or x\n",
    "closure": (
        "def f(k, unused=None):\n"
        "    def inner(x):\n"
        "        def deepest(y):\n"
        "            return y + k\n"
        "        return deepest(x) * k\n"
        "    return inner\n"
    ),
    "comprehension": (
        "import subprocess\n"
        "f = lambda xs: [subprocess.call(v) for v in xs if v in {'ls', 'id', 'pwd'}]\n"
    ),
    "signature": (
        "def f(a, b=2, /, c=3, *args, d, e=b'\\x00\\xffbin\\\\', **kw):\n"
        "    return (a, b, c, d, e, args, kw, 'word', ('x', 'y'), None, True, False, ...)\n"
    ),
    "numbers": (
        "def f():\n"
        "    a = 7\n"
        "    b = -1\n"
        "    c = 2 ** 31\n"
        "    d = -2 ** 31 - 1\n"
        "    e = 2 ** 62\n"
        "    g = %d\n"
        "    h = -%d\n"
        "    i = 1.5\n"
        "    j = -0.0\n"
        "    k = 1e16\n"
        "    l = 1e-5\n"
        "    m = 1e400\n"
        "    n = 0.1\n"
        "    o = 123456.789e3\n"
        "    p = 2j\n"
        "    q = 1 + 2j\n"
        "    r = -0.5 - 1.25j\n"
        "    s = 10 ** 30\n"
        "    return a, b, c, d, e, g, h, i, j, k, l, m, n, o, p, q, r, s\n" % (2 ** 100, 2 ** 200)
    ),
    "imports": (
        "def f():\n"
        "    import socket\n"
        "    from os import system as run\n"
        "    return socket.socket, run\n"
    ),
    "strings": (
        "def f():\n"
        "    a = 'h\\u00e9llo \\u2603'\n"
        "    b = \"it's\"\n"
        "    c = 'tab\\tnew\\nline'\n"
        "    d = 'x' * 300\n"
        "    e = '\\\\u0101 stays escaped'\n"
        "    g = b'\\x00\\x01raw'\n"
        "    return a, b, c, d, e, g\n"
    ),
    "exceptions": (
        "def f(path):\n"
        "    try:\n"
        "        with open(path) as handle:\n"
        "            return handle.read()\n"
        "    except OSError as error:\n"
        "        return str(error)\n"
    ),
    "generator": "def f(n):\n    yield from (i * i for i in range(n))\n",
}

# Constants no compiler emits, planted with code.replace() to cover every value type.
CYCLE = []
CYCLE.append(CYCLE)
VALUES = (
    None, True, False, ..., StopIteration, 0, -5, 2 ** 40, -(2 ** 70), 3.25, -1e-300, complex(0.5, -2.0),
    "text", b"by\\tes", (1, ("nested", 2.0)), [1, "in list"], {"key": "value", 3: None},
    {7, 8}, frozenset({"frozen", 9}), frozenset(),
)


def escape_bytes(data):
    out = []
    for c in data:
        if c == 0x5C:
            out.append("\\\\")
        elif c == 0x0A:
            out.append("\\n")
        elif c == 0x0D:
            out.append("\\r")
        elif c == 0x09:
            out.append("\\t")
        elif c < 0x20 or c >= 0x7F:
            out.append("\\x%02x" % c)
        else:
            out.append(chr(c))
    return "".join(out)


def unique(values):
    seen, out = set(), []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def marshal_order(items, version):
    """Set elements in the order marshal writes them: sorted by their own marshalled bytes (3.11+)."""
    return sorted(items, key=lambda item: marshal.dumps(item, version))


def py_repr(value, version, open_ids=()):
    """repr(), except that set elements come in marshal order, which is all a reader can know."""
    if id(value) in open_ids:
        return "[...]" if isinstance(value, list) else "{...}" if isinstance(value, dict) else "..."
    inner = open_ids + (id(value),)
    if isinstance(value, tuple):
        parts = [py_repr(v, version, inner) for v in value]
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(py_repr(v, version, inner) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(py_repr(k, version, inner) + ": " + py_repr(v, version, inner)
                               for k, v in value.items()) + "}"
    if isinstance(value, (set, frozenset)):
        if not value:
            return "set()" if isinstance(value, set) else "frozenset()"
        body = "{" + ", ".join(py_repr(v, version, inner) for v in marshal_order(value, version)) + "}"
        return body if isinstance(value, set) else "frozenset(" + body + ")"
    return repr(value)


def walk_constants(consts, seen_codes, version):
    """Strings (pre-order, each object once) and code objects among the constants, as the reader walks."""
    strings, codes, seen = [], [], set()

    def visit(value):
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, bytes):
            strings.append(escape_bytes(value))
        elif isinstance(value, types.CodeType):
            if id(value) not in seen_codes:
                seen_codes.add(id(value))
                codes.append(value)
        elif isinstance(value, (tuple, list)):
            for item in value:
                visit(item)
        elif isinstance(value, (set, frozenset)):
            for item in marshal_order(value, version):
                visit(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(key)
                visit(item)

    for item in consts:
        visit(item)
    return strings, codes


def describe(code, seen_codes, version=marshal.version):
    strings, codes = walk_constants(code.co_consts, seen_codes, version)
    return {
        "name": code.co_name,
        "qualname": code.co_qualname,
        "filename": code.co_filename,
        "first_line": code.co_firstlineno,
        "argcount": code.co_argcount,
        "posonlyargcount": code.co_posonlyargcount,
        "kwonlyargcount": code.co_kwonlyargcount,
        "nlocals": code.co_nlocals,
        "stacksize": code.co_stacksize,
        "flags": code.co_flags,
        "names": list(code.co_names),
        "varnames": unique(code.co_varnames + code.co_cellvars + code.co_freevars),
        "cellvars": list(code.co_cellvars),
        "freevars": list(code.co_freevars),
        "string_constants": strings,
        "other_constants": [py_repr(c, version) for c in code.co_consts
                            if not isinstance(c, (str, bytes, types.CodeType))],
        "bytecode_hex": code.co_code.hex(),
        "nested": [describe(c, seen_codes, version) for c in codes],
    }


def all_names(description):
    names = list(description["names"])
    for nested in description["nested"]:
        names += all_names(nested)
    return unique(names)


# --- hand-built marshal data for layouts this interpreter cannot write ---

class Code:
    def __init__(self, **fields):
        self.__dict__.update(fields)


class Interned(str):
    """A str written with the interned type code (and, in Python 2, shared through 'R')."""


class HandWriter:
    """Writes marshal bytes the way older interpreters did, for one code-object layout."""

    def __init__(self, layout, refs, short_forms):
        self.layout, self.refs, self.short_forms = layout, refs, short_forms
        self.out = bytearray()
        self.ref_index = {}  # value -> index, for FLAG_REF / 'r' (3.4+) or 'R' (2.x)
        self.count = 0

    def long(self, value):
        self.out += struct.pack("<i", value)

    def type_code(self, code, value=None):
        if self.refs and value is not None:
            self.ref_index[value] = self.count
            self.count += 1
            self.out.append(ord(code) | 0x80)
        else:
            self.out += code.encode()

    def obj(self, value):
        if value is None:
            self.out += b"N"
        elif value is True or value is False:
            self.out += b"T" if value else b"F"
        elif isinstance(value, int):
            self.type_code("i")
            self.long(value)
        elif isinstance(value, str):
            self.text(value)
        elif isinstance(value, bytes):
            self.type_code("s")
            self.long(len(value))
            self.out += value
        elif isinstance(value, tuple):
            if self.short_forms and len(value) < 256:
                self.type_code(")")
                self.out.append(len(value))
            else:
                self.type_code("(")
                self.long(len(value))
            for item in value:
                self.obj(item)
        elif isinstance(value, Code):
            self.code(value)
        else:
            raise TypeError(value)

    def text(self, value):
        if self.layout == "python2":
            data = value.encode("utf-8")
            if isinstance(value, Interned):
                if value in self.ref_index:
                    self.out += b"R"
                    self.long(self.ref_index[value])
                    return
                self.ref_index[value] = len(self.ref_index)
                self.out += b"t"
            else:
                self.out += b"s"
            self.long(len(data))
            self.out += data
            return
        if self.refs and isinstance(value, Interned) and value in self.ref_index:
            self.out += b"r"
            self.long(self.ref_index[value])
            return
        flag_value = value if isinstance(value, Interned) else None
        if self.short_forms and value.isascii() and len(value) < 256:
            self.type_code("Z" if isinstance(value, Interned) else "z", flag_value)
            self.out.append(len(value))
            self.out += value.encode("ascii")
        else:
            data = value.encode("utf-8")
            self.type_code("t" if isinstance(value, Interned) and self.refs else "u", flag_value)
            self.long(len(data))
            self.out += data

    def code(self, c):
        self.out += b"c"
        self.long(c.argcount)
        if self.layout == "python38_to_310":
            self.long(c.posonlyargcount)
        if self.layout != "python2":
            self.long(c.kwonlyargcount)
        self.long(c.nlocals)
        self.long(c.stacksize)
        self.long(c.flags)
        self.obj(c.code)
        self.obj(c.consts)
        for field in (c.names, c.varnames, c.freevars, c.cellvars):
            self.obj(tuple(Interned(n) for n in field))
        self.obj(Interned(c.filename))
        self.obj(Interned(c.name))
        self.long(c.firstlineno)
        self.obj(c.lnotab)


def hand_cases():
    """An outer function returning a closure that shells out; same program in each old layout."""
    def program(py2):
        inner = Code(argcount=1, posonlyargcount=0, kwonlyargcount=0, nlocals=1, stacksize=3, flags=0x13,
                     code=bytes.fromhex("740000a00188019b009b0083015300"), consts=(None, "rm -rf ", 7),
                     names=("os", "system"), varnames=("path",), freevars=("prefix",), cellvars=(),
                     filename="/tmp/old.py", name="run", firstlineno=3, lnotab=b"\x00\x01")
        outer = Code(argcount=1, posonlyargcount=1 if not py2 else 0, kwonlyargcount=0, nlocals=1,
                     stacksize=2, flags=0x03, code=bytes.fromhex("8700870066016401640284005300"),
                     consts=(None, inner, "outer.<locals>.run", -2, b"\x01raw"),
                     names=("__import__",), varnames=("prefix",), freevars=(), cellvars=("prefix",),
                     filename="/tmp/old.py", name="outer", firstlineno=1, lnotab=b"\x00\x01\x0c\x02")
        return outer

    described = {
        "names": ["__import__"],
        "all_names": ["__import__", "os", "system"],
        "varnames": ["prefix"],
        "cellvars": ["prefix"],
        "filename": "/tmp/old.py",
        "name": "outer",
        "first_line": 1,
        "string_constants": ["outer.<locals>.run", "\\x01raw"],
        "other_constants": ["None", "-2"],
        "nested_name": "run",
        "nested_varnames": ["path", "prefix"],
        "nested_freevars": ["prefix"],
        "nested_strings": ["rm -rf "],
        "nested_bytecode_hex": "740000a00188019b009b0083015300",
    }
    layouts = {
        # name: (layout, refs, short forms, expected python versions)
        "hand_py33": ("python30_to_37", False, False, "3.0-3.7"),
        "hand_py37": ("python30_to_37", True, True, "3.4-3.7"),
        "hand_py38": ("python38_to_310", True, True, "3.8-3.10"),
        "hand_py27": ("python2", False, False, "2.3-2.7"),
    }
    for name, (layout, refs, short_forms, versions) in layouts.items():
        writer = HandWriter(layout, refs, short_forms)
        writer.obj(program(layout == "python2"))
        expected = dict(described, layout=layout, python_versions=versions,
                        posonlyargcount=1 if layout == "python38_to_310" else 0)
        yield name, bytes(writer.out), expected


def main():
    out_dir = pathlib.Path(sys.argv[1]) / "marshal"
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = {"cases": {}, "values": {}, "hand": {}}

    for name, source in CASES.items():
        namespace = {}
        exec(compile(source, FILENAME, "exec"), namespace)
        code = namespace["f"].__code__
        raw = marshal.dumps(code)
        keras2 = codecs.encode(raw, "base64").decode("ascii")
        keras1 = raw.decode("raw_unicode_escape")
        # The text forms must round-trip the way Keras' func_load reads them.
        assert codecs.decode(keras2.encode("ascii"), "base64") == raw
        assert marshal.loads(keras1.encode("raw_unicode_escape")) == code
        (out_dir / f"{name}.marshal").write_bytes(raw)
        (out_dir / f"{name}.b64").write_text(keras2, encoding="ascii")
        (out_dir / f"{name}.k1").write_text(keras1, encoding="utf-8")
        description = describe(code, set())
        description["all_names"] = all_names(description)
        description["keras1_equals_raw"] = keras1.encode("raw_unicode_escape") == raw
        expected["cases"][name] = description

    for version in range(5):
        for label, consts in (("values", VALUES), ("cycle", (CYCLE, "after"))):
            if label == "cycle" and version < 3:
                continue  # without back-references marshal cannot write a cycle
            code = (lambda: None).__code__.replace(co_consts=consts)
            raw = marshal.dumps(code, version)
            assert marshal.loads(raw).co_consts is not None
            file_name = f"{label}_v{version}"
            (out_dir / f"{file_name}.marshal").write_bytes(raw)
            expected["values"][file_name] = describe(code, set(), version)

    for name, raw, description in hand_cases():
        (out_dir / f"{name}.marshal").write_bytes(raw)
        expected["hand"][name] = description

    (out_dir / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    main()
