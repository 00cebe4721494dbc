/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application layer's first form (DESIGN "The application layer"): applications run
 * inline on the worker. TCP raises events by marking the TCB (tt_app_event: TT_EVF_* bits and
 * the worker's list of TCBs with events, contract in tcp_conn.h); tt_app_run() delivers them
 * once per loop iteration, after input and timers, never from inside them (STYLE habit 16);
 * the accept queue is the listener's ring, drained by the application.
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

#include <tcpterm/tt_app.h>

#include "../dp/tt_worker.h"
#include "../tcp/tcp_conn.h"

static struct tt_listener *
conn_listener(struct tt_tcp *t, const struct tt_conn *c)
{
	return c->listener < t->n_listeners ? &t->listeners[c->listener] : NULL;
}

/*
 * Mark evf for c and put c on the worker's event list if it is not there yet (evf was 0):
 * O(1), no capacity to run out of, nothing delivered here. Callable from anywhere on the
 * owning worker: input, timers, output, the application's own calls.
 */
void
tt_app_event(struct tt_worker *w, struct tt_conn *c, unsigned int evf)
{
	struct tt_tcp *t = w->tcp;

	if (c->evf == 0) {
		c->ev_next = NULL;
		if (t->ev_tail == NULL)
			t->ev_head = c;
		else
			t->ev_tail->ev_next = c;
		t->ev_tail = c;
	}
	c->evf |= (uint8_t)evf;
}

static struct tt_conn *
event_pop(struct tt_tcp *t)
{
	struct tt_conn *c = t->ev_head;

	if (c != NULL) {
		t->ev_head = c->ev_next;
		if (t->ev_head == NULL)
			t->ev_tail = NULL;
		c->ev_next = NULL;
	}
	return c;
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
	while ((c = event_pop(t)) != NULL)
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

/*
 * What arrived before the accept, as events for this iteration's delivery: payload, then the
 * peer's FIN, then the end.
 */
static void
accept_backlog(struct tt_worker *w, struct tt_conn *c)
{
	if (c->cflags & TT_CF_DEAD) {
		tt_app_event(w, c, TT_EVF_CLOSED);
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
	 * conn_app_ready), which closes the peer's window instead of failing the write.
	 */
	if (len == 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	/* R2: charged at true size; small writes coalesce into the queue's last buffer. */
	if (tt_mem_sndq_add(w, c, m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	tt_conn_schedule_output(w, c);
	return 0;
}

/*
 * RST|ACK <SEQ=SND.MAX> and the end (F8); Linux counts EstabResets for such a close. The
 * application let go of the handle: it hears 'closed' and nothing else (pending payload goes).
 */
static void
app_reset(struct tt_worker *w, struct tt_conn *c)
{
	c->cflags |= TT_CF_RELEASED;
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
