/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands (SPEC O3), answered on the telemetry thread while workers run:
 *   /tcpterm/stats[,W]  counters summed over workers (or worker W's), plus NIC counters
 *                       under ethdev's own names (ipackets, imissed, ...)
 *   /tcpterm/config     effective configuration, "key": "value", listeners by port
 *   /tcpterm/workers    by worker id: lcore, busy and total cycles, pools in use against
 *                       capacity (mbufs, TCBs, SYN queue and TIME_WAIT entries), memory level
 *   /tcpterm/listeners  by port: the ss -lnt view (Q5), per worker too (Q6)
 *   /tcpterm/conns      flows per TCP state
 *   /tcpterm/addrs      our addresses, "ip addr" style: family, scope, port of a link-local
 *                       one, and an IPv6 address's DAD state (tentative, preferred,
 *                       duplicate: Linux's dadfailed)
 *   /tcpterm/sockets[,N] the first N (default 32) connections past SYN_RECV, ss -ti style:
 *                       state, queues, cwnd, ssthresh, RTT, RTO, in flight, SACKed, lost,
 *                       retransmitted (read without a lock: a live view, each field as the
 *                       worker last wrote it)
 *   /tcpterm/set[,KEY,VALUE]
 *                       the keys settable while running and their values; with
 *                       parameters, first sets one (tt_config_set_live), logged
 *   /tcpterm/impair[,rx|tx,[PORT:]SPEC]
 *                       each port's impairment and the seed; with parameters, first sets
 *                       one direction of one port (or of every port) (tt_impair.h)
 * rte_telemetry has no way to unregister a command, so the engine pointer is guarded by a
 * mutex taken only here and at shutdown, never on the data path.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "../tcp/tcp_conn.h"
#include "../dp/tt_log.h"
#include "../util/tt_in6.h"
#include "tt_engine_priv.h"

static struct tt_engine *tel_engine;
/* A mutex, not a spinlock: /tcpterm/set allocates and waits for the workers under it. */
static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static bool tel_registered;

static void
add_nic_counters(const struct tt_engine *e, struct rte_tel_data *d)
{
	struct rte_eth_stats sum = { 0 };

	for (uint16_t i = 0; i < e->n_ports; i++) {
		struct rte_eth_stats es;

		if (rte_eth_stats_get(e->ports[i].port_id, &es) != 0)
			continue;
		sum.ipackets += es.ipackets;
		sum.opackets += es.opackets;
		sum.ibytes += es.ibytes;
		sum.obytes += es.obytes;
		sum.imissed += es.imissed;
		sum.ierrors += es.ierrors;
		sum.oerrors += es.oerrors;
		sum.rx_nombuf += es.rx_nombuf;
	}
	rte_tel_data_add_dict_u64(d, "ipackets", sum.ipackets);
	rte_tel_data_add_dict_u64(d, "opackets", sum.opackets);
	rte_tel_data_add_dict_u64(d, "ibytes", sum.ibytes);
	rte_tel_data_add_dict_u64(d, "obytes", sum.obytes);
	rte_tel_data_add_dict_u64(d, "imissed", sum.imissed);
	rte_tel_data_add_dict_u64(d, "ierrors", sum.ierrors);
	rte_tel_data_add_dict_u64(d, "oerrors", sum.oerrors);
	rte_tel_data_add_dict_u64(d, "rx_nombuf", sum.rx_nombuf);
}

static int
show_stats(const struct tt_engine *e, const char *params, struct rte_tel_data *d)
{
	uint64_t c[TT_STAT__COUNT];

	if (params != NULL && *params != '\0') {
		char *end;
		unsigned long id = strtoul(params, &end, 10);

		if (*end != '\0' || id >= e->n_workers)
			return -EINVAL;
		for (unsigned int i = 0; i < TT_STAT__COUNT; i++)
			c[i] = tt_stats_read(&e->workers[id]->stats, i);
	} else {
		tt_engine_stats(e, c);
	}
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < TT_STAT__COUNT; i++)
		rte_tel_data_add_dict_u64(d, tt_stat_info[i].name, c[i]);
	if (params == NULL || *params == '\0')
		add_nic_counters(e, d);
	return 0;
}

/*
 * DPDK 22.11 telemetry accepts only [A-Za-z0-9_/] in names and no objects inside lists, so
 * the configuration is flat (key names are unique across sections) with the listeners as
 * an object keyed by port: {"syncookies": "1", ..., "listeners": {"80": {"app": "http"}}}.
 */
