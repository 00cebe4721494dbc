/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm-ctl, the operator tool (SPEC O4): tcpterm-ctl [--file-prefix NAME] [--json]
 * [COMMAND [--worker N]]. Parses options, finds the instance (ctl_client.c), sends the
 * command's telemetry request, and prints the reply raw (--json) or through its view
 * (ctl_views.c). Links no DPDK: the counter table comes from tt_stats_lib alone.
 * Exit codes, as tcpterm's own: 0 done, 2 bad usage or no such instance or command (O7),
 * 1 anything else going wrong while talking to it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <tcpterm/tt_man.h>

#include "ctl.h"

#define CTL_NAME "tcpterm-ctl"

struct options {
	const char *prefix;  /* NULL: the only running tcpterm */
	bool json;
	bool man;            /* --man: print the manual page and exit */
	long worker;         /* -1: all workers */
	const char *args[2]; /* the command's arguments (impair: rx|tx, [PORT:]SPEC) */
	int n_args;
};

typedef int (*show_fn)(struct tt_ctl_conn *c, const json_t *v, const struct options *o,
		       char *err, size_t errlen);

static int show_stats(struct tt_ctl_conn *c, const json_t *v, const struct options *o,
		      char *err, size_t errlen);
static int show_config(struct tt_ctl_conn *c, const json_t *v, const struct options *o,
		       char *err, size_t errlen);
static int show_workers(struct tt_ctl_conn *c, const json_t *v, const struct options *o,
			char *err, size_t errlen);
static int show_listeners(struct tt_ctl_conn *c, const json_t *v, const struct options *o,
			  char *err, size_t errlen);
static int show_summary(struct tt_ctl_conn *c, const json_t *v, const struct options *o,
			char *err, size_t errlen);
static int show_impair(struct tt_ctl_conn *c, const json_t *v, const struct options *o,
		       char *err, size_t errlen);
static int show_conns(struct tt_ctl_conn *c, const json_t *v, const struct options *o,
		      char *err, size_t errlen);
static int show_proxy(struct tt_ctl_conn *c, const json_t *v, const struct options *o,
		      char *err, size_t errlen);
static int show_set(struct tt_ctl_conn *c, const json_t *v, const struct options *o,
		    char *err, size_t errlen);
static int show_addrs(struct tt_ctl_conn *c, const json_t *v, const struct options *o,
		      char *err, size_t errlen);

