#!/usr/bin/python3
"""Pickle-based model files for tests/scan/pickle_scan_test.cpp, written to <testdata>/pickle_scan/.

malicious/ holds one file per known scanner bypass, each written with the real library. Every one is proven
real here: a throw-away /usr/bin/python3 subprocess, run inside an empty temp dir, loads it with the loader
named in malicious.json (pickle, torch.load, joblib.load, np.load(allow_pickle=True)) and the payload must
create the marker file there. A sample whose payload does not run makes this script fail.
benign/ holds ordinary files that must not produce anything high or above (listed in benign.json).
"""
import bz2
import collections
import concurrent.futures
import functools
import gzip
import io
import json
import logging
import lzma
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
import zlib

import joblib
import numpy as np
import torch

OUT = os.path.join(sys.argv[1], "pickle_scan")
MARKER = "ms_marker"
SHELL = "touch " + MARKER
malicious = []
benign = []
# Every compressor joblib.dump offers (lz4 through Debian's python3-lz4).
JOBLIB_COMPRESSORS = [0, ("zlib", 3), ("gzip", 3), ("bz2", 3), ("xz", 3), ("lzma", 3), ("lz4", 3)]


def path(kind, name):
    return os.path.join(OUT, kind, name)


def write(kind, name, data):
    with open(path(kind, name), "wb") as f:
        f.write(data)


def evil(name, loader, data=None, expect=None):
    """Registers a malicious sample (already written unless `data` is given)."""
    if data is not None:
        write("malicious", name, data)
    malicious.append({"file": name, "loader": loader, "expect": expect or ""})


LOADER = r"""
import sys, os
path, loader = sys.argv[1], sys.argv[2]
try:
    if loader == "pickle":
        import pickle
        with open(path, "rb") as f:
            pickle.load(f)
    elif loader == "torch":
        import torch
        torch.load(path)
    elif loader == "joblib":
        import joblib
        joblib.load(path)
    elif loader == "numpy":
        import numpy
        data = numpy.load(path, allow_pickle=True)
        if hasattr(data, "files"):
            for key in data.files:
                data[key]
except BaseException as error:  # the payload ran before any error we may have provoked
    print(type(error).__name__, error, file=sys.stderr)
"""


def prove(sample):
    src = path("malicious", sample["file"])
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-c", LOADER, src, sample["loader"]], cwd=tmp, timeout=120,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(os.path.join(tmp, MARKER)):
            raise SystemExit("payload of %s did not run under %s" % (sample["file"], sample["loader"]))


# ---- building blocks ---------------------------------------------------------------------------------

