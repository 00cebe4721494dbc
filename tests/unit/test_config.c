/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/engine/tt_config.c: the one configuration table (STYLE habit 6) and what it drives:
 * built-in defaults (Linux's sysctl defaults, SPEC "Tunables"), the command line (SPEC O2),
 * the INI file, their precedence (defaults < file < command line), kernel_addr = auto, and
 * one-line errors naming the option or file (SPEC O7). No EAL: the parser does not need it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include <tcpterm/tt_config.h>

#include "../../lib/engine/tt_config_priv.h"

#define IP(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static char err[512];

/* argv for tt_config_parse_args: argv[0], the options, NULL. Mutable: getopt permutes it. */
#define ARGV(...) ((char *[]){ "tcpterm", __VA_ARGS__, NULL })

static int
argv_len(char **argv)
{
	int n = 0;

	while (argv[n] != NULL)
		n++;
	return n;
}

/* Defaults, then argv; as app/tcpterm/main.c does. */
static int
parse(struct tt_config *cfg, char **argv)
{
	tt_config_defaults(cfg);
	err[0] = '\0';
	return tt_config_parse_args(cfg, argv_len(argv), argv, err, sizeof(err));
}

/* A one-line message (SPEC O7) that names what was wrong. */
static void
assert_error_names(const char *what)
{
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
	if (strstr(err, what) == NULL)
		fail_msg("error \"%s\" does not name \"%s\"", err, what);
}

static void
expect_invalid(char **argv, const char *what)
{
	struct tt_config cfg;

	assert_int_equal(parse(&cfg, argv), -EINVAL);
	assert_error_names(what);
}

/* Write text to a fresh temporary file; returns its path (static, one at a time per slot). */
static const char *
write_file(int slot, const char *text)
{
	static char paths[4][64];
	FILE *f;
	int fd;

	snprintf(paths[slot], sizeof(paths[slot]), "/tmp/tt_unit_config_XXXXXX");
	fd = mkstemp(paths[slot]);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	return paths[slot];
}

static int
load(struct tt_config *cfg, const char *text)
{
	const char *path = write_file(0, text);
	int rc;

	tt_config_defaults(cfg);
	err[0] = '\0';
	rc = tt_config_load_file(cfg, path, err, sizeof(err));
	unlink(path);
	return rc;
}

static const struct tt_listen_config *
listener(const struct tt_config *cfg, uint16_t port)
{
	for (uint32_t i = 0; i < cfg->n_listeners; i++)
		if (cfg->listeners[i].port == port)
			return &cfg->listeners[i];
	fail_msg("no listener on port %u", port);
	return NULL;
}

/* ---- Defaults -------------------------------------------------------------------------- */

/* Each default is Linux's net.ipv4.tcp_* / net.core.somaxconn default (SPEC Tunables). */
static void
test_defaults_linux(void **state)
{
	struct tt_config cfg;

	(void)state;
	tt_config_defaults(&cfg);
	assert_int_equal(cfg.syncookies, 1);
	assert_int_equal(cfg.max_syn_backlog, 4096);
	assert_int_equal(cfg.somaxconn, 4096);           /* since Linux 5.4 */
	assert_int_equal(cfg.synack_retries, 5);
	assert_int_equal(cfg.syn_retries, 6);
	assert_int_equal(cfg.abort_on_overflow, 0);
	assert_int_equal(cfg.fin_timeout, 60);
	assert_int_equal(cfg.max_tw_buckets, 262144);
	assert_int_equal(cfg.tw_reuse, 2);
	assert_int_equal(cfg.timestamps, 1);
	assert_int_equal(cfg.window_scaling, 1);
	assert_int_equal(cfg.sack, 1);
	assert_int_equal(cfg.hystart, 1);                /* tcp_cubic's hystart */
	assert_int_equal(cfg.keepalive_time, 7200);
	assert_int_equal(cfg.keepalive_intvl, 75);
	assert_int_equal(cfg.keepalive_probes, 9);
	assert_int_equal(cfg.rmem, 131072);              /* tcp_rmem[1] */
	assert_int_equal(cfg.wmem, 16384);               /* tcp_wmem[1] */
}

static void
test_defaults_other(void **state)
{
	struct tt_config cfg;

	(void)state;
	tt_config_defaults(&cfg);
	assert_int_equal(cfg.rx_desc, 1024);
	assert_int_equal(cfg.tx_desc, 1024);
	assert_int_equal(cfg.burst, 32);
	assert_int_equal(cfg.mtu, 1500);
	assert_int_equal(cfg.flow_hash, 1);               /* AES rounds where the CPU has them */
	assert_int_equal(cfg.n_addrs, 1);
	assert_int_equal(cfg.addrs[0].addr, IP(198, 18, 0, 2));
	assert_int_equal(cfg.addrs[0].len, 24);
	assert_int_equal(cfg.gateway, 0);
	assert_true(cfg.kernel_addr_auto);
	assert_int_equal(cfg.kernel_addr.addr, IP(198, 18, 0, 1));
	assert_int_equal(cfg.kernel_addr.len, 24);
	/* One listener on port 80 when none is given (SPEC O2); the listen(2) defaults. */
	assert_int_equal(cfg.n_listeners, 1);
	assert_int_equal(cfg.listeners[0].port, 80);
	assert_int_equal(cfg.listeners[0].app, TT_APP_HTTP);
	assert_int_equal(cfg.listeners[0].backlog, 511);
	assert_int_equal(cfg.listeners[0].time_wait, 60);
	assert_int_equal(cfg.listeners[0].accept_rate, 0);
	assert_false(cfg.quiet);
	assert_int_equal(tt_config_validate(&cfg, err, sizeof(err)), 0);
	assert_string_equal(tt_app_kind_name(TT_APP_HOLD), "hold");
	assert_string_equal(tt_app_kind_name(TT_APP__COUNT), "?");
}

/* Collect "section key value" lines from tt_config_visit. */
struct visit_buf {
	char text[16384];
	size_t used;
};

static void
visit_collect(void *arg, const char *section, const char *key, const char *value)
{
	struct visit_buf *vb = arg;

	if (vb->used < sizeof(vb->text))
		vb->used += snprintf(vb->text + vb->used, sizeof(vb->text) - vb->used, "%s %s %s\n",
				     section, key, value);
}

/* config/tcpterm.conf says its values ARE the built-in defaults: check that it loads to them. */
static void
test_shipped_file_is_defaults(void **state)
{
	const char *root = getenv("TT_SOURCE_ROOT");
	static struct visit_buf a, b;
	struct tt_config def, file;
	char path[4096];

	(void)state;
	if (root == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/config/tcpterm.conf", root);
	if (access(path, R_OK) != 0)
		skip();
	tt_config_defaults(&def);
	tt_config_defaults(&file);
	if (tt_config_load_file(&file, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	tt_config_visit(&def, visit_collect, &a);
	tt_config_visit(&file, visit_collect, &b);
	assert_string_equal(a.text, b.text);
}

/*
 * challenge_ack_limit (RFC 5961 7, D7): 1000 a second as Linux's tcp_challenge_ack_limit
 * before 6.0, 1 at least, 2147483647 (Linux's INT_MAX) for no limit.
 */
/*
 * rmem and wmem as Linux's triplets (tcp_rmem "4096 131072 6291456"): three values, spaces
 * or commas; one value fixes the buffer; decreasing or out-of-range ones refused.
 */
static void
test_buffer_triplets(void **state)
{
	struct tt_config cfg;

	(void)state;
	tt_config_defaults(&cfg);
	assert_int_equal(cfg.rmem_min, 4096);
	assert_int_equal(cfg.rmem_max, 6291456);
	assert_int_equal(cfg.wmem_min, 4096);
	assert_int_equal(cfg.wmem_max, 4194304);
	assert_int_equal(parse(&cfg, ARGV("--rmem", "8192,65536,1048576", "--wmem", "16384")), 0);
	assert_int_equal(cfg.rmem_min, 8192);
	assert_int_equal(cfg.rmem, 65536);
	assert_int_equal(cfg.rmem_max, 1048576);
	assert_int_equal(cfg.wmem_min, 16384);
	assert_int_equal(cfg.wmem, 16384);
	assert_int_equal(cfg.wmem_max, 16384);
	assert_int_equal(parse(&cfg, ARGV("--rmem", "4096 87380 6291456")), 0);
	assert_int_equal(cfg.rmem, 87380);
	expect_invalid(ARGV("--rmem", "65536,4096,1048576"), "--rmem");    /* decreasing */
	expect_invalid(ARGV("--rmem", "4096,65536"), "--rmem");            /* two values */
	expect_invalid(ARGV("--wmem", "4096,65536,1,2"), "--wmem");        /* four */
	expect_invalid(ARGV("--wmem", "4096,16384,134217728"), "--wmem");  /* past 64 MiB */
	expect_invalid(ARGV("--rmem", "big"), "--rmem");
}

static void
test_challenge_ack_limit_key(void **state)
{
	struct tt_config cfg;

	(void)state;
	tt_config_defaults(&cfg);
	assert_int_equal(cfg.challenge_ack_limit, 1000);
	assert_int_equal(parse(&cfg, ARGV("--challenge-ack-limit", "1")), 0);
	assert_int_equal(cfg.challenge_ack_limit, 1);
	assert_int_equal(parse(&cfg, ARGV("--challenge-ack-limit", "2147483647")), 0);
	assert_int_equal(cfg.challenge_ack_limit, 2147483647);
	expect_invalid(ARGV("--challenge-ack-limit", "0"), "--challenge-ack-limit");
	expect_invalid(ARGV("--challenge-ack-limit", "2147483648"), "--challenge-ack-limit");
}

/* ---- Command line ------------------------------------------------------------------------ */

/* SPEC O2's own example. */
static void
test_args_spec_example(void **state)
{
	struct tt_config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, ARGV("--syncookies", "2", "--max-syn-backlog", "64",
					  "--abort-on-overflow", "1", "--time-wait", "5")), 0);
	assert_int_equal(cfg.syncookies, 2);
	assert_int_equal(cfg.max_syn_backlog, 64);
	assert_int_equal(cfg.abort_on_overflow, 1);
	assert_int_equal(cfg.listen_defaults.time_wait, 5);
	assert_int_equal(listener(&cfg, 80)->time_wait, 5);
}

/* Every tunable of SPEC "Tunables" is an option, underscores written as hyphens. */
static void
test_args_every_tunable(void **state)
{
	struct tt_config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, ARGV("--syncookies", "0", "--max-syn-backlog", "1",
		"--somaxconn", "2", "--synack-retries", "3", "--syn-retries", "4",
		"--abort-on-overflow", "1", "--fin-timeout", "5", "--max-tw-buckets", "6",
		"--tw-reuse", "0", "--timestamps", "0", "--window-scaling", "0", "--sack", "0",
		"--keepalive-time", "7", "--keepalive-intvl", "8", "--keepalive-probes", "9",
		"--rmem", "4096", "--wmem", "8192", "--backlog", "10", "--time-wait", "11",
		"--accept-rate", "12", "--app", "hold")), 0);
	assert_int_equal(cfg.syncookies, 0);
	assert_int_equal(cfg.max_syn_backlog, 1);
	assert_int_equal(cfg.somaxconn, 2);
	assert_int_equal(cfg.synack_retries, 3);
	assert_int_equal(cfg.syn_retries, 4);
	assert_int_equal(cfg.abort_on_overflow, 1);
	assert_int_equal(cfg.fin_timeout, 5);
	assert_int_equal(cfg.max_tw_buckets, 6);
	assert_int_equal(cfg.tw_reuse, 0);
	assert_int_equal(cfg.timestamps, 0);
	assert_int_equal(cfg.window_scaling, 0);
	assert_int_equal(cfg.sack, 0);
	assert_int_equal(cfg.keepalive_time, 7);
	assert_int_equal(cfg.keepalive_intvl, 8);
	assert_int_equal(cfg.keepalive_probes, 9);
	assert_int_equal(cfg.rmem, 4096);
	assert_int_equal(cfg.wmem, 8192);
	assert_int_equal(listener(&cfg, 80)->backlog, 10);
	assert_int_equal(listener(&cfg, 80)->time_wait, 11);
	assert_int_equal(listener(&cfg, 80)->accept_rate, 12);
	assert_int_equal(listener(&cfg, 80)->app, TT_APP_HOLD);
}

