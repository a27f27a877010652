#!/usr/bin/env bash
# tests/fuzz/run.sh — builds the libFuzzer harnesses of tests/fuzz/ with clang (ASan + UBSan +
# libFuzzer) into build/fuzz/ (ignored by git, as build/ is), runs every regression input once,
# then fuzzes each harness for FUZZ_SECONDS on a scratch copy of its seed corpus. Exits 1 on any
# finding, naming the harness and the input that shows it (kept in build/fuzz/findings/).
#
#   tests/fuzz/run.sh                  build, regressions, 60 s per harness
#   tests/fuzz/run.sh csv npy          only these harnesses
#   FUZZ_SECONDS=30 tests/fuzz/run.sh  shorter runs (0: build and regressions only)
#   FUZZ_RUNS=10000000 tests/fuzz/run.sh  also stop a harness once it has run this many inputs
#                                      (whichever of FUZZ_SECONDS and FUZZ_RUNS comes first)
#   FUZZ_MERGE=1 tests/fuzz/run.sh     also merge what the runs found into tests/fuzz/corpus/
#   FUZZ_KEEP_GOING=1 tests/fuzz/run.sh fuzz past findings (libFuzzer -fork=1 -ignore_crashes):
#                                      every distinct input is kept; for a harness whose known
#                                      finding is not fixed yet
#   FUZZ_COVERAGE=1 tests/fuzz/run.sh  afterwards, line coverage of each harness's own source
#                                      files by its final corpus (a second build, llvm-cov)
#
# Environment: FUZZ_CC (default clang), BUILD_FUZZ (default build/fuzz), FUZZ_FLAGS (more
# libFuzzer flags, e.g. -max_len=65536). Needs clang with its compiler-rt (Debian: clang, which
# brings libclang-rt-*-dev), pkg-config, libyaml-dev, libhdf5-dev, zlib1g-dev. One process per
# harness, one at a time (-jobs is not used): the runs share the machine.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
CC=${FUZZ_CC:-clang}
OUT=${BUILD_FUZZ:-build/fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
FUZZ_DIR=tests/fuzz

# name:source:extra flags. fuzz_idx_gz is fuzz_idx.c in its second mode; fuzz_weights and
# fuzz_metrics are fuzz_checkpoint.c in its second and third.
HARNESSES=(
    frontend:fuzz_frontend.c:
    emit:fuzz_emit.c:
    csv:fuzz_csv.c:
    npy:fuzz_npy.c:
    idx:fuzz_idx.c:
    idx_gz:fuzz_idx.c:-DFUZZ_IDX_GZIP
    hdf5:fuzz_hdf5.c:
    safetensors:fuzz_safetensors.c:
    checkpoint:fuzz_checkpoint.c:
    weights:fuzz_checkpoint.c:-DFUZZ_WEIGHTS
    metrics:fuzz_checkpoint.c:-DFUZZ_METRICS
    infer:fuzz_infer.c:
)
# More libFuzzer flags for one harness: infer's emitter prints to stdout and stderr (libFuzzer
# keeps its own output and the sanitizers' reports on a copy of stderr).
declare -A RUN_FLAGS=([infer]="-close_fd_mask=3")
# The sources whose line coverage FUZZ_COVERAGE reports for each harness.
declare -A COVERS=(
    [frontend]="compiler/parse.c compiler/validate.c compiler/diag.c"
    [emit]="compiler/ir.c compiler/plan.c compiler/schedule.c compiler/emit.c compiler/template.c"
    [csv]="runtime/rt_csv.c runtime/rt_data.c"
    [npy]="runtime/rt_npy.c"
    [idx]="runtime/rt_idx.c"
    [idx_gz]="runtime/rt_idx.c"
    [hdf5]="runtime/rt_hdf5.c"
    [safetensors]="runtime/rt_safetensors.c third_party/cjson/cJSON.c"
    [checkpoint]="runtime/rt_checkpoint.c runtime/rt_safetensors.c"
    [weights]="runtime/rt_report.c runtime/rt_safetensors.c"
    [metrics]="runtime/rt_report.c"
    [infer]="compiler/infer.c"
)

die() { echo "fuzz: $*" >&2; exit 2; }

wanted=("$@")
selected() {
    [ ${#wanted[@]} -eq 0 ] && return 0
    local w
    for w in "${wanted[@]}"; do [ "$w" = "$1" ] && return 0; done
    return 1
}
for w in "${wanted[@]}"; do
    known=0
    for h in "${HARNESSES[@]}"; do [ "${h%%:*}" = "$w" ] && known=1; done
    [ $known = 1 ] || die "no harness '$w' (known: $(printf '%s ' "${HARNESSES[@]%%:*}"))"
done

# ---- toolchain -------------------------------------------------------------------------------
command -v "$CC" >/dev/null || die "$CC not found (Debian: apt-get install clang)"
command -v pkg-config >/dev/null || die "pkg-config not found"
for p in yaml-0.1 hdf5 zlib; do pkg-config --exists $p || die "pkg-config finds no $p (Debian: libyaml-dev libhdf5-dev zlib1g-dev)"; done
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
"$CC" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>"$probe/err" ||
    die "$CC cannot build a libFuzzer program (-fsanitize=fuzzer): $(head -3 "$probe/err") (Debian: the clang package brings libclang-rt-NN-dev with libFuzzer)"

LIBS="$(pkg-config --libs yaml-0.1 hdf5 zlib) -lm"
BASE_CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -D_POSIX_C_SOURCE=200809L -Iruntime -Icompiler -Ithird_party \
    -I$OUT $(pkg-config --cflags hdf5 zlib)"
# The project's warnings; -Werror for tests/fuzz only (the rest is checked by gcc's build).
WARN="-Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-unknown-pragmas"

# ---- build -----------------------------------------------------------------------------------
# build DIR SANITIZE-FLAGS: every object into DIR, then DIR/fuzz_NAME for each selected harness.
build() {
    local dir=$1 san=$2 lib_san=$3
    mkdir -p "$dir/obj"
    # Templates built in as the Makefile does (its $(BUILD)/templates.c rule).
    local tpl=$dir/templates.c
    { echo '/* generated from templates/ by tests/fuzz/run.sh: do not edit */'
      echo '#include <stddef.h>'
      echo 'const struct { const char *name; const char *text; } embedded_templates[] = {'
      for f in $(ls templates/*.c templates/*.h | LC_ALL=C sort); do
          printf '    {"%s",\n' "$(basename "$f")"
          sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/     "/' -e 's/$/\\n"/' "$f"
          echo '    },'
      done
      echo '    {NULL, NULL}};'; } >"$tpl.new"
    if cmp -s "$tpl.new" "$tpl"; then rm "$tpl.new"; else mv "$tpl.new" "$tpl"; fi

    local headers newest=""
    headers=$(ls compiler/*.h runtime/*.h third_party/cjson/cJSON.h $FUZZ_DIR/*.h)
    newest=$(ls -t $headers | head -1)
    local srcs=() objs=() s o
    for s in compiler/*.c runtime/*.c third_party/cjson/cJSON.c "$tpl" $FUZZ_DIR/fuzz_common.c; do
        [ "$s" = compiler/main.c ] && continue
        srcs+=("$s")
    done
    for s in "${srcs[@]}"; do
        o=$dir/obj/$(echo "${s#$dir/}" | tr / _ | sed 's/\.c$/.o/')
        objs+=("$o")
        if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ "$newest" -nt "$o" ]; then
            local w="$WARN"
            case $s in $FUZZ_DIR/*) w="$WARN -Werror" ;; third_party/*) w="" ;; esac
            # driver.c wants the runtime's link flags as a string (the Makefile passes them too).
            "$CC" $BASE_CFLAGS $w $lib_san -DNNCC_RT_LIBS="\"$LIBS\"" -c "$s" -o "$o"
        fi
    done
    rm -f "$dir/libfuzzdeps.a"
    ar rcs "$dir/libfuzzdeps.a" "${objs[@]}"
    local h name src extra
    for h in "${HARNESSES[@]}"; do
        IFS=: read -r name src extra <<<"$h"
        selected "$name" || continue
        "$CC" $BASE_CFLAGS $WARN -Werror $san $extra "$FUZZ_DIR/$src" "$dir/libfuzzdeps.a" $LIBS -o "$dir/fuzz_$name"
    done
}

SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
LIB_SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"
echo "fuzz: building the harnesses with $CC ($("$CC" --version | head -1)) into $OUT/"
build "$OUT" "$SAN" "$LIB_SAN"

# ---- run -------------------------------------------------------------------------------------
# A crash is foreign when its report's first frame outside the sanitizer and libc is in a system
# library that is not instrumented (libhdf5, zlib, libyaml) and, for a bad access to a heap block,
# that block was allocated there too: a bug in that library, reached through nncc's loader, which
# nncc cannot fix. A bad buffer nncc handed to the library has nncc's frames in its "allocated
# by" stack, and stays nncc's. Prints the library's name.
foreign_crash() {
    awk '
        function frame_lib(line) {
            if (line ~ /interceptor|sanitizer|asan_|ubsan|__memcpy|__memmove|__memset|__strlen|libc\.so|sysdeps|\(.*fuzz_[a-z_0-9]+\+0x[0-9a-f]+\) *(\(BuildId.*)?$/) return "skip"
            if (match(line, /lib(hdf5|z|yaml)[a-z_0-9.-]*\.so[.0-9]*/)) return substr(line, RSTART, RLENGTH)
            return "ours"
        }
        /ERROR: (AddressSanitizer|LeakSanitizer)/ { in_report = 1; section = "top" }
        in_report && /allocated by thread/ { section = "alloc" }
        in_report && /^ *#[0-9]+ / {
            k = frame_lib($0)
            if (k == "skip") next
            if (section == "top" && top == "") top = k
            if (section == "alloc" && alloc == "") alloc = k
        }
        END {
            if (top == "" || top == "ours" || alloc == "ours") exit 1
            print top
        }' "$1"
}

# Leaks inside libhdf5 itself are not nncc's (lsan.supp says which); everything else is checked.
export LSAN_OPTIONS="suppressions=$ROOT/$FUZZ_DIR/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
mkdir -p "$OUT/findings" "$OUT/logs"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/nncc-fuzz-corpus.XXXXXX")
# The harnesses' temp files (the loaders take paths): in memory when /dev/shm is there.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then files=$(mktemp -d /dev/shm/nncc-fuzz-files.XXXXXX); else files=$scratch/files; mkdir "$files"; fi
export FUZZ_TMPDIR=$files
trap 'rm -rf "$probe" "$scratch" "$files"' EXIT
failed=()
summary=()
for h in "${HARNESSES[@]}"; do
    IFS=: read -r name src extra <<<"$h"
    selected "$name" || continue
    bin=$OUT/fuzz_$name
    log=$OUT/logs/$name.log
    # libhdf5 (not instrumented) mallocs sizes read from a corrupt file (a local heap of 4 or 21 GB
    # in a 2 KB file, in H5Lexists). ASan poisons the shadow of such a block (size / 8) before
    # libFuzzer's -malloc_limit_mb hook sees it, so -rss_limit_mb fired first: an "out-of-memory"
    # without a stack, counted as nncc's. max_allocation_size_mb makes any allocation past 2 GB an
    # ASan report with its stack at once: foreign when libhdf5 asked for it, nncc's otherwise.
    asan=${ASAN_OPTIONS:-}
    [ "$name" = hdf5 ] && asan="max_allocation_size_mb=2048${asan:+:$asan}"
    : >"$log"
    # Every kept finding, once.
    regress=()
    if [ -d "$FUZZ_DIR/regress/$name" ]; then
        while IFS= read -r -d '' f; do regress+=("$f"); done < <(find "$FUZZ_DIR/regress/$name" -type f ! -name '*.md' -print0 | sort -z)
    fi
    regress_foreign=0 regress_failed=0
    for f in "${regress[@]}"; do
        ASAN_OPTIONS=$asan "$bin" -timeout=30 "$f" >"$OUT/logs/$name.regress.log" 2>&1 && continue
        cat "$OUT/logs/$name.regress.log" >>"$log"
        if lib=$(foreign_crash "$OUT/logs/$name.regress.log"); then
            regress_foreign=$((regress_foreign + 1))
            echo "fuzz: $name: $f still crashes $lib (not nncc's code)" >&2
            continue
        fi
        echo "fuzz: FAIL $name: regression input $f fails again (log: $log)" >&2
        grep -m1 -B2 -A12 'ERROR:\|runtime error\|deadly signal\|timeout' "$OUT/logs/$name.regress.log" >&2 ||
            tail -20 "$OUT/logs/$name.regress.log" >&2
        failed+=("$name: regression $f")
        regress_failed=1
    done
    rm -f "$OUT/logs/$name.regress.log"
    if [ $regress_failed = 1 ] && [ "${FUZZ_KEEP_GOING:-0}" != 1 ]; then
        summary+=("$(printf '%-12s not fuzzed: a regression input fails (FUZZ_KEEP_GOING=1 fuzzes it anyway)' "$name")")
        continue
    fi
    if [ "$SECONDS_EACH" -le 0 ]; then
        summary+=("$name: ${#regress[@]} regression inputs run: $((${#regress[@]} - regress_foreign)) pass$([ $regress_foreign = 0 ] || echo ", $regress_foreign still crash a system library")")
        continue
    fi
    corpus=$scratch/$name
    mkdir -p "$corpus"
    [ -d "$FUZZ_DIR/corpus/$name" ] && cp -r "$FUZZ_DIR/corpus/$name/." "$corpus/"
    dict=()
    [ -f "$FUZZ_DIR/$name.dict" ] && dict=(-dict="$FUZZ_DIR/$name.dict")
    rm -f "$OUT/findings/$name-"*
    # Fuzz for the whole budget; a crash inside a system library (foreign, above) is kept in
    # findings/ as NAME-foreign-* and the run goes on from the corpus so far; any other finding
    # ends it.
    start=$SECONDS ours="" foreign=0 runs=0 execs=0
    if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
        # One libFuzzer in fork mode (one worker) that goes on past findings; each input it saved
        # is then run again alone and sorted into nncc's and foreign.
        ASAN_OPTIONS=$asan "$bin" "$corpus" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
            -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$OUT/findings/$name-" \
            "${dict[@]}" ${RUN_FLAGS[$name]:-} ${FUZZ_FLAGS:-} >>"$log" 2>&1 || true
        execs=$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$log" | tail -1)
        execs=${execs:-0}
        runs=999 # no loop below
        n_ours=0
        for art in $(ls "$OUT/findings/$name-"* 2>/dev/null | grep -v -- "-foreign-" || true); do
            ASAN_OPTIONS=$asan "$bin" -timeout=30 "$art" >"$OUT/logs/$name.one.log" 2>&1 && continue
            if foreign_crash "$OUT/logs/$name.one.log" >/dev/null; then
                foreign=$((foreign + 1))
                mv "$art" "$OUT/findings/$name-foreign-$(basename "$art" | sed "s/^$name-//")"
            else
                n_ours=$((n_ours + 1))
                echo "fuzz: FAIL $name: $art: $(grep -m1 -o 'ERROR: [A-Za-z]*: [a-z-]*\|runtime error: .*\|out-of-memory' "$OUT/logs/$name.one.log" | head -1)" >&2
            fi
        done
        rm -f "$OUT/logs/$name.one.log"
        [ $n_ours -eq 0 ] || ours="$n_ours inputs in $OUT/findings/$name-*"
    fi
    while :; do
        left=$((SECONDS_EACH - (SECONDS - start)))
        [ $left -ge 2 ] && [ $runs -lt 50 ] || break
        runs_left=()
        if [ -n "${FUZZ_RUNS:-}" ]; then
            [ "$execs" -lt "$FUZZ_RUNS" ] || break
            runs_left=(-runs=$((FUZZ_RUNS - execs)))
        fi
        runs=$((runs + 1))
        run_log=$OUT/logs/$name.run$runs.log
        rc=0
        ASAN_OPTIONS=$asan "$bin" "$corpus" -max_total_time=$left -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$OUT/findings/$name-" "${dict[@]}" "${runs_left[@]}" ${RUN_FLAGS[$name]:-} ${FUZZ_FLAGS:-} \
            >"$run_log" 2>&1 || rc=$?
        cat "$run_log" >>"$log"
        n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run_log" | tail -1)
        execs=$((execs + ${n:-0}))
        [ $rc -ne 0 ] || break
        art=$(ls -t "$OUT/findings/$name-"* 2>/dev/null | grep -v -- "-foreign-" | head -1 || true)
        if lib=$(foreign_crash "$run_log") && [ -n "$art" ]; then
            foreign=$((foreign + 1))
            mv "$art" "$OUT/findings/$name-foreign-$(basename "$art" | sed "s/^$name-//")"
            echo "fuzz: $name: a crash inside $lib (not nncc's code), kept as $OUT/findings/$name-foreign-*; going on" >&2
            continue
        fi
        ours=${art:-see $log}
        echo "fuzz: FAIL $name: ${art:-no input saved} (log: $log)" >&2
        grep -m1 -A14 'ERROR:\|runtime error\|deadly signal\|ALARM\|out-of-memory' "$run_log" >&2 || tail -20 "$run_log" >&2
        break
    done
    rm -f "$OUT/logs/$name.run"*.log
    elapsed=$((SECONDS - start))
    rate=$((execs / (elapsed > 0 ? elapsed : 1)))
    # (no cov: line when a seed fails while libFuzzer reads the corpus: grep fails, set -e must not end the run)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 || true)
    line=$(printf '%-12s %10s execs %7s exec/s  %s  corpus %s files' "$name" "$execs" "$rate" \
        "${cov:-cov: ?}" "$(ls "$corpus" | wc -l)")
    [ $foreign -eq 0 ] || line="$line  ($foreign crash(es) inside a system library: findings/$name-foreign-*)"
    rc=0
    if [ -n "$ours" ]; then
        rc=1
        failed+=("$name: $ours")
        line="$line  FINDING"
    fi
    summary+=("$line")
    if [ "${FUZZ_MERGE:-0}" = 1 ] && [ $rc -eq 0 ]; then
        mkdir -p "$FUZZ_DIR/corpus/$name"
        "$bin" -merge=1 "$FUZZ_DIR/corpus/$name" "$corpus" >>"$log" 2>&1
    fi
done

# ---- coverage (optional) ---------------------------------------------------------------------
if [ "${FUZZ_COVERAGE:-0}" = 1 ] && [ "$SECONDS_EACH" -gt 0 ]; then
    PROFDATA=$(command -v llvm-profdata || ls /usr/bin/llvm-profdata-* 2>/dev/null | head -1)
    LLVMCOV=$(command -v llvm-cov || ls /usr/bin/llvm-cov-* 2>/dev/null | head -1)
    [ -n "$PROFDATA" ] && [ -n "$LLVMCOV" ] || die "FUZZ_COVERAGE needs llvm-profdata and llvm-cov (Debian: llvm)"
    COV_FLAGS="-fprofile-instr-generate -fcoverage-mapping"
    echo "fuzz: coverage build into $OUT/cov/"
    build "$OUT/cov" "-fsanitize=fuzzer $COV_FLAGS" "-fsanitize=fuzzer-no-link $COV_FLAGS"
    for h in "${HARNESSES[@]}"; do
        IFS=: read -r name src extra <<<"$h"
        selected "$name" && [ -d "$scratch/$name" ] || continue
        LLVM_PROFILE_FILE="$OUT/cov/$name.profraw" "$OUT/cov/fuzz_$name" -runs=0 "$scratch/$name" \
            >"$OUT/logs/$name.cov.log" 2>&1 || true
        "$PROFDATA" merge -sparse "$OUT/cov/$name.profraw" -o "$OUT/cov/$name.profdata"
        summary+=("$name coverage (lines) by its corpus of $(ls "$scratch/$name" | wc -l) files:")
        while read -r file _ _ _ _ _ _ lines missed pct _; do
            summary+=("$(printf '    %-34s %6s lines %6s missed %8s' "$file" "$lines" "$missed" "$pct")")
        done < <("$LLVMCOV" report "$OUT/cov/fuzz_$name" -instr-profile="$OUT/cov/$name.profdata" ${COVERS[$name]} |
                 grep -E '^[^ ]+\.c ')
    done
fi

echo
echo "fuzz: $( [ "$SECONDS_EACH" -gt 0 ] && echo "${SECONDS_EACH} s per harness" || echo "regressions only")"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: ${#failed[@]} finding(s):" >&2
    printf '  %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "fuzz: no findings"
