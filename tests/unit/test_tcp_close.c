/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Closing on the fake clock (lib/tcp/tcp_input.c conn_fin/conn_fin_acked, tcp_timewait.c,
 * tcp_timer.c, tcp_usrreq.c close/shutdown/abort under lib/app/tt_app.c): SPEC F1-F8 in both
 * directions, each asserting the exact segments, state changes, application events, TIME_WAIT
 * entries and timers, and that every TCB ends back in its pool.
 */
#include "tt_test.h"

#define SYN RTE_TCP_SYN_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG

#define S(name) TT_TEST_STAT(env, name)
#define TX_AT(t) TT_TEST_TX_AT(env, (t) - tt_test_now(env))

/* A connection to the test application; returns its handle. */
static tt_conn_t
open_conn(struct tt_test_env *env, struct tt_test_peer *p, uint16_t sport, uint32_t isn)
{
	tt_test_peer_init(p, sport, isn);
	return tt_test_connect(env, p);
}

/* The TCP core with the test application, TIME_WAIT of the listener set to time_wait_s. */
static void
start(struct tt_test_env *env, uint32_t time_wait_s)
{
	env->cfg.listeners[0].time_wait = time_wait_s;
	tt_test_tcp_start_app(env);
}

/* ---- F1 ---------------------------------------------------------------------------------------- */

/* Passive close: FIN -> ACK at once, CLOSE_WAIT; close -> FIN, LAST_ACK; ACK -> closed. */
static void
test_f1_passive_close(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	tt_conn_t h;

	start(env, 60);
	h = open_conn(env, &p, 45000, 7000);
	c = tt_test_tcp_conn(env, &p);
	tt_test_peer_send(env, &p, FIN | ACK, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 1, 7002);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(c->state, TT_TCPS_CLOSE_WAIT);
	TT_TEST_EV(env, TT_TEV_PEER_CLOSED, h);
	TT_TEST_EV_NONE(env);
	/* Linux counts CLOSE_WAIT in CurrEstab. */
	assert_int_equal(S(CurrEstab), 1);
	assert_int_equal(env->w->tcp->n_state[TT_TCPS_CLOSE_WAIT], 1);
	/* Nothing more happens until the application closes, however long it waits. */
	tt_test_advance(env, 3600 * 1000);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, p.irs + 1, 7002);
	assert_int_equal(c->state, TT_TCPS_LAST_ACK);
	assert_int_equal(S(CurrEstab), 0);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_NORMAL);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_int_equal(tt_test_tcp_tws(env), 0);
	assert_int_equal(tt_flow_count(env->w->tcp), 0);
	assert_int_equal(S(CurrEstab), 0);
	assert_int_equal(S(RetransSegs) + S(OutRsts) + S(EstabResets), 0);
}

/* Active close: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT -> gone after time_wait seconds. */
static void
test_f1_active_close(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	struct tt_tw *tw;
	tt_conn_t h;

	start(env, 5);
	h = open_conn(env, &p, 45001, 0xfffffffe);
	c = tt_test_tcp_conn(env, &p);
	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, p.irs + 1, 0xffffffff);
	assert_int_equal(c->state, TT_TCPS_FIN_WAIT_1);
	assert_int_equal(S(CurrEstab), 0);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(c->state, TT_TCPS_FIN_WAIT_2);
	assert_false(tt_timer_armed(&c->delack));
	TT_TEST_EV_NONE(env);
	tt_test_peer_send(env, &p, FIN | ACK, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 2, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_NORMAL);
	/* The TCB is gone; a 64-byte entry keeps the 4-tuple. */
	assert_int_equal(tt_test_tcp_conns(env), 0);
	tw = tt_test_tcp_tw(env, &p);
	assert_non_null(tw);
	assert_int_equal(tw->snd_nxt, p.irs + 2);
	assert_int_equal(tw->rcv_nxt, 0);
	assert_int_equal(env->w->tcp->n_state[TT_TCPS_TIME_WAIT], 1);
	TT_TEST_AT(env, 5000, tt_test_pred_no_tw, "TIME_WAIT end");
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(env->w->tcp->n_state[TT_TCPS_TIME_WAIT], 0);
	assert_int_equal(tt_flow_count(env->w->tcp), 0);
	assert_int_equal(S(RetransSegs) + S(OutRsts) + S(TCPTimeWaitOverflow), 0);
}

