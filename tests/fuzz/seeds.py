#!/usr/bin/env python3
"""tests/fuzz/seeds.py — writes the seed corpora of the text and simple binary harnesses into
tests/fuzz/corpus/NAME/ (frontend, emit, csv, npy, idx, idx_gz, safetensors, metrics) and the
dictionaries frontend.dict and emit.dict. seeds.c writes the ones that need the runtime's own
writers or libhdf5 (hdf5, checkpoint, weights, and more safetensors). Run from anywhere; plain
Python 3, no numpy. Each seed starts with the bytes its harness reads first (fuzz_common.h)."""
import glob
import gzip
import json
import os
import re
import struct

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FUZZ = os.path.join(ROOT, "tests", "fuzz")
BINARY, MULTICLASS, REGRESSION = 0, 1, 2
PREDICT, NO_Y = 4, 8


def put(harness, name, data):
    d = os.path.join(FUZZ, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def shape(mode, inputs, outputs=1):
    """fz_shape's three bytes: task and flags, inputs - 1, outputs - 1."""
    return bytes([mode, inputs - 1, outputs - 1])


def slice16(b):
    return struct.pack("<H", len(b)) + b


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


# ---- network files ---------------------------------------------------------------------------
FEATURES = {
    "lr_schedule.yaml": """input: [2, 2]
layers: [{units: 8, activation: relu, init: he}, {units: 3, activation: softmax}]
loss: cross_entropy
optimizer: {name: adam, beta1: 0.8, beta2: 0.99, epsilon: 1e-7}
lr_schedule: {name: cosine, min: 0.001, warmup: 5}
epochs: 50
batch_size: 16
precision: float64
classes: [cat, dog, bird]
data: {train: {generator: blobs, samples: 90, centers: 3, seed: 4}, validation: 0.2, normalize: standard}
""",
    "step_momentum.yaml": """name: stepper
input: 3
layers: [5, {units: 1, activation: sigmoid, trainable: false}]
optimizer: {name: momentum, momentum: 0.5}
lr_schedule: {name: step, every: 10, gamma: 0.5}
weight_decay: 0.001
early_stopping: {patience: 3, min_delta: 0.01}
shuffle: false
log_every: 5
seed: 7
data:
  train: {path: train.csv, label: first, header: true}
  test: test.csv
""",
    "regression.yaml": """input: 2
layers: [{units: 4, activation: tanh}, {units: 2, activation: linear}]
loss: mse
normalize_targets: minmax
lr_schedule: {name: exponential, gamma: 0.9}
data: {train: {x: x.npy, y: y.npy}, test: {path: d.h5, x: X, y: Y}, validation: {images: i-idx3-ubyte.gz, labels: l-idx1-ubyte}}
""",
    "given_weights.yaml": """input: 2
layers:
  - {units: 2, activation: step, weights: [[1, 1], [-1, -1]], bias: [-1.5, 0.5]}
  - {units: 1, activation: step, weights: [[1, 1]], bias: [-0.5]}
epochs: 0
loss: perceptron
""",
    "leaky.yaml": """input: 4
layers: [16, 16, {units: 4, activation: leaky_relu}, {units: 1, activation: linear}]
activation: leaky_relu
init: xavier
loss: mse
early_stopping: true
data: {train: {generator: moons, samples: 200, noise: 0.1}}
""",
    # Convolutional networks of odd shapes: 3 channels, non-square kernels and pools, strides,
    # padding as N and [ph, pw], frozen conv, a pool first on an [H, W] input, padding: same.
    "cnn_rect_stride.yaml": """name: rect_stride
input: [3, 17, 13]
layers:
  - {conv: 6, kernel: [3, 5], stride: 2, padding: [1, 2], activation: relu, init: he}
  - {avgpool: [2, 1]}
  - {conv: 4, kernel: [1, 3], stride: [1, 2], padding: 1, activation: tanh, init: xavier, trainable: false}
  - {units: 3, activation: softmax}
loss: cross_entropy
classes: [red, green, blue]
batch_size: 8
epochs: 3
data: {train: {images: train-images-idx3-ubyte.gz, labels: train-labels-idx1-ubyte.gz}, validation: 0.25}
""",
    "cnn_pool_first.yaml": """input: [12, 10]
layers:
  - {maxpool: 2, stride: 1}
  - {conv: 5, kernel: 2, padding: valid, activation: leaky_relu}
  - {maxpool: [3, 2], stride: [2, 1]}
  - 8
  - {units: 1, activation: sigmoid}
loss: log_loss
optimizer: {name: momentum, momentum: 0.9}
precision: float64
data: {train: {x: x.npy, y: y.npy}}
""",
    "cnn_padding_n.yaml": """input: [2, 7, 9]
layers:
  - {conv: 3, kernel: 4, stride: [2, 3], padding: 3, activation: sigmoid, init: normal}
  - {conv: 1, kernel: [5, 1], padding: [0, 2]}
  - {units: 2, activation: linear}
loss: mse
normalize_targets: standard
weight_decay: 0.0001
data: {train: {path: d.h5, x: X, y: Y}}
""",
    "cnn_same_odd.yaml": """input: [1, 9, 9]
layers:
  - {conv: 4, kernel: [5, 3], padding: same, activation: relu}
  - {conv: 4, kernel: 1, stride: 1, padding: same}
  - {avgpool: 3}
  - {maxpool: [1, 3], stride: [1, 1]}
  - {units: 10, activation: softmax}
loss: cross_entropy
optimizer: {name: adam, beta1: 0.8}
lr_schedule: {name: cosine, min: 0.0001, warmup: 2}
early_stopping: {patience: 2}
data: {train: {images: i-idx3-ubyte, labels: l-idx1-ubyte}, normalize: minmax}
""",
}


def yaml_seeds():
    files = sorted(glob.glob(os.path.join(ROOT, "tests/golden/errors/*.yaml")))
    valid = sorted(glob.glob(os.path.join(ROOT, "examples/*.yaml")) + glob.glob(os.path.join(ROOT, "examples/*/*.yaml"))
                   + glob.glob(os.path.join(ROOT, "tests/golden/gen/*.yaml"))
                   + glob.glob(os.path.join(ROOT, "tests/bench/*.yaml")))
    for path in files + valid:
        rel = os.path.relpath(path, ROOT).replace("/", "_")
        put("frontend", rel, read(path))
    for path in valid:
        put("emit", os.path.relpath(path, ROOT).replace("/", "_"), read(path))
    for name, text in FEATURES.items():
        put("frontend", "feature_" + name, text.encode())
        put("emit", "feature_" + name, text.encode())
    put("frontend", "empty.yaml", b"")


def yaml_dict():
    """Every key and value name the validator knows, as libFuzzer dictionary entries."""
    words = set()
    v = read("compiler/validate.c").decode()
    r = read("compiler/registry.h").decode()
    words.update(re.findall(r'\{"([a-z_0-9]+)", field_', v))
    for m in re.findall(r'keys(?:\[[A-Z_]*\])?\[\] = \{([^}]*)\}|keys\[K_COUNT\] = \{([^}]*)\}', v):
        for group in m:
            words.update(re.findall(r'"([a-z_0-9]+)"', group))
    words.update(re.findall(r'X\([A-Z_0-9]+, "([a-z_0-9]+)"', r))
    # the layer kinds' keys (registry.c: units, conv, maxpool, avgpool, ...) and the words the
    # validator compares a value with (padding: same / valid, label: first / last, ...)
    words.update(re.findall(r'\[LAYER_[A-Z_0-9]+\] = "([a-z_0-9]+)"', read("compiler/registry.c").decode()))
    words.update(re.findall(r'strcmp\([a-z_0-9]+(?:\[[0-9]+\])?->str, "([a-z_0-9~]+)"\)', v))
    words.update(["path", "label", "header", "images", "labels", "x", "y", "generator", "samples", "noise",
                  "factor", "centers", "last", "first", "auto", "true", "false", "yes", "~", "null",
                  ".csv", ".npy", ".h5", ".hdf5", "-ubyte.gz", "-idx3-ubyte", "1e308", "-1", "0x10", "nan",
                  ".inf", "1000000", "9223372036854775808", "&a", "*a", "!!str", "<<", "---", "...", "? ",
                  ": ", "- ", "[", "]", "{", "}", "#", "\t", "\n  "])
    lines = ["# libFuzzer dictionary for the network file, written by tests/fuzz/seeds.py"]
    for w in sorted(words):
        lines.append('"%s"' % "".join(c if " " <= c <= "~" and c not in '"\\' else "\\x%02x" % ord(c) for c in w))
    text = "\n".join(lines) + "\n"
    for name in ("frontend", "emit"):
        with open(os.path.join(FUZZ, name + ".dict"), "w") as f:
            f.write(text)


# ---- CSV -------------------------------------------------------------------------------------
def csv_seeds():
    # file, task flags, inputs, outputs, options byte, extra (column byte or label name)
    table = [
        ("csv/crlf_bom.csv", BINARY, 2, 1, 0, b""),
        ("csv/header_auto.csv", BINARY, 2, 1, 0, b""),
        ("csv/label_col1.csv", BINARY, 2, 1, 2, bytes([1])),
        ("csv/label_first.csv", BINARY, 2, 1, 1, b""),
        ("csv/multiclass.csv", MULTICLASS, 2, 3, 0, b""),
        ("csv/no_header.csv", BINARY, 2, 1, 1 << 2, b""),
        ("csv/numeric_header.csv", BINARY, 2, 1, 2 << 2, b""),
        ("csv/predict_nolabels.csv", BINARY | PREDICT, 2, 1, 0, b""),
        ("csv/quoted.csv", BINARY, 2, 1, 0, b""),
        ("csv/regression.csv", REGRESSION, 2, 2, 0, b""),
        ("../../examples/data/iris.csv", MULTICLASS, 4, 3, 3, slice16(b"species")),
        ("../../examples/data/iris.csv", MULTICLASS, 4, 3, 1 << 4, b""),
        ("classes/three.csv", MULTICLASS, 2, 3, 0, b""),
        ("classes/noheader.csv", BINARY, 2, 1, 0, b""),
        ("classes/label_first.csv", BINARY, 2, 1, 3, slice16(b"animal")),
        ("classes/numbered_header.csv", BINARY, 2, 1, 0, b""),
        ("classes/typo.csv", MULTICLASS, 2, 3, 1 << 4, b""),
        ("classes/empty_label.csv", BINARY, 2, 1, 0, b""),
    ]
    table += [("bad/" + os.path.basename(p), BINARY, 2, 1, 0, b"")
              for p in sorted(glob.glob(os.path.join(ROOT, "tests/data/bad/*.csv")))]
    for i, (path, mode, inputs, outputs, opt, extra) in enumerate(table):
        data = read("tests/data/" + path)
        if path.endswith("iris.csv") and opt & 16:
            data = data[:600]  # a few rows of each kind is enough for a seed
        name = "%02d_%s" % (i, os.path.basename(path))
        put("csv", name, shape(mode, inputs, outputs) + bytes([opt]) + extra + data)
    put("csv", "nul_field.csv", shape(BINARY, 2) + b"\0" + b"a,b,y\n1,2\x003,0\n4,5,1\n")
    put("csv", "cr_only.csv", shape(BINARY, 2) + b"\0" + b"a,b,y\r1,2,0\r3,4,1\r")
    put("csv", "big_numbers.csv", shape(REGRESSION, 2) + b"\0" + b"1e308,-1e308,0.1\n-1e308,1e308,2.5e-320\n")


# ---- NPY -------------------------------------------------------------------------------------
def npy(descr, dims, payload, version=1, fortran=False):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (
        descr, "True" if fortran else "False", "".join("%d, " % d for d in dims) if len(dims) != 1 else "%d," % dims[0])
    lead = 10 if version == 1 else 12
    pad = (-(lead + len(header) + 1)) % 64
    header = (header + " " * pad + "\n").encode("latin1" if version < 3 else "utf8")
    size = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header + payload


def npy_seeds():
    L = "tests/data/loaders/"
    x_u8, x_f4, x_be, x_fo, x_obj = (read(L + f) for f in
                                     ("x_u8_v1.npy", "x_f4_v2.npy", "x_be_f8.npy", "x_fortran.npy", "x_object.npy"))
    y_i8, y_b1 = read(L + "y_i8_v1.npy"), read(L + "y_b1_v3.npy")
    put("npy", "u8_multiclass", shape(MULTICLASS, 6, 3) + slice16(x_u8) + y_i8)
    put("npy", "f4_v2_binary", shape(BINARY, 6) + slice16(x_f4) + y_b1)
    put("npy", "be_f8", shape(MULTICLASS, 6, 3) + slice16(x_be) + y_i8)
    put("npy", "fortran", shape(BINARY, 6) + slice16(x_fo) + y_b1)
    put("npy", "object", shape(BINARY, 1) + slice16(x_obj) + y_b1)
    put("npy", "predict", shape(BINARY | PREDICT | NO_Y, 6) + slice16(x_u8))
    x = npy("<f8", (3, 2), struct.pack("<6d", 0.5, 1, -2, 3e10, 4, 5))
    put("npy", "regression", shape(REGRESSION, 2, 2) + slice16(x) + npy("<f4", (3, 2), struct.pack("<6f", 1, 2, 3, 4, 5, 6)))
    put("npy", "i2_u4", shape(BINARY, 2) + slice16(npy("<i2", (2, 2), struct.pack("<4h", -1, 2, 300, -400)))
        + npy("<u4", (2,), struct.pack("<2I", 0, 1)))
    put("npy", "f2_scalar_shape", shape(BINARY, 1) + slice16(npy("<f2", (), b"\0\x3c")) + npy("|u1", (1,), b"\1"))
    put("npy", "short_data", shape(BINARY, 2) + slice16(npy("<f8", (4, 2), b"\0" * 20)) + y_b1)


# ---- IDX -------------------------------------------------------------------------------------
def idx(type_code, dims, payload):
    return b"\0\0" + bytes([type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def idx_seeds():
    images = idx(0x08, (4, 2, 3), bytes(range(0, 240, 10)))
    labels = idx(0x08, (4,), bytes([0, 1, 1, 0]))
    seeds = {
        "u8_binary": shape(BINARY, 6) + slice16(images) + labels,
        "u8_multiclass": shape(MULTICLASS, 6, 3) + slice16(images) + idx(0x08, (4,), bytes([0, 2, 1, 2])),
        "f32_2d": shape(MULTICLASS, 4, 2) + slice16(idx(0x0D, (2, 4), struct.pack(">8f", *range(8))))
                  + idx(0x08, (2,), b"\1\0"),
        "regression_f64": shape(REGRESSION, 2, 2) + slice16(idx(0x0E, (2, 2), struct.pack(">4d", 1, -2, 3, 4)))
                          + idx(0x0D, (2, 2), struct.pack(">4f", 0.5, 1, 2, 3)),
        "i16_i32": shape(BINARY, 3) + slice16(idx(0x0B, (2, 3), struct.pack(">6h", -5, 0, 5, 1000, -1000, 7)))
                   + idx(0x0C, (2,), struct.pack(">2i", 0, 1)),
        "i8_predict": shape(BINARY | PREDICT | NO_Y, 2) + slice16(idx(0x09, (3, 2), bytes([255, 1, 2, 128, 127, 0]))),
        "zero_images": shape(BINARY, 6) + slice16(idx(0x08, (0, 2, 3), b"")) + idx(0x08, (0,), b""),
        "truncated": shape(BINARY, 6) + slice16(idx(0x08, (4, 2, 3), bytes(10))) + labels,
        "label_range": shape(BINARY, 6) + slice16(images) + idx(0x08, (4,), bytes([0, 1, 7, 0])),
    }
    for name, data in seeds.items():
        put("idx", name, data)
        put("idx_gz", name, data)
    # fuzz_idx writes its bytes as they are: gzip streams for the loader to inflate (and to meet
    # corrupted).
    gz = lambda b: gzip.compress(b, 6, mtime=0)
    put("idx", "gz_u8_binary", shape(BINARY, 6) + slice16(gz(images)) + gz(labels))
    put("idx", "gz_truncated", shape(BINARY, 6) + slice16(gz(images)[:-9]) + labels)


# ---- safetensors (hand-made edge cases; seeds.c writes the ones from rt_st_write) ---------------
def st(header, data=b"", pad_to=8):
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % pad_to)
    return struct.pack("<Q", len(h)) + h + data


def safetensors_seeds():
    put("safetensors", "empty_header", st({}))
    put("safetensors", "metadata_only", st({"__metadata__": {"format": "nncc", "classes": "[\"a\",\"b\"]"}}))
    put("safetensors", "scalar_f64", st({"s": {"dtype": "F64", "shape": [], "data_offsets": [0, 8]}},
                                        struct.pack("<d", 2.5)))
    put("safetensors", "zero_dim", st({"z": {"dtype": "F32", "shape": [0, 4], "data_offsets": [0, 0]}}))
    put("safetensors", "dtypes", st({
        "a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]},
        "b": {"dtype": "F16", "shape": [2], "data_offsets": [4, 8]},
        "c": {"dtype": "I8", "shape": [2], "data_offsets": [8, 10]},
        "d": {"dtype": "BOOL", "shape": [2], "data_offsets": [10, 12]},
        "e": {"dtype": "U16", "shape": [1], "data_offsets": [12, 14]},
        "f": {"dtype": "I32", "shape": [1, 1], "data_offsets": [14, 18]},
        "g": {"dtype": "U64", "shape": [1], "data_offsets": [18, 26]},
    }, b"\x80\x3f\x00\xc0" + b"\x00\x3c\x00\x7c" + b"\xff\x01" + b"\x00\x02" + b"\xff\xff" + b"\xfe\xff\xff\xff"
       + b"\xff" * 8))
    put("safetensors", "nan", st({"n": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\x00\x00\xc0\x7f"))
    put("safetensors", "overlap", st({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
                                      "b": {"dtype": "U8", "shape": [2, 2], "data_offsets": [0, 4]}}, b"abcd"))
    put("safetensors", "bad_offsets", st({"a": {"dtype": "F64", "shape": [2], "data_offsets": [8, 24]}}, b"\0" * 16))
    put("safetensors", "huge_length", struct.pack("<Q", 1 << 62) + b"{}")
    put("safetensors", "short", b"\x02\0\0\0")


# ---- metrics.csv -------------------------------------------------------------------------------
# fuzz_metrics: mode (task), the checkpoint's epoch, the rows it counts, then metrics.csv.
METRICS_HEAD = "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,lr,val_loss,val_accuracy"
METRICS_REG = ",train_r2,train_rmse,train_mae,val_r2,val_rmse,val_mae,test_r2,test_rmse,test_mae"


def metrics_seeds():
    rows = ["0,0.693147182,0.5,0.70000001,0.48,0.000,,0.69,0.5",
            "5,0.512345679,0.81,0.53,0.79,0.012,0.10000000000000001,,",
            "10,0.301,0.9,,,0.025,0.050000000000000003,inf,-0"]
    put("metrics", "kill_left", bytes([BINARY, 10, 3]) +
        (METRICS_HEAD + "\n" + "\n".join(rows) + "\n15,0.2,0.93,,,0.031,0.025,,\n20,0.1").encode())
    put("metrics", "short", bytes([MULTICLASS, 10, 3]) + (METRICS_HEAD + "\n" + rows[0] + "\n").encode())
    reg = ["0,2.5,,,,0.000,,,,-1.25,1.58113883,1.25,,,,,,",
           "4,0.125,,0.25,,0.002,0.01,0.2,,0.95,0.353553391,0.25,0.9,0.4,0.3,0.8,0.5,0.4"]
    put("metrics", "regression", bytes([REGRESSION, 4, 2]) +
        (METRICS_HEAD + METRICS_REG + "\n" + "\n".join(reg) + "\n").encode())


def main():
    yaml_seeds()
    yaml_dict()
    csv_seeds()
    npy_seeds()
    idx_seeds()
    safetensors_seeds()
    metrics_seeds()


if __name__ == "__main__":
    main()
