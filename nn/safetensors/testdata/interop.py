"""Independent safetensors reader/writer in numpy, for the Go interop tests.

Implements the format from its specification (huggingface/safetensors
README), without the safetensors package:

    python3 interop.py check FILE   parse FILE strictly, print a JSON summary
                                    {"metadata", "tensors": {name: {dtype,
                                    shape, values}}, "canonical": bool} where
                                    canonical says whether re-serialising the
                                    tensors the way the reference Rust
                                    implementation does gives FILE's bytes.
    python3 interop.py write FILE   write the fixture tensors below to FILE in
                                    insertion order (not the reference order).
"""

import json
import struct
import sys

import numpy as np

# dtype name -> (numpy dtype or None, size in bytes); None = raw bytes.
DTYPES = {
    "BOOL": ("?", 1), "U8": ("u1", 1), "I8": ("i1", 1),
    "I16": ("<i2", 2), "U16": ("<u2", 2), "F16": ("<f2", 2), "BF16": (None, 2),
    "I32": ("<i4", 4), "U32": ("<u4", 4), "F32": ("<f4", 4),
    "F64": ("<f8", 8), "I64": ("<i8", 8), "U64": ("<u8", 8),
}
# The reference's Dtype enum order; Rust sorts by it descending, then name.
RANK = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3",
        "F8_E8M0", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64",
        "F64", "I64", "U64"]


def parse(buf):
    if len(buf) < 8:
        raise ValueError("too short")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > 100_000_000 or 8 + n > len(buf):
        raise ValueError("bad header length %d" % n)
    text = buf[8:8 + n].decode("utf-8")
    if not text.startswith("{"):
        raise ValueError("header does not start with {")

    def no_dups(pairs):
        d = {}
        for k, v in pairs:
            if k in d:
                raise ValueError("duplicate key %r" % k)
            d[k] = v
        return d

    header = json.loads(text, object_pairs_hook=no_dups)
    meta = header.pop("__metadata__", None)
    data = buf[8 + n:]
    tensors = {}
    spans = []
    for name, info in header.items():
        if set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError("%s: fields %s" % (name, sorted(info)))
        dtype, shape, (b, e) = info["dtype"], info["shape"], info["data_offsets"]
        npdt, size = DTYPES[dtype]
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if e - b != count * size or e > len(data):
            raise ValueError("%s: bad offsets" % name)
        raw = data[b:e]
        if npdt is None:
            values = raw.hex()
        else:
            values = np.frombuffer(raw, dtype=npdt, count=count).reshape(shape).tolist()
        tensors[name] = {"dtype": dtype, "shape": shape, "values": values, "raw": raw}
        spans.append((b, e))
    pos = 0
    for b, e in sorted(spans):
        if b != pos:
            raise ValueError("gap or overlap at %d" % b)
        pos = e
    if pos != len(data):
        raise ValueError("data not covered")
    return meta, tensors


def serialize(tensors, meta, order=None):
    """Serialise like the reference: dtype descending, then name; compact JSON
    (serde_json escaping = json.dumps with ensure_ascii=False); pad with spaces
    to 8 bytes. With order given, lay tensors out in that order instead."""
    if order is None:
        order = sorted(tensors, key=lambda k: (-RANK.index(tensors[k]["dtype"]), k.encode("utf-8")))
    header, chunks, off = {}, [], 0
    if meta:
        header["__metadata__"] = dict(sorted(meta.items(), key=lambda kv: kv[0].encode("utf-8")))
    for name in order:
        t = tensors[name]
        header[name] = {"dtype": t["dtype"], "shape": list(t["shape"]),
                        "data_offsets": [off, off + len(t["raw"])]}
        off += len(t["raw"])
        chunks.append(t["raw"])
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(chunks)


def fixture():
    """The tensors the Go test expects from `write`."""
    arrays = {
        "z.weight": ("F32", np.arange(12, dtype="<f4").reshape(3, 4) / 8 - 0.5),
        "a.bias": ("F64", np.array([1.5, -2.25, 1e-3], dtype="<f8")),
        "emb.ids": ("I64", np.array([[1, -2], [3, 2**40]], dtype="<i8")),
        "counts": ("I32", np.array([7, -7, 2**31 - 1], dtype="<i4")),
        "mask": ("U8", np.array([[0, 1, 255]], dtype="u1")),
        "half": ("F16", np.array([1.0, -2.0], dtype="<f2")),
        "flag": ("BOOL", np.array(True)),
        "empty": ("F32", np.zeros((0, 3), dtype="<f4")),
        "w\u00f6rter \"q\"\n": ("F32", np.array([2.5], dtype="<f4")),
    }
    tensors = {}
    for name, (dt, a) in arrays.items():
        a = a.astype(DTYPES[dt][0])
        tensors[name] = {"dtype": dt, "shape": list(a.shape), "raw": a.tobytes()}
    return tensors


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == "check":
        buf = open(path, "rb").read()
        meta, tensors = parse(buf)
        canonical = serialize(tensors, meta) == buf
        for t in tensors.values():
            del t["raw"]
        json.dump({"metadata": meta, "tensors": tensors, "canonical": canonical}, sys.stdout, allow_nan=False)
    elif cmd == "write":
        tensors = fixture()
        meta = {"framework": "numpy", "step": "42"}
        with open(path, "wb") as f:
            f.write(serialize(tensors, meta, order=list(tensors)))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
