/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over SEQUENCES of segments (SPEC R5, D8): the input is a small program
 * that plays up to four clients against a worker with the TCP core, one listener (port 80)
 * and the harness's test application, on the fake clock, through the worker's loop exactly
 * as the deterministic loop of tests/unit/test_fuzz_tcp.c does (tt_test_rx + tt_test_poll
 * on the ring-backed port of tests/unit/tt_test.c).
 *
 * Where test_fuzz_tcp.c draws its choices from a PRNG, here they come from the input, so
 * libFuzzer's coverage feedback steers them. Most records cost one or two bytes and build a
 * valid Ethernet/IPv4/TCP segment of a client whose sequence numbers follow what tcpterm sent
 * it, so a handshake is two bytes and data a third: coverage gets past header validation
 * into every state, the queues and the timers. Raw records let the fuzzer write TCP headers
 * (and whole frames) byte by byte as well.
 *
 * Input layout (docs/FUZZING.md has it with examples; tests/fuzz/make_corpus.py writes seeds):
 *   4 header bytes, the configuration of this run:
 *     h0  bits 0-1 syncookies (3 = 1), bit 2 abort_on_overflow, bits 3-4 timestamps (3 = 1),
 *         bit 5 window_scaling, bit 6 sack, bit 7 a second listener (port 8080)
 *     h1  bit 0 auto-accept, bit 1 echo, bits 2-3 reaction to data, bits 4-5 reaction to the
 *         peer's FIN (none, close, shutdown, abort), bit 6 rmem 200000 (else 8192), bit 7
 *         wind down by abort (else by close)
 *     h2  bits 0-2 backlog - 1, bits 3-5 max_syn_backlog - 1, bits 6-7 max_tw_buckets
 *         (0, 1, 4, 64)
 *     h3  bits 0-1 synack_retries, bits 2-3 fin_timeout - 1, bits 4-5 time_wait - 1 (s),
 *         bits 6-7 wmem (1024, 4096, 16384, 65536)
 *   then records, each an opcode byte and its operands:
 *     0x00-0x7f  segment of client op & 3; op & 4: queue it (a burst) instead of polling;
 *                (op >> 3) & 7 the kind: SYN, ACK, ACK+data, FIN+ACK, RST, RST+ACK, SYN+ACK,
 *                or flags from the next byte; ACK+data and raw flags take a length byte;
 *                op & 0x40: a modifier byte follows (see seg_record)
 *     0x80-0x9f  time passes (op & 0x1f: 0-150 ms in 10 ms steps, then 200 ms to 2 min,
 *                then a byte of seconds), then one loop iteration
 *     0xa0-0xb7  the application acts on one of its handles (op & 7: accept, close,
 *                shutdown, abort, send, toggle auto-accept, toggle echo, accept all)
 *     0xb8-0xbf  the application connects (A1) to client op & 3's address and port, from
 *                port 80 (ip_local_port_range 80-80: the 4-tuple of that client's passive
 *                connection, so its segments meet SYN_SENT, simultaneous open, H10);
 *                op & 4: the client's MAC known first, else ARP resolves it (or fails)
 *     0xc0-0xdf  raw bytes: a length byte and that many bytes, as a whole frame (op & 1) or
 *                as a TCP header and payload of client (op >> 2) & 3 behind a valid IPv4
 *                header (checksums fixed unless op & 2; the client's ports unless op & 0x10)
 *     0xe0-0xef  a client's SYN options (op & 3) from the next byte
 *     0xf0-0xff  one loop iteration; 0xf1-0xf4 also make a client deaf (or hear again):
 *                it stops learning from what tcpterm sends, as if every segment were lost
 *
 * After every loop iteration: each frame tcpterm sent is well formed (tt_test_frame_problem)
 * and the TCP core's books balance (tt_test_tcp_books_problem). After the input: the
 * application closes (or aborts) what it holds, every timer runs out, and the run aborts
 * unless the counters balance, every TCB, SYN queue entry and TIME_WAIT entry is back in its
 * pool and every mbuf is back in the mempool (tt_test_tcp_stop, tt_test_pool_balance).
 * Harness assertions abort too (CMOCKA_TEST_ABORT), so libFuzzer reports every violation.
 *
 * Each input starts from a fresh TCP core on a fake clock at 0 with fixed secrets, so a
 * crashing input replays exactly. Build and run: scripts/fuzz.sh (docs/FUZZING.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_ethdev.h>

#include "tt_test.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SYN RTE_TCP_SYN_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define PSH RTE_TCP_PSH_FLAG

#define N_CLIENTS 4
#define BASE_PORT 40000            /* client c uses BASE_PORT + c + N_CLIENTS * k */
#define PORTS_PER_CLIENT 1000
#define POOL_SIZE 4096
#define POOL_LOW 256               /* mbufs kept free for tcpterm's own output */
#define BURST_MAX 64               /* queued frames before a loop iteration is forced */
#define HDR_LEN 4

static struct tt_test_env *env;

/* One input's run. */
struct run {
	const uint8_t *p, *end;        /* what is left of the input */
	struct tt_test_peer peer[N_CLIENTS];
	uint16_t conn_no[N_CLIENTS];   /* connections opened, for the next port */
	uint64_t connects;             /* tt_app_connect calls that took (each ends 'closed') */
	bool deaf[N_CLIENTS];
	unsigned int queued;           /* frames waiting on the RX ring */
	uint64_t fed;                  /* frames given to the worker */
	bool abort_at_end;
	uint32_t states_seen;          /* bit per enum tt_tcp_state, for TT_FUZZ_VERBOSE */
};

/* ---- Input ---------------------------------------------------------------------------- */

static bool
more(const struct run *r)
{
	return r->p < r->end;
}

/* The next input byte; 0 once the input is used up, so a cut record stays well defined. */
static uint8_t
next_u8(struct run *r)
{
	return r->p < r->end ? *r->p++ : 0;
}

static uint32_t
next_u32(struct run *r)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 8 | next_u8(r);
	return v;
}

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_tcp: %s\n", what);
	abort();
}

