/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port bring-up: one RX/TX queue pair per worker, checksum offloads taken when the device
 * has them (workers compute checksums in software otherwise), flows steered to their
 * owner's queue where the device can be told how (SPEC R4: RSS with our key and RETA, or
 * the TAP program of tt_tap_steer.c), and, for a TAP port, an address on its kernel side so
 * the machine's own clients reach tcpterm (SPEC O1).
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

#include <rte_eth_bond.h>
#include <rte_eth_bond_8023ad.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <tcpterm/tt_config.h>

#include "../dp/tt_log.h"
#include "../dp/tt_steer.h"
#include "tt_kernel_link.h"
#include "tt_netlink.h"
#include "tt_port_setup.h"
#include "tt_tap_steer.h"

#define TT_RX_CSUM (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
/* What tcpterm asks RSS to hash: IPv4/TCP, the flows it owns; the rest lands on queue 0. */
#define TT_RSS_HF RTE_ETH_RSS_NONFRAG_IPV4_TCP
/* Key bytes the IPv4/TCP hash reads (96 input bits + 31). */
#define TT_RSS_KEY_MIN 16
#define TT_PORT_RETA_MAX 4096

static bool
is_tap(const struct rte_eth_dev_info *info)
{
	return strcmp(info->driver_name, "net_tap") == 0;
}

static uint32_t
port_rss_reta(const struct rte_eth_dev_info *info, uint16_t n_queues)
{
	uint32_t n = info->reta_size;

	/* net_tap's RSS is its own BPF with a fixed key (22.11), and needs tc parts the
	 * kernel may lack; tt_tap_steer does it our way instead. */
	if (is_tap(info) || n_queues < 2 || (info->flow_type_rss_offloads & TT_RSS_HF) == 0 ||
	    info->hash_key_size < TT_RSS_KEY_MIN || n < n_queues || n > TT_PORT_RETA_MAX ||
	    (n & (n - 1)) != 0)
		return 0;
	return n;
}

uint32_t
tt_port_rss_reta_size(uint16_t port_id, uint16_t n_queues)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(port_id, &info) != 0)
		return 0;
	return port_rss_reta(&info, n_queues);
}

/* The key in the length the port takes: steer's, repeated (IPv4/TCP reads 16 bytes). */
static void
port_rss_key(const struct tt_steer *s, uint8_t *key, size_t len)
{
	for (size_t i = 0; i < len; i++)
		key[i] = s->toeplitz.key[i % TT_TOEPLITZ_KEY_LEN];
}

/*
 * Once started: the RETA written and read back, the key (the 16 bytes IPv4/TCP reads) and
 * hash types read back, so the port is known to choose the queue tt_steer_worker()
 * computes. A driver that cannot be read back (-ENOTSUP) is believed: its hash, if it
 * leaves one, is still compared at run time (tt_worker_nic_hash_check), and a wrong queue
 * costs a counted hand-over. 0 or -errno with why.
 */
