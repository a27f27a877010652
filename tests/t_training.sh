#!/usr/bin/env bash
# t_training.sh — the training loop of issue 11: learning-rate schedules against PyTorch's
# schedulers, the validation split (seeded, stratified, apart from the init and shuffle), early
# stopping that restores and saves the best epoch, --resume with both, regression metrics against
# numpy on --predict's output, normalize_targets, metrics.csv's columns and curves.svg's text.
source "$(dirname "$0")/lib.sh"

[ -x "$NNCC" ] || { fail "training" "build $NNCC first (make build)"; finish; }
HAVE_TORCH=0
$PY -c 'import torch, numpy' 2>/dev/null && HAVE_TORCH=1
HAVE_NUMPY=0
$PY -c 'import numpy' 2>/dev/null && HAVE_NUMPY=1

# net NAME YAML: writes $WORK/NAME/net.yaml and builds $WORK/NAME/train; false (with a FAIL) if not.
net() {
    local d=$WORK/$1
    mkdir -p "$d"
    printf '%s\n' "$2" > "$d/net.yaml"
    if ! out=$("$NNCC" "$d/net.yaml" -o "$d/train.c" 2>&1); then fail "training $1" "nncc: $out"; return 1; fi
    if ! out=$(build_c "$d/train.c" "$d/train" 2>&1); then fail "training $1" "cc: $(echo "$out" | head -n 5)"; return 1; fi
}

# column DIR NAME: metrics.csv's column NAME, one value a row (empty where not measured).
column() {
    awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next } { print (c ? $c : "?") }' "$1/metrics.csv"
}

# st_tensor FILE NAME: a tensor of a safetensors file, its values one a line (python reader).
st_tensor() {
    $PY - "$1" "$2" <<'EOF'
import json, struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
head = json.loads(raw[8:8 + n])
t = head[sys.argv[2]]
a, b = t["data_offsets"]
dt = {"F32": np.float32, "F64": np.float64}[t["dtype"]]
for v in np.frombuffer(raw[8 + n + a:8 + n + b], dtype=dt):
    print(repr(float(v)))
EOF
}

# st_meta FILE KEY: a string of the header's __metadata__.
st_meta() {
    $PY -c 'import json, struct, sys
raw = open(sys.argv[1], "rb").read(); n = struct.unpack("<Q", raw[:8])[0]
print(json.loads(raw[8:8 + n]).get("__metadata__", {}).get(sys.argv[2], ""))' "$1" "$2"
}

# ---- learning-rate schedules against torch.optim.lr_scheduler ------------------------------
# metrics.csv's lr of epoch k (1-based row) is the rate epoch k trained with: PyTorch's
# optimizer lr before the k-th scheduler.step().
sched_net() { # NAME SCHEDULE EPOCHS
    net "$1" "name: $1
input: 2
layers: [4, {units: 1, activation: sigmoid}]
learning_rate: 0.1
epochs: $3
log_every: 1
seed: 2
lr_schedule: $2
data:
  train: {generator: moons, samples: 40}"
}

TORCH_LR=$(cat <<'EOF'
import math, sys, warnings
import torch
warnings.filterwarnings("ignore")
kind, epochs, lr0, every, gamma, eta_min, warmup = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
L = torch.optim.lr_scheduler
p = [torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))]
opt = torch.optim.SGD(p, lr=lr0)
def main(total):
    if kind == "step": return L.StepLR(opt, step_size=every, gamma=gamma)
    if kind == "exponential": return L.ExponentialLR(opt, gamma=gamma)
    return L.CosineAnnealingLR(opt, T_max=total, eta_min=eta_min)
if warmup:
    sch = L.SequentialLR(opt, [L.LinearLR(opt, start_factor=1 / (warmup + 1), end_factor=1.0, total_iters=warmup),
                               main(epochs - warmup)], milestones=[warmup])
else:
    sch = main(epochs)
got = [float(v) for v in open(sys.argv[8]).read().split()]
want = []
for e in range(epochs):
    want.append(opt.param_groups[0]["lr"])
    opt.step()
    sch.step()
