#!/usr/bin/env bash
# t_classes.sh — class labels by name (issue 11) and --predict - (issue 12): Fisher's iris with
# its species as names trains by `label: species`, predicts names from a file and from a pipe,
# writes them into confusion.csv, the weights' metadata and the inference kernel's header;
# cat/dog as binary string labels, the network file's `classes:` order, and the located errors
# (an unseen class, an unknown label column, names where training had numbers).
. "$(dirname "$0")/lib.sh"

IRIS=$TOP/examples/data/iris.csv
D=$WORK/iris
mkdir -p "$D"
# Every fifth row to the test set: 120 training samples and 30 test samples, 10 of each species.
{ head -1 "$IRIS"; tail -n +2 "$IRIS" | awk 'NR % 5 != 0'; } >"$D/train.csv"
{ head -1 "$IRIS"; tail -n +2 "$IRIS" | awk 'NR % 5 == 0'; } >"$D/test.csv"
cat >"$D/iris.yaml" <<'EOF'
input: 4
layers: [16, {units: 3, activation: softmax}]
activation: relu
optimizer: adam
learning_rate: 0.01
epochs: 200
seed: 1
data:
  train: {path: train.csv, label: species}
  test: test.csv
  normalize: standard
EOF

# have FILE TEXT: the file holds TEXT (a fixed string); its first lines otherwise.
have() { grep -qF -- "$2" "$1" || { echo "'$2' not in $1:"; head -5 "$1"; return 1; }; }

if "$NNCC" "$D/iris.yaml" -o "$D/train_iris.c" 2>"$D/nncc.err" &&
    build_c "$D/train_iris.c" "$D/train_iris" gcc -fopenmp 2>>"$D/nncc.err"; then
    ok "iris: label: species compiles"
else
    fail "iris: label: species compiles" "$(head -3 "$D/nncc.err")"
fi

