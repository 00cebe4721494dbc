/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP core's passive open on the fake clock (lib/tcp/tcp_listen.c, tcp_syncache.c,
 * tcp_syncookie.c): the handshake (SPEC H1, H3-H9), the SYN and accept queues (Q1-Q4) and
 * SYN cookies (C3, C4), each case asserting the exact segments tcpterm sends and its
 * counters. The client is played by tt_test_peer_*; applications are none (the test takes
 * connections out of the accept queue itself) or the harness's test application.
 * Data transfer is in test_tcp_data.c, closing in test_tcp_close.c.
 */
#include "tt_test.h"
#include "../../lib/tcp/tcp_seq.h"

#define SYN RTE_TCP_SYN_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG

#define S(name) TT_TEST_STAT(env, name)
/* A frame at exactly absolute fake time t. */
#define TX_AT(t) TT_TEST_TX_AT(env, (t) - tt_test_now(env))

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * H4: the SYN-ACK's options in Linux's layout for a SYN that offered everything: MSS from the
 * MTU, SACK-permitted, timestamps echoing the SYN's TSval, NOP, window scale.
 */
static void
check_synack_opts(const struct tt_test_seg *s, uint32_t tsecr, uint8_t shift)
{
	assert_int_equal(s->optlen, 20);
	assert_int_equal(s->opt[0], 2);
	assert_int_equal(s->opt[1], 4);
	assert_int_equal(s->opt[2] << 8 | s->opt[3], RTE_ETHER_MTU - 40);
	assert_int_equal(s->opt[4], 4);
	assert_int_equal(s->opt[5], 2);
	assert_int_equal(s->opt[6], 8);
	assert_int_equal(s->opt[7], 10);
	assert_int_equal(rd32(s->opt + 12), tsecr);
	assert_int_equal(s->opt[16], 1);
	assert_int_equal(s->opt[17], 3);
	assert_int_equal(s->opt[18], 3);
	assert_int_equal(s->opt[19], shift);
}

/* ---- H1, H3, H4: the handshake ----------------------------------------------------------- */

/* No application: the test takes the connection out of the accept queue itself. */
static void
test_h1_handshake_no_app(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_listener *l;
	struct tt_conn *c;
	uint32_t syn_tsval;

	tt_test_tcp_start(env, NULL);
	l = tt_test_listener(env, 80);
	/* Q1: accept queue min(backlog 511, somaxconn 4096), SYN queue max_syn_backlog. */
	assert_int_equal(l->accept_max, 511);
	assert_int_equal(l->syn_q_max, 4096);
	tt_test_peer_init(&p, 40000, 1000000);
	syn_tsval = p.tsval;
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	/* H1: SYN-ACK seq=ISN_S ack=ISN_C+1; the SYN's window is never scaled (RFC 7323 2.2). */
	TT_TEST_SEG_IS(&s, SYN | ACK, p.irs, 1000001);
	assert_int_equal(s.win, 65535);
	assert_int_equal(s.len, 0);
	/* rmem 131072 needs a shift of 2 (RFC 7323 2.3: the smallest that covers it). */
	check_synack_opts(&s, syn_tsval, 2);
	assert_int_equal(tt_test_tx_count(env), 0);
	/* The request waits in the SYN queue in SYN_RECV. */
	assert_int_equal(l->syn_q, 1);
	assert_int_equal(tt_test_tcp_reqs(env), 1);
	assert_non_null(tt_test_tcp_req(env, &p));
	assert_int_equal(env->w->tcp->n_state[TT_TCPS_SYN_RECV], 1);
	assert_int_equal(tt_test_tcp_conns(env), 0);

	/* H3: the SYN-ACK took one number, so the final ACK is ISN_S+1; it takes none. */
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(l->syn_q, 0);
	assert_int_equal(tt_test_tcp_reqs(env), 0);
	assert_int_equal(rte_ring_count(l->acceptq), 1);
	c = tt_test_tcp_conn(env, &p);
	assert_non_null(c);
	assert_int_equal(c->state, TT_TCPS_ESTABLISHED);
	assert_int_equal(c->snd_una, p.irs + 1);
	assert_int_equal(c->snd_nxt, p.irs + 1);
	assert_int_equal(c->rcv_nxt, 1000001);
	assert_int_equal(c->flags, TT_CONN_TS | TT_CONN_SACK | TT_CONN_WSCALE);
	assert_int_equal(c->snd_wscale, 7);
	assert_int_equal(c->rcv_wscale, 2);
	assert_int_equal(c->snd_wnd, 65535u << 7);
	assert_int_equal(c->mss, 1460 - 12);
	assert_int_equal(env->w->tcp->n_state[TT_TCPS_SYN_RECV], 0);
	assert_int_equal(env->w->tcp->n_state[TT_TCPS_ESTABLISHED], 1);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 2 }, { "IpInReceives", 2 },
			     { "IpInDelivers", 2 }, { "InSegs", 2 }, { "OutSegs", 1 },
			     { "IpOutRequests", 1 }, { "EthOutFrames", 1 }, { "PassiveOpens", 1 },
			     { "CurrEstab", 1 });

	/* accept(2): the queue empties. */
	assert_int_equal(tt_test_app_accept(env, 80, 8), 1);
	assert_int_equal(rte_ring_count(l->acceptq), 0);
	assert_true(c->cflags & TT_CF_ACCEPTED);
	/* The peer resets it (exact sequence number): the TCB goes back to the pool. */
	tt_test_peer_send(env, &p, RST, NULL, 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_int_equal(S(EstabResets), 1);
	assert_int_equal(S(CurrEstab), 0);
}