struct config_walk {
	struct rte_tel_data *top;
	struct rte_tel_data *listeners;
	struct rte_tel_data *cur;     /* the listener being filled */
	char cur_port[8];
};

static void
config_flush_listener(struct config_walk *cw)
{
	if (cw->cur == NULL)
		return;
	if (rte_tel_data_add_dict_container(cw->listeners, cw->cur_port, cw->cur, 0) != 0)
		rte_tel_data_free(cw->cur);
	cw->cur = NULL;
}

static void
config_entry(void *arg, const char *section, const char *key, const char *value)
{
	struct config_walk *cw = arg;

	if (strncmp(section, "listen ", 7) != 0) {
		rte_tel_data_add_dict_string(cw->top, key, value);
		return;
	}
	if (cw->cur == NULL || strcmp(cw->cur_port, section + 7) != 0) {
		config_flush_listener(cw);
		cw->cur = rte_tel_data_alloc();
		if (cw->cur == NULL)
			return;
		rte_tel_data_start_dict(cw->cur);
		snprintf(cw->cur_port, sizeof(cw->cur_port), "%s", section + 7);
	}
	rte_tel_data_add_dict_string(cw->cur, key, value);
}

static int
show_config(const struct tt_engine *e, const char *params, struct rte_tel_data *d)
{
	struct config_walk cw = { .top = d };

	(void)params;
	cw.listeners = rte_tel_data_alloc();
	if (cw.listeners == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_start_dict(cw.listeners);
	tt_config_visit(&e->cfg, config_entry, &cw);
	config_flush_listener(&cw);
	if (rte_tel_data_add_dict_container(d, "listeners", cw.listeners, 0) != 0)
		rte_tel_data_free(cw.listeners);
	return 0;
}

static uint64_t
objpool_used(const struct tt_objpool *p)
{
	/* Index 0 is never handed out; the worker writes n_free, read here without a lock. */
	return p->size - 1 - __atomic_load_n(&p->n_free, __ATOMIC_RELAXED);
}

const char *const tt_mem_level_name[3] = { "ok", "pressure", "critical" };

void
tt_worker_pools_read(const struct tt_worker *w, struct tt_worker_pools *p)
{
	const struct tt_tcp *t = w->tcp;

	memset(p, 0, sizeof(*p));
	p->mbufs = w->pool->size;
	p->mbufs_used = w->pool->size - rte_mempool_avail_count(w->pool);
	if (t == NULL)
		return;
	p->tcp = true;
	p->mbufs_held = __atomic_load_n(&t->mem.held, __ATOMIC_RELAXED);
	p->mem_pressure = t->mem.pressure;
	p->mem_max = t->mem.max;
	p->mem_level = __atomic_load_n(&t->mem.level, __ATOMIC_RELAXED) % 3;
	p->conns = t->conns.size - 1;
	p->conns_used = objpool_used(&t->conns);
	p->reqs = t->reqs.size - 1;
	p->reqs_used = objpool_used(&t->reqs);
	p->tws = t->tws.size - 1;
	p->tws_used = objpool_used(&t->tws);
}

void
tt_listener_queues_read(const struct tt_listener *l, struct tt_listener_queues *q)
{
	/* The limits move with tcpterm-ctl set (tt_tcp_retune): the worker stores them. */
	q->recv_q = rte_ring_count(l->acceptq);
	q->send_q = __atomic_load_n(&l->accept_max, __ATOMIC_RELAXED);
	q->syn_q = __atomic_load_n(&l->syn_q, __ATOMIC_RELAXED);
	q->syn_q_max = __atomic_load_n(&l->syn_q_max, __ATOMIC_RELAXED);
}

/* SPEC O9, R2: each pool of the worker in use against its capacity, and its memory level. */
static void
worker_pools(const struct tt_worker *w, struct rte_tel_data *o)
{
	struct tt_worker_pools p;

	tt_worker_pools_read(w, &p);
	rte_tel_data_add_dict_u64(o, "mbufs", p.mbufs);
	rte_tel_data_add_dict_u64(o, "mbufs_used", p.mbufs_used);
	if (!p.tcp)
		return;
	rte_tel_data_add_dict_u64(o, "mbufs_held", p.mbufs_held);
	rte_tel_data_add_dict_u64(o, "mem_pressure", p.mem_pressure);
	rte_tel_data_add_dict_u64(o, "mem_max", p.mem_max);
	rte_tel_data_add_dict_string(o, "mem_level", tt_mem_level_name[p.mem_level]);
	rte_tel_data_add_dict_u64(o, "conns", p.conns);
	rte_tel_data_add_dict_u64(o, "conns_used", p.conns_used);
	rte_tel_data_add_dict_u64(o, "reqs", p.reqs);
	rte_tel_data_add_dict_u64(o, "reqs_used", p.reqs_used);
	rte_tel_data_add_dict_u64(o, "tws", p.tws);
	rte_tel_data_add_dict_u64(o, "tws_used", p.tws_used);
}

/*
 * busy_cycles by layer (the layer_cycles tunable), flat ("layer_cycles_rx": n, ...): 22.11
 * telemetry does not print a container inside a container.
 */
static void
worker_layers(const struct tt_worker *w, struct rte_tel_data *o)
{
	static const char *const names[TT_LAYER__COUNT] = {
#define TT_LAYER_NAME(nm, help) [TT_LAYER_##nm] = "layer_cycles_" #nm,
		TT_WORKER_LAYERS(TT_LAYER_NAME)
#undef TT_LAYER_NAME
	};

	for (unsigned int i = 0; i < TT_LAYER__COUNT; i++)
		rte_tel_data_add_dict_u64(o, names[i],
					  __atomic_load_n(&w->layer_cycles[i], __ATOMIC_RELAXED));
}

static int
show_workers(const struct tt_engine *e, const char *params, struct rte_tel_data *d)
{
	(void)params;
	/* An object keyed by worker id: 22.11 lists cannot hold objects. */
	rte_tel_data_start_dict(d);
	for (uint16_t i = 0; i < e->n_workers; i++) {
		const struct tt_worker *w = e->workers[i];
		struct rte_tel_data *o = rte_tel_data_alloc();
		char id[8];

		if (o == NULL)
			break;
		rte_tel_data_start_dict(o);
		rte_tel_data_add_dict_u64(o, "lcore", w->lcore);
		rte_tel_data_add_dict_u64(o, "busy_cycles",
					  __atomic_load_n(&w->busy_cycles, __ATOMIC_RELAXED));
		rte_tel_data_add_dict_u64(o, "total_cycles",
					  __atomic_load_n(&w->total_cycles, __ATOMIC_RELAXED));
		rte_tel_data_add_dict_u64(o, "polls",
					  __atomic_load_n(&w->polls, __ATOMIC_RELAXED));
		rte_tel_data_add_dict_u64(o, "busy_polls",
					  __atomic_load_n(&w->busy_polls, __ATOMIC_RELAXED));
		if (w->layer_on)
			worker_layers(w, o);
		worker_pools(w, o);
		snprintf(id, sizeof(id), "%u", w->id);
		if (rte_tel_data_add_dict_container(d, id, o, 0) != 0)
			rte_tel_data_free(o);
	}
	return 0;
}

static void
listener_fields(struct rte_tel_data *o, uint16_t port, uint64_t recv_q, uint64_t send_q,
		uint64_t syn_q, uint64_t syn_q_max)
{
	rte_tel_data_add_dict_u64(o, "port", port);
	rte_tel_data_add_dict_u64(o, "recv_q", recv_q);
	rte_tel_data_add_dict_u64(o, "send_q", send_q);
	rte_tel_data_add_dict_u64(o, "syn_q", syn_q);
	rte_tel_data_add_dict_u64(o, "syn_q_max", syn_q_max);
}

/*
 * The ss -lnt view (SPEC Q5, O3): per port, Recv-Q = connections waiting in the accept
 * queues, Send-Q = their capacity, and the SYN queues, summed over workers (Q6) with the
 * per-worker breakdown. An object keyed by port rather than a list: 22.11 lists cannot
 * hold objects. Counts read while workers run are each exact, not one instant's snapshot.
 */
static int
show_listeners(const struct tt_engine *e, const char *params, struct rte_tel_data *d)
{
	(void)params;
	rte_tel_data_start_dict(d);
	for (uint32_t li = 0; li < e->cfg.n_listeners; li++) {
		struct rte_tel_data *o = rte_tel_data_alloc(), *ws = rte_tel_data_alloc();
		uint64_t recv_q = 0, send_q = 0, syn_q = 0, syn_q_max = 0;
		char key[8];

		if (o == NULL || ws == NULL) {
			rte_tel_data_free(o);
			rte_tel_data_free(ws);
			break;
		}
		rte_tel_data_start_dict(o);
		rte_tel_data_start_dict(ws);
		for (uint16_t i = 0; i < e->n_workers; i++) {
			const struct tt_tcp *t = e->workers[i]->tcp;
			const struct tt_listener *l = &t->listeners[li];
			struct rte_tel_data *wo = rte_tel_data_alloc();
			struct tt_listener_queues q;

			tt_listener_queues_read(l, &q);
			recv_q += q.recv_q;
			send_q += q.send_q;
			syn_q += q.syn_q;
			syn_q_max += q.syn_q_max;
			if (wo == NULL)
				continue;
			rte_tel_data_start_dict(wo);
			listener_fields(wo, l->port, q.recv_q, q.send_q, q.syn_q, q.syn_q_max);
			snprintf(key, sizeof(key), "%u", i);
			if (rte_tel_data_add_dict_container(ws, key, wo, 0) != 0)
				rte_tel_data_free(wo);
		}
		listener_fields(o, e->cfg.listeners[li].port, recv_q, send_q, syn_q, syn_q_max);
		if (rte_tel_data_add_dict_container(o, "workers", ws, 0) != 0)
			rte_tel_data_free(ws);
		snprintf(key, sizeof(key), "%u", e->cfg.listeners[li].port);
		if (rte_tel_data_add_dict_container(d, key, o, 0) != 0)
			rte_tel_data_free(o);
	}
	return 0;
}

/* Flows per TCP state, keyed by Linux's state names (SPEC O3). */
static int
show_conns(const struct tt_engine *e, const char *params, struct rte_tel_data *d)
{
	static const enum tt_tcp_state shown[] = {
		TT_TCPS_SYN_SENT, TT_TCPS_SYN_RECV, TT_TCPS_ESTABLISHED, TT_TCPS_FIN_WAIT_1,
		TT_TCPS_FIN_WAIT_2, TT_TCPS_CLOSE_WAIT, TT_TCPS_CLOSING, TT_TCPS_LAST_ACK,
		TT_TCPS_TIME_WAIT,
	};
	uint64_t n[16];

	(void)params;
	tt_engine_conn_states(e, n);
	rte_tel_data_start_dict(d);
	for (size_t i = 0; i < RTE_DIM(shown); i++)
		rte_tel_data_add_dict_u64(d, tt_tcp_state_name[shown[i]], n[shown[i]]);
	return 0;
}

/*
 * One address, under its index: DPDK 22.11 keeps dictionaries out of arrays, and keys to
 * letters, digits, '_' and '/'.
 */
static void
addr_add(struct rte_tel_data *d, unsigned int index, const char *addr, const char *family,
	 const char *scope, int port, unsigned int vlan, const char *state)
{
	char key[16];
	struct rte_tel_data *o = rte_tel_data_alloc();

	if (o == NULL)
		return;
	rte_tel_data_start_dict(o);
	rte_tel_data_add_dict_string(o, "addr", addr);
	rte_tel_data_add_dict_string(o, "family", family);
	rte_tel_data_add_dict_string(o, "scope", scope);
	if (port >= 0)
		rte_tel_data_add_dict_u64(o, "port", (uint64_t)port);
	if (vlan != 0)
		rte_tel_data_add_dict_u64(o, "vlan", vlan);
	rte_tel_data_add_dict_string(o, "state", state);
	snprintf(key, sizeof(key), "%u", index);
	if (rte_tel_data_add_dict_container(d, key, o, 0) != 0)
		rte_tel_data_free(o);
}

static int
show_addrs(const struct tt_engine *e, const char *params, struct rte_tel_data *d)
{
	static const char *const state[] = {
		[TT_ADDR6_TENTATIVE] = "tentative", [TT_ADDR6_PREFERRED] = "preferred",
		[TT_ADDR6_DUPLICATE] = "duplicate",
	};
	const struct tt_net *net = &e->net;
	char a[INET6_ADDRSTRLEN], key[INET6_ADDRSTRLEN + 8];

	(void)params;
	rte_tel_data_start_dict(d);
	for (uint32_t i = 0; i < net->n_addrs; i++) {
		snprintf(key, sizeof(key), "%s/%u", inet_ntop(AF_INET, &net->addrs[i], a, sizeof(a)),
			 net->prefix_len[i]);
		addr_add(d, i, key, "inet", "global", net->addr_port[i], net->addr_vlan[i], "preferred");
	}
	for (uint32_t i = 0; i < net->n_addrs6; i++) {
		const struct tt_addr6 *x = &net->addrs6[i];

		snprintf(key, sizeof(key), "%s/%u", inet_ntop(AF_INET6, x->a, a, sizeof(a)), x->len);
		addr_add(d, net->n_addrs + i, key, "inet6",
			 tt_in6_is_link_local(x->a) ? "link" : "global", x->port,
			 x->vlan, state[tt_addr6_state_get(net, i)]);
	}
	return 0;
}

static void
impair_show(struct tt_engine *e, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "seed", tt_impair_shared_seed(&e->impair));
	for (uint16_t pi = 0; pi < e->n_ports; pi++) {
		struct rte_tel_data *o = rte_tel_data_alloc();
		char key[8], spec[TT_IMPAIR_SPEC_LEN];

		if (o == NULL)
			break;
		rte_tel_data_start_dict(o);
		for (unsigned int dir = 0; dir < TT_IMPAIR__DIRS; dir++) {
			struct tt_impair_conf c;

			tt_impair_shared_get(&e->impair, pi, dir, &c);
			tt_impair_format(&c, spec, sizeof(spec));
			rte_tel_data_add_dict_string(o, dir == TT_IMPAIR_RX ? "rx" : "tx", spec);
		}
		snprintf(key, sizeof(key), "%u", pi);
		if (rte_tel_data_add_dict_container(d, key, o, 0) != 0)
			rte_tel_data_free(o);
	}
}

