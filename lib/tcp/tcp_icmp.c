/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors about our segments (Linux's tcp_v4_err, tcp_v6_err): Path MTU discovery (RFC
 * 1191; RFC 8201 for IPv6, whose packet too big arrives as fragmentation needed, one
 * below 1280 as MTU 0 which is not believed, net_icmp6.c) and the checks RFC 5927 asks for before believing an ICMP
 * message.
 *
 *   tt_icmp_input (net) -> l4[IPPROTO_TCP].err = tt_tcp_icmp_err -> [hand-over to the owner]
 *     -> TCB:        RFC 5927 4.1 sequence check -> fragmentation needed: conn_pmtu
 *                    (mss lowered, tt_recovery_simple_retransmit, tt_sndq_resegment)
 *     -> request:    req_err (SYN_RECV)
 *     -> TIME_WAIT, or no flow: nothing
 *
 * Threat model (RFC 5927 4, 7): anyone can send ICMP. What one can make tcpterm do with a
 * forged message is lower a connection's MSS, or, for a request, drop it; so a message must
 * name a live flow by its 4-tuple and quote a sequence number we have sent and not yet had
 * acknowledged, as Linux checks, which an off-path attacker must guess within the flight.
 * The next-hop MTU is not believed below 552 (Linux's min_pmtu), so that even a guess that
 * lands cannot shrink segments to a few bytes (RFC 5927 7.2).
 */
#include <rte_byteorder.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"
#include "tcp_input.h"
#include "tcp_seq.h"

#define ICMP_DEST_UNREACH   3
#define ICMP_TIME_EXCEEDED  11
#define ICMP_PARAMETERPROB  12
#define ICMP_NET_UNREACH    0      /* codes of ICMP_DEST_UNREACH */
#define ICMP_HOST_UNREACH   1
#define ICMP_FRAG_NEEDED    4

/*
 * Linux's min_pmtu (512 + 20 + 20). Below it Linux sets the path MTU to 552 and stops
 * setting DF, so the small link's router fragments; tcpterm always sets DF and ignores the
 * message instead (PmtuIgnored): links that narrow are all but gone, and RFC 5927 7.2 names
 * such values as the attack.
 */
#define TT_PMTU_MIN 552

/* The bytes of TCP options every segment of c carries: timestamps (RFC 7323 3). */
static uint32_t
conn_fixed_opts(const struct tt_conn *c)
{
	return (c->flags & TT_CONN_TS) ? 12 : 0;
}

/*
 * RFC 1191 3 and 6.4, as Linux's tcp_v4_mtu_reduced: a next-hop MTU below the connection's
 * path MTU lowers it, and the MSS with it (tcp_sync_mss: the path's MSS less the options in
 * use, never above what the peer allowed). Segments in flight larger than the new MSS were
 * dropped by the router: they are lost, and go again at the new size at once, for this
 * connection only and only when the path MTU fell, not for every message of a burst
 * (RFC 1191 6.4); cwnd untouched, as Linux's tcp_simple_retransmit: a smaller packet size
 * says nothing of congestion.
 */
static void
conn_pmtu(struct tt_worker *w, struct tt_conn *c, uint16_t mtu)
{
	uint32_t mss;

	if (mtu < TT_PMTU_MIN) {
		/* 0: a router from before RFC 1191; its plateau guesses (RFC 1191 7) are not made
		 * (current Linux has none either: 0 is below min_pmtu to it). */
		TT_STAT_INC(&w->stats, PmtuIgnored);
		return;
	}
	if (mtu >= c->pmtu)
		return;            /* not news: Linux's icsk_pmtu_cookie > mtu test */
	mss = RTE_MAX(mtu - tt_flow_ip_hlen(&c->flow) - sizeof(struct rte_tcp_hdr) -
		      conn_fixed_opts(c), (uint32_t)TT_TCP_MIN_SND_MSS);
	if (mss < c->mss) {
		tt_recovery_simple_retransmit(c, mss);
		tt_conn_schedule_output(w, c);
		/*
		 * Every unit of the send queue cut to the new MSS, so that a retransmission fits.
		 * Without the mbufs for it (counted) the units stay whole and the path MTU as it
		 * was: the lost ones go again at the old size, and the router's answer to them
		 * tries again.
		 */
		if (tt_sndq_resegment(w, c, mss) != 0)
			return;
		c->mss = (uint16_t)mss;
		TT_TCP_CHECK(c);
	}
	c->pmtu = mtu;
	TT_STAT_INC(&w->stats, PmtuLowered);
}

/*
 * An error for a TCB (ESTABLISHED and later). RFC 5927 4.1: the quoted sequence number must
 * be in [SND.UNA, SND.MAX), data sent and not yet acknowledged (Linux's between(seq, snd_una,
 * snd_nxt) takes SND.NXT too, where only a bare segment can start). Then only fragmentation
 * needed acts. Every other error is soft for a synchronized connection, as in Linux, which
 * aborts for none of them (RFC 1122 4.2.3.9 would for protocol and port unreachable; Linux's
 * tcp_v4_err explains that such messages lie too often now): Linux records it for the error
 * an application sees if the connection later times out, and reverts the RTO backoff for
 * net and host unreachable (RFC 6069); tcpterm has neither and only counts it (by type).
 */
static void
conn_err(struct tt_worker *w, struct tt_conn *c, uint32_t seq, const struct tt_icmp_err *e)
{
	bool handshake = c->state == TT_TCPS_SYN_SENT ||
			 (c->state == TT_TCPS_SYN_RECV && (c->aflags & TT_AF_ACTIVE));

	if (c->state == TT_TCPS_NONE)
		return;
	/* In a handshake of ours the only number out is the ISS (snd_una counts it sent). */
	if (handshake ? seq != c->iss : !tt_seq_in(seq, c->snd_una, c->snd_max)) {
		TT_STAT_INC(&w->stats, OutOfWindowIcmps);
		return;
	}
	/*
	 * Linux's tcp_v4_err for SYN_SENT and SYN_RECV: any error but fragmentation needed
	 * ends the attempt (EHOSTUNREACH, ENETUNREACH, ...): nothing has been delivered, and
	 * the application learns now instead of after syn_retries.
	 */
	if (handshake && !(e->type == ICMP_DEST_UNREACH && e->code == ICMP_FRAG_NEEDED)) {
		tt_conn_connect_failed(w, c, TT_CLOSE_UNREACHABLE);
		return;
	}
	if (e->type == ICMP_DEST_UNREACH && e->code == ICMP_FRAG_NEEDED)
		conn_pmtu(w, c, e->mtu);
}

/*
 * An error for a request in SYN_RECV, as Linux's tcp_req_err: it must quote our SYN-ACK
 * (seq = ISS); then net or host unreachable, time exceeded and parameter problem drop the
 * request (ListenDrops) — the handshake cannot complete along that path, and the client's
 * next SYN makes a new one. Fragmentation needed is nothing to a SYN-ACK, which is small.
 */
static void
req_err(struct tt_worker *w, struct tt_req *r, uint32_t seq, const struct tt_icmp_err *e)
{
	/* IPv6: Linux's tcp_req_err takes icmpv6_err_convert's fatal flag instead. */
	bool abort = e->ip6 != NULL ? e->fatal :
		     e->type == ICMP_PARAMETERPROB || e->type == ICMP_TIME_EXCEEDED ||
		     (e->type == ICMP_DEST_UNREACH &&
		      (e->code == ICMP_NET_UNREACH || e->code == ICMP_HOST_UNREACH));

	if (seq != r->iss) {
		TT_STAT_INC(&w->stats, OutOfWindowIcmps);
		return;
	}
	if (!abort)
		return;
	TT_STAT_INC(&w->stats, ListenDrops);
	tt_flow_del(w->tcp, &r->flow);
	tt_req_free(w, r);
}

/*
 * The quoted datagram's flow, from our side: false when its source is none of our addresses
 * (no flow of ours; and a quoted 0.0.0.x source would pass for an IPv6 flow's key). An IPv6
 * one's remote address as this worker interned it (TT_IN6_NONE: none of its flows).
 */
static bool
quoted_flow(const struct tt_worker *w, const struct tt_icmp_err *e, struct tt_flow *f)
{
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)e->l4;
	int i;

	if (e->ip6 == NULL) {
		if (!tt_ipv4_is_local(w->net, e->ip->src_addr))
			return false;
		tt_flow_set(f, e->ip->dst_addr, e->ip->src_addr, th->dst_port, th->src_port);
		return true;
	}
	i = tt_ipv6_addr_index(w->net, e->ip6->src_addr);
	if (i < 0)
		return false;
	tt_flow_set(f, w->tcp != NULL ? tt_in6_find(w->tcp, e->ip6->dst_addr) : TT_IN6_NONE,
		    tt_flow_l6((uint32_t)i), th->dst_port, th->src_port);
	return true;
}