/* The test application: 'accepted' comes in the iteration of the final ACK. */
static void
test_h1_handshake_app(void **state)
{
	struct tt_test_env *env = *state;
	const struct tt_test_ev *ev;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h;

	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 40001, 0x12345678);
	/* A SYN with no option at all: a SYN-ACK with MSS only, window 65535, no scaling. */
	p.mss = 0;
	p.wscale = -1;
	p.sack_ok = false;
	p.ts = false;
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, p.irs, 0x12345679);
	assert_int_equal(s.optlen, 4);
	assert_int_equal(s.opts.present, TT_TCP_OPT_MSS);
	assert_int_equal(s.opts.mss, 1460);
	assert_int_equal(s.win, 65535);
	TT_TEST_EV_NONE(env);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	ev = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0);
	assert_int_equal(ev->port, 80);
	h = ev->conn;
	TT_TEST_EV_NONE(env);
	assert_int_equal(rte_ring_count(tt_test_listener(env, 80)->acceptq), 0);
	/* RFC 9293 3.7.1: no MSS option means 536; no scaling, no timestamps. */
	assert_int_equal(tt_test_tcp_conn(env, &p)->mss, 536);
	assert_int_equal(tt_test_tcp_conn(env, &p)->flags, 0);
	assert_int_equal(tt_test_tcp_conn(env, &p)->rcv_wnd, 65535);
	assert_int_equal(S(PassiveOpens), 1);
	assert_int_equal(S(CurrEstab), 1);
	/* The application aborts: RST/ACK seq=snd_max; 'closed' follows (F8). */
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST | ACK, p.irs + 1, 0x12345679);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_ABORTED);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_int_equal(S(CurrEstab), 0);
	/* The dead handle: every call says so. */
	assert_int_equal(tt_test_app_send(env, h, NULL, 10), -ENOTCONN);
	assert_int_equal(tt_test_app_close(env, h), -ENOTCONN);
}

/* ---- H7: data on the third ACK -------------------------------------------------------------- */

/* Held in the TCB until the application accepts, then delivered, then the window reopens. */
static void
test_h7_data_on_third_ack_held(void **state)
{
	struct tt_test_env *env = *state;
	const struct tt_test_ev *ev;
	uint8_t payload[100];
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	tt_conn_t h;

	for (unsigned int i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(0x80 + i);
	tt_test_tcp_start_app(env);
	env->app->auto_accept = false;
	tt_test_peer_init(&p, 40002, 5000);
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	/* The bare ACK is lost; the first data segment carries a valid ACK (H7). */
	tt_test_peer_send(env, &p, PSH | ACK, payload, sizeof(payload));
	c = tt_test_tcp_conn(env, &p);
	assert_non_null(c);
	assert_int_equal(c->state, TT_TCPS_ESTABLISHED);
	assert_int_equal(c->rcvq_len, 100);
	assert_int_equal(c->rcv_nxt, 5101);
	/* PSH: ACKed at once; the held bytes come off the offered window (131072 >> 2). */
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 1, 5101);
	assert_int_equal(s.win, (131072 - 100) >> 2);
	assert_int_equal(s.len, 0);
	TT_TEST_EV_NONE(env);
	assert_int_equal(S(PassiveOpens), 1);
	assert_int_equal(S(CurrEstab), 1);

	/* accept: 'accepted' at once, then the held payload, once. */
	assert_int_equal(tt_test_app_accept(env, 80, 1), 1);
	h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	tt_test_poll(env);
	ev = TT_TEST_EV(env, TT_TEV_DATA, h);
	assert_int_equal(ev->len, 100);
	assert_memory_equal(ev->data, payload, 100);
	TT_TEST_EV_NONE(env);
	assert_int_equal(c->rcvq_len, 0);
	assert_null(c->rcvq);
	/* The window is whole again: tcpterm says so. */
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 1, 5101);
	assert_int_equal(s.win, 131072 >> 2);
	assert_int_equal(tt_test_tx_count(env), 0);

	tt_test_peer_send(env, &p, RST | ACK, NULL, 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_RESET);
}

/* Accepted in the same iteration: 'accepted', then the payload of the third ACK. */
static void
test_h7_data_on_third_ack_app(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h;

	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 40003, 77);
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	tt_test_peer_send(env, &p, PSH | ACK, NULL, 300);
	h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	assert_int_equal(TT_TEST_EV(env, TT_TEV_DATA, h)->len, 300);
	TT_TEST_EV_NONE(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 1, 78 + 300);
	assert_int_equal(s.win, 131072 >> 2);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST | ACK, p.irs + 1, 378);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
}

/* ---- H5, H6, H8 ------------------------------------------------------------------------------ */

