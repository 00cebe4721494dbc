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
 * Each connection may have one timer of the application's (tt_app_timer): a wheel of the
 * layer's own per worker, an entry per TCB slot (a handle's index), so arming one is O(1)
 * and costs the TCB nothing; it fires in tt_app_run, with the other events.
 *
 * Calls (send, shutdown, close, abort, connect) act on the TCB at once: inline, the application
 * runs on the owning worker's lcore, so nothing else touches it. Output they cause is
 * deferred to the end of the iteration (tcp_output.c). Placing applications on lcores of
 * their own turns these calls into commands on a ring to the owner; the API does not change.
 *
 *   tt_worker_poll -> tt_app_run -> ops->poll (accepts) / event callbacks -> tt_app_* calls
 *     -> tt_tcp_usr_* (lib/tcp/tcp_usrreq.c)
 */
#include <errno.h>
#include <stdio.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <tcpterm/tt_app.h>

#include "../dp/tt_worker.h"
#include "../tcp/tcp_conn.h"
#include "tt_app_priv.h"

/* The applications' timers of one worker: slot i belongs to the TCB of handle index i. */
struct tt_app_timer {
	struct tt_timer tm;
	tt_conn_t h;            /* the connection that armed it */
};
struct tt_app_timers {
	struct tt_wheel wheel;
	uint32_t n;
	struct tt_app_timer t[];
};

static const char *const close_names[TT_CLOSE__COUNT] = {
	[TT_CLOSE_NORMAL] = "normal",
	[TT_CLOSE_RESET] = "reset",
	[TT_CLOSE_TIMEOUT] = "timeout",
	[TT_CLOSE_ABORTED] = "aborted",
	[TT_CLOSE_REFUSED] = "refused",
	[TT_CLOSE_UNREACHABLE] = "unreachable",
};

const char *
tt_close_reason_name(enum tt_close_reason why)
{
	return (unsigned int)why < TT_CLOSE__COUNT ? close_names[why] : "?";
}

static struct tt_listener *
conn_listener(struct tt_tcp *t, const struct tt_conn *c)
{
	if (c->listener == TT_LISTENER_CLIENT)
		return &t->client;
	return c->listener < t->n_listeners ? &t->listeners[c->listener] : NULL;
}

static struct tt_app_timer *
conn_timer(struct tt_worker *w, tt_conn_t h)
{
	struct tt_app_timers *at = w->app_timers;
	uint32_t idx = (uint32_t)(h & 0xffffff);

	return at != NULL && idx < at->n ? &at->t[idx] : NULL;
}

int
tt_app_attach(struct tt_worker *w, const struct tt_app_def *const apps[TT_APP__COUNT],
	      const struct tt_app_def *client, char *err, size_t errlen)
{
	struct tt_tcp *t = w->tcp;
	uint32_t n = t->conns.size;

	w->app_timers = rte_zmalloc_socket("tt_app_timers", sizeof(*w->app_timers) +
					   n * sizeof(w->app_timers->t[0]), 0,
					   rte_socket_id());
	if (w->app_timers == NULL) {
		snprintf(err, errlen, "worker %u: no memory for %u application timers (-m)",
			 w->id, n);
		return -ENOMEM;
	}
	w->app_timers->n = n;
	tt_wheel_init(&w->app_timers->wheel, w->clock.ms);
	for (uint32_t i = 0; i < n; i++)
		tt_timer_init(&w->app_timers->t[i].tm, 0);
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
	t->client.idx = TT_LISTENER_CLIENT;
	t->client.app = (struct tt_app_ctx){ .pool = w->pool, .worker = w->id,
					     .engine_priv = w };
	if (client != NULL && client->ops != NULL) {
		if (client->ops->init != NULL && client->ops->init(&t->client.app) != 0) {
			snprintf(err, errlen, "worker %u: application %s failed to start", w->id,
				 client->name != NULL ? client->name : "?");
			return -EINVAL;
		}
		t->client.ops = client->ops;
	}
	return 0;
}

void
tt_app_detach(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;

	if (t != NULL) {
		for (uint16_t i = 0; i < t->n_listeners; i++) {
			struct tt_listener *l = &t->listeners[i];

			if (l->ops != NULL && l->ops->fini != NULL)
				l->ops->fini(&l->app);
			l->ops = NULL;
		}
		if (t->client.ops != NULL && t->client.ops->fini != NULL)
			t->client.ops->fini(&t->client.app);
		t->client.ops = NULL;
	}
	rte_free(w->app_timers);
	w->app_timers = NULL;
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
	if ((evf & TT_EVF_CONNECTED) && !(c->cflags & (TT_CF_RELEASED | TT_CF_DEAD)) &&
	    ops != NULL && ops->connected != NULL)
		ops->connected(&l->app, h);
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
		struct tt_app_timer *at = conn_timer(w, h);

		if (at != NULL)
			tt_timer_cancel(&w->app_timers->wheel, &at->tm);
		if (ops != NULL && ops->closed != NULL)
			ops->closed(&l->app, h, (enum tt_close_reason)c->close_reason);
		/* The handle dies with this event; the TCB goes back to the pool. */
		tt_conn_free(w, c);
	}
}

