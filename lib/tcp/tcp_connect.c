/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The active open (SPEC A1, H10; RFC 9293 3.5 and 3.10.7.3): a source chosen so the flow is
 * this worker's, a TCB in SYN_SENT, the SYN and its retransmissions, and what answers it.
 *
 *   tt_app_connect (lib/app) -> tt_tcp_usr_connect -> local_port -> tt_tcp_send_syn
 *   tt_conn_input (SYN_SENT) -> tt_conn_syn_sent_input -> ESTABLISHED ('connected')
 *                                 | SYN_RECV (simultaneous open) | refused (RST) | RST (H10)
 *   TT_TMR_SYN -> tt_conn_syn_timeout: SYN (or SYN-ACK) again with backoff, syn_retries
 *
 * The SYN's first segment needs the next hop's MAC: tcp_output hands it to the neighbour
 * layer, which holds it until ARP answers (tt_neigh_output) and reports an ICMP host
 * unreachable for it when ARP never does, which fails the connect (tcp_icmp.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>

#include "../dp/tt_worker.h"
#include "../util/tt_in6.h"
#include "tcp_conn.h"
#include "tcp_seq.h"

/* Linux's TCP_TIMEOUT_INIT (RFC 6298 2.1) and TCP_RTO_MAX for SYN backoff. */
#define TT_SYN_RTO_MS 1000
#define TT_SYN_RTO_MAX_MS 120000
/* RFC 6298 5.7 (Linux's TCP_TIMEOUT_FALLBACK): the RTO once a SYN was lost, no RTT known. */
#define TT_RTO_FALLBACK_MS 3000
/*
 * Ports one connect may try (R1): past it -EADDRNOTAVAIL, the next connect going on from
 * there. A spent range would otherwise cost a flow hash and a lookup per port of it, per call.
 */
#define TT_PORT_SEARCH_MAX 4096
/* Linux's tcp_twsk_unique: a TIME_WAIT 4-tuple is taken over once its TS.Recent is 1 s old. */
#define TT_TW_REUSE_MS 1000

/*
 * Whether an active open may take over TIME_WAIT entry tw (Linux's tcp_twsk_unique): with
 * tw_reuse 1, when the old connection used timestamps and the entry is over a second old,
 * so PAWS (RFC 7323 5) tells the old incarnation's duplicates from the new one's segments.
 * tw_reuse 2 allows it for loopback only, which tcpterm never carries.
 */
static bool
tw_reusable(const struct tt_worker *w, const struct tt_tw *tw)
{
	uint32_t entered = tw->timer.expire - (uint32_t)tw->time_wait_s * 1000u;

	return TT_LIVE(w->tcp->cfg, tw_reuse) == 1 && (tw->flags & TT_CONN_TS) &&
	       (uint32_t)w->clock.ms - entered >= TT_TW_REUSE_MS;
}

/*
 * A source port for f (its addresses and remote port set) from ip_local_port_range: free
 * for f's 4-tuple, or held by a TIME_WAIT entry that may be taken over (*tw), and owned by
 * this worker, so every segment of the flow arrives here (RSS-aware, as dperf and F-Stack
 * choose ports; DESIGN "Ownership"). RFC 6056 3.3.4's double-hash selection, as Linux's
 * __inet_hash_connect: the search starts at a secret offset for the destination (keyed by
 * the flow table's key, over f without its port) plus how far earlier searches for
 * destinations of the same table bucket walked, and walks port by port; the bucket then
 * moves on by the ports tried. So each destination takes consecutive free ports, and
 * destinations do not share one walk: with one cursor for all, connects taken in turn over
 * 224 destinations (tcpterm-gen --target A-B:P-Q, 64,512 ports, a multiple of 224) gave
 * each destination one port in 224 of each lap, and once half the range was held every
 * connect walked thousands of ports (a lookup each): ten million held connections stopped
 * at 7.26 M. Tries TT_PORT_SEARCH_MAX ports at most. 0 or -EADDRNOTAVAIL.
 */
static int
local_port(struct tt_worker *w, struct tt_flow *f, struct tt_tw **tw)
{
	struct tt_tcp *t = w->tcp;
	uint32_t lo = t->cfg->local_port_lo, range = t->port_range, tries = 0, pos, slot;
	uint64_t start;
	int rc = -EADDRNOTAVAIL;

	*tw = NULL;
	f->lport = 0;
	start = tt_flow_hash(&t->flow_key, f);
	slot = (uint32_t)(start >> 52) & (TT_PORT_TABLE - 1);
	start = (uint32_t)start + (uint64_t)t->port_walked[slot];
	pos = (uint32_t)(start - range * rte_reciprocal_divide_u64(start, &t->port_range_r));
	while (tries < RTE_MIN(range, (uint32_t)TT_PORT_SEARCH_MAX)) {
		uint64_t h;
		uintptr_t v;

		f->lport = rte_cpu_to_be_16((uint16_t)(lo + pos));
		pos = pos + 1 == range ? 0 : pos + 1;
		tries++;
		h = tt_flow_hash(&t->flow_key, f);
		if (w->n_workers > 1 && tt_flow_owner(w, f, h) != w->id)
			continue;
		v = tt_flow_lookup_hash(t, f, h);
		if (v != 0 && ((v & TT_FLOW_KIND_MASK) != TT_FLOW_TW ||
			       !tw_reusable(w, tt_flow_ptr(v))))
			continue;
		if (v != 0)
			*tw = tt_flow_ptr(v);
		rc = 0;
		break;
	}
	t->port_walked[slot] += tries;
	return rc;
}

/* RFC 1122 3.2.1.3 / Linux's inet_addr_valid_or_nonlocal: what a connect may target. */
static bool
dst_valid(const struct tt_worker *w, uint32_t addr_be)
{
	uint32_t a = rte_be_to_cpu_32(addr_be);

	return (a >> 24) != 0 && (a >> 24) != 127 && (a >> 28) < 0xe &&
	       !tt_ipv4_is_local(w->net, addr_be);
}

/*
 * An IPv6 destination's flow: Linux's checks (no group, unspecified, loopback, IPv4-mapped
 * or own address: EINVAL; no route: ENETUNREACH; no preferred source yet, DAD running:
 * EADDRNOTAVAIL), then its address interned (the table full of used ones: ENOBUFS).
 */
static int
flow6_of(struct tt_worker *w, uint16_t pi, const uint8_t a[16], struct tt_flow *f)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	uint8_t nh[16];
	int src;

	if (tt_in6_is_unspecified(a) || tt_in6_is_loopback(a) ||
	    memcmp(a, mapped, sizeof(mapped)) == 0 || tt_ipv6_addr_index(w->net, a) >= 0)
		return -EINVAL;
	/* Linux: a group has no route for TCP (ENETUNREACH), as no IPv6 at all has none. */
	if (tt_in6_is_multicast(a) || w->tcp->in6.hash == NULL || !tt_ipv6_nexthop(w, a, nh))
		return -ENETUNREACH;
	src = tt_ipv6_source(w->net, pi, a);
	if (src < 0)
		return -EADDRNOTAVAIL;
	f->raddr = tt_in6_intern(w, a);
	if (f->raddr == TT_IN6_NONE)
		return -ENOBUFS;
	f->laddr = tt_flow_l6((uint32_t)src);
	return 0;
}

