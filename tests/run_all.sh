#!/usr/bin/env bash
# tests/run_all.sh — runs every tests/t_*.sh in order and counts their ok / FAIL / skip lines (and
# the "san: ..." lines of what make san ran shorter, tests/lib.sh's san_reduced);
# prints each script's wall time and CPU time (user + system, its children's included) after it, and
# all of them again at the end: the CI log's timings (CPU time, unlike wall time, does not depend on
# what else the machine runs).
cd "$(dirname "$0")" || exit 2

# cpu_ms: sets CPU_MS to the user + system milliseconds of this shell's finished children (the 2nd
# line of bash's `times`; run in this shell, not in $(...), whose subshell has no children of its own)
cpu_ms() {
    local f; f=$(mktemp); times >"$f"
    CPU_MS=$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
                            printf "%d", t * 1000 }' "$f")
    rm -f "$f"
}
status=0
log=$(mktemp)
times=""
total_start=$(date +%s)
for t in t_*.sh; do
    echo "== $t"
    start=$(date +%s); cpu_ms; cpu0=$CPU_MS
    bash "$t" 2>&1 | tee -a "$log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    secs=$(($(date +%s) - start)); cpu_ms; cpu=$(((CPU_MS - cpu0 + 500) / 1000))
    echo "== $t: $secs s ($cpu s CPU)"
    times="$times$(printf '%6d s %6d s CPU  %s' "$secs" "$cpu" "$t")"$'\n'
done
passed=$(grep -c '^ok ' "$log"); failed=$(grep -c '^FAIL ' "$log"); skipped=$(grep -c '^skip ' "$log")
reduced=$(grep -c '^san: ' "$log")
rm -f "$log"
note=""
[ "$reduced" -gt 0 ] && note=", $reduced runs shortened under make san (the \"san:\" lines)"
echo "times (wall, CPU):"
printf '%s' "$times"
echo "scripts: $passed passed, $failed failed, $skipped skipped$note in $(($(date +%s) - total_start)) s"
[ "$failed" -eq 0 ] || status=1
exit $status
