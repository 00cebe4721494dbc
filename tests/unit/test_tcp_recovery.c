/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control and loss recovery on the fake clock (lib/tcp/tcp_cc.c,
 * lib/tcp/tcp_recovery.c; SPEC D3, D4; issue 7), against the RFCs' rules:
 *  - IW10 (RFC 6928): ten segments go before any ACK, no more;
 *  - slow start adds what each ACK acknowledges, congestion avoidance one MSS per window
 *    acknowledged (RFC 5681, 3465), and only while the sender is cwnd-limited;
 *  - SACK: the first segment is deemed lost once three above it are SACKed (RFC 6675
 *    IsLost) and retransmitted at once (TCPFastRetrans, TCPSackRecovery); ssthresh is half
 *    the window; recovery ends at ssthresh when the highest sequence sent is acknowledged;
 *  - PRR (RFC 6937): in recovery, the sender sends about ssthresh / RecoverFS of what is
 *    delivered, not a burst;
 *  - NewReno without SACK: three duplicate ACKs retransmit the first segment, each partial
 *    ACK the next (RFC 6582), TCPRenoRecovery;
 *  - a retransmission timeout sends one segment (cwnd = one MSS, RFC 5681 3.1), then two,
 *    then four as ACKs come back: never the whole queue at once (the fuzzer's storm);
 *  - HyStart++ (RFC 9406) in CUBIC's first slow start: a steady RTT leaves it doubling; a
 *    round whose minimum RTT, once 8 samples are in, rose by RttThresh (an eighth of the
 *    last round's, 4 to 16 ms) enters CSS, a quarter of the growth, for five rounds, then
 *    ssthresh = cwnd and CUBIC's avoidance; back under the baseline, slow start again;
 *    NewReno, hystart = 0 and a slow start after a loss have none;
 *  - undo (RFC 3522, RFC 2883): a recovery or a timeout the ACKs show needless is undone;
 *    a late original shows reordering, and D-SACKs widen RACK's window (RFC 8985 6.2).
 */
#include "tt_test.h"

#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define RST RTE_TCP_RST_FLAG
#define S(name) TT_TEST_STAT(env, name)
#define MSS 1448u

static tt_conn_t
start_cc(struct tt_test_env *env, struct tt_test_peer *p, uint16_t sport, bool sack,
	 enum tt_cc_algo cc, struct tt_conn **c)
{
	tt_conn_t h;

	env->cfg.wmem = 1 << 22;
	env->cfg.congestion_control = cc;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(p, sport, 1000);
	p->sack_ok = sack;
	h = tt_test_connect(env, p);
	*c = tt_test_tcp_conn(env, p);
	return h;
}

/* The RFCs' arithmetic in most tests below is Reno's. */
static tt_conn_t
start(struct tt_test_env *env, struct tt_test_peer *p, uint16_t sport, bool sack,
      struct tt_conn **c)
{
	return start_cc(env, p, sport, sack, TT_CC_RENO, c);
}

/* Segments tcpterm sent since the last call: their sequence numbers (relative to base). */
static unsigned int
sent(struct tt_test_env *env, struct tt_test_peer *p, uint32_t base, uint32_t *seqs,
     unsigned int max)
{
	struct tt_test_seg s;
	unsigned int n = 0;

	while (tt_test_tx_count(env) > 0) {
		tt_test_peer_recv(env, p, &s);
		if (s.len == 0)
			continue;
		if (n < max)
			seqs[n] = s.seq - base;
		n++;
	}
	return n;
}

/* An ACK from the peer: cumulative ack (relative), and SACK blocks (relative pairs). */
static void
peer_ack(struct tt_test_env *env, struct tt_test_peer *p, uint32_t base, uint32_t ack,
	 unsigned int n_sack, const uint32_t (*blocks)[2])
{
	uint8_t opts[40], *o = opts;
	struct rte_mbuf *m;

	/* Timestamps as the harness sends them, then SACK. */
	*o++ = 1;
	*o++ = 1;
	*o++ = 8;
	*o++ = 10;
	for (int i = 3; i >= 0; i--)
		*o++ = (uint8_t)(p->tsval >> (8 * i));
	for (int i = 3; i >= 0; i--)
		*o++ = (uint8_t)(p->ts_recent >> (8 * i));
	if (n_sack > 0) {
		*o++ = 1;
		*o++ = 1;
		*o++ = 5;
		*o++ = (uint8_t)(2 + 8 * n_sack);
		for (unsigned int b = 0; b < n_sack; b++)
			for (int e = 0; e < 2; e++)
				for (int i = 3; i >= 0; i--)
					*o++ = (uint8_t)((base + blocks[b][e]) >> (8 * i));
	}
	{
		struct tt_tb tb = tt_tb_defaults(TT_TB_TCP);

		tb.tcp_sport = p->sport;
		tb.tcp_dport = p->dport;
		tb.tcp_seq = p->snd_nxt;
		tb.tcp_ack = base + ack;
		tb.tcp_flags = ACK;
		tb.tcp_win = p->win;
		tb.tcp_opts = opts;
		tb.tcp_opts_len = (uint8_t)(o - opts);
		tb.payload_len = 0;
		tb.ip_src = p->ip;
		m = tt_tb_build(env, &tb);
	}
	p->tsval++;
	tt_test_rx(env, m);
	tt_test_poll(env);
}

static void
finish(struct tt_test_env *env, struct tt_test_peer *p, tt_conn_t h)
{
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	tt_test_tx_drain(env);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
	(void)p;
}

/* IW10, then slow start: each ACK of two segments lets four more go. */
static void
test_iw10_slow_start(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t seqs[64], base;
	tt_conn_t h = start(env, &p, 48000, true, &c);

	base = p.rcv_nxt;
	assert_int_equal(c->cwnd, 10 * MSS);
	assert_int_equal(tt_test_app_send(env, h, NULL, 40 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(sent(env, &p, base, seqs, 64), 10);
	assert_true(c->cflags & TT_CF_CWND_LIMITED);
	peer_ack(env, &p, base, 2 * MSS, 0, NULL);
	assert_int_equal(c->cwnd, 12 * MSS);
	assert_int_equal(sent(env, &p, base, seqs, 64), 4);
	assert_int_equal(seqs[0], 10 * MSS);
	finish(env, &p, h);
}

/* Congestion avoidance: one MSS more per window's worth acknowledged. */
static void
test_congestion_avoidance(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t seqs[64], base, acked = 0;
	tt_conn_t h = start(env, &p, 48001, true, &c);

	base = p.rcv_nxt;
	c->ssthresh = 4 * MSS;
	c->cwnd = 4 * MSS;
	assert_int_equal(tt_test_app_send(env, h, NULL, 200 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(sent(env, &p, base, seqs, 64), 4);
	/* Four ACKs of one segment each: a window's worth, cwnd 4 -> 5 MSS. */
	for (int i = 0; i < 4; i++) {
		acked += MSS;
		peer_ack(env, &p, base, acked, 0, NULL);
		tt_test_tx_drain(env);
	}
	assert_int_equal(c->cwnd, 5 * MSS);
	finish(env, &p, h);
}

/*
 * SACK recovery: ten segments, the first lost. SACKs for 2, 3 (each lets a new segment go,
 * limited transmit), 4: after the third the first is deemed lost and retransmitted at once;
 * ssthresh 5 MSS; PRR lets about one segment in two go while the rest are SACKed; the
 * cumulative ACK ends recovery at ssthresh.
 */
static void
test_sack_recovery_prr(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t seqs[64], base, blk[1][2];
	unsigned int n, during = 0;
	tt_conn_t h = start(env, &p, 48002, true, &c);

	base = p.rcv_nxt;
	assert_int_equal(tt_test_app_send(env, h, NULL, 100 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(sent(env, &p, base, seqs, 64), 10);
	/* An RTT of 5 ms: RACK's reordering window (a quarter of it) keeps segment 1 from
	 * being deemed lost by the first SACKs alone. */
	tt_test_advance(env, 5);
	/* Disorder: each SACKed segment left the network, so one new one may go (RFC 3042). */
	for (uint32_t k = 2; k <= 3; k++) {
		blk[0][0] = MSS;
		blk[0][1] = k * MSS;
		peer_ack(env, &p, base, 0, 1, blk);
		assert_int_equal(sent(env, &p, base, seqs, 64), 1);
		assert_int_equal(seqs[0], (8 + k) * MSS);
		assert_int_equal(c->ca_state, TT_CA_DISORDER);
	}
	blk[0][1] = 4 * MSS;
	peer_ack(env, &p, base, 0, 1, blk);
	assert_int_equal(c->ca_state, TT_CA_RECOVERY);
	assert_int_equal(c->ssthresh, 5 * MSS);
	n = sent(env, &p, base, seqs, 64);
	assert_true(n >= 1);
	assert_int_equal(seqs[0], 0);                 /* the fast retransmit */
	assert_int_equal(S(TCPFastRetrans), 1);
	assert_int_equal(S(TCPSackRecovery), 1);
	/* Segments 5..10 SACKed one by one: PRR lets out about half as many. */
	for (uint32_t k = 5; k <= 10; k++) {
		blk[0][1] = k * MSS;
		peer_ack(env, &p, base, 0, 1, blk);
		during += sent(env, &p, base, seqs, 64);
	}
	print_message("PRR: %u segments sent while 6 were SACKed (RecoverFS 10, ssthresh 5)\n",
		      during);
	assert_in_range(during, 2, 4);
	/* Everything sent so far acknowledged: recovery ends at ssthresh. */
	peer_ack(env, &p, base, c->snd_max - base, 0, NULL);
	assert_int_equal(c->ca_state, TT_CA_OPEN);
	assert_int_equal(c->cwnd, 5 * MSS);
	assert_int_equal(c->lost_bytes + c->sacked_bytes + c->retrans_bytes, 0);
	finish(env, &p, h);
}

/* NewReno, no SACK: three duplicate ACKs, then a partial ACK retransmits the next hole. */
static void
test_newreno(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t seqs[64], base;
	tt_conn_t h = start(env, &p, 48003, false, &c);

	base = p.rcv_nxt;
	assert_false(c->flags & TT_CONN_SACK);
	assert_int_equal(tt_test_app_send(env, h, NULL, 10 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(sent(env, &p, base, seqs, 64), 10);
	/* Segments 1 and 4 lost: duplicate ACKs at 0. */
	for (int i = 0; i < 2; i++) {
		peer_ack(env, &p, base, 0, 0, NULL);
		assert_int_equal(sent(env, &p, base, seqs, 64), 0);
	}
	peer_ack(env, &p, base, 0, 0, NULL);
	assert_int_equal(c->ca_state, TT_CA_RECOVERY);
	assert_int_equal(sent(env, &p, base, seqs, 64), 1);
	assert_int_equal(seqs[0], 0);
	assert_int_equal(S(TCPRenoRecovery), 1);
	/* The retransmission fills the first hole: a partial ACK up to the second. */
	peer_ack(env, &p, base, 3 * MSS, 0, NULL);
	assert_int_equal(c->ca_state, TT_CA_RECOVERY);
	assert_true(sent(env, &p, base, seqs, 64) >= 1);
	assert_int_equal(seqs[0], 3 * MSS);
	peer_ack(env, &p, base, 10 * MSS, 0, NULL);
	assert_int_equal(c->ca_state, TT_CA_OPEN);
	assert_int_equal(S(TCPFastRetrans), 2);
	finish(env, &p, h);
}

/*
 * A retransmission timeout with 40 segments out: one goes again, then two, then four as
 * each is acknowledged (slow start from one segment), in order.
 */
static void
test_rto_one_segment(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t seqs[64], base, acked = 0;
	tt_conn_t h = start(env, &p, 48004, true, &c);

	base = p.rcv_nxt;
	c->cwnd = 40 * MSS;
	assert_int_equal(tt_test_app_send(env, h, NULL, 40 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(sent(env, &p, base, seqs, 64), 40);
	tt_test_advance(env, 1000);
	assert_int_equal(S(TCPTimeouts), 1);
	assert_int_equal(c->ca_state, TT_CA_LOSS);
	assert_int_equal(c->cwnd, MSS);
	assert_int_equal(c->ssthresh, 20 * MSS);
	assert_int_equal(sent(env, &p, base, seqs, 64), 1);
	assert_int_equal(seqs[0], 0);
	for (unsigned int want = 2, next = MSS; want <= 8; want *= 2) {
		unsigned int n;

		acked += (want / 2) * MSS;
		peer_ack(env, &p, base, acked, 0, NULL);
		n = sent(env, &p, base, seqs, 64);
		assert_int_equal(n, want);
		for (unsigned int i = 0; i < n; i++)
			assert_int_equal(seqs[i], next + i * MSS);
		next += n * MSS;
	}
	assert_int_equal(S(TCPSlowStartRetrans), 1 + 2 + 4 + 8);
	finish(env, &p, h);
}

/* Drive CUBIC for ms milliseconds from t0, a window acknowledged every rtt_ms. */
static void
cubic_run(struct tt_conn *c, uint64_t t0, uint32_t ms, uint32_t rtt_ms, double *at,
	  const uint32_t *when, unsigned int n_when)
{
	const struct tt_cc_ops *ops = tt_cc_ops[TT_CC_CUBIC];

	for (uint32_t t = 1; t <= ms; t++) {
		ops->cong_avoid(c, c->cwnd / rtt_ms, t0 + t);
		for (unsigned int i = 0; i < n_when; i++)
			if (t == when[i])
				at[i] = (double)c->cwnd / MSS;
	}
}

/*
 * CUBIC (RFC 9438). A loss at 100 segments leaves 70 (beta 0.7) and K = cbrt(30 / 0.4) =
 * 4.217 s. With a 100 ms RTT (RTT not added to t here) the window follows the cubic curve:
 * concave below W_max, W(K / 2) = 100 - 0.4 * 2.108^3 = 96.25, W_max at K, convex beyond,
 * W(K + 2 s) = 103.2 segments. With a 10 ms RTT the Reno-friendly estimate (4.3) is above
 * the curve and sets the pace: 0.529 segments an RTT, about 53 a second. A second loss
 * below W_max remembers 0.85 of the window (fast convergence, 4.7).
 */
static void
test_cubic_curve(void **state)
{
	struct tt_test_env *env = *state;
	const struct tt_cc_ops *ops = tt_cc_ops[TT_CC_CUBIC];
	static const uint32_t when[] = { 2108, 4217, 6217 };
	struct tt_test_peer p;
	struct tt_conn *c;
	double at[3], reno[1];
	tt_conn_t h = start(env, &p, 48005, true, &c);

	assert_int_equal(tt_cc_lookup("cubic"), TT_CC_CUBIC);
	assert_int_equal(tt_cc_lookup("reno"), TT_CC_RENO);
	assert_int_equal(tt_cc_lookup("vegas"), -1);
	c->cc = TT_CC_CUBIC;
	ops->init(c);
	c->srtt8 = 0;
	c->cwnd = 100 * MSS;
	c->ssthresh = ops->ssthresh(c, c->cwnd);
	assert_int_equal(c->ssthresh, 70 * MSS);
	assert_int_equal(c->cubic_wmax, 100 * MSS);
	c->cwnd = c->ssthresh;
	cubic_run(c, 100000, 6300, 100, at, when, 3);
	print_message("CUBIC, 100 ms RTT: K %u ms; W(K/2) %.1f, W(K) %.1f, W(K+2s) %.1f segments\n",
		      c->cubic_k, at[0], at[1], at[2]);
	assert_in_range(c->cubic_k, 4210, 4224);
	assert_true(at[0] >= 94 && at[0] <= 98);
	assert_true(at[1] >= 98.5 && at[1] <= 101.5);
	assert_true(at[2] >= 101.5 && at[2] <= 105);

	/* Again from 100 with a 10 ms RTT: the Reno-friendly region. */
	c->cwnd = 100 * MSS;
	c->cubic_wmax = 0;
	c->ssthresh = ops->ssthresh(c, c->cwnd);
	c->cwnd = c->ssthresh;
	cubic_run(c, 200000, 1000, 10, reno, (const uint32_t[]){ 1000 }, 1);
	print_message("CUBIC, 10 ms RTT: %.1f segments 1 s after the loss (Reno-friendly ~123)\n",
		      reno[0]);
	assert_true(reno[0] >= 115 && reno[0] <= 131);

	/* Fast convergence: a loss at 90 segments, below W_max, remembers 0.85 of it. */
	c->cwnd = 90 * MSS;
	c->cubic_wmax = 100 * MSS;
	c->ssthresh = ops->ssthresh(c, c->cwnd);
	assert_int_equal(c->cubic_wmax, 90 * MSS * 17 / 20);
	assert_int_equal(c->ssthresh, 63 * MSS);
	c->cc = TT_CC_RENO;
	finish(env, &p, h);
}

/*
 * TLP (RFC 8985 7): ten segments, the last lost, everything before it acknowledged. No
 * three duplicate ACKs can come; instead of the RTO (1 s), the probe at PTO = 2 SRTT + the
 * peer's delayed ACK (one segment out), at least 10 ms: the last segment again, once
 * (TCPLossProbes). Its ACK ends the episode and counts the repair (TCPLossProbeRecovery).
 */
static void
test_tlp_tail(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t seqs[64], base;
	uint64_t t0;
	tt_conn_t h = start(env, &p, 48006, true, &c);

	base = p.rcv_nxt;
	assert_int_equal(tt_test_app_send(env, h, NULL, 10 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(sent(env, &p, base, seqs, 64), 10);
	peer_ack(env, &p, base, 9 * MSS, 0, NULL);
	assert_int_equal(c->rtx.kind, TT_TMR_TLP);
	t0 = tt_test_now(env);
	tt_test_step_until(env, 1000, tt_test_pred_tx, NULL);
	print_message("TLP: probe %" PRIu64 " ms after the last ACK (SRTT %u ms)\n",
		      tt_test_now(env) - t0, c->srtt8 >> 3);
	assert_true(tt_test_now(env) - t0 < 400);
	assert_int_equal(sent(env, &p, base, seqs, 64), 1);
	assert_int_equal(seqs[0], 9 * MSS);
	assert_int_equal(S(TCPLossProbes), 1);
	assert_int_equal(S(TCPTimeouts), 0);
	peer_ack(env, &p, base, 10 * MSS, 0, NULL);
	assert_int_equal(S(TCPLossProbeRecovery), 1);
	assert_false(c->cflags & TT_CF_TLP_OUT);
	finish(env, &p, h);
}

/*
 * RACK (RFC 8985 6): in recovery, the retransmission of segment 1 is lost again. Segments
 * sent after it are SACKed; once an RTT (plus no reordering window: in recovery) has passed
 * since it was sent, RACK deems it lost and it goes a third time, without waiting for the
 * RTO (TCPLostRetransmit).
 */
static void
test_rack_lost_retransmission(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t seqs[64], base, blk[1][2];
	unsigned int n;
	tt_conn_t h = start(env, &p, 48007, true, &c);

	base = p.rcv_nxt;
	assert_int_equal(tt_test_app_send(env, h, NULL, 60 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(sent(env, &p, base, seqs, 64), 10);
	tt_test_advance(env, 5);
	blk[0][0] = MSS;
	for (uint32_t k = 2; k <= 4; k++) {
		blk[0][1] = k * MSS;
		peer_ack(env, &p, base, 0, 1, blk);
	}
	assert_int_equal(c->ca_state, TT_CA_RECOVERY);
	n = sent(env, &p, base, seqs, 64);
	assert_true(n >= 3);
	/* two new segments (limited transmit), then the retransmission, lost again */
	assert_int_equal(seqs[n - 1], 0);
	/* 5 ms later, SACKs for what was sent after it. */
	tt_test_advance(env, 5);
	tt_test_tx_drain(env);
	for (uint32_t k = 5; k <= 10; k++) {
		blk[0][1] = k * MSS;
		peer_ack(env, &p, base, 0, 1, blk);
		tt_test_tx_drain(env);
		assert_int_equal(S(TCPLostRetransmit), 0);   /* sent before it: no verdict */
	}
	/* What was sent with it (at the same time, higher sequence) arrives: it is lost. */
	blk[0][1] = c->snd_max - base;
	peer_ack(env, &p, base, 0, 1, blk);
	n = sent(env, &p, base, seqs, 64);
	assert_true(n >= 1);
	assert_int_equal(seqs[0], 0);                  /* the third copy, before any RTO */
	assert_int_equal(S(TCPLostRetransmit), 1);
	assert_int_equal(S(TCPTimeouts), 0);
	finish(env, &p, h);
}

/* ---- HyStart++ (RFC 9406) in CUBIC's slow start ---------------------------------------- */

#define HS_MS(env, ms) ((uint32_t)(ms) * (env)->w->tcp->ticks_per_ms)
#define HS_ALL UINT32_MAX
#define HS_PHASE(c) ((c)->hs_state & TT_HS_PHASE)

/*
 * The algorithm alone: a TCB outside the flow table, and the ms clock cong_avoid is given;
 * the ACK path below calls the algorithm as tt_recovery_ack does (pkts_acked, then
 * cong_avoid).
 */
struct hs_sim {
	struct tt_test_env *env;
	uint64_t now;
	struct tt_conn conn;
};

/* A new TCB with algorithm cc and the tunables of env, its IW10 just sent. */
static struct tt_conn *
hs_conn(struct hs_sim *sim, enum tt_cc_algo cc)
{
	struct tt_test_env *env = sim->env;
	struct tt_conn *c = &sim->conn;

	if (env->w->tcp == NULL)
		tt_test_tcp_start_app(env);
	if (sim->now == 0)
		sim->now = 100000;
	env->cfg.congestion_control = cc;
	memset(c, 0, sizeof(*c));
	c->mss = MSS;
	c->snd_una = c->snd_max = 1000;
	tt_cc_conn_init(env->w, c);
	assert_int_equal(c->cc, cc);
	c->snd_max += c->cwnd;
	return c;
}

/*
 * One round of a cwnd-limited sender: the flight out now acknowledged per_ack bytes at a
 * time, rtt ticks after it went; the first `samples` ACKs carry that RTT sample, the others
 * none; the window refilled after each ACK. Returns a quarter of each ACK, summed: what CSS
 * adds in the round.
 */
static uint32_t
hs_round(struct hs_sim *sim, uint32_t rtt, uint32_t per_ack, uint32_t samples)
{
	struct tt_conn *c = &sim->conn;
	const struct tt_cc_ops *ops = tt_cc_ops[c->cc];
	uint32_t end = c->snd_max, quarter = 0;

	sim->now += rtt / sim->env->w->tcp->ticks_per_ms;
	while (c->snd_una != end) {
		uint32_t acked = RTE_MIN(per_ack, end - c->snd_una);

		c->snd_una += acked;
		if (ops->pkts_acked != NULL)
			ops->pkts_acked(sim->env->w, c, samples > 0 ? rtt : 0);
		samples -= samples > 0;
		ops->cong_avoid(c, acked, sim->now);
		quarter += acked / 4;
		c->snd_max = c->snd_una + c->cwnd;
	}
	return quarter;
}

/*
 * A steady RTT never ends slow start: the window doubles each round (ACKs of two
 * segments), nor does jitter under RttThresh (50 ms / 8 = 6.25 ms: 56 ms after 50 is not a
 * rise).
 */
static void
test_hystart_steady_rtt(void **state)
{
	struct tt_test_env *env = *state;
	struct hs_sim sim = { .env = env };
	struct tt_conn *c;

	c = hs_conn(&sim, TT_CC_CUBIC);
	assert_int_equal(HS_PHASE(c), TT_HS_SS);
	for (int r = 0; r < 10; r++) {
		uint32_t before = c->cwnd;

		hs_round(&sim, HS_MS(env, 50), 2 * MSS, HS_ALL);
		assert_int_equal(c->cwnd, 2 * before);
		assert_int_equal(HS_PHASE(c), TT_HS_SS);
	}
	assert_int_equal(c->cwnd, 10240 * MSS);
	assert_int_equal(c->ssthresh, UINT32_MAX);

	c = hs_conn(&sim, TT_CC_CUBIC);
	for (int r = 0; r < 8; r++) {
		uint32_t before = c->cwnd;

		hs_round(&sim, HS_MS(env, r % 2 ? 56 : 50), 2 * MSS, HS_ALL);
		assert_int_equal(c->cwnd, 2 * before);
		assert_int_equal(HS_PHASE(c), TT_HS_SS);
	}
	assert_int_equal(S(TCPHystartDelayDetect), 0);
	assert_int_equal(S(TCPHystartDelayCwnd), 0);
}

/*
 * RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms), and a round exits at lastRoundMinRTT
 * + RttThresh, not a tick below: after 10 ms, 4 ms (not 1.25); after 80 ms, 10 ms; after
 * 200 ms, 16 ms (not 25).
 */
static void
test_hystart_threshold(void **state)
{
	struct tt_test_env *env = *state;
	static const uint32_t last[] = { 10, 80, 200 }, thresh[] = { 4, 10, 16 };
	struct hs_sim sim = { .env = env };
	struct tt_conn *c;

	for (unsigned int i = 0; i < RTE_DIM(last); i++)
		for (uint32_t exact = 0; exact <= 1; exact++) {
			c = hs_conn(&sim, TT_CC_CUBIC);
			hs_round(&sim, HS_MS(env, last[i]), 2 * MSS, HS_ALL);
			hs_round(&sim, HS_MS(env, last[i] + thresh[i]) - 1 + exact, 2 * MSS,
				 HS_ALL);
			assert_int_equal(HS_PHASE(c), exact ? TT_HS_CSS : TT_HS_SS);
		}
	assert_int_equal(S(TCPHystartDelayDetect), 3);
}

/* Three rounds at 50 ms, doubling to 80 segments, then one at 60 ms: CSS. */
static struct tt_conn *
hs_to_css(struct hs_sim *sim)
{
	struct tt_conn *c = hs_conn(sim, TT_CC_CUBIC);

	for (int r = 0; r < 3; r++)
		hs_round(sim, HS_MS(sim->env, 50), 2 * MSS, HS_ALL);
	assert_int_equal(c->cwnd, 80 * MSS);
	hs_round(sim, HS_MS(sim->env, 60), 2 * MSS, HS_ALL);
	assert_int_equal(HS_PHASE(c), TT_HS_CSS);
	return c;
}

/*
 * The RTT rises by more than RttThresh after round 3 (50 -> 60 ms; 6.25 ms): round 4 exits
 * slow start into CSS at its eighth ACK, counted with the window then (80 segments + 7 ACKs
 * of two = 94); from that ACK on the window grows by a quarter of what is acknowledged, for
 * the rest of that round and five more; the next round's first ACK sets ssthresh = cwnd and
 * CUBIC's congestion avoidance takes over, from W_max = cwnd (RFC 9406 4.2).
 */
static void
test_hystart_css_then_ca(void **state)
{
	struct tt_test_env *env = *state;
	struct hs_sim sim = { .env = env };
	struct tt_conn *c;
	uint32_t before, quarter, end;

	c = hs_to_css(&sim);
	assert_int_equal(c->hs_css_base, HS_MS(env, 60));
	assert_int_equal(S(TCPHystartDelayDetect), 1);
	assert_int_equal(S(TCPHystartDelayCwnd), 94);
	assert_int_equal(c->cwnd, 94 * MSS + 33 * (2 * MSS / 4));
	for (int r = 1; r <= 5; r++) {
		before = c->cwnd;
		quarter = hs_round(&sim, HS_MS(env, 60), 2 * MSS, HS_ALL);
		print_message("CSS round %d: cwnd %.2f -> %.2f segments\n", r,
			      (double)before / MSS, (double)c->cwnd / MSS);
		assert_int_equal(c->cwnd - before, quarter);
		assert_int_equal(HS_PHASE(c), TT_HS_CSS);
		assert_int_equal(c->ssthresh, UINT32_MAX);
	}
	end = c->cwnd;
	hs_round(&sim, HS_MS(env, 60), 2 * MSS, HS_ALL);
	assert_int_equal(HS_PHASE(c), TT_HS_DONE);
	assert_int_equal(c->ssthresh, end);
	assert_int_not_equal(c->cubic_epoch, 0);
	assert_int_equal(c->cubic_wmax, end);
	print_message("CSS ended at %.2f segments; CUBIC's first round: %.2f\n",
		      (double)end / MSS, (double)c->cwnd / MSS);
	assert_true(c->cwnd >= end && c->cwnd < end + end / 10);
	assert_int_equal(S(TCPHystartDelayDetect), 1);
}

/*
 * In CSS the RTT falls back under the baseline (60 -> 55 ms): at that round's eighth ACK,
 * slow start again (the exit was spurious), full growth from that ACK on, doubling the
 * round after; HyStart++ runs again: a rise over 55 ms + 6.875 exits once more.
 */
static void
test_hystart_css_back_to_slow_start(void **state)
{
	struct tt_test_env *env = *state;
	struct hs_sim sim = { .env = env };
	struct tt_conn *c;
	uint32_t before, flight;

	c = hs_to_css(&sim);
	before = c->cwnd;
	flight = c->snd_max - c->snd_una;
	hs_round(&sim, HS_MS(env, 55), 2 * MSS, HS_ALL);
	assert_int_equal(HS_PHASE(c), TT_HS_SS);
	assert_int_equal(c->hs_css_base, UINT32_MAX);
	assert_int_equal(c->cwnd - before, 7 * (2 * MSS / 4) + flight - 14 * MSS);
	before = c->cwnd;
	hs_round(&sim, HS_MS(env, 55), 2 * MSS, HS_ALL);
	assert_int_equal(c->cwnd, 2 * before);
	assert_int_equal(S(TCPHystartDelayDetect), 1);
	hs_round(&sim, HS_MS(env, 62), 2 * MSS, HS_ALL);
	assert_int_equal(HS_PHASE(c), TT_HS_CSS);
	assert_int_equal(S(TCPHystartDelayDetect), 2);
	assert_int_equal(c->ssthresh, UINT32_MAX);
}

/*
 * A round with fewer than N_RTT_SAMPLE (8) samples decides nothing, however far the RTT
 * rose (50 -> 200 ms): seven ACKs a round; eight ACKs of which one carries no RTT sample.
 * Eight samples decide (the control).
 */
static void
test_hystart_few_samples(void **state)
{
	struct tt_test_env *env = *state;
	struct hs_sim sim = { .env = env };
	struct tt_conn *c;

	for (uint32_t acks = 7; acks <= 8; acks++)
		for (uint32_t samples = acks - 1; samples <= acks; samples++) {
			c = hs_conn(&sim, TT_CC_CUBIC);
			for (int r = 0; r < 3; r++) {
				uint32_t per_ack = (c->snd_max - c->snd_una + acks - 1) / acks;

				hs_round(&sim, HS_MS(env, r < 2 ? 50 : 200), per_ack,
					 r < 2 ? HS_ALL : samples);
			}
			print_message("%u ACKs, %u RTT samples in the round: %s\n", acks, samples,
				      HS_PHASE(c) == TT_HS_CSS ? "CSS" : "slow start");
			if (samples >= 8) {
				assert_int_equal(HS_PHASE(c), TT_HS_CSS);
			} else {
				assert_int_equal(HS_PHASE(c), TT_HS_SS);
				assert_int_equal(c->cwnd, 80 * MSS);
			}
		}
	assert_int_equal(S(TCPHystartDelayDetect), 1);
}

/*
 * NewReno has no HyStart++ (as Linux's reno has none): the same rise leaves its slow start
 * doubling. Nor has CUBIC with hystart = 0, or after a loss set ssthresh (RFC 9406 4.3: only
 * the first slow start).
 */
static void
test_hystart_not_reno(void **state)
{
	struct tt_test_env *env = *state;
	struct hs_sim sim = { .env = env };
	struct tt_conn *c;

	assert_null(tt_cc_ops[TT_CC_RENO]->pkts_acked);
	assert_non_null(tt_cc_ops[TT_CC_CUBIC]->pkts_acked);
	for (int k = 0; k < 3; k++) {
		env->cfg.hystart = k != 1;
		c = hs_conn(&sim, k == 0 ? TT_CC_RENO : TT_CC_CUBIC);
		if (k == 2) {
			/* A loss early on: ssthresh from CUBIC (raised: slow start runs on). */
			c->ssthresh = tt_cc_ops[c->cc]->ssthresh(c, c->cwnd) * 100;
			assert_int_equal(HS_PHASE(c), TT_HS_DONE);
		}
		for (int r = 0; r < 4; r++)
			hs_round(&sim, HS_MS(env, r < 3 ? 50 : 100), 2 * MSS, HS_ALL);
		assert_int_equal(c->cwnd, 160 * MSS);
	}
	assert_int_equal(S(TCPHystartDelayDetect), 0);
}

/*
 * Slow start through the stack, segment by segment: each round's flight acknowledged
 * rtt_ms[r] after it went, one ACK a segment, so every ACK gives RACK, and through it the
 * algorithm, an RTT sample; data is queued ahead so the sender stays cwnd-limited.
 */
static void
hs_stack(struct tt_test_env *env, enum tt_cc_algo cc, uint32_t hystart, uint32_t *cwnd)
{
	static const uint32_t rtt_ms[] = { 10, 10, 15 };
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t seqs[8], base, acked = 0;
	unsigned int n;
	tt_conn_t h;

	env->cfg.hystart = hystart;
	h = start_cc(env, &p, 48100, true, cc, &c);
	base = p.rcv_nxt;
	assert_int_equal(tt_test_app_send(env, h, NULL, 20 * MSS), 0);
	tt_test_poll(env);
	n = sent(env, &p, base, seqs, RTE_DIM(seqs));
	assert_int_equal(n, 10);
	for (unsigned int r = 0; r < RTE_DIM(rtt_ms); r++) {
		unsigned int next = 0;

		tt_test_advance(env, rtt_ms[r]);
		for (unsigned int i = 0; i < n; i++) {
			assert_int_equal(tt_test_app_send(env, h, NULL, 2 * MSS), 0);
			acked += MSS;
			peer_ack(env, &p, base, acked, 0, NULL);
			next += sent(env, &p, base, seqs, RTE_DIM(seqs));
		}
		n = next;
	}
	assert_int_equal(S(TCPTimeouts) + S(TCPLossProbes), 0);
	*cwnd = c->cwnd;
	finish(env, &p, h);
}

/*
 * Through the stack, RTT 10, 10, then 15 ms (RttThresh 4 ms): CUBIC's third round exits
 * into CSS at its eighth ACK (40 + 7 segments), a quarter of a segment an ACK after.
 */
static void
test_hystart_stack_cubic(void **state)
{
	struct tt_test_env *env = *state;
	uint32_t cwnd;

	hs_stack(env, TT_CC_CUBIC, 1, &cwnd);
	assert_int_equal(S(TCPHystartDelayDetect), 1);
	assert_int_equal(S(TCPHystartDelayCwnd), 47);
	assert_int_equal(cwnd, 47 * MSS + 33 * (MSS / 4));
}

/* The same rounds with hystart = 0, and with NewReno: slow start doubles, 80 segments. */
static void
test_hystart_stack_off(void **state)
{
	struct tt_test_env *env = *state;
	uint32_t cwnd;

	hs_stack(env, TT_CC_CUBIC, 0, &cwnd);
	assert_int_equal(cwnd, 80 * MSS);
	assert_int_equal(S(TCPHystartDelayDetect), 0);
}

static void
test_hystart_stack_reno(void **state)
{
	struct tt_test_env *env = *state;
	uint32_t cwnd;

	hs_stack(env, TT_CC_RENO, 1, &cwnd);
	assert_int_equal(cwnd, 80 * MSS);
	assert_int_equal(S(TCPHystartDelayDetect), 0);
}

/* ---- Undo of needless reductions (RFC 3522, RFC 2883, Linux's tcp_try_undo_*) ---------- */

/*
 * Ten segments out at TSval T, then SACKs of segments 1-3 5 ms later: segment 0 is deemed
 * lost and retransmitted at TSval T + 5, recovery halves the window. Returns T.
 */
static uint32_t
spurious_fast_retransmit(struct tt_test_env *env, struct tt_test_peer *p, struct tt_conn *c,
			 tt_conn_t h, uint32_t base)
{
	const uint32_t mss = c->mss, sack[1][2] = { { mss, 4 * mss } };
	uint32_t seqs[64], t;

	assert_int_equal(tt_test_app_send(env, h, NULL, 10 * mss), 0);
	tt_test_poll(env);
	assert_int_equal(sent(env, p, base, seqs, 64), 10);
	t = p->ts_recent;
	tt_test_advance(env, 5);
	peer_ack(env, p, base, 0, 1, sack);
	assert_int_equal(c->ca_state, TT_CA_RECOVERY);
	assert_int_equal(S(TCPFastRetrans), 1);
	assert_int_equal(sent(env, p, base, seqs, 64), 1);
	assert_int_equal(seqs[0], 0);
	return t;
}

/*
 * RFC 3522: the ACK ending recovery echoes the original's TSval, older than the
 * retransmission's: the original was only late. The window goes back (TCPFullUndo).
 */
static void
test_undo_by_timestamps(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	tt_conn_t h = start(env, &p, 48100, true, &c);
	uint32_t base = p.rcv_nxt, t = spurious_fast_retransmit(env, &p, c, h, base);

	assert_int_equal(c->ssthresh, 5 * MSS);
	p.ts_recent = t;
	peer_ack(env, &p, base, 10 * MSS, 0, NULL);
	assert_int_equal(S(TCPFullUndo), 1);
	assert_int_equal(c->ca_state, TT_CA_OPEN);
	assert_int_equal(c->cwnd, 10 * MSS);
	assert_int_equal(c->ssthresh, UINT32_MAX);
	finish(env, &p, h);
}

/* The same ACK echoing the retransmission's TSval: a real loss, the reduction stays. */
static void
test_no_undo_for_real_loss(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	tt_conn_t h = start(env, &p, 48101, true, &c);
	uint32_t base = p.rcv_nxt;

	spurious_fast_retransmit(env, &p, c, h, base);
	peer_ack(env, &p, base, 10 * MSS, 0, NULL);     /* p.ts_recent: the retransmission's */
	assert_int_equal(S(TCPFullUndo), 0);
	assert_int_equal(c->ca_state, TT_CA_OPEN);
	assert_int_equal(c->ssthresh, 5 * MSS);
	assert_int_equal(c->cwnd, 5 * MSS);
	finish(env, &p, h);
}

/*
 * Without timestamps: recovery ends reduced; then a D-SACK for segment 0 shows its one
 * retransmission needless (RFC 2883 4.1.1): undone (TCPDSACKUndo), and RACK's reordering
 * window grows a step (RFC 8985 6.2 step 4).
 */
static void
test_undo_by_dsack(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t dsack[1][2] = { { 0, 0 } }, base, mss;
	tt_conn_t h;

	env->cfg.wmem = 1 << 22;
	env->cfg.congestion_control = TT_CC_RENO;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 48102, 1000);
	p.ts = false;
	h = tt_test_connect(env, &p);
	c = tt_test_tcp_conn(env, &p);
	base = p.rcv_nxt;
	mss = c->mss;
	assert_int_equal(mss, 1460);
	spurious_fast_retransmit(env, &p, c, h, base);
	peer_ack(env, &p, base, 10 * mss, 0, NULL);
	assert_int_equal(c->cwnd, 5 * mss);
	assert_int_equal(c->reo_steps, 0);
	assert_false(c->flags & TT_CONN_REORD);
	assert_int_equal(tt_test_app_send(env, h, NULL, mss), 0);   /* something outstanding */
	tt_test_poll(env);
	tt_test_tx_drain(env);
	/* An inverted block below the ACK is no D-SACK (Linux's tcp_dsack_seen): no undo. */
	dsack[0][0] = mss;
	peer_ack(env, &p, base, 10 * mss, 1, dsack);
	assert_int_equal(S(TCPSACKDiscard), 1);
	assert_int_equal(S(TCPDSACKUndo), 0);
	assert_int_equal(c->cwnd, 5 * mss);
	dsack[0][0] = 0;
	dsack[0][1] = mss;
	peer_ack(env, &p, base, 10 * mss, 1, dsack);
	assert_int_equal(S(TCPDSACKRecv), 1);
	assert_int_equal(S(TCPDSACKUndo), 1);
	assert_int_equal(c->cwnd, 10 * mss);
	assert_int_equal(c->ssthresh, UINT32_MAX);
	assert_int_equal(c->reo_steps, 1);
	/* RFC 8985 6.2: a D-SACK widens the window; only a late original shows reordering. */
	assert_false(c->flags & TT_CONN_REORD);
	finish(env, &p, h);
}

/*
 * A timeout inside fast recovery (Linux's tcp_enter_loss): the loss state, cwnd one segment,
 * but no second cut of ssthresh, whose recovery already halved it.
 */
static void
test_rto_in_recovery(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	tt_conn_t h = start(env, &p, 48105, true, &c);

	spurious_fast_retransmit(env, &p, c, h, p.rcv_nxt);
	assert_int_equal(c->ssthresh, 5 * MSS);
	tt_test_step_until(env, 5000, tt_test_pred_tx, NULL);
	assert_int_equal(S(TCPTimeouts), 1);
	assert_int_equal(c->ca_state, TT_CA_LOSS);
	assert_int_equal(c->cwnd, MSS);
	assert_int_equal(c->ssthresh, 5 * MSS);
	tt_test_tx_drain(env);
	finish(env, &p, h);
}

/*
 * A timeout, then an ACK of the original segments (their TSval echoed): the timeout was
 * spurious (TCPSpuriousRTOs, TCPLossUndo); the window is back and nothing more is
 * retransmitted, though the timeout had deemed all ten lost; the one retransmitted, still
 * queued, counts in flight once.
 */
static void
test_spurious_rto(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t seqs[64], base, t;
	tt_conn_t h = start(env, &p, 48103, false, &c);

	base = p.rcv_nxt;
	assert_int_equal(tt_test_app_send(env, h, NULL, 10 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(sent(env, &p, base, seqs, 64), 10);
	t = p.ts_recent;
	tt_test_step_until(env, 5000, tt_test_pred_tx, NULL);
	assert_int_equal(S(TCPTimeouts), 1);
	assert_int_equal(c->ca_state, TT_CA_LOSS);
	assert_int_equal(c->cwnd, MSS);
	assert_int_equal(sent(env, &p, base, seqs, 64), 1);
	/* Part of the first segment (the retransmitted one stays queued, cut). */
	p.ts_recent = t;
	peer_ack(env, &p, base, 700, 0, NULL);
	assert_int_equal(S(TCPSpuriousRTOs), 1);
	assert_int_equal(S(TCPLossUndo), 1);
	assert_int_equal(c->ca_state, TT_CA_OPEN);
	assert_int_equal(c->cwnd, 10 * MSS);
	assert_int_equal(c->lost_bytes, 0);
	assert_int_equal(c->retrans_bytes, 0);  /* RETRANS within LOST (fuzz: undo-unmark-retrans) */
	assert_int_equal(sent(env, &p, base, seqs, 64), 0);
	assert_int_equal(S(RetransSegs), 1);
	finish(env, &p, h);
}

/*
 * RFC 8985 6.2 step 3: segment 0, never retransmitted, acknowledged after segments 1 and 2
 * were SACKed, within RACK's reordering window: the path reorders (TCPSACKReorder), so RACK
 * keeps its reordering window even once loss is certain.
 */
static void
test_reordering_seen(void **state)
{
	static const uint32_t sack[1][2] = { { MSS, 3 * MSS } };
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t seqs[64], base;
	tt_conn_t h = start(env, &p, 48104, true, &c);

	base = p.rcv_nxt;
	assert_int_equal(tt_test_app_send(env, h, NULL, 10 * MSS), 0);
	tt_test_poll(env);
	assert_int_equal(sent(env, &p, base, seqs, 64), 10);
	/* 4 ms of RTT: RACK waits a quarter of it before deeming segment 0 lost. */
	tt_test_advance(env, 4);
	peer_ack(env, &p, base, 0, 1, sack);
	assert_int_equal(c->lost_bytes, 0);
	assert_int_equal(S(TCPSACKReorder), 0);
	assert_false(c->flags & TT_CONN_REORD);
	peer_ack(env, &p, base, 3 * MSS, 0, NULL);
	assert_int_equal(S(TCPSACKReorder), 1);
	assert_true(c->flags & TT_CONN_REORD);
	assert_int_equal(S(RetransSegs), 0);
	finish(env, &p, h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_iw10_slow_start),
		T(test_congestion_avoidance),
		T(test_sack_recovery_prr),
		T(test_newreno),
		T(test_rto_one_segment),
		T(test_cubic_curve),
		T(test_tlp_tail),
		T(test_rack_lost_retransmission),
		T(test_undo_by_timestamps),
		T(test_no_undo_for_real_loss),
		T(test_undo_by_dsack),
		T(test_spurious_rto),
		T(test_rto_in_recovery),
		T(test_reordering_seen),
		T(test_hystart_steady_rtt),
		T(test_hystart_threshold),
		T(test_hystart_css_then_ca),
		T(test_hystart_css_back_to_slow_start),
		T(test_hystart_few_samples),
		T(test_hystart_not_reno),
		T(test_hystart_stack_cubic),
		T(test_hystart_stack_off),
		T(test_hystart_stack_reno),
#undef T
	};

	if (tt_test_eal_init("tcp_recovery") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