/* ---- F2: half-close ----------------------------------------------------------------------------- */

/* After the peer's FIN the application sends; the peer gets it; then the application closes. */
static void
test_f2_half_close_peer_first(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h;

	start(env, 60);
	h = open_conn(env, &p, 45100, 100);
	tt_test_peer_send(env, &p, FIN | ACK, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 1, 102);
	TT_TEST_EV(env, TT_TEV_PEER_CLOSED, h);
	assert_int_equal(tt_test_app_send(env, h, NULL, 300), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, PSH | ACK, p.irs + 1, 102);
	assert_int_equal(s.len, 300);
	assert_int_equal(s.data[299], tt_tb_pattern(299));
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_app_send(env, h, NULL, 20), 0);
	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	/* The data and the FIN in one segment. */
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | PSH | ACK, p.irs + 301, 102);
	assert_int_equal(s.len, 20);
	assert_int_equal(tt_test_tx_count(env), 0);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_NORMAL);
	assert_int_equal(tt_test_tcp_conns(env), 0);
}

/* Our half-close (shutdown): the peer's data still arrives; sending is refused. */
static void
test_f2_half_close_shutdown(void **state)
{
	struct tt_test_env *env = *state;
	const struct tt_test_ev *ev;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	tt_conn_t h;

	start(env, 2);
	h = open_conn(env, &p, 45101, 100);
	c = tt_test_tcp_conn(env, &p);
	assert_int_equal(tt_test_app_shutdown(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, p.irs + 1, 101);
	assert_int_equal(tt_test_app_send(env, h, NULL, 1), -EPIPE);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(c->state, TT_TCPS_FIN_WAIT_2);
	/* Not released: no FIN_WAIT_2 timer (F7 applies to released connections only). */
	assert_false(tt_conn_rtx_pending(c));
	tt_test_peer_send(env, &p, PSH | ACK, NULL, 200);
	ev = TT_TEST_EV(env, TT_TEV_DATA, h);
	assert_int_equal(ev->len, 200);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 2, 301);
	tt_test_peer_send(env, &p, FIN | ACK, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 2, 302);
	/* The peer's FIN is heard as such before the end, in FIN_WAIT_2 as in ESTABLISHED. */
	TT_TEST_EV(env, TT_TEV_PEER_CLOSED, h);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_NORMAL);
	assert_non_null(tt_test_tcp_tw(env, &p));
	TT_TEST_AT(env, 2000, tt_test_pred_no_tw, "TIME_WAIT end");
}

/* ---- F3 ---------------------------------------------------------------------------------------- */

/* The application closes in the iteration the FIN arrives: one FIN/ACK acknowledging it. */
static void
test_f3_fin_ack_one_segment(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h;

	start(env, 60);
	env->app->on_peer_closed = TT_TREACT_CLOSE;
	h = open_conn(env, &p, 45200, 0x7fffffff);
	tt_test_peer_send(env, &p, FIN | ACK, NULL, 0);
	TT_TEST_EV(env, TT_TEV_PEER_CLOSED, h);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, p.irs + 1, 0x80000001);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_tcp_conn(env, &p)->state, TT_TCPS_LAST_ACK);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_NORMAL);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_int_equal(S(OutSegs), 2);
}

/* The same with data in the FIN segment and an echo: data, FIN and ACK in one segment. */
static void
test_f3_echo_fin_one_segment(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h;

	start(env, 60);
	env->app->echo = true;
	env->app->on_peer_closed = TT_TREACT_CLOSE;
	h = open_conn(env, &p, 45201, 0);
	tt_test_peer_send(env, &p, FIN | PSH | ACK, NULL, 50);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_DATA, h)->len, 50);
	TT_TEST_EV(env, TT_TEV_PEER_CLOSED, h);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | PSH | ACK, p.irs + 1, 52);
	assert_int_equal(s.len, 50);
	assert_int_equal(tt_test_tx_count(env), 0);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
	assert_int_equal(tt_test_tcp_conns(env), 0);
}

/* ---- F4 ---------------------------------------------------------------------------------------- */

/*
 * Our FIN is lost: sent again after the RTO. The peer's FIN is then ACKed from TIME_WAIT;
 * that ACK is lost too, so the peer sends its FIN again: ACKed again, and the TIME_WAIT
 * timer starts over from that moment.
 */
