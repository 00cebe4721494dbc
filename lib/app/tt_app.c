/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application layer (DESIGN "The application layer"). TCP raises events by marking the
 * TCB (TT_EVF_* bits and the worker's list of TCBs with events, contract in tcp_conn.h);
 * tt_app_run() takes them off the list once per loop iteration, after input and timers,
 * never from inside them (STYLE habit 16). TCP never calls this layer: it is called by the
 * engine (attach, run, detach) and calls down into TCP (tcp_usrreq.c), DESIGN "Layers".
 *
 * Two placements, one API and one behaviour (the app_lcores tunable):
 *  - inline: the application runs on the worker's lcore; tt_app_run calls its callbacks and
 *    its calls act on the TCB at once (output deferred to the end of the iteration).
 *  - on an lcore of its own, paired with one worker: tt_app_run turns each event into a
 *    record on the worker's event ring; the application's lcore (tt_app_lcore_run) takes
 *    them and calls the callbacks, and runs the polls. Each call becomes a record on the
 *    call ring that the worker executes at its next tt_app_run — the very code the inline
 *    placement runs — while the caller waits for the answer (a lockless mailbox: one flag
 *    with release/acquire), so every call returns what it would inline. A TCB whose
 *    'closed' went on the ring stays allocated (dead) until the application's lcore has
 *    delivered it and says so on the call ring, so a handle's slot is never reused while
 *    events for it are still on their way.
 * Rings only, no locks: the worker never waits for the application (an event ring without
 * room leaves the TCBs on the list for the next iteration), and the application waits only
 * for the worker, which keeps serving calls until the application's lcore has stopped.
 *
 * Each connection may have one timer of the application's (tt_app_timer): a wheel of the
 * layer's own per worker, an entry per TCB slot (a handle's index), so arming one is O(1)
 * and costs the TCB nothing; it fires in tt_app_run, with the other events.
 *
 *   tt_worker_poll -> tt_app_run -> [calls from the ring] -> timers -> events -> callbacks
 *     or the event ring -> (tt_app_lcore_run -> callbacks) -> tt_app_* -> tt_tcp_usr_*
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <tcpterm/tt_app.h>

#include "../dp/tt_worker.h"
#include "../tcp/tcp_conn.h"
#include "tt_app_priv.h"

/* Records the event ring holds (per worker); a TCB gives at most five per delivery. */
#define TT_APP_EVENTS 16384
#define TT_APP_CALLS 64
#define TT_APP_EVF_MAX 5
#define TT_APP_LCORE_BURST 32

struct tt_app_timer {
	struct tt_timer tm;
	tt_conn_t h;            /* the connection that armed it */
};

enum app_ev {
	EV_CONNECTED, EV_DATA, EV_WRITABLE, EV_PEER_CLOSED, EV_CLOSED, EV_TIMEOUT,
};

/* An event on its way to an application on an lcore of its own. */
struct tt_app_event {
	tt_conn_t h;
	uint64_t arg;           /* EV_DATA: the mbuf; EV_CLOSED: the reason */
	uint16_t listener;      /* index in the worker's listeners, or TT_LISTENER_CLIENT */
	uint8_t type;           /* enum app_ev */
	uint8_t pad[5];
};

enum app_op {
	OP_ACCEPT, OP_SEND, OP_SPACE, OP_SHUTDOWN, OP_CLOSE, OP_ABORT, OP_CONNECT, OP_ENDPOINTS,
	OP_PAUSE, OP_RESUME, OP_TIMER, OP_XMIT,
};

/* One call, executed by the worker (inline: at once; else from the call ring). */
struct tt_app_call {
	uint8_t op;             /* enum app_op */
	uint32_t done;          /* the worker answered (release; the caller acquires) */
	int64_t rc;
	struct tt_app_ctx *ctx;
	tt_conn_t h;
	struct rte_mbuf *m;     /* SEND, XMIT */
	uint32_t u32;           /* TIMER: ms; ACCEPT: n; XMIT: port */
	uint64_t udata;         /* CONNECT */
	struct tt_endpoint *ep; /* CONNECT: the destination; ENDPOINTS: local and peer */
	tt_conn_t *out;         /* ACCEPT: the handles; CONNECT: the one */
};

