#!/usr/bin/env bash
# t_trust.sh — trust in long runs: the same seed gives bit-identical weights on every run, with 1
# or 2 threads and without OpenMP at all; a run interrupted (SIGINT, or --epochs K) and resumed
# with --resume ends bit-identical to an uninterrupted one; checkpoints are whole files; a loss
# that becomes NaN or infinite stops with exit 3, names the epoch and the learning rate, and keeps
# finite weights. Plots are valid SVG.
source "$(dirname "$0")/lib.sh"
REF=$TOP/tests/reference/ref.py

# net NAME YAML: writes $WORK/NAME/net.yaml, generates and builds it strictly; 1 on failure.
net() {
    local d=$WORK/$1
    mkdir -p "$d"
    printf '%s\n' "$2" > "$d/net.yaml"
    if ! "$NNCC" "$d/net.yaml" -o "$d/train.c" 2> "$d/err" || ! build_c "$d/train.c" "$d/train" gcc 2>> "$d/err"; then
        fail "trust $1" "does not build: $(head -c 300 "$d/err")"
        return 1
    fi
}

# same A B: the weights files A and B are byte-identical.
same() { cmp -s "$1" "$2"; }

# ---- determinism -------------------------------------------------------------------------------
# Large enough that the generated code splits loops over threads (NNCC_OMP_FOR), shuffled
# mini-batches, Adam, a last batch of 100 rows: every source of order in one run.
if net det 'name: det
input: 2
layers: [256, 256, {units: 1, activation: sigmoid}]
activation: tanh
optimizer: adam
learning_rate: 0.001
batch_size: 300
epochs: 3
log_every: 1
seed: 11
data:
  train: {generator: moons, samples: 1000, noise: 0.2}'; then
    d=$WORK/det
    if ! grep -q '^ *NNCC_OMP_FOR' "$d/train.c"; then
        fail "trust determinism" "the generated code has no NNCC_OMP_FOR: the network is too small to test threads"
    fi
    # The same file without OpenMP: clean C99 both ways, and the serial reference order.
    if gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 $SAN_FLAGS -I"$RTINC" -c "$d/train.c" -o "$d/serial.o" 2> "$d/err" &&
        gcc $SAN_FLAGS "$d/serial.o" "$RTLIB" $RT_LIBS -lm -fopenmp -o "$d/serial" 2>> "$d/err"; then
        ok "trust builds without -fopenmp"
    else
        fail "trust builds without -fopenmp" "$(head -c 300 "$d/err")"
    fi
    if command -v clang > /dev/null; then
        check "trust builds with clang" build_c "$d/train.c" "$d/train-clang" clang
    fi
    runs="t1:--threads=1 t2:--threads=2 t2again:--threads=2"
    [ -x "$d/serial" ] && runs="$runs serial:"
    [ -x "$d/train-clang" ] && runs="$runs clang:--threads=2"
    bad="" tags=""
    for r in $runs; do
        tag=${r%%:*} arg=${r#*:} exe=$d/train
        tags="$tags $tag"
        [ "$tag" = serial ] && exe=$d/serial
        [ "$tag" = clang ] && exe=$d/train-clang
        (cd "$d" && "$exe" --quiet --out "out-$tag" $arg > /dev/null 2>&1)
        rc=$?
        if [ $rc != 0 ]; then
            bad="$bad $tag(exit $rc)"
        elif [ "$tag" != t1 ] && ! same "$d/out-t1/det.safetensors" "$d/out-$tag/det.safetensors"; then
            bad="$bad $tag(differs)"
        fi
    done
    if [ -z "$bad" ]; then ok "trust determinism: bit-identical weights across$tags"
    else fail "trust determinism" "against --threads 1:$bad"; fi
fi

# ---- resume ------------------------------------------------------------------------------------
# Shuffled mini-batches and momentum: the order, the velocity and the step count must all carry
# over. log_every 7 so that interruption points fall between checkpoints too.
if net resume 'name: resume
input: 2
layers: [16, 16, {units: 1, activation: sigmoid}]
activation: tanh
optimizer: momentum
learning_rate: 0.05
batch_size: 16
epochs: 40
log_every: 7
seed: 5
data:
  train: {generator: moons, samples: 200, noise: 0.2}
  test: {generator: moons, samples: 100, noise: 0.2}
early_stopping: {patience: 1000, min_delta: 0}'; then
    d=$WORK/resume
    (cd "$d" && ./train --quiet --threads 1 --out whole > /dev/null 2>&1)
    # --epochs K, then --resume to the end
    for k in 10 14; do
        (cd "$d" && ./train --quiet --threads 1 --epochs $k --out part$k > /dev/null 2>&1 &&
            ./train --quiet --threads 1 --resume --out part$k > "part$k.log" 2>&1)
        # The resumed run's metrics hold every row of the uninterrupted run (the seconds column
        # aside), plus the row the first part logged at its last epoch.
        missing=$(awk -F, 'NR == FNR { seen[$1 FS $2 FS $3 FS $4 FS $5] = 1; next }
                           !(($1 FS $2 FS $3 FS $4 FS $5) in seen) { print $1 }' \
            "$d/part$k/metrics.csv" "$d/whole/metrics.csv" | tr '\n' ' ')
        if ! same "$d/whole/resume.safetensors" "$d/part$k/resume.safetensors"; then
            fail "trust resume after --epochs $k" "weights differ from the uninterrupted run: $(head -c 200 "$d/part$k.log")"
        elif ! $PY "$REF" compare "$d/part$k/checkpoint.safetensors" "$d/whole/checkpoint.safetensors" 0 > /dev/null; then
            fail "trust resume after --epochs $k" "the checkpoint's weights or momentum differ"
        elif [ -n "$missing" ]; then
            fail "trust resume after --epochs $k" "metrics rows of epochs $missing differ"
        else
            ok "trust resume after --epochs $k: weights, momentum and metrics bit-identical to one run"
        fi
    done
    # --resume with nothing to resume from: a clear error, exit 1
    out=$(cd "$d" && ./train --quiet --resume --out nowhere 2>&1)
    rc=$?
    if [ $rc = 1 ] && echo "$out" | grep -q "checkpoint.safetensors"; then ok "trust --resume without a checkpoint: exit 1 naming it"
    else fail "trust --resume without a checkpoint" "exit $rc: $out"; fi
fi

# SIGINT mid-run: the epoch ends, a checkpoint is written, exit 130; --resume finishes the run
# bit-identical to an uninterrupted one. Many short epochs, so the signal lands mid-run.
# (--foreground: one signal, as a Ctrl-C sends; timeout otherwise signals the process group as
# well, and a second signal ends the program at once by design.)
if net sigint 'name: sigint
input: 2
layers: [32, {units: 1, activation: sigmoid}]
activation: tanh
optimizer: adam
learning_rate: 0.01
batch_size: 8
epochs: 4000
log_every: 500
seed: 9
data:
  train: {generator: circles, samples: 400, noise: 0.1, factor: 0.5}'; then
    d=$WORK/sigint
    start=$(date +%s.%N)
    (cd "$d" && ./train --quiet --threads 1 --out whole > /dev/null 2>&1)
    took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", e - s }')
    interrupted=0
    for frac in 0.4 0.2 0.1; do
        rm -rf "$d/cut"
        after=$(awk -v t="$took" -v f="$frac" 'BEGIN { printf "%.2f", t * f }')
        (cd "$d" && timeout --foreground --preserve-status -s INT "$after" ./train --threads 1 --out cut > cut.log 2>&1)
        rc=$?
        [ $rc = 130 ] && { interrupted=1; break; }
    done
    if [ $interrupted = 0 ]; then
        skip "trust SIGINT" "the run ($took s) ended before the signal (last exit $rc)"
    else
        epoch=$(awk -F, 'NR > 1 { e = $1 } END { print e }' "$d/cut/metrics.csv")
        leftovers=$(cd "$d/cut" && ls | grep -v -x -E 'sigint\.safetensors|checkpoint\.safetensors|metrics\.csv|curves\.svg|boundary\.svg|confusion\.csv')
        if [ -n "$leftovers" ]; then
            fail "trust SIGINT" "files left behind in the output directory: $leftovers"
        elif ! $PY "$REF" show "$d/cut/checkpoint.safetensors" > /dev/null 2>&1; then
            fail "trust SIGINT" "checkpoint.safetensors does not parse"
        elif ! grep -q "interrupted after epoch $epoch" "$d/cut.log"; then
            fail "trust SIGINT" "no 'interrupted after epoch $epoch' message: $(tail -n 2 "$d/cut.log")"
        else
            (cd "$d" && ./train --quiet --threads 1 --resume --out cut > resume.log 2>&1)
            rc=$?
            if [ $rc = 0 ] && same "$d/whole/sigint.safetensors" "$d/cut/sigint.safetensors"; then
                ok "trust SIGINT after ${after}s (epoch $epoch of 4000, exit 130), then --resume: bit-identical to one run"
            else
                fail "trust SIGINT resume" "exit $rc, weights $(same "$d/whole/sigint.safetensors" "$d/cut/sigint.safetensors" && echo same || echo differ): $(head -c 200 "$d/resume.log")"
            fi
        fi
    fi
fi

# ---- divergence --------------------------------------------------------------------------------
if net diverge 'name: diverge
input: 2
layers: [8, {units: 1, activation: linear}]
activation: relu
loss: mse
learning_rate: 100
epochs: 50
seed: 2
data:
  train: {generator: blobs, samples: 100}'; then
    d=$WORK/diverge
    out=$(cd "$d" && ./train --quiet --threads 1 --out out 2>&1)
    rc=$?
    if [ $rc != 3 ]; then
        fail "trust divergence" "exit $rc, want 3: $out"
    elif ! echo "$out" | grep -q "diverged at epoch [0-9]" || ! echo "$out" | grep -q "learning_rate than 100"; then
        fail "trust divergence" "the message names no epoch or learning rate: $out"
    elif ! $PY "$REF" finite "$d/out/diverge.safetensors" > /dev/null; then
        fail "trust divergence" "the weights kept are not finite: $($PY "$REF" finite "$d/out/diverge.safetensors")"
    elif ! $PY "$REF" finite "$d/out/checkpoint.safetensors" > /dev/null 2>&1; then
        fail "trust divergence" "the checkpoint holds non-finite weights"
    else
        ok "trust divergence: exit 3, finite weights kept ($(echo "$out" | grep -o 'diverged at epoch [0-9]*: the loss became [a-zA-Z]*'))"
    fi
fi

# ---- plots -------------------------------------------------------------------------------------
for dir in "$WORK/resume/whole" "$WORK/sigint/whole"; do
    [ -d "$dir" ] || continue
    if [ -f "$dir/curves.svg" ] && [ -f "$dir/boundary.svg" ]; then
        check "trust plots valid SVG (${dir#$WORK/})" $PY "$TOP/tests/svg_check.py" "$dir/curves.svg" "$dir/boundary.svg"
    else
        fail "trust plots (${dir#$WORK/})" "curves.svg or boundary.svg missing"
    fi
done

finish
