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
 *
 * CUBIC (RFC 9438, Linux's default): after a reduction to beta = 0.7 of the window, the
 * window follows W(t) = C (t - K)^3 + W_max, C = 0.4 segments/s^3, K the time back to W_max
 * (concave up to it, convex beyond), with fast convergence (4.7) and the Reno-friendly
 * estimate W_est (4.3) as its floor; the target is W(t + RTT) (4.4), capped at 1.5 cwnd.
 * The arithmetic is in bytes and milliseconds, fixed point; the cube root runs once an
 * epoch, and the one division by a variable (bytes per MSS of growth) once a millisecond
 * at most, as Linux's bictcp_update once a jiffy. Slow start is NewReno's (HyStart++ is not
 * here yet).
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
reno_ssthresh(struct tt_conn *c, uint32_t flight)
{
	(void)flight;
	return RTE_MAX(c->cwnd / 2, 2u * c->mss);
}

/*
 * Slow start, shared by both algorithms (Linux's tcp_slow_start): cwnd grows by what was
 * acknowledged, up to ssthresh; returns what is left for congestion avoidance.
 */
static uint32_t
slow_start(struct tt_conn *c, uint32_t acked)
{
	uint32_t inc;

	if (c->cwnd >= c->ssthresh)
		return acked;
	inc = RTE_MIN(acked, c->ssthresh - c->cwnd);
	c->cwnd += inc;
	return acked - inc;
}

static void
reno_cong_avoid(struct tt_conn *c, uint32_t acked, uint64_t now_ms)
{
	(void)now_ms;
	acked = slow_start(c, acked);
	if (acked == 0)
		return;
	c->cwnd_cnt += acked;
	while (c->cwnd_cnt >= c->cwnd) {
		c->cwnd_cnt -= c->cwnd;
		c->cwnd += c->mss;
	}
}

/* RFC 9438 constants: beta_cubic = 7/10, C = 4/10, alpha_cubic = 3 (1 - beta) / (1 + beta). */
#define CUBIC_BETA_NUM 7
#define CUBIC_BETA_DEN 10
#define CUBIC_ALPHA_MILLI 529       /* 0.529..., per mille */
/* The time to W_max is bounded (a window of 10^9 segments is ~1,400 s away): so is t - K. */
#define CUBIC_T_MAX_MS 100000

/* floor(cbrt(x)) for x < 2^63, by bits (once an epoch). */
static uint64_t
icbrt(uint64_t x)
{
	uint64_t y = 0;

	for (int s = 63; s >= 0; s -= 3) {
		uint64_t b;

		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return y;
}

static void
cubic_init(struct tt_conn *c)
{
	c->cwnd_cnt = 0;
	c->cubic_wmax = 0;
	c->cubic_epoch = 0;
}

static uint32_t
cubic_ssthresh(struct tt_conn *c, uint32_t flight)
{
	(void)flight;
	/* 4.7 fast convergence: a flow whose window fell since last time yields sooner. */
	if (c->cwnd < c->cubic_wmax)
		c->cubic_wmax = (uint32_t)((uint64_t)c->cwnd * (CUBIC_BETA_DEN + CUBIC_BETA_NUM) /
					   (2 * CUBIC_BETA_DEN));
	else
		c->cubic_wmax = c->cwnd;
	c->cubic_epoch = 0;
	return RTE_MAX((uint32_t)((uint64_t)c->cwnd * CUBIC_BETA_NUM / CUBIC_BETA_DEN),
		       2u * c->mss);
}

/* W_cubic(t) in bytes, t in ms since the epoch (RFC 9438 (1)). */
static uint64_t
cubic_w(const struct tt_conn *c, uint32_t t_ms)
{
	int64_t d = (int64_t)RTE_MIN(t_ms, (uint32_t)CUBIC_T_MAX_MS) - (int64_t)c->cubic_k;
	/* C (d / 1000)^3 segments = 4 d^3 / 10^10 segments; times mss before dividing. */
	int64_t delta = 4 * d * d * d / 10000 * (int64_t)c->mss / 1000000;
	int64_t w = (int64_t)c->cubic_wmax + delta;

	return w > 0 ? (uint64_t)w : 0;
}

static void
cubic_cong_avoid(struct tt_conn *c, uint32_t acked, uint64_t now_ms)
{
	uint32_t now = (uint32_t)now_ms | 1, t, rtt = c->srtt8 >> 3;
	uint64_t target;

	acked = slow_start(c, acked);
	if (acked == 0)
		return;
	if (c->cubic_epoch == 0) {
		/* A new epoch (4.2): K from how far below W_max the window starts. */
		c->cubic_epoch = now;
		c->cubic_tick = 0;
		c->cwnd_cnt = 0;
		c->cubic_west = c->cwnd;
		c->cubic_west_cnt = 0;
		if (c->cubic_wmax > c->cwnd) {
			/* K = cbrt((W_max - cwnd) / C) s = cbrt((W_max - cwnd) / mss * 2.5e9) ms */
			uint64_t x = (uint64_t)(c->cubic_wmax - c->cwnd) * 2500000000ull / c->mss;

			c->cubic_k = (uint32_t)RTE_MIN(icbrt(x), (uint64_t)CUBIC_T_MAX_MS);
		} else {
			c->cubic_k = 0;
			c->cubic_wmax = c->cwnd;
		}
	}
	/* 4.3: the window standard TCP would have: alpha MSS more per cwnd acknowledged. */
	c->cubic_west_cnt += acked;
	while (c->cubic_west_cnt >= c->cwnd) {
		c->cubic_west_cnt -= c->cwnd;
		c->cubic_west += c->mss * CUBIC_ALPHA_MILLI / 1000;
	}
	if (c->cubic_tick != now) {
		c->cubic_tick = now;
		t = now - c->cubic_epoch + rtt;
		target = cubic_w(c, t);
		target = RTE_MIN(target, (uint64_t)c->cwnd * 3 / 2);      /* 4.4 */
		target = RTE_MAX(target, (uint64_t)c->cubic_west);        /* 4.3 */
		/* Bytes to acknowledge per MSS of growth: cwnd * mss / (target - cwnd). */
		if (target > c->cwnd)
			c->cubic_bpi = (uint32_t)RTE_MAX((uint64_t)c->cwnd * c->mss /
							 (target - c->cwnd), 1ull);
		else
			c->cubic_bpi = 100u * c->cwnd;   /* at the plateau: barely grow */
	}
	c->cwnd_cnt += acked;
	while (c->cwnd_cnt >= c->cubic_bpi) {
		c->cwnd_cnt -= c->cubic_bpi;
		c->cwnd += c->mss;
	}
}

static const struct tt_cc_ops cubic_ops = {
	.name = "cubic",
	.init = cubic_init,
	.ssthresh = cubic_ssthresh,
	.cong_avoid = cubic_cong_avoid,
};

static const struct tt_cc_ops reno_ops = {
	.name = "reno",
	.init = reno_init,
	.ssthresh = reno_ssthresh,
	.cong_avoid = reno_cong_avoid,
};

const struct tt_cc_ops *const tt_cc_ops[TT_CC__COUNT] = {
	[TT_CC_RENO] = &reno_ops,
	[TT_CC_CUBIC] = &cubic_ops,
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
