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
 * R1: admission of new connections under CPU overload (tt_worker_syn_gate_tick). Past its
 * capacity a worker's RX queue fills with SYNs (new ones and clients' retransmissions), and
 * each SYN taken brings three frames later (ACK with request, FIN, last ACK): taking every
 * SYN lets the backlog grow until the ring drops frames of connections already admitted,
 * at random, and clients retransmit by the million. So while the worker is saturated, new
 * connections are admitted at a rate it finds by itself, AIMD as in TCP's congestion
 * control, judged once per TT_SYN_EPOCH_MS epoch by the share of the epoch's cycles spent in
 * iterations that found frames (the busy share the status line shows):
 *
 *   at or above TT_SYN_BUSY_HIGH / TT_SYN_BUSY_SCALE (no idle poll to speak of): the limit
 *     of SYNs per millisecond is cut by an eighth (the first cut from what the epoch took);
 *   below TT_SYN_BUSY_LOW / TT_SYN_BUSY_SCALE while SYNs are shed: it grows by a sixteenth;
 *   after TT_SYN_LIMIT_CALM_MS with nothing shed: it is lifted.
 *
 * SYNs past the limit are dropped before TCP parses or counts them (as a NIC or Linux's
 * backlog drops frames: not in InSegs, counted SynShedBusy), at the cost of a receive and a
 * free. TT_SYN_LIMIT_MIN per millisecond always pass: under a flood of SYNs, which tcpterm
 * answers with cookies at little cost, legitimate clients keep their chance (C5).
 *
 * Two detectors of "behind" were measured first and dropped (docs/ARCHITECTURE.md,
 * "Overload and memory"): RX bursts full for 2 ms, with a fixed share of each burst
 * admitted (3 of 32), admitted what the iteration rate allowed, not the capacity: half of
 * capacity at twice capacity offered; the same full-burst signal driving this AIMD fired at
 * 80 % busy on a generator's clumps of traffic and cut the limit far below capacity.
 */
#define TT_SYN_EPOCH_MS 8
#define TT_SYN_BUSY_SCALE 64
#define TT_SYN_BUSY_HIGH 63          /* 98.4 % */
#define TT_SYN_BUSY_LOW 58           /* 90.6 % */
#define TT_SYN_LIMIT_MIN 32
#define TT_SYN_LIMIT_CALM_MS 100

/* The upper layers' per-worker state: opaque here, defined by each layer's own header. */
struct tt_net;            /* lib/net/tt_net.h */
struct tt_neigh_table;    /* lib/net/tt_net.h */
struct tt_tcp;            /* lib/tcp/tcp_conn.h */

struct tt_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[TT_BURST_MAX];
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
	const struct tt_steer *steer;   /* flow key and owners, shared read-only (R3, R4) */
	/*
	 * Per port: segments left to compare the NIC's RSS hash with ours (> 0), trusted (0),
	 * or not used (< 0: the port does not steer, or its hash once differed).
	 */
	int8_t nic_hash[TT_MAX_PORTS];
	/* R1 admission of new connections (tt_worker_syn_gate_tick) */
	uint32_t syn_budget;            /* SYNs this millisecond may still take; max: no limit */
	uint32_t syn_limit;             /* SYNs per millisecond while limiting; 0: not limiting */
	uint32_t syn_taken;             /* SYNs taken in this epoch */
	uint32_t syn_shed;              /* SYNs shed in this epoch */
	uint32_t syn_calm_ms;           /* milliseconds limiting with nothing shed */
	uint64_t syn_ms;                /* the millisecond these counts belong to */
	uint64_t syn_epoch_ms;          /* when the current admission epoch began */
	uint64_t syn_epoch_busy;        /* busy_cycles then */
	uint64_t syn_epoch_total;       /* total_cycles then */
	struct tt_txbuf tx[TT_MAX_PORTS];
	/* Read by the control thread: written with relaxed stores, one writer (the loop). */
	uint64_t busy_cycles;
	uint64_t total_cycles;
} __rte_cache_aligned;

/*
 * R1: before the RX bursts: once per millisecond, set how many SYNs this millisecond may
 * take, and once per epoch, adjust the limit (TT_SYN_EPOCH_MS). Cheap on other iterations.
 */
void tt_worker_syn_gate_tick(struct tt_worker *w);

/*
 * R1: a pure SYN arrived; false when it is to be shed (counted SynShedBusy). Called before
 * TCP parses the segment.
 */
static inline bool
tt_worker_syn_admit(struct tt_worker *w)
{
	if (w->syn_budget == 0) {
		w->syn_shed++;
		TT_STAT_INC(&w->stats, SynShedBusy);
		return false;
	}
	if (w->syn_budget != UINT32_MAX)
		w->syn_budget--;
	w->syn_taken++;
	return true;
}

/* Queue m for transmission on port index pi; flushes when the buffer is full. */
void tt_worker_tx(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m);

/* Send every buffered frame; frames the queue refuses are counted and freed. */
void tt_worker_flush(struct tt_worker *w);

/* Copy m to every other worker's inbox (ARP learning, DESIGN "Ownership"). */
void tt_worker_fanout(struct tt_worker *w, uint16_t pi, const struct rte_mbuf *m);

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