/* The subcommands: the first row is the default; the table also writes --help. */
static const struct command {
	const char *name;
	const char *tel;         /* the telemetry command it sends */
	bool per_worker;         /* accepts --worker */
	bool worker_param;       /* --worker N goes to the daemon as ",N" (else filtered here) */
	int max_args;            /* arguments after the command, sent as ",A,B" (top: its own) */
	show_fn show;
	const char *help;
} commands[] = {
	{ "stats", "/tcpterm/stats", true, true, 0, show_stats,
	  "counters, netstat -s style (summed over workers, or --worker N's)" },
	{ "config", "/tcpterm/config", false, false, 0, show_config,
	  "effective configuration, one \"section.key = value\" per line" },
	{ "workers", "/tcpterm/workers", false, false, 0, show_workers,
	  "workers: lcore, busy % since start, pools in use / capacity, memory level" },
	{ "listeners", "/tcpterm/listeners", true, false, 0, show_listeners,
	  "listening ports, ss -lnt style, with SYN queue (or --worker N's share)" },
	{ "addrs", "/tcpterm/addrs", false, false, 0, show_addrs,
	  "addresses, ip addr style: IPv4 and IPv6 with scope, a link-local one's port, and\n"
	  "             DAD's state (tentative, dadfailed) while not usable" },
	{ "summary", "/tcpterm/conns", false, false, 0, show_summary,
	  "connections by state, ss -s style" },
	{ "conns", "/tcpterm/sockets", false, false, 0, show_conns,
	  "connections, ss -ti style: queues, cwnd, ssthresh, rtt, rto, in flight, sacked, lost" },
	{ "proxy", "/tcpterm/proxy", false, false, 0, show_proxy,
	  "proxy listeners and their backends: weight, up or skipped, active, connects, bytes" },
	{ "impair", "/tcpterm/impair", false, false, 2, show_impair,
	  "impairment of each port and its seed; \"impair rx|tx [PORT:]SPEC\" sets one first\n"
	  "             (SPEC: loss=1%,ge=P/R,dup=P,corrupt=P,delay=10ms,jitter=T,reorder=P,\n"
	  "             rate=100mbit,limit=N or none; every port unless PORT: is given)" },
	{ "top", "/tcpterm/stats", false, false, 2, NULL,
	  "live view: workers' busy % and pools, states, counters that move (/s, total);\n"
	  "             \"top [INTERVAL [COUNT]]\": every INTERVAL s (1), COUNT frames (until\n"
	  "             Ctrl-C); redrawn on a terminal, appended otherwise; --json: a line each" },
	{ "set", "/tcpterm/set", false, false, 2, show_set,
	  "the keys settable while running, with their values; \"set KEY VALUE\" changes one\n"
	  "             (sysctl -w: syncookies, somaxconn, max_syn_backlog, synack_retries,\n"
	  "             abort_on_overflow, ...; Linux's names too, net.ipv4.tcp_syncookies;\n"
	  "             listen.PORT.backlog for one listener, backlog for all; impair_rx SPEC)" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: " CTL_NAME " [--file-prefix NAME] [--json] [COMMAND [ARG...]] [--worker N]\n"
		"Shows a running tcpterm's state through DPDK telemetry.\n\n"
		"Commands (default: %s):\n", commands[0].name);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out,
		"\nOptions:\n"
		"  --file-prefix NAME  the tcpterm started with EAL option --file-prefix NAME\n"
		"                      (default: the only one running)\n"
		"  --json              print the daemon's JSON reply for COMMAND, on one line\n"
		"  --worker N          one worker's share (stats, listeners)\n"
		"  -h, --help          this text\n"
		"  --man               the manual page in roff (man -l <(tcpterm-ctl --man))\n"
		"\nExit status: 0 done; 2 bad usage, no such tcpterm, or a command it lacks;\n"
		"1 other failures.\n");
}

/* tcpterm-ctl --man: the manual page, its COMMANDS from the same table as --help. */
static void
print_man(FILE *out)
{
	tt_man_head(out, CTL_NAME, "show and tune a running tcpterm through DPDK telemetry");
	tt_man_section(out, "SYNOPSIS");
	tt_man_text(out, CTL_NAME " [--file-prefix NAME] [--json] [COMMAND [ARG...]] [--worker N]");
	tt_man_section(out, "DESCRIPTION");
	tt_man_para(out, "tcpterm-ctl talks to a running tcpterm (or tcpterm-gen) over its DPDK telemetry socket and prints what Linux's own tools would: netstat -s for the counters, ss -lnt for the listeners, ss -s and ss -ti for the connections; it changes the tunables Linux lets sysctl -w change, and shows what moves each second (top). It links no DPDK.");
	tt_man_section(out, "COMMANDS");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		char help[512];
		size_t n = 0;

		/* The table's help is laid out for --help's columns: one paragraph here. */
		for (const char *c = commands[i].help; *c != '\0' && n + 1 < sizeof(help); c++) {
			if (*c == '\n') {
				help[n++] = ' ';
				while (c[1] == ' ')
					c++;
				continue;
			}
			help[n++] = *c;
		}
		help[n] = '\0';
		tt_man_option(out, commands[i].name, NULL, help);
	}
	tt_man_section(out, "OPTIONS");
	tt_man_option(out, "--file-prefix", "NAME", "the tcpterm started with EAL option --file-prefix NAME (default: the only one running)");
	tt_man_option(out, "--json", NULL, "print the daemon's JSON reply for COMMAND on one line (top: one line a frame)");
	tt_man_option(out, "--worker", "N", "one worker's share (stats, listeners)");
	tt_man_option(out, "--help", NULL, "the commands and options, then exit");
	tt_man_option(out, "--man", NULL, "this page in roff, then exit");
	tt_man_section(out, "EXIT STATUS");
	tt_man_para(out, "0 done; 2 bad usage, no such tcpterm, a command it lacks, or a change it refused (set, impair), with one line on standard error; 1 other failures.");
	tt_man_section(out, "EXAMPLES");
	tt_man_para(out, CTL_NAME " listeners\n" CTL_NAME " set net.ipv4.tcp_syncookies 2\n" CTL_NAME " set listen.80.backlog 64\n" CTL_NAME " impair rx loss=1%,delay=10ms\n" CTL_NAME " top 1");
	tt_man_section(out, "SEE ALSO");
	tt_man_text(out, "tcpterm(8), tcpterm-gen(8), netstat(8), ss(8), nstat(8), sysctl(8)");
}

