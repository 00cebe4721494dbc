/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keepalive (SPEC D6; issue 7) on the fake clock, as Linux's tcp_keepalive_timer with the
 * listener's keepalive on and keepalive_time 10 s, keepalive_intvl 2 s, keepalive_probes 3:
 *  - an idle connection is probed at 10 s with <SEQ=SND.UNA-1><CTL=ACK>, then every 2 s;
 *  - an answer ends the probing and restarts the idle clock;
 *  - three probes unanswered: a reset at the fourth turn, the application hears 'closed'
 *    with the timeout reason (TCPKeepAlive 3, TCPAbortOnTimeout 1);
 *  - a listener without keepalive never probes.
 */
#include "tt_test.h"

#define ACK RTE_TCP_ACK_FLAG
#define RST RTE_TCP_RST_FLAG
#define S(name) TT_TEST_STAT(env, name)

static tt_conn_t
start(struct tt_test_env *env, struct tt_test_peer *p, uint16_t sport, bool on)
{
	env->cfg.keepalive_time = 10;
	env->cfg.keepalive_intvl = 2;
	env->cfg.keepalive_probes = 3;
	env->cfg.listen_defaults.keepalive = on;
	env->cfg.listeners[0].keepalive = on;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(p, sport, 77);
	return tt_test_connect(env, p);
}

static void
expect_probe(struct tt_test_env *env, struct tt_test_peer *p, uint32_t una)
{
	struct tt_test_seg s;

	tt_test_peer_recv(env, p, &s);
	TT_TEST_SEG_IS(&s, ACK, una - 1, p->snd_nxt);
	assert_int_equal(s.len, 0);
}

static void
test_probes_and_answer(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t una;
	tt_conn_t h = start(env, &p, 49000, true);

	c = tt_test_tcp_conn(env, &p);
	una = c->snd_una;
	TT_TEST_TX_AT(env, 10000);               /* times are from the previous step */
	expect_probe(env, &p, una);
	TT_TEST_TX_AT(env, 2000);
	expect_probe(env, &p, una);
	assert_int_equal(S(TCPKeepAlive), 2);
	/* The peer answers (its ACK): the idle clock restarts, the next probe 10 s later. */
	tt_test_peer_xmit(env, &p, ACK, p.snd_nxt, una, NULL, 0);
	assert_int_equal(c->ka_probes, 0);
	TT_TEST_TX_AT(env, 10000);
	expect_probe(env, &p, una);
	assert_int_equal(S(TCPKeepAlive), 3);
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	tt_test_tx_drain(env);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
}

static void
test_unanswered(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	uint32_t una;
	tt_conn_t h = start(env, &p, 49001, true);

	una = tt_test_tcp_conn(env, &p)->snd_una;
	for (int i = 0; i < 3; i++) {
		TT_TEST_TX_AT(env, i == 0 ? 10000 : 2000);
		expect_probe(env, &p, una);
	}
	TT_TEST_TX_AT(env, 2000);
	tt_test_peer_recv(env, &p, &s);
	assert_true(s.flags & RST);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_TIMEOUT);
	assert_int_equal(S(TCPKeepAlive), 3);
	assert_int_equal(S(TCPAbortOnTimeout), 1);
	assert_null(tt_test_tcp_conn(env, &p));
}

static void
test_off(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	tt_conn_t h = start(env, &p, 49002, false);

	tt_test_advance(env, 60000);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(S(TCPKeepAlive), 0);
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	tt_test_tx_drain(env);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_probes_and_answer),
		T(test_unanswered),
		T(test_off),
#undef T
	};

	if (tt_test_eal_init("tcp_keepalive") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
