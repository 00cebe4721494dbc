/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_conn: the TCP stack's own cost per short connection (SPEC P1, issue 9), on one core,
 * without a driver or a second process. A benchmark, never a test: it prints figures and
 * asserts only that every connection completed.
 *
 * The unit tests' harness (tests/unit/tt_test.c) gives one worker on a ring port and a
 * model client (tt_test_peer). BATCH clients at a time play a Linux-like short connection
 * against the echo application: SYN; ACK; a 100-byte request; the echoed answer; FIN from
 * the client; the server's close (FIN) and the client's last ACK: seven or eight frames, as
 * dperf's HTTP client with tcpterm's http application. Each step's segments go in as one
 * burst, and the cycles counted are those of the worker's loop only (tt_worker_poll: RX
 * from the ring, input, the application, output, TX to the ring), not the client's.
 *
 * Against the memif benchmarks (tests/bench/dperf_cps.py) this leaves out the driver's
 * copies and the cross-core misses of a second process, so its figure is lower; it also
 * moves far less between runs (the clock is the harness's fake one, nothing else shares
 * the core's caches), which is what comparing two builds of the stack needs.
 *
 *   build/tests/bench/bench_conn [--keepalive | --flood] [CONNS [BATCH [ROUNDS]]]
 *
 * CONNS (default 200000) connections per round, BATCH (16) at a time, ROUNDS (5): one line
 * per round, then a readable summary (median and best round) and one JSON line. Flows use
 * 4,096 client ports in turn, so the flow table and the TCBs see a working set larger
 * than one batch's. Memory on 2 MB pages as tcpterm's (128 MB of them free; environment
 * TT_BENCH_NO_HUGE set: 4 KB pages, as the unit tests). --keepalive (P4): BATCH
 * connections opened once, then CONNS requests per round, each connection's request and
 * its echoed answer (two frames), the cost per request. --flood (P3): CONNS SYNs per round,
 * BATCH per burst, each from its own address of 198.19.0.0/16 and port with Linux's options,
 * never acknowledged, syncookies = 2 (every SYN answered with a cookie, as once a flood has
 * filled the SYN queue), through a gateway: the cost per SYN of parsing it, missing the flow
 * table, computing the cookie and sending the SYN-ACK. BATCH under the burst (32), or R1
 * sheds them as it would a flood that fills every burst. TT_BENCH_LAYERS set: also the busy
 * cycles by layer (the layer_cycles tunable), the same split as tcpterm's under a driver.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ring.h>

#include "tt_test.h"

#define PORTS 4096u
#define REQ_LEN 100u
#define BATCH_MAX 64u
#define ROUNDS_MAX 64u
#define EMPTY_POLLS 1000000u

struct bench {
	bool keepalive;               /* requests on BATCH open connections, not connections */
	bool flood;                   /* SYNs answered with cookies, not connections */
	unsigned long conns, batch, rounds;
	uint64_t cycles;              /* in the worker's loop, this round */
	struct tt_test_peer peer[BATCH_MAX];
	uint8_t req[REQ_LEN];
};

static struct bench B;

/* The worker's loop until it has taken every queued frame. */
static void
server_run(struct tt_test_env *env)
{
	do {
		uint64_t t0 = rte_rdtsc();

		tt_test_poll(env);
		B.cycles += rte_rdtsc() - t0;
	} while (rte_ring_count(env->rx) != 0);
}

/* What tcpterm sent, to the clients it is for. */
static void
clients_learn(struct tt_test_env *env)
{
	struct rte_mbuf *m;

	while ((m = tt_test_tx_pop(env)) != NULL) {
		struct tt_test_seg s;

		tt_test_seg_decode(m, &s);
		for (unsigned long i = 0; i < B.batch; i++)
			if (B.peer[i].sport == s.dport) {
				tt_test_peer_learn(&B.peer[i], &s);
				break;
			}
		rte_pktmbuf_free(m);
	}
}

/* Every client of the batch sends one segment as it would (seq snd_nxt, ack rcv_nxt). */
static void
clients_send(struct tt_test_env *env, uint8_t flags, const void *data, uint16_t len)
{
	for (unsigned long i = 0; i < B.batch; i++) {
		struct tt_test_peer *p = &B.peer[i];
		uint32_t seq = p->snd_nxt;

		p->snd_nxt += len + !!(flags & RTE_TCP_SYN_FLAG) + !!(flags & RTE_TCP_FIN_FLAG);
		tt_test_rx(env, tt_test_peer_build(env, p, flags, seq,
						   (flags & RTE_TCP_ACK_FLAG) ? p->rcv_nxt : 0,
						   data, len));
	}
}

static void
step(struct tt_test_env *env, uint8_t flags, const void *data, uint16_t len)
{
	clients_send(env, flags, data, len);
	server_run(env);
	clients_learn(env);
}

/* One round: conns connections, batch at a time; returns the worker's cycles. */
static uint64_t
round_run(struct tt_test_env *env, unsigned long *next_port)
{
	B.cycles = 0;
	for (unsigned long done = 0; done < B.conns; done += B.batch) {
		for (unsigned long i = 0; i < B.batch; i++) {
			tt_test_peer_init(&B.peer[i], (uint16_t)(10000 + *next_port % PORTS),
					  (uint32_t)(*next_port * 2654435761u));
			++*next_port;
		}
		step(env, RTE_TCP_SYN_FLAG, NULL, 0);
		step(env, RTE_TCP_ACK_FLAG, NULL, 0);
		step(env, RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG, B.req, REQ_LEN);
		step(env, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, NULL, 0);
		step(env, RTE_TCP_ACK_FLAG, NULL, 0);
		/* A millisecond a batch: the timers run as they would. */
		tt_clock_advance(&env->w->clock, 1);
		server_run(env);
		clients_learn(env);
	}
	return B.cycles;
}

/*
 * One keep-alive round: conns requests, one from each of the batch's open connections at a
 * time (P4): the request, then the echoed answer, which carries the ACK of the request; the
 * next request acknowledges the answer. Two frames per request.
 */
static uint64_t
round_run_ka(struct tt_test_env *env)
{
	B.cycles = 0;
	for (unsigned long done = 0; done < B.conns; done += B.batch) {
		step(env, RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG, B.req, REQ_LEN);
		tt_clock_advance(&env->w->clock, 1);
	}
	return B.cycles;
}

/*
 * One flood round: conns SYNs, batch per burst, each from a new address and port (the flood
 * of tcpterm-gen's --flood comes from 198.19.0.0/16), answered with a cookie and dropped.
 */
static uint64_t
round_run_flood(struct tt_test_env *env, unsigned long *next)
{
	struct rte_mbuf *m;

	B.cycles = 0;
	for (unsigned long done = 0; done < B.conns; done += B.batch) {
		for (unsigned long i = 0; i < B.batch; i++, ++*next) {
			struct tt_test_peer *p = &B.peer[i];

			tt_test_peer_init(p, (uint16_t)(1024 + *next % 60000),
					  (uint32_t)(*next * 2654435761u));
			p->ip = rte_cpu_to_be_32(198u << 24 | 19u << 16 |
						 (uint32_t)(*next & 0xffff));
			tt_test_rx(env, tt_test_peer_build(env, p, RTE_TCP_SYN_FLAG, p->isn, 0,
							   NULL, 0));
		}
		server_run(env);
		while ((m = tt_test_tx_pop(env)) != NULL)
			rte_pktmbuf_free(m);
		tt_clock_advance(&env->w->clock, 1);
	}
	return B.cycles;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void
bench_conn(void **state)
{
	struct tt_test_env *env = *state;
	uint64_t per[ROUNDS_MAX], in0, out0, segs0, frames;
	struct rte_mbuf *m0;
	unsigned long next_port = 0;
	double hz = (double)rte_get_tsc_hz();

	env->app = calloc(1, sizeof(*env->app));
	assert_non_null(env->app);
	if (B.flood) {
		struct tt_tb b = tt_tb_defaults(TT_TB_ARP);

		/* The flood's addresses are off-link: its SYN-ACKs go through the gateway. */
		env->cfg.syncookies = 2;
		env->net.gateway = TT_TEST_IP_GW;
		b.arp_op = RTE_ARP_OP_REPLY;
		b.eth_src = b.arp_sha = tt_test_mac_gw;
		b.arp_sip = TT_TEST_IP_GW;
		b.arp_tha = tt_test_mac_us;
		tt_test_rx(env, tt_tb_build(env, &b));
		tt_test_poll(env);
		while ((m0 = tt_test_tx_pop(env)) != NULL)
			rte_pktmbuf_free(m0);
	}
	env->app->auto_accept = true;
	env->app->echo = true;
	env->app->on_peer_closed = TT_TREACT_CLOSE;
	tt_test_tcp_start_app(env);
	for (unsigned int i = 0; i < REQ_LEN; i++)
		B.req[i] = (uint8_t)('a' + i % 26);

	if (B.keepalive) {
		for (unsigned long i = 0; i < B.batch; i++)
			tt_test_peer_init(&B.peer[i], (uint16_t)(10000 + i), (uint32_t)(i * 2654435761u));
		step(env, RTE_TCP_SYN_FLAG, NULL, 0);
		step(env, RTE_TCP_ACK_FLAG, NULL, 0);
	}
	/* TT_BENCH_LAYERS set: the worker splits its busy cycles by layer (layer_cycles). */
	env->w->layer_on = getenv("TT_BENCH_LAYERS") != NULL;
	memset(env->w->layer_cycles, 0, sizeof(env->w->layer_cycles));
	in0 = TT_TEST_STAT(env, EthInFrames);
	out0 = TT_TEST_STAT(env, EthOutFrames);
	segs0 = TT_TEST_STAT(env, OutSegs);
	for (unsigned long r = 0; r < B.rounds; r++) {
		uint64_t c = B.keepalive ? round_run_ka(env) :
			     B.flood ? round_run_flood(env, &next_port) : round_run(env, &next_port);

		per[r] = c / B.conns;
		printf("bench_conn: round %lu: %lu %s, %" PRIu64 " cycles each (%.0f ns)\n",
		       r + 1, B.conns, B.keepalive ? "requests" : B.flood ? "SYNs" : "connections",
		       per[r],
		       (double)per[r] * 1e9 / hz);
		fflush(stdout);
	}
	frames = TT_TEST_STAT(env, EthInFrames) - in0 + TT_TEST_STAT(env, EthOutFrames) - out0;
	if (B.keepalive) {
		/* Every request answered, whole, on the connections opened once. */
		assert_int_equal(TT_TEST_STAT(env, PassiveOpens), B.batch);
		assert_int_equal(env->app->count[TT_TEV_DATA], B.conns * B.rounds);
		for (unsigned long i = 0; i < B.batch; i++)
			assert_int_equal(B.peer[i].rcv_nxt - B.peer[i].irs - 1,
					 REQ_LEN * (B.conns / B.batch) * B.rounds);
		step(env, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, NULL, 0);
		step(env, RTE_TCP_ACK_FLAG, NULL, 0);
		tt_clock_advance(&env->w->clock, 1);
		server_run(env);
		clients_learn(env);
	} else if (B.flood) {
		/*
		 * Every SYN answered with a cookie, none of them held (C5). Segments, not frames:
		 * the gateway's ARP refresh (every 30 s of the fake clock) is a frame too.
		 */
		assert_int_equal(TT_TEST_STAT(env, SyncookiesSent), B.conns * B.rounds);
		assert_int_equal(TT_TEST_STAT(env, OutSegs) - segs0, B.conns * B.rounds);
		assert_int_equal(TT_TEST_STAT(env, PassiveOpens), 0);
	} else {
		assert_int_equal(TT_TEST_STAT(env, PassiveOpens), B.conns * B.rounds);
	}
	/* Every connection completed: opened, closed, nothing left over. */
	assert_int_equal(env->app->count[TT_TEV_CLOSED],
			 B.keepalive ? B.batch : B.flood ? 0 : B.conns * B.rounds);
	assert_int_equal(tt_test_tcp_conns(env), 0);
	assert_int_equal(TT_TEST_STAT(env, RetransSegs), 0);

	/*
	 * An iteration with nothing to do (timers, the applications, output, TX): what every
	 * poll pays whatever it carries. Under a driver that delivers a few frames per poll
	 * (memif at a fraction of capacity) it weighs on each connection more than here.
	 */
	uint64_t empty_polls = 0, t0 = rte_rdtsc();

	for (; empty_polls < EMPTY_POLLS; empty_polls++)
		tt_test_poll(env);
	uint64_t empty = (rte_rdtsc() - t0) / EMPTY_POLLS;

	if (env->w->layer_on) {
		static const char *const names[TT_LAYER__COUNT] = {
#define TT_LAYER_NAME(nm, help) [TT_LAYER_##nm] = #nm,
			TT_WORKER_LAYERS(TT_LAYER_NAME)
#undef TT_LAYER_NAME
		};

		printf("bench_conn: busy cycles per %s by layer, all rounds:",
		       B.keepalive ? "request" : B.flood ? "SYN" : "connection");
		for (unsigned int l = 0; l < TT_LAYER__COUNT; l++)
			printf(" %s %.0f", names[l],
			       (double)env->w->layer_cycles[l] / (double)(B.conns * B.rounds));
		printf("\n");
	}
	qsort(per, B.rounds, sizeof(per[0]), cmp_u64);
	double fpc = (double)frames / (double)(B.conns * B.rounds);
	uint64_t med = per[B.rounds / 2];

	if (B.flood) {
		printf("bench_conn: %lu SYNs in %lu rounds, %lu a burst, each from its own address, "
		       "answered with cookies: median %" PRIu64 " cycles per SYN (best %" PRIu64 "), "
		       "%.2f frames each; an empty poll %" PRIu64 " cycles; TSC %.2f GHz\n",
		       B.conns * B.rounds, B.rounds, B.batch, med, per[0], fpc, empty, hz / 1e9);
		printf("{\"bench\": \"stack_flood\", \"syns\": %lu, \"rounds\": %lu, \"batch\": %lu, "
		       "\"cycles_per_syn_median\": %" PRIu64 ", \"cycles_per_syn_best\": %" PRIu64 ", "
		       "\"frames_per_syn\": %.2f, \"cycles_per_empty_poll\": %" PRIu64 ", "
		       "\"tsc_hz\": %.0f}\n", B.conns * B.rounds, B.rounds, B.batch, med, per[0], fpc,
		       empty, hz);
		return;
	}
	if (B.keepalive) {
		printf("bench_conn: %lu requests in %lu rounds on %lu keep-alive connections: median "
		       "%" PRIu64 " cycles per request (best %" PRIu64 "), %.2f frames each, %.0f "
		       "cycles per frame; an empty poll %" PRIu64 " cycles; TSC %.2f GHz\n",
		       B.conns * B.rounds, B.rounds, B.batch, med, per[0], fpc, (double)med / fpc,
		       empty, hz / 1e9);
		printf("{\"bench\": \"stack_keepalive\", \"requests\": %lu, \"rounds\": %lu, "
		       "\"conns\": %lu, \"cycles_per_req_median\": %" PRIu64 ", "
		       "\"cycles_per_req_best\": %" PRIu64 ", \"frames_per_req\": %.2f, "
		       "\"cycles_per_empty_poll\": %" PRIu64 ", \"tsc_hz\": %.0f}\n",
		       B.conns * B.rounds, B.rounds, B.batch, med, per[0], fpc, empty, hz);
		return;
	}
	printf("bench_conn: %lu connections in %lu rounds, %lu at a time: median %" PRIu64
	       " cycles per connection (best %" PRIu64 "), %.2f frames each, %.0f cycles per "
	       "frame; an empty poll %" PRIu64 " cycles; TSC %.2f GHz\n", B.conns * B.rounds,
	       B.rounds, B.batch, med, per[0], fpc, (double)med / fpc, empty, hz / 1e9);
	printf("{\"bench\": \"conn\", \"conns\": %lu, \"rounds\": %lu, \"batch\": %lu, "
	       "\"cycles_per_conn_median\": %" PRIu64 ", \"cycles_per_conn_best\": %" PRIu64 ", "
	       "\"frames_per_conn\": %.2f, \"cycles_per_empty_poll\": %" PRIu64 ", \"tsc_hz\": %.0f}\n",
	       B.conns * B.rounds, B.rounds, B.batch, med, per[0], fpc, empty, hz);
}

static unsigned long
arg_num(const char *s, const char *what, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "bench_conn: %s must be a number from %lu to %lu, not '%s'\n", what,
			lo, hi, s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(bench_conn, tt_test_setup, tt_test_teardown),
	};

	if (argc > 1 && (strcmp(argv[1], "--keepalive") == 0 || strcmp(argv[1], "--flood") == 0)) {
		B.keepalive = argv[1][2] == 'k';
		B.flood = !B.keepalive;
		argv++;
		argc--;
	}
	if (argc > 4 || (argc > 1 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: bench_conn [--keepalive | --flood] [CONNS [BATCH [ROUNDS]]]\n");
		return 2;
	}
	B.conns = argc > 1 ? arg_num(argv[1], B.keepalive ? "REQUESTS" : B.flood ? "SYNS" : "CONNS",
				     1, 100000000) :
			     200000;
	B.batch = argc > 2 ? arg_num(argv[2], "BATCH", 1, BATCH_MAX) : 16;
	B.rounds = argc > 3 ? arg_num(argv[3], "ROUNDS", 1, ROUNDS_MAX) : 5;
	B.conns = (B.conns + B.batch - 1) / B.batch * B.batch;
	/* Eight frames in flight per client at most, plus what the worker holds. */
	tt_test_pool_size = 4096;
	tt_test_pool_cache = 256;      /* tcpterm's TT_MEMPOOL_CACHE */
	tt_test_huge = getenv("TT_BENCH_NO_HUGE") == NULL;
	if (tt_test_eal_init("bench_conn") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
