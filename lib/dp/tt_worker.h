/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's bottom half (the data-plane layer, DESIGN "Layers"): one lcore, one RX/TX queue
 * on every port, its pool, counters and clock, the TX buffers, the inbox and peers for
 * hand-over, steering state and the R1 load figures. Every layer above keeps its per-worker
 * state behind an opaque pointer here (net, neigh, tcp); this layer knows no protocol.
 * Data-path functions take the worker first (STYLE habit 7).
 *
 * The loop that drives it is the engine's (tt_worker_poll, lib/engine/tt_worker_loop.c);
 * the layers above call down into tt_worker_tx / tt_worker_flush / tt_worker_handover /
 * tt_worker_fanout, and the loop drains the inbox with tt_worker_inbox_burst.
 */
#ifndef TT_WORKER_H
#define TT_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "../stats/tt_stats_priv.h"
#include "../util/tt_clock.h"
#include "tt_pkt.h"
#include "tt_port.h"
#include "tt_steer.h"

#define TT_BURST_MAX 64
#define TT_INBOX_SIZE 4096
/* Segments whose NIC hash is compared with ours before the port's hash is trusted. */
#define TT_NIC_HASH_CHECKS 32
/*
 * R1: a worker is behind when its RX bursts have come back full for at least
 * TT_BEHIND_BURSTS iterations in a row and for longer than a time: arrival exceeds
 * service, not a passing burst. (Counting bursts alone took a generator's once-a-millisecond
 * batch of a few hundred frames at a fifth of capacity for overload.) The time depends on
 * how it has been: TT_BEHIND_MS when it was behind less than TT_BEHIND_RECENT_MS ago (under a
 * lasting overload the worker falls behind again within milliseconds of each catch-up,
 * whatever its idle moments while shedding); else TT_BEHIND_FIRST_MS when it is loaded (in
 * its last window of TT_BEHIND_RECENT_MS, fewer than half of the milliseconds saw an
 * iteration that found no frame); else TT_BEHIND_LONG_MS. A host that stops the worker's
 * core for tens of milliseconds (this VM does, WorkerStalls) leaves a backlog as long again
 * to drain at half capacity, and shedding SYNs then turned a load the core serves (200 k
 * conn/s at 50 % busy) into seconds of SYN retransmissions (docs/BENCHMARKS.md, issue 9's
 * eighth session). The price: an overload that starts on an idle worker is found only
 * when its first window ends loaded or after TT_BEHIND_LONG_MS, up to 100 ms in which the
 * RX ring overflows (any frame lost, not SYNs first). While behind, an iteration takes at most
 * burst / TT_BEHIND_SYN_SHARE + 1 SYNs (3 of a burst of 32); the others are shed before
 * TCP sees them (as a NIC or Linux's backlog drops frames: not in InSegs, counted
 * SynShedBusy), so the frames of connections already admitted get the core and the backlog
 * drains. Behind, the queue is mostly SYNs (new ones and clients' retransmissions), and each
 * one admitted brings three frames later (ACK with request, FIN, last ACK): admitting the
 * SYNs' share of a balanced mix (a quarter) kept the backlog growing, CPS fell to a fifth of
 * capacity at twice capacity offered and clients retransmitted requests by the million; a
 * sixteenth kept CPS near capacity with nothing but SYNs retransmitted (docs/BENCHMARKS.md).
 * Under a SYN flood the SYNs that are taken still get cookies (C5).
 */
#define TT_BEHIND_BURSTS 16
#define TT_BEHIND_MS 2
#define TT_BEHIND_FIRST_MS 20
#define TT_BEHIND_RECENT_MS 100
#define TT_BEHIND_LONG_MS 100
#define TT_BEHIND_SYN_SHARE 16
/*
 * An iteration takes microseconds (a burst, the timers it fires, the output); one that took
 * TT_STALL_MS or more almost always means the host did not run the worker meanwhile (steal
 * on a VM, a neighbour on the core). Counted (WorkerStalls), and not time behind: during
 * such a pause a full RX queue says nothing of the worker's capacity, and counted in, a
 * 20 ms pause inside a run of full bursts made the worker behind as soon as it ran again
 * (test_tcp_mem's test_r1_host_pause_not_behind). An iteration that really works that long
 * (a storm of timers) is taken for a pause too: R1 then needs its threshold of full bursts
 * after it.
 */
