/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Listeners: a segment that matched no flow and is addressed to a listening port
 * (tt_tcp_input -> tt_listen_input). RFC 9293 3.10.7.2 with Linux's queue policy:
 *
 *   RST                      ignored (H9)
 *   ACK (no SYN)             a cookie's final ACK when cookies may be out, else RST
 *                            <SEQ=SEG.ACK> (H9, C4)
 *   SYN, accept queue full   dropped: ListenOverflows, ListenDrops (Q3)
 *   SYN, syncookies = 2      answered with a cookie, no state (Q2)
 *   SYN, SYN queue full      cookie (TCPReqQFullDoCookies) or drop (TCPReqQFullDrop,
 *                            ListenDrops) as syncookies says (Q2)
 *   SYN                      a SYN queue entry and a SYN-ACK (H1, tcp_syncache.c)
 *
 * The accept queue is an rte_ring of capacity min(backlog, somaxconn) (Q1): what the
 * application has not taken is its Recv-Q.
 */
#include <errno.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"

/* Linux checks cookie ACKs only within TCP_SYNCOOKIE_VALID (2 minutes) of an overflow. */
#define TT_COOKIE_CHECK_MS (2 * 60 * 1000)

struct tt_listener *
tt_listen_lookup(struct tt_tcp *t, uint16_t port_be)
{
	uint16_t port = rte_be_to_cpu_16(port_be);

	for (uint16_t i = 0; i < t->n_listeners; i++)
		if (t->listeners[i].port == port)
			return &t->listeners[i];
	return NULL;
}

int
tt_listen_enqueue(struct tt_worker *w, struct tt_listener *l, struct tt_conn *c)
{
	(void)w;
	if (rte_ring_sp_enqueue(l->acceptq, c) != 0)
		return -ENOSPC;
	c->cflags |= TT_CF_IN_ACCEPTQ;
	return 0;
}

static bool
acceptq_full(const struct tt_listener *l)
{
	return rte_ring_count(l->acceptq) >= l->accept_max;
}

/* A SYN answered with a cookie: no state kept (Q2, C1-C3). Takes p->m. */
static void
listen_send_cookie(struct tt_worker *w, struct tt_pkt *p, const struct tt_tcp_seg *seg,
		   const struct tt_flow *f, struct tt_listener *l)
{
	const struct tt_config *cfg = w->tcp->cfg;
	const struct tt_tcp_opts *o = &seg->opts;
	uint16_t mss = (o->present & TT_TCP_OPT_MSS) ? o->mss : 536;
	uint32_t ts_offset;
	uint32_t iss = tt_cookie_make(w, f, seg->seq, mss, &ts_offset);
	uint8_t flags = 0;
	uint32_t tsval = 0;

	if (cfg->timestamps && (o->present & TT_TCP_OPT_TS)) {
		flags |= TT_CONN_TS;
		if (cfg->sack && (o->present & TT_TCP_OPT_SACK_OK))
			flags |= TT_CONN_SACK;
		if (cfg->window_scaling && (o->present & TT_TCP_OPT_WSCALE))
			flags |= TT_CONN_WSCALE;
		tsval = tt_cookie_ts_encode(tt_tcp_tsval(w, ts_offset), flags, o->wscale);
	}
	/* Without timestamps the cookie cannot carry window scale or SACK (C3). */
	l->overflow_ms = w->clock.ms;
	l->overflowed = true;
	TT_STAT_INC(&w->stats, SyncookiesSent);
	tt_tcp_send_synack(w, p->pi, p->m, f, &p->eth->src_addr, iss, seg->seq, flags, tsval,
			   o->tsval);
}

/* The final ACK of a cookie handshake (C4). Takes p->m. */
static void
listen_cookie_ack(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
		  const struct tt_flow *f, struct tt_listener *l)
{
	const struct tt_config *cfg = w->tcp->cfg;
	struct tt_handshake hs = {
		.iss = seg->ack - 1, .irs = seg->seq - 1, .ts_recent = seg->opts.tsval,
		.pi = p->pi, .mac = &p->eth->src_addr,
	};
	struct tt_conn *c;

	if (tt_cookie_check(w, f, hs.irs, hs.iss, &hs.mss, &hs.ts_offset) != 0) {
		TT_STAT_INC(&w->stats, SyncookiesFailed);
		tt_tcp_reply_rst(w, p, seg);
		return;
	}
	if (cfg->timestamps && (seg->opts.present & TT_TCP_OPT_TS) &&
	    tt_cookie_ts_decode(seg->opts.tsecr, &hs.flags, &hs.snd_wscale) != 0) {
		TT_STAT_INC(&w->stats, SyncookiesFailed);
		tt_tcp_reply_rst(w, p, seg);
		return;
	}
	TT_STAT_INC(&w->stats, SyncookiesRecv);
	if (acceptq_full(l)) {
		/* Q4 for cookies: nothing to keep, so with abort_on_overflow=0 the ACK is lost. */
		TT_STAT_INC(&w->stats, ListenOverflows);
		TT_STAT_INC(&w->stats, ListenDrops);
		if (TT_LIVE(cfg, abort_on_overflow))
			tt_tcp_reply_rst(w, p, seg);
		else
			rte_pktmbuf_free(p->m);
		return;
	}
	c = tt_conn_passive(w, f, l, &hs);
	if (c == NULL) {
		TT_STAT_INC(&w->stats, ListenDrops);
		rte_pktmbuf_free(p->m);
		return;
	}
	/* The ACK may carry data or FIN already (H7). */
	tt_conn_input(w, p, seg, c);
}

