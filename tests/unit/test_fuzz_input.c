/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SPEC D8 "bad input never crashes, leaks or corrupts", as a deterministic mutation loop over
 * the whole input path (tt_eth_input -> ARP | IPv4 -> ICMP | TCP -> replies -> TX flush).
 *
 * Valid ARP, ICMP, TCP and UDP frames from the builder are mutated (bit flips, interesting
 * byte values, 16-bit overwrites, truncation, extension), often with their checksums fixed
 * afterwards so the mutation reaches the parsers behind them, sometimes with RX offload
 * verdicts set, and fed one at a time or in bursts through the loop. After each input:
 *   - every frame the worker sent is well formed: one of ours, lengths consistent, IPv4 and
 *     TCP/ICMP checksums valid (a reply built from garbage must not be garbage);
 * and at the end:
 *   - the counters balance (each datagram ends under exactly one drop reason or delivery;
 *     each ICMP message and TCP segment likewise; every reply counted once);
 *   - no mbuf leaked or was freed twice (tt_test_teardown).
 *
 * Fixed seed and iteration count, so a failure reproduces; TT_FUZZ_SEED and TT_FUZZ_ITERS
 * override them for longer runs. Frames are single-segment, as the ports deliver them (no
 * scatter RX). The libFuzzer target fuzz_input.c feeds the same path from coverage-guided
 * input (clang builds only, not part of this suite).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "tt_test.h"

#define DEFAULT_SEED  0x7463707465726dULL   /* "tcpterm" */
#define DEFAULT_ITERS 20000

static uint64_t rng;

/* ---- Seeds ---------------------------------------------------------------------------- */

static const uint8_t opt_syn[] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
};
static const uint8_t opt_ts_sack[] = {
	1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8, 1, 1, 5, 26,
	0, 0, 0x10, 0, 0, 0, 0x20, 0, 0, 0, 0x30, 0, 0, 0, 0x40, 0, 0, 0, 0x50, 0, 0, 0, 0x60, 0,
};
static const uint8_t opt_ip_ra[] = { 0x94, 0x04, 0x00, 0x00 };

static struct rte_mbuf *
seed_frame(struct tt_test_env *env)
{
	struct tt_tb b;

	switch (tt_test_rnd_below(&rng, 10)) {
	case 0:
		b = tt_tb_defaults(TT_TB_ARP);
		break;
	case 1:
		b = tt_tb_defaults(TT_TB_ARP);
		b.arp_op = RTE_ARP_OP_REPLY;
		b.arp_sip = TT_TEST_IP_GW;
		b.arp_sha = tt_test_mac_gw;
		break;
	case 2:
		b = tt_tb_defaults(TT_TB_ICMP);
		b.payload_len = (uint16_t)tt_test_rnd_below(&rng, 120);
		break;
	case 3:
		b = tt_tb_defaults(TT_TB_ICMP);
		b.ip_opts = opt_ip_ra;
		b.ip_opts_len = sizeof(opt_ip_ra);
		b.payload_len = (uint16_t)tt_test_rnd_below(&rng, 64);
		break;
	case 4:
		b = tt_tb_defaults(TT_TB_TCP);
		b.tcp_opts = opt_syn;
		b.tcp_opts_len = sizeof(opt_syn);
		break;
	case 5:
		b = tt_tb_defaults(TT_TB_TCP);
		b.tcp_flags = RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG;
		b.tcp_ack = (uint32_t)tt_test_rnd(&rng);
		b.payload_len = (uint16_t)tt_test_rnd_below(&rng, 200);
		break;
	case 6:
		b = tt_tb_defaults(TT_TB_TCP);
		b.tcp_flags = RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG;
		b.tcp_opts = opt_ts_sack;
		b.tcp_opts_len = sizeof(opt_ts_sack);
		break;
	case 7:
		b = tt_tb_defaults(TT_TB_TCP);
		b.tcp_flags = RTE_TCP_RST_FLAG;
		break;
	case 8:
		b = tt_tb_defaults(TT_TB_TCP);
		b.ip_opts = opt_ip_ra;
		b.ip_opts_len = sizeof(opt_ip_ra);
		b.tcp_seq = (uint32_t)tt_test_rnd(&rng);
		b.payload_len = (uint16_t)tt_test_rnd_below(&rng, 16);
		break;
	default:
		b = tt_tb_defaults(TT_TB_IPV4);
		b.payload_len = (uint16_t)tt_test_rnd_below(&rng, 64);
		break;
	}
	if (tt_test_rnd_below(&rng, 8) == 0)
		memset(&b.eth_dst, 0xff, sizeof(b.eth_dst));
	if (tt_test_rnd_below(&rng, 8) == 0)
		b.frame_len = RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN + (int)tt_test_rnd_below(&rng, 2) * 4;
	return tt_tb_build(env, &b);
}

/* ---- Mutations ------------------------------------------------------------------------ */

static const uint8_t interesting[] = { 0, 1, 2, 4, 5, 6, 8, 0x0f, 0x10, 0x40, 0x45, 0x46,
				       0x4f, 0x50, 0x7f, 0x80, 0xf0, 0xfe, 0xff };

/* Most of what matters sits in the first 80 bytes (headers and options): aim there. */
static uint16_t
pick_offset(uint16_t len)
{
	if (tt_test_rnd_below(&rng, 4) != 0 && len > 80)
		return (uint16_t)tt_test_rnd_below(&rng, 80);
	return (uint16_t)tt_test_rnd_below(&rng, len);
}

