/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/net/net_icmp.c: echo requests to our addresses are answered in place with the same
 * identifier, sequence number and data (RFC 792, RFC 1122 3.2.2.6); bad checksums and
 * truncated messages are counted and dropped (SPEC D8); errors are counted by type and their
 * quotes checked (what TCP does with them: test_tcp_pmtu.c); other types are counted and
 * ignored.
 */
#include "tt_test.h"

/* Check f is the echo reply to b: addresses swapped, same id/seq/data, valid checksums. */
static void
assert_echo_reply(const struct tt_test_frame *f, const struct tt_tb *b)
{
	assert_non_null(f->icmp);
	assert_memory_equal(&f->eth->dst_addr, &b->eth_src, RTE_ETHER_ADDR_LEN);
	assert_memory_equal(&f->eth->src_addr, &tt_test_mac_us, RTE_ETHER_ADDR_LEN);
	assert_int_equal(f->ip->src_addr, b->ip_dst);
	assert_int_equal(f->ip->dst_addr, b->ip_src);
	assert_int_equal(f->ip->next_proto_id, IPPROTO_ICMP);
	assert_true(tt_test_ipv4_csum_ok(f->ip));
	assert_true(tt_test_l4_csum_ok(f));
	assert_int_equal(f->icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(f->icmp->icmp_code, 0);
	assert_int_equal(rte_be_to_cpu_16(f->icmp->icmp_ident), b->icmp_id);
	assert_int_equal(rte_be_to_cpu_16(f->icmp->icmp_seq_nb), b->icmp_seq);
	assert_int_equal(f->data_len, b->payload_len);
	for (unsigned int i = 0; i < b->payload_len; i++)
		assert_int_equal(f->data[i], b->payload != NULL ?
				 ((const uint8_t *)b->payload)[i] : tt_tb_pattern(i));
}

static void
echo(struct tt_test_env *env, const struct tt_tb *b)
{
	struct tt_test_frame f;

	tt_test_input(env, tt_tb_build(env, b));
	tt_test_tx_one(env, &f);
	assert_echo_reply(&f, b);
	rte_pktmbuf_free(f.m);
}

static void
test_echo(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);

	b.icmp_id = 0xbeef;
	b.icmp_seq = 0x0102;
	b.payload_len = 56; /* ping's default */
	echo(env, &b);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "IpInReceives", 1 },
			     { "IpInDelivers", 1 }, { "IcmpInMsgs", 1 }, { "IcmpInEchos", 1 },
			     { "IcmpOutMsgs", 1 }, { "IcmpOutEchoReps", 1 },
			     { "IpOutRequests", 1 }, { "EthOutFrames", 1 });
}

/* No data, odd-length data, and data whose sum makes the checksum 0 or 0xffff. */
static void
test_echo_lengths(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	uint8_t zeros[32] = { 0 };

	b.payload_len = 0;
	echo(env, &b);
	b.payload_len = 1;
	echo(env, &b);
	b.payload_len = 33;
	echo(env, &b);
	b.icmp_id = 0;
	b.icmp_seq = 0;
	b.payload = zeros;
	b.payload_len = sizeof(zeros);
	echo(env, &b);
	b.icmp_id = 0xffff;
	b.icmp_seq = 0xffff;
	echo(env, &b);
	assert_int_equal(TT_TEST_STAT(env, IcmpOutEchoReps), 5);
}

/* A large echo (1400 bytes of data), as ping -s 1400 sends. */
static void
test_echo_large(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);

	b.payload_len = 1400;
	echo(env, &b);
	/* The largest a 1500-byte MTU carries. */
	b.payload_len = RTE_ETHER_MTU - 20 - 8;
	echo(env, &b);
}

/* To a second address of ours: the reply comes from that address. */
static void
test_echo_second_address(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);

	env->net.addrs[1] = TT_IP(10, 1, 2, 3);
	env->net.n_addrs = 2;
	b.ip_dst = TT_IP(10, 1, 2, 3);
	b.payload_len = 8;
	echo(env, &b);
}

static void
test_bad_checksum(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);

	b.payload_len = 56;
	b.l4_bad_csum = true;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "IpInReceives", 1 },
			     { "IpInDelivers", 1 }, { "IcmpInMsgs", 1 }, { "IcmpInErrors", 1 },
			     { "IcmpInCsumErrors", 1 });
}

/* Fewer than the 8 bytes of an ICMP header (the IP total length says so). */
static void
test_truncated(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);

	b.ip_tot_len = 20 + 7;
	tt_test_input(env, tt_tb_build(env, &b));
	b.ip_tot_len = 20;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 2 }, { "IpInReceives", 2 },
			     { "IpInDelivers", 2 }, { "IcmpInMsgs", 2 }, { "IcmpInErrors", 2 });
}

