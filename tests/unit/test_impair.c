/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The impairment layer (lib/dp/tt_impair.c, include/tcpterm/tt_impair.h; issue 7):
 *  - specifications parse, format back to themselves, and bad ones get one clear line;
 *  - each effect does what it says, in the share it says, counted: loss, Gilbert-Elliott
 *    (mean loss p / (p + r), mean burst 1 / r), duplication, corruption (one bit, caught by
 *    the receiver's checksums, including where the port would have computed them),
 *    delay, jitter, reordering, the rate limiter's pace, the limit;
 *  - the same seed makes the same choices, another seed others;
 *  - through the worker loop: RX and TX of a port, a change of specification followed at
 *    the next iteration, held frames going out in order once an effect is turned off.
 * Statistical bounds are at least four standard deviations wide and the seeds fixed, so a
 * test fails only when the behaviour is wrong.
 */
#include <string.h>

#include "tt_test.h"

#define SEED 20261130

static struct rte_mbuf *
tcp_frame(struct tt_test_env *env, uint16_t id, uint16_t len)
{
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);

	b.ip_id = id;
	b.payload_len = len;
	return tt_tb_build(env, &b);
}

static uint16_t
frame_id(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 sizeof(struct rte_ether_hdr));

	return rte_be_to_cpu_16(ip->packet_id);
}

/* Run one direction on in[0..n) at the worker's current time; out gets what goes now. */
static uint16_t
run(struct tt_test_env *env, enum tt_impair_dir_id d, struct rte_mbuf **in, uint16_t n,
    struct rte_mbuf **out, uint16_t cap)
{
	tt_impair_sync(env->w->impair);
	return tt_impair_run(env->w, 0, d, in, n, out, cap);
}

/* Frames one at a time: how many of n came out at once (outputs freed). */
static unsigned int
pass_count(struct tt_test_env *env, enum tt_impair_dir_id d, unsigned int n, uint8_t *trace)
{
	unsigned int passed = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *in = tcp_frame(env, (uint16_t)i, 10), *out[4];
		uint16_t k = run(env, d, &in, 1, out, RTE_DIM(out));

		if (trace != NULL)
			trace[i] = (uint8_t)k;
		passed += k;
		rte_pktmbuf_free_bulk(out, k);
	}
	return passed;
}

static void
expect_parse(const char *spec, const char *canonical)
{
	struct tt_impair_conf c, back;
	char buf[TT_IMPAIR_SPEC_LEN], err[256];

	if (tt_impair_parse(spec, &c, err, sizeof(err)) != 0)
		fail_msg("%s: %s", spec, err);
	tt_impair_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, canonical);
	assert_int_equal(tt_impair_parse(buf, &back, err, sizeof(err)), 0);
	assert_memory_equal(&back, &c, sizeof(c));
}

static void
expect_error(const char *spec, const char *says)
{
	struct tt_impair_conf c;
	char err[256];

	tt_impair_conf_none(&c);
	c.loss = 7;
	if (tt_impair_parse(spec, &c, err, sizeof(err)) == 0)
		fail_msg("'%s' parsed", spec);
	if (strstr(err, says) == NULL)
		fail_msg("'%s': error '%s' does not say '%s'", spec, err, says);
	assert_null(strchr(err, '\n'));
	assert_int_equal(c.loss, 7);      /* unchanged on error */
}

