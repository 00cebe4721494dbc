/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application layer's first form (DESIGN "The application layer"): applications run
 * inline on the worker. Events travel worker -> application over the worker's event ring
 * (struct tt_app_event, rte_ring of fixed-size elements), delivered once per loop iteration
 * by tt_app_run(); the accept queue is the listener's ring, drained by the application.
 *
 * Calls (send, shutdown, close, abort) act on the TCB at once: inline, the application
 * runs on the owning worker's lcore, so nothing else touches it. Output they cause is
 * deferred to the end of the iteration (tcp_output.c). Placing applications on lcores of
 * their own turns these calls into commands on a ring to the owner; the API does not change.
 *
 *   tt_worker_poll -> tt_app_run -> ops->poll (accepts) / event callbacks -> tt_app_* calls
 */
#include <errno.h>

#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <tcpterm/tt_app.h>

#include "../core/tt_worker.h"
#include "../tcp/tcp_conn.h"

static struct tt_listener *
conn_listener(struct tt_tcp *t, const struct tt_conn *c)
{
	return c->listener < t->n_listeners ? &t->listeners[c->listener] : NULL;
}

static void
deliver(struct tt_worker *w, const struct tt_app_event *ev)
{
	struct tt_tcp *t = w->tcp;
	struct tt_conn *c = tt_conn_from_handle(t, ev->conn);
	struct tt_listener *l = c != NULL ? conn_listener(t, c) : NULL;
	const struct tt_app_ops *ops = l != NULL ? l->ops : NULL;

	if (c == NULL) {
		rte_pktmbuf_free(ev->m);
		return;
	}
	switch (ev->type) {
	case TT_EV_DATA:
		if (ops != NULL && ops->data != NULL && !(c->cflags & TT_CF_RELEASED))
			ops->data(&l->app, ev->conn, ev->m);
		else
			rte_pktmbuf_free(ev->m);
		break;
	case TT_EV_PEER_CLOSED:
		if (ops != NULL && ops->peer_closed != NULL && !(c->cflags & TT_CF_RELEASED))
			ops->peer_closed(&l->app, ev->conn);
		break;
	case TT_EV_CLOSED:
		if (ops != NULL && ops->closed != NULL)
			ops->closed(&l->app, ev->conn, (enum tt_close_reason)ev->arg);
		/* The handle dies with this event; the TCB goes back to the pool. */
		c = tt_conn_from_handle(t, ev->conn);
		if (c != NULL)
			tt_conn_free(w, c);
		break;
	}
}

void
tt_app_event(struct tt_worker *w, struct tt_conn *c, enum tt_app_event_type type,
	     struct rte_mbuf *m, uint32_t arg)
{
	struct tt_app_event ev = {
		.type = type, .arg = arg, .conn = tt_conn_handle(w->tcp, c), .m = m,
	};

	/* The ring is drained every iteration; were it ever full, deliver now, in order. */
	if (rte_ring_sp_enqueue_elem(w->tcp->events, &ev, sizeof(ev)) != 0)
		deliver(w, &ev);
}

void
tt_app_run(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;
	struct tt_app_event ev[32];
	unsigned int n;

	for (uint16_t i = 0; i < t->n_listeners; i++) {
		struct tt_listener *l = &t->listeners[i];

		if (l->ops != NULL && l->ops->poll != NULL)
			l->ops->poll(&l->app, w->clock.ms);
	}
	/* Callbacks may cause more events (abort -> closed): drain until empty, bounded. */
	for (int round = 0; round < 64; round++) {
		n = rte_ring_sc_dequeue_burst_elem(t->events, ev, sizeof(ev[0]), RTE_DIM(ev), NULL);
		if (n == 0)
			break;
		for (unsigned int i = 0; i < n; i++)
			deliver(w, &ev[i]);
	}
}

static struct tt_worker *
ctx_worker(const struct tt_app_ctx *ctx)
{
	return ctx->engine_priv;
}

static struct tt_listener *
ctx_listener(struct tt_app_ctx *ctx)
{
	return (struct tt_listener *)((char *)ctx - offsetof(struct tt_listener, app));
}

unsigned int
tt_app_accept_pending(const struct tt_app_ctx *ctx)
{
	const struct tt_listener *l =
		(const struct tt_listener *)((const char *)ctx - offsetof(struct tt_listener, app));

	return rte_ring_count(l->acceptq);
}

/* Hand over what arrived before the accept: payload, then the peer's FIN, then the end. */
static void
accept_backlog(struct tt_worker *w, struct tt_conn *c)
{
	if (c->cflags & TT_CF_DEAD) {
		tt_app_event(w, c, TT_EV_CLOSED, NULL, c->close_reason);
		return;
	}
	tt_conn_release(w, c);
}

