/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy: an L4 proxy (SPEC A2). Each accepted client is paired with a connection tcpterm
 * opens to a backend that proxy_balance.c picks, and bytes are spliced both ways as the
 * mbufs they arrived in (zero copy). For one client, in event order:
 *
 *   'accepted'      pause the client's receive, tt_app_connect to a backend, arm the timer
 *   'connected'     PROXY header (proxy_header.c) if asked, then resume the client
 *   'data'          tt_app_send to the other side; its send queue full -> pause this side
 *   'writable'      the other side paused for this one's queue -> resume it
 *   'peer_closed'   tt_app_shutdown the other side (half-close carried across, SPEC F2);
 *                   both sides' FINs seen -> tt_app_close both
 *   'closed'        an error on one side -> tt_app_abort the other (RST carried across);
 *                   a backend that never connected (refused, timed out, unreachable) ->
 *                   skipped for backend_fail_skip s and the next one tried; none left ->
 *                   RST to the client
 *   'timeout'       the connect took connect_timeout ms: as a failed connect
 *
 * Both connections' udata name their pair (index and side), so every event finds it in
 * O(1). The pairs of a listener on a worker sit in one table allocated at init, as many as
 * the worker's TCBs (max_conns), so a client never finds it full while a TCB is left.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "apps.h"
#include "proxy.h"

enum { PX_C, PX_S };   /* a pair's sides: the client, the server (backend) */

#define PF_CONNECTED   0x01u               /* the backend's handshake completed */
#define PF_FIN(side)   (0x02u << (side))   /* that side's peer sent FIN */
#define PF_PAUSED(side) (0x08u << (side))  /* that side paused: the other's queue is full */
#define PF_ABORTING    0x20u               /* both sides reset: no retry, no more splicing */

struct tt_proxy_pair {
	tt_conn_t conn[2];     /* by side; 0 once that side's 'closed' came (or was given up) */
	struct rte_mbuf *held; /* client bytes that came before 'connected' despite the pause */
	uint32_t client_addr;  /* network order: the source hash's input */
	uint16_t tried;        /* backends this client's connects went to, a bit each */
	uint8_t backend;       /* conn[PX_S]'s backend */
	uint8_t flags;
};
static_assert(TT_MAX_BACKENDS <= 16, "tried has a bit per backend");

static uint32_t proxy_max_conns = 65536;

void
tt_app_proxy_setup(const struct tt_config *cfg)
{
	proxy_max_conns = cfg->max_conns;
	tt_proxy_telemetry_register();
}

static inline uint64_t
pair_udata(uint32_t idx, unsigned int side)
{
	/* +1: udata 0 is what an accepted connection starts with, before 'accepted' sets it. */
	return ((uint64_t)idx + 1) << 1 | side;
}

/*
 * The pair of c and c's side, or NULL when c is no longer its pair's (a connect attempt
 * given up after a timeout still delivers its 'closed'; its pair may even serve another
 * client by then, whose handles differ in their generation).
 */
static struct tt_proxy_pair *
pair_of(struct tt_app_ctx *ctx, tt_conn_t c, unsigned int *side)
{
	struct tt_proxy *px = ctx->priv;
	uint64_t *u = tt_app_udata(ctx, c), idx;
	struct tt_proxy_pair *p;

	if (u == NULL || *u == 0)
		return NULL;
	idx = (*u >> 1) - 1;
	if (idx >= px->n_pairs)
		return NULL;
	p = &px->pairs[idx];
	*side = (unsigned int)(*u & 1);
	return p->conn[*side] == c ? p : NULL;
}

static inline uint32_t
pair_idx(const struct tt_proxy *px, const struct tt_proxy_pair *p)
{
	return (uint32_t)(p - px->pairs);
}

static void
pair_free(struct tt_proxy *px, struct tt_proxy_pair *p)
{
	rte_pktmbuf_free(p->held);
	*p = (struct tt_proxy_pair){ 0 };
	px->free[px->n_free++] = pair_idx(px, p);
	px->pairs_used--;
}

/* Reset both sides; their 'closed' events free the pair. */
static void
pair_abort(struct tt_proxy *px, struct tt_proxy_pair *p)
{
	p->flags |= PF_ABORTING;
	for (unsigned int s = PX_C; s <= PX_S; s++)
		if (p->conn[s] != 0)
			tt_app_abort(px->ctx, p->conn[s]);
}

