/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One ethdev as the engine uses it: identity, MAC, and which checksum offloads it has.
 * Filled at start-up by tt_port_setup(); read-only for workers afterwards.
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
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[32];
	char ifname[IF_NAMESIZE]; /* kernel interface of a TAP port */
};

struct rte_mempool;
struct tt_config;

/*
 * Configure and start port_id with n_queues RX/TX queue pairs; queue q takes its mbufs from
 * pools[q]. 0 or -errno with a message in err.
 */
int tt_port_setup(struct tt_port *p, uint16_t port_id, uint16_t n_queues,
		  struct rte_mempool **pools, const struct tt_config *cfg,
		  char *err, size_t errlen);

/* Give the kernel side of a TAP port an IPv4 address (SPEC O1). 0 or -errno. */
int tt_port_set_kernel_addr(const struct tt_port *p, uint32_t addr_be, uint8_t len,
			    char *err, size_t errlen);

void tt_port_close(struct tt_port *p);

#endif /* TT_PORT_H */