/* Other types, and an echo request with a non-zero code: counted, never answered. */
static void
test_other_types(void **state)
{
	static const uint8_t types[] = {
		RTE_IP_ICMP_ECHO_REPLY, 4 /* source quench */, 5 /* redirect */,
		13 /* timestamp */, 17 /* address mask */, 255,
	};
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);

	b.payload_len = 28;
	for (unsigned int i = 0; i < RTE_DIM(types); i++) {
		b.icmp_type = types[i];
		tt_test_input(env, tt_tb_build(env, &b));
	}
	b.icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	b.icmp_code = 1;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", RTE_DIM(types) + 1 },
			     { "IpInReceives", RTE_DIM(types) + 1 },
			     { "IpInDelivers", RTE_DIM(types) + 1 },
			     { "IcmpInMsgs", RTE_DIM(types) + 1 },
			     { "IcmpInOther", RTE_DIM(types) + 1 });
}

/* A quoted datagram from us: an IPv4 header of hlen bytes and 8 bytes of payload. */
static uint16_t
quote(uint8_t *buf, uint8_t proto, uint16_t hlen, uint16_t frag)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;

	memset(buf, 0, hlen + 8u);
	ip->version_ihl = (uint8_t)(0x40 | hlen / 4);
	ip->total_length = rte_cpu_to_be_16(hlen + 1000);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = 63;
	ip->next_proto_id = proto;
	ip->src_addr = TT_TEST_IP_US;
	ip->dst_addr = TT_TEST_IP_PEER;
	for (unsigned int i = 0; i < 8; i++)
		buf[hlen + i] = tt_tb_pattern(i);
	return (uint16_t)(hlen + 8);
}

/*
 * Errors (destination unreachable, time exceeded, parameter problem) count under their
 * type, as Linux's icmp_rcv; one whose quote is no datagram header with 8 bytes after it,
 * or a later fragment, counts in IcmpInErrors too (icmp_unreach). One quoting a protocol
 * without an error handler (UDP here), or TCP on a worker without TCP, is only counted.
 * Nothing is ever sent in answer (RFC 1122 3.2.2).
 */
static void
test_errors_counted(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	uint8_t q[60 + 8];

	b.icmp_id = 0;
	b.icmp_type = 3;
	b.icmp_code = 4;
	b.icmp_seq = 1400;
	b.payload_len = 28;                 /* the pattern: version 0 */
	tt_test_input(env, tt_tb_build(env, &b));
	b.payload = q;
	b.payload_len = (uint16_t)(quote(q, IPPROTO_TCP, 20, 0) - 1);    /* 7 bytes of TCP */
	tt_test_input(env, tt_tb_build(env, &b));
	b.payload_len = quote(q, IPPROTO_TCP, 20, 185);                  /* a later fragment */
	tt_test_input(env, tt_tb_build(env, &b));
	b.payload_len = quote(q, IPPROTO_TCP, 24, 0);
	q[0] = 0x44;                                                     /* IHL below 5 */
	tt_test_input(env, tt_tb_build(env, &b));
	b.payload_len = quote(q, IPPROTO_UDP, 20, 0);
	tt_test_input(env, tt_tb_build(env, &b));
	b.payload_len = quote(q, IPPROTO_TCP, 60, RTE_IPV4_HDR_DF_FLAG); /* options, DF */
	tt_test_input(env, tt_tb_build(env, &b));
	b.icmp_type = 11;
	b.icmp_code = 0;
	b.icmp_seq = 0;
	tt_test_input(env, tt_tb_build(env, &b));
	b.icmp_type = 12;
	tt_test_input(env, tt_tb_build(env, &b));
	assert_int_equal(tt_test_tx_count(env), 0);
	TT_TEST_STATS_EXPECT(env, { "EthInFrames", 8 }, { "IpInReceives", 8 },
			     { "IpInDelivers", 8 }, { "IcmpInMsgs", 8 },
			     { "IcmpInDestUnreachs", 6 }, { "IcmpInTimeExcds", 1 },
			     { "IcmpInParmProbs", 1 }, { "IcmpInErrors", 4 });
}

/* Through the whole loop, a burst of echoes: one reply each, in order. */
static void
test_echo_burst(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);
	struct tt_test_frame f;

	b.payload_len = 16;
	for (uint16_t i = 0; i < 40; i++) {
		b.icmp_seq = i;
		tt_test_rx(env, tt_tb_build(env, &b));
	}
	/* Burst 32: two loop iterations; TX flushes when the buffer fills and at the end. */
	assert_int_equal(tt_test_poll(env), 32);
	assert_int_equal(tt_test_poll(env), 8);
	assert_int_equal(tt_test_tx_count(env), 40);
	for (uint16_t i = 0; i < 40; i++) {
		b.icmp_seq = i;
		tt_test_decode(tt_test_tx_pop(env), &f);
		assert_echo_reply(&f, &b);
		rte_pktmbuf_free(f.m);
	}
	assert_int_equal(TT_TEST_STAT(env, EthOutFrames), 40);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		T(test_echo),
		T(test_echo_lengths),
		T(test_echo_large),
		T(test_echo_second_address),
		T(test_bad_checksum),
		T(test_truncated),
		T(test_other_types),
		T(test_errors_counted),
		T(test_echo_burst),
#undef T
	};

	if (tt_test_eal_init("icmp") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
