/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory accounting and overload (lib/tcp/tcp_mem.c, SPEC R1, R2) on the fake clock: held
 * payload charged at its true size and coalesced, the per-connection budget, the worker's
 * pressure levels and what they shed (new SYNs, orphans, new payload), and SYN shedding when
 * the worker is behind its RX queue. Teardown also checks that every charged buffer was
 * uncharged (tt_test.c).
 */
#include "tt_test.h"

#define SYN RTE_TCP_SYN_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG

#define S(name) TT_TEST_STAT(env, name)

/* The application resets h; its 'closed' event is consumed and what was sent dropped. */
static void
abort_app(struct tt_test_env *env, tt_conn_t h)
{
	assert_int_equal(tt_test_app_abort(env, h), 0);
	tt_test_poll(env);
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
	tt_test_tx_drain(env);
}

/* Handshake of p with an application that does not accept yet: the payload is held. */
static struct tt_conn *
connect_held(struct tt_test_env *env, struct tt_test_peer *p, uint16_t sport)
{
	struct tt_test_seg s;

	tt_test_peer_init(p, sport, 1000u * sport);
	tt_test_peer_syn(env, p);
	tt_test_peer_recv(env, p, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, s.seq, p->isn + 1);
	tt_test_peer_send(env, p, ACK, NULL, 0);
	return tt_test_tcp_conn(env, p);
}

/*
 * R2: a peer sending one byte per segment to a connection not yet accepted. Each segment
 * would pin a 2 KB buffer; coalesced into the queue's last buffer, 3000 of them take two.
 * On accept the application gets all 3000 bytes, in order, and nothing stays charged.
 */
static void
test_r2_one_byte_segments_coalesce(void **state)
{
	struct tt_test_env *env = *state;
	const struct tt_test_ev *ev;
	struct tt_test_peer p;
	struct tt_conn *c;
	uint8_t byte;
	tt_conn_t h;

	tt_test_tcp_start_app(env);
	env->app->auto_accept = false;
	c = connect_held(env, &p, 40001);
	assert_non_null(c);
	for (unsigned int i = 0; i < 3000; i++) {
		byte = tt_tb_pattern(i);
		tt_test_peer_send(env, &p, ACK, &byte, 1);
		tt_test_tx_drain(env);
	}
	assert_int_equal(c->rcvq_len, 3000);
	assert_int_equal(c->rcv_nxt, p.snd_nxt);
	assert_true(c->rcvq->nb_segs <= 2);
	assert_int_equal(env->w->tcp->mem.held, c->rcvq->nb_segs);
	assert_int_equal(S(TCPRcvCoalesce), 3000 - c->rcvq->nb_segs);
	assert_int_equal(S(TCPRcvQDrop), 0);

	assert_int_equal(tt_test_app_accept(env, 80, 1), 1);
	h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	tt_test_poll(env);
	ev = TT_TEST_EV(env, TT_TEV_DATA, h);
	assert_int_equal(ev->len, 3000);
	for (unsigned int i = 0; i < 3000; i++)
		assert_int_equal(ev->data[i], tt_tb_pattern(i));
	assert_int_equal(env->w->tcp->mem.held, 0);
	tt_test_tx_drain(env);
	abort_app(env, h);
}

/*
 * R2: segments too large to coalesce (1000 bytes leave less room than that in their own
 * buffer) each cost a buffer. With rmem 16384 the connection may hold 2 x 16384 bytes of true
 * size, 14 buffers: the 15th segment is dropped (TCPRcvQDrop) and not acknowledged, though
 * the window (16384 - 14000 bytes) still had room. The peer's retransmission is taken once
 * the application reads.
 */
