#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/bench.sh — every performance figure (SPEC P1-P5, issue 9) in one command; never part
# of the tests. As root, after a build:
#
#   scripts/bench.sh [--quick] [--dperf PATH] [--tcpterm PATH] [FIGURE...]
#
# FIGURE: cps peak keepalive stream flood twflat hold stack ir layers linux (default: all, in
# that order); what each measures is in tests/bench/bench_all.py, which this script runs. For
# each figure one readable line and one JSON line ({"bench": FIGURE, ...}) on stdout; the
# drivers' own lines (tests/bench/dperf_cps.py, gen_memif.py) go to a log whose path is
# printed at the end.
#   --quick         short runs (3 s windows; dperf keeps its 10 s slow start, no recovery
#                   probes, peak in 400k steps, a smaller TIME_WAIT fill): a smoke run
#   --dperf PATH    dperf's binary (../shared/bench/dperf/README.md): adds dperf's client
#                   against tcpterm and dperf's own server side by side (cps, keepalive) and
#                   the peak figure; without it those use tcpterm-gen only
#   --tcpterm PATH  tcpterm's binary (default build-rel/app/tcpterm if built: scripts/pgo.sh
#                   builds it, release, LTO and profile-guided; else build/app/tcpterm);
#                   tcpterm-gen is taken from the same directory
# tcpterm-gen (or dperf's client) on CPU 0, the server on CPU 1, over memif only (no PCI).
# Holds /tmp/tt-bench.lock for the whole run (waits for another holder), so two benchmarks
# never share the CPUs. On exit, normal or not, it stops what it started (by PID), removes their
# memif sockets and EAL directories, and puts the 2 MB hugepage count back.
# Exit status: 0 all figures measured, 1 a figure failed, 2 bad arguments or missing binaries.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
ROOT=$PWD

PY=/usr/bin/python3
LOCK=/tmp/tt-bench.lock
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
ALL_FIGURES=(cps peak keepalive stream flood twflat hold stack ir layers linux)
DPERF_CONF=$ROOT/../shared/bench/dperf/conf

refuse() { printf 'bench.sh: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '4,26s/^# \{0,1\}//p' "$ROOT/scripts/bench.sh"; }

QUICK=()
DPERF=
TCPTERM=
FIGURES=()
while [ $# -gt 0 ]; do
	case $1 in
		--quick) QUICK=(--quick) ;;
		--dperf|--tcpterm)
			[ $# -ge 2 ] && [ -n "$2" ] || refuse "$1 needs a path"
			if [ "$1" = --dperf ]; then DPERF=$2; else TCPTERM=$2; fi
			shift ;;
		--dperf=*) DPERF=${1#*=} ;;
		--tcpterm=*) TCPTERM=${1#*=} ;;
		-h|--help) usage; exit 0 ;;
		-*) refuse "unknown option $1 (see --help)" ;;
		*)
			case " ${ALL_FIGURES[*]} " in
				*" $1 "*) FIGURES+=("$1") ;;
				*) refuse "unknown figure '$1' (figures: ${ALL_FIGURES[*]})" ;;
			esac ;;
	esac
	shift