if len(got) != epochs:
    print(f"{len(got)} lr values for {epochs} epochs"); sys.exit(1)
worst = max(abs(g - w) / abs(w) for g, w in zip(got, want))
bad = [e for e, (g, w) in enumerate(zip(got, want)) if abs(g - w) > 1e-12 * abs(w)]
if bad:
    e = bad[0]; print(f"epoch {e}: nncc {got[e]!r}, torch {want[e]!r}"); sys.exit(1)
print(f"{worst:.2g}")
EOF
)

# name | yaml | torch arguments: kind epochs lr0 every gamma eta_min warmup
while IFS='|' read -r name yaml args; do
    [ -n "$name" ] || continue
    if [ $HAVE_TORCH = 0 ]; then skip "training lr $name" "no torch in $PY"; continue; fi
    read -r _ epochs _ <<< "$args"
    sched_net "$name" "$yaml" "$epochs" || continue
    d=$WORK/$name
    (cd "$d" && ./train --quiet --out out > log 2>&1) || { fail "training lr $name" "exit $?: $(tail -n 2 "$d/log")"; continue; }
    column "$d/out" lr | tail -n +2 > "$d/lr.txt"
    if res=$($PY -c "$TORCH_LR" $args "$d/lr.txt" 2>&1); then ok "training lr $name: $epochs epochs as torch's schedulers (largest relative difference $res)"
    else fail "training lr $name" "$res"; fi
done <<'EOF'
step|{name: step, every: 7, gamma: 0.5}|step 40 0.1 7 0.5 0 0
exponential|{name: exponential, gamma: 0.93}|exponential 40 0.1 1 0.93 0 0
cosine|{name: cosine, min: 0.001}|cosine 40 0.1 1 1 0.001 0
cosine0|{name: cosine}|cosine 37 0.1 1 1 0 0
step_warmup|{name: step, every: 5, gamma: 0.3, warmup: 4}|step 40 0.1 5 0.3 0 4
exponential_warmup|{name: exponential, gamma: 0.9, warmup: 1}|exponential 30 0.1 1 0.9 0 1
cosine_warmup|{name: cosine, min: 0.002, warmup: 6}|cosine 40 0.1 1 1 0.002 6
EOF

# --learning-rate replaces lr0 of the schedule; epoch 0's row has no lr (nothing trained).
if [ $HAVE_TORCH = 1 ] && [ -x "$WORK/cosine_warmup/train" ]; then
    d=$WORK/cosine_warmup
    (cd "$d" && ./train --quiet --learning-rate 0.037 --out lr2 > /dev/null 2>&1)
    column "$d/lr2" lr | tail -n +2 > "$d/lr2.txt"
    first=$(column "$d/lr2" lr | head -n 1)
    if [ -n "$first" ]; then fail "training lr --learning-rate" "epoch 0's row has lr '$first'"
    elif res=$($PY -c "$TORCH_LR" cosine 40 0.037 1 1 0.002 6 "$d/lr2.txt" 2>&1); then ok "training lr --learning-rate 0.037 scales the schedule as torch's (relative $res)"
    else fail "training lr --learning-rate" "$res"; fi
fi

# ---- the validation split -------------------------------------------------------------------
# 93 samples of 3 classes (50, 30, 13), validation 0.2: each class gives round(0.2 x count) =
# 10, 6, 3. Counted through the validation accuracy of networks that always answer class c
# (given weights, epochs 0): val_accuracy x 19 is the number of validation samples of class c.
mkdir -p "$WORK/split"
awk 'BEGIN { print "x1,x2,label"; for (i = 0; i < 93; i++) { c = i < 50 ? 0 : i < 80 ? 1 : 2; printf "%d,%d,%d\n", i, i % 7, c } }' > "$WORK/split/three.csv"
counts=""
for c in 0 1 2; do
    bias="[0, 0, 0]"; bias=$(echo "$bias" | awk -v c=$c -F', ' '{ v[0] = 0; v[1] = 0; v[2] = 0; v[c] = 5; printf "[%d, %d, %d]", v[0], v[1], v[2] }')
    net "split$c" "name: split$c
