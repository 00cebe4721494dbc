/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly (lib/tcp/tcp_reass.c, SPEC D2; issue 7): payload beyond a hole is kept and
 * delivered once the hole fills, each out-of-order segment is acknowledged at once with SACK
 * blocks (RFC 2018: the block of the segment received last first), a duplicate is reported
 * in a D-SACK block (RFC 2883) whether old or already queued, overlaps are trimmed, the FIN
 * waits with the data before it, and the queue stays within the receive budget (R2).
 */
#include "tt_test.h"

#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define S(name) TT_TEST_STAT(env, name)

static uint8_t stream[16384];

static void
stream_init(void)
{
	for (unsigned int i = 0; i < sizeof(stream); i++)
		stream[i] = (uint8_t)(i * 13 + 5);
}

/* Bytes [off, off + len) of the peer's stream, sent at x + off. */
static void
send_at(struct tt_test_env *env, struct tt_test_peer *p, uint32_t x, uint32_t off,
	uint16_t len, uint8_t flags)
{
	tt_test_peer_xmit(env, p, flags | ACK, x + off, p->rcv_nxt, stream + off, len);
}

/* The ACK tcpterm sent: ack number and SACK blocks relative to x. */
static void
expect_ack(struct tt_test_env *env, struct tt_test_peer *p, uint32_t x, uint32_t ack,
	   unsigned int n, const uint32_t blocks[][2])
{
	struct tt_test_seg s;

	tt_test_peer_recv(env, p, &s);
	assert_true(s.flags & ACK);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.ack - x, ack);
	if (n == 0) {
		assert_false(s.opts.present & TT_TCP_OPT_SACK);
		return;
	}
	assert_true(s.opts.present & TT_TCP_OPT_SACK);
	assert_int_equal(s.opts.n_sack, n);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(s.opts.sack[i].left - x, blocks[i][0]);
		assert_int_equal(s.opts.sack[i].right - x, blocks[i][1]);
	}
}

/* Data events until none: their bytes must be stream[from...]; returns the count. */
static uint32_t
take_data(struct tt_test_env *env, tt_conn_t h, uint32_t from)
{
	const struct tt_test_ev *ev;
	uint32_t got = 0;

	while (env->app->n > 0 && env->app->ev[env->app->head].type == TT_TEV_DATA) {
		ev = TT_TEST_EV(env, TT_TEV_DATA, h);
		assert_memory_equal(ev->data, stream + from + got,
				    RTE_MIN(ev->len, (uint32_t)TT_TEST_EV_DATA));
		got += ev->len;
	}
	return got;
}

static tt_conn_t
start(struct tt_test_env *env, struct tt_test_peer *p, uint16_t sport, uint32_t *x)
{
	tt_conn_t h;

	stream_init();
	tt_test_tcp_start_app(env);
	tt_test_peer_init(p, sport, 0xfffff000);
	h = tt_test_connect(env, p);
	*x = p->snd_nxt;
	return h;
}

/*
 * Five segments of 1000 bytes; 2 and 4 first (the sequence numbers wrap on the way), then 1,
 * then 3. Every ACK at once, with the blocks of what is held, the latest first.
 */
static void
test_holes(void **state)
{
	struct tt_test_env *env = *state;
	static const uint32_t b2[][2] = { { 1000, 2000 } };
	static const uint32_t b42[][2] = { { 3000, 4000 }, { 1000, 2000 } };
	static const uint32_t b4[][2] = { { 3000, 4000 } };
	struct tt_test_peer p;
	uint32_t x;
	tt_conn_t h = start(env, &p, 47000, &x);

	send_at(env, &p, x, 1000, 1000, 0);
	expect_ack(env, &p, x, 0, 1, b2);
	send_at(env, &p, x, 3000, 1000, 0);
	expect_ack(env, &p, x, 0, 2, b42);
	TT_TEST_EV_NONE(env);
	send_at(env, &p, x, 0, 1000, 0);
	assert_int_equal(take_data(env, h, 0), 2000);
	expect_ack(env, &p, x, 2000, 1, b4);
	send_at(env, &p, x, 2000, 1000, 0);
	assert_int_equal(take_data(env, h, 2000), 2000);
	expect_ack(env, &p, x, 4000, 0, NULL);
	send_at(env, &p, x, 4000, 1000, PSH);
	assert_int_equal(take_data(env, h, 4000), 1000);
	expect_ack(env, &p, x, 5000, 0, NULL);
	assert_int_equal(S(TCPOFOQueue), 2);
	assert_null(tt_test_tcp_conn(env, &p)->ooq);
	assert_int_equal(env->w->tcp->mem.held, 0);
	tt_test_abort_conn(env, &p, h);
}

/*
 * Overlaps: [3000, 4000) then [3500, 5000) are held as [3000, 5000); [3200, 3800) again is a
 * duplicate (D-SACK first, then the block it lies in); [0, 3600) fills the hole and overlaps
 * what is held; old data [1000, 1500) again: D-SACK below the ACK.
 */