if [ -x "$D/train_iris" ]; then
    (cd "$D" && ./train_iris --out out) >"$D/run.log" 2>&1
    code=$?
    acc=$(last_metric "$D/out" test_accuracy 2>/dev/null)
    if [ $code -eq 0 ] && float_ge "${acc:-0}" 0.9; then ok "iris: trains on named species, test accuracy $acc >= 0.9"
    else fail "iris: trains" "exit $code, test accuracy ${acc:-none}: $(tail -2 "$D/run.log")"; fi

    check "iris: confusion.csv is headed by the species" have "$D/out/confusion.csv" "true/predicted,setosa,versicolor,virginica"
    check "iris: confusion.csv rows are named" have "$D/out/confusion.csv" "virginica,"
    check "iris: the summary names the classes" have "$D/run.log" "  versicolor  "
    $PY "$TOP/tests/safetensors_check.py" "$D/out/iris.safetensors" >"$D/st.txt" 2>&1
    check "iris: the weights' metadata carries the classes" have "$D/st.txt" '__metadata__ classes=["setosa","versicolor","virginica"]'
    check "iris: ... and the features' header names" have "$D/st.txt" '__metadata__ features=["sepal_length","sepal_width","petal_length","petal_width"]'

    # --predict from a file: one line per row, 3 outputs then the species' name.
    (cd "$D" && ./train_iris --out out --predict test.csv) >"$D/pred_file.txt" 2>"$D/pred.err"
    lines=$(wc -l <"$D/pred_file.txt")
    named=$(awk -F, 'NF == 4 && $4 ~ /^(setosa|versicolor|virginica)$/' "$D/pred_file.txt" | wc -l)
    if [ "$lines" -eq 30 ] && [ "$named" -eq 30 ]; then ok "iris: --predict prints 30 rows of 3 outputs and a species"
    else fail "iris: --predict prints names" "$lines lines, $named named: $(head -2 "$D/pred_file.txt") $(head -2 "$D/pred.err")"; fi
    right=$(paste -d, <(tail -n +2 "$D/test.csv" | cut -d, -f5) <(cut -d, -f4 "$D/pred_file.txt") | awk -F, '$1 == $2' | wc -l)
    if [ "$right" -ge 27 ]; then ok "iris: --predict's names are the true species ($right of 30)"
    else fail "iris: --predict's names" "only $right of 30 are the true species"; fi

    # From a pipe, as issue 12 asks; the same from /dev/stdin, and from a redirected file.
    (cd "$D" && cut -d, -f1-4 test.csv | ./train_iris --out out --predict -) >"$D/pred_pipe.txt" 2>"$D/pipe.err"
    if cmp -s "$D/pred_file.txt" "$D/pred_pipe.txt"; then ok "iris: cut -d, -f1-4 test.csv | ./train_iris --predict - gives the same lines"
    else fail "iris: --predict -" "$(diff "$D/pred_file.txt" "$D/pred_pipe.txt" | head -3) $(head -2 "$D/pipe.err")"; fi
    (cd "$D" && cut -d, -f1-4 test.csv | ./train_iris --out out --predict /dev/stdin) >"$D/pred_dev.txt" 2>&1
    check "iris: --predict /dev/stdin from a pipe" cmp "$D/pred_file.txt" "$D/pred_dev.txt"
    (cd "$D" && ./train_iris --out out --predict /dev/stdin <test.csv) >"$D/pred_redir.txt" 2>&1
    check "iris: --predict /dev/stdin < test.csv" cmp "$D/pred_file.txt" "$D/pred_redir.txt"

    # --predict needs no training data: the names come from the weights.
    mkdir -p "$D/alone"
    cp "$D/train_iris" "$D/out/iris.safetensors" "$D/alone/"
    cut -d, -f1-4 "$D/test.csv" >"$D/alone/rows.csv"
    mv "$D/train.csv" "$D/train.csv.away"
    (cd "$D/alone" && ./train_iris --weights iris.safetensors --predict rows.csv) >"$D/pred_alone.txt" 2>&1
    mv "$D/train.csv.away" "$D/train.csv"
    check "iris: --predict with --weights alone (no training data) names the classes" cmp "$D/pred_file.txt" "$D/pred_alone.txt"

    # Errors on standard input name <stdin> and the line.
    printf 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.2,x,5.4,2.3\n' |
        (cd "$D" && ./train_iris --out out --predict -) >/dev/null 2>"$D/stdin.err"
    code=$?
    if [ $code -eq 1 ] && have "$D/stdin.err" "<stdin>:3: error: column 2: 'x' is not a number" >/dev/null; then
        ok "iris: a bad row on standard input is reported as <stdin>:3"
    else fail "iris: <stdin> errors" "exit $code: $(head -2 "$D/stdin.err")"; fi

    # A class training never saw: at its line, in test data and in --predict data.
    awk -F, -v OFS=, 'NR == 14 { $5 = "virginca" } { print }' "$D/test.csv" >"$D/typo.csv"
    (cd "$D" && ./train_iris --out typo-out --quiet --test typo.csv) >/dev/null 2>"$D/typo.err"
    code=$?
    if [ $code -eq 1 ] && have "$D/typo.err" "typo.csv:14: error: class 'virginca' is not one of the training set's classes (setosa, versicolor, virginica)" >/dev/null; then
        ok "iris: an unseen class in the test data fails at its file:line"
    else fail "iris: unseen class in test data" "exit $code: $(head -2 "$D/typo.err")"; fi
    [ -e "$D/typo-out/iris.safetensors" ] && fail "iris: the failed run wrote nothing" "typo-out/iris.safetensors exists"
    (cd "$D" && ./train_iris --out out --predict typo.csv) >/dev/null 2>"$D/typo_pred.err"
    code=$?
    if [ $code -eq 1 ] && have "$D/typo_pred.err" "typo.csv:14: error: class 'virginca'" >/dev/null; then
        ok "iris: an unseen class in --predict data fails at its file:line"
    else fail "iris: unseen class in --predict data" "exit $code: $(head -2 "$D/typo_pred.err")"; fi
    # ... and at compile time, at the network file's data key.
    sed 's/test: test.csv/test: typo.csv/' "$D/iris.yaml" >"$D/typo.yaml"
    "$NNCC" "$D/typo.yaml" --check >/dev/null 2>"$D/typo_check.err"
    code=$?
    if [ $code -ne 0 ] && have "$D/typo_check.err" "typo.csv:14: class 'virginca' is not one of the training set's classes" >/dev/null; then
        ok "iris: nncc --check reports the unseen class"
    else fail "iris: nncc --check and the unseen class" "exit $code: $(head -2 "$D/typo_check.err")"; fi

    # The inference kernel's header names the classes; a tiny C99 main links and prints them.
    if "$NNCC" "$D/iris.yaml" --emit infer --weights "$D/out/iris.safetensors" -o "$D/iris_k.c" >/dev/null 2>"$D/infer.err"; then
        check "iris: kernel header defines IRIS_CLASSES 3" have "$D/iris_k.h" "#define IRIS_CLASSES 3"
        check "iris: kernel header has the IRIS_CLASS_NAMES table" have "$D/iris_k.h" '#define IRIS_CLASS_NAMES {"setosa", "versicolor", "virginica"}'
        check "iris: kernel header declares iris_class_names" have "$D/iris_k.h" "extern const char *const iris_class_names[IRIS_CLASSES];"
        cat >"$D/main.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>

