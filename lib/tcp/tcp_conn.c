/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker TCP state: the flow table (tcp_flow.c, one lookup per segment whatever the
 * flow's state), the preallocated pools of TCBs, SYN queue entries and TIME_WAIT entries,
 * listeners, and TCB life and death. Set up once by tt_tcp_worker_init() (from the engine;
 * applications attach to the listeners afterwards, lib/app); no allocation from the system
 * after that (DESIGN "Memory budget").
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_debug.h>
#include <rte_random.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_debug.h>
#include <rte_ring.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"

const char *const tt_tcp_state_name[TT_TCPS__COUNT] = {
	[TT_TCPS_NONE] = "NONE",
#define TT_TCPS_NAME(s) [TT_TCPS_##s] = #s,
	TT_TCP_STATES(TT_TCPS_NAME)
#undef TT_TCPS_NAME
};

/*
 * DESIGN's memory budget asked for an idle TCB in four cache lines; one that reassembles,
 * keeps a SACK scoreboard, runs CUBIC with HyStart++ and RACK-TLP, undoes spurious
 * retransmissions and autotunes its buffers takes eight (docs/ARCHITECTURE.md,
 * "The TCB's size"). Segments read cache line 0 first; the rest follows by use.
 */
static_assert(sizeof(struct tt_conn) <= 512, "struct tt_conn grew past 512 bytes");
static_assert(sizeof(struct tt_req) == 64, "struct tt_req must stay 64 bytes (Q1)");
static_assert(sizeof(struct tt_tw) == 64, "struct tt_tw must stay 64 bytes (F6)");

struct tt_tcp *
tt_worker_tcp(struct tt_worker *w)
{
	return w->tcp;
}

static_assert(sizeof(struct tt_flow) == TT_FLOW_KEY_LEN, "the flow key is two 64-bit words");
static_assert(offsetof(struct tt_conn, flow) == 0 && offsetof(struct tt_req, flow) == 0 &&
	      offsetof(struct tt_tw, flow) == 0, "the flow table reads the key at the object's start");

struct tt_conn *
tt_conn_alloc(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;
	struct tt_conn *c = tt_objpool_get(&t->conns);
	uint32_t gen;

	if (c == NULL)
		return NULL;
	gen = c->gen + 1;
	memset(c, 0, sizeof(*c));
	c->gen = gen ? gen : 1;
	c->listener = UINT16_MAX;
	tt_timer_init(&c->rtx, TT_TMR_RTO);
	tt_timer_init(&c->delack, TT_TMR_DELACK);
	return c;
}

void
tt_conn_set_state(struct tt_worker *w, struct tt_conn *c, enum tt_tcp_state s)
{
	struct tt_tcp *t = w->tcp;

	if (c->state == TT_TCPS_ESTABLISHED || c->state == TT_TCPS_CLOSE_WAIT)
		TT_STAT_DEC(&w->stats, CurrEstab);
	if (s == TT_TCPS_ESTABLISHED || s == TT_TCPS_CLOSE_WAIT)
		TT_STAT_INC(&w->stats, CurrEstab);
	if (c->state != TT_TCPS_NONE)
		t->n_state[c->state]--;
	if (s != TT_TCPS_NONE)
		t->n_state[s]++;
	c->state = s;
}

/* Out of the flow table, timers off, both queues freed: what every end of a TCB needs. */
static void
conn_teardown(struct tt_worker *w, struct tt_conn *c)
{
	struct tt_tcp *t = w->tcp;

	if (c->state != TT_TCPS_NONE) {
		tt_flow_del(t, &c->flow);
		tt_conn_set_state(w, c, TT_TCPS_NONE);
	}
	tt_timer_cancel(&t->wheel, &c->rtx);
	tt_timer_cancel(&t->wheel, &c->delack);
	tt_timer_cancel(&t->wheel, &c->ka);
	tt_sndq_free(w, c);
	tt_reass_free(w, c);
	if (c->rcvq != NULL)
		tt_mem_uncharge(t, c->rcvq->nb_segs);
	rte_pktmbuf_free(c->rcvq);
	c->rcvq = NULL;
	c->rcvq_tail = NULL;
	c->rcvq_len = 0;
}

void
tt_conn_free(struct tt_worker *w, struct tt_conn *c)
{
	struct tt_tcp *t = w->tcp;

	/* Never while on the event list: a TCB with events waits for 'closed' (lib/app). */
	RTE_ASSERT(c->evf == 0);
	conn_teardown(w, c);
	/* Stale handles and pending-output entries see the generation move on. */
	c->gen++;
	c->cflags = 0;
	tt_objpool_put(&t->conns, c);
}

uint16_t
tt_flow_owner(const struct tt_worker *w, const struct tt_flow *f, uint64_t h)
{
	const struct tt_steer *s = w->steer;

	if (tt_flow_is_v6(f))
		return tt_flow6_owner(s, w->tcp->in6.e[f->raddr].digest, f);
	if (s->owner == TT_OWNER_TOEPLITZ)
		return tt_steer_worker(s, tt_toeplitz_v4(&s->toeplitz, f->raddr, f->laddr,
							 f->rport, f->lport));
	return tt_steer_worker(s, (uint32_t)(h >> 32));
}

tt_conn_t
tt_conn_handle(const struct tt_tcp *t, const struct tt_conn *c)
{
	return (uint64_t)c->gen << 32 | (uint64_t)t->worker_id << 24 |
	       tt_objpool_index(&t->conns, c);
}

struct tt_conn *
tt_conn_from_handle(struct tt_tcp *t, tt_conn_t h)
{
	uint32_t idx = h & 0xffffff;
	struct tt_conn *c;

	if (((h >> 24) & 0xff) != t->worker_id || idx == 0 || idx >= t->conns.size)
		return NULL;
	c = tt_objpool_at(&t->conns, idx);
	return c->gen == (uint32_t)(h >> 32) ? c : NULL;
}

/*
 * The end of a connection. A TCB the application holds becomes dead and stays until the
 * 'closed' event is delivered; one still waiting in the accept queue stays there, dead, so
 * accept hands out the handle and 'closed' at once (as accept(2) returns a socket whose
 * first read fails). Otherwise it is freed now. Payload already raised as 'data' (arrived in
 * this iteration, the application able to take it) still reaches the application before
 * 'closed', unless the application itself ended the connection; held payload goes.
 */
void
tt_conn_closed(struct tt_worker *w, struct tt_conn *c, enum tt_close_reason why)
{
	struct rte_mbuf *keep = NULL;
	uint32_t keep_len = 0;

	c->close_reason = why;
	/*
	 * A graceful end of a connection the application still holds: payload held back (a
	 * pause, wmem backpressure) and the peer's FIN behind it are delivered before 'closed'
	 * — they were acknowledged, and Linux keeps a closed socket's receive queue readable.
	 */
	if (why == TT_CLOSE_NORMAL && (c->cflags & TT_CF_ACCEPTED) &&
	    !(c->cflags & TT_CF_RELEASED)) {
		if (c->rcvq != NULL)
			tt_conn_event(w, c, TT_EVF_DATA);
		if (c->cflags & TT_CF_PEER_FIN) {
			c->cflags &= ~TT_CF_PEER_FIN;
			tt_conn_event(w, c, TT_EVF_PEER_CLOSED);
		}
	}
	if ((c->evf & TT_EVF_DATA) && !(c->cflags & TT_CF_RELEASED)) {
		keep = c->rcvq;
		keep_len = c->rcvq_len;
		c->rcvq = NULL;
	}
	conn_teardown(w, c);
	c->rcvq = keep;
	c->rcvq_len = keep_len;
	if (c->cflags & TT_CF_ACCEPTED) {
		if (!(c->cflags & TT_CF_DEAD)) {
			c->cflags |= TT_CF_DEAD;
			tt_conn_event(w, c, TT_EVF_CLOSED);
		}
		return;
	}
	if (c->cflags & TT_CF_IN_ACCEPTQ) {
		c->cflags |= TT_CF_DEAD;
		return;
	}
	tt_conn_free(w, c);
}

/* SPEC Q1: the documents' model, min(backlog, somaxconn); Linux admits one more. */
static uint32_t
accept_max(const struct tt_config *cfg, const struct tt_listen_config *lc)
{
	uint32_t n = RTE_MIN(TT_LIVE(lc, backlog), TT_LIVE(cfg, somaxconn));

	return n != 0 ? n : 1u;
}

uint32_t
tt_tcp_accept_cap(const struct tt_config *cfg, const struct tt_listen_config *lc)
{
	uint32_t room = RTE_MIN(cfg->somaxconn, TT_ACCEPTQ_LIVE_MAX);

	return RTE_MAX(accept_max(cfg, lc), room);
}

/* max_tw_buckets is Linux's machine-wide cap; each worker holds its share (0: none kept). */
static uint32_t
tw_share(const struct tt_worker *w, const struct tt_config *cfg)
{
	return TT_LIVE(cfg, max_tw_buckets) / (w->n_workers ? w->n_workers : 1u);
}

static int
listeners_init(struct tt_worker *w, const struct tt_config *cfg, char *err, size_t errlen)
{
	struct tt_tcp *t = w->tcp;

	for (uint32_t i = 0; i < cfg->n_listeners; i++) {
		const struct tt_listen_config *lc = &cfg->listeners[i];
		struct tt_listener *l = &t->listeners[i];
		char name[RTE_RING_NAMESIZE];

		l->port = lc->port;
		l->idx = (uint16_t)i;
		l->syn_q_max = cfg->max_syn_backlog;
		l->accept_max = accept_max(cfg, lc);
		l->time_wait_s = (uint16_t)lc->time_wait;
		l->keepalive = lc->keepalive != 0;
		snprintf(name, sizeof(name), "tt_acc_%u_%u", w->id, lc->port);
		l->acceptq = rte_ring_create(name, tt_tcp_accept_cap(cfg, lc),
					     rte_lcore_to_socket_id(w->lcore),
					     RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (l->acceptq == NULL) {
			snprintf(err, errlen, "worker %u: no memory for the accept queue of port %u",
				 w->id, lc->port);
			return -ENOMEM;
		}
		t->n_listeners++;
	}
	return 0;
}

int
tt_tcp_worker_init(struct tt_worker *w, const struct tt_config *cfg, char *err, size_t errlen)
{
	int socket = rte_lcore_to_socket_id(w->lcore);
	uint32_t n_req = cfg->max_syn_backlog * RTE_MAX(cfg->n_listeners, 1u);
	uint32_t n_tw = RTE_MAX(tw_share(w, cfg), 1u);
	struct tt_tcp *t;
	int rc = tt_sndq_init();

	if (rc != 0) {
		snprintf(err, errlen, "cannot register the send queue's mbuf field: %s",
			 rte_strerror(-rc));
		return rc;
	}

	t = rte_zmalloc_socket("tt_tcp", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL)
		goto nomem;
	w->tcp = t;
	t->worker_id = w->id;
	t->flow_key = w->steer->flow_key;
	t->cfg = cfg;
	t->challenge_sec = UINT64_MAX;     /* no second drawn yet */
	t->tw_max = tw_share(w, cfg);
	t->live_gen = __atomic_load_n(&cfg->live_gen, __ATOMIC_ACQUIRE);
	if (tt_flow_table_init(&t->ft, cfg->max_conns + n_req + n_tw, socket) != 0 ||
	    tt_objpool_init(&t->conns, "tt_conns", cfg->max_conns, sizeof(struct tt_conn),
			    socket) != 0 ||
	    tt_objpool_init(&t->reqs, "tt_reqs", n_req, sizeof(struct tt_req), socket) != 0 ||
	    tt_objpool_init(&t->tws, "tt_tws", n_tw, sizeof(struct tt_tw), socket) != 0)
		goto nomem;
	/* IPv6 on: a remote address for every flow the pools allow, and a quarter more. */
	if (w->net != NULL && w->net->n_addrs6 != 0) {
		uint32_t flows = cfg->max_conns + n_req + n_tw;

		if (tt_in6_init(w, flows + flows / 4, socket) != 0)
			goto nomem;
	}
	if (tt_siphash_key_random(&t->isn_key) != 0 ||
	    tt_siphash_key_random(&t->cookie_key) != 0) {
		snprintf(err, errlen, "no random bytes for ISN and cookie secrets (getrandom)");
		return -EIO;
	}
	t->port_range = cfg->local_port_hi - cfg->local_port_lo + 1u;
	t->port_range_r = rte_reciprocal_value_u64(t->port_range);
	t->per_4us = rte_reciprocal_value_u64(RTE_MAX(rte_get_tsc_hz() / 250000, (uint64_t)1));
	t->ticks_per_ms = (uint32_t)RTE_MAX((rte_get_tsc_hz() / 1000) >> TT_TICK_SHIFT,
					    (uint64_t)1);
	tt_wheel_init(&t->wheel, w->clock.ms);
	tt_tw_init(t);
	tt_mem_init(w, cfg);
	return listeners_init(w, cfg, err, errlen);
nomem:
	snprintf(err, errlen,
		 "worker %u: no memory for the TCP tables (%u TCBs, %u SYN queue entries, %u TIME_WAIT entries%s): give EAL more memory (-m) or lower max_conns / max_syn_backlog / max_tw_buckets",
		 w->id, cfg->max_conns, n_req, n_tw,
		 w->net != NULL && w->net->n_addrs6 != 0 ? ", and as many remote IPv6 addresses" : "");
	return -ENOMEM;
}

void
tt_tcp_retune(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;
	const struct tt_config *cfg = t->cfg;
	uint32_t gen = __atomic_load_n(&cfg->live_gen, __ATOMIC_ACQUIRE);

	/*
	 * Shrinking limits leave what is queued beyond them in place, as Linux does: a full
	 * queue takes no more until it drains below the new limit. backlog and somaxconn are
	 * read apart, so a set between the two reads may pair values no check saw together:
	 * the ring's capacity bounds the pair, and the generation stored last makes the next
	 * iteration derive again.
	 */
	for (uint16_t i = 0; i < t->n_listeners; i++) {
		struct tt_listener *l = &t->listeners[i];
		uint32_t max = accept_max(cfg, &cfg->listeners[l->idx]);

		__atomic_store_n(&l->syn_q_max, TT_LIVE(cfg, max_syn_backlog), __ATOMIC_RELAXED);
		__atomic_store_n(&l->accept_max, RTE_MIN(max, rte_ring_get_capacity(l->acceptq)),
				 __ATOMIC_RELAXED);
	}
	t->tw_max = tw_share(w, cfg);
	tt_mem_thresholds(w, cfg);
	/* Telemetry's /tcpterm/set waits for this: the worker now runs on the new values. */
	__atomic_store_n(&t->live_gen, gen, __ATOMIC_RELEASE);
}

int
tt_tcp_live_check(const struct tt_config *start, const struct tt_config *next, char *err,
		  size_t errlen)
{
	if (next->max_syn_backlog > start->max_syn_backlog) {
		snprintf(err, errlen,
			 "max_syn_backlog %u: above %u, the SYN queue entries preallocated at start; restart with --max-syn-backlog %u",
			 next->max_syn_backlog, start->max_syn_backlog, next->max_syn_backlog);
		return -ERANGE;
	}
	if (next->max_tw_buckets > start->max_tw_buckets) {
		snprintf(err, errlen,
			 "max_tw_buckets %u: above %u, the TIME_WAIT entries preallocated at start; restart with --max-tw-buckets %u",
			 next->max_tw_buckets, start->max_tw_buckets, next->max_tw_buckets);
		return -ERANGE;
	}
	for (uint32_t i = 0; i < next->n_listeners; i++) {
		uint32_t want = accept_max(next, &next->listeners[i]);
		uint32_t cap = tt_tcp_accept_cap(start, &start->listeners[i]);

		if (want > cap) {
			snprintf(err, errlen,
				 "port %u: an accept queue of min(backlog %u, somaxconn %u) = %u is above %u, its capacity from start; restart with --backlog %u --somaxconn %u or more",
				 next->listeners[i].port, next->listeners[i].backlog, next->somaxconn,
				 want, cap, want, want);
			return -ERANGE;
		}
	}
	return 0;
}

void
tt_tcp_worker_fini(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;

	if (t == NULL)
		return;
	for (uint16_t i = 0; i < t->n_listeners; i++)
		rte_ring_free(t->listeners[i].acceptq);
	/* TCBs still holding queues (events pending included) give their mbufs back. */
	if (t->conns.base != NULL)
		for (uint32_t i = 1; i < t->conns.size; i++) {
			struct tt_conn *c = tt_objpool_at(&t->conns, i);

			tt_sndq_free(NULL, c);
			tt_reass_free(NULL, c);
			rte_pktmbuf_free(c->rcvq);
			c->rcvq = NULL;
		}
	tt_flow_table_fini(&t->ft);
	tt_in6_fini(t);
	tt_objpool_fini(&t->conns);
	tt_objpool_fini(&t->reqs);
	tt_objpool_fini(&t->tws);
	rte_free(t);
	w->tcp = NULL;
}
