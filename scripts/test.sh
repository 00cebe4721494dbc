#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/test.sh — the test command (README; CI runs it through .ci/run): setup, configure
# and build ./build, run the unit and integration suites (those that exist; integration
# needs root and counts as skipped without it), and end with one line:
#     N passed, M failed[, K skipped]
# counted from meson's build/meson-logs/testlog.json. Exit status 0 only when nothing failed
# and at least one test passed. Extra arguments go to `meson test` (e.g. --repeat 3).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

BUILD=build
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
LOG=$(mktemp /tmp/tcpterm-test.XXXXXX.log)
trap 'rm -f "$LOG"' EXIT

# No test ran: say why, then the summary line.
give_up() {
	printf 'test.sh: %s\n' "$1"
	echo "0 passed, 0 failed"
	exit 1
}

bash scripts/setup.sh </dev/null || give_up "scripts/setup.sh failed (see above)"

if [ -f "$BUILD/meson-private/coredata.dat" ]; then
	meson setup --reconfigure "$BUILD" >"$LOG" 2>&1 </dev/null ||
		meson setup --wipe "$BUILD" >>"$LOG" 2>&1 </dev/null
else
	meson setup "$BUILD" >"$LOG" 2>&1 </dev/null
fi || { tail -n 40 "$LOG"; give_up "meson setup $BUILD failed"; }
ninja -C "$BUILD" >"$LOG" 2>&1 </dev/null ||
	{ grep -E 'error|FAILED' "$LOG" | head -n 40; give_up "the build failed (ninja -C $BUILD)"; }

# The suites among unit and integration that have tests.
suites=$(meson introspect "$BUILD" --tests 2>/dev/null </dev/null | "$PY" -c '
import json, sys
have = {s.split(":")[-1] for t in json.load(sys.stdin) for s in t["suite"]}
print(" ".join(s for s in ("unit", "integration") if s in have))')
[ -n "$suites" ] || give_up "no unit or integration tests are defined"
suite_args=()
for s in $suites; do suite_args+=(--suite "$s"); done
[ "$(id -u)" -eq 0 ] || echo "test.sh: not root: the integration tests will be skipped"

rm -f "$BUILD/meson-logs/testlog.json"
meson test -C "$BUILD" "${suite_args[@]}" --print-errorlogs "$@" </dev/null

[ -f "$BUILD/meson-logs/testlog.json" ] || give_up "meson test wrote no $BUILD/meson-logs/testlog.json"
"$PY" - "$BUILD/meson-logs/testlog.json" <<'EOF'
import json, sys
passed = failed = skipped = 0
with open(sys.argv[1]) as f:
    for line in f:
        if not line.strip():
            continue
        r = json.loads(line).get('result')
        if r in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        elif r == 'SKIP':
            skipped += 1
        else:   # FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS, INTERRUPT
            failed += 1
print(f'{passed} passed, {failed} failed' + (f', {skipped} skipped' if skipped else ''))
sys.exit(0 if failed == 0 and passed > 0 else 1)
EOF
