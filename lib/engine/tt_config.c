/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: one table declares every key (STYLE habit 6). The INI parser (rte_cfgfile),
 * the --long-options, --help, the start-up dump and telemetry's /tcpterm/config all walk it;
 * defaults are the table's own strings, parsed by the same code as user input, so a default
 * can never be out of its own range.
 *
 * Lists (addr, listen port) accumulate within one source; the first entry a source gives
 * replaces what an earlier source (defaults, then file) set.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include <rte_cfgfile.h>
#include <rte_common.h>
#include <rte_debug.h>

#include <tcpterm/tt_config.h>
#include <tcpterm/tt_man.h>

#include "../dp/tt_port.h"
#include "../util/tt_in6.h"
#include "tt_config_priv.h"

enum key_type {
	KT_U32,        /* unsigned integer in [min, max] */
	KT_FLAG,       /* bool; on the command line it takes no value */
	KT_GATEWAY,    /* "none", or an IPv4 and/or an IPv6 address (gateway, gateway6) */
	KT_PREFIXES,   /* repeatable A.B.C.D/len or X:X::X/len (addrs, addrs6) */
	KT_KERNEL,     /* "auto", "none", or an IPv4 and/or an IPv6 prefix */
	KT_PORTS,      /* repeatable, comma-separated port numbers */
	KT_APP,        /* built-in application name */
	KT_IMPAIR,     /* repeatable [PORT:]SPEC (tt_impair.h); min holds the direction */
	KT_CC,         /* congestion control algorithm name (enum tt_cc_algo's order) */
	KT_RANGE,      /* "LOW HIGH" in [min, max], LOW <= HIGH (two uint32_t) */
	KT_TRIPLE,     /* "MIN DEFAULT MAX" (or commas) in [min, max], or one value for all
			  three; three uint32_t from off on */
	KT_BACKENDS,   /* repeatable ADDR:PORT[,weight=N], or several space-separated in one
			  value; a struct tt_backend_list (SPEC A2) */
	KT_BALANCE,    /* balancing method name (enum tt_balance's order) */
	KT_LINK,       /* kernel link mode name (enum tt_kernel_link's order) */
	KT_ENDPOINT,   /* "A.B.C.D:PORT" or "none": a uint32_t address (network order), then
			  a uint32_t port (0: none) */
};

/* Where a key's value lives: the config, or a listener (defaults or one [listen PORT]). */
enum key_scope { KS_CONFIG, KS_LISTENER };

struct key {
	const char *section;
	const char *name;
	const char *opt;        /* command-line name, NULL = name with '_' -> '-' */
	enum key_type type;
	enum key_scope scope;
	uint32_t min, max;
	const char *def;
	size_t off;
	const char *help;
	/*
	 * Why the key has no effect yet, naming the SPEC item whose work implements it; NULL for
	 * a key that works. Accepted and shown (SPEC Tunables), but --help, the dump and a
	 * warning when a file or option sets it say so, so an operator never believes a knob
	 * he turned did something.
	 */
	const char *unimpl;
	/*
	 * Settable while tcpterm runs (tcpterm-ctl set, tt_config_set_live): the keys Linux
	 * lets an operator change with sysctl -w, and the listen(2) backlog. Each is a 32-bit
	 * word the workers read where they use it, or derive state from when the engine's
	 * generation moves (tt_tcp_retune).
	 */
	bool live;
};

