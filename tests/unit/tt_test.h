/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit-test infrastructure (STYLE habit 12, after lwIP's test/unit and libcbor's test/):
 * EAL without hugepages or NIC, a TX-capture port made of two rte_rings, a worker built by
 * hand on a fake clock, a frame builder with knobs to break every field, decoders and
 * independent checksum checks for what the worker sends, counter assertions, and a teardown
 * that fails the test on any leaked (or doubly freed) mbuf.
 *
 * Call order in a test binary:
 *   main: tt_test_eal_init("name") -> cmocka_run_group_tests(...)   (EAL released at exit)
 *   each test: tt_test_setup -> body -> tt_test_teardown             (cmocka fixtures)
 *   body: tt_tb_defaults() -> tweak -> tt_tb_build() -> tt_test_input() (or tt_test_rx() +
 *         tt_test_poll()) -> tt_test_tx_one()/tt_test_tx_pop() -> asserts -> free frames.
 *
 * Everything here runs on the main lcore, single-threaded: a test is the worker's only
 * caller, as the lcore loop is in production.
 */
#ifndef TT_TEST_H
#define TT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "../../lib/core/tt_port.h"
#include "../../lib/core/tt_worker.h"
#include "../../lib/net/tt_net.h"

/*
 * An IPv4 address in network byte order, usable in constant initialisers. Not RTE_IPV4: in
 * DPDK 22.11 it shifts an int left by 24, undefined for a first byte >= 128 (UBSan says so).
 */
#define TT_IP(a, b, c, d) \
	RTE_BE32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* The test network: tcpterm at .2/24 (the config default), a peer at .10, a gateway at .1. */
#define TT_TEST_IP_US   TT_IP(198, 18, 0, 2)
#define TT_TEST_IP_PEER TT_IP(198, 18, 0, 10)
#define TT_TEST_IP_GW   TT_IP(198, 18, 0, 1)
#define TT_TEST_PREFIX  24

extern const struct rte_ether_addr tt_test_mac_us;    /* the ring port's MAC */
extern const struct rte_ether_addr tt_test_mac_peer;  /* default sender of built frames */
extern const struct rte_ether_addr tt_test_mac_gw;

/*
 * mbufs in each test's pool: enough for a burst in flight plus what a test holds. Not 2^n - 1:
 * the pool's ring then has spare slots, so a double free shows as more free mbufs than the
 * pool has (see tt_test_teardown) instead of vanishing into a full ring.
 */
#define TT_TEST_POOL_SIZE 384

/* ---- EAL ---------------------------------------------------------------------------- */

/*
 * Bring EAL up with no hugepages, no PCI, no shared files and no telemetry, on the CPUs this
 * process may use, under the file prefix "ut-<name>-<pid>" so parallel test binaries never
 * meet. Registers an atexit handler that calls rte_eal_cleanup() and removes the runtime
 * directory this run created; also removes the ut-* directories of earlier test runs that
 * died before theirs ran. Returns 0 or -1 (with a message on stderr).
 */
int tt_test_eal_init(const char *name);

/* ---- The harness: one worker, one ring port ---------------------------------------- */

struct tt_test_env {
	struct tt_worker *w;          /* hand-built like worker_create() in tt_engine.c */
	struct tt_port port;          /* w->ports[0]: the ring port, no checksum offloads */
	struct tt_net net;            /* w->net; tests may change it (gateway, addresses) */
	struct rte_mempool *pool;     /* every mbuf the test and the worker use; no cache */
	struct rte_ring *rx;          /* what the worker receives on port 0 */
	struct rte_ring *tx;          /* what the worker sent on port 0 (the capture) */
	uint16_t port_id;
	char name[16];                /* unique per test: "utN"; the vdev is net_ring_utN */
	struct tt_worker *peers[1];
	volatile bool quit;
};

/*
 * cmocka fixtures. Setup builds a fresh pool, ring port and worker (n_workers 1, one address
 * TT_TEST_IP_US/24, no gateway, burst 32, clock faked at 0 ms) and stores the env in *state.
 * Teardown frees what the worker still buffers, drains both rings, and FAILS the test when
 * the pool does not hold every mbuf again (a leak, or a double free); then frees everything.
 */
