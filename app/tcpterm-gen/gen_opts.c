/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm-gen's own options (SPEC A3), one table for parsing and --help (STYLE habit 6).
 * main.c calls gen_opts_parse() on the arguments after EAL's "--"; what is not gen's is left
 * for tt_config_parse_args (--addr, --gateway, --mbufs, --ip-local-port-range, tunables), so
 * the network side of gen is configured exactly as tcpterm's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tcpterm/tt_man.h>

#include "gen.h"

struct gen_opt {
	const char *name;
	const char *arg;           /* metavariable, NULL for a flag */
	const char *help;
	int (*set)(struct gen_opts *o, const char *v, char *err, size_t errlen);
	uint8_t modes;             /* the modes it applies to, a bit each; 0: all */
};

#define M_CPS    (1u << GEN_CPS)
#define M_KA     (1u << GEN_KEEPALIVE)
#define M_STREAM (1u << GEN_STREAM)
#define M_FLOOD  (1u << GEN_FLOOD)

static const char *const mode_names[] = { "cps", "keepalive", "stream", "flood" };

const char *
gen_mode_name(enum gen_mode m)
{
	return (unsigned int)m < RTE_DIM(mode_names) ? mode_names[m] : "?";
}

static int
parse_u64(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (*v == '-' || *v == '\0')
		return -EINVAL;
	x = strtoull(v, &end, 10);
	/* k and M suffixes: rates are written 100k, 2M on a command line. */
	if (*end == 'k' || *end == 'K') {
		if (x > ULLONG_MAX / 1000)
			return -EINVAL;
		x *= 1000;
		end++;
	} else if (*end == 'M') {
		if (x > ULLONG_MAX / 1000000)
			return -EINVAL;
		x *= 1000000;
		end++;
	}
	if (errno != 0 || *end != '\0' || x < lo || x > hi)
		return -EINVAL;
	*out = x;
	return 0;
}

#define U64_SETTER(fn, field, type, lo, hi, what) \
static int \
fn(struct gen_opts *o, const char *v, char *err, size_t errlen) \
{ \
	uint64_t x; \
	if (parse_u64(v, lo, hi, &x) != 0) { \
		snprintf(err, errlen, "%s %s: expected %s, %" PRIu64 "..%" PRIu64, \
			 "--" what, v, "an integer", (uint64_t)(lo), (uint64_t)(hi)); \
		return -EINVAL; \
	} \
	o->field = (type)x; \
	return 0; \
}

U64_SETTER(set_rate, rate, uint64_t, 0, 100000000, "rate")
U64_SETTER(set_concurrency, concurrency, uint32_t, 1, 10000000, "concurrency")
U64_SETTER(set_conns, conns, uint32_t, 1, 10000000, "conns")
U64_SETTER(set_duration, duration_s, uint32_t, 0, 31536000, "duration")
U64_SETTER(set_ramp, ramp_s, uint32_t, 0, 3600, "ramp")
U64_SETTER(set_flood_rate, flood_rate, uint64_t, 0, 100000000, "flood-rate")
U64_SETTER(set_hold, hold, uint32_t, 0, 16000000, "hold")
U64_SETTER(set_hold_rate, hold_rate, uint64_t, 1, 100000000, "hold-rate")

/* v's index in names[n], or -1. */
static int
name_index(const char *v, const char *const *names, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return (int)i;
	return -1;
}

/* "A.B.C.D<sep>rest": the address (network order) and rest, or -EINVAL. */
static int
split_addr(const char *v, int sep, uint32_t *addr, const char **rest)
{
	char host[INET_ADDRSTRLEN];
	const char *p = strrchr(v, sep);

	if (p == NULL || (size_t)(p - v) >= sizeof(host))
		return -EINVAL;
	memcpy(host, v, (size_t)(p - v));
	host[p - v] = '\0';
	*rest = p + 1;
	return inet_pton(AF_INET, host, addr) == 1 ? 0 : -EINVAL;
}

