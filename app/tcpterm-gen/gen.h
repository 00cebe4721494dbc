/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm-gen, the load generator (SPEC A3; P1, P3, P4 are measured with it). Shared by its
 * files: main.c (argv, EAL, engine, the control thread) -> gen_opts.c (gen's own options)
 * -> gen_client.c (the client application every worker runs: cps, keepalive, stream) and
 * gen_flood.c (spoofed frames through tt_app_xmit) -> gen_report.c (the line a second, the
 * JSON summary), over gen_hist.h (latency histograms).
 *
 * Ownership: each worker writes only its own struct gen_worker; the control thread reads
 * them (relaxed 64-bit loads, never a lock) and writes only the run phase, which workers
 * read once per poll. The options are written before EAL starts and read-only afterwards.
 */
#ifndef GEN_H
#define GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_ether.h>

#include <tcpterm/tt_app.h>

#include "gen_hist.h"

enum gen_mode { GEN_CPS, GEN_KEEPALIVE, GEN_STREAM, GEN_FLOOD };
enum gen_flood_kind { GEN_FLOOD_SYN, GEN_FLOOD_ACK, GEN_FLOOD_RST };

struct gen_opts {
	enum gen_mode mode;
	struct tt_endpoint target;
	uint16_t target_port_hi;   /* --target A:LO-HI: connections take the ports in turn */
	uint32_t target_addrs;     /* --target A-B:...: consecutive addresses from target.addr */
	uint64_t rate;             /* cps: connections/s; flood mode: packets/s; 0 = no cap */
	uint32_t concurrency;      /* open connections at most (cps) */
	uint32_t conns;            /* connections held (keepalive, stream) */
	uint32_t hold;             /* idle connections held beside the load (P2, P5) */
	uint64_t hold_rate;        /* their opens a second */
	uint32_t duration_s;       /* 0: until Ctrl-C */
	uint32_t ramp_s;           /* linear ramp-up of rate (or of conns) */
	bool close_server;         /* cps: wait for the server's FIN instead of closing first */
	bool upload;               /* stream: --direction up */
	uint64_t flood_rate;       /* packets/s beside the legitimate load; flood mode: = rate */
	enum gen_flood_kind flood_kind;
	uint32_t flood_src;        /* spoofed sources: prefix, network order */
	uint8_t flood_src6[16];    /* or an IPv6 prefix (flood_v6), host bits zero */
	bool flood_v6;
	uint8_t flood_src_len;
	bool flood_mac_set;
	struct rte_ether_addr flood_mac; /* the target's (or the next hop's) MAC */
	const char *json_path;     /* the summary also goes there */
	bool quiet;                /* tcpterm's --quiet: no line a second */
	char request[512];         /* the HTTP request, built once */
	uint32_t request_len;
};

/*
 * Run phases, written by the control thread. DRAIN: open nothing more, let answers under
 * way finish; CLOSE: close whatever is still open (SPEC A3 stopping).
 */
enum gen_phase { GEN_RUN, GEN_DRAIN, GEN_CLOSE };

/* Errors by kind, as the line and the summary name them. */
#define GEN_ERRORS(X) \
	X(refused)      /* the SYN was answered with RST */ \
	X(timeout)      /* syn_retries or retransmissions gave up */ \
	X(unreachable)  /* the next hop never answered ARP */ \
	X(reset)        /* reset after the handshake */ \
	X(bad_answer)   /* not 2xx, malformed, truncated, or more than was asked */ \
	X(local)        /* tt_app_connect refused: no port, no TCB (EADDRNOTAVAIL, ENOBUFS) */ \
	X(dropped)      /* a held connection the server ended (FIN or RST) */

enum gen_err {
#define GEN_ERR_ENUM(n) GEN_ERR_##n,
	GEN_ERRORS(GEN_ERR_ENUM)
#undef GEN_ERR_ENUM
	GEN_ERR__COUNT
};
extern const char *const gen_err_name[GEN_ERR__COUNT];

/* A worker's figures, cumulative; the control thread takes differences. */
struct gen_counts {
	uint64_t attempts;         /* tt_app_connect calls that returned 0 */
	uint64_t established;      /* 'connected', of the load (not held connections) */
	uint64_t held_established; /* 'connected' of held connections */
	uint64_t completed;        /* closed normally after every answer it asked for */
	uint64_t requests;         /* answers read whole */
	uint64_t rx_bytes, tx_bytes;
	uint64_t flood_pkts;
	uint64_t flood_nombuf;     /* flood frames not sent for want of an mbuf */
	uint64_t err[GEN_ERR__COUNT];
};

/* One connection's state; its index is the connection's udata. */
struct gen_conn {
	tt_conn_t c;
	uint64_t t0;               /* TSC: connect call, then request sent */
	uint64_t body_left;        /* bytes of the answer's body still to come */
	uint64_t clen;             /* Content-Length being parsed */
	uint32_t next_free;
	uint16_t line_pos;         /* position in the current header line */
	uint16_t status;
	uint8_t state;             /* enum gen_conn_state (gen_client.c) */
	uint8_t cl_state;          /* header line matcher state (gen_client.c) */
	uint8_t match;             /* header names still matching on this line, a bit each */
	uint8_t hflags;            /* what the answer said of the connection's end */
	uint8_t line1;             /* still in the status line */
	uint8_t answered;          /* 1: an answer was whole; 2: ended and counted as an error */
	uint8_t stalled;           /* stream up: the pool was empty, the poll fills again */
	uint8_t hold;              /* one of --hold's idle connections: 0 no (gen_client.c) */
};

struct gen_worker {
	struct gen_counts cnt;
	struct gen_hist h_conn;    /* connect call -> 'connected', microseconds */
	struct gen_hist h_req;     /* request sent -> answer complete, microseconds */
	/* Below: the worker's own, never read by the control thread. */
	uint16_t id;
	uint16_t n_workers;
	uint32_t open;             /* connections open (read by the control thread too) */
	uint32_t held;             /* held connections established (read too) */
	uint32_t seen_phase;       /* the phase this worker's last poll acted on (read too) */
	uint32_t cap;              /* slots */
	uint32_t free_head;        /* UINT32_MAX: none */
	bool closing;              /* GEN_CLOSE seen and acted on */
	uint32_t stalled;          /* stream connections waiting for mbufs */
	uint32_t pool_reserve;     /* stream up sends only while the pool has more free */
	struct gen_conn *slots;
	/* Pacing of connects (cps) or opens (keepalive, stream): 2^-40 units per TSC cycle. */
	uint64_t conn_rate_fp;     /* 0: no rate cap */
	uint64_t conn_credit_fp;
	uint64_t conn_last_tsc;
	uint32_t conns_target;     /* keepalive, stream: this worker's share of --conns */
	/*
	 * The target port and address (an offset from target.addr) the next connection goes
	 * to: [0] the load's, [1] the held ones', each taken in turn apart. (With one turn for
	 * both, opens alternating held, load, held... over an even number of targets sent
	 * every held connection to half of them, which ran out of source ports at half the
	 * four-tuples: ten million held stopped at 7.26 M.)
	 */
	struct { uint16_t port; uint32_t addr; } next[2];
	/* --hold: this worker's share, the slots they use (connecting or up), their pacing. */
	uint32_t hold_share;
	uint32_t hold_used;
	uint64_t hold_rate_fp;
	uint64_t hold_credit_fp;
	uint64_t hold_last_tsc;
	uint32_t close_next;       /* the stop closes slots from here on, a batch a poll */
	/* Flood. */
	uint64_t flood_rate_fp;
	uint64_t flood_credit_fp;
	uint64_t flood_last_tsc;
	uint64_t rng;
	struct rte_ether_addr flood_src_mac;
	uint32_t flood_tmpl_ip_sum, flood_tmpl_tcp_sum;
	uint8_t flood_tmpl[96];    /* at most 82: 802.1Q, IPv6, TCP with the SYN's MSS option */
	uint16_t flood_len;
	uint16_t flood_l3_off;     /* the IP header's: 14, or 18 behind an 802.1Q tag */
	uint16_t flood_tcp_off;    /* the TCP header's offset in the template (IPv4 or IPv6) */
} __rte_cache_aligned;

/* Set up before the engine starts; read-only afterwards. */
struct gen_global {
	struct gen_opts o;
	uint64_t tsc_hz;
	uint64_t start_tsc;        /* the ports came up: the run's clock, floods start here */
	volatile uint64_t gate_tsc; /* the first connection established (or start, flood only):
				     * ramps and the summary's rates count from here */
	uint64_t ramp_cycles;      /* --ramp in TSC cycles */
	double dad_s;              /* DAD's seconds (dad_transmits) with IPv6 addresses, else 0 */
	uint16_t flood_port;       /* the engine's port index flood frames leave by */
	uint16_t flood_vlan;       /* their 802.1Q VLAN ID; 0: untagged */
	uint64_t ramp_recip;       /* 2^48 / ramp_cycles, 0 without ramp: no division per poll */
	uint64_t pace_cap;         /* 100 ms of cycles: the most a pacer may owe */
	uint64_t us_mult;          /* microseconds = cycles * us_mult >> 24 */
	uint16_t n_workers;
	struct gen_worker *w[RTE_MAX_LCORE];
	volatile uint32_t phase;   /* enum gen_phase; the control thread's */
	volatile uint32_t links_up; /* every port up (or 5 s passed): workers may send */
	volatile uint32_t fatal;   /* a worker found the target unreachable from the start */
	volatile uint32_t ever_established; /* a worker saw 'connected' once */
};
extern struct gen_global gen;

static inline uint64_t
gen_cycles_to_us(uint64_t cyc)
{
	return (cyc * gen.us_mult) >> 24;
}

/* gen_opts.c */
/*
 * Take gen's own options out of argv (after EAL's "--"), leaving tcpterm's network and
 * tunable options in rest[] (rest[0] = argv[0]) for tt_config_parse_args. 0, 1 for --help
 * (printed), or -EINVAL with a one-line message in err.
 */
int gen_opts_parse(struct gen_opts *o, int argc, char **argv, char **rest, int *n_rest,
		   char *err, size_t errlen);
void gen_opts_usage(FILE *out, const char *prog);
/* The manual page (tcpterm-gen --man), from the same table as --help. */
void gen_opts_man(FILE *out);
const char *gen_mode_name(enum gen_mode m);

/* gen_client.c */
extern const struct tt_app_def gen_app;

/* gen_flood.c */
void gen_flood_place(const struct tt_config *cfg);
int gen_flood_init(struct gen_worker *gw, const struct tt_app_ctx *ctx);
void gen_flood_poll(struct gen_worker *gw, struct tt_app_ctx *ctx, uint64_t now_tsc);

/* Pacing: whole units the credit allows now (at most max), taken from it. */
unsigned int gen_pace(uint64_t *credit_fp, uint64_t *last_tsc, uint64_t rate_fp,
		      uint64_t now_tsc, unsigned int max);
/* rate (per second, whole run) as this worker's 2^-40 units per cycle */
uint64_t gen_rate_fp(uint64_t rate, uint16_t worker, uint16_t n_workers);

#endif /* GEN_H */