/* H5: synack_retries 2: SYN-ACK again at +1 s and +3 s, the request gone at +7 s. */
static void
test_h5_synack_retransmission(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s0, s;
	uint64_t t0;

	env->cfg.synack_retries = 2;
	tt_test_tcp_start(env, NULL);
	tt_test_peer_init(&p, 40010, 0xabcdef00);
	t0 = tt_test_now(env);
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s0);
	for (unsigned int i = 1; i <= 2; i++) {
		TX_AT(t0 + (i == 1 ? 1000 : 3000));
		tt_test_peer_recv(env, &p, &s);
		/* The same SYN-ACK: same ISN, same options (a fresh TSval). */
		TT_TEST_SEG_IS(&s, SYN | ACK, s0.seq, 0xabcdef01);
		assert_int_equal(s.win, s0.win);
		assert_int_equal(s.optlen, s0.optlen);
		assert_memory_equal(s.opt, s0.opt, 8);
		assert_memory_equal(s.opt + 12, s0.opt + 12, 8);
		assert_int_equal(S(TCPSynRetrans), i);
		assert_int_equal(S(RetransSegs), i);
	}
	assert_int_equal(tt_test_tcp_reqs(env), 1);
	TT_TEST_AT(env, t0 + 7000 - tt_test_now(env), tt_test_pred_no_req, "request dropped");
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_listener(env, 80)->syn_q, 0);
	assert_int_equal(env->w->tcp->n_state[TT_TCPS_SYN_RECV], 0);
	assert_int_equal(tt_flow_count(env->w->tcp), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "IpInReceives", 1 },
			     { "IpInDelivers", 1 }, { "InSegs", 1 }, { "OutSegs", 3 },
			     { "IpOutRequests", 3 }, { "EthOutFrames", 3 }, { "RetransSegs", 2 },
			     { "TCPSynRetrans", 2 });
	/* The flow is forgotten: the final ACK now gets the listener's RST seq=SEG.ACK (H9). */
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST, s0.seq + 1, 0);
}

/*
 * H5 timing when the SYN arrives in the first loop iteration after a quiet spell: the
 * retransmission counts from the SYN's arrival, not from the last iteration's time (a worker
 * whose loop stalled, or a fake clock moved without a poll, must not fire timers early).
 */
static void
test_h5_synack_timer_after_idle_clock(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	uint64_t t0;

	tt_test_tcp_start(env, NULL);
	tt_test_peer_init(&p, 40014, 9);
	/* The clock moves 5 s; the next iteration receives the SYN, then runs the timers. */
	tt_clock_advance(&env->w->clock, 5000);
	t0 = tt_test_now(env);
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, p.irs, 10);
	if (tt_test_tx_count(env) != 0) {
		/* Armed on the previous iteration's wheel time: due at once, and its re-arms too. */
		tt_test_soft_fail(env, __FILE__, __LINE__,
				  "%u SYN-ACK retransmission(s) in the very iteration of the SYN (TCPSynRetrans %" PRIu64 ")",
				  tt_test_tx_count(env), S(TCPSynRetrans));
		return;
	}
	TX_AT(t0 + 1000);
	tt_test_tx_drain(env);
}

/*
 * H5 with many retries: the interval doubles from 1 s and stops at Linux's TCP_RTO_MAX, 120 s
 * (reqsk_timer_handler: min(TCP_TIMEOUT_INIT << num_timeout, TCP_RTO_MAX)): 1, 2, 4 ... 64,
 * then 120 s for every later retransmission and for the last wait. 40 retries cross the
 * point where 1000 << n leaves 32 bits (n = 22) and where the shift passes the width (32).
 */
static void
test_h5_synack_backoff_capped(void **state)
{
	struct tt_test_env *env = *state;
	const unsigned int retries = 40;
	struct tt_test_peer p;
	struct tt_test_seg s0, s;
	uint64_t t = 0;

	env->cfg.synack_retries = retries;
	tt_test_tcp_start(env, NULL);
	tt_test_peer_init(&p, 40015, 0x5000);
	tt_test_peer_syn(env, &p);
	t = tt_test_now(env);
	tt_test_peer_recv(env, &p, &s0);
	for (unsigned int k = 1; k <= retries; k++) {
		t += k <= 7 ? 1000u << (k - 1) : 120000u;
		TX_AT(t);
		tt_test_peer_recv(env, &p, &s);
		TT_TEST_SEG_IS(&s, SYN | ACK, s0.seq, 0x5001);
		assert_int_equal(tt_test_tx_count(env), 0);
		assert_int_equal(S(TCPSynRetrans), k);
	}
	assert_int_equal(tt_test_tcp_reqs(env), 1);
	TT_TEST_AT(env, t + 120000 - tt_test_now(env), tt_test_pred_no_req, "request dropped");
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(S(TCPSynRetrans), retries);
}

