/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PAWS (RFC 7323 5.3-5.5, SPEC D2; issue 7) on the fake clock, as Linux's tcp_paws_discard
 * and tcp_validate_incoming, with a peer whose TS.Recent at tcpterm is T:
 *  - data with TSval T - 100 in the window: dropped, not delivered; a duplicate ACK
 *    <SEQ=SND.NXT><ACK=RCV.NXT>; PAWSEstab 1; the same data with a fresh TSval is taken;
 *  - TSval T - 1 passes (Linux's TCP_PAWS_WINDOW);
 *  - pure ACKs failing PAWS get one duplicate ACK per 500 ms (TCPACKSkippedPAWS), data is
 *    never rate limited;
 *  - a reordered duplicate ACK (nothing new, window unchanged) passes (tcp_disordered_ack);
 *  - a SYN failing PAWS gets a challenge ACK (RFC 5961 4.2), a RST at RCV.NXT failing PAWS
 *    resets (Linux accepts a RST whatever its timestamp);
 *  - TS.Recent older than 24 days is no reference (5.5): old TSvals pass.
 */
#include "tt_test.h"

#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define RST RTE_TCP_RST_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define S(name) TT_TEST_STAT(env, name)

static tt_conn_t
start(struct tt_test_env *env, struct tt_test_peer *p, uint16_t sport)
{
	tt_test_tcp_start_app(env);
	tt_test_peer_init(p, sport, 1000);
	return tt_test_connect(env, p);
}

/* Data at the peer's snd_nxt with TSval tsval; returns with tcpterm's answer popped. */
static void
send_with_ts(struct tt_test_env *env, struct tt_test_peer *p, uint32_t tsval, uint16_t len,
	     struct tt_test_seg *answer)
{
	p->tsval = tsval;
	tt_test_peer_xmit(env, p, ACK | PSH, p->snd_nxt, p->rcv_nxt, NULL, len);
	tt_test_peer_recv(env, p, answer);
}

static void
test_old_data_dropped(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h = start(env, &p, 49100);
	struct tt_conn *c = tt_test_tcp_conn(env, &p);
	uint32_t t = c->ts_recent;

	assert_int_equal(t, p.tsval - 1);       /* the handshake's last ACK set it */
	send_with_ts(env, &p, t - 100, 10, &s);
	TT_TEST_SEG_IS(&s, ACK, c->snd_nxt, p.snd_nxt);   /* RCV.NXT unmoved */
	TT_TEST_EV_NONE(env);
	assert_int_equal(S(PAWSEstab), 1);
	assert_int_equal(c->ts_recent, t);
	/* The same bytes with a TSval one behind TS.Recent: within Linux's PAWS window. */
	send_with_ts(env, &p, t - 1, 10, &s);
	assert_int_equal(S(PAWSEstab), 1);
	TT_TEST_EV(env, TT_TEV_DATA, h);
	assert_int_equal(c->ts_recent, t);      /* taken, but TS.Recent never goes back (4.3) */
	p.snd_nxt += 10;
	/* Data is never rate limited: a second old segment at once gets its ACK too. */
	send_with_ts(env, &p, t - 100, 10, &s);
	send_with_ts(env, &p, t - 100, 10, &s);
	TT_TEST_SEG_IS(&s, ACK, c->snd_nxt, p.snd_nxt);
	assert_int_equal(S(PAWSEstab), 3);
	assert_int_equal(S(TCPACKSkippedPAWS), 0);
	TT_TEST_EV_NONE(env);
	tt_test_abort_conn(env, &p, h);
}

static void
test_pure_acks_rate_limited(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h = start(env, &p, 49101);
	struct tt_conn *c = tt_test_tcp_conn(env, &p);
	uint32_t t = c->ts_recent;

	/* A window update failing PAWS is not a reordered duplicate ACK: rejected. */
	p.win = 1000;
	p.tsval = t - 100;
	tt_test_peer_xmit(env, &p, ACK, p.snd_nxt, p.rcv_nxt, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, c->snd_nxt, p.snd_nxt);
	p.tsval = t - 100;
	tt_test_peer_xmit(env, &p, ACK, p.snd_nxt, p.rcv_nxt, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(S(PAWSEstab), 2);
	assert_int_equal(S(TCPACKSkippedPAWS), 1);
	assert_int_equal(c->snd_wnd, 65535u << 7);      /* the window did not move */
	tt_test_advance(env, 500);
	p.tsval = t - 100;
	tt_test_peer_xmit(env, &p, ACK, p.snd_nxt, p.rcv_nxt, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	assert_int_equal(S(TCPACKSkippedPAWS), 1);
	/* A reordered duplicate ACK: the window it carries is the one in force. */
	p.win = 65535;
	p.tsval = t - 100;
	tt_test_peer_xmit(env, &p, ACK, p.snd_nxt, p.rcv_nxt, NULL, 0);
	assert_int_equal(S(PAWSEstab), 3);
	assert_int_equal(tt_test_tx_count(env), 0);
	tt_test_abort_conn(env, &p, h);
}

static void
test_syn_and_rst(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h = start(env, &p, 49102);
	struct tt_conn *c = tt_test_tcp_conn(env, &p);
	uint32_t t = c->ts_recent;

	p.tsval = t - 100;
	tt_test_peer_xmit(env, &p, SYN, p.snd_nxt + 5, 0, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, c->snd_nxt, p.snd_nxt);
	assert_int_equal(S(TCPChallengeACK), 1);
	assert_int_equal(S(PAWSEstab), 0);
	p.tsval = t - 100;
	tt_test_peer_xmit(env, &p, RST, p.snd_nxt, 0, NULL, 0);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
	assert_null(tt_test_tcp_conn(env, &p));
	assert_int_equal(S(EstabResets), 1);
}

static void
test_aged_ts_recent(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h = start(env, &p, 49103);
	struct tt_conn *c = tt_test_tcp_conn(env, &p);
	uint32_t t = c->ts_recent;
	uint32_t day = (uint32_t)((86400ull * 1000) >> TT_AGE_SHIFT);

	/* 23 days and a bit since TS.Recent was stored: still a reference. */
	c->ts_recent_age -= 23 * day + 10;
	send_with_ts(env, &p, t - 100, 10, &s);
	assert_int_equal(S(PAWSEstab), 1);
	TT_TEST_EV_NONE(env);
	/* Past 24 days (RFC 7323 5.5): the old TSval passes and becomes TS.Recent. */
	c->ts_recent_age -= day;
	send_with_ts(env, &p, t - 100, 10, &s);
	TT_TEST_SEG_IS(&s, ACK, c->snd_nxt, p.snd_nxt + 10);
	assert_int_equal(S(PAWSEstab), 1);
	TT_TEST_EV(env, TT_TEV_DATA, h);
	assert_int_equal(c->ts_recent, t - 100);
	p.snd_nxt += 10;
	tt_test_abort_conn(env, &p, h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_old_data_dropped),
		T(test_pure_acks_rate_limited),
		T(test_syn_and_rst),
		T(test_aged_ts_recent),
#undef T
	};

	if (tt_test_eal_init("tcp_paws") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