static void
test_r2_truesize_budget(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tcp_mem *m;
	struct tt_test_peer p;
	struct tt_test_seg s;
	struct tt_conn *c;
	uint32_t budget;
	tt_conn_t h;

	env->cfg.rmem = 16384;
	tt_test_tcp_start_app(env);
	env->app->auto_accept = false;
	m = &env->w->tcp->mem;
	budget = (2 * 16384 + m->truesize - 1) / m->truesize;
	c = connect_held(env, &p, 40002);
	for (uint32_t i = 0; i < budget; i++) {
		tt_test_peer_send(env, &p, PSH | ACK, NULL, 1000);
		tt_test_peer_recv(env, &p, &s);
		TT_TEST_SEG_IS(&s, ACK, p.irs + 1, p.snd_nxt);
	}
	assert_int_equal(c->rcvq->nb_segs, budget);
	assert_int_equal(S(TCPRcvQDrop), 0);
	assert_true(c->rcvq_len + 1000 <= 16384);     /* the window alone would take it */

	tt_test_peer_xmit(env, &p, PSH | ACK, p.snd_nxt, p.rcv_nxt, NULL, 1000);
	assert_int_equal(S(TCPRcvQDrop), 1);
	assert_int_equal(c->rcvq_len, budget * 1000);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 1, p.snd_nxt);   /* not acknowledged */

	assert_int_equal(tt_test_app_accept(env, 80, 1), 1);
	h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	tt_test_poll(env);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_DATA, h)->len, budget * 1000);
	tt_test_tx_drain(env);
	tt_test_peer_send(env, &p, PSH | ACK, NULL, 1000);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_DATA, h)->len, 1000);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, ACK, p.irs + 1, p.snd_nxt);
	abort_app(env, h);
}

/*
 * R2 on the send side: an application writing one byte at a time queues them in one buffer,
 * not one buffer a byte (the peer's window is shut so nothing leaves).
 */
static void
test_r2_small_sends_coalesce(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_conn *c;
	tt_conn_t h;

	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 40003, 7000);
	p.win = 0;
	h = tt_test_connect(env, &p);
	c = tt_conn_from_handle(env->w->tcp, h);
	for (unsigned int i = 0; i < 1000; i++)
		assert_int_equal(tt_test_app_send(env, h, NULL, 1), 0);
	assert_int_equal(c->sndq_len, 1000);
	assert_int_equal(c->sndq->nb_segs, 1);
	assert_int_equal(env->w->tcp->mem.held, 1);
	abort_app(env, h);
	assert_int_equal(env->w->tcp->mem.held, 0);
}

/* Hold n buffers in c's receive queue: 1000-byte segments, each in a buffer of its own. */
static void
hold_buffers(struct tt_test_env *env, struct tt_test_peer *p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		tt_test_peer_send(env, p, PSH | ACK, NULL, 1000);
		tt_test_tx_drain(env);
	}
}

/* The connection connect_held() made, now accepted, read and reset: the test's cleanup. */
static void
release_held(struct tt_test_env *env)
{
	tt_conn_t h;

	assert_int_equal(tt_test_app_accept(env, 80, 1), 1);
	h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	tt_test_poll(env);
	TT_TEST_EV(env, TT_TEV_DATA, h);
	abort_app(env, h);
}

/*
 * R1: past mem_max (1% of the 384-mbuf test pool: 3 buffers) the pools run low: a new SYN is
 * dropped before anything is allocated (SynShedMemory, ListenDrops), no SYN-ACK, no request.
 * Under mere pressure (mem_max raised past what is held) SYNs are answered: the connections
 * that fill memory then are the ones to reclaim, not new ones. Once the held buffers go
 * (below mem_min) the level is back to ok and the time spent in pressure is counted.
 */
