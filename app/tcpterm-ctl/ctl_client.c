/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm-ctl's telemetry client (SPEC O3, O4): tt_ctl_find() picks the instance, then
 * tt_ctl_connect() → tt_ctl_query()... → tt_ctl_close(). The protocol is DPDK telemetry v2
 * over an AF_UNIX SOCK_SEQPACKET socket: on accept the server sends one JSON greeting
 * {"version", "pid", "max_output_len"}; then every command sent gets exactly one JSON reply
 * {"<command>": value}, value null for an unknown command or a failed callback. Written
 * against the protocol rather than linking DPDK so the tool runs without EAL or hugepages.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

#define CTL_SOCKET_NAME "dpdk_telemetry.v2"
/* rte_telemetry's own MAX_OUTPUT_LEN, for a server whose greeting does not say. */
#define CTL_DEFAULT_OUTPUT_LEN 16384
/* Bounds what a corrupt greeting can make us allocate. */
#define CTL_MAX_OUTPUT_LEN (64u << 20)
/* A tcpterm that does not answer in this long is stuck; the tool must never hang (O7). */
#define CTL_TIMEOUT_S 2
/* rte_telemetry reads commands into a 1024-byte buffer and its greeting fits one too. */
#define CTL_CMD_MAX 1024

/*
 * The directory EAL puts its runtime files in, as eal_create_runtime_dir() chooses it:
 * /var/run/dpdk for root, else $XDG_RUNTIME_DIR/dpdk or /tmp/dpdk.
 */
static void
runtime_dir(char *buf, size_t len)
{
	const char *dir = "/var/run";

	if (getuid() != 0) {
		dir = getenv("XDG_RUNTIME_DIR");
		if (dir == NULL)
			dir = "/tmp";
	}
	snprintf(buf, len, "%s/dpdk", dir);
}

static int
fits(int n, size_t len)
{
	return n >= 0 && (size_t)n < len;
}

int
tt_ctl_connect(struct tt_ctl_conn *c, const char *path, char *err, size_t errlen)
{
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_S };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char greeting[CTL_CMD_MAX];
	json_t *root = NULL, *mol;
	json_error_t jerr;
	size_t out_len = CTL_DEFAULT_OUTPUT_LEN;
	ssize_t n;
	int rc;

	c->fd = -1;
	c->buf = NULL;
	if (!fits(snprintf(c->path, sizeof(c->path), "%s", path), sizeof(c->path)) ||
	    !fits(snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path), sizeof(sun.sun_path))) {
		snprintf(err, errlen, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return rc;
	}
	/* SO_SNDTIMEO also bounds a connect() to a server whose backlog is full. */
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot connect to %s: %s%s", path, strerror(errno),
			 errno == ECONNREFUSED ? " (a stale socket: the process has exited)" : "");
		goto fail;
	}
	/*
	 * rte_telemetry closes a connection beyond its client limit without a greeting, so a
	 * zero-length read here means "too many clients", not a protocol error.
	 */
	n = recv(c->fd, greeting, sizeof(greeting) - 1, 0);
	if (n <= 0) {
		rc = n == 0 ? -ECONNRESET : -errno;
		snprintf(err, errlen, "%s: no greeting from the server: %s", path,
			 n == 0 ? "connection closed (too many telemetry clients?)" :
			 errno == EAGAIN ? "timed out" : strerror(errno));
		goto fail;
	}
	root = json_loadb(greeting, (size_t)n, 0, &jerr);
	if (!json_is_object(root)) {
		rc = -EPROTO;
		snprintf(err, errlen, "%s: greeting is not a JSON object: not DPDK telemetry v2?",
			 path);
		goto fail;
	}
	mol = json_object_get(root, "max_output_len");
	if (json_is_integer(mol)) {
		json_int_t v = json_integer_value(mol);

		if (v <= 0 || (unsigned long long)v > CTL_MAX_OUTPUT_LEN) {
			rc = -EPROTO;
			snprintf(err, errlen, "%s: implausible max_output_len %lld", path,
				 (long long)v);
			goto fail;
		}
		out_len = (size_t)v;
	}
	json_decref(root);
	root = NULL;
	c->buf_len = out_len + 1;
	c->buf = malloc(c->buf_len);
	if (c->buf == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory for a %zu-byte reply buffer", c->buf_len);
		goto fail;
	}
	return 0;
fail:
	json_decref(root);
	close(c->fd);
	c->fd = -1;
	return rc;
}