#define C(f) offsetof(struct tt_config, f)
#define L(f) offsetof(struct tt_listen_config, f)
#define U32(sec, nm, lo, hi, d, h) { sec, #nm, NULL, KT_U32, KS_CONFIG, lo, hi, #d, C(nm), h }
#define LU32(nm, lo, hi, d, h) { "listen", #nm, NULL, KT_U32, KS_LISTENER, lo, hi, #d, L(nm), h }
/* A key accepted now and implemented by later work (why: the unimpl field). */
#define U32_TODO(sec, nm, lo, hi, d, h, why) \
	{ sec, #nm, NULL, KT_U32, KS_CONFIG, lo, hi, #d, C(nm), h, why }
/* Keys tcpterm-ctl set may change at run time (the live field). */
#define U32_LIVE(sec, nm, lo, hi, d, h) \
	{ sec, #nm, NULL, KT_U32, KS_CONFIG, lo, hi, #d, C(nm), h, NULL, true }
#define LU32_LIVE(nm, lo, hi, d, h) \
	{ "listen", #nm, NULL, KT_U32, KS_LISTENER, lo, hi, #d, L(nm), h, NULL, true }

static const struct key keys[] = {
	U32("port", rx_desc, 64, 16384, 1024, "RX descriptors per queue"),
	U32("port", tx_desc, 64, 16384, 1024, "TX descriptors per queue"),
	U32("port", mbufs, 1023, 16777215, 16383, "mbufs per worker"),
	U32("port", burst, 1, 64, 32, "RX/TX burst size"),
	U32("port", mtu, 576, 9600, 1500, "port MTU in bytes; MSS follows from it"),
	U32("port", tso, 0, 1, 1,
	    "TCP segmentation offload where the port offers it (ethtool tso; on the TAP, DPDK's GSO)"),
	U32("port", rss, 0, 2, 2,
	    "steer flows to their owner's queue with several workers: 0 off (hand-over), 1 RSS with a symmetric key, 2 RSS with a random key (R4)"),
	U32("port", flow_hash, 0, 1, 1,
	    "keyed hash of the flow table and the software owner: 1 three AES rounds where the CPU has AES-NI (else SipHash-1-3), 0 SipHash-1-3 always (R3)"),
	{ "port", "kernel_link", NULL, KT_LINK, KS_CONFIG, 0, 0, "auto", C(kernel_link),
	  "the port to the local kernel made when EAL is given no device (no EAL options, or --no-pci and no --vdev): auto (the first that works of af_xdp and af_packet, on a veth pair tt0/tt0p, and tap), af_xdp, af_packet, tap, or none" },
	{ "net", "addr", NULL, KT_PREFIXES, KS_CONFIG, 0, 0, "198.18.0.2/24", C(addrs),
	  "local IPv4 or IPv6 address/prefix, repeatable (16 of each); \",vlan=N\" puts it on 802.1Q VLAN N (1-4094; frames to and from it tagged), else untagged; \",port=P\" on port P only (the P-th device; connects from it leave there), else on every port; each port also has an IPv6 link-local address from its MAC (untagged)" },
	{ "net", "gateway", NULL, KT_GATEWAY, KS_CONFIG, 0, 0, "none", C(gateway),
	  "gateway: an IPv4 address (resolved by ARP), an IPv6 one (by Neighbour Discovery; a router's link-local fe80:: address too), both comma-separated, or none for on-link peers only" },
	{ "net", "kernel_addr", NULL, KT_KERNEL, KS_CONFIG, 0, 0, "auto", C(kernel_addr),
	  "addresses for the kernel side of a TAP port or of the kernel link (tt0): auto (the first host of each family's first untagged --addr subnet that is not ours; with several such ports, each from the --addr bound to it with port=P), none, or A.B.C.D/len and/or X:X::X/len comma-separated (the first such port only)" },
	U32("net", dad_transmits, 0, 10, 1,
	    "Neighbour Solicitations sent 1 s apart to find a duplicate of each IPv6 address before it is used (RFC 4862 5.4, Linux's dad_transmits); 0: used at once"),
	U32_LIVE("tcp", syncookies, 0, 2, 1, "0 off, 1 when the SYN queue is full, 2 always (C1)"),
	U32_LIVE("tcp", max_syn_backlog, 1, 16777216, 4096, "SYN queue capacity per listener and worker (Q1)"),
	U32_LIVE("tcp", somaxconn, 1, 1048576, 4096, "cap on every listener's accept queue (Q1)"),
	U32_LIVE("tcp", synack_retries, 0, 255, 5, "SYN-ACK retransmissions before a request is dropped (H5)"),
	U32_LIVE("tcp", syn_retries, 1, 127, 6, "SYN retransmissions of an active open before it fails (A1)"),
	U32_LIVE("tcp", abort_on_overflow, 0, 1, 0, "1: answer a final ACK to a full accept queue with RST (Q4)"),
	U32_LIVE("tcp", fin_timeout, 1, 3600, 60, "FIN_WAIT_2 timeout in seconds for released connections (F7)"),
	U32_LIVE("tcp", max_tw_buckets, 0, 16777216, 262144, "TIME_WAIT entries at most; beyond, TIME_WAIT is skipped (F6)"),
	U32_LIVE("tcp", tw_reuse, 0, 2, 2,
	    "an active open may take the 4-tuple of a TIME_WAIT entry over 1 s old when timestamps protect it: 0 no, 1 yes, 2 loopback only (A1)"),
	{ "tcp", "ip_local_port_range", NULL, KT_RANGE, KS_CONFIG, 1, 65535, "32768 60999",
	  C(local_port_lo), "source ports for active opens: LOW HIGH (Linux's net.ipv4.ip_local_port_range; A1)" },
	U32("tcp", timestamps, 0, 2, 1, "RFC 7323 timestamps: 0 off, 1 on with per-connection offset, 2 on without"),
	U32("tcp", window_scaling, 0, 1, 1, "RFC 7323 window scaling"),
	U32("tcp", sack, 0, 1, 1, "RFC 2018 selective acknowledgements"),
	U32("tcp", dsack, 0, 1, 1, "RFC 2883 duplicate SACK blocks for segments received twice"),
	{ "tcp", "congestion_control", NULL, KT_CC, KS_CONFIG, 0, 0, "cubic", C(congestion_control),
	  "congestion control: cubic (RFC 9438, Linux's default) or reno (NewReno, RFC 5681/6582)" },
	U32("tcp", hystart, 0, 1, 1,
	    "1: CUBIC's first slow start ends early when the RTT rises (HyStart++, RFC 9406; Linux's tcp_cubic hystart)"),
	U32_LIVE("tcp", keepalive_time, 1, 32767, 7200, "idle seconds before the first keepalive probe (D6)"),
	U32_LIVE("tcp", keepalive_intvl, 1, 32767, 75, "seconds between keepalive probes (D6)"),
	U32_LIVE("tcp", keepalive_probes, 1, 127, 9, "unanswered probes before the connection is dropped (D6)"),
	{ "tcp", "rmem", NULL, KT_TRIPLE, KS_CONFIG, 4096, 67108864, "4096 131072 6291456",
	  C(rmem_min), "receive buffer per connection in bytes: min default max (Linux's tcp_rmem; one value fixes it)" },
	U32("tcp", max_conns, 64, 16777215, 65536,
	    "TCBs per worker, preallocated: established and closing connections (not SYN_RECV or TIME_WAIT)"),
	{ "tcp", "wmem", NULL, KT_TRIPLE, KS_CONFIG, 4096, 67108864, "4096 16384 4194304",
	  C(wmem_min), "send buffer per connection in bytes: min default max (Linux's tcp_wmem; one value fixes it)" },
	U32_LIVE("tcp", mem_min, 1, 100, 40,
	    "memory pressure ends when TCP queues hold less than this % of the worker's mbufs (R1, Linux tcp_mem[0])"),
	U32_LIVE("tcp", mem_pressure, 1, 100, 60,
	    "memory pressure (orphans reset when their RTO fires) above this % of the worker's mbufs held (R1, tcp_mem[1])"),
	U32_LIVE("tcp", mem_max, 1, 100, 80,
	    "above this % of the worker's mbufs held, new SYNs are shed and no new payload is queued (R1, tcp_mem[2])"),
	U32_LIVE("tcp", challenge_ack_limit, 1, 2147483647, 1000,
	    "RFC 5961 challenge ACKs per second and worker, drawn each second in [limit/2, limit*3/2); 2147483647: no limit (D7)"),
	{ "listen", "port", "listen", KT_PORTS, KS_CONFIG, 1, 65535, "", 0,
	  "listening TCP port, repeatable (default 80 when none is given)" },
	{ "listen", "app", NULL, KT_APP, KS_LISTENER, 0, 0, "http", L(app),
	  "application: http, echo, discard, hold, proxy" },
	LU32_LIVE(backlog, 0, 1048576, 511, "listen(2) backlog; accept queue = min(backlog, somaxconn)"),
	LU32(time_wait, 1, 3600, 60, "TIME_WAIT length in seconds (Linux: 60, fixed)"),
	LU32(accept_rate, 0, 1000000, 0, "hold app: accepts per second (0: never accept)"),
	LU32(http_body, 0, 4294967295, 64, "http app: response body size in bytes (streamed past 64 KiB)"),
	LU32(keepalive, 0, 1, 0, "1: keepalive probes on accepted connections (SO_KEEPALIVE; keepalive_time, _intvl, _probes) (D6)"),
	{ "listen", "backend", NULL, KT_BACKENDS, KS_LISTENER, 1, 1000, "", L(backends),
	  "proxy app: backend ADDR:PORT[,weight=N] (weight 1..1000, default 1), repeatable, 16 per listener (A2)" },
	{ "listen", "balance", NULL, KT_BALANCE, KS_LISTENER, 0, 0, "roundrobin", L(balance),
	  "proxy app: roundrobin (smooth weighted), leastconn (fewest active per weight), source (client address hash) (A2)" },
	LU32(connect_timeout, 1, 3600000, 2000,
	     "proxy app: milliseconds a backend has to complete the handshake before the next is tried (A2)"),
	LU32(backend_fail_skip, 0, 86400, 10,
	     "proxy app: seconds a backend is skipped after a failed connect (passive health; 0: never) (A2)"),
	LU32(proxy_protocol, 0, 2, 0,
	     "proxy app: PROXY protocol header sent to the backend first: 0 none, 1 v1 (text), 2 v2 (binary) (A2)"),
	{ "impair", "rx", "impair_rx", KT_IMPAIR, KS_CONFIG, TT_IMPAIR_RX, 0, "none", 0,
	  "impair received frames: [PORT:]loss=P,ge=P/R[/B[/G]],dup=P,corrupt=P,delay=T,jitter=T,reorder=P[/T],rate=R,limit=N or none; repeatable, one port each (default every port)" },
	{ "impair", "tx", "impair_tx", KT_IMPAIR, KS_CONFIG, TT_IMPAIR_TX, 0, "none", 0,
	  "impair frames sent, as impair_rx" },
	{ "impair", "seed", "impair_seed", KT_U32, KS_CONFIG, 0, UINT32_MAX, "0", C(impair_seed),
	  "seed of the impairment's random draws; 0: drawn at start (shown by /tcpterm/impair)" },
	U32("run", layer_cycles, 0, 1, 0,
	    "1: split each worker's busy cycles by layer (timers, rx, stack, app, out, tx) in /tcpterm/workers; about 5 TSC readings of 30 cycles per busy iteration"),
	U32("run", app_lcores, 0, 1, 0,
	    "1: each worker's applications run on an lcore of their own (the second half of -l), calls and events over rings; 0: inline on the worker's lcore"),
	{ "run", "quiet", NULL, KT_FLAG, KS_CONFIG, 0, 1, "0", C(quiet),
	  "no status line each second (a link's or an 802.3ad bond's change is still said)" },
	{ "run", "metrics_listen", NULL, KT_ENDPOINT, KS_CONFIG, 1, 65535, "none", C(metrics_addr),
	  "serve every counter, worker and listener figure for Prometheus (text format, GET /metrics) on A.B.C.D:PORT, from a control thread; none: off" },
};

#define N_KEYS RTE_DIM(keys)
/* struct tt_listen_config.set_mask has a bit per key. */
static_assert(N_KEYS <= 64, "set_mask is 64 bits");

/* Congestion control algorithms, in lib/tcp's enum tt_cc_algo order (tt_config.h). */
static const char *const cc_names[] = { "reno", "cubic" };

static const char *const app_names[TT_APP__COUNT] = {
	[TT_APP_HTTP] = "http",
	[TT_APP_ECHO] = "echo",
	[TT_APP_DISCARD] = "discard",
	[TT_APP_HOLD] = "hold",
	[TT_APP_PROXY] = "proxy",
};

const char *
tt_app_kind_name(uint32_t kind)
{
	return kind < TT_APP__COUNT ? app_names[kind] : "?";
}

static const char *const balance_names[TT_BALANCE__COUNT] = {
	[TT_BALANCE_ROUNDROBIN] = "roundrobin",
	[TT_BALANCE_LEASTCONN] = "leastconn",
	[TT_BALANCE_SOURCE] = "source",
};

static const char *const link_names[TT_KERNEL_LINK__COUNT] = {
	[TT_KERNEL_LINK_AUTO] = "auto",
	[TT_KERNEL_LINK_AF_XDP] = "af_xdp",
	[TT_KERNEL_LINK_AF_PACKET] = "af_packet",
	[TT_KERNEL_LINK_TAP] = "tap",
	[TT_KERNEL_LINK_NONE] = "none",
};

const char *
tt_kernel_link_name(uint32_t mode)
{
	return mode < TT_KERNEL_LINK__COUNT ? link_names[mode] : "?";
}

const char *
tt_balance_name(uint32_t balance)
{
	return balance < TT_BALANCE__COUNT ? balance_names[balance] : "?";
}

/* State of one parse pass over one source (defaults, a file, the command line). */
struct pass {
	const char *where;      /* "default", "FILE:", "--" */
	uint8_t list_seen[N_KEYS];
	/*
	 * For lists kept per listener (backend): the struct the list was last filled in. A
	 * [listen PORT] section starts its own list, as the [listen] section does, rather than
	 * adding to whichever section set the key first in this source.
	 */
	const void *list_base[N_KEYS];
	char *err;
	size_t errlen;
};

static void opt_name(const struct key *k, char *buf, size_t len);

static int
fail(struct pass *ps, const struct key *k, const char *val, const char *why)
{
	char name[32];

	/* Name the option as it is typed (--max-syn-backlog), not as the key (max_syn_backlog). */
	opt_name(k, name, sizeof(name));
	if (strcmp(ps->where, "--") == 0)
		snprintf(ps->err, ps->errlen, "--%s %s: %s (see --help)", name, val, why);
	else if (strcmp(ps->where, "set") == 0)
		snprintf(ps->err, ps->errlen, "%s %s: %s", k->name, val, why);
	else
		snprintf(ps->err, ps->errlen, "%s [%s] %s = %s: %s", ps->where, k->section, k->name,
			 val, why);
	return -EINVAL;
}

static int
parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '\0' || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	/* Decimal only: a leading 0 must not turn 010 into 8. */
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int
parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = a.s_addr;
	return 0;
}

static int
parse_prefix(const char *s, struct tt_ipv4_prefix *p)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	uint32_t len;

	if (slash == NULL || (size_t)(slash - s) >= INET_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (parse_ipv4(buf, &p->addr) != 0 || parse_u32(slash + 1, &len) != 0 || len < 1 ||
	    len > 32)
		return -EINVAL;
	p->len = (uint8_t)len;
	p->vlan = 0;
	p->port = -1;
	return 0;
}

/*
 * --addr's attributes after the prefix, comma-separated: vlan=N (IEEE 802.1Q 9.6: VID 0
 * means no VLAN, 4095 is reserved) and port=P (the index of the port the address lives on;
 * checked against the ports at start). Each once. 0, or -EINVAL and *why.
 */
static int
addr_attrs(const char *s, uint16_t *vlan, int8_t *port, const char **why)
{
	bool seen_vlan = false, seen_port = false;

	for (const char *tok = s;; ) {
		const char *end = strchr(tok, ',');
		size_t len = end != NULL ? (size_t)(end - tok) : strlen(tok);
		bool is_vlan = len >= 5 && strncmp(tok, "vlan=", 5) == 0;
		bool is_port = len >= 5 && strncmp(tok, "port=", 5) == 0;
		char num[8];
		uint32_t v;

		if (!is_vlan && !is_port) {
			*why = len == 0 ? "an empty attribute after the prefix (expected vlan=N or port=P)" :
			       "unknown attribute (expected vlan=N or port=P)";
			return -EINVAL;
		}
		if ((is_vlan && seen_vlan) || (is_port && seen_port)) {
			*why = is_vlan ? "vlan= given twice" : "port= given twice";
			return -EINVAL;
		}
		if (len == 5 || len - 5 >= sizeof(num) || !isdigit((unsigned char)tok[5]))
			goto bad;
		memcpy(num, tok + 5, len - 5);
		num[len - 5] = '\0';
		if (parse_u32(num, &v) != 0)
			goto bad;
		if (is_vlan) {
			if (v < 1 || v > 4094)
				goto bad;
			*vlan = (uint16_t)v;
			seen_vlan = true;
		} else {
			if (v >= TT_MAX_PORTS)
				goto bad;
			*port = (int8_t)v;
			seen_port = true;
		}
		if (end == NULL)
			return 0;
		tok = end + 1;
		continue;
bad:
		*why = is_vlan ? "vlan=N takes an 802.1Q VLAN ID, 1-4094" :
		       "port=P takes a port index below " RTE_STR(TT_MAX_PORTS);
		return -EINVAL;
	}
}

/*
 * RFC 1122 3.2.1.3: 0/8 is "this network", 127/8 loopback, 224/4 groups and 255.255.255.255
 * broadcast; none is a host's (and TCP's IPv6 flows use 0.0.0.x as their key, tcp_conn.h).
 */
static bool
ipv4_host(uint32_t addr_be)
{
	uint32_t a = ntohl(addr_be);

	return (a >> 24) != 0 && (a >> 24) != 127 && (a >> 28) != 0xe && a != UINT32_MAX;
}

static int
parse_ipv6(const char *s, uint8_t out[16])
{
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -EINVAL;
}

/*
 * Why a an IPv6 address tcpterm cannot take for its own (RFC 4291 2.5), or NULL: the
 * unspecified and loopback addresses, multicast, IPv4-mapped; link-local addresses are each
 * port's own, made from its MAC (RFC 4862 5.3), never configured.
 */
static const char *
ipv6_host_why(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (tt_in6_is_unspecified(a) || tt_in6_is_loopback(a))
		return "the unspecified or loopback address is no host's";
	if (tt_in6_is_multicast(a))
		return "a multicast address is no host's";
	if (tt_in6_is_link_local(a))
		return "link-local addresses are made from each port's MAC; give a global or unique-local prefix";
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return "an IPv4-mapped address: give the IPv4 address itself";
	return NULL;
}

static int
parse_prefix6(const char *s, struct tt_ipv6_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	uint32_t len;

	if (slash == NULL || (size_t)(slash - s) >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (parse_ipv6(buf, p->addr) != 0 || parse_u32(slash + 1, &len) != 0 || len < 1 ||
	    len > 128)
		return -EINVAL;
	p->len = (uint8_t)len;
	p->vlan = 0;
	p->port = -1;
	return 0;
}

/*
 * Up to one IPv4 and one IPv6 item of a comma- or blank-separated value, each through parse
 * (which tells the family by a ':'): 0, or -EINVAL with why set. For gateway and kernel_addr.
 */
typedef int (*family_item_fn)(struct tt_config *cfg, const char *item, bool v6,
			      const char **why);

static int
family_items(struct tt_config *cfg, const char *val, family_item_fn parse, const char **why)
{
	char buf[2 * INET6_ADDRSTRLEN + 16], *save = NULL, *tok;
	bool seen[2] = { false, false };

	if (strlen(val) >= sizeof(buf)) {
		*why = "too long";
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, " ,\t", &save); tok != NULL; tok = strtok_r(NULL, " ,\t", &save)) {
		bool v6 = strchr(tok, ':') != NULL;

		if (seen[v6]) {
			*why = "one IPv4 and one IPv6 at most";
			return -EINVAL;
		}
		seen[v6] = true;
		if (parse(cfg, tok, v6, why) != 0)
			return -EINVAL;
	}
	if (!seen[0] && !seen[1]) {
		*why = "empty";
		return -EINVAL;
	}
	return 0;
}

static int
gateway_item(struct tt_config *cfg, const char *item, bool v6, const char **why)
{
	if (v6) {
		if (parse_ipv6(item, cfg->gateway6) != 0 || tt_in6_is_unspecified(cfg->gateway6) ||
		    tt_in6_is_multicast(cfg->gateway6)) {
			*why = "expected a unicast IPv6 address";
			return -EINVAL;
		}
		return 0;
	}
	if (parse_ipv4(item, &cfg->gateway) != 0 || cfg->gateway == 0) {
		*why = "expected an IPv4 address A.B.C.D";
		return -EINVAL;
	}
	return 0;
}

static int
kernel_item(struct tt_config *cfg, const char *item, bool v6, const char **why)
{
	if (v6) {
		if (parse_prefix6(item, &cfg->kernel_addr6) != 0) {
			*why = "expected auto, none, or A.B.C.D/len and/or X:X::X/len";
			return -EINVAL;
		}
		*why = ipv6_host_why(cfg->kernel_addr6.addr);
		return *why == NULL ? 0 : -EINVAL;
	}
	if (parse_prefix(item, &cfg->kernel_addr) != 0) {
		*why = "expected auto, none, or A.B.C.D/len and/or X:X::X/len";
		return -EINVAL;
	}
	return 0;
}


/*
 * "A.B.C.D:PORT" or "[X:X::X]:PORT" (RFC 3986's brackets) into addr (IPv4) or addr6 with
 * *v6 set; the port in 1..65535. 0 or -EINVAL.
 */
static int
parse_endpoint(const char *s, uint32_t *addr, uint8_t addr6[16], bool *v6, uint16_t *port)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *colon = strrchr(s, ':');
	size_t alen = colon != NULL ? (size_t)(colon - s) : 0;
	uint32_t p;

	if (colon == NULL || alen >= sizeof(buf) || parse_u32(colon + 1, &p) != 0 || p < 1 ||
	    p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	*v6 = s[0] == '[';
	if (*v6) {
		if (alen < 3 || s[alen - 1] != ']')
			return -EINVAL;
		memcpy(buf, s + 1, alen - 2);
		buf[alen - 2] = '\0';
		*addr = 0;
		return parse_ipv6(buf, addr6);
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	return parse_ipv4(buf, addr);
}

/*
 * "ADDR:PORT[,weight=N]" into b (ADDR: A.B.C.D or [X:X::X]); weight in [wmin, wmax]. A
 * unicast address only: tcpterm cannot connect to 0.0.0.0, ::, a broadcast or a multicast
 * group (tt_app_connect's -EINVAL).
 */
static int
parse_backend(const char *s, struct tt_backend *b, uint32_t wmin, uint32_t wmax)
{
	char buf[INET6_ADDRSTRLEN + 32], *comma;
	uint32_t weight = 1, a;
	bool v6;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	comma = strchr(buf, ',');
	if (comma != NULL) {
		*comma = '\0';
		if (strncmp(comma + 1, "weight=", 7) != 0 || parse_u32(comma + 8, &weight) != 0 ||
		    weight < wmin || weight > wmax)
			return -EINVAL;
	}
	memset(b, 0, sizeof(*b));
	if (parse_endpoint(buf, &b->addr, b->addr6, &v6, &b->port) != 0)
		return -EINVAL;
	if (v6) {
		if (tt_in6_is_unspecified(b->addr6) || tt_in6_is_multicast(b->addr6) ||
		    tt_in6_is_loopback(b->addr6) || tt_in6_is_v4mapped(b->addr6))
			return -EINVAL;
		b->family = AF_INET6;
	}
	a = ntohl(b->addr);
	/* As tt_app_connect refuses them (dst_valid): 0/8, loopback, groups, broadcast. */
	if (!v6 && (!ipv4_host(b->addr) || (a >> 28) == 0xf))
		return -EINVAL;
	b->weight = (uint16_t)weight;
	return 0;
}

/* One or more space-separated backends appended to l; the first of a list replaces. */
static int
set_backends(struct pass *ps, void *base, const struct key *k, const char *val)
{
	struct tt_backend_list *l = (struct tt_backend_list *)((uint8_t *)base + k->off);
	char buf[TT_MAX_BACKENDS * 72], *save = NULL, *tok;   /* what format_value writes */
	size_t ki = k - keys;

	if (snprintf(buf, sizeof(buf), "%s", val) >= (int)sizeof(buf))
		return fail(ps, k, val, "too long");
	if (!ps->list_seen[ki] || ps->list_base[ki] != base) {
		ps->list_seen[ki] = 1;
		ps->list_base[ki] = base;
		l->n = 0;
	}
	for (tok = strtok_r(buf, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		if (l->n == TT_MAX_BACKENDS)
			return fail(ps, k, val, "too many backends (16 per listener at most)");
		if (parse_backend(tok, &l->b[l->n], k->min, k->max) != 0)
			return fail(ps, k, val,
				    "expected ADDR:PORT[,weight=N]: a unicast address A.B.C.D or [X:X::X], port 1..65535, weight 1..1000");
		l->n++;
	}
	return 0;
}

static struct tt_listen_config *
listener_get(struct tt_config *cfg, uint16_t port)
{
	if (cfg->listen_implicit) {
		cfg->listen_implicit = false;
		cfg->n_listeners = 0;
	}
	for (uint32_t i = 0; i < cfg->n_listeners; i++)
		if (cfg->listeners[i].port == port)
			return &cfg->listeners[i];
	if (cfg->n_listeners == TT_MAX_LISTENERS)
		return NULL;
	cfg->listeners[cfg->n_listeners] = (struct tt_listen_config){ .port = port };
	return &cfg->listeners[cfg->n_listeners++];
}

static int
set_ports(struct tt_config *cfg, struct pass *ps, const struct key *k, const char *val)
{
	char buf[256], *save = NULL, *tok;

	if (snprintf(buf, sizeof(buf), "%s", val) >= (int)sizeof(buf))
		return fail(ps, k, val, "too long");
	for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		uint32_t port;

		if (parse_u32(tok, &port) != 0 || port < k->min || port > k->max)
			return fail(ps, k, val, "expected port numbers 1..65535, comma-separated");
		if (listener_get(cfg, (uint16_t)port) == NULL)
			return fail(ps, k, val, "too many listeners (64 at most)");
	}
	return 0;
}

/* "[PORT:]SPEC" for one direction; the first of a source replaces what earlier ones set. */
static int
set_impair(struct tt_config *cfg, struct pass *ps, const struct key *k, const char *val)
{
	enum tt_impair_dir_id d = (enum tt_impair_dir_id)k->min;
	const char *spec = val, *colon = strchr(val, ':');
	size_t ki = k - keys;
	struct tt_impair_conf c;
	uint32_t first = 0, last = TT_IMPAIR_MAX_PORTS - 1;
	char why[256];

	if (colon != NULL) {
		char num[8];

		if ((size_t)(colon - val) >= sizeof(num))
			return fail(ps, k, val, "expected PORT:SPEC with PORT a port index 0..7");
		memcpy(num, val, colon - val);
		num[colon - val] = '\0';
		if (parse_u32(num, &first) != 0 || first >= TT_IMPAIR_MAX_PORTS)
			return fail(ps, k, val, "expected PORT:SPEC with PORT a port index 0..7");
		last = first;
		spec = colon + 1;
	}
	if (tt_impair_parse(spec, &c, why, sizeof(why)) != 0)
		return fail(ps, k, val, why);
	if (!ps->list_seen[ki]) {
		ps->list_seen[ki] = 1;
		for (uint32_t pi = 0; pi < TT_IMPAIR_MAX_PORTS; pi++)
			tt_impair_conf_none(&cfg->impair[pi][d]);
		cfg->impair_named[d] = 0;
	}
	if (colon != NULL)
		cfg->impair_named[d] |= (uint8_t)(1u << first);
	for (uint32_t pi = first; pi <= last; pi++)
		cfg->impair[pi][d] = c;
	return 0;
}

/*
 * Up to max numbers separated by blanks or commas, each in k's range, into out: how many,
 * -EINVAL for more than max or one that is not a number, -ERANGE for one out of range.
 */
static int
u32_list(const char *val, const struct key *k, uint32_t *out, int max)
{
	char buf[96], *save = NULL, *tok;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", val);
	for (tok = strtok_r(buf, " ,\t", &save); tok != NULL; tok = strtok_r(NULL, " ,\t", &save)) {
		if (n == max || parse_u32(tok, &out[n]) != 0)
			return -EINVAL;
		if (out[n] < k->min || out[n] > k->max)
			return -ERANGE;
		n++;
	}
	return n;
}

static const char *
range_why(const struct key *k)
{
	static char why[64];

	snprintf(why, sizeof(why), "out of range %" PRIu32 "..%" PRIu32, k->min, k->max);
	return why;
}

/*
 * Set one key from text. base is the struct the key's offset applies to: the config for
 * KS_CONFIG keys, a listener for KS_LISTENER keys.
 */
static int
set_key_value(struct tt_config *cfg, void *base, struct pass *ps, const struct key *k,
	      const char *val)
{
	void *field = (uint8_t *)base + k->off;
	size_t ki = k - keys;
	uint32_t v;

	switch (k->type) {
	case KT_U32:
		if (parse_u32(val, &v) != 0)
			return fail(ps, k, val, "not a non-negative integer");
		if (v < k->min || v > k->max) {
			char why[64];

			snprintf(why, sizeof(why), "out of range %" PRIu32 "..%" PRIu32, k->min, k->max);
			return fail(ps, k, val, why);
		}
		*(uint32_t *)field = v;
		return 0;
	case KT_FLAG:
		if (strcmp(val, "1") == 0 || strcasecmp(val, "yes") == 0 || strcasecmp(val, "on") == 0)
			*(bool *)field = true;
		else if (strcmp(val, "0") == 0 || strcasecmp(val, "no") == 0 ||
			 strcasecmp(val, "off") == 0)
			*(bool *)field = false;
		else
			return fail(ps, k, val, "expected 0 or 1");
		return 0;
	case KT_GATEWAY: {
		const char *why = NULL;

		/* Within one source --gateway A --gateway X:: gives both; a later source replaces. */
		if (!ps->list_seen[ki] || strcmp(val, "none") == 0) {
			ps->list_seen[ki] = 1;
			cfg->gateway = 0;
			memset(cfg->gateway6, 0, sizeof(cfg->gateway6));
		}
		if (strcmp(val, "none") == 0)
			return 0;
		if (family_items(cfg, val, gateway_item, &why) != 0)
			return fail(ps, k, val, why);
		return 0;
	}
	case KT_KERNEL: {
		const char *why = NULL;

		cfg->kernel_addr_auto = strcmp(val, "auto") == 0;
		cfg->kernel_addr = (struct tt_ipv4_prefix){ 0 };
		cfg->kernel_addr6 = (struct tt_ipv6_prefix){ .len = 0 };
		if (cfg->kernel_addr_auto || strcmp(val, "none") == 0)
			return 0;
		if (family_items(cfg, val, kernel_item, &why) != 0)
			return fail(ps, k, val, why);
		return 0;
	}
	case KT_PREFIXES: {
		char pfx[INET6_ADDRSTRLEN + 8];
		const char *attrs = strchr(val, ',');
		size_t plen = attrs != NULL ? (size_t)(attrs - val) : strlen(val);
		uint16_t vlan = 0;
		int8_t port = -1;
		const char *why;

		if (!ps->list_seen[ki]) {
			ps->list_seen[ki] = 1;
			cfg->n_addrs = 0;
			cfg->n_addrs6 = 0;
		}
		if (plen >= sizeof(pfx))
			return fail(ps, k, val, "expected A.B.C.D/len or X:X::X/len");
		memcpy(pfx, val, plen);
		pfx[plen] = '\0';
		if (attrs != NULL && addr_attrs(attrs + 1, &vlan, &port, &why) != 0)
			return fail(ps, k, val, why);
		if (strchr(pfx, ':') != NULL) {
			struct tt_ipv6_prefix *a6 = &cfg->addrs6[cfg->n_addrs6];

			if (cfg->n_addrs6 == TT_MAX_ADDRS)
				return fail(ps, k, val, "too many IPv6 addresses (16 at most)");
			if (parse_prefix6(pfx, a6) != 0)
				return fail(ps, k, val, "expected an IPv6 prefix X:X::X/len, len 1..128");
			why = ipv6_host_why(a6->addr);
			if (why != NULL)
				return fail(ps, k, val, why);
			for (uint32_t i = 0; i < cfg->n_addrs6; i++)
				if (memcmp(cfg->addrs6[i].addr, a6->addr, 16) == 0)
					return fail(ps, k, val, "given twice");
			a6->vlan = vlan;
			a6->port = port;
			cfg->n_addrs6++;
			return 0;
		}
		if (cfg->n_addrs == TT_MAX_ADDRS)
			return fail(ps, k, val, "too many IPv4 addresses (16 at most)");
		if (parse_prefix(pfx, &cfg->addrs[cfg->n_addrs]) != 0)
			return fail(ps, k, val, "expected A.B.C.D/len or X:X::X/len");
		if (!ipv4_host(cfg->addrs[cfg->n_addrs].addr))
			return fail(ps, k, val, "not a host address (0/8, 127/8, multicast, broadcast)");
		cfg->addrs[cfg->n_addrs].vlan = vlan;
		cfg->addrs[cfg->n_addrs].port = port;
		for (uint32_t i = 0; i < cfg->n_addrs; i++) {
			const struct tt_ipv4_prefix *a = &cfg->addrs[i], *b = &cfg->addrs[cfg->n_addrs];

			if (a->addr != b->addr)
				continue;
			/* The same one again changes nothing; another length or VLAN would. */
			if (a->len == b->len && a->vlan == b->vlan && a->port == b->port)
				return 0;
			return fail(ps, k, val, "given twice, with another prefix length, VLAN or port");
		}
		cfg->n_addrs++;
		return 0;
	}
	case KT_PORTS:
		if (!ps->list_seen[ki]) {
			uint32_t keep = 0;

			/* Listeners a [listen PORT] section declared stay; plain ports are replaced. */
			ps->list_seen[ki] = 1;
			for (uint32_t i = 0; i < cfg->n_listeners; i++)
				if (cfg->listeners[i].set_mask != 0)
					cfg->listeners[keep++] = cfg->listeners[i];
			cfg->n_listeners = keep;
		}
		return *val == '\0' ? 0 : set_ports(cfg, ps, k, val);
	case KT_IMPAIR:
		return set_impair(cfg, ps, k, val);
	case KT_RANGE: {
		uint32_t r[2];
		int n = u32_list(val, k, r, 2);

		if (n == -ERANGE)
			return fail(ps, k, val, range_why(k));
		if (n != 2 || r[0] > r[1])
			return fail(ps, k, val, "expected LOW HIGH with LOW <= HIGH");
		memcpy(field, r, sizeof(r));
		return 0;
	}
	case KT_TRIPLE: {
		uint32_t t[3];
		int n = u32_list(val, k, t, 3);

		if (n == -ERANGE)
			return fail(ps, k, val, range_why(k));
		if (n == 1)
			t[1] = t[2] = t[0];
		else if (n != 3)
			return fail(ps, k, val, "expected MIN DEFAULT MAX or one value, in bytes");
		if (t[0] > t[1] || t[1] > t[2])
			return fail(ps, k, val, "MIN DEFAULT MAX must not decrease");
		memcpy(field, t, sizeof(t));
		return 0;
	}
	case KT_LINK:
		for (v = 0; v < TT_KERNEL_LINK__COUNT; v++)
			if (strcmp(val, link_names[v]) == 0)
				break;
		if (v == TT_KERNEL_LINK__COUNT)
			return fail(ps, k, val, "expected auto, af_xdp, af_packet, tap or none");
		*(uint32_t *)field = v;
		return 0;
	case KT_ENDPOINT: {
		uint32_t ep[2] = { 0, 0 };
		uint8_t a6[16];
		uint16_t port;
		bool v6;

		if (strcmp(val, "none") != 0) {
			if (parse_endpoint(val, &ep[0], a6, &v6, &port) != 0 || v6)
				return fail(ps, k, val, "expected A.B.C.D:PORT (port 1..65535) or none");
			ep[1] = port;
		}
		memcpy(field, ep, sizeof(ep));
		return 0;
	}
	case KT_CC:
		for (v = 0; v < RTE_DIM(cc_names); v++)
			if (strcmp(val, cc_names[v]) == 0)
				break;
		if (v == RTE_DIM(cc_names))
			return fail(ps, k, val, "unknown algorithm; use cubic or reno");
		*(uint32_t *)field = v;
		return 0;
	case KT_BACKENDS:
		return set_backends(ps, base, k, val);
	case KT_BALANCE:
		for (v = 0; v < TT_BALANCE__COUNT; v++)
			if (strcmp(val, balance_names[v]) == 0)
				break;
		if (v == TT_BALANCE__COUNT)
			return fail(ps, k, val, "unknown method; use roundrobin, leastconn or source");
		*(uint32_t *)field = v;
		return 0;
	case KT_APP:
		for (v = 0; v < TT_APP__COUNT; v++)
			if (strcmp(val, app_names[v]) == 0)
				break;
		if (v == TT_APP__COUNT)
			return fail(ps, k, val, "unknown application; use http, echo, discard, hold or proxy");
		*(uint32_t *)field = v;
		return 0;
	}
	return -EINVAL;
}

/* set_key_value, remembering which keys a file or the command line set (tt_config_warn). */
static int
set_key(struct tt_config *cfg, void *base, struct pass *ps, const struct key *k,
	const char *val)
{
	int rc = set_key_value(cfg, base, ps, k, val);

	if (rc == 0 && strcmp(ps->where, "default") != 0)
		cfg->set_mask |= UINT64_C(1) << (k - keys);
	return rc;
}

static const struct key *
key_by_name(const char *section, const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static void
opt_name(const struct key *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s", k->opt ? k->opt : k->name);
	for (char *c = buf; *c; c++)
		if (*c == '_')
			*c = '-';
}

/*
 * kernel_addr = auto for the kernel side of port pi (a TAP's, the kernel link's), which is
 * untagged: the first untagged --addr bound to pi (pass 0), else, when unbound_ok, the first
 * on every port (pass 1).
 */
static bool
kernel_side_addr(int8_t port, uint16_t vlan, int pi, int pass)
{
	return vlan == 0 && (pass == 0 ? port == pi : port < 0);
}

/*
 * IPv6: the first address of that --addr's prefix from ::1 on that is not ours
 * (2001:2::2/64 -> 2001:2::1/64); ::0 is the prefix's Subnet-Router anycast address
 * (RFC 4291 2.6.1). A /127 or /128 has none.
 */
static void
kernel_addr6_auto(const struct tt_config *cfg, int pi, bool unbound_ok,
		  struct tt_ipv6_prefix *k6)
{
	const struct tt_ipv6_prefix *a = NULL;

	*k6 = (struct tt_ipv6_prefix){ .len = 0 };
	for (int pass = 0; pass < (unbound_ok ? 2 : 1) && a == NULL; pass++)
		for (uint32_t i = 0; i < cfg->n_addrs6 && a == NULL; i++)
			if (kernel_side_addr(cfg->addrs6[i].port, cfg->addrs6[i].vlan, pi, pass))
				a = &cfg->addrs6[i];
	if (a == NULL || a->len > 126)
		return;
	for (uint32_t host = 1; host < 256; host++) {
		struct tt_ipv6_prefix k = { .len = a->len };
		bool ours = false;

		if (a->len > 120 && host >= (1u << (128 - a->len)))
			return;
		memcpy(k.addr, a->addr, 16);
		for (unsigned int bit = a->len; bit < 128; bit++)
			k.addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
		k.addr[15] |= (uint8_t)host;
		for (uint32_t i = 0; i < cfg->n_addrs6; i++)
			ours |= memcmp(cfg->addrs6[i].addr, k.addr, 16) == 0;
		if (!ours) {
			*k6 = k;
			return;
		}
	}
}

/*
 * IPv4: the first host address of that --addr's subnet that is not one of ours
 * (198.18.0.2/24 -> 198.18.0.1/24). A /31 or /32 has none: the kernel side stays bare.
 */
void
tt_config_kernel_addr_auto(const struct tt_config *cfg, int pi, bool unbound_ok,
			   struct tt_ipv4_prefix *k4, struct tt_ipv6_prefix *k6)
{
	const struct tt_ipv4_prefix *a = NULL;
	uint32_t mask, net, bcast;

	kernel_addr6_auto(cfg, pi, unbound_ok, k6);
	*k4 = (struct tt_ipv4_prefix){ 0 };
	for (int pass = 0; pass < (unbound_ok ? 2 : 1) && a == NULL; pass++)
		for (uint32_t i = 0; i < cfg->n_addrs && a == NULL; i++)
			if (kernel_side_addr(cfg->addrs[i].port, cfg->addrs[i].vlan, pi, pass))
				a = &cfg->addrs[i];
	if (a == NULL || a->len > 30)
		return;
	mask = ~0u << (32 - a->len);
	net = ntohl(a->addr) & mask;
	bcast = net | ~mask;
	for (uint32_t host = net + 1; host < bcast; host++) {
		bool ours = false;

		for (uint32_t i = 0; i < cfg->n_addrs; i++)
			ours |= ntohl(cfg->addrs[i].addr) == host;
		if (!ours) {
			k4->addr = htonl(host);
			k4->len = a->len;
			return;
		}
	}
}

/* Listener fields a [listen PORT] section did not set follow the [listen] defaults. */
static void
config_finalize(struct tt_config *cfg)
{
	if (cfg->n_listeners == 0) {
		listener_get(cfg, 80);
		cfg->listen_implicit = true;
	}
	for (uint32_t i = 0; i < cfg->n_listeners; i++) {
		struct tt_listen_config *l = &cfg->listeners[i];

		for (size_t ki = 0; ki < N_KEYS; ki++) {
			if (keys[ki].scope != KS_LISTENER || (l->set_mask & (UINT64_C(1) << ki)))
				continue;
			memcpy((uint8_t *)l + keys[ki].off,
			       (uint8_t *)&cfg->listen_defaults + keys[ki].off,
			       keys[ki].type == KT_BACKENDS ? sizeof(struct tt_backend_list)
							    : sizeof(uint32_t));
		}
	}
	/* Port 0's kernel side's addresses, as the dump shows them; each port's: port_add. */
	if (cfg->kernel_addr_auto)
		tt_config_kernel_addr_auto(cfg, 0, true, &cfg->kernel_addr, &cfg->kernel_addr6);
}

void
tt_config_defaults(struct tt_config *cfg)
{
	struct pass ps = { .where = "default" };
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	ps.err = err;
	ps.errlen = sizeof(err);
	for (size_t i = 0; i < N_KEYS; i++) {
		void *base = keys[i].scope == KS_LISTENER ? (void *)&cfg->listen_defaults : (void *)cfg;

		if (set_key(cfg, base, &ps, &keys[i], keys[i].def) != 0)
			abort(); /* a table default outside its own range: a programming error */
	}
	config_finalize(cfg);
}

/* [listen PORT] sections: per-listener overrides of the listener keys. */
static int
load_listener_section(struct tt_config *cfg, struct rte_cfgfile *f, const char *sec,
		      struct pass *ps)
{
	struct rte_cfgfile_entry entries[64];
	struct tt_listen_config *l;
	uint32_t port;
	int n;

	if (parse_u32(sec + strlen("listen "), &port) != 0 || port < 1 || port > 65535) {
		snprintf(ps->err, ps->errlen, "%s [%s]: expected [listen PORT] with PORT 1..65535",
			 ps->where, sec);
		return -EINVAL;
	}
	l = listener_get(cfg, (uint16_t)port);
	if (l == NULL) {
		snprintf(ps->err, ps->errlen, "%s [%s]: too many listeners (64 at most)", ps->where, sec);
		return -EINVAL;
	}
	n = rte_cfgfile_section_entries(f, sec, entries, RTE_DIM(entries));
	for (int i = 0; i < n; i++) {
		const struct key *k = key_by_name("listen", entries[i].name);

		if (k == NULL || k->scope != KS_LISTENER) {
			snprintf(ps->err, ps->errlen,
				 "%s [%s] %s: unknown key; a listener section takes the [listen] keys but port (tcpterm --help lists them)",
				 ps->where, sec, entries[i].name);
			return -EINVAL;
		}
		if (set_key(cfg, l, ps, k, entries[i].value) != 0)
			return -EINVAL;
		l->set_mask |= UINT64_C(1) << (k - keys);
	}
	return 0;
}

static int
load_section(struct tt_config *cfg, struct rte_cfgfile *f, const char *sec, struct pass *ps)
{
	struct rte_cfgfile_entry *entries;
	int n = rte_cfgfile_section_num_entries(f, sec), rc = 0;

	if (n <= 0)
		return 0;
	entries = calloc(n, sizeof(*entries));
	if (entries == NULL)
		return -ENOMEM;
	n = rte_cfgfile_section_entries(f, sec, entries, n);
	for (int i = 0; i < n && rc == 0; i++) {
		const struct key *k = key_by_name(sec, entries[i].name);

		if (k == NULL) {
			snprintf(ps->err, ps->errlen, "%s [%s] %s: unknown key (tcpterm --help lists them)",
				 ps->where, sec, entries[i].name);
			rc = -EINVAL;
			break;
		}
		rc = set_key(cfg, k->scope == KS_LISTENER ? (void *)&cfg->listen_defaults : (void *)cfg,
			     ps, k, entries[i].value);
	}
	free(entries);
	return rc;
}

static bool
known_section(const char *sec)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].section, sec) == 0)
			return true;
	return false;
}