#define TT_STALL_MS 2

/* The upper layers' per-worker state: opaque here, defined by each layer's own header. */
struct tt_net;            /* lib/net/tt_net.h */
struct tt_neigh_table;    /* lib/net/tt_net.h */
struct tt_tcp;            /* lib/tcp/tcp_conn.h */
struct tt_impair;         /* tt_impair_priv.h */
struct tt_apps;           /* lib/app/tt_app.c */

struct tt_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[TT_BURST_MAX];
};

/*
 * The layers a busy iteration's cycles are split into (the layer_cycles tunable): name, and
 * what each holds. The split adds up to busy_cycles exactly; at the edges a cost goes to the
 * next layer measured: an RX burst that found nothing, a burst shed whole (R1) or held
 * whole by impairment (then usually 'app'), an empty inbox poll ('app'), an empty burst
 * whose impairment released delayed frames ('stack').
 */
#define TT_WORKER_LAYERS(X) \
	X(timers, "clock, TCP memory level, timers, frames waiting for ARP") \
	X(rx, "the ports' RX bursts: the driver") \
	X(stack, "Ethernet, ARP, IPv4 and TCP input of the frames received and handed over") \
	X(app, "applications: their polls and the events delivered to them") \
	X(out, "TCP output of what input and applications queued") \
	X(tx, "the gateway's ARP refresh and the TX flush: the driver")

enum tt_worker_layer {
#define TT_LAYER_ENUM(nm, help) TT_LAYER_##nm,
	TT_WORKER_LAYERS(TT_LAYER_ENUM)
#undef TT_LAYER_ENUM
	TT_LAYER__COUNT
};

struct tt_worker {
	struct tt_stats stats;          /* first: its own cache lines */
	struct tt_clock clock;
	uint16_t id;
	uint16_t n_workers;
	uint16_t queue;                 /* this worker's queue index on every port */
	uint16_t n_ports;
	uint16_t burst;
	unsigned int lcore;
	const struct tt_port *ports;    /* engine's array, n_ports long */
	const struct tt_net *net;       /* lib/net: our addresses, shared read-only */
	struct rte_mempool *pool;
	struct tt_neigh_table *neigh;   /* lib/net: neighbours, gateway resolution */
	struct rte_ring *inbox;         /* MP/SC: frames handed over by other workers */
	struct tt_worker **peers;       /* all workers, for hand-over; n_workers long */
	struct tt_tcp *tcp;             /* lib/tcp: flows, listeners, timers; NULL: no TCP */
	struct tt_apps *apps;           /* lib/app: timers, and the rings of an application lcore */
	const struct tt_steer *steer;   /* flow key and owners, shared read-only (R3, R4) */
	/*
	 * Per port: segments left to compare the NIC's RSS hash with ours (> 0), trusted (0),
	 * or not used (< 0: the port does not steer, or its hash once differed).
	 */
	int8_t nic_hash[TT_MAX_PORTS];
	uint32_t rx_full_run;           /* consecutive iterations with a full RX burst */
	uint64_t rx_full_since_ms;      /* clock.ms when that run began */
	uint64_t behind_ms;             /* clock.ms when last behind (R1); 0: never */
	uint64_t load_win_ms;           /* clock.ms when the current load window began (R1) */
	uint64_t idle_ms;               /* clock.ms of the last iteration that found no frame */
	uint32_t load_win_idle;         /* milliseconds of the window with such an iteration */
	bool loaded;                    /* the last whole window: idle in under half its ms */
	uint64_t poll_tsc;              /* clock.tsc at the last iteration's start */
	uint64_t poll_ms;               /* and clock.ms */
	uint32_t syn_budget;            /* SYNs this iteration may still take (R1) */
	struct tt_txbuf tx[TT_MAX_PORTS];
	struct tt_impair *impair;       /* the ports' impairment (tt_impair_priv.h); NULL: none */
	/* Read by the control thread: written with relaxed stores, one writer (the loop). */
	uint64_t busy_cycles;
	uint64_t total_cycles;
	uint64_t polls;                 /* loop iterations */
	uint64_t busy_polls;            /* of which handled a frame: frames / busy_polls = batch */
	/* busy_cycles by layer when the layer_cycles tunable is on (TT_WORKER_LAYERS). */
	bool layer_on;
	uint64_t layer_cycles[TT_LAYER__COUNT];
} __rte_cache_aligned;

