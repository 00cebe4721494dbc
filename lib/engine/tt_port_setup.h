/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up (engine, start-up and shutdown only): configure and start an ethdev with one
 * queue pair per worker, make it steer flows when it can, address its kernel side (a TAP's,
 * the kernel link's). What the workers read of a port afterwards is struct tt_port
 * (lib/dp/tt_port.h).
 */
#ifndef TT_PORT_SETUP_H
#define TT_PORT_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../dp/tt_port.h"

struct rte_mempool;
struct tt_config;
struct tt_ipv6_prefix;
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
 * worker's pool (replies built in segments handed over). vlans: some address is on an
 * 802.1Q VLAN (tt_net.vlans), so frames may carry a tag. 0 or -errno with a message in err.
 */
int tt_port_setup(struct tt_port *p, uint16_t port_id, uint16_t n_queues,
		  struct rte_mempool **pools, const struct tt_config *cfg, bool vlans,
		  const struct tt_steer *steer, char *err, size_t errlen);

/* Give the kernel side of a TAP port an IPv4 address (SPEC O1). 0 or -errno. */
int tt_port_set_kernel_addr(const struct tt_port *p, uint32_t addr_be, uint8_t len,
			    char *err, size_t errlen);
/*
 * Give the kernel side of a port an IPv6 address: IPv6 turned on for the interface
 * (disable_ipv6 0), the address added over rtnetlink without DAD (IFA_F_NODAD: tcpterm's own
 * DAD sees it answer, and the kernel's would make it tentative for a second). 0 or -errno
 * with a message in err.
 */
/*
 * A TAP's kernel side a MAC of its own (net_tap gives it the port's), for IPv6: link-local
 * addresses come from MACs, and ND ignores frames from tcpterm's own MAC. 0 or -errno.
 */
int tt_port_tap_own_mac(const struct tt_port *p, char *err, size_t errlen);
int tt_port_set_kernel_addr6(const struct tt_port *p, const struct tt_ipv6_prefix *a,
			     char *err, size_t errlen);

void tt_port_close(struct tt_port *p);

/*
 * An 802.3ad bond's members (issue 10 item 2): how many there are, how many have their link
 * up, and how many of those distribute, which IEEE 802.1AX's mux machine allows once the partner has agreed to
 * the aggregation (COLLECTING_DISTRIBUTING). Until then net_bonding sends nothing but
 * LACPDUs on a member, and what it is sent is dropped. -ENOTSUP when p is no such bond.
 * Asks the drivers: for the control thread, not the workers.
 */
int tt_port_lacp(const struct tt_port *p, uint16_t *n_members, uint16_t *up,
		 uint16_t *distributing);

#endif /* TT_PORT_SETUP_H */
