/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TIME_WAIT (SPEC F1, F4, F6): a closing TCB becomes a 64-byte entry that keeps the 4-tuple
 * for the listener's time_wait seconds (2MSL, 60 s like Linux by default), then goes.
 * Segments for it follow Linux's tcp_timewait_state_process:
 *
 *   bare ACK or RST at rcv_nxt  ACK: restart the timer, absorb; RST: the entry goes (Linux's
 *                               default, tcp_rfc1337 = 0)
 *   SYN above rcv_nxt, or with  the 4-tuple reopens: the entry goes and the listener sees a
 *   a newer timestamp           SYN whose ISN is snd_nxt + 65537 (F6)
 *   anything else but RST       ACK again and restart the timer: a retransmitted FIN (F4)
 *
 * Beyond this worker's share of max_tw_buckets a closing connection skips TIME_WAIT
 * (TCPTimeWaitOverflow).
 */
#include <string.h>

#include <rte_common.h>
#include <rte_tcp.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"
#include "tcp_seq.h"

#define TW_FIFO(tw) ((tw)->timer.owner_u8[0])

void
tt_tw_init(struct tt_tcp *t)
{
	for (unsigned int i = 0; i < RTE_DIM(t->tw_fifo); i++) {
		t->tw_fifo[i].head = NULL;
		t->tw_fifo[i].tailp = &t->tw_fifo[i].head;
	}
	t->tw_armed = 0;
}

static void
tw_unlink(struct tt_tcp *t, struct tt_tw *tw)
{
	struct tt_timer *tm = &tw->timer;

	if (!tt_timer_armed(tm))
		return;
	*tm->pprev = tm->next;
	if (tm->next != NULL)
		tm->next->pprev = tm->pprev;
	else
		t->tw_fifo[TW_FIFO(tw)].tailp = tm->pprev;
	tm->next = NULL;
	tm->pprev = NULL;
	t->tw_armed--;
}

/* (Re)start the entry's time_wait: to the tail of its FIFO, which stays in expiry order. */
static void
tw_arm(struct tt_worker *w, struct tt_tw *tw)
{
	struct tt_tcp *t = w->tcp;
	struct tt_tw_fifo *q = &t->tw_fifo[TW_FIFO(tw)];
	struct tt_timer *tm = &tw->timer;

	tw_unlink(t, tw);
	tm->expire = (uint32_t)(w->clock.ms + (uint64_t)tw->time_wait_s * 1000u);
	tm->next = NULL;
	tm->pprev = q->tailp;
	*q->tailp = tm;
	q->tailp = &tm->next;
	t->tw_armed++;
}

void
tt_tw_timers_run(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;

	if (t->tw_armed == 0)
		return;
	for (unsigned int i = 0; i < RTE_DIM(t->tw_fifo); i++) {
		struct tt_timer *tm;

		while ((tm = t->tw_fifo[i].head) != NULL &&
		       (int32_t)(tm->expire - (uint32_t)w->clock.ms) <= 0)
			tt_tw_expire(w, container_of(tm, struct tt_tw, timer));
	}
}

void
tt_tw_enter(struct tt_worker *w, struct tt_conn *c)
{
	struct tt_tcp *t = w->tcp;
	struct tt_tw *tw = NULL;

	if (tt_objpool_in_use(&t->tws) < t->tw_max)
		tw = tt_objpool_get(&t->tws);
	if (tw == NULL) {
		TT_STAT_INC(&w->stats, TCPTimeWaitOverflow);
		tt_conn_closed(w, c, TT_CLOSE_NORMAL);
		return;
	}
	memset(tw, 0, sizeof(*tw));
	tw->flow = c->flow;
	tt_timer_init(&tw->timer, TT_TMR_TW);
	tw->snd_nxt = c->snd_nxt;
	tw->rcv_nxt = c->rcv_nxt;
	tw->ts_recent = c->ts_recent;
	tw->ts_offset = c->ts_offset;
	tw->rcv_wnd = (uint16_t)RTE_MIN(c->rcv_wnd >> c->rcv_wscale, 65535u);
	tw->flags = c->flags;
	tw->pi = c->pi;
	tw->time_wait_s = c->listener < t->n_listeners ? t->listeners[c->listener].time_wait_s : 60;
	TW_FIFO(tw) = (uint8_t)(c->listener < t->n_listeners ? c->listener : TT_LISTENER_CLIENT);
	/* The flow's table entry now names the TIME_WAIT entry; the TCB leaves without it. */
	if (tt_flow_add(t, &tw->flow, tw, TT_FLOW_TW) != 0) {
		tt_objpool_put(&t->tws, tw);
		TT_STAT_INC(&w->stats, TCPTimeWaitOverflow);
		tt_conn_closed(w, c, TT_CLOSE_NORMAL);
		return;
	}
	t->n_state[TT_TCPS_TIME_WAIT]++;
	tw_arm(w, tw);
	tt_conn_set_state(w, c, TT_TCPS_NONE);
	tt_conn_closed(w, c, TT_CLOSE_NORMAL);
}

static void
tw_free(struct tt_worker *w, struct tt_tw *tw)
{
	struct tt_tcp *t = w->tcp;

	tw_unlink(t, tw);
	tt_flow_del(t, &tw->flow);
	t->n_state[TT_TCPS_TIME_WAIT]--;
	tt_objpool_put(&t->tws, tw);
}

void
tt_tw_expire(struct tt_worker *w, struct tt_tw *tw)
{
	tw_free(w, tw);
}

static void
tw_ack(struct tt_worker *w, struct tt_pkt *p, const struct tt_tw *tw)
{
	tt_tcp_reply_ack(w, p, tw->snd_nxt, tw->rcv_nxt, tw->rcv_wnd, tw->flags & TT_CONN_TS,
			 tt_tcp_tsval(w, tw->ts_offset), tw->ts_recent);
}

void
tt_tw_input(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg, struct tt_tw *tw)
{
	struct tt_tcp *t = w->tcp;
	bool rst = seg->flags & RTE_TCP_RST_FLAG;
	bool ts = (tw->flags & TT_CONN_TS) && (seg->opts.present & TT_TCP_OPT_TS);

	if (seg->seq == tw->rcv_nxt && ((seg->plen == 0 && !(seg->flags & (RTE_TCP_FIN_FLAG |
	    RTE_TCP_SYN_FLAG))) || rst)) {
		if (rst) {
			tw_free(w, tw);
		} else {
			if (ts)
				tw->ts_recent = seg->opts.tsval;
			tw_arm(w, tw);
		}
		rte_pktmbuf_free(p->m);
		return;
	}
	if ((seg->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
	    RTE_TCP_SYN_FLAG &&
	    (tt_seq_gt(seg->seq, tw->rcv_nxt) ||
	     (ts && (int32_t)(seg->opts.tsval - tw->ts_recent) > 0))) {
		struct tt_listener *l = tt_listen_lookup(t, seg->dport);

		t->tw_isn = tw->snd_nxt + 65535 + 2;
		tw_free(w, tw);
		if (l == NULL) {
			tt_tcp_reply_rst(w, p, seg);
			return;
		}
		t->tw_isn_set = true;
		tt_listen_input(w, p, seg, l);
		t->tw_isn_set = false;
		return;
	}
	if (rst) {
		rte_pktmbuf_free(p->m);
		return;
	}
	if (seg->flags & RTE_TCP_ACK_FLAG)
		tw_arm(w, tw);
	tw_ack(w, p, tw);
}
