#!/usr/bin/python3
"""Writes the ZIP reader's test archives into <testdata>/zip/ with CPython's own zipfile module, then
records in expected.json what that same module makes of each archive (entries, offsets, which entry a
name opens, and what open().read() returns or raises), so the C++ tests compare against Python itself.

Hostile variants are made by patching bytes of archives zipfile wrote. Output is deterministic: every
member gets a fixed timestamp and data comes from seeded generators.
"""
import io
import json
import os
import random
import struct
import sys
import warnings
import zipfile
import zlib

DATE = (2024, 1, 2, 3, 4, 6)
CENTRAL = b"PK\x01\x02"
LOCAL = b"PK\x03\x04"


def info(name, method=zipfile.ZIP_STORED, mode=0o644):
    zinfo = zipfile.ZipInfo(name, date_time=DATE)
    zinfo.compress_type = method
    zinfo.external_attr = mode << 16
    return zinfo


def build(members, method=zipfile.ZIP_STORED, comment=b"", stream=None):
    """members: list of (ZipInfo-or-name, bytes)."""
    out = stream if stream is not None else io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in members:
            zinfo = name if isinstance(name, zipfile.ZipInfo) else info(name, method)
            zf.writestr(zinfo, data)
        zf.comment = comment
    return out.getvalue() if stream is None else None


def central_records(data):
    """Offsets of the central directory records, in order (archives written by zipfile: no prefix)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        at, count = zf.start_dir, len(zf.filelist)
    records = []
    for _ in range(count):
        assert data[at:at + 4] == CENTRAL
        n, m, k = struct.unpack_from("<HHH", data, at + 28)
        records.append(at)
        at += 46 + n + m + k
    return records


def local_offset(data, record):
    return struct.unpack_from("<L", data, record + 42)[0]


def grow_directory(data, record):
    """Appends `record` to the central directory (the end record follows it and counts it)."""
    end = len(data) - 22
    size = struct.unpack_from("<L", data, end + 12)[0]
    return data[:end] + record + patch_u32(data[end:], 12, size + len(record))


def patch(data, at, new):
    return data[:at] + new + data[at + len(new):]


def patch_u16(data, at, value):
    return patch(data, at, struct.pack("<H", value))


def patch_u32(data, at, value):
    return patch(data, at, struct.pack("<L", value))


def replace_in_names(data, old, new):
    """Replaces a name's bytes in both its local header and its central record (same length)."""
    assert len(old) == len(new) and data.count(old) == 2
    return data.replace(old, new)


def set_flag_bits(data, bits):
    """ORs flag bits into every local header and central record."""
    for record in central_records(data):
        local = local_offset(data, record)
        data = patch_u16(data, record + 8, struct.unpack_from("<H", data, record + 8)[0] | bits)
        data = patch_u16(data, local + 6, struct.unpack_from("<H", data, local + 6)[0] | bits)
    return data


