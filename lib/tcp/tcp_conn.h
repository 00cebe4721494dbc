/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP state of one worker: the flow table, the three kinds of per-flow state it points to,
 * listeners, and the pools they come from. Everything here belongs to one worker and is
 * touched by no other thread on the data path (DESIGN "Ownership").
 *
 * One flow table per worker (tcp_flow.h) maps a flow (the 4-tuple) to a tagged pointer:
 *   TT_FLOW_CONN  a full TCB (struct tt_conn): ESTABLISHED and every state after it, and
 *                 SYN_SENT;
 *   TT_FLOW_REQ   a SYN queue entry (struct tt_req, SYN_RECV, 64 bytes, SPEC Q1);
 *   TT_FLOW_TW    a TIME_WAIT entry (struct tt_tw, 64 bytes, SPEC F6).
 * so every segment costs one lookup whatever state its flow is in. The table hashes under
 * secrets drawn at start (tt_flowhash.h, SPEC R3): a peer choosing addresses and ports
 * cannot make its flows share buckets (HashDoS), as it could with a CRC32 (rte_hash's
 * default), which is affine over GF(2) and keyless.
 */
#ifndef TT_TCP_CONN_H
#define TT_TCP_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_reciprocal.h>
#include <rte_ring.h>

#include <tcpterm/tt_app.h>
#include <tcpterm/tt_config.h>

#include "../dp/tt_worker.h"
#include "../util/tt_objpool.h"
#include "../util/tt_flowhash.h"
#include "../util/tt_siphash.h"
#include "../util/tt_timer.h"
#include "tcp_flow.h"
#include "tcp_input.h"

struct tt_worker;

/* Linux's state names and order (include/net/tcp_states.h); /tcpterm/conns uses them. */
#define TT_TCP_STATES(X) \
	X(ESTABLISHED) X(SYN_SENT) X(SYN_RECV) X(FIN_WAIT_1) X(FIN_WAIT_2) X(TIME_WAIT) \
	X(CLOSE) X(CLOSE_WAIT) X(LAST_ACK) X(LISTEN) X(CLOSING)

enum tt_tcp_state {
	TT_TCPS_NONE = 0,
#define TT_TCPS_ENUM(s) TT_TCPS_##s,
	TT_TCP_STATES(TT_TCPS_ENUM)
#undef TT_TCPS_ENUM
	TT_TCPS__COUNT
};

extern const char *const tt_tcp_state_name[TT_TCPS__COUNT];

/*
 * Flow key, from the local side's view; 16 bytes, read as two words of which the table
 * (compare, hash, memo) takes the first and the half of the second that holds the ports
 * (tt_flow_words): the last four bytes are not key. A request keeps its timestamp offset there
 * (TT_REQ_TS_OFFSET), which saves it a second SipHash on the final ACK; every other flow
 * has 0.
 */
#define TT_FLOW_KEY_LEN 16
struct tt_flow {
	uint32_t raddr;   /* network order */
	uint32_t laddr;
	uint16_t rport;
	uint16_t lport;
	uint32_t pad;     /* not key: 0, or a request's TS offset */
};

/* The mask of tt_flow_words' second word: rport and lport, not pad. */
#define TT_FLOW_W1_MASK rte_cpu_to_le_64(UINT32_MAX)

/* f's key as the table reads it: two words, pad cleared. */
static inline void
tt_flow_words(const struct tt_flow *f, uint64_t w[2])
{
	memcpy(w, f, TT_FLOW_KEY_LEN);
	w[1] &= TT_FLOW_W1_MASK;
}

/* Two keys as tt_flow_words gives them: equal? */
static inline bool
tt_flow_words_eq(const uint64_t x[2], const uint64_t y[2])
{
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

static inline bool
tt_flow_eq(const struct tt_flow *a, const struct tt_flow *b)
{
	uint64_t x[2], y[2];

	tt_flow_words(a, x);
	tt_flow_words(b, y);
	return tt_flow_words_eq(x, y);
}

/*
 * f set from a segment's addresses and ports (network order) as two 8-byte stores: the
 * flow hash and the key compares read it 8 bytes at a time, and a load that spans several
 * smaller stores just made cannot be forwarded from them (a stall of a dozen cycles per
 * segment, a tenth of tt_tcp_input's samples in bench_conn's profile).
 */
static inline void
tt_flow_set(struct tt_flow *f, uint32_t raddr, uint32_t laddr, uint16_t rport, uint16_t lport)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	uint64_t w[2] = { (uint64_t)laddr << 32 | raddr, (uint64_t)lport << 16 | rport };
#else
	uint64_t w[2] = { (uint64_t)raddr << 32 | laddr, (uint64_t)rport << 48 | (uint64_t)lport << 32 };
#endif

	memcpy(f, w, sizeof(w));
}

/*
 * An IPv6 flow (issue 10 item 1) keeps this key: raddr is the handle of its remote address
 * in the worker's table (t->in6, tcp_in6.c), laddr the index of our address in
 * net->addrs6 plus one as 0.0.0.(i+1), a value no IPv4 flow has (0.0.0.0/8 is no host's,
 * RFC 1122 3.2.1.3; --addr refuses it). TT_IN6_NONE: a remote address not interned, which
 * matches no flow.
 */
#define TT_IN6_NONE UINT32_MAX

static inline bool
tt_flow_is_v6(const struct tt_flow *f)
{
	return (f->laddr & RTE_BE32(0xff000000)) == 0;
}

static inline uint32_t
tt_flow_l6(uint32_t addr6_index)
{
	return rte_cpu_to_be_32(addr6_index + 1);
}

static inline uint32_t
tt_flow_l6_index(const struct tt_flow *f)
{
	return rte_be_to_cpu_32(f->laddr) - 1;
}

/*
 * The worker owning IPv6 flow f whose remote address has digest d: the keyed flow hash of
 * the digest and the rest of the key, the same in every worker (a handle is not). IPv6
 * flows do not follow the ports' Toeplitz hash: a segment the NIC queued elsewhere is handed
 * over.
 */
static inline uint16_t
tt_flow6_owner(const struct tt_steer *s, uint64_t d, const struct tt_flow *f)
{
	return tt_steer_worker(s, (uint32_t)(tt_flowhash(&s->flow_key, d ^ f->laddr,
				 (uint64_t)f->rport << 16 | f->lport) >> 32));
}

struct tt_pkt;
/*
 * The key of the flow segment p belongs to (its ports rport and lport, network order): an
 * IPv6 remote address not interned gives raddr TT_IN6_NONE, which matches nothing.
 */
void tt_tcp_flow_of6(const struct tt_worker *w, const struct tt_pkt *p, uint16_t rport,
		     uint16_t lport, struct tt_flow *f);

static inline void
tt_tcp_flow_of(const struct tt_worker *w, const struct tt_pkt *p, uint16_t rport,
	       uint16_t lport, struct tt_flow *f)
{
	if (p->ip6 == NULL)
		tt_flow_set(f, p->ip->src_addr, p->ip->dst_addr, rport, lport);
	else
		tt_tcp_flow_of6(w, p, rport, lport, f);
}

/* The IP header's length in f's segments: what the MSS leaves out besides TCP's 20 bytes. */
static inline uint32_t
tt_flow_ip_hlen(const struct tt_flow *f)
{
	return tt_flow_is_v6(f) ? 40 : 20;
}

enum tt_flow_kind {
	TT_FLOW_CONN = 0,
	TT_FLOW_REQ = 1,
	TT_FLOW_TW = 2,
};
#define TT_FLOW_KIND_MASK 3u

/* Timer kinds (struct tt_timer.kind): one dispatch in tcp_timer.c. */
enum tt_tcp_timer_kind {
	TT_TMR_REQ,        /* SYN-ACK retransmission, H5 */
	TT_TMR_RTO,        /* data/FIN retransmission, RFC 6298 */
	TT_TMR_DELACK,     /* delayed ACK, D5 */
	TT_TMR_FW2,        /* FIN_WAIT_2 of a released connection, F7 */
	TT_TMR_TW,         /* TIME_WAIT end, F1 */
	TT_TMR_PERSIST,    /* zero-window probe, D3 (RFC 9293 3.8.6.1) */
	TT_TMR_TLP,        /* tail loss probe (RFC 8985 7), in place of the RTO */
	TT_TMR_REO,        /* RACK's reordering window ends (RFC 8985 6.3), before the RTO */
	TT_TMR_KEEPALIVE,  /* an idle connection's keepalive probe (D6) */
	TT_TMR_SYN,        /* an active open's SYN (or simultaneous open's SYN-ACK) again, A1 */
	TT_TMR_IDLE,       /* rtx with nothing outstanding: left armed, fires as nothing */
};

