#!/usr/bin/env bash
# t_cnn.sh — convolutional networks end to end (issue 15): the generated C of a CNN is clean C99
# under gcc and clang with and without OpenMP; --check shows the spatial layers; --emit infer
# refuses them with a located error and writes nothing; examples/fashion_cnn.yaml trains on
# Fashion-MNIST (the first 6000 training and 1000 test images, 2 epochs, >= 0.80 test accuracy;
# NNCC_TEST_CNN_FULL=1: the whole example, >= 0.90, and examples/cats_vs_dogs_cnn.yaml, >= 0.70).
# The numerics against PyTorch: t_cnn_torch.sh.
source "$(dirname "$0")/lib.sh"
FASHION=/usr/share/datasets/fashion-mnist

cat > "$WORK/odd.yaml" <<YAML
name: odd
input: [3, 11, 9]
layers:
  - {conv: 5, kernel: [3, 5], padding: [1, 2], activation: tanh}
  - {avgpool: 2, stride: 1}
  - {conv: 7, kernel: 3, stride: 2, activation: relu}
  - {maxpool: [2, 1]}
  - {units: 4, activation: softmax}
loss: cross_entropy
batch_size: 24
YAML
"$NNCC" "$WORK/odd.yaml" -o "$WORK/odd.c" 2> "$WORK/err" || fail cnn_emits "$(head -c 300 "$WORK/err")"
for cc in gcc clang; do
    command -v $cc > /dev/null || { skip "cnn_strict_$cc" "no $cc"; continue; }
    for omp in -fopenmp ""; do
        if $cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 $omp -I"$RTINC" -c "$WORK/odd.c" -o "$WORK/odd.o" 2> "$WORK/cc.err"; then
            ok "cnn compiles strictly ($cc ${omp:-without OpenMP})"
        else
            fail "cnn_strict_$cc${omp}" "$(head -c 400 "$WORK/cc.err")"
        fi
    done
done
if build_c "$WORK/odd.c" "$WORK/odd" gcc && "$WORK/odd" --selftest > "$WORK/st" 2>&1; then
    ok "cnn selftest ($(tail -1 "$WORK/st" | sed 's/^selftest: //'))"
else
    fail cnn_selftest "$(tail -3 "$WORK/st" 2>/dev/null | tr '\n' ' ')"
fi

"$NNCC" "$WORK/odd.yaml" --check > "$WORK/check" 2>&1
if grep -q 'layer 1  conv    3x11x9 -> 5x11x9' "$WORK/check" && grep -q 'layer 4  maxpool 7x4x3 -> 7x2x3' "$WORK/check" &&
    grep -q 'W1 (5, 3, 3, 5)' "$WORK/check"; then
    ok "cnn --check shows each spatial layer's shapes and weights"
else
    fail cnn_check "$(head -12 "$WORK/check" | tr '\n' '|')"
fi

# --emit infer: dense layers only so far, said at the first spatial layer
"$WORK/odd" --epochs 0 --quiet --out "$WORK/init" > /dev/null 2>&1
"$NNCC" "$WORK/odd.yaml" --emit infer --weights "$WORK/init/odd.safetensors" -o "$WORK/k.c" > "$WORK/out" 2> "$WORK/err"
rc=$?
if [ $rc = 1 ] && grep -q 'odd.yaml:4:5: error: --emit infer takes dense layers only so far; layers.0 is a conv layer' "$WORK/err" &&
    [ ! -e "$WORK/k.c" ] && [ ! -e "$WORK/k.h" ]; then
    ok "cnn --emit infer refused at the layer, exit 1, nothing written"
else
    fail cnn_infer_refused "exit $rc: $(head -c 300 "$WORK/err")"
fi

# NNCC_TEST_CNN_FULL=1: the cats-vs-dogs CNN example, 40 epochs (about 4 minutes on 2 cores), >= 0.70
CATS=$SHARED/data/cats-vs-dogs
if [ "${NNCC_TEST_CNN_FULL:-0}" = 1 ] && [ "$SANITIZED" = 0 ]; then
    if [ ! -f "$CATS/trainset.hdf5" ]; then
        skip cnn_cats_full "$CATS/trainset.hdf5 not found"
    elif "$NNCC" "$TOP/examples/cats_vs_dogs_cnn.yaml" -o "$WORK/cats" 2> "$WORK/err" &&
        "$WORK/cats" --quiet --out "$WORK/cats-out" > /dev/null 2>&1; then
        acc=$(last_metric "$WORK/cats-out" test_accuracy) secs=$(last_metric "$WORK/cats-out" seconds)
        if float_ge "$acc" 0.70; then ok "cnn cats full ($acc test accuracy in $secs s)"; else fail cnn_cats_full "test accuracy $acc < 0.70"; fi
    else
        fail cnn_cats_full "$(head -c 300 "$WORK/err")"
    fi
