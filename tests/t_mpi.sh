#!/usr/bin/env bash
# t_mpi.sh — nncc --mpi: data-parallel training under mpirun on this machine (issue 14).
# A float64 network under -np 2 and -np 3 against the single process (1e-12 relative) and against a
# second run (bit-identical); float32 within its bound; a rank with an empty share; validation,
# early stopping and regression metrics reduced over the ranks; SIGINT leaves one checkpoint that
# --resume continues to the uninterrupted run's weights; a data file missing on one rank fails
# cleanly; ranks given different runs are refused.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 2

RTLIB_MPI=$(dirname "$NNCC")/libnncc_rt_mpi.a
if ! command -v mpirun >/dev/null || ! pkg-config --exists mpi-c || [ ! -f "$RTLIB_MPI" ]; then
    # make check installs libopenmpi-dev and openmpi-bin (TEST_DEBS): this is a machine without them.
    skip "mpi" "no mpirun, no pkg-config mpi-c or no $RTLIB_MPI (apt-get install libopenmpi-dev openmpi-bin; make)"
    finish
fi
# mpirun refuses root unless told; the tests run as whoever runs make check.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Open MPI's own allocations are not the runtime's leaks (make san): suppressed by library, which
# needs whole stacks (libmpi has no frame pointers for the fast unwinder to follow).
export LSAN_OPTIONS="suppressions=$TOP/tests/mpi_lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# Driver mode builds with $CFLAGS: under make san, the sanitizers the runtime was built with.
[ -n "$SAN_FLAGS" ] && export CFLAGS="-O1 -fopenmp $SAN_FLAGS"
MPI_LIBS=$(pkg-config --libs mpi-c)
run_np() { local np=$1; shift; timeout 300 mpirun --oversubscribe -np "$np" "$@"; }

# build_mpi SRC EXE [CC] [EXTRA CFLAGS...]: a generated --mpi program, built strictly.
build_mpi() {
    local src=$1 exe=$2 cc=${3:-gcc}; shift 3 || shift $#
    $cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 $SAN_FLAGS "$@" -I"$RTINC" "$src" "$RTLIB_MPI" "$RTLIB" \
        $RT_LIBS $MPI_LIBS -lm -fopenmp -o "$exe"
}
# build NAME [--mpi]: NAME.yaml -> ./NAME (one process) or ./NAME_mpi
build() {
    if [ "${2:-}" = --mpi ]; then "$NNCC" "$1.yaml" --mpi -o "$1_mpi.c" && build_mpi "$1_mpi.c" "$1_mpi"
    else "$NNCC" "$1.yaml" -o "$1.c" && build_c "$1.c" "$1"; fi
}
# reldiff A B: the largest |a - b| / max |a| over every tensor of two weights files
reldiff() {
    $PY - "$1" "$2" <<'PY'
import json, struct, sys
import numpy as np
def load(p):
    raw = open(p, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8:8 + n])
    out = {}
    for k, v in head.items():
        if k == "__metadata__": continue
        s, e = v["data_offsets"]
        out[k] = np.frombuffer(raw[8 + n + s:8 + n + e], dtype={"F64": "<f8", "F32": "<f4"}[v["dtype"]]).astype(np.float64)
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
assert a.keys() == b.keys(), (sorted(a), sorted(b))
print("%.3g" % max(np.max(np.abs(a[k] - b[k])) / max(np.max(np.abs(a[k])), 1e-300) for k in a))
PY
}
# within NAME A B BOUND: ok when the weights files A and B differ by at most BOUND (relative)
within() {
    local d
    d=$(reldiff "$2" "$3") || { fail "$1" "cannot compare $2 and $3"; return; }
    if float_ge "$4" "$d"; then ok "$1 (relative difference $d)"; else fail "$1" "relative difference $d > $4"; fi
}

cp "$TOP/examples/data/circles_train.csv" "$TOP/examples/data/circles_test.csv" .
cat > c64.yaml <<'YAML'
name: c64
input: 2
layers: [{units: 16, activation: tanh}, {units: 16, activation: tanh}, {units: 1, activation: sigmoid}]
precision: float64
optimizer: adam
learning_rate: 0.01
batch_size: 32
epochs: 60
log_every: 10
seed: 3
data:
  train: circles_train.csv
  test: circles_test.csv
