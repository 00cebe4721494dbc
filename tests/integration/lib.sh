# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shared helpers of tcpterm's shell integration tests; source it, then:
#   tt_setup TAG          namespace tt<TAG><pid>, names, cleanup trap (always runs)
#   tt_start [OPTIONS]    tcpterm in the namespace on TAP tt<TAG><pid>, prefix tt<TAG><pid>,
#                         --addr 198.18.3.2/24 --quiet OPTIONS; returns once telemetry answers
#   tt_ns CMD...          run CMD in the namespace
#   tt_stat NAME          a counter of /tcpterm/stats
#   tt_mac                tcpterm's MAC, from its start-up line
#   tt_ok MSG / tt_fail MSG / tt_skip MSG
# Cleanup: SIGINT to the tcpterm PID tt_start started (never by name), wait, namespace
# deleted, /var/run/dpdk/<prefix> removed if left. Counters come from ttlib.py, which reads
# the telemetry socket itself.

TT_PY=/usr/bin/python3
TT_LIBDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TT_SOURCE_ROOT=${TT_SOURCE_ROOT:-$(cd "$TT_LIBDIR/../.." && pwd)}
TCPTERM=${TCPTERM:-$TT_SOURCE_ROOT/build/app/tcpterm}
TT_ADDR=198.18.3.2
TT_PEER=198.18.3.1   # the kernel side of the TAP (kernel_addr auto)
export TT_PEER
TT_TEST=$(basename "$0" .sh)
TT_NS='' TT_PREFIX='' TT_TAP='' TT_PID='' TT_LOG=''

tt_ok()   { printf '%s: ok: %s\n' "$TT_TEST" "$*"; }
tt_fail() { printf '%s: FAIL: %s\n' "$TT_TEST" "$*"; exit 1; }
tt_skip() { printf '%s: SKIP: %s\n' "$TT_TEST" "$*"; exit 77; }

tt_ns() { ip netns exec "$TT_NS" "$@"; }

tt_lcore() {
	if [ -n "${TT_LCORE:-}" ]; then echo "$TT_LCORE"; return; fi
	"$TT_PY" -c 'import os; print(max(os.sched_getaffinity(0)))'
}

tt_cleanup() {
	local rc=$?
	trap - EXIT
	if [ -n "$TT_PID" ] && kill -0 "$TT_PID" 2>/dev/null; then
		kill -INT "$TT_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$TT_PID" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$TT_PID" 2>/dev/null; then
			echo "$TT_TEST: tcpterm (PID $TT_PID) ignored SIGINT for 5 s: SIGKILL"
			kill -KILL "$TT_PID" 2>/dev/null
			[ "$rc" -eq 0 ] && rc=1
		fi
	fi
	[ -n "$TT_PID" ] && wait "$TT_PID" 2>/dev/null
	[ -n "$TT_NS" ] && ip netns del "$TT_NS" 2>/dev/null
	[ -n "$TT_PREFIX" ] && rm -rf "/var/run/dpdk/$TT_PREFIX"
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -s "$TT_LOG" ]; then
		echo "--- output of tcpterm $TT_PREFIX:"
		tail -n 60 "$TT_LOG"
	fi
	[ -n "$TT_LOG" ] && rm -f "$TT_LOG"
	exit "$rc"
}

tt_setup() {
	local tag=$1
	[ "$(id -u)" -eq 0 ] || tt_skip "integration tests need root (network namespaces, TAP devices)"
	[ -x "$TCPTERM" ] || tt_fail "no tcpterm binary at $TCPTERM"
	[ -x "$TT_PY" ] || tt_skip "needs $TT_PY (apt-get install python3-scapy)"
	[ -e /dev/net/tun ] || tt_skip "no /dev/net/tun: TAP devices are not available here"
	TT_NS=tt$tag$$ TT_PREFIX=tt$tag$$ TT_TAP=tt$tag$$
	[ ${#TT_TAP} -le 15 ] || tt_fail "TAP name $TT_TAP is longer than 15 characters"
	trap tt_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	TT_LOG=$(mktemp "/tmp/$TT_PREFIX.XXXXXX.log")
	ip netns add "$TT_NS" || { TT_NS=; tt_skip "cannot create a network namespace here"; }
	tt_ns ip link set lo up
	tt_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

tt_start() {
	# Not through tt_ns: a function run with & is a subshell, and $! would be its PID, not
	# tcpterm's. ip netns exec execs tcpterm, so $! is tcpterm itself.
	ip netns exec "$TT_NS" "$TCPTERM" -l "$(tt_lcore)" --no-pci --no-huge -m 256 \
		--file-prefix "$TT_PREFIX" "--vdev=net_tap0,iface=$TT_TAP" \
		-- --addr "$TT_ADDR/24" --quiet "$@" </dev/null >"$TT_LOG" 2>&1 &
	TT_PID=$!
	"$TT_PY" "$TT_LIBDIR/ttlib.py" wait-up "$TT_PREFIX" "$TT_PID" 20 ||
		tt_fail "tcpterm did not come up (telemetry silent after 20 s)"
	[ "$(cat "/proc/$TT_PID/comm" 2>/dev/null)" = tcpterm ] ||
		tt_fail "PID $TT_PID is not tcpterm"
}

# In $(...): on failure it says so on stderr and returns 1 (tt_fail cannot end the test
# from a subshell), so write v=$(tt_stat Name) || tt_fail ...
tt_stat() {
	"$TT_PY" "$TT_LIBDIR/ttlib.py" get "$TT_PREFIX" /tcpterm/stats "$1" ||
		{ echo "cannot read counter $1" >&2; return 1; }
}

tt_mac() {
	grep -Eo 'mac ([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}' "$TT_LOG" | head -n1 | cut -d' ' -f2 |
		tr 'A-F' 'a-f'
}