static inline bool
tt_worker_behind(struct tt_worker *w)
{
	uint64_t now = w->clock.ms;
	bool recent = w->behind_ms != 0 && now - w->behind_ms < TT_BEHIND_RECENT_MS;
	uint64_t need = recent ? TT_BEHIND_MS : !w->loaded ? TT_BEHIND_LONG_MS : TT_BEHIND_FIRST_MS;

	if (w->rx_full_run < TT_BEHIND_BURSTS || now - w->rx_full_since_ms < need)
		return false;
	w->behind_ms = now;
	return true;
}

/* Queue m for transmission on port index pi; flushes when the buffer is full. */
void tt_worker_tx(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m);

/* Send every buffered frame; frames the queue refuses are counted and freed. */
void tt_worker_flush(struct tt_worker *w);

/*
 * Copy p's frame to every other worker's inbox (ARP and ND learning, DESIGN "Ownership"):
 * an ARP frame, or an IPv6 one (p->ip6 set) with its offsets, as a hand-over carries them.
 */
void tt_worker_fanout(struct tt_worker *w, const struct tt_pkt *p);

/*
 * Hand a validated IPv4 datagram to the worker that owns its flow (counted: EthHandoffs, or
 * EthHandoffDrops when that worker's inbox is full). Takes p->m.
 */
void tt_worker_handover(struct tt_worker *w, uint16_t owner, struct tt_pkt *p);

/*
 * Up to n frames from w's inbox, each as the descriptor it left with: a hand-over's offsets
 * (p->ip set), or a fan-out copy (p->ip NULL, Ethernet only). Returns the count.
 */
unsigned int tt_worker_inbox_burst(struct tt_worker *w, struct tt_pkt *pkts, unsigned int n);

/* The NIC trust state of each port of w, from the ports' steering (tt_engine, tests). */
void tt_worker_nic_hash_init(struct tt_worker *w);

/* Cold half of tt_worker_rss_hash: compare a NIC hash with ours, distrust the port if unequal. */
void tt_worker_nic_hash_check(struct tt_worker *w, uint16_t pi, uint32_t nic, uint32_t ours);

/*
 * The Toeplitz hash of a received IPv4/TCP segment (addresses and ports in network order,
 * as the segment carries them): the one the NIC left in the mbuf when the port's hash has
 * proven equal to ours, else computed (and, while the port is on probation, compared).
 */
static inline uint32_t
tt_worker_rss_hash(struct tt_worker *w, uint16_t pi, const struct rte_mbuf *m, uint32_t src,
		   uint32_t dst, uint16_t sport, uint16_t dport)
{
	bool nic = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) != 0;
	uint32_t h;

	if (nic && w->nic_hash[pi] == 0)
		return m->hash.rss;
	h = tt_toeplitz_v4(&w->steer->toeplitz, src, dst, sport, dport);
	if (nic && w->nic_hash[pi] > 0)
		tt_worker_nic_hash_check(w, pi, m->hash.rss, h);
	return h;
}

#endif /* TT_WORKER_H */