/* H6: a retransmitted SYN gets the SYN-ACK again, and no second request. */
static void
test_h6_syn_retransmitted(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s0, s;

	tt_test_tcp_start(env, NULL);
	tt_test_peer_init(&p, 40011, 42);
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s0);
	tt_test_advance(env, 300);
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, s0.seq, 43);
	assert_int_equal(s.optlen, s0.optlen);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_tcp_reqs(env), 1);
	assert_int_equal(tt_test_listener(env, 80)->syn_q, 1);
	/* Linux counts the answer as a SYN-ACK retransmission (inet_rtx_syn_ack). */
	assert_int_equal(S(TCPSynRetrans), 1);
	assert_int_equal(S(RetransSegs), 1);
	/* The handshake completes once. */
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_int_equal(tt_test_tcp_conns(env), 1);
	assert_int_equal(tt_test_tcp_reqs(env), 0);
	assert_int_equal(S(PassiveOpens), 1);
	/* A SYN for an established flow: challenge ACK (RFC 5961 4.2), not a new request. */
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, s0.seq + 1, 43);
	assert_int_equal(tt_test_tcp_reqs(env), 0);
	assert_int_equal(tt_test_app_accept(env, 80, 1), 1);
	p.snd_nxt = 43;
	tt_test_peer_send(env, &p, RST, NULL, 0);
	assert_int_equal(tt_test_tcp_conns(env), 0);
}

/* H8: RST in window drops the request (AttemptFails); outside the window it is ignored. */
static void
test_h8_rst_in_syn_recv(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;

	tt_test_tcp_start(env, NULL);
	tt_test_peer_init(&p, 40012, 0xfffffff0);
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	/* Beyond rcv_nxt + window (65535 unscaled in SYN_RECV): ignored, nothing sent. */
	tt_test_peer_xmit(env, &p, RST, 0xfffffff1 + 70000, 0, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_tcp_reqs(env), 1);
	assert_int_equal(S(AttemptFails), 0);
	/* In window, not exact (RFC 9293 3.10.7.4 for SYN_RECV; Linux resets on any): gone. */
	tt_test_peer_xmit(env, &p, RST, 0xfffffff1 + 1000, 0, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_tcp_reqs(env), 0);
	assert_int_equal(tt_test_listener(env, 80)->syn_q, 0);
	assert_int_equal(tt_flow_count(env->w->tcp), 0);
	assert_int_equal(S(AttemptFails), 1);
	assert_int_equal(S(OutRsts), 0);
}

/* H9: in LISTEN a RST is ignored, an ACK that is no cookie gets RST seq=SEG.ACK. */
static void
test_h9_listen_rst_and_ack(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;

	tt_test_tcp_start(env, NULL);
	tt_test_peer_init(&p, 40013, 500);
	tt_test_peer_xmit(env, &p, RST, 500, 0, NULL, 0);
	tt_test_peer_xmit(env, &p, RST | ACK, 500, 9999, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	/* No cookie was ever sent: the ACK is not even checked as one (Linux, 2-minute window). */
	tt_test_peer_xmit(env, &p, ACK, 501, 0x11223344, NULL, 0);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST, 0x11223344, 0);
	assert_int_equal(s.optlen, 0);
	assert_int_equal(S(SyncookiesFailed), 0);
	assert_int_equal(S(OutRsts), 1);
	assert_int_equal(tt_test_tcp_reqs(env) + tt_test_tcp_conns(env), 0);
}

/* ---- Q2, Q3, Q4 -------------------------------------------------------------------------------- */

/* Q2, syncookies 0: beyond max_syn_backlog a SYN is dropped (TCPReqQFullDrop, ListenDrops). */
static void
test_q2_syn_queue_full_drop(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p[3];
	struct tt_test_seg s;

	env->cfg.syncookies = 0;
	env->cfg.max_syn_backlog = 2;
	tt_test_tcp_start(env, NULL);
	for (unsigned int i = 0; i < 3; i++) {
		tt_test_peer_init(&p[i], (uint16_t)(41000 + i), 1000 * i);
		tt_test_peer_syn(env, &p[i]);
	}
	for (unsigned int i = 0; i < 2; i++) {
		tt_test_peer_recv(env, &p[i], &s);
		TT_TEST_SEG_IS(&s, SYN | ACK, p[i].irs, 1000 * i + 1);
	}
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_listener(env, 80)->syn_q, 2);
	assert_int_equal(tt_test_tcp_reqs(env), 2);
	assert_null(tt_test_tcp_req(env, &p[2]));
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 3 }, { "IpInReceives", 3 },
			     { "IpInDelivers", 3 }, { "InSegs", 3 }, { "OutSegs", 2 },
			     { "IpOutRequests", 2 }, { "EthOutFrames", 2 }, { "TCPReqQFullDrop", 1 },
			     { "ListenDrops", 1 });
	/* The first completes; its slot frees; the third's retransmitted SYN now gets in. */
	tt_test_peer_send(env, &p[0], ACK, NULL, 0);
	tt_test_peer_syn(env, &p[2]);
	tt_test_peer_recv(env, &p[2], &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, p[2].irs, 2001);
	assert_int_equal(tt_test_tcp_reqs(env), 2);
	assert_int_equal(tt_test_app_accept(env, 80, 8), 1);
	tt_test_peer_send(env, &p[0], RST, NULL, 0);
}