static int
set_mode(struct gen_opts *o, const char *v, char *err, size_t errlen)
{
	int i = name_index(v, mode_names, RTE_DIM(mode_names));

	if (i < 0) {
		snprintf(err, errlen, "--mode %s: expected cps, keepalive, stream or flood", v);
		return -EINVAL;
	}
	o->mode = (enum gen_mode)i;
	return 0;
}

/* "A.B.C.D" or "A.B.C.D-E.F.G.H" (n long, ended by ':'): the first and how many. */
static int
addr_range(const char *v, size_t n, uint32_t *first, uint32_t *count)
{
	char a[2 * INET_ADDRSTRLEN];
	char *dash;
	uint32_t last;

	if (n >= sizeof(a))
		return -EINVAL;
	memcpy(a, v, n);
	a[n] = '\0';
	dash = strchr(a, '-');
	if (dash != NULL)
		*dash = '\0';
	if (inet_pton(AF_INET, a, first) != 1)
		return -EINVAL;
	if (dash == NULL) {
		*count = 1;
		return 0;
	}
	if (inet_pton(AF_INET, dash + 1, &last) != 1 ||
	    rte_be_to_cpu_32(last) < rte_be_to_cpu_32(*first) ||
	    rte_be_to_cpu_32(last) - rte_be_to_cpu_32(*first) >= 65536)
		return -EINVAL;
	*count = rte_be_to_cpu_32(last) - rte_be_to_cpu_32(*first) + 1;
	return 0;
}

/*
 * "[X:X::X]" or "[X:X::A-X:X::B]" (n long, ended by ':'): the first and how many; a range
 * moves the low 32 bits only (the rest of both ends the same).
 */
static int
addr6_range(const char *v, size_t n, uint8_t first[16], uint32_t *count)
{
	char a[2 * INET6_ADDRSTRLEN + 4];
	uint8_t last[16];
	uint32_t lo, hi;
	char *dash;

	if (n < 3 || n >= sizeof(a) || v[0] != '[' || v[n - 1] != ']')
		return -EINVAL;
	memcpy(a, v + 1, n - 2);
	a[n - 2] = '\0';
	dash = strchr(a, '-');
	if (dash != NULL)
		*dash = '\0';
	if (inet_pton(AF_INET6, a, first) != 1)
		return -EINVAL;
	if (dash == NULL) {
		*count = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, dash + 1, last) != 1 || memcmp(first, last, 12) != 0)
		return -EINVAL;
	memcpy(&lo, first + 12, 4);
	memcpy(&hi, last + 12, 4);
	lo = rte_be_to_cpu_32(lo);
	hi = rte_be_to_cpu_32(hi);
	if (hi < lo || hi - lo >= 65536)
		return -EINVAL;
	*count = hi - lo + 1;
	return 0;
}

static int
set_target(struct gen_opts *o, const char *v, char *err, size_t errlen)
{
	const char *rest = strrchr(v, ':'), *dash;
	char lo[8];
	uint64_t port, hi;

	if (rest == NULL)
		goto bad;
	if (v[0] == '[') {
		o->target.family = AF_INET6;
		o->target.addr = 0;
		if (addr6_range(v, (size_t)(rest - v), o->target.addr6, &o->target_addrs) != 0)
			goto bad;
	} else {
		o->target.family = 0;
		if (addr_range(v, (size_t)(rest - v), &o->target.addr, &o->target_addrs) != 0)
			goto bad;
	}
	rest++;
	dash = strchr(rest, '-');
	if (dash == NULL) {
		if (parse_u64(rest, 1, 65535, &port) != 0)
			goto bad;
		hi = port;
	} else {
		if ((size_t)(dash - rest) >= sizeof(lo))
			goto bad;
		memcpy(lo, rest, (size_t)(dash - rest));
		lo[dash - rest] = '\0';
		if (parse_u64(lo, 1, 65535, &port) != 0 || parse_u64(dash + 1, port, 65535, &hi) != 0)
			goto bad;
	}
	o->target.port = (uint16_t)port;
	o->target_port_hi = (uint16_t)hi;
	return 0;
bad:
	snprintf(err, errlen, "--target %s: expected A.B.C.D[-E.F.G.H]:PORT[-PORT] or "
		 "[X:X::A[-X:X::B]]:PORT[-PORT] (at most 65536 addresses, the first not above the "
		 "last; an IPv6 range moves the last 32 bits)", v);
	return -EINVAL;
}

