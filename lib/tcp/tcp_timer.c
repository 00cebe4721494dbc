/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers on the worker's wheel (lib/util/tt_timer.c), one dispatch by kind:
 *
 *   TT_TMR_REQ     SYN-ACK retransmission (tcp_syncache.c, H5)
 *   TT_TMR_RTO     data/FIN retransmission, RFC 6298: go back to snd_una, double the RTO
 *   TT_TMR_DELACK  the ACK a data segment was owed (D5: at most 40 ms late), or output
 *                  that found no mbuf, 1 ms later (tcp_output.c out_retry)
 *   TT_TMR_FW2     FIN_WAIT_2 of a released connection ends after fin_timeout (F7)
 *   (TIME_WAIT ends through its own FIFOs, tcp_timewait.c: tt_tw_timers_run)
 *   TT_TMR_PERSIST zero-window probe with the RTO's backoff (D3, RFC 9293 3.8.6.1)
 *   TT_TMR_TLP     tail loss probe (RFC 8985 7), in place of the RTO (tcp_recovery.c)
 *   TT_TMR_REO     RACK's reordering window ran out: detect loss again (RFC 8985 6.3)
 *   TT_TMR_KEEPALIVE  an idle connection's probe (D6), on a timer of its own
 *   TT_TMR_SYN     an active open's SYN again, with backoff, syn_retries (tcp_connect.c)
 *   TT_TMR_IDLE    the retransmission timer with nothing outstanding (tt_conn_rtx_idle)
 *
 * tt_worker_poll -> tt_tcp_timers_run -> tt_wheel_advance -> tcp_timer_fire
 */
#include <stddef.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"

/* Linux's TCP_RTO_MIN, TCP_RTO_MAX and tcp_retries2. */
#define TT_RTO_MIN_MS 200
#define TT_RTO_MAX_MS 120000
#define TT_RTO_RETRIES 15
#define TT_DELACK_MS 40
/* Linux's tcp_orphan_retries default (0 means 8): probes a released connection may send. */
#define TT_ORPHAN_PROBES 8

#define owner_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

void
tt_conn_rto_arm(struct tt_worker *w, struct tt_conn *c)
{
	c->rtx.kind = TT_TMR_RTO;
	tt_timer_arm(&w->tcp->wheel, &c->rtx, c->rto);
}

static void
conn_rto(struct tt_worker *w, struct tt_conn *c)
{
	bool orphan = c->cflags & TT_CF_RELEASED;

	/*
	 * R1, as Linux's tcp_out_of_resources: under memory pressure a connection no
	 * application holds any more is reset instead of retransmitted, so a peer that vanished
	 * (a load generator that gave up) does not keep buffers through minutes of backoff.
	 */
	if (orphan && tt_mem_shedding(w->tcp)) {
		TT_STAT_INC(&w->stats, TCPAbortOnMemory);
		tt_tcp_send_rst_conn(w, c);
		tt_conn_closed(w, c, TT_CLOSE_ABORTED);
		return;
	}
	/* An orphan gets tcp_orphan_retries (8), as on Linux; a held connection tcp_retries2. */
	if (c->backoff >= (orphan ? TT_ORPHAN_PROBES : TT_RTO_RETRIES)) {
		TT_STAT_INC(&w->stats, TCPAbortOnTimeout);
		tt_conn_closed(w, c, TT_CLOSE_TIMEOUT);
		return;
	}
	c->backoff++;
	c->rto = RTE_MIN(c->rto * 2, (uint32_t)TT_RTO_MAX_MS);
	/* Go back to the first unacknowledged byte; Karn: no RTT sample from a resend. */
	/*
	 * Units not SACKed are deemed lost and go again from cwnd = one segment, in order as ACKs
	 * come (tcp_recovery.c), not the whole queue at once; a FIN sent after every byte was
	 * acknowledged goes again by going back to it.
	 */
	tt_recovery_rto(w, c);
	if (c->sndq == NULL)
		tt_conn_snd_rewind(c);
	c->rtt_start = 0;
	tt_conn_rto_arm(w, c);
	tt_tcp_output(w, c);
}

void
tt_conn_persist_arm(struct tt_worker *w, struct tt_conn *c)
{
	uint64_t d = (uint64_t)c->rto << RTE_MIN(c->backoff, (uint8_t)10);

	c->rtx.kind = TT_TMR_PERSIST;
	tt_timer_arm(&w->tcp->wheel, &c->rtx, (uint32_t)RTE_MIN(d, (uint64_t)TT_RTO_MAX_MS));
}

/*
 * The peer's window stayed shut. As on Linux, the interval backs off like the RTO and any
 * ACK from the peer resets the count of unanswered probes, so probing goes on while the
 * peer answers; unanswered, it gives up after tcp_retries2 probes (a released connection
 * after the orphan limit).
 */
static void
conn_persist(struct tt_worker *w, struct tt_conn *c)
{
	if (c->snd_wnd > 0 || c->sndq_len == 0) {
		tt_conn_schedule_output(w, c);
		return;
	}
	if (c->probes >= ((c->cflags & TT_CF_RELEASED) ? TT_ORPHAN_PROBES : TT_RTO_RETRIES)) {
		TT_STAT_INC(&w->stats, TCPAbortOnTimeout);
		tt_conn_closed(w, c, TT_CLOSE_TIMEOUT);
		return;
	}
	c->probes++;
	if (c->backoff < TT_RTO_RETRIES)
		c->backoff++;
	tt_tcp_send_probe(w, c);
	tt_conn_persist_arm(w, c);
}

void
tt_conn_keepalive_start(struct tt_worker *w, struct tt_conn *c)
{
	c->ka_last = (uint32_t)w->clock.ms;
	c->ka_probes = 0;
	c->ka.kind = TT_TMR_KEEPALIVE;
	tt_timer_arm(&w->tcp->wheel, &c->ka, TT_LIVE(w->tcp->cfg, keepalive_time) * 1000u);
}