/* Q2, syncookies 1: beyond max_syn_backlog, a cookie and no state (TCPReqQFullDoCookies). */
static void
test_q2_syn_queue_full_cookie(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p[3];
	struct tt_test_seg s;
	struct tt_conn *c;

	env->cfg.syncookies = 1;
	env->cfg.max_syn_backlog = 2;
	tt_test_tcp_start(env, NULL);
	for (unsigned int i = 0; i < 3; i++) {
		tt_test_peer_init(&p[i], (uint16_t)(41100 + i), 0x7ffffff0 + i);
		tt_test_peer_syn(env, &p[i]);
		tt_test_peer_recv(env, &p[i], &s);
		TT_TEST_SEG_IS(&s, SYN | ACK, p[i].irs, 0x7ffffff1 + i);
	}
	assert_int_equal(tt_test_tcp_reqs(env), 2);
	assert_null(tt_test_tcp_req(env, &p[2]));
	/* C3: the cookie's TSval carries window scale 7 and SACK in its low 6 bits. */
	assert_true(s.opts.present & TT_TCP_OPT_TS);
	assert_int_equal(s.opts.tsval & 0x3f, 7 | 0x10);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 3 }, { "IpInReceives", 3 },
			     { "IpInDelivers", 3 }, { "InSegs", 3 }, { "OutSegs", 3 },
			     { "IpOutRequests", 3 }, { "EthOutFrames", 3 },
			     { "TCPReqQFullDoCookies", 1 }, { "SyncookiesSent", 1 });
	/* C4: its final ACK makes an ESTABLISHED TCB directly, with the options it encoded. */
	tt_test_peer_send(env, &p[2], ACK, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	c = tt_test_tcp_conn(env, &p[2]);
	assert_non_null(c);
	assert_int_equal(c->state, TT_TCPS_ESTABLISHED);
	assert_int_equal(c->flags, TT_CONN_TS | TT_CONN_SACK | TT_CONN_WSCALE);
	assert_int_equal(c->snd_wscale, 7);
	assert_int_equal(c->mss, 1460 - 12);
	assert_int_equal(c->snd_nxt, p[2].irs + 1);
	assert_int_equal(c->rcv_nxt, 0x7ffffff3);
	assert_int_equal(S(SyncookiesRecv), 1);
	assert_int_equal(S(PassiveOpens), 1);
	assert_int_equal(tt_test_tcp_reqs(env), 2);
	assert_int_equal(tt_test_app_accept(env, 80, 8), 1);
	tt_test_peer_send(env, &p[2], RST, NULL, 0);
}

/* Q3: a SYN to a full accept queue is dropped, whatever the SYN queue holds. */
static void
test_q3_accept_queue_full_syn_dropped(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer a, b;
	struct tt_test_seg s;

	env->cfg.listeners[0].backlog = 1;
	tt_test_tcp_start(env, NULL);
	assert_int_equal(tt_test_listener(env, 80)->accept_max, 1);
	tt_test_peer_init(&a, 42000, 1);
	tt_test_connect(env, &a);
	assert_int_equal(rte_ring_count(tt_test_listener(env, 80)->acceptq), 1);
	tt_test_peer_init(&b, 42001, 2);
	tt_test_peer_syn(env, &b);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_tcp_reqs(env), 0);
	assert_int_equal(S(ListenOverflows), 1);
	assert_int_equal(S(ListenDrops), 1);
	assert_int_equal(S(TCPReqQFullDrop) + S(TCPReqQFullDoCookies) + S(SyncookiesSent), 0);
	/* Room again: the retransmitted SYN gets its SYN-ACK. */
	assert_int_equal(tt_test_app_accept(env, 80, 8), 1);
	tt_test_peer_syn(env, &b);
	tt_test_peer_recv(env, &b, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, b.irs, 3);
	tt_test_peer_send(env, &a, RST, NULL, 0);
	tt_test_peer_send(env, &b, RST, NULL, 0);
	assert_int_equal(tt_test_tcp_reqs(env) + tt_test_tcp_conns(env), 0);
	assert_int_equal(S(AttemptFails), 1);
}

/*
 * Q4, abort_on_overflow 0: the final ACK to a full accept queue is counted and ignored; the
 * request keeps its timer, and the client's ACK to the retransmitted SYN-ACK completes it
 * once the application made room.
 */
