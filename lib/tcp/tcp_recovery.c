/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loss recovery (SPEC D3; issue 7): the SACK scoreboard, when segments are deemed lost,
 * fast recovery and the state after a retransmission timeout, in Linux's states
 * (enum tt_ca_state) and with Linux's counters.
 *
 *   tt_conn_input (acceptable ACK) -> tt_recovery_ack
 *   RTO (tcp_timer.c)              -> tt_recovery_rto
 *   path MTU lowered (tcp_icmp.c)  -> tt_recovery_simple_retransmit
 *   tt_tcp_output                  -> tt_recovery_in_flight, tt_recovery_next_lost,
 *                                     tt_recovery_retransmitted
 *
 * The scoreboard is the send queue: each unit (one segment) carries TT_SU_SACKED,
 * TT_SU_LOST and TT_SU_RETRANS, and the TCB their sums in bytes, so the bytes in flight are
 * RFC 6675's pipe without a walk: sent - SACKed - lost + retransmitted (Linux's
 * tcp_packets_in_flight, in bytes).
 *
 * A unit is deemed lost (RFC 6675 IsLost) when DupThresh (3) units above it are SACKed;
 * without SACK, the first unit after three duplicate ACKs, and after each partial ACK in
 * recovery (RFC 6582). The first loss starts fast recovery: ssthresh from the algorithm,
 * recovery ends when snd_una passes the highest sequence sent when it began. While in
 * recovery, Proportional Rate Reduction (RFC 6937) sets how much may be sent for each ACK,
 * so the window comes down to ssthresh smoothly instead of halving at once; the first
 * retransmission goes at once. A retransmission timeout enters TT_CA_LOSS: every unit not
 * SACKed is deemed lost, cwnd is one segment (RFC 5681 3.1) and slow start retransmits them
 * in order as ACKs come back, not the whole queue at once.
 *
 * Both reductions are undone when the ACKs show them needless: timestamps older than the
 * first retransmission (RFC 3522), or D-SACKs for every retransmission (RFC 2883); and a
 * path seen to reorder widens RACK's reordering window (RFC 8985 6.2).
 */
#include "../dp/tt_worker.h"
#include "tcp_conn.h"
#include "tcp_seq.h"

/* RFC 6675 DupThresh, Linux's tcp_reordering default. */
#define TT_DUPTHRESH 3

static inline uint32_t
unit_end(const struct rte_mbuf *u)
{
	return tt_sndq_meta(u)->seq + u->data_len;
}

static void
unit_clear(struct tt_conn *c, struct tt_sndq_meta *mt, uint32_t len, uint16_t flags)
{
	if (mt->flags & flags & TT_SU_LOST)
		c->lost_bytes -= len;
	if (mt->flags & flags & TT_SU_RETRANS)
		c->retrans_bytes -= len;
	if (mt->flags & flags & TT_SU_SACKED) {
		c->sacked_bytes -= len;
		c->sacked_units--;
	}
	mt->flags &= (uint16_t)~flags;
}

void
tt_recovery_unit_gone(struct tt_conn *c, const struct rte_mbuf *u)
{
	unit_clear(c, tt_sndq_meta(u), u->data_len, TT_SU_SACKED | TT_SU_LOST | TT_SU_RETRANS);
}

static void
unit_lost(struct tt_conn *c, struct rte_mbuf *u)
{
	struct tt_sndq_meta *mt = tt_sndq_meta(u);

	if (mt->flags & (TT_SU_LOST | TT_SU_SACKED))
		return;
	mt->flags |= TT_SU_LOST;
	c->lost_bytes += u->data_len;
}

/*
 * A D-SACK for [left, right): a segment arrived twice. Above the episode's start it shows
 * as many retransmissions of the episode needless (RFC 2883 4.1.1, 4.1.3: the original was
 * only late); when none is left unexplained, the reduction is undone (Linux's
 * undo_retrans). The division counts segments in the block: once per D-SACK, rare.
 */
