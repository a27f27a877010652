#!/usr/bin/env bash
# tests/bench/run.sh — make bench: nncc's generated programs against numpy and PyTorch, same
# workloads, same run, one markdown table (paste it into the README as it is).
#
#   W2  the notes' deep net 2-16-16-16-1 sigmoid, 1000 circles, full batch      iterations/s
#   W3  Fashion-MNIST 784-256-128-10 ReLU, softmax-CE, SGD, batch 64, 1 epoch      s/epoch
#   W4  784-1024-1024-10 ReLU, batch 256 (GEMM-bound)                              samples/s
#   W5  one-sample inference of the W3 net (nncc --emit infer)                     us/call
#   W6  examples/fashion_cnn.yaml's CNN, Adam, batch 64, 1 epoch of the first        s/epoch
#       W6_SAMPLES Fashion-MNIST training images (default 12,000), standardised; PyTorch only
#
# nncc's time is the training program's own `seconds` (metrics.csv: training only, no loading,
# no evaluation). Peers run through Debian's /usr/bin/python3 (numpy, torch), timed around the
# training loop only. Every figure is the median of REPEATS runs with min-max. GFLOP/s counts
# 6 x weights per training sample and 2 x weights per inference; "% peak" is against the FMA
# loop of peak.c on all cores. No assertions: this measures, `make check` tests.
#
# nncc's rows are measured per target this CPU runs (/proc/cpuinfo): "native" (CFLAGS unset: the
# driver's default flags, -O3 -march=native -fopenmp, on x86 also -mprefer-vector-width=512) and,
# on an AVX-512 CPU, also x86-64-v3 (CFLAGS='-O3 -march=x86-64-v3 -fopenmp', what --target
# x86-64-v3 builds with); the peers run once and every target's rows are compared with them.
# A CFLAGS set by the user is the one target measured. The --threads 1 and OMP_WAIT_POLICY=PASSIVE
# runs are for the first target only.
#
# Scaling out (the first target only): W3 and W4 built with nncc --mpi and run as 2 ranks x 1 thread
# under mpirun, in both allreduce modes, beside the same workloads as 1 process x 1 and x 2 threads,
# MPI_Allreduce of their gradient blocks alone (allreduce.c), and a PREDICTED table for 8 and 64
# nodes from those figures (scaling_model.py). Without mpirun or mpicc these rows are skipped, and
# the output says so.
#
# Environment: REPEATS (default 3), NNCC, CC, CFLAGS (see above), MPIRUN_FLAGS (see "scaling out"),
# W6_SAMPLES (default 12000, at most 60000), ROWS: the rows to measure, words of W2 W3 W4 W5 W6
# scaling (default all of them; e.g. ROWS=W6 bash tests/bench/run.sh). The notes and tables of rows
# left out are left out too.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$TOP/tests/bench
NNCC=${NNCC:-$TOP/build/nncc}
PY=/usr/bin/python3
REPEATS=${REPEATS:-3}
ROWS=${ROWS:-W2 W3 W4 W5 W6 scaling}
want() { [[ " ${ROWS//,/ } " == *" $1 "* ]]; }
W6_SAMPLES=${W6_SAMPLES:-12000}
FASHION=/usr/share/datasets/fashion-mnist
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nncc-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
note() { echo "$*" >&2; }