static void
mutate(struct rte_mbuf *m)
{
	unsigned int n = 1 + tt_test_rnd_below(&rng, 4);

	for (unsigned int i = 0; i < n; i++) {
		uint16_t len = rte_pktmbuf_data_len(m);
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
		uint16_t off;
		char *tail;

		switch (tt_test_rnd_below(&rng, 6)) {
		case 0:
		case 1:
			if (len == 0)
				break;
			off = pick_offset(len);
			p[off] ^= (uint8_t)(1u << tt_test_rnd_below(&rng, 8));
			break;
		case 2:
			if (len == 0)
				break;
			p[pick_offset(len)] = interesting[tt_test_rnd_below(&rng, RTE_DIM(interesting))];
			break;
		case 3:
			if (len < 2)
				break;
			off = pick_offset(len - 1);
			p[off] = (uint8_t)tt_test_rnd(&rng);
			p[off + 1] = (uint8_t)tt_test_rnd(&rng);
			break;
		case 4:
			rte_pktmbuf_trim(m, tt_test_rnd_below(&rng, len + 1u));
			break;
		default:
			off = (uint16_t)(1 + tt_test_rnd_below(&rng, 64));
			tail = rte_pktmbuf_append(m, off);
			if (tail != NULL)
				for (uint16_t j = 0; j < off; j++)
					tail[j] = (char)tt_test_rnd(&rng);
			break;
		}
	}
	if (tt_test_rnd_below(&rng, 2) == 0)
		tt_tb_fix_csums(m);
	switch (tt_test_rnd_below(&rng, 8)) {
	case 0:
		m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		break;
	case 1:
		m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_BAD | RTE_MBUF_F_RX_L4_CKSUM_BAD;
		break;
	case 2:
		m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_BAD;
		break;
	default:
		m->ol_flags = 0;
	}
}

/* ---- Checks --------------------------------------------------------------------------- */

static struct tt_test_last_input last;
static unsigned long iter;
static uint64_t seed;

static void
check_and_drain_tx(struct tt_test_env *env, uint64_t *sent)
{
	struct rte_mbuf *m;

	while ((m = tt_test_tx_pop(env)) != NULL) {
		const char *problem = tt_test_frame_problem(env, m);

		(*sent)++;
		rte_pktmbuf_free(m);
		if (problem != NULL) {
			tt_test_last_dump(&last, seed, iter);
			fail_msg("sent frame: %s", problem);
		}
	}
}

#define S(name) TT_TEST_STAT(env, name)

static void
check_balance(struct tt_test_env *env, uint64_t fed, uint64_t sent)
{
	char why[512];

	assert_int_equal(S(EthInFrames), fed);
	assert_int_equal(S(EthOutFrames), sent);
	assert_int_equal(S(EthOutDrops), 0);
	/* Datagrams, ICMP, frames out by layer: the identities every fuzz loop checks. */
	if (tt_test_counters_problem(env, why, sizeof(why)) != NULL)
		fail_msg("%s", why);
	/* Without the TCP core, each segment is an error, a reset (ignored), or answered with one. */
	assert_true(S(InErrs) + S(OutRsts) <= S(InSegs));
	assert_int_equal(S(OutSegs), S(OutRsts));
}

static void
test_fuzz_input(void **state)
{
	struct tt_test_env *env = *state;
	uint64_t iters = tt_test_env_u64("TT_FUZZ_ITERS", DEFAULT_ITERS), fed = 0, sent = 0;

	seed = tt_test_env_u64("TT_FUZZ_SEED", DEFAULT_SEED);
	rng = seed != 0 ? seed : 1;
	/* A gateway, so the ARP timer runs as the fake clock moves, among the fuzzed input. */
	env->net.gateway = TT_TEST_IP_GW;
	for (iter = 0; iter < iters; iter++) {
		struct rte_mbuf *m = seed_frame(env);

		mutate(m);
		tt_test_last_keep(&last, m);
		fed++;
		if (tt_test_rnd_below(&rng, 4) != 0) {
			tt_test_input(env, m);
		} else {
			/* A burst through the loop: RX ring -> tt_worker_poll, clock moving. */
			unsigned int n = tt_test_rnd_below(&rng, 40);

			tt_test_rx(env, m);
			for (unsigned int i = 0; i < n; i++) {
				m = seed_frame(env);
				mutate(m);
				tt_test_rx(env, m);
				fed++;
			}
			tt_clock_advance(&env->w->clock, tt_test_rnd_below(&rng, 1500));
			while (tt_test_poll(env) != 0)
				;
		}
		check_and_drain_tx(env, &sent);
	}
	print_message("fuzz: seed 0x%" PRIx64 ", %" PRIu64 " frames, %" PRIu64 " sent\n", seed,
		      fed, sent);
	check_balance(env, fed, sent);
	/* The mutations reached every layer's drop reasons, not only the first ones. */
	assert_true(S(EthInTruncated) > 0 && S(EthInOtherHosts) > 0 && S(EthInOtherTypes) > 0 &&
		    S(EthInGroupSource) > 0);
	assert_true(S(ArpInErrors) > 0 && S(ArpOutReplies) > 0 && S(ArpOutRequests) > 0);
	assert_true(S(IpInHdrErrors) > 0 && S(IpExtInCsumErrors) > 0 && S(IpReasmReqds) > 0 &&
		    S(IpInAddrErrors) > 0 && S(IpInUnknownProtos) > 0);
	assert_true(S(IcmpInCsumErrors) > 0 && S(IcmpInOther) > 0 && S(IcmpOutEchoReps) > 0);
	assert_true(S(InErrs) > 0 && S(InCsumErrors) > 0 && S(OutRsts) > 0);
	/* Leaks and double frees: tt_test_teardown. */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fuzz_input, tt_test_setup, tt_test_teardown),
	};

	if (tt_test_eal_init("fuzz") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
