/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up: one RX/TX queue pair per worker, checksum offloads taken when the device
 * has them (workers compute checksums in software otherwise), and, for a TAP port, an
 * address on its kernel side so the machine's own clients reach tcpterm (SPEC O1).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <tcpterm/tt_config.h>

#include "tt_log.h"
#include "tt_port.h"

#define TT_RX_CSUM (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM)

/*
 * The largest MTU the device takes, by ethdev's own rule (eth_dev_validate_mtu): max_mtu,
 * and the frame (MTU plus L2 overhead) within max_rx_pktlen. Drivers that leave max_mtu at
 * UINT16_MAX (memif) are bounded by the second only, which configure would otherwise
 * refuse with its own message and a bare EINVAL.
 */
static uint32_t
port_max_mtu(const struct rte_eth_dev_info *info)
{
	uint32_t overhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;

	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		overhead = info->max_rx_pktlen - info->max_mtu;
	if (info->max_rx_pktlen <= overhead)
		return info->max_mtu;
	return RTE_MIN((uint32_t)info->max_mtu, info->max_rx_pktlen - overhead);
}

int
tt_port_setup(struct tt_port *p, uint16_t port_id, uint16_t n_queues,
	      struct rte_mempool **pools, const struct tt_config *cfg,
	      char *err, size_t errlen)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = cfg->rx_desc, nb_txd = cfg->tx_desc;
	int socket = rte_eth_dev_socket_id(port_id);
	int rc;

	memset(p, 0, sizeof(*p));
	p->port_id = port_id;
	rte_eth_dev_get_name_by_port(port_id, p->name);
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: cannot read device info (%s)", port_id,
			 rte_strerror(-rc));
		return rc;
	}
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
	p->is_tap = strcmp(info.driver_name, "net_tap") == 0;
	if (info.if_index != 0)
		if_indextoname(info.if_index, p->ifname);
	if (n_queues > info.max_rx_queues || n_queues > info.max_tx_queues) {
		snprintf(err, errlen,
			 "port %s has %u RX / %u TX queues, %u workers need one each: use fewer lcores (-l)",
			 p->name, info.max_rx_queues, info.max_tx_queues, n_queues);
		return -EINVAL;
	}
	if ((info.rx_offload_capa & TT_RX_CSUM) == TT_RX_CSUM) {
		conf.rxmode.offloads |= TT_RX_CSUM;
		p->rx_csum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		p->tx_ip_csum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
		p->tx_tcp_csum = true;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	conf.rxmode.mtu = cfg->mtu;
	if (cfg->mtu > port_max_mtu(&info) || cfg->mtu < info.min_mtu) {
		snprintf(err, errlen, "port %s (%s): mtu %u outside %u..%u: set --mtu", p->name,
			 p->driver, cfg->mtu, info.min_mtu, port_max_mtu(&info));
		return -EINVAL;
	}
	rc = rte_eth_dev_configure(port_id, n_queues, n_queues, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: configure failed (%s)", p->name, rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: descriptor counts refused (%s)", p->name,
			 rte_strerror(-rc));
		return rc;
	}
	for (uint16_t q = 0; q < n_queues; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;
		struct rte_eth_txconf txc = info.default_txconf;

		rxc.offloads = conf.rxmode.offloads;
		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, socket, &rxc, pools[q]);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, socket, &txc);
		if (rc != 0) {
			snprintf(err, errlen, "port %s: queue %u setup failed (%s)", p->name, q,
				 rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: start failed (%s)", p->name, rte_strerror(-rc));
		return rc;
	}
	rte_eth_macaddr_get(port_id, &p->mac);
	p->mtu = cfg->mtu;
	TT_LOG(INFO, core, "port %u %s (%s%s%s): %u queues, mac " RTE_ETHER_ADDR_PRT_FMT
	       ", offloads rx-csum %s tx-ip-csum %s tx-tcp-csum %s",
	       port_id, p->name, p->driver,
	       p->ifname[0] == '\0' ? "" : p->is_tap ? ", kernel side " : ", interface ", p->ifname,
	       n_queues, RTE_ETHER_ADDR_BYTES(&p->mac), p->rx_csum ? "on" : "off",
	       p->tx_ip_csum ? "on" : "off", p->tx_tcp_csum ? "on" : "off");
	return 0;
}

int
tt_port_set_kernel_addr(const struct tt_port *p, uint32_t addr_be, uint8_t len,
			char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd, rc = 0;

	if (!p->is_tap || p->ifname[0] == '\0')
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->ifname);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr_be;
	if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
		goto fail;
	sin->sin_addr.s_addr = len == 0 ? 0 : htonl(~0u << (32 - len));
	if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "cannot give %s an address (%s): run as root or set kernel_addr = none",
		 p->ifname, strerror(errno));
	close(fd);
	return rc;
}

void
tt_port_close(struct tt_port *p)
{
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
}