# ---- the machine and its targets ----------------------------------------------------------
model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
cores=$(nproc)
load=$(cut -d' ' -f1-3 /proc/loadavg)
blas=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || echo unknown)
case $blas in *openblas*) blas_name=OpenBLAS ;; *netlib* | */blas/*) blas_name="reference BLAS (netlib)" ;; *) blas_name=$blas ;; esac

# The x86-64 levels this CPU runs, from /proc/cpuinfo's flags (elsewhere: native only).
cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
cpu_has() { local f; for f; do [[ $cpu_flags == *" $f "* ]] || return 1; done; }
levels="" has_v4=0
case $(uname -m) in
x86_64)
    cpu_has avx512f avx512bw avx512vl && { has_v4=1; levels="x86-64-v4"; }
    cpu_has avx2 fma && levels="${levels:+$levels, }x86-64-v3" ;;
esac
# TAGS: the targets nncc's rows are measured for. FLAGS: their CFLAGS for nncc's driver ("" leaves
# CFLAGS unset: nncc's default flags); INFER_FLAGS: W5's cc flags. A CFLAGS the user sets is the one
# target measured; else native, and on an AVX-512 CPU also x86-64-v3 (the flags --target x86-64-v3
# builds with: 6 x 16 float blocks for 16 ymm registers).
user_cflags=${CFLAGS:-}
unset CFLAGS
declare -A FLAGS INFER_FLAGS LABEL
if [ -n "$user_cflags" ]; then
    TAGS=(cflags) FLAGS[cflags]=$user_cflags INFER_FLAGS[cflags]=$user_cflags LABEL[cflags]=CFLAGS
else
    TAGS=(native) FLAGS[native]="" INFER_FLAGS[native]="-O3 -march=native" LABEL[native]=native
    if [ $has_v4 = 1 ] && cpu_has avx2 fma; then
        TAGS+=(v3) FLAGS[v3]="-O3 -march=x86-64-v3 -fopenmp" INFER_FLAGS[v3]="-O3 -march=x86-64-v3" LABEL[v3]=x86-64-v3
    fi
fi
main=${TAGS[0]}
flags_of() { if [ -n "${FLAGS[$1]}" ]; then echo "CFLAGS='${FLAGS[$1]}'"; else echo "CFLAGS unset"; fi; }

gcc -std=c99 -O3 -march=native -ffp-contract=fast -fopenmp -mprefer-vector-width=256 "$BENCH/peak.c" -o "$WORK/peak256" 2>/dev/null
gcc -std=c99 -O3 -march=native -ffp-contract=fast -fopenmp -mprefer-vector-width=512 "$BENCH/peak.c" -o "$WORK/peak512" 2>/dev/null
read -r p1a pna _ < <("$WORK/peak256")
read -r p1b pnb _ < <("$WORK/peak512" 2>/dev/null || echo "0 0 0")
peak1=$(awk -v a="$p1a" -v b="$p1b" 'BEGIN { print (a > b ? a : b) }')
peak=$(awk -v a="$pna" -v b="$pnb" -v one="$peak1" 'BEGIN { p = a > b ? a : b; print (p > one ? p : one) }')
note "peak (FMA loop): $peak1 GFLOP/s on 1 core, $peak on $cores"
# Every target's % peak is against this machine's peak: peak.c's 256-bit build is no AVX2 peak (gcc 12
# keeps its 16 x 16 accumulators in memory there), so x86-64-v3's rows show what its vectors leave.

# ---- nncc ----------------------------------------------------------------------------------
stats() { sort -g | awk '{ v[NR] = $1 } END { printf "%s %s %s\n", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
last_seconds() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "seconds") c = i } END { print $c }' "$1/metrics.csv"; }

# nncc's driver compiles NAME.nncc-tmp.c with $CC and deletes it: this $CC keeps a copy as NAME.c,
# whose header says what the build was scheduled for.
cat >"$WORK/cc-keep" <<EOF
#!/bin/sh
for a; do case \$a in *.nncc-tmp.c) cp "\$a" "\${a%.nncc-tmp.c}.c" ;; esac; done
exec ${CC:-cc} "\$@"
EOF
chmod +x "$WORK/cc-keep"

build() { # build TAG NAME [YAML]: compiles YAML (default tests/bench/NAME.yaml) with TAG's CFLAGS to WORK/TAG/NAME, prints the wall time of nncc + cc
    local t0 t1 d=$WORK/$1 y=${3:-$BENCH/$2.yaml}
    t0=$(date +%s.%N)
    (cd "$d" && if [ -n "${FLAGS[$1]}" ]; then export CFLAGS=${FLAGS[$1]}; fi &&
        CC=$WORK/cc-keep "$NNCC" "$y" -o "$d/$2") >"$d/$2.build.log" 2>&1 || {
        note "nncc $2 (${LABEL[$1]}) failed:"; cat "$d/$2.build.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}

# run TAG NAME ARGS...: REPEATS runs; prints training seconds of each run, one per line; RSS to NAME.rss
run() {
    local d=$WORK/$1 name=$2; shift 2
    for k in $(seq "$REPEATS"); do
        /usr/bin/time -f %M -o "$d/$name.rss.$k" "$d/$name" --quiet --out "$d/$name-out" "$@" >/dev/null ||
            { note "$name (${LABEL[$1]}) failed"; exit 1; }
        last_seconds "$d/$name-out"
    done
    cat "$d/$name".rss.* | sort -n | tail -1 > "$d/$name.rss"
}

# W6's data: the first W6_SAMPLES training images and labels as IDX files of their own (the header's
# count rewritten), and a copy of w6_fashion_cnn.yaml reading them. W6_YAML empty: the row is skipped
# for the reason in w6_skip.
W6_YAML="" w6_skip=""
idx_head() { # idx_head SRC DST N HEADER_BYTES ITEM_BYTES: the first N items of the IDX file SRC
    local n=$3
    { gzip -dc "$1" | head -c 4
        printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((n >> 24 & 255)) $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))"
        gzip -dc "$1" | tail -c +9 | head -c $(($4 - 8 + n * $5)); } | gzip -1 >"$2"
}
if want W6; then
    if [ ! -f "$FASHION/train-images-idx3-ubyte.gz" ] || [ ! -f "$FASHION/train-labels-idx1-ubyte.gz" ]; then
        w6_skip="$FASHION/train-*-ubyte.gz not found (Debian package dataset-fashion-mnist)"
    elif ! [[ $W6_SAMPLES =~ ^[1-9][0-9]*$ ]] || [ "$W6_SAMPLES" -gt 60000 ]; then
        w6_skip="W6_SAMPLES=$W6_SAMPLES is not a count from 1 to 60000"
    elif [ "$W6_SAMPLES" = 60000 ]; then
        W6_YAML=$BENCH/w6_fashion_cnn.yaml
    else
        mkdir -p "$WORK/w6-data"
        idx_head "$FASHION/train-images-idx3-ubyte.gz" "$WORK/w6-data/train-images-idx3-ubyte.gz" "$W6_SAMPLES" 16 784 &&
            idx_head "$FASHION/train-labels-idx1-ubyte.gz" "$WORK/w6-data/train-labels-idx1-ubyte.gz" "$W6_SAMPLES" 8 1 &&
            sed "s|$FASHION/|$WORK/w6-data/|g" "$BENCH/w6_fashion_cnn.yaml" >"$WORK/w6_fashion_cnn.yaml" &&
            W6_YAML=$WORK/w6_fashion_cnn.yaml || w6_skip="could not cut the first $W6_SAMPLES images out of $FASHION"
    fi
    [ -n "$w6_skip" ] && note "W6 skipped: $w6_skip"
fi

# R[TAG.KEY]: TAG's figures, "median min max" (w2 w3 w4 w5 w5d w6 w3t1 w3pa w4t1) or one value
# (cc3: nncc + cc for W3; rss2-4, rss6; sched: the schedule's target line; blocks: the register block).
declare -A R
W2_EPOCHS=2000
for t in "${TAGS[@]}"; do
    mkdir -p "$WORK/$t"
    # W5 takes W3's trained weights, and the scaling rows W3's and W4's programs built without --mpi.
    what=$(want W2 && echo W2; { want W3 || want W5 || want scaling; } && echo W3; { want W4 || want scaling; } && echo W4
        [ -n "$W6_YAML" ] && echo W6)
    [ -n "$what" ] && note "[${LABEL[$t]}] building $(echo $what) with nncc ($(flags_of "$t")) ..."
    want W2 && build "$t" w2_circles >/dev/null
    if want W3 || want W5 || want scaling; then R[$t.cc3]=$(build "$t" w3_fashion); fi
    { want W4 || want scaling; } && build "$t" w4_wide >/dev/null
    [ -n "$W6_YAML" ] && build "$t" w6_fashion_cnn "$W6_YAML" >/dev/null
    src=$WORK/$t/w3_fashion.c
    for f in w3_fashion w4_wide w2_circles w6_fashion_cnn; do # the schedule's line: of W3, else of any built
        [ -f "$WORK/$t/$f.c" ] && { src=$WORK/$t/$f.c; break; }
    done
    R[$t.sched]=$(sed -n 's/^ \* Scheduled for //p' "$src" 2>/dev/null | head -1)
    R[$t.blocks]=$(awk '/^#define W3_NR / { nr = $3 } match($0, /register blocks of up to [0-9]+ x W3_NR/) {
        split(substr($0, RSTART, RLENGTH), w, " "); mr = w[6] } END { if (mr && nr) print mr " x " nr }' "$src" 2>/dev/null)
    if [ "$t" = cflags ] && [ -n "${R[$t.sched]}" ]; then # the target's name, as "x86-64-v3 (from CFLAGS)"
        LABEL[$t]=${R[$t.sched]#target }; LABEL[$t]=${LABEL[$t]%%:*}; fi
    what=$(want W2 && echo "W2 ($W2_EPOCHS iterations),"; want W3 && echo "W3 (1 epoch),"; want W4 && echo "W4 (1 epoch),"
        [ -n "$W6_YAML" ] && echo "W6 (1 epoch of $W6_SAMPLES images),")
    [ -n "$what" ] && note "[${LABEL[$t]}] running nncc $(echo $what | sed 's/,$//') x $REPEATS ..."
    want W2 && R[$t.w2]=$(run "$t" w2_circles | awk -v n=$W2_EPOCHS '{ print n / $1 }' | stats)
    want W3 && R[$t.w3]=$(run "$t" w3_fashion | stats)
    want W3 || { want W5 && REPEATS=1 run "$t" w3_fashion >/dev/null; } # W5's kernel: the weights W3 trains
    want W4 && R[$t.w4]=$(run "$t" w4_wide | awk '{ print 60000 / $1 }' | stats)
    [ -n "$W6_YAML" ] && R[$t.w6]=$(run "$t" w6_fashion_cnn | stats)
    if [ "$t" = "$main" ]; then
        # The same programs on one thread, and on all with OpenMP's threads sleeping at barriers instead
        # of spinning: on a busy machine a spinning barrier waits for a descheduled partner.
        if want W3; then
            note "[${LABEL[$t]}] running nncc W3 with --threads 1 and with OMP_WAIT_POLICY=PASSIVE ..."
            R[$t.w3t1]=$(run "$t" w3_fashion --threads 1 | stats)
            R[$t.w3pa]=$(export OMP_WAIT_POLICY=PASSIVE; run "$t" w3_fashion | stats)
        fi
        if want W4; then
            note "[${LABEL[$t]}] running nncc W4 with --threads 1 ..."
            R[$t.w4t1]=$(REPEATS=1 run "$t" w4_wide --threads 1 | awk '{ print 60000 / $1 }' | stats)
        fi
    fi
    for k in 2:w2_circles 3:w3_fashion 4:w4_wide 6:w6_fashion_cnn; do
        R[$t.rss${k%%:*}]=$(cat "$WORK/$t/${k#*:}.rss" 2>/dev/null)
    done
done

# ---- scaling out: nncc --mpi ---------------------------------------------------------------
# W3 and W4 built with --mpi (the first target's flags) and run as 2 ranks x 1 thread, beside the
# same workloads built without it as 1 process x 1 and x 2 threads: one run of each in turn, REPEATS
# times, so that a busy spell of the machine falls on all of them alike; both allreduce modes
# (NNCC_ALLREDUCE=overlap, the default, and blocking); and MPI_Allreduce of the two gradient blocks
# alone (allreduce.c), over the same loopback. Rank 0's metrics.csv gives the training seconds, its
# `mpi:` line (printed without --quiet) the wait for the sums per step.
#
# MPIRUN_FLAGS (default: --bind-to none --mca mpi_yield_when_idle 1) are mpirun's options besides
# --oversubscribe -np 2: see the README's "Scaling out" for the measurements that chose them.
MPIRUN_FLAGS=${MPIRUN_FLAGS:---bind-to none --mca mpi_yield_when_idle 1}
# S[KEY]: the scaling figures. w3.p1 w3.p2 (1 process x 1, x 2 threads), w3.ov w3.bl (2 ranks, overlap,
# blocking): "median min max" s/epoch; w3.wov w3.wbl: the same of the mpi: line's ms per step;
# w3.ar: MPI_Allreduce alone, ms; w3.n: parameters; w3.steps: steps an epoch; likewise w4.
declare -A S
for w in w3 w4; do # parameters, bytes a real, and the layers' sizes (784-256-128-10) from --check
    f=$([ $w = w3 ] && echo w3_fashion || echo w4_wide)
    read -r "S[$w.n]" "S[$w.real]" "S[$w.sizes]" < <("$NNCC" "$BENCH/$f.yaml" --check | awk '
        /^parameters:/ { n = $2 } /^  float64/ { r = 8 }
        /^  layer [0-9]+ +dense +[0-9]+ -> [0-9]+/ { if (!s) s = $4; s = s "-" $6 }
        END { print n, r ? r : 4, s }')
done
mpi_skip=""
if ! want scaling; then
    mpi_skip="not in ROWS ($ROWS)"
elif ! mpirun=$(command -v mpirun) || [ ! -x "$mpirun" ]; then
    mpi_skip="no mpirun on PATH (make bench-deps installs openmpi-bin and libopenmpi-dev)"
elif ! mpicc=$(command -v mpicc) || [ ! -x "$mpicc" ]; then
    mpi_skip="no mpicc (make bench-deps installs libopenmpi-dev)"
fi
if [ -z "$mpi_skip" ]; then
    # mpirun refuses root unless told twice; a bench run as root means it.
    [ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    d=$WORK/$main
    for w in w3_fashion w4_wide; do
        (cd "$d" && if [ -n "${FLAGS[$main]}" ]; then export CFLAGS=${FLAGS[$main]}; fi &&
            CC=$WORK/cc-keep "$NNCC" "$BENCH/$w.yaml" --mpi -o "$d/$w-mpi") >"$d/$w-mpi.build.log" 2>&1 ||
            { mpi_skip="nncc --mpi failed: $(tail -1 "$d/$w-mpi.build.log")"; break; }
    done
fi
if [ -z "$mpi_skip" ] && ! "$mpicc" -O2 "$BENCH/allreduce.c" -o "$WORK/allreduce" >"$WORK/allreduce.log" 2>&1; then
    mpi_skip="mpicc allreduce.c failed: $(tail -1 "$WORK/allreduce.log")"
fi
# shellcheck disable=SC2086 # MPIRUN_FLAGS are words
mpi2() { mpirun --oversubscribe -np 2 $MPIRUN_FLAGS "$@"; }
if [ -z "$mpi_skip" ]; then
    d=$WORK/$main
    note "[${LABEL[$main]}] scaling: W3 and W4 as 2 ranks x 1 thread (mpirun --oversubscribe -np 2 $MPIRUN_FLAGS), overlap and blocking, beside 1 process x 1 and x 2 threads, x $REPEATS ..."
    declare -A T # T[w.kind]: one value a line, over the repeats
    for k in $(seq "$REPEATS"); do
        for w in w3 w4; do
            f=$([ $w = w3 ] && echo w3_fashion || echo w4_wide)
            "$d/$f" --quiet --threads 1 --out "$d/$f-s1" >/dev/null || { note "$f --threads 1 failed"; exit 1; }
            T[$w.p1]+="$(last_seconds "$d/$f-s1")"$'\n'
            "$d/$f" --quiet --out "$d/$f-s2" >/dev/null || { note "$f failed"; exit 1; }
            T[$w.p2]+="$(last_seconds "$d/$f-s2")"$'\n'
            for mode in overlap blocking; do
                m=$([ $mode = overlap ] && echo ov || echo bl)
                # Without --quiet for the mpi: line; stdout is a file, so no progress bar is drawn.
                NNCC_ALLREDUCE=$mode mpi2 "$d/$f-mpi" --threads 1 --out "$d/$f-mpi-out" >"$d/$f-mpi.$m.log" 2>&1 ||
                    { note "mpirun $f-mpi ($mode) failed:"; tail -5 "$d/$f-mpi.$m.log" >&2; exit 1; }
                T[$w.$m]+="$(last_seconds "$d/$f-mpi-out")"$'\n'
                T[$w.w$m]+="$(sed -n 's/^mpi: .*: \([0-9.]*\) ms per step waiting$/\1/p' "$d/$f-mpi.$m.log")"$'\n'
                S[$w.steps]=$(sed -n 's/^mpi: [0-9]* ranks; \([0-9]*\) gradient sums.*/\1/p' "$d/$f-mpi.$m.log")
            done
        done
    done
    for key in "${!T[@]}"; do S[$key]=$(printf %s "${T[$key]}" | grep . | stats); done
    note "[${LABEL[$main]}] scaling: MPI_Allreduce of ${S[w3.n]} and ${S[w4.n]} floats alone, 2 ranks ..."
    while read -r n med lo hi; do
        for w in w3 w4; do [ "$n" = "${S[$w.n]}" ] && S[$w.ar]="$med $lo $hi"; done
    done < <(mpi2 "$WORK/allreduce" "${S[w3.n]}" "${S[w4.n]}" 2>"$WORK/allreduce.log")