static void
test_q4_overflow_keeps_request(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer a, b;
	struct tt_test_seg s;
	tt_conn_t ha, hb;
	uint64_t tb;

	env->cfg.listeners[0].backlog = 1;
	tt_test_tcp_start_app(env);
	env->app->auto_accept = false;
	tt_test_peer_init(&a, 42100, 100);
	tt_test_peer_init(&b, 42101, 200);
	tt_test_peer_syn(env, &a);
	tt_test_peer_recv(env, &a, &s);
	tb = tt_test_now(env);
	tt_test_peer_syn(env, &b);
	tt_test_peer_recv(env, &b, &s);
	tt_test_peer_send(env, &a, ACK, NULL, 0);
	tt_test_peer_send(env, &b, ACK, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(S(ListenOverflows), 1);
	assert_int_equal(S(ListenDrops), 1);
	assert_int_equal(S(PassiveOpens), 1);
	assert_non_null(tt_test_tcp_req(env, &b));
	assert_int_equal(tt_test_listener(env, 80)->syn_q, 1);
	/* The application takes A. */
	assert_int_equal(tt_test_app_accept(env, 80, 8), 1);
	ha = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	/* B's SYN-ACK comes again at +1 s from its SYN; the client ACKs it: B is established. */
	TX_AT(tb + 1000);
	tt_test_peer_recv(env, &b, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, b.irs, 201);
	tt_test_peer_send(env, &b, ACK, NULL, 0);
	assert_null(tt_test_tcp_req(env, &b));
	assert_non_null(tt_test_tcp_conn(env, &b));
	assert_int_equal(S(PassiveOpens), 2);
	assert_int_equal(tt_test_app_accept(env, 80, 8), 1);
	hb = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	assert_int_not_equal(ha, hb);
	TT_TEST_EV_NONE(env);
	assert_int_equal(S(ListenOverflows), 1);
	assert_int_equal(S(AttemptFails), 0);
	tt_test_peer_send(env, &a, RST, NULL, 0);
	tt_test_peer_send(env, &b, RST, NULL, 0);
	TT_TEST_EV(env, TT_TEV_CLOSED, ha);
	TT_TEST_EV(env, TT_TEV_CLOSED, hb);
}

/* Q4, abort_on_overflow 1: RST seq=SEG.ACK, the request freed, no AttemptFails (Linux). */
static void
test_q4_overflow_abort(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer a, b;
	struct tt_test_seg s;

	env->cfg.listeners[0].backlog = 1;
	env->cfg.abort_on_overflow = 1;
	tt_test_tcp_start(env, NULL);
	tt_test_peer_init(&a, 42200, 100);
	tt_test_peer_init(&b, 42201, 200);
	tt_test_peer_syn(env, &a);
	tt_test_peer_recv(env, &a, &s);
	tt_test_peer_syn(env, &b);
	tt_test_peer_recv(env, &b, &s);
	tt_test_peer_send(env, &a, ACK, NULL, 0);
	tt_test_peer_send(env, &b, ACK, NULL, 0);
	tt_test_peer_recv(env, &b, &s);
	TT_TEST_SEG_IS(&s, RST, b.irs + 1, 0);
	assert_int_equal(s.optlen, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_null(tt_test_tcp_req(env, &b));
	assert_null(tt_test_tcp_conn(env, &b));
	assert_int_equal(tt_test_tcp_reqs(env), 0);
	assert_int_equal(tt_test_listener(env, 80)->syn_q, 0);
	assert_int_equal(S(ListenOverflows), 1);
	assert_int_equal(S(ListenDrops), 1);
	assert_int_equal(S(AttemptFails), 0);
	assert_int_equal(S(OutRsts), 1);
	assert_int_equal(tt_test_app_accept(env, 80, 8), 1);
	tt_test_peer_send(env, &a, RST, NULL, 0);
}

/* ---- C4: cookies ------------------------------------------------------------------------------ */

/* syncookies 2: every SYN gets a cookie; a good ACK makes the TCB, a bad one a RST. */
static void
test_c4_cookie_ack(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p, q;
	struct tt_test_seg s;
	struct tt_conn *c;

	env->cfg.syncookies = 2;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 43000, 0xffffffff);
	p.sack_ok = false;
	p.wscale = 3;
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, p.irs, 0);
	assert_int_equal(tt_test_tcp_reqs(env), 0);
	assert_int_equal(tt_flow_count(env->w->tcp), 0);
	assert_int_equal(s.opts.tsval & 0x3f, 3);
	assert_int_equal(S(SyncookiesSent), 1);
	/* The final ACK carries data: the TCB is ESTABLISHED, the data delivered (H7, C4). */
	tt_test_peer_send(env, &p, PSH | ACK, NULL, 10);
	c = tt_test_tcp_conn(env, &p);
	assert_non_null(c);
	assert_int_equal(c->state, TT_TCPS_ESTABLISHED);
	assert_int_equal(c->flags, TT_CONN_TS | TT_CONN_WSCALE);
	assert_int_equal(c->snd_wscale, 3);
	assert_int_equal(c->rcv_nxt, 10);
	TT_TEST_EV(env, TT_TEV_ACCEPTED, 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_DATA, 0)->len, 10);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 1, 10);
	assert_int_equal(S(SyncookiesRecv), 1);
	assert_int_equal(S(SyncookiesFailed), 0);
	assert_int_equal(S(PassiveOpens), 1);
	assert_int_equal(S(CurrEstab), 1);

	/* A wrong cookie: RST seq=SEG.ACK, SyncookiesFailed, nothing kept. */
	tt_test_peer_init(&q, 43001, 1234);
	tt_test_peer_syn(env, &q);
	tt_test_peer_recv(env, &q, &s);
	tt_test_peer_xmit(env, &q, ACK, 1235, q.irs + 2, NULL, 0);
	tt_test_peer_recv(env, &q, &s);
	TT_TEST_SEG_IS(&s, RST, q.irs + 2, 0);
	assert_int_equal(S(SyncookiesFailed), 1);
	assert_int_equal(S(SyncookiesRecv), 1);
	assert_int_equal(tt_test_tcp_conns(env), 1);
	/* An ACK with the right cookie for another ISN (SEG.SEQ - 1 is covered by the MAC). */
	tt_test_peer_xmit(env, &q, ACK, 1236, q.irs + 1, NULL, 0);
	tt_test_peer_recv(env, &q, &s);
	TT_TEST_SEG_IS(&s, RST, q.irs + 1, 0);
	assert_int_equal(S(SyncookiesFailed), 2);
	assert_int_equal(tt_test_tcp_conns(env), 1);

	tt_test_peer_send(env, &p, RST, NULL, 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, 0)->why, TT_CLOSE_RESET);
}

