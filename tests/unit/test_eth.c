/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net/net_eth.c: the first step of every frame (tt_worker_poll -> tt_eth_input). Frames
 * too short, for another MAC or of another EtherType are counted and dropped (SPEC D8);
 * broadcast and our own MAC go on to ARP and IPv4.
 */
#include "tt_test.h"

/* 13 bytes: one short of an Ethernet header. */
static void
test_truncated(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);

	b.frame_len = RTE_ETHER_HDR_LEN - 1;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "EthInTruncated", 1 });
}

static void
test_empty_frame(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);

	b.frame_len = 0;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "EthInTruncated", 1 });
}

/* A valid ARP request for our address, but sent to another unicast MAC. */
static void
test_other_host(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);

	b.eth_dst = (struct rte_ether_addr){{ 0x02, 0, 0, 0, 0, 0x99 }};
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "EthInOtherHosts", 1 });
	/* Nothing was learned from a frame that was not ours. */
	assert_null(tt_neigh_lookup(env->w->neigh, TT_TEST_IP_PEER));
}

/*
 * A group source MAC is invalid (IEEE 802.3 3.2.3): dropped before any layer can answer it,
 * since replies go back to the frame's source and would reach every host on the segment.
 */
static void
test_group_source(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);

	memset(&b.eth_src, 0xff, sizeof(b.eth_src));
	tt_test_input(env, tt_tb_build(env, &b));
	b.eth_src = (struct rte_ether_addr){{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }};
	tt_test_input(env, tt_tb_build(env, &b));
	b = tt_tb_defaults(TT_TB_TCP);
	b.eth_src = (struct rte_ether_addr){{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }};
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 3 }, { "EthInGroupSource", 3 });
}

/* ARP requests are broadcast: the frame is accepted and answered. */
static void
test_broadcast_accepted(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);
	struct tt_test_frame f;

	memset(&b.eth_dst, 0xff, sizeof(b.eth_dst));
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_non_null(f.arp);
	rte_pktmbuf_free(f.m);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "ArpInRequests", 1 },
			     { "ArpOutReplies", 1 }, { "EthOutFrames", 1 });
}

/* An ICMP echo to our unicast MAC: passes Ethernet, answered by ICMP. */
static void
test_own_mac_ipv4(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	struct tt_test_frame f;

	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_non_null(f.icmp);
	assert_memory_equal(&f.eth->src_addr, &tt_test_mac_us, RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_free(f.m);
	assert_int_equal(TT_TEST_STAT(env, EthInOtherHosts), 0);
	assert_int_equal(TT_TEST_STAT(env, IpInReceives), 1);
}

static void
other_type(struct tt_test_env *env, uint16_t type)
{
	struct tt_tb b = tt_tb_defaults(TT_TB_IPV4);

	b.ether_type = type;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
}

static void
test_other_types(void **state)
{
	struct tt_test_env *env = *state;

	other_type(env, RTE_ETHER_TYPE_LLDP);
	other_type(env, RTE_ETHER_TYPE_QINQ);
	other_type(env, RTE_ETHER_TYPE_RARP);
	/* Tagged (the IPv4 header's first bytes as TCI: VID 0x500) with no VLAN configured. */
	other_type(env, RTE_ETHER_TYPE_VLAN);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 4 }, { "EthInOtherTypes", 3 },
			     { "EthInVlanUnknown", 1 });
}

/*
 * 802.1Q 9.6: VID 0 is a priority tag, no VLAN. With no address on a VLAN, an echo so
 * tagged is taken as untagged and answered untagged; one tagged VID 7 is dropped, counted.
 */
static void
test_priority_tag(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	struct tt_test_frame f;
	struct rte_mbuf *m;

	m = tt_tb_build(env, &b);
	m->vlan_tci = 5 << 13;                  /* PCP 5, VID 0 */
	assert_int_equal(rte_vlan_insert(&m), 0);
	tt_test_input(env, m);
	tt_test_tx_one(env, &f);
	assert_non_null(f.icmp);
	assert_int_equal(f.eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	rte_pktmbuf_free(f.m);
	m = tt_tb_build(env, &b);
	m->vlan_tci = 7;
	assert_int_equal(rte_vlan_insert(&m), 0);
	tt_test_input(env, m);
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 2 }, { "EthInVlanUnknown", 1 },
			     { "IpInReceives", 1 }, { "IcmpInEchos", 1 }, { "IcmpOutEchoReps", 1 },
			     { "IcmpInMsgs", 1 }, { "IcmpOutMsgs", 1 }, { "IpInDelivers", 1 },
			     { "IpOutRequests", 1 }, { "EthOutFrames", 1 });
}

/* 802.1Q (net_vlan.c): an address on VLAN 100 beside the untagged TT_TEST_IP_US. */
#define VLAN_IP   TT_IP(198, 18, 6, 2)
#define VLAN_PEER TT_IP(198, 18, 6, 10)

static void
vlan_on(struct tt_test_env *env)
{
	env->net.addrs[1] = VLAN_IP;
	env->net.prefix_len[1] = 24;
	env->net.addr_vlan[1] = 100;
	env->net.n_addrs = 2;
	env->net.vlans = true;
	env->net.vlan_map[100 / 64] |= UINT64_C(1) << (100 % 64);
}

