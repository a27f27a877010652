#!/usr/bin/python3
"""cnn_torch.py — the reference for convolutional networks: PyTorch autograd at float64.

It reads the same network file as nncc (the subset listed in KEYS), builds an nn.ModuleList with
one module per entry of `layers` (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.Linear, and for
dropout a parameterless module multiplying by nncc's mask; activations
are applied in forward, and the first Linear after a spatial layer flattens (C, H, W) row-major as
torch.flatten(x, 1) does), loads nncc's initial weights into it with load_state_dict(strict=True)
— so nncc's tensor names and shapes ARE PyTorch's — and trains it with torch.optim on the same
CSV, in file order (shuffle is off: batches are rows [0, bs), [bs, 2 bs), ..., the last one
smaller), the loss a mean over the batch. Shares no code with nncc. Run with Debian's
/usr/bin/python3 (numpy, yaml, torch).

  cnn_torch.py data C H W N KIND SEED OUT.csv
        N images of C x H x W (zero background around a random rectangle of values, so that a
        max-pool window often holds equal values) and their labels: KIND binary, multiclass:K or
        regression:K
  cnn_torch.py check NET.yaml INIT.st DATA.csv EPOCHS A1.st AK.st TOL [min-ties] [options]
        trains EPOCHS epochs from INIT.st; compares nncc's weights after 1 epoch (A1) and after
        EPOCHS epochs (AK) with torch's, per tensor max |a - b| / max |b|; prints one line
        (steps, worst difference and its tensor, max-pool ties); exit 1 above TOL, or when fewer
        than min-ties pool windows held a tie at a nonzero value, or when a tensor did not move
        from its initial value in the first epoch (a vacuous comparison); with
        --grad-to-every-tie the max pools send the gradient to every tied maximum instead of
        PyTorch's one (a negative control: nncc must then disagree). Dropout layers are a
        multiplication by nncc's masks, replicated from their definition (see "dropout masks"),
        drawn for each training step from (seed, step, the batch rows' sample indices); the check
        also fails when a layer's masks did not drop about P of its values (5 standard
        deviations). --metrics M.csv: nncc's train_loss rows (an evaluation, without dropout)
        must be torch's loss without masks to 1e-8 (metrics.csv prints 9 digits);
        --dropout-step-offset N: torch uses the masks of step s + N at step s (a negative control)
  cnn_torch.py selfcheck
        the reference itself: the ModuleList's forward (loaded through this file's safetensors
        reader, strictly) against hand-written numpy loops for conv / pools / flatten / dense /
        dropout (in training against a mask hashed value by value on Python ints, and in
        evaluation the identity); mix() against splitmix64's known output; the thresholds
"""
import json
import struct
import sys

import numpy as np
import yaml

DTYPES = {"F64": "<f8", "F32": "<f4", "I64": "<i8"}


def read_safetensors(path):
    """{name: array} from a safetensors file: 8-byte little-endian header length, JSON header of
    {name: {dtype, shape, data_offsets}} (offsets from the end of the header), then raw data."""
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


