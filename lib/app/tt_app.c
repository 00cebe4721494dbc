/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application layer's first form (DESIGN "The application layer"): applications run
 * inline on the worker. TCP raises events by marking the TCB (TT_EVF_* bits and the
 * worker's list of TCBs with events, contract in tcp_conn.h); tt_app_run() takes them off the
 * list and delivers them once per loop iteration, after input and timers, never from inside
 * them (STYLE habit 16); the accept queue is the listener's ring, drained by the application.
 * TCP never calls this layer: it is called by the engine (attach, run, detach) and calls
 * down into TCP (tcp_usrreq.c), DESIGN "Layers".
 *
 * Calls (send, shutdown, close, abort) act on the TCB at once: inline, the application
 * runs on the owning worker's lcore, so nothing else touches it. Output they cause is
 * deferred to the end of the iteration (tcp_output.c). Placing applications on lcores of
 * their own turns these calls into commands on a ring to the owner; the API does not change.
 *
 *   tt_worker_poll -> tt_app_run -> ops->poll (accepts) / event callbacks -> tt_app_* calls
 *     -> tt_tcp_usr_* (lib/tcp/tcp_usrreq.c)
 */
#include <errno.h>
#include <stdio.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <tcpterm/tt_app.h>

#include "../dp/tt_worker.h"
#include "../tcp/tcp_conn.h"
#include "tt_app_priv.h"

static struct tt_listener *
conn_listener(struct tt_tcp *t, const struct tt_conn *c)
{
	return c->listener < t->n_listeners ? &t->listeners[c->listener] : NULL;
}

int
tt_app_attach(struct tt_worker *w, const struct tt_app_def *const apps[TT_APP__COUNT],
	      char *err, size_t errlen)
{
	struct tt_tcp *t = w->tcp;

	for (uint16_t i = 0; i < t->n_listeners; i++) {
		struct tt_listener *l = &t->listeners[i];
		const struct tt_listen_config *lc = &t->cfg->listeners[l->idx];
		const struct tt_app_def *def = apps != NULL ? apps[lc->app] : NULL;

		l->app.listen = lc;
		l->app.pool = w->pool;
		l->app.worker = w->id;
		l->app.engine_priv = w;
		if (def == NULL || def->ops == NULL)
			continue;
		if (def->ops->init != NULL && def->ops->init(&l->app) != 0) {
			snprintf(err, errlen, "worker %u: application %s failed to start on port %u",
				 w->id, def->name != NULL ? def->name : "?", lc->port);
			return -EINVAL;
		}
		l->ops = def->ops;
	}
	return 0;
}

void
tt_app_detach(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;

	if (t == NULL)
		return;
	for (uint16_t i = 0; i < t->n_listeners; i++) {
		struct tt_listener *l = &t->listeners[i];

		if (l->ops != NULL && l->ops->fini != NULL)
			l->ops->fini(&l->app);
		l->ops = NULL;
	}
}

/*
 * What c's events say, in the contract's order: data, peer_closed, closed. c is off the list
 * and its bits cleared first, so whatever the callbacks raise (an abort's 'closed') puts it
 * back on the list for later in this same tt_app_run. Nothing but 'closed' after the
 * application closed or aborted (TT_CF_RELEASED). A FIN raised while the payload before it
 * could not be taken (backpressure since) waits for that payload (TT_CF_PEER_FIN).
 */
static void
deliver(struct tt_worker *w, struct tt_conn *c)
{
	struct tt_tcp *t = w->tcp;
	struct tt_listener *l = conn_listener(t, c);
	const struct tt_app_ops *ops = l != NULL ? l->ops : NULL;
	tt_conn_t h = tt_conn_handle(t, c);
	unsigned int evf = c->evf;

	c->evf = 0;
	if ((evf & TT_EVF_DATA) && !(c->cflags & TT_CF_RELEASED)) {
		struct rte_mbuf *m = tt_conn_rcv_take(w, c);

		if (m != NULL && ops != NULL && ops->data != NULL)
			ops->data(&l->app, h, m);
		else
			rte_pktmbuf_free(m);
	}
	if ((evf & TT_EVF_WRITABLE) && !(c->cflags & TT_CF_RELEASED) && ops != NULL &&
	    ops->writable != NULL)
		ops->writable(&l->app, h);
	if ((evf & TT_EVF_PEER_CLOSED) && !(c->cflags & TT_CF_RELEASED)) {
		if (c->rcvq != NULL && !(c->cflags & TT_CF_DEAD))
			c->cflags |= TT_CF_PEER_FIN;
		else if (ops != NULL && ops->peer_closed != NULL)
			ops->peer_closed(&l->app, h);
	}
	if (evf & TT_EVF_CLOSED) {
		if (ops != NULL && ops->closed != NULL)
			ops->closed(&l->app, h, (enum tt_close_reason)c->close_reason);
		/* The handle dies with this event; the TCB goes back to the pool. */
		tt_conn_free(w, c);
	}
}

void
tt_app_run(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;
	struct tt_conn *c;

	for (uint16_t i = 0; i < t->n_listeners; i++) {
		struct tt_listener *l = &t->listeners[i];

		if (l->ops != NULL && l->ops->poll != NULL)
			l->ops->poll(&l->app, w->clock.ms);
	}
	/*
	 * Until the list is empty. Callbacks add to it (an abort raises 'closed', an accept the
	 * accepted connection's backlog), but each TCB at most a bounded number of times: a
	 * TCB's 'closed' comes once, and its payload only from input, which does not run here.
	 */
	while ((c = tt_tcp_event_pop(t)) != NULL)
		deliver(w, c);
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

unsigned int
tt_app_accept_burst(struct tt_app_ctx *ctx, unsigned int n)
{
	struct tt_worker *w = ctx_worker(ctx);
	struct tt_listener *l = ctx_listener(ctx);
	struct tt_conn *conns[64];
	unsigned int got;

	n = RTE_MIN(n, (unsigned int)RTE_DIM(conns));
	got = tt_tcp_usr_accept_burst(l, conns, n);
	for (unsigned int i = 0; i < got; i++) {
		struct tt_conn *c = conns[i];

		if (l->ops != NULL && l->ops->accepted != NULL)
			l->ops->accepted(ctx, tt_conn_handle(w->tcp, c), l->port);
		tt_tcp_usr_accepted(w, c);
	}
	return got;
}

/* The live TCB behind h, for calls: not dead, accepted. */
static struct tt_conn *
call_conn(struct tt_app_ctx *ctx, tt_conn_t h)
{
	return tt_tcp_usr_conn(ctx_worker(ctx)->tcp, h);
}

int
tt_app_send(struct tt_app_ctx *ctx, tt_conn_t h, struct rte_mbuf *m)
{
	struct tt_conn *c = call_conn(ctx, h);

	if (c == NULL) {
		rte_pktmbuf_free(m);
		return -ENOTCONN;
	}
	return tt_tcp_usr_send(ctx_worker(ctx), c, m);
}

uint32_t
tt_app_send_space(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_conn *c = call_conn(ctx, h);

	return c != NULL ? tt_tcp_usr_send_space(ctx_worker(ctx), c) : 0;
}

int
tt_app_shutdown(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_conn *c = call_conn(ctx, h);

	if (c == NULL)
		return -ENOTCONN;
	tt_tcp_usr_shutdown(ctx_worker(ctx), c);
	return 0;
}

int
tt_app_close(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_conn *c = call_conn(ctx, h);

	if (c == NULL)
		return -ENOTCONN;
	tt_tcp_usr_close(ctx_worker(ctx), c);
	return 0;
}

int
tt_app_abort(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_conn *c = call_conn(ctx, h);

	if (c == NULL)
		return -ENOTCONN;
	tt_tcp_usr_abort(ctx_worker(ctx), c);
	return 0;
}

uint64_t *
tt_app_udata(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_conn *c = tt_conn_from_handle(ctx_worker(ctx)->tcp, h);

	return c != NULL ? &c->udata : NULL;
}
