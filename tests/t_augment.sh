#!/usr/bin/env bash
# t_augment.sh — data.augment: random horizontal flips and shifts of training images, checked
# against numpy's flip and shift of the same images, the choices' distribution, and the training
# program: augmented batches only, --resume bit for bit, the same on 2 MPI ranks.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 2
$PY -c 'import numpy' 2>/dev/null || { skip augment "Debian's $PY has no numpy"; finish; }

if ! gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 $SAN_FLAGS -I"$RTINC" "$TOP/tests/augment_tool.c" "$RTLIB" \
        $RT_LIBS -lm -fopenmp -o tool 2> tool.err; then
    fail "augment: the tool builds" "$(head -5 tool.err)"; finish
fi

# reference FILE C H W SHIFT [norm]: every printed image against numpy's flip, then shift with
# zeros, of the sample's pixels (1 + index); normalised by (v - 0.25 j) * 2 with norm.
reference() {
    $PY - "$@" <<'PY'
import sys
import numpy as np
path, C, H, W, shift = sys.argv[1], *map(int, sys.argv[2:6])
norm = len(sys.argv) > 6
lines = open(path).read().split("\n")
u8 = "u8" in path
d = C * H * W
checked = 0
for head, vals in zip(lines[0::2], lines[1::2]):
    _, step, _, sample, _, flip, _, dx, _, dy = head.split()
    sample, flip, dx, dy = int(sample), int(flip), int(dx), int(dy)
    assert -shift <= dx <= shift and -shift <= dy <= shift, head
    raw = np.arange(sample * d, (sample + 1) * d, dtype=np.float64)
    raw = (raw % 250 + 1) if u8 else raw + 1
    img = raw.reshape(C, H, W)
    if flip:
        img = img[:, :, ::-1]
    want = np.zeros_like(img)
    ys, yd = (slice(0, H - dy), slice(dy, H)) if dy >= 0 else (slice(-dy, H), slice(0, H + dy))
    xs, xd = (slice(0, W - dx), slice(dx, W)) if dx >= 0 else (slice(-dx, W), slice(0, W + dx))
    want[:, yd, xd] = img[:, ys, xs]
    want = want.reshape(-1)
    if norm:
        want = (want - 0.25 * np.arange(d)) * 2
    got = np.array(vals.split(), dtype=np.float64)
    if "float" in path:
        want = want.astype(np.float32).astype(np.float64)
    assert np.array_equal(got, want), (head, got, want)
    checked += 1
print(checked)
PY
}
for form in "f64 double" "u8 float" "f64 float norm" "u8 double norm"; do
    set -- $form
    out="aug_${1}_${2}_${3:-raw}"
    if ./tool 2 5 7 1 2 11 20 16 $form > "$out" && n=$(reference "$out" 2 5 7 2 ${3:-}); then
        ok "augment: $n images ($form) = numpy's flip and zero-filled shift"
    else
        fail "augment: images ($form) = numpy's flip and zero-filled shift"
    fi
done
./tool 1 4 4 0 3 5 3 8 f64 double > noflip && reference noflip 1 4 4 3 >/dev/null && ! grep -q 'flip 1' noflip &&
    ok "augment: flip none never flips; shift 3 on a 4 x 4 image" || fail "augment: flip none never flips; shift 3 on a 4 x 4 image"
./tool 2 5 7 1 2 11 20 16 f64 double > again && cmp -s again aug_f64_double_raw &&
    ok "augment: the same seed gives the same batches" || fail "augment: the same seed gives the same batches"

# The choices: a fair coin for the flip, dx and dy uniform over -2..2, independent of each other.
./tool 1 5 5 1 2 3 500 16 f64 double | grep '^step' > choices
if $PY - choices <<'PY'
import sys
import numpy as np
c = np.array([[int(w) for w in l.split()[5::2]] for l in open(sys.argv[1])])  # flip, dx, dy
n = len(c)
assert n == 8000, n
p = c[:, 0].mean()
assert abs(p - 0.5) < 4 * (0.25 / n) ** 0.5, p               # 4 sigma
for k in (1, 2):
    counts = np.bincount(c[:, k] + 2, minlength=5)
    chi2 = ((counts - n / 5) ** 2 / (n / 5)).sum()
    assert chi2 < 18.5, (k, counts, chi2)                       # p = 0.001 at 4 degrees of freedom
joint = np.bincount((c[:, 1] + 2) * 5 + c[:, 2] + 2, minlength=25)
chi2 = ((joint - n / 25) ** 2 / (n / 25)).sum()
assert chi2 < 51.2, (joint, chi2)                               # p = 0.001 at 24 degrees of freedom
PY
then ok "augment: flips are a fair coin, shifts uniform and independent (8000 draws)"
else fail "augment: flips are a fair coin, shifts uniform and independent (8000 draws)"; fi

