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
 *   TCP body: adjust env->cfg -> tt_test_tcp_start() (the real TCP core, a listener, the test
 *         application or none) -> play a client (tt_test_peer_*) -> decode what tcpterm sent
 *         (tt_test_peer_recv / TT_TEST_SEG_IS) -> application events (TT_TEST_EV) -> move the
 *         fake clock (tt_test_advance) -> teardown runs every timer out and fails on any TCB,
 *         SYN queue entry or TIME_WAIT entry still in use, then on any leaked mbuf.
 *
 * Everything here runs on the main lcore, single-threaded: a test is the worker's only
 * caller, as the lcore loop is in production.
 */
#ifndef TT_TEST_H
#define TT_TEST_H

#include <inttypes.h>
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

#include <tcpterm/tt_app.h>
#include <tcpterm/tt_config.h>

#include "../../lib/app/tt_app_priv.h"
#include "../../lib/dp/tt_impair_priv.h"
#include "../../lib/dp/tt_port.h"
#include "../../lib/dp/tt_worker.h"
#include "../../lib/engine/tt_engine_priv.h"
#include "../../lib/net/tt_net.h"
#include "../../lib/tcp/tcp_conn.h"

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
/* The size tt_test_setup uses; a binary that needs more (the TCP fuzz loop) sets it in main. */
extern unsigned int tt_test_pool_size;
/* Set before tt_test_eal_init: 2 MB pages (--in-memory, no files) instead of --no-huge, as
 * tcpterm runs; for benchmarks (tests/bench/bench_conn.c), whose misses then are not TLB's. */
extern bool tt_test_huge;
/* The pool's per-lcore cache (0, the tests' default: see TT_TEST_POOL_SIZE); benchmarks set
 * tcpterm's (tt_engine.c), so that an mbuf costs there what it costs in tcpterm. */
extern unsigned int tt_test_pool_cache;

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
	struct tt_steer steer;        /* w->steer: one worker, keys drawn as the engine draws them */
	/* The TCP core (tt_test_tcp_start); tests of the lower layers leave it alone. */
	struct tt_config cfg;         /* tt_config_defaults() + harness tweaks, see tt_test_setup */
	struct tt_test_app *app;      /* the test application, or NULL */
	unsigned int soft_failures;   /* tt_test_soft_fail(): teardown fails when nonzero */
	struct rte_mbuf **held;       /* tt_test_pool_hold(): mbufs taken out of the pool */
	unsigned int n_held;
	struct tt_impair_shared impair; /* tt_test_impair_start: what w->impair follows */
};

/*
 * cmocka fixtures. Setup builds a fresh pool, ring port and worker (n_workers 1, one address
 * TT_TEST_IP_US/24, no gateway, burst 32, clock faked at 0 ms) and stores the env in *state;
 * the worker has no TCP layer (w->tcp NULL: every segment gets the closed-port answer) until
 * the test calls tt_test_tcp_start(). Setup also fills env->cfg with tt_config_defaults(),
 * except max_tw_buckets = 1024 (the default 262144 costs 16 MB of TIME_WAIT pool per test).
 *
 * Teardown, when the TCP core was started: FAILS on test-application events the test did not
 * consume; then runs every timer out (tt_test_tcp_settle: the fake clock moves until the
 * wheel is empty, the peer never answering); then FAILS when a TCB, SYN queue entry or
 * TIME_WAIT entry is still in use, a flow is still in the table, an accept queue still holds
 * a connection, or a freed TCB still holds received payload; then tt_app_detach() and
 * tt_tcp_worker_fini().
 * Always: frees what the worker still buffers, drains both rings, and FAILS the test when
 * the pool does not hold every mbuf again (a leak, or a double free); FAILS on soft failures
 * (tt_test_soft_fail); then frees everything.
 */
int tt_test_setup(void **state);
int tt_test_teardown(void **state);

/*
 * Give the worker an impairment layer, as tt_engine_create does, every effect off, draws
 * seeded with seed; set effects with tt_test_impair_set (followed at the next poll, or at
 * once through tt_impair_sync). Teardown frees it with the frames it still holds.
 */
void tt_test_impair_start(struct tt_test_env *env, uint64_t seed);
/* Parse spec (tt_impair.h) for port 0, direction d; fails the test if it does not parse. */
void tt_test_impair_set(struct tt_test_env *env, enum tt_impair_dir_id d, const char *spec);

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

