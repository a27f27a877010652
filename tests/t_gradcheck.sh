#!/usr/bin/env bash
# t_gradcheck.sh — --gradcheck (central differences against the generated back-propagation, at
# float64) over every activation x loss that validation allows. The names come from
# compiler/registry.h, so an activation or loss added there is covered the day it is added.
# Each activation is tried in the hidden layers (two of them, so dZ propagates through it twice)
# and as the output layer; validation decides which combinations exist. Then the check is shown
# able to fail: a gradient corrupted in the generated C must be caught.
source "$(dirname "$0")/lib.sh"
REGISTRY=$TOP/compiler/registry.h

# The quoted names of the rows of one X-macro table of registry.h.
names() {
    awk -v table="$1" '
        $0 ~ "^#define " table "\\(X\\)" { on = 1; next }
        on && /X\(/ { if (match($0, /"[^"]*"/)) print substr($0, RSTART + 1, RLENGTH - 2) }
        on && !/\\$/ { on = 0 }' "$REGISTRY"
}
ACTIVATIONS=$(names ACTIVATIONS)
LOSSES=$(names LOSSES)
n_act=$(echo "$ACTIVATIONS" | wc -w) n_loss=$(echo "$LOSSES" | wc -w)
if [ "$n_act" -lt 7 ] || [ "$n_loss" -lt 4 ]; then
    fail "gradcheck registry" "read $n_act activations ($ACTIVATIONS) and $n_loss losses ($LOSSES) from $REGISTRY"
    finish
fi

# The output layer each loss is made for, and its width.
natural_output() {
    case $1 in
    log_loss) echo "1 sigmoid" ;; cross_entropy) echo "3 softmax" ;; perceptron) echo "1 step" ;; *) echo "3 linear" ;;
    esac
}
# Output width for an activation under a loss: 1 where the loss needs one unit.
width() { case $1 in log_loss | perceptron) echo 1 ;; *) echo 3 ;; esac; }

# gradcheck NAME YAML-LAYERS LOSS [PRECISION]: writes, validates and gradchecks a network.
# Returns 2 when validation rejects it (a combination that does not exist), else records ok/FAIL.
worst_all=0 worst_case=""
gradcheck() {
    local name=$1 layers=$2 loss=$3 precision=${4:-float64} d=$WORK/$1
    mkdir -p "$d"
    printf 'name: gc\ninput: 2\nlayers: %s\nloss: %s\nprecision: %s\nseed: 7\ndata: {normalize: standard}\n' \
        "$layers" "$loss" "$precision" > "$d/net.yaml"
    "$NNCC" "$d/net.yaml" --check > /dev/null 2> "$d/err" || return 2
    if ! "$NNCC" "$d/net.yaml" -o "$d/train.c" 2>> "$d/err" || ! build_c "$d/train.c" "$d/train" gcc 2>> "$d/err"; then
        fail "gradcheck $name" "does not build: $(head -c 300 "$d/err")"
        return 1
    fi
    local out rc
    out=$("$d/train" --gradcheck --quiet --threads 1 2>&1)
    rc=$?
    if [ "$loss" = perceptron ]; then
        if [ $rc = 0 ] && echo "$out" | grep -q "not applicable"; then ok "gradcheck $name (not applicable: $out)"
        else fail "gradcheck $name" "exit $rc: $out"; fi
        return 0
    fi
    local worst
    worst=$(echo "$out" | sed -n 's/.*worst relative error \([^ ]*\) .*/\1/p')
    if [ $rc = 0 ] && echo "$out" | grep -q ": ok$" && [ -n "$worst" ]; then
        ok "gradcheck $name (worst relative error $worst)"
        if [ "$precision" = float64 ] && float_ge "$worst" "$worst_all"; then worst_all=$worst worst_case=$name; fi
    else
        fail "gradcheck $name" "exit $rc: $out"
    fi
}

