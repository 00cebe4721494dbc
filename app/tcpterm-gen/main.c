/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm-gen, the load generator (SPEC A3; issue 8 item 4):
 *
 *   tcpterm-gen [EAL options] -- --target A.B.C.D:PORT [--mode MODE] [options]
 *
 * main: gen's options out of argv (gen_opts.c), the rest through tcpterm's own parser (the
 * network and TCP options), EAL, an engine whose every worker runs the client application
 * (gen_client.c), and a control thread that prints a line a second, ends the run (duration,
 * Ctrl-C: drain, close, stop) and takes the last snapshot for the JSON summary. Exit codes as
 * tcpterm's (SPEC O7): 0 after a run, 2 for bad options or an environment that cannot run,
 * 1 when the target is unreachable from the start or the workers failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_thread.h>

#include <tcpterm/tt_config.h>
#include <tcpterm/tt_engine.h>

#include "gen.h"
#include "gen_report.h"

struct gen_global gen;

static struct tt_engine *engine;
static volatile sig_atomic_t stop_requests;
static struct gen_snapshot snap_first, snap_prev, snap_cur;
static double active_s, flood_s;
static uint64_t held_at_stop;
static int exit_code;
static FILE *json_out;

/*
 * Ctrl-C once: the run ends gracefully (drain, close, summary). Twice: the workers stop now,
 * the summary still comes.
 */
static void
on_signal(int sig)
{
	(void)sig;
	if (++stop_requests > 1 && engine != NULL)
		tt_engine_stop(engine);
}

static double
since(uint64_t tsc0)
{
	/*
	 * Signed: a thread that moved to another vCPU can read a TSC a little behind the one
	 * that took tsc0 (CI saw it), which unsigned makes 8.8e9 s, and a wait ends at once.
	 */
	return (double)(int64_t)(rte_rdtsc() - tsc0) / (double)gen.tsc_hz;
}

/* The load runs from the gate (the first connection up), or from the start until then. */
static uint64_t
load_start(void)
{
	return gen.gate_tsc != 0 ? gen.gate_tsc : gen.start_tsc;
}

/*
 * Connections open, or UINT64_MAX while a worker has not yet polled in the current phase:
 * one that read RUN just before the phase changed may still be opening connections.
 */
static uint64_t
open_now(void)
{
	uint64_t n = 0;

	for (uint16_t i = 0; i < gen.n_workers; i++) {
		if (gen.w[i] == NULL)
			continue;
		if (__atomic_load_n(&gen.w[i]->seen_phase, __ATOMIC_ACQUIRE) != gen.phase)
			return UINT64_MAX;
		n += __atomic_load_n(&gen.w[i]->open, __ATOMIC_RELAXED);
	}
	return n;
}

static void
fatal_message(void)
{
	char t[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &gen.o.target.addr, t, sizeof(t));
	if (gen.fatal == 1)
		fprintf(stderr, "tcpterm-gen: target %s unreachable: its next hop never answered "
			"ARP (check --addr's subnet, --gateway, the link)\n", t);
	else if (gen.fatal == 4)
		fprintf(stderr, "tcpterm-gen: %s:%u refused the first connection: nothing listens "
			"there\n", t, gen.o.target.port);
	else if (gen.fatal == 5)
		fprintf(stderr, "tcpterm-gen: %s:%u never completed the first connection (timed out "
			"or reset): nothing to measure\n", t, gen.o.target.port);
	else if (gen.fatal == 2)
		fprintf(stderr, "tcpterm-gen: no route to %s: give an --addr on its subnet or a "
			"--gateway\n", t);
	else
		fprintf(stderr, "tcpterm-gen: --target %s:%u is not a unicast address and port\n",
			t, gen.o.target.port);
}

/*
 * Sleep 100 ms, or until deadline (TSC) if sooner, so the run ends on time; less when a
 * signal comes (TAP raises SIGIO as packets arrive).
 */
static void
tick_until(uint64_t deadline)
{
	uint64_t now = rte_rdtsc(), step = gen.tsc_hz / 10;
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	if (deadline > now && deadline - now < step)
		ts.tv_nsec = (long)((double)(deadline - now) * 1e9 / (double)gen.tsc_hz);
	else if (deadline <= now)
		return;
	nanosleep(&ts, NULL);
}

static void
tick(void)
{
	tick_until(UINT64_MAX);
}

/*
 * The run's end (SPEC A3 stopping): open nothing more and let answers under way finish
 * (1.5 s at most), then close what is open and wait for it (2 s at most).
 */
