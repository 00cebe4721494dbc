/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net/net_ipv4.c: IPv4 input validation in Linux's ip_rcv order (version, header length,
 * total length, checksum, fragments, addresses), delivery to ICMP and TCP, and the in-place
 * reply (tt_ipv4_reply_prepare/send) both use. Every malformed datagram is dropped and
 * counted under the Linux (nstat) counter for its reason (SPEC D8).
 */
#include "tt_test.h"

/* Feed b; expect no reply. */
static void
dropped(struct tt_test_env *env, const struct tt_tb *b)
{
	tt_test_input(env, tt_tb_build(env, b));
	assert_int_equal(tt_test_tx_count(env), 0);
}

static void
test_too_short(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);

	b.frame_len = RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) - 1;
	dropped(env, &b);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "IpInReceives", 1 },
			     { "IpInHdrErrors", 1 });
}

static void
test_bad_version(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);

	b.ip_version = 6;
	dropped(env, &b);
	b.ip_version = 0;
	dropped(env, &b);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 2 }, { "IpInReceives", 2 },
			     { "IpInHdrErrors", 2 });
}

static void
test_bad_ihl(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.ip_ihl = 4;
	dropped(env, &b);
	b.ip_ihl = 0;
	dropped(env, &b);
	/* 60-byte header claimed in a 40-byte datagram: header longer than the total length. */
	b.ip_ihl = 15;
	dropped(env, &b);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 3 }, { "IpInReceives", 3 },
			     { "IpInHdrErrors", 3 });
}

static void
test_bad_total_length(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.ip_tot_len = 19;                 /* below the header */
	dropped(env, &b);
	b.ip_tot_len = 0;
	dropped(env, &b);
	b.ip_tot_len = 20 + 20 + 1;        /* one byte more than the frame carries */
	dropped(env, &b);
	b.ip_tot_len = 0xffff;
	dropped(env, &b);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 4 }, { "IpInReceives", 4 },
			     { "IpInHdrErrors", 4 });
}

/* Linux's ip_rcv_core counts a bad checksum in both InCsumErrors and InHdrErrors. */
static void
test_bad_checksum(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.ip_bad_csum = true;
	dropped(env, &b);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "IpInReceives", 1 },
			     { "IpInHdrErrors", 1 }, { "IpExtInCsumErrors", 1 });
}

/* With RX checksum offload the NIC's verdict is taken, whatever the bytes say. */
static void
test_offload_flags(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	struct tt_test_frame f;

	b.ol_flags = RTE_MBUF_F_RX_IP_CKSUM_BAD;
	dropped(env, &b);
	assert_int_equal(TT_TEST_STAT(env, IpExtInCsumErrors), 1);

	b.ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	b.ip_bad_csum = true;
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_true(tt_test_ipv4_csum_ok(f.ip)); /* the reply's own checksum is recomputed */
	rte_pktmbuf_free(f.m);
	assert_int_equal(TT_TEST_STAT(env, IpExtInCsumErrors), 1);
	assert_int_equal(TT_TEST_STAT(env, IcmpInEchos), 1);
}

/* tcpterm does not reassemble: any fragment (MF, or a non-zero offset) is counted and dropped. */
static void
test_fragments(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	struct tt_test_frame f;

	b.ip_frag = RTE_IPV4_HDR_MF_FLAG;                 /* first fragment */
	dropped(env, &b);
	b.ip_frag = 185;                                  /* last fragment, offset 1480 */
	dropped(env, &b);
	b.ip_frag = RTE_IPV4_HDR_MF_FLAG | 1;             /* middle fragment */
	dropped(env, &b);
	b.ip_frag = RTE_IPV4_HDR_DF_FLAG | 7;             /* DF and an offset: still a fragment */
	dropped(env, &b);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 4 }, { "IpInReceives", 4 },
			     { "IpReasmReqds", 4 });

	/* DF alone is not a fragment: the SYN is answered. */
	b.ip_frag = RTE_IPV4_HDR_DF_FLAG;
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	rte_pktmbuf_free(f.m);
}

