/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory accounting and pressure of one worker (SPEC R1, R2), Linux's tcp_mem and
 * sk_rmem_alloc/sk_wmem_queued in mbufs.
 *
 * What a peer can make us hold is charged at its true size: every mbuf a connection's
 * receive or send queue holds costs one pool element (Linux's truesize), whatever payload
 * it carries, against the connection's budget (2 x rmem, 2 x wmem: Linux's buffer is about
 * twice the window it offers, tcp_adv_win_scale = 1) and against the worker's total. Small
 * segments are first coalesced into the queue's last buffer (TCPRcvCoalesce), so a peer
 * sending one byte per segment fills buffers, not the pool; what still does not fit is
 * dropped unacknowledged (TCPRcvQDrop) and the peer sends it again later.
 *
 * Once per loop iteration, tt_mem_update() sets the worker's level from two readings:
 *   - the mbufs charged to TCP queues, against mem_min / mem_pressure / mem_max percent of
 *     the worker's pool (the three values of Linux's net.ipv4.tcp_mem);
 *   - the mbufs the pool still has, against a reserve that receive refill and ACK/RST
 *     segments need (R1: established flows always progress).
 * TT_MEM_PRESSURE: orphaned connections whose retransmission timer fires are reset
 * (TCPAbortOnMemory, as Linux's tcp_out_of_resources). TT_MEM_CRITICAL: besides, new SYNs are
 * shed before anything is allocated (SynShedMemory, ListenDrops) and no new payload is held
 * (TCPRcvQDrop): held memory stops growing while sending and ACKs drain it, so receive refill
 * keeps the rest of the pool. Data segments are still copied and sent: those copies last only
 * until the port sends them, and refusing them would leave the queued bytes (and orphans
 * without an RTO armed) unable ever to drain. Pressure ends below mem_min, as in Linux.
 *
 *   tt_worker_poll -> tt_mem_update; tcp_input/tt_app_send -> tt_mem_rcvq_add/_sndq_add
 */
#include <errno.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"

void
tt_mem_thresholds(struct tt_worker *w, const struct tt_config *cfg)
{
	struct tt_tcp *t = w->tcp;
	uint32_t n = w->pool != NULL ? w->pool->size : cfg->mbufs;

	t->mem.min = (uint32_t)((uint64_t)n * TT_LIVE(cfg, mem_min) / 100);
	t->mem.pressure = (uint32_t)((uint64_t)n * TT_LIVE(cfg, mem_pressure) / 100);
	t->mem.max = (uint32_t)((uint64_t)n * TT_LIVE(cfg, mem_max) / 100);
}

void
tt_mem_init(struct tt_worker *w, const struct tt_config *cfg)
{
	struct tt_tcp *t = w->tcp;
	uint32_t n = w->pool != NULL ? w->pool->size : cfg->mbufs;
	uint32_t bursts = 2u * cfg->burst * RTE_MAX(w->n_ports, (uint16_t)1);

	t->mem.truesize = w->pool != NULL ?
		w->pool->header_size + w->pool->elt_size + w->pool->trailer_size :
		sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE;
	t->mem.inv_truesize = rte_reciprocal_value(t->mem.truesize);
	tt_mem_thresholds(w, cfg);
	/*
	 * Room for receive refill and ACKs/RSTs: a sixteenth of the pool, at least two bursts
	 * per port (one iteration's worth), but never more than an eighth of a small pool.
	 */
	t->mem.reserve = RTE_MAX(n / 16, bursts);
	t->mem.reserve = RTE_MIN(t->mem.reserve, n / 8);
	t->mem.level = TT_MEM_OK;
}

/*
 * Free mbufs of the worker's pool: the common ring plus this lcore's cache. Other lcores'
 * caches of this pool (mbufs another worker freed after a hand-over) are not counted:
 * rte_mempool_avail_count() would walk every lcore's cache, too slow for each iteration,
 * and those few only make the estimate low, the safe side.
 */
uint32_t
tt_mem_pool_free(const struct tt_worker *w)
{
	struct rte_mempool *mp = w->pool;
	struct rte_mempool_cache *cache;
	uint32_t n;

	if (mp == NULL)
		return UINT32_MAX;
	/* rte_mempool_ops_get_count() is not exported; its body is this one call. */
	n = rte_mempool_get_ops(mp->ops_index)->get_count(mp);
	cache = rte_lcore_id() != LCORE_ID_ANY ? rte_mempool_default_cache(mp, rte_lcore_id()) :
						 NULL;
	if (cache != NULL)
		n += cache->len;
	return RTE_MIN(n, mp->size);
}

void
tt_mem_update(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;
	struct tt_tcp_mem *m = &t->mem;
	uint32_t avail = tt_mem_pool_free(w);
	enum tt_mem_level level;

	if (m->held > m->max || avail < m->reserve)
		level = TT_MEM_CRITICAL;
	else if (m->held > m->pressure || avail < 2 * m->reserve)
		level = TT_MEM_PRESSURE;
	else if (m->level != TT_MEM_OK && (m->held > m->min || avail < 4 * m->reserve))
		level = TT_MEM_PRESSURE;     /* hysteresis: leave only below mem_min */
	else
		level = TT_MEM_OK;
	if (level != TT_MEM_OK && m->level == TT_MEM_OK) {
		TT_STAT_INC(&w->stats, TCPMemoryPressures);
		m->since_ms = w->clock.ms;
	} else if (level == TT_MEM_OK && m->level != TT_MEM_OK) {
		TT_STAT_ADD(&w->stats, TCPMemoryPressuresChrono, w->clock.ms - m->since_ms);
	}
	m->level = level;
}

/* The queue's last buffer can take m's bytes: ours alone, direct, and room at its end. */
static bool
can_coalesce(const struct rte_mbuf *tail, const struct rte_mbuf *m)
{
	return tail != NULL && RTE_MBUF_DIRECT(tail) && rte_mbuf_refcnt_read(tail) == 1 &&
	       rte_pktmbuf_pkt_len(m) <= rte_pktmbuf_tailroom(tail);
}

/*
 * Append m to the queue (*head, *tail): into the last buffer when it fits (m is freed),
 * else chained. Returns the number of buffers added (0 or m's), or -1 when the chain
 * cannot take more segments (m not taken).
 */
static int
queue_add(struct rte_mbuf **head, struct rte_mbuf **tail, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	int nb = m->nb_segs;

	if (can_coalesce(*tail, m)) {
		char *dst = rte_pktmbuf_append(*tail, (uint16_t)len);
		const void *src = rte_pktmbuf_read(m, 0, len, dst);

		/* rte_pktmbuf_read gathered a chained m into dst already; a linear one is copied. */
		if (src != dst)
			memcpy(dst, src, len);
		if (*tail != *head)
			(*head)->pkt_len += len;
		rte_pktmbuf_free(m);
		return 0;
	}
	if (*head == NULL) {
		*head = m;
	} else if (rte_pktmbuf_chain(*head, m) != 0) {
		return -1;
	}
	*tail = rte_pktmbuf_lastseg(m);
	return nb;
}

/* Buffers a queue may hold: its byte budget charged at truesize (Linux: 2 x the window). */
static uint32_t
budget_bufs(const struct tt_tcp_mem *m, uint32_t bytes)
{
	return rte_reciprocal_divide(2 * bytes + m->truesize - 1, m->inv_truesize);
}

/*
 * More than budget_bufs(m, bytes) buffers: n > ceil(2 bytes / truesize) exactly when
 * (n - 1) truesize >= 2 bytes. A multiplication where the checks on every write and ACK ask.
 */
static bool
over_budget(const struct tt_tcp_mem *m, uint32_t n, uint32_t bytes)
{
	return n != 0 && (uint64_t)(n - 1) * m->truesize >= 2 * (uint64_t)bytes;
}

int
tt_mem_rcvq_add(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *m, bool hold)
{
	struct tt_tcp *t = w->tcp;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint32_t held = (c->rcvq != NULL ? c->rcvq->nb_segs : 0) + c->ooq_bufs;
	int added;

	/* Payload the application takes at the end of this iteration is not refused. */
	if (hold && !can_coalesce(c->rcvq_tail, m) &&
	    (t->mem.level == TT_MEM_CRITICAL ||
	     over_budget(&t->mem, held + m->nb_segs, c->rcvbuf))) {
		TT_STAT_INC(&w->stats, TCPRcvQDrop);
		return -ENOBUFS;
	}
	added = queue_add(&c->rcvq, &c->rcvq_tail, m);
	if (added < 0) {
		TT_STAT_INC(&w->stats, TCPRcvQDrop);
		return -ENOBUFS;
	}
	if (added == 0)
		TT_STAT_INC(&w->stats, TCPRcvCoalesce);
	t->mem.held += (uint32_t)added;
	c->rcvq_len += len;
	return 0;
}

int
tt_mem_sndq_add(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *m)
{
	uint32_t before = c->sndq_units;
	int rc;

	/*
	 * Taken even in a memory crisis: the buffer exists already, refusing it would only make
	 * the application drop or abort, and sending it is how it leaves. The crisis stops what
	 * would make held memory grow: new connections and held payload.
	 */
	rc = tt_sndq_append(w, c, m);
	if (rc != 0)
		return rc;
	w->tcp->mem.held += c->sndq_units - before;
	return 0;
}

uint32_t
tt_mem_rcv_budget(const struct tt_tcp *t, const struct tt_conn *c)
{
	return budget_bufs(&t->mem, c->rcvbuf);
}

bool
tt_mem_sndq_full(const struct tt_tcp *t, const struct tt_conn *c)
{
	return c->sndq_len > c->sndbuf || over_budget(&t->mem, c->sndq_units, c->sndbuf);
}

uint32_t
tt_mem_sndq_space(const struct tt_tcp *t, const struct tt_conn *c)
{
	if (c->sndq_len >= c->sndbuf || over_budget(&t->mem, c->sndq_units + 1, c->sndbuf))
		return 0;
	return c->sndbuf - c->sndq_len;
}

/*
 * Linux wakes a writer (sk_stream_write_space) once the free space is at least half of
 * what is queued, about a third of the buffer; here at half of wmem in bytes, with room in
 * buffers, so a writer wakes for a worthwhile write, not for every ACK.
 */
bool
tt_mem_sndq_low(const struct tt_tcp *t, const struct tt_conn *c)
{
	return c->sndq_len <= c->sndbuf >> 1 && !tt_mem_sndq_full(t, c);
}

/* ---- Autotuning ---------------------------------------------------------------------------- */

void
tt_mem_conn_init(struct tt_worker *w, struct tt_conn *c)
{
	const struct tt_config *cfg = w->tcp->cfg;

	c->rcvbuf = cfg->rmem;
	c->sndbuf = cfg->wmem;
	/* Linux's tcp_init_buffer_space: the first measure expects an initial window's worth. */
	c->rcv_space = RTE_MIN(c->rcvbuf, 10u * c->mss);
	c->rcv_space_seq = c->rcv_nxt;
	c->rcv_space_ms = (uint32_t)w->clock.ms;
}

/*
 * Dynamic right-sizing (Linux's tcp_rcv_space_adjust): each receiver RTT, compare what the
 * application took with the RTT before; if it took more, the sender is growing its window
 * and ours must stay ahead: twice what it took, plus sixteen segments, plus twice the
 * growth in proportion (slow start doubles per RTT), Linux's arithmetic. Never past rmem's
 * max, never while memory is short (R1). The RTT is the receiver's, from timestamps
 * (Linux's rcv_rtt_est), else the sender's SRTT, and without either nothing is measured;
 * a lab's sub-millisecond path counts as 1 ms. Once an RTT, so the one division here is
 * not per segment. Buffers do not shrink under pressure (Linux's tcp_clamp_window); they
 * stop growing, and R2's true-size budgets bound what they hold.
 */
void
tt_mem_rcv_space_adjust(struct tt_worker *w, struct tt_conn *c)
{
	const struct tt_config *cfg = w->tcp->cfg;
	uint32_t now = (uint32_t)w->clock.ms, copied, rtt, win;

	if (cfg->rmem_max <= c->rcvbuf)
		return;
	if (c->rcv_rtt8 == 0 && c->srtt8 == 0)
		return;         /* no RTT known yet: no measure (Linux waits for rcv_rtt_est) */
	rtt = c->rcv_rtt8 != 0 ? c->rcv_rtt8 >> 3 : c->srtt8 >> 3;
	if (now - c->rcv_space_ms < RTE_MAX(rtt, 1u))
		return;
	copied = c->rcv_nxt - c->rcv_space_seq;
	if (copied > c->rcv_space && !tt_mem_shedding(w->tcp)) {
		uint64_t grow = copied - c->rcv_space;

		win = 2 * copied + 16u * c->mss;
		win += (uint32_t)RTE_MIN((grow * win / c->rcv_space) << 1, (uint64_t)cfg->rmem_max);
		win = RTE_MIN(win, cfg->rmem_max);
		if (win > c->rcvbuf)
			c->rcvbuf = win;
		c->rcv_space = copied;
	}
	c->rcv_space_seq = c->rcv_nxt;
	c->rcv_space_ms = now;
}

/*
 * Linux's tcp_sndbuf_expand, in payload bytes: room for twice the congestion window (CUBIC
 * needs 1.7 windows through a fast recovery), at least twice the initial one; only while
 * the window is not full (the application is what holds the sender back) and memory is not
 * short (R1), never past wmem's max.
 */
void
tt_mem_sndbuf_expand(struct tt_worker *w, struct tt_conn *c)
{
	const struct tt_config *cfg = w->tcp->cfg;
	uint32_t want;

	if (cfg->wmem_max <= c->sndbuf || tt_mem_shedding(w->tcp) ||
	    (c->cflags & TT_CF_CWND_LIMITED))
		return;
	want = 2 * RTE_MAX(c->cwnd, 10u * c->mss);
	want = RTE_MIN(want, cfg->wmem_max);
	if (want > c->sndbuf)
		c->sndbuf = want;
}

void
tt_mem_uncharge(struct tt_tcp *t, uint32_t bufs)
{
	t->mem.held -= bufs;
}
