/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The send queue (lib/tcp/tcp_sndq.c; issue 7 "transmit without re-walking chains"):
 *  - whatever shape the application's buffers have, every segment on the wire is full
 *    until the data runs out, and carries exactly the bytes written, in order;
 *  - no copy where none is needed: a buffer of one segment's payload becomes the unit
 *    itself, and the frame sent refers to it (reference count 2 while the frame waits in
 *    the port), where a small payload is copied behind the headers;
 *  - acknowledgements free whole units and cut the first, giving back their charge (R2);
 *  - a write the pool cannot take is refused whole (-ENOBUFS) and changes nothing;
 *  - small writes in one iteration fill one unit (R2); a sent unit takes no more.
 */
#include "tt_test.h"

#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG

/* An application buffer of n pattern bytes starting at stream offset off. */
static struct rte_mbuf *
app_buf(struct tt_test_env *env, uint32_t off, uint16_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(env->pool);
	uint8_t *p;

	assert_non_null(m);
	assert_true(n <= rte_pktmbuf_tailroom(m));
	p = (uint8_t *)rte_pktmbuf_append(m, n);
	for (uint16_t i = 0; i < n; i++)
		p[i] = tt_tb_pattern(off + i);
	return m;
}

/* The units of c: contiguous, each at most a segment, their sum the queue. */
static void
check_units(const struct tt_conn *c)
{
	uint32_t seq = c->snd_una, bytes = 0, n = 0;

	for (const struct rte_mbuf *u = c->sndq; u != NULL; u = u->next) {
		assert_int_equal(tt_sndq_meta(u)->seq, seq);
		assert_true(u->data_len > 0 && u->data_len <= c->mss);
		seq += u->data_len;
		bytes += u->data_len;
		n++;
	}
	assert_int_equal(bytes, c->sndq_len);
	assert_int_equal(n, c->sndq_units);
}

/*
 * Writes of 100, 1920 + 80 (one chain), 3, 1448, 1000 bytes in one iteration: segments of
 * 1448 bytes, then the rest, with the pattern's bytes in order.
 */
static void
test_full_segments(void **state)
{
	struct tt_test_env *env = *state;
	static const uint16_t sizes[] = { 100, 1920, 80, 3, 1448, 1000 };
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	uint32_t off = 0, got = 0, ours;
	tt_conn_t h;

	env->cfg.wmem = 1 << 20;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 46000, 7);
	h = tt_test_connect(env, &p);
	c = tt_test_tcp_conn(env, &p);
	ours = p.rcv_nxt;
	for (unsigned int i = 0; i < RTE_DIM(sizes); i++) {
		struct rte_mbuf *m = app_buf(env, off, sizes[i]);

		off += sizes[i];
		if (sizes[i] == 1920) {       /* one write of two buffers */
			struct rte_mbuf *m2 = app_buf(env, off, sizes[++i]);

			off += sizes[i];
			assert_int_equal(rte_pktmbuf_chain(m, m2), 0);
		}
		assert_int_equal(tt_test_app_send_mbuf(env, h, m), 0);
		check_units(c);
	}
	tt_test_poll(env);
	while (got < off) {
		tt_test_peer_recv(env, &p, &s);
		assert_int_equal(s.seq, ours + got);
		assert_int_equal(s.len, RTE_MIN(off - got, 1448u));
		for (uint16_t i = 0; i < s.len; i++)
			assert_int_equal(s.data[i], tt_tb_pattern(got + i));
		got += s.len;
	}
	assert_int_equal(tt_test_tx_count(env), 0);
	tt_test_abort_conn(env, &p, h);
}

/*
 * A buffer holding one segment's payload is the unit itself: the frame sent is the
 * headers with the unit attached (its reference count 2 until the port lets go). A small
 * payload is copied behind the headers instead: the unit keeps one reference.
 */
static void
test_zero_copy(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct rte_mbuf *m, *raw = NULL;
	struct tt_conn *c;
	tt_conn_t h;

	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 46001, 7);
	h = tt_test_connect(env, &p);
	c = tt_test_tcp_conn(env, &p);
	m = app_buf(env, 0, 1448);
	assert_int_equal(tt_test_app_send_mbuf(env, h, m), 0);
	assert_ptr_equal(c->sndq, m);
	tt_test_poll(env);
	assert_int_equal(rte_mbuf_refcnt_read(m), 2);
	assert_int_equal(rte_ring_dequeue(env->tx, (void **)&raw), 0);
	assert_int_equal(raw->nb_segs, 2);
	assert_false(RTE_MBUF_DIRECT(raw->next));      /* attached to the unit, no copy */
	assert_ptr_equal(rte_pktmbuf_mtod(raw->next, uint8_t *), rte_pktmbuf_mtod(m, uint8_t *));
	rte_pktmbuf_free(raw);            /* the port has sent it */
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);

	/* 100 bytes: copied, one mbuf on the wire, the unit not referenced. */
	p.rcv_nxt += 1448;
	tt_test_peer_xmit(env, &p, ACK, p.snd_nxt, p.rcv_nxt, NULL, 0);
	assert_null(c->sndq);
	m = app_buf(env, 1448, 100);
	assert_int_equal(tt_test_app_send_mbuf(env, h, m), 0);
	tt_test_poll(env);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	assert_int_equal(rte_ring_dequeue(env->tx, (void **)&raw), 0);
	assert_int_equal(raw->nb_segs, 1);
	rte_pktmbuf_free(raw);
	(void)s;
	tt_test_abort_conn(env, &p, h);
}