else
    note "scaling (nncc --mpi) skipped: $mpi_skip"
fi

# W5 on real Fashion-MNIST test images (the table), and on dense random inputs (a note): one kernel
# (the weights the first target trained), compiled for each target.
w5zeros=""
if ! want W5; then
    :
elif (cd "$WORK" && "$NNCC" "$BENCH/w3_fashion.yaml" --emit infer --weights "$WORK/$main/w3_fashion-out/w3.safetensors" \
        -o "$WORK/w3.c") >"$WORK/infer.log" 2>&1; then
    for t in "${TAGS[@]}"; do
        # shellcheck disable=SC2086 # the flags are words
        if ${CC:-cc} ${INFER_FLAGS[$t]} -I"$WORK" "$BENCH/infer_bench.c" "$WORK/w3.c" -lm -lz \
                -o "$WORK/$t/infer_bench" 2>>"$WORK/infer.log"; then
            note "[${LABEL[$t]}] running the W5 kernel ..."
            read -r a b c d e f z _ < <("$WORK/$t/infer_bench")
            R[$t.w5]="$a $b $c" R[$t.w5d]="$d $e $f" w5zeros=${w5zeros:-$z}
        else
            note "W5 (${LABEL[$t]}): cc ${INFER_FLAGS[$t]} failed ($(tail -1 "$WORK/infer.log"))"
        fi
    done