/* ---- Checks after each loop iteration ---------------------------------------------------- */

static void
check_tx(struct run *r)
{
	struct rte_mbuf *m;

	while ((m = tt_test_tx_pop(env)) != NULL) {
		const char *problem = tt_test_frame_problem(env, m);
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);

		if (problem != NULL) {
			fprintf(stderr, "fuzz_tcp: tcpterm sent a bad frame: %s\n", problem);
			abort();
		}
		/* The client it is for learns from it: tcpterm's ISN, rcv_nxt, TSval. */
		if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
		    ip->next_proto_id == IPPROTO_TCP) {
			const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);
			uint16_t port = rte_be_to_cpu_16(th->dst_port);
			unsigned int c = (port - BASE_PORT) % N_CLIENTS;

			if (port >= BASE_PORT && port < BASE_PORT + N_CLIENTS * PORTS_PER_CLIENT &&
			    r->peer[c].sport == port && !r->deaf[c]) {
				struct tt_test_seg s;

				tt_test_seg_decode(m, &s);
				tt_test_peer_learn(&r->peer[c], &s);
			}
		}
		rte_pktmbuf_free(m);
	}
}

static void
poll_once(struct run *r)
{
	char why[512];

	/* A burst longer than the worker's takes more than one iteration. */
	do
		tt_test_poll(env);
	while (rte_ring_count(env->rx) != 0);
	r->queued = 0;
	check_tx(r);
	for (unsigned int st = 0; st < TT_TCPS__COUNT; st++)
		if (env->w->tcp->n_state[st] != 0)
			r->states_seen |= 1u << st;
	if (tt_test_tcp_books_problem(env, why, sizeof(why)) != NULL)
		die(why);
}

static void
feed(struct run *r, struct rte_mbuf *m, bool burst)
{
	tt_test_rx(env, m);
	r->fed++;
	r->queued++;
	if (!burst || r->queued >= BURST_MAX)
		poll_once(r);
}

/* Frames the worker may still need for its own output: leave them (as test_fuzz_tcp.c). */
static bool
pool_low(void)
{
	return rte_mempool_avail_count(env->pool) < POOL_LOW;
}

/* ---- Segment records ------------------------------------------------------------------------ */

static const uint8_t kind_flags[8] = { SYN, ACK, ACK | PSH, FIN | ACK, RST, RST | ACK, SYN | ACK, 0 };