static void
test_wrong_destination(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.ip_dst = TT_IP(198, 18, 0, 3);        /* on our subnet, not ours */
	dropped(env, &b);
	b.ip_dst = TT_IP(198, 18, 0, 255);      /* subnet broadcast */
	dropped(env, &b);
	b.ip_dst = TT_IP(255, 255, 255, 255);
	dropped(env, &b);
	b.ip_dst = TT_IP(8, 8, 8, 8);
	dropped(env, &b);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 4 }, { "IpInReceives", 4 },
			     { "IpInAddrErrors", 4 });
}

/*
 * RFC 1122 3.2.1.3 and Linux's martian-source checks (ip_route_input_slow,
 * fib_validate_source): no datagram is accepted from 0/8, the limited broadcast, loopback, a
 * multicast group, or one of our own addresses.
 */
static void
test_martian_sources(void **state)
{
	static const uint32_t martians[] = {
		TT_IP(0, 0, 0, 0), TT_IP(0, 1, 2, 3), TT_IP(255, 255, 255, 255),
		TT_IP(127, 0, 0, 1), TT_IP(127, 255, 0, 9), TT_IP(224, 0, 0, 1),
		TT_IP(239, 255, 255, 250), TT_TEST_IP_US,
	};
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	for (unsigned int i = 0; i < RTE_DIM(martians); i++) {
		b.ip_src = martians[i];
		dropped(env, &b);
		assert_int_equal(TT_TEST_STAT(env, IpInAddrErrors), i + 1);
	}
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", RTE_DIM(martians) },
			     { "IpInReceives", RTE_DIM(martians) },
			     { "IpInAddrErrors", RTE_DIM(martians) });
}

static void
test_unknown_protocols(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_IPV4);

	b.payload_len = 16;
	b.ip_proto = IPPROTO_UDP;
	dropped(env, &b);
	b.ip_proto = IPPROTO_GRE;
	dropped(env, &b);
	b.ip_proto = IPPROTO_SCTP;
	dropped(env, &b);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 3 }, { "IpInReceives", 3 },
			     { "IpInUnknownProtos", 3 });
}

/* A protocol registered for its number (DESIGN "Layers"): what it was handed, and where. */
static unsigned int proto_calls;
static uint16_t proto_l4_len;

static void
proto_input(struct tt_worker *w, struct tt_pkt *p)
{
	(void)w;
	proto_calls++;
	proto_l4_len = p->l4_len;
	rte_pktmbuf_free(p->m);
}

static void
proto_other(struct tt_worker *w, struct tt_pkt *p)
{
	(void)w;
	rte_pktmbuf_free(p->m);
}

/*
 * IPv4 hands a datagram to the protocol registered for its number, validated and counted
 * as delivered; the number stays unknown to others. ICMP is the network layer's own, and a
 * number has one protocol.
 */
static void
test_registered_protocol(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_IPV4);

	proto_calls = 0;
	assert_int_equal(tt_ipv4_proto_register(&env->net, IPPROTO_UDP, proto_input, NULL), 0);
	assert_int_equal(tt_ipv4_proto_register(&env->net, IPPROTO_UDP, proto_input, NULL), 0);
	assert_int_equal(tt_ipv4_proto_register(&env->net, IPPROTO_UDP, proto_other, NULL),
			 -EEXIST);
	assert_int_equal(tt_ipv4_proto_register(&env->net, IPPROTO_TCP, proto_input, NULL),
			 -EEXIST);
	assert_int_equal(tt_ipv4_proto_register(&env->net, IPPROTO_ICMP, proto_input, NULL),
			 -EINVAL);
	assert_int_equal(tt_ipv4_proto_register(&env->net, IPPROTO_SCTP, NULL, NULL), -EINVAL);
	b.payload_len = 16;
	b.ip_proto = IPPROTO_UDP;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(proto_calls, 1);
	assert_int_equal(proto_l4_len, 16);
	b.ip_proto = IPPROTO_SCTP;
	dropped(env, &b);
	assert_int_equal(proto_calls, 1);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 2 }, { "IpInReceives", 2 },
			     { "IpInDelivers", 1 }, { "IpInUnknownProtos", 1 });
}