static void
run_end(void)
{
	uint64_t t = rte_rdtsc();

	/* Rates over the time the load ran: from the gate (the first connection) to now. */
	active_s = (double)(t - load_start()) / (double)gen.tsc_hz;
	flood_s = since(gen.start_tsc);
	gen_snapshot_take(&snap_cur, engine);
	held_at_stop = snap_cur.held;
	gen.phase = GEN_DRAIN;
	while (open_now() > 0 && since(t) < 1.5 && !tt_engine_stopping(engine))
		tick();
	gen.phase = GEN_CLOSE;
	t = rte_rdtsc();
	while (open_now() > 0 && since(t) < 2.0 && !tt_engine_stopping(engine))
		tick();
	gen_snapshot_take(&snap_cur, engine);
}

/* How long an 802.3ad bond may negotiate before the run starts anyway (tt_engine_links). */
#define GEN_LACP_WAIT_S 10.0

/*
 * Wait until every port can carry data before anything is sent: a memif whose peer is still
 * connecting drops the first ARP request or SYN, and the probe connection would measure a 1 s
 * retransmission; an 802.3ad bond carries only LACPDUs until its partner agrees, and the
 * first connect would give up on ARP. 5 s at most for links, GEN_LACP_WAIT_S for an 802.3ad
 * negotiation; a run that starts anyway says why. The control thread asks, not the workers:
 * for some drivers (TAP) reading the link is a system call. With IPv6 addresses, also until
 * DAD has let them be used (dad_transmits seconds; tt_engine_ipv6_ready), so the run's first
 * second is not spent on refused connects.
 */
static void
wait_links(void)
{
	uint64_t t0 = rte_rdtsc();
	char note[256];

	while (!tt_engine_stopping(engine) && stop_requests == 0) {
		enum tt_links st = tt_engine_links(engine, note, sizeof(note));
		bool dad = tt_engine_ipv6_ready(engine);

		if (st == TT_LINKS_UP && dad)
			break;
		if (since(t0) >= (st == TT_LINKS_LACP ? GEN_LACP_WAIT_S : 5.0) + gen.dad_s) {
			fprintf(stderr, "tcpterm-gen: starting after %.0f s although %s\n", since(t0),
				st != TT_LINKS_UP ? note : "IPv6 DAD has not finished");
			break;
		}
		tick();
	}
	/* The run starts now: the line's clock, the flood and its ramp count from here. */
	gen.start_tsc = rte_rdtsc();
	if (gen.o.mode == GEN_FLOOD)
		gen.gate_tsc = gen.start_tsc;
	__atomic_store_n(&gen.links_up, 1, __ATOMIC_RELEASE);
}

static void *
control_thread(void *arg)
{
	uint64_t next_line;

	(void)arg;
	wait_links();
	next_line = gen.start_tsc + gen.tsc_hz;
	gen_snapshot_take(&snap_prev, engine);
	for (;;) {
		uint64_t end = gen.o.duration_s != 0 ? load_start() + gen.o.duration_s * gen.tsc_hz :
				UINT64_MAX;

		tick_until(RTE_MIN(end, next_line));
		if (tt_engine_stopping(engine)) {
			active_s = since(load_start());
			flood_s = since(gen.start_tsc);
			gen_snapshot_take(&snap_cur, engine);
			break;
		}
		if (gen.fatal != 0) {
			fatal_message();
			exit_code = 1;
			break;
		}
		if (rte_rdtsc() >= next_line) {
			gen_snapshot_take(&snap_cur, engine);
			if (!gen.o.quiet)
				gen_line_print(&snap_prev, &snap_cur, stdout);
			snap_prev = snap_cur;
			next_line += gen.tsc_hz;
			/* A late thread writes one line for the whole gap, not a burst. */
			if (rte_rdtsc() >= next_line)
				next_line = rte_rdtsc() + gen.tsc_hz;
		}
		if (stop_requests > 0 ||
		    (gen.o.duration_s != 0 && since(load_start()) >= gen.o.duration_s)) {
			run_end();
			break;
		}
	}
	tt_engine_stop(engine);
	return NULL;
}

/* gen's defaults for tcpterm's keys, put before the user's options so the user's win. */
static char opt_twr[] = "--tw-reuse", val_twr[] = "1";
static char opt_ports[] = "--ip-local-port-range", val_ports[] = "1024 65535";