static void
test_args_lists_and_forms(void **state)
{
	struct tt_config cfg;

	(void)state;
	/* Repeatable --addr replaces the default, then accumulates. */
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.0.0.1/24", "--addr=10.0.1.1/16")), 0);
	assert_int_equal(cfg.n_addrs, 2);
	assert_int_equal(cfg.addrs[0].addr, IP(10, 0, 0, 1));
	assert_int_equal(cfg.addrs[1].addr, IP(10, 0, 1, 1));
	assert_int_equal(cfg.addrs[1].len, 16);
	/* Repeatable --listen, comma lists too; the implicit 80 goes. */
	assert_int_equal(parse(&cfg, ARGV("--listen", "8080", "--listen", "8443,9000", "--app",
					  "echo")), 0);
	assert_int_equal(cfg.n_listeners, 3);
	assert_int_equal(listener(&cfg, 8080)->app, TT_APP_ECHO);
	assert_int_equal(listener(&cfg, 9000)->app, TT_APP_ECHO);
	assert_int_equal(listener(&cfg, 8443)->backlog, 511);
	/* Flags take no value; --name=value works; the same port twice is one listener. */
	assert_int_equal(parse(&cfg, ARGV("--quiet", "--syncookies=2", "--gateway", "198.18.0.1",
					  "--listen", "81,81")), 0);
	assert_true(cfg.quiet);
	assert_int_equal(cfg.syncookies, 2);
	assert_int_equal(cfg.gateway, IP(198, 18, 0, 1));
	assert_int_equal(cfg.n_listeners, 1);
	/* The last value of a scalar wins. */
	assert_int_equal(parse(&cfg, ARGV("--somaxconn", "5", "--somaxconn", "6")), 0);
	assert_int_equal(cfg.somaxconn, 6);
	/* Limits are inclusive. */
	assert_int_equal(parse(&cfg, ARGV("--syncookies", "0", "--synack-retries", "255",
					  "--listen", "65535", "--listen", "1")), 0);
	assert_int_equal(cfg.synack_retries, 255);
}