YAML
sed 's/^name: c64/name: c32/; s/float64/float32/' c64.yaml > c32.yaml

# ---- building --------------------------------------------------------------------------------
check "nncc --mpi builds a program (driver mode)" "$NNCC" c64.yaml --mpi -o c64_driver
if build c64 && build c64 --mpi && build c32 && build c32 --mpi; then ok "--mpi sources build strictly (gcc)"
else fail "--mpi sources build strictly (gcc)"; finish; fi
for cc in gcc clang; do
    for omp in "" -fopenmp; do
        check "--mpi source compiles as C99 with $cc ${omp:-without OpenMP}" \
            $cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 $omp -I"$RTINC" -c c64_mpi.c -o /dev/null
    done
done
grep -q 'rt_grads_ready(0);' c64_mpi.c && grep -q 'return rt_main_mpi(argc, argv, &c64_network);' c64_mpi.c &&
    ok "--mpi source hands each layer's gradient over and starts rt_main_mpi" ||
    fail "--mpi source hands each layer's gradient over and starts rt_main_mpi"
! grep -q 'rt_grads_ready\|rt_main_mpi\|RT_GRAD_SHARE\|--mpi' c64.c && ok "a source built without --mpi has no MPI in it" ||
    fail "a source built without --mpi has no MPI in it" "$(grep -n 'rt_grads_ready\|rt_main_mpi\|RT_GRAD_SHARE\|--mpi' c64.c | head -3)"
"$NNCC" c64.yaml -o c64_plain >/dev/null 2>&1
if ldd ./c64_plain | grep -q libmpi; then fail "a program built without --mpi links no MPI" "$(ldd ./c64_plain | grep libmpi)"
else ok "a program built without --mpi links no MPI"; fi
"$NNCC" c64.yaml --mpi --static -o x 2>err.txt; rc=$?
[ $rc = 2 ] && grep -q -- '--mpi' err.txt && ok "--mpi with --static is a usage error" ||
    fail "--mpi with --static is a usage error" "rc $rc: $(cat err.txt)"

# ---- the same weights as one process ------------------------------------------------------------
./c64 --quiet --threads 1 --out one || fail "one process trains"
for np in 2 3; do
    if run_np $np ./c64_mpi --quiet --threads 1 --out np$np; then
        within "float64, -np $np = one process to 1e-12" one/c64.safetensors np$np/c64.safetensors 1e-12
    else
        fail "float64, -np $np trains"
    fi
done
run_np 3 ./c64_mpi --quiet --threads 1 --out np3b
if cmp -s np3/c64.safetensors np3b/c64.safetensors; then ok "two -np 3 runs give bit-identical weights"
else fail "two -np 3 runs give bit-identical weights" "$(reldiff np3/c64.safetensors np3b/c64.safetensors)"; fi
NNCC_ALLREDUCE=blocking run_np 2 ./c64_mpi --threads 1 --out np2blk > blk.out &&
    within "NNCC_ALLREDUCE=blocking = one process to 1e-12" one/c64.safetensors np2blk/c64.safetensors 1e-12
grep -q '^mpi: 2 ranks; 420 gradient sums of 2.6 KiB (blocking)' blk.out && ok "rank 0 reports the gradient sums" ||
    fail "rank 0 reports the gradient sums" "$(grep mpi: blk.out)"
[ "$(grep -c '^final:' blk.out)" = 1 ] && ok "rank 0 alone prints" || fail "rank 0 alone prints" "$(grep -c '^final:' blk.out) summaries"
# metrics.csv: the same losses (evaluated over every rank's share of the rows) to 1e-12.
if $PY - one/metrics.csv np3/metrics.csv <<'PY'
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:])
assert len(a) == len(b), (len(a), len(b))
for r, s in zip(a, b):
    for k in ("train_loss", "train_accuracy", "test_loss", "test_accuracy"):
        x, y = float(r[k]), float(s[k])
        assert abs(x - y) <= 1e-8 * max(abs(x), 1e-300), (r["epoch"], k, x, y)  # %.9g in the file