static void
dsack_seen(struct tt_conn *c, uint32_t left, uint32_t right)
{
	uint32_t segs;

	/* Linux's tcp_check_dsack: only a duplicate of what is acknowledged, in the episode. */
	if (!(c->flags & TT_CONN_UNDO) || c->undo_retrans <= 0 ||
	    !tt_seq_gt(right, c->undo_marker) || tt_seq_gt(right, c->snd_una))
		return;
	segs = (right - left) / c->mss;     /* mss >= TT_TCP_MIN_SND_MSS - 12, never 0 */
	if (segs == 0)
		segs = 1;
	c->undo_retrans = (int16_t)(segs >= (uint32_t)c->undo_retrans ? 0 :
				    c->undo_retrans - (int16_t)segs);
}

/*
 * The SACK blocks of seg into the scoreboard (RFC 2018); returns the bytes newly SACKed. A
 * first block below the cumulative ACK, or inside the second, is a D-SACK (RFC 2883 4):
 * counted, not a loss signal.
 */
static uint32_t
sack_update(struct tt_worker *w, struct tt_conn *c, const struct tt_tcp_seg *seg, bool *dsack)
{
	const struct tt_tcp_opts *o = &seg->opts;
	uint32_t newly = 0, now = tt_tcp_ticks(w->clock.tsc);
	bool reord = false;

	if (!(c->flags & TT_CONN_SACK) || !(o->present & TT_TCP_OPT_SACK))
		return 0;
	for (unsigned int i = 0; i < o->n_sack; i++) {
		uint32_t left = o->sack[i].left, right = o->sack[i].right;
		struct rte_mbuf *u;

		if (i == 0 && (tt_seq_leq(right, seg->ack) ||
			       (o->n_sack > 1 && tt_seq_geq(left, o->sack[1].left) &&
				tt_seq_leq(right, o->sack[1].right)))) {
			/* Linux's tcp_dsack_seen: empty, inverted or wider than any window: a lie. */
			if (!tt_seq_lt(left, right) || right - left > c->max_snd_wnd) {
				TT_STAT_INC(&w->stats, TCPSACKDiscard);
				continue;
			}
			TT_STAT_INC(&w->stats, TCPDSACKRecv);
			dsack_seen(c, left, right);
			*dsack = true;
			continue;
		}
		/* Blocks must lie in what was sent and not yet cumulatively acknowledged. */
		if (!tt_seq_lt(left, right) || tt_seq_lt(left, c->snd_una) ||
		    tt_seq_gt(right, c->snd_max)) {
			TT_STAT_INC(&w->stats, TCPSACKDiscard);
			continue;
		}
		for (u = tt_sndq_unit_at(c, left); u != NULL && tt_seq_lt(tt_sndq_meta(u)->seq, right);
		     u = u->next) {
			struct tt_sndq_meta *mt = tt_sndq_meta(u);

			if ((mt->flags & TT_SU_SACKED) || tt_seq_lt(mt->seq, left) ||
			    tt_seq_gt(unit_end(u), right))
				continue;
			unit_clear(c, mt, u->data_len, TT_SU_LOST | TT_SU_RETRANS);
			reord |= tt_recovery_delivered(c, u, now);
			mt->flags |= TT_SU_SACKED;
			c->sacked_bytes += u->data_len;
			c->sacked_units++;
			newly += u->data_len;
		}
	}
	if (reord)
		tt_recovery_reordered(w, c);
	return newly;
}

/* RFC 6675 IsLost: DupThresh SACKed units above it. Units never sent are not lost. */
static void
mark_lost(struct tt_conn *c)
{
	uint32_t above = c->sacked_units;

	for (struct rte_mbuf *u = c->sndq; u != NULL && above >= TT_DUPTHRESH; u = u->next) {
		const struct tt_sndq_meta *mt = tt_sndq_meta(u);

		if (mt->flags & TT_SU_SACKED) {
			above--;
			continue;
		}
		if (tt_seq_gt(mt->seq + u->data_len, c->snd_max))
			break;
		unit_lost(c, u);
	}
}