/* Negotiated options, shared by SYN queue entries and TCBs. */
#define TT_CONN_TS       (1u << 0)   /* timestamps in use */
#define TT_CONN_SACK     (1u << 1)   /* peer sent SACK-permitted */
#define TT_CONN_WSCALE   (1u << 2)   /* both sides scale windows */
#define TT_CONN_ECN      (1u << 3)
#define TT_CONN_KEEPALIVE (1u << 4)  /* a TCB's: its listener probes idle connections (D6) */
#define TT_CONN_WRITE_WAIT (1u << 5) /* the writer found the send budget spent: 'writable' owed */
#define TT_CONN_UNDO     (1u << 6)   /* a recovery's reduction may be undone (undo_* hold it) */
#define TT_CONN_REORD    (1u << 7)   /* the peer's path reorders (RFC 8985 reordering_seen) */

/*
 * A SYN queue entry (SYN_RECV): what a SYN-ACK retransmission needs and what the final ACK
 * turns into a TCB, in 64 bytes (SPEC Q1, DESIGN memory budget). The timer's three owner
 * bytes hold the listener index, the retransmission count and the port index.
 */
struct tt_req {
	struct tt_flow flow;           /* 16 */
	struct tt_timer timer;         /* 24: SYN-ACK retransmission */
	uint32_t irs;                  /* peer's ISN */
	uint32_t iss;                  /* ours */
	uint32_t ts_recent;            /* peer's TSval from the SYN */
	uint16_t mss;                  /* peer's MSS option, 536 when it gave none */
	uint8_t snd_wscale;            /* peer's shift */
	uint8_t flags;                 /* TT_CONN_* */
	struct rte_ether_addr mac;     /* the peer's next hop, for retransmissions */
} __rte_aligned(64);

#define TT_REQ_LISTENER(r) ((r)->timer.owner_u8[0])
#define TT_REQ_RETRIES(r)  ((r)->timer.owner_u8[1])
#define TT_REQ_PI(r)       ((r)->timer.owner_u8[2])
/* RFC 7323 5.4's offset of the SYN-ACK's TSval, from the SYN's SipHash (tt_tcp_ts_offset_of). */
#define TT_REQ_TS_OFFSET(r) ((r)->flow.pad)

/* A TIME_WAIT entry: just enough to re-ACK a FIN and judge a new SYN (F4, F6); 64 bytes. */
struct tt_tw {
	struct tt_flow flow;           /* 16 */
	struct tt_timer timer;         /* 24 */
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	uint32_t ts_recent;
	uint32_t ts_offset;
	uint16_t rcv_wnd;              /* as advertised, already scaled */
	uint8_t flags;                 /* TT_CONN_* */
	uint8_t pi;
	uint16_t time_wait_s;          /* the listener's TIME_WAIT length */
} __rte_aligned(64);

/* Connection flags (struct tt_conn.cflags). */
#define TT_CF_ACK_NOW     (1u << 0)   /* an ACK is owed at the end of this iteration */
#define TT_CF_IN_OUT     (1u << 1)   /* on the worker's pending-output list */
#define TT_CF_FIN_QUEUED  (1u << 2)   /* the application asked for FIN after the data */
#define TT_CF_FIN_SENT    (1u << 3)
#define TT_CF_RELEASED    (1u << 4)   /* the application closed: deliver nothing more */
#define TT_CF_ACCEPTED    (1u << 5)   /* the application has the handle */
#define TT_CF_IN_ACCEPTQ  (1u << 6)
#define TT_CF_DEAD        (1u << 7)   /* closed; waits for accept to hand it out */
#define TT_CF_QUICKACK    (1u << 8)
#define TT_CF_PEER_FIN    (1u << 9)   /* the peer's FIN, held behind held payload */
#define TT_CF_ACKED_BIG   (1u << 10)  /* acknowledged bytes passed any window (RFC 5961 5.2) */
#define TT_CF_RCV_HELD    (1u << 11)  /* rcvq was held from the application: the window shrank */
#define TT_CF_DSACK       (1u << 12)  /* a D-SACK block (dsack) goes in the next ACK */
#define TT_CF_CWND_LIMITED (1u << 13) /* output last stopped at cwnd: growth is earned */
#define TT_CF_TLP_OUT     (1u << 14)  /* a tail loss probe is out (RFC 8985 7), until tlp_high */
#define TT_CF_RACK        (1u << 15)  /* rack_* hold a delivered segment (RFC 8985 6) */

