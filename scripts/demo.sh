#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/demo.sh — the main job (README): tcpterm on its embedded default (one lcore, no
# PCI, no hugepages, its own link to the kernel: tt0, which gets 198.18.0.1/24, a veth pair
# with AF_XDP or AF_PACKET on tcpterm's side or else a TAP; tcpterm is 198.18.0.2), shown
# working: ping, curl, its counters; then its live status line until Ctrl-C, or for
# $DURATION seconds. Stops it with SIGINT and checks tt0 is gone.
#
#   bash scripts/demo.sh                 # until Ctrl-C
#   DURATION=10 bash scripts/demo.sh     # 10 s of status lines, then stop
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

PREFIX=tcpterm          # the embedded default's --file-prefix (lib/engine/tt_eal.c)
TAP=tt0                 # the kernel's side of tcpterm's link (lib/engine/tt_kernel_link.c)
ADDR=198.18.0.2
BUILD=build
TCPTERM=$BUILD/app/tcpterm
PY=/usr/bin/python3

say() { printf '\n== %s\n' "$*"; }
refuse() { printf 'demo.sh: %s\n' "$*" >&2; exit 2; }

case "${DURATION:-}" in
	''|*[!0-9]*) [ -z "${DURATION:-}" ] || refuse "DURATION must be a number of seconds, not '$DURATION'" ;;
esac
[ "$(id -u)" -eq 0 ] || refuse "needs root: tcpterm creates its link to the kernel, $TAP (run: sudo bash scripts/demo.sh)"
# A running tcpterm with this prefix holds its EAL config file open.
if [ -e "/var/run/dpdk/$PREFIX/config" ] &&
   find /proc/[0-9]*/fd -lname "*/dpdk/$PREFIX/config" -print -quit 2>/dev/null | grep -q .; then
	refuse "a tcpterm with file prefix '$PREFIX' is already running; stop it first (Ctrl-C, or kill -INT its PID)"
fi
# A tt0 left by a tcpterm that was killed is tcpterm's to remove (it says so); any other is not.
if ip link show "$TAP" >/dev/null 2>&1 &&
   ! grep -q '^tcpterm kernel link, pid' "/sys/class/net/$TAP/ifalias" 2>/dev/null; then
	refuse "network device $TAP already exists (not tcpterm's); remove it first: ip link del $TAP"
fi

bash scripts/setup.sh </dev/null || exit 1
LOG=$(mktemp /tmp/tcpterm-demo.XXXXXX.log)
trap 'rm -f "$LOG"' EXIT
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" >"$LOG" 2>&1 </dev/null || { tail -n 30 "$LOG"; echo "demo.sh: meson setup failed"; exit 1; }
fi
ninja -C "$BUILD" >"$LOG" 2>&1 </dev/null || { tail -n 30 "$LOG"; echo "demo.sh: build failed"; exit 1; }
CTL=$BUILD/app/tcpterm-ctl
[ -f "$CTL" ] && [ -x "$CTL" ] || CTL=

# --- start ----------------------------------------------------------------------------
say "starting tcpterm on its embedded default: $TCPTERM   (output: $LOG)"
"$TCPTERM" </dev/null >"$LOG" 2>&1 &
PID=$!
TAIL=
STOPPING=

# shellcheck disable=SC2317  # run by the EXIT trap
stop_tcpterm() {
	local rc=0
	trap - EXIT INT TERM
	[ -n "$TAIL" ] && kill "$TAIL" 2>/dev/null
	if kill -0 "$PID" 2>/dev/null; then
		printf '\n== stopping tcpterm (SIGINT to PID %s)\n' "$PID"
		kill -INT "$PID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$PID" 2>/dev/null; then
			echo "tcpterm did not stop within 10 s: SIGKILL"
			kill -KILL "$PID" 2>/dev/null
		fi
	fi
	wait "$PID" 2>/dev/null
	rc=$?
	grep -E '^tcpterm: .*(error|fail)' "$LOG" | tail -n 3
	if ip link show "$TAP" >/dev/null 2>&1; then
		echo "demo.sh: $TAP is still there after tcpterm exited"
		rc=1
	else
		echo "tcpterm exited with $rc; $TAP is gone"
	fi
	rm -f "$LOG"
	exit "$rc"
}
trap stop_tcpterm EXIT
trap 'STOPPING=1' INT TERM

up=
for _ in $(seq 200); do
	kill -0 "$PID" 2>/dev/null || break
	if grep -q '^tcpterm: serving' "$LOG" && ip -4 addr show dev "$TAP" 2>/dev/null | grep -q inet &&
	   "$PY" tests/integration/ttlib.py alive "$PREFIX" 2>/dev/null; then
		up=1
		break
	fi
	sleep 0.1
done
if [ -z "$up" ]; then
	cat "$LOG"
	echo "demo.sh: tcpterm did not come up (output above)"
	exit 1
fi
grep -E '^tcpterm: (serving|port)' "$LOG"
ip -br addr show dev "$TAP"

# --- show it working ------------------------------------------------------------------
say "ping -c 3 $ADDR   (answered by tcpterm's ICMP echo)"
ping -c 3 -W 2 "$ADDR"

say "curl -m 2 -i http://$ADDR/"
curl -sS -m 2 -i "http://$ADDR/" 2>&1 | head -n 20
case ${PIPESTATUS[0]} in
	0) echo; echo "-> answered by tcpterm's http application" ;;
	*) echo "-> curl failed: see the counters below and the log $LOG" ;;
esac

say "curl -m 2 http://$ADDR:81/   (no listener on port 81)"
curl -sS -m 2 "http://$ADDR:81/" 2>&1 | head -n 3
echo "-> refused at once: a SYN to a port with no listener gets RST/ACK (SPEC H9)"

if [ -n "$CTL" ]; then
	say "$CTL --file-prefix $PREFIX stats"
	"$CTL" --file-prefix "$PREFIX" stats
else
	say "echo /tcpterm/stats | dpdk-telemetry.py -f $PREFIX   (non-zero counters)"
	echo /tcpterm/stats | dpdk-telemetry.py -f "$PREFIX" | "$PY" -c '
import json, sys
for k, v in json.load(sys.stdin)["/tcpterm/stats"].items():
    if v:
        print(f"  {k:24} {v}")'
fi

# --- live status ----------------------------------------------------------------------
if [ -n "${DURATION:-}" ]; then
	say "live status for ${DURATION} s (one line a second)"
else
	say "live status, one line a second; Ctrl-C stops tcpterm"
fi
tail -n 0 --pid="$PID" -f "$LOG" &
TAIL=$!
if [ -n "${DURATION:-}" ]; then
	end=$((SECONDS + DURATION))
	while [ -z "$STOPPING" ] && [ "$SECONDS" -lt "$end" ] && kill -0 "$PID" 2>/dev/null; do
		sleep 0.2
	done
else
	while [ -z "$STOPPING" ] && kill -0 "$PID" 2>/dev/null; do
		sleep 0.2
	done
fi
[ -n "$STOPPING" ] || kill -0 "$PID" 2>/dev/null || echo "demo.sh: tcpterm exited on its own"
sleep 0.2   # let tail print the last line
exit 0      # the EXIT trap stops tcpterm and reports
