#!/usr/bin/env bash
# t_ladder.sh — every rung of the course's ladder (examples/ladder/), with asserted results:
# McCulloch-Pitts AND / OR / NOT with given weights compute their truth tables; Rosenblatt's
# perceptron learns AND and OR, epoch by epoch as the rule computed by hand; one neuron cannot
# learn XOR and two layers can; momentum, Adam, weight decay and early stopping examples train.
source "$(dirname "$0")/lib.sh"
LADDER=$TOP/examples/ladder
REF=$TOP/tests/reference/ref.py

# build NAME: examples/ladder/NAME.yaml -> $WORK/NAME/train (strict C99); 1 on failure.
build() {
    local d=$WORK/$1
    mkdir -p "$d"
    if ! "$NNCC" "$LADDER/$1.yaml" -o "$d/train.c" 2> "$d/err" || ! build_c "$d/train.c" "$d/train" gcc 2>> "$d/err"; then
        fail "ladder $1" "does not build: $(head -c 300 "$d/err")"
        return 1
    fi
}

# run NAME ARGS...: trains into $WORK/NAME/out, output in $WORK/NAME/log; 1 on failure.
# One thread: these networks are small, and the ladder is about what they compute.
run() {
    local name=$1; shift
    if ! (cd "$WORK/$name" && ./train --threads 1 --out out "$@" > log 2>&1); then
        fail "ladder $name" "exit $?: $(tail -n 3 "$WORK/$name/log" | tr '\n' ' ')"
        return 1
    fi
}

# predict NAME CSV: the predicted classes, one per row, joined by spaces.
predict() {
    (cd "$WORK/$1" && ./train --out out --predict "$2" | awk -F, '{ printf "%s%s", (NR > 1 ? " " : ""), $NF }')
}

