/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input: header validation, option parsing and dispatch. tt_ipv4_input -> (the protocol
 * registered for IPPROTO_TCP, tt_tcp_register) tt_tcp_input -> (no connection, no listener)
 * tt_tcp_reply_rst (SPEC H9).
 */
#ifndef TT_TCP_INPUT_H
#define TT_TCP_INPUT_H

#include <stdint.h>

#include "../net/tt_net.h"

#define TT_TCP_OPT_MSS      (1u << 0)
#define TT_TCP_OPT_WSCALE   (1u << 1)
#define TT_TCP_OPT_SACK_OK  (1u << 2)
#define TT_TCP_OPT_TS       (1u << 3)
#define TT_TCP_OPT_SACK     (1u << 4)

#define TT_TCP_MAX_SACK 4

/* Options of one segment (RFC 9293 3.2, RFC 7323, RFC 2018). */
struct tt_tcp_opts {
	uint8_t present;        /* TT_TCP_OPT_* */
	uint8_t wscale;
	uint16_t mss;
	uint32_t tsval;
	uint32_t tsecr;
	uint8_t n_sack;
	struct { uint32_t left, right; } sack[TT_TCP_MAX_SACK];
};

/* A validated segment, host byte order. */
struct tt_tcp_seg {
	struct rte_tcp_hdr *th;
	uint32_t seq;
	uint32_t ack;
	uint32_t wnd;           /* unscaled */
	uint16_t sport, dport;  /* network order, for lookups */
	uint8_t flags;          /* RTE_TCP_*_FLAG */
	uint16_t hlen;          /* header length with options */
	uint16_t plen;          /* payload length */
	struct tt_tcp_opts opts;
};

/*
 * Parse the options area of a TCP header (opt, len bytes). Malformed layout (a length byte
 * below 2 or past the end) fails with -EINVAL; a known option with the wrong length is
 * ignored, as Linux's tcp_parse_options does.
 */
int tt_tcp_parse_options(const uint8_t *opt, unsigned int len, struct tt_tcp_opts *o);

/* Validate the TCP header of p (lengths, checksum, flag combination) into seg. */
int tt_tcp_parse(struct tt_stats *st, const struct tt_pkt *p, struct tt_tcp_seg *seg);

/*
 * TCP over IPv4: tt_tcp_input and tt_tcp_input_handed registered in net for IPPROTO_TCP
 * (tt_ipv4_proto_register), and tt_tcp_icmp_err for ICMP errors (tt_icmp_err_register), at
 * start-up. 0 or -errno.
 */
int tt_tcp_register(struct tt_net *net);

void tt_tcp_input(struct tt_worker *w, struct tt_pkt *p);
/* A segment handed over by the worker that received it (multi-worker, no RSS). */
void tt_tcp_input_handed(struct tt_worker *w, struct tt_pkt *p);
/*
 * An ICMP error quoting a segment of ours (tcp_icmp.c; registered by tt_tcp_register with
 * tt_icmp_err_register): Path MTU discovery, RFC 5927 checks. Owns p->m.
 */
void tt_tcp_icmp_err(struct tt_worker *w, struct tt_pkt *p, const struct tt_icmp_err *e);

/* Answer seg with a reset in place, RFC 9293 3.10.7.1 / SPEC H9; consumes p->m. */
void tt_tcp_reply_rst(struct tt_worker *w, struct tt_pkt *p, const struct tt_tcp_seg *seg);

#endif /* TT_TCP_INPUT_H */
