"""scaling_model.py — make bench's PREDICTED table: per-step time and efficiency of nncc --mpi at
N nodes over a network of B Gb/s, from the ring-allreduce cost model and a measured step time.

    scaling_model.py [--latency-us A] [--nodes 8,64] [--gbps 10,100] [--real 4] NAME SIZES STEP_MS BATCH ...

Each workload is four words: NAME; SIZES, its dense layers as nncc --check prints them, joined by
'-' (784-256-128-10); STEP_MS, one process on one thread: milliseconds per training step of BATCH
rows, measured; BATCH, the rows of a step. The gradient block is every weight and bias, --real
bytes each (4: float32).

The model, for N nodes (one rank each), link bandwidth B bytes/s and per-message latency A:

    ring(bytes)  = 2 (N - 1) / N x bytes / B  +  2 (N - 1) x A    an allreduce: N - 1 reduce-scatter
                                                                  and N - 1 allgather steps
    t_comp       = STEP_MS / N    "split": the global batch split N ways, perfectly (strong scaling)
                 = STEP_MS        "a node": every node steps a whole BATCH (weak scaling)
    blocking     = t_comp + ring(gradient block)                  NNCC_ALLREDUCE=blocking
    overlap      = the step as nncc's overlap runs it, at best: t_comp is shared among the layers'
                   passes by multiply-adds (forward 2w, dW 2w, dX 2w but none for layer 1, w a
                   layer's weights); back-propagation runs from the last layer down, layer l's sum
                   ring(its weights and biases) starts once its dW is done and the one before it
                   has finished (one sum at a time), and the step ends when the last sum is done
                   (layer 1's: the largest in W3, and nothing is left to hide it). The update is
                   inside t_comp, spread over the passes. Sums progress by themselves (MPI moves
                   them only inside MPI calls): a bound, not a promise.
    efficiency   = t_comp / step   (the speed-up over one node / N, for "split")

What it leaves out: every rank still takes the whole update (O(parameters) a step, not split,
counted here within t_comp as if it were), a share of a few rows runs its register blocks part
empty, and MPI's own reduction arithmetic and the switch are free. Plain python3, no numpy.
"""
import sys


def parse(argv):
    opt = {"latency_us": 5.0, "nodes": [8, 64], "gbps": [10.0, 100.0], "real": 4}
    rest = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--latency-us", "--nodes", "--gbps", "--real") and i + 1 < len(argv):
            v = argv[i + 1]
            if a == "--latency-us":
                opt["latency_us"] = float(v)
            elif a == "--nodes":
                opt["nodes"] = [int(x) for x in v.split(",")]
            elif a == "--gbps":
                opt["gbps"] = [float(x) for x in v.split(",")]
            else:
                opt["real"] = int(v)
            i += 2
        else:
            rest.append(a)
            i += 1
    if not rest or len(rest) % 4:
        sys.exit(__doc__.strip().split("\n\n")[1])
    loads = []
    for k in range(0, len(rest), 4):
        sizes = [int(x) for x in rest[k + 1].split("-")]
        loads.append((rest[k], sizes, float(rest[k + 2]), int(rest[k + 3])))
    return opt, loads


def ms(t):
    return "%.3f ms" % (1e3 * t)


def pct(x):
    return ("%.0f%%" if x >= 0.1 else "%.1f%%") % (100 * x)


def overlapped(sizes, comp, ring, real):
    """The step time of nncc's overlap: layer passes weighted by multiply-adds, one sum at a time."""
    w = [sizes[l] * sizes[l + 1] for l in range(len(sizes) - 1)]
    work = sum(2 * x for x in w) + sum(2 * x for x in w) + sum(2 * x for x in w[1:])
    t = comp * sum(2 * x for x in w) / work  # the forward pass
    wire = 0.0  # when the sum in flight is done
    for l in reversed(range(len(w))):
        t += comp * 2 * w[l] / work  # dW, db of layer l: its sum can start
        wire = max(wire, t) + ring((w[l] + sizes[l + 1]) * real)
        if l > 0:
            t += comp * 2 * w[l] / work  # dX for the layer below
    return max(t, wire)


def main():
    opt, loads = parse(sys.argv[1:])
    a = opt["latency_us"] * 1e-6
    print("| workload | batch | nodes | link | t_comp | allreduce of the block | step, blocking | efficiency | "
          "step, overlap (bound) | efficiency |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, sizes, step_ms, batch in loads:
        params = sum(sizes[l] * sizes[l + 1] + sizes[l + 1] for l in range(len(sizes) - 1))
        nbytes = params * opt["real"]
        for split in (True, False):
            for n in opt["nodes"]:
                for gbps in opt["gbps"]:
                    def ring(b):
                        return 2 * (n - 1) / n * b / (gbps * 1e9 / 8) + 2 * (n - 1) * a
                    comp = step_ms * 1e-3 / (n if split else 1)
                    comm = ring(nbytes)
                    blocking = comp + comm
                    overlap = overlapped(sizes, comp, ring, opt["real"])
                    if split:
                        rows = ("%.1f" % (batch / n)).rstrip("0").rstrip(".")
                        what = "%d split %d ways: %s a rank" % (batch, n, rows)
                    else:
                        what = "%d a node: %d in all" % (batch, n * batch)
                    print("| %s (%.2f MB) | %s | %d | %g Gb/s | %s | %s | %s | %s | %s | %s |"
                          % (name, nbytes / 1e6, what, n, gbps, ms(comp), ms(comm), ms(blocking),
                             pct(comp / blocking), ms(overlap), pct(comp / overlap)))


if __name__ == "__main__":
    main()
