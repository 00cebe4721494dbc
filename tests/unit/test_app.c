/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application layer's event contract (lib/app/tt_app.c, STYLE habit 16): TCP never calls
 * an application back from inside input processing, however many events one batch of input
 * raises; every event reaches the application, once, in order, in the same loop iteration;
 * an application may abort or close from any callback; after abort or close it hears
 * nothing more of the connection but 'closed'.
 *
 * The input path is driven directly (tt_test_input: tt_eth_input without the loop), so the
 * test knows when input processing is under way and the application's callbacks check that
 * it is not.
 */
#include "tt_test.h"

#define SYN RTE_TCP_SYN_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG

#define S(name) TT_TEST_STAT(env, name)

/*
 * More events in one batch than the first design's event ring held (8191): 64 connections
 * times 130 one-byte segments, 8320 mbufs held at once.
 */
#define N_CONN 64
#define N_SEG 130
#define POOL 12000

static bool in_input;           /* set while the test runs the input path */
static unsigned int reentered;  /* callbacks that came while it ran */
static bool abort_on_data;

static void
hook(struct tt_test_env *env, struct tt_app_ctx *ctx, const struct tt_test_ev *ev)
{
	(void)env;
	if (in_input)
		reentered++;
	if (ev->type == TT_TEV_DATA && abort_on_data)
		tt_app_abort(ctx, ev->conn);
}

static void
input(struct tt_test_env *env, struct rte_mbuf *m)
{
	in_input = true;
	tt_test_input(env, m);
	in_input = false;
}

static void
start(struct tt_test_env *env)
{
	in_input = false;
	reentered = 0;
	abort_on_data = false;
	env->cfg.max_conns = 256;
	tt_test_tcp_start_app(env);
	env->app->hook = hook;
}

/*
 * 8320 segments for 64 connections in one batch of input, the application aborting each
 * connection from its first 'data' callback: no callback during input, and each connection
 * gets all its 130 bytes (in one 'data', in order), then 'closed' (ABORTED), and its RST.
 */
static void
test_events_never_inline(void **state)
{
	struct tt_test_env *env = *state;
	static struct tt_test_peer p[N_CONN];
	unsigned int got[N_CONN] = { 0 };
	tt_conn_t h[N_CONN];
	uint8_t bytes[N_SEG];

	start(env);
	for (unsigned int i = 0; i < N_CONN; i++) {
		tt_test_peer_init(&p[i], (uint16_t)(46000 + i), 1000u * i);
		h[i] = tt_test_connect(env, &p[i]);
	}
	for (unsigned int k = 0; k < N_SEG; k++)
		bytes[k] = (uint8_t)(k * 13 + 5);
	abort_on_data = true;
	for (unsigned int k = 0; k < N_SEG; k++)
		for (unsigned int i = 0; i < N_CONN; i++) {
			input(env, tt_test_peer_build(env, &p[i], PSH | ACK, p[i].snd_nxt,
						      p[i].rcv_nxt, &bytes[k], 1));
			p[i].snd_nxt++;
		}
	if (reentered != 0)
		fail_msg("%u application callback(s) ran inside input processing", reentered);
	assert_int_equal(tt_test_ev_count(env), 0);
	tt_test_poll(env);
	/* Per connection, in order: all its bytes in one 'data', then 'closed'. */
	assert_int_equal(tt_test_ev_count(env), 2 * N_CONN);
	for (unsigned int n = 0; n < 2 * N_CONN; n++) {
		const struct tt_test_ev *ev = &env->app->ev[(env->app->head + n) % TT_TEST_EV_MAX];
		unsigned int i = 0;

		while (i < N_CONN && h[i] != ev->conn)
			i++;
		assert_true(i < N_CONN);
		if (got[i] == 0) {
			assert_int_equal(ev->type, TT_TEV_DATA);
			assert_int_equal(ev->len, N_SEG);
			assert_memory_equal(ev->data, bytes, N_SEG);
		} else {
			assert_int_equal(got[i], 1);
			assert_int_equal(ev->type, TT_TEV_CLOSED);
			assert_int_equal(ev->why, TT_CLOSE_ABORTED);
		}
		got[i]++;
	}
	env->app->n = 0;
	for (unsigned int i = 0; i < N_CONN; i++) {
		struct tt_test_seg s;

		tt_test_peer_recv(env, &p[i], &s);
		assert_true(s.flags & RST);
		assert_int_equal(s.ack, p[i].snd_nxt);
	}
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_int_equal(S(CurrEstab), 0);
	assert_int_equal(S(OutRsts), N_CONN);
}

/*
 * Data, FIN and RST of one connection in one batch: 'data', 'peer_closed', 'closed' (RESET),
 * in that order, nothing lost to the reset.
 */
