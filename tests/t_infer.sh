#!/usr/bin/env bash
# t_infer.sh — the inference kernel (--emit infer): trains three small networks, emits their kernels
# (float, --no-libm, int8), builds them strictly with gcc and clang, compares them with the training
# program's --predict, checks the --no-libm error bounds and the int8 agreement, runs the kernel on
# a Cortex-M3 under qemu against the host, a PyTorch-saved network, and located weights errors.
# The kernel is scheduled for a target (--target; the float panels and steps of nncc --check): the
# kernels for x86-64-v3, x86-64-v2, generic and cortex-m give the native one's outputs bit for bit,
# on the host and on the Cortex-M3.
source "$(dirname "$0")/lib.sh"
DEPLOY=$TOP/tests/deploy
STRICT="-std=c99 -Wall -Wextra -Werror -pedantic"
INT8_FLOOR=90 # % of samples where the int8 kernel predicts the float kernel's class

[ -x "$NNCC" ] || { fail infer_setup "no $NNCC (make build)"; finish; }

# max_diff A B [FIRST_COLUMN_TO_SKIP]: largest |a - b| over the numeric columns of two CSV outputs
# (the last column, the class, compared exactly: a differing class counts as a difference of 1).
max_diff() {
    paste -d'|' "$1" "$2" | awk -F'|' '
        { na = split($1, a, ","); nb = split($2, b, ",");
          if (na != nb) { print "columns " na " vs " nb; bad = 1; exit }
          for (i = 1; i < na; i++) { d = a[i] - b[i]; if (d < 0) d = -d; if (d > m) m = d }
          if (a[na] != b[na]) classes++ }
        END { if (!bad) printf "%.3g %d %d\n", m, classes + 0, NR }'
}
# within A B TOL: outputs within TOL and every class the same
within() {
    local r; r=$(max_diff "$1" "$2")
    set -- $r "$3"
    [ $# -eq 4 ] && float_ge "$4" "$1" && [ "$2" -eq 0 ] && [ "$3" -gt 0 ]
}
agreement() { # percent of equal classes (last column) in two outputs
    paste -d'|' "$1" "$2" | awk -F'|' '{ na = split($1, a, ","); split($2, b, ","); s += a[na] == b[na] }
                                       END { printf "%.2f\n", NR ? 100 * s / NR : 0 }'
}

# ---- three trained networks ----------------------------------------------------------------------
# deep_circles: 2 -> 16 -> 16 -> 16 -> 1, sigmoid, no normalisation; blobs3: tanh, leaky relu and
# softmax with a standard normalisation (so the kernel's x' = (x - offset) * scale is exercised).
# 70 leaky relu units: a float panel of 64 and a tail of 6. relu70: two ReLU layers of 70 units, so
# every float layer skips its zero inputs (the grid's inputs include exact zeros), in full steps of
# 8 rows and the rest, in panels and tails.
cat > "$WORK/blobs3.yaml" <<'EOF'
name: blobs3
input: 2
layers: [{units: 8, activation: tanh}, {units: 70, activation: leaky_relu}, {units: 3, activation: softmax}]
learning_rate: 0.1
epochs: 200
data:
  train: {generator: blobs, samples: 300, centers: 3, noise: 1.5, seed: 4}
  normalize: standard
EOF
cat > "$WORK/relu70.yaml" <<'EOF'
name: relu70
input: 2
layers: [{units: 70, activation: relu}, {units: 70, activation: relu}, {units: 1, activation: sigmoid}]
learning_rate: 0.1
epochs: 200
data:
  train: {generator: circles, samples: 300, noise: 0.1, factor: 0.5, seed: 3}
EOF
declare -A YAML=([deep_circles]=$TOP/examples/deep_circles.yaml [blobs3]=$WORK/blobs3.yaml [relu70]=$WORK/relu70.yaml)
declare -A UPPER=([deep_circles]=DEEP_CIRCLES [blobs3]=BLOBS3 [relu70]=RELU70)
# points: a grid over the data's range, of numbers a float holds exactly, so the kernel (float in)
# and --predict (double in) read the same inputs
awk 'BEGIN { for (i = 0; i < 24; i++) for (j = 0; j < 24; j++) printf "%.9g,%.9g\n", -1.5 + i * 0.125, -1.5 + j * 0.125 }' > "$WORK/circles.csv"
awk 'BEGIN { for (i = 0; i < 24; i++) for (j = 0; j < 24; j++) printf "%.9g,%.9g\n", -12 + i * 1.0625, -12 + j * 1.0625 }' > "$WORK/blobs3.csv"
declare -A POINTS=([deep_circles]=$WORK/circles.csv [blobs3]=$WORK/blobs3.csv [relu70]=$WORK/circles.csv)
# float layers that skip zero inputs: the first (the network's input), and those after a ReLU
declare -A SKIPS=([deep_circles]=1 [blobs3]=1 [relu70]=3)

for net in deep_circles blobs3 relu70; do
    dir=$WORK/$net
    mkdir -p "$dir"
    if ! CFLAGS="-O2 -fopenmp $SAN_FLAGS" "$NNCC" "${YAML[$net]}" -o "$dir/train" >"$dir/build.log" 2>&1 ||
       ! "$dir/train" --epochs 200 --quiet --out "$dir/out" >"$dir/train.log" 2>&1; then
        fail "infer_train_$net" "$(tail -n 3 "$dir/build.log" "$dir/train.log" | tr '\n' ' ')"
        continue
    fi
    W=$dir/out/$net.safetensors
    "$dir/train" --predict "${POINTS[$net]}" --weights "$W" > "$dir/predict.txt" 2>"$dir/predict.err" ||
        fail "infer_predict_$net" "$(head -c 300 "$dir/predict.err")"

    # float kernel, both compilers, strict; against --predict within 1e-6
    if "$NNCC" "${YAML[$net]}" --emit infer --weights "$W" -o "$dir/k.c" > "$dir/emit.log" 2>&1 &&
       [ -f "$dir/k.c" ] && [ -f "$dir/k.h" ]; then ok "infer_emit_$net"; else fail "infer_emit_$net" "$(tail -n 3 "$dir/emit.log")"; continue; fi
    grep -q "RAM (stack)" "$dir/emit.log" && grep -q "flash total" "$dir/emit.log" && grep -q "bytes of activation buffers" "$dir/k.c" &&
        grep -q "FNV-1a 64 [0-9a-f]\{16\}" "$dir/k.c" && grep -q "do not edit" "$dir/k.c" &&
        grep -q "#define ${UPPER[$net]}_INPUTS 2" "$dir/k.h" && ok "infer_report_$net" ||
        fail "infer_report_$net" "size report, stack bytes, hash or header macros missing"
    skips=$(grep -c "skipping the inputs that are 0" "$dir/k.c")
    [ "$skips" = "${SKIPS[$net]}" ] && ok "infer_skip_zeros_$net" ||
        fail "infer_skip_zeros_$net" "$skips layers skip zero inputs, expected ${SKIPS[$net]}"
    impure=$(grep -vE '^ *(/\*|\*)' "$dir/k.c" | grep -nE '\bmalloc|printf|FILE|^static (float|double|int)|#include <(stdio|stdlib)')
    [ -z "$impure" ] && ok "infer_pure_$net" || fail "infer_pure_$net" "malloc, stdio or a mutable global in the kernel: $impure"
    for cc in gcc clang; do
        command -v $cc >/dev/null || { skip "infer_${cc}_$net" "$cc not found"; continue; }
        if $cc $STRICT -O2 -I"$dir" -DNET_H='"k.h"' -DNET=$net -DNET_U=${UPPER[$net]} \
               "$DEPLOY/host_main.c" "$dir/k.c" -lm -o "$dir/host_$cc" 2>"$dir/cc.log"; then
            "$dir/host_$cc" < "${POINTS[$net]}" > "$dir/host_$cc.txt"
            if within "$dir/predict.txt" "$dir/host_$cc.txt" 1e-6; then ok "infer_float_vs_predict_${cc}_$net"
            else fail "infer_float_vs_predict_${cc}_$net" "max diff, class mismatches, rows: $(max_diff "$dir/predict.txt" "$dir/host_$cc.txt")"; fi
        else
            fail "infer_${cc}_$net" "$(head -n 5 "$dir/cc.log" | tr '\n' ' ')"
        fi
    done

    # the kernel scheduled for another target: other panels and steps (cortex-m: W's rows, dot
    # products), the same sums in the same order, so the native kernel's floats bit for bit: strict
    # (ISO C: no contraction), and vectorised with -O3 -march=native -ffp-contract=off. With
    # contraction (GNU C's default) the compiler fuses as it likes: gcc fuses every product of a
    # panel into a vector FMA, whatever the width, so the panel targets are compared fused too;
    # cortex-m's dot products it may vectorise across units and not fuse (relu70's 2-input layer).
    NATIVE_O3="-O3 -march=native -ffp-contract=off"
    "$NNCC" "${YAML[$net]}" --emit infer --weights "$W" -o "$dir/k_native.c" > /dev/null 2>&1
    for fl in contract_off fused; do
        o3=$NATIVE_O3; [ $fl = fused ] && o3="-O3 -march=native"
        gcc $o3 -I"$dir" -DNET_H='"k_native.h"' -DNET=$net -DNET_U=${UPPER[$net]} "$DEPLOY/host_main.c" \
            "$dir/k_native.c" -lm -o "$dir/host_native_$fl" 2>"$dir/cc_native.log" &&
            "$dir/host_native_$fl" < "${POINTS[$net]}" > "$dir/host_native_$fl.txt"
    done
    for target in x86-64-v3 x86-64-v2 generic cortex-m; do
        tk=k_$target
        name=infer_target_${target}_$net
        if ! "$NNCC" "${YAML[$net]}" --emit infer --target $target --weights "$W" -o "$dir/$tk.c" > "$dir/emit_$target.log" 2>&1; then
            fail "$name" "$(tail -n 3 "$dir/emit_$target.log")"; continue
        fi
        tskips=$(grep -c "skipping the inputs that are 0" "$dir/$tk.c")
        if [ "$tskips" != "${SKIPS[$net]}" ]; then fail "$name" "$tskips layers skip zero inputs, expected ${SKIPS[$net]}"; continue; fi
        builds="strict contract_off"; [ $target != cortex-m ] && builds="$builds fused"
        same="" differ=""
        for b in $builds; do
            case $b in
            strict) flags="$STRICT -O2" want=$dir/host_gcc.txt ;;
            contract_off) flags=$NATIVE_O3 want=$dir/host_native_$b.txt ;;
            fused) flags="-O3 -march=native" want=$dir/host_native_$b.txt ;;
            esac
            if ! gcc $flags -I"$dir" -DNET_H="\"$tk.h\"" -DNET=$net -DNET_U=${UPPER[$net]} "$DEPLOY/host_main.c" "$dir/$tk.c" \
                     -lm -o "$dir/host_${tk}_$b" 2>"$dir/cc_$tk.log"; then
                differ="$differ $b: $(head -n 3 "$dir/cc_$tk.log" | tr '\n' ' ')"; continue
            fi
            "$dir/host_${tk}_$b" < "${POINTS[$net]}" > "$dir/host_${tk}_$b.txt"
            if [ -s "$want" ] && cmp -s "$want" "$dir/host_${tk}_$b.txt"; then same="$same $b"
            else differ="$differ $b: $(max_diff "$want" "$dir/host_${tk}_$b.txt")"; fi
        done
        [ -z "$differ" ] && ok "$name (bit-identical to the native kernel on $(grep -c . "$dir/host_gcc.txt") points:$same)" ||
            fail "$name" "outputs differ from the native kernel's:$differ"
    done
    cp "$dir/host_k_cortex-m_strict.txt" "$dir/host_k_cortex-m.txt" 2>/dev/null

    # --no-libm: no math.h, links without -lm, within the approximations' bound of --predict;
    # the bounds the file documents hold over a dense sweep against libm
    if "$NNCC" "${YAML[$net]}" --emit infer --weights "$W" --no-libm -o "$dir/n.c" > "$dir/emit_n.log" 2>&1 &&
       ! grep -q "math.h" "$dir/n.c" &&
       gcc $STRICT -O2 -I"$dir" -DNET_H='"n.h"' -DNET=$net -DNET_U=${UPPER[$net]} "$DEPLOY/host_main.c" "$dir/n.c" \
           -o "$dir/host_n" 2>"$dir/cc_n.log"; then
        "$dir/host_n" < "${POINTS[$net]}" > "$dir/host_n.txt"
        if within "$dir/predict.txt" "$dir/host_n.txt" 1e-5; then ok "infer_nolibm_vs_predict_$net"
        else fail "infer_nolibm_vs_predict_$net" "$(max_diff "$dir/predict.txt" "$dir/host_n.txt")"; fi
    else
        fail "infer_nolibm_build_$net" "$(cat "$dir/emit_n.log" "$dir/cc_n.log" 2>/dev/null | tail -n 4 | tr '\n' ' ')"
    fi

    # int8: nncc's own agreement report, then the kernel's agreement with the float kernel
    if "$NNCC" "${YAML[$net]}" --emit infer --weights "$W" --quantize int8 -o "$dir/q.c" > "$dir/emit_q.log" 2>&1 &&
       gcc $STRICT -O2 -I"$dir" -DNET_H='"q.h"' -DNET=$net -DNET_U=${UPPER[$net]} "$DEPLOY/host_main.c" "$dir/q.c" \
           -lm -o "$dir/host_q" 2>"$dir/cc_q.log"; then
        "$dir/host_q" < "${POINTS[$net]}" > "$dir/host_q.txt"
        reported=$(sed -n 's/.*agreement \([0-9.]*\)%.*/\1/p' "$dir/emit_q.log")
        measured=$(agreement "$dir/host_gcc.txt" "$dir/host_q.txt")
        if [ -n "$reported" ] && float_ge "$reported" $INT8_FLOOR && float_ge "$measured" $INT8_FLOOR; then
            ok "infer_int8_agreement_$net"
        else
            fail "infer_int8_agreement_$net" "reported ${reported:-none}%, measured $measured% on the grid (floor $INT8_FLOOR%): $(grep int8 "$dir/emit_q.log")"
        fi
        fw=$(awk '/weights \(flash\)/ { print $3, $4 }' "$dir/emit_q.log")
        set -- $fw
        [ $# -eq 2 ] && [ "$2" -lt "$1" ] || fail "infer_int8_size_$net" "int8 weights not smaller: '$fw'"
    else
        fail "infer_int8_build_$net" "$(cat "$dir/emit_q.log" "$dir/cc_q.log" 2>/dev/null | tail -n 4 | tr '\n' ' ')"
    fi
done

# ---- the inference layout is the schedule's: --check prints it per target -------------------------
out=$("$NNCC" "${YAML[relu70]}" --check --target cortex-m 2>&1)
if echo "$out" | grep -q "inference kernel, layer 1: float dot products over W's rows, 2 inputs per step, skips zero inputs" &&
   [ "$(echo "$out" | grep -c "inference kernel, layer")" = 3 ]; then
    ok "infer_check_layout_cortex-m"
else fail "infer_check_layout_cortex-m" "$(echo "$out" | grep -i infer | tr '\n' ' ')"; fi
for t in "x86-64-v4 64" "x86-64-v3 64" "x86-64-v2 32" "generic 16"; do
    set -- $t
    out=$("$NNCC" "${YAML[blobs3]}" --check --target $1 2>&1)
    echo "$out" | grep -q "inference kernel, layer 2: float panels of $2 units and a tail of 6, 8 inputs per step$" &&
        ok "infer_check_layout_$1 (panels of $2)" || fail "infer_check_layout_$1" "$(echo "$out" | grep -i infer | tr '\n' ' ')"
done

# ---- the --no-libm approximations against libm, with the bounds the generated file states ----------
dir=$WORK/blobs3
if [ -f "$dir/n.c" ]; then
    eb=$(sed -n 's/.*exp and tanh below (max relative error \([0-9.e+-]*\), tanh \([0-9.e+-]*\)).*/\1/p' "$dir/n.c")
    tb=$(sed -n 's/.*exp and tanh below (max relative error \([0-9.e+-]*\), tanh \([0-9.e+-]*\)).*/\2/p' "$dir/n.c")
    if [ -z "$eb" ] || [ -z "$tb" ]; then
        fail infer_nolibm_bounds "no documented bounds in the generated file"
    elif gcc -std=c99 -O2 -Wall -Wextra -Werror -I"$dir" -DNET_C='"n.c"' -DNET=blobs3 -DWITH_TANH \
             "$DEPLOY/approx_check.c" -lm -o "$dir/approx" 2>"$dir/approx.log" &&
         "$dir/approx" "$eb" "$tb" >> "$dir/approx.log" 2>&1; then
        ok "infer_nolibm_bounds ($(tr '\n' ' ' < "$dir/approx.log"))"
    else
        fail infer_nolibm_bounds "$(tr '\n' ' ' < "$dir/approx.log")"
    fi
fi

# ---- a real target: Cortex-M3 (mps2-an385) under qemu, against the host ---------------------------
ARMCC=arm-none-eabi-gcc
QEMU=qemu-system-arm
if ! command -v $ARMCC >/dev/null; then
    skip infer_cortex_m3 "$ARMCC not found (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi)"
elif ! command -v $QEMU >/dev/null; then
    skip infer_cortex_m3 "$QEMU not found (Debian: qemu-system-arm)"
else
    for net in deep_circles blobs3 relu70; do
        dir=$WORK/$net
        [ -f "$dir/host_gcc.txt" ] || continue
        # 40 fixed samples from the grid, as a C table
        head -n 40 "${POINTS[$net]}" | awk -F, 'BEGIN { print "#define SAMPLES 40\nstatic const float samples[SAMPLES][2] = {" }
                                               { printf "    {%s, %s},\n", $1, $2 } END { print "};" }' > "$dir/samples.h"
        for kind in k n q k_cortex-m; do
            host=$dir/host_$([ $kind = k ] && echo gcc || echo $kind).txt
            [ -f "$dir/$kind.c" ] && [ -f "$host" ] || continue
            name=infer_cortex_m3_${kind/k/float}_$net
            name=${name/_n_/_nolibm_}; name=${name/_q_/_int8_}; name=${name/_float_cortex-m_/_target_cortex-m_}
            arm="$ARMCC -mcpu=cortex-m3 -mthumb -O2"
            if $arm $STRICT -c "$dir/$kind.c" -o "$dir/$kind.arm.o" 2>"$dir/arm.log" &&
               $arm -std=gnu99 -Wall -Wextra -Werror --specs=rdimon.specs -nostartfiles -T "$DEPLOY/mps2_an385.ld" \
                   -I"$dir" -DNET_H="\"$kind.h\"" -DNET=$net -DNET_U=${UPPER[$net]} "$DEPLOY/cm3_main.c" \
                   "$dir/$kind.arm.o" -lm -o "$dir/$kind.elf" 2>>"$dir/arm.log"; then
                if timeout 60 $QEMU -M mps2-an385 -nographic -monitor none -semihosting-config enable=on,target=native \
                       -kernel "$dir/$kind.elf" > "$dir/cm3_$kind.txt" 2>"$dir/qemu.log" </dev/null; then
                    head -n 40 "$host" > "$dir/host40_$kind.txt"
                    # libm differs (newlib's expf against glibc's): 1e-5; the same code without libm: 1e-6
                    tol=1e-5; [ $kind = n ] && tol=1e-6
                    if [ $kind = k_cortex-m ]; then
                        # the kernel scheduled for cortex-m against the native one, both on the M3: bit for bit
                        if [ -s "$dir/cm3_k.txt" ] && cmp -s "$dir/cm3_k.txt" "$dir/cm3_$kind.txt"; then
                            ok "$name (bit-identical to the native kernel on the M3)"
                        else fail "$name" "differs from the native kernel on the M3: $(max_diff "$dir/cm3_k.txt" "$dir/cm3_$kind.txt")"; fi
                    elif within "$dir/host40_$kind.txt" "$dir/cm3_$kind.txt" $tol; then ok "$name"
                    else fail "$name" "max diff, class mismatches, rows: $(max_diff "$dir/host40_$kind.txt" "$dir/cm3_$kind.txt")"; fi
                else
                    fail "$name" "qemu: $(head -c 300 "$dir/qemu.log") $(head -c 200 "$dir/cm3_$kind.txt")"
                fi
            else
                fail "$name" "$(head -n 5 "$dir/arm.log" | tr '\n' ' ')"
            fi
        done
    done
fi

# ---- weights-only path: a PyTorch network saved with the SPEC's names ----------------------------
if $PY -c 'import torch, numpy' 2>/dev/null; then
    dir=$WORK/torch
    mkdir -p "$dir"
    awk 'BEGIN { srand(7); for (i = 0; i < 60; i++) printf "%.4f,%.4f,%.4f,%.4f\n", 6*rand()-3, 6*rand()-3, 6*rand()-3, 6*rand()-3 }' > "$dir/x.csv"
    if $PY "$TOP/examples/deploy/from_pytorch.py" "$dir/m.safetensors" "$dir/x.csv" > "$dir/torch.txt" 2>"$dir/py.log" &&
       "$NNCC" "$TOP/examples/deploy/pytorch_net.yaml" --emit infer --weights "$dir/m.safetensors" -o "$dir/t.c" >/dev/null 2>>"$dir/py.log" &&
       gcc $STRICT -O2 -I"$dir" -DNET_H='"t.h"' -DNET=torch_net -DNET_U=TORCH_NET "$DEPLOY/host_main.c" "$dir/t.c" -lm \
           -o "$dir/host" 2>>"$dir/py.log"; then
        "$dir/host" < "$dir/x.csv" | cut -d, -f1-3 > "$dir/kernel.txt"
        # no class column in torch.txt: compare all three outputs (append a dummy class to both)
        sed 's/$/,0/' "$dir/kernel.txt" > "$dir/k2.txt"; sed 's/$/,0/' "$dir/torch.txt" > "$dir/t2.txt"
        if within "$dir/t2.txt" "$dir/k2.txt" 1e-6; then ok infer_pytorch_weights
        else fail infer_pytorch_weights "$(max_diff "$dir/t2.txt" "$dir/k2.txt")"; fi
    else
        fail infer_pytorch_weights "$(tail -n 4 "$dir/py.log" | tr '\n' ' ')"
    fi
else
    skip infer_pytorch_weights "no torch/numpy in $PY"
fi

# ---- the example program builds against a generated kernel and agrees with --predict --------------
dir=$WORK/deep_circles
if [ -f "$dir/k.c" ]; then
    mkdir -p "$WORK/example"
    sed 's/"k.h"/"deep_circles.h"/' "$dir/k.c" > "$WORK/example/deep_circles.c"
    cp "$dir/k.h" "$WORK/example/deep_circles.h"
    if gcc $STRICT -O2 -I"$WORK/example" "$TOP/examples/deploy/main.c" "$WORK/example/deep_circles.c" -lm \
           -o "$WORK/example/classify" 2>"$WORK/example/cc.log"; then
        want=$(head -n 5 "$dir/predict.txt" | awk -F, '{ print $NF }' | tr '\n' ' ')
        got=$(head -n 5 "${POINTS[deep_circles]}" | "$WORK/example/classify" | tr '\n' ' ')
        arg=$("$WORK/example/classify" $(head -n 1 "${POINTS[deep_circles]}" | tr ',' ' '))
        [ "$want" = "$got" ] && [ "$arg" = "${want%% *}" ] && ok infer_example ||
            fail infer_example "classes '$got' / '$arg', --predict '$want'"
    else
        fail infer_example "$(head -n 5 "$WORK/example/cc.log" | tr '\n' ' ')"
    fi
fi

# ---- bad weights files: located error, exit 1, no files (and an existing file left alone) --------
$PY - "$WORK/bad" <<'EOF' || fail infer_bad_setup "python could not write the corpus"
import json, os, struct, sys
d = sys.argv[1]; os.makedirs(d, exist_ok=True)
def write(name, tensors):
    header, data = {}, b""
    for t, (shape, n) in tensors.items():
        b = struct.pack("<%df" % n, *([0.25] * n))
        header[t] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    h = json.dumps(header).encode(); h += b" " * (-len(h) % 8)
    open(os.path.join(d, name), "wb").write(struct.pack("<Q", len(h)) + h + data)
def net(w0=(16, 2), drop=None, extra=None):
    t = {"layers.0.weight": (list(w0), w0[0] * w0[1]), "layers.0.bias": ([16], 16)}
    for i in (1, 2): t["layers.%d.weight" % i] = ([16, 16], 256); t["layers.%d.bias" % i] = ([16], 16)
    t["layers.3.weight"] = ([1, 16], 16); t["layers.3.bias"] = ([1], 1)
    if drop: del t[drop]
    t.update(extra or {})
    return t
write("shape.safetensors", net(w0=(16, 3)))
write("missing.safetensors", net(drop="layers.2.bias"))
write("extra.safetensors", net(extra={"layers.4.weight": ([1, 1], 1)}))
write("halfnorm.safetensors", net(extra={"input.offset": ([2], 2)}))
open(os.path.join(d, "text.safetensors"), "w").write("not a safetensors file, only some text\n")
EOF
bad_case() { # NAME FILE EXPECTED-STDERR
    local out=$WORK/bad/out.$1
    mkdir -p "$out"
    echo "old" > "$out/net.h"
    "$NNCC" "$TOP/examples/deep_circles.yaml" --emit infer --weights "$2" -o "$out/net.c" >"$out/stdout" 2>"$out/stderr"
    local rc=$?
    local files; files=$(ls -A "$out" | grep -v '^stdout$\|^stderr$\|^net.h$' | tr '\n' ' ')
    if [ $rc -eq 1 ] && grep -qF -- "$3" "$out/stderr" && [ -z "$files" ] && [ "$(cat "$out/net.h")" = old ] && [ ! -s "$out/stdout" ]; then
        ok "infer_bad_weights_$1"
    else
        fail "infer_bad_weights_$1" "exit $rc, stderr '$(head -c 200 "$out/stderr")', files '$files'"
    fi
}
B=$WORK/bad
bad_case shape "$B/shape.safetensors" "$B/shape.safetensors: error: tensor 'layers.0.weight' has shape [16, 3], expected [16, 2]"
bad_case missing "$B/missing.safetensors" "$B/missing.safetensors: error: no tensor 'layers.2.bias'"
bad_case extra "$B/extra.safetensors" "$B/extra.safetensors: error: tensor 'layers.4.weight' is not part of the network"
bad_case halfnorm "$B/halfnorm.safetensors" "error: tensor 'input.offset' without 'input.scale'"
bad_case text "$B/text.safetensors" "$B/text.safetensors: error: not a safetensors file"
bad_case absent "$B/absent.safetensors" "$B/absent.safetensors: error: cannot open"

finish