/*
 * rte_cfgfile skips a line without '=' silently and rejects a key before any section
 * without saying where; this pass checks the layout first so each such mistake gets one
 * line with its line number (SPEC O7). Comments start with ';', as for rte_cfgfile.
 */
static int
lint_file(FILE *f, const char *path, char *err, size_t errlen)
{
	char line[CFG_NAME_LEN + CFG_VALUE_LEN + 8];
	bool in_section = false;
	unsigned int lineno = 0;

	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = line, *end, *semi;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long (%zu bytes at most)", path, lineno,
				 sizeof(line) - 2);
			return -EINVAL;
		}
		semi = strchr(s, ';');
		if (semi != NULL)
			*semi = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		end = s + strlen(s);
		while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
				   end[-1] == '\r'))
			*--end = '\0';
		if (*s == '\0')
			continue;
		if (*s == '[') {
			if (end[-1] != ']' || end - s < 3) {
				snprintf(err, errlen, "%s:%u: '%s': expected [section]", path, lineno, s);
				return -EINVAL;
			}
			in_section = true;
			continue;
		}
		if (strchr(s, '=') == NULL || *s == '=') {
			snprintf(err, errlen, "%s:%u: '%s': expected 'key = value' or '[section]'", path,
				 lineno, s);
			return -EINVAL;
		}
		if (!in_section) {
			snprintf(err, errlen, "%s:%u: '%s' comes before any [section]", path, lineno, s);
			return -EINVAL;
		}
		{
			/* rte_cfgfile keeps CFG_VALUE_LEN - 1 bytes of a value and cuts the rest. */
			const char *v = strchr(s, '=') + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			if (strlen(v) >= CFG_VALUE_LEN) {
				snprintf(err, errlen,
					 "%s:%u: value of %zu bytes (%d at most): split it, e.g. one 'backend =' line per backend",
					 path, lineno, strlen(v), CFG_VALUE_LEN - 1);
				return -EINVAL;
			}
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read config file %s: %s", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

int
tt_config_load_file(struct tt_config *cfg, const char *path, char *err, size_t errlen)
{
	struct pass ps = { .err = err, .errlen = errlen };
	char where[PATH_MAX + 2];
	struct rte_cfgfile *f;
	char **sections = NULL, *names = NULL;
	FILE *probe;
	int n, rc = 0;

	probe = fopen(path, "r");
	if (probe == NULL) {
		rc = -errno;
		snprintf(err, errlen, "cannot read config file %s: %s", path, strerror(errno));
		return rc;
	}
	rc = lint_file(probe, path, err, errlen);
	fclose(probe);
	if (rc != 0)
		return rc;
	f = rte_cfgfile_load(path, 0);
	if (f == NULL) {
		snprintf(err, errlen, "config file %s is not valid INI: see config/tcpterm.conf", path);
		return -EINVAL;
	}
	snprintf(where, sizeof(where), "%s:", path);
	ps.where = where;
	n = rte_cfgfile_num_sections(f, NULL, 0);
	sections = calloc(n > 0 ? n : 1, sizeof(*sections));
	names = calloc(n > 0 ? n : 1, CFG_NAME_LEN);
	if (sections == NULL || names == NULL) {
		snprintf(err, errlen, "out of memory reading %s", path);
		rc = -ENOMEM;
		n = 0;
	}
	for (int i = 0; i < n; i++)
		sections[i] = names + (size_t)i * CFG_NAME_LEN;
	if (n > 0)
		n = rte_cfgfile_sections(f, sections, n);
	for (int i = 0; i < n && rc == 0; i++) {
		const char *sec = sections[i];

		if (strncmp(sec, "listen ", 7) == 0)
			rc = load_listener_section(cfg, f, sec, &ps);
		else if (known_section(sec))
			rc = load_section(cfg, f, sec, &ps);
		else {
			snprintf(err, errlen,
				 "%s [%s]: unknown section; use port, net, tcp, listen, listen PORT, impair, run",
				 where, sec);
			rc = -EINVAL;
		}
	}
	free(sections);
	free(names);
	rte_cfgfile_close(f);
	if (rc == 0)
		config_finalize(cfg);
	return rc;
}

int
tt_config_parse_args(struct tt_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	struct option opts[N_KEYS + 5];
	bool check = false;
	char names[N_KEYS][32];
	struct pass ps = { .where = "--", .err = err, .errlen = errlen };
	int n = 0, c, rc;

	for (size_t i = 0; i < N_KEYS; i++) {
		opt_name(&keys[i], names[i], sizeof(names[i]));
		opts[n++] = (struct option){ names[i],
			keys[i].type == KT_FLAG ? no_argument : required_argument, NULL, 256 + (int)i };
	}
	opts[n++] = (struct option){ "config", required_argument, NULL, 'c' };
	opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[n++] = (struct option){ "version", no_argument, NULL, 'V' };
	opts[n++] = (struct option){ "check-config", no_argument, NULL, 'k' };
	opts[n] = (struct option){ 0 };

	/* Pass 1: --help, --version and --config, whatever their position. */
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			tt_config_usage(stdout, argv[0]);
			return 1;
		case 'V':
			printf("tcpterm %s\n", TT_VERSION);
			return 1;
		case 'k':
			check = true;
			break;
		case 'c':
			rc = tt_config_load_file(cfg, optarg, err, errlen);
			if (rc != 0)
				return rc;
			break;
		case '?':
			if (optopt != 0)
				snprintf(err, errlen, "unknown option -%c: tcpterm options are long (--name value); EAL options go before '--'",
					 optopt);
			else
				snprintf(err, errlen, "unknown option %s: see --help; EAL options go before '--'",
					 argv[optind - 1]);
			return -EINVAL;
		case ':':
			snprintf(err, errlen, "option %s needs a value (see --help)", argv[optind - 1]);
			return -EINVAL;
		default:
			break;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s': options are --name value (see --help)",
			 argv[optind]);
		return -EINVAL;
	}
	/* Pass 2: every other option, over the file's values. */
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		const struct key *k;

		if (c < 256)
			continue;
		k = &keys[c - 256];
		rc = set_key(cfg, k->scope == KS_LISTENER ? (void *)&cfg->listen_defaults : (void *)cfg,
			     &ps, k, k->type == KT_FLAG ? "1" : optarg);
		if (rc != 0)
			return rc;
	}
	config_finalize(cfg);
	rc = tt_config_validate(cfg, err, errlen);
	if (rc == 0 && check) {
		tt_config_dump(cfg, stdout);
		tt_config_warn(cfg, stdout);
		return 1;
	}
	return rc;
}