done
[ ${#FIGURES[@]} -gt 0 ] || FIGURES=("${ALL_FIGURES[@]}")

[ "$(id -u)" -eq 0 ] || refuse "needs root (DPDK, memif sockets, hugepages)"
[ -x "$PY" ] || refuse "$PY is missing"
if [ -z "$TCPTERM" ]; then
	if [ -x build-rel/app/tcpterm ]; then TCPTERM=$ROOT/build-rel/app/tcpterm
	else TCPTERM=$ROOT/build/app/tcpterm; fi
fi
[ -x "$TCPTERM" ] && [ -f "$TCPTERM" ] ||
	refuse "no tcpterm binary at $TCPTERM (build: meson setup build && ninja -C build)"
TCPTERM=$(realpath "$TCPTERM")
GEN=$(dirname "$TCPTERM")/tcpterm-gen
[ -x "$GEN" ] || refuse "no tcpterm-gen beside $TCPTERM (at $GEN)"
if [ -n "$DPERF" ]; then
	[ -x "$DPERF" ] && [ -f "$DPERF" ] ||
		refuse "no dperf binary at $DPERF (build it: ../shared/bench/dperf/README.md)"
	DPERF=$(realpath "$DPERF")
	[ -d "$DPERF_CONF" ] || refuse "dperf's configurations are missing ($DPERF_CONF)"
fi

# The lock, on fd 9 for the whole run; the processes started inherit it, so it is held as
# long as any of them lives.
exec 9>>"$LOCK" || refuse "cannot open $LOCK"
if ! flock -n 9; then
	echo "bench.sh: waiting for $LOCK (another benchmark is running)" >&2
	flock 9
fi

RUN=$(mktemp -d /tmp/tt-bench.XXXXXX)
LOG=$RUN/drivers.log
HP_BEFORE=$(cat "$HP" 2>/dev/null || echo)
PYPID=
KIDS=()

# descendants PID: every process below PID, children first in the list's order.
descendants() {
	local p
	for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$p"
		descendants "$p"
	done
}

on_signal() {
	if [ -n "$PYPID" ]; then
		KIDS+=($(descendants "$PYPID"))
		kill -TERM "$PYPID" 2>/dev/null
	fi
}

# Stop what this run started, by PID, and remove what they leave behind.
cleanup() {
	local p i
	if [ -n "$PYPID" ] && kill -0 "$PYPID" 2>/dev/null; then
		KIDS+=($(descendants "$PYPID"))
		kill -TERM "$PYPID" 2>/dev/null
		for i in $(seq 50); do kill -0 "$PYPID" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$PYPID" 2>/dev/null
	fi
	for p in "${KIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || continue
		kill -INT "$p" 2>/dev/null
		for i in $(seq 25); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "$PYPID" ]; then
		# the drivers' names: gen_memif.py (ttgbs*/ttgbg* + its PID, its socket), dperf_cps.py
		# (ttdperf + its PID), dperf itself (dperf-PID, hugepage files dperf-PIDmap_*),
		# linux_floor.py (namespace ttfloor + its PID, directory /tmp/tt-floor.PID.*: it
		# removes both unless killed)
		ip netns del ttfloor"$PYPID" 2>/dev/null
		rm -rf /tmp/tt-floor."$PYPID".*
		rm -rf /var/run/dpdk/ttgb?*"$PYPID" /var/run/dpdk/ttdperf"$PYPID" \
			/tmp/tt-genbench-"$PYPID".sock
		for p in "${KIDS[@]}"; do
			rm -rf /var/run/dpdk/dperf-"$p" /dev/hugepages/dperf-"$p"map_*
		done
	fi
	if [ -n "$HP_BEFORE" ] && [ "$(cat "$HP")" != "$HP_BEFORE" ]; then
		echo "$HP_BEFORE" >"$HP"
	fi
	find "$RUN" -mindepth 1 ! -name drivers.log -exec rm -rf {} + 2>/dev/null
	[ -s "$LOG" ] && echo "bench.sh: the drivers' own lines: $LOG" >&2 || rm -rf "$RUN"
}
trap cleanup EXIT
trap on_signal INT TERM

echo "bench.sh: $(date -u '+%F %T UTC'), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), tcpterm $TCPTERM${DPERF:+, dperf $DPERF}, figures: ${FIGURES[*]}${QUICK:+ (quick)}"
DPERF_ARG=()
[ -n "$DPERF" ] && DPERF_ARG=(--dperf "$DPERF")
"$PY" "$ROOT/tests/bench/bench_all.py" "${QUICK[@]}" "${DPERF_ARG[@]}" --tcpterm "$TCPTERM" \
	--gen "$GEN" --log "$LOG" "${FIGURES[@]}" </dev/null &
PYPID=$!
while :; do
	wait "$PYPID"
	rc=$?
	kill -0 "$PYPID" 2>/dev/null || break
done
[ "$rc" -eq 0 ] || exit 1
exit 0
