"""peers.py — the bench workloads in numpy and PyTorch, for tests/bench/run.sh.

    peers.py WORKLOAD FRAMEWORK [REPEATS [N]]   prints one line: the median, min and max of REPEATS
                                                runs in the workload's unit, then the peak RSS in KiB

WORKLOAD is w2 (iterations/s), w3 (seconds per epoch), w4 (samples/s), w5 (microseconds per
one-sample inference, over the first 1000 Fashion-MNIST test images), gemm3 / gemm4 (seconds per
epoch / samples/s of the matrix products alone, through numpy's BLAS: the bound a framework built on
that BLAS cannot beat), w6 (seconds per epoch of examples/fashion_cnn.yaml's CNN with Adam over
the first N training images, default all 60,000, pixels standardised; torch only). FRAMEWORK is
numpy or torch. Same math as the nncc programs: float32 (w2 in
float32 too), plain SGD, mean losses. Run with Debian's /usr/bin/python3. PyTorch keeps its default
threads (see run.sh).
"""
import gzip
import resource
import statistics
import sys
import time

import numpy as np

FASHION = "/usr/share/datasets/fashion-mnist/"


def fashion(n=None):
    with gzip.open(FASHION + "train-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(FASHION + "train-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    x = (x.astype(np.float32) / 255.0)  # minmax
    return (x, y) if n is None else (x[:n], y[:n])


W5_IMAGES = 1000  # the first 1000 test images, as tests/bench/infer_bench.c times nncc's kernel on


def fashion_test_images(n):
    with gzip.open(FASHION + "t10k-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:n]
    return x.astype(np.float32) / 255.0  # minmax


def circles(n=1000, noise=0.1, factor=0.3, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    r = np.where(np.arange(n) < n // 2, 1.0, factor)
    x = np.stack([r * np.cos(t), r * np.sin(t)], 1) + rng.normal(0, noise, (n, 2))
    return x.astype(np.float32), (np.arange(n) < n // 2).astype(np.float32)[:, None]


def he(rng, fan_in, units):
    return (rng.standard_normal((units, fan_in)) * np.sqrt(2.0 / fan_in)).astype(np.float32)


# ---- numpy ---------------------------------------------------------------------------------

def np_w2(iters):
    x, y = circles()
    rng = np.random.default_rng(0)
    sizes = [2, 16, 16, 16, 1]
    W = [rng.standard_normal((sizes[i + 1], sizes[i])).astype(np.float32) for i in range(4)]
    b = [np.zeros((sizes[i + 1], 1), np.float32) for i in range(4)]
    X, Y = x.T, y.T  # the notes' layout: (features, m)
    m = X.shape[1]
    t = time.perf_counter()
    for _ in range(iters):
        A = [X]
        for l in range(4):
            A.append(1 / (1 + np.exp(-(W[l] @ A[-1] + b[l]))))
        dZ = A[-1] - Y
        for l in range(3, -1, -1):
            dW = dZ @ A[l].T / m
            db = dZ.sum(1, keepdims=True) / m
            if l:
                dZ = (W[l].T @ dZ) * A[l] * (1 - A[l])
            W[l] -= 0.1 * dW
            b[l] -= 0.1 * db
    return iters / (time.perf_counter() - t)


def np_mlp_epoch(sizes, batch, n=None, gemm_only=False):
    x, y = fashion(n)
    rng = np.random.default_rng(0)
    W = [he(rng, sizes[i], sizes[i + 1]).T.copy() for i in range(len(sizes) - 1)]  # (fan_in, units)
    b = [np.zeros(sizes[i + 1], np.float32) for i in range(len(sizes) - 1)]
    L = len(W)
    order = rng.permutation(len(x))
    if gemm_only:  # the matrix products of forward, dW and dA, nothing else
        A = [np.ones((batch, s), np.float32) for s in sizes]
        t = time.perf_counter()
        for s in range(0, len(x) - batch + 1, batch):
            for l in range(L):
                A[l + 1] = A[l] @ W[l]
            dZ = A[L]
            for l in range(L - 1, -1, -1):
                np.dot(A[l].T, dZ)
                if l:
                    dZ = dZ @ W[l].T
        return time.perf_counter() - t
    t = time.perf_counter()
    for s in range(0, len(x), batch):
        idx = order[s:s + batch]
        A = [x[idx]]
        for l in range(L):
            Z = A[-1] @ W[l] + b[l]
            A.append(np.maximum(Z, 0) if l < L - 1 else Z)
        Z = A[-1]
        P = np.exp(Z - Z.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        m = len(idx)
        P[np.arange(m), y[idx]] -= 1
        dZ = P / m
        for l in range(L - 1, -1, -1):
            dW = A[l].T @ dZ
            db = dZ.sum(0)
            if l:
                dZ = (dZ @ W[l].T) * (A[l] > 0)
            W[l] -= 0.05 * dW
            b[l] -= 0.05 * db
    return time.perf_counter() - t


def np_w5(calls):
    rng = np.random.default_rng(0)
    sizes = [784, 256, 128, 10]
    W = [he(rng, sizes[i], sizes[i + 1]) for i in range(3)]
    b = [np.zeros(sizes[i + 1], np.float32) for i in range(3)]
    x = fashion_test_images(W5_IMAGES)
    t = time.perf_counter()
    for k in range(calls):
        a = x[k % W5_IMAGES]
        a = np.maximum(W[0] @ a + b[0], 0)
        a = np.maximum(W[1] @ a + b[1], 0)
        z = W[2] @ a + b[2]
        e = np.exp(z - z.max())
        e /= e.sum()
    return (time.perf_counter() - t) / calls * 1e6


# ---- PyTorch -------------------------------------------------------------------------------

def torch_mlp(sizes, act):
    import torch
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    return torch.nn.Sequential(*layers)


def torch_w2(iters):
    import torch
    torch.manual_seed(0)
    x, y = circles()
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    net = torch.nn.Sequential(torch_mlp([2, 16, 16, 16, 1], torch.nn.Sigmoid), torch.nn.Sigmoid())
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = torch.nn.BCELoss()
    t = time.perf_counter()
    for _ in range(iters):
        opt.zero_grad()
        loss_fn(net(X), Y).backward()
        opt.step()
    return iters / (time.perf_counter() - t)


def torch_epoch(sizes, batch, n=None):
    import torch
    torch.manual_seed(0)
    x, y = fashion(n)
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    net = torch_mlp(sizes, torch.nn.ReLU)
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.randperm(len(X))
    t = time.perf_counter()
    for s in range(0, len(X), batch):
        idx = order[s:s + batch]
        opt.zero_grad()
        loss_fn(net(X[idx]), Y[idx]).backward()
        opt.step()
    return time.perf_counter() - t


def fashion_standard(n=None):
    """The first n training images as (n, 1, 28, 28) float32, standardised per pixel as nncc's
    `normalize: standard` does: the training set's mean and population std (ddof 0) in double, a
    constant pixel (min == max) scaled by 1."""
    with gzip.open(FASHION + "train-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(FASHION + "train-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    if n is not None:
        x, y = x[:n], y[:n]
    xd = x.astype(np.float64)
    mean, sd = xd.mean(0), xd.std(0)
    scale = np.where((x.max(0) > x.min(0)) & (sd > 0), 1.0 / np.where(sd > 0, sd, 1.0), 1.0)
    return ((xd - mean) * scale).astype(np.float32).reshape(-1, 1, 28, 28), y


def torch_cnn_epoch(n=None, batch=64):
    """One epoch of examples/fashion_cnn.yaml: the same layers as nn.Sequential, Adam 1e-3, batch 64
    (the last batch the remainder, as nncc's); the training loop alone is timed."""
    import torch
    torch.manual_seed(0)
    x, y = fashion_standard(n)
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(len(X))
    t = time.perf_counter()
    for s in range(0, len(X), batch):
        idx = order[s:s + batch]
        opt.zero_grad()
        loss_fn(net(X[idx]), Y[idx]).backward()
        opt.step()
    return time.perf_counter() - t


def torch_w5(calls):
    import torch
    net = torch_mlp([784, 256, 128, 10], torch.nn.ReLU).eval()
    X = torch.from_numpy(fashion_test_images(W5_IMAGES))
    with torch.no_grad():
        t = time.perf_counter()
        for k in range(calls):
            torch.softmax(net(X[k % W5_IMAGES]), 0)
    return (time.perf_counter() - t) / calls * 1e6


W4_SAMPLES = 15360  # 60 batches of 256: enough for a steady rate, short enough for make bench


def run(workload, fw, n=None):
    if workload == "w2":
        return np_w2(300) if fw == "numpy" else torch_w2(300)
    if workload == "w3":
        return np_mlp_epoch([784, 256, 128, 10], 64) if fw == "numpy" else torch_epoch([784, 256, 128, 10], 64)
    if workload == "w4":
        t = np_mlp_epoch([784, 1024, 1024, 10], 256, W4_SAMPLES) if fw == "numpy" else \
            torch_epoch([784, 1024, 1024, 10], 256, W4_SAMPLES)
        return W4_SAMPLES / t
    if workload == "w5":
        return np_w5(20000) if fw == "numpy" else torch_w5(5000)
    if workload == "w6":
        if fw != "torch":
            raise SystemExit("w6: torch only")
        return torch_cnn_epoch(n)
    if workload == "gemm3":
        return np_mlp_epoch([784, 256, 128, 10], 64, gemm_only=True)
    if workload == "gemm4":
        return 60000 / np_mlp_epoch([784, 1024, 1024, 10], 256, gemm_only=True) if False else \
            W4_SAMPLES / np_mlp_epoch([784, 1024, 1024, 10], 256, W4_SAMPLES, gemm_only=True)
    raise SystemExit("unknown workload " + workload)


def main():
    workload, fw = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    n = int(sys.argv[4]) if len(sys.argv) > 4 else None
    if fw == "torch":
        import torch  # noqa: F401  (fails here, cleanly, where PyTorch is absent)
    vals = sorted(run(workload, fw, n) for _ in range(repeats))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("%.6g %.6g %.6g %d" % (statistics.median(vals), vals[0], vals[-1], rss))


if __name__ == "__main__":
    main()
