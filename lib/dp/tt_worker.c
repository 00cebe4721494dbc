/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's moves of a frame between a worker and the world: the TX buffer and its
 * flush (once per loop iteration, or when full), hand-over of a segment to the worker that
 * owns its flow and fan-out of a copy to every worker (DESIGN "Ownership"), the inbox they
 * land in, and the trust kept in each port's RSS hash. No protocol here: the layers above
 * call these (tt_ipv4_reply_send / tcp_output -> tt_worker_tx; tt_tcp_input ->
 * tt_worker_handover; tt_arp_input -> tt_worker_fanout), the engine's loop drains the inbox
 * (tt_worker_inbox_burst -> tt_eth_handed_input) and flushes.
 */
#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "tt_impair_priv.h"
#include "tt_worker.h"

static void
flush_port(struct tt_worker *w, uint16_t pi, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = rte_eth_tx_burst(w->ports[pi].port_id, w->queue, pkts, n);

	TT_STAT_ADD(&w->stats, EthOutFrames, sent);
	if (unlikely(sent < n)) {
		TT_STAT_ADD(&w->stats, EthOutDrops, n - sent);
		rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
	}
}

/* Through the port's TX impairment: what goes now, with held frames now due. */
static void
flush_impaired(struct tt_worker *w, uint16_t pi)
{
	struct tt_txbuf *b = &w->tx[pi];
	struct rte_mbuf *out[2 * TT_BURST_MAX];
	uint16_t n = tt_impair_run(w, pi, TT_IMPAIR_TX, b->pkts, b->n, out, RTE_DIM(out));

	b->n = 0;
	if (n > 0)
		flush_port(w, pi, out, n);
}

void
tt_worker_flush(struct tt_worker *w)
{
	for (uint16_t pi = 0; pi < w->n_ports; pi++) {
		struct tt_txbuf *b = &w->tx[pi];

		if (unlikely(tt_impair_on(w->impair, pi, TT_IMPAIR_TX))) {
			flush_impaired(w, pi);
			continue;
		}
		if (b->n == 0) {
			/*
			 * net_bonding in 802.3ad sends its LACPDUs from within tx_burst only
			 * (without dedicated queues): an idle port calls it with none, so the
			 * partner hears them (IEEE 802.1AX 6.4: every second, or 30).
			 */
			if (w->ports[pi].tx_poll)
				rte_eth_tx_burst(w->ports[pi].port_id, w->queue, NULL, 0);
			continue;
		}
		flush_port(w, pi, b->pkts, b->n);
		b->n = 0;
	}
}

void
tt_worker_tx(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m)
{
	struct tt_txbuf *b = &w->tx[pi];

	b->pkts[b->n++] = m;
	if (unlikely(b->n == w->burst))
		tt_worker_flush(w);
}

/*
 * Hand a copy of p's frame to each other worker. The copy's port field carries the port
 * index, not the ethdev id: the receiving worker indexes its own ports array with it.
 */
void
tt_worker_fanout(struct tt_worker *w, const struct tt_pkt *p)
{
	for (uint16_t i = 0; i < w->n_workers; i++) {
		struct tt_worker *peer = w->peers[i];
		struct rte_mbuf *c;

		if (peer == w)
			continue;
		c = rte_pktmbuf_copy(p->m, w->pool, 0, UINT32_MAX);
		if (c == NULL) {
			TT_STAT_INC(&w->stats, EthHandoffDrops);
			continue;
		}
		c->port = p->pi;
		if (p->ip6 != NULL) {
			c->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6;
			c->l2_len = sizeof(struct rte_ether_hdr);
			c->l3_len = p->ip_hlen;
			c->hash.usr = p->l4_len;
		} else {
			c->packet_type = RTE_PTYPE_L2_ETHER_ARP;
		}
		if (rte_ring_mp_enqueue(peer->inbox, c) != 0) {
			TT_STAT_INC(&w->stats, EthHandoffDrops);
			rte_pktmbuf_free(c);
		}
	}
}