PY
then ok "-np 3 metrics.csv = one process's"; else fail "-np 3 metrics.csv = one process's"; fi

# float32: each rank's sum in float, then added over the ranks: the order of the additions moves
# the last bits, which 60 epochs of Adam carry along. Seen: 2e-6.
./c32 --quiet --threads 1 --out one32 && run_np 2 ./c32_mpi --quiet --threads 1 --out np2_32 &&
    within "float32, -np 2 = one process to 1e-4" one32/c32.safetensors np2_32/c32.safetensors 1e-4

# Threads inside each rank: the layers hand over after a barrier, from the master thread.
run_np 2 ./c64_mpi --quiet --threads 2 --out np2t2 &&
    within "-np 2 with 2 threads each = one process to 1e-12" one/c64.safetensors np2t2/c64.safetensors 1e-12

# A batch of 2 rows on 3 ranks: one rank's share is empty every step; it still takes part in
# every sum (all layers at once, in step()'s order).
./c64 --quiet --threads 1 --batch-size 2 --epochs 3 --out one_b2 &&
    run_np 3 ./c64_mpi --quiet --threads 1 --batch-size 2 --epochs 3 --out np3_b2 &&
    within "batch 2 on 3 ranks (an empty share) = one process to 1e-12" one_b2/c64.safetensors np3_b2/c64.safetensors 1e-12

# Regression with a validation fraction, early stopping and scaled targets: the held-out rows, the
# best epoch and R^2 / RMSE / MAE come out the same.
$PY - <<'PY'
import numpy as np
rng = np.random.default_rng(5)
x = rng.uniform(-1, 1, (300, 3))
y = np.c_[np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2], x[:, 0] - x[:, 2]] * 10 + 3 + rng.normal(0, 0.1, (300, 2))
np.savetxt("reg.csv", np.c_[x, y], delimiter=",", header="a,b,c,y1,y2", comments="", fmt="%.17g")
PY
cat > reg.yaml <<'YAML'
name: reg
input: 3
layers: [{units: 24, activation: tanh}, {units: 2, activation: linear}]
loss: mse
precision: float64
optimizer: adam
learning_rate: 0.01
batch_size: 25
epochs: 400
log_every: 20
seed: 11
normalize_targets: standard
early_stopping: {patience: 15}
data:
  train: reg.csv
  validation: 0.2
YAML
if "$NNCC" reg.yaml -o reg.c 2>reg.err && build_c reg.c reg && "$NNCC" reg.yaml --mpi -o reg_mpi.c && build_mpi reg_mpi.c reg_mpi; then
    ./reg --threads 1 --out reg1 > reg1.out && run_np 3 ./reg_mpi --threads 1 --out reg3 > reg3.out &&
        within "regression, validation, early stopping: -np 3 = one process to 1e-12" reg1/reg.safetensors reg3/reg.safetensors 1e-12
    a=$(grep -o 'restored the weights of epoch [0-9]*\|kept the weights of epoch [0-9]*' reg1.out)
    b=$(grep -o 'restored the weights of epoch [0-9]*\|kept the weights of epoch [0-9]*' reg3.out)
    [ -n "$a" ] && [ "$a" = "$b" ] && ok "early stopping keeps the same epoch on 3 ranks ($a)" ||
        fail "early stopping keeps the same epoch on 3 ranks" "one process: '$a'; 3 ranks: '$b'"
    if $PY - reg1/metrics.csv reg3/metrics.csv <<'PY'
import csv, sys
a, b = (list(csv.DictReader(open(p))) for p in sys.argv[1:])
assert len(a) == len(b), (len(a), len(b))
for r, s in zip(a, b):
    for k in ("train_loss", "val_loss", "train_r2", "val_r2", "train_rmse", "val_mae"):
        x, y = float(r[k]), float(s[k])
        assert abs(x - y) <= 1e-8 * max(abs(x), 1e-300), (r["epoch"], k, x, y)