# ---- the training program ----------------------------------------------------------------------
# Tiny 1 x 8 x 8 images of two classes (a bright left half or a bright top half).
$PY - <<'PY'
import numpy as np
rng = np.random.default_rng(3)
rows = []
for i in range(200):
    img = rng.uniform(0, 40, (8, 8))
    k = i % 2
    if k: img[:4, :] += 150
    else: img[:, :4] += 150
    rows.append(np.r_[np.clip(img, 0, 255).round().reshape(-1), k])
np.savetxt("img.csv", np.array(rows), delimiter=",", fmt="%g")
PY
cat > img.yaml <<'YAML'
name: img
input: [1, 8, 8]
layers: [{units: 16, activation: relu}, {units: 1, activation: sigmoid}]
precision: float64
optimizer: adam
learning_rate: 0.01
batch_size: 20
epochs: 30
log_every: 5
seed: 2
data:
  train: img.csv
  normalize: minmax
  augment: {flip: horizontal, shift: 2}
YAML
sed 's/^  augment:.*//; s/^name: img/name: plain/' img.yaml > plain.yaml
if "$NNCC" img.yaml -o img.c && build_c img.c img && "$NNCC" plain.yaml -o plain.c && build_c plain.c plain; then
    ok "augment: the program builds"
else
    fail "augment: the program builds"; finish
fi
grep -q '\.augment_flip = 1,' img.c && grep -q '\.image = {1, 8, 8},' img.c && ! grep -q augment plain.c &&
    ok "augment: the program carries data.augment and the image shape (and only when asked)" ||
    fail "augment: the program carries data.augment and the image shape (and only when asked)"
./img --quiet --threads 1 --out a && ./plain --quiet --threads 1 --out p
if cmp -s a/img.safetensors p/plain.safetensors; then fail "augment: augmented training differs from plain"
else ok "augment: augmented training differs from plain"; fi
# The epoch-0 row is measured before any step, on the set as it is: the same with and without.
[ "$(sed -n 2p a/metrics.csv | cut -d, -f2-3)" = "$(sed -n 2p p/metrics.csv | cut -d, -f2-3)" ] &&
    ok "augment: evaluation sees the images as they are" ||
    fail "augment: evaluation sees the images as they are" "$(sed -n 2p a/metrics.csv) vs $(sed -n 2p p/metrics.csv)"
acc=$(last_metric a train_accuracy)
float_ge "$acc" 0.95 && ok "augment: the augmented network still learns the classes (train accuracy $acc)" ||
    fail "augment: the augmented network still learns the classes" "train accuracy $acc"
./img --quiet --threads 1 --epochs 12 --out r && ./img --quiet --threads 1 --out r --resume &&
    cmp -s r/img.safetensors a/img.safetensors &&
    ok "augment: --resume continues the same augmentation, bit for bit" ||
    fail "augment: --resume continues the same augmentation, bit for bit"
./img --quiet --threads 2 --out t2 && cmp -s t2/img.safetensors a/img.safetensors &&
    ok "augment: 2 threads give the same weights" || fail "augment: 2 threads give the same weights"
RTLIB_MPI=$(dirname "$NNCC")/libnncc_rt_mpi.a
if command -v mpirun >/dev/null && [ -f "$RTLIB_MPI" ] && pkg-config --exists mpi-c; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export LSAN_OPTIONS="suppressions=$TOP/tests/mpi_lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
    export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" # whole stacks through libmpi
    if "$NNCC" img.yaml --mpi -o img_mpi.c &&
       gcc -std=c99 -O2 $SAN_FLAGS -I"$RTINC" img_mpi.c "$RTLIB_MPI" "$RTLIB" $RT_LIBS $(pkg-config --libs mpi-c) -lm -fopenmp -o img_mpi &&
       timeout 300 mpirun --oversubscribe -np 2 ./img_mpi --quiet --threads 1 --out m2 &&
       $PY - a/img.safetensors m2/img.safetensors <<'PY'
import json, struct, sys
import numpy as np
def load(p):
    raw = open(p, "rb").read(); n = struct.unpack("<Q", raw[:8])[0]; h = json.loads(raw[8:8 + n])
    return {k: np.frombuffer(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], "<f8")
            for k, v in h.items() if k != "__metadata__"}
a, b = load(sys.argv[1]), load(sys.argv[2])
d = max(np.max(np.abs(a[k] - b[k])) / np.max(np.abs(a[k])) for k in a)
assert d <= 1e-12, d
PY
    then ok "augment: 2 MPI ranks augment each row as one process does (weights to 1e-12)"
    else fail "augment: 2 MPI ranks augment each row as one process does"; fi
else
    skip "augment under MPI" "no mpirun or libnncc_rt_mpi.a"
fi
finish
