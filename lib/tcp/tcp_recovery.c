/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loss recovery (SPEC D3; issue 7): the SACK scoreboard, when segments are deemed lost,
 * fast recovery and the state after a retransmission timeout, in Linux's states
 * (enum tt_ca_state) and with Linux's counters.
 *
 *   tt_conn_input (acceptable ACK) -> tt_recovery_ack
 *   RTO (tcp_timer.c)              -> tt_recovery_rto
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
 * The SACK blocks of seg into the scoreboard (RFC 2018); returns the bytes newly SACKed. A
 * first block below the cumulative ACK, or inside the second, is a D-SACK (RFC 2883 4):
 * counted, not a loss signal.
 */
static uint32_t
sack_update(struct tt_worker *w, struct tt_conn *c, const struct tt_tcp_seg *seg)
{
	const struct tt_tcp_opts *o = &seg->opts;
	uint32_t newly = 0;

	if (!(c->flags & TT_CONN_SACK) || !(o->present & TT_TCP_OPT_SACK))
		return 0;
	for (unsigned int i = 0; i < o->n_sack; i++) {
		uint32_t left = o->sack[i].left, right = o->sack[i].right;
		struct rte_mbuf *u;

		if (i == 0 && (tt_seq_leq(right, seg->ack) ||
			       (o->n_sack > 1 && tt_seq_geq(left, o->sack[1].left) &&
				tt_seq_leq(right, o->sack[1].right)))) {
			TT_STAT_INC(&w->stats, TCPDSACKRecv);
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
			mt->flags |= TT_SU_SACKED;
			c->sacked_bytes += u->data_len;
			c->sacked_units++;
			newly += u->data_len;
		}
	}
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

static void
enter_recovery(struct tt_worker *w, struct tt_conn *c)
{
	uint32_t flight = tt_recovery_in_flight(c) + c->lost_bytes;   /* before the loss */

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

void
tt_recovery_ack(struct tt_worker *w, struct tt_conn *c, const struct tt_tcp_seg *seg,
		uint32_t acked, bool dup)
{
	uint32_t sacked = sack_update(w, c, seg);
	bool sack = (c->flags & TT_CONN_SACK) != 0;

	if (acked > 0)
		c->dupacks = 0;
	else if (dup || sacked > 0)
		c->dupacks = (uint16_t)RTE_MIN(c->dupacks + 1u, (uint32_t)UINT16_MAX);

	switch (c->ca_state) {
	case TT_CA_RECOVERY:
		if (!tt_seq_lt(c->snd_una, c->recover)) {
			/* RFC 6937: recovery ends at ssthresh. */
			c->cwnd = RTE_MAX(c->ssthresh, 2u * c->mss);
			c->cwnd_cnt = 0;
			c->ca_state = TT_CA_OPEN;
			return;
		}
		if (!sack && acked > 0 && c->sndq != NULL)
			unit_lost(c, c->sndq);       /* RFC 6582: a partial ACK */
		mark_lost(c);
		prr_ack(c, acked + sacked);
		return;
	case TT_CA_LOSS:
		if (!tt_seq_lt(c->snd_una, c->recover))
			c->ca_state = TT_CA_OPEN;
		if (acked > 0)
			tt_cc_ops[c->cc]->cong_avoid(c, acked, w->clock.ms);
		mark_lost(c);
		return;
	default:
		break;
	}
	if (sack)
		mark_lost(c);
	else if (c->dupacks >= TT_DUPTHRESH && c->sndq != NULL)
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
	if (c->ca_state != TT_CA_LOSS)
		c->ssthresh = tt_cc_ops[c->cc]->ssthresh(c, tt_recovery_in_flight(c));
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
	c->retrans_bytes += u->data_len;
	TT_STAT_INC(&w->stats, RetransSegs);
	if (c->ca_state == TT_CA_RECOVERY) {
		c->prr_out += u->data_len;
		TT_STAT_INC(&w->stats, TCPFastRetrans);
	} else if (c->ca_state == TT_CA_LOSS) {
		TT_STAT_INC(&w->stats, TCPSlowStartRetrans);
	}
}
