#!/usr/bin/env bash
# tests/fuzz/seeds.sh — rewrites the seed corpora in tests/fuzz/corpus/ and the dictionaries:
# seeds.py (text and simple binary formats), then seeds.c (built here with cc against the
# runtime's sources: libhdf5 files, checkpoints, weights, the safetensors writer's output).
# Review the result with git status / git diff before committing.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 tests/fuzz/seeds.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
${CC:-cc} -std=c11 -O1 -D_POSIX_C_SOURCE=200809L -w -Iruntime -Ithird_party $(pkg-config --cflags hdf5) \
    tests/fuzz/seeds.c runtime/*.c third_party/cjson/cJSON.c $(pkg-config --libs hdf5 zlib) -lm -o "$work/seeds"
"$work/seeds" tests/fuzz/corpus "$work"
for d in tests/fuzz/corpus/*/; do echo "seeds: $(ls "$d" | wc -l) in $d"; done