#include "iris_k.h"

/* Prints the class table, then the predicted species of each CSV row on stdin (4 features). */
int main(void)
{
    static const char *const copy[IRIS_CLASSES] = IRIS_CLASS_NAMES;
    for (int i = 0; i < IRIS_CLASSES; i++) printf("class %d %s %s\n", i, iris_class_names[i], copy[i]);
    float in[IRIS_INPUTS];
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        if (sscanf(line, "%f,%f,%f,%f", &in[0], &in[1], &in[2], &in[3]) == 4)
            printf("%s\n", iris_class_names[iris_predict(in)]);
    }
    return 0;
}
EOF
        if gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 $SAN_FLAGS -I"$D" "$D/main.c" "$D/iris_k.c" -lm -o "$D/kmain" 2>"$D/kmain.err"; then
            ok "iris: a C99 main builds against the kernel's class table (-Wall -Wextra -Werror -pedantic)"
            tail -n +2 "$D/test.csv" | "$D/kmain" >"$D/kmain.txt"
            check "iris: the kernel's table prints the names" have "$D/kmain.txt" "class 2 virginica virginica"
            tail -n +4 "$D/kmain.txt" >"$D/kmain_pred.txt"
            cut -d, -f4 "$D/pred_file.txt" >"$D/prog_pred.txt"
            check "iris: the kernel predicts the names --predict prints" cmp "$D/prog_pred.txt" "$D/kmain_pred.txt"
        else
            fail "iris: a C99 main builds against the kernel's class table" "$(head -3 "$D/kmain.err")"
        fi
        if command -v g++ >/dev/null; then
            check "iris: the kernel header's table is C++ too" g++ -Wall -Wextra -Werror -I"$D" -x c++ -c "$D/main.c" -o "$D/main_cxx.o"
        fi
    else
        fail "iris: --emit infer" "$(head -3 "$D/infer.err")"
    fi
fi

# The species in the first column: label: species finds it there, and a --test/--predict file of
# the same layout is read the same way (the network file's CSV options, not the defaults).
L=$WORK/first
mkdir -p "$L"
awk -F, -v OFS=, '{ print $5, $1, $2, $3, $4 }' "$D/train.csv" >"$L/train.csv"
awk -F, -v OFS=, '{ print $5, $1, $2, $3, $4 }' "$D/test.csv" >"$L/other.csv"
sed -e 's/test: test.csv/test: {path: train.csv, label: species}/' "$D/iris.yaml" >"$L/iris.yaml"
if "$NNCC" "$L/iris.yaml" -o "$L/train_iris.c" 2>"$L/nncc.err" && build_c "$L/train_iris.c" "$L/train_iris" gcc 2>>"$L/nncc.err"; then
    (cd "$L" && ./train_iris --quiet --out out --test other.csv) >"$L/run.log" 2>&1
    code=$?
    acc=$(last_metric "$L/out" test_accuracy 2>/dev/null)
    if [ $code -eq 0 ] && float_ge "${acc:-0}" 0.9; then ok "species first: --test other.csv takes label: species from the network file (accuracy $acc)"
    else fail "species first: --test" "exit $code: $(head -2 "$L/run.log")"; fi
    (cd "$L" && ./train_iris --out out --predict other.csv) >"$L/pred.txt" 2>&1
    named=$(awk -F, 'NF == 4 && $4 ~ /^(setosa|versicolor|virginica)$/' "$L/pred.txt" | wc -l)
    if [ "$named" -eq 30 ]; then ok "species first: --predict reads the label column by name"
    else fail "species first: --predict" "$named of 30 named: $(head -2 "$L/pred.txt")"; fi