static void
backend_failed(struct tt_proxy *px, unsigned int i)
{
	px->be_st[i].connects_failed++;
	tt_proxy_bal_fail(&px->bal, i, px->now_ms, px->ctx->listen->backend_fail_skip);
}

/*
 * Connect the client of p to the next backend it has not tried; none left (or no TCB for
 * any) -> RST to the client, whose 'closed' frees the pair.
 */
static void
connect_next(struct tt_proxy *px, struct tt_proxy_pair *p)
{
	const struct tt_listen_config *lc = px->ctx->listen;

	for (;;) {
		int i = tt_proxy_bal_pick(&px->bal, p->tried, p->client_addr, px->now_ms);
		struct tt_endpoint dst;
		tt_conn_t s;
		int rc;

		if (i < 0)
			break;
		if (p->tried != 0)
			px->st.retries++;
		p->tried |= (uint16_t)(1u << i);
		dst = (struct tt_endpoint){ lc->backends.b[i].addr, lc->backends.b[i].port,
					    lc->backends.b[i].family };
		memcpy(dst.addr6, lc->backends.b[i].addr6, sizeof(dst.addr6));
		rc = tt_app_connect(px->ctx, &dst, pair_udata(pair_idx(px, p), PX_S), &s);
		if (rc == 0) {
			p->conn[PX_S] = s;
			p->backend = (uint8_t)i;
			px->bal.be[i].active++;
			if (tt_app_timer(px->ctx, s, lc->connect_timeout) != 0)
				tt_app_abort(px->ctx, s);   /* its 'closed' retries */
			return;
		}
		/* No route to it is the backend's problem; no local port for it, only its own. */
		if (rc == -ENETUNREACH)
			backend_failed(px, (unsigned int)i);
		else if (rc != -EADDRNOTAVAIL)
			break;   /* -ENOBUFS: no TCB left, no other backend would fare better */
	}
	px->st.no_backend++;
	tt_app_abort(px->ctx, p->conn[PX_C]);
}

/* The connect of p's server side failed or was given up (conn[PX_S] already dead). */
static void
attempt_failed(struct tt_proxy *px, struct tt_proxy_pair *p)
{
	px->bal.be[p->backend].active--;
	p->conn[PX_S] = 0;
	if (p->conn[PX_C] == 0 || (p->flags & PF_ABORTING))
		return;   /* the client left: not the backend's fault */
	backend_failed(px, p->backend);
	connect_next(px, p);
}

/*
 * m from side `from` to the other side. Its send queue full afterwards (send space 0,
 * which promises a 'writable') -> stop reading `from` until then: what `from` sends waits
 * in its receive queue, then in its peer's, as the window closes (end-to-end
 * backpressure), instead of piling up in the other side's send queue.
 */
static void
splice(struct tt_proxy *px, struct tt_proxy_pair *p, unsigned int from, struct rte_mbuf *m)
{
	unsigned int to = !from;
	uint32_t len = rte_pktmbuf_pkt_len(m);

	if (p->conn[to] == 0 || tt_app_send(px->ctx, p->conn[to], m) != 0) {
		if (p->conn[to] == 0)
			rte_pktmbuf_free(m);
		pair_abort(px, p);
		return;
	}
	if (from == PX_C)
		px->be_st[p->backend].bytes_to_backend += len;
	else
		px->be_st[p->backend].bytes_from_backend += len;
	if (!(p->flags & PF_PAUSED(from)) && tt_app_send_space(px->ctx, p->conn[to]) == 0) {
		p->flags |= PF_PAUSED(from);
		tt_app_pause_recv(px->ctx, p->conn[from]);
	}
}

/* HAProxy's PROXY header first on the backend connection: the client's address and port. */
static int
send_proxy_header(struct tt_proxy *px, struct tt_proxy_pair *p, uint32_t version)
{
	struct tt_endpoint local, peer;
	struct rte_mbuf *m;
	int n;

	if (tt_app_endpoints(px->ctx, p->conn[PX_C], &local, &peer) != 0)
		return -ENOTCONN;
	m = rte_pktmbuf_alloc(px->ctx->pool);
	if (m == NULL)
		return -ENOBUFS;
	if (version == 1)
		n = tt_proxy_hdr_v1(rte_pktmbuf_mtod(m, char *), rte_pktmbuf_tailroom(m), &peer,
				    &local);
	else
		n = tt_proxy_hdr_v2(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_tailroom(m), &peer,
				    &local);
	if (n < 0 || rte_pktmbuf_append(m, (uint16_t)n) == NULL) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	return tt_app_send(px->ctx, p->conn[PX_S], m);
}

