/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net/net_ipv4.c's route decision (RFC 1122 3.3.1) and IpOutNoRoutes (SPEC "Counters"):
 * what tcpterm sends (echo replies, closed-port RSTs, SYN-ACKs and cookies) goes to an
 * on-link destination, or to any destination when a gateway is set; otherwise there is no
 * route and, as in Linux, nothing is sent and IpOutNoRoutes counts it (a SYN is also a
 * ListenDrop, as in tcp_conn_request). Answers still go to the frame's Ethernet source.
 * ActiveOpens stays 0 here: tcpterm makes no active opens yet (SPEC A1), and the
 * TT_TEST_STATS_EXPECT lists below, which require every other counter to be 0, say so.
 */
#include "tt_test.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG

/* A source outside 198.18.0.0/24 (tcpterm's only subnet in the test network). */
#define OFF_LINK TT_IP(198, 19, 7, 7)

/* A gateway, its ARP requests put off so the loop iterations of a test send only answers. */
static void
set_gateway(struct tt_test_env *env)
{
	env->net.gateway = TT_TEST_IP_GW;
	env->w->neigh->next_gw_arp_ms = tt_test_now(env) + 3600 * 1000;
}

static void
test_on_link(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_net net = { 0 };

	(void)env;
	net.addrs[0] = TT_IP(198, 18, 0, 2);
	net.prefix_len[0] = 24;
	net.addrs[1] = TT_IP(10, 1, 2, 3);
	net.prefix_len[1] = 32;
	net.addrs[2] = TT_IP(172, 16, 0, 1);
	net.prefix_len[2] = 12;
	net.n_addrs = 3;
	assert_true(tt_ipv4_on_link(&net, TT_IP(198, 18, 0, 1)));
	assert_true(tt_ipv4_on_link(&net, TT_IP(198, 18, 0, 255)));
	assert_false(tt_ipv4_on_link(&net, TT_IP(198, 18, 1, 1)));
	assert_false(tt_ipv4_on_link(&net, TT_IP(198, 19, 0, 1)));
	/* A /32 holds only itself. */
	assert_true(tt_ipv4_on_link(&net, TT_IP(10, 1, 2, 3)));
	assert_false(tt_ipv4_on_link(&net, TT_IP(10, 1, 2, 4)));
	/* A /12 whose address is not the first of it. */
	assert_true(tt_ipv4_on_link(&net, TT_IP(172, 31, 255, 254)));
	assert_false(tt_ipv4_on_link(&net, TT_IP(172, 32, 0, 1)));
	assert_false(tt_ipv4_on_link(&net, TT_IP(8, 8, 8, 8)));
	net.n_addrs = 0;
	assert_false(tt_ipv4_on_link(&net, TT_IP(198, 18, 0, 1)));
}

/* Echo from an off-link source without a gateway: no reply, IpOutNoRoutes. */
static void
test_echo_no_route(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);

	b.ip_src = OFF_LINK;
	b.payload_len = 56;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "IpInReceives", 1 },
			     { "IpInDelivers", 1 }, { "IcmpInMsgs", 1 }, { "IcmpInEchos", 1 },
			     { "IpOutNoRoutes", 1 });
}

