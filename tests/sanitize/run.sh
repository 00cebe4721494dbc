#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tests/sanitize/run.sh CMD [ARG...] — how meson runs each test of a sanitizer build
# (-Dsanitize=true, SPEC R5): CMD runs with the sanitizers writing their reports to files in
# a directory of its own instead of stderr, so a report from ANY instrumented process the
# test starts (the unit-test binary, or tcpterm and tcpterm-ctl under an integration test,
# whose output the test may not read or whose exit status it may not check) fails the test.
# The reports are printed, then the exit status is 1; otherwise CMD's own status (77 = skip).
#
# Options given in the environment are kept and win over these defaults:
#   ASAN_OPTIONS   detect_leaks=1: LeakSanitizer at exit (EAL's own memory is given back by
#                  rte_eal_cleanup, which tcpterm and the unit tests call at exit)
#   UBSAN_OPTIONS  print_stacktrace=1 (the build makes UBSan fatal: -fno-sanitize-recover)
#   LSAN_OPTIONS   suppressions=tests/sanitize/lsan.supp when that file exists (leaks in
#                  DPDK's drivers only, each with its reason; what EAL keeps stays
#                  reachable from its globals)
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 CMD [ARG...]" >&2; exit 2; }

dir=$(mktemp -d /tmp/tt-sanitize.XXXXXX) || exit 1
trap 'rm -rf "$dir"' EXIT

export ASAN_OPTIONS="log_path=$dir/report:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="log_path=$dir/report:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
if [ -f "$here/lsan.supp" ]; then
	export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi

# Not exec: the reports are read after CMD ends. In the foreground, so CMD keeps the
# signal dispositions a test expects (an asynchronous command would ignore SIGINT). Meson's
# timeout signals the whole process group: CMD gets it too, and the trap only makes this
# shell wait for CMD's end and still report.
trap ':' TERM INT
"$@"
rc=$?

reports=()
for f in "$dir"/*; do
	[ -s "$f" ] && reports+=("$f")
done
if [ ${#reports[@]} -gt 0 ]; then
	for f in "${reports[@]}"; do
		echo "=== sanitizer report of process ${f##*.}:"
		head -n 200 "$f"
	done
	echo "FAIL: ${#reports[@]} sanitizer report(s) from processes of this test (exit status was $rc)"
	exit 1
fi
exit "$rc"