/* A valid datagram is delivered (IpInDelivers) and answered with IpOutRequests. */
static void
test_delivered(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	struct tt_test_frame f;

	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	rte_pktmbuf_free(f.m);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "IpInReceives", 1 },
			     { "IpInDelivers", 1 }, { "IcmpInMsgs", 1 }, { "IcmpInEchos", 1 },
			     { "IcmpOutMsgs", 1 }, { "IcmpOutEchoReps", 1 },
			     { "IpOutRequests", 1 }, { "EthOutFrames", 1 });
}

/* Ethernet pads a 54-byte frame to 60: the parser trims the padding off the datagram. */
static void
test_padding_trimmed_parse(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	struct rte_mbuf *m;
	struct tt_pkt p;

	b.frame_len = 60;
	m = tt_tb_build(env, &b);
	assert_int_equal(tt_eth_parse(&env->w->stats, m, &env->port.mac, &p), 0);
	assert_int_equal(tt_ipv4_parse(&env->w->stats, env->w->net, &p), 0);
	assert_int_equal(rte_pktmbuf_pkt_len(m), RTE_ETHER_HDR_LEN + 40);
	assert_int_equal(rte_pktmbuf_data_len(m), RTE_ETHER_HDR_LEN + 40);
	assert_int_equal(p.ip_hlen, 20);
	assert_int_equal(p.l4_len, 20);
	assert_ptr_equal(p.l4, rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN + 20));
	rte_pktmbuf_free(m);
}

/* ... and end to end: the SYN in a padded frame is answered as a SYN without data. */
static void
test_padding_trimmed_reply(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	struct tt_test_frame f;

	b.frame_len = 60;
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_int_equal(rte_pktmbuf_pkt_len(f.m), RTE_ETHER_HDR_LEN + 40);
	assert_int_equal(rte_be_to_cpu_32(f.th->recv_ack), b.tcp_seq + 1);
	assert_true(tt_test_l4_csum_ok(&f));
	rte_pktmbuf_free(f.m);

	/* An echo in a padded frame: the reply carries the 4 data bytes, not the padding. */
	b = tt_tb_defaults(TT_TB_ICMP);
	b.payload_len = 4;
	b.frame_len = 60;
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_int_equal(f.data_len, 4);
	assert_true(tt_test_l4_csum_ok(&f));
	rte_pktmbuf_free(f.m);
}

