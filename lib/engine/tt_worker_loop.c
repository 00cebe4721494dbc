/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop (DESIGN "The data path of one worker"): run to completion, one iteration
 * per tt_worker_poll, calling each layer below in order:
 *   clock -> TCP memory level and timers (lib/tcp) -> RX burst per port -> tt_eth_input per
 *   frame (lib/net, and up through IPv4 to the registered protocol) -> frames handed over by
 *   other workers (lib/dp inbox -> tt_eth_handed_input) -> applications (lib/app: polls and
 *   events) -> pending TCP output -> periodic work (ARP for the gateway) -> TX flush (lib/dp).
 * Busy cycles are those of iterations that handled a frame.
 */
#include <stdbool.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "../app/tt_app_priv.h"
#include "../dp/tt_impair_priv.h"
#include "../dp/tt_worker.h"
#include "../net/tt_net.h"
#include "../tcp/tcp_conn.h"
#include "tt_engine_priv.h"

static unsigned int
worker_inbox(struct tt_worker *w)
{
	struct tt_pkt pkts[TT_BURST_MAX];
	unsigned int n = tt_worker_inbox_burst(w, pkts, w->burst);

	for (unsigned int i = 0; i < n; i++)
		tt_eth_handed_input(w, &pkts[i]);
	return n;
}

/* R1: a pause of the host (TT_STALL_MS) is not time spent behind the RX queue. */
static void
worker_stalled(struct tt_worker *w, uint64_t ms)
{
	TT_STAT_INC(&w->stats, WorkerStalls);
	if (w->rx_full_run != 0)
		w->rx_full_since_ms += ms;
	/* Nor are they milliseconds of the load window: the host's, not the worker's. */
	w->load_win_ms = RTE_MIN(w->load_win_ms + ms, w->clock.ms);
}

/*
 * R1's load window (tt_worker.h): the milliseconds with an iteration that found no frame,
 * counted once each; every TT_BEHIND_RECENT_MS, whether fewer than half had one.
 */
static void
worker_load(struct tt_worker *w, bool idle)
{
	uint64_t now = w->clock.ms;

	if (w->polls == 0 || now < w->load_win_ms) {
		w->load_win_ms = now;       /* the first iteration, or the tests' clock went back */
		w->load_win_idle = 0;
	}
	if (idle && now != w->idle_ms) {
		w->idle_ms = now;
		w->load_win_idle++;
	}
	if (now - w->load_win_ms >= TT_BEHIND_RECENT_MS) {
		w->loaded = 2 * (uint64_t)w->load_win_idle < now - w->load_win_ms;
		w->load_win_ms = now;
		w->load_win_idle = 0;
	}
}

/*
 * The layer_cycles split: the cycles since the last mark go to layer l. Off, nothing is
 * read; on, a busy iteration reads the TSC five times more (after timers, RX, input,
 * applications and output; two more per further port with frames, one for handed-over
 * frames), an idle one once, which is why it is a tunable.
 */
static inline void
layer_mark(struct tt_worker *w, uint64_t *mark, uint64_t lc[TT_LAYER__COUNT],
	   enum tt_worker_layer l)
{
	uint64_t now;

	if (likely(!w->layer_on))
		return;
	now = rte_rdtsc();
	lc[l] += now - *mark;
	*mark = now;
}