/* A TCB. Cache line 0 holds what every segment reads. */
struct tt_conn {
	struct tt_flow flow;
	uint8_t state;                 /* enum tt_tcp_state */
	uint8_t flags;                 /* TT_CONN_* */
	uint8_t snd_wscale;            /* the peer's shift, applied to its windows */
	uint8_t rcv_wscale;            /* ours */
	uint16_t cflags;               /* TT_CF_* */
	uint16_t mss;                  /* effective send MSS (payload bytes, options excluded) */
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_wnd;              /* scaled */
	uint32_t snd_wl1, snd_wl2;
	uint32_t rcv_nxt;
	uint32_t rcv_wnd;              /* what we offer, bytes */
	uint32_t ts_recent;
	uint32_t ts_offset;            /* added to our ms clock for TSval (RFC 7323 5.4) */
	uint32_t gen;                  /* handle generation */
	uint16_t listener;             /* index in the worker's listeners; UINT16_MAX none */
	uint8_t pi;
	uint8_t backoff;               /* RTO doublings */
	uint8_t close_reason;          /* enum tt_close_reason once closed */
	uint8_t probes;                /* zero-window probes unanswered */
	uint8_t evf;                   /* TT_EVF_* events pending; nonzero: on the event list */
	uint8_t quick;                 /* segments still ACKed at once (quick-ack mode, D5) */
	/* cache line 1: send side and timers */
	uint32_t iss, irs;
	uint32_t srtt8;                /* smoothed RTT in ms, times 8 (RFC 6298) */
	uint32_t rttvar4;              /* RTT variance in ms, times 4 */
	uint32_t rto;                  /* ms */
	uint32_t rtt_seq;              /* segment being timed; 0 flag below when none */
	uint32_t rtt_start;            /* ms clock when it was sent */
	uint32_t snd_max;              /* highest sequence sent + 1 */
	struct tt_timer rtx;           /* RTO, or TIME_WAIT/FIN_WAIT_2 end for this TCB */
	struct tt_timer delack;
	/* cache line 2: queues and links */
	struct rte_mbuf *sndq;         /* units of the bytes from snd_una on (tcp_sndq.c) */
	struct rte_mbuf *snd_unit;     /* the unit holding snd_nxt; NULL: snd_nxt at the end */
	uint32_t sndq_len;             /* bytes */
	uint32_t sndq_units;           /* mbufs, each charged (R2) */
	uint32_t rcv_acked;            /* rcv_nxt as last acknowledged */
	struct rte_mbuf *rcvq;         /* payload received, not yet taken by the application */
	uint32_t rcvq_len;
	uint64_t udata;                /* the application's (tt_app_udata) */
	struct rte_ether_addr peer_mac;
	uint16_t pmtu;                 /* path MTU (RFC 1191): the port's, lowered by ICMP */
	/* cache line 3: the queues' last buffers, where small payloads coalesce (R2) */
	struct rte_mbuf *sndq_tail;
	struct rte_mbuf *rcvq_tail;
	/* RFC 5961 5.2, events */
	uint32_t max_snd_wnd;          /* the largest window the peer offered (RFC 5961 5.2) */
	struct tt_conn *ev_next;       /* the worker's event list (tcp_usrreq.c), while evf != 0 */
	/* reassembly (tcp_reass.c) */
	struct rte_mbuf *ooq;          /* payload beyond a hole, sorted, never overlapping */
	struct rte_mbuf *ooq_tail;
	uint32_t ooq_bufs;
	uint32_t sack_last;            /* a sequence number of the segment queued last */
	uint32_t dsack[2];             /* the duplicate to report (TT_CF_DSACK) */
	/* congestion control and loss recovery (tcp_cc.c, tcp_recovery.c), bytes */
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t cwnd_cnt;             /* bytes acknowledged towards the next increase */
	uint32_t recover;              /* snd_max when recovery began (RFC 6582, 6675) */
	uint32_t sacked_bytes;         /* units SACKed (TT_SU_SACKED) */
	uint32_t lost_bytes;           /* units deemed lost (TT_SU_LOST) */
	uint32_t retrans_bytes;        /* units retransmitted and still out (TT_SU_RETRANS) */
	uint32_t prr_delivered;        /* RFC 6937 */
	uint32_t prr_out;
	uint32_t prr_ratio;            /* ssthresh / RecoverFS, 16.16 */
	uint32_t sacked_units;
	uint16_t dupacks;
	uint8_t ca_state;              /* enum tt_ca_state */
	uint8_t cc;                    /* enum tt_cc_algo */
	/* CUBIC (RFC 9438), tcp_cc.c */
	uint32_t cubic_wmax;           /* bytes: the window before the last reduction */
	uint32_t cubic_k;              /* ms from the epoch's start to W_max */
	uint32_t cubic_epoch;          /* ms clock at the epoch's start, 0: none */
	uint32_t cubic_west;           /* bytes: the Reno-friendly estimate */
	uint32_t cubic_west_cnt;
	uint32_t cubic_tick;           /* ms clock of cubic_bpi */
	uint32_t cubic_bpi;            /* bytes acknowledged per MSS of growth, this ms */
	/* HyStart++ (RFC 9406 4.2), tcp_cc.c; RTTs in tt_tcp_ticks(), UINT32_MAX: none */
	uint32_t hs_end;               /* windowEnd: snd_max when the round began */
	uint32_t hs_min;               /* currentRoundMinRTT */
	uint32_t hs_last_min;          /* lastRoundMinRTT */
	uint32_t hs_css_base;          /* cssBaselineMinRtt */
	uint8_t hs_samples;            /* rttSampleCount, up to N_RTT_SAMPLE */
	uint8_t hs_state;              /* TT_HS_* phase, CSS rounds begun << TT_HS_ROUND_SHIFT */
	/* RACK-TLP (RFC 8985), tcp_recovery.c; times in tt_tcp_ticks() */
	uint32_t rack_ts;              /* sent when the most recently sent delivered unit was */
	uint32_t rack_end;             /* its end */
	uint32_t rack_rtt;             /* its RTT */
	uint32_t rack_min_rtt;
	uint32_t tlp_high;             /* snd_max when the probe went */
	uint8_t tlp_retrans;           /* the probe was a retransmission */
	uint8_t ka_probes;             /* keepalive probes unanswered (D6) */
	uint32_t ka_last;              /* ms clock of the peer's last acceptable segment */
	struct tt_timer ka;            /* keepalive (TT_CONN_KEEPALIVE) */
	/* Undo of needless reductions (RFC 2883, 3522, Linux's undo) and RACK's reo_wnd */
	uint32_t undo_marker;          /* snd_una when the episode began (TT_CONN_UNDO) */
	uint32_t prior_cwnd;           /* cwnd and ssthresh before it */
	uint32_t prior_ssthresh;
	uint32_t retrans_stamp;        /* our TSval at its first retransmission */
	uint32_t rack_fack;            /* the highest end delivered (RFC 8985 RACK.fack) */
	uint32_t dsack_round;          /* snd_max when reo_steps last grew (TT_RACK_DSACK_ROUND) */
	int16_t undo_retrans;          /* retransmissions no D-SACK has shown needless; -1 none */
	uint8_t reo_steps;             /* RFC 8985 reo_wnd_mult - 1 */
	uint8_t reo_persist;           /* recoveries left before reo_steps resets */
	/* Buffer autotuning (tcp_mem.c), payload bytes: Linux's sk_rcvbuf, sk_sndbuf, DRS */
	uint32_t rcvbuf;               /* the most we offer: the window before what is held */
	uint32_t sndbuf;               /* the most the application may queue (wmem) */
	uint32_t rcv_space;            /* bytes the application took in the last measured RTT */
	uint32_t rcv_space_seq;        /* rcv_nxt as taken when that measurement began */
	uint32_t rcv_space_ms;         /* and when */
	uint32_t rcv_rtt8;             /* the receiver's RTT in ms, times 8, from timestamps */
	/* RFC 7323 5.3-5.5 (PAWS), tcp_input.c */
	uint32_t ts_recent_age;        /* tt_conn_age() when ts_recent was stored */
	uint32_t oow_ack_ms;           /* ms clock + 1 of the last duplicate ACK for a bad segment */
	uint32_t lrcv_ms;              /* ms clock + 1 of the last in-order data; 0: none yet */
	uint8_t aflags;                /* TT_AF_*: what the application asked of the TCB */
} __rte_cache_aligned;

/* Application-side flags (struct tt_conn.aflags). */
#define TT_AF_ACTIVE      (1u << 0)   /* opened by connect: 'connected' when established */
#define TT_AF_RCV_PAUSED  (1u << 1)   /* tt_app_pause_recv: payload is held (A2) */
/* An application on an lcore of its own (lib/app): 'closed' is on the event ring, and the
 * TCB stays until that lcore says it delivered it (HEARD), so its slot is not reused early. */
#define TT_AF_CLOSED_SENT  (1u << 2)
#define TT_AF_CLOSED_HEARD (1u << 3)
/* A 'data' is on its way to the application lcore: more payload is held until it is heard. */
#define TT_AF_DATA_OUT     (1u << 4)
/* ts_recent came from the TIME_WAIT entry this connect took over (PAWS in SYN_SENT). */
#define TT_AF_TS_CARRIED   (1u << 5)
/*
 * The application has armed its timer for this connection at least once (tt_app_timer):
 * 'closed' must disarm it. Without the flag that line of the timer array, cold at hundreds
 * of thousands of connections a second, is read for every connection (a tenth of the
 * application layer's cycles under dperf at 400 k).
 */
#define TT_AF_TIMER        (1u << 6)

/* A listener on one worker (SO_REUSEPORT-like, SPEC Q6). */
struct tt_listener {
	uint16_t port;                 /* host order */
	uint16_t idx;
	uint32_t syn_q;                /* SYN_RECV entries now */
	uint32_t syn_q_max;            /* max_syn_backlog */
	uint32_t accept_max;           /* min(backlog, somaxconn), SPEC Q1 */
	struct rte_ring *acceptq;      /* struct tt_conn *, capacity tt_tcp_accept_cap() */
	/*
	 * The application attached to this listener on this worker: set, called and cleared by
	 * the application layer only (tt_app_attach, lib/app); TCP never calls through ops.
	 */
	struct tt_app_ctx app;
	const struct tt_app_ops *ops;  /* NULL: no application (tests) */
	uint16_t time_wait_s;
	bool keepalive;                /* accepted connections probe when idle (D6) */
	uint64_t overflow_ms;          /* last time cookies were sent: ACKs are checked after */
	bool overflowed;
};

#define TT_LISTENER_CLIENT TT_MAX_LISTENERS

/* Memory levels of a worker (tcp_mem.c, SPEC R1/R2). */
enum tt_mem_level {
	TT_MEM_OK,
	TT_MEM_PRESSURE,     /* reset orphans on RTO */
	TT_MEM_CRITICAL,     /* and shed new SYNs, hold no new payload: held memory stops
				growing, the rest stays for RX refill and ACK/RST */
};

struct tt_tcp_mem {
	uint32_t held;                 /* mbufs in receive and send queues of all TCBs */
	uint32_t min, pressure, max;   /* thresholds for held, in mbufs (Linux's tcp_mem) */
	uint32_t reserve;              /* free mbufs kept for RX refill and control segments */
	uint32_t truesize;             /* bytes one mbuf costs: header, buffer, trailer */
	struct rte_reciprocal inv_truesize; /* budgets in buffers without a division */
	uint8_t level;                 /* enum tt_mem_level, set once per iteration */
	uint64_t since_ms;             /* when the worker entered pressure */
};