static int
port_rss_program(const struct tt_port *p, const struct tt_steer *s, const uint8_t *key,
		 uint8_t key_len, char *why, size_t whylen)
{
	struct rte_eth_rss_reta_entry64 conf[TT_PORT_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t want[TT_PORT_RETA_MAX];
	uint8_t got_key[UINT8_MAX];
	struct rte_eth_rss_conf rss = { .rss_key = got_key, .rss_key_len = key_len };
	uint32_t n = p->reta_size, groups = (n + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE;
	int rc;

	tt_steer_port_reta(s, want, n);
	memset(conf, 0, sizeof(conf[0]) * groups);
	for (uint32_t i = 0; i < n; i++) {
		conf[i / RTE_ETH_RETA_GROUP_SIZE].mask |= UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
		conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = want[i];
	}
	rc = rte_eth_dev_rss_reta_update(p->port_id, conf, (uint16_t)n);
	if (rc != 0) {
		snprintf(why, whylen, "RETA update refused: %s", rte_strerror(-rc));
		return rc;
	}
	for (uint32_t g = 0; g < groups; g++)
		memset(conf[g].reta, 0xff, sizeof(conf[g].reta));
	rc = rte_eth_dev_rss_reta_query(p->port_id, conf, (uint16_t)n);
	if (rc == -ENOTSUP)
		return 0;
	for (uint32_t i = 0; rc == 0 && i < n; i++)
		if (conf[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] != want[i])
			rc = -EIO;
	if (rc != 0) {
		snprintf(why, whylen, "RETA does not read back as written: %s", rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_rss_hash_conf_get(p->port_id, &rss);
	if (rc == -ENOTSUP)
		return 0;
	if (rc == 0 && (memcmp(got_key, key, TT_RSS_KEY_MIN) != 0 || !(rss.rss_hf & TT_RSS_HF)))
		rc = -EIO;
	if (rc != 0) {
		snprintf(why, whylen, "RSS key or hash types do not read back as set: %s",
			 rte_strerror(-rc));
		return rc;
	}
	return 0;
}

/* The port's configuration with RSS: our key, IPv4/TCP, and the NIC's hash in the mbuf. */
static void
conf_rss(struct rte_eth_conf *conf, const struct rte_eth_dev_info *info, uint8_t *key)
{
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf = (struct rte_eth_rss_conf){
		.rss_key = key,
		.rss_key_len = info->hash_key_size,
		.rss_hf = TT_RSS_HF,
	};
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
}

/* After start: make the port steer (p->steers), or say in note why it does not. */
static void
port_steer(struct tt_port *p, const struct tt_steer *steer, uint16_t n_queues,
	   const struct rte_eth_conf *conf, const uint8_t *key, uint8_t key_len,
	   char *note, size_t len)
{
	char why[128] = "";

	if (!tt_steer_rss(steer)) {
		snprintf(note, len, "off (%s)", n_queues < 2 ? "one queue" : "rss = 0");
	} else if (p->reta_size != 0) {
		if (port_rss_program(p, steer, key, key_len, why, sizeof(why)) == 0) {
			p->steers = true;
			p->rss_hash = (conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH) != 0;
			snprintf(note, len, "on (RSS %s key, RETA %u, NIC hash %s)",
				 steer->rss == TT_RSS_SYMMETRIC ? "symmetric" : "random",
				 p->reta_size, p->rss_hash ? "used" : "absent");
		} else {
			p->reta_size = 0;
			snprintf(note, len, "off (%s)", why);
			TT_LOG(WARNING, core, "port %s: RSS not as tcpterm set it (%s): its flows are handed over to their owners",
			       p->name, why);
		}
	} else if (p->is_tap) {
		if (tt_tap_steer(p->ifname, steer, n_queues, why, sizeof(why)) == 0) {
			p->steers = true;
			snprintf(note, len, "on (TAP queue program, %s key)",
				 steer->rss == TT_RSS_SYMMETRIC ? "symmetric" : "random");
		} else {
			snprintf(note, len, "off (%s)", why);
		}
	} else {
		snprintf(note, len, "off (no RSS for IPv4/TCP with a settable key and RETA)");
	}
}

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

/* A net_bonding port in 802.3ad (mode=4): its mode is set when the bond is created. */
static bool
bond_8023ad(uint16_t port_id, const struct rte_eth_dev_info *info)
{
	return strcmp(info->driver_name, "net_bonding") == 0 &&
	       rte_eth_bond_mode_get(port_id) == BONDING_MODE_8023AD;
}

int
tt_port_setup(struct tt_port *p, uint16_t port_id, uint16_t n_queues,
	      struct rte_mempool **pools, const struct tt_config *cfg, bool vlans,
	      const struct tt_steer *steer, char *err, size_t errlen)
{
	uint32_t l2;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = cfg->rx_desc, nb_txd = cfg->tx_desc;
	int socket = rte_eth_dev_socket_id(port_id);
	uint8_t key[UINT8_MAX];
	char note[192];
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
	p->is_tap = is_tap(&info);
	p->lacp = bond_8023ad(port_id, &info);
	p->tx_poll = p->lacp;
	if (info.if_index != 0)
		if_indextoname(info.if_index, p->ifname);
	if (p->is_tap)
		snprintf(p->kernel_ifname, sizeof(p->kernel_ifname), "%s", p->ifname);
	else if (tt_kernel_link_kernel_side(p->ifname) != NULL)
		snprintf(p->kernel_ifname, sizeof(p->kernel_ifname), "%s",
			 tt_kernel_link_kernel_side(p->ifname));
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
	/* Data segments chain their payload, attached to the send queue (tcp_sndq.c). */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		p->tx_multi_seg = true;
	}
	/* A TSO burst is a chain of attached units whose checksums the port computes. */
	if (cfg->tso && (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO) && p->tx_multi_seg &&
	    p->tx_ip_csum && p->tx_tcp_csum) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
		p->tx_tso = true;
		/*
		 * A burst is a chain of the headers' mbuf and one mbuf per segment: within the
		 * descriptors a packet may take; net_tap's GSO makes at most 64 segments
		 * (MAX_GSO_MBUFS) and drops a burst that needs more.
		 */
		p->tso_max_segs = TT_TSO_MAX_SEGS;
		if (info.tx_desc_lim.nb_seg_max > 1)
			p->tso_max_segs = (uint16_t)RTE_MIN(p->tso_max_segs,
							    info.tx_desc_lim.nb_seg_max - 1);
	}
	/*
	 * MBUF_FAST_FREE promises every mbuf a TX queue sends comes from one pool, with a
	 * reference count of one. With several workers it would not hold: a segment handed
	 * over by another worker comes from that worker's pool and is answered in place (RST,
	 * SYN-ACK), so queue q also sends mbufs of pools other than pools[q]. Steering makes
	 * hand-overs rare, not impossible. Nor with payload attached to the send queue: those
	 * mbufs are indirect, and the units they point to have more than one reference.
	 */
	if (n_queues == 1 && !p->tx_multi_seg &&
	    (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
		p->fast_free = true;
	}
	p->reta_size = (uint16_t)(tt_steer_rss(steer) ? port_rss_reta(&info, n_queues) : 0);
	if (p->reta_size != 0) {
		port_rss_key(steer, key, info.hash_key_size);
		conf_rss(&conf, &info, key);
	}
	conf.rxmode.mtu = cfg->mtu;
	if (cfg->mtu > port_max_mtu(&info) || cfg->mtu < info.min_mtu) {
		snprintf(err, errlen, "port %s (%s): mtu %u outside %u..%u: set --mtu", p->name,
			 p->driver, cfg->mtu, info.min_mtu, port_max_mtu(&info));
		return -EINVAL;
	}
	/*
	 * net_tap's GSO refuses a burst whose segment, Ethernet header included, exceeds the
	 * MTU (it compares the frame with the L3 MTU), so a full-MSS segment would never go:
	 * the TAP's MTU carries the Ethernet header's 14 bytes more, and a VLAN tag's 4 when an
	 * address is on a VLAN (rte_vlan_insert moves l2_len). Peers still get our MSS from
	 * --mtu, and we still send no IP datagram larger than --mtu.
	 */
	l2 = RTE_ETHER_HDR_LEN + (vlans ? RTE_VLAN_HLEN : 0);
	if (p->tx_tso && p->is_tap && cfg->mtu + l2 <= port_max_mtu(&info))
		conf.rxmode.mtu = cfg->mtu + l2;
	else if (p->tx_tso && p->is_tap)
		p->tx_tso = false;
	rc = rte_eth_dev_configure(port_id, n_queues, n_queues, &conf);
	if (rc != 0 && p->reta_size != 0) {
		TT_LOG(WARNING, core, "port %s: configure with RSS failed (%s): trying without",
		       p->name, rte_strerror(-rc));
		p->reta_size = 0;
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
		conf.rx_adv_conf.rss_conf = (struct rte_eth_rss_conf){ 0 };
		conf.rxmode.offloads &= ~RTE_ETH_RX_OFFLOAD_RSS_HASH;
		rc = rte_eth_dev_configure(port_id, n_queues, n_queues, &conf);
	}
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
	/*
	 * net_bonding in 802.3ad drops a group-addressed frame (ARP's broadcast, ND's groups)
	 * unless the bond is all-multicast or promiscuous; all-multicast where the members
	 * have it, else promiscuous (AF_PACKET members have only that).
	 */
	if (p->lacp && rte_eth_allmulticast_enable(port_id) != 0 &&
	    rte_eth_promiscuous_enable(port_id) != 0)
		TT_LOG(WARNING, core, "port %u: an 802.3ad bond with neither all-multicast nor promiscuous mode: ARP requests and Neighbour Solicitations are dropped by the bond",
		       port_id);
	rte_eth_macaddr_get(port_id, &p->mac);
	p->mtu = cfg->mtu;
	port_steer(p, steer, n_queues, &conf, key, info.hash_key_size, note, sizeof(note));
	TT_LOG(INFO, core, "port %u %s (%s%s%s%s%s%s): %u queues, mac " RTE_ETHER_ADDR_PRT_FMT
	       ", offloads rx-csum %s tx-ip-csum %s tx-tcp-csum %s tso %s fast-free %s, steering %s",
	       port_id, p->name, p->driver,
	       p->ifname[0] == '\0' ? "" : p->is_tap ? ", kernel side " : ", interface ", p->ifname,
	       p->kernel_ifname[0] != '\0' && !p->is_tap ? " (kernel side " : "",
	       p->kernel_ifname[0] != '\0' && !p->is_tap ? p->kernel_ifname : "",
	       p->kernel_ifname[0] != '\0' && !p->is_tap ? ")" : "",
	       n_queues, RTE_ETHER_ADDR_BYTES(&p->mac), p->rx_csum ? "on" : "off",
	       p->tx_ip_csum ? "on" : "off", p->tx_tcp_csum ? "on" : "off",
	       p->tx_tso ? "on" : "off", p->fast_free ? "on" : "off", note);
	return 0;
}

int
tt_port_set_kernel_addr(const struct tt_port *p, uint32_t addr_be, uint8_t len,
			char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd, rc = 0;

	if (p->kernel_ifname[0] == '\0')
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->kernel_ifname);
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
		 p->kernel_ifname, strerror(errno));
	close(fd);
	return rc;
}

/*
 * net_tap gives the kernel's side of a TAP the port's own MAC. IPv6 makes link-local
 * addresses from MACs (RFC 4291 2.5.1), so both ends would claim the same one and DAD fail
 * on one side; the kernel side gets a random MAC of its own instead.
 */
int
tt_port_tap_own_mac(const struct tt_port *p, char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	struct rte_ether_addr mac;
	int fd, rc = 0;

	if (!p->is_tap)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->kernel_ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		goto fail;
	memcpy(&mac, ifr.ifr_hwaddr.sa_data, sizeof(mac));
	if (rte_is_same_ether_addr(&mac, &p->mac)) {
		rte_eth_random_addr(mac.addr_bytes);
		memcpy(ifr.ifr_hwaddr.sa_data, &mac, sizeof(mac));
		if (ioctl(fd, SIOCSIFHWADDR, &ifr) < 0)
			goto fail;
	}
	close(fd);
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "cannot give %s a MAC of its own (%s), which IPv6 needs (its link-local address, ND): run as root, or give no IPv6 --addr",
		 p->kernel_ifname, strerror(errno));
	close(fd);
	return rc;
}

