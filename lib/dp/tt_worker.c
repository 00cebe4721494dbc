/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop (DESIGN "The data path of one worker"): run to completion, one iteration
 * per tt_worker_poll: RX bursts from each port, frames handed over by other workers, periodic
 * work, then one TX flush. Busy cycles are those of iterations that handled a frame.
 */
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "../net/tt_net.h"
#include "../tcp/tcp_conn.h"
#include "tt_worker.h"

void
tt_worker_flush(struct tt_worker *w)
{
	for (uint16_t pi = 0; pi < w->n_ports; pi++) {
		struct tt_txbuf *b = &w->tx[pi];
		uint16_t sent;

		if (b->n == 0)
			continue;
		sent = rte_eth_tx_burst(w->ports[pi].port_id, w->queue, b->pkts, b->n);
		TT_STAT_ADD(&w->stats, EthOutFrames, sent);
		if (unlikely(sent < b->n)) {
			TT_STAT_ADD(&w->stats, EthOutDrops, b->n - sent);
			rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
		}
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
 * Hand a copy of m to each other worker. The copy's port field carries the port index, not
 * the ethdev id: the receiving worker indexes its own ports array with it.
 */
void
tt_worker_fanout(struct tt_worker *w, uint16_t pi, const struct rte_mbuf *m)
{
	for (uint16_t i = 0; i < w->n_workers; i++) {
		struct tt_worker *peer = w->peers[i];
		struct rte_mbuf *c;

		if (peer == w)
			continue;
		c = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
		if (c == NULL) {
			TT_STAT_INC(&w->stats, EthHandoffDrops);
			continue;
		}
		c->port = pi;
		c->packet_type = RTE_PTYPE_L2_ETHER_ARP;
		if (rte_ring_mp_enqueue(peer->inbox, c) != 0) {
			TT_STAT_INC(&w->stats, EthHandoffDrops);
			rte_pktmbuf_free(c);
		}
	}
}

/*
 * A TCP segment for another worker's flow: it travels with its offsets in l2_len/l3_len and
 * RTE_PTYPE_L4_TCP so the owner needs no second parse of the lower layers. The port field
 * carries the port index, as for fan-out.
 */
void
tt_worker_handover(struct tt_worker *w, uint16_t owner, struct tt_pkt *p)
{
	struct rte_mbuf *m = p->m;

	m->port = p->pi;
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
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

static unsigned int
worker_inbox(struct tt_worker *w)
{
	struct rte_mbuf *pkts[TT_BURST_MAX];
	unsigned int n = rte_ring_sc_dequeue_burst(w->inbox, (void **)pkts, w->burst, NULL);

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct tt_pkt p = {
			.m = m,
			.pi = m->port,
			.eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *),
		};

		if ((m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_TCP) {
			p.ip = (struct rte_ipv4_hdr *)(p.eth + 1);
			p.ip_hlen = m->l3_len;
			p.l4_len = (uint16_t)m->hash.usr;
			p.l4 = (uint8_t *)p.ip + p.ip_hlen;
			tt_tcp_input_handed(w, &p);
		} else {
			tt_arp_input(w, &p, true);
		}
	}
	return n;
}

unsigned int
tt_worker_poll(struct tt_worker *w)
{
	struct rte_mbuf *pkts[TT_BURST_MAX];
	uint64_t t0 = rte_rdtsc();
	unsigned int total = 0;
	bool full = false;

	tt_clock_update(&w->clock);
	/* Timers first: whatever RX arms then counts from this iteration's time. */
	if (w->tcp != NULL) {
		tt_mem_update(w);
		tt_tcp_timers_run(w);
	}
	w->syn_budget = tt_worker_behind(w) ? w->burst / TT_BEHIND_SYN_SHARE + 1u : UINT32_MAX;
	for (uint16_t pi = 0; pi < w->n_ports; pi++) {
		uint16_t n = rte_eth_rx_burst(w->ports[pi].port_id, w->queue, pkts, w->burst);

		full |= n == w->burst;
		for (uint16_t i = 0; i < n; i++) {
			if (i + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
			tt_eth_input(w, pi, pkts[i]);
		}
		total += n;
	}
	w->rx_full_run = full ? RTE_MIN(w->rx_full_run + 1, (uint32_t)UINT16_MAX) : 0;
	if (w->n_workers > 1)
		total += worker_inbox(w);
	if (w->tcp != NULL) {
		tt_app_run(w);
		tt_tcp_flush_pending(w);
	}
	tt_arp_timer(w);
	tt_worker_flush(w);

	uint64_t dt = rte_rdtsc() - t0;
	__atomic_store_n(&w->total_cycles, w->total_cycles + dt, __ATOMIC_RELAXED);
	if (total != 0)
		__atomic_store_n(&w->busy_cycles, w->busy_cycles + dt, __ATOMIC_RELAXED);
	return total;
}

int
tt_worker_main(void *arg)
{
	struct tt_worker *w = arg;

	/* The clock runs since worker_create(); the timer wheel counts from it. */
	while (!__atomic_load_n(w->quit, __ATOMIC_RELAXED))
		tt_worker_poll(w);
	return 0;
}