input: 2
layers: [{units: 3, activation: softmax, weights: [[0, 0], [0, 0], [0, 0]], bias: $bias}]
epochs: 0
seed: 11
data:
  train: $WORK/split/three.csv
  validation: 0.2" || continue
    d=$WORK/split$c
    (cd "$d" && ./train --out out > log 2>&1)
    acc=$(column "$d/out" val_accuracy | head -n 1)
    counts="$counts $(awk -v a="$acc" 'BEGIN { printf "%d", a * 19 + 0.5 }')"
done
line=$(grep '^validation:' "$WORK/split0/log" 2>/dev/null)
if [ "$counts" = " 10 6 3" ] && echo "$line" | grep -q '19 of 93 training samples held out.*stratified.*training on 74'; then
    ok "training validation stratified: classes of 50, 30, 13 give 10, 6, 3 of 19 ($line)"
else
    fail "training validation stratified" "per class:$counts (want 10 6 3); '$line'"
fi

# Deterministic: the same seed holds out the same samples (same validation loss, bit for bit);
# a run without validation has the same initial weights as one with it (the split draws from a
# stream of its own), and another seed holds out other samples.
split_net() { # NAME VALIDATION_LINE SEED
    net "$1" "name: $1
input: 2
layers: [8, {units: 1, activation: sigmoid}]
activation: tanh
epochs: 0
seed: $3
data:
  train: {generator: moons, samples: 200, noise: 0.2}
  $2"
}
if split_net det_a 'validation: 0.25' 4 && split_net det_b 'validation: 0.25' 4 && split_net det_c 'validation: 0.25' 5 &&
    split_net det_none '' 4; then
    for n in det_a det_b det_c det_none; do (cd "$WORK/$n" && ./train --quiet --out out > /dev/null 2>&1); done
    va=$(column "$WORK/det_a/out" val_loss) vb=$(column "$WORK/det_b/out" val_loss) vc=$(column "$WORK/det_c/out" val_loss)
    wa=$(st_tensor "$WORK/det_a/out/det_a.safetensors" layers.0.weight | md5sum)
    wn=$(st_tensor "$WORK/det_none/out/det_none.safetensors" layers.0.weight | md5sum)
    if [ -n "$va" ] && [ "$va" = "$vb" ] && [ "$va" != "$vc" ] && [ "$wa" = "$wn" ]; then
        ok "training validation deterministic: seed 4 twice gives val loss $va, seed 5 $vc; initial weights as without validation"
    else
        fail "training validation deterministic" "val loss $va / $vb (same seed), $vc (other seed); weights $( [ "$wa" = "$wn" ] && echo same || echo differ) from the run without validation"
    fi
fi

# A validation source: loaded as the test set is (the same file gives the same loss), and the
# training set stays whole.
awk 'BEGIN { print "x1,x2,label"; for (i = 0; i < 60; i++) printf "%.3f,%.3f,%d\n", (i % 10) / 5 - 1, int(i / 10) / 3 - 1, ((i % 10) + int(i / 10) > 8) }' > "$WORK/split/grid.csv"
if net valsrc "name: valsrc
input: 2
layers: [8, {units: 1, activation: sigmoid}]
epochs: 3
log_every: 1
early_stopping: {patience: 2}
data:
  train: {generator: moons, samples: 100, noise: 0.2}
  validation: $WORK/split/grid.csv
  test: $WORK/split/grid.csv"; then
    d=$WORK/valsrc
    (cd "$d" && ./train --out out > log 2>&1)
    vl=$(column "$d/out" val_loss | tr '\n' ' ') tl=$(column "$d/out" test_loss | tr '\n' ' ')
    if grep -q "^validation: .*grid.csv: 60 samples" "$d/log" && ! grep -q "held out" "$d/log" && [ -n "${vl// /}" ] && [ "$vl" = "$tl" ]; then
        ok "training validation source: 60 samples of grid.csv, val_loss = test_loss of the same file every epoch"
    else
        fail "training validation source" "$(grep -E '^validation|held out' "$d/log"); val_loss $vl, test_loss $tl"
    fi
