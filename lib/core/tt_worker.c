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
		if (rte_ring_mp_enqueue(peer->inbox, c) != 0) {
			TT_STAT_INC(&w->stats, EthHandoffDrops);
			rte_pktmbuf_free(c);
		}
	}
}

static unsigned int
worker_inbox(struct tt_worker *w)
{
	struct rte_mbuf *pkts[TT_BURST_MAX];
	unsigned int n = rte_ring_sc_dequeue_burst(w->inbox, (void **)pkts, w->burst, NULL);

	for (unsigned int i = 0; i < n; i++) {
		struct tt_pkt p = {
			.m = pkts[i],
			.pi = pkts[i]->port,
			.eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *),
		};

		tt_arp_input(w, &p, true);
	}
	return n;
}

unsigned int
tt_worker_poll(struct tt_worker *w)
{
	struct rte_mbuf *pkts[TT_BURST_MAX];
	uint64_t t0 = rte_rdtsc();
	unsigned int total = 0;

	tt_clock_update(&w->clock);
	for (uint16_t pi = 0; pi < w->n_ports; pi++) {
		uint16_t n = rte_eth_rx_burst(w->ports[pi].port_id, w->queue, pkts, w->burst);

		for (uint16_t i = 0; i < n; i++) {
			if (i + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
			tt_eth_input(w, pi, pkts[i]);
		}
		total += n;
	}
	if (w->n_workers > 1)
		total += worker_inbox(w);
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

	tt_clock_init(&w->clock);
	while (!__atomic_load_n(w->quit, __ATOMIC_RELAXED))
		tt_worker_poll(w);
	return 0;
}