static void
test_events_in_order_through_reset(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	tt_conn_t h;

	start(env);
	tt_test_peer_init(&p, 46100, 1);
	h = tt_test_connect(env, &p);
	input(env, tt_test_peer_build(env, &p, PSH | ACK, p.snd_nxt, p.rcv_nxt, NULL, 100));
	p.snd_nxt += 100;
	input(env, tt_test_peer_build(env, &p, FIN | ACK, p.snd_nxt, p.rcv_nxt, NULL, 0));
	p.snd_nxt++;
	input(env, tt_test_peer_build(env, &p, RST, p.snd_nxt, 0, NULL, 0));
	assert_int_equal(reentered, 0);
	tt_test_poll(env);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_DATA, h)->len, 100);
	TT_TEST_EV(env, TT_TEV_PEER_CLOSED, h);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_RESET);
	TT_TEST_EV_NONE(env);
	tt_test_tx_drain(env);
	assert_int_equal(tt_test_tcp_conns(env), 0);
}

/*
 * Aborted from its 'data' callback while its peer's FIN waits to be told: the application
 * hears 'closed' and nothing else, although the FIN came first (tt_app_abort: nothing more
 * is delivered).
 */
static void
test_nothing_after_abort(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;
	tt_conn_t h;

	start(env);
	tt_test_peer_init(&p, 46101, 1);
	h = tt_test_connect(env, &p);
	abort_on_data = true;
	input(env, tt_test_peer_build(env, &p, PSH | ACK, p.snd_nxt, p.rcv_nxt, NULL, 10));
	p.snd_nxt += 10;
	input(env, tt_test_peer_build(env, &p, FIN | ACK, p.snd_nxt, p.rcv_nxt, NULL, 0));
	p.snd_nxt++;
	tt_test_poll(env);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_DATA, h)->len, 10);
	assert_int_equal(TT_TEST_EV(env, TT_TEV_CLOSED, h)->why, TT_CLOSE_ABORTED);
	TT_TEST_EV_NONE(env);
	tt_test_peer_recv(env, &p, &s);
	assert_true(s.flags & RST);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(reentered, 0);
}

/* Applications attach to TCP's listeners from above (DESIGN "Layers"): init and fini. */
static unsigned int attach_inits, attach_finis;

static int
attach_init_ok(struct tt_app_ctx *ctx)
{
	(void)ctx;
	attach_inits++;
	return 0;
}

static int
attach_init_fails(struct tt_app_ctx *ctx)
{
	(void)ctx;
	attach_inits++;
	return -ENOMEM;
}

static void
attach_fini(struct tt_app_ctx *ctx)
{
	(void)ctx;
	attach_finis++;
}

/*
 * An application whose init fails stops the start with one line naming it and its port; the
 * instances started before it are stopped by tt_app_detach, the failed one is not.
 */
static void
test_attach_init_fails(void **state)
{
	static const struct tt_app_ops ok_ops = { .init = attach_init_ok, .fini = attach_fini };
	static const struct tt_app_ops bad_ops = { .init = attach_init_fails, .fini = attach_fini };
	static const struct tt_app_def ok_def = { .name = "good", .ops = &ok_ops };
	static const struct tt_app_def bad_def = { .name = "bad", .ops = &bad_ops };
	const struct tt_app_def *apps[TT_APP__COUNT] = { NULL };
	struct tt_test_env *env = *state;
	struct tt_tcp *t;
	char err[256] = "";

	env->cfg.listeners[1] = env->cfg.listeners[0];
	env->cfg.listeners[0].app = TT_APP_ECHO;
	env->cfg.listeners[1].app = TT_APP_HOLD;
	env->cfg.listeners[1].port = 8080;
	env->cfg.n_listeners = 2;
	apps[TT_APP_ECHO] = &ok_def;
	apps[TT_APP_HOLD] = &bad_def;
	attach_inits = attach_finis = 0;
	assert_int_equal(tt_tcp_worker_init(env->w, &env->cfg, err, sizeof(err)), 0);
	t = env->w->tcp;
	assert_int_equal(tt_app_attach(env->w, apps, NULL, TT_APP_INLINE, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "worker 0: application bad failed to start on port 8080");
	assert_int_equal(attach_inits, 2);
	assert_ptr_equal(t->listeners[0].ops, &ok_ops);
	assert_null(t->listeners[1].ops);
	assert_ptr_equal(t->listeners[1].app.engine_priv, env->w);
	tt_app_detach(env->w);
	assert_int_equal(attach_finis, 1);
	assert_null(t->listeners[0].ops);
	tt_app_detach(env->w);
	assert_int_equal(attach_finis, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_events_never_inline),
		T(test_events_in_order_through_reset),
		T(test_nothing_after_abort),
		T(test_attach_init_fails),
#undef T
	};

	tt_test_pool_size = POOL;
	if (tt_test_eal_init("app") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
