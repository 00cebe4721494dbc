/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /tcpterm/proxy (SPEC A2, O3): per proxy listener, its counters and each backend's
 * (connects ok and failed, active connections, bytes each way, up or skipped and for how
 * long), summed over workers, answered on the telemetry thread while workers run.
 *
 * The daemon registers it, not the engine: the per-worker blocks are the application's
 * (ctx->priv), which the engine cannot read. proxy_init adds each block to a list and
 * proxy_fini takes it off; the list is guarded by a lock taken only here and on those
 * control paths, never on the data path (rte_telemetry cannot unregister a command, so the
 * callback must find the list empty after shutdown). Each figure is read with a relaxed
 * load while its worker writes it: exact each, not one instant's set.
 *
 * Object shape, keyed by port (DPDK 22.11 lists cannot hold objects):
 *   { "8080": { "port", "balance", "pairs", clients..., "backends": { "0": { "addr",
 *     "weight", "state": "up"|"skipped", "skip_left_ms", "active", connects_ok... } } } }
 */
#include <stdbool.h>
#include <stdio.h>

#include <arpa/inet.h>

#include <rte_common.h>
#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "proxy.h"

static struct tt_proxy *proxies;   /* every worker's block of every proxy listener */
static rte_spinlock_t proxies_lock = RTE_SPINLOCK_INITIALIZER;
static bool registered;

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static void
backend_obj(struct rte_tel_data *o, uint16_t port, unsigned int i)
{
	const struct tt_backend *cfg = NULL;
	struct tt_proxy_be_stats sum = { 0 };
	uint64_t active = 0, skip_left = 0;
	char a[INET6_ADDRSTRLEN], addr[INET6_ADDRSTRLEN + 8];

	for (const struct tt_proxy *p = proxies; p != NULL; p = p->next) {
		uint64_t until, now;

		if (p->ctx->listen->port != port)
			continue;
		cfg = &p->ctx->listen->backends.b[i];
#define X(name, help) sum.name += LOAD(p->be_st[i].name);
		TT_PROXY_BE_STATS(X)
#undef X
		active += LOAD(p->bal.be[i].active);
		until = LOAD(p->bal.be[i].skip_until);
		now = LOAD(p->now_ms);
		if (until > now)
			skip_left = RTE_MAX(skip_left, until - now);
	}
	if (cfg == NULL)
		return;
	if (cfg->family == AF_INET6) {
		inet_ntop(AF_INET6, cfg->addr6, a, sizeof(a));
		snprintf(addr, sizeof(addr), "[%s]:%u", a, cfg->port);
	} else {
		inet_ntop(AF_INET, &cfg->addr, a, sizeof(a));
		snprintf(addr, sizeof(addr), "%s:%u", a, cfg->port);
	}
	rte_tel_data_add_dict_string(o, "addr", addr);
	rte_tel_data_add_dict_u64(o, "weight", cfg->weight);
	/* Skipped by at least one worker: each worker keeps its own passive-health view. */
	rte_tel_data_add_dict_string(o, "state", skip_left > 0 ? "skipped" : "up");
	rte_tel_data_add_dict_u64(o, "skip_left_ms", skip_left);
	rte_tel_data_add_dict_u64(o, "active", active);
#define X(name, help) rte_tel_data_add_dict_u64(o, #name, sum.name);
	TT_PROXY_BE_STATS(X)
#undef X
}

static void
listener_obj(struct rte_tel_data *o, const struct tt_proxy *first)
{
	const struct tt_listen_config *lc = first->ctx->listen;
	struct rte_tel_data *bes = rte_tel_data_alloc();
	struct tt_proxy_stats sum = { 0 };
	uint64_t pairs = 0;

	for (const struct tt_proxy *p = proxies; p != NULL; p = p->next) {
		if (p->ctx->listen->port != lc->port)
			continue;
#define X(name, help) sum.name += LOAD(p->st.name);
		TT_PROXY_STATS(X)
#undef X
		pairs += LOAD(p->pairs_used);
	}
	rte_tel_data_add_dict_u64(o, "port", lc->port);
	rte_tel_data_add_dict_string(o, "balance", tt_balance_name(lc->balance));
	rte_tel_data_add_dict_u64(o, "proxy_protocol", lc->proxy_protocol);
	rte_tel_data_add_dict_u64(o, "pairs", pairs);
#define X(name, help) rte_tel_data_add_dict_u64(o, #name, sum.name);
	TT_PROXY_STATS(X)
#undef X
	if (bes == NULL)
		return;
	rte_tel_data_start_dict(bes);
	for (unsigned int i = 0; i < lc->backends.n; i++) {
		struct rte_tel_data *b = rte_tel_data_alloc();
		char key[12];

		if (b == NULL)
			break;
		rte_tel_data_start_dict(b);
		backend_obj(b, lc->port, i);
		snprintf(key, sizeof(key), "%u", i);
		if (rte_tel_data_add_dict_container(bes, key, b, 0) != 0)
			rte_tel_data_free(b);
	}
	if (rte_tel_data_add_dict_container(o, "backends", bes, 0) != 0)
		rte_tel_data_free(bes);
}

static int
tel_proxy(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_spinlock_lock(&proxies_lock);
	for (const struct tt_proxy *p = proxies; p != NULL; p = p->next) {
		uint16_t port = p->ctx->listen->port;
		const struct tt_proxy *q;
		struct rte_tel_data *o;
		char key[8];

		/* One object per port, made at the port's first block in the list. */
		for (q = proxies; q != p && q->ctx->listen->port != port; q = q->next)
			;
		if (q != p)
			continue;
		o = rte_tel_data_alloc();
		if (o == NULL)
			break;
		rte_tel_data_start_dict(o);
		listener_obj(o, p);
		snprintf(key, sizeof(key), "%u", port);
		if (rte_tel_data_add_dict_container(d, key, o, 0) != 0)
			rte_tel_data_free(o);
	}
	rte_spinlock_unlock(&proxies_lock);
	return 0;
}

void
tt_proxy_telemetry_add(struct tt_proxy *p)
{
	struct tt_proxy **pp = &proxies;

	/* At the tail: ports come out in the configuration's order. */
	rte_spinlock_lock(&proxies_lock);
	while (*pp != NULL)
		pp = &(*pp)->next;
	p->next = NULL;
	*pp = p;
	rte_spinlock_unlock(&proxies_lock);
}

/* Whether or not a listener runs the proxy: an empty object then says there is none. */
void
tt_proxy_telemetry_register(void)
{
	if (registered)
		return;
	/* The help text must stay under RTE_TEL_MAX_STRING_LEN (128), or nothing registers. */
	registered = rte_telemetry_register_cmd("/tcpterm/proxy", tel_proxy,
		"tcpterm proxy listeners and backends, summed over workers. Takes no parameters") == 0;
	if (!registered)
		fprintf(stderr, "tcpterm: warning: /tcpterm/proxy not registered with telemetry\n");
}

void
tt_proxy_telemetry_del(struct tt_proxy *p)
{
	rte_spinlock_lock(&proxies_lock);
	for (struct tt_proxy **pp = &proxies; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	rte_spinlock_unlock(&proxies_lock);
}