/* ---- RACK (RFC 8985 6): loss by time ---------------------------------------------------- */

static inline bool
tick_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/*
 * u was delivered (SACKed, or acknowledged without having been SACKed). RFC 8985 6.2 steps
 * 1-3: RACK's most recently sent delivered segment and min_rtt; and reordering, when a
 * segment never retransmitted is delivered below the highest end delivered before it
 * (RACK.fack). Returns true for reordering.
 */
bool
tt_recovery_delivered(struct tt_conn *c, const struct rte_mbuf *u, uint32_t now)
{
	const struct tt_sndq_meta *mt = tt_sndq_meta(u);
	uint32_t rtt = now - mt->xmit_ts, end = mt->seq + u->data_len;
	bool reord = false;

	if (mt->xmits == 0)
		return false;
	if (!(mt->flags & TT_SU_SACKED)) {
		if (!(mt->flags & TT_SU_EVER_RETRANS) && tt_seq_lt(end, c->rack_fack))
			reord = true;
		else if (tt_seq_gt(end, c->rack_fack))
			c->rack_fack = end;
	}
	/* 6.2: an ACK sooner than min_rtt after a retransmission is for the original. */
	if ((mt->flags & TT_SU_EVER_RETRANS) && (c->cflags & TT_CF_RACK) &&
	    rtt < c->rack_min_rtt)
		return reord;
	if (!(c->cflags & TT_CF_RACK) || rtt < c->rack_min_rtt)
		c->rack_min_rtt = rtt;
	if (!(c->cflags & TT_CF_RACK) || tick_before(c->rack_ts, mt->xmit_ts) ||
	    (mt->xmit_ts == c->rack_ts && tt_seq_gt(end, c->rack_end))) {
		c->rack_ts = mt->xmit_ts;
		c->rack_end = end;
		c->rack_rtt = rtt;
		c->cflags |= TT_CF_RACK;
	}
	return reord;
}

void
tt_recovery_reordered(struct tt_worker *w, struct tt_conn *c)
{
	TT_STAT_INC(&w->stats, TCPSACKReorder);
	c->flags |= TT_CONN_REORD;
}

/*
 * The RTT sample of the ACK processed at ticks now, for congestion control (HyStart++): RACK's
 * when this ACK gave it (tt_recovery_delivered ran at now), the RTT of the most recently sent
 * unit it delivered, as Linux's ca_rtt_us; else 0. A known limit: ACKs of one burst share
 * now, and one that delivered only older units repeats the sample before it.
 */
static uint32_t
ack_rtt(const struct tt_conn *c, uint32_t now)
{
	if (!(c->cflags & TT_CF_RACK) || c->rack_ts + c->rack_rtt != now)
		return 0;
	return RTE_MAX(c->rack_rtt, 1u);
}

/*
 * 6.2 step 4 reo_wnd: reo_wnd_mult quarters of min_rtt, at most SRTT. Until the path has
 * shown reordering, none once loss is certain (in recovery, or DupThresh units SACKed), as
 * Linux's tcp_rack_reo_wnd; after, the window holds there too, so late originals are not
 * retransmitted again and again.
 */
static uint32_t
rack_reo_wnd(const struct tt_worker *w, const struct tt_conn *c)
{
	uint32_t srtt = (c->srtt8 >> 3) * w->tcp->ticks_per_ms;
	uint32_t wnd = (c->rack_min_rtt >> 2) * (c->reo_steps + 1u);

	if (!(c->flags & TT_CONN_REORD) &&
	    (c->ca_state >= TT_CA_RECOVERY || c->sacked_units >= TT_DUPTHRESH))
		return 0;
	return srtt > 0 ? RTE_MIN(wnd, srtt) : wnd;
}

/*
 * 6.2 step 4: a D-SACK widens the reordering window by a quarter of min_rtt, at most once a
 * round trip; sixteen recoveries without one narrow it back.
 */
