#!/usr/bin/env bash
# t_cnn_torch.sh — convolutional networks at float64 against PyTorch autograd
# (tests/reference/cnn_torch.py: torch.nn + torch.optim, no nncc code). Each case builds the
# program, writes its initial weights with --epochs 0, and loads them into an nn.ModuleList of
# the same modules (Conv2d, MaxPool2d, AvgPool2d, Linear) with load_state_dict(strict=True): every
# tensor nncc writes is a PyTorch parameter of that name and shape, and none is missing. Then both
# train 1 and K epochs from them on the same CSV, mini-batches in file order (the last one
# smaller), and the weights must agree to 1e-9 relative (max |a - b| / max |b|, per tensor).
# The cases cover non-square images and kernels, stride 2 and [2, 1], valid / same / N / [ph, pw]
# padding, max and average pools (also with a stride other than the kernel, and as the first
# layer), 1, 2 and 3 input channels, channel counts 3 to 8, SGD, momentum (with weight decay
# once) and Adam, log_loss, cross_entropy and mse, a conv feeding a dense layer directly, a full
# batch of three chunks split over threads, and max pools after ReLU on zero-background images,
# where windows hold tied maxima (at zero, and at relu(bias) > 0, where the gradient must reach
# one position only: the case fails unless such ties occurred, and a torch that sends it to every
# tied position is shown to disagree). Dropout (inverted, as nn.Dropout) after a max pool and
# after a dense layer in a CNN (seed 12345), and on the input and between dense layers of a dense
# net (seed 0), and in a full batch of three chunks: torch multiplies by nncc's masks, replicated
# from their definition (a hash of seed, step, sample, value index) for each step (several an
# epoch in the first two); the masks must drop about P of the values, nncc's train_loss in
# metrics.csv (an evaluation: no dropout) must be torch's without masks, and masks one step off
# are shown to disagree. Then --selftest (fast kernels
# against reference kernels) on every case and --gradcheck on three.
source "$(dirname "$0")/lib.sh"
REF=$TOP/tests/reference/cnn_torch.py
TOL=1e-9

if ! $PY -c 'import numpy, yaml, torch' 2>/dev/null; then
    skip "cnn vs torch" "Debian's $PY has no numpy, yaml or torch (apt-get install python3-numpy python3-yaml python3-torch)"
    finish
fi

# The reference itself: its torch modules against hand-written numpy loops.
if out=$($PY "$REF" selfcheck 2>&1); then ok "cnn reference: $out"
else fail "cnn reference selfcheck" "$(echo "$out" | tail -c 300)"; fi

BUILT=""
# case NAME "C H W N KIND SEED" EPOCHS MIN-TIES YAML-BODY [CHECK-FLAGS]: N images of C x H x W;
# the body has the input, layers, loss, optimiser, batch size. MIN-TIES: max-pool windows that
# must have held a maximum tied at a nonzero value during training. CHECK-FLAGS: more options of
# cnn_torch.py check ("metrics" passes the EPOCHS run's metrics.csv as --metrics).
case_() {
    local name=$1 data=$2 epochs=$3 ties=$4 body=$5 flags=${6:-} dir=$WORK/$1
    mkdir -p "$dir"
    # shellcheck disable=SC2086
    $PY "$REF" data $data "$dir/data.csv" || { fail "cnn $name" "cnn_torch.py data $data failed"; return; }
    printf 'name: %s\nprecision: float64\nshuffle: false\n%s\ndata:\n  train: %s\n  normalize: none\n' \
        "$name" "$body" "$dir/data.csv" > "$dir/net.yaml"
    if ! "$NNCC" "$dir/net.yaml" -o "$dir/train.c" 2> "$dir/err" || ! build_c "$dir/train.c" "$dir/train" gcc 2>> "$dir/err"; then
        fail "cnn $name" "does not build: $(head -c 300 "$dir/err")"
        return
    fi
    BUILT="$BUILT $name"
    if ! "$dir/train" --quiet --epochs 0 --out "$dir/init" > "$dir/err" 2>&1; then
        fail "cnn $name" "--epochs 0 failed: $(tail -c 300 "$dir/err")"
        return
    fi
    local init=$dir/init/$name.safetensors k out ks="1 $epochs"
    [ "$epochs" = 1 ] && ks=1
    for k in $ks; do
        if ! "$dir/train" --quiet --epochs "$k" --weights "$init" --out "$dir/e$k" > "$dir/err" 2>&1; then
            fail "cnn $name" "training $k epochs failed: $(tail -c 300 "$dir/err")"
            return
        fi
    done
    [ "$flags" = metrics ] && flags="--metrics $dir/e$epochs/metrics.csv"
    # shellcheck disable=SC2086
    if out=$($PY "$REF" check "$dir/net.yaml" "$init" "$dir/data.csv" "$epochs" \
        "$dir/e1/$name.safetensors" "$dir/e$epochs/$name.safetensors" $TOL "$ties" $flags 2>&1); then
        ok "cnn $name vs torch ($out)"
    else
        fail "cnn $name vs torch" "$(echo "$out" | tail -c 600)"
    fi
}