/* 0 when the gateway is on the subnet of one of our addresses, 1 when it is one, -1 neither. */
static int
gateway_check(const struct tt_config *cfg)
{
	uint32_t gw = ntohl(cfg->gateway);
	bool on_link = false;

	for (uint32_t i = 0; i < cfg->n_addrs; i++) {
		uint32_t mask = UINT32_MAX << (32 - cfg->addrs[i].len);   /* len is 1..32 */

		if (gw == ntohl(cfg->addrs[i].addr))
			return 1;
		on_link |= ((gw ^ ntohl(cfg->addrs[i].addr)) & mask) == 0;
	}
	return on_link ? 0 : -1;
}

/* An IPv6 gateway: link-local (on-link by definition), or on one of our prefixes and not ours. */
static int
gateway6_check(const struct tt_config *cfg, char *err, size_t errlen)
{
	const uint8_t *gw = cfg->gateway6;
	char a[INET6_ADDRSTRLEN];
	bool on_link = tt_in6_is_link_local(gw);

	if (tt_in6_is_unspecified(gw))
		return 0;
	inet_ntop(AF_INET6, gw, a, sizeof(a));
	if (cfg->n_addrs6 == 0) {
		snprintf(err, errlen, "--gateway %s: IPv6 is off without an IPv6 --addr; give one (X:X::X/len)",
			 a);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < cfg->n_addrs6; i++) {
		if (memcmp(gw, cfg->addrs6[i].addr, 16) == 0) {
			snprintf(err, errlen, "--gateway %s is one of tcpterm's own addresses: give the router's address",
				 a);
			return -EINVAL;
		}
		on_link |= tt_in6_prefix_eq(gw, cfg->addrs6[i].addr, cfg->addrs6[i].len);
	}
	if (!on_link) {
		snprintf(err, errlen, "--gateway %s is not on the prefix of any IPv6 --addr nor link-local: a gateway must be on-link (RFC 4861 8: a router's fe80:: address, or add an --addr on its prefix)",
			 a);
		return -EINVAL;
	}
	return 0;
}