static void
test_parse(void **state)
{
	struct tt_impair_conf c;
	char err[256];

	(void)state;
	expect_parse("none", "none");
	expect_parse("", "none");
	expect_parse("loss=1%", "loss=1%");
	expect_parse("loss=0.05%,dup=2%", "loss=0.05%,dup=2%");
	expect_parse("ge=1%/25%", "ge=1%/25%/100%/0%");
	expect_parse("ge=0.5%/30%/80%/0.1%", "ge=0.5%/30%/80%/0.1%");
	expect_parse("delay=10ms,jitter=500us", "delay=10ms,jitter=500us");
	expect_parse("reorder=2%", "reorder=2%/1ms");
	expect_parse("reorder=25%/300us,delay=1s", "delay=1s,reorder=25%/300us");
	expect_parse("rate=100mbit,limit=64", "rate=100mbit,limit=64");
	expect_parse("rate=1500kbit", "rate=1500kbit");
	expect_parse("corrupt=0.1%,loss=100%", "loss=100%,corrupt=0.1%");
	expect_parse("rate=0bit", "none");
	assert_int_equal(tt_impair_parse("loss=100%", &c, err, sizeof(err)), 0);
	assert_int_equal(c.loss, TT_IMPAIR_P_ONE);
	assert_true(tt_impair_conf_active(&c));
	assert_int_equal(tt_impair_parse("limit=5", &c, err, sizeof(err)), 0);
	assert_false(tt_impair_conf_active(&c));   /* a limit alone does nothing */

	expect_error("loss=1", "impairment loss=1: expected a percentage");
	expect_error("loss=101%", "loss=101%");
	expect_error("loss=-1%", "loss=-1%");
	expect_error("ge=1%", "expected P/R");
	expect_error("ge=1%/2%/3%/4%/5%", "expected P/R");
	expect_error("delay=10", "expected a time");
	expect_error("delay=2h", "expected a time");
	expect_error("delay=3601s", "expected a time");
	expect_error("jitter=1ms", "needs a delay");
	expect_error("rate=10bit", "at least 1kbit");
	expect_error("rate=fast", "expected a rate");
	expect_error("limit=0", "1..8192");
	expect_error("limit=9000", "1..8192");
	expect_error("drop=1%", "unknown effect");
	expect_error("loss", "expected EFFECT=VALUE");
}

static void
test_loss(void **state)
{
	struct tt_test_env *env = *state;
	const unsigned int n = 20000;
	unsigned int passed;

	tt_test_impair_start(env, SEED);
	tt_test_impair_set(env, TT_IMPAIR_RX, "loss=10%");
	passed = pass_count(env, TT_IMPAIR_RX, n, NULL);
	/* Binomial(20000, 0.1): mean 2000, sigma 42. */
	assert_in_range(n - passed, 1830, 2170);
	assert_int_equal(TT_TEST_STAT(env, ImpairRxLoss), n - passed);
	assert_int_equal(TT_TEST_STAT(env, ImpairTxLoss), 0);

	tt_test_impair_set(env, TT_IMPAIR_TX, "loss=100%");
	assert_int_equal(pass_count(env, TT_IMPAIR_TX, 100, NULL), 0);
	assert_int_equal(TT_TEST_STAT(env, ImpairTxLoss), 100);
	tt_test_impair_set(env, TT_IMPAIR_TX, "none");
	assert_int_equal(pass_count(env, TT_IMPAIR_TX, 100, NULL), 100);
}

static void
test_gilbert_elliott(void **state)
{
	struct tt_test_env *env = *state;
	const unsigned int n = 40000;
	static uint8_t trace[40000];
	unsigned int lost, bursts = 0;

	tt_test_impair_start(env, SEED);
	tt_test_impair_set(env, TT_IMPAIR_RX, "ge=2%/25%");
	lost = n - pass_count(env, TT_IMPAIR_RX, n, trace);
	for (unsigned int i = 0; i < n; i++)
		bursts += trace[i] == 0 && (i == 0 || trace[i - 1] == 1);
	/*
	 * Stationary share of the bad state p / (p + r) = 2 / 27 = 7.4 %: about 2,960 lost.
	 * Bursts have a geometric length of mean 1 / r = 4: about 740 bursts. Runs make the
	 * count vary more than a binomial's; the bounds are wide still.
	 */
	print_message("ge=2%%/25%%: %u lost of %u (%.2f%%), %u bursts, mean length %.2f\n", lost,
		      n, 100.0 * lost / n, bursts, bursts ? (double)lost / bursts : 0.0);
	assert_in_range(lost, 2300, 3700);
	assert_in_range(lost * 100 / bursts, 330, 480);
	assert_int_equal(TT_TEST_STAT(env, ImpairRxBurstLoss), lost);
	assert_int_equal(TT_TEST_STAT(env, ImpairRxLoss), 0);
}