else
    note "W5: nncc --emit infer unavailable ($(tail -1 "$WORK/infer.log")): pending"
fi

# The notes' deep net as C source: its length is one of the issue's goals.
deep_lines=$( (cd "$WORK" && "$NNCC" "$TOP/examples/deep_circles.yaml" -o "$WORK/deep_circles.c") >/dev/null 2>&1 &&
    wc -l <"$WORK/deep_circles.c")

# ---- peers ---------------------------------------------------------------------------------
declare -A P
have_numpy=0 have_torch=0
if [ -x "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; then have_numpy=1; fi
if [ -x "$PY" ] && "$PY" -c 'import torch' 2>/dev/null; then have_torch=1; fi
peer() { # peer WORKLOAD FRAMEWORK [N]: "median min max rss" or "- - - -"
    local ok=$have_numpy
    [ "$2" = torch ] && ok=$have_torch
    if [ "$ok" = 1 ]; then (cd "$BENCH" && "$PY" peers.py "$1" "$2" "$REPEATS" ${3:+"$3"}) 2>/dev/null || echo "- - - -"
    else echo "- - - -"; fi
}
note "running numpy and PyTorch (BLAS: $blas_name) ..."
for w in w2 w3 w4 w5 w6; do
    P[$w.numpy]="- - - -" P[$w.torch]="- - - -"
    want "${w^^}" || continue
    if [ $w = w6 ]; then # no numpy CNN; PyTorch on the same images as nncc
        [ -n "$W6_YAML" ] && P[$w.torch]=$(peer $w torch "$W6_SAMPLES")
        continue
    fi
    P[$w.numpy]=$(peer $w numpy)
    P[$w.torch]=$(peer $w torch)
done
want W3 && P[gemm3]=$(peer gemm3 numpy)
want W4 && P[gemm4]=$(peer gemm4 numpy)

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
# each TAG VALUES: "VALUE (LABEL)" for every target, comma-separated ("" values left out)
each() { local fn=$1 t v out=""; shift
    for t in "${TAGS[@]}"; do v=$("$fn" "$t" "$@"); [ -n "$v" ] && out="${out:+$out, }$v (${LABEL[$t]})"; done
    echo "$out"; }

W2_W=560 W3_W=234752 W4_W=1861632
# W6's multiply-adds a sample forward: conv 16x28x28 x 9 + conv 32x14x14 x 16x9 + dense 1568x128 + 128x10
# (pooling's compares not counted); its GFLOP/s counts 6 x those a training sample, as W3 counts 6 x weights.
W6_MACS=$((16 * 28 * 28 * 9 + 32 * 14 * 14 * 16 * 9 + 1568 * 128 + 128 * 10))
row() { # row NAME UNIT DIGITS HIGHER TAG KEY FLOPS_PER_UNIT RSS PEAK: KEY (w2..w5) names nncc's and the peers' figures
    local n=(${R[$5.$6]:-}) np=(${P[$6.numpy]}) tp=(${P[$6.torch]})
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s |\n' "$1" "$2" "${LABEL[$5]}" \
        "$(tri "${n[0]:-}" "${n[1]:-}" "${n[2]:-}" "$3")" "$(tri "${np[0]}" "${np[1]}" "${np[2]}" "$3")" \
        "$(tri "${tp[0]}" "${tp[1]}" "${tp[2]}" "$3")" \
        "$(ratio "${n[0]:-}" "${np[0]}" "$4")" "$(ratio "${n[0]:-}" "${tp[0]}" "$4")" "$(gf "${n[0]:-}" "$7" "$4" "$9")" \
        "$(mib "$8")" "$(mib "${np[3]}")" "$(mib "${tp[3]}")"
}
g3=(${P[gemm3]:-}) g4=(${P[gemm4]:-})
m3t1=(${R[$main.w3t1]:-}) m3pa=(${R[$main.w3pa]:-}) m4t1=(${R[$main.w4t1]:-})
echo
echo "nncc \`make bench\`, $(date -u +%Y-%m-%d), $model, $cores cores (load average $load at start);"
echo "cc: $(${CC:-cc} --version | head -1); peers: $("$PY" -c 'import numpy; print("numpy", numpy.__version__)' 2>/dev/null || echo 'numpy absent')," \
     "$("$PY" -c 'import torch; print("PyTorch", torch.__version__, "(%d threads)" % torch.get_num_threads())' 2>/dev/null || echo 'PyTorch absent'), BLAS: $blas_name."
echo "Peak (FMA loop, peak.c): $peak1 GFLOP/s on 1 core, $peak GFLOP/s on all $cores (the % peak column, every target's). Medians of $REPEATS runs (min–max)."
echo
echo "| workload | unit | target | nncc | numpy | PyTorch | vs numpy | vs PyTorch | nncc GFLOP/s | % peak | peak RSS MiB nncc / numpy / torch |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
want W2 && for t in "${TAGS[@]}"; do row "W2 deep circles 2-16-16-16-1, full batch 1000" "it/s ↑" 0 1 "$t" w2 $((6 * W2_W * 1000)) "${R[$t.rss2]}" "$peak"; done
want W3 && for t in "${TAGS[@]}"; do row "W3 Fashion 784-256-128-10, batch 64" "s/epoch ↓" 3 0 "$t" w3 $((6 * W3_W * 60000)) "${R[$t.rss3]}" "$peak"; done
want W4 && for t in "${TAGS[@]}"; do row "W4 784-1024-1024-10, batch 256" "samples/s ↑" 0 1 "$t" w4 $((6 * W4_W)) "${R[$t.rss4]}" "$peak"; done
want W5 && for t in "${TAGS[@]}"; do row "W5 one-sample inference (W3 net), % of 1 core" "µs ↓" 2 0 "$t" w5 $((2 * W3_W * 1000000)) "" "$peak1"; done
w6_label="W6 Fashion CNN conv16-pool-conv32-pool-128-10, Adam, batch 64$([ "$W6_SAMPLES" != 60000 ] && printf ', first %s images' "$(printf %d "$W6_SAMPLES" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta')")"
if want W6 && [ -n "$w6_skip" ]; then
    printf '| %s | s/epoch ↓ | — | skipped: %s | — | — | — | — | — | — | — |\n' "$w6_label" "$w6_skip"
elif want W6; then
    for t in "${TAGS[@]}"; do row "$w6_label" "s/epoch ↓" 3 0 "$t" w6 $((6 * W6_MACS * W6_SAMPLES)) "${R[$t.rss6]}" "$peak"; done
fi
echo
if [ -n "$user_cflags" ]; then
    echo "- Target: CFLAGS is set, so nncc's rows are for that one target (unset it to measure each target this CPU runs${levels:+: $levels}):"
else
    echo "- Targets: this CPU runs ${levels:-its native target only} (/proc/cpuinfo); nncc's rows per target:"
fi
for t in "${TAGS[@]}"; do
    case $t in
    native) how="CFLAGS unset (nncc's default flags, here -O3 -march=native$([ "$(uname -m)" = x86_64 ] && echo ' -mprefer-vector-width=512') -fopenmp)" ;;
    v3) how="CFLAGS='${FLAGS[$t]}' (what --target x86-64-v3 builds with; the schedule keeps this machine's caches and cores)" ;;
    *) how="CFLAGS='${FLAGS[$t]}'" ;;
    esac
    echo "  - ${LABEL[$t]}: $how; schedule for ${R[$t.sched]:-an unknown target (no \"Scheduled for\" line in the source)}${R[$t.blocks]:+; register blocks of up to ${R[$t.blocks]} floats}; W5's kernel: cc ${INFER_FLAGS[$t]}."