/* "rx|tx[, ]{PORT:}SPEC": 0, or -EINVAL with the reason in err. */
static int
impair_set(struct tt_engine *e, const char *params, char *err, size_t errlen)
{
	const char *spec = params + strcspn(params, ", ");
	uint16_t first = 0, last = e->n_ports - 1;
	struct tt_impair_conf c;
	enum tt_impair_dir_id dir;
	const char *colon;

	if (strncmp(params, "rx", 2) == 0 && spec == params + 2)
		dir = TT_IMPAIR_RX;
	else if (strncmp(params, "tx", 2) == 0 && spec == params + 2)
		dir = TT_IMPAIR_TX;
	else {
		snprintf(err, errlen, "expected rx or tx, then [PORT:]SPEC (e.g. rx,loss=1%%)");
		return -EINVAL;
	}
	spec += strspn(spec, ", ");
	colon = strchr(spec, ':');
	if (colon != NULL) {
		char *end;
		unsigned long pi = strtoul(spec, &end, 10);

		if (end != colon || spec == colon || pi >= e->n_ports) {
			snprintf(err, errlen, "'%.*s': no such port (0..%u)", (int)(colon - spec), spec,
				 e->n_ports - 1);
			return -EINVAL;
		}
		first = last = (uint16_t)pi;
		spec = colon + 1;
	}
	if (tt_impair_parse(spec, &c, err, errlen) != 0)
		return -EINVAL;
	for (uint16_t pi = first; pi <= last; pi++) {
		tt_impair_shared_set(&e->impair, pi, dir, &c);
		e->cfg.impair[pi][dir] = c;      /* what /tcpterm/config shows */
	}
	TT_LOG(NOTICE, core, "set impair_%s %s (telemetry)", dir == TT_IMPAIR_RX ? "rx" : "tx",
	       params + strcspn(params, ", ") + strspn(params + strcspn(params, ", "), ", "));
	return 0;
}

