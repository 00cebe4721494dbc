/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net/net_arp.c and net_neigh.c: ARP (RFC 826) for Ethernet/IPv4. Requests for our
 * address are answered in place and teach us the requester; replies teach us the sender;
 * malformed packets are counted (ArpInErrors) and dropped (SPEC D8); the gateway is asked
 * for every second until it answers, then every 30 s (tt_arp_timer, on the fake clock).
 */
#include <rte_malloc.h>

#include "tt_test.h"

static void
assert_mac(const struct rte_ether_addr *got, const struct rte_ether_addr *want)
{
	assert_memory_equal(got, want, RTE_ETHER_ADDR_LEN);
}

static void
assert_learned(struct tt_test_env *env, uint32_t ip, const struct rte_ether_addr *mac)
{
	const struct rte_ether_addr *got = tt_neigh_lookup(env->w->neigh, ip);

	assert_non_null(got);
	assert_mac(got, mac);
}

/* RFC 826 "swap": the reply goes to the requester's hardware address, from ours. */
static void
test_request_for_us(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);
	/* The Ethernet source differs from the ARP sender: the reply must follow the ARP one. */
	const struct rte_ether_addr eth_src = {{ 0x02, 0, 0, 0, 0, 0x77 }};
	struct tt_test_frame f;

	b.eth_src = eth_src;
	memset(&b.eth_dst, 0xff, sizeof(b.eth_dst));
	b.frame_len = RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN; /* padded, as on the wire */
	tt_test_input(env, tt_tb_build(env, &b));

	tt_test_tx_one(env, &f); /* decode also checks the reply is trimmed to 42 bytes */
	assert_non_null(f.arp);
	assert_mac(&f.eth->dst_addr, &tt_test_mac_peer);
	assert_mac(&f.eth->src_addr, &tt_test_mac_us);
	assert_int_equal(rte_be_to_cpu_16(f.arp->arp_hardware), RTE_ARP_HRD_ETHER);
	assert_int_equal(rte_be_to_cpu_16(f.arp->arp_protocol), RTE_ETHER_TYPE_IPV4);
	assert_int_equal(f.arp->arp_hlen, RTE_ETHER_ADDR_LEN);
	assert_int_equal(f.arp->arp_plen, 4);
	assert_int_equal(rte_be_to_cpu_16(f.arp->arp_opcode), RTE_ARP_OP_REPLY);
	assert_mac(&f.arp->arp_data.arp_sha, &tt_test_mac_us);
	assert_int_equal(f.arp->arp_data.arp_sip, TT_TEST_IP_US);
	assert_mac(&f.arp->arp_data.arp_tha, &tt_test_mac_peer);
	assert_int_equal(f.arp->arp_data.arp_tip, TT_TEST_IP_PEER);
	rte_pktmbuf_free(f.m);

	assert_learned(env, TT_TEST_IP_PEER, &tt_test_mac_peer);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "ArpInRequests", 1 },
			     { "ArpOutReplies", 1 }, { "EthOutFrames", 1 });
}

/* A second address of ours is answered for too, with that address as the sender. */
static void
test_request_for_second_address(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);
	struct tt_test_frame f;

	env->net.addrs[1] = TT_IP(198, 18, 0, 3);
	env->net.prefix_len[1] = TT_TEST_PREFIX;
	env->net.n_addrs = 2;
	b.arp_tip = TT_IP(198, 18, 0, 3);
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_int_equal(f.arp->arp_data.arp_sip, TT_IP(198, 18, 0, 3));
	rte_pktmbuf_free(f.m);
}

static void
test_request_for_other(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);

	memset(&b.eth_dst, 0xff, sizeof(b.eth_dst));
	b.arp_tip = TT_IP(198, 18, 0, 77);
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	/* Only requests addressed to us teach us the sender (as Linux, without arp_accept). */
	assert_null(tt_neigh_lookup(env->w->neigh, TT_TEST_IP_PEER));
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "ArpInRequests", 1 },
			     { "ArpInOther", 1 });
}