/* With a gateway the same echo is answered, to the frame's Ethernet source. */
static void
test_echo_via_gateway(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	struct tt_test_frame f;

	set_gateway(env);
	b.ip_src = OFF_LINK;
	b.eth_src = tt_test_mac_gw;
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_non_null(f.icmp);
	assert_int_equal(f.icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(f.ip->dst_addr, OFF_LINK);
	assert_memory_equal(&f.eth->dst_addr, &tt_test_mac_gw, RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_free(f.m);
	assert_int_equal(TT_TEST_STAT(env, IpOutNoRoutes), 0);
	assert_int_equal(TT_TEST_STAT(env, IcmpOutEchoReps), 1);
}

/* On the subnet of a second address: on-link, answered without a gateway. */
static void
test_echo_second_subnet(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	struct tt_test_frame f;

	env->net.addrs[1] = TT_IP(10, 1, 2, 3);
	env->net.prefix_len[1] = 16;
	env->net.n_addrs = 2;
	b.ip_dst = TT_IP(10, 1, 2, 3);
	b.ip_src = TT_IP(10, 1, 9, 9);
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_int_equal(f.ip->src_addr, TT_IP(10, 1, 2, 3));
	assert_int_equal(f.ip->dst_addr, TT_IP(10, 1, 9, 9));
	rte_pktmbuf_free(f.m);
	assert_int_equal(TT_TEST_STAT(env, IpOutNoRoutes), 0);
}

/* A SYN to a closed port from an off-link source: the RST has no route. */
static void
test_rst_no_route(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.ip_src = OFF_LINK;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "IpInReceives", 1 },
			     { "IpInDelivers", 1 }, { "InSegs", 1 }, { "IpOutNoRoutes", 1 });
	/* With a gateway, the RST goes out. */
	set_gateway(env);
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 1);
	rte_pktmbuf_free(tt_test_tx_pop(env));
	assert_int_equal(TT_TEST_STAT(env, OutRsts), 1);
	assert_int_equal(TT_TEST_STAT(env, IpOutNoRoutes), 1);
}

/*
 * A SYN to a listener from an off-link source: no SYN-ACK, no request kept, ListenDrops
 * and IpOutNoRoutes (Linux's tcp_conn_request when route_req fails); the same with cookies.
 */
static void
test_synack_no_route(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;

	tt_test_tcp_start(env, NULL);
	tt_test_peer_init(&p, 40000, 1000000);
	p.ip = OFF_LINK;
	tt_test_peer_syn(env, &p);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_null(tt_test_tcp_req(env, &p));
	assert_int_equal(tt_test_tcp_reqs(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "IpInReceives", 1 },
			     { "IpInDelivers", 1 }, { "InSegs", 1 }, { "ListenDrops", 1 },
			     { "IpOutNoRoutes", 1 });
	env->cfg.syncookies = 2;
	tt_test_peer_syn(env, &p);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_STAT(env, SyncookiesSent), 0);
	assert_int_equal(TT_TEST_STAT(env, IpOutNoRoutes), 2);
	assert_int_equal(TT_TEST_STAT(env, ListenDrops), 2);
}

/* The same SYN with a gateway: the SYN-ACK goes back to the frame's source MAC. */
static void
test_synack_via_gateway(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_test_peer p;
	struct tt_test_seg s;

	set_gateway(env);
	tt_test_tcp_start(env, NULL);
	tt_test_peer_init(&p, 40001, 2000000);
	p.ip = OFF_LINK;
	tt_test_peer_syn(env, &p);
	tt_test_peer_recv(env, &p, &s);
	TT_TEST_SEG_IS(&s, SYN | ACK, p.irs, 2000001);
	tt_test_peer_send(env, &p, ACK, NULL, 0);
	assert_non_null(tt_test_tcp_conn(env, &p));
	assert_int_equal(TT_TEST_STAT(env, IpOutNoRoutes), 0);
	assert_int_equal(TT_TEST_STAT(env, PassiveOpens), 1);
	assert_int_equal(TT_TEST_STAT(env, ActiveOpens), 0);
	/* Accepted, then reset by the peer: teardown finds nothing in use. */
	assert_int_equal(tt_test_app_accept(env, 80, 8), 1);
	tt_test_peer_send(env, &p, RTE_TCP_RST_FLAG, NULL, 0);
	tt_test_poll(env);
	assert_null(tt_test_tcp_conn(env, &p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_on_link),
		T(test_echo_no_route),
		T(test_echo_via_gateway),
		T(test_echo_second_subnet),
		T(test_rst_no_route),
		T(test_synack_no_route),
		T(test_synack_via_gateway),
#undef T
	};

	if (tt_test_eal_init("route") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