static bool
cookie_ack_possible(const struct tt_worker *w, const struct tt_listener *l)
{
	const struct tt_config *cfg = w->tcp->cfg;

	uint32_t syncookies = TT_LIVE(cfg, syncookies);

	if (syncookies == 2)
		return true;
	return syncookies == 1 && l->overflowed &&
	       w->clock.ms - l->overflow_ms < TT_COOKIE_CHECK_MS;
}

void
tt_listen_input(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
		struct tt_listener *l)
{
	const struct tt_config *cfg = w->tcp->cfg;
	uint32_t syncookies;
	uint8_t nh6[16];
	struct tt_flow f;

	/* Two 8-byte stores, as the request's copy and the table's compare read it. */
	tt_tcp_flow_of(w, p, seg->sport, seg->dport, &f);
	if (seg->flags & RTE_TCP_RST_FLAG)
		goto drop;
	/*
	 * An IPv6 peer's address enters the worker's table here, where a request, a cookie or a
	 * TCB is about to name it; full of addresses flows still hold, the segment is dropped
	 * as one that found no memory.
	 */
	if (unlikely(f.raddr == TT_IN6_NONE && tt_flow_is_v6(&f))) {
		f.raddr = tt_in6_intern(w, p->ip6->src_addr);
		if (f.raddr == TT_IN6_NONE) {
			TT_STAT_INC(&w->stats, ListenDrops);
			goto drop;
		}
	}
	if (seg->flags & RTE_TCP_ACK_FLAG) {
		/* A SYN-ACK or a stray ACK to a listener: a cookie, or a reset (H9, H10). */
		if (!(seg->flags & RTE_TCP_SYN_FLAG) && cookie_ack_possible(w, l)) {
			listen_cookie_ack(w, p, seg, &f, l);
			return;
		}
		tt_tcp_reply_rst(w, p, seg);
		return;
	}
	/*
	 * A SYN (the flag check admits nothing else without ACK or RST). R1: in a memory crisis
	 * (pools run low), shed it here, before any allocation, so admitted connections keep
	 * the memory; the client retries after its SYN timeout. Mere pressure does not shed:
	 * what fills memory then is connections whose peer went quiet, which the RTO reclaims
	 * (tcp_timer.c), while new ones would finish and free theirs within a round trip.
	 */
	if (unlikely(w->tcp->mem.level == TT_MEM_CRITICAL)) {
		TT_STAT_INC(&w->stats, SynShedMemory);
		TT_STAT_INC(&w->stats, ListenDrops);
		goto drop;
	}
	if (acceptq_full(l)) {
		TT_STAT_INC(&w->stats, ListenOverflows);
		TT_STAT_INC(&w->stats, ListenDrops);
		goto drop;
	}
	/* As Linux's tcp_conn_request: no route for the SYN-ACK, nothing kept (ListenDrops). */
	if (tt_flow_is_v6(&f) ? !tt_ipv6_nexthop(w, p->ip6->src_addr, nh6) :
				!tt_ipv4_route(w, f.raddr)) {
		TT_STAT_INC(&w->stats, ListenDrops);
		goto drop;
	}
	syncookies = TT_LIVE(cfg, syncookies);
	if (syncookies == 2) {
		listen_send_cookie(w, p, seg, &f, l);
		return;
	}
	if (l->syn_q >= l->syn_q_max || tt_req_create(w, p, seg, &f, l) != 0) {
		if (syncookies == 1) {
			TT_STAT_INC(&w->stats, TCPReqQFullDoCookies);
			listen_send_cookie(w, p, seg, &f, l);
			return;
		}
		TT_STAT_INC(&w->stats, TCPReqQFullDrop);
		TT_STAT_INC(&w->stats, ListenDrops);
		goto drop;
	}
	return;
drop:
	rte_pktmbuf_free(p->m);
}