/*
 * Allocation failures on demand (STYLE habit 12, libcbor's scripted failures): take all but
 * `leave` of the pool's free mbufs and keep them, so the worker's next allocations fail; give
 * them back with tt_test_pool_release (teardown does too). Returns how many were taken.
 */
unsigned int tt_test_pool_hold(struct tt_test_env *env, unsigned int leave);
void tt_test_pool_release(struct tt_test_env *env);

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

/* ---- Soft failures ---------------------------------------------------------------------- */

/*
 * Record a failure without stopping the test: the test goes on (so one wrong timing does not
 * hide what follows) and teardown fails it. For checks whose later steps stay meaningful.
 */
void tt_test_soft_fail(struct tt_test_env *env, const char *file, int line, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));
#define TT_TEST_SOFT_EQ(env, got, want) do { \
	uint64_t got_ = (uint64_t)(got), want_ = (uint64_t)(want); \
	if (got_ != want_) \
		tt_test_soft_fail((env), __FILE__, __LINE__, "%s is %" PRIu64 ", expected %" PRIu64, \
				  #got, got_, want_); \
} while (0)

/* ---- The TCP core: start, clock, settle ----------------------------------------------- */

/*
 * Run tt_tcp_worker_init() and tt_app_attach() on the env's worker with env->cfg, as
 * tt_engine_create() does: env->cfg holds tt_config_defaults() (one listener, port 80) plus
 * what the test changed.
 * apps: NULL (listeners have no application: the test accepts and acts through the internal
 * handles, tt_test_tcp_conn) or the engine's table. The test keeps env->cfg alive and may
 * change tunables later (the TCP core reads most of them live). Fails the test on error.
 */
void tt_test_tcp_start(struct tt_test_env *env, const struct tt_app_def *const *apps);
/* Start with the test application (below) on every listener. */
void tt_test_tcp_start_app(struct tt_test_env *env);

/* Move the fake clock by ms and run one loop iteration (timers, applications, output). */
void tt_test_advance(struct tt_test_env *env, uint64_t ms);
static inline uint64_t
tt_test_now(const struct tt_test_env *env)
{
	return env->w->clock.ms;
}

/*
 * Move the clock 1 ms per loop iteration until pred(env, arg) holds, for at most max_ms;
 * returns the ms it took, or UINT64_MAX if it never held.
 */
typedef bool (*tt_test_pred)(struct tt_test_env *env, const void *arg);
uint64_t tt_test_step_until(struct tt_test_env *env, uint64_t max_ms, tt_test_pred pred,
			    const void *arg);
bool tt_test_pred_tx(struct tt_test_env *env, const void *arg);       /* a frame was sent */
bool tt_test_pred_no_req(struct tt_test_env *env, const void *arg);   /* SYN queue empty */
bool tt_test_pred_no_tw(struct tt_test_env *env, const void *arg);    /* no TIME_WAIT entry */
bool tt_test_pred_no_conn(struct tt_test_env *env, const void *arg);  /* no TCB in use */
bool tt_test_pred_event(struct tt_test_env *env, const void *arg);    /* an app event waits */

/*
 * Exact timing on the fake clock: move to ms - 1 in one step and assert pred does not hold
 * yet (hard), then 1 ms at a time (at most 64 ms more) until it holds (hard); if that is not
 * at exactly ms, a soft failure names both times. The clock ends where pred first held.
 */
void tt_test_expect_at(struct tt_test_env *env, uint64_t ms, tt_test_pred pred,
		       const void *arg, const char *what, const char *file, int line);
#define TT_TEST_TX_AT(env, ms) \
	tt_test_expect_at((env), (ms), tt_test_pred_tx, NULL, "a segment", __FILE__, __LINE__)
#define TT_TEST_AT(env, ms, pred, what) \
	tt_test_expect_at((env), (ms), (pred), NULL, (what), __FILE__, __LINE__)

/*
 * Let every timer run out: the clock moves in steps of 1 s, doubled after each step that
 * sent nothing, up to 1 min (frames sent are dropped, the peer never answers), until the
 * wheel is empty, no frame waits for ARP and no output or event is pending; at most 4 hours of fake time (15 RTO
 * backoffs take about 15 minutes). Events delivered meanwhile stay queued.
 */
void tt_test_tcp_settle(struct tt_test_env *env);