else
    fail "species first: compiles" "$(head -3 "$L/nncc.err")"
fi

# label: a header name that is not there lists the header, at the data key.
sed 's/label: species/label: nosuch/' "$D/iris.yaml" >"$D/nosuch.yaml"
"$NNCC" "$D/nosuch.yaml" -o "$D/nosuch.c" >/dev/null 2>"$D/nosuch.err"
code=$?
if [ $code -eq 1 ] && have "$D/nosuch.err" "train.csv:1: label 'nosuch' is not a column of the header; it has: sepal_length, sepal_width, petal_length, petal_width, species" >/dev/null &&
    have "$D/nosuch.err" "nosuch.yaml:9:" >/dev/null && [ ! -e "$D/nosuch.c" ]; then
    ok "label: nosuch fails at the data key, listing the header"
else
    fail "label: nosuch" "exit $code: $(head -3 "$D/nosuch.err")"
fi

# ---- binary string labels: cat and dog, two named features ---------------------------------
P=$WORK/pets
mkdir -p "$P"
# A seeded Park-Miller generator (exact in awk's doubles): small cats, larger dogs with longer ears.
pets() {
    awk -v seed="$1" -v n="$2" -v label="${3:-name}" 'BEGIN {
        s = seed; print "weight_kg,ear_length_cm,animal"
        for (i = 0; i < n; i++) {
            s = (s * 16807) % 2147483647; u = s / 2147483647
            s = (s * 16807) % 2147483647; v = s / 2147483647
            cat = i % 2
            name = cat ? "cat" : "dog"
            if (label == "number") name = cat ? 0 : 1
            if (cat) printf "%.2f,%.2f,%s\n", 2.5 + 4 * u, 4 + 3 * v, name
            else printf "%.2f,%.2f,%s\n", 5 + 25 * u, 6 + 8 * v, name
        }
    }'
}
pets 7 200 >"$P/train.csv"
pets 99 60 >"$P/test.csv"
pets 7 200 number >"$P/train_num.csv"
cat >"$P/pets.yaml" <<'EOF'
input: 2
layers: [8, {units: 1, activation: sigmoid}]
activation: tanh
optimizer: adam
learning_rate: 0.05
epochs: 100
data:
  train: {path: train.csv, label: animal}
  test: test.csv
  normalize: standard
EOF
if "$NNCC" "$P/pets.yaml" -o "$P/train_pets.c" 2>"$P/nncc.err" && build_c "$P/train_pets.c" "$P/train_pets" gcc -fopenmp 2>>"$P/nncc.err"; then
    (cd "$P" && ./train_pets --out out) >"$P/run.log" 2>&1
    code=$?
    acc=$(last_metric "$P/out" test_accuracy 2>/dev/null)
    if [ $code -eq 0 ] && float_ge "${acc:-0}" 0.9; then ok "cat/dog: binary string labels train, test accuracy $acc >= 0.9"
    else fail "cat/dog: trains" "exit $code, test accuracy ${acc:-none}: $(tail -2 "$P/run.log")"; fi
    check "cat/dog: confusion.csv by name, sorted (cat = 0, dog = 1)" have "$P/out/confusion.csv" "true/predicted,cat,dog"
    (cd "$P" && ./train_pets --out out --predict test.csv) >"$P/pred.txt" 2>&1
    named=$(awk -F, 'NF == 2 && ($2 == "cat" || $2 == "dog")' "$P/pred.txt" | wc -l)
    if [ "$named" -eq 60 ]; then ok "cat/dog: --predict prints the output and cat or dog"
    else fail "cat/dog: --predict" "$named of 60 named: $(head -2 "$P/pred.txt")"; fi
    svg=$P/out/boundary.svg
    check "cat/dog: boundary.svg is valid SVG" $PY "$TOP/tests/svg_check.py" "$svg"
    check "cat/dog: boundary.svg's x axis is the header's weight_kg" have "$svg" ">weight_kg</text>"
    check "cat/dog: boundary.svg's y axis is the header's ear_length_cm" have "$svg" ">ear_length_cm</text>"
    check "cat/dog: boundary.svg's legend names cat" have "$svg" ">cat</text>"
    check "cat/dog: boundary.svg's legend names dog" have "$svg" ">dog</text>"
    check "cat/dog: boundary.svg shows the test points, in the legend" have "$svg" ">60 test points (rings)</text>"
    rings=$(grep -c '<circle [^>]*stroke="#' "$svg")
    if [ "$rings" -ge 60 ]; then ok "cat/dog: boundary.svg draws the 60 test points as rings ($rings outlined circles)"
    else fail "cat/dog: test points drawn" "$rings outlined circles"; fi