/* The kernel side's IPv6 address must not be one of ours: its DAD and ours would both fail. */
static int
kernel6_check(const struct tt_config *cfg, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN];

	for (uint32_t i = 0; cfg->kernel_addr6.len != 0 && i < cfg->n_addrs6; i++) {
		if (memcmp(cfg->kernel_addr6.addr, cfg->addrs6[i].addr, 16) != 0)
			continue;
		snprintf(err, errlen, "kernel_addr %s is one of tcpterm's own addresses: give the kernel side another",
			 inet_ntop(AF_INET6, cfg->kernel_addr6.addr, a, sizeof(a)));
		return -EINVAL;
	}
	return 0;
}

/*
 * A frame's VLAN and port follow from its source address (net_vlan.c, tcp_connect.c) and a
 * next hop's from the subnet it is on, so subnets on different VLANs or ports must not
 * overlap: where a neighbour of both is could not be told (Linux would route it by the
 * interface's route instead).
 */
static int
vlan_check(const struct tt_config *cfg, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	for (uint32_t i = 0; i < cfg->n_addrs; i++) {
		for (uint32_t j = i + 1; j < cfg->n_addrs; j++) {
			const struct tt_ipv4_prefix *x = &cfg->addrs[i], *y = &cfg->addrs[j];
			uint8_t len = RTE_MIN(x->len, y->len);
			uint32_t mask = ~0u << (32 - len);

			if ((x->vlan == y->vlan && x->port == y->port) ||
			    ((ntohl(x->addr) ^ ntohl(y->addr)) & mask) != 0)
				continue;
			snprintf(err, errlen, "--addr %s/%u and %s/%u overlap on different VLANs or ports (vlan %u, %u; port %d, %d; -1: every port): give each a subnet of its own",
				 inet_ntop(AF_INET, &x->addr, a, sizeof(a)), x->len,
				 inet_ntop(AF_INET, &y->addr, b, sizeof(b)), y->len, x->vlan, y->vlan,
				 x->port, y->port);
			return -EINVAL;
		}
	}
	for (uint32_t i = 0; i < cfg->n_addrs6; i++) {
		for (uint32_t j = i + 1; j < cfg->n_addrs6; j++) {
			const struct tt_ipv6_prefix *x = &cfg->addrs6[i], *y = &cfg->addrs6[j];

			if ((x->vlan == y->vlan && x->port == y->port) ||
			    !tt_in6_prefix_eq(x->addr, y->addr, RTE_MIN(x->len, y->len)))
				continue;
			snprintf(err, errlen, "--addr %s/%u and %s/%u overlap on different VLANs or ports (vlan %u, %u; port %d, %d; -1: every port): give each a subnet of its own",
				 inet_ntop(AF_INET6, x->addr, a, sizeof(a)), x->len,
				 inet_ntop(AF_INET6, y->addr, b, sizeof(b)), y->len, x->vlan, y->vlan,
				 x->port, y->port);
			return -EINVAL;
		}
	}
	return 0;
}