static void
test_args_invalid(void **state)
{
	(void)state;
	expect_invalid(ARGV("--syncookies", "3"), "--syncookies");            /* out of range */
	expect_invalid(ARGV("--max-syn-backlog", "0"), "--max-syn-backlog");  /* below min */
	expect_invalid(ARGV("--somaxconn", "abc"), "--somaxconn");            /* not a number */
	expect_invalid(ARGV("--somaxconn", "12x"), "--somaxconn");
	expect_invalid(ARGV("--somaxconn", ""), "--somaxconn");
	expect_invalid(ARGV("--synack-retries", "-1"), "--synack-retries");   /* negative */
	expect_invalid(ARGV("--rmem", "+4096"), "--rmem");
	expect_invalid(ARGV("--max-tw-buckets", "99999999999"), "--max-tw-buckets"); /* > 2^32 */
	expect_invalid(ARGV("--bogus", "1"), "--bogus");                      /* unknown option */
	expect_invalid(ARGV("--syncookies"), "--syncookies");                 /* missing value */
	expect_invalid(ARGV("--app", "nginx"), "--app");                      /* unknown app */
	expect_invalid(ARGV("--addr", "10.0.0.1"), "--addr");                 /* no prefix */
	expect_invalid(ARGV("--addr", "10.0.0.1/33"), "--addr");
	expect_invalid(ARGV("--addr", "10.0.0.1/0"), "--addr");
	expect_invalid(ARGV("--addr", "10.0.0.256/24"), "--addr");
	expect_invalid(ARGV("--gateway", "300.1.1.1"), "--gateway");
	expect_invalid(ARGV("--kernel-addr", "10.0.0.1"), "--kernel-addr");
	expect_invalid(ARGV("--listen", "0"), "--listen");
	expect_invalid(ARGV("--listen", "65536"), "--listen");
	expect_invalid(ARGV("--listen", "80,x"), "--listen");
	expect_invalid(ARGV("-s", "1"), "-s");                                /* short option */
	expect_invalid(ARGV("--syncookies", "1", "stray"), "stray");          /* positional */
	/* --quiet is a flag: a value for it is a stray argument. */
	expect_invalid(ARGV("--quiet", "1"), "'1'");
}

/* tt_config_parse_args resets getopt itself: a failed parse leaves nothing behind. */
static void
test_args_reentrant(void **state)
{
	struct tt_config cfg;

	(void)state;
	expect_invalid(ARGV("--somaxconn", "1", "--wmem", "1", "--sack", "0"), "--wmem");
	assert_int_equal(parse(&cfg, ARGV("--sack", "0")), 0);
	assert_int_equal(cfg.sack, 0);
	expect_invalid(ARGV("--bogus"), "--bogus");
	assert_int_equal(parse(&cfg, ARGV("--syncookies", "2", "--somaxconn", "7")), 0);
	assert_int_equal(cfg.syncookies, 2);
	assert_int_equal(cfg.somaxconn, 7);
	/* No options at all: the defaults stand. */
	assert_int_equal(parse(&cfg, (char *[]){ "tcpterm", NULL }), 0);
	assert_int_equal(cfg.syncookies, 1);
}

static void
test_args_help_version(void **state)
{
	struct tt_config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, ARGV("--version")), 1);
	/* --help wins wherever it is, even after a bad value. */
	assert_int_equal(parse(&cfg, ARGV("--syncookies", "9", "--help")), 1);
}

/* ---- Config file -------------------------------------------------------------------------- */

static void
test_file_values(void **state)
{
	struct tt_config cfg;

	(void)state;
	assert_int_equal(load(&cfg,
		"; comment line\n"
		"[tcp]\n"
		"syncookies = 2   ; trailing comment\n"
		"somaxconn=128\n"
		"[port]\n"
		"flow_hash = 0\n"
		"[net]\n"
		"gateway = 198.18.0.1\n"
		"[run]\n"
		"quiet = yes\n"), 0);
	assert_int_equal(cfg.syncookies, 2);
	assert_int_equal(cfg.somaxconn, 128);
	assert_int_equal(cfg.flow_hash, 0);
	assert_int_equal(cfg.gateway, IP(198, 18, 0, 1));
	assert_true(cfg.quiet);
	assert_int_equal(cfg.max_syn_backlog, 4096); /* untouched keys keep their default */
}

static void
test_file_errors(void **state)
{
	struct tt_config cfg;

	(void)state;
	assert_int_equal(load(&cfg, "[tcp]\nsyncookies = 1\n[bogus]\nx = 1\n"), -EINVAL);
	assert_error_names("bogus");
	assert_error_names("/tmp/tt_unit_config_");
	assert_int_equal(load(&cfg, "[tcp]\nsyncookie = 1\n"), -EINVAL);
	assert_error_names("syncookie");
	/* A key of another section is unknown in this one. */
	assert_int_equal(load(&cfg, "[net]\nsyncookies = 1\n"), -EINVAL);
	assert_error_names("syncookies");
	assert_int_equal(load(&cfg, "[tcp]\nsyncookies = 7\n"), -EINVAL);
	assert_error_names("syncookies");
	assert_error_names("7");
	assert_int_equal(load(&cfg, "[tcp]\nfin_timeout = soon\n"), -EINVAL);
	assert_error_names("fin_timeout");
	assert_int_equal(load(&cfg, "[net]\naddr = 10.0.0.1\n"), -EINVAL);
	assert_error_names("addr");
	assert_int_equal(load(&cfg, "[run]\nquiet = maybe\n"), -EINVAL);
	assert_error_names("quiet");
	assert_int_equal(load(&cfg, "[listen]\napp = nginx\n"), -EINVAL);
	assert_error_names("nginx");
	/* A listener section takes listener keys only, and a port number. */
	assert_int_equal(load(&cfg, "[listen 8080]\nsyncookies = 1\n"), -EINVAL);
	assert_error_names("syncookies");
	assert_int_equal(load(&cfg, "[listen 0]\nbacklog = 1\n"), -EINVAL);
	assert_error_names("listen 0");
	assert_int_equal(load(&cfg, "[listen http]\nbacklog = 1\n"), -EINVAL);
	assert_error_names("listen http");
	{
		/*
		 * A value longer than rte_cfgfile keeps (255 bytes) would be cut silently, a
		 * backend list losing its tail ("10.0.0.29:8080" read as "10.0.0.29:80"): refused,
		 * with the line.
		 */
		char text[400] = "[listen 8080]\napp = proxy\nbackend = ";

		for (int i = 10; i < 30; i++)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s10.0.0.%d:8080",
				 i > 10 ? "," : "", i);
		strcat(text, "\n");
		assert_int_equal(load(&cfg, text), -EINVAL);
		assert_error_names(":3: value of 299 bytes");
	}
	/* Not INI at all: a line that is neither a section nor key = value. */
	assert_int_equal(load(&cfg, "[tcp]\nsyncookies 1\n"), -EINVAL);
	assert_error_names("/tmp/tt_unit_config_");
}