/* Lengths for a length byte: 1-200 byte by byte, then in 26-byte steps up to 1456. */
static uint16_t
seg_len(uint8_t b)
{
	return b < 200 ? (uint16_t)(b + 1) : (uint16_t)((b - 199) * 26);
}

static uint32_t
seq_delta(struct run *r, uint32_t base, unsigned int mode)
{
	switch (mode) {
	case 0:
		return base;
	case 1:
		return base + (uint32_t)(int32_t)(int8_t)next_u8(r);
	case 2:
		/* Far: a window, 2^30 or 2^31 away, either side (RFC 5961, D1 wrap). */
		switch (next_u8(r) & 7) {
		case 0: return base + 65535;
		case 1: return base - 65535;
		case 2: return base + (1u << 30);
		case 3: return base + (1u << 31);
		case 4: return base - 1;
		case 5: return base + 1;
		case 6: return base + 1000000;
		default: return base - 1000000;
		}
	default:
		return next_u32(r);
	}
}

/* SACK blocks over tcpterm's sequence space, from the modifier's operand. */
static uint8_t
sack_opts(struct run *r, const struct tt_test_peer *p, uint8_t *o)
{
	unsigned int n = 1 + (next_u8(r) & 3);
	uint8_t len = 0;

	if (p->ts_ok) {
		o[len++] = 1;
		o[len++] = 1;
		o[len++] = 8;
		o[len++] = 10;
		for (int i = 0; i < 4; i++)
			o[len++] = (uint8_t)(p->tsval >> (24 - 8 * i));
		for (int i = 0; i < 4; i++)
			o[len++] = (uint8_t)(p->ts_recent >> (24 - 8 * i));
		n = RTE_MIN(n, 3u);
	}
	o[len++] = 1;
	o[len++] = 1;
	o[len++] = 5;
	o[len++] = (uint8_t)(2 + 8 * n);
	for (unsigned int i = 0; i < n; i++) {
		uint32_t left = p->rcv_nxt + 1448u * (next_u8(r) & 15);
		uint32_t right = left + 1448u * (1 + (next_u8(r) & 3));

		for (int k = 0; k < 4; k++)
			o[len++] = (uint8_t)(left >> (24 - 8 * k));
		for (int k = 0; k < 4; k++)
			o[len++] = (uint8_t)(right >> (24 - 8 * k));
	}
	return len;
}

/*
 * A segment of client op & 3. Without a modifier: seq = what the client sends next (its ISN
 * on a SYN), ack = what it received, its usual options, window 65535. The modifier byte:
 *   bits 0-1 seq: as is, + a signed byte, far (a window, 2^30, 2^31 ...), 32 bits given
 *   bits 2-3 ack: the same choices
 *   bits 4-5 options: usual, none, raw (a length byte and the bytes), SACK blocks
 *   bit 6    window from the next byte (0, 1, 2, ... as 2^(b & 15) - 1), else 65535
 *   bit 7    a new connection: the client's next port and a new ISN
 */