def write_safetensors(path, tensors):
    """The inverse, for selfcheck: {name: float64 array} as F64 tensors."""
    header, blobs, off = {}, [], 0
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f8").tobytes()
        header[name] = {"dtype": "F64", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# ---- the network file --------------------------------------------------------------------------

KEYS = {"name", "input", "layers", "activation", "loss", "learning_rate", "optimizer", "weight_decay",
        "epochs", "batch_size", "shuffle", "seed", "precision", "data"}


def pair(v):
    return (int(v[0]), int(v[1])) if isinstance(v, list) else (int(v), int(v))


class Spec:
    def __init__(self, path=None, spec=None):
        if spec is None:
            with open(path) as f:
                spec = yaml.safe_load(f)
        unknown = set(spec) - KEYS
        if unknown:
            raise SystemExit(f"cnn_torch.py: keys the reference does not implement: {sorted(unknown)}")
        if spec.get("precision") != "float64":
            raise SystemExit("cnn_torch.py: compare at precision: float64")
        shape = spec["input"]
        if isinstance(shape, int):
            shape = [shape]
        if len(shape) == 2:
            shape = [1] + shape
        self.shape = [int(d) for d in shape]  # (C, H, W), or (features,)
        default_act = spec.get("activation", "sigmoid")
        self.layers = []  # dicts: kind, and units/act/kernel/stride/padding
        for item in spec["layers"]:
            if isinstance(item, int):
                item = {"units": item}
            item = dict(item)
            if "conv" in item:
                extra = set(item) - {"conv", "kernel", "stride", "padding", "activation"}
                pad = item.get("padding", 0)
                if isinstance(pad, list):
                    pad = (int(pad[0]), int(pad[1]))
                elif pad not in ("same", "valid"):
                    pad = (int(pad), int(pad))
                L = {"kind": "conv", "units": int(item["conv"]), "kernel": pair(item["kernel"]),
                     "stride": pair(item.get("stride", 1)), "padding": pad,
                     "act": item.get("activation", default_act)}
            elif "dropout" in item:
                extra = set(item) - {"dropout"}
                L = {"kind": "dropout", "p": float(item["dropout"])}
            elif "maxpool" in item or "avgpool" in item:
                kind = "maxpool" if "maxpool" in item else "avgpool"
                extra = set(item) - {kind, "stride"}
                k = pair(item[kind])
                L = {"kind": kind, "kernel": k, "stride": pair(item.get("stride", list(k)))}
            else:
                extra = set(item) - {"units", "activation"}
                L = {"kind": "dense", "units": int(item["units"]), "act": item.get("activation", default_act)}
            if extra:
                raise SystemExit(f"cnn_torch.py: layer keys not implemented: {sorted(extra)}")
            self.layers.append(L)
        out = self.layers[-1]
        default_loss = "cross_entropy" if out["act"] == "softmax" else "log_loss" if out["units"] == 1 else "mse"
        self.loss = spec.get("loss", default_loss)
        self.lr = float(spec.get("learning_rate", 0.1))
        self.wd = float(spec.get("weight_decay", 0))
        self.batch = int(spec.get("batch_size", 0))
        self.seed = int(spec.get("seed", 0)) % 2**64
        opt = spec.get("optimizer", "sgd")
        if isinstance(opt, str):
            opt = {"name": opt}
        self.opt = opt["name"]
        # nncc's defaults (compiler/validate.c): PyTorch's
        self.mu = float(opt.get("momentum", 0.9))
        self.b1 = float(opt.get("beta1", 0.9))
        self.b2 = float(opt.get("beta2", 0.999))
        self.eps = float(opt.get("epsilon", 1e-8))
        if spec.get("shuffle", True) and self.batch:
            raise SystemExit("cnn_torch.py: mini-batches must be in file order: set shuffle: false")
        if spec.get("data", {}).get("normalize", "none") != "none":
            raise SystemExit("cnn_torch.py: set normalize: none")

    def features(self):
        return int(np.prod(self.shape))


# ---- dropout masks ------------------------------------------------------------------------------
# nncc's masks are a deterministic hash, replicated here from its definition (not its code):
# splitmix64's finaliser mix(); a training step's row key mix(mix(stream ^ step) ^ sample) with
# stream = mix(seed ^ "dropout!"), step counted from 1 and sample the row's index in the training
# set; value k of the row (the dropout layer's input flattened, (C, H, W) row-major) kept iff
# mix(key ^ k * golden) >> 32 >= round(P 2^32), the kept ones scaled by 1 / (1 - P).

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
DROPOUT_STREAM = 0x64726F706F757421  # "dropout!"


def mix(z):
    """splitmix64's finaliser on a uint64 array (numpy's uint64 arithmetic wraps mod 2^64)."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def row_keys(seed, step, samples):
    stream = mix(np.uint64((seed ^ DROPOUT_STREAM) % 2**64))
    sm = mix(stream ^ np.uint64(step % 2**64))
    return mix(sm ^ (np.asarray(samples, dtype=np.int64) & 0xFFFFFFFF).astype(np.uint64))


def threshold(p):
    """round(p 2^32) as nncc prints it ("%.0f", which rounds to nearest even as Python's does), capped."""
    return int(f"{min(p * 4294967296.0, 4294967295.0):.0f}")


def dropout_mask(p, seed, step, samples, n):
    """(rows, n) float64: 0 where dropped, 1 / (1 - p) where kept."""
    keys = row_keys(seed, step, samples)
    with np.errstate(over="ignore"):
        kg = np.arange(n, dtype=np.uint64) * GOLDEN
    h = mix(keys[:, None] ^ kg[None, :]) >> np.uint64(32)
    kept = h >= np.uint64(threshold(p))
    return np.where(kept, 1.0 / (1.0 - p), 0.0)


# ---- the torch model ---------------------------------------------------------------------------

def mask_dropout_class():
    """nn.Dropout as multiplication by a given mask (set before each training step, None in
    evaluation: the identity). No parameters, so the state_dict is unchanged."""
    from torch import nn

    class MaskDropout(nn.Module):
        def __init__(self):
            super().__init__()
            self.mask = None  # a tensor (rows, features) or None

        def forward(self, x):
            if self.mask is None:
                return x
            return x * self.mask.reshape(x.shape)

    return MaskDropout


def build(spec):
    """An nn.Module whose .layers is an nn.ModuleList, one module per `layers` entry, so that its
    state_dict names are nncc's: layers.I.weight, layers.I.bias."""
    import torch
    from torch import nn

    MaskDropout = mask_dropout_class()
    mods = []
    shape = list(spec.shape)
    for L in spec.layers:
        if L["kind"] == "conv":
            m = nn.Conv2d(shape[0], L["units"], L["kernel"], stride=L["stride"], padding=L["padding"])
        elif L["kind"] == "maxpool":
            m = nn.MaxPool2d(L["kernel"], stride=L["stride"])
        elif L["kind"] == "avgpool":
            m = nn.AvgPool2d(L["kernel"], stride=L["stride"])
        elif L["kind"] == "dropout":
            m = MaskDropout()
            m.features = int(np.prod(shape))
        else:
            m = nn.Linear(int(np.prod(shape)), L["units"])
        mods.append(m)
        with torch.no_grad():  # the next layer's input shape
            y = m(torch.zeros([1] + shape) if L["kind"] != "dense" else torch.zeros(1, int(np.prod(shape))))
        shape = list(y.shape[1:])

    acts = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda z: z,
            "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01)}

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(mods)
            self.ties = [0, 0]  # max-pool windows whose max is held more than once; of those, at a nonzero value

        def forward(self, x, count_ties=False):
            """The output layer's pre-activation for softmax (the loss applies it), its activation otherwise."""
            for L, m in zip(spec.layers, self.layers):
                if L["kind"] == "dense" and x.dim() == 4:
                    x = torch.flatten(x, 1)
                if count_ties and L["kind"] == "maxpool":
                    (kh, kw), (sh, sw) = L["kernel"], L["stride"]
                    win = x.detach().unfold(2, kh, sh).unfold(3, kw, sw).flatten(-2)
                    mx = win.max(dim=-1, keepdim=True).values
                    tied = (win == mx).sum(-1) > 1
                    self.ties[0] += int(tied.sum())
                    self.ties[1] += int((tied & (mx[..., 0] != 0)).sum())
                x = m(x)
                if L["kind"] in ("conv", "dense") and L["act"] != "softmax":
                    x = acts[L["act"]](x)
            return x

    return Model()


def load_initial(model, path):
    """nncc's initial weights, strictly: every tensor of the model and no other (input.* aside)."""
    import torch

    st = read_safetensors(path)
    state = {k: torch.from_numpy(v.copy()) for k, v in st.items() if not k.startswith("input.")}
    model.load_state_dict(state, strict=True)
    return sorted(state)


def read_csv(path, spec):
    rows = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    d = spec.features()
    return rows[:, :d], rows[:, d:]


def batches(spec, n):
    bs = spec.batch if 0 < spec.batch < n else n
    return [(s, min(s + bs, n)) for s in range(0, n, bs)]


def set_masks(spec, model, step, lo, hi):
    """The masks of training step `step` (from 1) on the rows of samples lo..hi-1; returns
    [(dropped, values)] per dropout layer."""
    import torch

    counts = []
    for L, m in zip(spec.layers, model.layers):
        if L["kind"] == "dropout":
            mk = dropout_mask(L["p"], spec.seed, step, np.arange(lo, hi), m.features)
            m.mask = torch.from_numpy(mk)
            counts.append((int((mk == 0).sum()), mk.size))
    return counts


def clear_masks(model):
    for m in model.layers:
        if hasattr(m, "mask"):
            m.mask = None


def train(spec, init_path, data_path, epochs, step_offset=0, stats=None):
    """Yields (epoch, steps, ties, {name: weights}) after each epoch. The dropout masks of step s
    are those of step s + step_offset (a negative control when not 0). stats, a dict of two
    lists, is filled as it goes: "dropped", [dropped, values] per dropout layer over all steps,
    and "eval_loss", the whole training set's loss in evaluation (no masks) after epochs 0, 1, ...
    as nncc's metrics.csv reports it."""
    import torch

    torch.set_default_dtype(torch.float64)
    model = build(spec)
    load_initial(model, init_path)
    X, Y = read_csv(data_path, spec)
    Xt = torch.from_numpy(X).reshape([X.shape[0]] + spec.shape)
    Yt = torch.from_numpy(Y)
    params = list(model.parameters())
    if spec.opt == "adam":
        opt = torch.optim.Adam(params, lr=spec.lr, betas=(spec.b1, spec.b2), eps=spec.eps, weight_decay=spec.wd)
    elif spec.opt in ("sgd", "momentum"):
        opt = torch.optim.SGD(params, lr=spec.lr, momentum=spec.mu if spec.opt == "momentum" else 0,
                              dampening=0, weight_decay=spec.wd)
    else:
        raise SystemExit(f"cnn_torch.py: optimizer {spec.opt} not implemented")
    F = torch.nn.functional
    steps = 0

    def loss_of(out, y):
        if spec.loss == "log_loss":
            return F.binary_cross_entropy(out, y)
        if spec.loss == "cross_entropy":  # out holds the logits
            return F.cross_entropy(out, y[:, 0].long())
        if spec.loss == "mse":
            if spec.layers[-1]["act"] == "softmax":
                out = torch.softmax(out, dim=1)
            return F.mse_loss(out, y)
        raise SystemExit(f"cnn_torch.py: loss {spec.loss} not implemented")

    def evaluate():
        if stats is not None:
            with torch.no_grad():
                stats["eval_loss"].append(float(loss_of(model(Xt), Yt)))

    evaluate()  # epoch 0: the initial weights
    for e in range(epochs):
        for lo, hi in batches(spec, X.shape[0]):
            counts = set_masks(spec, model, steps + 1 + step_offset, lo, hi)
            if stats is not None:
                for j, (d, t) in enumerate(counts):
                    if len(stats["dropped"]) <= j:
                        stats["dropped"].append([0, 0])
                    stats["dropped"][j][0] += d
                    stats["dropped"][j][1] += t
            out = model(Xt[lo:hi], count_ties=True)
            loss = loss_of(out, Yt[lo:hi])
            clear_masks(model)
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
        evaluate()
        yield e + 1, steps, model.ties, {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def worst(a_path, ref):
    """(worst relative difference, its tensor) of nncc's file against the reference's tensors."""
    a = read_safetensors(a_path)
    w, where = 0.0, ""
    for name in sorted(ref):
        if name not in a or a[name].shape != ref[name].shape:
            raise SystemExit(f"{name}: missing or shaped {a[name].shape if name in a else None} in {a_path}, "
                             f"torch's is {ref[name].shape}")
        rel = np.abs(a[name] - ref[name]).max() / max(np.abs(ref[name]).max(), 1e-300)
        if rel >= w:
            w, where = rel, name
    return w, where


def grad_to_every_tie():
    """Patches nn.MaxPool2d: the same maxima, but the gradient goes to every position holding it."""
    import torch

    def forward(self, x):
        (kh, kw), (sh, sw) = (pair(list(v) if isinstance(v, tuple) else v) for v in (self.kernel_size, self.stride))
        win = x.unfold(2, kh, sh).unfold(3, kw, sw).flatten(-2)
        mx = win.max(dim=-1, keepdim=True).values
        held = (win * (win == mx)).sum(-1)
        return mx[..., 0].detach() + held - held.detach()

    torch.nn.MaxPool2d.forward = forward


def take_option(args, name):
    """args without `name VALUE`, and VALUE (None when absent)."""
    if name not in args:
        return args, None
    i = args.index(name)
    return args[:i] + args[i + 2:], args[i + 1]


def metrics_losses(path):
    """{epoch: train_loss} of nncc's metrics.csv."""
    with open(path) as f:
        head = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    e, l = head.index("epoch"), head.index("train_loss")
    return {int(r[e]): float(r[l]) for r in rows}


def check(args):
    if "--grad-to-every-tie" in args:
        args = [a for a in args if a != "--grad-to-every-tie"]
        grad_to_every_tie()
    args, offset = take_option(args, "--dropout-step-offset")
    args, metrics = take_option(args, "--metrics")
    offset = int(offset or 0)
    spec = Spec(args[0])
    init, data, epochs, a1, ak, tol = args[1], args[2], int(args[3]), args[4], args[5], float(args[6])
    min_ties = int(args[7]) if len(args) > 7 else 0
    parts, bad = [], []
    st0 = read_safetensors(init)
    moved = None
    stats = {"dropped": [], "eval_loss": []}
    for e, steps, ties, ref in train(spec, init, data, epochs, offset, stats):
        if e == 1:  # the least any tensor moved in the first epoch, relative to its size
            moved = min((np.abs(ref[k] - st0[k]).max() / max(np.abs(st0[k]).max(), 1e-300), k) for k in ref)
            if not moved[0] > 1e-6:
                bad.append(f"{moved[1]} moved only {moved[0]:.3g} relative from its initial value in epoch 1")
        if e not in (1, epochs):
            continue
        w, where = worst(a1 if e == 1 else ak, ref)
        parts.append(f"{steps} step{'s' if steps != 1 else ''}: {w:.2g} ({where})")
        if not w <= tol:
            bad.append(f"after epoch {e} ({steps} steps) {where} differs by {w:.3g} relative (tolerance {tol:g})")
    n_tensors = len(ref)
    msg = (f"{n_tensors} tensors loaded strictly, each moved >= {moved[0]:.2g} in epoch 1; "
           "worst relative difference after " + ", ".join(parts))
    if any(L["kind"] == "maxpool" for L in spec.layers):
        msg += f"; max-pool windows with tied maxima: {ties[0]} ({ties[1]} at a nonzero value)"
        if ties[1] < min_ties:
            bad.append(f"only {ties[1]} max-pool windows tied at a nonzero value, wanted {min_ties}")
    drops = [L for L in spec.layers if L["kind"] == "dropout"]
    if drops:  # the masks drop about P of the values: within 5 binomial standard deviations
        fr = []
        for (i, L), (d, t) in zip([(i, L) for i, L in enumerate(spec.layers) if L["kind"] == "dropout"],
                                  stats["dropped"]):
            p = L["p"]
            sd = (p * (1 - p) / t) ** 0.5
            fr.append(f"layers.{i} {d}/{t} = {d / t:.3f} (p {p:g})")
            if abs(d / t - p) > 5 * sd:
                bad.append(f"dropout layers.{i} dropped {d}/{t} = {d / t:.4f} of its values, p is {p:g} "
                           f"(more than 5 standard deviations, {sd:.2g}, away)")
        msg += "; dropped " + ", ".join(fr) + (f" (masks of step + {offset})" if offset else "")
    if metrics:  # nncc's train_loss (an evaluation: no dropout) against torch's without masks
        got = metrics_losses(metrics)  # the rows it logged: epoch 0 and the last at least
        if not {0, epochs} <= set(got) or not set(got) <= set(range(epochs + 1)):
            bad.append(f"{metrics} has epochs {sorted(got)}, wanted 0 and {epochs} among 0..{epochs}")
        wl = max((abs(got[e] - stats["eval_loss"][e]) / abs(stats["eval_loss"][e]) for e in got
                  if e < len(stats["eval_loss"])), default=float("inf"))
        msg += (f"; train_loss (an evaluation: no dropout) at epochs {','.join(map(str, sorted(got)))} "
                f"= torch's without masks to {wl:.2g}")
        if not wl <= 1e-8:  # metrics.csv prints %.9g
            bad.append(f"train_loss in metrics.csv differs from torch's evaluation loss by {wl:.3g} relative")
    print(msg if not bad else "; ".join(bad) + " — " + msg)
    return 1 if bad else 0


# ---- data --------------------------------------------------------------------------------------

def make_data(c, h, w, n, kind, seed, out):
    rng = np.random.default_rng(seed)
    X = np.zeros((n, c, h, w))
    for i in range(n):  # a rectangle of values on a zero background
        rh, rw = rng.integers(2, h // 2 + 2), rng.integers(2, w // 2 + 2)
        r0, c0 = rng.integers(0, h - rh + 1), rng.integers(0, w - rw + 1)
        X[i, :, r0:r0 + rh, c0:c0 + rw] = rng.normal(size=(c, rh, rw)) + rng.choice([-0.5, 0.5])
    s = X.reshape(n, -1).sum(1)
    if kind == "binary":
        Y = (s > np.median(s)).astype(float).reshape(n, 1)
    elif kind.startswith("multiclass:"):
        k = int(kind.split(":")[1])
        Y = (np.argsort(np.argsort(s)) * k // n).astype(float).reshape(n, 1)  # every class, n/k each
    elif kind.startswith("regression:"):
        k = int(kind.split(":")[1])
        Y = np.stack([np.tanh(X[:, j % c, : h // 2].sum((1, 2)) * 0.2 * (j + 1)) for j in range(k)], axis=1)
    else:
        raise SystemExit(f"cnn_torch.py: data kind {kind}?")
    flat = X.reshape(n, -1)
    with open(out, "w") as f:
        f.write(",".join([f"x{i}" for i in range(flat.shape[1])] + [f"y{j}" for j in range(Y.shape[1])]) + "\n")
        for x, y in zip(flat, Y):
            f.write(",".join(repr(float(v)) for v in list(x) + list(y)) + "\n")


# ---- selfcheck: the torch model against numpy loops ---------------------------------------------

def np_act(name, z):
    return {"sigmoid": lambda: 1 / (1 + np.exp(-z)), "tanh": lambda: np.tanh(z), "relu": lambda: np.maximum(z, 0),
            "leaky_relu": lambda: np.where(z > 0, z, 0.01 * z), "linear": lambda: z,
            "softmax": lambda: z}[name]()


def py_mix(z):
    """mix() on Python ints, one value at a time (to check the numpy one)."""
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9 % 2**64
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB % 2**64
    return z ^ (z >> 31)


def py_kept(seed, step, sample, k, p):
    key = py_mix(py_mix(py_mix(seed ^ DROPOUT_STREAM) ^ step) ^ sample)
    return (py_mix(key ^ (k * 0x9E3779B97F4A7C15 % 2**64)) >> 32) >= round(p * 2**32)


def np_forward(spec, st, x, drop=None):
    """One sample (C, H, W) through the layers, with explicit loops; drop(i, k): the factor of
    value k of dropout layer i (None: evaluation, the identity)."""
    for i, L in enumerate(spec.layers):
        if L["kind"] == "dropout":
            if drop is not None:
                flat = x.reshape(-1).copy()
                for k in range(flat.size):
                    flat[k] *= drop(i, k)
                x = flat.reshape(x.shape)
            continue
        if L["kind"] == "dense":
            x = np_act(L["act"], st[f"layers.{i}.weight"] @ x.reshape(-1) + st[f"layers.{i}.bias"])
            continue
        (kh, kw), (sh, sw) = L["kernel"], L["stride"]
        ph, pw = (0, 0)
        if L["kind"] == "conv":
            ph, pw = (kh // 2, kw // 2) if L["padding"] == "same" else (0, 0) if L["padding"] == "valid" else L["padding"]
        C, H, W = x.shape
        xp = np.zeros((C, H + 2 * ph, W + 2 * pw))
        xp[:, ph:ph + H, pw:pw + W] = x
        oh, ow = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
        if L["kind"] == "conv":
            wt, b = st[f"layers.{i}.weight"], st[f"layers.{i}.bias"]
            y = np.zeros((wt.shape[0], oh, ow))
            for o in range(wt.shape[0]):
                for r in range(oh):
                    for q in range(ow):
                        s = b[o]
                        for ci in range(C):
                            for u in range(kh):
                                for v in range(kw):
                                    s += wt[o, ci, u, v] * xp[ci, r * sh + u, q * sw + v]
                        y[o, r, q] = s
            x = np_act(L["act"], y)
        else:
            y = np.zeros((C, oh, ow))
            for ci in range(C):
                for r in range(oh):
                    for q in range(ow):
                        win = xp[ci, r * sh:r * sh + kh, q * sw:q * sw + kw]
                        y[ci, r, q] = win.max() if L["kind"] == "maxpool" else win.mean()
            x = y
    return x


def selfcheck():
    import os
    import tempfile

    import torch

    torch.set_default_dtype(torch.float64)
    rng = np.random.default_rng(11)
    nets = [
        {"input": [3, 11, 9], "layers": [
            {"conv": 5, "kernel": [3, 5], "stride": [2, 1], "padding": [1, 2], "activation": "tanh"},
            {"maxpool": 3, "stride": 2},
            {"conv": 3, "kernel": 1, "padding": "same", "activation": "relu"},
            {"units": 4, "activation": "sigmoid"}, {"units": 3, "activation": "softmax"}]},
        {"input": [9, 7], "layers": [
            {"conv": 4, "kernel": 3, "padding": "same", "activation": "leaky_relu"},
            {"avgpool": [2, 3], "stride": [2, 1]},
            {"conv": 2, "kernel": [3, 1], "stride": 2, "padding": "valid", "activation": "linear"},
            {"units": 2, "activation": "linear"}]},
        {"input": [2, 7, 6], "layers": [
            {"conv": 3, "kernel": 3, "padding": "same", "activation": "relu"},
            {"maxpool": 2}, {"dropout": 0.3},
            {"units": 5, "activation": "tanh"}, {"dropout": 0.5},
            {"units": 3, "activation": "softmax"}]},
        {"input": 9, "layers": [
            {"dropout": 0.2}, {"units": 6, "activation": "sigmoid"}, {"dropout": 0.4},
            {"units": 1, "activation": "sigmoid"}]},
    ]
    worst_d = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for k, net in enumerate(nets):
            spec = Spec(spec={"name": "s", "precision": "float64", **net})
            model = build(spec)
            st = {}
            for name, p in model.state_dict().items():  # fresh values, through a file
                st[name] = rng.uniform(-0.7, 0.7, size=tuple(p.shape))
            st["input.offset"] = np.zeros(spec.features())
            path = os.path.join(tmp, f"w{k}.safetensors")
            write_safetensors(path, st)
            names = load_initial(model, path)
            try:  # strict really is strict: a missing tensor is refused
                model.load_state_dict({n: torch.from_numpy(st[n]) for n in names[1:]}, strict=True)
                raise SystemExit("selfcheck: load_state_dict(strict=True) accepted a missing tensor")
            except RuntimeError:
                pass
            x = rng.normal(size=[5] + spec.shape)
            for step in (0, 3) if any(L["kind"] == "dropout" for L in spec.layers) else (0,):
                lo = 7  # samples 7..11 at step 3 (0: evaluation)
                if step:
                    set_masks(spec, model, step, lo, lo + len(x))
                with torch.no_grad():
                    t = model(torch.from_numpy(x)).numpy()
                clear_masks(model)
                n = np.stack([np_forward(spec, st, xi, None if not step else
                                         lambda i, kk, r=r: (1 / (1 - spec.layers[i]["p"])) if
                                         py_kept(spec.seed, step, lo + r, kk, spec.layers[i]["p"]) else 0.0)
                              .reshape(-1) for r, xi in enumerate(x)])
                d = np.abs(t - n).max() / np.abs(n).max()
                worst_d = max(worst_d, d)
                if not d < 1e-13:
                    print(f"selfcheck: net {k} (step {step}): torch and numpy forwards differ by {d:.3g}")
                    return 1
    # the mask hash: splitmix64's known first output from state 0, and nncc's thresholds
    if int(mix(GOLDEN)) != 0xE220A8397B1DCDAF or py_mix(0x9E3779B97F4A7C15) != 0xE220A8397B1DCDAF:
        print("selfcheck: mix() is not splitmix64's finaliser")
        return 1
    if (threshold(0.5), threshold(0.3), threshold(0.25), threshold(0.9999999999999999)) != \
            (2147483648, 1288490189, 1073741824, 4294967295):
        print("selfcheck: dropout thresholds")
        return 1
    print(f"torch ModuleList forward = numpy loops (conv stride/padding/non-square, max/avg pool with stride, "
          f"flatten, dropout masks in training against a per-value Python-int hash, identity in evaluation) "
          f"to {worst_d:.2g}; strict load_state_dict refuses a missing tensor; mix() = splitmix64")
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "data":
        c, h, w, n = (int(a) for a in args[:4])
        make_data(c, h, w, n, args[4], int(args[5]), args[6])
        return 0
    if cmd == "check":
        return check(args)
    if cmd == "selfcheck":
        return selfcheck()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