static void
test_r1_syn_shed_in_memory_crisis(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer holder, p, q;
	struct tt_test_seg s;
	tt_conn_t h;

	env->cfg.mem_min = 1;
	env->cfg.mem_pressure = 1;
	env->cfg.mem_max = 1;
	tt_test_tcp_start_app(env);
	env->app->auto_accept = false;
	assert_non_null(connect_held(env, &holder, 40004));
	hold_buffers(env, &holder, 5);
	tt_test_poll(env);
	assert_int_equal(env->w->tcp->mem.level, TT_MEM_CRITICAL);
	assert_int_equal(S(TCPMemoryPressures), 1);

	tt_test_peer_init(&p, 40005, 9000);
	tt_test_peer_syn(env, &p);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_null(tt_test_tcp_req(env, &p));
	assert_int_equal(S(SynShedMemory), 1);
	assert_int_equal(S(ListenDrops), 1);
	assert_int_equal(S(SynShedBusy), 0);

	/* Pressure without crisis: the SYN is answered. */
	env->w->tcp->mem.max = env->pool->size;
	tt_test_poll(env);
	assert_int_equal(env->w->tcp->mem.level, TT_MEM_PRESSURE);
	tt_test_peer_init(&q, 40012, 9500);
	tt_test_peer_syn(env, &q);
	tt_test_peer_recv(env, &q, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, s.seq, q.isn + 1);
	assert_int_equal(S(SynShedMemory), 1);

	/* The application takes the held data: pressure ends, the crisis' SYN is answered. */
	tt_test_advance(env, 5);
	assert_int_equal(tt_test_app_accept(env, 80, 1), 1);
	h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	tt_test_poll(env);
	TT_TEST_EV(env, TT_TEV_DATA, h);
	tt_test_tx_drain(env);
	tt_test_poll(env);
	assert_int_equal(env->w->tcp->mem.level, TT_MEM_OK);
	assert_true(S(TCPMemoryPressuresChrono) >= 5);
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, s.seq, p.isn + 1);
	assert_int_equal(S(SynShedMemory), 1);
	abort_app(env, h);
}

/*
 * n loop iterations, each on a full RX burst of frames the worker throws away cheaply (bad
 * TCP checksums), the fake clock moving step_ms before each: 0 or 1 ms is time the worker
 * spends working; TT_STALL_MS or more, a pause of the host.
 */
static void
full_polls(struct tt_test_env *env, unsigned int n, uint64_t step_ms)
{
	for (unsigned int k = 0; k < n; k++) {
		for (unsigned int i = 0; i < env->w->burst; i++) {
			struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

			b.l4_bad_csum = true;
			b.tcp_flags = ACK;      /* not SYNs: R1 sheds none of them */
			tt_test_rx(env, tt_tb_build(env, &b));
		}
		tt_clock_set_fake(&env->w->clock, env->w->clock.ms + step_ms);
		tt_test_poll(env);
	}
}

/*
 * R1: the worker is behind when TT_BEHIND_BURSTS consecutive iterations found a full RX
 * burst over at least a time: TT_BEHIND_MS when it was behind less than TT_BEHIND_RECENT_MS
 * ago (a lasting overload comes back at once), else TT_BEHIND_FIRST_MS when it is loaded
 * (its last window of TT_BEHIND_RECENT_MS had an idle iteration in fewer than half its
 * milliseconds), else TT_BEHIND_LONG_MS (a pause of the host is not an overload;
 * test_r1_idle_worker_not_overloaded). An iteration then takes at most
 * burst / TT_BEHIND_SYN_SHARE + 1 SYNs (1 of the test's bursts of 8); the others are
 * dropped before IPv4 or TCP counts them (SynShedBusy and EthInFrames, not IpInReceives,
 * InSegs or ListenDrops), while the ACK of a connection already admitted in the same burst
 * is served. That burst is short, so it also ends the run.
 */