static void
seg_record(struct run *r, uint8_t op)
{
	unsigned int c = op & 3, kind = (op >> 3) & 7;
	struct tt_test_peer *p = &r->peer[c];
	uint8_t mod = (op & 0x40) ? next_u8(r) : 0;
	uint8_t flags = kind == 7 ? next_u8(r) : kind_flags[kind];
	uint16_t len = 0;
	uint32_t seq, ack;
	struct rte_mbuf *m;

	if (kind == 2 || kind == 7)
		len = seg_len(next_u8(r));
	if (mod & 0x80) {
		r->conn_no[c] = (uint16_t)((r->conn_no[c] + 1) % PORTS_PER_CLIENT);
		p->sport = (uint16_t)(BASE_PORT + c + N_CLIENTS * r->conn_no[c]);
		p->isn = p->snd_nxt + 100000;
		p->snd_nxt = p->isn;
		p->rcv_nxt = 0;
		p->ts_ok = false;
	}
	seq = seq_delta(r, (flags & SYN) && !(flags & ACK) ? p->isn : p->snd_nxt, mod & 3);
	ack = seq_delta(r, p->rcv_nxt, (mod >> 2) & 3);
	if (flags & SYN)
		p->isn = seq;
	if (pool_low()) {
		r->p = r->end;   /* the rest of the input could not run as written */
		return;
	}
	if ((mod & 0x70) == 0) {
		m = tt_test_peer_build(env, p, flags, seq, (flags & ACK) ? ack : 0, NULL, len);
	} else {
		struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
		uint8_t opt[48];
		uint8_t optlen = 0;

		b.ip_src = p->ip;
		b.tcp_sport = p->sport;
		b.tcp_dport = p->dport;
		b.tcp_seq = seq;
		b.tcp_ack = (flags & ACK) ? ack : 0;
		b.tcp_flags = flags;
		b.tcp_win = 65535;
		if (mod & 0x40) {
			uint8_t w = next_u8(r);

			b.tcp_win = (uint16_t)((1u << (w & 15)) - 1);
			if (w & 0x10)
				b.tcp_win = (uint16_t)(w >> 5);
		}
		switch ((mod >> 4) & 3) {
		case 0:
			/* The usual options, built by the harness for this flags byte. */
			m = tt_test_peer_build(env, p, flags, seq, b.tcp_ack, NULL, len);
			if (mod & 0x40) {
				struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *,
					sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));

				th->rx_win = rte_cpu_to_be_16(b.tcp_win);
				tt_tb_fix_csums(m);
			}
			goto built;
		case 1:
			break;
		case 2:
			optlen = RTE_MIN(next_u8(r), (uint8_t)40);
			for (uint8_t i = 0; i < optlen; i++)
				opt[i] = next_u8(r);
			break;
		default:
			optlen = sack_opts(r, p, opt);
			break;
		}
		b.tcp_opts = opt;
		b.tcp_opts_len = (uint8_t)(optlen & ~3u);   /* the data offset counts words */
		b.payload_len = len;
		m = tt_tb_build(env, &b);
	}
built:
	p->snd_nxt = seq + len + !!(flags & SYN) + !!(flags & FIN);
	p->tsval += 1 + (op & 7);
	feed(r, m, op & 4);
}

/* ---- Other records ------------------------------------------------------------------------ */

static const uint32_t time_steps[16] = {
	200, 300, 500, 1000, 1500, 2000, 3000, 5000, 7000, 10000, 20000, 30000, 60000, 120000,
	200, 40,
};

static void
time_record(struct run *r, uint8_t op)
{
	unsigned int v = op & 0x1f;
	uint64_t ms;

	if (r->queued != 0)
		poll_once(r);
	if (v < 16)
		ms = v * 10u;
	else if (v < 31)
		ms = time_steps[v - 16];
	else
		ms = 1000u * next_u8(r);
	tt_clock_advance(&env->w->clock, ms);
	poll_once(r);
}

/* A live handle of the application, chosen by the next byte; 0 when it holds none. */
static tt_conn_t
pick_handle(struct run *r)
{
	struct tt_test_app *a = env->app;
	uint8_t b = next_u8(r);

	return a->n_live != 0 ? a->live[b % a->n_live] : 0;
}

static void
app_record(struct run *r, uint8_t op)
{
	struct tt_test_app *a = env->app;
	tt_conn_t c;

	if (r->queued != 0)
		poll_once(r);
	if (((op >> 3) & 3) == 3) {
		struct tt_test_peer *p = &r->peer[op & 3];

		if (op & 4)
			tt_neigh_update(env->w->neigh, p->ip, &tt_test_mac_peer, env->w->clock.ms);
		if (tt_test_app_connect(env, 80, p->ip, p->sport, &c) == 0)
			r->connects++;
		poll_once(r);
		return;
	}
	switch (op & 7) {
	case 0:
		tt_test_app_accept(env, 80, 1);
		break;
	case 1:
		if ((c = pick_handle(r)) != 0)
			tt_test_app_close(env, c);
		break;
	case 2:
		if ((c = pick_handle(r)) != 0)
			tt_test_app_shutdown(env, c);
		break;
	case 3:
		if ((c = pick_handle(r)) != 0)
			tt_test_app_abort(env, c);
		break;
	case 4: {
		uint32_t len = 1 + 64u * next_u8(r);

		c = pick_handle(r);
		/* An mbuf per 2 KB or so: keep the pool's reserve. */
		if (c != 0 && rte_mempool_avail_count(env->pool) > POOL_LOW + len / 1024 + 2)
			tt_test_app_send(env, c, NULL, len);
		break;
	}
	case 5:
		a->auto_accept = !a->auto_accept;
		break;
	case 6:
		a->echo = !a->echo;
		break;
	default:
		tt_test_app_accept(env, 80, 64);
		break;
	}
	poll_once(r);
}

