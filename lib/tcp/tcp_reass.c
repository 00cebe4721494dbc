/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly (SPEC D2; FreeBSD's name): payload that arrives beyond a hole waits in the
 * TCB's out-of-order queue until the hole is filled, and what it holds is reported to the
 * peer in SACK blocks (RFC 2018), a duplicate in a D-SACK block (RFC 2883).
 *
 *   tt_conn_input: seq > rcv_nxt -> tt_reass_insert (ACK at once, with SACK blocks)
 *                  in order      -> rcvq, then tt_reass_drain (ACK at once if a hole closed)
 *   conn_fill -> tt_reass_sack (the blocks of each ACK)
 *
 * The queue is a list of payload mbufs sorted by sequence number, never overlapping (a new
 * segment is trimmed against its neighbours, and one covered whole is a duplicate), each
 * with its sequence number in the send queue's mbuf field (struct tt_sndq_meta: seq, and
 * flags TT_SEG_FIN). A segment that continues the one before it and fits in its buffer is
 * copied there (TCPOFOMerge), so a trickle of small segments beyond a hole fills buffers,
 * not the pool (R2). Every buffer is charged to the worker and counts against the
 * connection's receive budget with rcvq; past it, or in a memory crisis, the segment is
 * dropped (TCPOFODrop) and the peer retransmits it. Segments arrive mostly in order beyond
 * the hole, so insertion looks at the tail first.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"
#include "tcp_seq.h"

static inline uint32_t
seg_end(const struct rte_mbuf *m)
{
	return tt_sndq_meta(m)->seq + m->data_len;
}

static void
set_dsack(struct tt_conn *c, uint32_t left, uint32_t right)
{
	c->dsack[0] = left;
	c->dsack[1] = right;
	c->cflags |= TT_CF_DSACK;
}

void
tt_reass_dup(struct tt_worker *w, struct tt_conn *c, uint32_t seq, uint32_t end)
{
	if (!(c->flags & TT_CONN_SACK) || w->tcp->cfg->dsack == 0)
		return;
	TT_STAT_INC(&w->stats, TCPDSACKOldSent);
	set_dsack(c, seq, end);
}

/* Unlink n from the queue (prev before it, or NULL) and free it. */
static void
drop_buf(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *prev, struct rte_mbuf *n)
{
	if (prev == NULL)
		c->ooq = n->next;
	else
		prev->next = n->next;
	if (c->ooq_tail == n)
		c->ooq_tail = prev;
	n->next = NULL;
	rte_pktmbuf_free_seg(n);
	c->ooq_bufs--;
	tt_mem_uncharge(w->tcp, 1);
}

/* Buffers the connection's received payload may hold, in order and not (R2). */
static bool
over_budget(const struct tt_worker *w, const struct tt_conn *c)
{
	uint32_t held = c->ooq_bufs + (c->rcvq != NULL ? c->rcvq->nb_segs : 0);

	return w->tcp->mem.level == TT_MEM_CRITICAL ||
	       held + 1 > tt_mem_rcv_budget(w->tcp, c);
}

int
tt_reass_insert(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *m, uint32_t seq,
		bool fin)
{
	uint32_t end = seq + m->data_len, dup_left = seq, dup_right = end;
	struct rte_mbuf *prev = NULL, *next;

	/* Where it goes: after the tail (the usual case), else after the last one below it. */
	if (c->ooq_tail != NULL && tt_seq_leq(tt_sndq_meta(c->ooq_tail)->seq, seq)) {
		prev = c->ooq_tail;
	} else {
		for (struct rte_mbuf *q = c->ooq; q != NULL && tt_seq_leq(tt_sndq_meta(q)->seq, seq);
		     q = q->next)
			prev = q;
	}
	/* Trim against the one before; covered whole: a duplicate (RFC 2883 D-SACK). */
	if (prev != NULL && tt_seq_gt(seg_end(prev), seq)) {
		uint32_t k = seg_end(prev) - seq;

		if (tt_seq_geq(seg_end(prev), end)) {
			if ((c->flags & TT_CONN_SACK) && w->tcp->cfg->dsack) {
				TT_STAT_INC(&w->stats, TCPDSACKOfoSent);
				set_dsack(c, seq, end);
			}
			rte_pktmbuf_free(m);
			return -1;
		}
		rte_pktmbuf_adj(m, (uint16_t)k);
		seq += k;
	}
	/* Those it covers whole go; it is cut short of one it overlaps. */
	next = prev != NULL ? prev->next : c->ooq;
	while (next != NULL && tt_seq_lt(tt_sndq_meta(next)->seq, end)) {
		if (tt_seq_leq(seg_end(next), end)) {
			struct rte_mbuf *after = next->next;

			fin |= (tt_sndq_meta(next)->flags & TT_SEG_FIN) != 0;
			drop_buf(w, c, prev, next);
			next = after;
			continue;
		}
		rte_pktmbuf_trim(m, (uint16_t)(end - tt_sndq_meta(next)->seq));
		end = tt_sndq_meta(next)->seq;
		fin = false;
		break;
	}
	if (m->data_len == 0) {
		/* Covered by the two around it: a duplicate as well. */
		if ((c->flags & TT_CONN_SACK) && w->tcp->cfg->dsack) {
			TT_STAT_INC(&w->stats, TCPDSACKOfoSent);
			set_dsack(c, dup_left, dup_right);
		}
		rte_pktmbuf_free(m);
		return -1;
	}
	c->sack_last = seq;
	/* Continues prev and fits in its buffer: copied there. */
	if (prev != NULL && seg_end(prev) == seq && !(tt_sndq_meta(prev)->flags & TT_SEG_FIN) &&
	    RTE_MBUF_DIRECT(prev) && rte_mbuf_refcnt_read(prev) == 1 &&
	    m->data_len <= rte_pktmbuf_tailroom(prev)) {
		/*
		 * Not rte_pktmbuf_append: the queue links buffers through m->next, which it
		 * would follow to the last buffer of the queue and write there.
		 */
		memcpy(rte_pktmbuf_mtod_offset(prev, char *, prev->data_len),
		       rte_pktmbuf_mtod(m, void *), m->data_len);
		prev->data_len = (uint16_t)(prev->data_len + m->data_len);
		prev->pkt_len = prev->data_len;
		if (fin)
			tt_sndq_meta(prev)->flags |= TT_SEG_FIN;
		rte_pktmbuf_free(m);
		TT_STAT_INC(&w->stats, TCPOFOMerge);
		c->sack_last = tt_sndq_meta(prev)->seq;
		return 0;
	}
	if (over_budget(w, c)) {
		TT_STAT_INC(&w->stats, TCPOFODrop);
		rte_pktmbuf_free(m);
		return -1;
	}
	*tt_sndq_meta(m) = (struct tt_sndq_meta){ .seq = seq, .flags = fin ? TT_SEG_FIN : 0 };
	m->pkt_len = m->data_len;
	if (prev == NULL) {
		m->next = c->ooq;
		c->ooq = m;
	} else {
		m->next = prev->next;
		prev->next = m;
	}
	if (m->next == NULL)
		c->ooq_tail = m;
	c->ooq_bufs++;
	w->tcp->mem.held++;
	TT_STAT_INC(&w->stats, TCPOFOQueue);
	return 0;
}