/* RFC 5227 probe (sender address 0) for our address: defended, as Linux does; nothing learned. */
static void
test_probe_for_us(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);
	struct tt_test_frame f;

	b.arp_sip = 0;
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_int_equal(rte_be_to_cpu_16(f.arp->arp_opcode), RTE_ARP_OP_REPLY);
	assert_mac(&f.eth->dst_addr, &tt_test_mac_peer);
	assert_int_equal(f.arp->arp_data.arp_tip, 0);
	rte_pktmbuf_free(f.m);
	assert_null(tt_neigh_lookup(env->w->neigh, 0));
}

/* Each malformed packet: dropped, no reply, nothing learned, counted in ArpInErrors. */
static void
malformed(struct tt_test_env *env, struct tt_tb *b)
{
	uint64_t before = TT_TEST_STAT(env, ArpInErrors);

	tt_test_input(env, tt_tb_build(env, b));
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_STAT(env, ArpInErrors), before + 1);
	assert_null(tt_neigh_lookup(env->w->neigh, b->arp_sip));
}

static void
test_malformed(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b;

	b = tt_tb_defaults(TT_TB_ARP);
	b.arp_hln = 8;
	malformed(env, &b);
	b = tt_tb_defaults(TT_TB_ARP);
	b.arp_pln = 16;
	malformed(env, &b);
	b = tt_tb_defaults(TT_TB_ARP);
	b.arp_hrd = 6; /* IEEE 802 */
	malformed(env, &b);
	b = tt_tb_defaults(TT_TB_ARP);
	b.arp_pro = RTE_ETHER_TYPE_IPV6;
	malformed(env, &b);
	b = tt_tb_defaults(TT_TB_ARP);
	b.arp_op = RTE_ARP_OP_REVREQUEST;
	malformed(env, &b);
	b = tt_tb_defaults(TT_TB_ARP);
	b.arp_op = 0;
	malformed(env, &b);
	b = tt_tb_defaults(TT_TB_ARP);
	b.frame_len = RTE_ETHER_HDR_LEN + sizeof(struct rte_arp_hdr) - 1; /* truncated */
	malformed(env, &b);
	b = tt_tb_defaults(TT_TB_ARP);
	b.frame_len = RTE_ETHER_HDR_LEN; /* Ethernet header, no ARP at all */
	malformed(env, &b);
	/* A sender claiming a group MAC cannot be a neighbour (its opcode is counted first). */
	b = tt_tb_defaults(TT_TB_ARP);
	memset(&b.arp_sha, 0xff, sizeof(b.arp_sha));
	malformed(env, &b);
	b = tt_tb_defaults(TT_TB_ARP);
	b.arp_op = RTE_ARP_OP_REPLY;
	b.arp_sha = (struct rte_ether_addr){{ 0x01, 0x00, 0x5e, 0, 0, 1 }};
	malformed(env, &b);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 10 }, { "ArpInErrors", 10 },
			     { "ArpInRequests", 1 }, { "ArpInReplies", 1 });
}

/* A reply teaches us the sender and is not answered; a later reply updates the entry. */
static void
test_reply_learning(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);
	const struct rte_ether_addr moved = {{ 0x02, 0, 0, 0, 0, 0x55 }};

	b.arp_op = RTE_ARP_OP_REPLY;
	b.eth_src = tt_test_mac_gw;
	b.arp_sha = tt_test_mac_gw;
	b.arp_sip = TT_TEST_IP_GW;
	b.arp_tha = tt_test_mac_us;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_learned(env, TT_TEST_IP_GW, &tt_test_mac_gw);

	b.eth_src = moved;
	b.arp_sha = moved;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_learned(env, TT_TEST_IP_GW, &moved);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 2 }, { "ArpInReplies", 2 });
}

/* A reply for an address that is not ours is ignored, not learned. */
static void
test_reply_for_other(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);

	b.arp_op = RTE_ARP_OP_REPLY;
	b.arp_tip = TT_IP(198, 18, 0, 77);
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_null(tt_neigh_lookup(env->w->neigh, TT_TEST_IP_PEER));
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "ArpInReplies", 1 },
			     { "ArpInOther", 1 });
}