fi

if [ ! -d "$FASHION" ]; then
    skip cnn_fashion "$FASHION not found (Debian package dataset-fashion-mnist)"
    finish
fi
EX=$TOP/examples/fashion_cnn.yaml
if [ "${NNCC_TEST_CNN_FULL:-0}" = 1 ] && [ "$SANITIZED" = 0 ]; then
    "$NNCC" "$EX" -o "$WORK/fcnn" 2> "$WORK/err" || fail cnn_fashion_full_build "$(head -c 300 "$WORK/err")"
    if "$WORK/fcnn" --quiet --out "$WORK/full" > /dev/null 2>&1; then
        acc=$(last_metric "$WORK/full" test_accuracy) secs=$(last_metric "$WORK/full" seconds)
        if float_ge "$acc" 0.90; then ok "cnn fashion full ($acc test accuracy in $secs s)"; else fail cnn_fashion_full "test accuracy $acc < 0.90"; fi
    else
        fail cnn_fashion_full "training failed"
    fi
fi
N_TRAIN=6000 N_TEST=1000 EPOCHS=2 BOUND=0.80
if [ "$SANITIZED" = 1 ]; then
    N_TRAIN=600 N_TEST=200 EPOCHS=1 BOUND=0.40
    san_reduced "cnn_fashion: the example on $N_TRAIN training and $N_TEST test images for 1 epoch, >= $BOUND (make check: 6000, 1000, 2 epochs, >= 0.80)"
fi
"$PY" - "$FASHION" "$WORK" "$N_TRAIN" "$N_TEST" <<'PY' || fail cnn_fashion_subsets "could not write the IDX subsets"
import gzip, sys
src, w, ntrain, ntest = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for part, n in (("train", ntrain), ("t10k", ntest)):
    for kind, dims, head, size in (("images", 3, 16, 784), ("labels", 1, 8, 1)):
        name = f"{part}-{kind}-idx{dims}-ubyte.gz"
        b = gzip.open(f"{src}/{name}").read()
        h = bytearray(b[:head]); h[4:8] = n.to_bytes(4, "big")
        with gzip.open(f"{w}/{name}", "wb") as f:
            f.write(bytes(h) + b[head:head + n * size])
PY
sed -e "s|$FASHION/|$WORK/|g" "$EX" > "$WORK/fashion_cnn.yaml"
if ! "$NNCC" "$WORK/fashion_cnn.yaml" -o "$WORK/fashion_cnn.c" 2> "$WORK/err" || ! build_c "$WORK/fashion_cnn.c" "$WORK/fcnn_small" gcc 2>> "$WORK/err"; then
    fail cnn_fashion_build "$(head -c 300 "$WORK/err")"
    finish
fi
if "$WORK/fcnn_small" --quiet --epochs $EPOCHS --out "$WORK/small" > "$WORK/small.log" 2>&1; then
    acc=$(last_metric "$WORK/small" test_accuracy) secs=$(last_metric "$WORK/small" seconds)
    if float_ge "$acc" $BOUND; then
        ok "cnn fashion_cnn.yaml on $N_TRAIN images, $EPOCHS epochs: test accuracy $acc (>= $BOUND) in $secs s"
    else
        fail cnn_fashion "test accuracy $acc < $BOUND"
    fi
    # the weights file: PyTorch's layouts
    if "$PY" - "$WORK/small/fashion_cnn.safetensors" <<'PY' > "$WORK/shapes" 2>&1; then
import json, struct, sys
b = open(sys.argv[1], "rb").read()
h = json.loads(b[8:8 + struct.unpack("<Q", b[:8])[0]])
want = {"layers.0.weight": [16, 1, 3, 3], "layers.0.bias": [16], "layers.2.weight": [32, 16, 3, 3],
        "layers.4.weight": [128, 1568], "layers.5.weight": [10, 128]}
bad = [(k, h.get(k, {}).get("shape"), v) for k, v in want.items() if h.get(k, {}).get("shape") != v]
bad += [(k, "present", "absent") for k in ("layers.1.weight", "layers.3.bias") if k in h]
sys.exit(print(bad) if bad else 0)
PY
        ok "cnn weights file: conv [out, in, kh, kw], dense [out, in], no tensors for pooling layers"
    else
        fail cnn_weights_shapes "$(cat "$WORK/shapes")"
    fi
else
    fail cnn_fashion "training failed: $(tail -3 "$WORK/small.log" | tr '\n' ' ')"
fi
finish
