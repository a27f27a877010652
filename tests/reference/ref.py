#!/usr/bin/python3
"""ref.py — the independent reference: a plain numpy trainer that shares no code with nncc.

It reads the same network file (the subset of SPEC section 1 listed in KEYS), the same initial
weights (a safetensors file, parsed here with json + struct) and the same CSV, and runs the
textbook algorithm: forward Z = A W^T + b, backward dZ = A - y at the output, dW = dZ^T A / m,
db = sum(dZ) / m, dA = dZ W, then PyTorch's SGD / momentum / Adam step on each batch, in file
order (shuffle is off, so batches are rows [0, bs), [bs, 2 bs), ...). Run with Debian's
/usr/bin/python3 (numpy; torch optional).

  ref.py data KIND N SEED OUT.csv       a small data set (binary, multiclass:K, onehot:K,
                                        regression:K)
  ref.py train NET.yaml INIT.st DATA.csv EPOCHS OUT.npz
                                        the reference's weights after EPOCHS epochs
  ref.py torch NET.yaml INIT.st DATA.csv EPOCHS OUT.npz
                                        the same with torch.nn / torch.optim (a cross-check)
  ref.py compare A B [TOL]              max relative difference per tensor (A, B: .npz or
                                        .safetensors; weights and optimiser state); exit 1
                                        above TOL (default 1e-12; 0: bit-identical)
  ref.py show FILE.safetensors          each tensor's values, one line each
  ref.py finite FILE.safetensors        exit 1 unless every weight and optimiser value is finite
  ref.py perceptron GATE EPOCHS LR      Rosenblatt's rule, online, from zero weights, on the
                                        truth table: accuracy per epoch, then b and W
"""
import json
import struct
import sys

import numpy as np
import yaml

DTYPES = {"F64": "<f8", "F32": "<f4", "I64": "<i8"}


def read_safetensors(path):
    """{name: float64 array} from a safetensors file: 8-byte little-endian header length, JSON
    header of {name: {dtype, shape, data_offsets}}, then the raw little-endian data."""
    with open(path, "rb") as f:
        raw = f.read()
    (hlen,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + hlen])
    base = 8 + hlen
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        lo, hi = t["data_offsets"]
        a = np.frombuffer(raw[base + lo:base + hi], dtype=DTYPES[t["dtype"]]).astype(np.float64)
        out[name] = a.reshape(t["shape"])
    return out


def load(path):
    if path.endswith(".npz"):
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    return read_safetensors(path)


# ---- the network file: only what the reference implements ------------------------------------

KEYS = {"name", "input", "layers", "activation", "loss", "learning_rate", "optimizer", "weight_decay",
        "epochs", "batch_size", "shuffle", "seed", "init", "precision", "log_every", "data", "lr_schedule"}


class Net:
    def __init__(self, path):
        with open(path) as f:
            spec = yaml.safe_load(f)
        unknown = set(spec) - KEYS
        if unknown:
            raise SystemExit(f"ref.py: {path}: keys the reference does not implement: {sorted(unknown)}")
        if spec.get("precision") != "float64":
            raise SystemExit("ref.py: compare at precision: float64")
        self.inputs = spec["input"]
        default_act = spec.get("activation", "sigmoid")
        self.layers = []  # (units, activation)
        for item in spec["layers"]:
            if isinstance(item, int):
                self.layers.append((item, default_act))
            else:
                if set(item) - {"units", "activation"}:
                    raise SystemExit("ref.py: layers with weights/bias/trainable/init are not implemented")
                self.layers.append((item["units"], item.get("activation", default_act)))
        out_units, out_act = self.layers[-1]
        default_loss = "cross_entropy" if out_act == "softmax" else "log_loss" if out_units == 1 else "mse"
        self.loss = spec.get("loss", default_loss)
        self.lr = float(spec.get("learning_rate", 0.1))
        sched = spec.get("lr_schedule", {"name": "none"})
        self.sched = {"name": sched} if isinstance(sched, str) else dict(sched)
        self.wd = float(spec.get("weight_decay", 0))
        self.batch = int(spec.get("batch_size", 0))
        opt = spec.get("optimizer", "sgd")
        if isinstance(opt, str):
            opt = {"name": opt}
        self.opt = opt["name"]
        self.mu = float(opt.get("momentum", 0.9))
        self.b1 = float(opt.get("beta1", 0.9))
        self.b2 = float(opt.get("beta2", 0.999))
        self.eps = float(opt.get("epsilon", 1e-8))
        if spec.get("shuffle", True) and self.batch:
            raise SystemExit("ref.py: mini-batches must be in file order: set shuffle: false")
        data = spec.get("data", {})
        if data.get("normalize", "none") != "none":
            raise SystemExit("ref.py: set normalize: none")


# ---- activations: g(Z) and g'(Z) ----------------------------------------------------------------

def act(name, z):
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "linear":
        return z.copy()
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    raise SystemExit(f"ref.py: activation {name} not implemented")


def dact(name, z):
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, 0.01)
    if name == "linear":
        return np.ones_like(z)
    raise SystemExit(f"ref.py: derivative of {name} not implemented")