# A non-square image and kernel, valid padding; relu then a 2x2 max pool (ties at zero).
case_ nonsquare_kernel_adam_ce "1 9 7 37 multiclass:3 1" 2 0 'input: [1, 9, 7]
layers:
  - {conv: 4, kernel: [3, 5], padding: valid, activation: relu}
  - {maxpool: 2}
  - {units: 5, activation: relu}
  - {units: 3, activation: softmax}
loss: cross_entropy
optimizer: adam
learning_rate: 0.01
batch_size: 16'

# Stride 2, then padding 1: a conv feeding the dense output layer directly; binary log_loss.
case_ stride2_conv_to_dense_sgd_logloss "1 11 9 33 binary 2" 2 0 'input: [1, 11, 9]
layers:
  - {conv: 5, kernel: 3, stride: 2, padding: valid, activation: tanh}
  - {conv: 3, kernel: 3, padding: 1, activation: relu}
  - {units: 1, activation: sigmoid}
loss: log_loss
optimizer: sgd
learning_rate: 0.1
batch_size: 10'

# Padding 1 with a 5x5 kernel (a "neither valid nor same" output), average pool, mse, momentum
# with weight decay.
case_ pad1_kernel5_avgpool_momentum_mse "1 8 9 29 regression:2 3" 2 0 'input: [1, 8, 9]
layers:
  - {conv: 3, kernel: 5, padding: 1, activation: leaky_relu}
  - {avgpool: 2}
  - {units: 2, activation: linear}
loss: mse
optimizer: momentum
learning_rate: 0.05
weight_decay: 0.01
batch_size: 8'

# Three input channels, same padding, an overlapping max pool (3, stride 2), a [1, 3] kernel.
case_ rgb_same_maxpool3s2_adam_ce "3 11 9 41 multiclass:3 4" 2 0 'input: [3, 11, 9]
layers:
  - {conv: 5, kernel: 3, stride: 1, padding: same, activation: relu}
  - {maxpool: 3, stride: 2}
  - {conv: 3, kernel: [1, 3], padding: valid, activation: sigmoid}
  - {units: 4, activation: tanh}
  - {units: 3, activation: softmax}
loss: cross_entropy
optimizer: adam
learning_rate: 0.01
batch_size: 16'

# Max pools after ReLU on zero-background images: conv outputs there are relu(bias), the same
# at every position, so windows tie at a nonzero value and the gradient must go to one of them.
case_ maxpool_ties_two_convs_momentum_ce "1 13 11 31 multiclass:3 5" 2 10 'input: [1, 13, 11]
layers:
  - {conv: 4, kernel: 3, padding: same, activation: relu}
  - {maxpool: 2}
  - {conv: 5, kernel: 3, padding: same, activation: relu}
  - {maxpool: 2, stride: 1}
  - {units: 3, activation: softmax}