static int
set_close(struct gen_opts *o, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "client") != 0 && strcmp(v, "server") != 0) {
		snprintf(err, errlen, "--close %s: expected client or server", v);
		return -EINVAL;
	}
	o->close_server = v[0] == 's';
	return 0;
}

static int
set_direction(struct gen_opts *o, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "up") != 0 && strcmp(v, "down") != 0) {
		snprintf(err, errlen, "--direction %s: expected up or down", v);
		return -EINVAL;
	}
	o->upload = v[0] == 'u';
	return 0;
}

static int
set_flood_kind(struct gen_opts *o, const char *v, char *err, size_t errlen)
{
	static const char *const kinds[] = { "syn", "ack", "rst" };
	int i = name_index(v, kinds, RTE_DIM(kinds));

	if (i < 0) {
		snprintf(err, errlen, "--flood-kind %s: expected syn, ack or rst", v);
		return -EINVAL;
	}
	o->flood_kind = (enum gen_flood_kind)i;
	return 0;
}

static int
set_flood_src(struct gen_opts *o, const char *v, char *err, size_t errlen)
{
	const char *rest;
	uint64_t len;
	uint32_t a;

	if (strchr(v, ':') != NULL) {
		char a6[INET6_ADDRSTRLEN];
		const char *slash = strchr(v, '/');

		/* The low 64 bits or fewer are drawn: a /64 or longer, as one link's sources. */
		if (slash == NULL || (size_t)(slash - v) >= sizeof(a6) ||
		    parse_u64(slash + 1, 64, 128, &len) != 0)
			goto bad;
		memcpy(a6, v, (size_t)(slash - v));
		a6[slash - v] = '\0';
		if (inet_pton(AF_INET6, a6, o->flood_src6) != 1)
			goto bad;
		for (unsigned int bit = (unsigned int)len; bit < 128; bit++)
			o->flood_src6[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
		o->flood_v6 = true;
		o->flood_src_len = (uint8_t)len;
		return 0;
	}
	if (split_addr(v, '/', &a, &rest) != 0 || parse_u64(rest, 8, 32, &len) != 0)
		goto bad;
	o->flood_v6 = false;
	o->flood_src_len = (uint8_t)len;
	/* Host bits dropped: sources are drawn as prefix | random host part. */
	o->flood_src = a & htonl(len == 32 ? ~0u : ~(~0u >> len));
	return 0;
bad:
	snprintf(err, errlen, "--flood-src %s: expected A.B.C.D/LEN (LEN 8..32) or X:X::/LEN (LEN 64..128)", v);
	return -EINVAL;
}

static int
set_flood_mac(struct gen_opts *o, const char *v, char *err, size_t errlen)
{
	if (rte_ether_unformat_addr(v, &o->flood_mac) != 0 ||
	    !rte_is_unicast_ether_addr(&o->flood_mac)) {
		snprintf(err, errlen, "--flood-mac %s: expected a unicast MAC XX:XX:XX:XX:XX:XX", v);
		return -EINVAL;
	}
	o->flood_mac_set = true;
	return 0;
}

static int
set_json(struct gen_opts *o, const char *v, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	o->json_path = v;
	return 0;
}

static int
set_path(struct gen_opts *o, const char *v, char *err, size_t errlen)
{
	if (v[0] != '/' || strlen(v) > 200 || strpbrk(v, " \r\n") != NULL) {
		snprintf(err, errlen, "--path %s: expected /..., no spaces, at most 200 bytes", v);
		return -EINVAL;
	}
	snprintf(o->request, sizeof(o->request), "%s", v);   /* built into a request later */
	return 0;
}

static const struct gen_opt opts[] = {
	{ "mode", "MODE", "cps (connect, GET, read the answer, close), keepalive (--conns "
	  "connections, a GET after each answer), stream (--conns connections of bulk data), "
	  "flood (spoofed segments only); default cps", set_mode },
	{ "target", "ADDR[-ADDR]:PORT[-PORT]", "the server (required; ADDR A.B.C.D or [X:X::X], an IPv6 range in brackets, [X::A-X::B]); with ranges, "
	  "connections take the ports in turn, then the next address: one source address "
	  "reaches one address and port at about 64k conn/s (ports 1024-65535, reused after 1 s "
	  "in TIME_WAIT by tw_reuse), and holds about 64k connections open to it", set_target },
	{ "rate", "N", "cps: new connections a second; flood: packets a second; 0 = as fast as "
	  "--concurrency allows (default); k and M suffixes", set_rate, M_CPS | M_FLOOD },
	{ "concurrency", "N", "cps: connections open at most at once (default 1000)",
	  set_concurrency, M_CPS },
	{ "conns", "N", "keepalive, stream: connections held open (default 16, stream 1)",
	  set_conns, M_KA | M_STREAM },
	{ "duration", "S", "seconds to run, then stop opening and close (default 10; 0 = until "
	  "Ctrl-C)", set_duration },
	{ "ramp", "S", "seconds of linear ramp-up of --rate (cps, flood) or of --conns "
	  "(default 0)", set_ramp },
	{ "close", "WHO", "cps: client (default: close after the answer) or server (ask for "
	  "Connection: close and wait for the server's FIN)", set_close, M_CPS },
	{ "direction", "DIR", "stream: down (default: GET a large body, again when it ends) or "
	  "up (send bulk data, e.g. to tcpterm --app discard)", set_direction, M_STREAM },
	{ "path", "PATH", "the path GET asks for (default /)", set_path, M_CPS | M_KA | M_STREAM },
	{ "flood-rate", "N", "spoofed packets a second beside the legitimate load "
	  "(--mode flood: --rate)", set_flood_rate },
	{ "flood-kind", "KIND", "syn (default), ack or rst segments", set_flood_kind },
	{ "flood-src", "A.B.C.D/LEN|X:X::/LEN", "spoofed sources: random addresses of this prefix (IPv6: /64 or longer), "
	  "random ports (required to flood)", set_flood_src },
	{ "flood-mac", "MAC", "the target's (or its next hop's) MAC, the flood frames' "
	  "destination (required to flood: tcpterm logs its MAC at start); the frames leave by "
	  "the port and 802.1Q VLAN of the --addr a connect to the target would use", set_flood_mac },
	{ "hold", "N", "idle connections held open beside the load (SPEC P2, P5): opened at "
	  "--hold-rate, nothing sent after the handshake, opened again if the server ends one "
	  "(error 'dropped'), closed at the stop; the line a second says how many are up",
	  set_hold, M_CPS | M_KA | M_STREAM },
	{ "hold-rate", "N", "--hold's opens a second (default 100k); k and M suffixes",
	  set_hold_rate, M_CPS | M_KA | M_STREAM },
	{ "json", "FILE", "write the JSON summary to FILE too (it always ends stdout)",
	  set_json },
};

/* text after a 28-column option name, wrapped at 96 columns by words */
static void
help_wrapped(FILE *out, const char *text)
{
	const int indent = 28, width = 96;
	int col = indent;

	while (*text != '\0') {
		int w = (int)strcspn(text, " ");

		if (col > indent && col + 1 + w > width) {
			fprintf(out, "\n%*s", indent, "");
			col = indent;
		}
		fprintf(out, " %.*s", w, text);
		col += 1 + w;
		text += w;
		while (*text == ' ')
			text++;
	}
	fputc('\n', out);
}

void
gen_opts_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [EAL options] -- --target A.B.C.D:PORT [--mode MODE] [options]\n"
		"\n"
		"tcpterm-gen, the load generator (SPEC A3): HTTP connections per second, keep-alive\n"
		"requests, bulk streams and spoofed floods, mixable (--mode cps --flood-rate R).\n"
		"One line a second (rates, errors by kind, retransmissions, latency percentiles),\n"
		"a JSON summary at the end. Ctrl-C or --duration: stop opening, close what is open,\n"
		"print the summary, exit 0. Exit 2 for a bad option, 1 when the target is unreachable.\n"
		"\ngen options:\n", prog);
	for (size_t i = 0; i < RTE_DIM(opts); i++) {
		char lhs[64];

		snprintf(lhs, sizeof(lhs), "--%s %s", opts[i].name, opts[i].arg);
		/* A name too long for its column gets a line of its own. */
		if (strlen(lhs) > 26)
			fprintf(out, "  %s\n%28s", lhs, "");
		else
			fprintf(out, "  %-26s", lhs);
		help_wrapped(out, opts[i].help);
	}
	fprintf(out, "  %-26s %s\n", "--quiet", "no line a second; the summary only");
	fprintf(out, "\nnetwork and TCP options, as tcpterm's (gen defaults: --tw-reuse 1,\n"
		"--ip-local-port-range '1024 65535', no listener):\n");
}