static void
proxy_accepted(struct tt_app_ctx *ctx, tt_conn_t c, uint16_t local_port)
{
	struct tt_proxy *px = ctx->priv;
	struct tt_endpoint peer = { 0 };
	struct tt_proxy_pair *p;
	uint32_t idx;

	(void)local_port;
	px->st.clients++;
	if (px->n_free == 0) {
		px->st.table_full++;
		tt_app_abort(ctx, c);
		return;
	}
	idx = px->free[--px->n_free];
	px->pairs_used++;
	p = &px->pairs[idx];
	*p = (struct tt_proxy_pair){ .conn = { c, 0 } };
	*tt_app_udata(ctx, c) = pair_udata(idx, PX_C);
	/* Nothing to send the client's bytes to yet: they wait in its receive queue. */
	tt_app_pause_recv(ctx, c);
	tt_app_endpoints(ctx, c, NULL, &peer);
	p->client_addr = peer.addr;
	/* An IPv6 client's address folded to the 32 bits the source hash takes. */
	for (unsigned int i = 0; peer.family == AF_INET6 && i < 16; i += 4) {
		uint32_t x;

		memcpy(&x, peer.addr6 + i, 4);
		p->client_addr ^= x;
	}
	connect_next(px, p);
}

static void
proxy_connected(struct tt_app_ctx *ctx, tt_conn_t s)
{
	struct tt_proxy *px = ctx->priv;
	const struct tt_listen_config *lc = ctx->listen;
	unsigned int side;
	struct tt_proxy_pair *p = pair_of(ctx, s, &side);

	if (p == NULL || side != PX_S) {
		tt_app_abort(ctx, s);
		return;
	}
	tt_app_timer(ctx, s, 0);
	p->flags |= PF_CONNECTED;
	px->be_st[p->backend].connects_ok++;
	/* It answers: no longer skipped (it may have been tried as the last resort). */
	px->bal.be[p->backend].skip_until = 0;
	if (p->conn[PX_C] == 0 ||
	    (lc->proxy_protocol != 0 && send_proxy_header(px, p, lc->proxy_protocol) != 0)) {
		pair_abort(px, p);
		return;
	}
	if (p->held != NULL) {
		struct rte_mbuf *m = p->held;

		p->held = NULL;
		splice(px, p, PX_C, m);
	}
	if (p->flags & PF_FIN(PX_C))
		tt_app_shutdown(ctx, s);
	/* Unless the held bytes just filled the backend's queue: then 'writable' resumes it. */
	if (!(p->flags & PF_PAUSED(PX_C)))
		tt_app_resume_recv(ctx, p->conn[PX_C]);
}

