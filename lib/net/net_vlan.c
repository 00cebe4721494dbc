/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IEEE 802.1Q VLANs (issue 10 item 2). An address of ours may sit on a VLAN (--addr
 * PREFIX,vlan=N); tagged and untagged addresses share the ports side by side, as an
 * interface and its VLAN subinterfaces do on Linux.
 *
 * In: when some address is on a VLAN, the worker takes the tag off each tagged frame before
 * R1's shedding and the layers see it (tt_vlan_rx); the VLAN ID stays in the mbuf
 * (vlan_tci, RTE_MBUF_F_RX_VLAN_STRIPPED, as a NIC that strips tags leaves it) and in
 * tt_pkt.vlan. A frame is for us only when its destination address is ours on the VLAN it
 * came on (IPv4, ARP, IPv6, ND): the strong host model, so an address never answers on a
 * VLAN it is not on.
 *
 * Out: a frame's VLAN follows from its source address, the one of ours it is sent from
 * (ARP's sender, DAD's target), so replies, connects and retransmissions need no VLAN of
 * their own; tt_net_tx tags it in software (rte_vlan_insert) before the port's queue.
 * Subnets on different VLANs may not overlap (tt_config.c), so a next hop's VLAN is its
 * subnet's. Link-local IPv6 addresses are untagged. MLD reports a VLAN's groups on it, from
 * the port's link-local address as Linux's VLAN interfaces do (they share the MAC, so the
 * address): the report asks for its tag (RTE_MBUF_F_TX_VLAN), its source cannot say it.
 */
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_mbuf.h>

#include "../dp/tt_worker.h"
#include "../util/tt_in6.h"
#include "tt_net.h"

#define ND_NEIGHBOR_SOLICIT 135
#define IP6_NH_ICMP6        58

void
tt_vlan_rx(struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

		/* rte_vlan_strip reads the tag unchecked: a frame too short keeps it (truncated). */
		if (rte_pktmbuf_data_len(m) >= sizeof(*eth) + sizeof(struct rte_vlan_hdr) &&
		    eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN) &&
		    !(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED))
			rte_vlan_strip(m);
	}
}

bool
tt_vlan_known(const struct tt_net *net, uint16_t vid)
{
	return (net->vlan_map[vid / 64] >> (vid % 64)) & 1;
}

static uint16_t
addr4_vlan(const struct tt_net *net, uint32_t a)
{
	for (uint32_t i = 0; i < net->n_addrs; i++)
		if (net->addrs[i] == a)
			return net->addr_vlan[i];
	return 0;
}

static uint16_t
addr6_vlan(const struct tt_net *net, const uint8_t a[16])
{
	int i = tt_ipv6_addr_index(net, a);

	return i >= 0 ? net->addrs6[i].vlan : 0;
}

/* The VLAN of the address of ours frame m is sent from; 0: untagged. */
static uint16_t
frame_vlan(const struct tt_net *net, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip6;
	const uint8_t *icmp6;

	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		return addr4_vlan(net, ((const struct rte_ipv4_hdr *)(eth + 1))->src_addr);
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		return addr4_vlan(net, ((const struct rte_arp_hdr *)(eth + 1))->arp_data.arp_sip);
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		ip6 = (const struct rte_ipv6_hdr *)(eth + 1);
		if (!tt_in6_is_unspecified(ip6->src_addr))
			return addr6_vlan(net, ip6->src_addr);
		/* DAD's solicitation (RFC 4862 5.4.2) is from ::, for the address it checks. */
		icmp6 = (const uint8_t *)(ip6 + 1);
		if (ip6->proto == IP6_NH_ICMP6 &&
		    rte_pktmbuf_data_len(m) >= sizeof(*eth) + sizeof(*ip6) + 24 &&
		    icmp6[0] == ND_NEIGHBOR_SOLICIT)
			return addr6_vlan(net, icmp6 + 8);
		return 0;
	default:
		return 0;
	}
}

int
tt_vlan_tag(struct tt_worker *w, struct rte_mbuf **m)
{
	/* A frame whose source cannot tell its VLAN (MLD's reports) carries the VLAN it asks for. */
	uint16_t vid = (*m)->ol_flags & RTE_MBUF_F_TX_VLAN ? (*m)->vlan_tci :
		       frame_vlan(w->net, *m);

	if (vid == 0)
		return 0;
	(*m)->vlan_tci = vid;
	if (rte_vlan_insert(m) != 0) {
		TT_STAT_INC(&w->stats, EthOutVlanErrors);
		rte_pktmbuf_free(*m);
		return -1;
	}
	return 0;
}