fi

# classes: in the network file fixes the order (dog first), whatever the sorted order is.
sed 's/^epochs: 100/epochs: 100\nclasses: [dog, cat]/' "$P/pets.yaml" >"$P/order.yaml"
if "$NNCC" "$P/order.yaml" -o "$P/train_order.c" 2>"$P/order.err" && build_c "$P/train_order.c" "$P/train_order" gcc -fopenmp 2>>"$P/order.err"; then
    (cd "$P" && ./train_order --quiet --out order-out) >/dev/null 2>&1
    check "classes: [dog, cat] orders confusion.csv" have "$P/order-out/confusion.csv" "true/predicted,dog,cat"
    $PY "$TOP/tests/safetensors_check.py" "$P/order-out/order.safetensors" >"$P/order_st.txt" 2>&1
    check "classes: [dog, cat] orders the weights' metadata" have "$P/order_st.txt" '__metadata__ classes=["dog","cat"]'
else
    fail "classes: [dog, cat]" "$(head -3 "$P/order.err")"
fi

# Numeric labels with classes: the names still label them (0 = cat, 1 = dog here).
cat >"$P/num.yaml" <<'EOF'
input: 2
layers: [8, {units: 1, activation: sigmoid}]
activation: tanh
optimizer: adam
learning_rate: 0.05
epochs: 50
classes: [cat, dog]
data:
  train: train_num.csv
EOF
if "$NNCC" "$P/num.yaml" -o "$P/train_num.c" 2>"$P/num.err" && build_c "$P/train_num.c" "$P/train_num" gcc -fopenmp 2>>"$P/num.err"; then
    (cd "$P" && ./train_num --quiet --out num-out) >/dev/null 2>&1
    check "classes: [cat, dog] names numeric labels in confusion.csv" have "$P/num-out/confusion.csv" "true/predicted,cat,dog"
    # Test labels as names while training had numbers and no classes: refused, not mismapped.
    sed '/^classes:/d' "$P/num.yaml" >"$P/plain.yaml"
    if "$NNCC" "$P/plain.yaml" -o "$P/train_plain.c" 2>"$P/plain.err" && build_c "$P/train_plain.c" "$P/train_plain" gcc -fopenmp 2>>"$P/plain.err"; then
        (cd "$P" && ./train_plain --quiet --out plain-out --test test.csv) >/dev/null 2>"$P/plain_run.err"
        code=$?
        if [ $code -eq 1 ] && have "$P/plain_run.err" "test.csv: error: the labels are class names (cat, ...), but the training set's are class numbers" >/dev/null; then
            ok "names in the test set where training had numbers: refused"
        else fail "names in the test set where training had numbers" "exit $code: $(head -2 "$P/plain_run.err")"; fi
    else
        fail "numeric labels without classes compile" "$(head -3 "$P/plain.err")"
    fi
else
    fail "classes: [cat, dog] with numeric labels" "$(head -3 "$P/num.err")"
fi

finish