static void
proxy_data(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m)
{
	struct tt_proxy *px = ctx->priv;
	unsigned int side;
	struct tt_proxy_pair *p = pair_of(ctx, c, &side);

	if (p == NULL || (p->flags & PF_ABORTING)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (side == PX_C && !(p->flags & PF_CONNECTED)) {
		/* Raised before the pause took: keep it for 'connected', as the queue would. */
		if (p->held == NULL)
			p->held = m;
		else if (rte_pktmbuf_chain(p->held, m) != 0) {
			rte_pktmbuf_free(m);
			pair_abort(px, p);
		}
		return;
	}
	splice(px, p, side, m);
}

static void
proxy_writable(struct tt_app_ctx *ctx, tt_conn_t c)
{
	unsigned int side, other;
	struct tt_proxy_pair *p = pair_of(ctx, c, &side);

	if (p == NULL)
		return;
	other = !side;
	if ((p->flags & PF_PAUSED(other)) && p->conn[other] != 0) {
		p->flags &= ~PF_PAUSED(other);
		tt_app_resume_recv(ctx, p->conn[other]);
	}
}

/*
 * side's peer sent FIN: FIN to the other side after what is queued there (half-close
 * carried across, SPEC F2); once both have, release both. A client's FIN before the
 * backend answered waits for 'connected' (and any retry).
 */
static void
carry_fin(struct tt_app_ctx *ctx, struct tt_proxy_pair *p, unsigned int side)
{
	unsigned int other = !side;

	if (p->flags & PF_FIN(side))
		return;
	p->flags |= PF_FIN(side);
	if (p->conn[other] != 0 && (side == PX_S || (p->flags & PF_CONNECTED)))
		tt_app_shutdown(ctx, p->conn[other]);
	if ((p->flags & PF_FIN(PX_C)) && (p->flags & PF_FIN(PX_S)))
		for (unsigned int s = PX_C; s <= PX_S; s++)
			if (p->conn[s] != 0)
				tt_app_close(ctx, p->conn[s]);
}

static void
proxy_peer_closed(struct tt_app_ctx *ctx, tt_conn_t c)
{
	unsigned int side;
	struct tt_proxy_pair *p = pair_of(ctx, c, &side);

	if (p != NULL && !(p->flags & PF_ABORTING))
		carry_fin(ctx, p, side);
}

static void
proxy_closed(struct tt_app_ctx *ctx, tt_conn_t c, enum tt_close_reason why)
{
	struct tt_proxy *px = ctx->priv;
	unsigned int side, other;
	struct tt_proxy_pair *p = pair_of(ctx, c, &side);

	if (p == NULL)
		return;
	other = !side;
	if (side == PX_S && !(p->flags & PF_CONNECTED)) {
		attempt_failed(px, p);
	} else {
		if (side == PX_S)
			px->bal.be[p->backend].active--;
		p->conn[side] = 0;
		if (p->flags & PF_ABORTING)
			goto out;
		if (why == TT_CLOSE_NORMAL) {
			/*
			 * Both FINs exchanged. After our shutdown the peer's FIN ends the
			 * connection (TIME_WAIT) with 'closed' alone, no 'peer_closed': carry it.
			 */
			carry_fin(ctx, p, side);
		} else if (p->conn[other] != 0) {
			/* An RST (or a timeout) on one side is one on the other. */
			p->flags |= PF_ABORTING;
			tt_app_abort(ctx, p->conn[other]);
		}
	}
out:
	if (p->conn[PX_C] == 0 && p->conn[PX_S] == 0)
		pair_free(px, p);
}

static void
proxy_timeout(struct tt_app_ctx *ctx, tt_conn_t s)
{
	struct tt_proxy *px = ctx->priv;
	unsigned int side;
	struct tt_proxy_pair *p = pair_of(ctx, s, &side);

	if (p == NULL || side != PX_S || (p->flags & PF_CONNECTED))
		return;
	/* Given up: its 'closed' finds conn[PX_S] changed and is ignored. */
	tt_app_abort(ctx, s);
	attempt_failed(px, p);
	if (p->conn[PX_C] == 0 && p->conn[PX_S] == 0)
		pair_free(px, p);
}

static void
proxy_poll(struct tt_app_ctx *ctx, uint64_t now_ms)
{
	struct tt_proxy *px = ctx->priv;

	px->now_ms = now_ms;
	tt_app_accept_burst(ctx, 32);
}

static void
proxy_fini(struct tt_app_ctx *ctx)
{
	struct tt_proxy *px = ctx->priv;

	if (px == NULL)
		return;
	tt_proxy_telemetry_del(px);
	for (uint32_t i = 0; i < px->n_pairs; i++)
		rte_pktmbuf_free(px->pairs[i].held);
	free(px->pairs);
	free(px->free);
	free(px);
	ctx->priv = NULL;
}

/*
 * The table is malloc'd, not rte_malloc'd: it is touched only by its worker, allocated
 * once here on the control path, and ASan sees overflows of it.
 */
static int
proxy_init(struct tt_app_ctx *ctx)
{
	struct tt_proxy *px = calloc(1, sizeof(*px));

	if (px == NULL)
		return -ENOMEM;
	px->ctx = ctx;
	px->n_pairs = proxy_max_conns;
	px->pairs = calloc(px->n_pairs, sizeof(*px->pairs));
	px->free = calloc(px->n_pairs, sizeof(*px->free));
	if (px->pairs == NULL || px->free == NULL) {
		free(px->pairs);
		free(px->free);
		free(px);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < px->n_pairs; i++)
		px->free[i] = px->n_pairs - 1 - i;
	px->n_free = px->n_pairs;
	tt_proxy_bal_init(&px->bal, ctx->listen);
	ctx->priv = px;
	tt_proxy_telemetry_add(px);
	return 0;
}

static const struct tt_app_ops proxy_ops = {
	.init = proxy_init,
	.fini = proxy_fini,
	.poll = proxy_poll,
	.accepted = proxy_accepted,
	.connected = proxy_connected,
	.data = proxy_data,
	.writable = proxy_writable,
	.peer_closed = proxy_peer_closed,
	.closed = proxy_closed,
	.timeout = proxy_timeout,
};

const struct tt_app_def tt_app_proxy = { "proxy", &proxy_ops };