/*
 * What teardown does with the TCP core, for callers that outlive one test (the libFuzzer
 * targets): fail on test-application events left unconsumed, settle, then check that every
 * TCB, SYN queue entry and TIME_WAIT entry is back in its pool, the flow table, the wheel,
 * the listeners' queues and the per-state counts are empty and CurrEstab is 0; then
 * tt_tcp_worker_fini(). Returns 0, or -1 after printing each problem (print_error).
 */
int tt_test_tcp_stop(struct tt_test_env *env);

/*
 * The TCP core's books, at any moment: every flow counted once, in one state and one pool
 * (flows per state = flow table = pools; SYN_RECV = requests = SYN queues; TIME_WAIT entries
 * within max_tw_buckets; accept queues within their capacity; CurrEstab = ESTABLISHED +
 * CLOSE_WAIT). NULL when they balance, else a description written to buf.
 */
const char *tt_test_tcp_books_problem(struct tt_test_env *env, char *buf, size_t len);

/*
 * Counters that add up whatever the input: each datagram under exactly one IP drop reason or
 * delivered, each delivery to TCP, ICMP or the group-MAC drop, ICMP in and out, every frame
 * sent counted by the layer that built it (IpOutRequests = OutSegs + IcmpOutMsgs; frames out =
 * IP + ARP), subsets within their sets. NULL when they do, else a description in buf.
 */
const char *tt_test_counters_problem(const struct tt_test_env *env, char *buf, size_t len);

/* In use in the worker's pools. */
uint32_t tt_test_tcp_conns(const struct tt_test_env *env);
uint32_t tt_test_tcp_reqs(const struct tt_test_env *env);
uint32_t tt_test_tcp_tws(const struct tt_test_env *env);
/* Listener of local port (host order), or fail. */
struct tt_listener *tt_test_listener(struct tt_test_env *env, uint16_t port);

/* ---- The test application (STYLE habit 12: an expected-event queue) -------------------- */

enum tt_test_ev_type {
	TT_TEV_ACCEPTED,
	TT_TEV_DATA,
	TT_TEV_PEER_CLOSED,
	TT_TEV_CLOSED,
	TT_TEV_WRITABLE,
	TT_TEV_CONNECTED,
	TT_TEV_TIMEOUT,
};
#define TT_TEV__COUNT (TT_TEV_TIMEOUT + 1)

#define TT_TEST_EV_DATA 4096     /* payload bytes an event keeps; len counts all */
#define TT_TEST_EV_MAX  256
#define TT_TEST_APP_LIVE_MAX 1024

struct tt_test_ev {
	enum tt_test_ev_type type;
	tt_conn_t conn;
	uint16_t port;                /* ACCEPTED: local port */
	enum tt_close_reason why;     /* CLOSED */
	uint32_t len;                 /* DATA: payload bytes (mbuf chain) */
	uint32_t hash;                /* DATA: FNV-1a of all of them (tt_test_fnv) */
	uint8_t data[TT_TEST_EV_DATA];
};

/* What the test application does on its own. */
enum tt_test_react {
	TT_TREACT_NONE,
	TT_TREACT_CLOSE,
	TT_TREACT_SHUTDOWN,
	TT_TREACT_ABORT,
};

/*
 * Callbacks record each event (in order) in a queue the test pops with TT_TEST_EV; the
 * payload mbuf is freed (or echoed). Reactions run inside the callback, in the same loop
 * iteration as the event, as a real application's would.
 */
struct tt_test_app {
	bool auto_accept;             /* poll(): accept everything pending (default true) */
	bool echo;                    /* data: send the mbuf back */
	bool record;                  /* keep events for the test (default true; fuzz: false) */
	bool writable_events;         /* queue 'writable' too (default false: only counted) */
	enum tt_test_react on_peer_closed;
	enum tt_test_react on_data;
	/* Called after each event is recorded, for scripted reactions; NULL by default. */
	void (*hook)(struct tt_test_env *env, struct tt_app_ctx *ctx, const struct tt_test_ev *ev);
	/* The queue */
	struct tt_test_ev ev[TT_TEST_EV_MAX];
	unsigned int head, n;
	unsigned int lost;            /* events that found the queue full: teardown fails */
	unsigned int anomalies;       /* events for handles never accepted: teardown fails */
	uint64_t count[TT_TEV__COUNT];
	/* Handles accepted and not yet closed */
	tt_conn_t live[TT_TEST_APP_LIVE_MAX];
	unsigned int n_live;
};