static void
test_file_missing(void **state)
{
	static const char path[] = "/nonexistent/tcpterm-unit.conf";
	struct tt_config cfg;

	(void)state;
	tt_config_defaults(&cfg);
	assert_int_equal(tt_config_load_file(&cfg, path, err, sizeof(err)), -ENOENT);
	assert_error_names(path);
	/* Through --config: the same error, from the command line. */
	assert_int_equal(parse(&cfg, ARGV("--config", (char *)path)), -ENOENT);
	assert_error_names(path);
}

/* [listen] sets every listener's defaults; a [listen PORT] section overrides its own keys. */
static void
test_file_listeners(void **state)
{
	struct tt_config cfg;

	(void)state;
	assert_int_equal(load(&cfg,
		"[listen]\n"
		"port = 80, 8080\n"
		"app = echo\n"
		"backlog = 100\n"
		"[listen 8080]\n"
		"app = hold\n"
		"time_wait = 5\n"
		"[listen 9090]\n"
		"backlog = 7\n"), 0);
	assert_int_equal(cfg.n_listeners, 3);
	assert_int_equal(listener(&cfg, 80)->app, TT_APP_ECHO);
	assert_int_equal(listener(&cfg, 80)->backlog, 100);
	assert_int_equal(listener(&cfg, 80)->time_wait, 60);
	assert_int_equal(listener(&cfg, 8080)->app, TT_APP_HOLD);
	assert_int_equal(listener(&cfg, 8080)->backlog, 100);
	assert_int_equal(listener(&cfg, 8080)->time_wait, 5);
	assert_int_equal(listener(&cfg, 9090)->app, TT_APP_ECHO);
	assert_int_equal(listener(&cfg, 9090)->backlog, 7);
}

/*
 * Proxy listeners (SPEC A2): backends as ADDR:PORT[,weight=N], repeatable or several in one
 * value; [listen] gives every listener its list, a [listen PORT] section its own; the
 * balancing method and timers per listener; the dump reads back what it prints.
 */
static void
test_proxy_keys(void **state)
{
	struct tt_config cfg;
	const struct tt_listen_config *l;

	(void)state;
	tt_config_defaults(&cfg);
	l = &cfg.listen_defaults;
	assert_int_equal(l->backends.n, 0);
	assert_int_equal(l->balance, TT_BALANCE_ROUNDROBIN);
	assert_int_equal(l->connect_timeout, 2000);
	assert_int_equal(l->backend_fail_skip, 10);
	assert_int_equal(l->proxy_protocol, 0);

	assert_int_equal(parse(&cfg, ARGV("--app", "proxy", "--backend", "198.18.1.1:80",
					  "--backend", "198.18.1.2:8080,weight=3", "--balance",
					  "leastconn", "--connect-timeout", "500",
					  "--backend-fail-skip", "0", "--proxy-protocol", "2")), 0);
	l = listener(&cfg, 80);
	assert_int_equal(l->app, TT_APP_PROXY);
	assert_int_equal(l->backends.n, 2);
	assert_int_equal(l->backends.b[0].addr, IP(198, 18, 1, 1));
	assert_int_equal(l->backends.b[0].port, 80);
	assert_int_equal(l->backends.b[0].weight, 1);
	assert_int_equal(l->backends.b[1].addr, IP(198, 18, 1, 2));
	assert_int_equal(l->backends.b[1].port, 8080);
	assert_int_equal(l->backends.b[1].weight, 3);
	assert_int_equal(l->balance, TT_BALANCE_LEASTCONN);
	assert_int_equal(l->connect_timeout, 500);
	assert_int_equal(l->backend_fail_skip, 0);
	assert_int_equal(l->proxy_protocol, 2);

	assert_int_equal(load(&cfg,
		"[listen]\n"
		"port = 80\n"
		"app = proxy\n"
		"backend = 198.18.1.1:80\n"
		"backend = 198.18.1.2:80,weight=2\n"
		"[listen 8080]\n"
		"app = proxy\n"
		"balance = source\n"
		"backend = 198.18.2.1:81 198.18.2.2:82,weight=1000\n"
		"backend = 198.18.2.3:83\n"
		"[listen 9090]\n"
		"app = echo\n"), 0);
	assert_int_equal(tt_config_validate(&cfg, err, sizeof(err)), 0);
	l = listener(&cfg, 80);
	assert_int_equal(l->backends.n, 2);
	assert_int_equal(l->backends.b[1].weight, 2);
	assert_int_equal(l->balance, TT_BALANCE_ROUNDROBIN);
	l = listener(&cfg, 8080);
	assert_int_equal(l->backends.n, 3);
	assert_int_equal(l->backends.b[0].addr, IP(198, 18, 2, 1));
	assert_int_equal(l->backends.b[1].port, 82);
	assert_int_equal(l->backends.b[1].weight, 1000);
	assert_int_equal(l->backends.b[2].port, 83);
	assert_int_equal(l->balance, TT_BALANCE_SOURCE);
	assert_int_equal(listener(&cfg, 9090)->app, TT_APP_ECHO);

	/* Sixteen per listener; a seventeenth is refused. */
	assert_int_equal(parse(&cfg, ARGV("--app", "proxy", "--backend",
		"10.0.0.1:1 10.0.0.2:1 10.0.0.3:1 10.0.0.4:1 10.0.0.5:1 10.0.0.6:1 10.0.0.7:1 10.0.0.8:1 "
		"10.0.0.9:1 10.0.0.10:1 10.0.0.11:1 10.0.0.12:1 10.0.0.13:1 10.0.0.14:1 10.0.0.15:1",
		"--backend", "10.0.0.16:1")), 0);
	assert_int_equal(listener(&cfg, 80)->backends.n, 16);
	expect_invalid(ARGV("--backend", "10.0.0.1:1 10.0.0.2:1 10.0.0.3:1 10.0.0.4:1 10.0.0.5:1 "
			    "10.0.0.6:1 10.0.0.7:1 10.0.0.8:1 10.0.0.9:1 10.0.0.10:1 10.0.0.11:1 "
			    "10.0.0.12:1 10.0.0.13:1 10.0.0.14:1 10.0.0.15:1 10.0.0.16:1 10.0.0.17:1"),
		       "16");
}