static int
usage_error(const char *what)
{
	fprintf(stderr, CTL_NAME ": %s: see " CTL_NAME " --help\n", what);
	return 2;
}

static int
parse_worker(const char *s, long *out)
{
	char *end;
	unsigned long v;

	/* strtoul alone accepts " 1", "-1" and "+1"; a worker id is plain digits. */
	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -EINVAL;
	*out = (long)v;
	return 0;
}

/* Options and the command; returns an exit code (0: go on, else exit with it). */
static int
parse_args(int argc, char **argv, struct options *o, const struct command **cmd, bool *help)
{
	static const struct option longopts[] = {
		{ "file-prefix", required_argument, NULL, 'p' },
		{ "json",        no_argument,       NULL, 'j' },
		{ "worker",      required_argument, NULL, 'w' },
		{ "help",        no_argument,       NULL, 'h' },
		{ "man",         no_argument,       NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	char msg[256];
	int opt;

	opterr = 0;
	/* ':' first: a missing value comes back as ':' and an unknown option as '?'. */
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (optarg[0] == '\0' || strchr(optarg, '/') != NULL)
				return usage_error("--file-prefix takes a name, as given to EAL");
			o->prefix = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'w':
			if (parse_worker(optarg, &o->worker) != 0) {
				snprintf(msg, sizeof(msg), "--worker %s: expected a worker number 0..65535",
					 optarg);
				return usage_error(msg);
			}
			break;
		case 'h':
			*help = true;
			return 0;
		case 'm':
			o->man = true;
			return 0;
		case ':':
			snprintf(msg, sizeof(msg), "option %s needs a value", argv[optind - 1]);
			return usage_error(msg);
		default:
			snprintf(msg, sizeof(msg), "unknown option %s", argv[optind - 1]);
			return usage_error(msg);
		}
	}
	*cmd = &commands[0];
	if (optind < argc) {
		*cmd = NULL;
		for (size_t i = 0; i < N_COMMANDS; i++)
			if (strcmp(argv[optind], commands[i].name) == 0)
				*cmd = &commands[i];
		if (*cmd == NULL) {
			snprintf(msg, sizeof(msg), "unknown command \"%s\"", argv[optind]);
			return usage_error(msg);
		}
		for (int i = optind + 1; i < argc; i++) {
			if (o->n_args == (*cmd)->max_args) {
				snprintf(msg, sizeof(msg), "unexpected argument \"%s\"", argv[i]);
				return usage_error(msg);
			}
			o->args[o->n_args++] = argv[i];
		}
		if (o->n_args == 1 && (*cmd)->show != NULL) {
			snprintf(msg, sizeof(msg), "%s %s: expected %s after it", (*cmd)->name,
				 o->args[0], (*cmd)->show == show_set ? "a value" : "a specification");
			return usage_error(msg);
		}
	}
	if (o->worker >= 0 && !(*cmd)->per_worker) {
		snprintf(msg, sizeof(msg), "--worker does not apply to %s", (*cmd)->name);
		return usage_error(msg);
	}
	return 0;
}

/* Whether the string list holds s (prefix: or a string starting with s). */
static bool
list_has(const json_t *list, const char *s, bool prefix)
{
	size_t i, n = strlen(s);
	json_t *v;

	json_array_foreach(list, i, v)
		if (json_is_string(v) && strncmp(json_string_value(v), s, n) == 0 &&
		    (prefix || json_string_length(v) == n))
			return true;
	return false;
}

