/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output on the fake clock (lib/tcp/tcp_output.c): the sequence number of segments that
 * carry no data after a retransmission timeout rewound snd_nxt (SPEC D3, F8), and what happens
 * when an mbuf cannot be had for a segment. The pool is emptied on demand (tt_test_pool_hold)
 * to make allocations fail where a test needs it.
 */
#include "tt_test.h"

#define SYN RTE_TCP_SYN_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG

#define S(name) TT_TEST_STAT(env, name)

/* Connected, 3000 bytes sent in three segments that the peer never acknowledges. */
static tt_conn_t
connect_with_flight(struct tt_test_env *env, struct tt_test_peer *p, uint16_t sport)
{
	struct tt_test_seg s;
	tt_conn_t h;

	tt_test_tcp_start_app(env);
	tt_test_peer_init(p, sport, 5000);
	h = tt_test_connect(env, p);
	assert_int_equal(tt_test_app_send(env, h, NULL, 3000), 0);
	tt_test_poll(env);
	for (unsigned int i = 0; i < 3; i++) {
		tt_test_peer_recv(env, p, &s);
		assert_int_equal(s.seq, p->irs + 1 + 1448 * i);
	}
	assert_int_equal(tt_test_tx_count(env), 0);
	return h;
}

/*
 * F8 after an RTO whose retransmission found no mbuf: everything from snd_una is to go again,
 * but the peer holds every byte up to snd_max. A reset <SEQ=SND.UNA> lies below its RCV.NXT:
 * RFC 9293 3.10.7.4 (and Linux's tcp_validate_incoming) drop it, and the peer's connection
 * stays open. As Linux's tcp_send_active_reset (tcp_acceptable_seq), the RST carries the
 * highest sequence sent.
 */
static void
test_rst_after_rto_seq_snd_max(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	uint32_t una, max;
	tt_conn_t h;

	h = connect_with_flight(env, &p, 45000);
	c = tt_test_tcp_conn(env, &p);
	una = c->snd_una;
	max = c->snd_max;
	assert_int_equal(max - una, 3000);
	tt_test_pool_hold(env, 0);
	tt_test_advance(env, 1000);
	/* The RTO fired: every unit deemed lost, cwnd one segment; nothing could be sent. */
	assert_int_equal(c->backoff, 1);
	assert_int_equal(c->ca_state, TT_CA_LOSS);
	assert_int_equal(c->lost_bytes, 3000);
	assert_int_equal(c->retrans_bytes, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	tt_test_pool_release(env);
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST | ACK, max, p.snd_nxt);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_ABORTED);
	assert_int_equal(tt_test_tx_count(env), 0);
}

/*
 * A bare ACK's sequence number (tcp_acceptable_seq): SND.MAX while snd_nxt is rewound; if the
 * peer shrank its window below SND.MAX by more than one unit of its window scale, the
 * window's right edge (a number beyond it would be out of the peer's window).
 */
static void
test_ack_seq_acceptable(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	uint32_t una, max, wnd;
	tt_conn_t h;

	h = connect_with_flight(env, &p, 45001);
	c = tt_test_tcp_conn(env, &p);
	una = c->snd_una;
	max = c->snd_max;
	wnd = c->snd_wnd;
	assert_int_equal(c->snd_wscale, 7);
	/* What an RTO does before the retransmission goes (tcp_timer.c conn_rto). */
	c->snd_nxt = una;
	tt_tcp_send_ack(env->w, c);
	tt_worker_flush(env->w);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, max, p.snd_nxt);
	/* Shrunk to 1000 bytes: the right edge, una + 1000. */
	c->snd_wnd = 1000;
	tt_tcp_send_ack(env->w, c);
	tt_tcp_send_rst_conn(env->w, c);
	tt_worker_flush(env->w);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, una + 1000, p.snd_nxt);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST | ACK, una + 1000, p.snd_nxt);
	/* Short of snd_max by less than the peer's unit (2^7): rounding, not shrinking. */
	c->snd_wnd = 3000 - 100;
	tt_tcp_send_ack(env->w, c);
	tt_worker_flush(env->w);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, max, p.snd_nxt);
	assert_int_equal(tt_test_tx_count(env), 0);
	c->snd_wnd = wnd;
	c->snd_nxt = max;
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST | ACK, max, p.snd_nxt);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
}

