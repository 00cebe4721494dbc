/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm-ctl internals, shared by its files and never installed:
 *   main.c        options, the command table, exit codes
 *   ctl_client.c  finding an instance and talking DPDK telemetry v2 to it
 *   ctl_views.c   turning a reply into netstat -s / ss -lnt / ss -s style text
 *   ctl_top.c     the live view, top
 * All calls return 0 or -errno; on failure they leave one line (no prefix, no newline) in
 * the caller's err buffer, which main prints after "tcpterm-ctl: ".
 */
#ifndef TT_CTL_H
#define TT_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* One telemetry connection. buf holds one reply: the server's max_output_len, plus a NUL. */
struct tt_ctl_conn {
	int fd;
	char *buf;
	size_t buf_len;
	char path[256];
};

/*
 * Socket path of the instance to talk to, written to path. With prefix != NULL, that
 * instance's socket, which must exist; with NULL, the only running DPDK process that answers
 * /tcpterm/stats with an object. -ENOENT: none; -ENOTUNIQ: several.
 */
int tt_ctl_find(const char *prefix, char *path, size_t len, char *err, size_t errlen);

/* Connect to path and read the server's greeting. On failure c needs no close. */
int tt_ctl_connect(struct tt_ctl_conn *c, const char *path, char *err, size_t errlen);

/*
 * Send cmd ("/tcpterm/stats" or "/tcpterm/stats,1") and return in *value a new reference to
 * what the reply holds under the command's name: an object, a list, or JSON null when the
 * server does not know the command or its callback failed.
 */
int tt_ctl_query(struct tt_ctl_conn *c, const char *cmd, json_t **value, char *err,
		 size_t errlen);

void tt_ctl_close(struct tt_ctl_conn *c);

/*
 * The views. Each takes the value tt_ctl_query returned for its command, prints to out, and
 * fails with -EPROTO (printing nothing) if the value is not of the contract's shape. Where
 * the contract says "list of objects" (workers, listeners and their per-worker breakdown),
 * an object keyed by id is accepted too: DPDK 22.11 telemetry cannot send the former.
 */
int tt_ctl_view_stats(FILE *out, const json_t *stats, char *err, size_t errlen);
int tt_ctl_view_config(FILE *out, const json_t *config, char *err, size_t errlen);
int tt_ctl_view_workers(FILE *out, const json_t *workers, char *err, size_t errlen);
/* addr: the local address column (no port); worker < 0 for the sums, else that worker's. */
int tt_ctl_view_listeners(FILE *out, const json_t *listeners, const char *addr, long worker,
			  char *err, size_t errlen);
int tt_ctl_view_summary(FILE *out, const json_t *conns, char *err, size_t errlen);
/* /tcpterm/sockets as ss -ti: a header, then per connection its row and its info line. */
int tt_ctl_view_sockets(FILE *out, const json_t *socks, char *err, size_t errlen);
/* /tcpterm/proxy: per proxy listener its counters, then a row per backend. */
int tt_ctl_view_proxy(FILE *out, const json_t *proxy, char *err, size_t errlen);

/* obj's member key as a counter (a non-negative integer) in *out; false if it is none. */
bool tt_ctl_member_u64(const json_t *obj, const char *key, uint64_t *out);

/*
 * top (ctl_top.c): a frame every interval seconds, count frames (0: until SIGINT or
 * SIGTERM, which end it with 0); json: one object a frame on a line. 0 or -errno.
 */
int tt_ctl_top(struct tt_ctl_conn *c, double interval, long count, bool json, char *err,
	       size_t errlen);

#endif /* TT_CTL_H */
