/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus endpoint (issue 10 item 3): GET /metrics on metrics_listen answers in the
 * Prometheus text format 0.0.4, which Prometheus and OpenMetrics scrapers both read:
 *   - every counter of the one list (tt_stats.h) per worker, named in Prometheus' style
 *     (tcpterm_tcpext_listen_overflows_total) with Linux's own name in its HELP line;
 *     CurrEstab, Linux's one gauge among them, as a gauge;
 *   - per worker: busy share of the last whole second, busy and total cycles, polls, each
 *     pool in use and its capacity, memory held by TCP queues and the tcp_mem level;
 *   - per listener and worker: accept queue (ss -lnt's Recv-Q) and its limit (Send-Q), SYN
 *     queue and its limit; connections per TCP state; the ports' NIC counters.
 * A control thread of its own serves it, one connection at a time, never a worker: what it
 * reads, it reads as telemetry does (tt_telemetry.c), each figure a snapshot of a running
 * worker. A client has 2 s in all to send its request (at most 4 KB) and take the answer;
 * Prometheus scrapes one at a time, so a stuck client delays the next scrape by that much
 * at most, it cannot stop them, nor hold tcpterm's exit.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "../dp/tt_log.h"
#include "../tcp/tcp_conn.h"
#include "tt_engine_priv.h"

#define METRICS_POLL_MS  250
#define METRICS_IO_S     2
#define METRICS_REQ_MAX  4096

struct tt_metrics {
	struct tt_engine *e;
	int fd;
	pthread_t tid;
	bool quit;
	time_t start;
	/* Busy share of each worker over the last whole second, from two samples. */
	uint64_t sample_tsc;
	uint64_t busy[RTE_MAX_LCORE], total[RTE_MAX_LCORE];
	double share[RTE_MAX_LCORE];
};

/*
 * Linux's CamelCase as Prometheus' snake_case, an acronym kept whole with its plural:
 * ListenOverflows -> listen_overflows, DelayedACKs -> delayed_acks, TCPReqQFullDoCookies ->
 * tcp_req_q_full_do_cookies. A leading TCP is split off where another acronym follows it
 * (TCPSACKDiscard -> tcp_sack_discard).
 */
static void
snake_case(const char *in, char *out, size_t len)
{
	size_t o = 0;

	if (strncmp(in, "TCP", 3) == 0 && isupper((unsigned char)in[3]) && len > 4) {
		memcpy(out, "tcp_", 4);
		o = 4;
		in += 3;
	}
	for (size_t i = 0; in[i] != '\0' && o + 2 < len; i++) {
		unsigned char c = (unsigned char)in[i], next = (unsigned char)in[i + 1];
		/* An acronym's plural s ends the word: ACKs, RTOs. */
		bool plural = next == 's' && (in[i + 2] == '\0' || isupper((unsigned char)in[i + 2]));

		if (isupper(c) && i > 0 &&
		    (!isupper((unsigned char)in[i - 1]) || (islower(next) && !plural)))
			out[o++] = '_';
		out[o++] = (char)tolower(c);
	}
	out[o] = '\0';
}

/*
 * A counter's metric name: tcpterm_GROUP_NAME_total, the group's prefix taken off the name
 * where it repeats it (IpInReceives -> tcpterm_ip_in_receives_total); the Tcpterm group's
 * rows go without one. CurrEstab is a gauge (RFC 4022's tcpCurrEstab): no _total.
 */
static bool
counter_name(const struct tt_stat_info *si, char *out, size_t len)
{
	const char *name = si->name;
	size_t glen = strlen(si->group);
	char group[16], snake[80];
	bool gauge = strcmp(si->name, "CurrEstab") == 0;

	if (strncmp(name, si->group, glen) == 0 && isupper((unsigned char)name[glen]))
		name += glen;
	snake_case(name, snake, sizeof(snake));
	snake_case(si->group, group, sizeof(group));
	for (char *c = group; *c != '\0'; c++)
		if (*c == '_')
			memmove(c, c + 1, strlen(c));
	if (strcmp(si->group, "Tcpterm") == 0)
		snprintf(out, len, "tcpterm_%s%s", snake, gauge ? "" : "_total");
	else
		snprintf(out, len, "tcpterm_%s_%s%s", group, snake, gauge ? "" : "_total");
	return gauge;
}

static bool
linux_group(const char *group)
{
	return strcmp(group, "Tcp") == 0 || strcmp(group, "TcpExt") == 0 ||
	       strcmp(group, "Ip") == 0 || strcmp(group, "Icmp") == 0 ||
	       strcmp(group, "Ip6") == 0 || strcmp(group, "Icmp6") == 0;
}

/* HELP text escaped as the format asks: backslash and newline. */
static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (const char *c = help; *c != '\0'; c++) {
		if (*c == '\\' || *c == '\n')
			fputs(*c == '\\' ? "\\\\" : "\\n", f);
		else
			fputc(*c, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

static void
render_counters(FILE *f, const struct tt_engine *e)
{
	for (unsigned int i = 0; i < TT_STAT__COUNT; i++) {
		const struct tt_stat_info *si = &tt_stat_info[i];
		char name[112], help[256];
		bool gauge = counter_name(si, name, sizeof(name));

		snprintf(help, sizeof(help), "%s (%s %s:%s)", si->desc,
			 linux_group(si->group) ? "Linux" : "tcpterm's", si->group, si->name);
		family(f, name, gauge ? "gauge" : "counter", help);
		for (uint16_t w = 0; w < e->n_workers; w++)
			fprintf(f, "%s{worker=\"%u\"} %" PRIu64 "\n", name, w,
				tt_stats_read(&e->workers[w]->stats, i));
	}
}

static void
sample_busy(struct tt_metrics *m)
{
	const struct tt_engine *e = m->e;

	for (uint16_t i = 0; i < e->n_workers; i++) {
		uint64_t b = __atomic_load_n(&e->workers[i]->busy_cycles, __ATOMIC_RELAXED);
		uint64_t t = __atomic_load_n(&e->workers[i]->total_cycles, __ATOMIC_RELAXED);

		m->share[i] = t > m->total[i] ? (double)(b - m->busy[i]) / (double)(t - m->total[i])
					      : 0.0;
		m->busy[i] = b;
		m->total[i] = t;
	}
	m->sample_tsc = rte_rdtsc();
}

/* One line per worker of a worker's figure, read by get. */
#define WORKER_SERIES(f, e, name, fmt, get) do { \
	for (uint16_t w_ = 0; w_ < (e)->n_workers; w_++) { \
		const struct tt_worker *w = (e)->workers[w_]; \
		(void)w; \
		fprintf(f, "%s{worker=\"%u\"} " fmt "\n", name, w_, get); \
	} \
} while (0)

static void
render_workers(FILE *f, const struct tt_metrics *m)
{
	static const char *const pools[] = { "mbufs", "tcbs", "syn_queue", "time_wait" };
	const struct tt_engine *e = m->e;
	struct tt_worker_pools p[RTE_MAX_LCORE];

	family(f, "tcpterm_worker_busy_ratio", "gauge",
	       "share of the worker's cycles spent in loop iterations that handled packets, over the last whole second");
	WORKER_SERIES(f, e, "tcpterm_worker_busy_ratio", "%.4f", m->share[w_]);
	family(f, "tcpterm_worker_busy_cycles_total", "counter",
	       "TSC cycles in loop iterations that handled packets (rate over cycles_total: busy share)");
	WORKER_SERIES(f, e, "tcpterm_worker_busy_cycles_total", "%" PRIu64,
		      __atomic_load_n(&w->busy_cycles, __ATOMIC_RELAXED));
	family(f, "tcpterm_worker_cycles_total", "counter", "TSC cycles in the worker's loop");
	WORKER_SERIES(f, e, "tcpterm_worker_cycles_total", "%" PRIu64,
		      __atomic_load_n(&w->total_cycles, __ATOMIC_RELAXED));
	family(f, "tcpterm_worker_polls_total", "counter", "iterations of the worker's loop");
	WORKER_SERIES(f, e, "tcpterm_worker_polls_total", "%" PRIu64,
		      __atomic_load_n(&w->polls, __ATOMIC_RELAXED));
	family(f, "tcpterm_worker_busy_polls_total", "counter",
	       "iterations of the worker's loop that handled packets");
	WORKER_SERIES(f, e, "tcpterm_worker_busy_polls_total", "%" PRIu64,
		      __atomic_load_n(&w->busy_polls, __ATOMIC_RELAXED));

	for (uint16_t i = 0; i < e->n_workers; i++)
		tt_worker_pools_read(e->workers[i], &p[i]);
	family(f, "tcpterm_worker_pool_capacity", "gauge",
	       "objects a worker's pool holds: mbufs, tcbs, syn_queue, time_wait");
	for (size_t k = 0; k < RTE_DIM(pools); k++)
		for (uint16_t i = 0; i < e->n_workers; i++) {
			const uint64_t cap[] = { p[i].mbufs, p[i].conns, p[i].reqs, p[i].tws };

			if (k == 0 || p[i].tcp)
				fprintf(f, "tcpterm_worker_pool_capacity{worker=\"%u\",pool=\"%s\"} %" PRIu64 "\n",
					i, pools[k], cap[k]);
		}
	family(f, "tcpterm_worker_pool_in_use", "gauge",
	       "objects of a worker's pool in use: mbufs, tcbs, syn_queue, time_wait");
	for (size_t k = 0; k < RTE_DIM(pools); k++)
		for (uint16_t i = 0; i < e->n_workers; i++) {
			const uint64_t used[] = { p[i].mbufs_used, p[i].conns_used, p[i].reqs_used,
						  p[i].tws_used };

			if (k == 0 || p[i].tcp)
				fprintf(f, "tcpterm_worker_pool_in_use{worker=\"%u\",pool=\"%s\"} %" PRIu64 "\n",
					i, pools[k], used[k]);
		}
	family(f, "tcpterm_worker_tcp_mbufs_held", "gauge",
	       "mbufs held by TCP send, receive and out-of-order queues (tcp_mem's measure)");
	for (uint16_t i = 0; i < e->n_workers; i++)
		if (p[i].tcp)
			fprintf(f, "tcpterm_worker_tcp_mbufs_held{worker=\"%u\"} %" PRIu64 "\n", i,
				p[i].mbufs_held);
	family(f, "tcpterm_worker_tcp_memory_level", "gauge",
	       "tcp_mem level: 0 ok, 1 pressure (mem_pressure passed), 2 critical (mem_max passed: SYNs shed)");
	for (uint16_t i = 0; i < e->n_workers; i++)
		if (p[i].tcp)
			fprintf(f, "tcpterm_worker_tcp_memory_level{worker=\"%u\"} %u\n", i,
				p[i].mem_level);
}

static void
render_listeners(FILE *f, const struct tt_engine *e)
{
	static const struct { const char *name, *help; } fams[] = {
		{ "tcpterm_listener_accept_queue", "connections waiting in the accept queue (ss -lnt Recv-Q)" },
		{ "tcpterm_listener_accept_queue_limit", "accept queue limit, min(backlog, somaxconn) (ss -lnt Send-Q)" },
		{ "tcpterm_listener_syn_queue", "requests in SYN_RECV" },
		{ "tcpterm_listener_syn_queue_limit", "SYN queue limit (max_syn_backlog)" },
	};

	for (size_t k = 0; k < RTE_DIM(fams); k++) {
		family(f, fams[k].name, "gauge", fams[k].help);
		for (uint32_t li = 0; li < e->cfg.n_listeners; li++)
			for (uint16_t i = 0; i < e->n_workers; i++) {
				const struct tt_tcp *t = e->workers[i]->tcp;
				struct tt_listener_queues q;

				if (t == NULL || li >= t->n_listeners)
					continue;
				tt_listener_queues_read(&t->listeners[li], &q);
				const uint64_t v[] = { q.recv_q, q.send_q, q.syn_q, q.syn_q_max };

				fprintf(f, "%s{port=\"%u\",worker=\"%u\"} %" PRIu64 "\n", fams[k].name,
					t->listeners[li].port, i, v[k]);
			}
	}
}

static void
render_states(FILE *f, const struct tt_engine *e)
{
	uint64_t n[TT_TCPS__COUNT];

	tt_engine_conn_states(e, n);
	family(f, "tcpterm_connections", "gauge", "flows per TCP state, summed over workers (ss -s)");
	for (unsigned int s = TT_TCPS_NONE + 1; s < TT_TCPS__COUNT; s++)
		if (s != TT_TCPS_CLOSE && s != TT_TCPS_LISTEN)
			fprintf(f, "tcpterm_connections{state=\"%s\"} %" PRIu64 "\n",
				tt_tcp_state_name[s], n[s]);
}

static void
render_ports(FILE *f, const struct tt_engine *e)
{
	static const struct { const char *name, *help; size_t off; } fams[] = {
#define PORT_FAM(nm, help, field) \
		{ "tcpterm_port_" nm, help, offsetof(struct rte_eth_stats, field) }
		PORT_FAM("receive_packets_total", "frames the port received (rte_eth_stats ipackets)", ipackets),
		PORT_FAM("transmit_packets_total", "frames the port sent (opackets)", opackets),
		PORT_FAM("receive_bytes_total", "bytes the port received (ibytes)", ibytes),
		PORT_FAM("transmit_bytes_total", "bytes the port sent (obytes)", obytes),
		PORT_FAM("receive_missed_total", "frames the port dropped, no RX descriptor free (imissed)", imissed),
		PORT_FAM("receive_errors_total", "frames received in error (ierrors)", ierrors),
		PORT_FAM("transmit_errors_total", "frames that failed to be sent (oerrors)", oerrors),
		PORT_FAM("receive_nombuf_total", "RX mbuf allocation failures (rx_nombuf)", rx_nombuf),
#undef PORT_FAM
	};
	struct rte_eth_stats es[TT_MAX_PORTS];
	bool ok[TT_MAX_PORTS];

	for (uint16_t i = 0; i < e->n_ports; i++)
		ok[i] = rte_eth_stats_get(e->ports[i].port_id, &es[i]) == 0;
	for (size_t k = 0; k < RTE_DIM(fams); k++) {
		family(f, fams[k].name, "counter", fams[k].help);
		for (uint16_t i = 0; i < e->n_ports; i++) {
			uint64_t v;

			if (!ok[i])
				continue;
			memcpy(&v, (const uint8_t *)&es[i] + fams[k].off, sizeof(v));
			fprintf(f, "%s{port=\"%u\"} %" PRIu64 "\n", fams[k].name, i, v);
		}
	}
}

/* The whole exposition, malloc'd; NULL when out of memory. */
static char *
render(const struct tt_metrics *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		return NULL;
	family(f, "tcpterm_build_info", "gauge", "tcpterm's version, as a label; always 1");
	fprintf(f, "tcpterm_build_info{version=\"%s\"} 1\n", TT_VERSION);
	family(f, "tcpterm_start_time_seconds", "gauge", "when the engine started, Unix time");
	fprintf(f, "tcpterm_start_time_seconds %lld\n", (long long)m->start);
	render_counters(f, m->e);
	render_workers(f, m);
	render_listeners(f, m->e);
	render_states(f, m->e);
	render_ports(f, m->e);
	if (ferror(f) != 0) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The bytes, or as many as the client takes before the exchange's deadline. */
static void
send_all(int fd, const char *p, size_t n, uint64_t deadline)
{
	while (n > 0 && rte_rdtsc() < deadline) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

static void
reply(int fd, uint64_t deadline, const char *status, const char *extra, const char *body,
      size_t len, bool head)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n",
			 status, extra, len);

	send_all(fd, hdr, (size_t)n, deadline);
	if (!head)
		send_all(fd, body, len, deadline);
}

/*
 * Close after a reply: the write side first, then what the client still sends is read and
 * dropped until it closes or the exchange's deadline, so closing with unread bytes does not
 * reset the reply away.
 */
static void
finish(const struct tt_metrics *m, int fd, uint64_t deadline)
{
	char junk[512];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	shutdown(fd, SHUT_WR);
	while (rte_rdtsc() < deadline && !__atomic_load_n(&m->quit, __ATOMIC_RELAXED) &&
	       poll(&p, 1, 100) > 0 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
}

/*
 * One request: GET or HEAD /metrics; anything else gets its HTTP error. The whole exchange
 * has METRICS_IO_S: a client sending a byte at a time cannot hold the endpoint longer.
 */
static void
serve_one(struct tt_metrics *m, int fd, uint64_t deadline)
{
	static const char text[] = "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n";
	static const char plain[] = "Content-Type: text/plain; charset=utf-8\r\n";
	const struct timeval io = { .tv_sec = 0, .tv_usec = METRICS_POLL_MS * 1000 };
	char req[METRICS_REQ_MAX + 1], method[8], path[256], version[16];
	size_t got = 0;
	bool head;

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &io, sizeof(io));
	req[0] = '\0';
	while (strstr(req, "\r\n\r\n") == NULL && strstr(req, "\n\n") == NULL) {
		uint64_t now = rte_rdtsc();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t k;

		if (got == METRICS_REQ_MAX) {
			static const char body[] = "request header fields too large\n";

			reply(fd, deadline, "431 Request Header Fields Too Large", plain, body,
			      sizeof(body) - 1, false);
			return;
		}
		if (now >= deadline || __atomic_load_n(&m->quit, __ATOMIC_RELAXED) ||
		    poll(&p, 1, (int)RTE_MIN((deadline - now) * 1000 / rte_get_tsc_hz() + 1,
					     (uint64_t)METRICS_POLL_MS)) < 0)
			return;          /* no request within METRICS_IO_S, or stopping */
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		k = recv(fd, req + got, METRICS_REQ_MAX - got, MSG_DONTWAIT);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
			return;
		if (k > 0)
			got += (size_t)k;
		req[got] = '\0';
	}
	req[strcspn(req, "\r\n")] = '\0';
	/* RFC 9112 3: method SP request-target SP HTTP-version, the method in capitals. */
	if (sscanf(req, "%7[A-Z] %255s %15s", method, path, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		static const char body[] = "bad request\n";

		reply(fd, deadline, "400 Bad Request", plain, body, sizeof(body) - 1, false);
		return;
	}
	head = strcmp(method, "HEAD") == 0;
	if (!head && strcmp(method, "GET") != 0) {
		static const char body[] = "only GET and HEAD\n";

		reply(fd, deadline, "405 Method Not Allowed", "Allow: GET, HEAD\r\n", body,
		      sizeof(body) - 1, false);
		return;
	}
	path[strcspn(path, "?")] = '\0';
	if (strcmp(path, "/metrics") != 0) {
		static const char body[] = "not found: the metrics are at /metrics\n";

		reply(fd, deadline, "404 Not Found", plain, body, sizeof(body) - 1, head);
		return;
	}
	size_t len = 0;
	char *body = render(m, &len);

	if (body == NULL) {
		static const char oom[] = "out of memory\n";

		reply(fd, deadline, "500 Internal Server Error", plain, oom, sizeof(oom) - 1, head);
		return;
	}
	reply(fd, deadline, "200 OK", text, body, len, head);
	free(body);
}

static void
serve(struct tt_metrics *m, int fd)
{
	uint64_t deadline = rte_rdtsc() + METRICS_IO_S * rte_get_tsc_hz();

	serve_one(m, fd, deadline);
	finish(m, fd, deadline);
}

static void *
metrics_main(void *arg)
{
	struct tt_metrics *m = arg;
	uint64_t hz = rte_get_tsc_hz();

	sample_busy(m);
	while (!__atomic_load_n(&m->quit, __ATOMIC_RELAXED)) {
		struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
		int n = poll(&pfd, 1, METRICS_POLL_MS);

		if (rte_rdtsc() - m->sample_tsc >= hz)
			sample_busy(m);
		if (n > 0 && (pfd.revents & POLLIN)) {
			int c = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0) {
				serve(m, c);
				close(c);
			}
		}
	}
	return NULL;
}

int
tt_metrics_start(struct tt_engine *e, char *err, size_t errlen)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = e->cfg.metrics_addr,
		.sin_port = htons((uint16_t)e->cfg.metrics_port),
	};
	char a[INET_ADDRSTRLEN];
	struct tt_metrics *m;
	int one = 1, rc;

	if (e->cfg.metrics_port == 0)
		return 0;
	inet_ntop(AF_INET, &sa.sin_addr, a, sizeof(a));
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		snprintf(err, errlen, "out of memory for the metrics endpoint");
		return -ENOMEM;
	}
	m->e = e;
	m->start = time(NULL);
	m->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->fd < 0 ||
	    setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(m->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(m->fd, 16) != 0) {
		rc = -errno;
		snprintf(err, errlen, "--metrics-listen %s:%u: %s", a, e->cfg.metrics_port,
			 strerror(errno));
		goto fail;
	}
	/* EAL's control thread: off the workers' lcores, on the control cores' CPU set. */
	rc = rte_ctrl_thread_create(&m->tid, "tt-metrics", NULL, metrics_main, m);
	if (rc != 0) {
		/* rte_ctrl_thread_create returns -errno. */
		snprintf(err, errlen, "cannot start the metrics thread: %s", strerror(-rc));
		goto fail;
	}
	e->metrics = m;
	TT_LOG(INFO, core, "metrics for Prometheus at http://%s:%u/metrics", a,
	       e->cfg.metrics_port);
	return 0;
fail:
	if (m->fd >= 0)
		close(m->fd);
	free(m);
	return rc;
}

void
tt_metrics_stop(struct tt_engine *e)
{
	struct tt_metrics *m = e->metrics;

	if (m == NULL)
		return;
	__atomic_store_n(&m->quit, true, __ATOMIC_RELAXED);
	pthread_join(m->tid, NULL);
	close(m->fd);
	free(m);
	e->metrics = NULL;
}
