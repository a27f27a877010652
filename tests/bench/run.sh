#!/usr/bin/env bash
# tests/bench/run.sh — make bench: nncc's generated programs against numpy and PyTorch, same
# workloads, same run, one markdown table (paste it into the README as it is).
#
#   W2  the notes' deep net 2-16-16-16-1 sigmoid, 1000 circles, full batch      iterations/s
#   W3  Fashion-MNIST 784-256-128-10 ReLU, softmax-CE, SGD, batch 64, 1 epoch      s/epoch
#   W4  784-1024-1024-10 ReLU, batch 256 (GEMM-bound)                              samples/s
#   W5  one-sample inference of the W3 net (nncc --emit infer)                     us/call
#
# nncc's time is the training program's own `seconds` (metrics.csv: training only, no loading,
# no evaluation). Peers run through Debian's /usr/bin/python3 (numpy, torch), timed around the
# training loop only. Every figure is the median of REPEATS runs with min-max. GFLOP/s counts
# 6 x weights per training sample and 2 x weights per inference; "% peak" is against the FMA
# loop of peak.c on all cores. No assertions: this measures, `make check` tests.
#
# Environment: REPEATS (default 3), NNCC, CFLAGS (as nncc's driver mode: -O3 -march=native
# -fopenmp unless set), W4_EPOCHS.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$TOP/tests/bench
NNCC=${NNCC:-$TOP/build/nncc}
PY=/usr/bin/python3
REPEATS=${REPEATS:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nncc-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
note() { echo "$*" >&2; }

# ---- the machine ---------------------------------------------------------------------------
model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
cores=$(nproc)
load=$(cut -d' ' -f1-3 /proc/loadavg)
blas=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || echo unknown)
case $blas in *openblas*) blas_name=OpenBLAS ;; *netlib* | */blas/*) blas_name="reference BLAS (netlib)" ;; *) blas_name=$blas ;; esac

gcc -std=c99 -O3 -march=native -ffp-contract=fast -fopenmp -mprefer-vector-width=256 "$BENCH/peak.c" -o "$WORK/peak256" 2>/dev/null
gcc -std=c99 -O3 -march=native -ffp-contract=fast -fopenmp -mprefer-vector-width=512 "$BENCH/peak.c" -o "$WORK/peak512" 2>/dev/null
read -r p1a pna _ < <("$WORK/peak256")
read -r p1b pnb _ < <("$WORK/peak512" 2>/dev/null || echo "0 0 0")
peak1=$(awk -v a="$p1a" -v b="$p1b" 'BEGIN { print (a > b ? a : b) }')
peak=$(awk -v a="$pna" -v b="$pnb" -v one="$peak1" 'BEGIN { p = a > b ? a : b; print (p > one ? p : one) }')
note "peak (FMA loop): $peak1 GFLOP/s on 1 core, $peak on $cores"

# ---- nncc ----------------------------------------------------------------------------------
stats() { sort -g | awk '{ v[NR] = $1 } END { printf "%s %s %s\n", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
last_seconds() { awk -F, 'END { print $NF }' "$1/metrics.csv"; }

build() { # build NAME: compiles tests/bench/NAME.yaml, prints the wall time of nncc + cc
    local t0 t1
    t0=$(date +%s.%N)
    (cd "$WORK" && "$NNCC" "$BENCH/$1.yaml" -o "$WORK/$1") >"$WORK/$1.build.log" 2>&1 || {
        note "nncc $1 failed:"; cat "$WORK/$1.build.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}

# run NAME ARGS...: REPEATS runs; prints training seconds of each run, one per line; RSS to NAME.rss
run() {
    local name=$1; shift
    for k in $(seq "$REPEATS"); do
        /usr/bin/time -f %M -o "$WORK/$name.rss.$k" "$WORK/$name" --quiet --out "$WORK/$name-out" "$@" >/dev/null ||
            { note "$name failed"; exit 1; }
        last_seconds "$WORK/$name-out"
    done
    cat "$WORK/$name".rss.* | sort -n | tail -1 > "$WORK/$name.rss"
}

note "building W2-W4 with nncc ..."
build w2_circles >/dev/null
cc_w3=$(build w3_fashion)
build w4_wide >/dev/null
W2_EPOCHS=2000
note "running nncc W2 ($W2_EPOCHS iterations) x $REPEATS ..."
read -r w2 w2lo w2hi < <(run w2_circles | awk -v n=$W2_EPOCHS '{ print n / $1 }' | stats)
note "running nncc W3 (1 epoch) x $REPEATS ..."
read -r w3 w3lo w3hi < <(run w3_fashion | stats)
note "running nncc W4 (1 epoch) x $REPEATS ..."
read -r w4 w4lo w4hi < <(run w4_wide | awk '{ print 60000 / $1 }' | stats)
# The same programs on one thread, and on all with OpenMP's threads sleeping at barriers instead of
# spinning: on a busy machine a spinning barrier waits for a descheduled partner.
note "running nncc W3 and W4 with --threads 1, and W3 with OMP_WAIT_POLICY=PASSIVE ..."
read -r w3t1 w3t1lo w3t1hi < <(run w3_fashion --threads 1 | stats)
read -r w3pa w3palo w3pahi < <(export OMP_WAIT_POLICY=PASSIVE; run w3_fashion | stats)
read -r w4t1 _ < <(REPEATS=1 run w4_wide --threads 1 | awk '{ print 60000 / $1 }' | stats)
rss2=$(cat "$WORK/w2_circles.rss") rss3=$(cat "$WORK/w3_fashion.rss") rss4=$(cat "$WORK/w4_wide.rss")

# W5 on real Fashion-MNIST test images (the table), and on dense random inputs (a note)
w5="" w5lo="" w5hi="" w5d="" w5dlo="" w5dhi="" w5zeros=""
if (cd "$WORK" && "$NNCC" "$BENCH/w3_fashion.yaml" --emit infer --weights "$WORK/w3_fashion-out/w3.safetensors" \
        -o "$WORK/w3.c") >"$WORK/infer.log" 2>&1 &&
    cc -O3 -march=native -I"$WORK" "$BENCH/infer_bench.c" "$WORK/w3.c" -lm -lz -o "$WORK/infer_bench" 2>>"$WORK/infer.log"; then
    read -r w5 w5lo w5hi w5d w5dlo w5dhi w5zeros _ < <("$WORK/infer_bench")
else
    note "W5: nncc --emit infer unavailable ($(tail -1 "$WORK/infer.log")): pending"
fi

# ---- peers ---------------------------------------------------------------------------------
declare -A P
have_numpy=0 have_torch=0
if [ -x "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; then have_numpy=1; fi
if [ -x "$PY" ] && "$PY" -c 'import torch' 2>/dev/null; then have_torch=1; fi
peer() { # peer WORKLOAD FRAMEWORK: "median min max rss" or "- - - -"
    local ok=$have_numpy
    [ "$2" = torch ] && ok=$have_torch
    if [ "$ok" = 1 ]; then (cd "$BENCH" && "$PY" peers.py "$1" "$2" "$REPEATS") 2>/dev/null || echo "- - - -"
    else echo "- - - -"; fi
}
note "running numpy and PyTorch (BLAS: $blas_name) ..."
for w in w2 w3 w4 w5; do
    P[$w.numpy]=$(peer $w numpy)
    P[$w.torch]=$(peer $w torch)
done
P[gemm3]=$(peer gemm3 numpy)
P[gemm4]=$(peer gemm4 numpy)

# ---- the table -----------------------------------------------------------------------------
# fmt WHAT: "median (min-max)" of a triple
tri() { awk -v m="$1" -v lo="$2" -v hi="$3" -v d="$4" 'BEGIN {
    if (m == "" || m == "-") { print "—"; exit }
    printf "%." d "f (%." d "f–%." d "f)\n", m, lo, hi }'; }
# ratio NNCC PEER HIGHER_IS_BETTER: how many times faster nncc is
ratio() { awk -v a="$1" -v b="$2" -v h="$3" 'BEGIN {
    if (a == "" || b == "" || b == "-" || a + 0 == 0 || b + 0 == 0) { print "—"; exit }
    r = h ? a / b : b / a; printf "%.2f×\n", r }'; }
gf() { # gf VALUE FLOPS HIGHER PEAK: GFLOP/s of a rate (flops per unit) or of a time (flops per run)
    awk -v v="$1" -v k="$2" -v h="$3" -v peak="$4" 'BEGIN {
    if (v == "" || v + 0 == 0) { print "— | —"; exit }
    g = (h ? k * v : k / v) / 1e9; printf "%.1f | %.0f%%\n", g, 100 * g / peak }'; }
mib() { [ -n "$1" ] && [ "$1" != "-" ] && awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }' || echo "—"; }

W2_W=560 W3_W=234752 W4_W=1861632
row() { # row NAME UNIT DIGITS HIGHER NNCC LO HI PEERKEY FLOPS_PER_UNIT RSS
    local np=(${P[$8.numpy]}) tp=(${P[$8.torch]})
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s |\n' "$1" "$2" \
        "$(tri "$5" "$6" "$7" "$3")" "$(tri "${np[0]}" "${np[1]}" "${np[2]}" "$3")" \
        "$(tri "${tp[0]}" "${tp[1]}" "${tp[2]}" "$3")" \
        "$(ratio "$5" "${np[0]}" "$4")" "$(ratio "$5" "${tp[0]}" "$4")" "$(gf "$5" "$9" "$4" "${11:-$peak}")" \
        "$(mib "${10}")" "$(mib "${np[3]}")" "$(mib "${tp[3]}")"
}
g3=(${P[gemm3]}) g4=(${P[gemm4]})
echo
echo "nncc \`make bench\`, $(date -u +%Y-%m-%d), $model, $cores cores (load average $load at start);"
echo "cc: $(cc --version | head -1); peers: $("$PY" -c 'import numpy; print("numpy", numpy.__version__)' 2>/dev/null || echo 'numpy absent')," \
     "$("$PY" -c 'import torch; print("PyTorch", torch.__version__, "(%d threads)" % torch.get_num_threads())' 2>/dev/null || echo 'PyTorch absent'), BLAS: $blas_name."
echo "Peak (FMA loop, peak.c): $peak1 GFLOP/s on 1 core, $peak GFLOP/s on all $cores (the % peak column). Medians of $REPEATS runs (min–max)."
echo
echo "| workload | unit | nncc | numpy | PyTorch | vs numpy | vs PyTorch | nncc GFLOP/s | % peak | peak RSS MiB nncc / numpy / torch |"
echo "|---|---|---|---|---|---|---|---|---|---|"
row "W2 deep circles 2-16-16-16-1, full batch 1000" "it/s ↑" 0 1 "$w2" "$w2lo" "$w2hi" w2 $((6 * W2_W * 1000)) "$rss2"
row "W3 Fashion 784-256-128-10, batch 64" "s/epoch ↓" 3 0 "$w3" "$w3lo" "$w3hi" w3 $((6 * W3_W * 60000)) "$rss3"
row "W4 784-1024-1024-10, batch 256" "samples/s ↑" 0 1 "$w4" "$w4lo" "$w4hi" w4 $((6 * W4_W)) "$rss4"
row "W5 one-sample inference (W3 net), % of 1 core" "µs ↓" 2 0 "$w5" "$w5lo" "$w5hi" w5 $((2 * W3_W * 1000000)) "" "$peak1"
echo
echo "- W3: the GEMMs alone through numpy's $blas_name: $(tri "${g3[0]:-}" "${g3[1]:-}" "${g3[2]:-}" 3) s/epoch; nncc + cc for the W3 net: $cc_w3 s."
echo "- W4: the GEMMs alone through numpy's $blas_name: $(tri "${g4[0]:-}" "${g4[1]:-}" "${g4[2]:-}" 0) samples/s$(awk -v a="$w4" -v b="${g4[0]:-}" 'BEGIN { if (a != "" && b + 0 > 0) printf "; nncc reaches %.0f%% of that bound", 100 * a / b }')."
echo "- nncc on one thread (--threads 1): W3 $(tri "$w3t1" "$w3t1lo" "$w3t1hi" 3) s/epoch, W4 $(printf %.0f "$w4t1") samples/s; W3 on all threads with OMP_WAIT_POLICY=PASSIVE: $(tri "$w3pa" "$w3palo" "$w3pahi" 3) s/epoch."
echo "- W5 runs over the first 1000 Fashion-MNIST test images ($(awk -v z="${w5zeros:-0}" 'BEGIN { printf "%.0f", 100 * z }')% of their pixels 0: nncc's kernel skips their rows"
echo "  of weights, and those of a ReLU's zero outputs; its GFLOP/s counts the skipped multiply-adds too);"
echo "  nncc on 256 dense random inputs (almost no 0): $(tri "$w5d" "$w5dlo" "$w5dhi" 2) µs."
echo "- Peers' W4 rates are measured over the first 15,360 samples; nncc's over the whole epoch."
echo "- PyTorch's threading trap: Debian's torch multiplies through the system BLAS (OpenBLAS's own"
echo "  threads); torch.set_num_threads(2) on top of that makes it several times slower. The torch"
echo "  runs keep its default; if you experiment, set OMP_WAIT_POLICY=PASSIVE."
[ "$blas_name" = OpenBLAS ] || echo "- Warning: numpy and torch use $blas_name here, not OpenBLAS: install libopenblas0-pthread for a fair comparison."
awk -v l="${load%% *}" -v c="$cores" 'BEGIN { if (l + 0 > 0.5 * c) printf "- Warning: the machine was busy (load average %s on %d cores): threaded timings suffer most.\n", l, c }'