/* Bad proxy values: one line naming the option; a proxy listener needs a backend. */
static void
test_proxy_invalid(void **state)
{
	static const char *const bad[] = {
		"198.18.1.1", "198.18.1.1:", "198.18.1.1:0", "198.18.1.1:65536", ":80",
		"198.18.1:80", "198.18.1.1:80,weight=0", "198.18.1.1:80,weight=1001",
		"198.18.1.1:80,weight=", "198.18.1.1:80,wait=2", "0.0.0.0:80",
		"255.255.255.255:80", "224.0.0.1:80", "198.18.1.1:http",
	};
	struct tt_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_invalid(ARGV("--app", "proxy", "--backend", (char *)bad[i]), "--backend");
	expect_invalid(ARGV("--balance", "random"), "--balance");
	expect_invalid(ARGV("--proxy-protocol", "3"), "--proxy-protocol");
	expect_invalid(ARGV("--connect-timeout", "0"), "--connect-timeout");
	expect_invalid(ARGV("--app", "proxy"), "backend");
	assert_error_names("listen 80");
	expect_invalid(ARGV("--app", "proxy", "--backend", "198.18.0.2:80"), "own address");
	/* A file: the listener without backends is named. */
	assert_int_equal(load(&cfg, "[listen 8080]\napp = proxy\n"), 0);
	assert_int_equal(tt_config_validate(&cfg, err, sizeof(err)), -EINVAL);
	assert_error_names("listen 8080");
	assert_int_equal(load(&cfg, "[listen 8080]\nbackend = 198.18.1.1\n"), -EINVAL);
	assert_error_names("backend = 198.18.1.1");
}

/* A file that names only [listen PORT] sections listens on those ports, not also on 80. */
static void
test_file_listener_sections_only(void **state)
{
	struct tt_config cfg;

	(void)state;
	assert_int_equal(load(&cfg, "[listen 8080]\napp = echo\n"), 0);
	assert_int_equal(cfg.n_listeners, 1);
	assert_int_equal(cfg.listeners[0].port, 8080);
	assert_int_equal(cfg.listeners[0].app, TT_APP_ECHO);
}

/* A repeated addr replaces the default list, then accumulates within the file. */
static void
test_file_repeated_addr(void **state)
{
	struct tt_config cfg;

	(void)state;
	assert_int_equal(load(&cfg, "[net]\naddr = 10.0.0.1/24\naddr = 10.0.0.2/24\n"), 0);
	assert_int_equal(cfg.n_addrs, 2);
	assert_int_equal(cfg.addrs[0].addr, IP(10, 0, 0, 1));
	assert_int_equal(cfg.addrs[1].addr, IP(10, 0, 0, 2));
	/* kernel_addr = auto skips both of ours. */
	assert_int_equal(cfg.kernel_addr.addr, IP(10, 0, 0, 3));
	assert_int_equal(cfg.kernel_addr.len, 24);
}

/* Precedence: defaults < file < command line, wherever --config sits on the line. */
static void
test_precedence(void **state)
{
	const char *path = write_file(1,
		"[tcp]\nsyncookies = 2\nsomaxconn = 100\n"
		"[net]\naddr = 10.0.0.1/24\naddr = 10.0.0.2/24\n"
		"[listen]\nport = 8080\nbacklog = 50\n");
	struct tt_config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, ARGV("--syncookies", "0", "--config", (char *)path)), 0);
	assert_int_equal(cfg.syncookies, 0);         /* command line over file */
	assert_int_equal(cfg.somaxconn, 100);        /* file over default */
	assert_int_equal(cfg.synack_retries, 5);     /* default */
	assert_int_equal(cfg.n_addrs, 2);
	assert_int_equal(listener(&cfg, 8080)->backlog, 50);
	assert_int_equal(cfg.n_listeners, 1);

	assert_int_equal(parse(&cfg, ARGV("--config", (char *)path, "--syncookies", "0",
					  "--addr", "172.16.0.9/16", "--backlog", "9")), 0);
	assert_int_equal(cfg.syncookies, 0);
	assert_int_equal(cfg.somaxconn, 100);
	/* A list given on the command line replaces the file's list. */
	assert_int_equal(cfg.n_addrs, 1);
	assert_int_equal(cfg.addrs[0].addr, IP(172, 16, 0, 9));
	assert_int_equal(listener(&cfg, 8080)->backlog, 9);
	assert_int_equal(cfg.kernel_addr.addr, IP(172, 16, 0, 1));
	unlink(path);
}

/* kernel_addr = auto: the first host of the first addr's subnet that is not ours. */
static void
test_kernel_addr(void **state)
{
	struct tt_config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, ARGV("--addr", "198.18.0.2/24")), 0);
	assert_int_equal(cfg.kernel_addr.addr, IP(198, 18, 0, 1));
	assert_int_equal(cfg.kernel_addr.len, 24);
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.1.2.1/24")), 0);
	assert_int_equal(cfg.kernel_addr.addr, IP(10, 1, 2, 2));
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.0.0.1/30")), 0);
	assert_int_equal(cfg.kernel_addr.addr, IP(10, 0, 0, 2));
	assert_int_equal(cfg.kernel_addr.len, 30);
	/* /30 with both hosts ours, /31 and /32: no free host, the kernel side stays bare. */
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.0.0.1/30", "--addr", "10.0.0.2/30")), 0);
	assert_int_equal(cfg.kernel_addr.addr, 0);
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.0.0.0/31")), 0);
	assert_int_equal(cfg.kernel_addr.addr, 0);
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.0.0.7/32")), 0);
	assert_int_equal(cfg.kernel_addr.addr, 0);
	/* Explicit values, and none. */
	assert_int_equal(parse(&cfg, ARGV("--kernel-addr", "10.9.9.9/16")), 0);
	assert_false(cfg.kernel_addr_auto);
	assert_int_equal(cfg.kernel_addr.addr, IP(10, 9, 9, 9));
	assert_int_equal(cfg.kernel_addr.len, 16);
	assert_int_equal(parse(&cfg, ARGV("--kernel-addr", "none")), 0);
	assert_int_equal(cfg.kernel_addr.addr, 0);
	/* auto follows the final address list, whichever source set it. */
	assert_int_equal(parse(&cfg, ARGV("--kernel-addr", "auto", "--addr", "192.168.7.1/24")), 0);
	assert_int_equal(cfg.kernel_addr.addr, IP(192, 168, 7, 2));
}

/*
 * kernel_addr = auto with several ports (issue 10 item 2): each kernel side from the
 * untagged --addr bound to its port; the first kernel side also from one on every port.
 */
