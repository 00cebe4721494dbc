/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hold: a slow application, to show the accept queue filling and draining (SPEC Q3, Q4, O2).
 * It accepts nothing, or at most accept_rate connections a second; what it accepts it
 * keeps open, reading and dropping data, and closes when the peer does.
 */
#include <stdlib.h>

#include <rte_mbuf.h>

#include "apps.h"

struct hold {
	uint64_t next_ms;   /* when the next accept is allowed */
	uint64_t gap_ms;    /* 1000 / accept_rate */
};

static int
hold_init(struct tt_app_ctx *ctx)
{
	struct hold *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -1;
	if (ctx->listen->accept_rate > 0)
		h->gap_ms = 1000 / ctx->listen->accept_rate;
	ctx->priv = h;
	return 0;
}

static void
hold_fini(struct tt_app_ctx *ctx)
{
	free(ctx->priv);
	ctx->priv = NULL;
}

static void
hold_poll(struct tt_app_ctx *ctx, uint64_t now_ms)
{
	struct hold *h = ctx->priv;

	if (ctx->listen->accept_rate == 0 || now_ms < h->next_ms)
		return;
	if (tt_app_accept_burst(ctx, 1) == 1)
		h->next_ms = now_ms + h->gap_ms;
}

static void
hold_data(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m)
{
	(void)ctx;
	(void)c;
	rte_pktmbuf_free(m);
}

static void
hold_peer_closed(struct tt_app_ctx *ctx, tt_conn_t c)
{
	tt_app_close(ctx, c);
}

static const struct tt_app_ops hold_ops = {
	.init = hold_init,
	.fini = hold_fini,
	.poll = hold_poll,
	.data = hold_data,
	.peer_closed = hold_peer_closed,
};

const struct tt_app_def tt_app_hold = { "hold", &hold_ops };