/* ACKs free whole units and cut into the first, and give their charge back. */
static void
test_ack_frees_units(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint32_t ours, held0;
	tt_conn_t h;

	env->cfg.wmem = 1 << 20;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 46002, 7);
	h = tt_test_connect(env, &p);
	c = tt_test_tcp_conn(env, &p);
	ours = p.rcv_nxt;
	held0 = env->w->tcp->mem.held;
	assert_int_equal(tt_test_app_send(env, h, NULL, 5000), 0);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_drain(env), 4);
	check_units(c);
	assert_int_equal(c->sndq_units, 4);
	assert_int_equal(env->w->tcp->mem.held - held0, 4);
	/* 2000 bytes: the first unit freed, the second cut. */
	tt_test_peer_xmit(env, &p, ACK, p.snd_nxt, ours + 2000, NULL, 0);
	check_units(c);
	assert_int_equal(c->sndq_units, 3);
	assert_int_equal(c->sndq_len, 3000);
	assert_int_equal(tt_sndq_meta(c->sndq)->seq, ours + 2000);
	assert_int_equal(c->sndq->data_len, 2 * 1448 - 2000);
	assert_int_equal(env->w->tcp->mem.held - held0, 3);
	tt_test_peer_xmit(env, &p, ACK, p.snd_nxt, ours + 5000, NULL, 0);
	assert_null(c->sndq);
	assert_null(c->snd_unit);
	assert_int_equal(c->sndq_units, 0);
	assert_int_equal(env->w->tcp->mem.held, held0);
	tt_test_abort_conn(env, &p, h);
}

/* A write that needs mbufs the pool does not have is refused whole; nothing changes. */
static void
test_append_refused_whole(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct rte_mbuf *m;
	struct tt_conn *c;
	uint32_t ours;
	tt_conn_t h;

	env->cfg.wmem = 1 << 20;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 46003, 7);
	h = tt_test_connect(env, &p);
	c = tt_test_tcp_conn(env, &p);
	ours = p.rcv_nxt;
	assert_int_equal(tt_test_app_send_mbuf(env, h, app_buf(env, 0, 100)), 0);
	/* 1920 bytes after 100: the tail takes 1348, the remaining 572 share their buffer. */
	m = app_buf(env, 100, 1920);
	tt_test_pool_hold(env, 0);
	assert_int_equal(tt_test_app_send_mbuf(env, h, m), -ENOBUFS);
	assert_int_equal(c->sndq_len, 100);
	assert_int_equal(c->sndq_units, 1);
	assert_int_equal(c->sndq->data_len, 100);
	assert_true(TT_TEST_STAT(env, MbufTcpOutFails) > 0);
	tt_test_pool_release(env);
	assert_int_equal(tt_test_app_send_mbuf(env, h, app_buf(env, 100, 1920)), 0);
	check_units(c);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	assert_int_equal(s.seq, ours);
	assert_int_equal(s.len, 1448);
	tt_test_peer_recv(env, &p, &s);
	assert_int_equal(s.len, 2020 - 1448);
	for (uint16_t i = 0; i < s.len; i++)
		assert_int_equal(s.data[i], tt_tb_pattern(1448 + i));
	tt_test_abort_conn(env, &p, h);
}

/*
 * Small writes in one iteration fill one unit (R2); once it is sent it takes no more (a
 * unit is one segment for the scoreboard): the next writes start another. The
 * retransmission timeout sends them again within cwnd, one MSS of bytes.
 */
static void
test_small_writes_units(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	uint32_t ours;
	tt_conn_t h;

	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 46004, 7);
	h = tt_test_connect(env, &p);
	c = tt_test_tcp_conn(env, &p);
	ours = p.rcv_nxt;
	for (uint32_t i = 0; i < 50; i++)
		assert_int_equal(tt_test_app_send_mbuf(env, h, app_buf(env, i, 1)), 0);
	assert_int_equal(c->sndq_units, 1);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	assert_int_equal(s.seq, ours);
	assert_int_equal(s.len, 50);
	for (uint32_t i = 50; i < 60; i++)
		assert_int_equal(tt_test_app_send_mbuf(env, h, app_buf(env, i, 1)), 0);
	assert_int_equal(c->sndq_units, 2);
	check_units(c);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	assert_int_equal(s.seq, ours + 50);
	assert_int_equal(s.len, 10);
	tt_test_advance(env, 1000);
	tt_test_peer_recv(env, &p, &s);
	assert_int_equal(s.seq, ours);
	assert_int_equal(s.len, 50);
	for (uint16_t i = 0; i < 50; i++)
		assert_int_equal(s.data[i], tt_tb_pattern(i));
	/* cwnd is one MSS of bytes: the second unit, 10 bytes, fits beside the first. */
	tt_test_peer_recv(env, &p, &s);
	assert_int_equal(s.seq, ours + 50);
	assert_int_equal(s.len, 10);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_STAT(env, RetransSegs), 2);
	tt_test_abort_conn(env, &p, h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_full_segments),
		T(test_zero_copy),
		T(test_ack_frees_units),
		T(test_append_refused_whole),
		T(test_small_writes_units),
#undef T
	};

	if (tt_test_eal_init("tcp_sndq") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