static void
reo_wnd_update(struct tt_conn *c, bool dsack, bool recovery_ended)
{
	if (tt_seq_geq(c->snd_una, c->dsack_round))
		c->dsack_round = c->snd_una;      /* no round pending; kept near, wrap-safe */
	if (dsack && c->dsack_round == c->snd_una) {
		c->dsack_round = c->snd_max;
		c->reo_steps = (uint8_t)RTE_MIN(c->reo_steps + 1u, (uint32_t)UINT8_MAX);
		c->reo_persist = 16;
	} else if (recovery_ended && c->reo_persist > 0 && --c->reo_persist == 0) {
		c->reo_steps = 0;
	}
}

/*
 * 6.2 step 5: a unit sent before the most recently sent one delivered, and not delivered
 * itself within RTT + reo_wnd of being sent, is lost; a lost retransmission is sent again
 * (TCPLostRetransmit). What may still arrive arms the reordering timer. Returns true when
 * something was newly deemed lost.
 */
static bool
rack_detect(struct tt_worker *w, struct tt_conn *c)
{
	uint32_t now = tt_tcp_ticks(w->clock.tsc), reo = rack_reo_wnd(w, c), wait = 0;
	bool lost = false;

	if (!(c->cflags & TT_CF_RACK))
		return false;
	for (struct rte_mbuf *u = c->sndq; u != NULL; u = u->next) {
		struct tt_sndq_meta *mt = tt_sndq_meta(u);
		int32_t left;

		if (tt_seq_gt(mt->seq + u->data_len, c->snd_max) || mt->xmits == 0)
			break;
		if ((mt->flags & TT_SU_SACKED) ||
		    ((mt->flags & TT_SU_LOST) && !(mt->flags & TT_SU_RETRANS)))
			continue;
		if (!(tick_before(mt->xmit_ts, c->rack_ts) ||
		      (mt->xmit_ts == c->rack_ts && tt_seq_lt(mt->seq + u->data_len, c->rack_end))))
			continue;
		left = (int32_t)(mt->xmit_ts + c->rack_rtt + reo - now);
		if (left > 0) {
			wait = RTE_MAX(wait, (uint32_t)left);
			continue;
		}
		if (mt->flags & TT_SU_RETRANS) {
			unit_clear(c, mt, u->data_len, TT_SU_RETRANS);
			TT_STAT_INC(&w->stats, TCPLostRetransmit);
		} else {
			unit_lost(c, u);
		}
		lost = true;
	}
	if (wait > 0) {
		c->rtx.kind = TT_TMR_REO;
		tt_timer_arm(&w->tcp->wheel, &c->rtx, wait / w->tcp->ticks_per_ms + 1);
	}
	return lost;
}

/* ---- Undo (Linux's tcp_try_undo_*; RFC 3522 detection, RFC 4015 response) -------------- */

/* The episode's snapshot, taken as recovery or a timeout reduces the window. */
static void
undo_init(struct tt_conn *c)
{
	c->flags |= TT_CONN_UNDO;
	c->undo_marker = c->snd_una;
	c->undo_retrans = -1;
	c->prior_cwnd = c->cwnd;
	/* Linux's tcp_current_ssthresh: what the window had reached, three quarters of it. */
	c->prior_ssthresh = RTE_MAX(c->ssthresh, (c->cwnd >> 1) + (c->cwnd >> 2));
}

/*
 * RFC 3522 (Eifel): the ACK echoes a TSval older than the episode's first retransmission,
 * so it was sent for an original segment: the retransmission was not needed.
 */
static bool
packet_delayed(const struct tt_conn *c, const struct tt_tcp_seg *seg)
{
	return (c->flags & TT_CONN_TS) && c->undo_retrans >= 0 &&
	       (seg->opts.present & TT_TCP_OPT_TS) && seg->opts.tsecr != 0 &&
	       (int32_t)(seg->opts.tsecr - c->retrans_stamp) < 0;
}

static bool
may_undo(const struct tt_conn *c, const struct tt_tcp_seg *seg)
{
	return (c->flags & TT_CONN_UNDO) && (c->undo_retrans == 0 || packet_delayed(c, seg));
}

