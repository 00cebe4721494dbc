/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm-ctl top [INTERVAL [COUNT]] (issue 10 item 6): a live view of what moves, as
 * `nstat` run in a loop or F-Stack's ff_top. Each INTERVAL seconds (default 1): per worker
 * its busy share and loop iterations a second and its pools in use; the connections per
 * state; then every counter that moved, as a rate and a total, fastest first. On a
 * terminal the screen is redrawn; otherwise frames follow each other, a blank line
 * apart, so it can be logged. COUNT frames, or until Ctrl-C (exit 0 either way).
 * With --json, one object a frame on a line of its own.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tcpterm/tt_stats.h>

#include "ctl.h"

static volatile sig_atomic_t top_stop;

static void
on_sigint(int sig)
{
	(void)sig;
	top_stop = 1;
}

struct top_frame {
	json_t *stats, *workers, *conns;
	struct timespec at;
};

static void
frame_free(struct top_frame *f)
{
	json_decref(f->stats);
	json_decref(f->workers);
	json_decref(f->conns);
	memset(f, 0, sizeof(*f));
}

static int
frame_read(struct tt_ctl_conn *c, struct top_frame *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	clock_gettime(CLOCK_MONOTONIC, &f->at);
	if (tt_ctl_query(c, "/tcpterm/stats", &f->stats, err, errlen) != 0 ||
	    tt_ctl_query(c, "/tcpterm/workers", &f->workers, err, errlen) != 0 ||
	    tt_ctl_query(c, "/tcpterm/conns", &f->conns, err, errlen) != 0)
		return -EIO;
	if (!json_is_object(f->stats) || !json_is_object(f->workers) ||
	    !json_is_object(f->conns)) {
		snprintf(err, errlen, "tcpterm stopped answering /tcpterm/stats, workers or conns");
		return -EIO;
	}
	return 0;
}

/* A counter of a reply, 0 where the reply has none (a worker without TCP, a counter new since). */
static uint64_t
u64_of(const json_t *obj, const char *key)
{
	uint64_t v = 0;

	tt_ctl_member_u64(obj, key, &v);
	return v;
}

/* "Group:Name" for tcpterm's counters (netstat -s's section), the bare name for the NIC's. */
static void
display_name(const char *name, char *buf, size_t len)
{
	int i = tt_stat_lookup(name);

	if (i >= 0)
		snprintf(buf, len, "%s:%s", tt_stat_info[i].group, name);
	else
		snprintf(buf, len, "%s", name);
}

struct moved {
	const char *name;
	double rate;
	uint64_t total;
};

static int
by_rate(const void *a, const void *b)
{
	const struct moved *x = a, *y = b;

	if (x->rate != y->rate)
		return x->rate < y->rate ? 1 : -1;
	return strcmp(x->name, y->name);
}

static void
print_workers(FILE *out, const struct top_frame *prev, const struct top_frame *now, double dt)
{
	const char *id;
	json_t *w;

	fprintf(out, "%-6s %6s %10s  %-15s %-15s %-13s %-15s %s\n", "worker", "busy%", "polls/s",
		"mbufs", "tcbs", "syn_queue", "time_wait", "memory");
	json_object_foreach(now->workers, id, w) {
		const json_t *p = json_object_get(prev->workers, id);
		uint64_t db = u64_of(w, "busy_cycles") - u64_of(p, "busy_cycles");
		uint64_t dtot = u64_of(w, "total_cycles") - u64_of(p, "total_cycles");
		double polls = (double)(u64_of(w, "polls") - u64_of(p, "polls")) / dt;
		const json_t *lvl = json_object_get(w, "mem_level");
		char pools[4][32];
		static const char *const pool[4][2] = {
			{ "mbufs_used", "mbufs" }, { "conns_used", "conns" },
			{ "reqs_used", "reqs" }, { "tws_used", "tws" },
		};

		for (int k = 0; k < 4; k++)
			snprintf(pools[k], sizeof(pools[k]), "%" PRIu64 "/%" PRIu64,
				 u64_of(w, pool[k][0]), u64_of(w, pool[k][1]));
		fprintf(out, "%-6s %6.1f %10.0f  %-15s %-15s %-13s %-15s %s\n", id,
			dtot != 0 ? 100.0 * (double)db / (double)dtot : 0.0, polls, pools[0],
			pools[1], pools[2], pools[3],
			json_is_string(lvl) ? json_string_value(lvl) : "-");
	}
}

