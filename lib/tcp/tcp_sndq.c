/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The send queue (issue 7, "transmit without re-walking chains"): the bytes from snd_una on,
 * as a list of units, each one mbuf segment holding one segment's worth of payload at most
 * (the send MSS, and the buffer's room), linked through m->next. Each unit carries its
 * sequence number and transmission state in an mbuf dynamic field (struct tt_sndq_meta), so
 * the scoreboard of loss recovery is the queue itself, as Linux's is its write queue.
 *
 *   tt_app_send -> tt_tcp_usr_send -> tt_mem_sndq_add -> tt_sndq_append
 *   tt_tcp_output -> tt_sndq_payload (a unit, or part of one, for one segment)
 *   tcp_input ACK -> tt_sndq_ack (units fully acknowledged freed, the first one cut)
 *   ICMP fragmentation needed (tcp_icmp.c) -> tt_sndq_resegment (units cut to the new MSS)
 *
 * Sending a unit costs O(1): the TCB keeps the unit that holds snd_nxt (snd_unit), and a
 * segment's payload is either copied into the header's mbuf (small payloads, where one copy
 * is cheaper than a second mbuf) or an indirect mbuf attached to the unit (a reference
 * count, no copy), chained after the headers. A unit is freed when the peer acknowledges it
 * and the port has sent every segment that refers to it, whichever comes last.
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"
#include "tcp_seq.h"

/* Payloads up to this many bytes are copied behind the headers rather than attached. */
#define TT_TX_COPY_MAX 256

int tt_sndq_meta_off = -1;

int
tt_sndq_init(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "tcpterm_sndq_meta",
		.size = sizeof(struct tt_sndq_meta),
		.align = __alignof__(struct tt_sndq_meta),
	};
	int off = rte_mbuf_dynfield_register(&desc);

	if (off < 0)
		return -rte_errno;
	tt_sndq_meta_off = off;
	return 0;
}

/* The most payload one unit of c holds: a segment's, and what one buffer takes. */
static uint32_t
unit_max(const struct tt_conn *c, const struct rte_mbuf *m)
{
	return RTE_MIN((uint32_t)c->mss, (uint32_t)(m->buf_len - RTE_PKTMBUF_HEADROOM));
}

/*
 * Room left in the tail to fill up to a unit: its buffer ours alone and direct, and never
 * sent. A unit is one segment for the scoreboard (SACKed, lost, retransmitted, all or
 * nothing): a sent one that grew would be half sent, and its retransmission would carry
 * bytes beyond snd_max. (The first form let it grow: a fuzz input left a connection
 * cwnd-limited by a unit counted in flight after everything sent was acknowledged, with no
 * timer left.) Small writes a peer does not acknowledge take a unit each, as an skb each on
 * Linux without Nagle, within the send budget (R2: tt_mem_sndq_full).
 */
static uint32_t
tail_room(const struct tt_conn *c)
{
	const struct rte_mbuf *t = c->sndq_tail;

	if (t == NULL || !RTE_MBUF_DIRECT(t) || rte_mbuf_refcnt_read(t) != 1 ||
	    t->data_len >= unit_max(c, t) || tt_sndq_meta(t)->xmits != 0)
		return 0;
	return RTE_MIN(unit_max(c, t) - t->data_len, (uint32_t)rte_pktmbuf_tailroom(t));
}

static void
link_unit(struct tt_conn *c, struct rte_mbuf *u, uint32_t seq)
{
	struct tt_sndq_meta *mt = tt_sndq_meta(u);

	*mt = (struct tt_sndq_meta){ .seq = seq };
	u->next = NULL;
	u->nb_segs = 1;
	u->pkt_len = u->data_len;
	if (c->sndq_tail == NULL)
		c->sndq = u;
	else
		c->sndq_tail->next = u;
	c->sndq_tail = u;
	if (c->snd_unit == NULL)
		c->snd_unit = u;      /* snd_nxt was at the end of the data: it is here now */
	c->sndq_units++;
}