static void
test_r1_syn_shed_when_behind(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p[6], q;
	struct tt_test_seg s;
	unsigned int answered = 0;
	uint64_t insegs, ipin, ethin;
	tt_conn_t h;

	/* Small bursts, so that a burst and the test's connections fit the test pool. */
	env->w->burst = 8;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(&q, 40006, 11000);
	tt_test_peer_syn(env, &q);
	tt_test_peer_recv(env, &q, &s);
	/* Full bursts alone are not enough: the run must also last. */
	full_polls(env, TT_BEHIND_BURSTS, 0);
	assert_false(tt_worker_behind(env->w));
	/* No window has ended yet, so not loaded: TT_BEHIND_FIRST_MS is not enough either. */
	full_polls(env, TT_BEHIND_FIRST_MS, 1);
	assert_false(env->w->loaded);
	assert_false(tt_worker_behind(env->w));
	/* The first window ends loaded (full bursts throughout): now the run is long enough. */
	full_polls(env, TT_BEHIND_RECENT_MS - TT_BEHIND_FIRST_MS, 1);
	assert_true(env->w->loaded);
	assert_true(tt_worker_behind(env->w));
	/* Then a short burst, which ends the run: six SYNs and the final ACK of q's handshake. */
	for (unsigned int i = 0; i < 6; i++) {
		tt_test_peer_init(&p[i], (uint16_t)(40100 + i), 12000 + i);
		tt_test_rx(env, tt_test_peer_build(env, &p[i], SYN, p[i].isn, 0, NULL, 0));
	}
	tt_test_rx(env, tt_test_peer_build(env, &q, ACK, q.snd_nxt, q.rcv_nxt, NULL, 0));
	insegs = S(InSegs);
	ipin = S(IpInReceives);
	ethin = S(EthInFrames);
	tt_test_poll(env);
	assert_int_equal(S(SynShedBusy), 6 - (env->w->burst / TT_BEHIND_SYN_SHARE + 1));
	assert_int_equal(S(InSegs) - insegs, 1 + (env->w->burst / TT_BEHIND_SYN_SHARE + 1));
	/* Shed before the lower layers: received, but IPv4 never saw them. */
	assert_int_equal(S(IpInReceives) - ipin, 1 + (env->w->burst / TT_BEHIND_SYN_SHARE + 1));
	assert_int_equal(S(EthInFrames) - ethin, 7);
	assert_int_equal(S(ListenDrops), 0);
	assert_non_null(tt_test_tcp_conn(env, &q));      /* the admitted connection went on */
	for (unsigned int i = 0; i < 6; i++)
		if (tt_test_tcp_req(env, &p[i]) != NULL)
			answered++;
	assert_int_equal(answered, (env->w->burst / TT_BEHIND_SYN_SHARE + 1));
	assert_int_equal(tt_test_tx_drain(env), answered);
	assert_false(tt_worker_behind(env->w));
	/* Caught up: a shed client's retransmitted SYN is served. */
	for (unsigned int i = 0; i < 6; i++) {
		if (tt_test_tcp_req(env, &p[i]) != NULL)
			continue;
		tt_test_peer_syn(env, &p[i]);
		tt_test_peer_recv(env, &p[i], &s);
		TT_TEST_SEG_IS(&s, SYN | ACK, s.seq, p[i].isn + 1);
		break;
	}
	assert_int_equal(S(SynShedBusy), 6 - (env->w->burst / TT_BEHIND_SYN_SHARE + 1));
	/* Behind again soon after: TT_BEHIND_MS is enough this time. */
	full_polls(env, TT_BEHIND_BURSTS, 0);
	assert_false(tt_worker_behind(env->w));
	full_polls(env, TT_BEHIND_MS, 1);
	assert_true(tt_worker_behind(env->w));
	tt_test_poll(env);      /* the queue is empty: the run ends */
	/* Long after the last time, still loaded: the first threshold again. */
	tt_clock_set_fake(&env->w->clock, env->w->clock.ms + TT_BEHIND_RECENT_MS);
	full_polls(env, TT_BEHIND_BURSTS, 0);
	full_polls(env, TT_BEHIND_MS, 1);
	assert_true(env->w->loaded);
	assert_false(tt_worker_behind(env->w));
	full_polls(env, TT_BEHIND_FIRST_MS - TT_BEHIND_MS, 1);
	assert_true(tt_worker_behind(env->w));
	tt_test_poll(env);
	h = TT_TEST_EV(env, TT_TEV_ACCEPTED, 0)->conn;
	abort_app(env, h);
}

/* Six SYNs in one burst, none shed (R1), each answered with a SYN-ACK. */
static void
syns_all_answered(struct tt_test_env *env)
{
	struct tt_test_peer p[6];
	struct tt_test_seg s;

	for (unsigned int i = 0; i < 6; i++) {
		tt_test_peer_init(&p[i], (uint16_t)(40100 + i), 12000 + i);
		tt_test_rx(env, tt_test_peer_build(env, &p[i], SYN, p[i].isn, 0, NULL, 0));
	}
	tt_test_poll(env);
	assert_int_equal(S(SynShedBusy), 0);
	for (unsigned int i = 0; i < 6; i++) {
		tt_test_peer_recv(env, &p[i], &s);
		TT_TEST_SEG_IS(&s, SYN | ACK, s.seq, p[i].isn + 1);
	}
}