/* b built, tagged vid (none: 0xffff), through the worker loop's tag pass, then input. */
static void
vlan_input(struct tt_test_env *env, const struct tt_tb *b, uint16_t vid)
{
	struct rte_mbuf *m = tt_tb_build(env, b);

	if (vid != 0xffff) {
		m->vlan_tci = vid;
		assert_int_equal(rte_vlan_insert(&m), 0);
	}
	tt_vlan_rx(&m, 1);
	tt_test_input(env, m);
}

/* The VID of the frame tcpterm sent (0xffff: untagged); the frame freed. */
static uint16_t
vlan_sent(struct tt_test_env *env)
{
	struct rte_mbuf *m = tt_test_tx_pop(env);
	const struct rte_ether_hdr *eth;
	uint16_t vid = 0xffff;

	assert_non_null(m);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
		vid = rte_be_to_cpu_16(((const struct rte_vlan_hdr *)(eth + 1))->vlan_tci) &
		      RTE_VLAN_ID_MASK;
		assert_int_equal(((const struct rte_vlan_hdr *)(eth + 1))->eth_proto,
				 RTE_BE16(RTE_ETHER_TYPE_IPV4));
	}
	rte_pktmbuf_free(m);
	return vid;
}

/*
 * Each address answers on its own VLAN only, and the answer carries its VLAN: an echo to
 * the VLAN address tagged 100 is answered tagged 100; untagged, or to the untagged address
 * tagged 100, it is dropped (IpInAddrErrors); the untagged address answers untagged; a SYN
 * to a closed port of the VLAN address gets its RST tagged.
 */
static void
test_vlan_addresses(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP), plain = tt_tb_defaults(TT_TB_ICMP);
	struct tt_tb syn = tt_tb_defaults(TT_TB_TCP);

	vlan_on(env);
	b.ip_dst = VLAN_IP;
	b.ip_src = VLAN_PEER;
	vlan_input(env, &b, 100);
	assert_int_equal(tt_test_tx_count(env), 1);
	assert_int_equal(vlan_sent(env), 100);
	vlan_input(env, &b, 0xffff);
	vlan_input(env, &plain, 100);
	assert_int_equal(tt_test_tx_count(env), 0);
	vlan_input(env, &plain, 0xffff);
	assert_int_equal(tt_test_tx_count(env), 1);
	assert_int_equal(vlan_sent(env), 0xffff);
	syn.ip_dst = VLAN_IP;
	syn.ip_src = VLAN_PEER;
	syn.tcp_dport = 9;
	vlan_input(env, &syn, 100);
	assert_int_equal(tt_test_tx_count(env), 1);
	assert_int_equal(vlan_sent(env), 100);
	assert_int_equal(TT_TEST_STAT(env, IpInAddrErrors), 2);
	assert_int_equal(TT_TEST_STAT(env, EthOutVlanErrors), 0);
	assert_int_equal(TT_TEST_STAT(env, EthInVlanUnknown), 0);
}

/* Other EtherTypes are dropped even when sent to a group address (LLDP's nearest bridge). */
static void
test_multicast_other_type(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_IPV4);

	b.eth_dst = (struct rte_ether_addr){{ 0x01, 0x80, 0xc2, 0, 0, 0x0e }};
	b.ether_type = RTE_ETHER_TYPE_LLDP;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "EthInOtherTypes", 1 });
}

/*
 * IPv6 goes to the IPv6 layer (issue 10 item 1) only with an IPv6 address; this
 * environment has IPv4 alone, so it is another EtherType, as Linux with disable_ipv6.
 */
static void
test_ipv6_type(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_IPV4);

	b.eth_dst = (struct rte_ether_addr){{ 0x33, 0x33, 0, 0, 0, 0x01 }};
	b.ether_type = RTE_ETHER_TYPE_IPV6;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "EthInOtherTypes", 1 });
}

/* The same drops through the whole loop: RX ring -> tt_worker_poll -> nothing on TX. */
static void
test_poll_path(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ARP);

	b.frame_len = 10;
	tt_test_rx(env, tt_tb_build(env, &b));
	b = tt_tb_defaults(TT_TB_ARP);
	b.eth_dst = tt_test_mac_peer;
	tt_test_rx(env, tt_tb_build(env, &b));
	b = tt_tb_defaults(TT_TB_IPV4);
	b.ether_type = RTE_ETHER_TYPE_LLDP;
	tt_test_rx(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_poll(env), 3);
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 3 }, { "EthInTruncated", 1 },
			     { "EthInOtherHosts", 1 }, { "EthInOtherTypes", 1 });
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_truncated, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_empty_frame, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_other_host, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_priority_tag, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_vlan_addresses, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_group_source, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_broadcast_accepted, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_own_mac_ipv4, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_other_types, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_multicast_other_type, tt_test_setup,
						tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_type, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_poll_path, tt_test_setup, tt_test_teardown),
	};

	if (tt_test_eal_init("eth") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
