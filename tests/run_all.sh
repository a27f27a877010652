#!/usr/bin/env bash
# tests/run_all.sh — runs every tests/t_*.sh in order and counts their ok / FAIL / skip lines.
cd "$(dirname "$0")" || exit 2
status=0
log=$(mktemp)
for t in t_*.sh; do
    echo "== $t"
    bash "$t" 2>&1 | tee -a "$log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
passed=$(grep -c '^ok ' "$log"); failed=$(grep -c '^FAIL ' "$log"); skipped=$(grep -c '^skip ' "$log")
rm -f "$log"
echo "scripts: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || status=1
exit $status