/* IP options in the request; the reply carries none, its L4 header moved up to follow. */
static void
test_options_icmp(void **state)
{
	static const uint8_t ra[] = { 0x94, 0x04, 0x00, 0x00 }; /* Router Alert, RFC 2113 */
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	struct tt_test_frame f;

	b.ip_opts = ra;
	b.ip_opts_len = sizeof(ra);
	b.payload_len = 56;
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_int_equal(f.ip->version_ihl, RTE_IPV4_VHL_DEF);
	assert_int_equal(rte_be_to_cpu_16(f.ip->total_length), 20 + 8 + 56);
	assert_true(tt_test_ipv4_csum_ok(f.ip));
	assert_true(tt_test_l4_csum_ok(&f));
	assert_int_equal(f.icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(rte_be_to_cpu_16(f.icmp->icmp_ident), b.icmp_id);
	assert_int_equal(rte_be_to_cpu_16(f.icmp->icmp_seq_nb), b.icmp_seq);
	assert_int_equal(f.data_len, 56);
	for (unsigned int i = 0; i < 56; i++)
		assert_int_equal(f.data[i], tt_tb_pattern(i));
	rte_pktmbuf_free(f.m);
}

/* The longest header (IHL 15, 40 bytes of options) in front of a TCP SYN with options. */
static void
test_options_tcp(void **state)
{
	static const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	uint8_t opts[40];
	struct tt_test_frame f;

	memset(opts, 1, sizeof(opts) - 1);     /* NOPs ... */
	opts[sizeof(opts) - 1] = 0;            /* ... then End of Option List */
	b.ip_opts = opts;
	b.ip_opts_len = sizeof(opts);
	b.tcp_opts = mss;
	b.tcp_opts_len = sizeof(mss);
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_int_equal(f.ip->version_ihl, RTE_IPV4_VHL_DEF);
	assert_int_equal(rte_be_to_cpu_16(f.ip->total_length), 40);
	assert_true(tt_test_ipv4_csum_ok(f.ip));
	assert_true(tt_test_l4_csum_ok(&f));
	assert_int_equal(rte_be_to_cpu_16(f.th->src_port), b.tcp_dport);
	assert_int_equal(rte_be_to_cpu_16(f.th->dst_port), b.tcp_sport);
	assert_int_equal(rte_be_to_cpu_32(f.th->recv_ack), b.tcp_seq + 1);
	assert_int_equal(f.th->tcp_flags, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	rte_pktmbuf_free(f.m);
}

/* The reply header: addresses swapped, TTL 64, DF, no TOS, id 0, valid checksum. */
static void
test_reply_header(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	struct tt_test_frame f;

	b.ip_ttl = 3;
	b.ip_tos = 0xb8;
	b.ip_id = 0x9999;
	tt_test_input(env, tt_tb_build(env, &b));
	tt_test_tx_one(env, &f);
	assert_int_equal(f.ip->src_addr, TT_TEST_IP_US);
	assert_int_equal(f.ip->dst_addr, TT_TEST_IP_PEER);
	assert_int_equal(f.ip->time_to_live, 64);
	assert_int_equal(f.ip->fragment_offset, RTE_BE16(RTE_IPV4_HDR_DF_FLAG));
	assert_int_equal(f.ip->next_proto_id, IPPROTO_ICMP);
	assert_true(tt_test_ipv4_csum_ok(f.ip));
	assert_memory_equal(&f.eth->dst_addr, &tt_test_mac_peer, RTE_ETHER_ADDR_LEN);
	assert_memory_equal(&f.eth->src_addr, &tt_test_mac_us, RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_free(f.m);
}

static void
test_is_local(void **state)
{
	struct tt_test_env *env = *state;

	assert_true(tt_ipv4_is_local(&env->net, TT_TEST_IP_US));
	assert_false(tt_ipv4_is_local(&env->net, TT_TEST_IP_PEER));
	assert_false(tt_ipv4_is_local(&env->net, 0));
	env->net.addrs[1] = TT_IP(10, 0, 0, 1);
	env->net.n_addrs = 2;
	assert_true(tt_ipv4_is_local(&env->net, TT_IP(10, 0, 0, 1)));
	/* Only the first n_addrs entries count. */
	env->net.n_addrs = 1;
	assert_false(tt_ipv4_is_local(&env->net, TT_IP(10, 0, 0, 1)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_too_short),
		T(test_bad_version),
		T(test_bad_ihl),
		T(test_bad_total_length),
		T(test_bad_checksum),
		T(test_offload_flags),
		T(test_fragments),
		T(test_wrong_destination),
		T(test_martian_sources),
		T(test_unknown_protocols),
		T(test_registered_protocol),
		T(test_delivered),
		T(test_padding_trimmed_parse),
		T(test_padding_trimmed_reply),
		T(test_options_icmp),
		T(test_options_tcp),
		T(test_reply_header),
		T(test_is_local),
#undef T
	};

	if (tt_test_eal_init("ipv4") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