#define TT_OUT_MAX 1024
#define TT_TCP_MIN_SND_MSS 48

/*
 * A received burst's flows, hashed before any is processed (tt_tcp_rx_prefetch), so the
 * flow table's buckets and the flows' state are fetched from memory while earlier frames
 * are being handled. tt_tcp_input takes the hash from here when its frame and flow match.
 */
struct tt_tcp_rx_pre {
	struct rte_mbuf *m;            /* NULL: not a TCP frame the pass could read */
	uint64_t h;
	struct tt_flow f;
};

/* Buckets of RFC 6056 3.3.4's table of port search offsets, a power of two (16 KB). */
#define TT_PORT_TABLE 4096

/* The TCP part of a worker. */
/* One remote IPv6 address of the worker's flows (tcp_in6.c). */
struct tt_in6_entry {
	uint8_t addr[16];
	uint64_t digest;               /* tt_in6_digest of addr */
	uint32_t refs;                 /* flows in the table with it */
};

struct tt_in6_table {
	struct rte_hash *hash;         /* address -> position = handle; NULL: IPv4 only */
	struct tt_in6_entry *e;        /* by handle */
	uint32_t size;
	uint32_t used;
	uint64_t sweeps;               /* times the table filled and let its unused entries go */
};

struct tt_tcp {
	struct tt_flow_table ft;
	struct tt_tcp_rx_pre rx_pre[TT_BURST_MAX];
	uint16_t rx_pre_n;                 /* entries of this burst; 0 outside the RX loop */
	uint16_t rx_pre_i;                 /* the next one tt_tcp_input may match */
	struct tt_flowhash_key flow_key;   /* the engine's (tt_steer): same in every worker */
	struct tt_objpool conns;
	struct tt_objpool reqs;
	struct tt_objpool tws;
	struct tt_wheel wheel;
	struct tt_listener listeners[TT_MAX_LISTENERS];
	uint16_t n_listeners;
	/*
	 * The context of an application that only connects (tcpterm-gen): its connections'
	 * listener index is TT_LISTENER_CLIENT; no port, no queues, never looked up.
	 */
	struct tt_listener client;
	uint16_t worker_id;
	uint32_t n_state[TT_TCPS__COUNT];  /* flows per state, for /tcpterm/conns */
	uint32_t tw_max;                   /* this worker's share of max_tw_buckets */
	/*
	 * TIME_WAIT entries waiting to expire, oldest first: one FIFO per listener (each has
	 * one time_wait length, so arming at the tail keeps the order) and one for the client
	 * context's (index TT_LISTENER_CLIENT); linked through the entries' timers
	 * (tcp_timewait.c). Not on the wheel: a 60-second timer there is moved twice by
	 * cascades before it fires, every move a cache miss, thousands at once every 4 s.
	 */
	struct tt_tw_fifo {
		struct tt_timer *head;
		struct tt_timer **tailp;
	} tw_fifo[TT_MAX_LISTENERS + 1];
	uint32_t tw_armed;                 /* entries in the FIFOs */
	/* Connections owing output this iteration; an entry whose gen moved on is stale. */
	struct { struct tt_conn *c; uint32_t gen; } out[TT_OUT_MAX];
	uint32_t n_out;
	/* TCBs with application events pending, oldest first (tcp_usrreq.c). */
	struct tt_conn *ev_head, *ev_tail;
	struct tt_siphash_key isn_key;     /* RFC 6528 F() */
	struct tt_siphash_key cookie_key;  /* SYN cookie PRF master key */
	struct tt_siphash_key cookie_epoch_key[2]; /* derived per epoch, see tcp_syncookie.c */
	uint64_t cookie_epoch[2];
	uint32_t tw_isn;                   /* ISN for the SYN that reopens a TIME_WAIT flow */
	/* ip_local_port_range's size, and as a reciprocal: a start reduced without a division. */
	uint32_t port_range;
	struct rte_reciprocal_u64 port_range_r;
	bool tw_isn_set;
	struct rte_reciprocal_u64 per_4us; /* TSC ticks -> 4 microsecond units, for ISNs */
	uint32_t ticks_per_ms;             /* tt_tcp_ticks() in a millisecond */
	const struct tt_config *cfg;
	uint32_t live_gen;                 /* cfg->live_gen the derived limits were taken at */
	/* RFC 5961 7: challenge ACKs this worker may still send in second challenge_sec. */
	uint64_t challenge_sec;
	uint32_t challenge_left;
	struct tt_tcp_mem mem;
	struct tt_in6_table in6;           /* remote IPv6 addresses of the flows (tcp_in6.c) */
	/*
	 * RFC 6056 3.3.4's table: per bucket of destinations, how far the port searches of
	 * its connects have walked (tcp_connect.c local_port). Last: 16 KB apart from the
	 * fields every segment reads.
	 */
	uint32_t port_walked[TT_PORT_TABLE];
};

/*
 * The clock of RACK (RFC 8985): the worker's TSC reading in units of 1024 cycles (about
 * 0.4 us at 2.6 GHz; 32 bits wrap after about half an hour, compared wrap-safe), fine
 * enough for the sub-millisecond RTTs of a lab, where the ms clock would see 0.
 */
#define TT_TICK_SHIFT 10
static inline uint32_t
tt_tcp_ticks(uint64_t tsc)
{
	return (uint32_t)(tsc >> TT_TICK_SHIFT);
}

/*
 * A clock for ages of days: the worker's ms clock in units of 1.024 s, which 32 bits hold for
 * over a century, so TS.Recent's age (RFC 7323 5.5) compares without a wrap.
 */
#define TT_AGE_SHIFT 10
static inline uint32_t
tt_conn_age(uint64_t ms)
{
	return (uint32_t)(ms >> TT_AGE_SHIFT);
}

/*
 * Our window shift: the smallest that lets the largest receive buffer autotuning may reach
 * be offered (RFC 7323 2.3; Linux's tcp_select_initial_window sizes it by tcp_rmem[2]).
 */
static inline uint8_t
tt_tcp_rcv_wscale(const struct tt_config *cfg)
{
	uint64_t need = RTE_MAX(cfg->rmem, cfg->rmem_max);
	/* The least s with 65535 << s >= need: log2 of ceil(need / 65535), rounded up. */
	uint32_t q = (uint32_t)RTE_MIN((need + 65534) / 65535, (uint64_t)1 << 14);

	return (uint8_t)rte_log2_u32(q);
}

/*
 * Setup and teardown, from the engine: tables, pools, timers, the listeners of cfg with
 * their accept queues. Applications attach afterwards (tt_app_attach, lib/app). 0 or
 * -errno with a message in err.
 */
int tt_tcp_worker_init(struct tt_worker *w, const struct tt_config *cfg, char *err,
		       size_t errlen);
void tt_tcp_worker_fini(struct tt_worker *w);

/*
 * Run-time tuning (tcpterm-ctl set, tt_config_set_live). The workers read most live keys
 * where they use them; what they derive from one (each listener's SYN and accept queue
 * limits, the TIME_WAIT share, tcp_mem's thresholds in mbufs) each worker takes again
 * itself when the configuration's live_gen moves, so no other thread writes its state.
 */
void tt_tcp_retune(struct tt_worker *w);

static inline void
tt_tcp_live_sync(struct tt_worker *w)
{
	if (__atomic_load_n(&w->tcp->cfg->live_gen, __ATOMIC_ACQUIRE) !=
	    __atomic_load_n(&w->tcp->live_gen, __ATOMIC_RELAXED))
		tt_tcp_retune(w);
}

/*
 * A live key where a worker uses it: telemetry's thread may store it at any time
 * (tt_config_publish_live), so the load is atomic; relaxed, as one key's new value needs
 * no order with anything else. Derived limits wait for tt_tcp_retune instead.
 */
#define TT_LIVE(cfg, key) __atomic_load_n(&(cfg)->key, __ATOMIC_RELAXED)

/*
 * The accept queue's ring, sized at start: room for min(backlog, somaxconn) and, so that
 * a listen(2) backlog or somaxconn raised at run time can take effect, for somaxconn up
 * to TT_ACCEPTQ_LIVE_MAX, Linux's default somaxconn (the ring rounds up to a power of two
 * above it: 64 KB per listener and worker).
 */
