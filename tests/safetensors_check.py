#!/usr/bin/python3
"""safetensors_check.py — reads a .safetensors file as any plain reader would, outside nncc's code.

Usage: safetensors_check.py FILE [NAME=16x2 NAME2=16 SCALAR= ...]
Prints each tensor's name, dtype and shape (and __metadata__); with NAME=SHAPE arguments, exits 1
unless every named tensor exists with that shape. Uses the `safetensors` module as a second,
independent reader when it is importable. Run with Debian's /usr/bin/python3 (json, struct, numpy).
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
          "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}


def read(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    meta = header.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in meta.values()), "metadata values must be strings"
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
        tensors[name] = (t["dtype"], tuple(t["shape"]), arr)
    return meta, tensors


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    meta, tensors = read(argv[1])
    for name, (dtype, shape, _) in tensors.items():
        print(f"{name} {dtype} {list(shape)}")
    for key, value in meta.items():
        print(f"__metadata__ {key}={value}")
    try:
        from safetensors.numpy import load_file
    except ImportError:
        pass
    else:
        loaded = load_file(argv[1])
        for name, (_, _, arr) in tensors.items():
            assert np.array_equal(loaded[name], arr), f"safetensors module disagrees on {name}"
        print("safetensors module: agrees")
    bad = 0
    for spec in argv[2:]:
        name, _, want = spec.partition("=")
        want_shape = tuple(int(d) for d in want.split("x")) if want else ()
        if name not in tensors:
            print(f"mismatch: no tensor '{name}'", file=sys.stderr)
            bad = 1
        elif tensors[name][1] != want_shape:
            print(f"mismatch: '{name}' has shape {list(tensors[name][1])}, expected {list(want_shape)}",
                  file=sys.stderr)
            bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
