/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * echo: every byte back to its sender, in order (RFC 862 over TCP); on the peer's FIN it
 * closes, so a half-closed client (shutdown(SHUT_WR)) still reads everything (SPEC F2).
 */
#include <rte_mbuf.h>

#include "apps.h"

static void
echo_poll(struct tt_app_ctx *ctx, uint64_t now_ms)
{
	(void)now_ms;
	tt_app_accept_burst(ctx, 32);
}

static void
echo_data(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m)
{
	/* The received mbuf goes straight back: zero copy. */
	if (tt_app_send(ctx, c, m) != 0)
		tt_app_abort(ctx, c);
}

static void
echo_peer_closed(struct tt_app_ctx *ctx, tt_conn_t c)
{
	tt_app_close(ctx, c);
}

static const struct tt_app_ops echo_ops = {
	.poll = echo_poll,
	.data = echo_data,
	.peer_closed = echo_peer_closed,
};

const struct tt_app_def tt_app_echo = { "echo", &echo_ops };