PY
    then ok "-np 3 regression metrics (R2, RMSE, MAE, validation) = one process's"
    else fail "-np 3 regression metrics (R2, RMSE, MAE, validation) = one process's"; fi
else
    fail "regression network builds" "$(cat reg.err)"
fi

# ---- SIGINT under MPI -------------------------------------------------------------------------
# Ctrl-C reaches mpirun, which passes it to every rank; the ranks agree to stop after the same
# epoch, rank 0 writes one checkpoint, and --resume continues it to an uninterrupted run's weights.
# (mpirun itself in the background, so the signal goes to it, as a terminal's Ctrl-C would)
mpirun --oversubscribe -np 2 ./c64_mpi --threads 1 --epochs 100000 --out sig > sig.out 2> sig.err &
pid=$!
for _ in $(seq 100); do [ -f sig/checkpoint.safetensors ] && break; sleep 0.1; done
sleep 0.5
kill -INT $pid
wait $pid; rc=$?
stopped=$(sed -n 's/^interrupted after epoch \([0-9]*\):.*/\1/p' sig.out)
if [ $rc -ne 0 ] && [ -n "$stopped" ] && [ "$(grep -c '^interrupted after epoch' sig.out)" = 1 ]; then
    ok "SIGINT under mpirun: every rank stops after epoch $stopped, one message (mpirun exit $rc)"
else
    fail "SIGINT under mpirun stops every rank after one epoch" "rc $rc, $(tail -3 sig.out) $(head -3 sig.err)"
fi
temps=$(ls -A sig | grep -c '\.[A-Za-z0-9]\{6\}$')
[ "$temps" = 0 ] && [ -f sig/checkpoint.safetensors ] && ok "SIGINT leaves one checkpoint and no temp file" ||
    fail "SIGINT leaves one checkpoint and no temp file" "$(ls -A sig)"
if [ -n "$stopped" ]; then
    end=$((stopped + 40))
    run_np 2 ./c64_mpi --quiet --threads 1 --epochs $end --out sig --resume 2>resume.err &&
        run_np 2 ./c64_mpi --quiet --threads 1 --epochs $end --out nosig &&
        cmp -s sig/c64.safetensors nosig/c64.safetensors &&
        ok "--resume under MPI continues to the uninterrupted run's weights, bit for bit" ||
        fail "--resume under MPI continues to the uninterrupted run's weights" \
            "$(cat resume.err) $(reldiff sig/c64.safetensors nosig/c64.safetensors 2>&1)"
fi

# ---- failures -----------------------------------------------------------------------------------
# A data file missing on one rank (MPMD: rank 1 is given another path): that rank's message, every
# rank stops, no output directory, no hang.
timeout 120 mpirun --oversubscribe -np 1 ./c64_mpi --out miss : -np 1 ./c64_mpi --out miss --train nothere.csv \
    > miss.out 2> miss.err; rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q '^nothere.csv: error: cannot open' miss.err && [ ! -e miss ]; then
    ok "a data file missing on one rank fails the run with that rank's message (exit $rc)"
else
    fail "a data file missing on one rank fails the run with that rank's message" "rc $rc: $(head -3 miss.err)"
fi
# Ranks given different runs would take different steps: refused before training.
timeout 120 mpirun --oversubscribe -np 1 ./c64_mpi --out diff : -np 1 ./c64_mpi --out diff --batch-size 16 \
    > diff.out 2> diff.err; rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q 'ranks were not given the same run' diff.err &&
    ok "ranks given different options are refused (exit $rc)" ||
    fail "ranks given different options are refused" "rc $rc: $(head -3 diff.err)"
# A usage error is every rank's: said once.
run_np 3 ./c64_mpi --epochs many > usage.out 2> usage.err; rc=$?
[ "$(grep -c 'error: --epochs expects an integer' usage.err)" = 1 ] && ok "a usage error under mpirun is said once (exit $rc)" ||
    fail "a usage error under mpirun is said once" "$(grep -c error usage.err) messages"
finish