/*
 * The daemon answered null, which telemetry uses both for "unknown command" and for "the
 * callback failed". "/" lists the registered commands and tells the two apart, so the
 * operator learns whether to upgrade tcpterm, fix the worker number, or look elsewhere.
 */
static int
explain_null(struct tt_ctl_conn *c, const struct command *cmd, const struct options *o,
	     char *err, size_t errlen)
{
	json_t *list = NULL;
	int rc;

	if (tt_ctl_query(c, "/", &list, err, errlen) != 0 || !json_is_array(list)) {
		/* No command list to ask: unknown command is still the likely reason. */
		snprintf(err, errlen, "this tcpterm does not provide %s (older version)", cmd->tel);
		rc = -ENOTSUP;
	} else if (!list_has(list, "/tcpterm/", true)) {
		snprintf(err, errlen, "%s is not a tcpterm: it has no /tcpterm/ telemetry commands",
			 c->path);
		rc = -ENOTSUP;
	} else if (!list_has(list, cmd->tel, false)) {
		snprintf(err, errlen, "this tcpterm does not provide %s (older version)", cmd->tel);
		rc = -ENOTSUP;
	} else if (o->worker >= 0 && cmd->worker_param) {
		snprintf(err, errlen, "this tcpterm has no worker %ld: see " CTL_NAME " workers",
			 o->worker);
		rc = -EINVAL;
	} else {
		snprintf(err, errlen, "%s failed inside tcpterm (is it shutting down?)", cmd->tel);
		rc = -EIO;
	}
	json_decref(list);
	return rc;
}

static int
show_stats(struct tt_ctl_conn *c, const json_t *v, const struct options *o, char *err,
	   size_t errlen)
{
	(void)c;
	(void)o;
	return tt_ctl_view_stats(stdout, v, err, errlen);
}

static int
show_config(struct tt_ctl_conn *c, const json_t *v, const struct options *o, char *err,
	    size_t errlen)
{
	(void)c;
	(void)o;
	return tt_ctl_view_config(stdout, v, err, errlen);
}

static int
show_workers(struct tt_ctl_conn *c, const json_t *v, const struct options *o, char *err,
	     size_t errlen)
{
	(void)c;
	(void)o;
	return tt_ctl_view_workers(stdout, v, err, errlen);
}

/*
 * The address column: tcpterm listens on all its addresses, and ss shows a wildcard
 * listener as 0.0.0.0; with one address (the usual case) the first of net.addr is what a
 * client connects to, so that is more useful. 0.0.0.0 when the config cannot be had.
 */
static void
local_address(struct tt_ctl_conn *c, char *buf, size_t len)
{
	char err[256];
	json_t *cfg = NULL;
	const char *addrs;

	snprintf(buf, len, "0.0.0.0");
	if (tt_ctl_query(c, "/tcpterm/config", &cfg, err, sizeof(err)) == 0) {
		/* "net/addr": the spelling DPDK 22.11 telemetry's name rules allow (ctl_views.c). */
		addrs = json_string_value(json_object_get(cfg, "net.addr"));
		if (addrs == NULL)
			addrs = json_string_value(json_object_get(cfg, "net/addr"));
		if (addrs != NULL && strspn(addrs, "0123456789.") > 0)
			snprintf(buf, len, "%.*s", (int)strspn(addrs, "0123456789."), addrs);
	}
	json_decref(cfg);
}

static int
show_listeners(struct tt_ctl_conn *c, const json_t *v, const struct options *o, char *err,
	       size_t errlen)
{
	char addr[64];

	local_address(c, addr, sizeof(addr));
	return tt_ctl_view_listeners(stdout, v, addr, o->worker, err, errlen);
}

/* A string member's text, or "?" from a daemon that sent something else. */
static const char *
str_or(const json_t *v)
{
	const char *s = json_string_value(v);

	return s != NULL ? s : "?";
}

