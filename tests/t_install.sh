#!/usr/bin/env bash
# tests/t_install.sh — nncc as an installed tool: make install into a temporary prefix, then, from
# a directory away from the source tree, driver mode and training, --static run alone, a hand
# build with pkg-config nncc-rt, the README's embedding examples, --predict from a pipe, the man
# page against the README; make uninstall leaves no file; make deb and the package's contents.
. "$(dirname "$0")/lib.sh"

BUILD_DIR=$(dirname "$NNCC")
PREFIX=$WORK/prefix
AWAY=$WORK/away
MK=(make -C "$TOP" --no-print-directory BUILD="$BUILD_DIR")
# Driver mode under make san: the runtime was built with the sanitizers, so programs link them too.
[ -n "$SAN_FLAGS" ] && export CFLAGS="-O2 -fopenmp $SAN_FLAGS"
unset NNCC_RUNTIME

if "${MK[@]}" install PREFIX="$PREFIX" >"$WORK/install.log" 2>&1; then ok "make install PREFIX=..."
else fail "make install" "$(tail -n 3 "$WORK/install.log" | tr '\n' ' ')"; finish; fi

missing=""
for f in bin/nncc lib/libnncc_rt.a lib/libnncc_cjson.a include/nncc_rt.h lib/pkgconfig/nncc-rt.pc \
         share/man/man1/nncc.1 share/doc/nncc/examples/deep_circles_csv.yaml \
         share/doc/nncc/examples/data/circles_test.csv share/doc/nncc/examples/embed/classify.c \
         share/doc/nncc/examples/embed/evaluate.c; do
    [ -f "$PREFIX/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && ok "installed files" || fail "installed files" "missing:$missing"
[ -x "$PREFIX/bin/nncc" ] && ok "bin/nncc is executable" || fail "bin/nncc is executable"

# DESTDIR stages the same tree under another root.
if "${MK[@]}" install DESTDIR="$WORK/stage" PREFIX=/opt/nncc >/dev/null 2>&1 &&
    [ -f "$WORK/stage/opt/nncc/bin/nncc" ] && grep -q '^prefix=/opt/nncc$' "$WORK/stage/opt/nncc/lib/pkgconfig/nncc-rt.pc"; then
    ok "DESTDIR stages PREFIX=/opt/nncc"
else fail "DESTDIR stages PREFIX=/opt/nncc"; fi

# ---- away from the source tree --------------------------------------------------------------
mkdir -p "$AWAY" && cd "$AWAY" || exit 2
export PATH=$PREFIX/bin:$PATH
EX=$PREFIX/share/doc/nncc/examples
NET=deep_circles_csv

[ "$(command -v nncc)" = "$PREFIX/bin/nncc" ] && ok "nncc on PATH is the installed one" ||
    fail "nncc on PATH is the installed one" "$(command -v nncc)"
check "installed nncc builds an example" nncc "$EX/$NET.yaml" -o train_net
check "the program trains" ./train_net --epochs 200 --quiet
[ -f "$NET-out/$NET.safetensors" ] && ok "weights written" || fail "weights written"

# --static: the program alone in a directory, with no library path.
if [ -n "$SAN_FLAGS" ]; then
    skip "--static" "the sanitizers' runtimes cannot be linked statically (make san)"
elif nncc "$EX/$NET.yaml" -o train_static --static >"$WORK/static.log" 2>&1; then
    ok "nncc -o PROGRAM --static"
    deps=$(ldd ./train_static 2>&1)
    extra=$(echo "$deps" | grep -vE 'not a dynamic executable|statically linked|linux-vdso|ld-linux|lib(c|m|pthread|dl|rt)\.so' || true)
    [ -z "$extra" ] && ok "ldd: no shared library beyond the C library's ($(echo "$deps" | head -n 1 | xargs))" ||
        fail "ldd: no shared library beyond the C library's" "$(echo "$extra" | tr '\n' ' ')"
    mkdir -p alone && cp train_static alone/
    if (cd alone && env LD_LIBRARY_PATH= ./train_static --epochs 20 --quiet) && [ -f "alone/$NET-out/$NET.safetensors" ]; then
        ok "static program runs alone with LD_LIBRARY_PATH empty ($(stat -c %s train_static) bytes; dynamic $(stat -c %s train_net))"
    else fail "static program runs alone with LD_LIBRARY_PATH empty"; fi
else
    fail "nncc -o PROGRAM --static" "$(tail -n 3 "$WORK/static.log" | tr '\n' ' ')"
fi
if nncc "$EX/$NET.yaml" -o x.c --static 2>/dev/null; then fail "--static with -o FILE.c is a usage error"
else [ $? -eq 2 ] && [ ! -e x.c ] && ok "--static with -o FILE.c is a usage error" || fail "--static with -o FILE.c is a usage error" "exit code"; fi

# A generated source built by hand: pkg-config's line is the whole build line.
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
[ "$(pkg-config --modversion nncc-rt 2>&1)" = "$(nncc --version | awk '{print $2}')" ] &&
    ok "pkg-config --modversion nncc-rt is nncc's version" || fail "pkg-config --modversion nncc-rt" "$(pkg-config --modversion nncc-rt 2>&1)"
if nncc "$EX/$NET.yaml" -o train_hand.c && cc train_hand.c $(pkg-config --cflags --libs nncc-rt) $SAN_FLAGS -o train_hand 2>"$WORK/hand.log" &&
    ./train_hand --epochs 5 --quiet --out hand-out && [ -f "hand-out/$NET.safetensors" ]; then
    ok "cc train_net.c \$(pkg-config --cflags --libs nncc-rt)"
else fail "cc train_net.c \$(pkg-config --cflags --libs nncc-rt)" "$(tail -n 3 "$WORK/hand.log" | tr '\n' ' ')"; fi

# --predict from a file and from a pipe give the same lines.
./train_net --predict "$EX/data/circles_test.csv" >predict.txt 2>"$WORK/predict.log"
[ "$(wc -l <predict.txt)" -eq 100 ] && ok "--predict FILE: a line per row" || fail "--predict FILE: a line per row" "$(head -c 300 "$WORK/predict.log")"
if cut -d, -f1-2 "$EX/data/circles_test.csv" | ./train_net --predict - >pipe.txt 2>"$WORK/pipe.log" && cmp -s predict.txt pipe.txt; then
    ok "--predict - from a pipe (the features only) = --predict FILE"
else fail "--predict - from a pipe (the features only) = --predict FILE" "$(head -c 300 "$WORK/pipe.log")"; fi

# ---- the README's "Using nncc from your own C program", built as it says ----------------------
README=$(cat "$TOP/README.md")
for f in classify.c evaluate.c; do
    [[ $README == *"$(cat "$TOP/examples/embed/$f")"* ]] && ok "README shows examples/embed/$f verbatim" ||
        fail "README shows examples/embed/$f verbatim"
    cp "$EX/embed/$f" .
done
nncc "$EX/$NET.yaml" --emit infer --weights "$NET-out/$NET.safetensors" -o "$NET.c" >/dev/null ||
    fail "--emit infer for the embedding examples"
if cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 classify.c "$NET.c" -lm -o classify 2>"$WORK/classify.log"; then
    ok "classify.c builds (kernel only, -lm)"
    # Its lines are --predict's for the same rows (the first 10 of the test set).
    diffs=$(tail -n +2 "$EX/data/circles_test.csv" | head -n 10 | while IFS=, read -r x0 x1 _; do ./classify "$x0" "$x1"; done |
        paste -d, - <(head -n 10 predict.txt) | awk -F, '{ d = $1 - $3; if (d < 0) d = -d; if (d > 1e-6 || $2 != $4) print NR ": " $0 }')
    [ -z "$diffs" ] && ok "classify = --predict on 10 rows" || fail "classify = --predict on 10 rows" "$diffs"
else fail "classify.c builds" "$(tail -n 3 "$WORK/classify.log" | tr '\n' ' ')"; fi
if cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 evaluate.c "$NET.c" $(pkg-config --cflags --libs nncc-rt) $SAN_FLAGS -o evaluate 2>"$WORK/evaluate.log"; then
    ok "evaluate.c builds with pkg-config nncc-rt"
    want=$(tail -n +2 "$EX/data/circles_test.csv" | cut -d, -f3 | paste -d, predict.txt - | awk -F, '$2 == $3 { n++ } END { printf "%d/%d correct", n, NR }')
    got=$(./evaluate "$EX/data/circles_test.csv")
    [ "$got" = "$want" ] && ok "evaluate (rt_dataset_load + kernel) = --predict: $got" || fail "evaluate = --predict" "got '$got', want '$want'"
    ./evaluate no_such.csv 2>err.txt; rc=$?
    [ $rc -eq 1 ] && grep -q 'no_such.csv' err.txt && ok "evaluate: a missing file is a located error, exit 1" ||
        fail "evaluate: a missing file is a located error, exit 1" "exit $rc: $(head -c 200 err.txt)"
else fail "evaluate.c builds" "$(tail -n 3 "$WORK/evaluate.log" | tr '\n' ' ')"; fi

# ---- the man page -------------------------------------------------------------------------------
PAGE=$PREFIX/share/man/man1/nncc.1
if command -v man >/dev/null; then
    text=$(LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -E UTF-8 -l "$PAGE" 2>"$WORK/man.err")
    [ ! -s "$WORK/man.err" ] && ok "man -l: no warnings" || fail "man -l: no warnings" "$(head -n 3 "$WORK/man.err" | tr '\n' ' ')"
    absent=""
    for w in NAME SYNOPSIS OPTIONS "NETWORK FILE" "THE TRAINING PROGRAM" FILES ENVIRONMENT "EXIT STATUS" \
             --static --predict --selftest CC CFLAGS NNCC_RUNTIME OMP_NUM_THREADS OMP_WAIT_POLICY metrics.csv; do
        grep -qF -- "$w" <<<"$text" || absent="$absent '$w'"
    done
    [ -z "$absent" ] && ok "man page has its sections, options and environment" || fail "man page has" "missing:$absent"
    # Every option that nncc --help and the training program's --help print is in the page.
    opts=$({ nncc --help; ./train_net --help; } | grep -oE -- '--[a-z][a-z-]*' | sort -u)
    absent=""
    for o in $opts; do grep -qF -- "$o" <<<"$text" || absent="$absent $o"; done
    [ -n "$opts" ] && [ -z "$absent" ] && ok "man page has every option of both --help texts ($(echo $opts | wc -w))" ||
        fail "man page has every option of both --help texts" "missing:$absent"
else
    skip "man -l" "man is not installed (make check installs man-db)"
fi
# Keys: the README's table (first column) against the man page's NETWORK FILE entries.
readme_keys=$(sed -n '/^## The network file/,/^## /p' "$TOP/README.md" | sed -n 's/^| `\([a-z_]*\)` |.*/\1/p' | sort -u)
man_keys=$(sed -n '/^\.SH NETWORK FILE/,/^\.S[HS]/p' "$PAGE" | awk 'prev == ".TP" && $1 == ".B" { print $2 } { prev = $1 }' | sort -u)
top=$(sed 's/\..*//' <<<"$man_keys" | sort -u)
only_readme=$(comm -23 <(echo "$readme_keys") <(echo "$top") | xargs)
only_man=$(comm -13 <(echo "$readme_keys") <(echo "$top") | xargs)
[ -n "$readme_keys" ] && [ -z "$only_readme$only_man" ] && ok "README and man page list the same keys ($(echo $readme_keys | wc -w))" ||
    fail "README and man page list the same keys" "only in README: ${only_readme:-none}; only in nncc.1: ${only_man:-none}"
data_row=$(grep '^| `data` |' "$TOP/README.md")
sub_absent=""
for k in $(grep '\.' <<<"$man_keys"); do grep -qw "${k#*.}" <<<"$data_row" || sub_absent="$sub_absent $k"; done
[ -z "$sub_absent" ] && ok "the man page's data.* keys are in the README's data row" || fail "man page's data.* keys in README" "$sub_absent"

# ---- uninstall -----------------------------------------------------------------------------------
cd "$WORK" || exit 2
if "${MK[@]}" uninstall PREFIX="$PREFIX" >"$WORK/uninstall.log" 2>&1; then
    left=$(find "$PREFIX" ! -type d)
    [ -z "$left" ] && ok "make uninstall leaves no file in the prefix" || fail "make uninstall leaves no file" "$(echo $left)"
    [ ! -e "$PREFIX/share/doc/nncc" ] && ok "make uninstall removes share/doc/nncc" || fail "make uninstall removes share/doc/nncc"
else fail "make uninstall" "$(tail -n 3 "$WORK/uninstall.log" | tr '\n' ' ')"; fi

# ---- the Debian package --------------------------------------------------------------------------
if [ "${NNCC_TEST_FULL:-1}" != 1 ]; then
    skip "make deb" "NNCC_TEST_FULL=0 (make san)"
elif ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
    skip "make deb" "dpkg-buildpackage or debhelper missing (make check installs them)"
else
    t0=$(date +%s)
    if "${MK[@]}" deb DEBDIR="$WORK/deb" >"$WORK/deb.log" 2>&1; then
        deb=$(ls "$WORK"/deb/nncc_*.deb)
        ok "make deb (dpkg-buildpackage -us -uc -b) in $(($(date +%s) - t0)) s: $(basename "$deb")"
        contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
        absent=""
        for f in usr/bin/nncc usr/lib/libnncc_rt.a usr/lib/libnncc_cjson.a usr/include/nncc_rt.h \
                 usr/lib/pkgconfig/nncc-rt.pc usr/share/man/man1/nncc.1.gz usr/share/doc/nncc/copyright \
                 usr/share/doc/nncc/examples/deep_circles.yaml usr/share/doc/nncc/examples/embed/evaluate.c; do
            grep -qx "./$f" <<<"$contents" || absent="$absent $f"
        done
        [ -z "$absent" ] && ok "dpkg-deb -c: the installed files under /usr" || fail "dpkg-deb -c" "missing:$absent"
        # The package holds what make install writes (the staged PREFIX=/opt/nncc tree above), plus
        # Debian's copyright and changelog, the man page compressed.
        staged=$(cd "$WORK/stage/opt/nncc" && find . -type f | sort)
        packaged=$(grep -v '/$' <<<"$contents" | sed -e 's|^\./usr|.|' -e 's|\.1\.gz$|.1|' |
            grep -vx -e './share/doc/nncc/copyright' -e './share/doc/nncc/changelog.gz' | sort)
        [ "$staged" = "$packaged" ] && ok "the package's files are make install's ($(wc -l <<<"$staged"))" ||
            fail "the package's files are make install's" "$(diff <(echo "$staged") <(echo "$packaged") | grep '^[<>]' | head -n 5 | tr '\n' ' ')"
        depends=$(dpkg-deb -f "$deb" Depends)
        absent=""
        for d in libhdf5-dev libcjson-dev zlib1g-dev libc6-dev libyaml-0-2; do grep -q "$d" <<<"$depends" || absent="$absent $d"; done
        [ -z "$absent" ] && ok "Depends names Debian's packages" || fail "Depends" "missing:$absent in '$depends'"
        # Unpacked in a scratch root, the package's nncc finds its runtime there.
        dpkg-deb -x "$deb" "$WORK/root" && mkdir -p "$WORK/fromdeb" && cd "$WORK/fromdeb" &&
            check "the package's nncc, unpacked in a scratch root, builds and trains" \
                bash -c "'$WORK/root/usr/bin/nncc' '$WORK/root/usr/share/doc/nncc/examples/$NET.yaml' -o t && ./t --epochs 5 --quiet"
    else
        fail "make deb" "$(tail -n 5 "$WORK/deb.log" | tr '\n' ' ')"
    fi
fi

finish