class Unseekable(io.RawIOBase):
    """A write-only stream zipfile cannot seek back in, so it writes data descriptors."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buffer += b
        return len(b)

    def tell(self):
        return len(self.buffer)

    def seekable(self):
        return False

    def seek(self, *args):
        raise OSError("unseekable")

    def flush(self):
        pass


def text(n, seed):
    rng = random.Random(seed)
    words = ["dense", "kernel", "bias", "layer", "units", "activation", "relu", "softmax", "config"]
    out = []
    while sum(map(len, out)) < n:
        out.append(rng.choice(words))
    return (" ".join(out))[:n].encode()


def archives():
    rng = random.Random(1234)
    noise = bytes(rng.getrandbits(8) for _ in range(100_000))
    config = json.dumps({"class_name": "Sequential", "config": {"layers": [{"units": i} for i in range(50)]}}).encode()
    made = {}

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(info("a.txt"), b"hello world\n")
        zf.mkdir("dir")
        zf.writestr(info("dir/b.bin"), bytes(range(256)) * 4)
    made["stored.zip"] = out.getvalue()

    made["deflated.zip"] = build(
        [("config.json", config), ("weights.bin", noise), ("zeros.bin", bytes(65536)), ("empty.txt", b"")],
        zipfile.ZIP_DEFLATED)

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open(info("small.txt", zipfile.ZIP_DEFLATED), "w", force_zip64=True) as f:
            f.write(b"tiny member written with force_zip64\n")
        zf.writestr(info("plain.txt", zipfile.ZIP_DEFLATED), b"no zip64 here\n")
    made["zip64_forced.zip"] = out.getvalue()

    # zipfile switches to zip64 records above these limits; lowering them makes the real writer emit zip64
    # extra fields (sizes, header offsets) and the zip64 end records for a small archive.
    saved = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 300, 2
    try:
        made["zip64_full.zip"] = build([(f"part{i}.bin", text(200 + 150 * i, i)) for i in range(4)])
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = saved

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made["duplicate.zip"] = build([("config.json", b'{"v": 1}'), ("other.txt", b"other"),
                                       ("config.json", b'{"v": 2, "evil": true}')])

    made["names.zip"] = build([(n, n.encode()) for n in
                               ["ok.txt", "../evil.txt", "safe/../../escape.txt", "/etc/passwd_like",
                                "C:/windows/x.txt", "dir\\file.txt"]])

    link = info("link", mode=0o120777)
    made["symlink.zip"] = build([("regular.txt", b"regular"), (link, b"/etc/passwd")])

    inner = build([("a.txt", b"prepended archive member"), ("b.txt", b"second member")])
    made["prepended.zip"] = b"#!/bin/sh\necho this archive has a shell script in front\nexit 0\n" * 3 + inner
    made["trailing.zip"] = inner + b"TRAILING GARBAGE AFTER THE ARCHIVE"

    commented = info("member.txt")
    commented.comment = b"entry comment"
    made["comment.zip"] = build([(commented, b"data")], comment=b"archive comment here")

    good = build([("data.bin", b"A" * 100), ("fine.txt", b"fine")])
    at = good.index(b"A" * 100) + 50
    made["crc_bad.zip"] = patch(good, at, b"B")

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(info("readme.txt", zipfile.ZIP_DEFLATED), b"a small honest member")
        with zf.open(info("bomb.bin", zipfile.ZIP_DEFLATED), "w") as f:
            chunk = bytes(1 << 20)
            for _ in range(20):
                f.write(chunk)
    made["bomb.zip"] = out.getvalue()

    made["encrypted_flag.zip"] = set_flag_bits(build([("secret.txt", b"not really encrypted")]), 0x1)

    data = build([("config.json", b'{"a": 1}'), ("model.weights.h5", b"weights")])
    first_local = local_offset(data, central_records(data)[0])
    made["local_name_mismatch.zip"] = patch(data, first_local + 30, b"evil00.json")

    full = made["deflated.zip"]
    made["truncated_half.zip"] = full[:len(full) // 2]
    made["truncated_tail.zip"] = full[:-10]
    made["truncated_directory.zip"] = grow_directory(full, b"PK\x01\x02" + b"\0" * 10)
    # A last record whose name runs past the directory's end: Python reads the name short, without error.
    last = central_records(full)[-1]
    clipped = patch_u16(full[last:last + 46], 28, 100) + b"clipped123"
    made["clipped_name.zip"] = grow_directory(full, clipped)
    records = central_records(full)
    made["bad_central_signature.zip"] = patch(full, records[1], b"PK\x09\x09")

    data = build([("first.bin", b"1" * 64), ("second.bin", b"2" * 64)])
    records = central_records(data)
    grown = patch_u32(data, records[0] + 20, 64 + 120)
    made["overlap.zip"] = patch_u32(grown, records[0] + 24, 64 + 120)
    data = build([("aaaa", b"first member"), ("bbbb", b"second member")])
    records = central_records(data)
    made["shared_header.zip"] = patch_u32(data, records[1] + 42, local_offset(data, records[0]))

    made["methods.zip"] = build([(info("bz2.txt", zipfile.ZIP_BZIP2), text(3000, 7)),
                                 (info("lzma.txt", zipfile.ZIP_LZMA), text(3000, 8)),
                                 (info("plain.txt"), b"plain")])

    made["nul_name.zip"] = replace_in_names(build([("evil.txtXjunk.exe", b"payload")]), b"evil.txtX", b"evil.txt\0")
    made["cp437_name.zip"] = replace_in_names(build([("cafe_X.txt", b"cp437")]), b"cafe_X", b"caf\x82_\xe1")
    made["utf8_name.zip"] = build([("données/日本.txt", b"utf8")])
    made["bad_utf8_name.zip"] = set_flag_bits(replace_in_names(build([("bad_X.txt", b"x")]), b"bad_X", b"bad_\xff"),
                                              0x800)

    stream = Unseekable()
    build([(info("streamed.txt", zipfile.ZIP_DEFLATED), text(5000, 3)), (info("raw.bin"), b"raw bytes")],
          zipfile.ZIP_DEFLATED, stream=stream)
    made["data_descriptor.zip"] = bytes(stream.buffer)

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(info("before.txt"), b"before")
        zf.fp.write(b"HIDDEN PAYLOAD BETWEEN MEMBERS")
        zf.start_dir = zf.fp.tell()  # continue after the hidden bytes instead of overwriting them
        zf.writestr(info("after.txt"), b"after")
    made["gap.zip"] = out.getvalue()

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(info("before.txt"), b"before")
        zf.fp.write(b"PK\x05\x06" + bytes(18))  # a decoy end record outside every member
        zf.start_dir = zf.fp.tell()
        zf.writestr(info("after.txt"), b"after")
    made["stray_eocd.zip"] = out.getvalue()

    made["empty.zip"] = build([])

    data = build([("x.txt", b"x")])
    made["version_too_new.zip"] = patch(data, central_records(data)[0] + 6, b"\x40")

    extra = info("extra.txt")
    extra.extra = struct.pack("<HH", 0xCAFE, 4) + b"abcd"
    data = build([(extra, b"extra")])
    record = central_records(data)[0]
    made["corrupt_extra.zip"] = patch_u16(data, record + 46 + len("extra.txt") + 2, 100)

    nested = build([("inner.txt", b"inner")])
    made["nested_eocd.zip"] = build([("outer.txt", b"outer"), ("inner.zip", nested)])

    data = build([("a.txt", b"offset test")])
    made["cd_offset_high.zip"] = patch_u32(data, len(data) - 22 + 16, struct.unpack_from("<L", data, len(data) - 6)[0] + 1000)

    compressible = text(20000, 5)
    data = build([("text.txt", compressible)], zipfile.ZIP_DEFLATED)
    start = local_offset(data, central_records(data)[0]) + 30 + len("text.txt")
    made["deflate_corrupt.zip"] = patch(data, start + 40, b"\xff" * 24)

    data = build([("lie.txt", compressible)], zipfile.ZIP_DEFLATED)
    made["size_lie.zip"] = patch_u32(data, central_records(data)[0] + 24, 10)

    made.update(library_archives())
    return made


def library_archives():
    """Archives written by the libraries whose files the scanner reads: numpy's .npz and torch.save."""
    made = {}
    import numpy
    for name, save in [("arrays.npz", numpy.savez), ("arrays_compressed.npz", numpy.savez_compressed)]:
        out = io.BytesIO()
        save(out, weights=numpy.arange(1000, dtype=numpy.float32), labels=numpy.array(["a", "b"]))
        made[name] = out.getvalue()
    try:
        import torch
    except ImportError:  # the tests skip what is absent
        return made
    out = io.BytesIO()
    torch.save({"weight": torch.arange(64, dtype=torch.float32).reshape(8, 8), "step": 3}, out)
    made["checkpoint.pt"] = out.getvalue()
    return made