static void
test_kernel_addr_ports(void **state)
{
	struct tt_ipv4_prefix k4;
	struct tt_ipv6_prefix k6;
	struct tt_config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, ARGV("--addr", "198.18.5.2/24,vlan=5", "--addr",
					  "198.18.3.2/24", "--addr", "198.18.7.2/24,port=1",
					  "--addr", "2001:2:7::2/64,port=1")), 0);
	/* The first port: the first untagged address not bound elsewhere (VLAN 5 skipped). */
	assert_int_equal(cfg.kernel_addr.addr, IP(198, 18, 3, 1));
	assert_int_equal(cfg.kernel_addr6.len, 0);
	tt_config_kernel_addr_auto(&cfg, 1, false, &k4, &k6);
	assert_int_equal(k4.addr, IP(198, 18, 7, 1));
	assert_int_equal(k4.len, 24);
	assert_int_equal(k6.len, 64);
	assert_int_equal(k6.addr[15], 1);
	/* Port 1 as the first kernel side: its own address before one on every port. */
	tt_config_kernel_addr_auto(&cfg, 1, true, &k4, &k6);
	assert_int_equal(k4.addr, IP(198, 18, 7, 1));
	/* A port nothing is bound to, not the first kernel side: bare. */
	tt_config_kernel_addr_auto(&cfg, 2, false, &k4, &k6);
	assert_int_equal(k4.addr, 0);
	assert_int_equal(k6.len, 0);
}

static void
test_validate(void **state)
{
	struct tt_config cfg;

	(void)state;
	tt_config_defaults(&cfg);
	cfg.n_addrs = 0;
	assert_int_equal(tt_config_validate(&cfg, err, sizeof(err)), -EINVAL);
	assert_error_names("--addr");
}

/*
 * A gateway is a next hop: on the subnet of one of our addresses and not one of them (RFC
 * 1122 3.3.1.1; Linux: "Nexthop has invalid gateway"). Elsewhere tcpterm would ARP for it
 * forever and route nothing through it, so it is refused at start (SPEC O7).
 */
static void
test_validate_gateway(void **state)
{
	struct tt_config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, ARGV("--gateway", "198.18.0.254")), 0);
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.0.0.2/8", "--addr", "198.18.5.2/30",
					  "--gateway", "198.18.5.1")), 0);
	expect_invalid(ARGV("--gateway", "198.18.1.1"), "198.18.1.1");       /* off-link */
	assert_error_names("subnet");
	expect_invalid(ARGV("--addr", "198.18.5.2/30", "--gateway", "198.18.5.5"), "--gateway");
	expect_invalid(ARGV("--gateway", "198.18.0.2"), "own");               /* ours */
	assert_int_equal(load(&cfg, "[net]\ngateway = 10.9.9.9\n"), 0);     /* file: checked */
	assert_int_equal(tt_config_validate(&cfg, err, sizeof(err)), -EINVAL); /* with the rest */
	assert_error_names("10.9.9.9");
}

/* What tt_config_warn prints for cfg, in buf; returns its count of lines. */
static int
warnings(const struct tt_config *cfg, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	int n;

	assert_non_null(f);
	n = tt_config_warn(cfg, f);
	assert_int_equal(fclose(f), 0);
	return n;
}

