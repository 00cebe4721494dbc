/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control (SPEC D4; issue 7): the algorithms behind struct tt_cc_ops, chosen per
 * connection by the congestion_control tunable, and a connection's starting window.
 *
 *   tt_conn_passive -> tt_cc_conn_init (IW10, RFC 6928)
 *   tcp_recovery.c  -> ops->cong_avoid (an ACK in the open state), ops->ssthresh (a loss)
 *
 * NewReno (RFC 5681, RFC 6582 for its recovery in tcp_recovery.c): slow start adds what each
 * ACK acknowledges, up to ssthresh, as Linux's tcp_slow_start; congestion avoidance adds one
 * MSS per window's worth of bytes acknowledged (RFC 3465 byte counting), counted in
 * cwnd_cnt, so no division runs per ACK.
 */
#include <string.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"

/* RFC 6928: min(10 * MSS, max(2 * MSS, 14600)); Linux uses ten segments whatever the MSS. */
#define TT_INIT_CWND_SEGS 10

static void
reno_init(struct tt_conn *c)
{
	c->cwnd_cnt = 0;
}

/* RFC 5681 (4) with Linux's choice of cwnd for FlightSize (tcp_reno_ssthresh). */
static uint32_t
reno_ssthresh(const struct tt_conn *c, uint32_t flight)
{
	(void)flight;
	return RTE_MAX(c->cwnd / 2, 2u * c->mss);
}

static void
reno_cong_avoid(struct tt_conn *c, uint32_t acked, uint64_t now_ms)
{
	(void)now_ms;
	if (c->cwnd < c->ssthresh) {
		uint32_t inc = RTE_MIN(acked, c->ssthresh - c->cwnd);

		c->cwnd += inc;
		acked -= inc;
		if (acked == 0)
			return;
	}
	c->cwnd_cnt += acked;
	while (c->cwnd_cnt >= c->cwnd) {
		c->cwnd_cnt -= c->cwnd;
		c->cwnd += c->mss;
	}
}

static const struct tt_cc_ops reno_ops = {
	.name = "reno",
	.init = reno_init,
	.ssthresh = reno_ssthresh,
	.cong_avoid = reno_cong_avoid,
};

const struct tt_cc_ops *const tt_cc_ops[TT_CC__COUNT] = {
	[TT_CC_RENO] = &reno_ops,
};

int
tt_cc_lookup(const char *name)
{
	for (int i = 0; i < TT_CC__COUNT; i++)
		if (strcmp(tt_cc_ops[i]->name, name) == 0)
			return i;
	return -1;
}

void
tt_cc_conn_init(struct tt_worker *w, struct tt_conn *c)
{
	c->cc = (uint8_t)w->tcp->cfg->congestion_control;
	c->cwnd = TT_INIT_CWND_SEGS * (uint32_t)c->mss;
	c->ssthresh = UINT32_MAX;
	c->ca_state = TT_CA_OPEN;
	tt_cc_ops[c->cc]->init(c);
}