int
tt_config_validate(const struct tt_config *cfg, char *err, size_t errlen)
{
	if (cfg->n_addrs == 0 && cfg->n_addrs6 == 0) {
		snprintf(err, errlen, "no local address: give --addr A.B.C.D/len or --addr X:X::X/len");
		return -EINVAL;
	}
	for (uint32_t i = 0; i < cfg->n_addrs; i++) {
		char a[INET_ADDRSTRLEN];

		if (ipv4_host(cfg->addrs[i].addr))
			continue;
		snprintf(err, errlen, "--addr %s is not a host address (0/8, 127/8, multicast, broadcast)",
			 inet_ntop(AF_INET, &cfg->addrs[i].addr, a, sizeof(a)));
		return -EINVAL;
	}
	if (gateway6_check(cfg, err, errlen) != 0 || kernel6_check(cfg, err, errlen) != 0 ||
	    vlan_check(cfg, err, errlen) != 0)
		return -EINVAL;
	if (cfg->mem_min > cfg->mem_pressure || cfg->mem_pressure > cfg->mem_max) {
		snprintf(err, errlen,
			 "mem_min %u, mem_pressure %u, mem_max %u: they must not decrease (as Linux's tcp_mem)",
			 cfg->mem_min, cfg->mem_pressure, cfg->mem_max);
		return -EINVAL;
	}
	if (cfg->gateway != 0) {
		char a[INET_ADDRSTRLEN];
		int where = gateway_check(cfg);

		inet_ntop(AF_INET, &cfg->gateway, a, sizeof(a));
		/* Linux refuses both: "Nexthop has invalid gateway" (RFC 1122 3.3.1.1). */
		if (where < 0) {
			snprintf(err, errlen, "--gateway %s is not on the subnet of any --addr: a gateway must be on-link (add an --addr on its subnet)",
				 a);
			return -EINVAL;
		}
		if (where > 0) {
			snprintf(err, errlen, "--gateway %s is one of tcpterm's own addresses: give the router's address",
				 a);
			return -EINVAL;
		}
	}
	for (uint32_t i = 0; i < cfg->n_listeners; i++) {
		const struct tt_listen_config *l = &cfg->listeners[i];

		if (l->app == TT_APP_PROXY && l->backends.n == 0) {
			snprintf(err, errlen, "listen %u: the proxy application needs a backend: give --backend ADDR:PORT, or backend = ADDR:PORT in [listen %u]",
				 l->port, l->port);
			return -EINVAL;
		}
		for (uint32_t b = 0; l->app == TT_APP_PROXY && b < l->backends.n; b++) {
			char a[INET_ADDRSTRLEN];

			if (l->backends.b[b].family == AF_INET6 && cfg->n_addrs6 == 0) {
				snprintf(err, errlen, "listen %u: an IPv6 backend needs an IPv6 --addr (X:X::X/len) to connect from",
					 l->port);
				return -EINVAL;
			}

			for (uint32_t j = 0; j < cfg->n_addrs6 && l->backends.b[b].family == AF_INET6;
			     j++) {
				char a6[INET6_ADDRSTRLEN];

				if (memcmp(l->backends.b[b].addr6, cfg->addrs6[j].addr, 16) != 0)
					continue;
				snprintf(err, errlen, "listen %u: backend [%s]:%u is tcpterm's own address; give a server's",
					 l->port, inet_ntop(AF_INET6, cfg->addrs6[j].addr, a6, sizeof(a6)),
					 l->backends.b[b].port);
				return -EINVAL;
			}
			for (uint32_t j = 0; j < cfg->n_addrs && l->backends.b[b].family != AF_INET6; j++) {
				if (l->backends.b[b].addr != cfg->addrs[j].addr)
					continue;
				/* tcpterm does not deliver to itself: the SYN would leave on the port. */
				inet_ntop(AF_INET, &l->backends.b[b].addr, a, sizeof(a));
				snprintf(err, errlen, "listen %u: backend %s:%u is tcpterm's own address; give a server's",
					 l->port, a, l->backends.b[b].port);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* One specification when every port has the same, else "PORT:SPEC" for each port with one. */
static void
format_impair(const struct tt_config *cfg, enum tt_impair_dir_id d, char *buf, size_t len)
{
	char spec[TT_IMPAIR_SPEC_LEN];
	size_t used = 0;
	bool same = true;

	for (uint32_t pi = 1; pi < TT_IMPAIR_MAX_PORTS; pi++)
		same &= memcmp(&cfg->impair[pi][d], &cfg->impair[0][d], sizeof(cfg->impair[0][d])) == 0;
	if (same) {
		tt_impair_format(&cfg->impair[0][d], buf, len);
		return;
	}
	buf[0] = '\0';
	for (uint32_t pi = 0; pi < TT_IMPAIR_MAX_PORTS && used < len; pi++) {
		if (!tt_impair_conf_active(&cfg->impair[pi][d]))
			continue;
		tt_impair_format(&cfg->impair[pi][d], spec, sizeof(spec));
		used += snprintf(buf + used, len - used, "%s%u:%s", used ? " " : "", pi, spec);
	}
}

static void
format_value(const struct tt_config *cfg, const void *base, const struct key *k, char *buf,
	     size_t len)
{
	const void *field = (const uint8_t *)base + k->off;
	char a[INET6_ADDRSTRLEN];
	size_t used = 0;

	buf[0] = '\0';
	switch (k->type) {
	case KT_U32:
		snprintf(buf, len, "%" PRIu32, *(const uint32_t *)field);
		break;
	case KT_FLAG:
		snprintf(buf, len, "%d", *(const bool *)field);
		break;
	case KT_GATEWAY:
		if (cfg->gateway != 0)
			used += snprintf(buf, len, "%s", inet_ntop(AF_INET, &cfg->gateway, a, sizeof(a)));
		if (!tt_in6_is_unspecified(cfg->gateway6) && used < len)
			used += snprintf(buf + used, len - used, "%s%s", used ? "," : "",
					 inet_ntop(AF_INET6, cfg->gateway6, a, sizeof(a)));
		if (used == 0)
			snprintf(buf, len, "none");
		break;
	case KT_KERNEL:
		if (cfg->kernel_addr.addr != 0)
			used += snprintf(buf, len, "%s/%u",
					 inet_ntop(AF_INET, &cfg->kernel_addr.addr, a, sizeof(a)),
					 cfg->kernel_addr.len);
		if (cfg->kernel_addr6.len != 0 && used < len)
			used += snprintf(buf + used, len - used, "%s%s/%u", used ? "," : "",
					 inet_ntop(AF_INET6, cfg->kernel_addr6.addr, a, sizeof(a)),
					 cfg->kernel_addr6.len);
		if (used == 0)
			snprintf(buf, len, "none");
		else if (cfg->kernel_addr_auto && used < len)
			snprintf(buf + used, len - used, " (auto)");
		break;
	case KT_PREFIXES:
		/* Space-separated: each is one --addr, its ",vlan=N" included. */
		for (uint32_t i = 0; i < cfg->n_addrs && used < len; i++) {
			used += snprintf(buf + used, len - used, "%s%s/%u", i ? " " : "",
					 inet_ntop(AF_INET, &cfg->addrs[i].addr, a, sizeof(a)),
					 cfg->addrs[i].len);
			if (cfg->addrs[i].vlan != 0 && used < len)
				used += snprintf(buf + used, len - used, ",vlan=%u", cfg->addrs[i].vlan);
			if (cfg->addrs[i].port >= 0 && used < len)
				used += snprintf(buf + used, len - used, ",port=%d", cfg->addrs[i].port);
		}
		for (uint32_t i = 0; i < cfg->n_addrs6 && used < len; i++) {
			used += snprintf(buf + used, len - used, "%s%s/%u", used ? " " : "",
					 inet_ntop(AF_INET6, cfg->addrs6[i].addr, a, sizeof(a)),
					 cfg->addrs6[i].len);
			if (cfg->addrs6[i].vlan != 0 && used < len)
				used += snprintf(buf + used, len - used, ",vlan=%u", cfg->addrs6[i].vlan);
			if (cfg->addrs6[i].port >= 0 && used < len)
				used += snprintf(buf + used, len - used, ",port=%d", cfg->addrs6[i].port);
		}
		break;
	case KT_PORTS:
		for (uint32_t i = 0; i < cfg->n_listeners && used < len; i++)
			used += snprintf(buf + used, len - used, "%s%u", i ? "," : "",
					 cfg->listeners[i].port);
		break;
	case KT_APP:
		snprintf(buf, len, "%s", tt_app_kind_name(*(const uint32_t *)field));
		break;
	case KT_BALANCE:
		snprintf(buf, len, "%s", tt_balance_name(*(const uint32_t *)field));
		break;
	case KT_BACKENDS: {
		const struct tt_backend_list *l = field;

		/* Space-separated, as set_backends reads it back. */
		for (uint32_t i = 0; i < l->n && used < len; i++) {
			bool v6 = l->b[i].family == AF_INET6;

			used += snprintf(buf + used, len - used, "%s%s%s%s:%u", i ? " " : "",
					 v6 ? "[" : "",
					 v6 ? inet_ntop(AF_INET6, l->b[i].addr6, a, sizeof(a)) :
					      inet_ntop(AF_INET, &l->b[i].addr, a, sizeof(a)),
					 v6 ? "]" : "", l->b[i].port);
			if (l->b[i].weight != 1 && used < len)
				used += snprintf(buf + used, len - used, ",weight=%u", l->b[i].weight);
		}
		break;
	}
	case KT_IMPAIR:
		format_impair(cfg, (enum tt_impair_dir_id)k->min, buf, len);
		break;
	case KT_RANGE: {
		const uint32_t *r = field;

		snprintf(buf, len, "%" PRIu32 " %" PRIu32, r[0], r[1]);
		break;
	}
	case KT_TRIPLE: {
		const uint32_t *t = field;

		snprintf(buf, len, "%" PRIu32 " %" PRIu32 " %" PRIu32, t[0], t[1], t[2]);
		break;
	}
	case KT_LINK:
		snprintf(buf, len, "%s", tt_kernel_link_name(*(const uint32_t *)field));
		break;
	case KT_ENDPOINT: {
		const uint32_t *ep = field;

		if (ep[1] == 0)
			snprintf(buf, len, "none");
		else
			snprintf(buf, len, "%s:%" PRIu32, inet_ntop(AF_INET, &ep[0], a, sizeof(a)),
				 ep[1]);
		break;
	}
	case KT_CC:
		snprintf(buf, len, "%s", *(const uint32_t *)field < RTE_DIM(cc_names) ?
			 cc_names[*(const uint32_t *)field] : "?");
		break;
	}
}

void
tt_config_visit(const struct tt_config *cfg, tt_config_visit_fn fn, void *arg)
{
	char val[1280];

	for (size_t i = 0; i < N_KEYS; i++) {
		const void *base = keys[i].scope == KS_LISTENER ? (const void *)&cfg->listen_defaults
								 : (const void *)cfg;

		format_value(cfg, base, &keys[i], val, sizeof(val));
		fn(arg, keys[i].section, keys[i].name, val);
	}
	for (uint32_t l = 0; l < cfg->n_listeners; l++) {
		char sec[32];

		snprintf(sec, sizeof(sec), "listen %u", cfg->listeners[l].port);
		for (size_t i = 0; i < N_KEYS; i++) {
			if (keys[i].scope != KS_LISTENER)
				continue;
			format_value(cfg, &cfg->listeners[l], &keys[i], val, sizeof(val));
			fn(arg, sec, keys[i].name, val);
		}
	}
}

/*
 * Linux's sysctl name of a live key, as an operator types it: net.core.somaxconn, and
 * net.ipv4.tcp_KEY for the [tcp] keys Linux has under that name (not tcpterm's mem_*
 * percentages, which Linux's page-counted tcp_mem triplet does not map to). NULL for
 * anything else under those prefixes, which then names no key.
 */
static const char *
live_name(const char *key)
{
	if (strncmp(key, "net.core.", 9) == 0)
		return strcmp(key + 9, "somaxconn") == 0 ? key + 9 : NULL;
	if (strncmp(key, "net.ipv4.tcp_", 13) != 0)
		return key;
	key += 13;
	if (strncmp(key, "mem_", 4) == 0 || strcmp(key, "somaxconn") == 0 ||
	    strcmp(key, "backlog") == 0)
		return NULL;
	return key;
}

static const struct key *
key_by_bare_name(const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].name, name) == 0 ||
		    (keys[i].opt != NULL && strcmp(keys[i].opt, name) == 0))
			return &keys[i];
	return NULL;
}

static struct tt_listen_config *
listener_by_port(struct tt_config *cfg, uint32_t port)
{
	for (uint32_t i = 0; i < cfg->n_listeners; i++)
		if (cfg->listeners[i].port == port)
			return &cfg->listeners[i];
	return NULL;
}

int
tt_config_set_live(struct tt_config *next, const char *key, const char *value, char *desc,
		   size_t desclen, char *err, size_t errlen)
{
	struct pass ps = { .where = "set", .err = err, .errlen = errlen };
	struct tt_listen_config *one = NULL;
	const char *name = live_name(key);
	char was[64], now[64], where[24] = "", every[24] = "";
	const struct key *k;
	int rc;

	if (name == NULL) {
		snprintf(err, errlen, "%s: no such key (tcpterm-ctl set lists those settable while running)",
			 key);
		return -ENOENT;
	}
	if (strncmp(name, "listen.", 7) == 0) {
		char *end;
		unsigned long port = isdigit((unsigned char)name[7]) ?
				     strtoul(name + 7, &end, 10) : 0;

		if (port < 1 || port > 65535 || *end != '.') {
			snprintf(err, errlen, "%s: expected listen.PORT.KEY (listen.80.backlog)", key);
			return -EINVAL;
		}
		one = listener_by_port(next, (uint32_t)port);
		if (one == NULL) {
			snprintf(err, errlen, "%s: no listener on port %lu", key, port);
			return -ENOENT;
		}
		snprintf(where, sizeof(where), "listen %lu ", port);
		name = end + 1;
	}
	k = key_by_bare_name(name);
	if (k == NULL) {
		snprintf(err, errlen, "%s: no such key (tcpterm --help lists them; tcpterm-ctl set, those settable while running)",
			 key);
		return -ENOENT;
	}
	if (k->type == KT_IMPAIR) {
		snprintf(err, errlen, "%s: the impairment is set as impair_rx SPEC or impair_tx SPEC (or tcpterm-ctl impair rx|tx SPEC)",
			 key);
		return -EINVAL;
	}
	if (!k->live) {
		char opt[32];

		opt_name(k, opt, sizeof(opt));
		snprintf(err, errlen, "%s is set at start only (--%s); tcpterm-ctl set lists the keys settable while running",
			 k->name, opt);
		return -EPERM;
	}
	if (one != NULL && k->scope != KS_LISTENER) {
		snprintf(err, errlen, "%s: %s is not a listener's key; give it alone", key, k->name);
		return -EINVAL;
	}
	format_value(next, k->scope == KS_CONFIG ? (void *)next :
			   one != NULL ? (void *)one : (void *)&next->listen_defaults,
		     k, was, sizeof(was));
	if (k->scope == KS_CONFIG) {
		rc = set_key_value(next, next, &ps, k, value);
	} else if (one != NULL) {
		rc = set_key_value(next, one, &ps, k, value);
	} else {
		/* Every listener, as the [listen] section's value would have reached them. */
		snprintf(every, sizeof(every), " (every listener)");
		rc = set_key_value(next, &next->listen_defaults, &ps, k, value);
		for (uint32_t i = 0; rc == 0 && i < next->n_listeners; i++)
			rc = set_key_value(next, &next->listeners[i], &ps, k, value);
	}
	if (rc != 0)
		return rc;
	if (next->mem_min > next->mem_pressure || next->mem_pressure > next->mem_max) {
		snprintf(err, errlen,
			 "%s %s: mem_min %u, mem_pressure %u, mem_max %u must not decrease (as Linux's tcp_mem)",
			 k->name, value, next->mem_min, next->mem_pressure, next->mem_max);
		return -EINVAL;
	}
	format_value(next, k->scope == KS_CONFIG ? (void *)next :
			   one != NULL ? (void *)one : (void *)&next->listen_defaults,
		     k, now, sizeof(now));
	snprintf(desc, desclen, "%s%s %s -> %s%s", where, k->name, was, now, every);
	return 0;
}

static void
store_u32(void *base, const struct key *k, const void *from_base)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)from_base + k->off, sizeof(v));
	__atomic_store_n((uint32_t *)((uint8_t *)base + k->off), v, __ATOMIC_RELAXED);
}

