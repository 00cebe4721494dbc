/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm configuration: every tunable of SPEC "Tunables" plus port, address and listener
 * settings. One table in lib/engine/tt_config.c declares each key once (section, type, range,
 * default, description); the file parser, the --long-options, --help, the start-up dump and
 * the /tcpterm/config telemetry object are all generated from it (STYLE habit 6).
 *
 * Precedence: built-in defaults < config file (--config) < command line.
 */
#ifndef TT_CONFIG_H
#define TT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <tcpterm/tt_impair.h>

#define TT_MAX_ADDRS     16
#define TT_MAX_LISTENERS 64
#define TT_MAX_BACKENDS  16    /* per proxy listener */

/* Built-in applications (SPEC O2). */
enum tt_app_kind {
	TT_APP_HTTP,
	TT_APP_ECHO,
	TT_APP_DISCARD,
	TT_APP_HOLD,
	TT_APP_PROXY,
	TT_APP__COUNT
};

/* How the proxy application picks a backend (SPEC A2). */
enum tt_balance {
	TT_BALANCE_ROUNDROBIN,  /* smooth weighted round robin (nginx's) */
	TT_BALANCE_LEASTCONN,   /* fewest active connections per unit of weight */
	TT_BALANCE_SOURCE,      /* hash of the client address (weighted rendezvous) */
	TT_BALANCE__COUNT
};

/*
 * The port tcpterm makes to the local kernel when EAL is given no device (the embedded
 * default, or --no-pci and no --vdev, -a, -b): issue 10 item 5, lib/engine/tt_kernel_link.c.
 */
enum tt_kernel_link {
	TT_KERNEL_LINK_AUTO,       /* af_xdp, else af_packet, else tap: the first that works */
	TT_KERNEL_LINK_AF_XDP,     /* a veth pair, AF_XDP on tcpterm's side */
	TT_KERNEL_LINK_AF_PACKET,  /* a veth pair, AF_PACKET on tcpterm's side */
	TT_KERNEL_LINK_TAP,        /* net_tap */
	TT_KERNEL_LINK_NONE,       /* none: no device is an error */
	TT_KERNEL_LINK__COUNT
};

/* One backend of a proxy listener. */
struct tt_backend {
	uint32_t addr;         /* IPv4, network order; 0 for an IPv6 backend */
	uint16_t port;         /* host order */
	uint16_t weight;       /* 1..1000 */
	uint8_t family;        /* 0 (IPv4) or AF_INET6 */
	uint8_t addr6[16];     /* IPv6, network order */
};

struct tt_backend_list {
	uint32_t n;
	struct tt_backend b[TT_MAX_BACKENDS];
};

/* An IPv4 address with prefix length; addresses are kept in network byte order. */
struct tt_ipv4_prefix {
	uint32_t addr;
	uint8_t len;
	uint16_t vlan;         /* --addr's 802.1Q VLAN ID (",vlan=N"); 0: untagged */
	int8_t port;           /* --addr's ",port=P": the port index it lives on; -1: every port */
};

/* An IPv6 address (network order, as on the wire) with prefix length (issue 10 item 1). */
struct tt_ipv6_prefix {
	uint8_t addr[16];
	uint8_t len;
	uint16_t vlan;         /* as tt_ipv4_prefix's */
	int8_t port;           /* as tt_ipv4_prefix's */
};

/* Per-listener settings: a [listen PORT] section overrides the [listen] defaults. */
struct tt_listen_config {
	uint16_t port;
	uint32_t app;          /* enum tt_app_kind */
	uint32_t backlog;      /* listen(2) backlog; accept queue = min(backlog, somaxconn) */
	uint32_t time_wait;    /* TIME_WAIT length in seconds (Linux: fixed 60) */
	uint32_t accept_rate;  /* hold app: accepts per second, 0 = never */
	uint32_t http_body;    /* http app: response body bytes */
	uint32_t keepalive;    /* SO_KEEPALIVE on accepted connections (D6) */
	/* proxy app (SPEC A2) */
	uint32_t balance;           /* enum tt_balance */
	uint32_t connect_timeout;   /* ms for a backend's handshake before the next is tried */
	uint32_t backend_fail_skip; /* s a backend is skipped after a failed connect; 0 never */
	uint32_t proxy_protocol;    /* 0 none, 1 PROXY v1 (text), 2 PROXY v2 (binary) */
	struct tt_backend_list backends;
	uint64_t set_mask;     /* fields its own section set; the others follow [listen] */
};

