#!/usr/bin/env bash
# t_golden.sh — generated code as a reviewer reads it: each tests/golden/gen/NAME.yaml against the
# committed NAME.TARGET.c, one per target. `make golden-update` rewrites them; review the change as a diff.
. "$(dirname "$0")/lib.sh"
cd "$TOP/tests/golden/gen" || exit 2
# Each network on each target, named so that the file does not depend on the machine that runs
# the test: NAME.TARGET.c.
for yaml in *.yaml; do
    for target in x86-64-v3 x86-64-v4 generic; do
        name=${yaml%.yaml}.$target
        if ! "$NNCC" "$yaml" --target $target -o "$WORK/$name.c" 2>"$WORK/$name.err"; then
            fail "golden $name: nncc" "$(head -3 "$WORK/$name.err")"
            continue
        fi
        # The header stamps the command line; make it the same wherever the output went.
        sed -i "s|$WORK/||g" "$WORK/$name.c"
        if [ "${UPDATE:-}" = 1 ]; then cp "$WORK/$name.c" "$name.c"; fi
        if diff -u "$name.c" "$WORK/$name.c" >"$WORK/$name.diff" 2>&1; then
            ok "golden $name.c"
        else
            fail "golden $name.c" "generated code differs (make golden-update, then review git diff)"
            head -40 "$WORK/$name.diff"
        fi
        check "golden $name.c compiles strictly (gcc)" gcc -std=c99 -Wall -Wextra -Werror -pedantic -I"$RTINC" -c "$name.c" -o "$WORK/$name.o"
    done
done
finish