def gradients(net, W, b, X, Y):
    """Mean gradients over the batch (X, Y): lists dW, db."""
    m = X.shape[0]
    A, Z = [X], []
    for (units, a), w, bb in zip(net.layers, W, b):
        Z.append(A[-1] @ w.T + bb)
        A.append(act(a, Z[-1]))
    out, out_act = A[-1], net.layers[-1][1]
    if net.loss == "log_loss":        # sigmoid + binary cross-entropy: dZ = A - y
        dZ = out - Y.reshape(m, 1)
    elif net.loss == "cross_entropy":  # softmax + cross-entropy: dZ = A - onehot(y)
        dZ = out - np.eye(out.shape[1])[Y[:, 0].astype(int)]
    elif net.loss == "mse":           # L = mean over samples and outputs of (A - y)^2
        dA = 2 * (out - Y.reshape(out.shape)) / out.shape[1]
        if out_act == "softmax":
            dZ = out * (dA - (dA * out).sum(axis=1, keepdims=True))
        else:
            dZ = dA * dact(out_act, Z[-1])
    else:
        raise SystemExit(f"ref.py: loss {net.loss} not implemented")
    dW, db = [None] * len(W), [None] * len(W)
    for l in range(len(W) - 1, -1, -1):
        dW[l] = dZ.T @ A[l] / m
        db[l] = dZ.sum(axis=0) / m
        if l > 0:
            dZ = (dZ @ W[l]) * dact(net.layers[l - 1][1], Z[l - 1])
    return dW, db


def read_csv(path, net):
    rows = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    d = net.inputs
    return rows[:, :d], rows[:, d:]


def initial(net, path):
    st = read_safetensors(path)
    n = len(net.layers)
    return ([st[f"layers.{i}.weight"].copy() for i in range(n)], [st[f"layers.{i}.bias"].copy() for i in range(n)])


def batches(net, n):
    bs = net.batch if 0 < net.batch < n else n
    return [(s, min(s + bs, n)) for s in range(0, n, bs)]