void
tt_config_publish_live(struct tt_config *to, const struct tt_config *from)
{
	for (size_t i = 0; i < N_KEYS; i++) {
		if (!keys[i].live)
			continue;
		/* Single 32-bit stores: a live row of another type would be torn or overrun. */
		RTE_VERIFY(keys[i].type == KT_U32);
		if (keys[i].scope == KS_CONFIG) {
			store_u32(to, &keys[i], from);
			continue;
		}
		store_u32(&to->listen_defaults, &keys[i], &from->listen_defaults);
		for (uint32_t l = 0; l < to->n_listeners; l++)
			store_u32(&to->listeners[l], &keys[i], &from->listeners[l]);
	}
	__atomic_fetch_add(&to->live_gen, 1, __ATOMIC_RELEASE);
}

void
tt_config_visit_live(const struct tt_config *cfg, tt_config_visit_fn fn, void *arg)
{
	char val[64], name[48];

	for (size_t i = 0; i < N_KEYS; i++) {
		if (!keys[i].live)
			continue;
		if (keys[i].scope == KS_CONFIG) {
			format_value(cfg, cfg, &keys[i], val, sizeof(val));
			fn(arg, keys[i].section, keys[i].name, val);
			continue;
		}
		for (uint32_t l = 0; l < cfg->n_listeners; l++) {
			snprintf(name, sizeof(name), "listen.%u.%s", cfg->listeners[l].port,
				 keys[i].name);
			format_value(cfg, &cfg->listeners[l], &keys[i], val, sizeof(val));
			fn(arg, keys[i].section, name, val);
		}
	}
}