uint32_t tt_test_fnv(const void *data, size_t len, uint32_t h);
#define TT_TEST_FNV_INIT 2166136261u

/* Pop the oldest event; fail unless it has this type (and this handle, when conn != 0). */
const struct tt_test_ev *tt_test_ev_expect(struct tt_test_env *env, enum tt_test_ev_type type,
					   tt_conn_t conn, const char *file, int line);
#define TT_TEST_EV(env, type, conn) tt_test_ev_expect((env), (type), (conn), __FILE__, __LINE__)
/* Fail if an event waits. */
void tt_test_ev_none(struct tt_test_env *env, const char *file, int line);
#define TT_TEST_EV_NONE(env) tt_test_ev_none((env), __FILE__, __LINE__)
unsigned int tt_test_ev_count(const struct tt_test_env *env);

/* Commands, as the application would give them, outside the loop; output goes at the next
 * loop iteration (tt_test_poll / tt_test_advance). Return what the tt_app_* call returns. */
unsigned int tt_test_app_accept(struct tt_test_env *env, uint16_t port, unsigned int n);
/* Send len bytes (data, or the tt_tb_pattern bytes when NULL) as an mbuf chain. */
int tt_test_app_send(struct tt_test_env *env, tt_conn_t c, const void *data, uint32_t len);
/* The same with the test's own mbuf (chain), for shapes tt_test_app_send does not make. */
int tt_test_app_send_mbuf(struct tt_test_env *env, tt_conn_t c, struct rte_mbuf *m);
uint32_t tt_test_app_send_space(struct tt_test_env *env, tt_conn_t c);
int tt_test_app_shutdown(struct tt_test_env *env, tt_conn_t c);
/*
 * tt_app_connect from the application of listener port (host order) to ip (network order):
 * the handle becomes the application's (its events are checked like an accepted one's).
 */
int tt_test_app_connect(struct tt_test_env *env, uint16_t port, uint32_t ip, uint16_t dport,
			tt_conn_t *out);
int tt_test_app_close(struct tt_test_env *env, tt_conn_t c);
int tt_test_app_abort(struct tt_test_env *env, tt_conn_t c);
/* Close (or abort) every handle the application holds, then one loop iteration. */
void tt_test_app_close_all(struct tt_test_env *env, bool abort);

/* ---- A client: build its segments, decode tcpterm's --------------------------------------- */

/*
 * One client flow, from the peer's side. tt_test_peer_init sets a Linux-like SYN (MSS 1460,
 * SACK-permitted, timestamps, window scale 7, window 65535); change the option fields before
 * the SYN. The state fields follow what the peer sent and what it saw (tt_test_peer_recv).
 */
struct tt_test_peer {
	uint32_t ip;                  /* network order */
	uint16_t sport, dport;        /* host order */
	/* SYN options */
	uint16_t mss;                 /* 0: no MSS option */
	int wscale;                   /* -1: no window scale option */
	bool sack_ok;
	bool ts;                      /* offer timestamps */
	/* state */
	uint32_t isn;
	uint32_t snd_nxt;             /* the peer's next sequence number */
	uint32_t rcv_nxt;             /* what it acknowledges */
	uint32_t irs;                 /* tcpterm's ISN, from the SYN-ACK */
	uint16_t win;                 /* window field it sends */
	uint32_t tsval;               /* its timestamp clock */
	uint32_t ts_recent;           /* tcpterm's last TSval */
	bool ts_ok;                   /* tcpterm's SYN-ACK had timestamps: send them on */
	int snd_wscale;               /* tcpterm's shift from the SYN-ACK, -1 none */
};

/* What tcpterm sent, decoded (host order). */
struct tt_test_seg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	uint16_t sport, dport;
	uint8_t optlen;
	uint8_t opt[40];              /* raw options as sent */
	struct tt_tcp_opts opts;      /* parsed */
	uint16_t len;                 /* payload bytes */
	uint8_t data[RTE_ETHER_MTU];
};

void tt_test_peer_init(struct tt_test_peer *p, uint16_t sport, uint32_t isn);
/* A segment of p's flow with these fields; options: SYN ones on a SYN, TS when in use. */
struct rte_mbuf *tt_test_peer_build(struct tt_test_env *env, const struct tt_test_peer *p,
				    uint8_t flags, uint32_t seq, uint32_t ack, const void *data,
				    uint16_t len);