static void
test_f4_lost_fin_and_lost_ack(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	uint32_t fin_seq;
	uint64_t t0, t1;
	tt_conn_t h;

	start(env, 5);
	h = open_conn(env, &p, 45300, 1);
	assert_int_equal(tt_test_app_close(env, h), 0);
	t0 = tt_test_now(env);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, p.irs + 1, 2);
	TX_AT(t0 + 1000);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, p.irs + 1, 2);
	assert_int_equal(S(RetransSegs), 1);
	/* The peer's FIN acknowledges ours: straight to TIME_WAIT, the ACK goes at once. */
	fin_seq = p.snd_nxt;
	tt_test_peer_send(env, &p, FIN | ACK, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 2, 3);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
	assert_non_null(tt_test_tcp_tw(env, &p));
	/* 3 s later the FIN again: ACK again, timer restarted. */
	tt_test_advance(env, 3000);
	t1 = tt_test_now(env);
	tt_test_peer_xmit(env, &p, FIN | ACK, fin_seq, p.irs + 2, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 2, 3);
	assert_int_equal(s.optlen, 12);
	/* Still there 5 s after entering TIME_WAIT; gone 5 s after the retransmission. */
	TT_TEST_AT(env, t1 + 5000 - tt_test_now(env), tt_test_pred_no_tw, "TIME_WAIT end");
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(S(RetransSegs), 1);
}

/* LAST_ACK: our FIN is lost, goes again after the RTO (1 s, then 2 s), then is ACKed. */
static void
test_f4_last_ack_retransmitted(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	uint64_t t0;
	tt_conn_t h;

	start(env, 60);
	h = open_conn(env, &p, 45301, 1);
	tt_test_peer_send(env, &p, FIN | ACK, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_EV(env, TT_TEV_PEER_CLOSED, h);
	assert_int_equal(tt_test_app_close(env, h), 0);
	t0 = tt_test_now(env);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, p.irs + 1, 3);
	/* LAST_ACK: the FIN goes again at +1 s and +3 s. */
	TX_AT(t0 + 1000);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, p.irs + 1, 3);
	TX_AT(t0 + 3000);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, p.irs + 1, 3);
	assert_int_equal(S(RetransSegs), 2);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_NORMAL);
	assert_int_equal(tt_test_tcp_conns(env), 0);
}

/* ---- F5 ---------------------------------------------------------------------------------------- */

/* Both FINs cross: FIN_WAIT_1 -> CLOSING -> (ACK of ours) -> TIME_WAIT. */
static void
test_f5_simultaneous_close(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	tt_conn_t h;

	start(env, 3);
	h = open_conn(env, &p, 45400, 500);
	c = tt_test_tcp_conn(env, &p);
	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, p.irs + 1, 501);
	/* The peer's FIN was sent before ours arrived: it acknowledges only the SYN-ACK. */
	tt_test_peer_xmit(env, &p, FIN | ACK, 501, p.irs + 1, NULL, 0);
	p.snd_nxt = 502;
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 2, 502);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(c->state, TT_TCPS_CLOSING);
	assert_int_equal(env->w->tcp->n_state[TT_TCPS_CLOSING], 1);
	/* The peer (in CLOSING too) ACKs our FIN. */
	tt_test_peer_xmit(env, &p, ACK, 502, p.irs + 2, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_NORMAL);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_non_null(tt_test_tcp_tw(env, &p));
	assert_int_equal(env->w->tcp->n_state[TT_TCPS_CLOSING], 0);
	TT_TEST_AT(env, 3000, tt_test_pred_no_tw, "TIME_WAIT end");
}

/* ---- F6 ---------------------------------------------------------------------------------------- */

/* Close -> FIN; the peer's FIN/ACK -> ACK, TIME_WAIT (or not, F6); 'closed'. */
static void
active_close_full(struct tt_test_env *env, struct tt_test_peer *p, tt_conn_t h)
{
	uint32_t fin_seq = tt_test_tcp_conn(env, p)->snd_nxt;
	struct tt_test_seg s;

	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, fin_seq, p->snd_nxt);
	tt_test_peer_send(env, p, FIN | ACK, NULL, 0);
	tt_test_peer_recv(env, p, &s);
	TT_TEST_SEG_IS(&s, ACK, fin_seq + 1, p->snd_nxt);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_NORMAL);
}