unsigned int
tt_app_accept_burst(struct tt_app_ctx *ctx, unsigned int n)
{
	struct tt_worker *w = ctx_worker(ctx);
	struct tt_listener *l = ctx_listener(ctx);
	struct tt_conn *conns[64];
	unsigned int got;

	n = RTE_MIN(n, (unsigned int)RTE_DIM(conns));
	got = rte_ring_sc_dequeue_burst(l->acceptq, (void **)conns, n, NULL);
	for (unsigned int i = 0; i < got; i++) {
		struct tt_conn *c = conns[i];

		c->cflags &= ~TT_CF_IN_ACCEPTQ;
		c->cflags |= TT_CF_ACCEPTED;
		if (l->ops != NULL && l->ops->accepted != NULL)
			l->ops->accepted(ctx, tt_conn_handle(w->tcp, c), l->port);
		accept_backlog(w, c);
	}
	return got;
}

/* The live TCB behind h, for calls: not dead, accepted. */
static struct tt_conn *
call_conn(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_worker *w = ctx_worker(ctx);
	struct tt_conn *c = tt_conn_from_handle(w->tcp, h);

	if (c == NULL || (c->cflags & TT_CF_DEAD) || !(c->cflags & TT_CF_ACCEPTED))
		return NULL;
	return c;
}

int
tt_app_send(struct tt_app_ctx *ctx, tt_conn_t h, struct rte_mbuf *m)
{
	struct tt_worker *w = ctx_worker(ctx);
	struct tt_conn *c = call_conn(ctx, h);
	uint32_t len = rte_pktmbuf_pkt_len(m);

	if (c == NULL) {
		rte_pktmbuf_free(m);
		return -ENOTCONN;
	}
	if (c->cflags & TT_CF_FIN_QUEUED) {
		rte_pktmbuf_free(m);
		return -EPIPE;
	}
	/*
	 * wmem is a soft limit, as for a blocking write(2): the data is taken, and while more
	 * than wmem bytes wait, the connection's incoming payload is held back (tcp_input.c,
	 * conn_holding), which closes the peer's window instead of failing the write.
	 */
	if (len == 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	if (c->sndq == NULL) {
		c->sndq = m;
	} else if (rte_pktmbuf_chain(c->sndq, m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	c->sndq_len += len;
	tt_conn_schedule_output(w, c);
	return 0;
}

/* RST|ACK <SEQ=SND.MAX> and the end (F8); Linux counts EstabResets for such a close. */
static void
app_reset(struct tt_worker *w, struct tt_conn *c)
{
	tt_tcp_send_rst_conn(w, c);
	if (c->state == TT_TCPS_ESTABLISHED || c->state == TT_TCPS_CLOSE_WAIT)
		TT_STAT_INC(&w->stats, EstabResets);
	tt_conn_closed(w, c, TT_CLOSE_ABORTED);
}

int
tt_app_shutdown(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_conn *c = call_conn(ctx, h);

	if (c == NULL)
		return -ENOTCONN;
	c->cflags |= TT_CF_FIN_QUEUED;
	tt_conn_schedule_output(ctx_worker(ctx), c);
	return 0;
}

int
tt_app_close(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_worker *w = ctx_worker(ctx);
	struct tt_conn *c = call_conn(ctx, h);

	if (c == NULL)
		return -ENOTCONN;
	/*
	 * F8, as Linux's tcp_close: payload the application never read (held back by
	 * backpressure) is discarded with a reset, not a FIN.
	 */
	if (c->rcvq_len > 0) {
		TT_STAT_INC(&w->stats, TCPAbortOnClose);
		app_reset(w, c);
		return 0;
	}
	c->cflags |= TT_CF_FIN_QUEUED | TT_CF_RELEASED;
	/* F7: a released connection does not wait in FIN_WAIT_2 for ever. */
	if (c->state == TT_TCPS_FIN_WAIT_2)
		tt_conn_fw2_arm(w, c);
	tt_conn_schedule_output(w, c);
	return 0;
}

int
tt_app_abort(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_worker *w = ctx_worker(ctx);
	struct tt_conn *c = call_conn(ctx, h);

	if (c == NULL)
		return -ENOTCONN;
	app_reset(w, c);
	return 0;
}

uint64_t *
tt_app_udata(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_conn *c = tt_conn_from_handle(ctx_worker(ctx)->tcp, h);

	return c != NULL ? &c->udata : NULL;
}