void
gen_opts_man(FILE *out)
{
	tt_man_head(out, "tcpterm-gen", "the load generator of tcpterm, on the same TCP stack");
	tt_man_section(out, "SYNOPSIS");
	tt_man_text(out, "tcpterm-gen [EAL options] -- --target A.B.C.D:PORT [--mode MODE] [options]");
	tt_man_section(out, "DESCRIPTION");
	tt_man_para(out, "tcpterm-gen opens connections with tcpterm's own stack (active opens, syn_retries, ip_local_port_range, TIME_WAIT reuse) and drives a target with HTTP connections per second (cps), keep-alive requests (keepalive), bulk streams (stream) or spoofed SYN floods (flood), the last mixable with the others (--mode cps --flood-rate R). One line a second: rates, errors by kind, retransmissions, latency percentiles; a JSON summary at the end. Ctrl-C or --duration: it stops opening, closes what is open, prints the summary and exits 0.");
	tt_man_section(out, "OPTIONS");
	for (size_t i = 0; i < RTE_DIM(opts); i++) {
		char name[48];

		snprintf(name, sizeof(name), "--%s", opts[i].name);
		tt_man_option(out, name, opts[i].arg, opts[i].help);
	}
	tt_man_option(out, "--quiet", NULL, "no line a second; the summary only");
	tt_man_option(out, "--man", NULL, "this page in roff, then exit");
	tt_man_section(out, "NETWORK AND TCP OPTIONS");
	tt_man_para(out, "As tcpterm's (tcpterm(8)), with the generator's defaults --tw-reuse 1 and --ip-local-port-range '1024 65535', and no listener.");
	tt_config_man_options(out);
	tt_man_section(out, "EXIT STATUS");
	tt_man_para(out, "0 after the run (its duration, or Ctrl-C); 2 for a bad option, with one line on standard error; 1 when the target is unreachable.");
	tt_man_section(out, "SEE ALSO");
	tt_man_text(out, "tcpterm(8), tcpterm-ctl(8)");
}