/* Build, queue for RX, run one loop iteration. The peer's state does not change. */
void tt_test_peer_xmit(struct tt_test_env *env, struct tt_test_peer *p, uint8_t flags,
		       uint32_t seq, uint32_t ack, const void *data, uint16_t len);
/* As the peer would: seq = snd_nxt, ack = rcv_nxt (with ACK), snd_nxt moves on. data NULL:
 * the tt_tb_pattern bytes. */
void tt_test_peer_send(struct tt_test_env *env, struct tt_test_peer *p, uint8_t flags,
		       const void *data, uint16_t len);
/* The SYN: seq = isn. */
void tt_test_peer_syn(struct tt_test_env *env, struct tt_test_peer *p);
/*
 * Pop the oldest frame tcpterm sent (fail if none), check it is a well-formed segment of p's
 * flow (MACs, addresses, ports, IPv4 and TCP checksums, option layout) and decode it into s.
 * The peer learns from it: tcpterm's ISN from a SYN-ACK, rcv_nxt from in-order data and FIN,
 * its TSval.
 */
void tt_test_peer_recv(struct tt_test_env *env, struct tt_test_peer *p, struct tt_test_seg *s);
/* Decode a frame tcpterm sent (the caller keeps m); fails the test unless it is a
 * well-formed TCP segment. */
void tt_test_seg_decode(struct rte_mbuf *m, struct tt_test_seg *s);
/* What a client learns from s, a segment tcpterm sent it: tcpterm's ISN and options from a
 * SYN-ACK, rcv_nxt from in-order data and FIN, the TSval to echo. tt_test_peer_recv calls it. */
void tt_test_peer_learn(struct tt_test_peer *p, const struct tt_test_seg *s);
/* Fail unless s has exactly these flags, seq and ack (RTE_TCP_*_FLAG). */
void tt_test_seg_is(const struct tt_test_seg *s, uint8_t flags, uint32_t seq, uint32_t ack,
		    const char *file, int line);
#define TT_TEST_SEG_IS(s, flags, seq, ack) \
	tt_test_seg_is((s), (flags), (seq), (ack), __FILE__, __LINE__)
/* "[S.] seq 1 ack 2 win 3 len 4" */
const char *tt_test_seg_str(const struct tt_test_seg *s, char *buf, size_t len);

/*
 * SYN, SYN-ACK (checked against the peer's state), ACK: the handshake. With the test
 * application (auto_accept) the ACCEPTED event is popped and its handle returned; without
 * an application, 0.
 */
tt_conn_t tt_test_connect(struct tt_test_env *env, struct tt_test_peer *p);
/* The application aborts h: the next frame p receives is a RST, the app hears 'closed'. */
void tt_test_abort_conn(struct tt_test_env *env, struct tt_test_peer *p, tt_conn_t h);

/* tcpterm's state for p's flow: a TCB (or NULL), a request, a TIME_WAIT entry. */
struct tt_conn *tt_test_tcp_conn(struct tt_test_env *env, const struct tt_test_peer *p);
struct tt_req *tt_test_tcp_req(struct tt_test_env *env, const struct tt_test_peer *p);
struct tt_tw *tt_test_tcp_tw(struct tt_test_env *env, const struct tt_test_peer *p);

/* ---- Fuzz loops (test_fuzz_input.c, test_fuzz_tcp.c) ---------------------------------- */

/* xorshift64*: small, fast, and the same sequence on every machine for a given seed. */
static inline uint64_t
tt_test_rnd(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dULL;
}

static inline uint32_t
tt_test_rnd_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)((tt_test_rnd(state) >> 32) % n);
}

/* A number from the environment (TT_FUZZ_SEED, TT_FUZZ_ITERS), or def when unset. */
uint64_t tt_test_env_u64(const char *name, uint64_t def);

/* The last frame a fuzz loop fed, kept so a failure can print what caused it. */
struct tt_test_last_input {
	uint8_t bytes[2048];
	uint16_t len;
};

void tt_test_last_keep(struct tt_test_last_input *last, const struct rte_mbuf *m);
/* Print seed, iteration and the kept frame as hex, through cmocka's print_error. */
void tt_test_last_dump(const struct tt_test_last_input *last, uint64_t seed, unsigned long iter);

#endif /* TT_TEST_H */
