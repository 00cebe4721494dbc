/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm-ctl's views (SPEC O4): each turns one telemetry reply into the text an operator
 * already knows from Linux — netstat -s for counters, ss -lnt for listeners, ss -s for the
 * connection summary. Called by main.c after tt_ctl_query(); they only print. Every view
 * checks the reply's shape before printing anything, so a malformed reply gives one error
 * line instead of half a table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tcpterm/tt_stats.h>

#include "ctl.h"

/*
 * NIC counters in /tcpterm/stats, under rte_eth_stats' names (tt_telemetry.c adds them).
 * They are not in TT_STATS_FOREACH, which lists only what tcpterm itself counts.
 */
static const struct {
	const char *name;
	const char *desc;
} nic_counters[] = {
	{ "ipackets",  "packets received" },
	{ "opackets",  "packets sent" },
	{ "ibytes",    "bytes received" },
	{ "obytes",    "bytes sent" },
	{ "imissed",   "packets dropped by the NIC: RX queue full" },
	{ "ierrors",   "erroneous packets received" },
	{ "oerrors",   "packets the NIC failed to send" },
	{ "rx_nombuf", "RX mbuf allocation failures" },
};

#define N_NIC (sizeof(nic_counters) / sizeof(nic_counters[0]))

/* The states /tcpterm/conns reports, in SPEC O3's order (a connection's life). */
static const char *const tcp_states[] = {
	"SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
	"CLOSING", "LAST_ACK", "TIME_WAIT",
};

#define N_STATES (sizeof(tcp_states) / sizeof(tcp_states[0]))

/*
 * A counter as uint64_t. jansson holds integers as signed 64 bits, so a counter past 2^63
 * (not reachable in practice) would already have failed to parse.
 */
static bool
get_u64(const json_t *v, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

bool
tt_ctl_member_u64(const json_t *obj, const char *key, uint64_t *out)
{
	return get_u64(json_object_get(obj, key), out);
}

static int
bad_shape(const char *what, const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "unexpected reply to %s: %s", what, why);
	return -EPROTO;
}

/*
 * A list of entries, in either of two shapes: a JSON list, or an object keyed by the entry's
 * id ({"0": {...}, "1": {...}}). The second exists because DPDK 22.11 telemetry cannot put an
 * object inside a list (rte_tel_data_add_array_container() takes arrays only) but can nest
 * objects, so a daemon built on it has to send lists of objects that way.
 */
struct entries {
	const json_t *coll;
	size_t index;   /* next list position */
	void *iter;     /* next object member */
};

static bool
is_entries(const json_t *v)
{
	return json_is_array(v) || json_is_object(v);
}

static void
entries_start(struct entries *e, const json_t *coll)
{
	e->coll = coll;
	e->index = 0;
	e->iter = json_is_object(coll) ? json_object_iter((json_t *)coll) : NULL;
}

/* The next entry, or NULL; *key is its object key, or NULL in a list. */
static const json_t *
entries_next(struct entries *e, const char **key)
{
	const json_t *v;

	*key = NULL;
	if (json_is_array(e->coll))
		return json_array_get(e->coll, e->index++);
	if (e->iter == NULL)
		return NULL;
	*key = json_object_iter_key(e->iter);
	v = json_object_iter_value(e->iter);
	e->iter = json_object_iter_next((json_t *)e->coll, e->iter);
	return v;
}