static void
test_dup(void **state)
{
	struct tt_test_env *env = *state;
	struct rte_mbuf *in[4], *out[16];
	uint16_t n;

	tt_test_impair_start(env, SEED);
	tt_test_impair_set(env, TT_IMPAIR_TX, "dup=100%");
	for (uint16_t i = 0; i < 4; i++)
		in[i] = tcp_frame(env, i, 100);
	n = run(env, TT_IMPAIR_TX, in, 4, out, RTE_DIM(out));
	assert_int_equal(n, 8);
	for (uint16_t i = 0; i < 8; i++) {
		/* The copy follows its original at once, and is a copy, not the same buffer. */
		assert_int_equal(frame_id(out[i]), i / 2);
		assert_int_equal(rte_pktmbuf_pkt_len(out[i]), rte_pktmbuf_pkt_len(out[i & ~1]));
		assert_memory_equal(rte_pktmbuf_mtod(out[i], void *),
				    rte_pktmbuf_mtod(out[i & ~1], void *), rte_pktmbuf_pkt_len(out[i]));
	}
	assert_ptr_not_equal(out[0], out[1]);
	assert_int_equal(TT_TEST_STAT(env, ImpairTxDup), 4);
	rte_pktmbuf_free_bulk(out, n);
}

static unsigned int
bits_differ(const struct rte_mbuf *a, const struct rte_mbuf *b)
{
	const uint8_t *x = rte_pktmbuf_mtod(a, const uint8_t *), *y = rte_pktmbuf_mtod(b, const uint8_t *);
	unsigned int bits = 0;

	for (uint32_t i = 0; i < rte_pktmbuf_pkt_len(a); i++)
		bits += (unsigned int)__builtin_popcount(x[i] ^ y[i]);
	return bits;
}

/*
 * The checks a receiver makes on m, with the geometry of the undamaged frame ref (m's own
 * length fields may be the bit that flipped): IPv4 header checksum, TCP checksum over the
 * pseudo-header as m now has it.
 */
static bool
csums_ok(struct rte_mbuf *m, const struct rte_mbuf *ref)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 sizeof(struct rte_ether_hdr));
	const struct rte_ipv4_hdr *rip = rte_pktmbuf_mtod_offset(ref, const struct rte_ipv4_hdr *,
								  sizeof(struct rte_ether_hdr));
	uint16_t l4_len = (uint16_t)(rte_be_to_cpu_16(rip->total_length) - sizeof(*ip));
	struct {
		uint32_t src, dst;
		uint8_t zero, proto;
		uint16_t len;
	} __rte_packed ph = { ip->src_addr, ip->dst_addr, 0, ip->next_proto_id,
			      rte_cpu_to_be_16(l4_len) };
	uint16_t ph_sum = (uint16_t)~tt_test_cksum(&ph, sizeof(ph), 0);

	return tt_test_cksum(ip, sizeof(*ip), 0) == 0 &&
	       tt_test_cksum(ip + 1, l4_len, ph_sum) == 0;
}

/*
 * RX: one bit flipped somewhere in the IPv4 datagram, and the NIC's "checksum good" flags
 * cleared so the stack checks. Every corrupted frame fails a checksum.
 */