static void
dump_one(void *arg, const char *section, const char *key, const char *value)
{
	fprintf(arg, "  %-28s %s\n", key, value);
	(void)section;
}

void
tt_config_dump(const struct tt_config *cfg, FILE *out)
{
	const char *last = "";
	char val[1280];

	fprintf(out, "tcpterm configuration:\n");
	for (size_t i = 0; i < N_KEYS; i++) {
		const void *base = keys[i].scope == KS_LISTENER ? (const void *)&cfg->listen_defaults
								 : (const void *)cfg;

		if (strcmp(last, keys[i].section) != 0)
			fprintf(out, " [%s]\n", keys[i].section);
		last = keys[i].section;
		format_value(cfg, base, &keys[i], val, sizeof(val));
		if (keys[i].unimpl != NULL)
			fprintf(out, "  %-28s %-8s (no effect: %s)\n", keys[i].name, val,
				keys[i].unimpl);
		else
			dump_one(out, keys[i].section, keys[i].name, val);
	}
	for (uint32_t l = 0; l < cfg->n_listeners; l++) {
		const struct tt_listen_config *lc = &cfg->listeners[l];

		fprintf(out, " [listen %u] app %s backlog %u time_wait %u accept_rate %u http_body %u\n",
			lc->port, tt_app_kind_name(lc->app), lc->backlog, lc->time_wait,
			lc->accept_rate, lc->http_body);
		if (lc->app == TT_APP_PROXY) {
			const struct key *k = key_by_name("listen", "backend");

			format_value(cfg, lc, k, val, sizeof(val));
			fprintf(out, " [listen %u] backend %s balance %s connect_timeout %u backend_fail_skip %u proxy_protocol %u\n",
				lc->port, val, tt_balance_name(lc->balance), lc->connect_timeout,
				lc->backend_fail_skip, lc->proxy_protocol);
		}
	}
}

int
tt_config_warn(const struct tt_config *cfg, FILE *out)
{
	int n = 0;

	for (size_t i = 0; i < N_KEYS; i++) {
		char name[32], val[64];

		if (keys[i].unimpl == NULL || !(cfg->set_mask & (UINT64_C(1) << i)))
			continue;
		opt_name(&keys[i], name, sizeof(name));
		format_value(cfg, keys[i].scope == KS_LISTENER ? (const void *)&cfg->listen_defaults
							       : (const void *)cfg,
			     &keys[i], val, sizeof(val));
		fprintf(out, "tcpterm: warning: %s = %s (--%s) has no effect: %s\n", keys[i].name,
			val, name, keys[i].unimpl);
		n++;
	}
	return n;
}

/* The metavariable of a key's value in --help and the manual. */
static const char *
value_name(const struct key *k)
{
	switch (k->type) {
	case KT_U32:       return "N";
	case KT_FLAG:      return NULL;
	case KT_GATEWAY:   return "A.B.C.D[,X:X::X]|none";
	case KT_PREFIXES:  return "A.B.C.D/LEN|X:X::X/LEN[,vlan=N][,port=P]";
	case KT_KERNEL:    return "auto|none|A.B.C.D/LEN[,X:X::X/LEN]";
	case KT_PORTS:     return "PORT[,PORT...]";
	case KT_APP:       return "APP";
	case KT_IMPAIR:    return "[PORT:]SPEC";
	case KT_CC:        return "ALGORITHM";
	case KT_RANGE:     return "'LOW HIGH'";
	case KT_TRIPLE:    return "'MIN DEFAULT MAX'";
	case KT_BACKENDS:  return "ADDR:PORT[,weight=N]";
	case KT_BALANCE:   return "METHOD";
	case KT_ENDPOINT:  return "A.B.C.D:PORT|none";
	case KT_LINK:      return "MODE";
	}
	return "VALUE";
}

void
tt_config_man_options(FILE *out)
{
	const char *last = "";

	/* What tt_config_usage prints before the table, in the same words. */
	tt_man_para(out, "With no EAL options (nothing before \"--\"): the embedded default, one lcore, --no-pci, hugepages if free, and a link to the kernel, tt0, whose side gets an address (kernel_link). EAL options with --no-pci and no --vdev make the same link.");
	tt_man_option(out, "--config", "FILE", "INI file with the sections below; precedence: built-in defaults < file < command line. config/tcpterm.conf (installed under share/tcpterm) has every key with its default.");
	tt_man_option(out, "--check-config", NULL, "Validate the options and the file, print the effective configuration, exit.");
	tt_man_option(out, "--help", NULL, "Options with their defaults and ranges, then exit.");
	tt_man_option(out, "--version", NULL, "The version, then exit.");

	for (size_t i = 0; i < N_KEYS; i++) {
		const struct key *k = &keys[i];
		char name[40], sec[48], help[768];
		size_t n;

		if (strcmp(last, k->section) != 0) {
			snprintf(sec, sizeof(sec), "[%s]", k->section);
			tt_man_subsection(out, sec);
			if (strcmp(k->section, "listen") == 0)
				tt_man_para(out, "Defaults for every listener; a [listen PORT] section of the file overrides any of these keys for one port.");
		}
		last = k->section;
		opt_name(k, name, sizeof(name));
		n = (size_t)snprintf(help, sizeof(help), "%s.", k->help);
		if (k->type == KT_U32)
			n += (size_t)snprintf(help + n, sizeof(help) - n, " Default %s, %u to %u.", k->def,
					      k->min, k->max);
		else if (k->type != KT_FLAG)
			n += (size_t)snprintf(help + n, sizeof(help) - n, " Default %s.",
					      k->def[0] ? k->def : "none");
		n += (size_t)snprintf(help + n, sizeof(help) - n, " File: [%s] %s.", k->section,
				      k->name);
		if (k->live && n < sizeof(help))
			n += (size_t)snprintf(help + n, sizeof(help) - n,
					      " Settable while running: tcpterm-ctl set %s%s VALUE.",
					      k->scope == KS_LISTENER ? "[listen.PORT.]" : "", k->name);
		if (k->unimpl != NULL && n < sizeof(help))
			snprintf(help + n, sizeof(help) - n, " No effect yet: %s.", k->unimpl);
		snprintf(sec, sizeof(sec), "--%s", name);
		tt_man_option(out, sec, value_name(k), help);
	}
}

void
tt_config_usage(FILE *out, const char *prog)
{
	const char *last = "";

	fprintf(out,
		"usage: %s [EAL options] -- [options]\n"
		"  With no EAL options: the embedded default (one lcore, --no-pci, hugepages if\n"
		"  free, and a link to the kernel, tt0, whose side gets an address: kernel_link).\n\n"
		"  --config FILE                INI file with the sections below (precedence:\n"
		"                               defaults < file < command line)\n"
		"  --check-config               validate, print the effective configuration, exit\n"
		"  --help, --version\n",
		prog);
	for (size_t i = 0; i < N_KEYS; i++) {
		char name[40];

		if (strcmp(last, keys[i].section) != 0)
			fprintf(out, "\n [%s]%s\n", keys[i].section,
				strcmp(keys[i].section, "listen") == 0 ?
				" (defaults for every listener; [listen PORT] sections override any of these keys)" : "");
		last = keys[i].section;
		opt_name(&keys[i], name, sizeof(name));
		if (keys[i].type == KT_U32)
			fprintf(out, "  --%-26s %s [%s; %u..%u]%s%s\n", name, keys[i].help, keys[i].def,
				keys[i].min, keys[i].max, keys[i].unimpl ? "; NO EFFECT: " : "",
				keys[i].unimpl ? keys[i].unimpl : "");
		else if (keys[i].type == KT_FLAG)
			fprintf(out, "  --%-26s %s\n", name, keys[i].help);
		else
			fprintf(out, "  --%-26s %s [%s]\n", name, keys[i].help,
				keys[i].def[0] ? keys[i].def : "none");
	}
}