int tt_test_setup(void **state);
int tt_test_teardown(void **state);

/* Queue a frame on the port's RX ring, for the next tt_test_poll(). */
void tt_test_rx(struct tt_test_env *env, struct rte_mbuf *m);
/* One tt_worker_poll(): RX burst, input, periodic work (ARP timer), TX flush. */
unsigned int tt_test_poll(struct tt_test_env *env);
/* tt_eth_input() on port index 0, then tt_worker_flush(): the input path without the loop. */
void tt_test_input(struct tt_test_env *env, struct rte_mbuf *m);

/* Frames captured on the TX ring and not yet popped. */
unsigned int tt_test_tx_count(const struct tt_test_env *env);
/* The oldest captured frame (the caller frees it), or NULL. */
struct rte_mbuf *tt_test_tx_pop(struct tt_test_env *env);
/* Free every captured frame; returns how many there were. */
unsigned int tt_test_tx_drain(struct tt_test_env *env);

/*
 * Free mbufs in the pool minus its size: 0 when every mbuf is back, negative by the number
 * leaked (or still held), positive by the number freed twice. Teardown fails unless 0.
 */
long tt_test_pool_balance(const struct tt_test_env *env);

/* A counter of the env's worker, e.g. TT_TEST_STAT(env, InErrs). */
#define TT_TEST_STAT(env, name) TT_STAT_GET(&(env)->w->stats, name)

/*
 * Assert the worker's whole counter block: each named counter has its value and every other
 * counter is 0. Each test starts with a fresh worker, so this states exactly which drop
 * reason (and nothing else) a frame was counted under. Names are tt_stat_info names.
 *   TT_TEST_STATS_EXPECT(env, { "EthInFrames", 1 }, { "EthInTruncated", 1 });
 */
struct tt_test_stat {
	const char *name;
	uint64_t value;
};
void tt_test_stats_expect(const struct tt_test_env *env, const struct tt_test_stat *exp,
			  const char *file, int line);
#define TT_TEST_STATS_EXPECT(env, ...) \
	tt_test_stats_expect((env), (const struct tt_test_stat[]){ __VA_ARGS__, { NULL, 0 } }, \
			     __FILE__, __LINE__)

/* ---- Frame builder ------------------------------------------------------------------- */

/* An int knob left to the builder: the field is computed from what was built. */
#define TT_TB_AUTO (-1)

enum tt_tb_kind {
	TT_TB_ARP,     /* Ethernet + ARP */
	TT_TB_IPV4,    /* Ethernet + IPv4 + raw payload (ip_proto chooses, UDP by default) */
	TT_TB_ICMP,    /* Ethernet + IPv4 + ICMP header (echo request by default) + data */
	TT_TB_TCP,     /* Ethernet + IPv4 + TCP header + raw options + payload */
};

/*
 * A frame to build. Start from tt_tb_defaults(kind), which fills every field with a valid
 * frame from the peer to tcpterm; change what the test is about. Values are host order
 * unless the comment says network order. The builder computes lengths and checksums last,
 * from the bytes it wrote, so a broken field keeps valid checksums unless asked otherwise.
 */