static void
test_overlap_and_dsack(void **state)
{
	struct tt_test_env *env = *state;
	static const uint32_t b1[][2] = { { 3000, 4000 } };
	static const uint32_t b3[][2] = { { 3200, 3800 }, { 3000, 5000 } };
	struct tt_test_peer p;
	uint32_t x;
	tt_conn_t h = start(env, &p, 47001, &x);

	send_at(env, &p, x, 3000, 1000, 0);
	expect_ack(env, &p, x, 0, 1, b1);
	send_at(env, &p, x, 3500, 1500, 0);
	/* Held as two buffers, one run: one block. */
	expect_ack(env, &p, x, 0, 1, (const uint32_t[][2]){ { 3000, 5000 } });
	send_at(env, &p, x, 3200, 600, 0);
	expect_ack(env, &p, x, 0, 2, b3);
	assert_int_equal(S(TCPDSACKOfoSent), 1);
	/* The D-SACK goes once. */
	send_at(env, &p, x, 6000, 100, 0);
	expect_ack(env, &p, x, 0, 2, (const uint32_t[][2]){ { 6000, 6100 }, { 3000, 5000 } });
	/* [0, 3600) in three: in order, the last overlapping what is held. */
	send_at(env, &p, x, 0, 1448, 0);
	send_at(env, &p, x, 1448, 1448, 0);
	send_at(env, &p, x, 2896, 3600 - 2896, 0);
	assert_int_equal(take_data(env, h, 0), 5000);
	tt_test_tx_drain(env);
	send_at(env, &p, x, 1000, 500, 0);
	expect_ack(env, &p, x, 5000, 2, (const uint32_t[][2]){ { 1000, 1500 }, { 6000, 6100 } });
	assert_int_equal(S(TCPDSACKOldSent), 1);
	tt_test_abort_conn(env, &p, h);
}

/* dsack = 0 (Linux's tcp_dsack): duplicates are not reported. */
static void
test_dsack_off(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	uint32_t x;
	tt_conn_t h;

	env->cfg.dsack = 0;
	h = start(env, &p, 47002, &x);
	send_at(env, &p, x, 0, 500, PSH);
	assert_int_equal(take_data(env, h, 0), 500);
	expect_ack(env, &p, x, 500, 0, NULL);
	send_at(env, &p, x, 0, 500, PSH);
	expect_ack(env, &p, x, 500, 0, NULL);
	assert_int_equal(S(TCPDSACKOldSent), 0);
	tt_test_abort_conn(env, &p, h);
}

/* The FIN beyond a hole waits with its data; the hole filled, both come, then peer_closed. */
static void
test_fin_beyond_hole(void **state)
{
	struct tt_test_env *env = *state;
	static const uint32_t b[][2] = { { 1000, 1500 } };
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t x;
	tt_conn_t h = start(env, &p, 47003, &x);

	c = tt_test_tcp_conn(env, &p);
	send_at(env, &p, x, 1000, 500, FIN);
	expect_ack(env, &p, x, 0, 1, b);
	assert_int_equal(c->state, TT_TCPS_ESTABLISHED);
	send_at(env, &p, x, 0, 1000, 0);
	assert_int_equal(take_data(env, h, 0), 1500);
	TT_TEST_EV(env, TT_TEV_PEER_CLOSED, h);
	assert_int_equal(c->state, TT_TCPS_CLOSE_WAIT);
	expect_ack(env, &p, x, 1501, 0, NULL);
	p.snd_nxt = x + 1501;
	tt_test_abort_conn(env, &p, h);
}

/*
 * R2: one-byte segments beyond a hole merge into one buffer (TCPOFOMerge); segments that
 * would pass the receive budget are dropped (TCPOFODrop), not acknowledged, and come later.
 */
static void
test_budget(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t x, budget;
	tt_conn_t h;

	env->cfg.rmem = 8192;
	h = start(env, &p, 47004, &x);
	c = tt_test_tcp_conn(env, &p);
	for (uint32_t i = 0; i < 200; i++) {
		send_at(env, &p, x, 100 + i, 1, 0);
		tt_test_tx_drain(env);
	}
	assert_int_equal(c->ooq_bufs, 1);
	assert_int_equal(S(TCPOFOMerge), 199);
	budget = tt_mem_rcv_budget(env->w->tcp, c);
	/* Separate segments with gaps: each its own buffer, until the budget. */
	for (uint32_t i = 0; i < budget + 3; i++) {
		send_at(env, &p, x, 1000 + 2 * i, 1, 0);
		tt_test_tx_drain(env);
	}
	assert_int_equal(c->ooq_bufs, budget);
	assert_int_equal(S(TCPOFODrop), 4);
	/* The hole filled: everything held comes, in order, up to the first gap. */
	send_at(env, &p, x, 0, 100, PSH);
	assert_int_equal(take_data(env, h, 0), 300);
	tt_test_tx_drain(env);
	tt_test_abort_conn(env, &p, h);
	assert_int_equal(env->w->tcp->mem.held, 0);
}