static void
test_corrupt_rx(void **state)
{
	struct tt_test_env *env = *state;

	tt_test_impair_start(env, SEED);
	tt_test_impair_set(env, TT_IMPAIR_RX, "corrupt=100%");
	for (uint16_t i = 0; i < 200; i++) {
		struct rte_mbuf *m = tcp_frame(env, i, 64), *ref, *out[2];

		m->ol_flags = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		ref = rte_pktmbuf_copy(m, env->pool, 0, UINT32_MAX);
		assert_non_null(ref);
		assert_int_equal(run(env, TT_IMPAIR_RX, &m, 1, out, 2), 1);
		assert_int_equal(bits_differ(out[0], ref), 1);
		assert_memory_equal(rte_pktmbuf_mtod(out[0], void *), rte_pktmbuf_mtod(ref, void *),
				    sizeof(struct rte_ether_hdr));
		assert_int_equal(out[0]->ol_flags &
				 (RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK), 0);
		assert_true(csums_ok(ref, ref));
		assert_false(csums_ok(out[0], ref));
		rte_pktmbuf_free(out[0]);
		rte_pktmbuf_free(ref);
	}
	assert_int_equal(TT_TEST_STAT(env, ImpairRxCorrupt), 200);
	/* Not IPv4: nothing to flip that a checksum would catch, so untouched. */
	{
		struct tt_tb b = tt_tb_defaults(TT_TB_ARP);
		struct rte_mbuf *m = tt_tb_build(env, &b), *ref, *out[2];

		ref = rte_pktmbuf_copy(m, env->pool, 0, UINT32_MAX);
		assert_int_equal(run(env, TT_IMPAIR_RX, &m, 1, out, 2), 1);
		assert_int_equal(bits_differ(out[0], ref), 0);
		assert_int_equal(TT_TEST_STAT(env, ImpairRxCorrupt), 200);
		rte_pktmbuf_free(out[0]);
		rte_pktmbuf_free(ref);
	}
}

/*
 * TX with the port's checksum offloads: the header holds only the pseudo-header sum. The
 * layer computes both checksums before flipping the bit (else the port would sum the damage
 * and the receiver could not see it), and clears the offload flags.
 */
static void
test_corrupt_tx_offload(void **state)
{
	struct tt_test_env *env = *state;

	tt_test_impair_start(env, SEED);
	tt_test_impair_set(env, TT_IMPAIR_TX, "corrupt=100%");
	for (uint16_t i = 0; i < 200; i++) {
		struct rte_mbuf *m = tcp_frame(env, i, 64), *ref, *out[2];
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
								   sizeof(struct rte_ether_hdr));
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

		ref = rte_pktmbuf_copy(m, env->pool, 0, UINT32_MAX);
		assert_non_null(ref);
		m->l2_len = sizeof(struct rte_ether_hdr);
		m->l3_len = sizeof(*ip);
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
		ip->hdr_checksum = 0;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		assert_int_equal(run(env, TT_IMPAIR_TX, &m, 1, out, 2), 1);
		assert_int_equal(out[0]->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK),
				 0);
		/* Against the frame with its real checksums: one bit apart. */
		assert_int_equal(bits_differ(out[0], ref), 1);
		assert_true(csums_ok(ref, ref));
		assert_false(csums_ok(out[0], ref));
		rte_pktmbuf_free(out[0]);
		rte_pktmbuf_free(ref);
	}
	assert_int_equal(TT_TEST_STAT(env, ImpairTxCorrupt), 200);
}