loss: cross_entropy
optimizer: momentum
learning_rate: 0.05
batch_size: 12'

# Two channels, padding [2, 1] with a [5, 3] kernel, an average pool [3, 2] with stride [2, 1];
# full batch (no batch_size), 5 steps.
case_ avgpool_stride_full_sgd_mse "2 10 7 25 regression:2 6" 5 0 'input: [2, 10, 7]
layers:
  - {conv: 3, kernel: [5, 3], padding: [2, 1], activation: tanh}
  - {avgpool: [3, 2], stride: [2, 1]}
  - {units: 2, activation: linear}
loss: mse
optimizer: sgd
learning_rate: 0.1'

# An [H, W] input (one channel), stride [2, 1] with padding 1, straight into a sigmoid unit.
case_ hw_input_stride21_adam_logloss "1 9 7 35 binary 7" 2 0 'input: [9, 7]
layers:
  - {conv: 5, kernel: 3, stride: [2, 1], padding: 1, activation: relu}
  - {units: 1, activation: sigmoid}
loss: log_loss
optimizer: adam
learning_rate: 0.02
batch_size: 16'

# A pool as the first layer ([2, 3] stride 2, on the input), then conv, then an overlapping
# average pool; momentum 0.8.
case_ pool_first_momentum_ce "3 10 9 27 multiclass:3 8" 2 0 'input: [3, 10, 9]
layers:
  - {maxpool: [2, 3], stride: 2}
  - {conv: 5, kernel: 3, padding: same, activation: sigmoid}
  - {avgpool: 2, stride: 1}
  - {units: 3, activation: softmax}
loss: cross_entropy
optimizer: {name: momentum, momentum: 0.8}
learning_rate: 0.1
batch_size: 9'

# A full batch of 600 images: three chunks of 256 rows whose gradients are summed, large enough
# for the schedule to split the rows over threads (8 channels: a multiple of 8 once).
chunked_epochs=3
if [ $SANITIZED = 1 ]; then
    chunked_epochs=1
    san_reduced "cnn chunked_threaded_full_momentum_logloss: 1 epoch (1 step of 3 chunks) instead of 3"
fi
case_ chunked_threaded_full_momentum_logloss "2 12 11 600 binary 9" $chunked_epochs 0 'input: [2, 12, 11]
layers:
  - {conv: 8, kernel: 3, padding: same, activation: relu}
  - {maxpool: 2}
  - {conv: 6, kernel: 3, padding: valid, activation: tanh}
  - {units: 1, activation: sigmoid}
loss: log_loss
optimizer: momentum
learning_rate: 0.3'

# Dropout (PyTorch's inverted nn.Dropout), in torch a multiplication by nncc's masks replicated
# from their definition (a hash of seed, step, sample and value index): after a max pool, on
# (C, H, W) values, and after a dense layer; a seed other than 0; 3 batches an epoch (steps 1-6).
# nncc's train_loss (an evaluation, without dropout) must be torch's without masks.
case_ dropout_cnn_adam_ce "1 9 8 40 multiclass:3 10" 2 0 'input: [1, 9, 8]
seed: 12345
layers:
  - {conv: 4, kernel: 3, padding: same, activation: relu}
  - {maxpool: 2}
  - {dropout: 0.3}
  - {units: 10, activation: relu}
  - {dropout: 0.5}
  - {units: 3, activation: softmax}
loss: cross_entropy
optimizer: adam
learning_rate: 0.01
batch_size: 16' metrics

# Dense layers only: dropout on the input (layer 0) and between dense layers; seed 0 (the
# default), 5 batches an epoch (the last smaller), 3 epochs (steps 1-15).
case_ dropout_dense_input_sgd_logloss "1 4 5 47 binary 11" 3 0 'input: 20
layers:
  - {dropout: 0.2}
  - {units: 12, activation: tanh}
  - {dropout: 0.5}
  - {units: 6, activation: sigmoid}
  - {units: 1, activation: sigmoid}
loss: log_loss
optimizer: sgd
learning_rate: 0.5
batch_size: 10' metrics