#define TT_ACCEPTQ_LIVE_MAX 4096u
uint32_t tt_tcp_accept_cap(const struct tt_config *cfg, const struct tt_listen_config *lc);

/*
 * Whether next's live keys fit what the workers preallocated from start (the config they
 * were created with): SYN queue entries, TIME_WAIT entries, accept queue rings. 0, or
 * -ERANGE with one line in err naming the limit and the restart that lifts it.
 */
int tt_tcp_live_check(const struct tt_config *start, const struct tt_config *next, char *err,
		      size_t errlen);

static inline void *
tt_flow_ptr(uintptr_t v)
{
	return (void *)(v & ~(uintptr_t)TT_FLOW_KIND_MASK);
}
/*
 * The flow hash of the 16-byte key (tt_flowhash.h). The table takes its buckets from its low
 * bits and from bits 40 and up (tcp_flow.c); the software owner choice from its high 32
 * (tt_steer.h), so one hash serves both.
 */
static inline uint64_t
tt_flow_hash(const struct tt_flowhash_key *key, const struct tt_flow *f)
{
	uint64_t w[2];

	tt_flow_words(f, w);
	return tt_flowhash(key, rte_le_to_cpu_64(w[0]), rte_le_to_cpu_64(w[1]));
}
/* f -> obj of kind; a flow already there changes kind in place. 0, or -ENOSPC. */
int tt_flow_add(struct tt_tcp *t, const struct tt_flow *f, void *obj, enum tt_flow_kind kind);
/*
 * The worker owning flow f (h = its tt_flow_hash), as tt_tcp_input finds it for a segment
 * from the peer: the Toeplitz hash under the ports' key when ports steer, else the high half
 * of h (tt_steer.h). For flows no segment has brought yet: connects, ICMP errors.
 */
uint16_t tt_flow_owner(const struct tt_worker *w, const struct tt_flow *f, uint64_t h);
/* Flow table (tcp_flow.c): f out of the table (nothing when it is not there). */
void tt_flow_del(struct tt_tcp *t, const struct tt_flow *f);
/* The tagged value for f, or 0; remembered for the next add or del of f. */
uintptr_t tt_flow_lookup(struct tt_tcp *t, const struct tt_flow *f);
/* The same, with h = tt_flow_hash(&t->flow_key, f) already computed. */
uintptr_t tt_flow_lookup_hash(struct tt_tcp *t, const struct tt_flow *f, uint64_t h);
/*
 * Before a burst of n frames is processed: each IPv4 TCP frame's flow hashed and its bucket
 * prefetched, then (the buckets having arrived meanwhile) each flow's state prefetched;
 * tt_tcp_rx_done after the burst.
 */
void tt_tcp_rx_prefetch(struct tt_worker *w, struct rte_mbuf **pkts, uint16_t n);
/*
 * R1, while the worker is behind (w->syn_budget below UINT32_MAX): a received burst's TCP
 * SYNs past the iteration's budget dropped unread (SynShedBusy); returns how many frames
 * are left, compacted in order at the start of pkts.
 */
uint16_t tt_tcp_rx_shed(struct tt_worker *w, struct rte_mbuf **pkts, uint16_t n);
static inline void
tt_tcp_rx_done(struct tt_tcp *t)
{
	t->rx_pre_n = 0;
	t->rx_pre_i = 0;
}
/* Flows in the table. */
static inline uint32_t
tt_flow_count(const struct tt_tcp *t)
{
	return t->ft.count;
}
/*
 * The table walked whole (tcp_check.c, for tests and the fuzz target): every entry's hash
 * is its key's and it sits in one of that hash's two buckets, and count matches. The
 * entries found, or -1 (with what is wrong in err).
 */
int64_t tt_flow_table_audit(const struct tt_tcp *t, char *err, size_t errlen);
/* The table for flows entries at most; 0 or -ENOMEM. */
int tt_flow_table_init(struct tt_flow_table *ft, uint32_t flows, int socket);

/*
 * The worker's table of remote IPv6 addresses (tcp_in6.c), for size addresses; only when
 * IPv6 is on. 0 or -ENOMEM.
 */
int tt_in6_init(struct tt_worker *w, uint32_t size, int socket);
void tt_in6_fini(struct tt_tcp *t);
/* The handle of remote address a, or TT_IN6_NONE (not interned, or no table). */
uint32_t tt_in6_find(const struct tt_tcp *t, const uint8_t a[16]);
/* The handle of a, interned now if need be; TT_IN6_NONE when the table is full of used ones. */
uint32_t tt_in6_intern(struct tt_worker *w, const uint8_t a[16]);

static inline const uint8_t *
tt_in6_addr(const struct tt_tcp *t, uint32_t h)
{
	return t->in6.e[h].addr;
}

/*
 * f's addresses as the two words the flow secrets take (ISN and timestamp offset, cookies):
 * raddr and laddr for IPv4; for IPv6 the remote address's digest and our address's index.
 */
static inline uint64_t
tt_flow_addr_word(const struct tt_tcp *t, const struct tt_flow *f)
{
	if (tt_flow_is_v6(f))
		return t->in6.e[f->raddr].digest ^ f->laddr;
	return (uint64_t)f->raddr << 32 | f->laddr;
}
void tt_flow_table_fini(struct tt_flow_table *ft);

struct tt_conn *tt_conn_alloc(struct tt_worker *w);
void tt_conn_set_state(struct tt_worker *w, struct tt_conn *c, enum tt_tcp_state s);
/* Drop the TCB: out of the table, timers off, queues freed, back to the pool. */
void tt_conn_free(struct tt_worker *w, struct tt_conn *c);
tt_conn_t tt_conn_handle(const struct tt_tcp *t, const struct tt_conn *c);
struct tt_conn *tt_conn_from_handle(struct tt_tcp *t, tt_conn_t h);
/* The connection ended: tell the application, or free it if it never had the handle. */
void tt_conn_closed(struct tt_worker *w, struct tt_conn *c, enum tt_close_reason why);

/* Listeners (tcp_listen.c). */
struct tt_listener *tt_listen_lookup(struct tt_tcp *t, uint16_t port_be);
void tt_listen_input(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
		     struct tt_listener *l);
/* A new ESTABLISHED connection for the accept queue; -ENOSPC when full (Q4). */
int tt_listen_enqueue(struct tt_worker *w, struct tt_listener *l, struct tt_conn *c);

/* SYN queue (tcp_syncache.c). */
void tt_req_input(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
		  struct tt_req *r);
/* A new request for l from SYN seg; 0, or -ENOSPC when the pool is empty. Takes p->m on 0. */
int tt_req_create(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
		  const struct tt_flow *f, struct tt_listener *l);
/* What a passive handshake agreed (from a request, or from a cookie and its ACK). */
struct tt_handshake {
	uint32_t iss, irs;
	uint32_t ts_recent;            /* the peer's last TSval */
	uint32_t ts_offset;            /* ours, as the SYN-ACK carried it (RFC 7323 5.4) */
	uint16_t mss;                  /* the peer's */
	uint8_t flags;                 /* TT_CONN_* */
	uint8_t snd_wscale;
	uint16_t pi;
	const struct rte_ether_addr *mac;
};

/* A TCB in ESTABLISHED from a handshake (request or cookie): table, counters, options. */
struct tt_conn *tt_conn_passive(struct tt_worker *w, const struct tt_flow *f,
				struct tt_listener *l, const struct tt_handshake *hs);
void tt_req_timeout(struct tt_worker *w, struct tt_req *r);
void tt_req_free(struct tt_worker *w, struct tt_req *r);

/* SYN cookies (tcp_syncookie.c). */
/*
 * The cookie for the SYN (our ISN), and in *ts_offset the connection's TS offset, which
 * tt_cookie_check gives again from the final ACK.
 */
uint32_t tt_cookie_make(struct tt_worker *w, const struct tt_flow *f, uint32_t irs,
			uint16_t mss, uint32_t *ts_offset);
/* 0 with the MSS the cookie encodes and the TS offset tt_cookie_make gave, or -EINVAL. */
int tt_cookie_check(struct tt_worker *w, const struct tt_flow *f, uint32_t irs,
		    uint32_t cookie, uint16_t *mss, uint32_t *ts_offset);