/* On the call ring: a call to answer, or news of a handle from the application's lcore. */
enum app_msg {
	MSG_CALL,
	MSG_CLOSED,             /* its 'closed' was delivered: the TCB may go */
	MSG_DATA_DONE,          /* its 'data' was delivered: the next may come */
};
struct tt_app_msg {
	struct tt_app_call *call;
	tt_conn_t h;
	uint32_t kind;          /* enum app_msg */
	uint32_t pad;
};

/* The application layer's part of one worker. */
struct tt_apps {
	struct tt_wheel wheel;
	uint32_t n;                     /* TCB slots: timers, released[] */
	bool remote;                    /* the applications run on app_lcore */
	unsigned int app_lcore;
	struct rte_ring *calls;         /* application's lcore -> worker, struct tt_app_msg */
	struct rte_ring *events;        /* worker -> application's lcore, struct tt_app_event */
	uint32_t lcore_done;            /* the application's lcore left its loop */
	struct tt_clock clock;          /* the application's lcore's own */
	/* The application's side: it closed or aborted the handle in slot i (remote only). */
	uint8_t *released;
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

static uint32_t
handle_index(tt_conn_t h)
{
	return (uint32_t)(h & 0xffffff);
}

static struct tt_listener *
listener_at(struct tt_tcp *t, uint16_t idx)
{
	if (idx == TT_LISTENER_CLIENT)
		return &t->client;
	return idx < t->n_listeners ? &t->listeners[idx] : NULL;
}

static struct tt_app_timer *
conn_timer(struct tt_worker *w, tt_conn_t h)
{
	struct tt_apps *a = w->apps;
	uint32_t idx = handle_index(h);

	return a != NULL && idx < a->n ? &a->t[idx] : NULL;
}

/* The applications of w run on an lcore of their own. */
static bool
remote(const struct tt_worker *w)
{
	return w->apps != NULL && w->apps->remote;
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

static int
apps_create(struct tt_worker *w, unsigned int app_lcore, char *err, size_t errlen)
{
	uint32_t n = w->tcp->conns.size;
	int socket = rte_socket_id();
	char name[RTE_RING_NAMESIZE];
	struct tt_apps *a;

	a = rte_zmalloc_socket("tt_apps", sizeof(*a) + n * sizeof(a->t[0]), 0, socket);
	w->apps = a;
	if (a == NULL)
		goto nomem;
	a->n = n;
	tt_wheel_init(&a->wheel, w->clock.ms);
	for (uint32_t i = 0; i < n; i++)
		tt_timer_init(&a->t[i].tm, 0);
	if (app_lcore == TT_APP_INLINE)
		return 0;
	a->remote = true;
	a->app_lcore = app_lcore;
	tt_clock_init(&a->clock);
	a->released = rte_zmalloc_socket("tt_app_released", n, 0, socket);
	snprintf(name, sizeof(name), "tt_app_calls_%u", w->id);
	a->calls = rte_ring_create_elem(name, sizeof(struct tt_app_msg), TT_APP_CALLS, socket,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "tt_app_events_%u", w->id);
	a->events = rte_ring_create_elem(name, sizeof(struct tt_app_event), TT_APP_EVENTS,
					 socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (a->released == NULL || a->calls == NULL || a->events == NULL)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "worker %u: no memory for the application layer (%u slots): give EAL more memory (-m)",
		 w->id, n);
	return -ENOMEM;
}

static void
apps_free(struct tt_apps *a)
{
	struct tt_app_event ev;

	if (a == NULL)
		return;
	if (a->events != NULL) {
		while (rte_ring_sc_dequeue_elem(a->events, &ev, sizeof(ev)) == 0)
			if (ev.type == EV_DATA)
				rte_pktmbuf_free((struct rte_mbuf *)(uintptr_t)ev.arg);
		rte_ring_free(a->events);
	}
	rte_ring_free(a->calls);
	rte_free(a->released);
	rte_free(a);
}

static int
attach_one(struct tt_worker *w, struct tt_listener *l, const struct tt_app_def *def,
	   char *err, size_t errlen)
{
	l->app.pool = w->pool;
	l->app.worker = w->id;
	l->app.engine_priv = w;
	if (def == NULL || def->ops == NULL)
		return 0;
	if (def->ops->init != NULL && def->ops->init(&l->app) != 0) {
		if (l->app.listen != NULL)
			snprintf(err, errlen, "worker %u: application %s failed to start on port %u",
				 w->id, def->name != NULL ? def->name : "?", l->app.listen->port);
		else
			snprintf(err, errlen, "worker %u: application %s failed to start", w->id,
				 def->name != NULL ? def->name : "?");
		return -EINVAL;
	}
	l->ops = def->ops;
	return 0;
}

int
tt_app_attach(struct tt_worker *w, const struct tt_app_def *const apps[TT_APP__COUNT],
	      const struct tt_app_def *client, unsigned int app_lcore, char *err,
	      size_t errlen)
{
	struct tt_tcp *t = w->tcp;
	int rc = apps_create(w, app_lcore, err, errlen);

	if (rc != 0)
		return rc;
	for (uint16_t i = 0; i < t->n_listeners; i++) {
		struct tt_listener *l = &t->listeners[i];
		const struct tt_listen_config *lc = &t->cfg->listeners[l->idx];

		l->app.listen = lc;
		rc = attach_one(w, l, apps != NULL ? apps[lc->app] : NULL, err, errlen);
		if (rc != 0)
			return rc;
	}
	t->client.idx = TT_LISTENER_CLIENT;
	t->client.app.listen = NULL;
	return attach_one(w, &t->client, client, err, errlen);
}

void
tt_app_detach(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;

	if (t != NULL) {
		for (uint16_t i = 0; i <= t->n_listeners; i++) {
			struct tt_listener *l = i < t->n_listeners ? &t->listeners[i] : &t->client;

			if (l->ops != NULL && l->ops->fini != NULL)
				l->ops->fini(&l->app);
			l->ops = NULL;
		}
	}
	apps_free(w->apps);
	w->apps = NULL;
}

/* ---- Executing calls (the worker, either placement) ------------------------------------ */

/* The live TCB behind h, for calls: not dead, accepted. */
static struct tt_conn *
call_conn(struct tt_worker *w, tt_conn_t h)
{
	return tt_tcp_usr_conn(w->tcp, h);
}

/* c: h's live TCB. */
static int64_t
exec_timer(struct tt_worker *w, struct tt_conn *c, tt_conn_t h, uint32_t ms)
{
	struct tt_app_timer *at = conn_timer(w, h);

	if (at == NULL)
		return -ENOBUFS;
	tt_timer_cancel(&w->apps->wheel, &at->tm);
	if (ms == 0)
		return 0;
	c->aflags |= TT_AF_TIMER;
	at->h = h;
	tt_timer_arm(&w->apps->wheel, &at->tm, RTE_MIN(ms, (uint32_t)TT_TIMER_MAX_DELAY));
	return 0;
}

static int64_t
exec_accept(struct tt_worker *w, struct tt_listener *l, tt_conn_t *out, unsigned int n)
{
	struct tt_conn *conns[64];
	unsigned int got;

	if (l->acceptq == NULL)
		return 0;           /* a client context (tt_engine_create_client) */
	got = tt_tcp_usr_accept_burst(l, conns, RTE_MIN(n, (unsigned int)RTE_DIM(conns)));
	for (unsigned int i = 0; i < got; i++) {
		out[i] = tt_conn_handle(w->tcp, conns[i]);
		/* What arrived before the accept: raised now, delivered after 'accepted'. */
		tt_tcp_usr_accepted(w, conns[i]);
	}
	return got;
}

/* What the call asks, on the worker that owns the connections; its return value. */
static int64_t
exec(struct tt_worker *w, struct tt_app_call *k)
{
	struct tt_conn *c = NULL;

	switch (k->op) {
	case OP_ACCEPT:
		return exec_accept(w, ctx_listener(k->ctx), k->out, k->u32);
	case OP_CONNECT: {
		int rc = tt_tcp_usr_connect(w, ctx_listener(k->ctx)->idx, k->ep, k->udata, &c);

		if (rc == 0)
			k->out[0] = tt_conn_handle(w->tcp, c);
		return rc;
	}
	case OP_XMIT:
		if (k->u32 >= w->n_ports ||
		    rte_pktmbuf_data_len(k->m) < sizeof(struct rte_ether_hdr)) {
			rte_pktmbuf_free(k->m);
			return -EINVAL;
		}
		tt_worker_tx(w, (uint16_t)k->u32, k->m);
		return 0;
	default:
		break;
	}
	c = call_conn(w, k->h);
	if (c == NULL) {
		if (k->op == OP_SEND)
			rte_pktmbuf_free(k->m);
		return k->op == OP_SPACE ? 0 : -ENOTCONN;
	}
	switch (k->op) {
	case OP_SEND:
		return tt_tcp_usr_send(w, c, k->m);
	case OP_SPACE:
		return tt_tcp_usr_send_space(w, c);
	case OP_SHUTDOWN:
		tt_tcp_usr_shutdown(w, c);
		return 0;
	case OP_CLOSE:
		tt_tcp_usr_close(w, c);
		return 0;
	case OP_ABORT:
		tt_tcp_usr_abort(w, c);
		return 0;
	case OP_ENDPOINTS:
		k->ep[0] = (struct tt_endpoint){ c->flow.laddr, rte_be_to_cpu_16(c->flow.lport) };
		k->ep[1] = (struct tt_endpoint){ c->flow.raddr, rte_be_to_cpu_16(c->flow.rport) };
		if (tt_flow_is_v6(&c->flow)) {
			k->ep[0].addr = k->ep[1].addr = 0;
			k->ep[0].family = k->ep[1].family = AF_INET6;
			memcpy(k->ep[0].addr6, w->net->addrs6[tt_flow_l6_index(&c->flow)].a, 16);
			memcpy(k->ep[1].addr6, tt_in6_addr(w->tcp, c->flow.raddr), 16);
		}
		return 0;
	case OP_PAUSE:
		c->aflags |= TT_AF_RCV_PAUSED;
		return 0;
	case OP_RESUME:
		if (c->aflags & TT_AF_RCV_PAUSED) {
			c->aflags &= ~TT_AF_RCV_PAUSED;
			tt_tcp_usr_resume(w, c);
		}
		return 0;
	case OP_TIMER:
		return exec_timer(w, c, k->h, k->u32);
	default:
		return -EINVAL;
	}
}

/*
 * A call from the application: inline, executed now; from an application's own lcore, put
 * on the call ring and waited for (the worker answers at its next iteration). A close or
 * abort that took is remembered on the application's side, so events already on their way
 * for the handle are not delivered (after close or abort only 'closed' comes, as inline).
 */
static int64_t
call(struct tt_app_ctx *ctx, struct tt_app_call *k)
{
	struct tt_worker *w = ctx_worker(ctx);
	struct tt_apps *a = w->apps;
	struct tt_app_msg msg = { .call = k, .kind = MSG_CALL };

	k->ctx = ctx;
	if (likely(!remote(w)))
		return exec(w, k);
	__atomic_store_n(&k->done, 0, __ATOMIC_RELAXED);
	while (rte_ring_sp_enqueue_elem(a->calls, &msg, sizeof(msg)) != 0)
		rte_pause();
	while (__atomic_load_n(&k->done, __ATOMIC_ACQUIRE) == 0)
		rte_pause();
	/*
	 * Only a close that took: one for a stale handle (-ENOTCONN) must not silence the
	 * connection now in its slot. Events for h still on the ring come after this returns.
	 */
	if ((k->op == OP_CLOSE || k->op == OP_ABORT) && k->rc == 0 && handle_index(k->h) < a->n)
		a->released[handle_index(k->h)] = 1;
	return k->rc;
}

/* The worker: every call waiting on the ring, answered; handles heard closed, freed. */
static void
serve_calls(struct tt_worker *w)
{
	struct tt_apps *a = w->apps;
	struct tt_app_msg msg;

	while (rte_ring_sc_dequeue_elem(a->calls, &msg, sizeof(msg)) == 0) {
		struct tt_conn *c;

		if (msg.kind == MSG_CALL) {
			msg.call->rc = exec(w, msg.call);
			__atomic_store_n(&msg.call->done, 1, __ATOMIC_RELEASE);
			continue;
		}
		c = tt_conn_from_handle(w->tcp, msg.h);
		if (c == NULL)
			continue;
		if (msg.kind == MSG_DATA_DONE) {
			/* What arrived meanwhile was held (conn_app_ready): raised now. */
			c->aflags &= ~TT_AF_DATA_OUT;
			tt_tcp_usr_resume(w, c);
			continue;
		}
		c->aflags |= TT_AF_CLOSED_HEARD;
		if (c->evf == 0)
			tt_conn_free(w, c);  /* else when it comes off the event list (deliver) */
	}
}

void
tt_app_serve(struct tt_worker *w)
{
	if (w->apps != NULL && w->apps->remote)
		serve_calls(w);
}

bool
tt_app_lcore_done(const struct tt_worker *w)
{
	return w->apps == NULL || !w->apps->remote ||
	       __atomic_load_n(&w->apps->lcore_done, __ATOMIC_ACQUIRE) != 0;
}

/* ---- Events ----------------------------------------------------------------------------- */

/* The application's callback for one event; an mbuf it has no callback for is freed. */
static void
callback(struct tt_listener *l, enum app_ev type, tt_conn_t h, uint64_t arg)
{
	const struct tt_app_ops *ops = l->ops;

	switch (type) {
	case EV_CONNECTED:
		if (ops->connected != NULL)
			ops->connected(&l->app, h);
		break;
	case EV_DATA:
		if (ops->data != NULL)
			ops->data(&l->app, h, (struct rte_mbuf *)(uintptr_t)arg);
		else
			rte_pktmbuf_free((struct rte_mbuf *)(uintptr_t)arg);
		break;
	case EV_WRITABLE:
		if (ops->writable != NULL)
			ops->writable(&l->app, h);
		break;
	case EV_PEER_CLOSED:
		if (ops->peer_closed != NULL)
			ops->peer_closed(&l->app, h);
		break;
	case EV_CLOSED:
		if (ops->closed != NULL)
			ops->closed(&l->app, h, (enum tt_close_reason)arg);
		break;
	case EV_TIMEOUT:
		if (ops->timeout != NULL)
			ops->timeout(&l->app, h);
		break;
	}
}

/* One event: to the callback now (inline), or onto the event ring (room checked before). */
static void
emit(struct tt_worker *w, struct tt_listener *l, enum app_ev type, tt_conn_t h, uint64_t arg)
{
	const struct tt_app_ops *ops = l != NULL ? l->ops : NULL;
	struct tt_app_event ev;

	if (ops == NULL) {
		if (type == EV_DATA)
			rte_pktmbuf_free((struct rte_mbuf *)(uintptr_t)arg);
		return;
	}
	if (remote(w)) {
		/* Room was checked (tt_app_run, app_timer_fire): a full ring is a bug. */
		ev = (struct tt_app_event){ .h = h, .arg = arg, .type = (uint8_t)type,
					    .listener = l->idx };
		RTE_VERIFY(rte_ring_sp_enqueue_elem(w->apps->events, &ev, sizeof(ev)) == 0);
		return;
	}
	callback(l, type, h, arg);
}

/*
 * What c's events say, in the contract's order: connected, data, writable, peer_closed,
 * closed. c is off the list and its bits cleared first, so whatever inline callbacks raise
 * (an abort's 'closed') puts it back on the list for later in this same tt_app_run. Nothing
 * but 'closed' after the application closed or aborted (TT_CF_RELEASED). A FIN raised while
 * the payload before it could not be taken (backpressure since) waits for that payload
 * (TT_CF_PEER_FIN). After 'closed' the TCB goes back to the pool: inline at once, else when
 * the application's lcore says it delivered it (TT_AF_CLOSED_HEARD).
 */
static void
deliver(struct tt_worker *w, struct tt_conn *c)
{
	struct tt_tcp *t = w->tcp;
	struct tt_listener *l = listener_at(t, c->listener);
	tt_conn_t h = tt_conn_handle(t, c);
	unsigned int evf = c->evf;
	bool released = c->cflags & TT_CF_RELEASED;

	c->evf = 0;
	if (c->aflags & TT_AF_CLOSED_SENT) {
		/* 'closed' is on the ring already; only the end remains. */
		if (c->aflags & TT_AF_CLOSED_HEARD)
			tt_conn_free(w, c);
		return;
	}
	if ((evf & TT_EVF_CONNECTED) && !released && !(c->cflags & TT_CF_DEAD))
		emit(w, l, EV_CONNECTED, h, 0);
	if ((evf & TT_EVF_DATA) && !(c->cflags & TT_CF_RELEASED)) {
		struct rte_mbuf *m = tt_conn_rcv_take(w, c);

		/*
		 * To an application lcore, one 'data' at a time per connection: until it says it
		 * delivered it, what arrives is held and charged to the connection, whose window
		 * closes — the backpressure a socket nobody reads gives, not an event ring full
		 * of payload taken off every budget.
		 */
		if (m != NULL && remote(w) && l != NULL && l->ops != NULL)
			c->aflags |= TT_AF_DATA_OUT;
		if (m != NULL)
			emit(w, l, EV_DATA, h, (uintptr_t)m);
	}
	if ((evf & TT_EVF_WRITABLE) && !(c->cflags & TT_CF_RELEASED))
		emit(w, l, EV_WRITABLE, h, 0);
	if ((evf & TT_EVF_PEER_CLOSED) && !(c->cflags & TT_CF_RELEASED)) {
		if (c->rcvq != NULL && !(c->cflags & TT_CF_DEAD))
			c->cflags |= TT_CF_PEER_FIN;
		else
			emit(w, l, EV_PEER_CLOSED, h, 0);
	}
	if (evf & TT_EVF_CLOSED) {
		struct tt_app_timer *at = (c->aflags & TT_AF_TIMER) ? conn_timer(w, h) : NULL;

		if (at != NULL)
			tt_timer_cancel(&w->apps->wheel, &at->tm);
		emit(w, l, EV_CLOSED, h, c->close_reason);
		if (remote(w) && l != NULL && l->ops != NULL)
			c->aflags |= TT_AF_CLOSED_SENT;
		else
			tt_conn_free(w, c);    /* the handle dies with this event */
	}
}

/*
 * A connection's timer ran out: 'timeout', if the connection is still the application's
 * (a handle whose TCB moved on, or one closed or released, hears nothing). An event ring
 * without room: 1 ms later.
 */
static void
app_timer_fire(void *arg, struct tt_timer *tm)
{
	struct tt_worker *w = arg;
	struct tt_app_timer *at = (struct tt_app_timer *)((char *)tm -
							   offsetof(struct tt_app_timer, tm));
	struct tt_conn *c = tt_tcp_usr_conn(w->tcp, at->h);

	if (c == NULL || (c->cflags & TT_CF_RELEASED))
		return;
	if (remote(w) && rte_ring_free_count(w->apps->events) == 0) {
		tt_timer_arm(&w->apps->wheel, tm, 1);
		return;
	}
	emit(w, listener_at(w->tcp, c->listener), EV_TIMEOUT, at->h, 0);
}

void
tt_app_run(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;
	struct tt_apps *a = w->apps;
	struct tt_conn *c;

	if (remote(w))
		serve_calls(w);
	if (a != NULL)
		tt_wheel_advance(&a->wheel, w->clock.ms, app_timer_fire, w);
	if (!remote(w)) {
		for (uint16_t i = 0; i <= t->n_listeners; i++) {
			struct tt_listener *l = i < t->n_listeners ? &t->listeners[i] : &t->client;

			if (l->ops != NULL && l->ops->poll != NULL)
				l->ops->poll(&l->app, w->clock.ms);
		}
	}
	/*
	 * Until the list is empty. Callbacks add to it (an abort raises 'closed', an accept the
	 * accepted connection's backlog), but each TCB at most a bounded number of times: a
	 * TCB's 'closed' comes once, and its payload only from input, which does not run here.
	 * To an event ring, only while it has room for a TCB's worth; the rest waits.
	 */
	while ((!remote(w) || rte_ring_free_count(a->events) >= TT_APP_EVF_MAX) &&
	       (c = tt_tcp_event_pop(t)) != NULL)
		deliver(w, c);
}

/* ---- The application's own lcore ----------------------------------------------------- */

/* An event taken off the ring, to its callback; then, for 'closed', the end to the worker. */
static void
lcore_dispatch(struct tt_worker *w, const struct tt_app_event *ev)
{
	struct tt_apps *a = w->apps;
	struct tt_listener *l = listener_at(w->tcp, ev->listener);
	uint32_t idx = handle_index(ev->h);
	bool released = idx < a->n && a->released[idx];
	struct tt_app_msg msg = { .h = ev->h, .kind = MSG_CLOSED };

	if (ev->type == EV_DATA) {
		msg.kind = MSG_DATA_DONE;
		if (released || l == NULL || l->ops == NULL)
			rte_pktmbuf_free((struct rte_mbuf *)(uintptr_t)ev->arg);
		else
			callback(l, EV_DATA, ev->h, ev->arg);
		while (rte_ring_sp_enqueue_elem(a->calls, &msg, sizeof(msg)) != 0)
			rte_pause();
		return;
	}
	if (ev->type == EV_CLOSED) {
		if (l != NULL && l->ops != NULL && l->ops->closed != NULL)
			l->ops->closed(&l->app, ev->h, (enum tt_close_reason)ev->arg);
		while (rte_ring_sp_enqueue_elem(a->calls, &msg, sizeof(msg)) != 0)
			rte_pause();
		return;
	}
	if (released || l == NULL || l->ops == NULL) {
		if (ev->type == EV_DATA)
			rte_pktmbuf_free((struct rte_mbuf *)(uintptr_t)ev->arg);
		return;
	}
	callback(l, (enum app_ev)ev->type, ev->h, ev->arg);
}

void
tt_app_lcore_run(struct tt_worker *w, const volatile bool *quit)
{
	struct tt_apps *a = w->apps;
	struct tt_tcp *t = w->tcp;
	struct tt_app_event evs[TT_APP_LCORE_BURST];

	while (!__atomic_load_n(quit, __ATOMIC_RELAXED)) {
		unsigned int n = rte_ring_sc_dequeue_burst_elem(a->events, evs, sizeof(evs[0]),
								 RTE_DIM(evs), NULL);

		for (unsigned int i = 0; i < n; i++)
			lcore_dispatch(w, &evs[i]);
		tt_clock_update(&a->clock);
		for (uint16_t i = 0; i <= t->n_listeners; i++) {
			struct tt_listener *l = i < t->n_listeners ? &t->listeners[i] : &t->client;

			if (l->ops != NULL && l->ops->poll != NULL)
				l->ops->poll(&l->app, a->clock.ms);
		}
	}
	__atomic_store_n(&a->lcore_done, 1, __ATOMIC_RELEASE);
}

unsigned int
tt_app_lcore(const struct tt_worker *w)
{
	return w->apps != NULL && w->apps->remote ? w->apps->app_lcore : TT_APP_INLINE;
}

/* ---- The API ----------------------------------------------------------------------------- */

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
	tt_conn_t out[64];
	struct tt_app_call k = { .op = OP_ACCEPT, .u32 = n, .out = out };
	unsigned int got;

	/* The ring's count may be read from any lcore: no call when nothing waits. */
	if (l->acceptq == NULL || rte_ring_count(l->acceptq) == 0)
		return 0;
	got = (unsigned int)call(ctx, &k);
	for (unsigned int i = 0; i < got; i++) {
		if (remote(w))
			w->apps->released[handle_index(out[i])] = 0;
		if (l->ops != NULL && l->ops->accepted != NULL)
			l->ops->accepted(ctx, out[i], l->port);
	}
	return got;
}

int
tt_app_send(struct tt_app_ctx *ctx, tt_conn_t h, struct rte_mbuf *m)
{
	struct tt_app_call k = { .op = OP_SEND, .h = h, .m = m };

	return (int)call(ctx, &k);
}

uint32_t
tt_app_send_space(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_app_call k = { .op = OP_SPACE, .h = h };

	return (uint32_t)call(ctx, &k);
}

static int
call_h(struct tt_app_ctx *ctx, enum app_op op, tt_conn_t h, uint32_t u32)
{
	struct tt_app_call k = { .op = (uint8_t)op, .h = h, .u32 = u32 };

	return (int)call(ctx, &k);
}

int
tt_app_shutdown(struct tt_app_ctx *ctx, tt_conn_t h)
{
	return call_h(ctx, OP_SHUTDOWN, h, 0);
}

int
tt_app_close(struct tt_app_ctx *ctx, tt_conn_t h)
{
	return call_h(ctx, OP_CLOSE, h, 0);
}

int
tt_app_abort(struct tt_app_ctx *ctx, tt_conn_t h)
{
	return call_h(ctx, OP_ABORT, h, 0);
}

int
tt_app_pause_recv(struct tt_app_ctx *ctx, tt_conn_t h)
{
	return call_h(ctx, OP_PAUSE, h, 0);
}

int
tt_app_resume_recv(struct tt_app_ctx *ctx, tt_conn_t h)
{
	return call_h(ctx, OP_RESUME, h, 0);
}

int
tt_app_timer(struct tt_app_ctx *ctx, tt_conn_t h, uint32_t ms)
{
	return call_h(ctx, OP_TIMER, h, ms);
}

/*
 * The TCB's own eight bytes, read and written only by the application: its generation says
 * whether h still names it, and a TCB is not reused before the application has heard its
 * 'closed' (see above), so the pointer is good from any lcore until then.
 */
uint64_t *
tt_app_udata(struct tt_app_ctx *ctx, tt_conn_t h)
{
	struct tt_tcp *t = ctx_worker(ctx)->tcp;
	uint32_t idx = handle_index(h);
	struct tt_conn *c;

	if (((h >> 24) & 0xff) != t->worker_id || idx == 0 || idx >= t->conns.size)
		return NULL;
	c = tt_objpool_at(&t->conns, idx);
	/* Atomic: after 'closed' the worker may be freeing the slot (gen++) on its lcore. */
	return __atomic_load_n(&c->gen, __ATOMIC_RELAXED) == (uint32_t)(h >> 32) ? &c->udata :
										     NULL;
}

int
tt_app_connect(struct tt_app_ctx *ctx, const struct tt_endpoint *dst, uint64_t udata,
	       tt_conn_t *out)
{
	struct tt_worker *w = ctx_worker(ctx);
	struct tt_endpoint ep = *dst;
	struct tt_app_call k = { .op = OP_CONNECT, .ep = &ep, .udata = udata, .out = out };
	int rc = (int)call(ctx, &k);

	if (rc == 0 && remote(w))
		w->apps->released[handle_index(*out)] = 0;
	return rc;
}

int
tt_app_endpoints(struct tt_app_ctx *ctx, tt_conn_t h, struct tt_endpoint *local,
		 struct tt_endpoint *peer)
{
	struct tt_endpoint ep[2];
	struct tt_app_call k = { .op = OP_ENDPOINTS, .h = h, .ep = ep };
	int rc = (int)call(ctx, &k);

	if (rc == 0 && local != NULL)
		*local = ep[0];
	if (rc == 0 && peer != NULL)
		*peer = ep[1];
	return rc;
}

int
tt_app_xmit(struct tt_app_ctx *ctx, uint16_t port, struct rte_mbuf *m)
{
	struct tt_app_call k = { .op = OP_XMIT, .m = m, .u32 = port };

	return (int)call(ctx, &k);
}

unsigned int
tt_app_n_ports(const struct tt_app_ctx *ctx)
{
	return ((const struct tt_worker *)ctx->engine_priv)->n_ports;
}

int
tt_app_port_mac(const struct tt_app_ctx *ctx, uint16_t port, struct rte_ether_addr *mac)
{
	const struct tt_worker *w = ctx->engine_priv;

	if (port >= w->n_ports)
		return -EINVAL;
	rte_ether_addr_copy(&w->ports[port].mac, mac);
	return 0;
}