/*
 * C3 without a PAWS casualty: the cookie's TSval carries the options in its low 6 bits, and
 * OR-ing them into the clock can put it up to 63 ticks ahead of the TSvals the connection
 * sends next; a client whose ts_recent is the SYN-ACK's then drops those as old (RFC 7323
 * 5.3 PAWS, Linux counts PAWSEstab) until our clock catches up. Linux's
 * cookie_init_timestamp steps the value back one 64-tick period when it would run ahead.
 * Over 64 consecutive milliseconds (every phase of the low bits), the first segment after the
 * handshake never carries a TSval older than the SYN-ACK's, and the options still decode.
 */
static void
test_c3_cookie_tsval_not_ahead(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	unsigned int ahead = 0;

	env->cfg.syncookies = 2;
	tt_test_tcp_start_app(env);
	for (unsigned int i = 0; i < 64; i++) {
		uint32_t synack_tsval;
		tt_conn_t h;

		tt_test_advance(env, 1);
		tt_test_peer_init(&p, (uint16_t)(43200 + i), 1000 * i);
		tt_test_peer_syn(env, &p);
		tt_test_peer_recv(env, &p, &s);
		assert_true(s.opts.present & TT_TCP_OPT_TS);
		synack_tsval = s.opts.tsval;
		/* wscale 7 + SACK: 0x17, so about a third of the phases would run ahead. */
		assert_int_equal(synack_tsval & 0x3f, 0x17);
		/* The same millisecond: the request and its answer, as a fast client and server. */
		tt_test_peer_send(env, &p, PSH | ACK, NULL, 10);
		h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
		assert_int_equal(TT_TEST_EV(env, TT_TEV_DATA, h)->len, 10);
		tt_test_peer_recv(env, &p, &s);
		TT_TEST_SEG_IS(&s, ACK, p.irs + 1, 1000 * i + 11);
		/*
		 * PAWS at the client: this TSval must not be older than the one it holds, and
		 * the SYN-ACK's no more than one period behind the clock.
		 */
		if (tt_seq_lt(s.opts.tsval, synack_tsval))
			ahead++;
		else
			assert_true(s.opts.tsval - synack_tsval < 64);
		tt_test_peer_send(env, &p, RST, NULL, 0);
		assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_RESET);
	}
	if (ahead != 0)
		fail_msg("%u of 64 cookie SYN-ACKs carried a TSval ahead of the connection's clock", ahead);
	assert_int_equal(S(SyncookiesRecv), 64);
	assert_int_equal(S(SyncookiesFailed), 0);
}

/*
 * RFC 7323 5.4 across a cookie period: the TS offset of a cookie connection is its cookie's
 * (tt_cookie_make), found again from the final ACK in the period the cookie names, not the
 * one the ACK arrives in. A SYN 5 ms before a period ends, its ACK and request 10 ms later:
 * the answer's TSval continues the SYN-ACK's (at most its 63 ticks of options plus the 10
 * ms behind), as it does within a period (test_c3_cookie_tsval_not_ahead).
 */
static void
test_c3_cookie_ack_next_period(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	uint32_t synack_tsval;
	tt_conn_t h;

	env->cfg.syncookies = 2;
	tt_test_tcp_start_app(env);
	tt_test_advance(env, 65536 - (env->w->clock.ms & 0xffff) - 5);
	tt_test_peer_init(&p, 43300, 7000);
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	assert_true(s.opts.present & TT_TCP_OPT_TS);
	synack_tsval = s.opts.tsval;
	tt_test_advance(env, 10);
	assert_int_equal(env->w->clock.ms & 0xffff, 5);
	tt_test_peer_send(env, &p, PSH | ACK, NULL, 10);
	h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	assert_int_equal(TT_TEST_EV(env, TT_TEV_DATA, h)->len, 10);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 1, 7000 + 11);
	assert_false(tt_seq_lt(s.opts.tsval, synack_tsval));
	assert_true(s.opts.tsval - synack_tsval < 64 + 10);
	assert_int_equal(S(SyncookiesRecv), 1);
	tt_test_peer_send(env, &p, RST, NULL, 0);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_RESET);
}

/*
 * RFC 7323 5.4, 7.1 through the SYN queue: a connection's TS offset is chosen with its SYN
 * (the ISN's SipHash, high half), kept by the request (TT_REQ_TS_OFFSET, in the flow key's
 * pad) and carried into the TCB: every SYN-ACK (the first, the timer's, the answer to a
 * retransmitted SYN, and to an out-of-window ACK) and the established connection's segments
 * carry clock + that one offset, and 32 connections have 32 offsets. A TCB that kept the
 * request's pad in its key, or a table that compared it, would lose the connection.
 */