/* C3: options carried in the low 6 bits of TSval. */
uint32_t tt_cookie_ts_encode(uint32_t tsval, uint8_t flags, uint8_t snd_wscale);
/* 0 with the TT_CONN_* flags and shift the TSecr carries, or -EINVAL for impossible bits. */
int tt_cookie_ts_decode(uint32_t tsecr, uint8_t *flags, uint8_t *snd_wscale);

/* Active open (tcp_connect.c, SPEC A1). */
/*
 * A TCB in SYN_SENT for dst (IPv4 or IPv6, tt_app.h) whose events go to listener's
 * application, and its SYN. 0 with *out, or -EINVAL, -ENETUNREACH,
 * -EADDRNOTAVAIL, -ENOBUFS (tt_app_connect says when).
 */
int tt_tcp_usr_connect(struct tt_worker *w, uint16_t listener, const struct tt_endpoint *dst,
		       uint64_t udata, struct tt_conn **out);
/* A segment for a TCB in SYN_SENT (RFC 9293 3.10.7.3). Takes p->m. */
void tt_conn_syn_sent_input(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
			    struct tt_conn *c);
/*
 * An acceptable ACK for an active open's TCB in SYN_RECV (simultaneous open): true when it
 * completed the handshake; false when it did not acknowledge our SYN (answered with a
 * reset) or the connection ended (no memory): p->m is taken then.
 */
bool tt_conn_active_synrecv(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
			    struct tt_conn *c);
/*
 * A segment for an active open's TCB in SYN_RECV: true when it was the peer's SYN-ACK of a
 * simultaneous open, which completed the handshake (p->m taken); false: not handled here.
 */
bool tt_conn_synrecv_synack(struct tt_worker *w, struct tt_pkt *p,
			    const struct tt_tcp_seg *seg, struct tt_conn *c);
/* TT_TMR_SYN fired: the SYN again with backoff, or the connect times out (syn_retries). */
void tt_conn_syn_timeout(struct tt_worker *w, struct tt_conn *c);
/*
 * A connect failed (AttemptFails): refused (RST), timed out (syn_retries), unreachable (an
 * ICMP error, or ARP that never answered).
 */
void tt_conn_connect_failed(struct tt_worker *w, struct tt_conn *c, enum tt_close_reason why);

/* TIME_WAIT (tcp_timewait.c). */
void tt_tw_enter(struct tt_worker *w, struct tt_conn *c);
void tt_tw_input(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
		 struct tt_tw *tw);
void tt_tw_expire(struct tt_worker *w, struct tt_tw *tw);
/* The TIME_WAIT entries whose time is up, expired (from tt_tcp_timers_run). */
void tt_tw_timers_run(struct tt_worker *w);
/* The FIFOs empty (tt_tcp_worker_init). */
void tt_tw_init(struct tt_tcp *t);
/* Timers armed: the wheel's and the TIME_WAIT FIFOs'. */
static inline uint32_t
tt_tcp_timers_armed(const struct tt_tcp *t)
{
	return t->wheel.count + t->tw_armed;
}

/* Established and later states (tcp_input.c). */
void tt_conn_input(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
		   struct tt_conn *c);
/* Held payload (and a held FIN) become events once the application can take them. */
void tt_conn_release(struct tt_worker *w, struct tt_conn *c);

/* Output (tcp_output.c). */
/* Both per-flow secrets of a 4-tuple in one hash: ISN's F (low half), TS offset (high). */
uint64_t tt_tcp_flow_secret(const struct tt_worker *w, const struct tt_flow *f);
uint32_t tt_tcp_isn_of(const struct tt_worker *w, uint64_t secret);
uint32_t tt_tcp_tsval(const struct tt_worker *w, uint32_t offset);
/*
 * A SYN-ACK for flow f on port pi; reuses m (the SYN) when given. flags: TT_CONN_* options
 * the SYN offered and we take.
 */
void tt_tcp_send_synack(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m,
			const struct tt_flow *f, const struct rte_ether_addr *dst, uint32_t iss,
			uint32_t irs, uint8_t flags, uint32_t tsval, uint32_t tsecr);
/*
 * An active open's SYN (SYN_SENT), or its SYN-ACK after a simultaneous open (SYN_RECV), with
 * the options it offers, to a next hop the neighbour layer resolves (tt_neigh_output).
 */
void tt_tcp_send_syn(struct tt_worker *w, struct tt_conn *c);
/*
 * Timestamp offsets (RFC 7323 5.4, 7.1; timestamps = 2: none), from the high half of a
 * SipHash the connection computes anyway: a request's or an active open's flow secret (the
 * request keeps it, TT_REQ_TS_OFFSET), a cookie connection's cookie hash (tt_cookie_make,
 * _check).
 */
uint32_t tt_tcp_ts_offset_of(const struct tt_worker *w, uint64_t secret);
/* Go back to snd_una: everything unacknowledged is sent again (RTO). */
void tt_conn_snd_rewind(struct tt_conn *c);
/*
 * Unit u again, whole; probe: a tail loss probe's copy (counted apart, not marked as a
 * retransmission of a lost unit). false: no mbuf.
 */
bool tt_tcp_retransmit(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *u, bool probe);
/* Send what c may send now: data within the window, FIN, or a bare ACK if owed. */
void tt_tcp_output(struct tt_worker *w, struct tt_conn *c);
void tt_tcp_send_ack(struct tt_worker *w, struct tt_conn *c);
void tt_tcp_send_rst_conn(struct tt_worker *w, struct tt_conn *c);
/* Mark c as owing output this iteration; flushed by tt_tcp_flush_pending. */
void tt_conn_schedule_output(struct tt_worker *w, struct tt_conn *c);
void tt_tcp_flush_pending(struct tt_worker *w);
/* A segment to the flow f (not a TCB): used by TIME_WAIT and cookies. */
void tt_tcp_reply_ack(struct tt_worker *w, struct tt_pkt *p, uint32_t seq, uint32_t ack,
		      uint16_t win, bool ts, uint32_t tsval, uint32_t tsecr);

/*
 * The send queue (tcp_sndq.c): units of at most one segment's payload, linked through
 * m->next from c->sndq, each with its state in an mbuf dynamic field.
 */
struct tt_sndq_meta {
	uint32_t seq;                  /* sequence number of the unit's first byte */
	uint16_t xmits;                /* times sent (0: never) */
	uint16_t flags;                /* TT_SEG_* */
	uint32_t xmit_ts;              /* tt_tcp_ticks() when last sent (RACK) */
};
/* The out-of-order queue's segments use the same field (tcp_reass.c). */
#define TT_SEG_FIN  (1u << 0)      /* the peer's FIN follows this segment's bytes */
/* A send queue unit's state for loss recovery (tcp_recovery.c). */
#define TT_SU_SACKED  (1u << 1)    /* the peer holds it (SACK) */
#define TT_SU_LOST    (1u << 2)    /* deemed lost: to be retransmitted */
#define TT_SU_RETRANS (1u << 3)    /* retransmitted since it was deemed lost, still out */
#define TT_SU_EVER_RETRANS (1u << 4)

/* Linux's congestion-avoidance states (tcp_ca_state), for loss recovery and the conns view. */
enum tt_ca_state {
	TT_CA_OPEN,          /* nothing amiss */
	TT_CA_DISORDER,      /* duplicate ACKs or SACKs, no loss deemed yet */
	TT_CA_RECOVERY,      /* fast recovery (RFC 6675 / 6582, with PRR, RFC 6937) */
	TT_CA_LOSS,          /* after a retransmission timeout */
};

/*
 * Congestion control (tcp_cc.c), a small ops table shaped like Linux's tcp_congestion_ops:
 * the algorithm owns cwnd growth and the reduction on loss; loss recovery (tcp_recovery.c)
 * owns when they happen.
 */