/* Assert the worker sent exactly n ARP requests for the gateway, and drop them. */
static void
expect_gw_requests(struct tt_test_env *env, unsigned int n)
{
	struct tt_test_frame f;

	assert_int_equal(tt_test_tx_count(env), n);
	for (unsigned int i = 0; i < n; i++) {
		tt_test_decode(tt_test_tx_pop(env), &f);
		assert_non_null(f.arp);
		assert_true(rte_is_broadcast_ether_addr(&f.eth->dst_addr));
		assert_mac(&f.eth->src_addr, &tt_test_mac_us);
		assert_int_equal(rte_be_to_cpu_16(f.arp->arp_opcode), RTE_ARP_OP_REQUEST);
		assert_int_equal(rte_be_to_cpu_16(f.arp->arp_hardware), RTE_ARP_HRD_ETHER);
		assert_int_equal(rte_be_to_cpu_16(f.arp->arp_protocol), RTE_ETHER_TYPE_IPV4);
		assert_mac(&f.arp->arp_data.arp_sha, &tt_test_mac_us);
		assert_int_equal(f.arp->arp_data.arp_sip, TT_TEST_IP_US);
		assert_true(rte_is_zero_ether_addr(&f.arp->arp_data.arp_tha));
		assert_int_equal(f.arp->arp_data.arp_tip, TT_TEST_IP_GW);
		rte_pktmbuf_free(f.m);
	}
}

/* Advance the fake clock by ms, run one loop iteration, expect n gateway requests. */
static void
tick(struct tt_test_env *env, uint64_t ms, unsigned int n)
{
	tt_clock_advance(&env->w->clock, ms);
	tt_test_poll(env);
	expect_gw_requests(env, n);
}

static struct rte_mbuf *
gw_reply(struct tt_test_env *env)
{
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);

	b.arp_op = RTE_ARP_OP_REPLY;
	b.eth_src = tt_test_mac_gw;
	b.arp_sha = tt_test_mac_gw;
	b.arp_sip = TT_TEST_IP_GW;
	b.arp_tha = tt_test_mac_us;
	return tt_tb_build(env, &b);
}

/* Unresolved: a request at once, then one every second, not sooner. */
static void
test_timer_unresolved(void **state)
{
	struct tt_test_env *env = *state;

	env->net.gateway = TT_TEST_IP_GW;
	tick(env, 0, 1);
	tick(env, 0, 0);
	tick(env, 999, 0);
	tick(env, 1, 1);
	tick(env, 999, 0);
	tick(env, 1, 1);
	tick(env, 5000, 1); /* late loop: one request, not one per missed second */
	tick(env, 999, 0);
	tick(env, 1, 1);
	assert_int_equal(TT_TEST_STAT(env, ArpOutRequests), 5);
}

/*
 * Resolved: once the gateway has answered, the request after the answer schedules the next
 * one 30 s later (refresh), not 1 s. The answer arrives just before a scheduled request
 * (same loop iteration: RX runs before the timer).
 */
static void
test_timer_resolved(void **state)
{
	struct tt_test_env *env = *state;

	env->net.gateway = TT_TEST_IP_GW;
	tick(env, 0, 1);
	tick(env, 1000, 1);
	tt_test_rx(env, gw_reply(env));
	tick(env, 1000, 1);
	assert_learned(env, TT_TEST_IP_GW, &tt_test_mac_gw);
	tick(env, 1000, 0);  /* 3 s: would be a retry if still unresolved */
	tick(env, 28999, 0);
	tick(env, 1, 1);     /* 32 s: 30 s after the request that found it resolved */
	tick(env, 29999, 0);
	tick(env, 1, 1);
	assert_int_equal(TT_TEST_STAT(env, ArpOutRequests), 5);
}

/*
 * A gateway on the subnet of our second address: the request comes from that address (as
 * Linux's arp_solicit picks it), not from the first, which the gateway cannot reach on-link.
 */
static void
test_timer_gateway_second_subnet(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_frame f;

	env->net.addrs[1] = env->net.addrs[0];
	env->net.prefix_len[1] = env->net.prefix_len[0];
	env->net.addrs[0] = TT_IP(10, 0, 0, 2);
	env->net.prefix_len[0] = 8;
	env->net.n_addrs = 2;
	env->net.gateway = TT_TEST_IP_GW;
	tt_test_poll(env);
	tt_test_tx_one(env, &f);
	assert_non_null(f.arp);
	assert_int_equal(f.arp->arp_data.arp_sip, TT_TEST_IP_US);
	assert_int_equal(f.arp->arp_data.arp_tip, TT_TEST_IP_GW);
	rte_pktmbuf_free(f.m);
}

