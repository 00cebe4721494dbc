/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm counters: the one list (STYLE habit 5). Each row is a group, the name an operator
 * greps for, and the netstat -s phrase. The list generates the per-worker counter array, the
 * /tcpterm/stats telemetry object and tcpterm-ctl's netstat -s view.
 *
 * Names: TCP rows carry exactly the names Linux shows in /proc/net/snmp (Tcp:) and
 * /proc/net/netstat (TcpExt:), without prefix, as SPEC "Counters" requires. Other protocols
 * carry their nstat names (IpInReceives, IcmpInEchos; Ip6InReceives, Icmp6InEchos as in
 * /proc/net/snmp6) so nothing collides with TCP's InErrs/InCsumErrors. Arp*, Nd*, Eth*,
 * Mbuf*, Impair* (tt_impair.h) and the Tcpterm group's rows are tcpterm's own (Linux has no
 * such counters).
 * NIC counters are not here: they come from rte_eth_stats under DPDK's own names.
 */
#ifndef TT_STATS_H
#define TT_STATS_H

#include <stdint.h>

#define TT_STATS_FOREACH(X) \
	X(Eth, EthInFrames,        "frames received") \
	X(Eth, EthInTruncated,     "frames dropped as shorter than their headers") \
	X(Eth, EthInOtherTypes,    "frames dropped for an EtherType other than IPv4, ARP or (with an IPv6 address) IPv6") \
	X(Eth, EthInOtherHosts,    "frames dropped as addressed to another MAC") \
	X(Eth, EthInGroupSource,   "frames dropped for a multicast or broadcast source MAC") \
	X(Eth, EthInVlanUnknown,   "802.1Q-tagged frames dropped: no address of ours is on their VLAN (with none configured: any VLAN but 0)") \
	X(Eth, EthInGroupTcp,      "TCP segments dropped as sent to a group MAC (TCP is unicast)") \
	X(Eth, EthOutFrames,       "frames sent") \
	X(Eth, EthOutVlanErrors,   "frames dropped because their 802.1Q tag could not be inserted (no headroom or a shared buffer)") \
	X(Eth, EthOutDrops,        "frames dropped because the TX queue was full") \
	X(Eth, EthHandoffDrops,    "frames dropped because another worker's ring was full") \
	X(Eth, EthHandoffs,        "TCP segments handed to the worker owning their flow (R4)") \
	X(Eth, EthRssHashMismatch, "NIC RSS hashes found unlike tcpterm's Toeplitz (port's hash then unused)") \
	X(Arp, ArpInRequests,      "ARP requests received") \
	X(Arp, ArpInReplies,       "ARP replies received") \
	X(Arp, ArpInErrors,        "malformed ARP packets dropped") \
	X(Arp, ArpInOther,         "ARP packets for other hosts ignored") \
	X(Arp, ArpOutRequests,     "ARP requests sent") \
	X(Arp, ArpOutReplies,      "ARP replies sent") \
	X(Arp, ArpNeighFull,       "neighbours not learned because the table was full") \
	X(Arp, ArpUnresolvedDiscards, "frames dropped waiting for ARP: no answer, or too many waiting (Linux's unresolved_discards)") \
	X(Ip,  IpInReceives,       "total packets received") \
	X(Ip,  IpInHdrErrors,      "with invalid headers") \
	X(Ip,  IpExtInCsumErrors,  "with bad header checksum") \
	X(Ip,  IpInAddrErrors,     "with invalid addresses") \
	X(Ip,  IpInUnknownProtos,  "with unknown protocol") \
	X(Ip,  IpReasmReqds,       "fragments dropped (tcpterm does not reassemble)") \
	X(Ip,  IpInDelivers,       "incoming packets delivered") \
	X(Ip,  IpOutRequests,      "requests sent out") \
	X(Ip,  IpOutNoRoutes,      "dropped because of missing route or neighbour") \
	X(Icmp, IcmpInMsgs,        "ICMP messages received") \
	X(Icmp, IcmpInErrors,      "input ICMP message failed") \
	X(Icmp, IcmpInCsumErrors,  "ICMP messages with bad checksum") \
	X(Icmp, IcmpInEchos,       "echo requests received") \
	X(Icmp, IcmpInDestUnreachs, "destination unreachable messages received") \
	X(Icmp, IcmpInTimeExcds,   "time exceeded messages received") \
	X(Icmp, IcmpInParmProbs,   "parameter problem messages received") \
	X(Icmp, IcmpInOther,       "ICMP messages of other types ignored") \
	X(Icmp, IcmpOutMsgs,       "ICMP messages sent") \
	X(Icmp, IcmpOutEchoReps,   "echo replies sent") \
	X(Nd,  NdUnresolvedDiscards, "IPv6 frames dropped waiting for Neighbour Discovery: no answer, or too many waiting") \
	X(Nd,  NdNeighFull,        "IPv6 neighbours not learned because the table was full") \
	X(Nd,  NdInOther,          "Neighbour Solicitations for addresses not ours, or ours still tentative, ignored") \
	X(Nd,  NdDadDuplicates,    "IPv6 addresses of ours another node answered for (DAD failed, not used)") \
	X(Ip6, Ip6InReceives,      "IPv6 packets received") \
	X(Ip6, Ip6InHdrErrors,     "with invalid headers") \
	X(Ip6, Ip6InTruncatedPkts, "shorter than their payload length") \
	X(Ip6, Ip6InAddrErrors,    "with invalid addresses") \
	X(Ip6, Ip6InDiscards,      "to multicast groups not joined") \
	X(Ip6, Ip6InUnknownProtos, "with unknown next header") \
	X(Ip6, Ip6ReasmReqds,      "fragments dropped (tcpterm does not reassemble)") \
	X(Ip6, Ip6InDelivers,      "delivered") \
	X(Ip6, Ip6InMcastPkts,     "multicast packets received") \
	X(Ip6, Ip6OutRequests,     "sent") \
	X(Ip6, Ip6OutMcastPkts,    "multicast packets sent") \
	X(Ip6, Ip6OutNoRoutes,     "dropped for want of a route") \
	X(Icmp6, Icmp6InMsgs,      "ICMPv6 messages received") \
	X(Icmp6, Icmp6InErrors,    "ICMPv6 messages received malformed") \
	X(Icmp6, Icmp6InCsumErrors, "ICMPv6 messages with bad checksum") \
	X(Icmp6, Icmp6InDestUnreachs, "destination unreachable messages received") \
	X(Icmp6, Icmp6InPktTooBigs, "packet too big messages received") \
	X(Icmp6, Icmp6InTimeExcds, "time exceeded messages received") \
	X(Icmp6, Icmp6InParmProblems, "parameter problem messages received") \
	X(Icmp6, Icmp6InEchos,     "echo requests received") \
	X(Icmp6, Icmp6InEchoReplies, "echo replies received") \
	X(Icmp6, Icmp6InGroupMembQueries, "multicast listener queries received") \
	X(Icmp6, Icmp6InRouterSolicits, "router solicitations received") \
	X(Icmp6, Icmp6InRouterAdvertisements, "router advertisements received") \
	X(Icmp6, Icmp6InNeighborSolicits, "neighbour solicitations received") \
	X(Icmp6, Icmp6InNeighborAdvertisements, "neighbour advertisements received") \
	X(Icmp6, Icmp6InRedirects, "redirects received") \
	X(Icmp6, Icmp6OutMsgs,     "ICMPv6 messages sent") \
	X(Icmp6, Icmp6OutEchoReplies, "echo replies sent") \
	X(Icmp6, Icmp6OutNeighborSolicits, "neighbour solicitations sent") \
	X(Icmp6, Icmp6OutNeighborAdvertisements, "neighbour advertisements sent") \
	X(Icmp6, Icmp6OutMLDv2Reports, "MLDv2 listener reports sent") \
	X(Tcp, ActiveOpens,        "active connection openings") \
	X(Tcp, PassiveOpens,       "passive connection openings") \
	X(Tcp, AttemptFails,       "failed connection attempts") \
	X(Tcp, EstabResets,        "connection resets received") \
	X(Tcp, CurrEstab,          "connections established") \
	X(Tcp, InSegs,             "segments received") \
	X(Tcp, OutSegs,            "segments sent out") \
	X(Tcp, RetransSegs,        "segments retransmitted") \
	X(Tcp, InErrs,             "bad segments received") \
	X(Tcp, InCsumErrors,       "segments with bad checksum") \
	X(Tcp, OutRsts,            "resets sent") \
	X(TcpExt, ListenOverflows, "times the listen queue of a socket overflowed") \
	X(TcpExt, ListenDrops,     "SYNs to LISTEN sockets dropped") \
	X(TcpExt, SyncookiesSent,  "SYN cookies sent") \
	X(TcpExt, SyncookiesRecv,  "SYN cookies received") \
	X(TcpExt, SyncookiesFailed, "invalid SYN cookies received") \
	X(TcpExt, TCPReqQFullDrop, "times the SYN queue was full and a SYN was dropped") \
	X(TcpExt, TCPReqQFullDoCookies, "times the SYN queue was full and a cookie was sent") \
	X(TcpExt, TCPSynRetrans,   "SYN and SYN-ACK retransmits") \
	X(TcpExt, TWRecycled,      "TIME_WAIT entries an active open took over (tw_reuse)") \
	X(TcpExt, PAWSActive,      "SYNs and SYN-ACKs rejected by PAWS in SYN_SENT after a TIME_WAIT take-over") \
	X(TcpExt, TCPTimeWaitOverflow, "times a closing connection skipped TIME_WAIT (max_tw_buckets)") \
	X(TcpExt, TCPAbortOnData,  "connections reset due to unexpected data") \
	X(TcpExt, TCPAbortOnClose, "connections reset due to early user close") \
	X(TcpExt, TCPChallengeACK, "challenge ACKs sent") \
	X(TcpExt, TCPMemoryPressures, "times the worker entered memory pressure (R1)") \
	X(TcpExt, TCPMemoryPressuresChrono, "milliseconds spent in memory pressure") \
	X(TcpExt, TCPAbortOnMemory, "connections aborted due to memory pressure") \
	X(TcpExt, TCPRcvCoalesce,  "times a small segment was coalesced into a held buffer (R2)") \
	X(TcpExt, TCPRcvQDrop,     "segments dropped because the receive budget was exhausted (R2)") \
	X(TcpExt, TCPACKSkippedChallenge, "challenge ACKs not sent (challenge_ack_limit)") \
	X(TcpExt, TCPOFOQueue,     "segments queued out of order") \
	X(TcpExt, TCPOFODrop,      "out-of-order segments dropped: receive budget or memory") \
	X(TcpExt, TCPOFOMerge,     "out-of-order segments merged into the one before them") \
	X(TcpExt, TCPDSACKOldSent, "DSACKs sent for old packets") \
	X(TcpExt, TCPDSACKOfoSent, "DSACKs sent for out of order packets") \
	X(TcpExt, TCPSackRecovery, "times recovered from packet loss by selective acknowledgements") \
	X(TcpExt, TCPRenoRecovery, "times recovered from packet loss due to fast retransmit") \
	X(TcpExt, TCPFastRetrans,  "fast retransmits") \
	X(TcpExt, TCPSlowStartRetrans, "retransmits in slow start") \
	X(TcpExt, TCPTimeouts,     "other TCP timeouts") \
	X(TcpExt, TCPHystartDelayDetect, "times slow start ended on a rising RTT (HyStart++, RFC 9406)") \
	X(TcpExt, TCPHystartDelayCwnd, "segments in cwnd summed over those exits") \
	X(TcpExt, TCPLossProbes,   "TLP probes sent") \
	X(TcpExt, TCPLossProbeRecovery, "TLP probes that recovered a loss") \
	X(TcpExt, TCPLostRetransmit, "retransmits lost") \
	X(TcpExt, TCPKeepAlive,    "keepalive probes sent") \
	X(TcpExt, TCPAbortOnTimeout, "connections aborted due to timeout") \
	X(TcpExt, TCPDSACKRecv,    "DSACKs received") \
	X(TcpExt, TCPFullUndo,     "recoveries undone: every retransmission was needless (timestamps)") \
	X(TcpExt, TCPDSACKUndo,    "recoveries undone by D-SACKs of every retransmission") \
	X(TcpExt, TCPLossUndo,     "timeouts undone: the original segments arrived") \
	X(TcpExt, TCPSpuriousRTOs, "spurious retransmission timeouts detected") \
	X(TcpExt, TCPSACKReorder,  "reorderings detected by SACK or a late original") \
	X(TcpExt, TCPSACKDiscard,  "SACK blocks discarded as invalid") \
	X(TcpExt, DelayedACKs,     "delayed acks sent") \
	X(TcpExt, DelayedACKLost,  "times quick ack mode was activated: a delayed ACK was lost") \
	X(TcpExt, PAWSEstab,       "packets rejected in established connections because of timestamp") \
	X(TcpExt, TCPACKSkippedPAWS, "duplicate ACKs for PAWS-rejected segments not sent (rate limit)") \
	X(TcpExt, TCPACKSkippedSeq, "duplicate ACKs for out-of-window segments not sent (rate limit)") \
	X(TcpExt, TCPAbortFailed,  "resets of an aborted connection not sent for want of an mbuf") \
	X(TcpExt, OutOfWindowIcmps, "ICMPs dropped because they were out-of-window") \
	X(Tcpterm, TsoBursts,      "TCP data sent as TSO bursts (OutSegs counts their segments)") \
	X(Tcpterm, SynShedBusy,    "SYNs shed before TCP saw them: the worker was behind its RX queue (R1)") \
	X(Tcpterm, WorkerStalls,   "loop iterations of 2 ms or more: the host did not run the worker; not counted as time behind (R1)") \
	X(Tcpterm, SynShedMemory,  "SYNs shed before any allocation: memory crisis, pools low (R1)") \
	X(Tcpterm, SendRefusedMemory, "application writes refused (-ENOBUFS): past the connection's send budget in a memory crisis (R1)") \
	X(Tcpterm, PmtuLowered,    "times ICMP fragmentation-needed lowered a connection's path MTU (RFC 1191)") \
	X(Tcpterm, PmtuIgnored,    "ICMP fragmentation-needed ignored: next-hop MTU missing or below 552") \
	X(Mbuf, MbufTcpOutFails,   "TCP segments not built for want of an mbuf (ACK and data retried)") \
	X(Impair, ImpairRxLoss,    "received frames dropped by the impairment layer: loss") \
	X(Impair, ImpairRxBurstLoss, "received frames dropped by the impairment layer: Gilbert-Elliott loss") \
	X(Impair, ImpairRxDup,     "received frames duplicated by the impairment layer") \
	X(Impair, ImpairRxCorrupt, "received frames with a bit flipped by the impairment layer") \
	X(Impair, ImpairRxDelayed, "received frames held by the impairment layer: delay, jitter, rate") \
	X(Impair, ImpairRxReorder, "received frames held back by the impairment layer so later ones overtake them") \
	X(Impair, ImpairRxLimitDrops, "received frames dropped because the impairment layer held its limit") \
	X(Impair, ImpairTxLoss,    "frames to send dropped by the impairment layer: loss") \
	X(Impair, ImpairTxBurstLoss, "frames to send dropped by the impairment layer: Gilbert-Elliott loss") \
	X(Impair, ImpairTxDup,     "frames to send duplicated by the impairment layer") \
	X(Impair, ImpairTxCorrupt, "frames to send with a bit flipped by the impairment layer") \
	X(Impair, ImpairTxDelayed, "frames to send held by the impairment layer: delay, jitter, rate") \
	X(Impair, ImpairTxReorder, "frames to send held back by the impairment layer so later ones overtake them") \
	X(Impair, ImpairTxLimitDrops, "frames to send dropped because the impairment layer held its limit")

enum tt_stat {
#define TT_STAT_ENUM(group, name, desc) TT_STAT_##name,
	TT_STATS_FOREACH(TT_STAT_ENUM)
#undef TT_STAT_ENUM
	TT_STAT__COUNT
};

/* Row metadata, in list order; for tools that print or export the counters. */
struct tt_stat_info {
	const char *group;
	const char *name;
	const char *desc;
};

extern const struct tt_stat_info tt_stat_info[TT_STAT__COUNT];

/* Index of a counter by its name, or -1. */
int tt_stat_lookup(const char *name);

#endif /* TT_STATS_H */
