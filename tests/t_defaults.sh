#!/usr/bin/env bash
# t_defaults.sh — what a user gets without asking: PyTorch's nn.Linear init, Rosenblatt's rule per
# sample, and data files checked when the program is made, not when it runs.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 2

# build NAME: NAME.yaml -> ./NAME (the generated source, built strictly)
build() { "$NNCC" "$1.yaml" -o "$1.c" && build_c "$1.c" "$1"; }

# The perceptron learns OR and AND with every default: per sample (batch_size 1), lr 0.1,
# shuffled, PyTorch's init.
for gate in or and; do
    cat > p_$gate.yaml <<YAML
input: 2
layers: [{units: 1, activation: step}]
data:
  train: {generator: $gate, samples: 4}
YAML
    if build p_$gate && ./p_$gate --quiet --out o_$gate; then
        acc=$(last_metric o_$gate train_accuracy)
        if [ "$acc" = 1 ]; then ok "perceptron learns ${gate^^} with the defaults"
        else fail "perceptron learns ${gate^^} with the defaults" "train accuracy $acc"; fi
    else
        fail "perceptron learns ${gate^^} with the defaults" "build or run failed"
    fi
done
grep -q '\.batch_size = 1,' p_or.c && ok "perceptron's default batch_size is 1" ||
    fail "perceptron's default batch_size is 1" "$(grep batch_size p_or.c)"

# init: auto (the default) is nn.Linear's: W and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
cat > init.yaml <<'YAML'
input: 50
layers: [40, 30, {units: 1, activation: sigmoid}]
activation: relu
epochs: 0
YAML
if build init && ./init --quiet --out o_init && $PY - o_init/init.safetensors <<'PY'
import json, struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
head = json.loads(raw[8:8 + n]); base = 8 + n
for name, fan_in in [("layers.0", 50), ("layers.1", 40), ("layers.2", 30)]:
    k = 1 / np.sqrt(fan_in)
    for t in ("weight", "bias"):
        h = head[f"{name}.{t}"]; a, b = h["data_offsets"]
        v = np.frombuffer(raw[base + a:base + b], dtype=np.float32).astype(np.float64)
        # bounded by k, and spread over it as a uniform is (max near k, std near k/sqrt(3))
        assert np.abs(v).max() <= k * (1 + 1e-6), (name, t, np.abs(v).max(), k)
        if v.size >= 30:
            assert np.abs(v).max() > 0.8 * k, (name, t, "not spread to the bound")
            assert abs(v.std() / (k / np.sqrt(3)) - 1) < 0.35, (name, t, v.std(), k / np.sqrt(3))
PY
then ok "default init is U(+-1/sqrt(fan_in)) for W and b (nn.Linear)"
else fail "default init is U(+-1/sqrt(fan_in)) for W and b (nn.Linear)"; fi
grep -q 'RT_INIT_AUTO' init.c && ! grep -q 'RT_INIT_NORMAL' init.c && ok "init.c names RT_INIT_AUTO" ||
    fail "init.c names RT_INIT_AUTO"

# A data file that does not fit fails when the program is made, at its key, and nothing is written.
printf 'a,b,c,d,e,y\n1,2,3,4,5,0\n' > five.csv
cat > misfit.yaml <<'YAML'
input: 4
layers: [8, 1]
data:
  train: five.csv
YAML
out=$("$NNCC" misfit.yaml -o misfit 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q '^misfit.yaml:4:10: error: five.csv:1: header has 6 columns; expected 5 (4 features, 1 label)' &&
   [ ! -e misfit ] && [ -z "$(ls | grep -v -e '\.yaml$' -e '\.csv$' -e '\.c$' -e '^o_' -e '^p_or$' -e '^p_and$' -e '^init$')" ]; then
    ok "nncc -o: a misfit data file is a located error, nothing written"
else
    fail "nncc -o: a misfit data file is a located error, nothing written" "rc $rc: $out"
fi
cat > missing.yaml <<'YAML'
input: 4
layers: [8, 1]
data:
  train: {path: nowhere.csv}
YAML
out=$("$NNCC" missing.yaml --check 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q '^missing.yaml:4:10: error: nowhere.csv: cannot open' &&
    ok "nncc --check: a missing data file is a located error" ||
    fail "nncc --check: a missing data file is a located error" "rc $rc: $out"
# ... while a file that fits passes, and the program still checks a path given when it runs.
printf 'a,b,c,d,y\n1,2,3,4,0\n2,3,4,5,1\n' > four.csv
sed 's/five.csv/four.csv/' misfit.yaml > fits.yaml
if build fits; then
    ok "nncc -o: a data file that fits"
    out=$(./fits --quiet --train five.csv --out o_fits 2>&1); rc=$?
    [ $rc -eq 1 ] && echo "$out" | grep -q 'five.csv:1: error: header has 6 columns' &&
        ok "a --train path is checked when the program runs" ||
        fail "a --train path is checked when the program runs" "rc $rc: $out"
else
    fail "nncc -o: a data file that fits"
fi
finish