static void
raw_record(struct run *r, uint8_t op)
{
	unsigned int c = (op >> 2) & 3;
	uint8_t len = next_u8(r);
	struct rte_mbuf *m;
	uint8_t bytes[256];

	for (unsigned int i = 0; i < len; i++)
		bytes[i] = next_u8(r);
	if (pool_low()) {
		r->p = r->end;
		return;
	}
	if (op & 1) {
		/* A whole frame, as fuzz_input.c feeds them. */
		m = rte_pktmbuf_alloc(env->pool);
		if (m == NULL)
			die("mempool empty");
		memcpy(rte_pktmbuf_append(m, len), bytes, len);
	} else {
		/* A TCP header and payload written byte by byte, behind a valid IPv4 header. */
		struct tt_tb b = tt_tb_defaults(TT_TB_IPV4);

		b.ip_proto = IPPROTO_TCP;
		b.ip_src = r->peer[c].ip;
		if (!(op & 0x10) && len >= 4) {
			bytes[0] = (uint8_t)(r->peer[c].sport >> 8);
			bytes[1] = (uint8_t)r->peer[c].sport;
			bytes[2] = (uint8_t)(r->peer[c].dport >> 8);
			bytes[3] = (uint8_t)r->peer[c].dport;
		}
		b.payload = bytes;
		b.payload_len = len;
		m = tt_tb_build(env, &b);
		if (!(op & 2))
			tt_tb_fix_csums(m);
	}
	feed(r, m, false);
}

/* SYN options of client op & 3: bit 0 MSS, bit 1 window scale, bit 2 SACK-permitted, bit 3
 * timestamps; bits 4-7 pick the MSS and the shift. */
static void
opts_record(struct run *r, uint8_t op)
{
	static const uint16_t msses[16] = { 1460, 536, 1440, 1, 48, 9000, 65535, 1300, 0, 88,
					    1448, 512, 100, 1200, 1500, 2 };
	static const int8_t shifts[16] = { 7, 0, 14, 15, 2, 9, 1, 8, 3, 10, 11, 12, 13, 4, 5, 6 };
	struct tt_test_peer *p = &r->peer[op & 3];
	uint8_t b = next_u8(r);

	p->mss = (b & 1) ? msses[b >> 4] : 0;
	p->wscale = (b & 2) ? shifts[b >> 4] : -1;
	p->sack_ok = b & 4;
	p->ts = b & 8;
}

/* ---- One input ------------------------------------------------------------------------------ */

static void
configure(struct tt_config *cfg, const uint8_t *h)
{
	/* 64, not Linux's large default: more than a short input closes, and the flow table
	 * is sized by it, which tt_flow_table_audit walks after every loop iteration (with
	 * 1024 the walk took a sixth of fuzz_tcp's time). */
	static const uint32_t tw_buckets[4] = { 0, 1, 4, 64 };
	static const uint32_t wmem[4] = { 1024, 4096, 16384, 65536 };

	tt_config_defaults(cfg);
	cfg->max_conns = 64;
	cfg->syncookies = (h[0] & 3) == 3 ? 1 : h[0] & 3;
	cfg->abort_on_overflow = (h[0] >> 2) & 1;
	cfg->timestamps = ((h[0] >> 3) & 3) == 3 ? 1 : (h[0] >> 3) & 3;
	cfg->window_scaling = (h[0] >> 5) & 1;
	cfg->sack = (h[0] >> 6) & 1;
	if (h[0] & 0x80) {
		cfg->listeners[1] = cfg->listeners[0];
		cfg->listeners[1].port = 8080;
		cfg->n_listeners = 2;
	}
	cfg->rmem = (h[1] & 0x40) ? 200000 : 8192;
	cfg->listeners[0].backlog = 1 + (h[2] & 7);
	cfg->max_syn_backlog = 1 + ((h[2] >> 3) & 7);
	cfg->max_tw_buckets = tw_buckets[h[2] >> 6];
	cfg->synack_retries = h[3] & 3;
	cfg->fin_timeout = 1 + ((h[3] >> 2) & 3);
	cfg->listeners[0].time_wait = 1 + ((h[3] >> 4) & 3);
	cfg->wmem = wmem[h[3] >> 6];
	cfg->local_port_lo = cfg->local_port_hi = 80;
	cfg->syn_retries = 1 + (h[3] & 1);
	if (cfg->n_listeners == 2)
		cfg->listeners[1].time_wait = cfg->listeners[0].time_wait;
}