static void
test_h_req_ts_offset_kept(void **state)
{
	struct tt_test_env *env = *state;
	uint32_t offs[32];

	env->cfg.syncookies = 0;
	tt_test_tcp_start_app(env);
	for (unsigned int i = 0; i < RTE_DIM(offs); i++) {
		struct tt_test_peer p;
		struct tt_test_seg s;
		uint32_t off;
		tt_conn_t h;

		tt_test_peer_init(&p, (uint16_t)(43400 + i), 5000 * i);
		tt_test_peer_syn(env, &p);
		tt_test_peer_recv(env, &p, &s);
		TT_TEST_SEG_IS(&s, SYN | ACK, p.irs, 5000 * i + 1);
		off = s.opts.tsval - (uint32_t)env->w->clock.ms;
		tt_test_advance(env, 1000);          /* H5: the timer's SYN-ACK */
		tt_test_peer_recv(env, &p, &s);
		TT_TEST_SEG_IS(&s, SYN | ACK, p.irs, 5000 * i + 1);
		assert_int_equal(s.opts.tsval - (uint32_t)env->w->clock.ms, off);
		tt_test_advance(env, 3);
		tt_test_peer_xmit(env, &p, SYN, 5000 * i, 0, NULL, 0);   /* H6 */
		tt_test_peer_recv(env, &p, &s);
		TT_TEST_SEG_IS(&s, SYN | ACK, p.irs, 5000 * i + 1);
		assert_int_equal(s.opts.tsval - (uint32_t)env->w->clock.ms, off);
		tt_test_peer_xmit(env, &p, ACK, 5000 * i + 1 + 200000, p.irs + 1, NULL, 0);
		tt_test_peer_recv(env, &p, &s);
		TT_TEST_SEG_IS(&s, ACK, p.irs + 1, 5000 * i + 1);
		assert_int_equal(s.opts.tsval - (uint32_t)env->w->clock.ms, off);
		tt_test_advance(env, 7);
		tt_test_peer_send(env, &p, PSH | ACK, NULL, 10);
		h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
		assert_int_equal(TT_TEST_EV(env, TT_TEV_DATA, h)->len, 10);
		tt_test_peer_recv(env, &p, &s);
		TT_TEST_SEG_IS(&s, ACK, p.irs + 1, 5000 * i + 11);
		assert_int_equal(s.opts.tsval - (uint32_t)env->w->clock.ms, off);
		assert_int_equal(tt_test_tcp_conn(env, &p)->flow.pad, 0);
		tt_test_peer_send(env, &p, RST, NULL, 0);
		assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_RESET);
		for (unsigned int j = 0; j < i; j++)
			if (offs[j] == off)
				fail_msg("connections %u and %u share TS offset %#x", j, i, off);
		offs[i] = off;
	}
	assert_int_equal(S(PassiveOpens), RTE_DIM(offs));
	assert_int_equal(S(SyncookiesSent), 0);
	assert_int_equal(tt_test_tcp_conns(env), 0);
}

/* C4 "subject to Q4": a good cookie ACK to a full accept queue. */
static void
test_c4_cookie_ack_queue_full(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer a, b;
	struct tt_test_seg s;

	env->cfg.syncookies = 2;
	env->cfg.listeners[0].backlog = 1;
	tt_test_tcp_start(env, NULL);
	tt_test_peer_init(&a, 43100, 10);
	tt_test_peer_init(&b, 43101, 20);
	tt_test_peer_syn(env, &a);
	tt_test_peer_recv(env, &a, &s);
	tt_test_peer_syn(env, &b);
	tt_test_peer_recv(env, &b, &s);
	tt_test_peer_send(env, &a, ACK, NULL, 0);
	/* abort_on_overflow 0: nothing to keep, so the ACK is lost; the client must retry. */
	tt_test_peer_send(env, &b, ACK, NULL, 0);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_null(tt_test_tcp_conn(env, &b));
	assert_int_equal(S(ListenOverflows), 1);
	assert_int_equal(S(ListenDrops), 1);
	/* abort_on_overflow 1: RST seq=SEG.ACK. */
	env->cfg.abort_on_overflow = 1;
	tt_test_peer_xmit(env, &b, ACK, 21, b.irs + 1, NULL, 0);
	tt_test_peer_recv(env, &b, &s);
	TT_TEST_SEG_IS(&s, RST, b.irs + 1, 0);
	assert_int_equal(S(ListenOverflows), 2);
	assert_int_equal(S(SyncookiesRecv), 3);
	assert_int_equal(tt_test_tcp_conns(env), 1);
	assert_int_equal(tt_test_app_accept(env, 80, 8), 1);
	tt_test_peer_send(env, &a, RST, NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_h1_handshake_no_app),
		T(test_h1_handshake_app),
		T(test_h7_data_on_third_ack_held),
		T(test_h7_data_on_third_ack_app),
		T(test_h5_synack_retransmission),
		T(test_h5_synack_timer_after_idle_clock),
		T(test_h5_synack_backoff_capped),
		T(test_h6_syn_retransmitted),
		T(test_h8_rst_in_syn_recv),
		T(test_h9_listen_rst_and_ack),
		T(test_q2_syn_queue_full_drop),
		T(test_q2_syn_queue_full_cookie),
		T(test_q3_accept_queue_full_syn_dropped),
		T(test_q4_overflow_keeps_request),
		T(test_q4_overflow_abort),
		T(test_c3_cookie_tsval_not_ahead),
		T(test_h_req_ts_offset_kept),
		T(test_c3_cookie_ack_next_period),
		T(test_c4_cookie_ack),
		T(test_c4_cookie_ack_queue_full),
#undef T
	};

	if (tt_test_eal_init("tcp_state") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
