/* SPDX-License-Identifier: BSD-3-Clause */
/* discard: read and drop everything (RFC 863 over TCP); close when the peer closes. */
#include <rte_mbuf.h>

#include "apps.h"

static void
discard_poll(struct tt_app_ctx *ctx, uint64_t now_ms)
{
	(void)now_ms;
	tt_app_accept_burst(ctx, 32);
}

static void
discard_data(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m)
{
	(void)ctx;
	(void)c;
	rte_pktmbuf_free(m);
}

static void
discard_peer_closed(struct tt_app_ctx *ctx, tt_conn_t c)
{
	tt_app_close(ctx, c);
}

static const struct tt_app_ops discard_ops = {
	.poll = discard_poll,
	.data = discard_data,
	.peer_closed = discard_peer_closed,
};

const struct tt_app_def tt_app_discard = { "discard", &discard_ops };