struct rte_mbuf *
tt_reass_next(struct tt_worker *w, struct tt_conn *c, bool *fin)
{
	struct rte_mbuf *m;

	while ((m = c->ooq) != NULL && tt_seq_leq(tt_sndq_meta(m)->seq, c->rcv_nxt)) {
		uint32_t end = seg_end(m);

		c->ooq = m->next;
		if (c->ooq == NULL)
			c->ooq_tail = NULL;
		m->next = NULL;
		c->ooq_bufs--;
		tt_mem_uncharge(w->tcp, 1);
		if (tt_seq_leq(end, c->rcv_nxt)) {
			/* Overtaken by in-order data that covered it: nothing new. */
			rte_pktmbuf_free_seg(m);
			continue;
		}
		rte_pktmbuf_adj(m, (uint16_t)(c->rcv_nxt - tt_sndq_meta(m)->seq));
		*fin = (tt_sndq_meta(m)->flags & TT_SEG_FIN) != 0;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
		return m;
	}
	return NULL;
}

/* The run of contiguous buffers from q: its edges, and the buffer after it. */
static struct rte_mbuf *
run_of(struct rte_mbuf *q, uint32_t *left, uint32_t *right)
{
	*left = tt_sndq_meta(q)->seq;
	*right = seg_end(q);
	for (q = q->next; q != NULL && tt_sndq_meta(q)->seq == *right; q = q->next)
		*right = seg_end(q);
	return q;
}

unsigned int
tt_reass_sack(struct tt_conn *c, uint32_t blocks[][2], unsigned int max)
{
	uint32_t left, right, recent = UINT32_MAX;
	unsigned int n = 0;
	struct rte_mbuf *q;

	/* RFC 2883: a duplicate is reported once, in the first block. */
	if ((c->cflags & TT_CF_DSACK) && n < max) {
		blocks[n][0] = c->dsack[0];
		blocks[n][1] = c->dsack[1];
		n++;
		c->cflags &= ~TT_CF_DSACK;
	}
	/* RFC 2018 4: then the block holding the segment received last; then the others. */
	for (q = c->ooq; q != NULL && n < max;) {
		q = run_of(q, &left, &right);
		if (tt_seq_leq(left, c->sack_last) && tt_seq_lt(c->sack_last, right)) {
			recent = left;
			blocks[n][0] = left;
			blocks[n][1] = right;
			n++;
			break;
		}
	}
	for (q = c->ooq; q != NULL && n < max;) {
		q = run_of(q, &left, &right);
		if (left == recent)
			continue;
		blocks[n][0] = left;
		blocks[n][1] = right;
		n++;
	}
	return n;
}

void
tt_reass_free(struct tt_worker *w, struct tt_conn *c)
{
	struct rte_mbuf *q = c->ooq;

	while (q != NULL) {
		struct rte_mbuf *next = q->next;

		q->next = NULL;
		rte_pktmbuf_free_seg(q);
		q = next;
	}
	if (w != NULL)
		tt_mem_uncharge(w->tcp, c->ooq_bufs);
	c->ooq = NULL;
	c->ooq_tail = NULL;
	c->ooq_bufs = 0;
}