fi

# ---- early stopping keeps the best epoch -----------------------------------------------------
ES='input: 2
layers: [32, 32, {units: 1, activation: sigmoid}]
activation: relu
optimizer: adam
learning_rate: 0.03
batch_size: 8
log_every: 1
seed: 7
data:
  train: {generator: moons, samples: 120, noise: 0.35}
  test: {generator: moons, samples: 100, noise: 0.35}
  validation: 0.3'
if net es "name: es
epochs: 300
early_stopping: {patience: 8}
$ES"; then
    d=$WORK/es
    (cd "$d" && ./train --out out > log 2>&1)
    rc=$?
    best=$(column "$d/out" val_loss | awk 'NR > 1 && (m == "" || $1 + 0 < m + 0) { m = $1; e = NR - 1 } END { print e }')
    minloss=$(column "$d/out" val_loss | awk 'NR > 1 && (m == "" || $1 + 0 < m + 0) { m = $1 } END { print m }')
    last=$(column "$d/out" epoch | tail -n 1)
    saved_epoch=$(st_meta "$d/out/es.safetensors" epoch)
    # the saved weights' validation loss, measured by the program itself from those weights
    (cd "$d" && ./train --quiet --weights out/es.safetensors --epochs 0 --out again > /dev/null 2>&1)
    again=$(column "$d/again" val_loss | head -n 1)
    if [ $rc != 0 ]; then
        fail "training early stopping" "exit $rc: $(tail -n 3 "$d/log")"
    elif ! grep -q "^early stopping at epoch $last: validation loss" "$d/log"; then
        fail "training early stopping" "no 'early stopping at epoch $last: validation loss' line: $(grep -i stop "$d/log")"
    elif [ "$best" = "$last" ]; then
        skip "training early stopping restores" "the best epoch was the last ($last): nothing to restore"
    elif ! grep -q "^restored the weights of epoch $best (validation loss " "$d/log"; then
        fail "training early stopping restores" "lowest val_loss at epoch $best, log says: $(grep -i 'weights of' "$d/log")"
    elif [ "$saved_epoch" != "$best" ] || [ "$again" != "$minloss" ]; then
        fail "training early stopping saves" "weights file of epoch '$saved_epoch' with val loss '$again'; lowest in metrics.csv $minloss at epoch $best"
    else
        ok "training early stopping: stopped at epoch $last, restored and saved epoch $best (val loss $again = min of metrics.csv)"
    fi
    if grep -q "dotted line: epoch $best, lowest validation loss" "$d/out/curves.svg" && ! grep -q "lowest test loss" "$d/out/curves.svg"; then
        ok "training curves.svg marks the saved epoch $best, naming validation"
    else
        fail "training curves.svg marker" "no marker of epoch $best naming validation"
    fi
    # The final summary and confusion matrix describe the saved weights.
    summary_val=$(grep '^final: epoch' "$d/log" | sed -n 's/.*validation loss \([0-9.]*\).*/\1/p')
    if grep -q "^final: epoch $best " "$d/log" && awk -v a="$summary_val" -v b="$minloss" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }'; then
        ok "training summary names epoch $best and its validation loss $summary_val"
    else
        fail "training summary" "$(grep '^final:' "$d/log")"
    fi
fi

# Without data.validation, early stopping holds out 10% and says so.
if net es10 "name: es10
input: 2
layers: [8, {units: 1, activation: sigmoid}]
epochs: 30
early_stopping: {patience: 3}
data:
  train: {generator: moons, samples: 200, noise: 0.2}"; then
    d=$WORK/es10
    (cd "$d" && ./train --out out > log 2>&1)
    if grep -q 'holding out 10% of the training set' "$d/log" && grep -q '^validation: 20 of 200 training samples held out' "$d/log" &&
        [ -n "$(column "$d/out" val_loss | tail -n 1)" ]; then
        ok "training early stopping without validation data: 10% held out, said once"
    else
        fail "training early stopping without validation data" "$(grep -E 'validation|holding' "$d/log" | head -n 3)"
    fi