/*
 * A command that changes something when given parameters: the change's own reply, or its
 * refusal as {"error": "..."} (tcpterm-ctl prints that line and exits 2); without
 * parameters, the view.
 */
static int
tel_change(int (*change)(struct tt_engine *e, const char *params, struct rte_tel_data *d,
			 char *err, size_t errlen),
	   void (*show)(struct tt_engine *e, struct rte_tel_data *d), const char *params,
	   struct rte_tel_data *d)
{
	char err[256];
	int rc = -ENODEV;

	pthread_mutex_lock(&tel_lock);
	if (tel_engine != NULL) {
		rc = 0;
		if (params == NULL || *params == '\0') {
			show(tel_engine, d);
		} else if (change(tel_engine, params, d, err, sizeof(err)) != 0) {
			rte_tel_data_start_dict(d);
			rte_tel_data_add_dict_string(d, "error", err);
		}
	}
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

static int
impair_change(struct tt_engine *e, const char *params, struct rte_tel_data *d, char *err,
	      size_t errlen)
{
	int rc = impair_set(e, params, err, errlen);

	if (rc == 0)
		impair_show(e, d);
	return rc;
}

static int
tel_impair(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return tel_change(impair_change, impair_show, params, d);
}

/*
 * A set returns once every worker has taken the change (tt_tcp_retune), so the next
 * segment a client sends after tcpterm-ctl set meets the new limits. A worker that does
 * not run (a host pause, the engine stopping) is waited for TT_LIVE_WAIT_MS at most, and
 * the reply says so.
 */
#define TT_LIVE_WAIT_MS 200

static void
live_wait(const struct tt_engine *e, char *desc, size_t len)
{
	uint32_t gen = __atomic_load_n(&e->cfg.live_gen, __ATOMIC_RELAXED);

	for (unsigned int ms = 0;; ms++) {
		uint16_t behind = 0;

		for (uint16_t i = 0; i < e->n_workers; i++)
			behind += e->workers[i]->tcp != NULL &&
				  __atomic_load_n(&e->workers[i]->tcp->live_gen,
						  __ATOMIC_ACQUIRE) != gen;
		if (behind == 0)
			return;
		if (ms == TT_LIVE_WAIT_MS) {
			size_t n = strlen(desc);

			snprintf(desc + n, len - n, " (%u of %u workers not there yet after %u ms)",
				 behind, e->n_workers, TT_LIVE_WAIT_MS);
			return;
		}
		rte_delay_us_sleep(1000);
	}
}

/* DPDK 22.11 telemetry takes no '.' in a name: listen.80.backlog goes as listen/80/backlog. */
static void
live_entry(void *arg, const char *section, const char *key, const char *value)
{
	char name[64];

	(void)section;
	snprintf(name, sizeof(name), "%s", key);
	for (char *c = name; *c != '\0'; c++)
		if (*c == '.')
			*c = '/';
	rte_tel_data_add_dict_string(arg, name, value);
}

/*
 * "KEY,VALUE" (the value may hold commas: an impairment): tcpterm-ctl set, the sysctl -w
 * of an operator under attack. The running configuration's live keys change with single
 * 32-bit stores (tt_config_publish_live); every change is logged.
 */
static int
live_set(struct tt_engine *e, const char *params, struct rte_tel_data *d, char *err,
	 size_t errlen)
{
	char key[64], desc[160];
	const char *comma = strchr(params, ',');
	struct tt_config *next;
	int rc;

	if (comma == NULL || comma == params || comma[1] == '\0') {
		snprintf(err, errlen, "expected KEY,VALUE (tcpterm-ctl set KEY VALUE)");
		return -EINVAL;
	}
	if ((size_t)(comma - params) >= sizeof(key)) {
		snprintf(err, errlen, "%.*s...: no such key (too long)", 24, params);
		return -ENOENT;
	}
	memcpy(key, params, comma - params);
	key[comma - params] = '\0';
	if (strcmp(key, "impair_rx") == 0 || strcmp(key, "impair_tx") == 0) {
		char spec[TT_IMPAIR_SPEC_LEN + 16];

		snprintf(spec, sizeof(spec), "%s,%s", key + 7, comma + 1);
		rc = impair_set(e, spec, err, errlen);
		if (rc == 0)
			snprintf(desc, sizeof(desc), "%s -> %s", key, comma + 1);
	} else {
		next = malloc(sizeof(*next));
		if (next == NULL) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		*next = e->cfg;
		rc = tt_config_set_live(next, key, comma + 1, desc, sizeof(desc), err, errlen);
		if (rc == 0)
			rc = tt_tcp_live_check(&e->cfg_start, next, err, errlen);
		if (rc == 0) {
			tt_config_publish_live(&e->cfg, next);
			TT_LOG(NOTICE, core, "set %s (telemetry)", desc);
			live_wait(e, desc, sizeof(desc));
		}
		free(next);
	}
	if (rc == 0) {
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "set", desc);
	}
	return rc;
}