void
tt_tcp_icmp_err(struct tt_worker *w, struct tt_pkt *p, const struct tt_icmp_err *e)
{
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)e->l4;
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq);   /* in the quoted 8 bytes */
	struct tt_flow f;
	uint64_t h;
	uintptr_t v;

	if (w->tcp == NULL)
		goto drop;         /* no TCP layer (tests of the network layer) */
	if (!quoted_flow(w, e, &f)) {
		v = 0;
	} else {
		h = tt_flow_hash(&w->tcp->flow_key, &f);
		if (!e->handed && w->n_workers > 1) {
			/*
			 * The message reached this worker by its own addresses (a router's), so
			 * the NIC's hash in the mbuf says nothing of the quoted flow: computed here
			 * (for IPv6 from the address itself: this worker may not know it).
			 */
			uint16_t owner = e->ip6 != NULL ?
				tt_flow6_owner(w->steer, tt_in6_digest(w->steer, e->ip6->dst_addr),
					       &f) :
				tt_flow_owner(w, &f, h);

			if (owner != w->id) {
				tt_worker_handover(w, owner, p);
				return;
			}
		}
		v = f.raddr == TT_IN6_NONE && tt_flow_is_v6(&f) ? 0 :
		    tt_flow_lookup_hash(w->tcp, &f, h);
	}
	if (v == 0) {
		/*
		 * Linux's tcp_v4_err: about no connection of ours (listeners included). A frame
		 * ARP gave up on (e->local) was no ICMP message: a SYN sent again for a connect
		 * its first one had already failed.
		 */
		if (!e->local && e->ip6 != NULL)
			TT_STAT_INC(&w->stats, Icmp6InErrors);
		else if (!e->local)
			TT_STAT_INC(&w->stats, IcmpInErrors);
		goto drop;
	}
	switch (v & TT_FLOW_KIND_MASK) {
	case TT_FLOW_CONN:
		conn_err(w, tt_flow_ptr(v), seq, e);
		break;
	case TT_FLOW_REQ:
		req_err(w, tt_flow_ptr(v), seq, e);
		break;
	default:
		break;             /* TIME_WAIT: nothing is in flight, nothing to learn */
	}
drop:
	rte_pktmbuf_free(p->m);
}