static void
app_reset(struct tt_test_app *a, uint8_t h1)
{
	static const enum tt_test_react react[4] = {
		TT_TREACT_NONE, TT_TREACT_CLOSE, TT_TREACT_SHUTDOWN, TT_TREACT_ABORT,
	};

	a->auto_accept = h1 & 1;
	a->echo = (h1 >> 1) & 1;
	a->record = false;   /* counts only: nothing for a test to pop */
	a->on_data = react[(h1 >> 2) & 3];
	a->on_peer_closed = react[(h1 >> 4) & 3];
	a->hook = NULL;
	a->head = a->n = a->lost = a->anomalies = 0;
	memset(a->count, 0, sizeof(a->count));
	a->n_live = 0;
}

static void
start(struct run *r, const uint8_t *h)
{
	struct tt_worker *w = env->w;
	struct tt_tcp *t;

	memset(&w->stats, 0, sizeof(w->stats));
	tt_clock_set_fake(&w->clock, 0);
	/* Neighbours an earlier input taught (connects use them): each input starts afresh. */
	tt_neigh_flush(w->neigh);
	rte_eth_stats_reset(env->port_id);
	configure(&env->cfg, h);
	if (env->app != NULL)
		app_reset(env->app, h[1]);
	tt_test_tcp_start_app(env);
	app_reset(env->app, h[1]);
	t = w->tcp;
	/* Fixed secrets (ISNs also follow the fake clock): an input replays exactly. */
	t->isn_key = (struct tt_siphash_key){ .k0 = 0x0123456789abcdefULL, .k1 = 42 };
	t->cookie_key = (struct tt_siphash_key){ .k0 = 0xfedcba9876543210ULL, .k1 = 7 };
	for (unsigned int c = 0; c < N_CLIENTS; c++) {
		tt_test_peer_init(&r->peer[c], (uint16_t)(BASE_PORT + c), 1000000u * (c + 1));
		r->peer[c].ip = TT_TEST_IP_PEER;
	}
	r->abort_at_end = h[1] & 0x80;
	r->connects = 0;
}

/* Counters that must add up whatever the input (the identities test_fuzz_input.c checks). */
static void
check_counters(struct run *r)
{
	struct rte_eth_stats es;
	char why[512];

	if (tt_test_counters_problem(env, why, sizeof(why)) != NULL)
		die(why);
	if (TT_TEST_STAT(env, EthInFrames) != r->fed) {
		fprintf(stderr, "fuzz_tcp: EthInFrames %" PRIu64 ", frames fed %" PRIu64 "\n",
			TT_TEST_STAT(env, EthInFrames), r->fed);
		abort();
	}
	if (rte_eth_stats_get(env->port_id, &es) != 0 ||
	    es.opackets != TT_TEST_STAT(env, EthOutFrames)) {
		fprintf(stderr, "fuzz_tcp: EthOutFrames %" PRIu64 ", the port sent %" PRIu64 "\n",
			TT_TEST_STAT(env, EthOutFrames), es.opackets);
		abort();
	}
	if (env->app->count[TT_TEV_ACCEPTED] + r->connects != env->app->count[TT_TEV_CLOSED] ||
	    env->app->anomalies != 0) {
		fprintf(stderr, "fuzz_tcp: application: %" PRIu64 " accepted, %" PRIu64
			" connected, %" PRIu64 " closed, %u anomalies\n",
			env->app->count[TT_TEV_ACCEPTED], r->connects,
			env->app->count[TT_TEV_CLOSED], env->app->anomalies);
		abort();
	}
}

/* TT_FUZZ_VERBOSE=1: what an input did, to check that seeds reach what they are meant to. */
static bool verbose;

#define S(name) TT_TEST_STAT(env, name)