# ---- rung 1: McCulloch-Pitts threshold units, fixed weights, epochs: 0 ------------------------
for gate in and:"0 0 0 1" or:"0 1 1 1" not:"1 0"; do
    name=${gate%%:*} want=${gate#*:}
    build "$name" && run "$name" || continue
    table=$LADDER/truth2.csv
    [ "$name" = not ] && table=$LADDER/truth1.csv
    got=$(predict "$name" "$table")
    if [ "$got" = "$want" ]; then ok "ladder $name truth table ($got)"; else fail "ladder $name" "truth table '$got', want '$want'"; fi
done

# ---- rung 2: Rosenblatt's perceptron learns AND and OR ---------------------------------------
# With alpha = 1 and zero initial weights every number is an integer, so the program's accuracy
# per epoch and final weights must equal the rule worked by hand (ref.py perceptron) exactly.
for gate in and or; do
    name=perceptron_$gate
    build "$name" && run "$name" || continue
    want=$($PY "$REF" perceptron "$gate" 20 1)
    got_acc=$(awk -F, 'NR > 2 { print $3 + 0 }' "$WORK/$name/out/metrics.csv" | tr '\n' ' ')
    want_acc=$(echo "$want" | head -n 20 | awk '{ print $1 + 0 }' | tr '\n' ' ')
    got_w=$($PY "$REF" show "$WORK/$name/out/$name.safetensors" | awk '/^layers/ { for (i = 2; i <= NF; i++) printf "%g ", $i }')
    want_w=$(echo "$want" | tail -n 1 | awk '{ for (i = 1; i <= NF; i++) printf "%g ", $i }')
    table=$(predict "$name" "$LADDER/truth2.csv")
    [ "$gate" = and ] && truth="0 0 0 1" || truth="0 1 1 1"
    if [ "$got_acc" != "$want_acc" ]; then
        fail "ladder $name" "accuracy per epoch '$got_acc', by hand '$want_acc'"
    elif [ "$got_w" != "$want_w" ]; then
        fail "ladder $name" "final b, W '$got_w', by hand '$want_w'"
    elif [ "$(last_metric "$WORK/$name/out" train_accuracy)" != 1 ] || [ "$table" != "$truth" ]; then
        fail "ladder $name" "did not converge: predicts '$table'"
    else
        ok "ladder $name converges to 100% (accuracy per epoch ${got_acc% }; b, W = ${got_w% })"
    fi
done

# ---- rung 3: XOR -------------------------------------------------------------------------------
if build xor_neuron && run xor_neuron; then
    acc=$(last_metric "$WORK/xor_neuron/out" train_accuracy)
    best=$(awk -F, 'NR > 1 && $3 > m { m = $3 } END { print m + 0 }' "$WORK/xor_neuron/out/metrics.csv")
    if float_ge 0.75 "$best"; then ok "ladder xor_neuron cannot learn XOR (final accuracy $acc, best $best <= 0.75)"
    else fail "ladder xor_neuron" "one neuron reached accuracy $best on XOR"; fi
fi
if build xor_2layer && run xor_2layer; then
    table=$(predict xor_2layer "$LADDER/truth2.csv")
    acc=$(last_metric "$WORK/xor_2layer/out" train_accuracy)
    if [ "$acc" = 1 ] && [ "$table" = "0 1 1 0" ]; then ok "ladder xor_2layer learns XOR (accuracy 1, predicts $table)"
    else fail "ladder xor_2layer" "accuracy $acc, predicts '$table'"; fi
fi

# ---- rung 4: optimisers, weight decay, early stopping ------------------------------------------
for name in moons_sgd moons_momentum moons_adam; do
    build "$name" && run "$name" || continue
    acc=$(last_metric "$WORK/$name/out" train_accuracy) loss=$(last_metric "$WORK/$name/out" train_loss)
    eval "loss_$name=$loss"
    if float_ge "$acc" 0.95; then ok "ladder $name (train accuracy $acc, loss $loss)"
    else fail "ladder $name" "train accuracy $acc < 0.95"; fi
done
# Same network, data, epochs and learning rate: momentum and Adam reach a lower loss than SGD.
if [ -n "${loss_moons_sgd:-}" ] && [ -n "${loss_moons_momentum:-}" ] && [ -n "${loss_moons_adam:-}" ]; then
    if float_ge "$loss_moons_sgd" "$loss_moons_momentum" && float_ge "$loss_moons_sgd" "$loss_moons_adam"; then
        ok "ladder momentum and Adam beat SGD in as many epochs (loss $loss_moons_sgd vs $loss_moons_momentum, $loss_moons_adam)"
    else
        fail "ladder optimisers" "loss sgd $loss_moons_sgd, momentum $loss_moons_momentum, adam $loss_moons_adam"
    fi
fi

# Weight decay shrinks the weights: the decayed network's largest |w| is smaller.
if build overfit && build overfit_decay && run overfit && run overfit_decay; then
    norm() { $PY "$REF" show "$WORK/$1/out/$1.safetensors" | awk '/weight/ { for (i = 2; i <= NF; i++) s += $i * $i } END { printf "%.4g", sqrt(s) }'; }
    plain=$(norm overfit) decayed=$(norm overfit_decay)
    if float_ge "$plain" "$decayed" && ! float_ge "$decayed" "$plain"; then ok "ladder weight_decay shrinks |W| ($plain -> $decayed)"
    else fail "ladder weight_decay" "|W| $plain without, $decayed with"; fi
    # Over-fitting is visible: train accuracy far above test accuracy without decay.
    tr=$(last_metric "$WORK/overfit/out" train_accuracy) te=$(last_metric "$WORK/overfit/out" test_accuracy)
    if float_ge "$tr" "$(awk -v t="$te" 'BEGIN { print t + 0.1 }')"; then ok "ladder overfit: train accuracy $tr, test $te"
    else fail "ladder overfit" "train accuracy $tr, test $te: no gap"; fi
    check "ladder overfit plots valid SVG" $PY "$TOP/tests/svg_check.py" "$WORK/overfit/out/curves.svg" "$WORK/overfit/out/boundary.svg"
fi

if build early_stopping && run early_stopping; then
    last=$(awk -F, 'NR > 1 { e = $1 } END { print e }' "$WORK/early_stopping/out/metrics.csv")
    epochs=$(awk '/^epochs:/ { print $2 }' "$LADDER/early_stopping.yaml")
    best=$(sed -n 's/^restored the weights of epoch \([0-9]*\) (validation loss.*/\1/p' "$WORK/early_stopping/log")
    if grep -q "^early stopping at epoch $last: validation loss" "$WORK/early_stopping/log" && [ "$last" -lt "$epochs" ] &&
       [ -n "$best" ] && [ "$best" -lt "$last" ] && grep -q "^final: epoch $best " "$WORK/early_stopping/log"; then
        ok "ladder early_stopping stops at epoch $last of $epochs on the validation loss and keeps epoch $best"
    else
        fail "ladder early_stopping" "ran to epoch $last of $epochs without stopping on validation and keeping the best: $(tail -3 "$WORK/early_stopping/log")"
    fi
fi

finish