/* max_tw_buckets 1: the second closing connection skips TIME_WAIT (TCPTimeWaitOverflow). */
static void
test_f6_tw_overflow(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer a, b;
	tt_conn_t ha, hb;

	env->cfg.max_tw_buckets = 1;
	start(env, 60);
	ha = open_conn(env, &a, 45500, 10);
	hb = open_conn(env, &b, 45501, 20);
	active_close_full(env, &a, ha);
	assert_non_null(tt_test_tcp_tw(env, &a));
	active_close_full(env, &b, hb);
	assert_null(tt_test_tcp_tw(env, &b));
	assert_null(tt_test_tcp_conn(env, &b));
	assert_int_equal(tt_test_tcp_tws(env), 1);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_int_equal(S(TCPTimeWaitOverflow), 1);
	assert_int_equal(env->w->tcp->n_state[TT_TCPS_TIME_WAIT], 1);
	assert_int_equal(tt_flow_count(env->w->tcp), 1);
}

/*
 * Issue 10 item 4: max_tw_buckets lowered while running (tcpterm-ctl set, as sysctl -w
 * net.ipv4.tcp_max_tw_buckets): the worker takes the new share at its next iteration, the
 * entry it holds stays, the next close skips TIME_WAIT; raised again, the next close keeps
 * one. The listener's accept queue limit follows a live backlog the same way.
 */
static void
test_f6_tw_max_live(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer a, b, c;
	struct tt_config next;
	char desc[128], err[256];
	tt_conn_t ha, hb, hc;

	env->cfg.max_tw_buckets = 4;
	start(env, 60);
	ha = open_conn(env, &a, 45510, 10);
	hb = open_conn(env, &b, 45511, 20);
	hc = open_conn(env, &c, 45512, 30);
	active_close_full(env, &a, ha);
	assert_non_null(tt_test_tcp_tw(env, &a));

	next = env->cfg;
	assert_int_equal(tt_config_set_live(&next, "net.ipv4.tcp_max_tw_buckets", "1", desc,
					    sizeof(desc), err, sizeof(err)), 0);
	assert_string_equal(desc, "max_tw_buckets 4 -> 1");
	assert_int_equal(tt_config_set_live(&next, "backlog", "1", desc, sizeof(desc), err,
					    sizeof(err)), 0);
	tt_config_publish_live(&env->cfg, &next);
	assert_int_equal(env->w->tcp->tw_max, 4);      /* not before its next iteration */
	tt_test_poll(env);
	assert_int_equal(env->w->tcp->tw_max, 1);
	assert_int_equal(env->w->tcp->listeners[0].accept_max, 1);
	active_close_full(env, &b, hb);
	assert_null(tt_test_tcp_tw(env, &b));
	assert_int_equal(S(TCPTimeWaitOverflow), 1);
	assert_non_null(tt_test_tcp_tw(env, &a));

	next = env->cfg;
	assert_int_equal(tt_config_set_live(&next, "max_tw_buckets", "4", desc, sizeof(desc),
					    err, sizeof(err)), 0);
	tt_config_publish_live(&env->cfg, &next);
	tt_test_poll(env);
	active_close_full(env, &c, hc);
	assert_non_null(tt_test_tcp_tw(env, &c));
	assert_int_equal(S(TCPTimeWaitOverflow), 1);
	assert_int_equal(tt_test_tcp_tws(env), 2);
}

/*
 * A SYN above the TIME_WAIT entry's rcv_nxt reopens the 4-tuple: a new request whose ISN is
 * the old snd_nxt + 65537 (Linux's tcp_timewait_state_process). An older SYN does not.
 */
