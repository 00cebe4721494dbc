/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet: the first step of every received frame (tt_worker_poll -> tt_eth_input). Frames
 * for another MAC, from a group MAC, of another EtherType, or too short for their headers are
 * counted and dropped here; IPv4, ARP and IPv6 go on. Frames other workers handed over come in
 * through tt_eth_handed_input (tt_worker_poll -> tt_worker_inbox_burst -> here).
 */
#include <errno.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "../dp/tt_worker.h"
#include "tt_net.h"

int
tt_eth_parse(struct tt_stats *st, struct rte_mbuf *m, const struct rte_ether_addr *mac,
	     struct tt_pkt *p)
{
	TT_STAT_INC(st, EthInFrames);
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr)) {
		TT_STAT_INC(st, EthInTruncated);
		return -EINVAL;
	}
	p->m = m;
	p->eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	/* Tagged: tt_vlan_rx took the tag off. VID 0 is a priority tag only (802.1Q 9.6). */
	p->vlan = m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED ? m->vlan_tci & RTE_VLAN_ID_MASK : 0;
	p->ip = NULL;
	p->ip6 = NULL;
	p->l4 = NULL;
	/* Group addresses (broadcast included) are ours to read; ARP and IPv4 decide. */
	if (!rte_is_same_ether_addr(&p->eth->dst_addr, mac) &&
	    !rte_is_multicast_ether_addr(&p->eth->dst_addr)) {
		TT_STAT_INC(st, EthInOtherHosts);
		return -EINVAL;
	}
	/*
	 * A source is always an individual address (IEEE 802.3 3.2.3). Replies go back to the
	 * frame's source MAC (tt_ipv4_reply_prepare), so a forged group source would turn one
	 * frame into a reply to every host on the segment.
	 */
	if (!rte_is_unicast_ether_addr(&p->eth->src_addr)) {
		TT_STAT_INC(st, EthInGroupSource);
		return -EINVAL;
	}
	return 0;
}

void
tt_eth_input(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m)
{
	struct tt_pkt p;

	if (tt_eth_parse(&w->stats, m, &w->ports[pi].mac, &p) < 0)
		goto drop;
	p.pi = pi;
	if (p.vlan != 0 && !tt_vlan_known(w->net, p.vlan)) {
		TT_STAT_INC(&w->stats, EthInVlanUnknown);
		goto drop;
	}
again:
	switch (p.eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		tt_ipv4_input(w, &p);
		return;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		tt_arp_input(w, &p, false);
		return;
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		/* IPv6 is on with an IPv6 address only: without, IPv6 is a type we do not speak. */
		if (w->net->n_addrs6 == 0) {
			TT_STAT_INC(&w->stats, EthInOtherTypes);
			break;
		}
		tt_ipv6_input(w, &p);
		return;
	case RTE_BE16(RTE_ETHER_TYPE_VLAN):
		/*
		 * Still tagged: no address is on a VLAN (tt_vlan_rx did not run), or a second tag
		 * (802.1ad stacking, which tcpterm does not speak). As Linux without VLAN devices, a
		 * priority-tagged frame is taken as untagged and any other dropped.
		 */
		if (!(m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) &&
		    rte_pktmbuf_data_len(m) >= sizeof(*p.eth) + sizeof(struct rte_vlan_hdr) &&
		    (rte_be_to_cpu_16(((const struct rte_vlan_hdr *)(p.eth + 1))->vlan_tci) &
		     RTE_VLAN_ID_MASK) == 0) {
			rte_vlan_strip(m);
			p.eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
			goto again;
		}
		TT_STAT_INC(&w->stats, EthInVlanUnknown);
		break;
	default:
		TT_STAT_INC(&w->stats, EthInOtherTypes);
		break;
	}
drop:
	rte_pktmbuf_free(m);
}

void
tt_eth_handed_input(struct tt_worker *w, struct tt_pkt *p)
{
	if (p->ip != NULL)
		tt_ipv4_handed_input(w, p);
	else if (p->ip6 != NULL)
		tt_ipv6_handed_input(w, p);
	else
		tt_arp_input(w, p, true);
}
