/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the input path (SPEC D8, R5), beside the deterministic loop of
 * tests/unit/test_fuzz_input.c: coverage-guided input, one Ethernet frame per input, through
 * tt_eth_input and a TX flush on the unit-test harness (tests/unit/tt_test.c), without the
 * TCP core (every segment gets the closed-port answer). Aborts when a frame the worker sends
 * is malformed (tt_test_frame_problem) or when the pool is not whole again after the input
 * (leak or double free). fuzz_tcp.c plays sequences of segments against the TCP core.
 *
 * Built with -Dfuzz=true (clang), run by scripts/fuzz.sh (docs/FUZZING.md):
 *   bash scripts/fuzz.sh 1000000 fuzz_input
 *
 * ASan does not see inside mbufs (EAL memory is not instrumented): over-reads within a
 * buffer stay invisible; the frame checks and the pool balance are what this target proves.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tt_test.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tt_test_env *env;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	void *state = NULL;

	(void)argc;
	(void)argv;
	/* A failed harness assertion outside a cmocka test aborts: libFuzzer reports it. */
	setenv("CMOCKA_TEST_ABORT", "1", 1);
	if (tt_test_eal_init("fuzz_input") != 0 || tt_test_setup(&state) != 0)
		abort();
	env = state;
	/* A gateway, so ARP learning of it and the timer paths are reachable too. */
	env->net.gateway = TT_TEST_IP_GW;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(env->pool);
	char *p;

	if (m == NULL)
		abort();
	/* Frames longer than one mbuf never arrive: the ports run without scatter RX. */
	if (size > rte_pktmbuf_tailroom(m))
		size = rte_pktmbuf_tailroom(m);
	p = rte_pktmbuf_append(m, (uint16_t)size);
	if (size != 0)
		memcpy(p, data, size);
	tt_clock_advance(&env->w->clock, 100);
	tt_test_input(env, m);
	tt_arp_timer(env->w);
	tt_worker_flush(env->w);
	while ((m = tt_test_tx_pop(env)) != NULL) {
		const char *problem = tt_test_frame_problem(env, m);

		if (problem != NULL) {
			fprintf(stderr, "fuzz_input: sent frame: %s\n", problem);
			abort();
		}
		rte_pktmbuf_free(m);
	}
	if (tt_test_pool_balance(env) != 0) {
		fprintf(stderr, "fuzz_input: pool off by %ld mbuf(s) after one input\n",
			tt_test_pool_balance(env));
		abort();
	}
	return 0;
}
