#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/pgo.sh — the benchmark build (issue 9): release, LTO and profile-guided (GCC's
# -fprofile-generate, then -fprofile-use), in build-rel, the directory scripts/bench.sh takes
# tcpterm and tcpterm-gen from. Never used by the tests. As root (the training runs DPDK):
#
#   scripts/pgo.sh [--no-train-memif]
#
# 1. meson setup (or reconfigure) build-rel: --buildtype=release -Db_lto=true -Db_pgo=generate
#    -Dtests=true (bench_conn is built with the tests);
#    ninja; the profile of an earlier round removed first (a stale .gcda names code that
#    has changed).
# 2. Training, each short, with what tcpterm does under a benchmark: bench_conn's short
#    connections, keep-alive requests and flood SYNs (tests/bench/bench_conn.c: the stack
#    without a driver), then tcpterm-gen against tcpterm over memif (tests/bench/gen_memif.py:
#    cps and keepalive, 3 s each: the memif path and the http application), skipped with
#    --no-train-memif.
# 3. meson configure -Db_pgo=use; ninja: the same sources compiled with the profile (hot
#    paths laid out together, cold ones split off, branches and inlining by the counts).
# Why: the stack is bound by the instructions it runs and how they sit in the instruction
# cache, and the profile-guided build ran bench_conn's short connection about 13-15 % faster
# than release with LTO alone (docs/BENCHMARKS.md, issue 9's eighth session). It sets
# build-rel's c_args (the profile's warnings, step 3). What the steps print goes to
# build-rel/pgo.log; a failing step prints its last lines.
# Exit status: 0 built, 1 a step failed (said), 2 bad arguments.
set -u -o pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD
DIR=build-rel
PY=/usr/bin/python3
MEMIF=1

for a in "$@"; do
	case $a in
		--no-train-memif) MEMIF=0 ;;
		-h|--help) sed -n '4,26s/^# \{0,1\}//p' "$ROOT/scripts/pgo.sh"; exit 0 ;;
		*) printf 'pgo.sh: unknown argument %s (see --help)\n' "$a" >&2; exit 2 ;;
	esac
done

LOG=$DIR/pgo.log
fail() {
	printf 'pgo.sh: %s\n' "$*" >&2
	[ -s "$LOG" ] && { echo "pgo.sh: the last lines of $LOG:" >&2; tail -n 15 "$LOG" >&2; }
	exit 1
}
step() { printf 'pgo.sh: %s (%s)\n' "$*" "$(date -u +%T)"; }

if [ "$MEMIF" = 1 ] && [ "$(id -u)" -ne 0 ]; then
	fail "training over memif needs root (or --no-train-memif)"
fi

step "1/3 instrumented build in $DIR"
if [ -f "$DIR/build.ninja" ]; then
	meson configure "$DIR" --buildtype=release -Db_lto=true -Db_pgo=generate -Dtests=true \
		>"$LOG" 2>&1 || fail "meson configure $DIR failed"
else
	mkdir -p "$DIR" || fail "cannot create $DIR"
	meson setup "$DIR" --buildtype=release -Db_lto=true -Db_pgo=generate -Dtests=true \
		>"$LOG.setup" 2>&1
	rc=$?
	mv "$LOG.setup" "$LOG"
	[ "$rc" -eq 0 ] || fail "meson setup $DIR failed"
fi
# Counts of an earlier round would add to this one's.
find "$DIR" -name '*.gcda' -delete || fail "cannot remove the old profiles (.gcda) in $DIR"
ninja -C "$DIR" >>"$LOG" 2>&1 || fail "ninja -C $DIR (instrumented) failed"

step "2/3 training"
BC=$DIR/tests/bench/bench_conn
for mode in "" --keepalive --flood; do
	# 4 KB pages (TT_BENCH_NO_HUGE): the training needs no hugepages.
	TT_BENCH_NO_HUGE=1 "$BC" $mode 20000 16 3 >>"$LOG" 2>&1 ||
		fail "bench_conn ${mode:-(short connections)} failed in training"
done
if [ "$MEMIF" = 1 ]; then
	# Once more after a failure: DPDK 22.11's memif PMD can crash a process when its peer
	# leaves (docs/BENCHMARKS.md, "memif and disconnects"), and a process that dies writes
	# no profile. Two failures in a row are a failure.
	for try in 1 2; do
		TCPTERM=$ROOT/$DIR/app/tcpterm TCPTERM_GEN=$ROOT/$DIR/app/tcpterm-gen \
			"$PY" tests/bench/gen_memif.py --duration 3 cps keepalive 2>>"$LOG" |
			grep -v "^{" && break
		[ "$try" = 2 ] && fail "gen_memif.py failed in training, twice"
		echo "pgo.sh: gen_memif.py failed (its error is in $LOG); once more" >&2
	done
	# Both binaries must have been profiled, not only bench_conn's copy of the library.
	for b in tcpterm tcpterm-gen; do
		[ -n "$(find "$DIR/app/$b.p" -name '*.gcda' 2>/dev/null | head -n 1)" ] ||
			fail "training wrote no profile for $b (in $DIR/app/$b.p)"
	done
fi
n=$(find "$DIR" -name '*.gcda' | wc -l)
[ "$n" -gt 0 ] || fail "training wrote no profile (.gcda) in $DIR"

step "3/3 build with the profile ($n object profiles)"
# Code no training run reached has no profile (the per-layer libraries check_layers links):
# that warning is off. A source changed after the training makes its profile stale: that
# one stays a warning, not an error, so ninja in build-rel still builds after an edit
# (rerun this script to retrain).
meson configure "$DIR" -Db_pgo=use \
	"-Dc_args=['-Wno-missing-profile','-Wno-error=coverage-mismatch']" >>"$LOG" 2>&1 ||
	fail "meson configure -Db_pgo=use failed"
ninja -C "$DIR" >>"$LOG" 2>&1 || fail "ninja -C $DIR (with the profile) failed"
step "done: $DIR/app/tcpterm, $DIR/app/tcpterm-gen, $DIR/tests/bench/bench_conn"