/* "inet6 2001:2::2/64 scope global", in the daemon's order (keys 0, 1, ...). */
static int
show_addrs(struct tt_ctl_conn *c, const json_t *v, const struct options *o, char *err,
	   size_t errlen)
{
	(void)c;
	(void)o;
	if (!json_is_object(v)) {
		snprintf(err, errlen, "/tcpterm/addrs: unexpected answer");
		return -EPROTO;
	}
	for (size_t i = 0; i < json_object_size(v); i++) {
		char key[24];
		const json_t *a;
		const char *state;

		snprintf(key, sizeof(key), "%zu", i);
		a = json_object_get(v, key);
		if (!json_is_object(a))
			continue;
		state = json_string_value(json_object_get(a, "state"));
		printf("%-5s %s scope %s", str_or(json_object_get(a, "family")),
		       str_or(json_object_get(a, "addr")), str_or(json_object_get(a, "scope")));
		if (json_object_get(a, "port") != NULL)
			printf(" port %" JSON_INTEGER_FORMAT,
			       json_integer_value(json_object_get(a, "port")));
		if (json_object_get(a, "vlan") != NULL)
			printf(" vlan %" JSON_INTEGER_FORMAT,
			       json_integer_value(json_object_get(a, "vlan")));
		if (state != NULL && strcmp(state, "preferred") != 0)
			printf(" %s", strcmp(state, "duplicate") == 0 ? "dadfailed" : state);
		printf("\n");
	}
	return 0;
}

static int
show_summary(struct tt_ctl_conn *c, const json_t *v, const struct options *o, char *err,
	     size_t errlen)
{
	(void)c;
	(void)o;
	return tt_ctl_view_summary(stdout, v, err, errlen);
}

static int
show_conns(struct tt_ctl_conn *c, const json_t *v, const struct options *o, char *err,
	   size_t errlen)
{
	(void)c;
	(void)o;
	return tt_ctl_view_sockets(stdout, v, err, errlen);
}

static int
show_proxy(struct tt_ctl_conn *c, const json_t *v, const struct options *o, char *err,
	   size_t errlen)
{
	(void)c;
	(void)o;
	return tt_ctl_view_proxy(stdout, v, err, errlen);
}

/* "seed N", then one line per port: "port 0  rx loss=1%  tx none". */
static int
show_impair(struct tt_ctl_conn *c, const json_t *v, const struct options *o, char *err,
	    size_t errlen)
{
	const json_t *seed = json_object_get(v, "seed");
	const char *key;
	json_t *port;

	(void)c;
	(void)o;
	if (!json_is_integer(seed)) {
		snprintf(err, errlen, "unexpected reply to /tcpterm/impair (no seed)");
		return -EPROTO;
	}
	printf("seed %" JSON_INTEGER_FORMAT "\n", json_integer_value(seed));
	json_object_foreach((json_t *)v, key, port) {
		const json_t *rx = json_object_get(port, "rx"), *tx = json_object_get(port, "tx");

		if (!json_is_object(port))
			continue;
		printf("port %s  rx %s  tx %s\n", key, json_is_string(rx) ? json_string_value(rx) : "?",
		       json_is_string(tx) ? json_string_value(tx) : "?");
	}
	return 0;
}

/*
 * After a change, what changed ("somaxconn 4096 -> 128", as the daemon logs it); else the
 * live keys, "KEY = VALUE" a line, as sysctl -a prints them.
 */
static int
show_set(struct tt_ctl_conn *c, const json_t *v, const struct options *o, char *err,
	 size_t errlen)
{
	const json_t *set = json_object_get(v, "set");
	const char *key;
	json_t *val;

	(void)c;
	(void)o;
	if (json_is_string(set)) {
		printf("%s\n", json_string_value(set));
		return 0;
	}
	if (!json_is_object(v) || json_object_size(v) == 0) {
		snprintf(err, errlen, "unexpected reply to /tcpterm/set (no keys)");
		return -EPROTO;
	}
	json_object_foreach((json_t *)v, key, val) {
		char name[64];

		/* listen/80/backlog: DPDK 22.11's spelling of listen.80.backlog (tt_telemetry.c). */
		snprintf(name, sizeof(name), "%s", key);
		for (char *p = name; *p != '\0'; p++)
			if (*p == '/')
				*p = '.';
		printf("%s = %s\n", name, json_is_string(val) ? json_string_value(val) : "?");
	}
	return 0;
}

