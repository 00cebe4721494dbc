/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One ethdev as a worker uses it: identity, MAC, which checksum offloads it has, and
 * whether it steers flows to their owners (SPEC R4). Filled at start-up by the engine
 * (tt_port_setup(), lib/engine/tt_port_setup.c); read-only for workers afterwards.
 */
#ifndef TT_PORT_H
#define TT_PORT_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ethdev.h>

#define TT_MAX_PORTS 8

/* The most segments a TSO burst makes (net_tap's GSO cannot make more). */
#define TT_TSO_MAX_SEGS 64

struct tt_port {
	uint16_t port_id;
	uint16_t mtu;
	struct rte_ether_addr mac;
	bool tx_ip_csum;       /* RTE_ETH_TX_OFFLOAD_IPV4_CKSUM enabled */
	bool tx_tcp_csum;      /* RTE_ETH_TX_OFFLOAD_TCP_CKSUM enabled */
	bool rx_csum;          /* RX IPv4/TCP checksum offloads enabled */
	bool is_tap;           /* net_tap: has a kernel side we may address */
	bool tx_poll;          /* tx_burst called even with nothing to send (an 802.3ad bond's LACP) */
	bool lacp;             /* net_bonding in 802.3ad (tt_port_lacp) */
	bool steers;           /* queue = owner: RSS with our key and RETA, or TAP program */
	bool rss_hash;         /* the NIC leaves its RSS hash in the mbuf (RX_OFFLOAD_RSS_HASH) */
	bool fast_free;        /* TX_OFFLOAD_MBUF_FAST_FREE enabled (one pool per queue) */
	bool tx_multi_seg;     /* TX_OFFLOAD_MULTI_SEGS enabled: payload attached, not copied */
	bool tx_tso;           /* TX_OFFLOAD_TCP_TSO enabled (tcp_output.c: runs of full units) */
	uint16_t tso_max_segs; /* segments one burst may make: the PMD's limits */
	uint16_t reta_size;    /* the NIC's RETA entries when it steers by RSS, else 0 */
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[32];
	char ifname[IF_NAMESIZE]; /* kernel interface of a TAP port, or AF_PACKET/AF_XDP's */
	/*
	 * The kernel's side of the link, where kernel_addr goes and clients connect from: a
	 * TAP's own interface, or the veth peer of the kernel link tcpterm made
	 * (tt_kernel_link.c); empty for any other port.
	 */
	char kernel_ifname[IF_NAMESIZE];
	/* The addresses that kernel side was given (kernel_addr): 0 / length 0 for none. */
	uint32_t kernel_addr;       /* IPv4, network order */
	uint8_t kernel_addr_len;
	uint8_t kernel_addr6_len;
	uint8_t kernel_addr6[16];
};

#endif /* TT_PORT_H */