struct tt_tb {
	enum tt_tb_kind kind;
	/* Ethernet */
	struct rte_ether_addr eth_dst, eth_src;
	int ether_type;               /* TT_TB_AUTO: by kind */
	/* ARP (RFC 826) */
	uint16_t arp_hrd, arp_pro, arp_op;
	uint8_t arp_hln, arp_pln;
	struct rte_ether_addr arp_sha, arp_tha;
	uint32_t arp_sip, arp_tip;    /* network order */
	/* IPv4 */
	uint8_t ip_version;           /* 4 */
	int ip_ihl;                   /* TT_TB_AUTO: (20 + ip_opts_len) / 4 */
	int ip_tot_len;               /* TT_TB_AUTO: the datagram's real length */
	uint8_t ip_tos, ip_ttl, ip_proto;
	uint16_t ip_id;
	uint16_t ip_frag;             /* flags and offset as in the header: RTE_IPV4_HDR_*_FLAG | off */
	uint32_t ip_src, ip_dst;      /* network order */
	const uint8_t *ip_opts;       /* raw bytes after the 20-byte header; a multiple of 4 */
	uint8_t ip_opts_len;
	bool ip_bad_csum;             /* store a wrong header checksum */
	/* ICMP */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	/* TCP */
	uint16_t tcp_sport, tcp_dport;
	uint32_t tcp_seq, tcp_ack;
	uint8_t tcp_flags;            /* RTE_TCP_*_FLAG */
	uint16_t tcp_win, tcp_urp;
	int tcp_doff;                 /* TT_TB_AUTO: (20 + tcp_opts_len) / 4, else the field */
	const uint8_t *tcp_opts;      /* raw option bytes, written as given (no padding added) */
	uint8_t tcp_opts_len;
	/* ICMP data, TCP payload or raw IPv4 payload; NULL: the pattern tt_tb_pattern() */
	const void *payload;
	uint16_t payload_len;
	bool l4_bad_csum;             /* store a wrong ICMP or TCP checksum */
	/*
	 * TT_TB_AUTO, or the frame is cut or padded to exactly this many bytes after the
	 * checksums are computed: a short frame, or Ethernet padding. Padding bytes are 0xa5 so
	 * a parser that took them for data would show it.
	 */
	int frame_len;
	uint64_t ol_flags;            /* RX offload flags as a NIC would set (checksum GOOD/BAD) */
};

struct tt_tb tt_tb_defaults(enum tt_tb_kind kind);
/* Allocate from env->pool and build; the test fails if the pool is empty or it cannot fit. */
struct rte_mbuf *tt_tb_build(struct tt_test_env *env, const struct tt_tb *b);
/* Byte i of a default payload. */
uint8_t tt_tb_pattern(unsigned int i);
/*
 * Recompute the IPv4 header checksum and the TCP or ICMP checksum of whatever the frame now
 * holds, where its own length fields allow; leaves anything else alone. For fuzzing: a
 * mutated frame with fixed checksums gets past them into the deeper parsers.
 */
void tt_tb_fix_csums(struct rte_mbuf *m);

/* ---- What the worker sent ------------------------------------------------------------ */

/* A captured frame, decoded. Pointers are NULL for layers the frame does not have. */
struct tt_test_frame {
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	struct rte_tcp_hdr *th;
	uint8_t *data;                /* ICMP data after the 8-byte header, or TCP payload */
	uint16_t data_len;
};

/*
 * Decode m. Fails the test unless it is one linear, well-formed frame: an ARP frame of exactly
 * 42 bytes, or an IPv4 frame whose total length matches the frame and whose IHL, TCP data
 * offset and ICMP header fit. Checksums are checked separately (below).
 */
void tt_test_decode(struct rte_mbuf *m, struct tt_test_frame *f);
/* Assert exactly one frame was captured, pop and decode it; free f->m afterwards. */
void tt_test_tx_one(struct tt_test_env *env, struct tt_test_frame *f);

/*
 * NULL when m is a frame tcpterm may send whatever it received (SPEC D8 "never corrupts"):
 * linear; from our MAC; an ARP frame of 42 bytes from one of our addresses, or an IPv4
 * datagram without options from one of our addresses, to a unicast MAC, whose total length
 * matches the frame, with valid IPv4 and L4 checksums, carrying a bare RST or an echo reply.
 * Otherwise a short description of what is wrong. Never fails the test itself, so fuzzers
 * can report the input first. Extend the accepted kinds as tcpterm learns to send more.
 */
const char *tt_test_frame_problem(const struct tt_test_env *env, struct rte_mbuf *m);

/*
 * Checksums computed here, independently of DPDK's helpers the library uses, so the tests
 * check the library's use of them rather than trust it.
 */
uint16_t tt_test_cksum(const void *buf, size_t len, uint32_t sum);
bool tt_test_ipv4_csum_ok(const struct rte_ipv4_hdr *ip);
/* The TCP or ICMP checksum of a decoded IPv4 frame. */
bool tt_test_l4_csum_ok(const struct tt_test_frame *f);

#endif /* TT_TEST_H */