static void
test_f6_tw_reopen(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p, q;
	struct tt_test_seg s;
	uint32_t old_snd_nxt, old_rcv_nxt;
	struct tt_tw *tw;
	tt_conn_t h;

	start(env, 60);
	h = open_conn(env, &p, 45502, 0xffff0000);
	assert_int_equal(tt_test_app_send(env, h, NULL, 100), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	active_close_full(env, &p, h);
	tw = tt_test_tcp_tw(env, &p);
	assert_non_null(tw);
	old_snd_nxt = tw->snd_nxt;
	old_rcv_nxt = tw->rcv_nxt;
	assert_int_equal(old_snd_nxt, p.irs + 102);
	/* An old SYN (below rcv_nxt, no newer timestamp): ACKed from TIME_WAIT, no reopen. */
	tt_test_peer_init(&q, 45502, old_rcv_nxt - 1000);
	q.ts = false;
	tt_test_peer_syn(env, &q);
	tt_test_peer_recv(env, &q, &s);
	TT_TEST_SEG_IS(&s, ACK, old_snd_nxt, old_rcv_nxt);
	assert_non_null(tt_test_tcp_tw(env, &p));
	assert_int_equal(tt_test_tcp_reqs(env), 0);
	/* A new SYN above it: the entry goes, a request with ISN old snd_nxt + 65537. */
	tt_test_peer_init(&q, 45502, old_rcv_nxt + 100000);
	tt_test_peer_syn(env, &q);
	tt_test_peer_recv(env, &q, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, old_snd_nxt + 65537, old_rcv_nxt + 100001);
	assert_null(tt_test_tcp_tw(env, &q));
	assert_non_null(tt_test_tcp_req(env, &q));
	assert_int_equal(tt_test_tcp_tws(env), 0);
	assert_int_equal(env->w->tcp->n_state[TT_TCPS_TIME_WAIT], 0);
	/* Taken once: the next request gets an RFC 6528 ISN again. */
	assert_false(env->w->tcp->tw_isn_set);
	tt_test_peer_send(env, &q, ACK, NULL, 0);
	h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	assert_int_equal(S(PassiveOpens), 2);
	tt_test_peer_send(env, &q, RST, NULL, 0);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
}

/* ---- F7 ---------------------------------------------------------------------------------------- */

/* Released in FIN_WAIT_2, the peer never sends its FIN: gone after fin_timeout, silently. */
static void
test_f7_fin_wait_2_timeout(void **state)
{
	struct tt_test_env *env = *state;
	const struct tt_test_ev *ev;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	tt_conn_t h;

	env->cfg.fin_timeout = 3;
	start(env, 60);
	h = open_conn(env, &p, 45600, 1);
	c = tt_test_tcp_conn(env, &p);
	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(c->state, TT_TCPS_FIN_WAIT_2);
	TT_TEST_EV_NONE(env);
	TT_TEST_AT(env, 3000, tt_test_pred_event, "closed");
	ev = TT_TEST_EV(env, TT_TEV_CLOSED, h);
	/* The tt_app.h contract gives no reason for this end; NORMAL or TIMEOUT both fit. */
	assert_true(ev->why == TT_CLOSE_NORMAL || ev->why == TT_CLOSE_TIMEOUT);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_int_equal(tt_test_tcp_tws(env), 0);
	assert_int_equal(tt_flow_count(env->w->tcp), 0);
	/* The peer's late FIN finds nothing: the closed-port answer. */
	tt_test_peer_send(env, &p, FIN | ACK, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST, p.irs + 2, 0);
}

/* Closed while FIN_WAIT_2 already holds (shutdown first, close later): the timer starts then. */
static void
test_f7_close_in_fin_wait_2(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h;

	env->cfg.fin_timeout = 2;
	start(env, 60);
	h = open_conn(env, &p, 45601, 1);
	assert_int_equal(tt_test_app_shutdown(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	tt_test_advance(env, 10000);
	TT_TEST_EV_NONE(env);
	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_AT(env, 2000, tt_test_pred_event, "closed");
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
	assert_int_equal(tt_test_tcp_conns(env), 0);
}

/* ---- F8 ---------------------------------------------------------------------------------------- */

/* Data for a connection the application closed: RST, TCPAbortOnData, 'closed' ABORTED. */
static void
test_f8_data_after_close(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h;

	start(env, 60);
	h = open_conn(env, &p, 45700, 1000);
	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | ACK, p.irs + 1, 1001);
	tt_test_peer_send(env, &p, PSH | ACK, NULL, 10);
	tt_test_peer_recv(env, &p, &s);
	/* Linux answers with RST seq=SEG.ACK; tcpterm with RST/ACK seq=snd_max: the same here. */
	assert_true(s.flags & RST);
	assert_int_equal(s.seq, p.irs + 2);
	assert_int_equal(s.len, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_ABORTED);
	TT_TEST_EV_NONE(env);
	assert_int_equal(S(TCPAbortOnData), 1);
	assert_int_equal(S(OutRsts), 1);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_int_equal(tt_test_tcp_tws(env), 0);
	assert_int_equal(tt_flow_count(env->w->tcp), 0);
}

/* tt_app_abort: RST/ACK seq=snd_max at once, unsent data dropped, 'closed' ABORTED. */
static void
test_f8_abort(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h;

	start(env, 60);
	h = open_conn(env, &p, 45701, 1000);
	/* The peer offers a small window: most of what the application sends waits. */
	p.win = 0;
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(tt_test_app_send(env, h, NULL, 5000), 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST | ACK, p.irs + 1, 1001);
	assert_int_equal(s.optlen, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_ABORTED);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_int_equal(S(EstabResets), 1);
	assert_int_equal(S(OutRsts), 1);
	assert_int_equal(S(CurrEstab), 0);
	/* The handle is dead. */
	assert_int_equal(tt_test_app_abort(env, h), -ENOTCONN);
	assert_null(tt_app_udata(&tt_test_listener(env, 80)->app, h));
}

/* F8, as Linux's tcp_close: closing with payload held unread resets (TCPAbortOnClose). */
static void
test_f8_close_with_unread_data(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	tt_conn_t h;

	start(env, 60);
	env->cfg.wmem = 4096;
	h = open_conn(env, &p, 45702, 1);
	c = tt_test_tcp_conn(env, &p);
	assert_int_equal(tt_test_app_send(env, h, NULL, 6000), 0);
	tt_test_poll(env);
	tt_test_tx_drain(env);
	/* Held back under backpressure: the application never saw these 700 bytes. */
	p.rcv_nxt = p.irs + 1;
	tt_test_peer_send(env, &p, PSH | ACK, NULL, 700);
	tt_test_peer_recv(env, &p, &s);
	assert_int_equal(c->rcvq_len, 700);
	TT_TEST_EV_NONE(env);
	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST | ACK, p.irs + 6001, 702);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_ABORTED);
	assert_int_equal(S(TCPAbortOnClose), 1);
	assert_int_equal(S(EstabResets), 1);
	assert_int_equal(tt_test_tcp_conns(env), 0);
}