/* No gateway: the timer never sends anything. */
static void
test_timer_no_gateway(void **state)
{
	struct tt_test_env *env = *state;

	for (int i = 0; i < 5; i++)
		tick(env, 1000, 0);
	tick(env, 60000, 0);
	assert_int_equal(TT_TEST_STAT(env, ArpOutRequests), 0);
}

/* The clock is a 64-bit millisecond count: wrap-safe comparisons keep working near its end. */
static void
test_timer_clock_wrap(void **state)
{
	struct tt_test_env *env = *state;

	env->net.gateway = TT_TEST_IP_GW;
	tt_clock_set_fake(&env->w->clock, UINT64_MAX - 500);
	env->w->neigh->next_gw_arp_ms = UINT64_MAX - 500;
	tick(env, 0, 1);
	tick(env, 999, 0);   /* clock wrapped past 0 */
	tick(env, 1, 1);
}

/*
 * With several workers, an ARP packet that taught the receiving worker is copied to the
 * others (tt_worker_fanout), which learn from the copy and never answer it.
 */
static void
test_fanout_to_peer(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_worker *w = env->w, *w2;
	struct tt_worker *peers[2];
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);
	struct tt_test_frame f;

	w2 = rte_zmalloc("tt_worker", sizeof(*w2), RTE_CACHE_LINE_SIZE);
	assert_non_null(w2);
	*w2 = (struct tt_worker){
		.id = 1, .n_workers = 2, .queue = 1, .n_ports = 0, .burst = 32,
		.ports = w->ports, .net = w->net, .pool = w->pool, .peers = peers,
	};
	tt_clock_set_fake(&w2->clock, 0);
	w2->neigh = tt_neigh_create("ut_neigh_peer", 64, (int)rte_socket_id());
	w2->inbox = rte_ring_create("ut_inbox_peer", TT_INBOX_SIZE, (int)rte_socket_id(),
				    RING_F_SC_DEQ);
	assert_non_null(w2->neigh);
	assert_non_null(w2->inbox);
	peers[0] = w;
	peers[1] = w2;
	w->n_workers = 2;
	w->peers = peers;

	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	rte_pktmbuf_free(f.m);
	assert_int_equal(rte_ring_count(w2->inbox), 1);

	/* w2 has no port of its own here (n_ports 0): its loop only drains the inbox. */
	assert_int_equal(tt_worker_poll(w2), 1);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_non_null(tt_neigh_lookup(w2->neigh, TT_TEST_IP_PEER));
	assert_mac(tt_neigh_lookup(w2->neigh, TT_TEST_IP_PEER), &tt_test_mac_peer);
	/* The copy was validated and counted by the worker that received it, not again. */
	for (int i = 0; i < TT_STAT__COUNT; i++)
		assert_int_equal(tt_stats_read(&w2->stats, (unsigned int)i), 0);

	/* A probe (sender 0) teaches nothing, so nothing is copied. */
	b.arp_sip = 0;
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_drain(env);
	assert_int_equal(rte_ring_count(w2->inbox), 0);

	w->n_workers = 1;
	w->peers = env->peers;
	tt_neigh_free(w2->neigh);
	rte_ring_free(w2->inbox);
	rte_free(w2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_for_us, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_request_for_second_address, tt_test_setup,
						tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_request_for_other, tt_test_setup,
						tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_probe_for_us, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_malformed, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_reply_learning, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_reply_for_other, tt_test_setup,
						tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_timer_unresolved, tt_test_setup,
						tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_timer_resolved, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_timer_gateway_second_subnet, tt_test_setup,
						tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_timer_no_gateway, tt_test_setup,
						tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_timer_clock_wrap, tt_test_setup,
						tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_fanout_to_peer, tt_test_setup, tt_test_teardown),
	};

	if (tt_test_eal_init("arp") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