static void
tail_fill(struct tt_conn *c, struct rte_mbuf *s, uint32_t k)
{
	struct rte_mbuf *t = c->sndq_tail;

	memcpy(rte_pktmbuf_mtod_offset(t, char *, t->data_len), rte_pktmbuf_mtod(s, char *), k);
	t->data_len = (uint16_t)(t->data_len + k);
	t->pkt_len = t->data_len;
	rte_pktmbuf_adj(s, (uint16_t)k);
	if (c->snd_unit == NULL)
		c->snd_unit = t;      /* snd_nxt was at the end of the data: inside the tail now */
}

static struct rte_mbuf *
take(struct rte_mbuf **list)
{
	struct rte_mbuf *u = *list;

	*list = u->next;
	u->next = NULL;
	return u;
}

/*
 * Queue the application's segments as units, so that every segment on the wire is full
 * until the data runs out, with as little copying as that allows:
 *   - bytes first fill the open tail (copied);
 *   - a whole unit's worth is attached to the application's buffer (no copy);
 *   - what is left of a segment becomes a unit itself when its buffer can grow to a full
 *     unit later, else is copied into a fresh unit, which later writes fill.
 * dry: only count the fresh mbufs that takes, changing nothing; else take them from the
 * list *fresh (linked through m->next). Both passes decide alike: each reads only what the other leaves unchanged
 * (tailroom is not moved by rte_pktmbuf_adj, reference counts are read before any attach).
 * Returns the count.
 */
static uint32_t
append_run(const struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *m, bool dry,
	   struct rte_mbuf **fresh)
{
	uint32_t fresh_max = RTE_MIN((uint32_t)c->mss,
		(uint32_t)(rte_pktmbuf_data_room_size(w->pool) - RTE_PKTMBUF_HEADROOM));
	uint32_t seq = c->snd_una + c->sndq_len, room = tail_room(c), used = 0;

	for (struct rte_mbuf *s = m, *next; s != NULL; s = next) {
		uint32_t n = s->data_len, max = unit_max(c, s);
		uint32_t troom = rte_pktmbuf_tailroom(s);
		bool shared = !RTE_MBUF_DIRECT(s) || rte_mbuf_refcnt_read(s) != 1;

		next = s->next;
		if (!dry)
			s->next = NULL;
		if (room > 0 && n > 0) {
			uint32_t k = RTE_MIN(room, n);

			if (!dry)
				tail_fill(c, s, k);
			n -= k;
			seq += k;
		}
		room = 0;
		while (n > max) {
			if (!dry) {
				struct rte_mbuf *u = take(fresh);

				rte_pktmbuf_attach(u, s);
				u->data_len = (uint16_t)max;
				link_unit(c, u, seq);
				rte_pktmbuf_adj(s, (uint16_t)max);
			}
			used++;
			n -= max;
			seq += max;
			shared = true;
		}
		if (n == 0) {
			if (!dry)
				rte_pktmbuf_free_seg(s);
			continue;
		}
		if (n == max || (!shared && troom >= max - n)) {
			if (!dry)
				link_unit(c, s, seq);
			room = max - n;
		} else {
			if (!dry) {
				struct rte_mbuf *u = take(fresh);

				memcpy(rte_pktmbuf_append(u, (uint16_t)n), rte_pktmbuf_mtod(s, char *), n);
				link_unit(c, u, seq);
				rte_pktmbuf_free_seg(s);
			}
			used++;
			room = fresh_max > n ? fresh_max - n : 0;
		}
		seq += n;
	}
	return used;
}

/*
 * n fresh mbufs linked through m->next into *list, all of them or none (counted), so that a
 * change planned first can be made whole or not at all.
 */