static void
report(const struct run *r)
{
	const struct tt_test_app *a = env->app;

	fprintf(stderr, "fuzz_tcp: %" PRIu64 " frames in, %" PRIu64 " out at %" PRIu64
		" ms; PassiveOpens %" PRIu64 " CurrEstab %" PRIu64 " EstabResets %" PRIu64
		" AttemptFails %" PRIu64 " RetransSegs %" PRIu64 " SynRetrans %" PRIu64
		" ChallengeACK %" PRIu64 " cookies %" PRIu64 "/%" PRIu64 "/%" PRIu64
		" ListenOverflows %" PRIu64 " TWOverflow %" PRIu64 " AbortOnData %" PRIu64
		" AbortOnClose %" PRIu64 " InErrs %" PRIu64 " OutRsts %" PRIu64
		" MbufTcpOutFails %" PRIu64 " EthOutDrops %" PRIu64
		"; app: accepted %" PRIu64 " data %" PRIu64 " peer_closed %" PRIu64 " closed %"
		PRIu64 "\n", r->fed, S(EthOutFrames), tt_test_now(env), S(PassiveOpens),
		S(CurrEstab), S(EstabResets), S(AttemptFails), S(RetransSegs), S(TCPSynRetrans),
		S(TCPChallengeACK), S(SyncookiesSent), S(SyncookiesRecv), S(SyncookiesFailed),
		S(ListenOverflows), S(TCPTimeWaitOverflow), S(TCPAbortOnData), S(TCPAbortOnClose),
		S(InErrs), S(OutRsts), S(MbufTcpOutFails), S(EthOutDrops), a->count[TT_TEV_ACCEPTED], a->count[TT_TEV_DATA],
		a->count[TT_TEV_PEER_CLOSED], a->count[TT_TEV_CLOSED]);
	fprintf(stderr, "fuzz_tcp: states reached:");
	for (unsigned int st = 1; st < TT_TCPS__COUNT; st++)
		if (r->states_seen & (1u << st))
			fprintf(stderr, " %s", tt_tcp_state_name[st]);
	fprintf(stderr, "\n");
}

#undef S

/* The end: everything the application holds goes, every timer runs out, nothing is left. */
static void
finish(struct run *r)
{
	struct tt_test_app *a = env->app;
	char why[512];
	long balance;

	if (r->queued != 0)
		poll_once(r);
	a->echo = false;
	a->on_data = TT_TREACT_NONE;
	a->on_peer_closed = r->abort_at_end ? TT_TREACT_ABORT : TT_TREACT_CLOSE;
	a->auto_accept = true;
	poll_once(r);
	tt_test_app_close_all(env, r->abort_at_end);
	tt_test_tcp_settle(env);
	if (tt_test_tcp_books_problem(env, why, sizeof(why)) != NULL)
		die(why);
	check_counters(r);
	if (verbose)
		report(r);
	if (tt_test_tcp_stop(env) != 0)
		die("TCP state left after every timer ran out (above)");
	balance = tt_test_pool_balance(env);
	if (balance != 0) {
		fprintf(stderr, "fuzz_tcp: mempool off by %ld mbuf(s) after the input\n", balance);
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	void *state = NULL;

	(void)argc;
	(void)argv;
	/* A failed harness assertion outside a cmocka test aborts: libFuzzer reports it. */
	setenv("CMOCKA_TEST_ABORT", "1", 1);
	verbose = tt_test_env_u64("TT_FUZZ_VERBOSE", 0) != 0;
	tt_test_pool_size = POOL_SIZE;
	if (tt_test_eal_init("fuzz_tcp") != 0 || tt_test_setup(&state) != 0)
		abort();
	env = state;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r = { .p = data + HDR_LEN, .end = data + size };

	if (size < HDR_LEN)
		return -1;   /* not even a configuration: keep it out of the corpus */
	start(&r, data);
	poll_once(&r);
	while (more(&r)) {
		uint8_t op = next_u8(&r);

		if (op < 0x80)
			seg_record(&r, op);
		else if (op < 0xa0)
			time_record(&r, op);
		else if (op < 0xc0)
			app_record(&r, op);
		else if (op < 0xe0)
			raw_record(&r, op);
		else if (op < 0xf0)
			opts_record(&r, op);
		else {
			if (op >= 0xf1 && op <= 0xf4)
				r.deaf[op - 0xf1] = !r.deaf[op - 0xf1];
			poll_once(&r);
		}
	}
	finish(&r);
	return 0;
}
