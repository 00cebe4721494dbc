/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm, the daemon: tcpterm [EAL options] -- [options] (SPEC O1, O2). Parses options
 * before EAL so a bad one costs nothing, brings the engine up, prints the effective
 * configuration, runs the workers, and prints one status line a second (O5) from a control
 * thread until SIGINT or SIGTERM, and each change of the links (with --quiet too). Exit
 * codes: 0 after a clean stop, 2 for bad input or an environment that cannot run (O7), 1
 * for a failure while running.
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
#include <tcpterm/tt_man.h>

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
	char links[256], links_prev[256] = "";
	bool quiet = *(const bool *)arg;
	uint64_t t0;

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
		if (!quiet) {
			tt_engine_status(engine, &cur);
			tt_status_print(&prev, &cur, (double)(cur.tsc - t0) / (double)cur.tsc_hz);
			prev = cur;
		}
		/*
		 * Said even with --quiet, as the kernel logs a carrier change: a link down, or an
		 * 802.3ad bond whose members LACP has not let carry data yet, explains a silence
		 * no counter shows.
		 */
		if (tt_engine_links(engine, links, sizeof(links)) == TT_LINKS_UP &&
		    links[0] == '\0' && links_prev[0] != '\0')
			snprintf(links, sizeof(links), "every link up");
		if (strcmp(links, links_prev) != 0 && links[0] != '\0') {
			printf("tcpterm: %s\n", links);
			fflush(stdout);
		}
		memcpy(links_prev, links, sizeof(links));
	}
	return NULL;
}

static void
print_banner(const struct tt_config *cfg)
{
	char a[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], k[INET_ADDRSTRLEN], k6[INET6_ADDRSTRLEN];
	struct tt_ipv4_prefix ka;
	struct tt_ipv6_prefix ka6;
	const char *kside = tt_engine_kernel_addrs(engine, &ka, &ka6);

	printf("tcpterm: serving");
	if (cfg->n_addrs != 0)
		printf(" %s", inet_ntop(AF_INET, &cfg->addrs[0].addr, a, sizeof(a)));
	if (cfg->n_addrs6 != 0)
		printf("%s%s", cfg->n_addrs != 0 ? " and " : " ",
		       inet_ntop(AF_INET6, cfg->addrs6[0].addr, a6, sizeof(a6)));
	printf(", ports");
	for (uint32_t i = 0; i < cfg->n_listeners; i++)
		printf(" %u/%s", cfg->listeners[i].port, tt_app_kind_name(cfg->listeners[i].app));
	/* Only when a kernel side (a TAP's, the kernel link's) really got the address (O1). */
	if (kside != NULL) {
		printf("; clients reach it from %s (the kernel side of its link,", kside);
		if (ka.addr != 0)
			printf(" %s/%u", inet_ntop(AF_INET, &ka.addr, k, sizeof(k)), ka.len);
		if (ka6.len != 0)
			printf(" %s/%u", inet_ntop(AF_INET6, ka6.addr, k6, sizeof(k6)), ka6.len);
		printf(")");
	}
	printf("; stop with Ctrl-C\n");
	fflush(stdout);
}

/* tcpterm --man: the manual page, its OPTIONS from the configuration table (tt_man.h). */
static void
print_man(FILE *out)
{
	tt_man_head(out, "tcpterm", "a TCP terminator in user space on DPDK");
	tt_man_section(out, "SYNOPSIS");
	tt_man_text(out, "tcpterm [EAL options] -- [options]\ntcpterm [options]");
	tt_man_section(out, "DESCRIPTION");
	tt_man_para(out, "tcpterm owns a NIC (any DPDK ethdev, or by default its own link to the local kernel) and speaks Ethernet, ARP, IPv4 and TCP itself, one worker per lcore, each owning its flows. Its listeners behave as a well-tuned Linux server's: a SYN queue, an accept queue of min(backlog, somaxconn), SYN cookies, SYN-ACK retries, abort_on_overflow, the four-way close and TIME_WAIT, counted under Linux's own names (ListenOverflows, TCPReqQFullDoCookies, SyncookiesSent...). Data runs over lossy links with SACK, RACK-TLP and CUBIC. Built-in applications answer on each listener: http, echo, discard, hold (never or slowly accepting) and proxy.");
	tt_man_para(out, "With no EAL options tcpterm starts the embedded default: one lcore on the last CPU, no PCI probing, hugepages when 256 MB are free (else none), and its own link to the kernel, tt0, whose side gets the first host address of --addr's subnet (198.18.0.1/24 by default): a veth pair tt0/tt0p with AF_XDP on tcpterm's side, else AF_PACKET, else a TAP device (kernel_link). EAL options with --no-pci and no --vdev make the same link. EAL options go before \"--\", tcpterm's after it; see the DPDK documentation for EAL's.");
	tt_man_para(out, "Past capacity it sheds SYNs early and keeps serving. Its state is visible live through DPDK telemetry and tcpterm-ctl(8); the tunables Linux lets sysctl -w change are settable while it runs (tcpterm-ctl set), and --metrics-listen serves every figure to Prometheus.");
	tt_man_section(out, "OPTIONS");
	tt_config_man_options(out);
	tt_man_option(out, "--man", NULL, "This page in roff, then exit (how the installed page is made).");
	tt_man_section(out, "EXIT STATUS");
	tt_man_para(out, "0 after Ctrl-C (SIGINT) or SIGTERM, every worker stopped; 2 for a bad option, value or file, or a start that failed (EAL, ports, memory, a taken --metrics-listen), with one line on standard error naming it; 1 when a worker failed while running.");
	tt_man_section(out, "EXAMPLES");
	tt_man_para(out, "tcpterm\ncurl http://198.18.0.2/\ntcpterm -l 1 --no-pci --no-huge -m 512 --file-prefix lab --vdev=net_tap0,iface=ttlab -- --addr 198.18.5.2/24 --syncookies 2\ntcpterm -- --app hold --backlog 4 --abort-on-overflow 0\ntcpterm -- --config /usr/share/tcpterm/config/flood-lab.conf");
	tt_man_section(out, "SEE ALSO");
	tt_man_text(out, "tcpterm-ctl(8), tcpterm-gen(8), dpdk-dumpcap(1), ss(8), nstat(8)");
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

	for (int i = 1; i < app_argc; i++)
		if (strcmp(app_argv[i], "--man") == 0) {
			print_man(stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		}
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
	if (rte_ctrl_thread_create(&status_tid, "tt-status", NULL, status_thread, &cfg.quiet) == 0)
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
