/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN queue: requests in SYN_RECV (SPEC H1, H5-H8, Q1, Q4).
 *
 *   tt_listen_input -> tt_req_create      SYN: entry, SYN-ACK, 1 s timer
 *   tt_tcp_input    -> tt_req_input       segments for a request's flow
 *   tt_tcp_timers_run -> tt_req_timeout   SYN-ACK again after 1, 2, 4 ... 64, then 120 s;
 *                                         dropped after synack_retries retransmissions and
 *                                         one more wait
 *
 * Completion follows Linux's tcp_check_req: the final ACK (or the first data segment with
 * a valid ACK, H7) turns the entry into an ESTABLISHED TCB in the accept queue, unless the
 * queue is full (Q4): then abort_on_overflow=0 keeps the request and its timer, so the
 * client's ACK to the next SYN-ACK retransmission completes it once the application has
 * made room; abort_on_overflow=1 answers with RST.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"
#include "tcp_seq.h"

/*
 * H5: the wait after the n-th SYN-ACK (n = 0 for the first) is synack_backoff_ms[min(n, 7)]:
 * Linux's min(TCP_TIMEOUT_INIT << n, TCP_RTO_MAX), 1 s doubling up to 120 s. A table, not a
 * shift: synack_retries goes to 255, and 1000 << n leaves 32 bits at n = 22.
 */
static const uint32_t synack_backoff_ms[] = {
	1000, 2000, 4000, 8000, 16000, 32000, 64000, 120000,
};

static uint32_t
synack_backoff(unsigned int n)
{
	return synack_backoff_ms[RTE_MIN(n, (unsigned int)RTE_DIM(synack_backoff_ms) - 1)];
}

static void
req_send_synack(struct tt_worker *w, const struct tt_req *r, struct rte_mbuf *reuse)
{
	uint32_t tsval = 0;

	if (r->flags & TT_CONN_TS)
		tsval = tt_tcp_tsval(w, TT_REQ_TS_OFFSET(r));
	tt_tcp_send_synack(w, TT_REQ_PI(r), reuse, &r->flow, &r->mac, r->iss, r->irs, r->flags,
			   tsval, r->ts_recent);
}

int
tt_req_create(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
	      const struct tt_flow *f, struct tt_listener *l)
{
	struct tt_tcp *t = w->tcp;
	const struct tt_config *cfg = t->cfg;
	const struct tt_tcp_opts *o = &seg->opts;
	struct tt_req *r = tt_objpool_get(&t->reqs);
	uint64_t secret;

	if (r == NULL)
		return -ENOSPC;
	memset(r, 0, sizeof(*r));
	r->flow = *f;
	tt_timer_init(&r->timer, TT_TMR_REQ);
	r->irs = seg->seq;
	/* F6: a SYN reopening a TIME_WAIT 4-tuple starts above the old sequence space. */
	secret = tt_tcp_flow_secret(w, f);
	r->iss = t->tw_isn_set ? t->tw_isn : tt_tcp_isn_of(w, secret);
	TT_REQ_TS_OFFSET(r) = tt_tcp_ts_offset_of(w, secret);
	t->tw_isn_set = false;
	r->mss = (o->present & TT_TCP_OPT_MSS) ? o->mss : 536;
	if (cfg->timestamps && (o->present & TT_TCP_OPT_TS)) {
		r->flags |= TT_CONN_TS;
		r->ts_recent = o->tsval;
	}
	if (cfg->sack && (o->present & TT_TCP_OPT_SACK_OK))
		r->flags |= TT_CONN_SACK;
	if (cfg->window_scaling && (o->present & TT_TCP_OPT_WSCALE)) {
		r->flags |= TT_CONN_WSCALE;
		r->snd_wscale = o->wscale;
	}
	r->mac = p->eth->src_addr;
	TT_REQ_LISTENER(r) = (uint8_t)l->idx;
	TT_REQ_PI(r) = (uint8_t)p->pi;
	if (tt_flow_add(t, f, r, TT_FLOW_REQ) != 0) {
		tt_objpool_put(&t->reqs, r);
		return -ENOSPC;
	}
	l->syn_q++;
	t->n_state[TT_TCPS_SYN_RECV]++;
	tt_timer_arm(&t->wheel, &r->timer, synack_backoff(0));
	req_send_synack(w, r, p->m);
	return 0;
}