/* Frames held by delay leave exactly when due, in the order they came. */
static void
test_delay(void **state)
{
	struct tt_test_env *env = *state;
	struct rte_mbuf *in[8], *out[16];

	tt_test_impair_start(env, SEED);
	tt_test_impair_set(env, TT_IMPAIR_TX, "delay=10ms");
	tt_clock_set_fake(&env->w->clock, 1000);
	for (uint16_t i = 0; i < 8; i++)
		in[i] = tcp_frame(env, i, 10);
	assert_int_equal(run(env, TT_IMPAIR_TX, in, 4, out, 16), 0);
	tt_clock_set_fake(&env->w->clock, 1005);
	assert_int_equal(run(env, TT_IMPAIR_TX, in + 4, 4, out, 16), 0);
	assert_int_equal(TT_TEST_STAT(env, ImpairTxDelayed), 8);
	tt_clock_set_fake(&env->w->clock, 1009);
	assert_int_equal(run(env, TT_IMPAIR_TX, NULL, 0, out, 16), 0);
	tt_clock_set_fake(&env->w->clock, 1010);
	assert_int_equal(run(env, TT_IMPAIR_TX, NULL, 0, out, 16), 4);
	for (uint16_t i = 0; i < 4; i++)
		assert_int_equal(frame_id(out[i]), i);
	rte_pktmbuf_free_bulk(out, 4);
	tt_clock_set_fake(&env->w->clock, 1014);
	assert_int_equal(run(env, TT_IMPAIR_TX, NULL, 0, out, 16), 0);
	tt_clock_set_fake(&env->w->clock, 1015);
	assert_int_equal(run(env, TT_IMPAIR_TX, NULL, 0, out, 2), 2);  /* cap: the rest waits */
	assert_int_equal(frame_id(out[0]), 4);
	assert_int_equal(frame_id(out[1]), 5);
	rte_pktmbuf_free_bulk(out, 2);
	assert_int_equal(run(env, TT_IMPAIR_TX, NULL, 0, out, 16), 2);
	assert_int_equal(frame_id(out[0]), 6);
	assert_int_equal(frame_id(out[1]), 7);
	rte_pktmbuf_free_bulk(out, 2);
}

/* Jitter spreads each frame over [delay - jitter, delay + jitter], every frame arriving. */
static void
test_jitter(void **state)
{
	struct tt_test_env *env = *state;
	struct rte_mbuf *in[32], *out[64];
	unsigned int got = 0, early = 0, late = 0;

	tt_test_impair_start(env, SEED);
	tt_test_impair_set(env, TT_IMPAIR_RX, "delay=20ms,jitter=10ms");
	tt_clock_set_fake(&env->w->clock, 0);
	for (uint16_t i = 0; i < 32; i++)
		in[i] = tcp_frame(env, i, 10);
	assert_int_equal(run(env, TT_IMPAIR_RX, in, 32, out, 64), 0);
	for (uint64_t ms = 1; ms <= 31; ms++) {
		uint16_t k;

		tt_clock_set_fake(&env->w->clock, ms);
		k = run(env, TT_IMPAIR_RX, NULL, 0, out, 64);
		assert_true(k == 0 || ms >= 10);
		early += ms < 20 ? k : 0;
		late += ms > 20 ? k : 0;
		got += k;
		rte_pktmbuf_free_bulk(out, k);
	}
	assert_int_equal(got, 32);
	assert_true(early > 0 && late > 0);
}

/* Reordered frames are held back; later ones overtake them; none is lost. */
static void
test_reorder(void **state)
{
	struct tt_test_env *env = *state;
	unsigned int got = 0, inversions = 0, last = 0;
	struct rte_mbuf *out[64];

	tt_test_impair_start(env, SEED);
	tt_test_impair_set(env, TT_IMPAIR_RX, "reorder=25%/2ms");
	tt_clock_set_fake(&env->w->clock, 0);
	for (uint16_t i = 0; i < 200; i++) {
		struct rte_mbuf *m = tcp_frame(env, i, 10);
		uint16_t k;

		/* One frame a millisecond: a reordered frame is overtaken by about two. */
		tt_clock_set_fake(&env->w->clock, i);
		k = run(env, TT_IMPAIR_RX, &m, 1, out, 64);
		for (uint16_t j = 0; j < k; j++) {
			inversions += frame_id(out[j]) < last;
			last = frame_id(out[j]);
		}
		got += k;
		rte_pktmbuf_free_bulk(out, k);
	}
	tt_clock_set_fake(&env->w->clock, 300);
	{
		uint16_t k = run(env, TT_IMPAIR_RX, NULL, 0, out, 64);

		got += k;
		rte_pktmbuf_free_bulk(out, k);
	}
	assert_int_equal(got, 200);
	/* Binomial(200, 0.25): 50 +- 24 held back. */
	assert_in_range(TT_TEST_STAT(env, ImpairRxReorder), 26, 74);
	assert_true(inversions > 10);
}