static int
count_lines(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/*
 * Every tunable works since A1 (syn_retries, tw_reuse, ip_local_port_range were the last):
 * setting any of them, from the command line or a file, draws no warning, and --help and the
 * configuration dump mark none "no effect". The warning machinery stays for keys accepted
 * before they are built.
 */
static void
test_every_key_has_effect(void **state)
{
	static char out[65536];
	struct tt_config cfg;
	const char *path;
	FILE *f;

	(void)state;
	assert_int_equal(parse(&cfg, ARGV("--syn-retries", "3", "--tw-reuse", "1",
					  "--ip-local-port-range", "40000 40100",
					  "--keepalive-time", "60")), 0);
	assert_int_equal(warnings(&cfg, out, sizeof(out)), 0);
	assert_int_equal(cfg.syn_retries, 3);
	assert_int_equal(cfg.tw_reuse, 1);
	assert_int_equal(cfg.local_port_lo, 40000);
	assert_int_equal(cfg.local_port_hi, 40100);
	path = write_file(1, "[tcp]\ntw_reuse = 0\nsyn_retries = 2\nip_local_port_range = 1024,2047\n");
	assert_int_equal(parse(&cfg, ARGV("--config", (char *)path)), 0);
	unlink(path);
	assert_int_equal(warnings(&cfg, out, sizeof(out)), 0);
	assert_int_equal(cfg.local_port_lo, 1024);
	assert_int_equal(cfg.local_port_hi, 2047);
	f = fmemopen(out, sizeof(out), "w");
	assert_non_null(f);
	tt_config_usage(f, "tcpterm");
	assert_int_equal(fclose(f), 0);
	assert_int_equal(count_lines(out, "NO EFFECT"), 0);
	assert_non_null(strstr(out, "--ip-local-port-range "));
	tt_config_defaults(&cfg);
	assert_int_equal(cfg.local_port_lo, 32768);    /* Linux's default range */
	assert_int_equal(cfg.local_port_hi, 60999);
	f = fmemopen(out, sizeof(out), "w");
	assert_non_null(f);
	tt_config_dump(&cfg, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(count_lines(out, "no effect"), 0);
	/* A range the wrong way round, or not two numbers: refused. */
	assert_true(parse(&cfg, ARGV("--ip-local-port-range", "5000 4000")) < 0);
	assert_true(parse(&cfg, ARGV("--ip-local-port-range", "5000")) < 0);
	assert_true(parse(&cfg, ARGV("--ip-local-port-range", "0 10")) < 0);
}

/*
 * Issue 10 item 4: tt_config_set_live takes a live key by its name, Linux's sysctl name or
 * listen.PORT.KEY, with the config file's rules (range, number), refuses start-only and
 * unknown keys and a tcp_mem out of order with one line; publish copies the live keys and
 * moves live_gen.
 */
static void
test_set_live(void **state)
{
	struct tt_config cfg, next;
	char desc[128];
	uint32_t gen;

	(void)state;
	assert_int_equal(parse(&cfg, ARGV("--listen", "80,81", "--backlog", "64")), 0);
	next = cfg;
	assert_int_equal(tt_config_set_live(&next, "syncookies", "2", desc, sizeof(desc), err,
					    sizeof(err)), 0);
	assert_string_equal(desc, "syncookies 1 -> 2");
	assert_int_equal(tt_config_set_live(&next, "net.core.somaxconn", "128", desc,
					    sizeof(desc), err, sizeof(err)), 0);
	assert_string_equal(desc, "somaxconn 4096 -> 128");
	assert_int_equal(tt_config_set_live(&next, "net.ipv4.tcp_synack_retries", "2", desc,
					    sizeof(desc), err, sizeof(err)), 0);
	assert_int_equal(next.synack_retries, 2);
	assert_int_equal(tt_config_set_live(&next, "listen.81.backlog", "7", desc, sizeof(desc),
					    err, sizeof(err)), 0);
	assert_string_equal(desc, "listen 81 backlog 64 -> 7");
	assert_int_equal(next.listeners[0].backlog, 64);
	assert_int_equal(next.listeners[1].backlog, 7);
	assert_int_equal(tt_config_set_live(&next, "backlog", "9", desc, sizeof(desc), err,
					    sizeof(err)), 0);
	assert_string_equal(desc, "backlog 64 -> 9 (every listener)");
	assert_int_equal(next.listen_defaults.backlog, 9);
	assert_int_equal(next.listeners[0].backlog, 9);
	assert_int_equal(next.listeners[1].backlog, 9);

	/* Refused, next as it was. */
	struct tt_config keep = next;

	err[0] = '\0';
	assert_int_equal(tt_config_set_live(&next, "mtu", "9000", desc, sizeof(desc), err,
					    sizeof(err)), -EPERM);
	assert_error_names("--mtu");
	assert_int_equal(tt_config_set_live(&next, "nope", "1", desc, sizeof(desc), err,
					    sizeof(err)), -ENOENT);
	assert_error_names("no such key");
	assert_int_equal(tt_config_set_live(&next, "somaxconn", "0", desc, sizeof(desc), err,
					    sizeof(err)), -EINVAL);
	assert_error_names("out of range 1..1048576");
	assert_int_equal(tt_config_set_live(&next, "syncookies", "1x", desc, sizeof(desc), err,
					    sizeof(err)), -EINVAL);
	assert_error_names("not a non-negative integer");
	assert_int_equal(tt_config_set_live(&next, "listen.82.backlog", "1", desc, sizeof(desc),
					    err, sizeof(err)), -ENOENT);
	assert_error_names("no listener on port 82");
	assert_int_equal(tt_config_set_live(&next, "listen.80.syncookies", "1", desc,
					    sizeof(desc), err, sizeof(err)), -EINVAL);
	assert_error_names("not a listener's key");
	assert_int_equal(tt_config_set_live(&next, "listen.80.http_body", "1", desc,
					    sizeof(desc), err, sizeof(err)), -EPERM);
	assert_int_equal(tt_config_set_live(&next, "net.core.syncookies", "1", desc,
					    sizeof(desc), err, sizeof(err)), -ENOENT);
	assert_int_equal(tt_config_set_live(&next, "net.ipv4.tcp_mem_min", "1", desc,
					    sizeof(desc), err, sizeof(err)), -ENOENT);
	assert_int_equal(tt_config_set_live(&next, "listen.+80.backlog", "1", desc,
					    sizeof(desc), err, sizeof(err)), -EINVAL);
	assert_int_equal(tt_config_set_live(&next, "rx", "loss=1%", desc, sizeof(desc), err,
					    sizeof(err)), -EINVAL);
	assert_error_names("impair_rx");
	assert_int_equal(memcmp(&next, &keep, sizeof(next)), 0);
	/* tcp_mem's order is checked after the value is taken: next then differs, unpublished. */
	assert_int_equal(tt_config_set_live(&next, "mem_max", "50", desc, sizeof(desc), err,
					    sizeof(err)), -EINVAL);
	assert_error_names("must not decrease");

	next = keep;
	gen = cfg.live_gen;
	tt_config_publish_live(&cfg, &next);
	assert_int_equal(cfg.live_gen, gen + 1);
	assert_int_equal(cfg.syncookies, 2);
	assert_int_equal(cfg.somaxconn, 128);
	assert_int_equal(cfg.listeners[1].backlog, 9);
	assert_int_equal(cfg.mtu, 1500);
}

/* Issue 10 item 1: IPv6 prefixes beside IPv4 ones, the gateway of each family, DAD. */
static void
test_ipv6_keys(void **state)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 2 };
	static const uint8_t k6[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 1 };
	static const uint8_t gw6[16] = { 0xfe, 0x80, [15] = 1 };
	struct tt_config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.0.0.1/24", "--addr", "2001:2::2/64",
					  "--gateway", "10.0.0.254,fe80::1", "--dad-transmits",
					  "2")), 0);
	assert_int_equal(cfg.n_addrs, 1);
	assert_int_equal(cfg.n_addrs6, 1);
	assert_memory_equal(cfg.addrs6[0].addr, a6, 16);
	assert_int_equal(cfg.addrs6[0].len, 64);
	assert_int_equal(cfg.gateway, IP(10, 0, 0, 254));
	assert_memory_equal(cfg.gateway6, gw6, 16);
	assert_int_equal(cfg.dad_transmits, 2);
	/* kernel_addr auto: the first host of each family's first prefix that is not ours. */
	assert_int_equal(cfg.kernel_addr.addr, IP(10, 0, 0, 2));
	assert_memory_equal(cfg.kernel_addr6.addr, k6, 16);
	assert_int_equal(cfg.kernel_addr6.len, 64);
	assert_int_equal(tt_config_validate(&cfg, err, sizeof(err)), 0);
	/* IPv6 alone is a configuration. */
	assert_int_equal(parse(&cfg, ARGV("--addr", "2001:2::2/64")), 0);
	assert_int_equal(cfg.n_addrs, 0);
	assert_int_equal(tt_config_validate(&cfg, err, sizeof(err)), 0);
	/* Within one source --gateway A --gateway X gives both. */
	assert_int_equal(parse(&cfg, ARGV("--addr", "2001:2::2/64", "--addr", "10.0.0.1/24",
					  "--gateway", "2001:2::ff", "--gateway", "10.0.0.9")), 0);
	assert_int_equal(cfg.gateway, IP(10, 0, 0, 9));
	assert_int_equal(cfg.gateway6[15], 0xff);
	expect_invalid(ARGV("--addr", "fe80::1/64"), "--addr");              /* link-local */
	expect_invalid(ARGV("--addr", "ff02::1/64"), "--addr");              /* multicast */
	expect_invalid(ARGV("--addr", "::1/128"), "--addr");
	expect_invalid(ARGV("--addr", "::/64"), "--addr");
	expect_invalid(ARGV("--addr", "::ffff:10.0.0.1/96"), "--addr");      /* IPv4-mapped */
	expect_invalid(ARGV("--addr", "2001:2::1/129"), "--addr");
	expect_invalid(ARGV("--addr", "2001:2::1/64", "--addr", "2001:2::1/64"), "--addr");
	expect_invalid(ARGV("--addr", "0.0.0.5/24"), "--addr");              /* 0/8, TCP's marker */
	expect_invalid(ARGV("--addr", "127.0.0.2/8"), "--addr");
	expect_invalid(ARGV("--addr", "224.0.0.5/24"), "--addr");
	expect_invalid(ARGV("--gateway", "1.2.3.4,5.6.7.8"), "--gateway");   /* two IPv4 */
	expect_invalid(ARGV("--gateway", "ff02::2"), "--gateway");
	expect_invalid(ARGV("--kernel-addr", "2001:2::1"), "--kernel-addr"); /* no prefix */
	expect_invalid(ARGV("--dad-transmits", "11"), "--dad-transmits");
	/* Backends tt_app_connect would refuse, refused here (one line, the value named). */
	expect_invalid(ARGV("--app", "proxy", "--backend", "[::ffff:10.0.0.1]:80"), "--backend");
	expect_invalid(ARGV("--app", "proxy", "--backend", "127.0.0.1:80"), "--backend");
	expect_invalid(ARGV("--app", "proxy", "--backend", "[2001:2::1]"), "--backend");
	expect_invalid(ARGV("--app", "proxy", "--backend", "[]:80"), "--backend");
	expect_invalid(ARGV("--app", "proxy", "--backend", "[2001:2::1]:80"),
		       "an IPv6 backend needs an IPv6 --addr");
	assert_int_equal(parse(&cfg, ARGV("--addr", "2001:2::2/64", "--app", "proxy",
					  "--backend", "[2001:2::1]:8080,weight=3")), 0);
	assert_int_equal(cfg.listen_defaults.backends.b[0].family, AF_INET6);
	assert_int_equal(cfg.listen_defaults.backends.b[0].addr6[15], 1);
	assert_int_equal(cfg.listen_defaults.backends.b[0].port, 8080);
	assert_int_equal(cfg.listen_defaults.backends.b[0].weight, 3);
	/* Between keys: an IPv6 gateway off every prefix, a kernel side on ours. */
	expect_invalid(ARGV("--addr", "2001:2::2/64", "--gateway", "2001:3::1"),
		       "--gateway 2001:3::1");
	expect_invalid(ARGV("--addr", "2001:2::2/64", "--kernel-addr", "2001:2::2/64"),
		       "kernel_addr 2001:2::2");
}