fi

# ---- --resume with a schedule and early stopping ----------------------------------------------
# The second part starts after the best epoch, with epochs without improvement counted: the
# restored weights can only come from the checkpoint's copy of the best epoch.
if net res "name: res
epochs: 300
log_every: 3
lr_schedule: {name: step, every: 4, gamma: 0.7, warmup: 2}
early_stopping: {patience: 8}
$(echo "$ES" | grep -v '^log_every')"; then
    d=$WORK/res
    (cd "$d" && ./train --quiet --threads 1 --out whole > /dev/null 2>&1)
    stop=$(column "$d/whole" epoch | tail -n 1)
    k=$((stop - 3))
    (cd "$d" && ./train --quiet --threads 1 --epochs $k --out part > /dev/null 2>&1 &&
        ./train --threads 1 --resume --out part > part.log 2>&1)
    rc=$?
    # every row of the whole run (seconds aside) is in the resumed run's metrics
    missing=$(awk -F, 'NR == FNR { $6 = ""; seen[$0] = 1; next } { $6 = "" } !($0 in seen) { print $1 }' \
        "$d/part/metrics.csv" "$d/whole/metrics.csv" | tr '\n' ' ')
    if [ $rc != 0 ]; then
        fail "training resume with schedule and early stopping" "exit $rc: $(tail -n 2 "$d/part.log")"
    elif ! cmp -s "$d/whole/res.safetensors" "$d/part/res.safetensors"; then
        fail "training resume with schedule and early stopping" "weights differ (whole run stopped at $stop, resumed at $k): $(grep -E 'restored|stopping' "$d/part.log")"
    elif [ -n "$missing" ]; then
        fail "training resume with schedule and early stopping" "metrics rows of epochs $missing differ"
    else
        ok "training resume at epoch $k of a run early-stopped at $stop: weights file and metrics identical ($(grep -o 'restored the weights of epoch [0-9]*' "$d/part.log"))"
    fi
fi

# ---- regression: R^2, RMSE, MAE; normalize_targets ---------------------------------------------
if [ $HAVE_NUMPY = 1 ]; then
    mkdir -p "$WORK/reg"
    $PY - "$WORK/reg" <<'EOF'
import sys
import numpy as np
rng = np.random.default_rng(3)
def make(n):
    x = rng.uniform(-2, 2, (n, 3))
    y1 = 1000 + 80 * np.sin(x[:, 0]) + 40 * x[:, 1] * x[:, 2] + rng.normal(0, 3, n)
    y2 = -0.02 + 0.01 * x[:, 0] ** 2 + rng.normal(0, 0.001, n)
    return np.column_stack([x, y1, y2])
for name, n in (("train", 300), ("test", 120)):
    np.savetxt(f"{sys.argv[1]}/{name}.csv", make(n), delimiter=",", fmt="%.9g", header="a,b,c,y1,y2", comments="")
EOF
    REG="input: 3
layers: [32, 32, {units: 2, activation: linear}]
activation: tanh
loss: mse
optimizer: adam
learning_rate: 0.01
batch_size: 16
epochs: 60
log_every: 10
seed: 1
precision: float64
data:
  train: $WORK/reg/train.csv
  test: $WORK/reg/test.csv
  normalize: standard"
    REG_CHECK=$(cat <<'EOF'
import sys
import numpy as np
test, pred, want = sys.argv[1], sys.argv[2], [float(v) for v in sys.argv[3:6]]
y = np.loadtxt(test, delimiter=",", skiprows=1)[:, 3:]
p = np.loadtxt(pred, delimiter=",").reshape(y.shape)
r2 = np.mean(1 - ((y - p) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0))   # sklearn r2_score, uniform_average
rmse = np.sqrt(((y - p) ** 2).mean())
mae = np.abs(y - p).mean()
for name, got, ref in (("R2", want[0], r2), ("RMSE", want[1], rmse), ("MAE", want[2], mae)):
    if not abs(got - ref) <= 1e-6 * max(abs(ref), 1e-3):
        print(f"{name}: metrics.csv {got!r}, numpy from --predict {ref!r}"); sys.exit(1)
print(f"R2 {r2:.4f} RMSE {rmse:.4g} MAE {mae:.4g}")
EOF
)
    for kind in none standard minmax; do
        net "reg_$kind" "name: reg_$kind
