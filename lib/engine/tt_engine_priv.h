/* SPDX-License-Identifier: BSD-3-Clause */
/* The engine as its own modules and the tests see it. */
#ifndef TT_ENGINE_PRIV_H
#define TT_ENGINE_PRIV_H

#include <stdbool.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include <tcpterm/tt_config.h>
#include <tcpterm/tt_engine.h>

#include "../dp/tt_impair_priv.h"
#include "../dp/tt_steer.h"
#include "../dp/tt_worker.h"
#include "../net/tt_net.h"
#include "tt_port_setup.h"

struct tt_engine {
	/*
	 * The running configuration: the workers read it; telemetry's /tcpterm/set changes its
	 * live keys (tt_config_publish_live), under the telemetry lock.
	 */
	struct tt_config cfg;
	struct tt_config cfg_start;     /* as the workers were created: what they preallocated */
	struct tt_net net;
	uint16_t n_ports;
	uint16_t n_workers;
	struct tt_port ports[TT_MAX_PORTS];
	struct tt_worker *workers[RTE_MAX_LCORE];
	unsigned int worker_lcore[RTE_MAX_LCORE];
	unsigned int app_lcore[RTE_MAX_LCORE];  /* worker i's applications' lcore, or TT_APP_INLINE */
	struct rte_mempool *pools[RTE_MAX_LCORE];
	struct tt_steer steer;          /* read-only once the workers run */
	struct tt_impair_shared impair; /* the ports' impairment; telemetry changes it */
	volatile bool quit;
	uint64_t start_tsc;
};

/*
 * One iteration of w's loop (tt_worker_loop.c) from TSC *tsc, the end of the one before;
 * returns the number of frames handled and leaves the TSC at its end in *tsc. The lcore runs
 * it until the engine stops, one TSC reading per iteration: on a VM a reading costs
 * 30-40 cycles, and the loop took three (docs/BENCHMARKS.md, issue 9's third session).
 */
unsigned int tt_worker_poll_from(struct tt_worker *w, uint64_t *tsc);

/* One iteration on its own (tests): the TSC read here. */
static inline unsigned int
tt_worker_poll(struct tt_worker *w)
{
	uint64_t tsc = rte_rdtsc();

	return tt_worker_poll_from(w, &tsc);
}

/* Flows per state summed over workers (index: enum tt_tcp_state). */
void tt_engine_conn_states(const struct tt_engine *e, uint64_t out[]);

/* Telemetry reads the running engine through this (tt_telemetry.c). */
void tt_telemetry_register(struct tt_engine *e);
void tt_telemetry_unregister(void);

#endif /* TT_ENGINE_PRIV_H */
