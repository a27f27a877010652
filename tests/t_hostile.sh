#!/usr/bin/env bash
# t_hostile.sh — inputs and conditions a hostile or unlucky user brings (issue 13's defects):
# every message must tell the real cause. The network-file cases are in the error corpus
# (tests/golden/errors: static_too_large, seed_too_large).
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 2

cat > net.yaml <<'YAML'
input: 4
layers: [64, 1]
epochs: 1
YAML
if ! "$NNCC" net.yaml -o net.c || ! build_c net.c net; then
    fail "hostile: build"; finish
fi

# D6: a write that fails names its cause. A file size limit of 1 KiB makes the weights file
# (1.3 KiB) fail with EFBIG; SIGXFSZ is ignored so the write returns the error instead.
out=$( (trap '' XFSZ; ulimit -f 1; ./net --quiet --out o) 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q 'error: cannot write: File too large'; then
    ok "a failed write names its cause (File too large)"
else
    fail "a failed write names its cause (File too large)" "rc $rc: $out"
fi
left=$(ls -A o 2>/dev/null | grep -c 'XXXXXX\|\.[A-Za-z0-9]\{6\}$')
[ "$left" = 0 ] && ok "a failed write leaves no temp file" || fail "a failed write leaves no temp file" "$(ls -A o)"

# D5: an IDX path that is a directory says so (it said "corrupt gzip data: Is a directory").
mkdir -p imgs.idx
cat > idx.yaml <<'YAML'
input: 4
layers: [1]
data:
  train: {images: imgs.idx, labels: imgs.idx}
YAML
out=$("$NNCC" idx.yaml --check 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'imgs.idx: is a directory, not an IDX file of images' &&
    ok "an IDX path that is a directory says so" ||
    fail "an IDX path that is a directory says so" "rc $rc: $out"
finish
