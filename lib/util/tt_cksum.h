/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Internet checksum (RFC 1071) eight bytes a step. DPDK 22.11's rte_raw_cksum adds one
 * 16-bit word per iteration; on ports without checksum offload (memif, and a TAP for what
 * it does not offload) every segment in and out is summed in software, and that loop was
 * a twentieth of the worker's cycles at 400 k conn/s (issue 9). Same results as DPDK's,
 * in the same (native) byte order, so the two mix: RFC 1071 2(B), the sum of 64-bit words
 * folded equals the sum of the 16-bit words they hold, as long as every word starts at an
 * even offset from where the sum started.
 */
#ifndef TT_CKSUM_H
#define TT_CKSUM_H

#include <stdint.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

/* sum plus the len bytes at buf, an odd last byte padded with zero (in memory order). */
static inline uint64_t
tt_cksum_add(uint64_t sum, const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint64_t v;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&v, p, 8);
		sum += v;
		sum += sum < v;
	}
	/* Fixed-size loads for the tail: a variable-length copy into v stalled store forwarding. */
	if (len & 4) {
		uint32_t x;

		memcpy(&x, p, 4);
		sum += x;
		sum += sum < x;
		p += 4;
	}
	if (len & 2) {
		uint16_t x;

		memcpy(&x, p, 2);
		sum += x;
		sum += sum < x;
		p += 2;
	}
	if (len & 1) {
		uint16_t x = 0;

		memcpy(&x, p, 1);
		sum += x;
		sum += sum < x;
	}
	return sum;
}

/*
 * The IPv4 pseudo-header (RFC 9293 3.1) of an l4len-byte TCP or UDP segment, unfolded: the
 * same words rte_ipv4_phdr_cksum sums, without its 16-bit loop.
 */
static inline uint64_t
tt_cksum_phdr(const struct rte_ipv4_hdr *ip, uint32_t l4len)
{
	return (uint64_t)ip->src_addr + ip->dst_addr +
	       rte_cpu_to_be_16((uint16_t)ip->next_proto_id) + rte_cpu_to_be_16((uint16_t)l4len);
}

/* sum folded to 16 bits, end-around carries added back. */
static inline uint16_t
tt_cksum_fold(uint64_t sum)
{
	sum = (sum & UINT32_MAX) + (sum >> 32);
	sum = (sum & UINT32_MAX) + (sum >> 32);
	sum = (sum & UINT16_MAX) + (sum >> 16);
	sum = (sum & UINT16_MAX) + (sum >> 16);
	return (uint16_t)sum;
}

/* The 16-bit sum (folded, not complemented) of len bytes of m from off, over its segments. */
static inline uint16_t
tt_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint64_t sum = 0;
	uint32_t done = 0;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	for (; m != NULL && done < len; m = m->next, off = 0) {
		uint32_t n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		uint16_t part = tt_cksum_fold(tt_cksum_add(0, rte_pktmbuf_mtod_offset(m,
			const uint8_t *, off), n));

		/* A piece that starts at an odd offset of the whole has its bytes swapped. */
		if (done & 1)
			part = (uint16_t)(part << 8 | part >> 8);
		sum += part;
		done += n;
	}
	return tt_cksum_fold(sum);
}

/* The TCP (or UDP) checksum field for the l4 bytes of m from off, IPv4 pseudo-header included. */
static inline uint16_t
tt_cksum_ipv4_l4(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t off)
{
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip);
	uint16_t sum;

	if (m->nb_segs == 1)
		sum = tt_cksum_fold(tt_cksum_add(tt_cksum_phdr(ip, len),
			rte_pktmbuf_mtod_offset(m, const uint8_t *, off), len));
	else
		sum = tt_cksum_fold(tt_cksum_phdr(ip, len) + tt_cksum_mbuf(m, off, len));
	sum = (uint16_t)~sum;
	return sum == 0 ? 0xffff : sum;
}

/* Whether the l4 bytes of m from off, with the pseudo-header, sum to all ones (RFC 1071). */
static inline bool
tt_cksum_ipv4_l4_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t off)
{
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip);
	uint64_t sum = tt_cksum_phdr(ip, len);

	if (m->nb_segs == 1)
		sum = tt_cksum_add(sum, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), len);
	else
		sum += tt_cksum_mbuf(m, off, len);
	return tt_cksum_fold(sum) == 0xffff;
}

#endif