void
tt_ctl_close(struct tt_ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

/* recv() of one whole message; a reply cut by max_output_len would parse as garbage. */
static ssize_t
recv_message(struct tt_ctl_conn *c)
{
	struct iovec iov = { .iov_base = c->buf, .iov_len = c->buf_len - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(c->fd, &msg, 0);

	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	c->buf[n] = '\0';
	return n;
}

int
tt_ctl_query(struct tt_ctl_conn *c, const char *cmd, json_t **value, char *err, size_t errlen)
{
	size_t cmd_len = strlen(cmd);
	char name[CTL_CMD_MAX];
	json_error_t jerr;
	json_t *root, *v;
	ssize_t n;

	*value = NULL;
	if (cmd_len == 0 || cmd_len >= CTL_CMD_MAX) {
		snprintf(err, errlen, "bad telemetry command \"%s\"", cmd);
		return -EINVAL;
	}
	if (send(c->fd, cmd, cmd_len, MSG_NOSIGNAL) != (ssize_t)cmd_len) {
		int rc = -errno;

		snprintf(err, errlen, "%s: sending %s: %s", c->path, cmd, strerror(errno));
		return rc;
	}
	n = recv_message(c);
	if (n < 0) {
		snprintf(err, errlen, "%s: reply to %s: %s", c->path, cmd,
			 n == -ECONNRESET ? "connection closed by the server" :
			 n == -EAGAIN ? "timed out" :
			 n == -EMSGSIZE ? "longer than the server's max_output_len" :
			 strerror((int)-n));
		return (int)n;
	}
	root = json_loadb(c->buf, (size_t)n, 0, &jerr);
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: reply to %s is not a JSON object: %s", c->path, cmd,
			 root == NULL ? jerr.text : "other JSON type");
		json_decref(root);
		return -EPROTO;
	}
	/* The server keys the reply by the command without its ",params". */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(cmd, ","), cmd);
	v = json_object_get(root, name);
	if (v == NULL) {
		snprintf(err, errlen, "%s: reply to %s has no \"%s\" member", c->path, cmd, name);
		json_decref(root);
		return -EPROTO;
	}
	*value = json_incref(v);
	json_decref(root);
	return 0;
}

/* Whether path is a running tcpterm: it answers /tcpterm/stats with an object. */
static int
is_tcpterm(const char *path)
{
	struct tt_ctl_conn c;
	char err[256];
	json_t *v;
	int yes;

	if (tt_ctl_connect(&c, path, err, sizeof(err)) != 0)
		return 0;
	yes = tt_ctl_query(&c, "/tcpterm/stats", &v, err, sizeof(err)) == 0 && json_is_object(v);
	json_decref(v);
	tt_ctl_close(&c);
	return yes;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the prefixes under dir that run a tcpterm, sorted; NULL and *n = 0 for none. */
static char **
scan(const char *dir, size_t *n)
{
	char **names = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

		if (de->d_name[0] == '.' ||
		    !fits(snprintf(path, sizeof(path), "%s/%s/%s", dir, de->d_name,
				   CTL_SOCKET_NAME), sizeof(path)) ||
		    access(path, F_OK) != 0 || !is_tcpterm(path))
			continue;
		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (nn == NULL)
				break;
			names = nn;
			cap = ncap;
		}
		names[*n] = strdup(de->d_name);
		if (names[*n] != NULL)
			(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(names, *n, sizeof(*names), cmp_names);
	return names;
}

/* "a, b, c" into buf, cut with "..." when it does not fit: the message stays one line. */
static void
join_names(char **names, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", names[i]);

		if (!fits(w, len - used)) {
			if (len > 4)
				snprintf(buf + len - 4, 4, "...");
			return;
		}
		used += (size_t)w;
	}
}

int
tt_ctl_find(const char *prefix, char *path, size_t len, char *err, size_t errlen)
{
	char dir[200], list[512];
	char **names;
	size_t n;
	int rc;

	runtime_dir(dir, sizeof(dir));
	if (prefix != NULL) {
		struct stat st;

		if (!fits(snprintf(path, len, "%s/%s/%s", dir, prefix, CTL_SOCKET_NAME), len)) {
			snprintf(err, errlen, "--file-prefix %s: name too long", prefix);
			return -ENAMETOOLONG;
		}
		if (stat(path, &st) != 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s: is a tcpterm running with --file-prefix %s?",
				 path, strerror(errno), prefix);
			return rc;
		}
		return 0;
	}
	names = scan(dir, &n);
	if (n == 1) {
		snprintf(path, len, "%s/%s/%s", dir, names[0], CTL_SOCKET_NAME);
		rc = 0;
	} else if (n == 0) {
		snprintf(err, errlen, "no running tcpterm found under %s: start tcpterm, or pass "
			 "--file-prefix NAME", dir);
		rc = -ENOENT;
	} else {
		join_names(names, n, list, sizeof(list));
		snprintf(err, errlen, "%zu tcpterm instances are running (%s): pass "
			 "--file-prefix NAME to pick one", n, list);
		rc = -ENOTUNIQ;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