struct tt_config {
	/* [port] */
	uint32_t rx_desc;
	uint32_t tx_desc;
	uint32_t mbufs;          /* mbufs per worker */
	uint32_t burst;          /* rx/tx burst size */
	uint32_t mtu;
	uint32_t tso;            /* TCP segmentation offload where offered */
	uint32_t rss;            /* 0 off, 1 symmetric Toeplitz key, 2 random key (R4) */
	uint32_t flow_hash;      /* 1 AES rounds where the CPU has them, 0 SipHash-1-3 (R3) */
	uint32_t kernel_link;    /* enum tt_kernel_link */
	/* [net] */
	struct tt_ipv4_prefix addrs[TT_MAX_ADDRS];
	uint32_t n_addrs;
	struct tt_ipv6_prefix addrs6[TT_MAX_ADDRS];   /* --addr's IPv6 prefixes */
	uint32_t n_addrs6;
	uint32_t gateway;        /* 0 = none */
	uint8_t gateway6[16];    /* all zero = none; --gateway's IPv6 address */
	struct tt_ipv4_prefix kernel_addr; /* a TAP's or the kernel link's kernel side; 0 = none */
	struct tt_ipv6_prefix kernel_addr6; /* its IPv6 address; len 0 = none */
	bool kernel_addr_auto;   /* derive each kernel side's addresses from its port's untagged --addr */
	uint32_t dad_transmits;  /* Linux's net.ipv6.conf.*.dad_transmits (RFC 4862 5.1) */
	/* [tcp]: names follow Linux sysctls without the net.ipv4.tcp_ prefix (SPEC Tunables) */
	uint32_t syncookies;
	uint32_t max_syn_backlog;
	uint32_t somaxconn;
	uint32_t synack_retries;
	uint32_t syn_retries;
	uint32_t abort_on_overflow;
	uint32_t fin_timeout;
	uint32_t max_tw_buckets;
	uint32_t tw_reuse;
	uint32_t local_port_lo, local_port_hi; /* ip_local_port_range: source ports of connects */
	uint32_t timestamps;
	uint32_t window_scaling;
	uint32_t sack;
	uint32_t dsack;
	uint32_t congestion_control; /* lib/tcp's enum tt_cc_algo */
	uint32_t hystart;        /* HyStart++ in CUBIC's slow start (Linux's cubic hystart) */
	uint32_t keepalive_time;
	uint32_t keepalive_intvl;
	uint32_t keepalive_probes;
	/*
	 * Buffers per connection in payload bytes, as Linux's tcp_rmem / tcp_wmem triplets: a
	 * connection starts at the default and autotunes up to max (receive: with the rate the
	 * application reads; send: with cwnd); a max below the default fixes the buffer at the
	 * default (as SO_RCVBUF/SO_SNDBUF lock it). min is kept for Linux's form: buffers do not
	 * shrink under memory pressure here, they stop growing (tcp_mem.c).
	 */
	uint32_t rmem_min, rmem, rmem_max;
	uint32_t wmem_min, wmem, wmem_max;
	uint32_t max_conns;      /* TCBs per worker (tcpterm's; Linux has no such cap) */
	uint32_t mem_min;        /* tcp_mem in % of the worker's mbufs held by TCP queues */
	uint32_t mem_pressure;
	uint32_t mem_max;
	uint32_t challenge_ack_limit; /* RFC 5961 challenge ACKs a second, per worker */
	/* [listen] defaults, and the listeners */
	struct tt_listen_config listen_defaults;
	struct tt_listen_config listeners[TT_MAX_LISTENERS];
	uint32_t n_listeners;
	bool listen_implicit;    /* the only listener is port 80, added because none was given */
	/* [impair]: each port's impairment, RX and TX (tt_impair.h) */
	struct tt_impair_conf impair[TT_IMPAIR_MAX_PORTS][TT_IMPAIR__DIRS];
	uint8_t impair_named[TT_IMPAIR__DIRS]; /* ports named as PORT:SPEC, a bit each */
	uint32_t impair_seed;    /* 0: drawn at start */
	/* [run] */
	uint32_t app_lcores;     /* 1: applications on lcores of their own (DESIGN placement) */
	uint32_t layer_cycles;   /* 1: busy cycles split by layer (tt_worker layer_cycles) */
	bool quiet;
	/* Prometheus endpoint (tt_metrics.c): address in network order, port (0: none). */
	uint32_t metrics_addr;
	uint32_t metrics_port;
	uint64_t set_mask;       /* keys a file or option set, a bit per config table row */
	/*
	 * Moved (release) each time tcpterm-ctl set changed live keys in the running
	 * configuration; a worker seeing it move takes what it derives from them again.
	 */
	uint32_t live_gen;
};

