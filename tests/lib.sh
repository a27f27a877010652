# tests/lib.sh — shared helpers for the shell test scripts (sourced, not run).
# Each test script prints one line per check: "ok NAME", "FAIL NAME: why" or "skip NAME: why",
# and exits non-zero when any check failed. tests/run_all.sh runs them all and counts.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NNCC=${NNCC:-$TOP/build/nncc}
RTLIB=$(dirname "$NNCC")/libnncc_rt.a
SAN_FLAGS=${NNCC_TEST_CFLAGS:-}   # make san: the sanitizer flags the runtime was built with
# SANITIZED=1 under make san. The sanitizers check memory and undefined behaviour, not accuracy
# (plain make check asserts that), and run the generated kernels 50 to 300 times slower; so a test
# may shorten a long training run under san, as long as every code path still runs, and it says so
# with san_reduced (a "san: ..." line, counted by run_all.sh) — never a check left out unsaid.
SANITIZED=0
[ -n "$SAN_FLAGS" ] && SANITIZED=1
# Under sanitizers clang cannot honour the generated code's `omp simd` hints and reports it as a
# warning (-Wpass-failed); vectorisation is not what a sanitizer run checks.
[ -n "$SAN_FLAGS" ] && SAN_FLAGS="$SAN_FLAGS -Wno-pass-failed"
RTINC=$TOP/runtime
RT_LIBS=$(pkg-config --libs libcjson hdf5 zlib 2>/dev/null)
SHARED=${SHARED:-$TOP/../shared}
PY=/usr/bin/python3            # Debian's python, with numpy/torch; never the pyenv one
FAILS=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nncc-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ok()   { echo "ok $1"; }
fail() { echo "FAIL $1${2:+: $2}"; FAILS=$((FAILS + 1)); }
skip() { echo "skip $1${2:+: $2}"; }
finish() { exit $((FAILS > 0)); }
san_reduced() { echo "san: $*"; }

# check NAME CMD...: runs CMD quietly; ok when it exits 0, FAIL with its output otherwise.
check() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$(echo "$out" | tail -n 5 | tr '\n' ' ')"; fi
}

# build_c SRC EXE [CC] [EXTRA CFLAGS...]: compiles a generated training program strictly.
build_c() {
    local src=$1 exe=$2 cc=${3:-gcc}; shift 3 || shift $#
    $cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 $SAN_FLAGS "$@" -I"$RTINC" "$src" "$RTLIB" $RT_LIBS -lm -fopenmp -o "$exe"
}

# float_ge A B: true when A >= B (decimal numbers)
float_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

# last_metric DIR COLUMN: the last row's value of metrics.csv column (train_accuracy, test_loss, ...)
last_metric() {
    awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next } { v = $c } END { print v }' "$1/metrics.csv"
}
