#!/usr/bin/env bash
# t_targets.sh — normalize_targets carried to deployment: the inference kernel built from a
# regression network trained on scaled targets gives its outputs back in the targets' own units,
# as the training program's --predict does.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 2
$PY -c 'import numpy, yaml' 2>/dev/null || { skip targets "Debian's $PY has no numpy or yaml"; finish; }
$PY "$TOP/tests/reference/ref.py" data regression:2 300 7 r.csv
# targets far from 0 and 1, so unscaled outputs could not pass for scaled ones
awk -F, 'NR == 1 { print; next } { printf "%s,%s,%.17g,%.17g\n", $1, $2, 1000 + 50 * $3, -20 + 3 * $4 }' r.csv > big.csv
cat > reg.yaml <<'YAML'
input: 2
layers: [16, {units: 2, activation: linear}]
activation: tanh
optimizer: adam
learning_rate: 0.01
epochs: 200
normalize_targets: standard
data:
  train: big.csv
  normalize: standard
YAML
if ! "$NNCC" reg.yaml -o reg.c || ! build_c reg.c reg || ! ./reg --quiet --out o > /dev/null; then
    fail "targets: train"; finish
fi
cut -d, -f1,2 big.csv > x.csv
./reg --predict x.csv --out o > predict.csv 2> err || { fail "targets: --predict" "$(cat err)"; finish; }
if "$NNCC" reg.yaml --emit infer --weights o/reg.safetensors -o k.c > /dev/null 2> err &&
   gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -I. -DNET_H='"k.h"' -DNET=reg -DNET_U=REG \
       "$TOP/tests/deploy/host_main.c" k.c -lm -o host 2>> err; then
    ok "targets: kernel with target scaling builds strictly"
else
    fail "targets: kernel with target scaling builds strictly" "$(head -c 400 err)"; finish
fi
grep -q 'reg_target_scale\[2\]' k.c && ok "targets: the kernel bakes target.offset and target.scale" ||
    fail "targets: the kernel bakes target.offset and target.scale"
./host < x.csv | cut -d, -f1,2 > kernel.csv
$PY - predict.csv kernel.csv big.csv <<'PY' && ok "targets: kernel = --predict, in the targets' units" || fail "targets: kernel = --predict, in the targets' units"
import sys
import numpy as np
p = np.loadtxt(sys.argv[1], delimiter=",", ndmin=2)
k = np.loadtxt(sys.argv[2], delimiter=",", ndmin=2)
y = np.loadtxt(sys.argv[3], delimiter=",", skiprows=1, ndmin=2)[:, 2:]
assert p.shape == k.shape == y.shape, (p.shape, k.shape, y.shape)
rel = np.abs(p - k).max() / np.abs(p).max()
assert rel < 1e-5, f"kernel vs --predict: {rel:.3g}"
r2 = 1 - ((p - y) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0)
assert (r2 > 0.5).all(), f"R2 of the predictions in the targets' units: {r2}"
print(f"  max relative |kernel - predict| {rel:.2g}; R2 {r2.round(3)}", file=sys.stderr)
PY
finish