/* Issue 10 item 2: --addr's VLAN attribute, and subnets on different VLANs kept apart. */
static void
test_vlan_keys(void **state)
{
	struct tt_config cfg;

	(void)state;
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.0.6.2/24,vlan=100", "--addr", "10.0.0.1/24",
					  "--addr", "2001:2:0:100::2/64,vlan=100", "--addr",
					  "2001:2::2/64", "--addr", "10.0.0.1/24")), 0);
	assert_int_equal(cfg.n_addrs, 2);               /* the same one again: nothing new */
	assert_int_equal(cfg.addrs[0].vlan, 100);
	assert_int_equal(cfg.addrs[1].vlan, 0);
	assert_int_equal(cfg.addrs6[0].vlan, 100);
	assert_int_equal(cfg.addrs6[1].vlan, 0);
	/* The kernel's side is untagged: auto follows the first untagged address of each. */
	assert_int_equal(cfg.kernel_addr.addr, IP(10, 0, 0, 2));
	assert_int_equal(cfg.kernel_addr6.addr[15], 1);
	assert_int_equal(cfg.kernel_addr6.addr[6], 0);
	/* Only VLAN addresses: the kernel side stays bare. */
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.0.6.2/24,vlan=7")), 0);
	assert_int_equal(cfg.kernel_addr.addr, 0);
	expect_invalid(ARGV("--addr", "10.0.6.2/24,vlan=0"), "1-4094");
	expect_invalid(ARGV("--addr", "10.0.6.2/24,vlan=4095"), "1-4094");
	expect_invalid(ARGV("--addr", "10.0.6.2/24,vlan="), "1-4094");
	expect_invalid(ARGV("--addr", "10.0.6.2/24,vlan=12x"), "1-4094");
	expect_invalid(ARGV("--addr", "10.0.6.2/24,"), "--addr");
	expect_invalid(ARGV("--addr", "10.0.6.2/24,prio=1"), "unknown attribute");
	expect_invalid(ARGV("--addr", "10.0.6.2/24,vlan=5,vlan=6"), "vlan= given twice");
	/* port=P: the port the address lives on, below TT_MAX_PORTS (8). */
	expect_invalid(ARGV("--addr", "10.0.6.2/24,port=8"), "port index below 8");
	expect_invalid(ARGV("--addr", "10.0.6.2/24,port=1,port=1"), "port= given twice");
	expect_invalid(ARGV("--addr", "10.0.6.2/24,port=1", "--addr", "10.0.6.9/24,port=0"),
		       "overlap");
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.0.6.2/24,port=1,vlan=9", "--addr",
					  "10.0.7.2/24", "--addr", "2001:2::2/64,port=1")), 0);
	assert_int_equal(cfg.addrs[0].port, 1);
	assert_int_equal(cfg.addrs[0].vlan, 9);
	assert_int_equal(cfg.addrs[1].port, -1);
	assert_int_equal(cfg.addrs6[0].port, 1);
	expect_invalid(ARGV("--addr", "10.0.6.2/24", "--addr", "10.0.6.2/24,vlan=5"),
		       "another prefix length, VLAN or port");
	expect_invalid(ARGV("--addr", "10.0.6.2/24", "--addr", "10.0.6.9/25,vlan=5"), "overlap");
	expect_invalid(ARGV("--addr", "2001:2::2/48,vlan=5", "--addr", "2001:2:0:1::2/64"),
		       "overlap");
	/* Disjoint subnets on different VLANs, and one subnet's two addresses on one VLAN. */
	assert_int_equal(parse(&cfg, ARGV("--addr", "10.0.6.2/24,vlan=5", "--addr",
					  "10.0.6.3/24,vlan=5", "--addr", "10.0.7.2/24")), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_linux),
		cmocka_unit_test(test_ipv6_keys),
		cmocka_unit_test(test_vlan_keys),
		cmocka_unit_test(test_defaults_other),
		cmocka_unit_test(test_shipped_file_is_defaults),
		cmocka_unit_test(test_buffer_triplets),
		cmocka_unit_test(test_challenge_ack_limit_key),
		cmocka_unit_test(test_args_spec_example),
		cmocka_unit_test(test_args_every_tunable),
		cmocka_unit_test(test_args_lists_and_forms),
		cmocka_unit_test(test_args_invalid),
		cmocka_unit_test(test_args_reentrant),
		cmocka_unit_test(test_args_help_version),
		cmocka_unit_test(test_file_values),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_file_missing),
		cmocka_unit_test(test_file_listeners),
		cmocka_unit_test(test_file_listener_sections_only),
		cmocka_unit_test(test_proxy_keys),
		cmocka_unit_test(test_proxy_invalid),
		cmocka_unit_test(test_file_repeated_addr),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_kernel_addr),
		cmocka_unit_test(test_kernel_addr_ports),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_validate_gateway),
		cmocka_unit_test(test_every_key_has_effect),
		cmocka_unit_test(test_set_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
