/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One ethdev as the engine uses it: identity, MAC, which checksum offloads it has, and
 * whether it steers flows to their owners (SPEC R4). Filled at start-up by tt_port_setup();
 * read-only for workers afterwards.
 */
#ifndef TT_PORT_H
#define TT_PORT_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ethdev.h>

#define TT_MAX_PORTS 8

struct tt_port {
	uint16_t port_id;
	uint16_t mtu;
	struct rte_ether_addr mac;
	bool tx_ip_csum;       /* RTE_ETH_TX_OFFLOAD_IPV4_CKSUM enabled */
	bool tx_tcp_csum;      /* RTE_ETH_TX_OFFLOAD_TCP_CKSUM enabled */
	bool rx_csum;          /* RX IPv4/TCP checksum offloads enabled */
	bool is_tap;           /* net_tap: has a kernel side we may address */
	bool steers;           /* queue = owner: RSS with our key and RETA, or TAP program */
	bool rss_hash;         /* the NIC leaves its RSS hash in the mbuf (RX_OFFLOAD_RSS_HASH) */
	bool fast_free;        /* TX_OFFLOAD_MBUF_FAST_FREE enabled (one pool per queue) */
	uint16_t reta_size;    /* the NIC's RETA entries when it steers by RSS, else 0 */
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[32];
	char ifname[IF_NAMESIZE]; /* kernel interface of a TAP port */
};

struct rte_mempool;
struct tt_config;
struct tt_steer;

/*
 * The RETA size of port_id when it can steer IPv4/TCP by our key into n_queues queues
 * (RSS over non-fragmented IPv4/TCP, a settable key of 16 to 255 bytes, a power-of-two
 * RETA of at least n_queues entries), else 0. TAP ports are steered otherwise: 0.
 */
uint32_t tt_port_rss_reta_size(uint16_t port_id, uint16_t n_queues);

/*
 * Configure and start port_id with n_queues RX/TX queue pairs; queue q takes its mbufs from
 * pools[q]. With more than one queue and an RSS key in steer, the port is made to steer
 * (p->steers): a NIC by RSS with steer's key and RETA, a TAP by a queue-selection program;
 * a port that cannot, or refuses, is left to the software owner and hand-over.
 * MBUF_FAST_FREE only with one queue: with several, a TX queue also sends mbufs of another
 * worker's pool (replies built in segments handed over). 0 or -errno with a message in err.
 */
int tt_port_setup(struct tt_port *p, uint16_t port_id, uint16_t n_queues,
		  struct rte_mempool **pools, const struct tt_config *cfg,
		  const struct tt_steer *steer, char *err, size_t errlen);

/* Give the kernel side of a TAP port an IPv4 address (SPEC O1). 0 or -errno. */
int tt_port_set_kernel_addr(const struct tt_port *p, uint32_t addr_be, uint8_t len,
			    char *err, size_t errlen);

void tt_port_close(struct tt_port *p);

#endif /* TT_PORT_H */