unsigned int
tt_worker_poll_from(struct tt_worker *w, uint64_t *tsc)
{
	struct rte_mbuf *pkts[TT_BURST_MAX], *impaired[2 * TT_BURST_MAX];
	uint64_t t0 = *tsc, t1, mark = t0, lc[TT_LAYER__COUNT] = { 0 };
	unsigned int total = 0;
	bool full = false;

	tt_clock_update_at(&w->clock, t0);
	/*
	 * The last iteration ended at t0 (one TSC reading a loop): the time since it began is
	 * its length, a pause of the host included. Signed: the tests' fake clock may go back.
	 */
	if ((int64_t)(w->clock.tsc - w->poll_tsc) * 1000 >= (int64_t)(TT_STALL_MS * w->clock.hz) &&
	    w->polls != 0)
		worker_stalled(w, w->clock.ms - w->poll_ms);
	w->poll_tsc = w->clock.tsc;
	w->poll_ms = w->clock.ms;
	if (w->impair != NULL)
		tt_impair_sync(w->impair);
	/* Timers first: whatever RX arms then counts from this iteration's time. */
	if (w->tcp != NULL) {
		tt_tcp_live_sync(w);
		tt_mem_update(w);
		tt_tcp_timers_run(w);
	}
	/* Frames waiting for ARP too: one given up on fails its connect in this iteration. */
	tt_neigh_pending_timer(w);
	layer_mark(w, &mark, lc, TT_LAYER_timers);
	w->syn_budget = tt_worker_behind(w) ? w->burst / TT_BEHIND_SYN_SHARE + 1u : UINT32_MAX;
	for (uint16_t pi = 0; pi < w->n_ports; pi++) {
		uint16_t n = rte_eth_rx_burst(w->ports[pi].port_id, w->queue, pkts, w->burst);
		struct rte_mbuf **in = pkts;

		full |= n == w->burst;
		if (n != 0)
			layer_mark(w, &mark, lc, TT_LAYER_rx);
		if (unlikely(tt_impair_on(w->impair, pi, TT_IMPAIR_RX))) {
			n = tt_impair_run(w, pi, TT_IMPAIR_RX, pkts, n, impaired,
					  RTE_DIM(impaired));
			in = impaired;
		}
		/* Frames shed are frames handled: they count for the busy share. */
		total += n;
		/* Tags off first: shedding and prefetching read headers where untagged ones are. */
		if (w->net->vlans)
			tt_vlan_rx(in, n);
		if (unlikely(w->syn_budget != UINT32_MAX) && w->tcp != NULL)
			n = tt_tcp_rx_shed(w, in, n);
		if (w->tcp != NULL)
			tt_tcp_rx_prefetch(w, in, n);
		for (uint16_t i = 0; i < n; i++)
			tt_eth_input(w, pi, in[i]);
		if (w->tcp != NULL)
			tt_tcp_rx_done(w->tcp);
		if (n != 0)
			layer_mark(w, &mark, lc, TT_LAYER_stack);
	}
	if (!full)
		w->rx_full_run = 0;
	else if (w->rx_full_run++ == 0)
		w->rx_full_since_ms = w->clock.ms;
	w->rx_full_run = RTE_MIN(w->rx_full_run, (uint32_t)UINT16_MAX);
	if (w->n_workers > 1) {
		unsigned int handed = worker_inbox(w);

		total += handed;
		if (handed != 0)
			layer_mark(w, &mark, lc, TT_LAYER_stack);
	}
	if (w->tcp != NULL) {
		tt_app_run(w);
		if (total != 0)
			layer_mark(w, &mark, lc, TT_LAYER_app);
		tt_tcp_flush_pending(w);
		if (total != 0)
			layer_mark(w, &mark, lc, TT_LAYER_out);
	}
	tt_arp_timer(w);
	if (w->net->n_addrs6 != 0) {      /* IPv6 on: one compare a loop when it is not */
		tt_mld_timer(w);
		tt_nd_timer(w);
	}
	tt_worker_flush(w);
	worker_load(w, total == 0);

	t1 = rte_rdtsc();
	*tsc = t1;
	__atomic_store_n(&w->total_cycles, w->total_cycles + (t1 - t0), __ATOMIC_RELAXED);
	__atomic_store_n(&w->polls, w->polls + 1, __ATOMIC_RELAXED);
	if (total != 0) {
		__atomic_store_n(&w->busy_cycles, w->busy_cycles + (t1 - t0), __ATOMIC_RELAXED);
		__atomic_store_n(&w->busy_polls, w->busy_polls + 1, __ATOMIC_RELAXED);
		if (w->layer_on) {
			lc[TT_LAYER_tx] += t1 - mark;
			for (unsigned int l = 0; l < TT_LAYER__COUNT; l++)
				__atomic_store_n(&w->layer_cycles[l], w->layer_cycles[l] + lc[l],
						 __ATOMIC_RELAXED);
		}
	}
	return total;
}
