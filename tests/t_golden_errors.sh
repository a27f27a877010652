#!/usr/bin/env bash
# t_golden_errors.sh — the bad-input corpus: every tests/golden/errors/*.yaml against its .err.
. "$(dirname "$0")/lib.sh"
bash "$TOP/tests/golden_errors.sh" "$NNCC" | sed -e 's/^ok /ok errors: /' -e 's/^FAIL /FAIL errors: /' | grep -v ' passed, '
finish_code=${PIPESTATUS[0]}
exit "$finish_code"