static void
global_init(const struct tt_config *cfg)
{
	gen.tsc_hz = rte_get_tsc_hz();
	/* With app_lcores, half the lcores run the workers (tt_engine_create_client). */
	gen.n_workers = (uint16_t)(cfg->app_lcores ? rte_lcore_count() / 2 : rte_lcore_count());
	gen.us_mult = (uint64_t)((double)(UINT64_C(1) << 24) * 1e6 / (double)gen.tsc_hz);
	gen.pace_cap = gen.tsc_hz / 10;
	gen_flood_place(cfg);
	if (gen.o.ramp_s != 0) {
		gen.ramp_cycles = gen.tsc_hz * gen.o.ramp_s;
		gen.ramp_recip = (UINT64_C(1) << 48) / gen.ramp_cycles;
	}
}

/*
 * gen's options, then tcpterm's over gen's defaults for them. 0, 1 when --help or
 * --check-config was handled, 2 with the message printed. *dash: the index of "--" (argc
 * when absent: every argument is gen's and EAL gets tcpterm's embedded default, O1).
 */
static int
parse_all(int argc, char **argv, struct tt_config *cfg, int *dash)
{
	char err[512], **rest;
	int n_rest, rc;

	*dash = argc;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			*dash = i;
			break;
		}
	for (int i = *dash < argc ? *dash + 1 : 1; i < argc; i++)
		if (strcmp(argv[i], "--man") == 0) {
			gen_opts_man(stdout);
			return 1;
		}
	rest = calloc((size_t)argc + 8, sizeof(*rest));
	if (rest == NULL)
		return 2;
	rc = gen_opts_parse(&gen.o, argc - (*dash < argc ? *dash : 0),
			    argv + (*dash < argc ? *dash : 0), rest + 4, &n_rest, err, sizeof(err));
	if (rc == 0) {
		rest[0] = argv[0];
		rest[1] = opt_twr;
		rest[2] = val_twr;
		rest[3] = opt_ports;
		rest[4] = val_ports;
		tt_config_defaults(cfg);
		rc = tt_config_parse_args(cfg, n_rest + 4, rest, err, sizeof(err));
	} else if (rc == 1) {
		gen_opts_usage(stdout, argv[0]);
		tt_config_usage(stdout, argv[0]);
	}
	free(rest);
	if (rc < 0) {
		fprintf(stderr, "tcpterm-gen: %s\n", err);
		return 2;
	}
	if (rc == 0 && gen.o.json_path != NULL) {
		/* Opened now, so a path that cannot be written fails before any load. */
		json_out = fopen(gen.o.json_path, "w");
		if (json_out == NULL) {
			fprintf(stderr, "tcpterm-gen: --json %s: %s\n", gen.o.json_path,
				strerror(errno));
			return 2;
		}
	}
	return rc;
}

int
main(int argc, char **argv)
{
	char err[512];
	struct tt_config cfg;
	int dash, rc;
	pthread_t tid;

	rc = parse_all(argc, argv, &cfg, &dash);
	if (rc != 0)
		return rc == 1 ? 0 : rc;
	gen.o.quiet = cfg.quiet;
	gen.dad_s = cfg.n_addrs6 != 0 ? cfg.dad_transmits + 1.0 : 0.0;
	/* A generator listens nowhere: the port 80 tcpterm implies would only hold SYNs. */
	if (cfg.listen_implicit)
		cfg.n_listeners = 0;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = tt_eal_init(dash < argc ? dash : 1, argv, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "tcpterm-gen: %s\n", err);
		return 2;
	}
	global_init(&cfg);
	engine = tt_engine_create_client(&cfg, &gen_app, err, sizeof(err));
	if (engine == NULL) {
		fprintf(stderr, "tcpterm-gen: %s\n", err);
		tt_eal_cleanup();
		return 2;
	}
	gen_snapshot_take(&snap_first, engine);
	gen.start_tsc = rte_rdtsc();
	if (rte_ctrl_thread_create(&tid, "gen-ctl", NULL, control_thread, NULL) != 0) {
		fprintf(stderr, "tcpterm-gen: cannot start the control thread\n");
		exit_code = 1;
	} else {
		rc = tt_engine_run(engine);
		tt_engine_stop(engine);
		pthread_join(tid, NULL);
		if (rc != 0) {
			fprintf(stderr, "tcpterm-gen: workers failed: %s\n", strerror(-rc));
			exit_code = 1;
		} else if (exit_code == 0) {
			gen_summary_print(&snap_first, &snap_cur, active_s, flood_s, held_at_stop,
					  stdout);
			if (json_out != NULL)
				gen_summary_print(&snap_first, &snap_cur, active_s, flood_s,
						  held_at_stop, json_out);
		}
	}
	if (json_out != NULL)
		fclose(json_out);
	tt_engine_free(engine);
	engine = NULL;
	tt_eal_cleanup();
	return exit_code;
}
