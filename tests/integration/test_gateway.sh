#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# gateway: with --gateway set to the TAP's kernel side, tcpterm resolves it by ARP on its
# own (ArpOutRequests >= 1, ArpInReplies >= 1 within a few seconds), does not keep asking,
# and the kernel learns tcpterm from the request.
set -u
. "$(dirname "$0")/lib.sh"

tt_setup gw
tt_start --gateway "$TT_PEER"

for _ in $(seq 50); do
	req=$(tt_stat ArpOutRequests) || tt_fail "no counters"
	rep=$(tt_stat ArpInReplies) || tt_fail "no counters"
	[ "$req" -ge 1 ] && [ "$rep" -ge 1 ] && break
	sleep 0.1
done
[ "$req" -ge 1 ] || tt_fail "ArpOutRequests = $req after 5 s, want >= 1"
[ "$rep" -ge 1 ] || tt_fail "ArpInReplies = $rep after 5 s, want >= 1"
tt_ok "gateway $TT_PEER resolved: ArpOutRequests = $req, ArpInReplies = $rep"

# Resolved, tcpterm asks again only to refresh (every 30 s), not every second.
sleep 2.5
req2=$(tt_stat ArpOutRequests) || tt_fail "no counters"
[ "$req2" -le $((req + 1)) ] ||
	tt_fail "ArpOutRequests went $req -> $req2 in 2.5 s after the gateway answered"
tt_ok "no repeated requests once resolved ($req -> $req2)"

# Linux learns the sender of an ARP request addressed to it: tcpterm's own request taught
# the kernel tcpterm's MAC before anything was sent to tcpterm.
mac=$(tt_mac)
lladdr=$(tt_ns ip neigh show "$TT_ADDR" dev "$TT_TAP" | grep -Eo 'lladdr [0-9a-f:]{17}' |
	cut -d' ' -f2)
if [ -z "$mac" ] || [ "$lladdr" != "$mac" ]; then
	tt_fail "kernel neighbour entry for $TT_ADDR is '$lladdr', tcpterm's MAC is '$mac'"
fi
tt_ok "the kernel learned $TT_ADDR at $lladdr from tcpterm's request"