done
bound4() { local n=(${R[$1.w4]:-}); awk -v a="${n[0]:-}" -v b="${g4[0]:-}" 'BEGIN { if (a != "" && b + 0 > 0) printf "%.0f%%", 100 * a / b }'; }
want W3 && echo "- W3: the GEMMs alone through numpy's $blas_name: $(tri "${g3[0]:-}" "${g3[1]:-}" "${g3[2]:-}" 3) s/epoch."
want W4 && echo "- W4: the GEMMs alone through numpy's $blas_name: $(tri "${g4[0]:-}" "${g4[1]:-}" "${g4[2]:-}" 0) samples/s$(b=$(each bound4); [ -n "$b" ] && echo "; nncc reaches $b of that bound")."
if want W3 && want W4; then
    echo "- nncc on one thread (--threads 1, ${LABEL[$main]}): W3 $(tri "${m3t1[0]:-}" "${m3t1[1]:-}" "${m3t1[2]:-}" 3) s/epoch, W4 $(printf %.0f "${m4t1[0]:-0}") samples/s; W3 on all threads with OMP_WAIT_POLICY=PASSIVE: $(tri "${m3pa[0]:-}" "${m3pa[1]:-}" "${m3pa[2]:-}" 3) s/epoch."
elif want W3; then
    echo "- nncc on one thread (--threads 1, ${LABEL[$main]}): W3 $(tri "${m3t1[0]:-}" "${m3t1[1]:-}" "${m3t1[2]:-}" 3) s/epoch; W3 on all threads with OMP_WAIT_POLICY=PASSIVE: $(tri "${m3pa[0]:-}" "${m3pa[1]:-}" "${m3pa[2]:-}" 3) s/epoch."