enum tt_cc_algo {
	TT_CC_RENO,          /* NewReno: RFC 5681 growth, RFC 6582 recovery */
	TT_CC_CUBIC,         /* RFC 9438, Linux's default */
	TT_CC__COUNT
};
struct tt_cc_ops {
	const char *name;
	void (*init)(struct tt_conn *c);
	/* The slow-start threshold after a loss (RFC 5681 (4)); the algorithm may note it. */
	uint32_t (*ssthresh)(struct tt_conn *c, uint32_t flight);
	/* acked bytes newly acknowledged in TT_CA_OPEN (or TT_CA_LOSS): grow cwnd. */
	void (*cong_avoid)(struct tt_conn *c, uint32_t acked, uint64_t now_ms);
	/*
	 * Optional, Linux's pkts_acked: an ACK delivered data (acknowledged or SACKed), rtt its
	 * RTT sample in tt_tcp_ticks() or 0 if it gave none. Runs before cong_avoid.
	 */
	void (*pkts_acked)(struct tt_worker *w, struct tt_conn *c, uint32_t rtt);
};
/* HyStart++'s phase (CUBIC's, tt_conn.hs_state & TT_HS_PHASE); 0, a zeroed TCB's, is none. */
#define TT_HS_DONE        0u   /* off (tunable, reno), or slow start ended: loss or CSS done */
#define TT_HS_SS          1u   /* slow start, watching for the RTT to rise */
#define TT_HS_CSS         2u   /* Conservative Slow Start (RFC 9406 4.2) */
#define TT_HS_PHASE       3u
#define TT_HS_ROUND_SHIFT 2    /* above the phase: CSS rounds begun */
extern const struct tt_cc_ops *const tt_cc_ops[TT_CC__COUNT];
/* The algorithm a tunable names, or -1. */
int tt_cc_lookup(const char *name);
extern int tt_sndq_meta_off;

static inline struct tt_sndq_meta *
tt_sndq_meta(const struct rte_mbuf *u)
{
	return RTE_MBUF_DYNFIELD(u, tt_sndq_meta_off, struct tt_sndq_meta *);
}

/* Register the dynamic field (at start, once EAL runs); 0 or -errno. */
int tt_sndq_init(void);
/*
 * m's bytes after the queued ones: into the unsent last unit while it has room, else as
 * units of their own (segments longer than a unit cut into attached mbufs). Takes m on 0;
 * -ENOBUFS (no mbuf for a cut) leaves the queue and m as they were. The caller charges the
 * units added (c->sndq_units before and after).
 */
int tt_sndq_append(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *m);
/* bytes acknowledged from the front: whole units freed (and uncharged), the first cut. */
void tt_sndq_ack(struct tt_worker *w, struct tt_conn *c, uint32_t bytes);
/* Every unit freed; w NULL: no accounting (the worker's TCP is going). */
void tt_sndq_free(struct tt_worker *w, struct tt_conn *c);
/*
 * The queue for a lowered MSS (path MTU, RFC 1191): every sent unit longer than mss cut
 * into units of mss bytes attached to its buffer, each with the unit's marks (Linux's
 * tcp_fragment); the units never sent, if one is longer, copied into full units of mss. 0,
 * or -ENOBUFS (counted) with the queue as it was.
 */
int tt_sndq_resegment(struct tt_worker *w, struct tt_conn *c, uint32_t mss);
/* The unit holding sequence number seq, or NULL past the data. */
struct rte_mbuf *tt_sndq_unit_at(const struct tt_conn *c, uint32_t seq);
/*
 * Payload [seq, seq + len) of the queue, from unit u on, in a new mbuf with headroom for
 * the headers: copied into it (small payloads, or a port without multi-segment TX), or
 * attached units chained after it (no copy). NULL (counted) when the pool is empty.
 */
struct rte_mbuf *tt_sndq_payload(struct tt_worker *w, const struct tt_conn *c,
				 struct rte_mbuf *u, uint32_t seq, uint32_t len);

/*
 * Reassembly (tcp_reass.c). insert: payload m (one segment, headers cut) beyond rcv_nxt
 * into the out-of-order queue; 0 queued, -1 a duplicate or over budget (m freed, counted).
 * next: the next buffer the queue can give now that rcv_nxt moved (its bytes from rcv_nxt
 * on; fin: the peer's FIN follows it), or NULL. sack: the SACK blocks of the next ACK, at
 * most max, D-SACK first (then forgotten). dup: the peer sent [seq, end) again, all below
 * rcv_nxt: a D-SACK block for the next ACK.
 */
int tt_reass_insert(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *m, uint32_t seq,
		    bool fin);
struct rte_mbuf *tt_reass_next(struct tt_worker *w, struct tt_conn *c, bool *fin);
unsigned int tt_reass_sack(struct tt_conn *c, uint32_t blocks[][2], unsigned int max);
void tt_reass_dup(struct tt_worker *w, struct tt_conn *c, uint32_t seq, uint32_t end);
/* Every queued buffer freed; w NULL: no accounting. */
void tt_reass_free(struct tt_worker *w, struct tt_conn *c);
/*
 * The invariants of both queues (order, sums, the scoreboard's counts), checked with
 * RTE_VERIFY: called after input and output in builds with RTE_ENABLE_ASSERT (sanitizers,
 * fuzzing), so a broken queue stops the run where it broke, not where the bytes come out.
 */
void tt_sndq_check(const struct tt_conn *c);
void tt_reass_check(const struct tt_conn *c);
#ifdef RTE_ENABLE_ASSERT
#define TT_TCP_CHECK(c) do { tt_sndq_check(c); tt_reass_check(c); } while (0)
#else
#define TT_TCP_CHECK(c) do { } while (0)
#endif

/*
 * Loss recovery (tcp_recovery.c): every acceptable ACK goes through tt_recovery_ack after
 * snd_una moved; the retransmission timeout through tt_recovery_rto; output asks
 * tt_recovery_in_flight and tt_recovery_next_lost.
 */
void tt_cc_conn_init(struct tt_worker *w, struct tt_conn *c);
void tt_recovery_ack(struct tt_worker *w, struct tt_conn *c, const struct tt_tcp_seg *seg,
		     uint32_t acked, bool dup);
void tt_recovery_rto(struct tt_worker *w, struct tt_conn *c);
/*
 * The path MTU fell (RFC 1191): units wholly sent and longer than mss were dropped on the
 * way, so they are lost, and the loss state sends them again with cwnd unchanged (Linux's
 * tcp_simple_retransmit). Before the queue is cut to mss.
 */
void tt_recovery_simple_retransmit(struct tt_conn *c, uint32_t mss);
/* Bytes in flight (RFC 6675 pipe): sent, not acknowledged, SACKed or deemed lost, plus
 * retransmissions still out. */
static inline uint32_t
tt_recovery_in_flight(const struct tt_conn *c)
{
	uint32_t out = c->snd_max - c->snd_una, left = c->sacked_bytes + c->lost_bytes;

	return (out > left ? out - left : 0) + c->retrans_bytes;
}
/* The first unit deemed lost and not yet retransmitted, or NULL. */
struct rte_mbuf *tt_recovery_next_lost(const struct tt_conn *c);
/* Unit u (of len bytes) was sent again. */
void tt_recovery_retransmitted(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *u);
/* Unit u delivered (acknowledged, whole or cut) at ticks now: RACK learns from it. */
bool tt_recovery_delivered(struct tt_conn *c, const struct rte_mbuf *u, uint32_t now);
/* A late original was delivered (tt_recovery_delivered said so): TCPSACKReorder. */
void tt_recovery_reordered(struct tt_worker *w, struct tt_conn *c);
/* A retransmission went (a probe's too): the undo bookkeeping counts it. */
void tt_recovery_count_retrans(struct tt_worker *w, struct tt_conn *c);
/* A new connection's recovery state, once snd_una is set. */
void tt_recovery_conn_init(struct tt_conn *c);
/* Units freed by an ACK: the scoreboard's counts follow. */
void tt_recovery_unit_gone(struct tt_conn *c, const struct rte_mbuf *u);
/*
 * The retransmission timer after output or an ACK: a tail loss probe's timeout when RFC
 * 8985 7.2 allows one (SACK, nothing amiss, no probe out), else the RTO.
 */
void tt_recovery_arm(struct tt_worker *w, struct tt_conn *c, bool restart);
/* Timers: the probe's (send one segment), the reordering window's (RACK detection). */
void tt_recovery_tlp_fire(struct tt_worker *w, struct tt_conn *c);
void tt_recovery_reo_fire(struct tt_worker *w, struct tt_conn *c);