/*
 * R1: a worker that found its queue empty in most of its milliseconds is not overloaded: a
 * backlog then (what a pause of the host left, or a client's batch) needs
 * TT_BEHIND_LONG_MS of full bursts, not TT_BEHIND_FIRST_MS, and its SYNs are answered. With
 * the first threshold alone, pauses of this VM's host of 20 ms and more made 200 k conn/s on
 * one core, served at half its capacity, shed SYNs every few seconds (issue 9, eighth
 * session).
 */
static void
test_r1_idle_worker_not_overloaded(void **state)
{
	struct tt_test_env *env = *state;

	env->w->burst = 8;
	tt_test_tcp_start_app(env);
	/* A window of full bursts, never idle: loaded. */
	full_polls(env, TT_BEHIND_RECENT_MS + 1, 1);
	assert_true(env->w->loaded);
	tt_test_poll(env);
	/* Then work and an idle iteration in every millisecond: that window ends not loaded,
	 * and the next one is idle in its first half. */
	for (unsigned int ms = 0; ms < TT_BEHIND_RECENT_MS + TT_BEHIND_RECENT_MS / 2; ms++) {
		full_polls(env, 1, 1);
		tt_test_poll(env);
	}
	assert_false(env->w->loaded);
	/* A backlog of TT_BEHIND_FIRST_MS: not behind, its SYNs all answered. */
	full_polls(env, TT_BEHIND_BURSTS, 0);
	full_polls(env, TT_BEHIND_FIRST_MS, 1);
	assert_false(tt_worker_behind(env->w));
	syns_all_answered(env);
	/*
	 * A backlog over which a window ends not loaded (half of it was idle): behind only
	 * after TT_BEHIND_LONG_MS of full bursts.
	 */
	full_polls(env, TT_BEHIND_BURSTS, 0);
	full_polls(env, TT_BEHIND_LONG_MS - 1, 1);
	assert_false(env->w->loaded);
	assert_false(tt_worker_behind(env->w));
	full_polls(env, 1, 1);
	assert_true(tt_worker_behind(env->w));
	tt_test_poll(env);
}

/*
 * R1: a pause of the host is not an overload. The worker sees full bursts, then the host
 * does not run it for 30 ms (TT_STALL_MS or more: WorkerStalls) while its queue fills; the
 * full bursts it finds after the pause are not time behind (counting the pause, as before,
 * made it behind at once and shed the SYNs that came in behind the pause), so every SYN is
 * answered. A lasting overload after the pause is still found, once a window of it ends
 * loaded.
 */
static void
test_r1_host_pause_not_behind(void **state)
{
	struct tt_test_env *env = *state;

	env->w->burst = 8;
	tt_test_tcp_start_app(env);
	full_polls(env, TT_BEHIND_BURSTS, 0);
	assert_int_equal(S(WorkerStalls), 0);
	full_polls(env, 1, 30);
	assert_int_equal(S(WorkerStalls), 1);
	full_polls(env, TT_BEHIND_BURSTS, 0);
	assert_false(tt_worker_behind(env->w));
	syns_all_answered(env);
	/* An overload after the pause: full bursts until a window has ended loaded. */
	full_polls(env, TT_BEHIND_RECENT_MS + 1, 1);
	assert_true(env->w->loaded);
	assert_true(tt_worker_behind(env->w));
	assert_int_equal(S(WorkerStalls), 1);
	tt_test_poll(env);
}

/*
 * R1, as Linux's tcp_out_of_resources: an orphan (the application closed it) whose peer
 * vanished is reset when its retransmission timer fires under memory pressure
 * (TCPAbortOnMemory), instead of holding its buffers through the backoff.
 */