/* A connection reset while it holds payload the application never got: nothing leaks. */
static void
test_reset_while_holding(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h;

	start(env, 60);
	env->cfg.wmem = 4096;
	h = open_conn(env, &p, 45800, 1);
	assert_int_equal(tt_test_app_send(env, h, NULL, 6000), 0);
	tt_test_poll(env);
	tt_test_tx_drain(env);
	tt_test_peer_send(env, &p, PSH | ACK, NULL, 500);
	tt_test_peer_recv(env, &p, &s);
	assert_int_equal(tt_test_tcp_conn(env, &p)->rcvq_len, 500);
	tt_test_peer_send(env, &p, RST, NULL, 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_RESET);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	/* Teardown fails if the held 500 bytes were not given back (freed TCB with rcvq). */
}

/* The same before accept: the connection dies in the accept queue holding payload. */
static void
test_reset_in_accept_queue_holding(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h;

	start(env, 60);
	env->app->auto_accept = false;
	tt_test_peer_init(&p, 45801, 1);
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	tt_test_peer_send(env, &p, PSH | ACK, NULL, 300);
	tt_test_peer_recv(env, &p, &s);
	tt_test_peer_send(env, &p, RST, NULL, 0);
	assert_int_equal(rte_ring_count(tt_test_listener(env, 80)->acceptq), 1);
	/* accept(2) returns it, and its end (as a socket whose first read fails). */
	assert_int_equal(tt_test_app_accept(env, 80, 8), 1);
	h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	tt_test_poll(env);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_RESET);
	assert_int_equal(tt_test_tcp_conns(env), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_f1_passive_close),
		T(test_f1_active_close),
		T(test_f2_half_close_peer_first),
		T(test_f2_half_close_shutdown),
		T(test_f3_fin_ack_one_segment),
		T(test_f3_echo_fin_one_segment),
		T(test_f4_lost_fin_and_lost_ack),
		T(test_f4_last_ack_retransmitted),
		T(test_f5_simultaneous_close),
		T(test_f6_tw_overflow),
		T(test_f6_tw_max_live),
		T(test_f6_tw_reopen),
		T(test_f7_fin_wait_2_timeout),
		T(test_f7_close_in_fin_wait_2),
		T(test_f8_data_after_close),
		T(test_f8_abort),
		T(test_f8_close_with_unread_data),
		T(test_reset_while_holding),
		T(test_reset_in_accept_queue_holding),
#undef T
	};

	if (tt_test_eal_init("tcp_close") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