static void
print_conns(FILE *out, const struct top_frame *f)
{
	const char *state;
	json_t *v;

	fprintf(out, "conns:");
	json_object_foreach(f->conns, state, v)
		fprintf(out, " %s %" PRIu64, state, u64_of(f->conns, state));
	fputc('\n', out);
}

/* Counters that moved between the frames, fastest first; how many, or -ENOMEM. */
static int
moved_counters(const struct top_frame *prev, const struct top_frame *now, double dt,
	       struct moved **out)
{
	size_t n = 0, cap = json_object_size(now->stats);
	struct moved *m = calloc(cap ? cap : 1, sizeof(*m));
	const char *name;
	json_t *v;

	if (m == NULL)
		return -ENOMEM;
	json_object_foreach(now->stats, name, v) {
		uint64_t a = u64_of(prev->stats, name), b = u64_of(now->stats, name);

		if (b == a || n == cap)
			continue;
		/* A counter that went back (a gauge such as CurrEstab) shows its fall. */
		m[n++] = (struct moved){ name, ((double)b - (double)a) / dt, b };
	}
	qsort(m, n, sizeof(*m), by_rate);
	*out = m;
	return (int)n;
}

static int
print_frame(FILE *out, const struct top_frame *prev, const struct top_frame *now, bool tty,
	    bool json, char *err, size_t errlen)
{
	double dt = (double)(now->at.tv_sec - prev->at.tv_sec) +
		    (double)(now->at.tv_nsec - prev->at.tv_nsec) / 1e9;
	struct moved *m;
	int n;

	if (dt <= 0)
		dt = 1e-9;
	n = moved_counters(prev, now, dt, &m);
	if (n < 0) {
		snprintf(err, errlen, "out of memory");
		return n;
	}
	if (json) {
		json_t *o = json_object(), *rates = json_object();
		char *s;

		for (int i = 0; i < n; i++)
			json_object_set_new(rates, m[i].name, json_real(m[i].rate));
		json_object_set_new(o, "interval_s", json_real(dt));
		json_object_set_new(o, "rates", rates);
		json_object_set(o, "conns", now->conns);
		s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (s != NULL)
			fprintf(out, "%s\n", s);
		free(s);
		free(m);
		return 0;
	}
	if (tty)
		fputs("\033[H\033[J", out);
	else
		fputc('\n', out);
	{
		time_t t = time(NULL);
		char when[32];

		strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
		fprintf(out, "tcpterm-ctl top  %s  over %.2f s%s\n", when, dt,
			tty ? "  (Ctrl-C quits)" : "");
	}
	print_workers(out, prev, now, dt);
	print_conns(out, now);
	fprintf(out, "%-34s %14s %16s\n", "counter", "/s", "total");
	if (n == 0)
		fprintf(out, "(nothing moved)\n");
	for (int i = 0; i < n; i++) {
		char name[64];

		display_name(m[i].name, name, sizeof(name));
		fprintf(out, "%-34s %14.0f %16" PRIu64 "\n", name, m[i].rate, m[i].total);
	}
	free(m);
	return fflush(out) == 0 ? 0 : -EIO;
}

int
tt_ctl_top(struct tt_ctl_conn *c, double interval, long count, bool json, char *err,
	   size_t errlen)
{
	struct top_frame prev, now;
	struct sigaction sa = { .sa_handler = on_sigint };
	bool tty = !json && isatty(STDOUT_FILENO);
	int rc;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = frame_read(c, &prev, err, errlen);
	if (rc != 0)
		return rc;
	for (long i = 0; (count <= 0 || i < count) && !top_stop; i++) {
		struct timespec d = { .tv_sec = (time_t)interval,
				      .tv_nsec = (long)((interval - (double)(time_t)interval) * 1e9) };

		/* Interrupted by Ctrl-C: the frame still shows, over the shorter interval. */
		nanosleep(&d, NULL);
		rc = frame_read(c, &now, err, errlen);
		/* Ctrl-C during a query interrupts its read: a stop, not a failure. */
		if (rc != 0 && top_stop) {
			frame_free(&now);
			rc = 0;
			break;
		}
		if (rc == 0)
			rc = print_frame(stdout, &prev, &now, tty, json, err, errlen);
		frame_free(&prev);
		prev = now;
		if (rc != 0)
			break;
	}
	frame_free(&prev);
	return rc;
}