/*
 * Back to the window before the episode (RFC 4015 3.2, Linux's tcp_undo_cwnd_reduction):
 * cwnd and ssthresh at least what they were. unmark: after a timeout, units still marked
 * lost were not; they are not sent again, and a retransmission already out counts in
 * flight once, with its original (the scoreboard keeps RETRANS within LOST; Linux keeps
 * retrans_out and counts such a unit twice, a slightly larger pipe).
 */
static void
undo(struct tt_conn *c, bool unmark)
{
	c->cwnd = RTE_MAX(c->cwnd, c->prior_cwnd);
	c->ssthresh = RTE_MAX(c->ssthresh, c->prior_ssthresh);
	c->cwnd_cnt = 0;
	if (unmark)
		for (struct rte_mbuf *u = c->sndq; u != NULL && c->lost_bytes > 0; u = u->next)
			unit_clear(c, tt_sndq_meta(u), u->data_len, TT_SU_LOST | TT_SU_RETRANS);
	c->flags &= ~TT_CONN_UNDO;
	c->ca_state = TT_CA_OPEN;
}

/*
 * RFC 6675's DupThresh counts segments, which a reordering path makes meaningless: once
 * reordering is seen, loss is RACK's to judge, by time (RFC 8985 6.2, as Linux leaves it
 * to tcp_rack_mark_lost whenever RACK runs). The loss state after a timeout keeps it.
 */
static inline bool
dupthresh_applies(const struct tt_conn *c)
{
	return !(c->flags & TT_CONN_REORD) || !(c->cflags & TT_CF_RACK) ||
	       c->ca_state == TT_CA_LOSS;
}

static void
enter_recovery(struct tt_worker *w, struct tt_conn *c)
{
	uint32_t flight = tt_recovery_in_flight(c) + c->lost_bytes;   /* before the loss */

	undo_init(c);
	c->ssthresh = tt_cc_ops[c->cc]->ssthresh(c, flight);
	c->recover = c->snd_max;
	c->ca_state = TT_CA_RECOVERY;
	c->prr_delivered = 0;
	c->prr_out = 0;
	/* RFC 6937 RecoverFS; the one division of a recovery, here, not per ACK. */
	c->prr_ratio = (uint32_t)(((uint64_t)c->ssthresh << 16) / RTE_MAX(flight, 1u));
	if (c->flags & TT_CONN_SACK)
		TT_STAT_INC(&w->stats, TCPSackRecovery);
	else
		TT_STAT_INC(&w->stats, TCPRenoRecovery);
}

/* RFC 6937: what this ACK lets out, as cwnd = pipe + sndcnt. */
static void
prr_ack(struct tt_conn *c, uint32_t delivered)
{
	uint32_t pipe = tt_recovery_in_flight(c), sndcnt;

	c->prr_delivered += delivered;
	if (pipe > c->ssthresh) {
		uint64_t allowed = ((uint64_t)c->prr_delivered * c->prr_ratio + 0xffff) >> 16;

		sndcnt = allowed > c->prr_out ? (uint32_t)(allowed - c->prr_out) : 0;
	} else {
		/* PRR-SSRB: back up to ssthresh, at most one segment beyond what arrived. */
		uint32_t limit = c->prr_delivered > c->prr_out ? c->prr_delivered - c->prr_out : 0;

		limit = RTE_MAX(limit, delivered) + c->mss;
		sndcnt = RTE_MIN(c->ssthresh - pipe, limit);
	}
	/* The fast retransmit goes with the ACK that starts recovery. */
	if (c->prr_out == 0 && sndcnt < c->mss)
		sndcnt = c->mss;
	c->cwnd = pipe + sndcnt;
}

/* ---- TLP (RFC 8985 7): a probe instead of waiting for the RTO --------------------------- */