static int
fresh_take(struct tt_worker *w, uint32_t n, struct rte_mbuf **list)
{
	struct rte_mbuf *batch[32];
	uint32_t got = 0;

	*list = NULL;
	while (got < n) {
		uint32_t k = RTE_MIN(n - got, (uint32_t)RTE_DIM(batch));

		if (rte_pktmbuf_alloc_bulk(w->pool, batch, k) != 0) {
			TT_STAT_INC(&w->stats, MbufTcpOutFails);
			rte_pktmbuf_free(*list);
			*list = NULL;
			return -ENOBUFS;
		}
		for (uint32_t i = 0; i < k; i++) {
			batch[i]->next = *list;
			*list = batch[i];
		}
		got += k;
	}
	return 0;
}

int
tt_sndq_append(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m), max = unit_max(c, m), need;
	struct rte_mbuf *fresh;

	/*
	 * The common write (an answer, an echo): one buffer of ours, at most a unit, behind a
	 * tail that takes nothing more. append_run would link it as it is, needing no fresh mbuf;
	 * planning it twice cost a tenth of a keep-alive request's instructions (bench_ir).
	 */
	if (m->next == NULL && len > 0 && len <= max && tail_room(c) == 0 &&
	    RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
	    (len == max || rte_pktmbuf_tailroom(m) >= max - len)) {
		link_unit(c, m, c->snd_una + c->sndq_len);
		c->sndq_len += len;
		return 0;
	}
	/* Plan first and take every mbuf the plan needs, so that a failure changes nothing. */
	need = append_run(w, c, m, true, NULL);
	if (fresh_take(w, need, &fresh) != 0)
		return -ENOBUFS;
	RTE_VERIFY(append_run(w, c, m, false, &fresh) == need && fresh == NULL);
	c->sndq_len += len;
	return 0;
}

/* Units past the first that cutting u into units of mss bytes makes. */
static uint32_t
resegment_cuts(const struct rte_mbuf *u, uint32_t mss)
{
	return u->data_len > mss ? (u->data_len - 1u) / mss : 0;
}

/*
 * A sent unit u cut into units of mss bytes, as Linux's tcp_fragment cuts an skb it
 * retransmits: the first stays u, shortened; the others are mbufs from *fresh attached to
 * u's buffer (no copy), each with u's marks and times, so the scoreboard's byte sums do not
 * move (its count of SACKed units does). The unit holding snd_nxt and the tail follow.
 */
static void
resegment_unit(struct tt_conn *c, struct rte_mbuf *u, uint32_t mss, struct rte_mbuf **fresh)
{
	const struct tt_sndq_meta *mt = tt_sndq_meta(u);
	uint32_t len = u->data_len, n = resegment_cuts(u, mss);
	struct rte_mbuf *prev = u, *next = u->next;

	for (uint32_t off = mss; off < len; off += mss) {
		struct rte_mbuf *p = take(fresh);

		rte_pktmbuf_attach(p, u);
		rte_pktmbuf_adj(p, (uint16_t)off);
		p->data_len = (uint16_t)RTE_MIN(mss, len - off);
		p->pkt_len = p->data_len;
		*tt_sndq_meta(p) = *mt;
		tt_sndq_meta(p)->seq = mt->seq + off;
		if (c->snd_unit == u && tt_seq_geq(c->snd_nxt, mt->seq + off))
			c->snd_unit = p;
		prev->next = p;
		prev = p;
	}
	prev->next = next;
	if (c->sndq_tail == u)
		c->sndq_tail = prev;
	u->data_len = (uint16_t)mss;
	u->pkt_len = mss;
	if (mt->flags & TT_SU_SACKED)
		c->sacked_units += n;
	c->sndq_units += n;
}

/*
 * The units never sent, *link and after, rebuilt as units of max bytes copied into mbufs
 * from *fresh, the old ones freed: the rest of the stream then goes in full segments of the
 * new size, as Linux cuts its unsent queue at the current MSS when it sends. (Cut in place
 * instead, each old unit would go as a full segment and a sliver.) A unit is one buffer, so
 * bytes of two old units can only share a new one by a copy. Returns the units freed.
 */