def describe(data):
    """What CPython's zipfile makes of `data`."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - recording whatever Python raises is the point
        return {"archive_error": f"{type(e).__name__}: {e}"}
    entries, reads = [], []
    for index, zinfo in enumerate(zf.filelist):
        entries.append({
            "filename": zinfo.filename, "orig_filename": zinfo.orig_filename,
            "header_offset": zinfo.header_offset, "compress_size": zinfo.compress_size,
            "file_size": zinfo.file_size, "crc": zinfo.CRC, "flag_bits": zinfo.flag_bits,
            "compress_type": zinfo.compress_type, "external_attr": zinfo.external_attr,
            "create_system": zinfo.create_system, "is_dir": zinfo.is_dir(),
        })
        try:
            member = zf.open(zinfo)
        except Exception as e:  # noqa: BLE001
            reads.append({"open_error": f"{type(e).__name__}: {e}"})
            continue
        try:
            content = member.read()
            reads.append({"length": len(content), "crc32": zlib.crc32(content), "head": content[:64].hex()})
        except Exception as e:  # noqa: BLE001
            reads.append({"read_error": f"{type(e).__name__}: {e}"})
    lookup = {name: next(i for i, z in enumerate(zf.filelist) if z is zinfo) for name, zinfo in zf.NameToInfo.items()}
    return {"entries": entries, "reads": reads, "lookup": lookup, "start_dir": zf.start_dir,
            "comment": zf.comment.hex()}


def main():
    directory = os.path.join(sys.argv[1], "zip")
    os.makedirs(directory, exist_ok=True)
    expected = {}
    for name, data in sorted(archives().items()):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
        expected[name] = describe(data)
    with open(os.path.join(directory, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
