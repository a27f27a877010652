#!/usr/bin/env bash
# t_schedule.sh — the schedule phase on every target: --check prints a schedule; every example's
# --selftest passes (fast kernels against the reference kernels) on every target this machine
# runs, in float32 and float64; a file scheduled for one target is correct on another; the
# generated code has no loop of one trip; an aarch64 build passes its self-test under qemu-user.
. "$(dirname "$0")/lib.sh"

# ---- targets this machine runs: the CPU's flags --------------------------------------------
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
TARGETS="generic"
if [ "$(uname -m)" = x86_64 ]; then
    has sse4_2 && TARGETS="$TARGETS x86-64-v2"
    has avx2 && has fma && TARGETS="$TARGETS x86-64-v3"
    has avx512f && has avx512bw && has avx512vl && TARGETS="$TARGETS x86-64-v4"
fi
echo "# targets run here: $TARGETS"

# cflags_of TARGET: what driver mode passes for it, with OpenMP
cflags_of() {
    case $1 in
    generic) echo "-O2 -fopenmp" ;;
    x86-64-v4) echo "-O3 -march=x86-64-v4 -mprefer-vector-width=512 -fopenmp" ;;
    *) echo "-O3 -march=$1 -fopenmp" ;;
    esac
}

# ---- --check prints the schedule -------------------------------------------------------------
out=$("$NNCC" "$TOP/examples/deep_circles.yaml" --check --target x86-64-v3 2>&1)
if echo "$out" | grep -q "schedule for target x86-64-v3: AVX2 + FMA, 256-bit vectors, 16 registers" &&
    echo "$out" | grep -q "layer 2  forward 6 units x 16 rows"; then
    ok "--check prints the schedule for x86-64-v3 (6 x 16 float blocks)"
else fail "--check prints the schedule" "$(echo "$out" | tail -8)"; fi
out=$("$NNCC" "$TOP/examples/deep_circles.yaml" --check --target x86-64-v4 2>&1)
echo "$out" | grep -q "layer 2  forward 12 units x 32 rows" && ok "--check: x86-64-v4 takes 12 x 32 float blocks" ||
    fail "--check: x86-64-v4 blocks" "$(echo "$out" | grep 'layer 2')"
out=$("$NNCC" "$TOP/examples/deep_circles.yaml" --target pentium 2>&1)
[ $? = 2 ] && echo "$out" | grep -q "unknown target 'pentium'" && ok "--target pentium: usage error (exit 2)" ||
    fail "--target pentium" "$out"