static void
live_show(struct tt_engine *e, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	tt_config_visit_live(&e->cfg, live_entry, d);
}


static int
tel_set(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return tel_change(live_set, live_show, params, d);
}

static const char *const ca_state_name[] = { "open", "disorder", "recovery", "loss" };

#define RD(f) __atomic_load_n(&c->f, __ATOMIC_RELAXED)

/* "A.B.C.D:PORT", or ss's "[X:X::X]:PORT" for an IPv6 flow (the worker's remote address table). */
static void
endpoint_format(const struct tt_engine *e, const struct tt_tcp *t, const struct tt_flow *f,
		bool local, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	uint16_t port = rte_be_to_cpu_16(local ? f->lport : f->rport);

	if (!tt_flow_is_v6(f)) {
		uint32_t ip = local ? f->laddr : f->raddr;

		snprintf(buf, len, "%s:%u", inet_ntop(AF_INET, &ip, a, sizeof(a)), port);
		return;
	}
	if (local && tt_flow_l6_index(f) < e->net.n_addrs6)
		inet_ntop(AF_INET6, e->net.addrs6[tt_flow_l6_index(f)].a, a, sizeof(a));
	else if (!local && t->in6.e != NULL && f->raddr < t->in6.size)
		inet_ntop(AF_INET6, tt_in6_addr(t, f->raddr), a, sizeof(a));
	else
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "[%s]:%u", a, port);
}

