#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# ping_arp: the kernel resolves tcpterm by ARP (its neighbour entry carries the MAC tcpterm
# logged at start; ArpInRequests and ArpOutReplies count it), and ping -c 5 gets five
# replies with 0% loss, counted as IcmpInEchos = IcmpOutEchoReps = 5.
set -u
. "$(dirname "$0")/lib.sh"

tt_setup arp
tt_start
mac=$(tt_mac)
[ -n "$mac" ] || tt_fail "tcpterm did not log its MAC at start"

out=$(tt_ns ping -c 5 -i 0.2 -W 2 "$TT_ADDR" 2>&1) || tt_fail "ping failed: $out"
echo "$out" | grep -q ' 0% packet loss' || tt_fail "ping lost packets: $out"
tt_ok "ping -c 5: 0% loss"

neigh=$(tt_ns ip neigh show "$TT_ADDR" dev "$TT_TAP")
lladdr=$(echo "$neigh" | grep -Eo 'lladdr [0-9a-f:]{17}' | cut -d' ' -f2)
[ "$lladdr" = "$mac" ] ||
	tt_fail "kernel resolved $TT_ADDR to '$lladdr' ($neigh), tcpterm's MAC is $mac"
tt_ok "ip neigh: $TT_ADDR lladdr $lladdr = tcpterm's MAC"

v=$(tt_stat ArpInRequests) || tt_fail "no counters"
[ "$v" -ge 1 ] || tt_fail "ArpInRequests = $v, want >= 1"
v=$(tt_stat ArpOutReplies) || tt_fail "no counters"
[ "$v" -ge 1 ] || tt_fail "ArpOutReplies = $v, want >= 1"
v=$(tt_stat IcmpInEchos) || tt_fail "no counters"
[ "$v" -eq 5 ] || tt_fail "IcmpInEchos = $v, want 5"
v=$(tt_stat IcmpOutEchoReps) || tt_fail "no counters"
[ "$v" -eq 5 ] || tt_fail "IcmpOutEchoReps = $v, want 5"
tt_ok "ArpInRequests >= 1, ArpOutReplies >= 1, IcmpInEchos = IcmpOutEchoReps = 5"
