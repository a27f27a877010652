#!/usr/bin/env bash
# t_reference.sh — the generated float64 training program against an independent reference
# (tests/reference/ref.py: plain numpy, no nncc code), from the same initial weights on the same
# CSV: the weights after 1 epoch and after K epochs must agree to 1e-12 relative, for SGD,
# momentum and Adam, full batch and mini-batch (a batch size that does not divide n), with weight
# decay, over every loss that has a gradient. When torch is importable, torch.nn + torch.optim
# run the same steps as a check on the reference itself.
source "$(dirname "$0")/lib.sh"
REF=$TOP/tests/reference/ref.py
TOL=1e-12

if ! $PY -c 'import numpy, yaml' 2>/dev/null; then
    skip reference "Debian's $PY has no numpy or yaml (apt-get install python3-numpy python3-yaml)"
    finish
fi
have_torch=0
$PY -c 'import torch' 2>/dev/null && have_torch=1

$PY "$REF" data binary 50 1 "$WORK/binary.csv"
$PY "$REF" data binary 600 2 "$WORK/binary600.csv"   # more rows than one chunk: chunked sums
$PY "$REF" data multiclass:3 60 3 "$WORK/three.csv"
$PY "$REF" data regression:2 45 4 "$WORK/regress.csv"
$PY "$REF" data onehot:3 60 5 "$WORK/onehot.csv"

# case NAME DATA EPOCHS YAML-BODY: compiles the network, writes its initial weights with
# --epochs 0, trains 1 and EPOCHS epochs from them, and compares each with the reference.
case_() {
    local name=$1 data=$2 epochs=$3 body=$4 dir=$WORK/$1
    mkdir -p "$dir"
    printf 'name: %s\ninput: 2\nprecision: float64\nshuffle: false\n%s\ndata:\n  train: %s\n  normalize: none\n' \
        "$name" "$body" "$WORK/$data" > "$dir/net.yaml"
    if ! "$NNCC" "$dir/net.yaml" -o "$dir/train.c" 2> "$dir/err" || ! build_c "$dir/train.c" "$dir/train" gcc 2>> "$dir/err"; then
        fail "reference $name" "does not build: $(head -c 300 "$dir/err")"
        return
    fi
    if ! "$dir/train" --quiet --epochs 0 --out "$dir/init" > /dev/null 2>&1; then
        fail "reference $name" "--epochs 0 failed"
        return
    fi
    local init=$dir/init/$name.safetensors k out msg=""
    for k in 1 "$epochs"; do
        "$dir/train" --quiet --epochs "$k" --weights "$init" --out "$dir/e$k" > /dev/null 2>&1 &&
            $PY "$REF" train "$dir/net.yaml" "$init" "$WORK/$data" "$k" "$dir/ref$k.npz" 2> "$dir/err" ||
            { fail "reference $name" "epoch $k: $(tail -c 300 "$dir/err")"; return; }
        if ! out=$($PY "$REF" compare "$dir/e$k/$name.safetensors" "$dir/ref$k.npz" $TOL); then
            fail "reference $name" "after $k epochs: $out"
            return
        fi
        msg="$msg; epoch $k: $out"
    done
    ok "reference $name (${msg#; })"
    if [ $have_torch = 1 ]; then
        if ! $PY "$REF" torch "$dir/net.yaml" "$init" "$WORK/$data" "$epochs" "$dir/torch.npz" 2> "$dir/err"; then
            fail "reference $name vs torch" "$(tail -c 300 "$dir/err")"
        elif out=$($PY "$REF" compare "$dir/torch.npz" "$dir/ref$epochs.npz" $TOL); then
            ok "reference $name vs torch.optim ($out)"
        else
            fail "reference $name vs torch" "$out"
        fi
    fi
}

case_ sgd_full binary600.csv 30 'layers: [8, 1]
activation: sigmoid
learning_rate: 0.5'

case_ sgd_minibatch_decay binary.csv 20 'layers: [8, 8, {units: 1, activation: sigmoid}]
activation: tanh
learning_rate: 0.3
batch_size: 16
weight_decay: 0.01'

case_ momentum_full three.csv 25 'layers: [10, {units: 3, activation: softmax}]
activation: relu
learning_rate: 0.1
optimizer: momentum'

case_ momentum_minibatch_mse regress.csv 15 'layers: [6, {units: 2, activation: linear}]
activation: leaky_relu
loss: mse
learning_rate: 0.05
batch_size: 7
optimizer: {name: momentum, momentum: 0.8}'

case_ adam_full binary.csv 40 'layers: [6, {units: 1, activation: sigmoid}]
activation: tanh
learning_rate: 0.01
optimizer: adam'

case_ adam_minibatch_decay binary.csv 20 'layers: [8, {units: 8, activation: sigmoid}, {units: 1, activation: sigmoid}]
activation: tanh
learning_rate: 0.05
batch_size: 16
weight_decay: 0.01
optimizer: {name: adam, beta1: 0.85, beta2: 0.99, epsilon: 1e-7}'

case_ adam_minibatch_softmax_mse onehot.csv 10 'layers: [5, {units: 3, activation: softmax}]
activation: sigmoid
loss: mse
learning_rate: 0.02
batch_size: 32
optimizer: adam'

# Layers wider than the kernels' cache blocks (128 inputs or units a slice): the forward's sums
# wait in A^T between slices of the fan-in, the propagation's in dZ between slices of units;
# 140 units are 11 register blocks of 12 and a tail of 8; 128 units of float64 are rows of 1 KiB,
# stored with a padded stride.
case_ wide_sliced_minibatch three.csv 8 'layers: [150, 128, 140, {units: 3, activation: softmax}]
activation: relu
learning_rate: 0.005
batch_size: 25
optimizer: momentum'

# First layers of fewer than 4 units take the emitter's row-by-row forward path.
case_ neuron_full binary600.csv 30 'layers: [1]
learning_rate: 0.5'

case_ narrow_first_minibatch binary.csv 15 'layers: [2, {units: 1, activation: sigmoid}]
activation: tanh
learning_rate: 0.2
batch_size: 7'

# Learning-rate schedules, stepped per epoch: the reference's closed forms, and torch's StepLR,
# ExponentialLR and CosineAnnealingLR (T_max = the epochs trained) stepping the same optimiser.
case_ steplr_momentum_minibatch three.csv 12 'layers: [10, {units: 3, activation: softmax}]
activation: relu
learning_rate: 0.2
batch_size: 16
optimizer: momentum
lr_schedule: {name: step, every: 4, gamma: 0.5}'

case_ exponentiallr_adam binary.csv 10 'layers: [8, {units: 1, activation: sigmoid}]
activation: tanh
learning_rate: 0.05
optimizer: adam
lr_schedule: {name: exponential, gamma: 0.8}'

case_ cosinelr_sgd_full binary600.csv 20 'layers: [8, 1]
learning_rate: 0.5
lr_schedule: {name: cosine, min: 0.01}'

# A linear warmup first: torch's SequentialLR of LinearLR(1/(W+1) -> 1 over W epochs), then the schedule.
case_ warmup_cosinelr_momentum three.csv 14 'layers: [10, {units: 3, activation: softmax}]
activation: relu
learning_rate: 0.2
optimizer: momentum
lr_schedule: {name: cosine, min: 0.001, warmup: 4}'

finish