static uint32_t
resegment_unsent(struct tt_conn *c, struct rte_mbuf **link, uint32_t max,
		 struct rte_mbuf **fresh)
{
	struct rte_mbuf *src = *link, *u = NULL, **tail = link;
	uint32_t seq = tt_sndq_meta(src)->seq, off = 0, freed = 0;
	bool moved = c->snd_unit != NULL && tt_seq_geq(c->snd_nxt, seq);

	while (src != NULL) {
		uint32_t k;

		if (u == NULL || u->data_len == max) {
			u = take(fresh);
			*tt_sndq_meta(u) = (struct tt_sndq_meta){ .seq = seq };
			if (moved && tt_seq_geq(c->snd_nxt, seq))
				c->snd_unit = u;
			*tail = u;
			tail = &u->next;
			c->sndq_units++;
		}
		k = RTE_MIN(max - u->data_len, (uint32_t)src->data_len - off);
		memcpy(rte_pktmbuf_append(u, (uint16_t)k), rte_pktmbuf_mtod_offset(src, char *, off),
		       k);
		off += k;
		seq += k;
		if (off == src->data_len) {
			struct rte_mbuf *next = src->next;

			src->next = NULL;
			rte_pktmbuf_free_seg(src);
			freed++;
			src = next;
			off = 0;
		}
	}
	c->sndq_tail = u;
	c->sndq_units -= freed;
	return freed;
}

int
tt_sndq_resegment(struct tt_worker *w, struct tt_conn *c, uint32_t mss)
{
	uint32_t max = RTE_MIN(mss, (uint32_t)(rte_pktmbuf_data_room_size(w->pool) -
					       RTE_PKTMBUF_HEADROOM));
	uint32_t cuts = 0, unsent = 0, units = 0, freed = 0;
	struct rte_mbuf *rest = NULL, **link = &c->sndq, *fresh;
	bool repack = false;

	/* Sending goes in order, so the units never sent are the queue's tail. */
	for (struct rte_mbuf *u = c->sndq; u != NULL; u = u->next) {
		if (rest == NULL && tt_sndq_meta(u)->xmits == 0)
			rest = u;
		if (rest == NULL) {
			cuts += resegment_cuts(u, mss);
			continue;
		}
		unsent += u->data_len;
		repack |= u->data_len > mss;
	}
	if (repack)
		units = (unsent + max - 1) / max;
	if (cuts + units == 0)
		return 0;
	if (fresh_take(w, cuts + units, &fresh) != 0)
		return -ENOBUFS;
	for (struct rte_mbuf *u = c->sndq, *next; u != rest; u = next) {
		next = u->next;
		if (resegment_cuts(u, mss) > 0)
			resegment_unit(c, u, mss, &fresh);
	}
	if (repack) {
		while (*link != rest)
			link = &(*link)->next;
		freed = resegment_unsent(c, link, max, &fresh);
	}
	RTE_VERIFY(fresh == NULL);
	/* Charged and uncharged as tt_mem_sndq_add and tt_sndq_ack do (R2). */
	w->tcp->mem.held += cuts + units;
	tt_mem_uncharge(w->tcp, freed);
	return 0;
}