static bool
tlp_allowed(const struct tt_conn *c)
{
	return (c->flags & TT_CONN_SACK) && c->ca_state == TT_CA_OPEN &&
	       !(c->cflags & TT_CF_TLP_OUT) && (c->cflags & TT_CF_RACK) && c->sndq != NULL &&
	       tt_seq_lt(c->snd_una, c->snd_max);
}

void
tt_recovery_arm(struct tt_worker *w, struct tt_conn *c, bool restart)
{
	if (c->snd_una == c->snd_max)
		return;
	if (tlp_allowed(c)) {
		/* 7.2: PTO = 2 SRTT, plus the peer's delayed ACK when one segment is out. */
		uint32_t pto = 2 * (c->srtt8 >> 3);

		if (c->snd_max - c->snd_una <= c->mss)
			pto += 200;
		pto = RTE_MAX(pto, 10u);
		pto = RTE_MIN(pto, c->rto);
		c->rtx.kind = TT_TMR_TLP;
		tt_timer_arm(&w->tcp->wheel, &c->rtx, pto);
		return;
	}
	if (restart || !tt_conn_rtx_pending(c) ||
	    (c->rtx.kind != TT_TMR_RTO && c->rtx.kind != TT_TMR_REO))
		tt_conn_rto_arm(w, c);
}

void
tt_recovery_tlp_fire(struct tt_worker *w, struct tt_conn *c)
{
	uint32_t data_end = c->snd_una + c->sndq_len;
	uint32_t wnd_end = c->snd_una + c->snd_wnd;

	TT_STAT_INC(&w->stats, TCPLossProbes);
	c->cflags |= TT_CF_TLP_OUT;
	c->tlp_high = c->snd_max;
	c->tlp_retrans = 0;
	tt_conn_rto_arm(w, c);
	/* 7.3: new data if the window has room for it, else the last segment again. */
	if (tt_seq_lt(c->snd_nxt, data_end) && tt_seq_lt(c->snd_nxt, wnd_end)) {
		uint32_t cwnd = c->cwnd;

		c->cwnd = RTE_MAX(cwnd, tt_recovery_in_flight(c) + c->mss);
		tt_tcp_output(w, c);
		c->cwnd = cwnd;
		c->tlp_high = c->snd_max;
		return;
	}
	if (c->sndq_len > 0) {
		struct rte_mbuf *u = tt_sndq_unit_at(c, data_end - 1);

		if (u != NULL && tt_tcp_retransmit(w, c, u, true))
			c->tlp_retrans = 1;
	}
}

void
tt_recovery_reo_fire(struct tt_worker *w, struct tt_conn *c)
{
	if (rack_detect(w, c) && c->ca_state < TT_CA_RECOVERY)
		enter_recovery(w, c);
	tt_recovery_arm(w, c, true);
	tt_conn_schedule_output(w, c);
}

/* The ACK that acknowledges the probe ends its episode (7.4). */
static void
tlp_ack(struct tt_worker *w, struct tt_conn *c, const struct tt_tcp_seg *seg)
{
	if (!(c->cflags & TT_CF_TLP_OUT) || tt_seq_lt(seg->ack, c->tlp_high))
		return;
	c->cflags &= ~TT_CF_TLP_OUT;
	/* A retransmitted probe not reported as a duplicate repaired a lost tail. */
	if (c->tlp_retrans && !((seg->opts.present & TT_TCP_OPT_SACK) && seg->opts.n_sack > 0 &&
				tt_seq_leq(seg->opts.sack[0].right, seg->ack)))
		TT_STAT_INC(&w->stats, TCPLossProbeRecovery);
}

