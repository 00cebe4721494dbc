/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for Ethernet/IPv4: answer requests for our addresses, learn the sender of
 * every request or reply addressed to us (as Linux does), and resolve the gateway.
 *
 * tt_eth_input -> tt_arp_input. With several workers, a frame that taught this worker a
 * neighbour is copied to the others (tt_worker_fanout), since an ARP reply reaches only one
 * RX queue but every worker may need the answer; copies are learned from, never answered.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "../dp/tt_worker.h"
#include "tt_net.h"

int
tt_arp_parse(struct tt_stats *st, const struct tt_pkt *p, struct rte_arp_hdr **arpp)
{
	struct rte_arp_hdr *arp;

	if (rte_pktmbuf_data_len(p->m) < sizeof(struct rte_ether_hdr) + sizeof(*arp)) {
		TT_STAT_INC(st, ArpInErrors);
		return -EINVAL;
	}
	arp = (struct rte_arp_hdr *)(p->eth + 1);
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != sizeof(uint32_t)) {
		TT_STAT_INC(st, ArpInErrors);
		return -EINVAL;
	}
	switch (arp->arp_opcode) {
	case RTE_BE16(RTE_ARP_OP_REQUEST):
		TT_STAT_INC(st, ArpInRequests);
		break;
	case RTE_BE16(RTE_ARP_OP_REPLY):
		TT_STAT_INC(st, ArpInReplies);
		break;
	default:
		TT_STAT_INC(st, ArpInErrors);
		return -EINVAL;
	}
	/* A sender claiming a group MAC or no address cannot be a neighbour. */
	if (!rte_is_unicast_ether_addr(&arp->arp_data.arp_sha)) {
		TT_STAT_INC(st, ArpInErrors);
		return -EINVAL;
	}
	*arpp = arp;
	return 0;
}

static void
arp_learn(struct tt_worker *w, uint16_t pi, const struct rte_arp_hdr *arp)
{
	uint32_t sip = arp->arp_data.arp_sip;

	if (sip == 0)
		return; /* RFC 5227 probe: nothing to learn */
	/* One table for every port: a neighbour of another port's subnet is not learned here. */
	if (!tt_ipv4_subnet_on(w->net, sip, pi))
		return;
	if (tt_neigh_update(w->neigh, sip, &arp->arp_data.arp_sha, w->clock.ms) < 0)
		TT_STAT_INC(&w->stats, ArpNeighFull);
	if (w->neigh->n_pending > 0) {
		struct tt_naddr a = tt_naddr_v4(sip);

		tt_neigh_pending_send(w, &a, &arp->arp_data.arp_sha);
	}
}

/* Turn the request into its reply in place (RFC 826 "swap" step) and send it. */
static void
arp_reply(struct tt_worker *w, struct tt_pkt *p, struct rte_arp_hdr *arp)
{
	const struct rte_ether_addr *mac = &w->ports[p->pi].mac;
	uint32_t tip = arp->arp_data.arp_tip;

	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	arp->arp_data.arp_sha = *mac;
	arp->arp_data.arp_sip = tip;
	p->eth->dst_addr = arp->arp_data.arp_tha;
	p->eth->src_addr = *mac;
	rte_pktmbuf_trim(p->m, rte_pktmbuf_pkt_len(p->m) -
			       (sizeof(struct rte_ether_hdr) + sizeof(*arp)));
	p->m->ol_flags = 0;
	TT_STAT_INC(&w->stats, ArpOutReplies);
	tt_net_tx(w, p->pi, p->m);
}

void
tt_arp_input(struct tt_worker *w, struct tt_pkt *p, bool from_peer)
{
	struct rte_arp_hdr *arp;
	bool for_us;

	if (from_peer) {
		/* Already validated and counted by the worker that received it. */
		arp = (struct rte_arp_hdr *)(p->eth + 1);
		arp_learn(w, p->pi, arp);
		goto free;
	}
	if (tt_arp_parse(&w->stats, p, &arp) < 0)
		goto free;
	for_us = tt_ipv4_is_local_on(w->net, arp->arp_data.arp_tip, p->vlan, p->pi);
	if (!for_us) {
		TT_STAT_INC(&w->stats, ArpInOther);
		goto free;
	}
	arp_learn(w, p->pi, arp);
	if (w->n_workers > 1 && arp->arp_data.arp_sip != 0)
		tt_worker_fanout(w, p);
	if (arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST)) {
		arp_reply(w, p, arp);
		return;
	}
free:
	rte_pktmbuf_free(p->m);
}

void
tt_arp_request(struct tt_worker *w, uint16_t pi, uint32_t ip)
{
	const struct rte_ether_addr *mac = &w->ports[pi].mac;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;
	int src;

	if (w->net->n_addrs == 0)
		return;
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL)
		return;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = *mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = sizeof(uint32_t);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = *mac;
	/*
	 * Our address on ip's subnet, as Linux's arp_solicit picks (inet_select_addr, link
	 * scope), so the target learns an address it answers on-link; else the first one.
	 */
	src = tt_ipv4_link_addr(w->net, ip);
	arp->arp_data.arp_sip = w->net->addrs[src >= 0 ? src : 0];
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = ip;
	TT_STAT_INC(&w->stats, ArpOutRequests);
	tt_net_tx(w, pi, m);
}

uint32_t
tt_ipv4_nexthop(struct tt_worker *w, uint32_t dst)
{
	if (tt_ipv4_on_link(w->net, dst))
		return dst;
	if (w->net->gateway != 0)
		return w->net->gateway;
	TT_STAT_INC(&w->stats, IpOutNoRoutes);
	return 0;
}

void
tt_arp_timer(struct tt_worker *w)
{
	uint32_t gw = w->net->gateway;


	/* One worker resolves; the answer reaches the others through fan-out. */
	if (gw == 0 || w->id != 0 || tt_tick_after(w->neigh->next_gw_arp_ms, w->clock.ms))
		return;
	for (uint16_t pi = 0; pi < w->n_ports; pi++)
		if (tt_ipv4_subnet_on(w->net, gw, pi))
			tt_arp_request(w, pi, gw);
	w->neigh->next_gw_arp_ms = w->clock.ms + (tt_neigh_lookup(w->neigh, gw) != NULL ?
						  TT_NEIGH_REFRESH_MS : TT_NEIGH_RETRY_MS);
}