int
tt_port_set_kernel_addr6(const struct tt_port *p, const struct tt_ipv6_prefix *a, char *err,
			 size_t errlen)
{
	struct tt_nl_req r = { 0 };
	uint32_t flags = IFA_F_NODAD;
	char path[96], s[INET6_ADDRSTRLEN];
	unsigned int ifindex;
	FILE *f;
	int rc;

	if (p->kernel_ifname[0] == '\0' || a->len == 0)
		return 0;
	ifindex = if_nametoindex(p->kernel_ifname);
	if (ifindex == 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot find %s (%s)", p->kernel_ifname, strerror(errno));
		return rc;
	}
	rc = tt_port_tap_own_mac(p, err, errlen);
	if (rc != 0)
		return rc;
	/* Off and on: a link-local address made from the MAC the TAP had is made again. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", p->kernel_ifname);
	for (int on = 0; on < 2; on++) {
		f = fopen(path, "w");
		if (f != NULL && fputs(on ? "0\n" : "1\n", f) >= 0 && fclose(f) == 0)
			continue;
		rc = -errno;
		if (f != NULL)
			fclose(f);
		snprintf(err, errlen, "cannot turn IPv6 on for %s (%s: %s): run as root, on a kernel with IPv6, or set kernel_addr to an IPv4 prefix only",
			 p->kernel_ifname, path, strerror(-rc));
		return rc;
	}
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifa));
	r.nh.nlmsg_type = RTM_NEWADDR;
	r.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	r.ifa.ifa_family = AF_INET6;
	r.ifa.ifa_prefixlen = a->len;
	r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	r.ifa.ifa_index = ifindex;
	tt_nl_attr(&r, IFA_LOCAL, a->addr, 16);
	tt_nl_attr(&r, IFA_ADDRESS, a->addr, 16);
	tt_nl_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	rc = tt_nl_talk(&r, NULL, 0);
	if (rc != 0)
		snprintf(err, errlen, "cannot give %s the address %s/%u (%s): run as root or set kernel_addr to an IPv4 prefix only",
			 p->kernel_ifname, inet_ntop(AF_INET6, a->addr, s, sizeof(s)), a->len,
			 strerror(-rc));
	return rc;
}

int
tt_port_lacp(const struct tt_port *p, uint16_t *n_members, uint16_t *up, uint16_t *distributing)
{
	uint16_t members[RTE_MAX_ETHPORTS];
	int n;

	if (!p->lacp)
		return -ENOTSUP;
	n = rte_eth_bond_slaves_get(p->port_id, members, RTE_DIM(members));
	if (n < 0)
		return -ENODEV;
	*n_members = (uint16_t)n;
	*up = 0;
	*distributing = 0;
	for (int i = 0; i < n; i++) {
		struct rte_eth_bond_8023ad_slave_info lacp;
		struct rte_eth_link link;

		int rc = rte_eth_link_get_nowait(members[i], &link);

		/* As tt_engine_links: a driver that cannot tell its link counts as up. */
		if ((rc == 0 && link.link_status != RTE_ETH_LINK_UP) || (rc != 0 && rc != -ENOTSUP))
			continue;
		(*up)++;
		if (rte_eth_bond_8023ad_slave_info(p->port_id, members[i], &lacp) == 0 &&
		    (lacp.actor_state & STATE_DISTRIBUTING) != 0)
			(*distributing)++;
	}
	return 0;
}

void
tt_port_close(struct tt_port *p)
{
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
}