elif want W4; then
    echo "- nncc on one thread (--threads 1, ${LABEL[$main]}): W4 $(printf %.0f "${m4t1[0]:-0}") samples/s."
fi
dense() { local d=(${R[$1.w5d]:-}); [ -n "${d[0]:-}" ] && tri "${d[0]}" "${d[1]}" "${d[2]}" 2 | sed 's/ (/ µs (/'; }
if want W5; then
    echo "- W5 runs over the first 1000 Fashion-MNIST test images ($(awk -v z="${w5zeros:-0}" 'BEGIN { printf "%.0f", 100 * z }')% of their pixels 0: nncc's kernel skips their rows"
    echo "  of weights, and those of a ReLU's zero outputs; its GFLOP/s counts the skipped multiply-adds too);"
    echo "  nncc on 256 dense random inputs (almost no 0): $(each dense)."
fi
want W4 && echo "- Peers' W4 rates are measured over the first 15,360 samples; nncc's over the whole epoch."
if want W6 && [ -z "$w6_skip" ]; then
    echo "- W6: examples/fashion_cnn.yaml's network (tests/bench/w6_fashion_cnn.yaml), one epoch of the first $W6_SAMPLES training"
    echo "  images for both (W6_SAMPLES), pixels standardised per pixel over them; PyTorch the same nn.Sequential with"
    echo "  torch.optim.Adam, float32 tensors, the training loop alone timed; no numpy CNN. GFLOP/s counts 6 x the"
    echo "  $W6_MACS multiply-adds of a sample's convolutions and dense layers."