/*
 * The rate limiter: 8 Mbit/s is a byte a microsecond; 1,000-byte frames go one a
 * millisecond, a burst of ten over ten milliseconds.
 */
static void
test_rate(void **state)
{
	struct tt_test_env *env = *state;
	struct rte_mbuf *in[10], *out[16];
	unsigned int got = 0;

	tt_test_impair_start(env, SEED);
	tt_test_impair_set(env, TT_IMPAIR_TX, "rate=8mbit");
	tt_clock_set_fake(&env->w->clock, 100);
	for (uint16_t i = 0; i < 10; i++) {
		in[i] = tcp_frame(env, i, 1000 - 54);
		assert_int_equal(rte_pktmbuf_pkt_len(in[i]), 1000);
	}
	assert_int_equal(run(env, TT_IMPAIR_TX, in, 10, out, 16), 0);
	for (uint64_t ms = 1; ms <= 12; ms++) {
		uint16_t k;

		tt_clock_set_fake(&env->w->clock, 100 + ms);
		k = run(env, TT_IMPAIR_TX, NULL, 0, out, 16);
		for (uint16_t j = 0; j < k; j++)
			assert_int_equal(frame_id(out[j]), got + j);
		got += k;
		rte_pktmbuf_free_bulk(out, k);
		/* Frame k done at k ms, give or take the fixed point's rounding. */
		assert_in_range(got, RTE_MIN(ms, 10u) - 1, RTE_MIN(ms, 10u));
	}
	assert_int_equal(got, 10);
}

/* Beyond limit frames held, the tail is dropped and counted. */
static void
test_limit(void **state)
{
	struct tt_test_env *env = *state;
	struct rte_mbuf *in[10], *out[16];

	tt_test_impair_start(env, SEED);
	tt_test_impair_set(env, TT_IMPAIR_TX, "delay=1s,limit=4");
	tt_clock_set_fake(&env->w->clock, 0);
	for (uint16_t i = 0; i < 10; i++)
		in[i] = tcp_frame(env, i, 10);
	assert_int_equal(run(env, TT_IMPAIR_TX, in, 10, out, 16), 0);
	assert_int_equal(TT_TEST_STAT(env, ImpairTxDelayed), 4);
	assert_int_equal(TT_TEST_STAT(env, ImpairTxLimitDrops), 6);
	tt_clock_set_fake(&env->w->clock, 1000);
	assert_int_equal(run(env, TT_IMPAIR_TX, NULL, 0, out, 16), 4);
	for (uint16_t i = 0; i < 4; i++)
		assert_int_equal(frame_id(out[i]), i);
	rte_pktmbuf_free_bulk(out, 4);
}

static void
decisions(struct tt_test_env *env, uint64_t seed, uint8_t *trace, unsigned int n)
{
	tt_impair_free(env->w->impair);
	tt_test_impair_start(env, seed);
	tt_test_impair_set(env, TT_IMPAIR_RX, "loss=30%,ge=5%/20%/50%");
	pass_count(env, TT_IMPAIR_RX, n, trace);
}

static void
test_seed(void **state)
{
	struct tt_test_env *env = *state;
	uint8_t a[2000], b[2000], c[2000];
	struct tt_impair_shared sh;

	/* Seed 0: one is drawn, in the range --impair-seed takes (so a run can be replayed). */
	for (int i = 0; i < 64; i++) {
		uint64_t seed;

		tt_impair_shared_init(&sh, 0);
		seed = tt_impair_shared_seed(&sh);
		assert_true(seed != 0 && seed <= UINT32_MAX);
		assert_int_equal(tt_impair_shared_seed(&sh), seed);
	}

	decisions(env, SEED, a, RTE_DIM(a));
	decisions(env, SEED, b, RTE_DIM(b));
	decisions(env, SEED + 1, c, RTE_DIM(c));
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
}

