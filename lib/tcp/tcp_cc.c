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
 * at most, as Linux's bictcp_update once a jiffy.
 *
 * CUBIC's slow start has HyStart++ (RFC 9406; the hystart tunable), as Linux's CUBIC has its
 * own HyStart: tcp_recovery.c hands it each ACK's RTT sample (ops->pkts_acked, before
 * cong_avoid). Rounds end when windowEnd, snd_max at a round's start, is acknowledged; once
 * a round has N_RTT_SAMPLE samples, a minimum RTT that rose by RttThresh over the last
 * round's ends slow start into Conservative Slow Start, a quarter of the growth for
 * CSS_ROUNDS rounds, then congestion avoidance at ssthresh = cwnd; an RTT back below the
 * baseline in CSS resumes slow start (RFC 9406 4.2). Only in the first slow start (4.3): a
 * loss ends it for good.
 */
#include <string.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"
#include "tcp_seq.h"

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

/*
 * HyStart++'s constants (RFC 9406 4.3). L, the cap on what one ACK adds (4.2), is infinite:
 * 4.3 asks 8 segments of a sender that does not pace, as this one, but slow start here adds
 * all an ACK acknowledges, as Linux's tcp_slow_start (a stretch ACK's burst goes out whether
 * the window counts it or not). No floor on the window either (Linux's HyStart waits for
 * hystart_low_window, 16 segments; RFC 9406 has none since its draft 04).
 */
#define HS_N_RTT_SAMPLE      8
#define HS_MIN_RTT_THRESH_MS 4
#define HS_MAX_RTT_THRESH_MS 16
#define HS_MIN_RTT_SHIFT     3        /* MIN_RTT_DIVISOR 8 */
#define HS_CSS_GROWTH_SHIFT  2        /* CSS_GROWTH_DIVISOR 4 */
#define HS_CSS_ROUNDS        5
#define HS_RTT_NONE          UINT32_MAX

static void
hystart_init(struct tt_conn *c)
{
	c->hs_end = c->snd_max;
	c->hs_min = HS_RTT_NONE;
	c->hs_last_min = HS_RTT_NONE;
	c->hs_css_base = HS_RTT_NONE;
	c->hs_samples = 0;
	c->hs_state = TT_HS_SS;
}

/* A round begins (RFC 9406 4.2): the ACK after the one that acknowledged windowEnd. */
static void
hystart_round(struct tt_conn *c)
{
	c->hs_end = c->snd_max;
	c->hs_last_min = c->hs_min;
	c->hs_min = HS_RTT_NONE;
	c->hs_samples = 0;
}

/* A rising RTT ends slow start: CSS (RFC 9406 4.2); counted as Linux counts its HyStart. */
static void
hystart_enter_css(struct tt_worker *w, struct tt_conn *c)
{
	c->hs_css_base = c->hs_min;
	c->hs_state = TT_HS_CSS;
	TT_STAT_INC(&w->stats, TCPHystartDelayDetect);
	/* Segments, as Linux's; the division runs once a slow start, not per ACK. */
	TT_STAT_ADD(&w->stats, TCPHystartDelayCwnd, c->cwnd / c->mss);
}

/*
 * RFC 9406 4.2 for one ACK: the round's minimum RTT over all its samples decides, from the
 * N_RTT_SAMPLE-th on; fewer decide nothing. The ACK acknowledging windowEnd still belongs to
 * the round (its segment was the round's last), as Linux's after(snd_una, end_seq).
 */
static void
cubic_pkts_acked(struct tt_worker *w, struct tt_conn *c, uint32_t rtt)
{
	uint32_t phase = c->hs_state & TT_HS_PHASE, tpm = w->tcp->ticks_per_ms, thresh;

	if (phase == TT_HS_DONE)
		return;
	if (tt_seq_gt(c->snd_una, c->hs_end)) {
		if (phase == TT_HS_CSS) {
			/* CSS_ROUNDS whole rounds in CSS, not counting the one it began in. */
			uint32_t rounds = (c->hs_state >> TT_HS_ROUND_SHIFT) + 1;

			if (rounds > HS_CSS_ROUNDS) {
				c->ssthresh = c->cwnd;
				c->hs_state = TT_HS_DONE;
				return;
			}
			c->hs_state = (uint8_t)(TT_HS_CSS | rounds << TT_HS_ROUND_SHIFT);
		}
		hystart_round(c);
	}
	if (rtt == 0)
		return;
	c->hs_min = RTE_MIN(c->hs_min, rtt);
	if (c->hs_samples < HS_N_RTT_SAMPLE)
		c->hs_samples++;
	if (c->hs_samples < HS_N_RTT_SAMPLE)
		return;
	if (phase == TT_HS_CSS) {
		/* The exit was spurious: slow start again, HyStart++ included. */
		if (c->hs_min < c->hs_css_base) {
			c->hs_css_base = HS_RTT_NONE;
			c->hs_state = TT_HS_SS;
		}
		return;
	}
	if (c->hs_last_min == HS_RTT_NONE)
		return;
	/* RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms) */
	thresh = RTE_MIN(c->hs_last_min >> HS_MIN_RTT_SHIFT, HS_MAX_RTT_THRESH_MS * tpm);
	thresh = RTE_MAX(thresh, HS_MIN_RTT_THRESH_MS * tpm);
	if ((uint64_t)c->hs_min >= (uint64_t)c->hs_last_min + thresh)
		hystart_enter_css(w, c);
}

/* Slow start, a quarter of it in CSS (RFC 9406 4.2: min(N, L * SMSS) / CSS_GROWTH_DIVISOR). */
static uint32_t
cubic_slow_start(struct tt_conn *c, uint32_t acked)
{
	if ((c->hs_state & TT_HS_PHASE) != TT_HS_CSS || c->cwnd >= c->ssthresh)
		return slow_start(c, acked);
	c->cwnd += RTE_MIN(acked >> HS_CSS_GROWTH_SHIFT, c->ssthresh - c->cwnd);
	return 0;
}

static void
cubic_init(struct tt_conn *c)
{
	c->cwnd_cnt = 0;
	c->cubic_wmax = 0;
	c->cubic_epoch = 0;
	hystart_init(c);
}

static uint32_t
cubic_ssthresh(struct tt_conn *c, uint32_t flight)
{
	(void)flight;
	/* RFC 9406 4.2: a loss in slow start or CSS ends both; 4.3: HyStart++ only in the
	 * first slow start. */
	c->hs_state = TT_HS_DONE;
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

	acked = cubic_slow_start(c, acked);
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
	.pkts_acked = cubic_pkts_acked,
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
	if (!w->tcp->cfg->hystart)
		c->hs_state = TT_HS_DONE;
}