/* "--name value" or "--name=value": the table row and the value, or NULL. */
static const struct gen_opt *
match(int argc, char **argv, int *i, const char **val)
{
	const char *a = argv[*i];
	size_t len;

	if (strncmp(a, "--", 2) != 0)
		return NULL;
	a += 2;
	len = strcspn(a, "=");
	for (size_t k = 0; k < RTE_DIM(opts); k++) {
		if (strlen(opts[k].name) != len || strncmp(a, opts[k].name, len) != 0)
			continue;
		if (a[len] == '=')
			*val = a + len + 1;
		else if (*i + 1 < argc)
			*val = argv[++*i];
		else
			*val = NULL;
		return &opts[k];
	}
	return NULL;
}

static int
build_request(struct gen_opts *o, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2], path[256];
	int n;

	/* --path left it in request, at most 200 bytes (set_path) */
	memcpy(path, o->request, sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	if (path[0] == '\0')
		memcpy(path, "/", 2);
	if (o->target.family == AF_INET6) {
		char a6[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, o->target.addr6, a6, sizeof(a6));
		snprintf(host, sizeof(host), "[%s]", a6);
	} else {
		inet_ntop(AF_INET, &o->target.addr, host, sizeof(host));
	}
	/*
	 * HTTP/1.1, so a keep-alive server keeps the connection (keepalive, stream down) and a
	 * client-side close is ours to make (cps); --close server asks for the server's FIN
	 * (RFC 9112 9.6).
	 */
	n = snprintf(o->request, sizeof(o->request), "GET %s HTTP/1.1\r\nHost: %s:%u\r\n%s\r\n",
		     path, host, o->target.port,
		     o->mode == GEN_CPS && o->close_server ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(o->request)) {
		snprintf(err, errlen, "--path too long");
		return -EINVAL;
	}
	o->request_len = (uint32_t)n;
	return 0;
}