# A full batch of 600 rows: chunks of 256, each chunk's rows keyed by their own sample indices
# (256.., 512..), and the threads; 3 steps.
case_ dropout_dense_full_chunked_momentum_ce "1 4 5 600 multiclass:3 12" 3 0 'input: 20
layers:
  - {dropout: 0.25}
  - {units: 16, activation: relu}
  - {dropout: 0.4}
  - {units: 3, activation: softmax}
loss: cross_entropy
optimizer: momentum
learning_rate: 0.3' metrics

# The comparison can fail. (1) nncc's initial weights are not its trained ones. (2) The tie case
# has teeth: torch with max pools that send the gradient to every tied maximum (not to one)
# must disagree with nncc. (Which one of the tied positions gets it, first or last, cannot show
# in the weights: tied windows have identical receptive fields, so their parameter gradients are
# the same either way.)
# negative NAME WHAT A1 AK [FLAG]: the check must fail, by more than 1e-6.
negative() {
    local name=$1 what=$2 a1=$3 ak=$4 flag=${5:-} d=$WORK/$1 out w rc
    [ -x "$d/train" ] || { fail "cnn catches $what" "$name did not build"; return; }
    # shellcheck disable=SC2086
    out=$($PY "$REF" check "$d/net.yaml" "$d/init/$name.safetensors" "$d/data.csv" 2 "$a1" "$ak" $TOL 0 $flag 2>&1)
    rc=$?
    w=$(echo "$out" | sed -n 's/.*differs by \([^ ]*\) relative.*/\1/p' | head -n 1)
    if [ $rc = 1 ] && [ -n "$w" ] && float_ge "$w" 1e-6; then ok "cnn catches $what (${out%% — *})"
    else fail "cnn catches $what" "$(echo "$out" | tail -c 400)"; fi
}
n=maxpool_ties_two_convs_momentum_ce
negative $n "untrained weights" "$WORK/$n/init/$n.safetensors" "$WORK/$n/init/$n.safetensors"
negative $n "a max pool's gradient sent to every tied maximum" "$WORK/$n/e1/$n.safetensors" \
    "$WORK/$n/e2/$n.safetensors" --grad-to-every-tie
# (3) The dropout masks have teeth: torch's masks of the step after each one must disagree.
n=dropout_cnn_adam_ce
negative $n "dropout masks one step off" "$WORK/$n/e1/$n.safetensors" "$WORK/$n/e2/$n.safetensors" \
    "--dropout-step-offset 1"

# --selftest on every case that built; --gradcheck (as t_gradcheck.sh runs it) on three.
passed=0 failed=""
for name in $BUILT; do
    if "$WORK/$name/train" --selftest > "$WORK/$name/selftest.log" 2>&1; then passed=$((passed + 1))
    else failed="$failed $name($(grep -m3 'FAIL\|error\|ERROR' "$WORK/$name/selftest.log" | tr '\n' ' '))"; fi
done
if [ -z "$BUILT" ]; then fail "cnn selftest" "no case built"
elif [ -z "$failed" ]; then ok "cnn selftest: fast kernels = reference kernels on $passed networks"
else fail "cnn selftest" "$failed"; fi

for name in rgb_same_maxpool3s2_adam_ce pad1_kernel5_avgpool_momentum_mse dropout_cnn_adam_ce; do
    [ -x "$WORK/$name/train" ] || { fail "cnn gradcheck $name" "did not build"; continue; }
    out=$("$WORK/$name/train" --gradcheck --quiet --threads 1 2>&1)
    rc=$?
    worst=$(echo "$out" | sed -n 's/.*worst relative error \([^ ]*\) .*/\1/p')
    if [ $rc = 0 ] && echo "$out" | grep -q ": ok$" && [ -n "$worst" ]; then
        ok "cnn gradcheck $name (worst relative error $worst)"
    else
        fail "cnn gradcheck $name" "exit $rc: $(echo "$out" | tail -c 400)"
    fi
done

finish