void
tt_recovery_ack(struct tt_worker *w, struct tt_conn *c, const struct tt_tcp_seg *seg,
		uint32_t acked, bool dup)
{
	bool dsack = false;
	uint32_t sacked = sack_update(w, c, seg, &dsack);
	bool sack = (c->flags & TT_CONN_SACK) != 0;

	tlp_ack(w, c, seg);
	reo_wnd_update(c, dsack, c->ca_state >= TT_CA_RECOVERY &&
		       !tt_seq_lt(c->snd_una, c->recover));
	rack_detect(w, c);

	if (acked > 0)
		c->dupacks = 0;
	else if (dup || sacked > 0)
		c->dupacks = (uint16_t)RTE_MIN(c->dupacks + 1u, (uint32_t)UINT16_MAX);
	if ((acked > 0 || sacked > 0) && tt_cc_ops[c->cc]->pkts_acked != NULL)
		tt_cc_ops[c->cc]->pkts_acked(w, c, ack_rtt(c, tt_tcp_ticks(w->clock.tsc)));

	switch (c->ca_state) {
	case TT_CA_RECOVERY:
		if (!tt_seq_lt(c->snd_una, c->recover)) {
			if (may_undo(c, seg)) {
				TT_STAT_INC(&w->stats, TCPFullUndo);
				undo(c, false);
				return;
			}
			/* RFC 6937: recovery ends at ssthresh. */
			c->cwnd = RTE_MAX(c->ssthresh, 2u * c->mss);
			c->cwnd_cnt = 0;
			c->ca_state = TT_CA_OPEN;
			return;
		}
		if (!sack && acked > 0 && c->sndq != NULL)
			unit_lost(c, c->sndq);       /* RFC 6582: a partial ACK */
		if (dupthresh_applies(c))
			mark_lost(c);
		prr_ack(c, acked + sacked);
		return;
	case TT_CA_LOSS:
		/* An ACK for an original sent before the timeout: the timeout was spurious. */
		if (acked > 0 && may_undo(c, seg)) {
			TT_STAT_INC(&w->stats, TCPLossUndo);
			TT_STAT_INC(&w->stats, TCPSpuriousRTOs);
			undo(c, true);
			return;
		}
		if (!tt_seq_lt(c->snd_una, c->recover))
			c->ca_state = TT_CA_OPEN;
		if (acked > 0)
			tt_cc_ops[c->cc]->cong_avoid(c, acked, w->clock.ms);
		mark_lost(c);
		return;
	default:
		/* D-SACKs after the episode showed every retransmission needless. */
		if (dsack && (c->flags & TT_CONN_UNDO) && c->undo_retrans == 0) {
			TT_STAT_INC(&w->stats, TCPDSACKUndo);
			undo(c, false);
		}
		break;
	}
	if (sack) {
		if (dupthresh_applies(c))
			mark_lost(c);
	} else if (c->dupacks >= TT_DUPTHRESH && c->sndq != NULL)
		unit_lost(c, c->sndq);
	if (c->lost_bytes > 0) {
		enter_recovery(w, c);
		prr_ack(c, acked + sacked);
		return;
	}
	if (c->dupacks > 0 || c->sacked_bytes > 0) {
		c->ca_state = TT_CA_DISORDER;
		return;
	}
	c->ca_state = TT_CA_OPEN;
	if (acked > 0 && (c->cflags & TT_CF_CWND_LIMITED))
		tt_cc_ops[c->cc]->cong_avoid(c, acked, w->clock.ms);
}

void
tt_recovery_rto(struct tt_worker *w, struct tt_conn *c)
{
	TT_STAT_INC(&w->stats, TCPTimeouts);
	/*
	 * Linux's tcp_enter_loss: a new reduction, and its undo snapshot, from the open or
	 * disorder state, after recovery's point was passed, or in a loss state that has not
	 * timed out before (backoff counts this expiry; tt_recovery_simple_retransmit's). A
	 * timeout inside recovery keeps recovery's reduction and snapshot: no second cut.
	 */
	if (c->ca_state <= TT_CA_DISORDER || !tt_seq_lt(c->snd_una, c->recover) ||
	    (c->ca_state == TT_CA_LOSS && c->backoff <= 1)) {
		undo_init(c);
		c->ssthresh = tt_cc_ops[c->cc]->ssthresh(c, tt_recovery_in_flight(c));
	}
	/* RFC 5681 3.1: the loss window, one segment. */
	c->cwnd = c->mss;
	c->cwnd_cnt = 0;
	c->ca_state = TT_CA_LOSS;
	c->recover = c->snd_max;
	c->dupacks = 0;
	for (struct rte_mbuf *u = c->sndq; u != NULL; u = u->next) {
		struct tt_sndq_meta *mt = tt_sndq_meta(u);

		if (tt_seq_gt(mt->seq + u->data_len, c->snd_max))
			break;
		unit_clear(c, mt, u->data_len, TT_SU_RETRANS);
		unit_lost(c, u);
	}
}