static int
check(struct gen_opts *o, uint64_t set, char *err, size_t errlen)
{
	/* An option the mode ignores is a mistake to say, not to pass over (SPEC O7). */
	for (size_t k = 0; k < RTE_DIM(opts); k++)
		if ((set & (UINT64_C(1) << k)) && opts[k].modes != 0 &&
		    !(opts[k].modes & (1u << o->mode))) {
			snprintf(err, errlen, "--%s does not apply to --mode %s", opts[k].name,
				 gen_mode_name(o->mode));
			return -EINVAL;
		}
	if (o->target.port == 0) {
		snprintf(err, errlen, "--target A.B.C.D:PORT (or [X:X::X]:PORT) is required (see --help)");
		return -EINVAL;
	}
	if (o->mode == GEN_FLOOD) {
		if (o->rate == 0) {
			snprintf(err, errlen, "--mode flood needs --rate PPS");
			return -EINVAL;
		}
		o->flood_rate = o->rate;
	}
	if (o->flood_rate != 0 && o->flood_src_len != 0 &&
	    o->flood_v6 != (o->target.family == AF_INET6)) {
		snprintf(err, errlen, "--flood-src and --target must be of one family (both IPv4 or both IPv6)");
		return -EINVAL;
	}
	if (o->flood_rate != 0 && (o->flood_src_len == 0 || !o->flood_mac_set)) {
		snprintf(err, errlen, "flooding needs --flood-src A.B.C.D/LEN and --flood-mac MAC "
			 "(the target's MAC: tcpterm logs it at start)");
		return -EINVAL;
	}
	if (o->conns == 0)
		o->conns = o->mode == GEN_STREAM ? 1 : 16;
	return build_request(o, err, errlen);
}

int
gen_opts_parse(struct gen_opts *o, int argc, char **argv, char **rest, int *n_rest,
	       char *err, size_t errlen)
{
	uint64_t set = 0;

	memset(o, 0, sizeof(*o));
	o->mode = GEN_CPS;
	o->concurrency = 1000;
	o->duration_s = 10;
	o->hold_rate = 100000;
	rest[0] = argv[0];
	*n_rest = 1;
	for (int i = 1; i < argc; i++) {
		const struct gen_opt *opt;
		const char *val = NULL;
		int rc;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
		opt = match(argc, argv, &i, &val);
		if (opt == NULL) {
			rest[(*n_rest)++] = argv[i];
			continue;
		}
		if (val == NULL) {
			snprintf(err, errlen, "option --%s needs a value (see --help)", opt->name);
			return -EINVAL;
		}
		rc = opt->set(o, val, err, errlen);
		if (rc != 0)
			return rc;
		set |= UINT64_C(1) << (opt - opts);
	}
	return check(o, set, err, errlen);
}