passed=0 rejected=""
for loss in $LOSSES; do
    read -r units out_act <<< "$(natural_output "$loss")"
    for act in $ACTIVATIONS; do
        # act in both hidden layers (20 x 20 = 400 weights: the sampled path for large tensors)
        gradcheck "hidden-$act-$loss" "[{units: 6, activation: $act}, {units: 20, activation: $act}, {units: 20, activation: $act}, {units: $units, activation: $out_act}]" "$loss"
        case $? in 0) passed=$((passed + 1)) ;; 2) rejected="$rejected hidden-$act-$loss" ;; esac
        # act as the output layer (above a trainable tanh layer, or alone: the perceptron trains
        # only its output layer)
        below="{units: 5, activation: tanh}, "
        [ "$loss" = perceptron ] && below=""
        gradcheck "output-$act-$loss" "[$below{units: $(width "$loss"), activation: $act}]" "$loss"
        case $? in 0) passed=$((passed + 1)) ;; 2) rejected="$rejected output-$act-$loss" ;; esac
    done
done
echo "# gradcheck: $passed combinations checked; rejected by validation:$rejected"

# Combinations that must exist: a validation change that rejected them would hide them from the
# loop above. A step layer frozen with given weights below a trainable output: gradients stop at it.
for must in hidden-sigmoid-log_loss hidden-relu-cross_entropy hidden-tanh-mse output-sigmoid-log_loss \
    output-softmax-cross_entropy output-linear-mse output-softmax-mse output-step-perceptron; do
    case " $rejected " in *" $must "*) fail "gradcheck $must" "rejected by validation: $(cat "$WORK/$must/err" | head -c 300)" ;; esac
done
gradcheck frozen-step-below-sigmoid "[{units: 2, activation: step, weights: [[1, 1], [-1, -1]], bias: [0, 0.5], trainable: false}, {units: 4, activation: tanh}, {units: 1, activation: sigmoid}]" log_loss
[ $? = 2 ] && fail "gradcheck frozen-step-below-sigmoid" "rejected: $(head -c 300 "$WORK/frozen-step-below-sigmoid/err")"
gradcheck float32-tanh-log_loss "[8, {units: 1, activation: sigmoid}]" log_loss float32
[ -n "$worst_case" ] && echo "# gradcheck: worst at float64: $worst_all ($worst_case)"

# ---- the check can fail ------------------------------------------------------------------------
# corrupt NAME SED-EXPR: gradcheck of a copy of a passing program with its C edited by SED-EXPR
# must exit non-zero and say FAILED.
corrupt() {
    local name=$1 expr=$2 base=$WORK/hidden-sigmoid-log_loss d=$WORK/corrupt-$1
    mkdir -p "$d"
    sed -e "$expr" "$base/train.c" > "$d/train.c"
    if cmp -s "$base/train.c" "$d/train.c"; then
        fail "gradcheck catches $name" "the sed '$expr' changed nothing: the generated code changed shape"
        return
    fi
    build_c "$d/train.c" "$d/train" gcc || { fail "gradcheck catches $name" "corrupted program does not build"; return; }
    local out rc
    out=$("$d/train" --gradcheck --quiet --threads 1 2>&1)
    rc=$?
    if [ $rc != 0 ] && echo "$out" | grep -q "FAILED"; then ok "gradcheck catches $name (exit $rc: ${out#gradcheck: })"
    else fail "gradcheck catches $name" "exit $rc: $out"; fi
}
if [ -x "$WORK/hidden-sigmoid-log_loss/train" ]; then
    corrupt "a wrong activation derivative" 's/return a \* (R(1) - a);/return a * (R(1.02) - a);/'
    corrupt "a wrong output gradient" 's/dz\[r\] = a\[r\] - (real)y\[r\];/dz[r] = R(1.01) * (a[r] - (real)y[r]);/'
    corrupt "a dropped bias gradient" 's/, m, &one, 0, 0, gc_dz2\[0\]/, 0, \&one, 0, 0, gc_dz2[0]/'
fi

finish