class Call:
    """Pickles as a call of `func` with `args`."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def unicode(text):
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data if len(data) < 256 else b"X" + struct.pack("<I", len(data)) + data


def reduce_p2(module, name, *args):
    """GLOBAL module name, args tuple, REDUCE."""
    body = b"c" + module.encode() + b"\n" + name.encode() + b"\n(" + b"".join(unicode(a) for a in args) + b"tR"
    return body


def checkpoint(payload):
    return {"state_dict": collections.OrderedDict(weight=torch.ones(2, 2)), "epoch": 3, "hook": payload}


def torch_zip(obj, name="archive"):
    buf = io.BytesIO()
    torch.save(obj, buf)
    data = buf.getvalue()
    if name == "archive":
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
            for info in src.infolist():
                dst.writestr(name + info.filename[info.filename.index("/"):], src.read(info.filename))
        return out.getvalue()


def replace_member(archive, member, content, fix_crc=True, duplicate_first=None):
    """Rewrites a zip with `member` replaced (stored); optionally keeps the CRC of the old content."""
    with zipfile.ZipFile(io.BytesIO(archive)) as src:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == member:
                    if duplicate_first is not None:
                        dst.writestr(info.filename, duplicate_first)
                    old_crc = zlib.crc32(data)
                    data = content
                dst.writestr(info.filename, data)
    result = bytearray(out.getvalue())
    if not fix_crc:
        name = member.encode()
        # Local header: CRC at +14. Central entry: CRC at +16.
        local = result.index(b"PK\x03\x04" + result[4:4])  # first local header
        while local >= 0:
            name_len = struct.unpack_from("<H", result, local + 26)[0]
            if result[local + 30:local + 30 + name_len] == name:
                struct.pack_into("<I", result, local + 14, old_crc)
            local = result.find(b"PK\x03\x04", local + 4)
        central = result.find(b"PK\x01\x02")
        while central >= 0:
            name_len = struct.unpack_from("<H", result, central + 28)[0]
            if result[central + 46:central + 46 + name_len] == name:
                struct.pack_into("<I", result, central + 16, old_crc)
            central = result.find(b"PK\x01\x02", central + 4)
    return bytes(result)


def torch_legacy(obj):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    return buf.getvalue()


# ---- malicious ---------------------------------------------------------------------------------------

def make_malicious():
    import cProfile
    import distutils.spawn
    import numpy.testing._private.utils as nptu
    import runpy
    import timeit

    for protocol in range(0, 6):
        evil("os_system_p%d.pkl" % protocol, "pickle", pickle.dumps(Call(os.system, SHELL), protocol=protocol),
             expect=SHELL)
    evil("subprocess.pkl", "pickle", pickle.dumps(Call(subprocess.call, ["touch", MARKER]), protocol=4),
         expect="subprocess.call")
    evil("builtins_exec.pkl", "pickle",
         pickle.dumps(Call(exec, "import os; os.system(%r)" % SHELL), protocol=2), expect="builtins.exec")
    evil("timeit.pkl", "pickle",
         pickle.dumps(Call(timeit.timeit, "__import__('os').system(%r)" % SHELL, "pass", time.perf_counter, 1), protocol=4),
         expect="timeit.timeit")
    evil("runpy.pkl", "pickle", pickle.dumps(Call(runpy._run_code, "import os; os.system(%r)" % SHELL, {}), 3),
         expect="runpy._run_code")
    evil("cprofile.pkl", "pickle", pickle.dumps(Call(cProfile.run, "import os; os.system(%r)" % SHELL), 4),
         expect="cProfile.run")
    evil("numpy_testing.pkl", "pickle",
         pickle.dumps(Call(nptu.runstring, "import os; os.system(%r)" % SHELL, {}), protocol=4),
         expect="numpy.testing._private.utils.runstring")
    evil("distutils_spawn.pkl", "pickle", pickle.dumps(Call(distutils.spawn.spawn, ["touch", MARKER]), 4),
         expect="distutils.spawn.spawn")
    # Wrappers that call what they are handed: the wrapped callable is what runs.
    evil("functools_partial.pkl", "pickle", pickle.dumps(Call(functools.partial(os.system, SHELL)), protocol=4),
         expect=SHELL)
    evil("builtins_map_p2.pkl", "pickle", pickle.dumps(Call(list, map(os.system, [SHELL])), protocol=2),
         expect=SHELL)
    # logging's handlers open files when constructed (a .pth file is code at the next start).
    evil("logging_filehandler.pkl", "pickle", pickle.dumps(Call(logging.FileHandler, MARKER), protocol=4),
         expect="logging.FileHandler")
    # torch.fx GraphModule pickles exec() their source code: the import block here is a payload.
    import torch.fx.graph_module as fx_graph_module
    evil("torch_fx_graph_module.pt", "torch",
         torch_zip(Call(fx_graph_module.reduce_graph_module, {"_code": "\ndef forward(self):\n    return None\n"},
                        "import os; os.system(%r)\n" % SHELL)), expect="reduce_graph_module")
    # copyreg.add_extension registers os.system under an extension code that EXT1 then imports.
    evil("copyreg_extension.pkl", "pickle",
         b"\x80\x02ccopyreg\nadd_extension\n(" + unicode("os") + unicode("system") + b"K\x42tR0"
         + b"\x82\x42(" + unicode(SHELL) + b"tR.", expect=SHELL)
    # Protocol 0 has no header: streams opening with other opcodes, or never reaching STOP, still run.
    shell_call = b"cos\nsystem\n(S'" + SHELL.encode() + b"'\ntR"
    evil("protocol0_none_first.pkl", "pickle", b"N0" + shell_call + b".", expect=SHELL)
    evil("protocol0_int_first.bin", "pickle", b"I1\n0" + shell_call + b".", expect=SHELL)
    evil("protocol0_no_stop.pkl", "pickle", shell_call, expect=SHELL)
    # STACK_GLOBAL whose strings come from the memo instead of being pushed right before it.
    memo = (b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00" + unicode("os") + b"\x94" + unicode("system") + b"\x94"
            + b"0" + b"0" + b"h\x00h\x01\x93" + unicode(SHELL) + b"\x85R.")
    evil("stack_global_memo.pkl", "pickle", memo, expect="os.system")
    # Dotted attribute path resolved by find_class at protocol 4.
    dotted = b"\x80\x04" + unicode("builtins") + unicode("exec.__call__") + b"\x93" + unicode(
        "import os; os.system(%r)" % SHELL) + b"\x85R."
    evil("dotted_qualname.pkl", "pickle", dotted, expect="builtins")
    # getattr reflection: getattr(__import__('os'), 'system')('touch ...')
    reflect = (b"\x80\x02cbuiltins\ngetattr\n(cbuiltins\n__import__\n(" + unicode("os") + b"tR" + unicode("system")
               + b"tR(" + unicode(SHELL) + b"tR.")
    evil("getattr_reflection.pkl", "pickle", reflect, expect="getattr")
    # The payload runs, then a deliberate parse error.
    evil("payload_then_error.pkl", "pickle", b"\x80\x02" + reduce_p2("os", "system", SHELL) + b"0\xff.",
         expect=SHELL)
    # A pickle with a zip appended: pickle.load runs the leading pickle, zip tools see an archive.
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("readme.txt", "hello")
    evil("pickle_then_zip.pkl", "pickle", pickle.dumps(Call(os.system, SHELL), protocol=2) + zipped.getvalue(),
         expect=SHELL)
    # A nested pickle passed as bytes to pickle.loads.
    inner = pickle.dumps(Call(os.system, SHELL), protocol=4)
    evil("nested_pickle_loads.pkl", "pickle", pickle.dumps(Call(pickle.loads, inner), protocol=4),
         expect=SHELL)
    # A torch.save zip passed as bytes to torch.storage._load_from_bytes.
    inner_zip = torch_zip(checkpoint(Call(os.system, SHELL)))
    evil("nested_load_from_bytes.pkl", "pickle",
         pickle.dumps(Call(torch.storage._load_from_bytes, inner_zip), protocol=2), expect=SHELL)

    # PyTorch archives.
    evil("torch_checkpoint.pt", "torch", torch_zip(checkpoint(Call(os.system, SHELL))), expect=SHELL)
    evil("torch_odd_name.jpg", "torch", torch_zip(checkpoint(Call(os.system, SHELL)), name="weights"),
         expect=SHELL)
    benign_zip = torch_zip(checkpoint(1))
    evil_pickle = pickle.dumps(checkpoint(Call(os.system, SHELL)), protocol=2)
    evil("torch_crc_mismatch.pt", "torch", replace_member(benign_zip, "archive/data.pkl",
                                                          torch_zip_pickle(evil_pickle), fix_crc=False),
         expect=SHELL)
    evil("torch_duplicate.pt", "torch",
         replace_member(benign_zip, "archive/data.pkl", torch_zip_pickle(evil_pickle),
                        duplicate_first=torch_zip_pickle(pickle.dumps({"epoch": 1}, protocol=2))), expect=SHELL)
    evil("torch_legacy.pth", "torch", torch_legacy(checkpoint(Call(os.system, SHELL))), expect=SHELL)
    # Legacy format: a benign magic-number pickle first, the payload in a later pickle.
    legacy = torch_legacy({"epoch": 1})
    first = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    assert legacy.startswith(first)
    evil("torch_legacy_second_pickle.bin", "torch",
         first + pickle.dumps(Call(os.system, SHELL), protocol=2) + legacy[len(first):], expect=SHELL)

    # The oldest torch.save layout: a tar read by legacy_load, the payload in its `pickle` member.
    evil("torch_legacy_tar.tar", "torch", legacy_tar(pickle.dumps(Call(os.system, SHELL), protocol=2)),
         expect=SHELL)

    # joblib, plain and compressed, with arrays ahead of the payload.
    for compress in JOBLIB_COMPRESSORS:
        suffix = "plain" if compress == 0 else compress[0]
        target = path("malicious", "joblib_%s.joblib" % suffix)
        joblib.dump({"w": np.arange(1000, dtype=np.float64), "hook": Call(os.system, SHELL)}, target,
                    compress=compress)
        evil("joblib_%s.joblib" % suffix, "joblib", expect=SHELL)
    # A void dtype pickled as 'V01' whose __setstate__ restores 16-byte items: joblib reads 16 bytes per
    # item; a scanner trusting the type string would step over 1 and read STOP opcodes from the array.
    stops = np.frombuffer(b"." * 16 * 64, dtype="V16")
    target = path("malicious", "joblib_dtype_elsize.joblib")
    joblib.dump({"w": stops, "hook": Call(os.system, SHELL)}, target)
    with open(target, "rb") as f:
        data = f.read()
    assert data.count(b"V16") == 1
    evil("joblib_dtype_elsize.joblib", "joblib", data.replace(b"V16", b"V01"), expect=SHELL)
    # The array's shape as a list and its dtype with a byte order: joblib reads them the same way.
    target = path("malicious", "joblib_list_shape.joblib")
    joblib.dump({"w": np.frombuffer(b"." * 8 * 64, dtype="f8"), "hook": Call(os.system, SHELL)}, target,
                protocol=2)
    with open(target, "rb") as f:
        data = f.read()
    assert data.count(b"K@\x85") == 1 and data.count(b"X\x02\x00\x00\x00f8") == 1
    evil("joblib_list_shape.joblib", "joblib", data.replace(b"K@\x85", b"]K@a"), expect=SHELL)
    evil("joblib_byte_order_dtype.joblib", "joblib",
         data.replace(b"X\x02\x00\x00\x00f8", b"X\x03\x00\x00\x00<f8"), expect=SHELL)
    # A dtype this scanner cannot size: it must say it could not follow the file, not pass it.
    write("unfollowable", "joblib_unsized_dtype.joblib", data.replace(b"X\x02\x00\x00\x00f8", b"X\x02\x00\x00\x00x8"))
    # The payload split across two concatenated bz2 / lz4 streams, which joblib.load reads as one.
    import lz4.frame
    payload = pickle.dumps({"w": [0.5] * 100, "hook": Call(os.system, SHELL)}, protocol=4)
    half = len(payload) // 2
    evil("joblib_bz2_two_streams.joblib", "joblib", bz2.compress(payload[:half]) + bz2.compress(payload[half:]),
         expect=SHELL)
    evil("joblib_lz4_two_streams.joblib", "joblib",
         lz4.frame.compress(payload[:half]) + lz4.frame.compress(payload[half:]), expect=SHELL)
    joblib_stream_errors()
    # .xz and .lzma streams mixed: joblib reads both with lzma.LZMAFile's auto-detection, stream by stream,
    # so the payload may sit in a stream of the other format than the file's first bytes announce.
    xz = lambda data: lzma.compress(data, format=lzma.FORMAT_XZ)
    alone = lambda data: lzma.compress(data, format=lzma.FORMAT_ALONE)
    evil("joblib_xz_then_lzma.joblib", "joblib", xz(payload[:12]) + alone(payload[12:]), expect=SHELL)
    evil("joblib_lzma_then_xz.joblib", "joblib", alone(payload[:12]) + xz(payload[12:]), expect=SHELL)
    # joblib detects .lzma by ']\0' only: a 256-byte dictionary makes the header ']\0\1\0\0'.
    small = lzma.LZMACompressor(format=lzma.FORMAT_ALONE, filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 4096}])
    data = small.compress(payload) + small.flush()
    evil("joblib_lzma_small_dictionary.joblib", "joblib", data[:1] + struct.pack("<I", 256) + data[5:], expect=SHELL)
    # joblib < 0.9.3's format, which joblib.load still reads: "ZF", the length in hex, one zlib stream.
    zfile_payload = pickle.dumps({"hook": Call(os.system, SHELL)}, protocol=2)
    evil("joblib_zfile.joblib", "joblib",
         b"ZF" + ("%#x" % len(zfile_payload)).ljust(19).encode() + zlib.compress(zfile_payload), expect=SHELL)
    # A protocol-0 payload whose pickle breaks right after the call: no clean pickle start to sniff.
    evil("joblib_broken_protocol0.joblib", "joblib",
         zlib.compress(b"cposix\nsystem\n(V" + SHELL.encode() + b"\ntR\xff"), expect=SHELL)
    obj_array = np.empty(2, dtype=object)
    obj_array[0], obj_array[1] = 1, Call(os.system, SHELL)
    joblib.dump({"w": np.ones(10), "objects": obj_array}, path("malicious", "joblib_object_array.joblib"))
    evil("joblib_object_array.joblib", "joblib", expect=SHELL)

    # numpy object arrays.
    np.save(path("malicious", "object_array.npy"), obj_array, allow_pickle=True)
    evil("object_array.npy", "numpy", expect=SHELL)
    np.savez(path("malicious", "object_array.npz"), a=np.ones(3), b=obj_array)
    evil("object_array.npz", "numpy", expect=SHELL)


def legacy_tar(main_pickle):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in (("sys_info", pickle.dumps({"protocol_version": 1001, "little_endian": True,
                                                       "type_sizes": {"short": 2, "int": 4, "long": 4}}, 2)),
                           ("storages", pickle.dumps(0, 2) + pickle.dumps([], 2)),
                           ("tensors", pickle.dumps(0, 2)), ("pickle", main_pickle)):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def torch_zip_pickle(data):
    return data


def joblib_stream_errors():
    """joblib.load unpickles a compressed stream as it decompresses it (in 1 MiB reads), so a payload ahead
    of a truncated or corrupt part has run when the error comes: every codec, both ways."""
    import lz4.frame
    codecs = {"zlib": lambda d: zlib.compress(d, 3), "gzip": lambda d: gzip.compress(d, 3, mtime=0),
              "bz2": lambda d: bz2.compress(d, 3), "xz": lambda d: lzma.compress(d, format=lzma.FORMAT_XZ),
              "lzma": lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE), "lz4": lz4.frame.compress}
    streams = {"zlib": zlib.decompressobj, "gzip": lambda: zlib.decompressobj(31), "bz2": bz2.BZ2Decompressor,
               "xz": lzma.LZMADecompressor, "lzma": lzma.LZMADecompressor, "lz4": lz4.frame.LZ4FrameDecompressor}

    def decoded(name, data):  # bytes decoded from `data` before it ends or breaks
        stream, size = streams[name](), 0
        try:
            for at in range(0, len(data), 4096):
                size += len(stream.decompress(data[at:at + 4096]))
        except Exception:
            return size, True
        return size, False

    # 2.4 MB that compress 30 to 600 times: past joblib's first read, within the compression-ratio limit.
    padding = (np.sin(np.arange(150000)) * 100).astype(np.int16).tobytes() * 8
    payload = pickle.dumps([Call(os.system, SHELL), padding], protocol=4)
    for name, compress in codecs.items():
        data = compress(payload)
        low, cut = 0, len(data)  # the shortest prefix that decodes to more than 1.5 MiB
        while low + 1 < cut:
            middle = (low + cut) // 2
            low, cut = (low, middle) if decoded(name, data[:middle])[0] > 3 << 19 else (middle, cut)
        evil("joblib_%s_truncated.joblib" % name, "joblib", data[:cut], expect=SHELL)
        for at in range(cut, len(data) - 16, 61):
            broken = data[:at] + b"\xff" * 16 + data[at + 16:]
            if decoded(name, broken)[1]:
                break
        else:
            raise SystemExit("no corruption of the %s stream is detected" % name)
        evil("joblib_%s_corrupt.joblib" % name, "joblib", broken, expect=SHELL)



# ---- benign ------------------------------------------------------------------------------------------


def make_benign():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.BatchNorm1d(8),
                                torch.nn.Linear(8, 2))
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(3, 4)).sum().backward()
    optimizer.step()

    def save(name, obj, **kwargs):
        torch.save(obj, path("benign", name), **kwargs)
        benign.append(name)

    save("state_dict.pt", model.state_dict())
    save("full_module.pt", model)
    save("checkpoint.ckpt", {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 7,
                              "loss": 0.25, "name": "run"})
    dtypes = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int8, torch.uint8,
              torch.int16, torch.int32, torch.int64, torch.bool, torch.complex64, torch.complex128]
    save("every_dtype.pt", {str(d): torch.zeros(3, dtype=d) for d in dtypes})
    save("legacy_state_dict.pth", model.state_dict(), _use_new_zipfile_serialization=False)
    save("legacy_checkpoint.pth", {"model": model.state_dict(), "optimizer": optimizer.state_dict()},
         _use_new_zipfile_serialization=False)
    # functools.partial of a layer class, a logger (pickled as logging.getLogger) and builtins.
    save("wrappers.pt", {"model": model.state_dict(), "logger": logging.getLogger("train"),
                         "activation": functools.partial(torch.nn.LeakyReLU, negative_slope=0.1),
                         "pick_best": functools.partial(max, key=abs)})
    write("benign", "legacy_tar.tar", legacy_tar(pickle.dumps({"epoch": 1, "w": [0.5] * 10}, protocol=2)))
    benign.append("legacy_tar.tar")
    write("benign", "tensor_pickled.pkl", pickle.dumps(torch.arange(6.0), protocol=2))
    benign.append("tensor_pickled.pkl")

    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    x, y = make_classification(n_samples=60, n_features=5, random_state=0)
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(x, y)
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y)
    for compress in JOBLIB_COMPRESSORS:
        suffix = "plain" if compress == 0 else compress[0]
        for label, obj in (("pipeline", pipeline), ("forest", forest)):
            name = "sklearn_%s_%s.joblib" % (label, suffix)
            joblib.dump(obj, path("benign", name), compress=compress)
            benign.append(name)
    write("benign", "sklearn_forest.pkl", pickle.dumps(forest, protocol=4))
    benign.append("sklearn_forest.pkl")

    np.save(path("benign", "floats.npy"), np.linspace(0, 1, 12).reshape(3, 4))
    numbers = np.array([1, 2.5, None, "text"], dtype=object)
    np.save(path("benign", "object_numbers.npy"), numbers, allow_pickle=True)
    np.savez(path("benign", "arrays.npz"), a=np.ones(4), b=numbers)
    benign.extend(["floats.npy", "object_numbers.npy", "arrays.npz"])

    containers = {"ints": list(range(50)), "floats": [0.1, 1e300, -2.5], "text": "héllo", "bytes": b"\x00\x01",
                  "nested": ({1, 2}, frozenset([3]), (None, True, False)), "od": collections.OrderedDict(a=1),
                  "big": 2 ** 200, "bytearray": bytearray(b"xy")}
    for protocol in range(0, 6):
        name = "containers_p%d.pkl" % protocol
        write("benign", name, pickle.dumps(containers, protocol=protocol))
        benign.append(name)
    write("benign", "million_list.pkl", pickle.dumps(list(range(1_000_000)), protocol=4))
    shared = [1.5, "x"]
    write("benign", "memo_reuse.pkl", pickle.dumps([shared] * 200_000, protocol=2))
    # Plain text that a crude sniffer would take for a protocol-0 GLOBAL.
    write("benign", "vocab.txt", b"cat\ndog\nfish\nbird\n")
    benign.append("vocab.txt")
    write("benign", "floats_p0.pkl", pickle.dumps([float(i) / 7 for i in range(1000)], protocol=0))
    buffers = []
    data = pickle.dumps(pickle.PickleBuffer(b"abcdef"), protocol=5, buffer_callback=buffers.append)
    write("benign", "oob_buffers_p5.pkl", data)
    write("benign", "numpy_p5.pkl", pickle.dumps(np.arange(100.0), protocol=5))
    benign.extend(["million_list.pkl", "memo_reuse.pkl", "floats_p0.pkl", "oob_buffers_p5.pkl", "numpy_p5.pkl"])


def make_duplicate_records():
    """PyTorch archives whose storage record is stored twice with different tensors; records which entry
    torch.load actually read (by the values it returned) in duplicates.json."""
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(4)}, buf)
    records = []
    for name, first, second in (("duplicate_storage_ones_last.pt", 0.0, 1.0),
                                ("duplicate_storage_ones_first.pt", 1.0, 0.0)):
        data = replace_member(buf.getvalue(), "archive/data/0", np.full(4, second, np.float32).tobytes(),
                              duplicate_first=np.full(4, first, np.float32).tobytes())
        write("duplicates", name, data)
        loaded = float(torch.load(io.BytesIO(data))["w"][0])
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            copies = [i for i, info in enumerate(z.infolist()) if info.filename == "archive/data/0"]
        records.append({"file": name, "record": "archive/data/0",
                        "torch_reads": copies[0] if loaded == first else copies[1]})
    with open(os.path.join(OUT, "duplicates.json"), "w") as f:
        json.dump(records, f, indent=1)


def main():
    for kind in ("malicious", "benign", "duplicates", "unfollowable"):
        shutil.rmtree(path(kind, ""), ignore_errors=True)
        os.makedirs(path(kind, ""))
    make_malicious()
    make_benign()
    make_duplicate_records()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(prove, malicious))
    with open(os.path.join(OUT, "malicious.json"), "w") as f:
        json.dump(malicious, f, indent=1)
    with open(os.path.join(OUT, "benign.json"), "w") as f:
        json.dump(benign, f, indent=1)


if __name__ == "__main__":
    main()