normalize_targets: $kind
$REG" || continue
        d=$WORK/reg_$kind
        (cd "$d" && ./train --out out > log 2>&1 && ./train --out out --predict "$WORK/reg/test.csv" > pred.txt 2> pred.err)
        rc=$?
        r2=$(last_metric "$d/out" test_r2) rmse=$(last_metric "$d/out" test_rmse) mae=$(last_metric "$d/out" test_mae)
        if [ $rc != 0 ]; then fail "training regression $kind" "exit $rc: $(tail -n 2 "$d/log" "$d/pred.err")"; continue; fi
        if res=$($PY -c "$REG_CHECK" "$WORK/reg/test.csv" "$d/pred.txt" "$r2" "$rmse" "$mae" 2>&1); then
            ok "training regression normalize_targets: $kind: metrics.csv's test R2/RMSE/MAE = numpy's on --predict ($res)"
        else
            fail "training regression normalize_targets: $kind" "$res"
        fi
        eval "r2_$kind=$r2"
        if ! grep -q "^final: .* R2 [-0-9.]* RMSE" "$d/log" || ! grep -q "R2 " <(grep '^epoch' "$d/log"); then
            fail "training regression $kind log" "no R2 in the log rows or the summary"
        fi
    done
    # The scaling is the training targets' (per output), stored as target.offset / target.scale.
    if [ -f "$WORK/reg_standard/out/reg_standard.safetensors" ] && [ -f "$WORK/reg_minmax/out/reg_minmax.safetensors" ]; then
        res=$($PY - "$WORK/reg/train.csv" \
            "$(st_tensor "$WORK/reg_standard/out/reg_standard.safetensors" target.offset | tr '\n' ' ')" \
            "$(st_tensor "$WORK/reg_standard/out/reg_standard.safetensors" target.scale | tr '\n' ' ')" \
            "$(st_tensor "$WORK/reg_minmax/out/reg_minmax.safetensors" target.offset | tr '\n' ' ')" \
            "$(st_tensor "$WORK/reg_minmax/out/reg_minmax.safetensors" target.scale | tr '\n' ' ')" 2>&1 <<'EOF'
import sys
import numpy as np
y = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)[:, 3:]
got = [np.array([float(v) for v in a.split()]) for a in sys.argv[2:6]]
want = [y.mean(0), 1 / y.std(0), y.min(0), 1 / (y.max(0) - y.min(0))]
for name, g, w in zip(("standard offset", "standard scale", "minmax offset", "minmax scale"), got, want):
    if g.shape != w.shape or not np.allclose(g, w, rtol=1e-9, atol=0):
        print(f"{name}: {g} in the weights, {w} from the targets"); sys.exit(1)
print(f"offset {want[0]}, scale {want[1]}")
EOF
        ) && ok "training normalize_targets: target.offset/target.scale are the training targets' ($res)" ||
            fail "training normalize_targets tensors" "$res"
        if $PY - "$WORK/reg_none/out/reg_none.safetensors" <<'EOF' 2>/dev/null; then
