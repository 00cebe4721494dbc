#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/test.sh — the test command (README; CI runs it through .ci/run): setup, then two
# builds, each running the unit and integration suites (those that exist; integration needs
# root and counts as skipped without it):
#   build       the ordinary build;
#   build-san   the same tree with ASan and UBSan (meson -Dsanitize=true, SPEC R5), with clang
#               when it is installed (its UBSan can write reports to files, which
#               tests/sanitize/run.sh turns into failures), else the default compiler.
# It ends with one line counting the tests of both runs, from each build's
# meson-logs/testlog.json:
#     N passed, M failed[, K skipped]
# Exit status 0 only when nothing failed and at least one test passed. Extra arguments go to
# both `meson test` runs (e.g. --repeat 3). TT_TEST_SANITIZE=0 skips the second build.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

BUILD=build
SAN_BUILD=build-san
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

# configure DIR [MESON OPTIONS]: set DIR up, or reconfigure it with the options (wiped when
# reconfiguring fails, e.g. after a meson upgrade). 0 or 1.
configure() {
	local dir=$1
	shift
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		meson setup --reconfigure "$dir" "$@" >"$LOG" 2>&1 </dev/null ||
			meson setup --wipe "$dir" "$@" >>"$LOG" 2>&1 </dev/null
	else
		meson setup "$dir" "$@" >"$LOG" 2>&1 </dev/null
	fi || { tail -n 40 "$LOG"; return 1; }
}

# build DIR: ninja, the errors shown when it fails. 0 or 1.
build() {
	ninja -C "$1" >"$LOG" 2>&1 </dev/null ||
		{ grep -E 'error|FAILED' "$LOG" | head -n 40; return 1; }
}

# run_suites DIR: `meson test` on the unit and integration suites DIR defines (extra
# arguments from the command line). Its testlog.json is removed first, so a stale one is
# never counted.
run_suites() {
	local dir=$1 suites s
	local suite_args=()
	shift
	rm -f "$dir/meson-logs/testlog.json"
	suites=$(meson introspect "$dir" --tests 2>/dev/null </dev/null | "$PY" -c '
import json, sys
have = {s.split(":")[-1] for t in json.load(sys.stdin) for s in t["suite"]}
print(" ".join(s for s in ("unit", "integration") if s in have))')
	if [ -z "$suites" ]; then
		echo "test.sh: $dir defines no unit or integration tests"
		return
	fi
	for s in $suites; do suite_args+=(--suite "$s"); done
	meson test -C "$dir" "${suite_args[@]}" --print-errorlogs "$@" </dev/null
}

bash scripts/setup.sh </dev/null || give_up "scripts/setup.sh failed (see above)"

configure "$BUILD" || give_up "meson setup $BUILD failed"
build "$BUILD" || give_up "the build failed (ninja -C $BUILD)"

# The sanitizer build: a failure to build it counts as one failed test, and the ordinary
# build's tests still run.
san=${TT_TEST_SANITIZE:-1}
san_broken=0
if [ "$san" != 0 ]; then
	# The compiler is chosen when the directory is first set up; meson keeps it after.
	if [ ! -f "$SAN_BUILD/meson-private/coredata.dat" ] && command -v clang >/dev/null 2>&1; then
		CC=clang configure "$SAN_BUILD" -Dsanitize=true
	else
		configure "$SAN_BUILD" -Dsanitize=true
	fi
	if [ $? -ne 0 ]; then
		echo "test.sh: meson setup $SAN_BUILD -Dsanitize=true failed"
		san_broken=1
	elif ! build "$SAN_BUILD"; then
		echo "test.sh: the sanitizer build failed (ninja -C $SAN_BUILD)"
		san_broken=1
	fi
fi

[ "$(id -u)" -eq 0 ] || echo "test.sh: not root: the integration tests will be skipped"

logs=()
echo "test.sh: === $BUILD ==="
run_suites "$BUILD" "$@"
logs+=("$BUILD")
if [ "$san" != 0 ] && [ "$san_broken" -eq 0 ]; then
	echo "test.sh: === $SAN_BUILD (ASan + UBSan) ==="
	run_suites "$SAN_BUILD" "$@"
	logs+=("$SAN_BUILD")
fi

"$PY" - "$san_broken" "${logs[@]}" <<'EOF'
import json, os, sys
extra_failed = int(sys.argv[1])
total = [0, extra_failed, 0]
for build in sys.argv[2:]:
    path = os.path.join(build, 'meson-logs', 'testlog.json')
    if not os.path.exists(path):
        print(f'test.sh: meson test wrote no {path}')
        total[1] += 1
        continue
    passed = failed = skipped = 0
    with open(path) as f:
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
    print(f'test.sh: {build}: {passed} passed, {failed} failed, {skipped} skipped')
    total = [total[0] + passed, total[1] + failed, total[2] + skipped]
passed, failed, skipped = total
print(f'{passed} passed, {failed} failed' + (f', {skipped} skipped' if skipped else ''))
sys.exit(0 if failed == 0 and passed > 0 else 1)
EOF
