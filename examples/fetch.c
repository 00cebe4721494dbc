/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tt-fetch, the example of docs/APPLICATIONS.md: one connection opened with tt_app_connect,
 * a request written, our side half-closed, the answer printed until the peer closes. A
 * whole application on the public API only (include/tcpterm/):
 *
 *   tt-fetch [EAL options] -- --target A.B.C.D:PORT [--send TEXT] [--stats] [tcpterm options]
 *
 * TEXT may hold \r and \n escapes (default "GET / HTTP/1.0\r\n\r\n"). The tcpterm options
 * (--addr, --gateway, the tunables) set up the network as for the daemon. --stats prints a
 * few counters at the end (summed over workers, tt_engine_stats). Exit 0 when the
 * peer closed normally, 1 when the connection failed (refused, timed out, unreachable, reset).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include <tcpterm/tt_app.h>
#include <tcpterm/tt_config.h>
#include <tcpterm/tt_engine.h>
#include <tcpterm/tt_stats.h>

static struct tt_engine *engine;
static struct tt_endpoint target;
static char request[1024];
static size_t request_len;
static int exit_code = 1;

/* Worker 0 opens the one connection, once; the other workers (if any) do nothing. */
static void
fetch_poll(struct tt_app_ctx *ctx, uint64_t now_ms)
{
	static bool started;
	tt_conn_t c;
	int rc;

	(void)now_ms;
	if (started || ctx->worker != 0)
		return;
	started = true;
	rc = tt_app_connect(ctx, &target, 0, &c);
	if (rc != 0) {
		fprintf(stderr, "tt-fetch: connect: %s\n", strerror(-rc));
		tt_engine_stop(engine);
	}
}

/* The handshake is done: the request, then FIN (shutdown(SHUT_WR)); the answer still comes. */
static void
fetch_connected(struct tt_app_ctx *ctx, tt_conn_t c)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->pool);
	char *p = m != NULL ? rte_pktmbuf_append(m, (uint16_t)request_len) : NULL;

	if (p == NULL) {
		rte_pktmbuf_free(m);
		tt_app_abort(ctx, c);
		return;
	}
	memcpy(p, request, request_len);
	if (tt_app_send(ctx, c, m) != 0 || tt_app_shutdown(ctx, c) != 0)
		tt_app_abort(ctx, c);
}

static void
fetch_data(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m)
{
	(void)ctx;
	(void)c;
	for (struct rte_mbuf *s = m; s != NULL; s = s->next)
		fwrite(rte_pktmbuf_mtod(s, void *), 1, s->data_len, stdout);
	rte_pktmbuf_free(m);
}

static void
fetch_peer_closed(struct tt_app_ctx *ctx, tt_conn_t c)
{
	tt_app_close(ctx, c);
}

static void
fetch_closed(struct tt_app_ctx *ctx, tt_conn_t c, enum tt_close_reason why)
{
	(void)ctx;
	(void)c;
	fflush(stdout);
	if (why == TT_CLOSE_NORMAL)
		exit_code = 0;
	else
		fprintf(stderr, "tt-fetch: connection %s\n", tt_close_reason_name(why));
	tt_engine_stop(engine);
}

static const struct tt_app_ops fetch_ops = {
	.poll = fetch_poll,
	.connected = fetch_connected,
	.data = fetch_data,
	.peer_closed = fetch_peer_closed,
	.closed = fetch_closed,
};
static const struct tt_app_def fetch_app = { "fetch", &fetch_ops };

/* "\r" and "\n" written as two characters become the control characters. */
static size_t
unescape(char *dst, size_t cap, const char *src)
{
	size_t n = 0;

	for (; *src != '\0' && n < cap; src++) {
		if (src[0] == '\\' && (src[1] == 'r' || src[1] == 'n')) {
			dst[n++] = src[1] == 'r' ? '\r' : '\n';
			src++;
		} else {
			dst[n++] = *src;
		}
	}
	return n;
}

static int
parse_target(const char *s)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtol(colon + 1, NULL, 10);
	if (inet_pton(AF_INET, host, &target.addr) != 1 || port < 1 || port > 65535)
		return -1;
	target.port = (uint16_t)port;
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	if (engine != NULL)
		tt_engine_stop(engine);
}

int
main(int argc, char **argv)
{
	char err[512], *rest[256];
	struct tt_config cfg;
	int dash = argc, n_rest = 1, rc;
	const char *send = "GET / HTTP/1.0\\r\\n\\r\\n";
	bool have_target = false, stats = false;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dash = i;
			break;
		}
	/* Our two options out; the rest is tcpterm's (addresses, tunables). */
	rest[0] = argv[0];
	for (int i = dash + 1; i < argc && n_rest < 255; i++) {
		if (strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
			if (parse_target(argv[++i]) != 0) {
				fprintf(stderr, "tt-fetch: --target %s: expected A.B.C.D:PORT\n", argv[i]);
				return 2;
			}
			have_target = true;
		} else if (strcmp(argv[i], "--send") == 0 && i + 1 < argc) {
			send = argv[++i];
		} else if (strcmp(argv[i], "--stats") == 0) {
			stats = true;
		} else {
			rest[n_rest++] = argv[i];
		}
	}
	if (!have_target) {
		fprintf(stderr, "usage: tt-fetch [EAL options] -- --target A.B.C.D:PORT [--send TEXT] [tcpterm options]\n");
		return 2;
	}
	request_len = unescape(request, sizeof(request), send);
	tt_config_defaults(&cfg);
	rc = tt_config_parse_args(&cfg, n_rest, rest, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "tt-fetch: %s\n", rc == 1 ? "see tcpterm --help" : err);
		return rc == 1 ? 0 : 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (tt_eal_init(dash < argc ? dash : 1, argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "tt-fetch: %s\n", err);
		return 2;
	}
	engine = tt_engine_create_client(&cfg, &fetch_app, err, sizeof(err));
	if (engine == NULL) {
		fprintf(stderr, "tt-fetch: %s\n", err);
		tt_eal_cleanup();
		return 2;
	}
	rc = tt_engine_run(engine);
	if (stats) {
		static const enum tt_stat shown[] = {
			TT_STAT_ActiveOpens, TT_STAT_AttemptFails, TT_STAT_RetransSegs,
			TT_STAT_EthHandoffs,
		};
		uint64_t c[TT_STAT__COUNT];

		tt_engine_stats(engine, c);
		for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
			fprintf(stderr, "tt-fetch: %s %" PRIu64 "\n", tt_stat_info[shown[i]].name,
				c[shown[i]]);
	}
	tt_engine_free(engine);
	engine = NULL;
	tt_eal_cleanup();
	return rc != 0 ? 1 : exit_code;
}