int
tt_tcp_usr_connect(struct tt_worker *w, uint16_t listener, const struct tt_endpoint *dst,
		   uint64_t udata, struct tt_conn **out)
{
	struct tt_tcp *t = w->tcp;
	const struct tt_config *cfg = t->cfg;
	struct tt_flow f = { .rport = rte_cpu_to_be_16(dst->port) };
	struct tt_tw *tw;
	struct tt_conn *c;
	uint16_t pi = 0;    /* a link-local destination's; else the source address's (port=P) */
	uint64_t secret;
	int src = -1, rc;

	if (dst->port == 0)
		return -EINVAL;
	if (dst->family != 0 && dst->family != AF_INET && dst->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (dst->family == AF_INET6) {
		rc = flow6_of(w, pi, dst->addr6, &f);
		if (rc != 0)
			return rc;
	} else {
		if (!dst_valid(w, dst->addr))
			return -EINVAL;
		if (tt_ipv4_nexthop(w, dst->addr) == 0)
			return -ENETUNREACH;
		/* Our address on the destination's subnet, else (through the gateway) the
		 * one on the gateway's, as Linux's source selection for a connected route
		 * and then for the gateway's: with VLANs, the gateway's VLAN (net_vlan.c). */
		src = tt_ipv4_link_addr(w->net, dst->addr);
		if (src < 0 && w->net->gateway != 0)
			src = tt_ipv4_link_addr(w->net, w->net->gateway);
		f.raddr = dst->addr;
		f.laddr = w->net->addrs[src >= 0 ? src : 0];
	}
	/* The port the source address lives on (--addr's port=P), else the first. */
	if (tt_flow_is_v6(&f))
		pi = (uint16_t)RTE_MAX(w->net->addrs6[tt_flow_l6_index(&f)].port, 0);
	else
		pi = (uint16_t)RTE_MAX(w->net->addr_port[src >= 0 ? src : 0], 0);
	rc = local_port(w, &f, &tw);
	if (rc != 0)
		return rc;
	c = tt_conn_alloc(w);
	if (c == NULL)
		return -ENOBUFS;
	c->flow = f;
	secret = tt_tcp_flow_secret(w, &f);
	if (tw != NULL) {
		/*
		 * Linux's tcp_twsk_unique: the new ISN lies past anything the old incarnation
		 * could still have in the network, and TS.Recent carries over, so a SYN or
		 * SYN-ACK of the old incarnation still in the network fails PAWS
		 * (tt_conn_syn_sent_input).
		 */
		c->iss = tw->snd_nxt + 65535 + 2;
		if (tw->flags & TT_CONN_TS) {
			c->ts_recent = tw->ts_recent;
			c->aflags |= TT_AF_TS_CARRIED;
		}
		tt_tw_expire(w, tw);
		TT_STAT_INC(&w->stats, TWRecycled);
	} else {
		c->iss = tt_tcp_isn_of(w, secret);
	}
	/* What we offer; the SYN-ACK decides what is used (tt_conn_syn_sent_input). */
	c->flags = (cfg->timestamps ? TT_CONN_TS : 0) | (cfg->sack ? TT_CONN_SACK : 0) |
		   (cfg->window_scaling ? TT_CONN_WSCALE : 0);
	c->rcv_wscale = (c->flags & TT_CONN_WSCALE) ? tt_tcp_rcv_wscale(cfg) : 0;
	c->ts_offset = (c->flags & TT_CONN_TS) ? tt_tcp_ts_offset_of(w, secret) : 0;
	c->pmtu = w->ports[pi].mtu;
	c->mss = (uint16_t)(c->pmtu - tt_flow_ip_hlen(&c->flow) - 20);
	/*
	 * The SYN's sequence number is counted as sent and acknowledged-to-be: data the
	 * application queues before the handshake completes is numbered from ISS + 1, and
	 * waits (tt_tcp_output sends nothing in SYN_SENT).
	 */
	c->snd_una = c->snd_nxt = c->snd_max = c->iss + 1;
	c->rto = TT_SYN_RTO_MS;
	tt_mem_conn_init(w, c);
	c->rcv_wnd = (c->flags & TT_CONN_WSCALE) ? c->rcvbuf : RTE_MIN(c->rcvbuf, 65535u);
	c->listener = listener;
	c->pi = (uint8_t)pi;
	c->udata = udata;
	c->cflags = TT_CF_ACCEPTED;
	c->aflags |= TT_AF_ACTIVE;
	if (tt_flow_add(t, &f, c, TT_FLOW_CONN) != 0) {
		tt_conn_free(w, c);
		return -ENOBUFS;
	}
	tt_conn_set_state(w, c, TT_TCPS_SYN_SENT);
	TT_STAT_INC(&w->stats, ActiveOpens);
	c->rtt_start = (uint32_t)w->clock.ms;
	tt_tcp_send_syn(w, c);
	tt_timer_init(&c->rtx, TT_TMR_SYN);
	tt_timer_arm(&t->wheel, &c->rtx, c->rto);
	*out = c;
	return 0;
}

/* Linux's tcp_done for a connect that failed: AttemptFails, the reason to the application. */
void
tt_conn_connect_failed(struct tt_worker *w, struct tt_conn *c, enum tt_close_reason why)
{
	TT_STAT_INC(&w->stats, AttemptFails);
	tt_conn_closed(w, c, why);
}

void
tt_conn_syn_timeout(struct tt_worker *w, struct tt_conn *c)
{
	const struct tt_config *cfg = w->tcp->cfg;

	/* Linux's tcp_write_timeout: syn_retries retransmissions, then ETIMEDOUT. */
	if (c->backoff >= TT_LIVE(cfg, syn_retries)) {
		tt_conn_connect_failed(w, c, TT_CLOSE_TIMEOUT);
		return;
	}
	c->backoff++;
	c->rto = RTE_MIN(c->rto * 2, (uint32_t)TT_SYN_RTO_MAX_MS);
	TT_STAT_INC(&w->stats, RetransSegs);
	TT_STAT_INC(&w->stats, TCPSynRetrans);
	tt_tcp_send_syn(w, c);
	tt_timer_arm(&w->tcp->wheel, &c->rtx, c->rto);
}

/*
 * The handshake is done (SYN-ACK in SYN_SENT, or the ACK of our SYN-ACK after a simultaneous
 * open): the options the peer answered with, the send state, congestion control from the
 * MSS, and 'connected' for the application; false when the connection ended instead. Data queued meanwhile, or an ACK, goes at the
 * end of the iteration, after the application heard 'connected' and could add to it.
 */
static bool
conn_established(struct tt_worker *w, struct tt_conn *c, const struct tt_tcp_seg *seg)
{
	tt_timer_cancel(&w->tcp->wheel, &c->rtx);
	tt_timer_init(&c->rtx, TT_TMR_RTO);
	/* RFC 6298 2.2, Karn: a sample only when the SYN was not retransmitted. */
	if (c->backoff == 0)
		tt_conn_rtt_sample(c, (uint32_t)w->clock.ms - c->rtt_start);
	else
		c->rto = TT_RTO_FALLBACK_MS;
	c->rtt_start = 0;
	c->snd_wnd = (uint32_t)seg->wnd << ((seg->flags & RTE_TCP_SYN_FLAG) ? 0 : c->snd_wscale);
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = seg->ack;
	/*
	 * Data queued before the handshake was cut for the MSS we could only guess then; the
	 * peer's MSS and the timestamps' 12 bytes may leave less room (tt_conn_syn_options).
	 * No mbuf to cut it again: the connection cannot send what it holds, so it ends.
	 */
	if (c->sndq != NULL && tt_sndq_resegment(w, c, c->mss) != 0) {
		TT_STAT_INC(&w->stats, TCPAbortOnMemory);
		tt_tcp_send_rst_conn(w, c);
		tt_conn_closed(w, c, TT_CLOSE_ABORTED);
		return false;
	}
	tt_cc_conn_init(w, c);
	/* RFC 5681 3.1: after a lost SYN the initial window is one segment. */
	if (c->backoff > 0)
		c->cwnd = c->mss;
	c->backoff = 0;
	tt_recovery_conn_init(c);
	if (seg->flags & RTE_TCP_SYN_FLAG) {
		c->rcv_acked = c->rcv_nxt - 1;  /* a SYN-ACK is owed its ACK; a bare ACK is not */
		c->cflags |= TT_CF_ACK_NOW;
	}
	c->rcv_space_seq = c->rcv_nxt;
	c->ts_recent_age = tt_conn_age(w->clock.ms);
	tt_conn_set_state(w, c, TT_TCPS_ESTABLISHED);
	tt_conn_schedule_output(w, c);
	tt_conn_event(w, c, TT_EVF_CONNECTED);
	return true;
}

/* The peer's SYN options against what we offered (RFC 7323 1.3, RFC 2018 2). */
static void
conn_syn_options(struct tt_worker *w, struct tt_conn *c, const struct tt_tcp_seg *seg)
{
	const struct tt_tcp_opts *o = &seg->opts;
	uint16_t mss = (o->present & TT_TCP_OPT_MSS) ? o->mss : 536;   /* RFC 9293 3.7.1 */

	if (!(o->present & TT_TCP_OPT_TS))
		c->flags &= ~TT_CONN_TS;
	if (!(o->present & TT_TCP_OPT_SACK_OK))
		c->flags &= ~TT_CONN_SACK;
	if (o->present & TT_TCP_OPT_WSCALE && (c->flags & TT_CONN_WSCALE)) {
		c->snd_wscale = RTE_MIN(o->wscale, 14);   /* RFC 7323 2.3 */
	} else {
		c->flags &= ~TT_CONN_WSCALE;
		c->rcv_wscale = 0;
		c->rcv_wnd = RTE_MIN(c->rcv_wnd, 65535u);
	}
	if (c->flags & TT_CONN_TS)
		c->ts_recent = o->tsval;
	else
		c->ts_offset = 0;
	/* Linux's tcp_min_snd_mss floor, as for a passive open (tt_conn_passive). */
	c->mss = RTE_MIN(mss, (uint16_t)(c->pmtu - tt_flow_ip_hlen(&c->flow) - 20));
	if (c->mss < TT_TCP_MIN_SND_MSS)
		c->mss = TT_TCP_MIN_SND_MSS;
	if (c->flags & TT_CONN_TS)
		c->mss -= 12;
	(void)w;
}

/*
 * RFC 9293 3.10.7.3, SYN-SENT. Takes p->m. An ACK that does not acknowledge our SYN is
 * answered <SEQ=SEG.ACK><CTL=RST> (H10: a stale or stray SYN-ACK meets a reset, as it does
 * where no connection exists); a reset with an acceptable ACK refuses the connection; a SYN
 * with that ACK completes it, and a SYN without ACK is a simultaneous open (SYN_RECV, our
 * SYN-ACK). Everything else is dropped. Payload in a SYN-ACK is not taken (the peer sends
 * it again once acknowledged), as Linux does without Fast Open.
 */
void
tt_conn_syn_sent_input(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
		       struct tt_conn *c)
{
	bool ack = seg->flags & RTE_TCP_ACK_FLAG;

	if (ack && seg->ack != c->iss + 1) {
		if (seg->flags & RTE_TCP_RST_FLAG)
			goto drop;
		tt_tcp_reply_rst(w, p, seg);
		return;
	}
	if (seg->flags & RTE_TCP_RST_FLAG) {
		if (ack)
			tt_conn_connect_failed(w, c, TT_CLOSE_REFUSED);
		goto drop;
	}
	if (!(seg->flags & RTE_TCP_SYN_FLAG))
		goto drop;
	/*
	 * RFC 7323 5 for a 4-tuple taken over from TIME_WAIT (Linux's PAWSActive): a SYN or
	 * SYN-ACK older than the last incarnation's TS.Recent is a duplicate of it.
	 */
	if ((c->aflags & TT_AF_TS_CARRIED) && (seg->opts.present & TT_TCP_OPT_TS) &&
	    tt_seq_lt(seg->opts.tsval, c->ts_recent)) {
		TT_STAT_INC(&w->stats, PAWSActive);
		goto drop;
	}
	c->irs = seg->seq;
	c->rcv_nxt = seg->seq + 1;
	c->peer_mac = p->eth->src_addr;
	conn_syn_options(w, c, seg);
	if (ack) {
		conn_established(w, c, seg);
		goto drop;
	}
	/*
	 * Simultaneous open: SYN_RECV with our SYN-ACK (the same ISS), retransmitted by the SYN
	 * timer; the peer's ACK of it completes the handshake (tt_conn_active_synrecv).
	 */
	tt_conn_set_state(w, c, TT_TCPS_SYN_RECV);
	c->rcv_acked = c->rcv_nxt;
	tt_tcp_send_syn(w, c);
drop:
	rte_pktmbuf_free(p->m);
}

bool
tt_conn_synrecv_synack(struct tt_worker *w, struct tt_pkt *p, const struct tt_tcp_seg *seg,
		       struct tt_conn *c)
{
	/*
	 * Both sides opened at once and each answered the other's SYN with a SYN-ACK: the
	 * peer's (its SYN again, our SYN acknowledged) completes ours, as Linux accepts it in
	 * SYN_RECV (tcp_validate_incoming); our ACK answers it. Any other SYN goes on to the
	 * RFC 5961 checks.
	 */
	if ((seg->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) !=
	    (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) || seg->seq + 1 != c->rcv_nxt ||
	    seg->ack != c->snd_una)
		return false;
	conn_established(w, c, seg);
	rte_pktmbuf_free(p->m);
	return true;
}

bool
tt_conn_active_synrecv(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
		       struct tt_conn *c)
{
	/* RFC 9293 3.10.7.4, SYN-RECEIVED: an ACK of anything but our SYN gets a reset. */
	if (seg->ack != c->snd_una) {
		tt_tcp_reply_rst(w, p, seg);
		return false;
	}
	if (!conn_established(w, c, seg)) {
		rte_pktmbuf_free(p->m);
		return false;
	}
	return true;
}