void
tt_req_free(struct tt_worker *w, struct tt_req *r)
{
	struct tt_tcp *t = w->tcp;

	tt_timer_cancel(&t->wheel, &r->timer);
	t->listeners[TT_REQ_LISTENER(r)].syn_q--;
	t->n_state[TT_TCPS_SYN_RECV]--;
	tt_objpool_put(&t->reqs, r);
}

/* H5: retransmit with backoff, synack_retries times, then give the request up. */
void
tt_req_timeout(struct tt_worker *w, struct tt_req *r)
{
	struct tt_tcp *t = w->tcp;

	if (TT_REQ_RETRIES(r) >= TT_LIVE(t->cfg, synack_retries)) {
		tt_flow_del(t, &r->flow);
		tt_req_free(w, r);
		return;
	}
	TT_REQ_RETRIES(r)++;
	TT_STAT_INC(&w->stats, RetransSegs);
	TT_STAT_INC(&w->stats, TCPSynRetrans);
	req_send_synack(w, r, NULL);
	tt_timer_arm(&t->wheel, &r->timer, synack_backoff(TT_REQ_RETRIES(r)));
}

struct tt_conn *
tt_conn_passive(struct tt_worker *w, const struct tt_flow *f, struct tt_listener *l,
		const struct tt_handshake *hs)
{
	struct tt_tcp *t = w->tcp;
	const struct tt_config *cfg = t->cfg;
	struct tt_conn *c = tt_conn_alloc(w);
	uint8_t flags = hs->flags;
	uint16_t our_mss = (uint16_t)(w->ports[hs->pi].mtu - tt_flow_ip_hlen(f) - 20);

	if (c == NULL)
		return NULL;
	c->flow = *f;
	c->flow.pad = 0;    /* f may be a request's, with its TS offset there */
	c->flags = flags;
	c->snd_wscale = (flags & TT_CONN_WSCALE) ? hs->snd_wscale : 0;
	c->rcv_wscale = (flags & TT_CONN_WSCALE) ? tt_tcp_rcv_wscale(cfg) : 0;
	/* Linux's floor, tcp_min_snd_mss: a peer's tiny MSS cannot make segments of nothing. */
	c->mss = RTE_MIN(hs->mss, our_mss);
	if (c->mss < TT_TCP_MIN_SND_MSS)
		c->mss = TT_TCP_MIN_SND_MSS;
	if (flags & TT_CONN_TS)
		c->mss -= 12;
	c->pmtu = w->ports[hs->pi].mtu;     /* RFC 1191 3: the first hop's, until ICMP says less */
	c->iss = hs->iss;
	c->irs = hs->irs;
	c->snd_una = c->snd_nxt = c->snd_max = hs->iss + 1;
	c->rcv_nxt = hs->irs + 1;
	c->rcv_acked = hs->irs + 1;         /* our SYN-ACK acknowledged the SYN */
	c->rcv_wnd = (flags & TT_CONN_WSCALE) ? cfg->rmem : RTE_MIN(cfg->rmem, 65535u);
	c->snd_wl1 = hs->irs;
	c->snd_wl2 = hs->iss;
	c->ts_recent = hs->ts_recent;
	c->ts_recent_age = tt_conn_age(w->clock.ms);
	c->ts_offset = (flags & TT_CONN_TS) ? hs->ts_offset : 0;
	c->rto = 1000;      /* RFC 6298 2.1 until an RTT is measured */
	tt_cc_conn_init(w, c);
	tt_recovery_conn_init(c);
	tt_mem_conn_init(w, c);
	if (l->keepalive) {
		c->flags |= TT_CONN_KEEPALIVE;
		tt_conn_keepalive_start(w, c);
	}
	c->listener = l->idx;
	c->pi = (uint8_t)hs->pi;
	c->peer_mac = *hs->mac;
	/* The request's entry becomes the TCB's in place (tt_flow_add on a flow already there). */
	if (tt_flow_add(t, f, c, TT_FLOW_CONN) != 0) {
		tt_objpool_put(&t->conns, c);
		return NULL;
	}
	tt_conn_set_state(w, c, TT_TCPS_ESTABLISHED);
	TT_STAT_INC(&w->stats, PassiveOpens);
	if (tt_listen_enqueue(w, l, c) != 0) {
		/* The caller checked room; a full ring here would be a bug, not a peer's doing. */
		tt_conn_free(w, c);
		return NULL;
	}
	return c;
}

