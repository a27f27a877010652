#!/usr/bin/env bash
# demo.sh — `make demo`: compile the notes' deep network, train it, show what it learnt.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$TOP/build/demo
mkdir -p "$OUT"
cd "$OUT"
echo "\$ nncc examples/deep_circles.yaml --check"
"$TOP/build/nncc" "$TOP/examples/deep_circles.yaml" --check
echo
echo "\$ nncc examples/deep_circles.yaml -o train_deep_circles    # C source, compiled with the runtime"
CFLAGS=${CFLAGS:--O2 -fopenmp} "$TOP/build/nncc" "$TOP/examples/deep_circles.yaml" -o train_deep_circles
echo
echo "\$ ./train_deep_circles --selftest    # the fast kernels against the reference kernels"
./train_deep_circles --selftest
echo
echo "\$ ./train_deep_circles --out deep_circles-out"
./train_deep_circles --out deep_circles-out
echo
echo "\$ ./train_deep_circles --predict points.csv --weights deep_circles-out/deep_circles.safetensors"
printf 'x0,x1\n0.0,0.0\n0.1,-0.2\n1.0,0.0\n-0.7,0.7\n' > points.csv
echo "  (x0, x1 -> P(inner circle), class)"
paste -d' ' <(tail -n +2 points.csv) <(./train_deep_circles --predict points.csv --weights deep_circles-out/deep_circles.safetensors) | sed 's/^/  /'
echo
echo "Files in $OUT/deep_circles-out/:"
ls -l deep_circles-out | tail -n +2 | sed 's/^/  /'
echo "Open curves.svg and boundary.svg in a browser to see the loss curve and the decision regions."