/*
 * A datagram for another worker's flow: it travels with its offsets in l2_len/l3_len and
 * hash.usr, marked RTE_PTYPE_L3_IPV4 (or IPV6 and L4_TCP), so the owner needs no second parse of the lower
 * layers (tt_worker_inbox_burst). The port field carries the port index, as for fan-out.
 */
void
tt_worker_handover(struct tt_worker *w, uint16_t owner, struct tt_pkt *p)
{
	struct rte_mbuf *m = p->m;

	m->port = p->pi;
	m->packet_type = p->ip6 == NULL ? RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 :
			 RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6 |
			 (p->proto == IPPROTO_TCP ? RTE_PTYPE_L4_TCP : RTE_PTYPE_L4_ICMP);
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = p->ip_hlen;
	m->hash.usr = p->l4_len;
	if (rte_ring_mp_enqueue(w->peers[owner]->inbox, m) != 0) {
		TT_STAT_INC(&w->stats, EthHandoffDrops);
		rte_pktmbuf_free(m);
		return;
	}
	TT_STAT_INC(&w->stats, EthHandoffs);
}

void
tt_worker_nic_hash_init(struct tt_worker *w)
{
	for (uint16_t pi = 0; pi < TT_MAX_PORTS; pi++)
		w->nic_hash[pi] = pi < w->n_ports && w->ports[pi].steers && w->ports[pi].rss_hash ?
				  TT_NIC_HASH_CHECKS : -1;
}

/*
 * A NIC's hash is used only once it has equalled ours TT_NIC_HASH_CHECKS times: a port
 * can accept our key and still hash otherwise (another function, other fields). One
 * difference and the port's hash is never used again; the queue it chose still is the
 * one the segment came on, and a wrong one costs a hand-over, not a lost flow.
 */
void
tt_worker_nic_hash_check(struct tt_worker *w, uint16_t pi, uint32_t nic, uint32_t ours)
{
	if (nic != ours) {
		TT_STAT_INC(&w->stats, EthRssHashMismatch);
		w->nic_hash[pi] = -1;
		return;
	}
	w->nic_hash[pi]--;
}

unsigned int
tt_worker_inbox_burst(struct tt_worker *w, struct tt_pkt *pkts, unsigned int n)
{
	struct rte_mbuf *ms[TT_BURST_MAX];

	n = rte_ring_sc_dequeue_burst(w->inbox, (void **)ms, RTE_MIN(n, (unsigned int)TT_BURST_MAX),
				      NULL);
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = ms[i];
		struct tt_pkt *p = &pkts[i];

		p->m = m;
		p->pi = m->port;
		p->vlan = m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED ?
			  m->vlan_tci & RTE_VLAN_ID_MASK : 0;
		p->eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		p->ip = NULL;
		p->ip6 = NULL;
		p->ip_hlen = 0;
		p->l4_len = 0;
		p->l4 = NULL;
		if ((m->packet_type & RTE_PTYPE_L3_MASK) == RTE_PTYPE_L3_IPV4) {
			p->ip = (struct rte_ipv4_hdr *)(p->eth + 1);
			p->ip_hlen = m->l3_len;
			p->l4_len = (uint16_t)m->hash.usr;
			p->l4 = (uint8_t *)p->ip + p->ip_hlen;
		} else if ((m->packet_type & RTE_PTYPE_L3_MASK) == RTE_PTYPE_L3_IPV6) {
			p->ip6 = (struct rte_ipv6_hdr *)(p->eth + 1);
			p->ip_hlen = m->l3_len;
			p->l4_len = (uint16_t)m->hash.usr;
			p->l4 = (uint8_t *)p->ip6 + p->ip_hlen;
			/* A TCP segment, or ICMPv6: an error for a flow, or a fan-out's ND copy. */
			p->proto = (m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_TCP ?
				   IPPROTO_TCP : IPPROTO_ICMPV6;
		}
	}
	return n;
}