/* A counter by name: rows added with these tests are looked up, not compiled in. */
static uint64_t
stat_named(struct tt_test_env *env, const char *name)
{
	int i = tt_stat_lookup(name);

	if (i < 0)
		fail_msg("no counter named %s", name);
	return tt_stats_read(&env->w->stats, (unsigned int)i);
}

/*
 * STYLE habit 15: a data-path allocation that fails is counted and retried. The application
 * queued 100 bytes with nothing in flight, so no retransmission timer will ever run; the
 * segment finds the pool empty. It is counted (MbufTcpOutFails) and the connection tries
 * again on its own within a few milliseconds once mbufs are back, not when the peer happens
 * to send something.
 */
static void
test_alloc_fail_data_retried(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	uint64_t took;
	tt_conn_t h;

	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 45010, 5000);
	h = tt_test_connect(env, &p);
	assert_int_equal(tt_test_app_send(env, h, NULL, 100), 0);
	tt_test_pool_hold(env, 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_true(stat_named(env, "MbufTcpOutFails") >= 1);
	/* Still none: the retries fail too, and are counted. */
	tt_test_advance(env, 5);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_true(stat_named(env, "MbufTcpOutFails") >= 2);
	tt_test_pool_release(env);
	took = tt_test_step_until(env, 10, tt_test_pred_tx, NULL);
	if (took == UINT64_MAX)
		fail_msg("the 100 bytes were not sent within 10 ms of the pool refilling (MbufTcpOutFails %"
			 PRIu64 ")", stat_named(env, "MbufTcpOutFails"));
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, PSH | ACK, p.irs + 1, p.snd_nxt);
	assert_int_equal(s.len, 100);
	assert_int_equal(S(RetransSegs), 0);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	tt_test_tx_drain(env);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
}

/*
 * The ACK (and the echo) owed for the peer's data find no mbuf: both are retried, so the peer
 * gets its acknowledgement without having to retransmit.
 */
static void
test_alloc_fail_ack_retried(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	uint64_t took;
	tt_conn_t h;

	tt_test_tcp_start_app(env);
	env->app->echo = true;
	tt_test_peer_init(&p, 45011, 5000);
	h = tt_test_connect(env, &p);
	/* One mbuf left: the peer's segment takes it; the echo keeps it in the send queue. */
	tt_test_pool_hold(env, 1);
	tt_test_peer_send(env, &p, PSH | ACK, NULL, 50);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_DATA, h)->len, 50);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_true(stat_named(env, "MbufTcpOutFails") >= 1);
	tt_test_pool_release(env);
	took = tt_test_step_until(env, 10, tt_test_pred_tx, NULL);
	if (took == UINT64_MAX)
		fail_msg("no ACK within 10 ms of the pool refilling");
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, PSH | ACK, p.irs + 1, p.snd_nxt);
	assert_int_equal(s.len, 50);
	assert_int_equal(tt_test_tx_count(env), 0);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	tt_test_tx_drain(env);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
}

/* The RST of an abort finds no mbuf: counted as Linux does (TCPAbortFailed); the end is not. */
static void
test_alloc_fail_rst_counted(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	tt_conn_t h;

	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 45012, 5000);
	h = tt_test_connect(env, &p);
	tt_test_pool_hold(env, 0);
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_ABORTED);
	assert_int_equal(stat_named(env, "TCPAbortFailed"), 1);
	assert_int_equal(stat_named(env, "MbufTcpOutFails"), 1);
	assert_int_equal(S(OutRsts), 0);
	assert_int_equal(tt_test_tcp_conns(env), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_rst_after_rto_seq_snd_max),
		T(test_ack_seq_acceptable),
		T(test_alloc_fail_data_retried),
		T(test_alloc_fail_ack_retried),
		T(test_alloc_fail_rst_counted),
#undef T
	};

	if (tt_test_eal_init("tcp_output") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