/* A segment reaching past the window's right edge keeps only what fits. */
static void
test_window_edge(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t x, wnd;
	tt_conn_t h;

	env->cfg.rmem = 4096;
	h = start(env, &p, 47005, &x);
	c = tt_test_tcp_conn(env, &p);
	wnd = c->rcv_wnd;
	send_at(env, &p, x, wnd - 100, 300, 0);
	expect_ack(env, &p, x, 0, 1, (const uint32_t[][2]){ { wnd - 100, wnd } });
	assert_int_equal(c->ooq->data_len, 100);
	tt_test_abort_conn(env, &p, h);
}

/*
 * While the out-of-order queue holds data, a full data segment still fits the MTU: SACK
 * blocks go only where there is room beside the payload (tcpterm sent 1528-byte datagrams
 * on a 1500-byte link before, which the port refused).
 */
static void
test_sack_fits_mtu(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	uint32_t x;
	tt_conn_t h = start(env, &p, 47006, &x);

	send_at(env, &p, x, 1000, 500, 0);
	tt_test_tx_drain(env);
	assert_int_equal(tt_test_app_send(env, h, NULL, 1448 + 100), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);          /* checks the size against the MTU */
	assert_int_equal(s.len, 1448);
	assert_false(s.opts.present & TT_TCP_OPT_SACK);
	tt_test_peer_recv(env, &p, &s);
	assert_int_equal(s.len, 100);
	assert_true(s.opts.present & TT_TCP_OPT_SACK);
	assert_int_equal(s.opts.sack[0].left - x, 1000);
	tt_test_abort_conn(env, &p, h);
}

/*
 * A segment continuing a buffer that is not the queue's last is merged into that buffer.
 * (The first form used rte_pktmbuf_append, which follows m->next, the queue's own link, and
 * wrote the bytes into the queue's last buffer: data at the wrong place, then a stall.)
 */
static void
test_merge_not_last(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t x;
	tt_conn_t h = start(env, &p, 47007, &x);

	c = tt_test_tcp_conn(env, &p);
	send_at(env, &p, x, 100, 100, 0);
	send_at(env, &p, x, 1000, 100, 0);
	send_at(env, &p, x, 200, 100, 0);
	tt_test_tx_drain(env);
	assert_int_equal(c->ooq_bufs, 2);
	assert_int_equal(S(TCPOFOMerge), 1);
	assert_int_equal(c->ooq->data_len, 200);
	assert_int_equal(c->ooq_tail->data_len, 100);
	send_at(env, &p, x, 0, 100, 0);
	assert_int_equal(take_data(env, h, 0), 300);
	send_at(env, &p, x, 300, 700, PSH);
	assert_int_equal(take_data(env, h, 300), 800);
	tt_test_tx_drain(env);
	tt_test_abort_conn(env, &p, h);
}

/*
 * A peer that lies: data held beyond a hole, then a FIN before it. Nothing comes after a
 * FIN: the held data goes (as Linux's tcp_fin). Found by fuzz_tcp (the queue's invariant
 * check saw a buffer below rcv_nxt).
 */
static void
test_fin_purges_beyond(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t x;
	tt_conn_t h = start(env, &p, 47008, &x);

	c = tt_test_tcp_conn(env, &p);
	send_at(env, &p, x, 200, 100, 0);
	assert_int_equal(c->ooq_bufs, 1);
	send_at(env, &p, x, 0, 100, FIN);
	assert_int_equal(take_data(env, h, 0), 100);
	TT_TEST_EV(env, TT_TEV_PEER_CLOSED, h);
	assert_int_equal(c->state, TT_TCPS_CLOSE_WAIT);
	assert_int_equal(c->ooq_bufs, 0);
	assert_null(c->ooq);
	tt_test_tx_drain(env);
	p.snd_nxt = x + 101;
	tt_test_abort_conn(env, &p, h);
}

/*
 * A duplicate spread over two held buffers that touch: [200, 300) then [100, 200) (two
 * buffers: the second arrives before the first), then [150, 250) again: reported in a
 * D-SACK, nothing queued (fuzz_tcp found an empty buffer queued here).
 */
static void
test_dup_across_two(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t x;
	tt_conn_t h = start(env, &p, 47009, &x);

	c = tt_test_tcp_conn(env, &p);
	send_at(env, &p, x, 200, 100, 0);
	send_at(env, &p, x, 100, 100, 0);
	tt_test_tx_drain(env);
	assert_int_equal(c->ooq_bufs, 2);
	send_at(env, &p, x, 150, 100, 0);
	expect_ack(env, &p, x, 0, 2, (const uint32_t[][2]){ { 150, 250 }, { 100, 300 } });
	assert_int_equal(c->ooq_bufs, 2);
	assert_int_equal(S(TCPDSACKOfoSent), 1);
	send_at(env, &p, x, 0, 100, PSH);
	assert_int_equal(take_data(env, h, 0), 300);
	tt_test_tx_drain(env);
	tt_test_abort_conn(env, &p, h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_holes),
		T(test_overlap_and_dsack),
		T(test_dsack_off),
		T(test_fin_beyond_hole),
		T(test_budget),
		T(test_window_edge),
		T(test_sack_fits_mtu),
		T(test_merge_not_last),
		T(test_fin_purges_beyond),
		T(test_dup_across_two),
#undef T
	};

	if (tt_test_eal_init("tcp_reass") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