fi
echo "- PyTorch's threading trap: Debian's torch multiplies through the system BLAS (OpenBLAS's own"
echo "  threads); torch.set_num_threads(2) on top of that makes it several times slower. The torch"
echo "  runs keep its default; if you experiment, set OMP_WAIT_POLICY=PASSIVE."
cc3() { [ -n "${R[$1.cc3]:-}" ] && echo "${R[$1.cc3]} s"; }
[ -n "$(each cc3)" ] && echo "- Goal: nncc + cc for the W3 net: $(each cc3)."
echo "- Goal: the notes' deep net (examples/deep_circles.yaml) generates ${deep_lines:-?} lines of C (nncc -o FILE.c)."
[ "$blas_name" = OpenBLAS ] || echo "- Warning: numpy and torch use $blas_name here, not OpenBLAS: install libopenblas0-pthread for a fair comparison."
awk -v l="${load%% *}" -v c="$cores" 'BEGIN { if (l + 0 > 0.5 * c) printf "- Warning: the machine was busy (load average %s on %d cores): threaded timings suffer most.\n", l, c }'

# ---- scaling out: the measured table and the PREDICTED one ---------------------------------
# per_step W KEY: S[W.KEY]'s "median min max" s/epoch as ms per step (an epoch's steps: the mpi: line's count)
steps_of() { case $1 in w3) echo "${S[w3.steps]:-938}" ;; *) echo "${S[w4.steps]:-235}" ;; esac; }
batch_of() { case $1 in w3) echo 64 ;; *) echo 256 ;; esac; }
per_step() { local v=(${S[$1.$2]:-}); [ -n "${v[0]:-}" ] && awk -v s="$(steps_of "$1")" -v m="${v[0]}" -v lo="${v[1]}" -v hi="${v[2]}" \
    'BEGIN { printf "%.2f %.2f %.2f\n", 1e3 * m / s, 1e3 * lo / s, 1e3 * hi / s }'; }
sp() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f×\n", a / b; else print "—" }'; }
echo
if ! want scaling; then
    :
elif [ -n "$mpi_skip" ]; then
    echo "- Scaling out (nncc --mpi): skipped, $mpi_skip."