def lr_at(net, e, epochs):
    """The learning rate of epoch e (from 0), in closed form: StepLR, ExponentialLR, CosineAnnealingLR,
    after a linear warmup of W epochs from lr/(W+1) (the schedule then starts at epoch W)."""
    s = net.sched
    w = int(s.get("warmup", 0))
    if e < w:
        return net.lr * (e + 1) / (w + 1)
    e, epochs = e - w, epochs - w
    if s["name"] == "step":
        return net.lr * float(s.get("gamma", 0.1)) ** (e // int(s["every"]))
    if s["name"] == "exponential":
        return net.lr * float(s["gamma"]) ** e
    if s["name"] == "cosine":
        lo = float(s.get("min", 0))
        return lo + (net.lr - lo) * (1 + np.cos(np.pi * e / epochs)) / 2
    return net.lr


def train(net, init_path, data_path, epochs):
    W, b = initial(net, init_path)
    X, Y = read_csv(data_path, net)
    params = W + b
    state = [[np.zeros_like(p) for p in params] for _ in range(2)]
    t = 0
    for e in range(epochs):
        lr = lr_at(net, e, epochs)
        for lo, hi in batches(net, X.shape[0]):
            dW, db = gradients(net, W, b, X[lo:hi], Y[lo:hi])
            t += 1
            for k, (p, g) in enumerate(zip(params, dW + db)):
                d = g + net.wd * p                 # PyTorch: weight decay joins the gradient
                if net.opt == "sgd":
                    p -= lr * d
                elif net.opt == "momentum":        # torch.optim.SGD(momentum=mu), dampening 0
                    v = state[0][k]
                    v *= net.mu
                    v += d
                    p -= lr * v
                elif net.opt == "adam":            # torch.optim.Adam, same order of operations
                    m1, m2 = state[0][k], state[1][k]
                    m1 *= net.b1
                    m1 += (1 - net.b1) * d
                    m2 *= net.b2
                    m2 += (1 - net.b2) * d * d
                    step = lr / (1 - net.b1 ** t)
                    denom = np.sqrt(m2) / np.sqrt(1 - net.b2 ** t) + net.eps
                    p -= step * m1 / denom
                else:
                    raise SystemExit(f"ref.py: optimizer {net.opt} not implemented")
    return {**{f"layers.{i}.weight": w for i, w in enumerate(W)}, **{f"layers.{i}.bias": x for i, x in enumerate(b)}}


def train_torch(net, init_path, data_path, epochs):
    import torch
    torch.set_default_dtype(torch.float64)
    W, b = initial(net, init_path)
    X, Y = read_csv(data_path, net)
    linears = []
    for w, bb in zip(W, b):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(bb))
        linears.append(lin)
    acts = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z,
            "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01)}
    params = [p for lin in linears for p in lin.parameters()]
    if net.opt == "adam":
        opt = torch.optim.Adam(params, lr=net.lr, betas=(net.b1, net.b2), eps=net.eps, weight_decay=net.wd)
    else:
        opt = torch.optim.SGD(params, lr=net.lr, momentum=net.mu if net.opt == "momentum" else 0,
                              weight_decay=net.wd)
    s = net.sched
    w = int(s.get("warmup", 0))
    lrs = torch.optim.lr_scheduler
    if s["name"] == "step":
        sched = lrs.StepLR(opt, step_size=int(s["every"]), gamma=float(s.get("gamma", 0.1)))
    elif s["name"] == "exponential":
        sched = lrs.ExponentialLR(opt, gamma=float(s["gamma"]))
    elif s["name"] == "cosine":
        sched = lrs.CosineAnnealingLR(opt, T_max=epochs - w, eta_min=float(s.get("min", 0)))
    else:
        sched = lrs.ConstantLR(opt, factor=1.0, total_iters=0) if w else None
    if w:
        ramp = lrs.LinearLR(opt, start_factor=1 / (w + 1), end_factor=1.0, total_iters=w)
        sched = lrs.SequentialLR(opt, [ramp, sched], milestones=[w])
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    for _ in range(epochs):
        for lo, hi in batches(net, X.shape[0]):
            a = Xt[lo:hi]
            for (units, name), lin in zip(net.layers, linears):
                z = lin(a)
                a = z if name == "softmax" else acts[name](z)
            y = Yt[lo:hi]
            if net.loss == "log_loss":
                loss = torch.nn.functional.binary_cross_entropy(a, y)
            elif net.loss == "cross_entropy":  # a holds the logits
                loss = torch.nn.functional.cross_entropy(a, y[:, 0].long())
            else:
                if net.layers[-1][1] == "softmax":
                    a = torch.softmax(a, dim=1)
                loss = torch.nn.functional.mse_loss(a, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if sched:
            sched.step()
    out = {}
    for i, lin in enumerate(linears):
        out[f"layers.{i}.weight"] = lin.weight.detach().numpy()
        out[f"layers.{i}.bias"] = lin.bias.detach().numpy()
    return out


def compare(a_path, b_path, tol):
    a, b = load(a_path), load(b_path)
    worst = 0.0
    for name in sorted(k for k in b if k.startswith(("layers.", "optimizer."))):
        if name not in a or a[name].shape != b[name].shape:
            print(f"{name}: missing or mis-shaped in {a_path}")
            return 1
        scale = max(np.abs(b[name]).max(), 1e-300)
        rel = np.abs(a[name] - b[name]).max() / scale
        worst = max(worst, rel)
    print(f"max relative difference {worst:.3g} (tolerance {tol:g})")
    return 0 if worst <= tol else 1


def make_data(kind, n, seed, out):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) + np.where(rng.random((n, 1)) < 0.5, 1.0, -1.0)
    if kind == "binary":
        Y = (X[:, :1] + 0.5 * X[:, 1:] + 0.3 * rng.normal(size=(n, 1)) > 0).astype(float)
    elif kind.startswith(("multiclass:", "onehot:")):
        k = int(kind.split(":")[1])
        Y = (np.floor((np.arctan2(X[:, 1], X[:, 0]) + np.pi) / (2 * np.pi) * k) % k).reshape(n, 1)
        if kind.startswith("onehot:"):
            Y = np.eye(k)[Y[:, 0].astype(int)]
    elif kind.startswith("regression:"):
        k = int(kind.split(":")[1])
        Y = np.stack([np.sin(X[:, 0] * (j + 1)) + 0.1 * X[:, 1] for j in range(k)], axis=1)
    else:
        raise SystemExit(f"ref.py: data kind {kind}?")
    with open(out, "w") as f:
        f.write(",".join([f"x{i}" for i in range(2)] + [f"y{j}" for j in range(Y.shape[1])]) + "\n")
        for x, y in zip(X, Y):
            f.write(",".join(repr(float(v)) for v in list(x) + list(y)) + "\n")


def perceptron(gate, epochs, lr):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    y = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1]}[gate]
    w, b = np.zeros(2), 0.0
    for _ in range(epochs):
        for x, t in zip(X, y):
            e = t - float(w @ x + b >= 0)
            w, b = w + lr * e * x, b + lr * e
        print(np.mean((X @ w + b >= 0) == np.array(y, bool)))
    print(" ".join(repr(float(v)) for v in [b] + list(w)))  # b, then W: the order `show` sorts to


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "data":
        make_data(args[0], int(args[1]), int(args[2]), args[3])
    elif cmd in ("train", "torch"):
        net = Net(args[0])
        out = (train if cmd == "train" else train_torch)(net, args[1], args[2], int(args[3]))
        np.savez(args[4], **out)
    elif cmd == "compare":
        return compare(args[0], args[1], float(args[2]) if len(args) > 2 else 1e-12)
    elif cmd == "show":
        for name, a in sorted(load(args[0]).items()):
            print(name, " ".join(repr(float(v)) for v in a.ravel()))
    elif cmd == "finite":
        bad = [k for k, a in load(args[0]).items() if k.startswith(("layers.", "optimizer.")) and not np.isfinite(a).all()]
        print("non-finite: " + ", ".join(bad) if bad else "all finite")
        return 1 if bad else 0
    elif cmd == "perceptron":
        perceptron(args[0], int(args[1]), float(args[2]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