static int
print_json(const json_t *v, char *err, size_t errlen)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	if (s == NULL) {
		snprintf(err, errlen, "cannot print the reply as JSON");
		return -ENOMEM;
	}
	puts(s);
	free(s);
	return 0;
}

/* Runs cmd against the instance at path; returns the exit code. */
static int
run(const char *path, const struct command *cmd, const struct options *o)
{
	struct tt_ctl_conn c;
	char tel[512], err[768];
	json_t *v = NULL;
	int rc, code = 1;

	if (tt_ctl_connect(&c, path, err, sizeof(err)) != 0) {
		fprintf(stderr, CTL_NAME ": %s\n", err);
		return 2;
	}
	if (o->worker >= 0 && cmd->worker_param)
		snprintf(tel, sizeof(tel), "%s,%ld", cmd->tel, o->worker);
	else if (o->n_args == 2)
		snprintf(tel, sizeof(tel), "%s,%s,%s", cmd->tel, o->args[0], o->args[1]);
	else
		snprintf(tel, sizeof(tel), "%s", cmd->tel);
	rc = tt_ctl_query(&c, tel, &v, err, sizeof(err));
	if (rc == 0 && json_is_null(v)) {
		rc = explain_null(&c, cmd, o, err, sizeof(err));
		code = rc == -EIO ? 1 : 2;
	}
	if (rc == 0 && json_is_string(json_object_get(v, "error"))) {
		/* The daemon refused what the command asked (a bad impairment specification). */
		snprintf(err, sizeof(err), "%s: %s", cmd->name,
			 json_string_value(json_object_get(v, "error")));
		rc = -EINVAL;
		code = 2;
	}
	if (rc == 0)
		rc = o->json ? print_json(v, err, sizeof(err)) : cmd->show(&c, v, o, err, sizeof(err));
	if (rc == 0)
		code = fflush(stdout) == 0 ? 0 : 1;
	else
		fprintf(stderr, CTL_NAME ": %s\n", err);
	json_decref(v);
	tt_ctl_close(&c);
	return code;
}

/* "top [INTERVAL [COUNT]]": INTERVAL 0.1..3600 s, COUNT 1.. frames (0: until Ctrl-C). */
static int
run_top(const char *path, const struct options *o)
{
	struct tt_ctl_conn c;
	double interval = 1.0;
	long count = 0;
	char err[768], *end;
	int rc;

	if (o->n_args >= 1) {
		errno = 0;
		interval = strtod(o->args[0], &end);
		if (errno != 0 || end == o->args[0] || *end != '\0' || !(interval >= 0.1) ||
		    interval > 3600)
			return usage_error("top INTERVAL: expected seconds, 0.1 to 3600");
	}
	if (o->n_args == 2) {
		errno = 0;
		count = strtol(o->args[1], &end, 10);
		if (errno != 0 || end == o->args[1] || *end != '\0' || count < 1)
			return usage_error("top INTERVAL COUNT: expected a COUNT of frames, 1 or more");
	}
	if (tt_ctl_connect(&c, path, err, sizeof(err)) != 0) {
		fprintf(stderr, CTL_NAME ": %s\n", err);
		return 2;
	}
	rc = tt_ctl_top(&c, interval, count, o->json, err, sizeof(err));
	tt_ctl_close(&c);
	if (rc != 0) {
		fprintf(stderr, CTL_NAME ": %s\n", err);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o = { .worker = -1 };
	const struct command *cmd = NULL;
	char path[256], err[768];
	bool help = false;
	int code;

	code = parse_args(argc, argv, &o, &cmd, &help);
	if (code != 0)
		return code;
	if (o.man) {
		print_man(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (help) {
		usage(stdout);
		return 0;
	}
	if (tt_ctl_find(o.prefix, path, sizeof(path), err, sizeof(err)) != 0) {
		fprintf(stderr, CTL_NAME ": %s\n", err);
		return 2;
	}
	return cmd->show == NULL ? run_top(path, &o) : run(path, cmd, &o);
}
