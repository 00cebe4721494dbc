/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The impairment layer (include/tcpterm/tt_impair.h says what it does) as workers run it.
 * It sits at the very bottom of the data path, between the port and everything else:
 *
 *   rte_eth_rx_burst -> tt_impair_run(RX) -> tt_eth_input ...
 *   ... tt_worker_tx -> tt_worker_flush -> tt_impair_run(TX) -> rte_eth_tx_burst
 *
 * so what TCP sees and sends is exactly what a lossy, reordering, slow link would do, and
 * nothing above knows it is there.
 *
 * The specification lives once, in the engine's struct tt_impair_shared, written by the
 * control thread (start-up, telemetry) under a seqlock and a generation count; each worker
 * copies it when the generation moves (one load per loop iteration otherwise) into its own
 * per-port, per-direction state: the generator, the Gilbert-Elliott state, the rate
 * limiter's clock and the frames held (a binary heap on release time, ties kept in arrival
 * order). A direction costs nothing while it has no effect and holds nothing: the loop tests
 * one bit.
 */
#ifndef TT_IMPAIR_PRIV_H
#define TT_IMPAIR_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_seqlock.h>

#include <tcpterm/tt_impair.h>

#include "tt_port.h"

struct tt_worker;

/* The engine's copy: what every worker follows. */
struct tt_impair_shared {
	rte_seqlock_t lock;
	uint32_t gen;                  /* moves on every change; read without the lock */
	uint64_t seed;
	struct tt_impair_conf conf[TT_MAX_PORTS][TT_IMPAIR__DIRS];
};

struct tt_impair_held {
	uint64_t due;                  /* TSC when the frame may go on */
	uint64_t seq;                  /* arrival order, for equal due times */
	struct rte_mbuf *m;
};

/* One direction of one port, as one worker runs it. */
struct tt_impair_dir {
	struct tt_impair_conf conf;
	uint64_t rng;
	uint64_t tsc_per_byte;         /* 16.16 fixed point, from rate_bps; 0: no limit */
	uint64_t rate_next;            /* TSC when the limiter's link is free again */
	uint64_t seq;
	uint64_t max_due;              /* the latest due time ever held */
	uint32_t n_held;
	bool bad;                      /* Gilbert-Elliott state */
	bool active;                   /* some effect is on */
	struct tt_impair_held *heap;   /* TT_IMPAIR_HELD_MAX entries */
};

struct tt_impair {
	struct tt_impair_shared *shared;
	uint32_t gen;
	uint32_t on;                   /* bit 2 * pi + dir: active, or frames held */
	uint16_t n_ports;
	uint16_t worker_id;
	uint64_t tsc_per_us;           /* 16.16 fixed point */
	struct tt_impair_dir dir[TT_MAX_PORTS][TT_IMPAIR__DIRS];
};

/* Every effect off; seed 0 means "draw one" (tt_impair_shared_seed). */
void tt_impair_shared_init(struct tt_impair_shared *s, uint64_t seed);
/* The seed in use: the one given, or one drawn from rte_rand the first time. */
uint64_t tt_impair_shared_seed(struct tt_impair_shared *s);
/* Set one direction of port pi (any thread; one writer at a time). */
void tt_impair_shared_set(struct tt_impair_shared *s, uint16_t pi, enum tt_impair_dir_id d,
			  const struct tt_impair_conf *c);
void tt_impair_shared_get(struct tt_impair_shared *s, uint16_t pi, enum tt_impair_dir_id d,
			  struct tt_impair_conf *c);

/* A worker's state for n_ports ports; NULL when out of memory. */
struct tt_impair *tt_impair_create(struct tt_impair_shared *s, uint16_t worker_id,
				   uint16_t n_ports, int socket);
/* Frees the frames still held, then the state. */
void tt_impair_free(struct tt_impair *im);

/* Cold half of tt_impair_sync: copy the shared specification. */
void tt_impair_reload(struct tt_impair *im, uint32_t gen);

/* Once per loop iteration: follow a change of the specification. */
static inline void
tt_impair_sync(struct tt_impair *im)
{
	uint32_t gen = __atomic_load_n(&im->shared->gen, __ATOMIC_ACQUIRE);

	if (unlikely(gen != im->gen))
		tt_impair_reload(im, gen);
}

static inline bool
tt_impair_on(const struct tt_impair *im, uint16_t pi, enum tt_impair_dir_id d)
{
	return im != NULL && (im->on >> (2u * pi + d)) & 1u;
}

/*
 * Impair the n frames of in (port pi, direction d): those that go on now, and held frames
 * now due, land in out (at most cap; the rest stay held), in the order they go. Returns how
 * many. Takes every frame of in.
 */
uint16_t tt_impair_run(struct tt_worker *w, uint16_t pi, enum tt_impair_dir_id d,
		       struct rte_mbuf **in, uint16_t n, struct rte_mbuf **out, uint16_t cap);

#endif /* TT_IMPAIR_PRIV_H */
