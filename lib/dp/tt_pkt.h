/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet descriptor: a received frame as the input path sees it, with the offsets each
 * layer's parser found. It lives on the stack of the input path (STYLE habit 7); a hand-over
 * to another worker carries it in the mbuf's own fields (tt_worker_handover).
 */
#ifndef TT_PKT_H
#define TT_PKT_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

struct tt_pkt {
	struct rte_mbuf *m;
	uint16_t pi;                  /* index of the input port in the worker's ports */
	uint16_t vlan;                /* 802.1Q VLAN ID the frame came on (tag removed); 0: none */
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;      /* NULL until the IPv4 header is validated */
	struct rte_ipv6_hdr *ip6;     /* NULL until an IPv6 header is validated */
	uint16_t ip_hlen;             /* IPv4 header, or IPv6 header and extension headers, bytes */
	uint16_t l4_len;              /* payload length in bytes */
	uint8_t proto;                /* IPv6: the upper-layer protocol (after extension headers) */
	void *l4;                     /* start of the payload (after IPv6's extension headers) */
};

#endif /* TT_PKT_H */