/* RFC 9293 3.10.7.4 "first check sequence number" for a request: rcv_nxt .. + window. */
static bool
req_in_window(const struct tt_req *r, const struct tt_tcp_seg *seg, uint32_t wnd)
{
	uint32_t rcv_nxt = r->irs + 1;

	return tt_seq_in(seg->seq, rcv_nxt, rcv_nxt + wnd) ||
	       (seg->plen == 0 && seg->seq == rcv_nxt);
}

void
tt_req_input(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg, struct tt_req *r)
{
	struct tt_tcp *t = w->tcp;
	const struct tt_config *cfg = t->cfg;
	struct tt_listener *l = &t->listeners[TT_REQ_LISTENER(r)];
	uint32_t wnd = RTE_MIN(cfg->rmem, 65535u);
	struct tt_handshake hs;
	struct tt_conn *c;

	/* H6: the SYN again (our SYN-ACK was lost): SYN-ACK again, no second request. */
	if ((seg->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG &&
	    seg->seq == r->irs) {
		TT_STAT_INC(&w->stats, RetransSegs);
		TT_STAT_INC(&w->stats, TCPSynRetrans);
		req_send_synack(w, r, p->m);
		return;
	}
	/*
	 * Linux's tcp_check_req order: a wrong ACK number is checked before the window, and
	 * the segment goes back to the listener, which answers an ACK with RST and ignores a
	 * RST (so a RST carrying a wrong ACK leaves the request alone).
	 */
	if ((seg->flags & RTE_TCP_ACK_FLAG) && seg->ack != r->iss + 1) {
		if (seg->flags & RTE_TCP_RST_FLAG)
			goto drop;
		tt_tcp_reply_rst(w, p, seg);
		return;
	}
	if (!req_in_window(r, seg, wnd)) {
		/*
		 * Out of window: a bare ACK <SEQ=ISS+1><ACK=IRS+1> unless it is a reset (RFC 9293
		 * 3.10.7.4), as Linux's tcp_check_req answers through send_ack.
		 */
		uint8_t shift = (r->flags & TT_CONN_WSCALE) ? tt_tcp_rcv_wscale(cfg) : 0;

		if (seg->flags & RTE_TCP_RST_FLAG)
			goto drop;
		tt_tcp_reply_ack(w, p, r->iss + 1, r->irs + 1, (uint16_t)(wnd >> shift),
				 r->flags & TT_CONN_TS,
				 tt_tcp_tsval(w, TT_REQ_TS_OFFSET(r)), r->ts_recent);
		return;
	}
	/* H8: a reset in window, or a SYN that is not the retransmission, ends the request. */
	if (seg->flags & (RTE_TCP_RST_FLAG | RTE_TCP_SYN_FLAG)) {
		TT_STAT_INC(&w->stats, AttemptFails);
		tt_flow_del(t, &r->flow);
		tt_req_free(w, r);
		if (seg->flags & RTE_TCP_RST_FLAG)
			goto drop;
		tt_tcp_reply_rst(w, p, seg);
		return;
	}
	/* Only ACK segments with the right number remain (tt_tcp_parse refuses the rest). */
	if (rte_ring_count(l->acceptq) >= l->accept_max) {
		TT_STAT_INC(&w->stats, ListenOverflows);
		TT_STAT_INC(&w->stats, ListenDrops);
		if (!TT_LIVE(cfg, abort_on_overflow))
			goto drop; /* Q4: the request and its SYN-ACK timer stay */
		/* Linux's embryonic reset: RST <SEQ=SEG.ACK>, no AttemptFails. */
		tt_flow_del(t, &r->flow);
		tt_req_free(w, r);
		tt_tcp_reply_rst(w, p, seg);
		return;
	}
	hs = (struct tt_handshake){
		.iss = r->iss, .irs = r->irs, .ts_recent = r->ts_recent, .mss = r->mss,
		.flags = r->flags, .snd_wscale = r->snd_wscale, .pi = TT_REQ_PI(r), .mac = &r->mac,
		.ts_offset = (r->flags & TT_CONN_TS) ? TT_REQ_TS_OFFSET(r) : 0,
	};
	c = tt_conn_passive(w, &r->flow, l, &hs);
	if (c == NULL) {
		/* No TCB free: keep the request; a retransmitted ACK may find one. */
		TT_STAT_INC(&w->stats, ListenDrops);
		goto drop;
	}
	tt_req_free(w, r);
	/* The rest of the segment: window, data on the third ACK (H7), FIN. */
	tt_conn_input(w, p, seg, c);
	return;
drop:
	rte_pktmbuf_free(p->m);
}