/* Memory accounting and pressure (tcp_mem.c). */
void tt_mem_init(struct tt_worker *w, const struct tt_config *cfg);
/* tcp_mem's thresholds in mbufs again, from cfg's percentages (tt_tcp_retune). */
void tt_mem_thresholds(struct tt_worker *w, const struct tt_config *cfg);
/* Once per loop iteration: the worker's level from its pool and what TCP queues hold. */
void tt_mem_update(struct tt_worker *w);
uint32_t tt_mem_pool_free(const struct tt_worker *w);
/*
 * Payload to c's receive / send queue, charged at truesize; -ENOBUFS: not taken. hold: the
 * application cannot take it this iteration (not accepted, or writing past wmem), so the
 * connection's budget and the worker's memory level apply.
 */
int tt_mem_rcvq_add(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *m, bool hold);
int tt_mem_sndq_add(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *m);
/* More queued to send than wmem allows, in bytes or in buffers: the writer waits. */
bool tt_mem_sndq_full(const struct tt_tcp *t, const struct tt_conn *c);
/* Bytes c may still queue before its send budget is spent; 0 when it is. */
uint32_t tt_mem_sndq_space(const struct tt_tcp *t, const struct tt_conn *c);
/* The send queue holds at most half its budget: a waiting writer is woken. */
bool tt_mem_sndq_low(const struct tt_tcp *t, const struct tt_conn *c);
/* Buffers a connection's received payload may hold, in order and out of it (R2). */
uint32_t tt_mem_rcv_budget(const struct tt_tcp *t, const struct tt_conn *c);
/* A new connection's buffers: the defaults of rmem and wmem, and DRS's first measure. */
void tt_mem_conn_init(struct tt_worker *w, struct tt_conn *c);
/*
 * The application took payload up to rcv_nxt: once an RTT, the receive buffer grows to
 * twice what it took in the last RTT (Linux's tcp_rcv_space_adjust, DRS).
 */
void tt_mem_rcv_space_adjust(struct tt_worker *w, struct tt_conn *c);
/* An ACK acknowledged data: the send buffer grows with cwnd (Linux's tcp_sndbuf_expand). */
void tt_mem_sndbuf_expand(struct tt_worker *w, struct tt_conn *c);
/* bufs mbufs left a queue (freed, or handed to the application). */
void tt_mem_uncharge(struct tt_tcp *t, uint32_t bufs);

static inline bool
tt_mem_shedding(const struct tt_tcp *t)
{
	return t->mem.level != TT_MEM_OK;
}

/* Timers (tcp_timer.c). */
void tt_tcp_timers_run(struct tt_worker *w);
void tt_conn_rto_arm(struct tt_worker *w, struct tt_conn *c);

/*
 * Everything sent is acknowledged: RFC 6298 5.2 turns the retransmission timer off. It is
 * left armed as TT_TMR_IDLE instead (Linux's inet_csk_clear_xmit_timer leaves it pending
 * too), because taking it off the wheel and putting it back for the next data writes both
 * neighbours of its slot each time — other connections' TCB lines, cold under thousands of
 * keep-alive connections — while the next data's arm, always later, only moves its expiry
 * (tt_timer_arm). Firing idle does nothing.
 */
static inline void
tt_conn_rtx_idle(struct tt_conn *c)
{
	if (tt_timer_armed(&c->rtx))
		c->rtx.kind = TT_TMR_IDLE;
}

/* The retransmission timer runs for something: armed, and not idle. */
static inline bool
tt_conn_rtx_pending(const struct tt_conn *c)
{
	return tt_timer_armed(&c->rtx) && c->rtx.kind != TT_TMR_IDLE;
}

void tt_conn_rtt_sample(struct tt_conn *c, uint32_t rtt_ms);
void tt_conn_delack_arm(struct tt_worker *w, struct tt_conn *c);
void tt_conn_fw2_arm(struct tt_worker *w, struct tt_conn *c);
/* D6: a connection with keepalive heard from its peer, or begins: the idle clock restarts. */
void tt_conn_keepalive_start(struct tt_worker *w, struct tt_conn *c);
/* Data waits, nothing is in flight and the peer's window is zero: probe it (D3). */
void tt_conn_persist_arm(struct tt_worker *w, struct tt_conn *c);
/* <SEQ=SND.UNA-1><CTL=ACK>: an old sequence number the peer must answer with its window. */
void tt_tcp_send_probe(struct tt_worker *w, struct tt_conn *c);

/*
 * Application events (tcp_usrreq.c raises, lib/app/tt_app.c delivers). The contract, STYLE
 * habit 16: TCP never calls an application back, nor the application layer at all. Input
 * processing, timers and the application's own calls only mark what the application must
 * hear, as TT_EVF_* bits in the TCB (c->evf), and put the TCB once on the worker's event list
 * (tt_conn_event); the application layer takes them off (tt_tcp_event_pop) and delivers them
 * after the segment, the burst and the timers are done, so a callback may close or abort any
 * connection, and the TCP code that raised an event never finds its TCB changed or freed
 * under it.
 *
 * Nothing can be lost: a TCB is on the list at most once whatever it raises (the list needs
 * no capacity), each kind is a bit, and the payload is the TCB's own receive queue (rcvq),
 * taken whole when 'data' is delivered (tt_conn_rcv_take). For one connection the
 * application hears data, then peer_closed, then closed, in that order, each at most once
 * per delivery; after tt_app_close or tt_app_abort it hears only closed. A TCB with events
 * pending is accepted and not freed before 'closed' is delivered (tt_conn_closed).
 */
#define TT_EVF_DATA         (1u << 0)   /* rcvq holds payload for the application */
#define TT_EVF_PEER_CLOSED  (1u << 1)   /* the peer's FIN, after that payload */
#define TT_EVF_CLOSED       (1u << 2)   /* the end; c->close_reason says why */
#define TT_EVF_WRITABLE     (1u << 3)   /* the send queue drained below half its budget */
#define TT_EVF_CONNECTED    (1u << 4)   /* an active open reached ESTABLISHED */
void tt_conn_event(struct tt_worker *w, struct tt_conn *c, unsigned int evf);
/* The oldest TCB with events pending, taken off the list (its evf still set), or NULL. */
struct tt_conn *tt_tcp_event_pop(struct tt_tcp *t);
/*
 * The received payload for a 'data' delivery (tcp_input.c): rcvq taken whole, the window
 * reopened (announced if it had been held shut). NULL when there is none, or when the
 * application cannot take it now (wmem backpressure): it stays held.
 */
struct rte_mbuf *tt_conn_rcv_take(struct tt_worker *w, struct tt_conn *c);

/*
 * What an application may ask of a TCB (tcp_usrreq.c, called by lib/app/tt_app.c on the
 * owning worker). Output they cause goes out at the end of the iteration.
 */
/* The live TCB behind h for a call: not dead, and accepted; else NULL. */
struct tt_conn *tt_tcp_usr_conn(struct tt_tcp *t, tt_conn_t h);
/* Up to n connections off l's accept queue, marked accepted; returns the count. */
unsigned int tt_tcp_usr_accept_burst(struct tt_listener *l, struct tt_conn **conns,
				     unsigned int n);
/* After the application heard 'accepted': what arrived before it, raised as events. */
void tt_tcp_usr_accepted(struct tt_worker *w, struct tt_conn *c);
/* Queue m after the data queued; takes m. 0, -EPIPE after shutdown/close, -ENOBUFS (R2). */
int tt_tcp_usr_send(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *m);
/* Bytes c may queue before wmem is reached; 0 also promises a 'writable' event. */
uint32_t tt_tcp_usr_send_space(struct tt_worker *w, struct tt_conn *c);
/* FIN after the data queued (shutdown(SHUT_WR)). */
void tt_tcp_usr_shutdown(struct tt_worker *w, struct tt_conn *c);
/* Release c: FIN after the data queued, or RST when payload lies unread (F8). */
void tt_tcp_usr_close(struct tt_worker *w, struct tt_conn *c);
/* RST now and the end (F8). */
void tt_tcp_usr_abort(struct tt_worker *w, struct tt_conn *c);
/* The application takes c's payload again (TT_AF_RCV_PAUSED cleared): what was held goes. */
void tt_tcp_usr_resume(struct tt_worker *w, struct tt_conn *c);

/* The worker's TCP state. */
struct tt_tcp *tt_worker_tcp(struct tt_worker *w);

#endif /* TT_TCP_CONN_H */