static void
socket_fields(struct rte_tel_data *o, const struct tt_engine *e, const struct tt_tcp *t,
	      const struct tt_conn *c, uint16_t worker)
{
	char a[INET6_ADDRSTRLEN + 8], b[INET6_ADDRSTRLEN + 8];
	struct tt_flow f = { .raddr = RD(flow.raddr), .laddr = RD(flow.laddr),
			     .rport = RD(flow.rport), .lport = RD(flow.lport) };
	uint8_t st = RD(state), ca = RD(ca_state);

	endpoint_format(e, t, &f, true, a, sizeof(a));
	endpoint_format(e, t, &f, false, b, sizeof(b));
	rte_tel_data_add_dict_string(o, "local", a);
	rte_tel_data_add_dict_string(o, "peer", b);
	rte_tel_data_add_dict_u64(o, "worker", worker);
	rte_tel_data_add_dict_string(o, "state", st < TT_TCPS__COUNT ? tt_tcp_state_name[st] : "?");
	rte_tel_data_add_dict_string(o, "ca_state", ca < RTE_DIM(ca_state_name) ?
				     ca_state_name[ca] : "?");
	rte_tel_data_add_dict_u64(o, "mss", RD(mss));
	rte_tel_data_add_dict_u64(o, "pmtu", RD(pmtu));
	rte_tel_data_add_dict_u64(o, "cwnd", RD(cwnd));
	rte_tel_data_add_dict_u64(o, "ssthresh", RD(ssthresh));
	rte_tel_data_add_dict_u64(o, "rtt_ms", RD(srtt8) >> 3);
	rte_tel_data_add_dict_u64(o, "rttvar_ms", RD(rttvar4) >> 2);
	rte_tel_data_add_dict_u64(o, "rto_ms", RD(rto));
	rte_tel_data_add_dict_u64(o, "backoff", RD(backoff));
	rte_tel_data_add_dict_u64(o, "in_flight", tt_recovery_in_flight(c));
	rte_tel_data_add_dict_u64(o, "sacked", RD(sacked_bytes));
	rte_tel_data_add_dict_u64(o, "lost", RD(lost_bytes));
	rte_tel_data_add_dict_u64(o, "retrans", RD(retrans_bytes));
	rte_tel_data_add_dict_u64(o, "snd_wnd", RD(snd_wnd));
	rte_tel_data_add_dict_u64(o, "rcv_wnd", RD(rcv_wnd));
	rte_tel_data_add_dict_u64(o, "rcvbuf", RD(rcvbuf));
	rte_tel_data_add_dict_u64(o, "sndbuf", RD(sndbuf));
	rte_tel_data_add_dict_u64(o, "rcv_rtt_ms", RD(rcv_rtt8) >> 3);
	rte_tel_data_add_dict_u64(o, "send_q", RD(sndq_len));
	rte_tel_data_add_dict_u64(o, "recv_q", RD(rcvq_len));
	rte_tel_data_add_dict_u64(o, "ofo_bufs", RD(ooq_bufs));
	rte_tel_data_add_dict_u64(o, "snd_una", RD(snd_una));
	rte_tel_data_add_dict_u64(o, "snd_nxt", RD(snd_nxt));
	rte_tel_data_add_dict_u64(o, "snd_max", RD(snd_max));
	rte_tel_data_add_dict_u64(o, "rcv_nxt", RD(rcv_nxt));
}