else
    echo "Scaling out: nncc --mpi, \`mpirun --oversubscribe -np 2 $MPIRUN_FLAGS ./prog --threads 1\` against the same"
    echo "workload built without --mpi as one process (${LABEL[$main]}); each repeat runs all of them in turn. s/epoch of"
    echo "training (rank 0's), medians of $REPEATS runs (min–max); waits and sums in ms per step. $(mpirun --version 2>/dev/null | head -1)."
    echo
    echo "| workload | 1 process × 1 thread | 1 process × 2 threads | 2 ranks × 1 thread, overlap | 2 ranks × 1 thread, blocking | 2 ranks (overlap) vs 1 × 2 threads | overlap vs blocking | waiting for the sums: overlap / blocking | MPI_Allreduce of the gradient alone |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for w in w3 w4; do
        p1=(${S[$w.p1]}) p2=(${S[$w.p2]}) ov=(${S[$w.ov]}) bl=(${S[$w.bl]}) wo=(${S[$w.wov]:-}) wb=(${S[$w.wbl]:-}) ar=(${S[$w.ar]:-})
        name=$([ $w = w3 ] && echo "W3 Fashion 784-256-128-10, batch 64" || echo "W4 784-1024-1024-10, batch 256")
        kib=$(awk -v n="${S[$w.n]}" -v r="${S[$w.real]}" 'BEGIN { printf "%.1f", n * r / 1024 }')
        printf '| %s | %s | %s | %s | %s | %s | %s | %s / %s | %s (%s floats, %s KiB) |\n' "$name" \
            "$(tri "${p1[0]}" "${p1[1]}" "${p1[2]}" 3)" "$(tri "${p2[0]}" "${p2[1]}" "${p2[2]}" 3)" \
            "$(tri "${ov[0]}" "${ov[1]}" "${ov[2]}" 3)" "$(tri "${bl[0]}" "${bl[1]}" "${bl[2]}" 3)" \
            "$(sp "${p2[0]}" "${ov[0]}")" "$(sp "${bl[0]}" "${ov[0]}")" \
            "$(tri "${wo[0]:-}" "${wo[1]:-}" "${wo[2]:-}" 2)" "$(tri "${wb[0]:-}" "${wb[1]:-}" "${wb[2]:-}" 2)" \
            "$(tri "${ar[0]:-}" "${ar[1]:-}" "${ar[2]:-}" 3)" "${S[$w.n]}" "$kib"
    done
    echo
    for w in w3 w4; do
        a=($(per_step $w p1)) b=($(per_step $w p2)) c=($(per_step $w ov)) e=($(per_step $w bl))
        echo "- ${w^^} per step ($(steps_of $w) steps an epoch): ${a[0]} ms (1 × 1), ${b[0]} ms (1 × 2 threads), ${c[0]} ms (2 ranks, overlap), ${e[0]} ms (2 ranks, blocking)."
    done
    echo "- \"×\" columns: how many times faster the 2-rank overlap run is (a ratio of medians); the waits are rank 0's"
    echo "  \`mpi:\` line: time spent in MPI_Wait / MPI_Allreduce per step, which on a shared machine includes waiting"
    echo "  for the other rank to be scheduled, not the transfer alone (that is the last column: allreduce.c, a"
    echo "  barrier then one timed MPI_Allreduce, median of 51)."
fi

# The model: the one-rank step time (1 process x 1 thread, ms per step; from the scaling runs, else
# from the --threads 1 rows above) and the gradient bytes, through scaling_model.py.
model_args=()
for w in w3 w4; do
    a=($(per_step $w p1))
    if [ -z "${a[0]:-}" ]; then # no scaling runs: the --threads 1 figures of the first target
        case $w in
        w3) v=(${R[$main.w3t1]:-}); a=($(awk -v s="${v[0]:-0}" 'BEGIN { if (s > 0) printf "%.2f\n", 1e3 * s / 938 }')) ;;
        w4) v=(${R[$main.w4t1]:-}); a=($(awk -v r="${v[0]:-0}" 'BEGIN { if (r > 0) printf "%.2f\n", 1e3 * 60000 / r / 235 }')) ;;
        esac
    fi
    [ -n "${a[0]:-}" ] && [ -n "${S[$w.sizes]:-}" ] && model_args+=("${w^^}" "${S[$w.sizes]}" "${a[0]}" "$(batch_of $w)")
done
MODEL_LATENCY_US=5 # a message's latency in the model: between RDMA's ~2 us and TCP's ~15 us
if ! want scaling; then
    :
elif [ ${#model_args[@]} -gt 0 ] && [ -x "$PY" ]; then
    echo
    echo "PREDICTED, not measured (tests/bench/scaling_model.py --latency-us $MODEL_LATENCY_US --real ${S[w3.real]} ${model_args[*]}):"
    echo "per-step time and efficiency at N nodes of one rank each; a ring allreduce of B bytes takes 2(N−1)/N × B / bandwidth"
    echo "+ 2(N−1) × $MODEL_LATENCY_US µs; t_comp = the measured one-process one-thread step time / N (\"split\": the same global"
    echo "batch) or × 1 (\"a node\": a batch a node); overlap: one sum per layer as back-propagation frees it (the script's comment)."
    echo
    "$PY" "$BENCH/scaling_model.py" --latency-us "$MODEL_LATENCY_US" --real "${S[w3.real]}" "${model_args[@]}"
    if [ -z "$mpi_skip" ]; then
        # The model at N = 2 with this loopback's measured allreduce, against the measured blocking run.
        for w in w3 w4; do
            a=($(per_step $w p1)) e=($(per_step $w bl)) ar=(${S[$w.ar]:-})
            [ -n "${a[0]:-}" ] && [ -n "${ar[0]:-}" ] && awk -v w="${w^^}" -v c="${a[0]}" -v t="${ar[0]}" -v m="${e[0]:-}" 'BEGIN {
                printf "- Check at N = 2 on this loopback: %s predicted %.2f ms per step blocking (%.2f / 2 + %.3f), measured %s ms.\n", w, c / 2 + t, c, t, m }'
        done
    fi
else
    echo "- PREDICTED scaling table: not generated (no one-thread step time or no $PY)."
fi