import json, struct, sys
raw = open(sys.argv[1], "rb").read(); n = struct.unpack("<Q", raw[:8])[0]
sys.exit(1 if "target.offset" in json.loads(raw[8:8 + n]) else 0)
EOF
            ok "training normalize_targets: none writes no target tensors"
        else
            fail "training normalize_targets: none" "target tensors written without target scaling"
        fi
        # Scaled targets help here (outputs 1000 and 0.01 apart in size): R2 better than without.
        if float_ge "${r2_standard:-0}" "${r2_none:-1}"; then ok "training normalize_targets standard: test R2 ${r2_standard:-?} >= ${r2_none:-?} without"
        else fail "training normalize_targets standard" "test R2 ${r2_standard:-?}, without ${r2_none:-?}"; fi
    fi
else
    skip "training regression" "no numpy in $PY"
fi

# ---- metrics.csv's columns ---------------------------------------------------------------------
want_cls="epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,lr,val_loss,val_accuracy"
want_reg="$want_cls,train_r2,train_rmse,train_mae,val_r2,val_rmse,val_mae,test_r2,test_rmse,test_mae"
got_cls=$(head -n 1 "$WORK/es/out/metrics.csv" 2>/dev/null) got_reg=$(head -n 1 "$WORK/reg_none/out/metrics.csv" 2>/dev/null)
if [ "$got_cls" = "$want_cls" ] && { [ $HAVE_NUMPY = 0 ] || [ "$got_reg" = "$want_reg" ]; }; then
    ok "training metrics.csv columns: SPEC's six first, then lr, val_*, and R2/RMSE/MAE for regression"
else
    fail "training metrics.csv columns" "classifier '$got_cls', regression '$got_reg'"
fi
# every row has as many fields as the header
bad=$(for f in "$WORK"/*/out/metrics.csv; do awk -F, -v f="$f" 'NR == 1 { n = NF } NF != n { print f ":" NR; exit }' "$f"; done)
if [ -z "$bad" ]; then ok "training metrics.csv rows as wide as their header"; else fail "training metrics.csv rows" "$bad"; fi

# ---- curves.svg: R2 for regression, no text over text -------------------------------------------
SVG_TEXT=$(cat <<'EOF'
import re, sys
import xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
def boxes(path):
    out = []
    for el in ET.parse(path).getroot().iter(NS + "text"):
        s = "".join(el.itertext())
        size = float(el.get("font-size", 12))
        x, y = float(el.get("x")), float(el.get("y"))
        w, h = 0.6 * size * len(s), size * 0.8
        a = el.get("text-anchor", "start")
        x0 = x - w if a == "end" else x - w / 2 if a == "middle" else x
        box = [x0, y - h, x0 + w, y]
        if "rotate(-90" in (el.get("transform") or ""):
            box = [x - h, y - w / 2, x, y + w / 2]
        out.append((s, box))
    return out
bad = []
for path in sys.argv[1:]:
    b = boxes(path)
    for i in range(len(b)):
        for j in range(i + 1, len(b)):
            (s, p), (t, q) = b[i], b[j]
            if p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]:
                bad.append(f"{path.split('/')[-3]}: '{s}' over '{t}'")
print("; ".join(bad[:4]))
sys.exit(1 if bad else 0)
EOF
)
svgs=$(ls "$WORK"/es/out/curves.svg "$WORK"/reg_*/out/curves.svg "$WORK"/es10/out/curves.svg 2>/dev/null)
if [ -n "$svgs" ] && res=$($PY -c "$SVG_TEXT" $svgs 2>&1); then ok "training curves.svg: no text over text ($(echo $svgs | wc -w) plots)"
else fail "training curves.svg text" "${res:-no plots}"; fi
if [ -f "$WORK/reg_none/out/curves.svg" ]; then
    f=$WORK/reg_none/out/curves.svg
    if grep -q '>R²<' "$f" && ! grep -q 'no accuracy' "$f" && [ "$(grep -c '<polyline' "$f")" -ge 4 ]; then
        ok "training curves.svg of a regression shows R² (train, test), not an empty panel"
    else
        fail "training curves.svg regression" "no R² panel"
    fi
    check "training curves.svg valid SVG" $PY "$TOP/tests/svg_check.py" $svgs
fi

finish