static void
echo_request(struct tt_test_env *env, uint16_t seq)
{
	struct tt_tb b = tt_tb_defaults(TT_TB_ICMP);

	b.icmp_seq = seq;
	tt_test_rx(env, tt_tb_build(env, &b));
}

/*
 * Through the loop (tt_worker_poll): RX loss before the stack sees anything, a TX delay on
 * the replies, each followed at the next iteration after the specification changes; turned
 * off, what is held still goes out first and in order.
 */
static void
test_loop(void **state)
{
	struct tt_test_env *env = *state;

	tt_test_impair_start(env, SEED);
	echo_request(env, 1);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_drain(env), 1);

	tt_test_impair_set(env, TT_IMPAIR_RX, "loss=100%");
	echo_request(env, 2);
	tt_test_poll(env);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_STAT(env, ImpairRxLoss), 1);
	assert_int_equal(TT_TEST_STAT(env, EthInFrames), 1);     /* the stack never saw it */

	tt_test_impair_set(env, TT_IMPAIR_RX, "none");
	tt_test_impair_set(env, TT_IMPAIR_TX, "delay=5ms");
	for (uint16_t s = 3; s < 6; s++)
		echo_request(env, s);
	tt_test_advance(env, 1);
	assert_int_equal(tt_test_tx_count(env), 0);
	assert_int_equal(TT_TEST_STAT(env, ImpairTxDelayed), 3);
	tt_test_impair_set(env, TT_IMPAIR_TX, "none");
	echo_request(env, 6);
	tt_test_advance(env, 1);
	/* The held three are not overtaken by the reply to 6, which waits behind them. */
	assert_int_equal(tt_test_tx_count(env), 0);
	tt_test_advance(env, 4);
	assert_int_equal(tt_test_tx_count(env), 4);
	for (uint16_t s = 3; s <= 6; s++) {
		struct tt_test_frame f;
		struct rte_mbuf *m = tt_test_tx_pop(env);

		tt_test_decode(m, &f);
		assert_int_equal(rte_be_to_cpu_16(f.icmp->icmp_seq_nb), s);
		rte_pktmbuf_free(m);
	}
	/* Nothing held and nothing on: the direction is off again. */
	assert_false(tt_impair_on(env->w->impair, 0, TT_IMPAIR_TX));
	assert_false(tt_impair_on(env->w->impair, 0, TT_IMPAIR_RX));
}

/* Frames held when the worker goes are freed with it (teardown counts the pool). */
static void
test_free_held(void **state)
{
	struct tt_test_env *env = *state;
	struct rte_mbuf *in[16], *out[4];

	tt_test_impair_start(env, SEED);
	tt_test_impair_set(env, TT_IMPAIR_RX, "delay=60s");
	for (uint16_t i = 0; i < 16; i++)
		in[i] = tcp_frame(env, i, 10);
	assert_int_equal(run(env, TT_IMPAIR_RX, in, 16, out, 4), 0);
	assert_int_equal(rte_mempool_in_use_count(env->pool), 16);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, tt_test_setup, tt_test_teardown)
		cmocka_unit_test(test_parse),
		T(test_loss),
		T(test_gilbert_elliott),
		T(test_dup),
		T(test_corrupt_rx),
		T(test_corrupt_tx_offload),
		T(test_delay),
		T(test_jitter),
		T(test_reorder),
		T(test_rate),
		T(test_limit),
		T(test_seed),
		T(test_loop),
		T(test_free_held),
#undef T
	};

	if (tt_test_eal_init("impair") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