/*
 * Every retransmission counts in the episode's undo_retrans, a tail loss probe's too (as
 * Linux's tcp_retransmit_skb): else the probe's D-SACK would explain away a real loss's.
 */
void
tt_recovery_count_retrans(struct tt_worker *w, struct tt_conn *c)
{
	if (!(c->flags & TT_CONN_UNDO))
		return;
	if (c->undo_retrans < 0) {
		c->undo_retrans = 0;
		c->retrans_stamp = tt_tcp_tsval(w, c->ts_offset);
	}
	if (c->undo_retrans < INT16_MAX)
		c->undo_retrans++;
}

void
tt_recovery_conn_init(struct tt_conn *c)
{
	c->dsack_round = c->snd_una;
	c->rack_fack = c->snd_una;
}

/*
 * RFC 1191, as Linux's tcp_simple_retransmit: the units a router dropped for their size are
 * lost; a retransmission of one at the old size was dropped too, so it goes again. Not a
 * congestion signal: cwnd stays, ssthresh is only raised to 3/4 of cwnd outside a reduction
 * (tcp_current_ssthresh), and the loss state (recover = snd_max) sends the lost units before
 * new data, then slow start resumes where it was.
 */
void
tt_recovery_simple_retransmit(struct tt_conn *c, uint32_t mss)
{
	for (struct rte_mbuf *u = c->sndq; u != NULL; u = u->next) {
		struct tt_sndq_meta *mt = tt_sndq_meta(u);

		if (tt_seq_gt(mt->seq + u->data_len, c->snd_max) || mt->xmits == 0)
			break;
		if (u->data_len <= mss)
			continue;
		unit_clear(c, mt, u->data_len, TT_SU_RETRANS);
		unit_lost(c, u);
	}
	if (c->lost_bytes == 0)
		return;
	if (c->ca_state != TT_CA_LOSS) {
		if (c->ca_state != TT_CA_RECOVERY)
			c->ssthresh = RTE_MAX(c->ssthresh, (c->cwnd >> 1) + (c->cwnd >> 2));
		/* Nothing here to undo: the size, not the network, lost them (Linux: undo_marker 0). */
		c->flags &= ~TT_CONN_UNDO;
		c->ca_state = TT_CA_LOSS;
		c->recover = c->snd_max;
	}
}

struct rte_mbuf *
tt_recovery_next_lost(const struct tt_conn *c)
{
	if (c->lost_bytes <= c->retrans_bytes)
		return NULL;
	for (struct rte_mbuf *u = c->sndq; u != NULL; u = u->next) {
		uint16_t f = tt_sndq_meta(u)->flags;

		if ((f & TT_SU_LOST) && !(f & TT_SU_RETRANS))
			return u;
	}
	return NULL;
}

void
tt_recovery_retransmitted(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *u)
{
	struct tt_sndq_meta *mt = tt_sndq_meta(u);

	mt->flags |= TT_SU_RETRANS | TT_SU_EVER_RETRANS;
	mt->xmit_ts = tt_tcp_ticks(w->clock.tsc);
	tt_recovery_count_retrans(w, c);
	c->retrans_bytes += u->data_len;
	TT_STAT_INC(&w->stats, RetransSegs);
	if (c->ca_state == TT_CA_RECOVERY) {
		c->prr_out += u->data_len;
		TT_STAT_INC(&w->stats, TCPFastRetrans);
	} else if (c->ca_state == TT_CA_LOSS) {
		TT_STAT_INC(&w->stats, TCPSlowStartRetrans);
	}
}
