#!/usr/bin/env bash
# golden_errors.sh — the bad-input corpus: each tests/golden/errors/NAME.yaml must make
# `nncc NAME.yaml --check` exit 1, write nothing to stdout, and print exactly NAME.err.
#
#   tests/golden_errors.sh NNCC_BINARY          compare
#   UPDATE=1 tests/golden_errors.sh NNCC_BINARY rewrite the .err files (review them with git diff)
set -u
if [ $# -ne 1 ]; then
    echo "usage: $0 NNCC_BINARY" >&2
    exit 2
fi
nncc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$(cd "$(dirname "$0")/golden/errors" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0 failed=0
cd "$dir" || exit 2 # so messages name the file as NAME.yaml:L:C
for yaml in *.yaml; do
    name=${yaml%.yaml}
    "$nncc" "$yaml" --check >"$tmp/out" 2>"$tmp/err"
    status=$?
    if [ "${UPDATE:-}" = 1 ]; then
        cp "$tmp/err" "$name.err"
    fi
    why=""
    if [ $status -ne 1 ]; then
        why="exit status $status, expected 1"
    elif [ -s "$tmp/out" ]; then
        why="wrote to stdout"
    elif [ ! -f "$name.err" ]; then
        why="no $name.err (run with UPDATE=1)"
    elif ! diff -u "$name.err" "$tmp/err" >"$tmp/diff"; then
        why="stderr differs"
    fi
    # Nothing may be left behind: no stray outputs or temp files beside the input (.csv: data it reads).
    if [ -z "$why" ] && [ -n "$(ls -A | grep -v -e '\.yaml$' -e '\.err$' -e '\.csv$')" ]; then
        why="left files behind: $(ls -A | grep -v -e '\.yaml$' -e '\.err$' -e '\.csv$' | tr '\n' ' ')"
    fi
    if [ -z "$why" ]; then
        echo "ok $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name: $why"
        [ -s "$tmp/diff" ] && sed 's/^/    /' "$tmp/diff"
        rm -f "$tmp/diff"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