/* Built-in defaults (Linux's where Linux has the knob). */
void tt_config_defaults(struct tt_config *cfg);

/*
 * Apply tcpterm's options (the part of argv after EAL's "--"). A --config FILE among them is
 * loaded first, whatever its position. Returns 0, 1 when --help, --version or --check-config
 * was handled (caller exits 0), or -errno with a one-line message naming the problem and the fix
 * in err. argv[0] is not an option.
 */
int tt_config_parse_args(struct tt_config *cfg, int argc, char **argv, char *err, size_t errlen);

/* Load an INI file over cfg. 0 or -errno with a message in err. */
int tt_config_load_file(struct tt_config *cfg, const char *path, char *err, size_t errlen);

/* Checks between keys (e.g. at least one address). 0 or -EINVAL with a message. */
int tt_config_validate(const struct tt_config *cfg, char *err, size_t errlen);

/*
 * One "tcpterm: warning:" line for each key a file or option set that has no effect yet
 * (accepted for the SPEC's tunables list, implemented by later work the line names).
 * Returns how many lines were printed.
 */
int tt_config_warn(const struct tt_config *cfg, FILE *out);

/* Print --help (options generated from the table). */
void tt_config_usage(FILE *out, const char *prog);

/* The same options as manual page sections (tt_man.h): .SS per section, .TP per key. */
void tt_config_man_options(FILE *out);

/* Print the effective configuration, one "section.key = value" line each. */
void tt_config_dump(const struct tt_config *cfg, FILE *out);

/* Name of a built-in application, e.g. "http". */
const char *tt_app_kind_name(uint32_t kind);

/* Name of a balancing method, e.g. "leastconn"; "?" out of range. */
const char *tt_balance_name(uint32_t balance);

/* Name of a kernel link mode, e.g. "af_packet"; "?" out of range. */
const char *tt_kernel_link_name(uint32_t mode);

/*
 * Run-time tuning (tcpterm-ctl set): the keys Linux lets an operator change while a server
 * runs (sysctl -w, or listen(2) again for a backlog). key is such a key's name
 * ("somaxconn"), its Linux sysctl name ("net.core.somaxconn", "net.ipv4.tcp_syncookies"),
 * or for a listener's key "listen.PORT.KEY" (the bare name sets every listener and the
 * [listen] defaults). value is parsed and range-checked by the rules the config file
 * follows, into next, a copy of the running configuration; checks between keys (tcp_mem's
 * order) apply. On success desc says what changes ("somaxconn 4096 -> 128"). 0, or
 * -ENOENT (no such key), -EPERM (a key set at start only) or -EINVAL, with one line in err.
 */
int tt_config_set_live(struct tt_config *next, const char *key, const char *value,
		       char *desc, size_t desclen, char *err, size_t errlen);

/*
 * Copy every live key of from into the running configuration to, each a single atomic
 * 32-bit store that workers may read at any time, then move to->live_gen (release).
 */
void tt_config_publish_live(struct tt_config *to, const struct tt_config *from);

/* Visit each key with its value formatted as text; for telemetry and tools. */
typedef void (*tt_config_visit_fn)(void *arg, const char *section, const char *key,
				   const char *value);
void tt_config_visit(const struct tt_config *cfg, tt_config_visit_fn fn, void *arg);

/* Visit the live keys (listeners' as "listen.PORT.KEY") with their values. */
void tt_config_visit_live(const struct tt_config *cfg, tt_config_visit_fn fn, void *arg);

#endif /* TT_CONFIG_H */