static int
show_sockets(const struct tt_engine *e, const char *params, struct rte_tel_data *d)
{
	unsigned long max = 32;
	unsigned int n = 0;

	if (params != NULL && *params != '\0') {
		char *end;

		max = strtoul(params, &end, 10);
		if (*end != '\0' || max == 0 || max > 256)
			return -EINVAL;
	}
	rte_tel_data_start_dict(d);
	for (uint16_t wi = 0; wi < e->n_workers && n < max; wi++) {
		const struct tt_tcp *t = e->workers[wi]->tcp;

		for (uint32_t i = 1; t != NULL && i < t->conns.size && n < max; i++) {
			const struct tt_conn *c = tt_objpool_at(&t->conns, i);
			struct rte_tel_data *o;
			char key[24];

			if (RD(state) == TT_TCPS_NONE)
				continue;
			o = rte_tel_data_alloc();
			if (o == NULL)
				return 0;
			rte_tel_data_start_dict(o);
			socket_fields(o, e, t, c, wi);
			snprintf(key, sizeof(key), "%u_%u", wi, i);
			if (rte_tel_data_add_dict_container(d, key, o, 0) != 0)
				rte_tel_data_free(o);
			n++;
		}
	}
	return 0;
}

#undef RD

/* Every command reads the engine under the lock, or answers -ENODEV once it is gone. */
typedef int (*show_fn)(const struct tt_engine *e, const char *params, struct rte_tel_data *d);