/*
 * D6, as Linux's tcp_keepalive_timer: after keepalive_time without a segment from the peer,
 * a probe <SEQ=SND.UNA-1><CTL=ACK> (the peer must answer with an ACK) every keepalive_intvl;
 * any segment from the peer ends the probing (tcp_input.c). keepalive_probes unanswered:
 * a reset and the end (TCPAbortOnTimeout). While data is in flight the RTO watches the peer.
 */
static void
conn_keepalive(struct tt_worker *w, struct tt_conn *c)
{
	const struct tt_config *cfg = w->tcp->cfg;
	uint32_t idle = (uint32_t)w->clock.ms - c->ka_last;
	uint32_t time_ms = TT_LIVE(cfg, keepalive_time) * 1000u;
	uint32_t intvl_ms = TT_LIVE(cfg, keepalive_intvl) * 1000u;

	if (c->state != TT_TCPS_ESTABLISHED && c->state != TT_TCPS_CLOSE_WAIT)
		return;
	if (c->snd_una != c->snd_max || c->sndq_len > 0) {
		tt_timer_arm(&w->tcp->wheel, &c->ka, time_ms);
		return;
	}
	if (c->ka_probes == 0 && idle < time_ms) {
		tt_timer_arm(&w->tcp->wheel, &c->ka, time_ms - idle);
		return;
	}
	if (c->ka_probes >= TT_LIVE(cfg, keepalive_probes)) {
		TT_STAT_INC(&w->stats, TCPAbortOnTimeout);
		tt_tcp_send_rst_conn(w, c);
		tt_conn_closed(w, c, TT_CLOSE_TIMEOUT);
		return;
	}
	tt_tcp_send_probe(w, c);
	c->ka_probes++;
	TT_STAT_INC(&w->stats, TCPKeepAlive);
	tt_timer_arm(&w->tcp->wheel, &c->ka, intvl_ms);
}

static void
tcp_timer_fire(void *arg, struct tt_timer *tm)
{
	struct tt_worker *w = arg;

	switch (tm->kind) {
	case TT_TMR_REQ:
		tt_req_timeout(w, owner_of(tm, struct tt_req, timer));
		break;
	case TT_TMR_RTO:
		conn_rto(w, owner_of(tm, struct tt_conn, rtx));
		break;
	case TT_TMR_FW2:
		tt_conn_closed(w, owner_of(tm, struct tt_conn, rtx), TT_CLOSE_NORMAL);
		break;
	case TT_TMR_DELACK: {
		struct tt_conn *c = owner_of(tm, struct tt_conn, delack);

		/*
		 * D5's delayed ACK, or output that found no mbuf (tcp_output.c out_retry): the
		 * connection's output runs at the end of this iteration and sends what it owes.
		 */
		if (c->rcv_acked != c->rcv_nxt) {
			c->cflags |= TT_CF_ACK_NOW;
			TT_STAT_INC(&w->stats, DelayedACKs);
		}
		tt_conn_schedule_output(w, c);
		break;
	}
	case TT_TMR_PERSIST:
		conn_persist(w, owner_of(tm, struct tt_conn, rtx));
		break;
	case TT_TMR_TLP:
		tt_recovery_tlp_fire(w, owner_of(tm, struct tt_conn, rtx));
		break;
	case TT_TMR_REO:
		tt_recovery_reo_fire(w, owner_of(tm, struct tt_conn, rtx));
		break;
	case TT_TMR_KEEPALIVE:
		conn_keepalive(w, owner_of(tm, struct tt_conn, ka));
		break;
	case TT_TMR_SYN:
		tt_conn_syn_timeout(w, owner_of(tm, struct tt_conn, rtx));
		break;
	case TT_TMR_IDLE:
		break;
	}
}

void
tt_tcp_timers_run(struct tt_worker *w)
{
	tt_wheel_advance(&w->tcp->wheel, w->clock.ms, tcp_timer_fire, w);
	tt_tw_timers_run(w);
}

/* RFC 6298 2.2-2.4 in BSD's fixed point: srtt8 = 8 * SRTT, rttvar4 = 4 * RTTVAR (ms). */
void
tt_conn_rtt_sample(struct tt_conn *c, uint32_t r)
{
	if (c->srtt8 == 0) {
		c->srtt8 = r << 3;
		c->rttvar4 = r << 1;
	} else {
		int32_t delta = (int32_t)r - (int32_t)(c->srtt8 >> 3);

		c->srtt8 = (uint32_t)((int32_t)c->srtt8 + delta);
		if (delta < 0)
			delta = -delta;
		delta -= (int32_t)(c->rttvar4 >> 2);
		c->rttvar4 = (uint32_t)((int32_t)c->rttvar4 + delta);
	}
	c->rto = (c->srtt8 >> 3) + (c->rttvar4 ? c->rttvar4 : 1u);
	c->rto = RTE_MAX(c->rto, (uint32_t)TT_RTO_MIN_MS);
	c->rto = RTE_MIN(c->rto, (uint32_t)TT_RTO_MAX_MS);
}

void
tt_conn_delack_arm(struct tt_worker *w, struct tt_conn *c)
{
	if (!tt_timer_armed(&c->delack))
		tt_timer_arm(&w->tcp->wheel, &c->delack, TT_DELACK_MS);
}

void
tt_conn_fw2_arm(struct tt_worker *w, struct tt_conn *c)
{
	c->rtx.kind = TT_TMR_FW2;
	tt_timer_arm(&w->tcp->wheel, &c->rtx, TT_LIVE(w->tcp->cfg, fin_timeout) * 1000);
}