# ---- examples, every target ------------------------------------------------------------------
EXAMPLES=$(cd "$TOP" && ls examples/*.yaml examples/ladder/*.yaml tests/bench/w3_fashion.yaml tests/bench/w4_wide.yaml)
# float64 copies of a few shapes (their own name, so nothing collides)
F64=$WORK/f64
mkdir -p "$F64"
for ex in deep_circles two_layer; do
    sed -e "s/^name: .*//" "$TOP/examples/$ex.yaml" > "$F64/${ex}_f64.yaml"
    echo "precision: float64" >> "$F64/${ex}_f64.yaml"
done
sed -e "s/^name: .*//" "$TOP/tests/bench/w3_fashion.yaml" > "$F64/w3_f64.yaml"
echo "precision: float64" >> "$F64/w3_f64.yaml"

loops=0
for target in $TARGETS; do
    cflags=$(cflags_of "$target")
    passed=0 failed=""
    for ex in $EXAMPLES "$F64"/*.yaml; do
        case $ex in /*) yaml=$ex ;; *) yaml=$TOP/$ex ;; esac
        name=$(basename "$ex" .yaml)
        d=$WORK/$target/$name
        mkdir -p "$d"
        if ! "$NNCC" "$yaml" --target "$target" -o "$d/train.c" 2>"$d/err"; then
            failed="$failed $name(nncc: $(head -c 200 "$d/err"))"
            continue
        fi
        if ! build_c "$d/train.c" "$d/train" gcc $cflags >"$d/build.log" 2>&1; then
            failed="$failed $name(build: $(head -c 300 "$d/build.log"))"
            continue
        fi
        if "$d/train" --selftest --threads 2 >"$d/selftest.log" 2>&1; then passed=$((passed + 1))
        else failed="$failed $name($(grep -m3 'FAIL\|error' "$d/selftest.log" | tr '\n' ' '))"; fi
    done
    if [ -z "$failed" ]; then ok "selftest: $passed networks on $target ($cflags)"
    else fail "selftest on $target" "$failed"; fi
done

# ---- clang builds the same files: its vectoriser, its FMA contraction -------------------------
if command -v clang >/dev/null; then
    for ex in examples/deep_circles.yaml examples/fashion_mnist.yaml tests/bench/w3_fashion.yaml "$F64/w3_f64.yaml"; do
        case $ex in /*) yaml=$ex ;; *) yaml=$TOP/$ex ;; esac
        name=$(basename "$ex" .yaml)
        d=$WORK/clang/$name
        mkdir -p "$d"
        "$NNCC" "$yaml" -o "$d/train.c" 2>"$d/err"
        if build_c "$d/train.c" "$d/train" clang -O3 -march=native -fopenmp >"$d/build.log" 2>&1 &&
            "$d/train" --selftest >"$d/st.log" 2>&1; then
            ok "clang -O3 -march=native: $name passes its self-test ($(tail -1 "$d/st.log" | sed 's/.*(\([0-9]* exact\)).*/\1/'))"
        else fail "clang: $name" "$(tail -3 "$d/build.log" "$d/st.log" | tr '\n' ' ')"; fi
    done
else
    skip "clang self-tests" "clang not found"
fi

# ---- threads inside step(), and the self-test can fail ---------------------------------------
# A step big enough for threads, with a first layer of one block of inputs and a 1-unit output:
# every block of dW and db must be shared out, none run by every thread.
d=$WORK/threads
mkdir -p "$d"
printf 'name: thr\ninput: 16\nlayers: [256, 16, 1]\nbatch_size: 512\n' > "$d/thr.yaml"
"$NNCC" "$d/thr.yaml" -o "$d/thr.c" 2>"$d/err" || fail "threads: nncc" "$(cat "$d/err")"
if grep -q "NNCC_OMP_PARALLEL" "$d/thr.c" && build_c "$d/thr.c" "$d/thr" gcc -O3 -march=native &&
    "$d/thr" --selftest --threads 2 >"$d/st.log" 2>&1; then
    ok "threads: a step split over 2 threads passes its self-test ($(tail -1 "$d/st.log" | sed 's/.*(\([0-9]* exact\)).*/\1/'))"
else fail "threads: self-test on 2 threads" "$(grep -m3 'FAIL\|error' "$d/st.log" | tr '\n' ' ')"; fi
# corrupt NAME SED: the self-test of an edited copy must fail
corrupt() {
    sed -e "$2" "$d/thr.c" > "$d/bad.c"
    if cmp -s "$d/thr.c" "$d/bad.c"; then fail "selftest catches $1" "the sed '$2' changed nothing"; return; fi
    build_c "$d/bad.c" "$d/bad" gcc -O3 -march=native || { fail "selftest catches $1" "does not build"; return; }
    if "$d/bad" --selftest --threads 2 >"$d/bad.log" 2>&1; then fail "selftest catches $1" "it passed"
    else ok "selftest catches $1 ($(grep -c ': FAIL$' "$d/bad.log") checks over the bound)"; fi
}
corrupt "blocks run by every thread" '/NNCC_OMP_SINGLE_NOWAIT/d'
corrupt "a multiply-add that skips k = 0" 's/for (int k = 0; k < n; k++)/for (int k = 1; k < n; k++)/'
corrupt "a propagation off by 1%" 's/acc\[u\]\[v\] \*= thr_dg_sigmoid/acc[u][v] *= R(1.01) * thr_dg_sigmoid/'

# ---- one file, other targets: portable C -----------------------------------------------------
best=${TARGETS##* }
d=$WORK/portable
mkdir -p "$d"
"$NNCC" "$TOP/tests/bench/w3_fashion.yaml" --target "$best" -o "$d/w3.c" 2>"$d/err" || fail "portable: nncc" "$(cat "$d/err")"
for cc in gcc clang; do
    command -v $cc >/dev/null || { skip "portable $cc" "$cc not found"; continue; }
    if build_c "$d/w3.c" "$d/w3_$cc" $cc -O1 >"$d/build.log" 2>&1 && "$d/w3_$cc" --selftest >"$d/st.log" 2>&1; then
        ok "a file scheduled for $best passes its self-test built by $cc -O1 for baseline x86-64"
    else fail "portable: $best file under $cc -O1" "$(tail -3 "$d/build.log" "$d/st.log" | tr '\n' ' ')"; fi
done
"$NNCC" "$TOP/tests/bench/w3_fashion.yaml" --target generic -o "$d/w3g.c" 2>/dev/null
if build_c "$d/w3g.c" "$d/w3g" gcc -O3 -march=native && "$d/w3g" --selftest >"$d/stg.log" 2>&1; then
    ok "a file scheduled for generic passes its self-test at -march=native"
else fail "portable: generic file at -march=native" "$(tail -3 "$d/stg.log")"; fi
for cc in gcc clang; do
    command -v $cc >/dev/null || continue
    for target in x86-64-v3 x86-64-v4 armv8-a generic cortex-m; do
        "$NNCC" "$TOP/tests/bench/w3_fashion.yaml" --target $target -o "$d/s_$target.c" 2>/dev/null
        check "strict C99 under $cc without OpenMP, scheduled for $target" \
            $cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -I"$RTINC" -c "$d/s_$target.c" -o "$d/s_$target.o"
    done
done

# ---- no loop of one trip: every example, every named target ----------------------------------
# A for with constant bounds and step that runs once (or never) is straight code, not a loop.
for target in x86-64-v2 x86-64-v3 x86-64-v4 armv8-a generic cortex-m; do
    for ex in $EXAMPLES; do
        "$NNCC" "$TOP/$ex" --target $target -o "$WORK/loops.c" 2>/dev/null || continue
        found=$($PY - "$WORK/loops.c" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
pat = re.compile(r'for \((?:int|size_t) (\w+) = (\d+); \1 < (\d+); \1(?:\+\+|\s*\+=\s*(\d+))\)')
for m in pat.finditer(text):
    lo, hi, step = int(m.group(2)), int(m.group(3)), int(m.group(4) or 1)
    trips = max(0, (hi - lo + step - 1) // step)
    if trips <= 1:
        print(m.group(0))
EOF
)
        if [ -n "$found" ]; then
            loops=$((loops + 1))
            fail "no loop of one trip: $ex for $target" "$(echo "$found" | head -3 | tr '\n' ' ')"
        fi
    done
done
[ $loops = 0 ] && ok "no loop of one trip in any example's generated code, on any named target"
"$NNCC" "$TOP/examples/deep_circles.yaml" -o "$WORK/deep_circles.c" 2>/dev/null
lines=$(wc -l < "$WORK/deep_circles.c")
echo "# the notes' deep net generates $lines lines (reference kernels and self-test included)"

# ---- aarch64 under qemu-user ----------------------------------------------------------------
if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then
    for ex in deep_circles two_layer; do
        d=$WORK/arm/$ex
        mkdir -p "$d"
        "$NNCC" "$TOP/examples/$ex.yaml" --target armv8-a -o "$d/train.c" 2>"$d/err"
        if aarch64-linux-gnu-gcc -std=c99 -Wall -Wextra -Werror -pedantic -O3 -march=armv8-a -static -I"$RTINC" \
            "$d/train.c" "$TOP/tests/selftest_stub.c" -lm -o "$d/train" >"$d/build.log" 2>&1 &&
            qemu-aarch64 "$d/train" >"$d/st.log" 2>&1; then
            ok "aarch64 (armv8-a, NEON): $ex passes its self-test under qemu-user ($(tail -1 "$d/st.log" | sed 's/.*worst/worst/'))"
        else fail "aarch64: $ex" "$(tail -3 "$d/build.log" "$d/st.log" | tr '\n' ' ')"; fi
    done
else
    skip "aarch64 self-test" "aarch64-linux-gnu-gcc or qemu-aarch64 not found (make check installs gcc-aarch64-linux-gnu qemu-user)"
fi
finish
