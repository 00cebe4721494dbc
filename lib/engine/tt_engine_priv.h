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
	uint8_t addr6_state[TT_NET_ADDRS6];   /* net.addr6_state: DAD's, atomic */
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
	struct tt_metrics *metrics;     /* the Prometheus endpoint's thread, or NULL */
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

/*
 * One worker's pools in use against their capacity and its memory level (SPEC O9, R2), as
 * telemetry and the metrics endpoint show them: each figure a snapshot read while the
 * worker runs, not a consistent set (tt_telemetry.c).
 */
struct tt_worker_pools {
	uint64_t mbufs, mbufs_used;
	bool tcp;                    /* the worker has a TCP layer: the fields below are set */
	uint64_t mbufs_held, mem_pressure, mem_max;
	unsigned int mem_level;      /* index of tt_mem_level_name */
	uint64_t conns, conns_used, reqs, reqs_used, tws, tws_used;
};
void tt_worker_pools_read(const struct tt_worker *w, struct tt_worker_pools *p);

/*
 * One listener's queues on one worker, the ss -lnt view (SPEC Q5): accept queue and its
 * limit, SYN queue and its limit; read as tt_worker_pools_read reads (tt_telemetry.c).
 */
struct tt_listener_queues {
	uint64_t recv_q, send_q, syn_q, syn_q_max;
};
struct tt_listener;
void tt_listener_queues_read(const struct tt_listener *l, struct tt_listener_queues *q);
extern const char *const tt_mem_level_name[3];

/*
 * The Prometheus endpoint (tt_metrics.c): a control thread serving GET /metrics on the
 * configuration's metrics_listen. Start binds first, so a taken port fails the start with
 * one line in err; stop joins the thread. Both do nothing when metrics_listen is none.
 */
int tt_metrics_start(struct tt_engine *e, char *err, size_t errlen);
void tt_metrics_stop(struct tt_engine *e);

/* Telemetry reads the running engine through this (tt_telemetry.c). */
void tt_telemetry_register(struct tt_engine *e);
void tt_telemetry_unregister(void);

#endif /* TT_ENGINE_PRIV_H */