/*
 * A connection's timer ran out: 'timeout', if the connection is still the application's
 * (a handle whose TCB moved on, or one closed or released, hears nothing).
 */
static void
app_timer_fire(void *arg, struct tt_timer *tm)
{
	struct tt_worker *w = arg;
	struct tt_app_timer *at = (struct tt_app_timer *)((char *)tm -
							   offsetof(struct tt_app_timer, tm));
	struct tt_conn *c = tt_tcp_usr_conn(w->tcp, at->h);
	struct tt_listener *l;

	if (c == NULL || (c->cflags & TT_CF_RELEASED))
		return;
	l = conn_listener(w->tcp, c);
	if (l != NULL && l->ops != NULL && l->ops->timeout != NULL)
		l->ops->timeout(&l->app, at->h);
}

void
tt_app_run(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;
	struct tt_conn *c;

	if (w->app_timers != NULL)
		tt_wheel_advance(&w->app_timers->wheel, w->clock.ms, app_timer_fire, w);

	for (uint16_t i = 0; i < t->n_listeners; i++) {
		struct tt_listener *l = &t->listeners[i];

		if (l->ops != NULL && l->ops->poll != NULL)
			l->ops->poll(&l->app, w->clock.ms);
	}
	if (t->client.ops != NULL && t->client.ops->poll != NULL)
		t->client.ops->poll(&t->client.app, w->clock.ms);
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

	return l->acceptq != NULL ? rte_ring_count(l->acceptq) : 0;
}

unsigned int
tt_app_accept_burst(struct tt_app_ctx *ctx, unsigned int n)
{
	struct tt_worker *w = ctx_worker(ctx);
	struct tt_listener *l = ctx_listener(ctx);
	struct tt_conn *conns[64];
	unsigned int got;

	if (l->acceptq == NULL)
		return 0;           /* a client context (tt_engine_create_client) */
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

int
tt_app_connect(struct tt_app_ctx *ctx, const struct tt_endpoint *dst, uint64_t udata,
	       tt_conn_t *out)
{
	struct tt_worker *w = ctx_worker(ctx);
	struct tt_conn *c;
	int rc;

	rc = tt_tcp_usr_connect(w, ctx_listener(ctx)->idx, dst->addr, dst->port, udata, &c);
	if (rc == 0)
		*out = tt_conn_handle(w->tcp, c);
	return rc;
}

int
tt_app_endpoints(struct tt_app_ctx *ctx, tt_conn_t h, struct tt_endpoint *local,
		 struct tt_endpoint *peer)
{
	struct tt_conn *c = call_conn(ctx, h);

	if (c == NULL)
		return -ENOTCONN;
	if (local != NULL)
		*local = (struct tt_endpoint){ c->flow.laddr, rte_be_to_cpu_16(c->flow.lport) };
	if (peer != NULL)
		*peer = (struct tt_endpoint){ c->flow.raddr, rte_be_to_cpu_16(c->flow.rport) };
	return 0;
}

int
tt_app_pause_recv(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_conn *c = call_conn(ctx, h);

	if (c == NULL)
		return -ENOTCONN;
	c->aflags |= TT_AF_RCV_PAUSED;
	return 0;
}

int
tt_app_resume_recv(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_conn *c = call_conn(ctx, h);

	if (c == NULL)
		return -ENOTCONN;
	if (c->aflags & TT_AF_RCV_PAUSED) {
		c->aflags &= ~TT_AF_RCV_PAUSED;
		tt_tcp_usr_resume(ctx_worker(ctx), c);
	}
	return 0;
}

int
tt_app_timer(struct tt_app_ctx *ctx, tt_conn_t h, uint32_t ms)
{
	struct tt_worker *w = ctx_worker(ctx);
	struct tt_app_timer *at;

	if (call_conn(ctx, h) == NULL)
		return -ENOTCONN;
	at = conn_timer(w, h);
	if (at == NULL)
		return -ENOBUFS;
	tt_timer_cancel(&w->app_timers->wheel, &at->tm);
	if (ms == 0)
		return 0;
	at->h = h;
	tt_timer_arm(&w->app_timers->wheel, &at->tm, RTE_MIN(ms, (uint32_t)TT_TIMER_MAX_DELAY));
	return 0;
}

int
tt_app_xmit(struct tt_app_ctx *ctx, uint16_t port, struct rte_mbuf *m)
{
	struct tt_worker *w = ctx_worker(ctx);

	if (port >= w->n_ports || rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr)) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	tt_worker_tx(w, port, m);
	return 0;
}

unsigned int
tt_app_n_ports(const struct tt_app_ctx *ctx)
{
	return ((const struct tt_worker *)ctx->engine_priv)->n_ports;
}
