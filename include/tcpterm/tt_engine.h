/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm engine: EAL bring-up, ports, workers and their lifecycle. A daemon calls, in order:
 *
 *   tt_eal_init() -> tt_engine_create() -> tt_engine_run() -> tt_engine_free() -> tt_eal_cleanup()
 *
 * tt_engine_run() blocks; meanwhile a control thread may call tt_engine_status() and
 * tt_engine_links(), and a signal handler tt_engine_stop(); that thread is joined before
 * tt_engine_free().
 *
 * Workers run on every EAL lcore, the main lcore included, with one RX/TX queue each on
 * every port. Control duties (status line) belong to a control thread of the caller's.
 */
#ifndef TT_ENGINE_H
#define TT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tcpterm/tt_app.h>
#include <tcpterm/tt_config.h>
#include <tcpterm/tt_stats.h>

struct tt_engine;

/*
 * Initialise DPDK's EAL. eal_argc/eal_argv are the options before "--" (argv[0] first);
 * with none, the embedded default is used: --no-pci, --no-huge, one lcore and no device, for
 * which the engine makes its link to the kernel (kernel_link: a veth pair with AF_XDP or
 * AF_PACKET on tcpterm's side, or a TAP; SPEC O1). Checks for hugepages first when the options need them, so the error names the
 * fix. Returns 0 or -errno with a one-line message in err.
 */
int tt_eal_init(int eal_argc, char **eal_argv, char *err, size_t errlen);

/* Release EAL and remove this primary process's runtime directory. */
void tt_eal_cleanup(void);

/*
 * Build ports, pools and workers from cfg (copied). apps[kind] is the application run by
 * listeners configured with that kind; NULL entries (or apps NULL) leave established
 * connections in the accept queue. NULL with a message in err.
 */
struct tt_engine *tt_engine_create(const struct tt_config *cfg,
				   const struct tt_app_def *const apps[TT_APP__COUNT],
				   char *err, size_t errlen);

/*
 * The same for a generator (tcpterm-gen): every worker runs client, an application that
 * opens connections (tt_app_connect) from its poll and hears their events; its context has
 * no listener (listen NULL). The listeners of cfg, if any, run no application.
 */
struct tt_engine *tt_engine_create_client(const struct tt_config *cfg,
					  const struct tt_app_def *client, char *err,
					  size_t errlen);

/*
 * Run a worker on every lcore, the caller's (main) lcore included; returns once
 * tt_engine_stop() was called and every worker has left its loop. 0 or -errno.
 */
int tt_engine_run(struct tt_engine *e);

/* Ask the workers to stop. Async-signal-safe: only sets a flag. */
void tt_engine_stop(struct tt_engine *e);

/* True once tt_engine_stop() was called. */
bool tt_engine_stopping(const struct tt_engine *e);

/*
 * True once no IPv6 address of ours is tentative: DAD (RFC 4862 5.4) has made each
 * preferred, or found it duplicate. Connections from a tentative address are refused
 * (tt_app_connect's -EADDRNOTAVAIL), so a client waits for this before its first.
 */
bool tt_engine_ipv6_ready(const struct tt_engine *e);

/* Whether the ports can carry data yet (tt_engine_links). */
enum tt_links {
	TT_LINKS_UP,   /* every link up, every 802.3ad bond distributing on each member up */
	TT_LINKS_DOWN, /* some port's link is down */
	/*
	 * Links up, but an 802.3ad bond still negotiating (IEEE 802.1AX): net_bonding carries
	 * only LACPDUs on a member until its partner agrees, so a first ARP request or SYN
	 * would be lost. Takes a few seconds with LACP's fast timers; forever with a partner
	 * that does not speak LACP.
	 */
	TT_LINKS_LACP,
};

/*
 * How the ports stand. note (len >= 1) says which port is not ready, or, when all are, how
 * the 802.3ad bonds stand (empty without any). A driver that cannot tell its link counts as
 * up. Asks the drivers: call it from a control thread, not a worker.
 */
enum tt_links tt_engine_links(const struct tt_engine *e, char *note, size_t len);

/* Stop ports, free everything. */
void tt_engine_free(struct tt_engine *e);

/*
 * The first kernel-side interface that got an address (kernel_addr, SPEC O1): a TAP port's,
 * or the kernel link's tt0; NULL when none did: no such port, or kernel_addr none. Messages
 * about a kernel side are for that case only (a memif or NIC port has none).
 */
const char *tt_engine_kernel_side(const struct tt_engine *e);
/* The same, with the addresses it got (each NULL to skip; 0 / length 0 for none). */
const char *tt_engine_kernel_addrs(const struct tt_engine *e, struct tt_ipv4_prefix *k4,
				   struct tt_ipv6_prefix *k6);

/* Counters summed over workers. */
void tt_engine_stats(const struct tt_engine *e, uint64_t out[TT_STAT__COUNT]);

/* What the one-line status (SPEC O5) reports, read at one instant. */
#define TT_STATUS_PORTS 8
struct tt_status_port {
	/* The ethdev's counters as read: they restart from 0 when the port's are reset. */
	uint64_t rx_pkts, tx_pkts, rx_bytes, tx_bytes;
	uint64_t drops;          /* imissed + rx_nombuf + ierrors + oerrors */
};
struct tt_status {
	uint64_t tsc_hz;
	uint64_t tsc;
	uint64_t busy_cycles;    /* summed over workers */
	uint64_t total_cycles;   /* summed over workers */
	uint16_t n_workers;
	uint16_t n_ports;
	struct tt_status_port port[TT_STATUS_PORTS];
	uint64_t tx_full;        /* EthOutDrops: frames a full TX queue refused */
	/*
	 * Drops since start: set by tt_engine_status() from this reading, then carried by
	 * tt_status_print() as the previous line's total plus what grew since, so a port whose
	 * counters were reset does not make it fall.
	 */
	uint64_t drops;
	uint64_t passive_opens;
	uint64_t estab, syn_recv, time_wait;
	uint64_t states[16];     /* flows per TCP state, by Linux's numbering */
};
void tt_engine_status(const struct tt_engine *e, struct tt_status *st);

/*
 * How much a counter grew between two readings. A reading below the previous one means the
 * counter restarted from 0 (the port's statistics were reset: memif's when its peer
 * reconnects, rte_eth_stats_reset from another process), never that it wrapped (64 bits):
 * it grew by at least the new reading, which is what this returns.
 */
static inline uint64_t
tt_counter_delta(uint64_t prev, uint64_t cur)
{
	return cur >= prev ? cur - prev : cur;
}

/*
 * Format the status line for the interval from prev to cur into buf (without newline) and
 * carry cur->drops on from prev. 0 when the interval is empty (nothing written), else what
 * snprintf returned.
 */
int tt_status_format(const struct tt_status *prev, struct tt_status *cur, double uptime_s,
		     char *buf, size_t len);

/* Print that line on stdout. */
void tt_status_print(const struct tt_status *prev, struct tt_status *cur, double uptime_s);

#endif /* TT_ENGINE_H */