/* An entry's id: its field, else (object shape) its key as a decimal number. */
static bool
entry_id(const json_t *entry, const char *key, const char *field, uint64_t *out)
{
	char *end;

	if (tt_ctl_member_u64(entry, field, out))
		return true;
	if (key == NULL || key[0] < '0' || key[0] > '9')
		return false;
	errno = 0;
	*out = strtoull(key, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Any JSON value on one line, for values the views do not expect to be anything else. */
static void
print_compact(FILE *out, const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	fputs(s != NULL ? s : "?", out);
	free(s);
}

static bool
is_nic_counter(const char *name)
{
	for (size_t i = 0; i < N_NIC; i++)
		if (strcmp(nic_counters[i].name, name) == 0)
			return true;
	return false;
}

/* Whether tt_stat_info[i] opens a group: groups are the runs of one group name in the list. */
static bool
starts_group(int i)
{
	return i == 0 || strcmp(tt_stat_info[i].group, tt_stat_info[i - 1].group) != 0;
}

/*
 * netstat -s layout: "Group:" then "    <value> <description>" per counter. Counters the
 * daemon did not send (an older tcpterm) are left out, and a group with none is too.
 */
static void
print_groups(FILE *out, const json_t *stats)
{
	bool header = false;

	for (int i = 0; i < TT_STAT__COUNT; i++) {
		uint64_t v;

		if (starts_group(i))
			header = false;
		if (!tt_ctl_member_u64(stats, tt_stat_info[i].name, &v))
			continue;
		if (!header)
			fprintf(out, "%s:\n", tt_stat_info[i].group);
		header = true;
		fprintf(out, "    %" PRIu64 " %s\n", v, tt_stat_info[i].desc);
	}
}

static void
print_nic(FILE *out, const json_t *stats)
{
	bool header = false;

	for (size_t i = 0; i < N_NIC; i++) {
		uint64_t v;

		if (!tt_ctl_member_u64(stats, nic_counters[i].name, &v))
			continue;
		if (!header)
			fprintf(out, "Nic:\n");
		header = true;
		fprintf(out, "    %" PRIu64 " %s (%s)\n", v, nic_counters[i].desc,
			nic_counters[i].name);
	}
}

/*
 * Members this tool has no row for: a newer tcpterm's counters, or a known name with a
 * non-counter value. Printed by name so nothing the daemon says is hidden.
 */
static void
print_other(FILE *out, const json_t *stats)
{
	bool header = false;
	const char *name;
	json_t *v;

	json_object_foreach((json_t *)stats, name, v) {
		uint64_t u;

		if ((tt_stat_lookup(name) >= 0 || is_nic_counter(name)) && get_u64(v, &u))
			continue;
		if (!header)
			fprintf(out, "Other:\n");
		header = true;
		fprintf(out, "    ");
		print_compact(out, v);
		fprintf(out, " %s\n", name);
	}
}

int
tt_ctl_view_stats(FILE *out, const json_t *stats, char *err, size_t errlen)
{
	if (!json_is_object(stats))
		return bad_shape("/tcpterm/stats", "not an object", err, errlen);
	print_groups(out, stats);
	print_nic(out, stats);
	print_other(out, stats);
	return 0;
}

/* One "name = value" line; a value that is not a string prints as compact JSON. */
static void
print_config_entry(FILE *out, const char *name, const json_t *v)
{
	fprintf(out, "%s = ", name);
	if (json_is_string(v))
		fputs(json_string_value(v), out);
	else
		print_compact(out, v);
	fputc('\n', out);
}

/*
 * "key = value" in the daemon's order (it walks its config table, STYLE habit 6), then one
 * line per listener setting: "listen 80.backlog = 511". A tcpterm always has a
 * configuration, so an empty one is the daemon failing to export it, and says so.
 */
int
tt_ctl_view_config(FILE *out, const json_t *config, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	if (!json_is_object(config))
		return bad_shape("/tcpterm/config", "not an object", err, errlen);
	if (json_object_size(config) == 0)
		return bad_shape("/tcpterm/config", "no keys", err, errlen);
	json_object_foreach((json_t *)config, key, v) {
		if (json_is_object(v) && strcmp(key, "listeners") == 0) {
			const char *port;
			json_t *l;
			char name[64];

			json_object_foreach(v, port, l) {
				const char *k;
				json_t *lv;

				json_object_foreach(l, k, lv) {
					snprintf(name, sizeof(name), "listen %s.%s", port, k);
					print_config_entry(out, name, lv);
				}
			}
			continue;
		}
		print_config_entry(out, key, v);
	}
	return 0;
}

/* "used/capacity" of one pool, or "-" from a tcpterm that does not export it. */
static void
print_pool(FILE *out, const json_t *w, const char *used, const char *cap, int width)
{
	uint64_t u, c;
	char buf[48];

	if (tt_ctl_member_u64(w, used, &u) && tt_ctl_member_u64(w, cap, &c))
		snprintf(buf, sizeof(buf), "%" PRIu64 "/%" PRIu64, u, c);
	else
		snprintf(buf, sizeof(buf), "-");
	fprintf(out, "  %-*s", width, buf);
}

/* SPEC O9, R2: each pool in use against its capacity, and the worker's memory level. */
static void
print_pools(FILE *out, const json_t *w)
{
	const json_t *level = json_object_get(w, "mem_level");
	uint64_t held;

	print_pool(out, w, "mbufs_used", "mbufs", 17);
	if (tt_ctl_member_u64(w, "mbufs_held", &held))
		fprintf(out, " %6" PRIu64, held);
	else
		fprintf(out, " %6s", "-");
	fprintf(out, " %-8s", json_is_string(level) ? json_string_value(level) : "-");
	print_pool(out, w, "conns_used", "conns", 15);
	print_pool(out, w, "reqs_used", "reqs", 15);
	print_pool(out, w, "tws_used", "tws", 15);
}

/* The layers of /tcpterm/workers' layer_cycles_* (lib/dp/tt_worker.h TT_WORKER_LAYERS). */
static const char *const layer_names[] = { "timers", "rx", "stack", "app", "out", "tx" };
#define N_LAYERS (sizeof(layer_names) / sizeof(layer_names[0]))

/*
 * With the layer_cycles tunable on, each worker's busy cycles by layer as shares of them,
 * since start: where a worker's time goes (issue 9). Nothing when the daemon has it off.
 */
static void
print_layers(FILE *out, const json_t *workers)
{
	struct entries it;
	const json_t *w;
	const char *key;
	bool header = false;

	entries_start(&it, workers);
	while ((w = entries_next(&it, &key)) != NULL) {
		uint64_t id = 0, busy = 0, v[N_LAYERS];
		size_t i;

		for (i = 0; i < N_LAYERS; i++) {
			char name[32];

			snprintf(name, sizeof(name), "layer_cycles_%s", layer_names[i]);
			if (!tt_ctl_member_u64(w, name, &v[i]))
				break;
		}
		if (i < N_LAYERS)
			continue;
		if (!header) {
			fprintf(out, "\nBusy cycles by layer (%% of busy, since start):\n%6s", "Worker");
			for (i = 0; i < N_LAYERS; i++)
				fprintf(out, " %7s", layer_names[i]);
			fputc('\n', out);
			header = true;
		}
		entry_id(w, key, "worker", &id);
		tt_ctl_member_u64(w, "busy_cycles", &busy);
		fprintf(out, "%6" PRIu64, id);
		for (i = 0; i < N_LAYERS; i++) {
			if (busy == 0)
				fprintf(out, " %7s", "-");
			else
				fprintf(out, " %7.1f", 100.0 * (double)v[i] / (double)busy);
		}
		fputc('\n', out);
	}
}

/*
 * Busy % over the worker's whole life: the daemon's cycle counters are cumulative. A running
 * tcpterm has at least one worker, so an empty reply is the daemon failing to export them.
 */
int
tt_ctl_view_workers(FILE *out, const json_t *workers, char *err, size_t errlen)
{
	struct entries it;
	const json_t *w;
	const char *key;

	if (!is_entries(workers))
		return bad_shape("/tcpterm/workers", "not a list", err, errlen);
	if ((json_is_array(workers) ? json_array_size(workers) : json_object_size(workers)) == 0)
		return bad_shape("/tcpterm/workers", "no workers", err, errlen);
	entries_start(&it, workers);
	while ((w = entries_next(&it, &key)) != NULL) {
		uint64_t id, lcore, busy, total;

		if (!entry_id(w, key, "worker", &id) || !tt_ctl_member_u64(w, "lcore", &lcore) ||
		    !tt_ctl_member_u64(w, "busy_cycles", &busy) || !tt_ctl_member_u64(w, "total_cycles", &total))
			return bad_shape("/tcpterm/workers",
					 "an entry lacks worker, lcore, busy_cycles or total_cycles",
					 err, errlen);
	}
	fprintf(out, "%6s %6s %6s  %-17s %6s %-8s  %-15s %-15s %-15s\n", "Worker", "Lcore",
		"Busy%", "Mbufs", "Held", "Memory", "TCBs", "SYN_RECV", "TIME_WAIT");
	entries_start(&it, workers);
	while ((w = entries_next(&it, &key)) != NULL) {
		uint64_t id = 0, lcore = 0, busy = 0, total = 0;
		char busy_s[16];

		entry_id(w, key, "worker", &id);
		tt_ctl_member_u64(w, "lcore", &lcore);
		tt_ctl_member_u64(w, "busy_cycles", &busy);
		tt_ctl_member_u64(w, "total_cycles", &total);
		if (total == 0)
			snprintf(busy_s, sizeof(busy_s), "-");
		else
			snprintf(busy_s, sizeof(busy_s), "%.1f", 100.0 * (double)busy / (double)total);
		fprintf(out, "%6" PRIu64 " %6" PRIu64 " %6s", id, lcore, busy_s);
		print_pools(out, w);
		fputc('\n', out);
	}
	print_layers(out, workers);
	return 0;
}

/* The queue sizes of one listener row: its sums, or worker's entry of its breakdown. */
struct queues {
	uint64_t port, recv_q, send_q, syn_q, syn_q_max;
	bool present;
};

static bool
read_queues(const json_t *o, struct queues *q)
{
	return tt_ctl_member_u64(o, "recv_q", &q->recv_q) && tt_ctl_member_u64(o, "send_q", &q->send_q) &&
	       tt_ctl_member_u64(o, "syn_q", &q->syn_q) && tt_ctl_member_u64(o, "syn_q_max", &q->syn_q_max);
}

/*
 * One listener entry (key: its object key in the object shape) into q: its sums, or with
 * worker >= 0 that worker's entry of its breakdown. false if l is not of the contract's
 * shape; q->present false if the worker has no entry for this port.
 */
static bool
listener_queues(const json_t *l, const char *key, long worker, struct queues *q)
{
	const json_t *ws = json_object_get(l, "workers");
	struct entries it;
	const json_t *w;
	const char *wkey;

	q->present = false;
	if (!entry_id(l, key, "port", &q->port) || q->port > 65535 || !read_queues(l, q))
		return false;
	if (worker < 0) {
		q->present = true;
		return true;
	}
	if (!is_entries(ws))
		return false;
	entries_start(&it, ws);
	while ((w = entries_next(&it, &wkey)) != NULL) {
		uint64_t id;

		if (!entry_id(w, wkey, "worker", &id))
			return false;
		if (id == (uint64_t)worker) {
			q->present = true;
			return read_queues(w, q);
		}
	}
	return true;
}

/*
 * ss -lnt: one LISTEN row per port. Recv-Q and Send-Q mean what they mean for a Linux
 * listening socket (accept queue length and its limit); SynQ and SynQ-Max are the SYN queue,
 * which ss cannot show.
 */
int
tt_ctl_view_listeners(FILE *out, const json_t *listeners, const char *addr, long worker,
		      char *err, size_t errlen)
{
	struct entries it;
	struct queues q;
	const json_t *l;
	const char *key;

	if (!is_entries(listeners))
		return bad_shape("/tcpterm/listeners", "not a list", err, errlen);
	entries_start(&it, listeners);
	while ((l = entries_next(&it, &key)) != NULL)
		if (!listener_queues(l, key, worker, &q))
			return bad_shape("/tcpterm/listeners", "an entry lacks port, recv_q, send_q, "
					 "syn_q, syn_q_max or its workers list", err, errlen);
	fprintf(out, "%-6s %-6s %-6s %-21s %-6s %s\n", "State", "Recv-Q", "Send-Q",
		"Local Address:Port", "SynQ", "SynQ-Max");
	entries_start(&it, listeners);
	while ((l = entries_next(&it, &key)) != NULL) {
		char local[64];

		listener_queues(l, key, worker, &q);
		if (!q.present)
			continue;
		snprintf(local, sizeof(local), "%s:%" PRIu64, addr, q.port);
		fprintf(out, "%-6s %-6" PRIu64 " %-6" PRIu64 " %-21s %-6" PRIu64 " %" PRIu64 "\n",
			"LISTEN", q.recv_q, q.send_q, local, q.syn_q, q.syn_q_max);
	}
	return 0;
}

static bool
is_known_state(const char *name)
{
	for (size_t i = 0; i < N_STATES; i++)
		if (strcmp(tcp_states[i], name) == 0)
			return true;
	return false;
}

/*
 * ss -s's TCP line, then one line per state. tcpterm has no sockets detached from an
 * application and keeps no closed ones, so "closed" and "orphaned" are always 0; they stay
 * so that scripts reading ss -s read this too. States a newer tcpterm adds come last.
 */
int
tt_ctl_view_summary(FILE *out, const json_t *conns, char *err, size_t errlen)
{
	uint64_t total = 0, estab = 0, tw = 0, v;
	const char *name;
	json_t *jv;

	if (!json_is_object(conns))
		return bad_shape("/tcpterm/conns", "not an object", err, errlen);
	json_object_foreach((json_t *)conns, name, jv) {
		if (!get_u64(jv, &v))
			return bad_shape("/tcpterm/conns", "a state's count is not a number", err,
					 errlen);
		total += v;
	}
	tt_ctl_member_u64(conns, "ESTABLISHED", &estab);
	tt_ctl_member_u64(conns, "TIME_WAIT", &tw);
	fprintf(out, "TCP: %" PRIu64 " (estab %" PRIu64 ", closed 0, orphaned 0, timewait %"
		PRIu64 ")\n", total, estab, tw);
	for (size_t i = 0; i < N_STATES; i++)
		if (tt_ctl_member_u64(conns, tcp_states[i], &v))
			fprintf(out, "  %-12s %" PRIu64 "\n", tcp_states[i], v);
	json_object_foreach((json_t *)conns, name, jv)
		if (!is_known_state(name) && get_u64(jv, &v))
			fprintf(out, "  %-12s %" PRIu64 "\n", name, v);
	return 0;
}

static const char *
str_member(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "?";
}

static uint64_t
u64_member(const json_t *o, const char *key)
{
	uint64_t v = 0;

	tt_ctl_member_u64(o, key, &v);
	return v;
}

int
tt_ctl_view_sockets(FILE *out, const json_t *socks, char *err, size_t errlen)
{
	const char *key;
	json_t *o;

	if (!json_is_object(socks))
		return bad_shape("/tcpterm/sockets", "not an object", err, errlen);
	/* ss -ti's columns first, then its "info" fields, one line per connection. */
	fprintf(out, "%-12s %8s %8s %-21s %-21s\n", "State", "Recv-Q", "Send-Q", "Local Address:Port",
		"Peer Address:Port");
	json_object_foreach((json_t *)socks, key, o) {
		if (!json_is_object(o))
			return bad_shape("/tcpterm/sockets", "a connection is not an object", err,
					 errlen);
		fprintf(out, "%-12s %8" PRIu64 " %8" PRIu64 " %-21s %-21s\n", str_member(o, "state"),
			u64_member(o, "recv_q"), u64_member(o, "send_q"), str_member(o, "local"),
			str_member(o, "peer"));
		fprintf(out, "\t %s worker:%" PRIu64 " mss:%" PRIu64 " pmtu:%" PRIu64 " rtt:%" PRIu64
			"/%" PRIu64 " rto:%" PRIu64 " backoff:%" PRIu64 " cwnd:%" PRIu64
			" ssthresh:%" PRIu64 " in_flight:%" PRIu64 " sacked:%" PRIu64 " lost:%" PRIu64
			" retrans:%" PRIu64 " snd_wnd:%" PRIu64 " rcv_wnd:%" PRIu64 " ofo_bufs:%" PRIu64
			"\n",
			str_member(o, "ca_state"), u64_member(o, "worker"), u64_member(o, "mss"),
			u64_member(o, "pmtu"), u64_member(o, "rtt_ms"), u64_member(o, "rttvar_ms"),
			u64_member(o, "rto_ms"), u64_member(o, "backoff"), u64_member(o, "cwnd"),
			u64_member(o, "ssthresh"), u64_member(o, "in_flight"), u64_member(o, "sacked"),
			u64_member(o, "lost"), u64_member(o, "retrans"), u64_member(o, "snd_wnd"),
			u64_member(o, "rcv_wnd"), u64_member(o, "ofo_bufs"));
	}
	return 0;
}

/*
 * /tcpterm/proxy (SPEC A2): per proxy listener a line of its counters, then a row per
 * backend in HAProxy's "show stat" spirit: weight, up or skipped (and for how long),
 * active connections, connects ok and failed, bytes each way.
 */
static bool
proxy_backend_ok(const json_t *b)
{
	uint64_t v;

	return json_is_string(json_object_get(b, "addr")) &&
	       json_is_string(json_object_get(b, "state")) && tt_ctl_member_u64(b, "weight", &v) &&
	       tt_ctl_member_u64(b, "skip_left_ms", &v) && tt_ctl_member_u64(b, "active", &v) &&
	       tt_ctl_member_u64(b, "connects_ok", &v) && tt_ctl_member_u64(b, "connects_failed", &v) &&
	       tt_ctl_member_u64(b, "bytes_to_backend", &v) && tt_ctl_member_u64(b, "bytes_from_backend", &v);
}

static bool
proxy_listener_ok(const json_t *l)
{
	struct entries it;
	const json_t *b;
	const char *key;
	uint64_t v;

	if (!tt_ctl_member_u64(l, "port", &v) || !json_is_string(json_object_get(l, "balance")) ||
	    !tt_ctl_member_u64(l, "pairs", &v) || !tt_ctl_member_u64(l, "clients", &v) ||
	    !tt_ctl_member_u64(l, "no_backend", &v) || !tt_ctl_member_u64(l, "table_full", &v) ||
	    !tt_ctl_member_u64(l, "retries", &v) || !is_entries(json_object_get(l, "backends")))
		return false;
	entries_start(&it, json_object_get(l, "backends"));
	while ((b = entries_next(&it, &key)) != NULL)
		if (!proxy_backend_ok(b))
			return false;
	return true;
}

static void
proxy_backend_row(FILE *out, const json_t *b)
{
	uint64_t weight = 0, left = 0, active = 0, ok = 0, failed = 0, to = 0, from = 0;
	char state[32];

	tt_ctl_member_u64(b, "weight", &weight);
	tt_ctl_member_u64(b, "skip_left_ms", &left);
	tt_ctl_member_u64(b, "active", &active);
	tt_ctl_member_u64(b, "connects_ok", &ok);
	tt_ctl_member_u64(b, "connects_failed", &failed);
	tt_ctl_member_u64(b, "bytes_to_backend", &to);
	tt_ctl_member_u64(b, "bytes_from_backend", &from);
	if (left > 0)
		snprintf(state, sizeof(state), "%s %.1fs", json_string_value(json_object_get(b, "state")),
			 (double)left / 1000.0);
	else
		snprintf(state, sizeof(state), "%s", json_string_value(json_object_get(b, "state")));
	fprintf(out, "  %-21s %6" PRIu64 " %-13s %8" PRIu64 " %10" PRIu64 " %8" PRIu64
		" %14" PRIu64 " %14" PRIu64 "\n",
		json_string_value(json_object_get(b, "addr")), weight, state, active, ok, failed, to,
		from);
}

int
tt_ctl_view_proxy(FILE *out, const json_t *proxy, char *err, size_t errlen)
{
	struct entries it;
	const json_t *l;
	const char *key;

	if (!json_is_object(proxy))
		return bad_shape("/tcpterm/proxy", "not an object", err, errlen);
	entries_start(&it, proxy);
	while ((l = entries_next(&it, &key)) != NULL)
		if (!proxy_listener_ok(l))
			return bad_shape("/tcpterm/proxy",
					 "a listener lacks port, balance, counters or well-formed backends",
					 err, errlen);
	if (json_object_size(proxy) == 0) {
		fprintf(out, "no proxy listener\n");
		return 0;
	}
	entries_start(&it, proxy);
	while ((l = entries_next(&it, &key)) != NULL) {
		uint64_t port = 0, pairs = 0, clients = 0, none = 0, full = 0, retries = 0;
		struct entries bi;
		const json_t *b;
		const char *bkey;

		tt_ctl_member_u64(l, "port", &port);
		tt_ctl_member_u64(l, "pairs", &pairs);
		tt_ctl_member_u64(l, "clients", &clients);
		tt_ctl_member_u64(l, "no_backend", &none);
		tt_ctl_member_u64(l, "table_full", &full);
		tt_ctl_member_u64(l, "retries", &retries);
		fprintf(out, "port %" PRIu64 "  balance %s  open pairs %" PRIu64 "  clients %" PRIu64
			"  retries %" PRIu64 "  reset: no backend %" PRIu64 ", table full %" PRIu64 "\n",
			port, json_string_value(json_object_get(l, "balance")), pairs, clients, retries,
			none, full);
		fprintf(out, "  %-21s %6s %-13s %8s %10s %8s %14s %14s\n", "Backend", "Weight",
			"State", "Active", "Connects", "Failed", "To backend", "From backend");
		entries_start(&bi, json_object_get(l, "backends"));
		while ((b = entries_next(&bi, &bkey)) != NULL)
			proxy_backend_row(out, b);
	}
	return 0;
}