static int
with_engine(show_fn fn, const char *params, struct rte_tel_data *d)
{
	int rc = -ENODEV;

	pthread_mutex_lock(&tel_lock);
	if (tel_engine != NULL)
		rc = fn(tel_engine, params, d);
	pthread_mutex_unlock(&tel_lock);
	return rc;
}

#define TEL_CMD(name) \
	static int tel_##name(const char *cmd, const char *params, struct rte_tel_data *d) \
	{ \
		(void)cmd; \
		return with_engine(show_##name, params, d); \
	}
TEL_CMD(stats)
TEL_CMD(config)
TEL_CMD(workers)
TEL_CMD(listeners)
TEL_CMD(conns)
TEL_CMD(addrs)
TEL_CMD(sockets)

/* rte_telemetry refuses a help text of 128 characters or more, or a bad name, silently. */
static void
tel_register(const char *cmd, telemetry_cb fn, const char *help)
{
	if (rte_telemetry_register_cmd(cmd, fn, help) != 0)
		TT_LOG(WARNING, core, "telemetry command %s not registered (rte_telemetry refuses a help of 128 characters or more (this one: %zu) and names outside [A-Za-z0-9_/])",
		       cmd, strlen(help));
}

void
tt_telemetry_register(struct tt_engine *e)
{
	pthread_mutex_lock(&tel_lock);
	tel_engine = e;
	pthread_mutex_unlock(&tel_lock);
	if (tel_registered)
		return;
	tel_register("/tcpterm/stats", tel_stats,
		"tcpterm counters summed over workers, plus NIC counters. Parameters: int worker_id (optional)");
	tel_register("/tcpterm/config", tel_config,
		"tcpterm effective configuration. Takes no parameters");
	tel_register("/tcpterm/listeners", tel_listeners,
		"tcpterm listeners by port: recv_q, send_q, syn_q, syn_q_max, per worker too. Takes no parameters");
	tel_register("/tcpterm/conns", tel_conns,
		"tcpterm flows per TCP state (Linux names). Takes no parameters");
	tel_register("/tcpterm/addrs", tel_addrs,
		"tcpterm addresses: family, scope, port, IPv6 DAD state (tentative, preferred, duplicate). Takes no parameters");
	tel_register("/tcpterm/sockets", tel_sockets,
		"tcpterm connections, ss -ti style. Parameters: int max (default 32)");
	tel_register("/tcpterm/impair", tel_impair,
		"tcpterm impairment per port and the seed. Parameters: rx|tx,[PORT:]SPEC to set one first (SPEC: loss=1%,delay=10ms,... or none)");
	tel_register("/tcpterm/set", tel_set,
		"tcpterm live keys and values. Parameters: KEY,VALUE to set one (somaxconn, net.ipv4.tcp_syncookies, listen.80.backlog)");
	tel_register("/tcpterm/workers", tel_workers,
		"tcpterm workers: lcore, busy and total cycles. Takes no parameters");
	tel_registered = true;
}

void
tt_telemetry_unregister(void)
{
	pthread_mutex_lock(&tel_lock);
	tel_engine = NULL;
	pthread_mutex_unlock(&tel_lock);
}