void
tt_sndq_ack(struct tt_worker *w, struct tt_conn *c, uint32_t bytes)
{
	struct rte_mbuf *u = c->sndq;
	uint32_t freed = 0, now = tt_tcp_ticks(w->clock.tsc);
	bool reord = false;

	c->sndq_len -= bytes;
	while (u != NULL && bytes >= u->data_len) {
		struct rte_mbuf *next = u->next;

		bytes -= u->data_len;
		reord |= tt_recovery_delivered(c, u, now);
		tt_recovery_unit_gone(c, u);
		if (u == c->snd_unit)
			c->snd_unit = next;
		u->next = NULL;
		rte_pktmbuf_free_seg(u);
		freed++;
		u = next;
	}
	c->sndq = u;
	if (u == NULL) {
		c->sndq_tail = NULL;
		c->snd_unit = NULL;
	} else if (bytes > 0) {
		/* Cut into the first unit left; segments in flight keep their own offsets. */
		struct tt_sndq_meta *mt = tt_sndq_meta(u);

		reord |= tt_recovery_delivered(c, u, now);
		if (mt->flags & TT_SU_SACKED)
			c->sacked_bytes -= bytes;
		if (mt->flags & TT_SU_LOST)
			c->lost_bytes -= bytes;
		if (mt->flags & TT_SU_RETRANS)
			c->retrans_bytes -= bytes;
		rte_pktmbuf_adj(u, (uint16_t)bytes);
		mt->seq += bytes;
	}
	c->sndq_units -= freed;
	tt_mem_uncharge(w->tcp, freed);
	if (reord)
		tt_recovery_reordered(w, c);
}

void
tt_sndq_free(struct tt_worker *w, struct tt_conn *c)
{
	struct rte_mbuf *u = c->sndq;

	while (u != NULL) {
		struct rte_mbuf *next = u->next;

		u->next = NULL;
		rte_pktmbuf_free_seg(u);
		u = next;
	}
	if (w != NULL)
		tt_mem_uncharge(w->tcp, c->sndq_units);
	c->sndq = NULL;
	c->sndq_tail = NULL;
	c->snd_unit = NULL;
	c->sndq_units = 0;
	c->sndq_len = 0;
	c->sacked_bytes = 0;
	c->sacked_units = 0;
	c->lost_bytes = 0;
	c->retrans_bytes = 0;
}

struct rte_mbuf *
tt_sndq_unit_at(const struct tt_conn *c, uint32_t seq)
{
	struct rte_mbuf *u = c->snd_unit;

	/* The usual question is about snd_nxt, whose unit is kept. */
	if (u == NULL || tt_seq_lt(seq, tt_sndq_meta(u)->seq))
		u = c->sndq;
	for (; u != NULL; u = u->next)
		if (tt_seq_lt(seq, tt_sndq_meta(u)->seq + u->data_len))
			return u;
	return NULL;
}

struct rte_mbuf *
tt_sndq_payload(struct tt_worker *w, const struct tt_conn *c, struct rte_mbuf *u,
		uint32_t seq, uint32_t len)
{
	struct rte_mbuf *h = rte_pktmbuf_alloc(w->pool), *last;
	uint32_t off = seq - tt_sndq_meta(u)->seq;
	bool attach = len > TT_TX_COPY_MAX && w->ports[c->pi].tx_multi_seg;

	if (unlikely(h == NULL)) {
		TT_STAT_INC(&w->stats, MbufTcpOutFails);
		return NULL;
	}
	if (!attach && len > rte_pktmbuf_tailroom(h))
		attach = true;       /* a jumbo segment: only a chain holds it */
	last = h;
	while (len > 0) {
		uint32_t k = RTE_MIN(len, (uint32_t)u->data_len - off);

		if (!attach) {
			memcpy(rte_pktmbuf_append(h, (uint16_t)k),
			       rte_pktmbuf_mtod_offset(u, char *, off), k);
		} else {
			struct rte_mbuf *p = rte_pktmbuf_alloc(w->pool);

			if (unlikely(p == NULL)) {
				TT_STAT_INC(&w->stats, MbufTcpOutFails);
				rte_pktmbuf_free(h);
				return NULL;
			}
			rte_pktmbuf_attach(p, u);
			rte_pktmbuf_adj(p, (uint16_t)off);
			p->data_len = (uint16_t)k;
			p->pkt_len = k;
			last->next = p;
			last = p;
			h->nb_segs++;
			h->pkt_len += k;
		}
		len -= k;
		off = 0;
		u = u->next;
	}
	return h;
}