static void
test_r1_orphan_reset_under_pressure(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer holder, p;
	struct tt_test_seg s;
	struct tt_conn *c;
	uint32_t snd_max;
	tt_conn_t h;

	env->cfg.mem_min = 1;
	env->cfg.mem_pressure = 1;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 40008, 13000);
	h = tt_test_connect(env, &p);
	c = tt_conn_from_handle(env->w->tcp, h);
	/* An answer and a close; the peer never acknowledges. */
	assert_int_equal(tt_test_app_send(env, h, NULL, 100), 0);
	assert_int_equal(tt_test_app_close(env, h), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, FIN | PSH | ACK, p.irs + 1, p.snd_nxt);
	snd_max = c->snd_max;
	/* Another connection, never accepted, holds enough for pressure. */
	env->app->auto_accept = false;
	assert_non_null(connect_held(env, &holder, 40009));
	hold_buffers(env, &holder, 5);
	tt_test_poll(env);
	assert_int_equal(env->w->tcp->mem.level, TT_MEM_PRESSURE);

	/* The RTO (one second: no RTT sample yet, RFC 6298 2.1) resets instead of resending. */
	assert_int_equal(tt_test_step_until(env, 5000, tt_test_pred_tx, NULL), 1000);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, RST | ACK, snd_max, p.snd_nxt);
	assert_int_equal(S(TCPAbortOnMemory), 1);
	assert_null(tt_test_tcp_conn(env, &p));
	TT_TEST_EV(env, TT_TEV_CLOSED, h);
	assert_int_equal(S(RetransSegs), 0);
	release_held(env);
}

/*
 * R1: in a memory crisis (mem_max reached) held memory stops growing, but what is queued can
 * still leave: a send is taken and sent at once (its copy lasts until the port sends it;
 * refusing it would leave the queue unable ever to drain) — up to the connection's send
 * budget, past which a write is refused (SendRefusedMemory) — while new payload for a
 * connection that holds it is dropped unacknowledged (TCPRcvQDrop).
 */
static void
test_r1_critical_stops_growth_not_drain(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer holder, p;
	struct tt_test_seg s;
	tt_conn_t h;

	env->cfg.mem_min = 1;
	env->cfg.mem_pressure = 1;
	env->cfg.mem_max = 1;
	tt_test_tcp_start_app(env);
	tt_test_peer_init(&p, 40010, 14000);
	h = tt_test_connect(env, &p);
	env->app->auto_accept = false;
	assert_non_null(connect_held(env, &holder, 40011));
	hold_buffers(env, &holder, 5);
	tt_test_poll(env);
	assert_int_equal(env->w->tcp->mem.level, TT_MEM_CRITICAL);
	assert_int_equal(tt_test_app_send(env, h, NULL, 100), 0);
	tt_test_poll(env);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, PSH | ACK, p.irs + 1, p.snd_nxt);
	assert_int_equal(s.len, 100);
	assert_int_equal(S(MbufTcpOutFails), 0);
	/*
	 * A writer past its budget in the crisis is refused (the soft limit ends here): the
	 * write that takes it past wmem is taken, the next refused, and nothing of it queued.
	 */
	tt_test_peer_xmit(env, &p, ACK, p.snd_nxt, p.rcv_nxt, NULL, 0);
	assert_int_equal(tt_test_app_send(env, h, NULL, env->cfg.wmem + 100), 0);
	assert_int_equal(tt_test_app_send(env, h, NULL, 100), -ENOBUFS);
	assert_int_equal(S(SendRefusedMemory), 1);
	tt_test_tx_drain(env);
	/* Payload for the held connection is dropped, unacknowledged. */
	tt_test_peer_xmit(env, &holder, PSH | ACK, holder.snd_nxt, holder.rcv_nxt, NULL, 1000);
	assert_int_equal(S(TCPRcvQDrop), 1);
	tt_test_tx_drain(env);
	release_held(env);
	abort_app(env, h);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tt_test_setup, tt_test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_r2_one_byte_segments_coalesce),
		T(test_r2_truesize_budget),
		T(test_r2_small_sends_coalesce),
		T(test_r1_syn_shed_in_memory_crisis),
		T(test_r1_syn_shed_when_behind),
		T(test_r1_idle_worker_not_overloaded),
		T(test_r1_host_pause_not_behind),
		T(test_r1_orphan_reset_under_pressure),
		T(test_r1_critical_stops_growth_not_drain),
	};
#undef T

	if (tt_test_eal_init("tcp_mem") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
