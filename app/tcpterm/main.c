/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm, the daemon: tcpterm [EAL options] -- [options] (SPEC O1, O2). Parses options
 * before EAL so a bad one costs nothing, brings the engine up, prints the effective
 * configuration, runs the workers, and prints one status line a second (O5) from a control
 * thread until SIGINT or SIGTERM. Exit codes: 0 after a clean stop, 2 for bad input or an
 * environment that cannot run (O7), 1 for a failure while running.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_thread.h>

#include <tcpterm/tt_config.h>
#include <tcpterm/tt_engine.h>

#include "apps.h"

static struct tt_engine *engine;
static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (engine != NULL)
		tt_engine_stop(engine);
}

/*
 * Sleep until the monotonic clock reaches deadline, in steps of at most 100 ms so a stop
 * is seen quickly. Signals end sleeps early (the TAP PMD raises SIGIO as packets come),
 * hence the absolute deadline and the loop. False when a stop was requested.
 */
static bool
sleep_until(const struct timespec *deadline)
{
	for (;;) {
		struct timespec now, step;
		int64_t left_ns;

		if (tt_engine_stopping(engine))
			return false;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left_ns = (deadline->tv_sec - now.tv_sec) * 1000000000LL +
			  (deadline->tv_nsec - now.tv_nsec);
		if (left_ns <= 0)
			return true;
		if (left_ns > 100000000LL)
			left_ns = 100000000LL;
		step.tv_sec = 0;
		step.tv_nsec = left_ns;
		nanosleep(&step, NULL);
	}
}

static void *
status_thread(void *arg)
{
	struct tt_status prev, cur;
	struct timespec deadline;
	uint64_t t0;

	(void)arg;
	tt_engine_status(engine, &prev);
	t0 = prev.tsc;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	for (;;) {
		struct timespec now;

		deadline.tv_sec++;
		if (!sleep_until(&deadline))
			break;
		/*
		 * A whole period late (the thread was not scheduled, the process was stopped):
		 * one line for all of it, then a second from now, rather than a burst of lines
		 * microseconds apart whose rates divide by almost nothing.
		 */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - deadline.tv_sec > 1 ||
		    (now.tv_sec - deadline.tv_sec == 1 && now.tv_nsec >= deadline.tv_nsec))
			deadline = now;
		tt_engine_status(engine, &cur);
		tt_status_print(&prev, &cur, (double)(cur.tsc - t0) / (double)cur.tsc_hz);
		prev = cur;
	}
	return NULL;
}

static void
print_banner(const struct tt_config *cfg)
{
	char a[INET_ADDRSTRLEN], k[INET_ADDRSTRLEN];
	const char *kside = tt_engine_kernel_side(engine);

	inet_ntop(AF_INET, &cfg->addrs[0].addr, a, sizeof(a));
	printf("tcpterm: serving %s, ports", a);
	for (uint32_t i = 0; i < cfg->n_listeners; i++)
		printf(" %u/%s", cfg->listeners[i].port, tt_app_kind_name(cfg->listeners[i].app));
	/* Only when a TAP port's kernel side really got the address (SPEC O1). */
	if (kside != NULL) {
		inet_ntop(AF_INET, &cfg->kernel_addr.addr, k, sizeof(k));
		printf("; clients reach it from %s (the TAP's kernel side, %s/%u)", kside, k,
		       cfg->kernel_addr.len);
	}
	printf("; stop with Ctrl-C\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	char err[512];
	struct tt_config cfg;
	int dash = -1, eal_argc, app_argc, rc;
	char **app_argv;
	pthread_t status_tid;
	bool status_started = false;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dash = i;
			break;
		}
	/* Without "--" every argument is tcpterm's and EAL gets the embedded default. */
	eal_argc = dash < 0 ? 1 : dash;
	app_argc = dash < 0 ? argc : argc - dash;
	app_argv = dash < 0 ? argv : argv + dash;
	if (dash >= 0)
		app_argv[0] = argv[0];

	tt_config_defaults(&cfg);
	rc = tt_config_parse_args(&cfg, app_argc, app_argv, err, sizeof(err));
	if (rc == 1)
		return 0;
	if (rc != 0) {
		fprintf(stderr, "tcpterm: %s\n", err);
		return 2;
	}
	tt_config_warn(&cfg, stderr);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = tt_eal_init(eal_argc, argv, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "tcpterm: %s\n", err);
		return 2;
	}
	tt_config_dump(&cfg, stdout);
	tt_app_proxy_setup(&cfg);
	engine = tt_engine_create(&cfg, tt_builtin_apps, err, sizeof(err));
	if (engine == NULL) {
		fprintf(stderr, "tcpterm: %s\n", err);
		tt_eal_cleanup();
		return 2;
	}
	if (stop_requested)
		tt_engine_stop(engine);
	print_banner(&cfg);
	if (!cfg.quiet && rte_ctrl_thread_create(&status_tid, "tt-status", NULL, status_thread,
						  NULL) == 0)
		status_started = true;
	rc = tt_engine_run(engine);
	tt_engine_stop(engine);
	if (status_started)
		pthread_join(status_tid, NULL);
	tt_engine_free(engine);
	engine = NULL;
	tt_eal_cleanup();
	if (rc != 0) {
		fprintf(stderr, "tcpterm: workers failed: %s\n", strerror(-rc));
		return 1;
	}
	printf("tcpterm: stopped\n");
	return 0;
}
