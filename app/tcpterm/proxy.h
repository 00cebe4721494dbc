/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy application's parts (SPEC A2), shared by its files and never installed:
 *   proxy_balance.c    which backend a new client goes to (no DPDK: unit-tested alone)
 *   proxy_header.c     the PROXY protocol v1/v2 headers (no DPDK: unit-tested alone)
 *   app_proxy.c        the application: pairs of connections, splice, retry, half-close
 *   proxy_telemetry.c  /tcpterm/proxy: per-backend counters summed over workers
 */
#ifndef TCPTERM_PROXY_H
#define TCPTERM_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include <tcpterm/tt_app.h>
#include <tcpterm/tt_config.h>

/*
 * Balancer of one listener on one worker. Workers do not share it (no locks on the data
 * path): each balances its own clients, so weights hold per worker and in the sum, and a
 * backend one worker found dead is skipped by that worker only, until its own connect
 * there fails too.
 */
struct tt_proxy_bal {
	uint32_t n;
	uint32_t method;               /* enum tt_balance */
	struct tt_proxy_bal_be {
		uint32_t weight;
		int32_t current;       /* smooth round robin's running weight */
		uint32_t active;       /* connections open or opening to it (leastconn) */
		uint64_t hkey;         /* its address and port, mixed into the source hash */
		uint64_t skip_until;   /* ms, the worker's clock: skipped while now is before */
	} be[TT_MAX_BACKENDS];
};

void tt_proxy_bal_init(struct tt_proxy_bal *b, const struct tt_listen_config *lc);

/*
 * The backend for a client at client_addr (network order; used by source only), among
 * those whose bit in tried is clear. Backends skipped at now_ms are passed over while
 * any other is left; when only skipped ones are, the one whose skip ends first is tried
 * (a skip is a guess from one failure: refusing a client without trying anything would be
 * worse). -1 when every backend was tried.
 */
int tt_proxy_bal_pick(struct tt_proxy_bal *b, uint32_t tried, uint32_t client_addr,
		      uint64_t now_ms);

/* A connect to backend i failed at now_ms: skip it for skip_s seconds (0: never). */
void tt_proxy_bal_fail(struct tt_proxy_bal *b, unsigned int i, uint64_t now_ms,
		       uint32_t skip_s);

/* True while backend i is skipped. */
static inline int
tt_proxy_bal_skipped(const struct tt_proxy_bal *b, unsigned int i, uint64_t now_ms)
{
	return now_ms < b->be[i].skip_until;
}

/*
 * PROXY protocol headers (HAProxy's proxy-protocol.txt, versions 1 and 2) for a TCP
 * connection over IPv4 from src (the client) to dst (the address and port it reached).
 * Written to buf; the length, or -ENOSPC when len is too small.
 */
#define TT_PROXY_V1_MAX 108   /* the longest v1 line the specification allows, with CRLF */
#define TT_PROXY_V2_LEN 28    /* 16-byte header and the 12-byte IPv4 address block */
#define TT_PROXY_V2_LEN6 52   /* and with the 36-byte IPv6 one */
int tt_proxy_hdr_v1(char *buf, size_t len, const struct tt_endpoint *src,
		    const struct tt_endpoint *dst);
int tt_proxy_hdr_v2(uint8_t *buf, size_t len, const struct tt_endpoint *src,
		    const struct tt_endpoint *dst);

/*
 * Per-backend counters of one worker, one X-macro list for the struct and the telemetry
 * export (STYLE habit 5). The worker bumps its own copy; telemetry sums them.
 */
#define TT_PROXY_BE_STATS(X) \
	X(connects_ok,        "handshakes with the backend completed") \
	X(connects_failed,    "connects refused, timed out or unreachable") \
	X(bytes_to_backend,   "client bytes passed to the backend") \
	X(bytes_from_backend, "backend bytes passed to the client")

struct tt_proxy_be_stats {
#define X(name, help) uint64_t name;
	TT_PROXY_BE_STATS(X)
#undef X
};

/* Per-listener counters of one worker. */
#define TT_PROXY_STATS(X) \
	X(clients,       "clients accepted") \
	X(no_backend,    "clients reset: every backend failed or none could be tried") \
	X(table_full,    "clients reset: the worker's table of pairs was full") \
	X(retries,       "connects to a next backend after one failed")

struct tt_proxy_stats {
#define X(name, help) uint64_t name;
	TT_PROXY_STATS(X)
#undef X
};

struct tt_proxy_pair;

/* The proxy of one listener on one worker: ctx->priv. */
struct tt_proxy {
	struct tt_app_ctx *ctx;
	uint64_t now_ms;                  /* the worker's clock at its last poll */
	struct tt_proxy_bal bal;
	struct tt_proxy_stats st;
	struct tt_proxy_be_stats be_st[TT_MAX_BACKENDS];
	uint32_t n_pairs, n_free, pairs_used;
	uint32_t *free;                   /* LIFO of free pair indices */
	struct tt_proxy_pair *pairs;
	struct tt_proxy *next;            /* proxy_telemetry.c's list */
};

/* Register /tcpterm/proxy (after EAL's init); make p visible to it, and hide it again. */
void tt_proxy_telemetry_register(void);
void tt_proxy_telemetry_add(struct tt_proxy *p);
void tt_proxy_telemetry_del(struct tt_proxy *p);

#endif /* TCPTERM_PROXY_H */
