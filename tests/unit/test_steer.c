/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow hashing and steering (SPEC R3, R4): lib/util/tt_siphash.c (SipHash-1-3),
 * lib/util/tt_toeplitz.c, lib/dp/tt_steer.c, lib/engine/tt_tap_steer.c, the RSS part of
 * lib/engine/tt_port_setup.c, and owner choice and hand-over in the input path.
 *
 *  - SipHash-1-3 against the reference vectors;
 *  - HashDoS: 4-tuples built so that the CRC32C hashes tcpterm used to use (flow table and
 *    owner) are equal, by solving the affine map CRC is over GF(2); they collide under CRC
 *    and spread under the keyed hash, in the real flow table and over workers;
 *  - Toeplitz: equal to DPDK's rte_softrss and to the RSS specification's verification
 *    vector; symmetric keys are symmetric, spread over the RETA, and (the documented limit)
 *    hash by the 16-bit fold alone;
 *  - RETA: the software RETA, a NIC's RETA of another size and the TAP program (run in a
 *    small interpreter here) all pick the same worker for every hash;
 *  - a port with RSS (a NIC faked under tt_port_setup.c's ethdev calls) is given the key, hash
 *    types and RETA, read back; MBUF_FAST_FREE only with one queue;
 *  - the input path hands a segment to its owner (EthHandoffs), trusts a NIC's hash only
 *    after it proved equal to ours, and stops trusting it at the first difference.
 * Rough costs of each hash are printed (never asserted: no timed tests).
 */
#include <linux/bpf.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_thash.h>

#include "../../lib/dp/tt_steer.h"
#include "../../lib/engine/tt_port_setup.h"
#include "../../lib/engine/tt_tap_steer.h"
#include "../../lib/util/tt_flowhash.h"
#include "../../lib/util/tt_rand.h"
#include "../../lib/util/tt_siphash.h"
#include "../../lib/util/tt_toeplitz.h"
#include "tt_test.h"

/* ---- SipHash-1-3 --------------------------------------------------------------------- */

/*
 * The reference vectors of SipHash-1-3 (as in Rust's libcore tests, library/coretests/
 * tests/hash/sip.rs, test_siphash_1_3): key 00 01 .. 0f, message i = bytes 0 .. i-1,
 * output as 8 little-endian bytes.
 */
static const uint8_t sip13_vectors[64][8] = {
	{ 0xdc, 0xc4, 0x0f, 0x05, 0x58, 0x01, 0xac, 0xab }, { 0x93, 0xca, 0x57, 0x7d, 0xf3, 0x9b, 0xf4, 0xc9 },
	{ 0x4d, 0xd4, 0xc7, 0x4d, 0x02, 0x9b, 0xcb, 0x82 }, { 0xfb, 0xf7, 0xdd, 0xe7, 0xb8, 0x0a, 0xf8, 0x8b },
	{ 0x28, 0x83, 0xd3, 0x88, 0x60, 0x57, 0x75, 0xcf }, { 0x67, 0x3b, 0x53, 0x49, 0x2f, 0xd5, 0xf9, 0xde },
	{ 0xa7, 0x22, 0x9f, 0xc5, 0x50, 0x2b, 0x0d, 0xc5 }, { 0x40, 0x11, 0xb1, 0x9b, 0x98, 0x7d, 0x92, 0xd3 },
	{ 0x8e, 0x9a, 0x29, 0x8d, 0x11, 0x95, 0x90, 0x36 }, { 0xe4, 0x3d, 0x06, 0x6c, 0xb3, 0x8e, 0xa4, 0x25 },
	{ 0x7f, 0x09, 0xff, 0x92, 0xee, 0x85, 0xde, 0x79 }, { 0x52, 0xc3, 0x4d, 0xf9, 0xc1, 0x18, 0xc1, 0x70 },
	{ 0xa2, 0xd9, 0xb4, 0x57, 0xb1, 0x84, 0xa3, 0x78 }, { 0xa7, 0xff, 0x29, 0x12, 0x0c, 0x76, 0x6f, 0x30 },
	{ 0x34, 0x5d, 0xf9, 0xc0, 0x11, 0xa1, 0x5a, 0x60 }, { 0x56, 0x99, 0x51, 0x2a, 0x6d, 0xd8, 0x20, 0xd3 },
	{ 0x66, 0x8b, 0x90, 0x7d, 0x1a, 0xdd, 0x4f, 0xcc }, { 0x0c, 0xd8, 0xdb, 0x63, 0x90, 0x68, 0xf2, 0x9c },
	{ 0x3e, 0xe6, 0x73, 0xb4, 0x9c, 0x38, 0xfc, 0x8f }, { 0x1c, 0x7d, 0x29, 0x8d, 0xe5, 0x9d, 0x1f, 0xf2 },
	{ 0x40, 0xe0, 0xcc, 0xa6, 0x46, 0x2f, 0xdc, 0xc0 }, { 0x44, 0xf8, 0x45, 0x2b, 0xfe, 0xab, 0x92, 0xb9 },
	{ 0x2e, 0x87, 0x20, 0xa3, 0x9b, 0x7b, 0xfe, 0x7f }, { 0x23, 0xc1, 0xe6, 0xda, 0x7f, 0x0e, 0x5a, 0x52 },
	{ 0x8c, 0x9c, 0x34, 0x67, 0xb2, 0xae, 0x64, 0xf4 }, { 0x79, 0x09, 0x5b, 0x70, 0x28, 0x59, 0xcd, 0x45 },
	{ 0xa5, 0x13, 0x99, 0xca, 0xe3, 0x35, 0x3e, 0x3a }, { 0x35, 0x3b, 0xde, 0x4a, 0x4e, 0xc7, 0x1d, 0xa9 },
	{ 0x0d, 0xd0, 0x6c, 0xef, 0x02, 0xed, 0x0b, 0xfb }, { 0xf4, 0xe1, 0xb1, 0x4a, 0xb4, 0x3c, 0xd9, 0x88 },
	{ 0x63, 0xe6, 0xc5, 0x43, 0xd6, 0x11, 0x0f, 0x54 }, { 0xbc, 0xd1, 0x21, 0x8c, 0x1f, 0xdd, 0x70, 0x23 },
	{ 0x0d, 0xb6, 0xa7, 0x16, 0x6c, 0x7b, 0x15, 0x81 }, { 0xbf, 0xf9, 0x8f, 0x7a, 0xe5, 0xb9, 0x54, 0x4d },
	{ 0x3e, 0x75, 0x2a, 0x1f, 0x78, 0x12, 0x9f, 0x75 }, { 0x91, 0x6b, 0x18, 0xbf, 0xbe, 0xa3, 0xa1, 0xce },
	{ 0x06, 0x62, 0xa2, 0xad, 0xd3, 0x08, 0xf5, 0x2c }, { 0x57, 0x30, 0xc3, 0xa3, 0x2d, 0x1c, 0x10, 0xb6 },
	{ 0xa1, 0x36, 0x3a, 0xae, 0x96, 0x74, 0xf4, 0xb3 }, { 0x92, 0x83, 0x10, 0x7b, 0x54, 0x57, 0x6b, 0x62 },
	{ 0x31, 0x15, 0xe4, 0x99, 0x32, 0x36, 0xd2, 0xc1 }, { 0x44, 0xd9, 0x1a, 0x3f, 0x92, 0xc1, 0x7c, 0x66 },
	{ 0x25, 0x88, 0x13, 0xc8, 0xfe, 0x4f, 0x70, 0x65 }, { 0xa6, 0x49, 0x89, 0xc2, 0xd1, 0x80, 0xf2, 0x24 },
	{ 0x6b, 0x87, 0xf8, 0xfa, 0xed, 0x1c, 0xca, 0xc2 }, { 0x96, 0x21, 0x04, 0x9f, 0xfc, 0x4b, 0x16, 0xc2 },
	{ 0x23, 0xd6, 0xb1, 0x68, 0x93, 0x9c, 0x6e, 0xa1 }, { 0xfd, 0x14, 0x51, 0x8b, 0x9c, 0x16, 0xfb, 0x49 },
	{ 0x46, 0x4c, 0x07, 0xdf, 0xf8, 0x43, 0x31, 0x9f }, { 0xb3, 0x86, 0xcc, 0x12, 0x24, 0xaf, 0xfd, 0xc6 },
	{ 0x8f, 0x09, 0x52, 0x0a, 0xd1, 0x49, 0xaf, 0x7e }, { 0x9a, 0x2f, 0x29, 0x9d, 0x55, 0x13, 0xf3, 0x1c },
	{ 0x12, 0x1f, 0xf4, 0xa2, 0xdd, 0x30, 0x4a, 0xc4 }, { 0xd0, 0x1e, 0xa7, 0x43, 0x89, 0xe9, 0xfa, 0x36 },
	{ 0xe6, 0xbc, 0xf0, 0x73, 0x4c, 0xb3, 0x8f, 0x31 }, { 0x80, 0xe9, 0xa7, 0x70, 0x36, 0xbf, 0x7a, 0xa2 },
	{ 0x75, 0x6d, 0x3c, 0x24, 0xdb, 0xc0, 0xbc, 0xb4 }, { 0x13, 0x15, 0xb7, 0xfd, 0x52, 0xd8, 0xf8, 0x23 },
	{ 0x08, 0x8a, 0x7d, 0xa6, 0x4d, 0x5f, 0x03, 0x8f }, { 0x48, 0xf1, 0xe8, 0xb7, 0xe5, 0xd0, 0x9c, 0xd8 },
	{ 0xee, 0x44, 0xa6, 0xf7, 0xbc, 0xe6, 0xf4, 0xf6 }, { 0xf2, 0x37, 0x18, 0x0f, 0xd8, 0x9a, 0xc5, 0xae },
	{ 0xe0, 0x94, 0x66, 0x4b, 0x15, 0xf6, 0xb2, 0xc3 }, { 0xa8, 0xb3, 0xbb, 0xb7, 0x62, 0x90, 0x19, 0x9d },
};

static uint64_t
le64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static void
test_siphash13_vectors(void **state)
{
	const struct tt_siphash_key k = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	uint8_t m[64];
	uint64_t rng = 99;

	(void)state;
	for (unsigned int i = 0; i < 64; i++)
		m[i] = (uint8_t)i;
	for (unsigned int len = 0; len < 64; len++)
		assert_true(tt_siphash13(&k, m, len) == le64(sip13_vectors[len]));
	/* The inline two-word form is the same function on 16 bytes. */
	assert_true(tt_siphash13_2u64(&k, le64(m), le64(m + 8)) == le64(sip13_vectors[16]));
	for (int i = 0; i < 1000; i++) {
		struct tt_siphash_key rk = { tt_test_rnd(&rng), tt_test_rnd(&rng) };
		uint64_t w[2] = { tt_test_rnd(&rng), tt_test_rnd(&rng) };
		uint8_t b[16];

		for (int j = 0; j < 16; j++)
			b[j] = (uint8_t)(w[j / 8] >> (8 * (j % 8)));
		assert_true(tt_siphash13_2u64(&rk, w[0], w[1]) == tt_siphash13(&rk, b, 16));
	}
	/* And it is not SipHash-2-4. */
	assert_true(tt_siphash13(&k, m, 15) != tt_siphash(&k, m, 15));
}

/* ---- HashDoS: tuples with equal CRC32C ------------------------------------------------- */

/* The hashes tcpterm used before SPEC R3: CRC32C of the flow key, for table and owner. */
static uint32_t
old_table_hash(const struct tt_flow *f)
{
	uint64_t k[2];

	memcpy(k, f, sizeof(k));
	return rte_hash_crc_8byte(k[1], rte_hash_crc_8byte(k[0], 0));
}

static uint32_t
old_owner_hash(const struct tt_flow *f)
{
	return rte_hash_crc_8byte((uint64_t)f->raddr << 32 | f->laddr,
				  (uint32_t)f->rport << 16 | f->lport);
}

/* A SYN's flow to our port 80 from the peer's choice x: 32 bits of address, 16 of port. */
static struct tt_flow
flow_of_bits(uint64_t x)
{
	return (struct tt_flow){
		.raddr = TT_IP(198, 19, 0, 0) ^ (uint32_t)x,
		.laddr = TT_TEST_IP_US,
		.rport = (uint16_t)(RTE_BE16(40000) ^ (uint16_t)(x >> 32)),
		.lport = RTE_BE16(80),
	};
}

/*
 * The kernel of the affine map x -> hash(flow_of_bits(x)) over GF(2), 48 bits -> 32: every
 * x in it, XORed onto any tuple, leaves the CRC unchanged. An attacker computes this
 * offline in microseconds, no secret involved. Returns the number of basis vectors (>= 16).
 */
static unsigned int
crc_kernel(uint32_t (*hash)(const struct tt_flow *), uint64_t *kernel)
{
	struct { uint32_t v; uint64_t comb; } basis[32];
	unsigned int n_basis = 0, n_kernel = 0;
	struct tt_flow f0 = flow_of_bits(0);
	uint32_t c = hash(&f0);

	for (unsigned int i = 0; i < 48; i++) {
		struct tt_flow fi = flow_of_bits(UINT64_C(1) << i);
		uint32_t v = hash(&fi) ^ c;
		uint64_t comb = UINT64_C(1) << i;

		for (unsigned int b = 0; b < n_basis; b++)
			if (v & (basis[b].v & -basis[b].v)) {   /* pivot: lowest set bit */
				v ^= basis[b].v;
				comb ^= basis[b].comb;
			}
		if (v == 0) {
			kernel[n_kernel++] = comb;
			continue;
		}
		/* Keep the basis reduced: the new pivot is cleared from the vectors before it. */
		for (unsigned int b = 0; b < n_basis; b++)
			if (basis[b].v & (v & -v)) {
				basis[b].v ^= v;
				basis[b].comb ^= comb;
			}
		basis[n_basis].v = v;
		basis[n_basis].comb = comb;
		n_basis++;
	}
	return n_kernel;
}

#define N_COLLIDING 4096

/* N_COLLIDING distinct tuples whose hash is equal: spans of 12 kernel vectors. */
static void
colliding_flows(uint32_t (*hash)(const struct tt_flow *), struct tt_flow *out)
{
	uint64_t kernel[48];
	unsigned int n = crc_kernel(hash, kernel);

	assert_true(n >= 16);
	for (unsigned int j = 0; j < N_COLLIDING; j++) {
		uint64_t x = 0x00a5c3; /* any base */

		for (unsigned int b = 0; b < 12; b++)
			if (j & (1u << b))
				x ^= kernel[b];
		out[j] = flow_of_bits(x);
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Equal values among n hashes (pairs of neighbours once sorted), and the fullest bucket. */
static void
spread(uint32_t *h, unsigned int n, uint32_t bucket_mask, unsigned int *dups,
       unsigned int *max_bucket)
{
	static unsigned int bucket[1u << 16];

	*dups = 0;
	*max_bucket = 0;
	memset(bucket, 0, sizeof(bucket));
	for (unsigned int i = 0; i < n; i++) {
		unsigned int b = ++bucket[h[i] & bucket_mask];

		if (b > *max_bucket)
			*max_bucket = b;
	}
	qsort(h, n, sizeof(*h), cmp_u32);
	for (unsigned int i = 1; i < n; i++)
		*dups += h[i] == h[i - 1];
}

static struct tt_flow coll[N_COLLIDING];
static uint32_t hv[N_COLLIDING];

/*
 * (a) under the old CRC every one of the 4096 flows has the same 32-bit hash: rte_hash puts
 * them in one bucket pair and its extendable chain, so each lookup walks thousands of keys;
 * (b) under the keyed hash they spread like random values (no equal 32-bit hashes beyond
 * chance, no bucket of 4096 much fuller than Poisson(1) allows), and the real flow table of
 * the TCP core takes and finds all of them.
 */
static void
test_crc_collisions_table(void **state)
{
	struct tt_test_env *env = *state;
	struct tt_tcp *t;
	unsigned int dups, max_bucket;
	char err[160];

	colliding_flows(old_table_hash, coll);
	for (unsigned int i = 0; i < N_COLLIDING; i++)
		assert_true(old_table_hash(&coll[i]) == old_table_hash(&coll[0]));
	for (unsigned int i = 1; i < N_COLLIDING; i++)
		assert_memory_not_equal(&coll[i], &coll[i - 1], sizeof(coll[i]));

	tt_test_tcp_start(env, NULL);
	t = env->w->tcp;
	/* Both flow hashes (flow_hash = 1 where the CPU has AES-NI, and 0). */
	for (int aes = t->flow_key.aes; aes >= 0; aes--) {
		struct tt_flow other = { .raddr = 1 };

		t->flow_key.aes = aes;
		/* The table remembers its last lookup's hash (a running table never changes key). */
		assert_int_equal(tt_flow_lookup(t, &other), 0);
		for (unsigned int i = 0; i < N_COLLIDING; i++)
			hv[i] = (uint32_t)tt_flow_hash(&t->flow_key, &coll[i]);
		spread(hv, N_COLLIDING, N_COLLIDING - 1, &dups, &max_bucket);
		print_message("keyed flow hash (%s) of %u CRC-colliding flows: %u equal pairs, fullest of %u buckets %u\n",
			      aes ? "AES rounds" : "SipHash-1-3", N_COLLIDING, dups, N_COLLIDING,
			      max_bucket);
		/* Expected equal pairs: 4096^2 / 2 / 2^32 = 0.002; fullest bucket of Poisson(1): ~7. */
		assert_true(dups <= 2);
		assert_true(max_bucket <= 16);

		for (unsigned int i = 0; i < N_COLLIDING; i++)
			assert_int_equal(tt_flow_add(t, &coll[i], &coll[i], TT_FLOW_TW), 0);
		for (unsigned int i = 0; i < N_COLLIDING; i++)
			assert_true(tt_flow_lookup(t, &coll[i]) == ((uintptr_t)&coll[i] | TT_FLOW_TW));
		assert_int_equal(tt_flow_table_audit(t, err, sizeof(err)), N_COLLIDING);
		for (unsigned int i = 0; i < N_COLLIDING; i++)
			tt_flow_del(t, &coll[i]);
		assert_int_equal(tt_flow_count(t), 0);
	}
}

/*
 * R3: the AES flow hash (tt_flowhash.h) mixes like a keyed hash should. Each of the 128 input
 * bits, flipped, flips about half of the 64 output bits (averaged over 4096 random inputs:
 * 32 +- 0.5, eight standard deviations; one round, or half the input ignored, gives 16 or 0),
 * and the same input under two keys gives unrelated outputs. Skipped where the CPU has no
 * AES-NI (flow_hash then means SipHash-1-3, whose vectors test_siphash13_vectors checks).
 */
static void
test_flowhash_aes_mixing(void **state)
{
	struct tt_steer *s = malloc(sizeof(*s));
	struct tt_flowhash_key k1, k2;
	uint64_t rnd = 12345, flips[128] = { 0 };
	unsigned int same = 0;
	const unsigned int inputs = 4096;

	(void)state;
	/* flow_hash = 0: SipHash-1-3 whatever the CPU. */
	assert_non_null(s);
	assert_int_equal(tt_steer_init(s, 1, TT_RSS_OFF, 0), 0);
	assert_false(s->flow_key.aes);
	free(s);
	assert_int_equal(tt_flowhash_key_random(&k1), 0);
	assert_int_equal(tt_flowhash_key_random(&k2), 0);
	if (!k1.aes) {
		print_message("no AES-NI here: the flow hash is SipHash-1-3\n");
		skip();
	}
	for (unsigned int n = 0; n < inputs; n++) {
		uint64_t a = tt_rand_next(&rnd), b = tt_rand_next(&rnd);
		uint64_t h = tt_flowhash(&k1, a, b);

		for (unsigned int bit = 0; bit < 128; bit++) {
			uint64_t a2 = bit < 64 ? a ^ (UINT64_C(1) << bit) : a;
			uint64_t b2 = bit >= 64 ? b ^ (UINT64_C(1) << (bit - 64)) : b;

			flips[bit] += (uint64_t)__builtin_popcountll(h ^ tt_flowhash(&k1, a2, b2));
		}
		same += (uint64_t)__builtin_popcountll(h ^ tt_flowhash(&k2, a, b)) < 16;
	}
	for (unsigned int bit = 0; bit < 128; bit++) {
		double mean = (double)flips[bit] / inputs;

		if (mean < 31.5 || mean > 32.5)
			fail_msg("input bit %u flips %.2f output bits on average", bit, mean);
	}
	/* Under 16 of 64 bits different by chance: p ~ 1e-5 per input, 4096 inputs. */
	assert_true(same <= 2);
}

/*
 * (c) owner choice: 4096 flows whose old owner hash is equal all went to one worker of
 * four; the keyed owner hash spreads them (each worker within 6 sigma of a quarter), and so
 * does Toeplitz under a random key.
 */
static void
test_crc_collisions_owner(void **state)
{
	struct tt_steer *s = malloc(sizeof(*s));
	unsigned int old[4] = { 0 }, sip[4] = { 0 }, rnd[4] = { 0 };
	const unsigned int lo = N_COLLIDING / 4 - 166, hi = N_COLLIDING / 4 + 166;
	bool has_aes;

	(void)state;
	assert_non_null(s);
	colliding_flows(old_owner_hash, coll);
	assert_int_equal(tt_steer_init(s, 4, TT_RSS_RANDOM, 1), 0);
	has_aes = s->flow_key.aes;
	/* The AES flow hash where the CPU has it for half the flows, SipHash-1-3 for the rest. */
	for (unsigned int i = 0; i < N_COLLIDING; i++) {
		const struct tt_flow *f = &coll[i];

		s->flow_key.aes = has_aes && i % 2 == 0;
		/* The old rule: reta[crc & 127], reta[i] = i % workers. */
		old[(old_owner_hash(f) & (TT_RETA_SIZE - 1)) % 4]++;
		sip[tt_steer_worker(s, (uint32_t)(tt_flow_hash(&s->flow_key, f) >> 32))]++;
		rnd[tt_steer_worker(s, tt_toeplitz_v4(&s->toeplitz, f->raddr, f->laddr, f->rport,
						      f->lport))]++;
	}
	print_message("owners of %u CRC-colliding flows over 4 workers: old %u/%u/%u/%u, keyed %u/%u/%u/%u, Toeplitz random key %u/%u/%u/%u\n",
		      N_COLLIDING, old[0], old[1], old[2], old[3], sip[0], sip[1], sip[2], sip[3],
		      rnd[0], rnd[1], rnd[2], rnd[3]);
	assert_true(old[0] == N_COLLIDING || old[1] == N_COLLIDING || old[2] == N_COLLIDING ||
		    old[3] == N_COLLIDING);
	for (int w = 0; w < 4; w++) {
		assert_in_range(sip[w], lo, hi);
		assert_in_range(rnd[w], lo, hi);
	}
	free(s);
}

/* ---- Toeplitz -------------------------------------------------------------------------- */

static uint32_t
softrss(const uint8_t *key, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	union rte_thash_tuple t = { 0 };

	t.v4.src_addr = rte_be_to_cpu_32(src);
	t.v4.dst_addr = rte_be_to_cpu_32(dst);
	t.v4.sport = rte_be_to_cpu_16(sport);
	t.v4.dport = rte_be_to_cpu_16(dport);
	return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, key);
}

/*
 * Microsoft's RSS verification vector (IPv4 with TCP): key 6d5a..., 66.9.149.187:2794 ->
 * 161.142.100.80:1766 hashes to 0x51ccc178; then DPDK's reference rte_softrss for random
 * tuples under random and symmetric keys.
 */
static void
test_toeplitz_reference(void **state)
{
	static const uint8_t ms_key[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
		0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
		0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};
	struct tt_toeplitz *t = malloc(sizeof(*t));
	uint8_t key[40];
	uint64_t rng = 7;

	(void)state;
	assert_non_null(t);
	tt_toeplitz_init(t, ms_key);
	assert_int_equal(tt_toeplitz_v4(t, TT_IP(66, 9, 149, 187), TT_IP(161, 142, 100, 80),
					RTE_BE16(2794), RTE_BE16(1766)), 0x51ccc178);
	for (int round = 0; round < 20; round++) {
		assert_int_equal(round % 2 ? tt_toeplitz_key_symmetric(key, sizeof(key)) :
					     tt_toeplitz_key_random(key, sizeof(key)), 0);
		tt_toeplitz_init(t, key);
		for (int i = 0; i < 2000; i++) {
			uint32_t src = (uint32_t)tt_test_rnd(&rng), dst = (uint32_t)tt_test_rnd(&rng);
			uint16_t sp = (uint16_t)tt_test_rnd(&rng), dp = (uint16_t)tt_test_rnd(&rng);

			assert_int_equal(tt_toeplitz_v4(t, src, dst, sp, dp),
					 softrss(key, src, dst, sp, dp));
		}
	}
	free(t);
}

/*
 * A symmetric key hashes both directions of a flow alike; keys of random bits do not. Both
 * kinds reach every RETA entry evenly (128 entries, 65536 random tuples: 512 each, 6 sigma).
 */
static void
test_toeplitz_symmetric(void **state)
{
	struct tt_toeplitz *t = malloc(sizeof(*t));
	uint8_t key[40];
	uint64_t rng = 11;

	(void)state;
	assert_non_null(t);
	for (int round = 0; round < 16; round++) {
		bool sym = round % 2 == 0;
		unsigned int asym = 0, reta[TT_RETA_SIZE] = { 0 };

		assert_int_equal(sym ? tt_toeplitz_key_symmetric(key, sizeof(key)) :
				       tt_toeplitz_key_random(key, sizeof(key)), 0);
		assert_true(tt_toeplitz_key_is_symmetric(key) == sym);
		tt_toeplitz_init(t, key);
		for (int i = 0; i < 65536; i++) {
			uint32_t a = (uint32_t)tt_test_rnd(&rng), b = (uint32_t)tt_test_rnd(&rng);
			uint16_t p = (uint16_t)tt_test_rnd(&rng), q = (uint16_t)tt_test_rnd(&rng);
			uint32_t h = tt_toeplitz_v4(t, a, b, p, q);

			asym += h != tt_toeplitz_v4(t, b, a, q, p);
			reta[h & (TT_RETA_SIZE - 1)]++;
		}
		if (sym)
			assert_int_equal(asym, 0);
		else
			assert_true(asym > 60000);
		for (int i = 0; i < TT_RETA_SIZE; i++)
			assert_in_range(reta[i], 512 - 135, 512 + 135);
	}
	free(t);
}

/*
 * The limit docs/ARCHITECTURE.md states: under a symmetric key the hash is a function of
 * the 16-bit fold of the tuple, whatever the key. Tuples from anywhere whose source port is
 * chosen to keep the fold fixed hash alike under 64 different random symmetric keys.
 */
static void
test_toeplitz_symmetric_fold(void **state)
{
	struct tt_toeplitz *t = malloc(sizeof(*t));
	uint8_t key[40];
	uint64_t rng = 5;
	const uint16_t target = 0x1234;

	(void)state;
	assert_non_null(t);
	for (int round = 0; round < 64; round++) {
		uint32_t first = 0;

		assert_int_equal(tt_toeplitz_key_symmetric(key, sizeof(key)), 0);
		tt_toeplitz_init(t, key);
		for (int i = 0; i < 256; i++) {
			uint32_t src = (uint32_t)tt_test_rnd(&rng);
			/* sport such that the fold is target: the attacker's one free choice */
			uint16_t rest = tt_toeplitz_fold16(src, TT_TEST_IP_US, 0, RTE_BE16(80));
			uint16_t sport = rte_cpu_to_be_16(rest ^ target);
			uint32_t h = tt_toeplitz_v4(t, src, TT_TEST_IP_US, sport, RTE_BE16(80));

			assert_int_equal(tt_toeplitz_fold16(src, TT_TEST_IP_US, sport, RTE_BE16(80)),
					 target);
			if (i == 0)
				first = h;
			assert_int_equal(h, first);
		}
	}
	free(t);
}

/* ---- RETA ------------------------------------------------------------------------------ */

/*
 * The software RETA, a NIC's RETA of any power-of-two size at least as large, filled by
 * tt_steer_port_reta, and a shrunk software RETA all choose the same worker for every hash:
 * the NIC's queue for a segment is its owner.
 */
static void
test_reta(void **state)
{
	struct tt_steer *s = malloc(sizeof(*s));
	uint16_t nic[4096];
	uint64_t rng = 3;

	(void)state;
	assert_non_null(s);
	for (uint16_t n = 1; n <= 6; n++) {
		static const uint32_t soft_sizes[] = { 128, 64, 16 };

		for (unsigned int si = 0; si < RTE_DIM(soft_sizes); si++) {
			assert_int_equal(tt_steer_init(s, n, TT_RSS_SYMMETRIC, 1), 0);
			tt_steer_reta_size(s, soft_sizes[si]);
			assert_int_equal(s->reta_mask, soft_sizes[si] - 1);
			for (uint32_t nic_size = soft_sizes[si]; nic_size <= 4096; nic_size *= 2) {
				tt_steer_port_reta(s, nic, nic_size);
				for (int i = 0; i < 4000; i++) {
					uint32_t h = (uint32_t)tt_test_rnd(&rng);
					uint16_t owner = tt_steer_worker(s, h);

					assert_int_equal(owner, (h & s->reta_mask) % n);
					assert_int_equal(nic[h % nic_size], owner);
				}
			}
		}
	}
	/* Sizes that cannot divide a larger RETA are refused; growing never happens. */
	tt_steer_reta_size(s, 48);
	tt_steer_reta_size(s, 256);
	assert_int_equal(s->reta_mask, 15);
	free(s);
}

/* ---- The TAP program, in an interpreter of the instructions it uses ------------------ */

static uint32_t
load_be(const uint8_t *pkt, uint32_t len, uint64_t off, unsigned int size, bool *oob)
{
	uint32_t v = 0;

	if (off + size > len) {
		*oob = true;
		return 0;
	}
	for (unsigned int i = 0; i < size; i++)
		v = v << 8 | pkt[off + i];
	return v;
}

/* Runs prog on a frame as the kernel's socket filter would; fails the test on anything else. */
static uint32_t
bpf_run(const struct bpf_insn *prog, unsigned int n, const uint8_t *pkt, uint32_t len)
{
	static const unsigned int size[] = { [BPF_W >> 3] = 4, [BPF_H >> 3] = 2, [BPF_B >> 3] = 1 };
	uint64_t r[11] = { 0 };
	unsigned int pc = 0, steps = 0;
	bool oob = false;

	while (pc < n) {
		const struct bpf_insn *i = &prog[pc++];
		uint8_t cls = BPF_CLASS(i->code), op = BPF_OP(i->code);
		uint64_t imm = (uint64_t)(int64_t)i->imm;

		assert_true(++steps < 10000);
		if (cls == BPF_LD) {
			uint64_t off = BPF_MODE(i->code) == BPF_ABS ? imm : (uint32_t)r[i->src_reg] + imm;

			assert_true(BPF_MODE(i->code) == BPF_ABS || BPF_MODE(i->code) == BPF_IND);
			r[0] = load_be(pkt, len, off, size[BPF_SIZE(i->code) >> 3], &oob);
			if (oob)
				return 0;
		} else if (cls == BPF_ALU || cls == BPF_ALU64) {
			uint64_t src = BPF_SRC(i->code) == BPF_X ? r[i->src_reg] : imm, d = r[i->dst_reg];

			switch (op) {
			case BPF_MOV: d = src; break;
			case BPF_AND: d &= src; break;
			case BPF_LSH: d <<= src; break;
			case BPF_XOR: d ^= src; break;
			case BPF_MOD: assert_true(src != 0); d = cls == BPF_ALU ? (uint32_t)d % (uint32_t)src : d % src; break;
			default: fail_msg("ALU op %#x", op);
			}
			r[i->dst_reg] = cls == BPF_ALU ? (uint32_t)d : d;
		} else if (cls == BPF_JMP) {
			bool jump = false;

			switch (op) {
			case BPF_EXIT: return (uint32_t)r[0];
			case BPF_JA: jump = true; break;
			case BPF_JNE: assert_true(BPF_SRC(i->code) == BPF_K); jump = r[i->dst_reg] != imm; break;
			case BPF_JSET: assert_true(BPF_SRC(i->code) == BPF_K); jump = (r[i->dst_reg] & imm) != 0; break;
			default: fail_msg("JMP op %#x", op);
			}
			if (jump)
				pc += i->off;
		} else {
			fail_msg("class %#x", cls);
		}
	}
	fail_msg("ran off the end of the program");
	return 0;
}

/* An Ethernet/IPv4/TCP frame's bytes, with ihl_words and a fragment field of our choice. */
static uint32_t
frame(uint8_t *b, uint16_t ethertype, uint8_t proto, unsigned int ihl_words, uint16_t frag,
      uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	unsigned int ip = 14, l4 = ip + 4 * ihl_words;

	memset(b, 0, 128);
	b[12] = (uint8_t)(ethertype >> 8);
	b[13] = (uint8_t)ethertype;
	b[ip] = (uint8_t)(0x40 | ihl_words);
	b[ip + 6] = (uint8_t)(frag >> 8);
	b[ip + 7] = (uint8_t)frag;
	b[ip + 9] = proto;
	memcpy(b + ip + 12, &src, 4);
	memcpy(b + ip + 16, &dst, 4);
	memcpy(b + l4, &sport, 2);
	memcpy(b + l4 + 2, &dport, 2);
	return l4 + 20;
}

/*
 * The program given to the TAP picks, for every IPv4/TCP frame, the queue of the worker
 * tt_steer_worker() computes from the Toeplitz hash (IP options included), and queue 0 for
 * ARP, UDP and fragments. It refuses a RETA it cannot express.
 */
static void
test_tap_program(void **state)
{
	struct tt_steer *s = malloc(sizeof(*s));
	struct bpf_insn prog[512];
	uint8_t b[128];
	uint64_t rng = 17;

	(void)state;
	assert_non_null(s);
	for (int round = 0; round < 8; round++) {
		uint16_t n = (uint16_t)(2 + round % 3);
		unsigned int len;
		uint32_t hist[4] = { 0 };

		assert_int_equal(tt_steer_init(s, n, round % 2 ? TT_RSS_RANDOM : TT_RSS_SYMMETRIC, 1), 0);
		if (round >= 4)
			tt_steer_reta_size(s, 32);
		assert_int_equal(tt_tap_steer_prog(s, n, prog, 8), 0);   /* too small */
		len = tt_tap_steer_prog(s, n, prog, RTE_DIM(prog));
		assert_true(len > 0 && len < 4096);
		for (int i = 0; i < 3000; i++) {
			uint32_t src = (uint32_t)tt_test_rnd(&rng), dst = (uint32_t)tt_test_rnd(&rng);
			uint16_t sp = (uint16_t)tt_test_rnd(&rng), dp = (uint16_t)tt_test_rnd(&rng);
			unsigned int ihl = 5 + (unsigned int)(i % 3);
			uint32_t want = tt_steer_worker(s, tt_toeplitz_v4(&s->toeplitz, src, dst, sp, dp));
			uint32_t got = bpf_run(prog, len, b, frame(b, 0x0800, 6, ihl, 0x4000, src, dst, sp, dp));

			assert_int_equal(got, want);
			hist[got]++;
			/* Not hashed: queue 0. */
			assert_int_equal(bpf_run(prog, len, b, frame(b, 0x0806, 6, 5, 0, src, dst, sp, dp)), 0);
			assert_int_equal(bpf_run(prog, len, b, frame(b, 0x0800, 17, 5, 0, src, dst, sp, dp)), 0);
			assert_int_equal(bpf_run(prog, len, b, frame(b, 0x0800, 6, 5, 0x2000, src, dst, sp, dp)), 0);
			assert_int_equal(bpf_run(prog, len, b, frame(b, 0x0800, 6, 5, 0x0010, src, dst, sp, dp)), 0);
			/* A frame cut inside the ports: the kernel's out-of-bounds load returns 0. */
			frame(b, 0x0800, 6, 5, 0x4000, src, dst, sp, dp);
			assert_int_equal(bpf_run(prog, len, b, 14 + 20 + 2), 0);
		}
		for (int q = 0; q < n; q++)
			assert_true(hist[q] > 3000 / n / 2);
	}
	/* A RETA other than i -> i % n cannot be expressed: refused. */
	assert_int_equal(tt_steer_init(s, 2, TT_RSS_SYMMETRIC, 1), 0);
	s->reta[5] = 0;
	assert_int_equal(tt_tap_steer_prog(s, 2, prog, RTE_DIM(prog)), 0);
	free(s);
}

/* ---- A port with RSS: a NIC faked under the ethdev calls tt_port_setup.c makes ------- */

/*
 * No virtual device here has RSS with a settable key and RETA, and Debian ships no driver
 * headers to write one: the test binary is linked with --wrap for each rte_eth_* call
 * tt_port_setup.c makes (tests/unit/meson.build), and the wrappers answer for FAKE_PORT with a
 * NIC that checks what ethdev itself would check (hash types and key length against its
 * capabilities, RSS_HASH only with RSS, the RETA's size and entries, offloads), records
 * what it is given, and hands every other port to the real call.
 */
#define FAKE_PORT (RTE_MAX_ETHPORTS - 1)

static struct fake_nic {
	/* what it offers */
	uint64_t rss_types;
	uint16_t reta_size;
	uint8_t key_size;
	bool reta_ignored;            /* accepts RETA updates, keeps its own table */
	/* what it was given */
	struct rte_eth_conf conf;
	uint16_t nb_rxq;
	uint8_t key[64];
	uint16_t reta[4096];
	unsigned int reta_updates;
	bool started;
} nic;

#define FAKE_RX_CAPA (RTE_ETH_RX_OFFLOAD_RSS_HASH)
/* The fake NIC's TX offloads; tests take MULTI_SEGS away to see FAST_FREE come back. */
static uint64_t fake_tx_capa = RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE | RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
#define FAKE_TX_CAPA fake_tx_capa

#define WRAP(ret, name, ...) \
	ret __real_##name(__VA_ARGS__); \
	ret __wrap_##name(__VA_ARGS__)

WRAP(int, rte_eth_dev_info_get, uint16_t port_id, struct rte_eth_dev_info *info);
WRAP(int, rte_eth_dev_get_name_by_port, uint16_t port_id, char *name);
WRAP(int, rte_eth_dev_socket_id, uint16_t port_id);
WRAP(int, rte_eth_dev_configure, uint16_t port_id, uint16_t nb_rxq, uint16_t nb_txq,
     const struct rte_eth_conf *conf);
WRAP(int, rte_eth_dev_adjust_nb_rx_tx_desc, uint16_t port_id, uint16_t *nb_rxd, uint16_t *nb_txd);
WRAP(int, rte_eth_rx_queue_setup, uint16_t port_id, uint16_t q, uint16_t nb_desc,
     unsigned int socket_id, const struct rte_eth_rxconf *conf, struct rte_mempool *mp);
WRAP(int, rte_eth_tx_queue_setup, uint16_t port_id, uint16_t q, uint16_t nb_desc,
     unsigned int socket_id, const struct rte_eth_txconf *conf);
WRAP(int, rte_eth_dev_start, uint16_t port_id);
WRAP(int, rte_eth_dev_stop, uint16_t port_id);
WRAP(int, rte_eth_dev_close, uint16_t port_id);
WRAP(int, rte_eth_macaddr_get, uint16_t port_id, struct rte_ether_addr *mac);
WRAP(int, rte_eth_dev_rss_reta_update, uint16_t port_id, struct rte_eth_rss_reta_entry64 *c,
     uint16_t size);
WRAP(int, rte_eth_dev_rss_reta_query, uint16_t port_id, struct rte_eth_rss_reta_entry64 *c,
     uint16_t size);
WRAP(int, rte_eth_dev_rss_hash_conf_get, uint16_t port_id, struct rte_eth_rss_conf *rss);

int
__wrap_rte_eth_dev_info_get(uint16_t port_id, struct rte_eth_dev_info *info)
{
	if (port_id != FAKE_PORT)
		return __real_rte_eth_dev_info_get(port_id, info);
	memset(info, 0, sizeof(*info));
	info->driver_name = "net_fake";
	info->max_rx_queues = 8;
	info->max_tx_queues = 8;
	info->min_mtu = 68;
	info->max_mtu = 9000;
	info->rx_offload_capa = FAKE_RX_CAPA;
	info->tx_offload_capa = FAKE_TX_CAPA;
	info->flow_type_rss_offloads = nic.rss_types;
	info->reta_size = nic.reta_size;
	info->hash_key_size = nic.key_size;
	return 0;
}

int
__wrap_rte_eth_dev_get_name_by_port(uint16_t port_id, char *name)
{
	if (port_id != FAKE_PORT)
		return __real_rte_eth_dev_get_name_by_port(port_id, name);
	snprintf(name, RTE_ETH_NAME_MAX_LEN, "fake_nic");
	return 0;
}

int
__wrap_rte_eth_dev_socket_id(uint16_t port_id)
{
	return port_id == FAKE_PORT ? SOCKET_ID_ANY : __real_rte_eth_dev_socket_id(port_id);
}

int
__wrap_rte_eth_dev_configure(uint16_t port_id, uint16_t nb_rxq, uint16_t nb_txq,
			     const struct rte_eth_conf *conf)
{
	const struct rte_eth_rss_conf *rss = &conf->rx_adv_conf.rss_conf;
	bool rss_mode = (conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG) != 0;

	if (port_id != FAKE_PORT)
		return __real_rte_eth_dev_configure(port_id, nb_rxq, nb_txq, conf);
	if (nb_rxq == 0 || nb_rxq > 8 || nb_txq != nb_rxq ||
	    (conf->rxmode.offloads & ~FAKE_RX_CAPA) || (conf->txmode.offloads & ~FAKE_TX_CAPA) ||
	    (!rss_mode && (conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH)) ||
	    (rss_mode && (rss->rss_hf & ~nic.rss_types)) ||
	    (rss_mode && rss->rss_key != NULL && rss->rss_key_len != nic.key_size))
		return -EINVAL;
	nic.conf = *conf;
	nic.nb_rxq = nb_rxq;
	if (rss_mode && rss->rss_key != NULL)
		memcpy(nic.key, rss->rss_key, rss->rss_key_len);
	return 0;
}

int
__wrap_rte_eth_dev_adjust_nb_rx_tx_desc(uint16_t port_id, uint16_t *nb_rxd, uint16_t *nb_txd)
{
	return port_id == FAKE_PORT ? 0 :
	       __real_rte_eth_dev_adjust_nb_rx_tx_desc(port_id, nb_rxd, nb_txd);
}

int
__wrap_rte_eth_rx_queue_setup(uint16_t port_id, uint16_t q, uint16_t nb_desc,
			      unsigned int socket_id, const struct rte_eth_rxconf *conf,
			      struct rte_mempool *mp)
{
	if (port_id != FAKE_PORT)
		return __real_rte_eth_rx_queue_setup(port_id, q, nb_desc, socket_id, conf, mp);
	return q < nic.nb_rxq && conf->offloads == nic.conf.rxmode.offloads ? 0 : -EINVAL;
}

int
__wrap_rte_eth_tx_queue_setup(uint16_t port_id, uint16_t q, uint16_t nb_desc,
			      unsigned int socket_id, const struct rte_eth_txconf *conf)
{
	if (port_id != FAKE_PORT)
		return __real_rte_eth_tx_queue_setup(port_id, q, nb_desc, socket_id, conf);
	return q < nic.nb_rxq && conf->offloads == nic.conf.txmode.offloads ? 0 : -EINVAL;
}

int
__wrap_rte_eth_dev_start(uint16_t port_id)
{
	if (port_id != FAKE_PORT)
		return __real_rte_eth_dev_start(port_id);
	nic.started = true;
	return 0;
}

int
__wrap_rte_eth_dev_stop(uint16_t port_id)
{
	if (port_id != FAKE_PORT)
		return __real_rte_eth_dev_stop(port_id);
	nic.started = false;
	return 0;
}

int
__wrap_rte_eth_dev_close(uint16_t port_id)
{
	return port_id == FAKE_PORT ? 0 : __real_rte_eth_dev_close(port_id);
}

int
__wrap_rte_eth_macaddr_get(uint16_t port_id, struct rte_ether_addr *mac)
{
	static const struct rte_ether_addr fake_mac = {{ 0x02, 0, 0, 0, 0, 0x42 }};

	if (port_id != FAKE_PORT)
		return __real_rte_eth_macaddr_get(port_id, mac);
	*mac = fake_mac;
	return 0;
}

static bool
reta_bit(const struct rte_eth_rss_reta_entry64 *c, uint16_t i)
{
	return (c[i / RTE_ETH_RETA_GROUP_SIZE].mask >> (i % RTE_ETH_RETA_GROUP_SIZE)) & 1;
}

int
__wrap_rte_eth_dev_rss_reta_update(uint16_t port_id, struct rte_eth_rss_reta_entry64 *c,
				   uint16_t size)
{
	if (port_id != FAKE_PORT)
		return __real_rte_eth_dev_rss_reta_update(port_id, c, size);
	if (!(nic.conf.rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG))
		return -ENOTSUP;
	if (size != nic.reta_size)
		return -EINVAL;
	for (uint16_t i = 0; i < size; i++)
		if (reta_bit(c, i) && c[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] >= nic.nb_rxq)
			return -EINVAL;
	nic.reta_updates++;
	for (uint16_t i = 0; i < size && !nic.reta_ignored; i++)
		if (reta_bit(c, i))
			nic.reta[i] = c[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
	return 0;
}

int
__wrap_rte_eth_dev_rss_reta_query(uint16_t port_id, struct rte_eth_rss_reta_entry64 *c,
				  uint16_t size)
{
	if (port_id != FAKE_PORT)
		return __real_rte_eth_dev_rss_reta_query(port_id, c, size);
	if (size != nic.reta_size)
		return -EINVAL;
	for (uint16_t i = 0; i < size; i++)
		if (reta_bit(c, i))
			c[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = nic.reta[i];
	return 0;
}

int
__wrap_rte_eth_dev_rss_hash_conf_get(uint16_t port_id, struct rte_eth_rss_conf *rss)
{
	if (port_id != FAKE_PORT)
		return __real_rte_eth_dev_rss_hash_conf_get(port_id, rss);
	if (rss->rss_key != NULL) {
		if (rss->rss_key_len < nic.key_size)
			return -EINVAL;
		memcpy(rss->rss_key, nic.key, nic.key_size);
	}
	rss->rss_hf = nic.conf.rx_adv_conf.rss_conf.rss_hf;
	return 0;
}

/* Set a fake NIC up as the engine would, for n_queues workers and the rss tunable. */
static void
fake_setup(struct tt_port *p, struct tt_steer *s, uint16_t n_queues, uint32_t rss)
{
	struct rte_mempool *pools[8] = { NULL };
	struct tt_config cfg;
	char err[256] = "";
	uint16_t port_id = FAKE_PORT;
	uint32_t n;

	memset(nic.key, 0, sizeof(nic.key));
	memset(nic.reta, 0, sizeof(nic.reta));
	memset(&nic.conf, 0, sizeof(nic.conf));
	nic.reta_updates = 0;
	tt_config_defaults(&cfg);
	assert_int_equal(tt_steer_init(s, n_queues, rss, 1), 0);
	n = tt_port_rss_reta_size(port_id, n_queues);
	if (n != 0 && tt_steer_rss(s))
		tt_steer_reta_size(s, n);
	if (tt_port_setup(p, port_id, n_queues, pools, &cfg, false, s, err, sizeof(err)) != 0)
		fail_msg("tt_port_setup: %s", err);
}

/*
 * Two workers, a NIC with IPv4/TCP RSS: RSS on with our symmetric key (in the NIC's key
 * length), IPv4/TCP only, the NIC's hash delivered, and a RETA that maps every hash to the
 * owner tt_steer_worker() computes; no MBUF_FAST_FREE. A NIC with a RETA of 64 makes the
 * software RETA 64 too; a key of 52 bytes repeats ours.
 */
static void
test_port_rss(void **state)
{
	struct tt_steer *s = malloc(sizeof(*s));
	struct tt_port p;
	uint64_t rng = 23;

	(void)state;
	assert_non_null(s);
	nic = (struct fake_nic){ .rss_types = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP, .reta_size = 128,
				 .key_size = 40 };
	for (int variant = 0; variant < 3; variant++) {
		uint16_t n_queues = variant == 2 ? 3 : 2;

		if (variant == 1) {
			nic.reta_size = 64;
			nic.key_size = 52;
		} else if (variant == 2) {
			nic.reta_size = 512;
		}
		fake_setup(&p, s, n_queues, variant == 1 ? TT_RSS_RANDOM : TT_RSS_SYMMETRIC);
		assert_true(p.steers);
		assert_true(p.rss_hash);
		assert_false(p.fast_free);
		assert_false(nic.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE);
		assert_int_equal(p.reta_size, nic.reta_size);
		assert_int_equal(nic.conf.rxmode.mq_mode, RTE_ETH_MQ_RX_RSS);
		assert_true(nic.conf.rx_adv_conf.rss_conf.rss_hf == RTE_ETH_RSS_NONFRAG_IPV4_TCP);
		assert_int_equal(nic.conf.rx_adv_conf.rss_conf.rss_key_len, nic.key_size);
		assert_true(nic.conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_RSS_HASH);
		assert_int_equal(s->reta_mask, RTE_MIN(nic.reta_size, TT_RETA_SIZE) - 1);
		for (unsigned int i = 0; i < nic.key_size; i++)
			assert_int_equal(nic.key[i], s->toeplitz.key[i % TT_TOEPLITZ_KEY_LEN]);
		assert_true(tt_toeplitz_key_is_symmetric(nic.key) == (variant != 1));
		for (int i = 0; i < 10000; i++) {
			uint32_t h = (uint32_t)tt_test_rnd(&rng);

			assert_int_equal(nic.reta[h % nic.reta_size], tt_steer_worker(s, h));
		}
		tt_port_close(&p);
	}
	free(s);
}

/*
 * Ports that must not steer: one queue (MBUF_FAST_FREE then on: one worker, one pool),
 * rss = 0, no IPv4/TCP RSS, a RETA that is not a power of two, and a NIC that accepts our
 * RETA but keeps its own (read back, found different: not trusted to steer).
 */
static void
test_port_no_rss(void **state)
{
	struct tt_steer *s = malloc(sizeof(*s));
	struct tt_port p;

	(void)state;
	assert_non_null(s);
	nic = (struct fake_nic){ .rss_types = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP, .reta_size = 128,
				 .key_size = 40 };
	fake_setup(&p, s, 1, TT_RSS_SYMMETRIC);
	assert_false(p.steers);
	/* Multi-segment TX on: payload attached to the send queue, so no FAST_FREE. */
	assert_true(p.tx_multi_seg);
	assert_true(nic.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	assert_false(p.fast_free);
	assert_false(nic.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE);
	assert_int_equal(nic.conf.rxmode.mq_mode, RTE_ETH_MQ_RX_NONE);
	tt_port_close(&p);
	fake_tx_capa &= ~RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	fake_setup(&p, s, 1, TT_RSS_SYMMETRIC);
	assert_false(p.tx_multi_seg);
	assert_true(p.fast_free);
	assert_true(nic.conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE);
	tt_port_close(&p);
	fake_tx_capa |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;

	fake_setup(&p, s, 2, TT_RSS_OFF);
	assert_false(p.steers);
	assert_false(p.fast_free);
	assert_int_equal(nic.conf.rxmode.mq_mode, RTE_ETH_MQ_RX_NONE);
	assert_int_equal(nic.reta_updates, 0);
	tt_port_close(&p);

	nic.rss_types = RTE_ETH_RSS_IP;
	fake_setup(&p, s, 2, TT_RSS_SYMMETRIC);
	assert_false(p.steers);
	assert_int_equal(nic.conf.rxmode.mq_mode, RTE_ETH_MQ_RX_NONE);
	tt_port_close(&p);

	nic.rss_types = RTE_ETH_RSS_TCP;
	nic.reta_size = 96;
	fake_setup(&p, s, 2, TT_RSS_SYMMETRIC);
	assert_false(p.steers);
	tt_port_close(&p);

	nic.reta_size = 128;
	nic.reta_ignored = true;
	fake_setup(&p, s, 2, TT_RSS_SYMMETRIC);
	assert_int_equal(nic.reta_updates, 1);
	assert_false(p.steers);
	assert_false(p.rss_hash);
	tt_port_close(&p);
	nic.reta_ignored = false;
	free(s);
}

/* ---- Owner choice and hand-over in the input path -------------------------------------- */

struct two_workers {
	struct tt_worker *w2;
	struct tt_worker *peers[2];
	struct tt_steer *steer;
};

/* A second worker (id 1) beside the harness's, which only receives hand-overs. */
static void
two_workers_up(struct tt_test_env *env, struct two_workers *tw, uint32_t rss, bool port_steers)
{
	struct tt_worker *w = env->w;

	tw->steer = malloc(sizeof(*tw->steer));
	assert_non_null(tw->steer);
	assert_int_equal(tt_steer_init(tw->steer, 2, rss, 1), 0);
	tt_steer_finish(tw->steer, port_steers);
	tw->w2 = rte_zmalloc("tt_worker", sizeof(*tw->w2), RTE_CACHE_LINE_SIZE);
	assert_non_null(tw->w2);
	tw->w2->id = 1;
	tw->w2->inbox = rte_ring_create("ut_steer_inbox", TT_INBOX_SIZE, (int)rte_socket_id(),
					RING_F_SC_DEQ);
	assert_non_null(tw->w2->inbox);
	tw->peers[0] = w;
	tw->peers[1] = tw->w2;
	w->n_workers = 2;
	w->peers = tw->peers;
	w->steer = tw->steer;
	env->port.steers = port_steers;
	env->port.rss_hash = port_steers;
	tt_worker_nic_hash_init(w);
	tt_test_tcp_start(env, NULL);
}

static void
two_workers_down(struct tt_test_env *env, struct two_workers *tw)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(tw->w2->inbox, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(tw->w2->inbox);
	rte_free(tw->w2);
	env->w->n_workers = 1;
	env->w->peers = env->peers;
	/* Teardown's TCP core keeps using the flow key it copied at start. */
	env->w->steer = &env->steer;
	env->port.steers = false;
	env->port.rss_hash = false;
	tt_worker_nic_hash_init(env->w);
	free(tw->steer);
}

/* A SYN to our port 80 from the peer's address and sport; nic_hash set when has_nic. */
static struct rte_mbuf *
syn(struct tt_test_env *env, uint16_t sport, bool has_nic, uint32_t nic_hash)
{
	struct tt_tb b = tt_tb_defaults(TT_TB_TCP);
	struct rte_mbuf *m;

	b.tcp_sport = sport;
	m = tt_tb_build(env, &b);
	if (has_nic) {
		m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
		m->hash.rss = nic_hash;
	}
	return m;
}

static uint32_t
syn_toeplitz(const struct tt_steer *s, uint16_t sport)
{
	return tt_toeplitz_v4(&s->toeplitz, TT_TEST_IP_PEER, TT_TEST_IP_US,
			      rte_cpu_to_be_16(sport), RTE_BE16(80));
}

/* Feed one SYN; true when worker 0 answered it, false when it was handed to worker 1. */
static bool
feed(struct tt_test_env *env, struct two_workers *tw, struct rte_mbuf *m)
{
	unsigned int before = rte_ring_count(tw->w2->inbox);

	tt_test_input(env, m);
	if (rte_ring_count(tw->w2->inbox) == before + 1) {
		assert_int_equal(tt_test_tx_count(env), 0);
		return false;
	}
	assert_int_equal(rte_ring_count(tw->w2->inbox), before);
	assert_int_equal(tt_test_tx_drain(env), 1);   /* the SYN-ACK */
	return true;
}

/*
 * No port steers: the owner is the keyed SipHash's high half. Segments of worker 1's flows
 * go to its inbox and are counted (EthHandoffs); worker 0 answers its own.
 */
static void
test_handover_siphash(void **state)
{
	struct tt_test_env *env = *state;
	struct two_workers tw;
	unsigned int mine = 0, handed = 0;

	two_workers_up(env, &tw, TT_RSS_SYMMETRIC, false);
	assert_int_equal(tw.steer->owner, TT_OWNER_SIPHASH);
	for (uint16_t sport = 41000; sport < 41064; sport++) {
		struct tt_flow f = {
			.raddr = TT_TEST_IP_PEER, .laddr = TT_TEST_IP_US,
			.rport = rte_cpu_to_be_16(sport), .lport = RTE_BE16(80),
		};
		uint16_t owner = tt_steer_worker(tw.steer,
						 (uint32_t)(tt_flow_hash(&tw.steer->flow_key, &f) >> 32));

		/* A NIC hash in the mbuf is ignored when ports do not steer. */
		assert_int_equal(feed(env, &tw, syn(env, sport, true, 0)), owner == 0);
		mine += owner == 0;
		handed += owner == 1;
	}
	assert_true(mine > 10 && handed > 10);
	assert_int_equal(TT_TEST_STAT(env, EthHandoffs), handed);
	assert_int_equal(TT_TEST_STAT(env, EthHandoffDrops), 0);
	assert_int_equal(TT_TEST_STAT(env, EthRssHashMismatch), 0);
	two_workers_down(env, &tw);
}

/*
 * A port that steers: the owner is the Toeplitz hash. The NIC's hash is compared with ours
 * TT_NIC_HASH_CHECKS times, then used as is (shown by feeding a wrong one afterwards, which
 * is believed). Then a port whose hash differs once is never believed again.
 */
static void
test_handover_nic_hash(void **state)
{
	struct tt_test_env *env = *state;
	struct two_workers tw;
	uint16_t sport = 42000;

	two_workers_up(env, &tw, TT_RSS_SYMMETRIC, true);
	assert_int_equal(tw.steer->owner, TT_OWNER_TOEPLITZ);
	assert_int_equal(env->w->nic_hash[0], TT_NIC_HASH_CHECKS);
	for (int i = 0; i < TT_NIC_HASH_CHECKS; i++, sport++) {
		uint32_t h = syn_toeplitz(tw.steer, sport);

		assert_int_equal(feed(env, &tw, syn(env, sport, true, h)),
				 tt_steer_worker(tw.steer, h) == 0);
	}
	assert_int_equal(env->w->nic_hash[0], 0);
	/* Trusted: a hash pointing at the other worker than ours moves the segment there. */
	for (int i = 0; i < 16; i++, sport++) {
		uint32_t h = syn_toeplitz(tw.steer, sport);

		assert_int_equal(feed(env, &tw, syn(env, sport, true, h + 1)),
				 tt_steer_worker(tw.steer, h + 1) == 0);
	}
	/* Without a NIC hash in the mbuf: ours. */
	for (int i = 0; i < 16; i++, sport++)
		assert_int_equal(feed(env, &tw, syn(env, sport, false, 0)),
				 tt_steer_worker(tw.steer, syn_toeplitz(tw.steer, sport)) == 0);
	assert_int_equal(TT_TEST_STAT(env, EthRssHashMismatch), 0);

	/* On probation again, and the NIC hashes otherwise: one mismatch, then never used. */
	tt_worker_nic_hash_init(env->w);
	{
		uint32_t h = syn_toeplitz(tw.steer, sport);

		assert_int_equal(feed(env, &tw, syn(env, sport, true, h ^ 1)),
				 tt_steer_worker(tw.steer, h) == 0);
		sport++;
	}
	assert_int_equal(TT_TEST_STAT(env, EthRssHashMismatch), 1);
	assert_int_equal(env->w->nic_hash[0], -1);
	for (int i = 0; i < 40; i++, sport++) {
		uint32_t h = syn_toeplitz(tw.steer, sport);

		assert_int_equal(feed(env, &tw, syn(env, sport, true, h ^ 1)),
				 tt_steer_worker(tw.steer, h) == 0);
	}
	assert_int_equal(TT_TEST_STAT(env, EthRssHashMismatch), 1);
	assert_int_equal(TT_TEST_STAT(env, EthHandoffs), rte_ring_count(tw.w2->inbox));
	two_workers_down(env, &tw);
}

/* ---- Rough costs (printed, not asserted) ----------------------------------------------- */

#define COST_N 50000
#define COST_RUNS 7

static volatile uint32_t sink;

/*
 * Cycles per hash of a 4-tuple for each function the input path may run, each hash's input
 * depending on the previous result (latency, as for a segment whose lookup waits for its
 * hash), the best of several runs (the machine is shared); and per rte_hash lookup of 4096
 * flows whose CRC32C is equal (the old table under attack) versus the keyed hash.
 */
static void
test_costs(void **state)
{
	struct tt_steer *s = malloc(sizeof(*s));
	struct tt_flow f = flow_of_bits(1);
	uint32_t x = 0;
	uint64_t t0;
	double c_crc, c_flow, c_sip13, c_sip24, c_toe, c_soft;

	(void)state;
	assert_non_null(s);
	assert_int_equal(tt_steer_init(s, 2, TT_RSS_SYMMETRIC, 1), 0);
#define COST(var, expr) do { \
	var = 1e9; \
	for (int r_ = 0; r_ < COST_RUNS; r_++) { \
		t0 = rte_rdtsc_precise(); \
		for (uint32_t i_ = 0; i_ < COST_N; i_++) { f.rport = (uint16_t)x; x = (uint32_t)(expr); } \
		var = RTE_MIN(var, (double)(rte_rdtsc_precise() - t0) / COST_N); \
	} \
} while (0)
	COST(c_crc, old_table_hash(&f));
	COST(c_flow, tt_flow_hash(&s->flow_key, &f));
	COST(c_sip13, tt_siphash13_2u64(&s->flow_key.sip, f.rport, x));
	COST(c_sip24, tt_siphash_4u64(&s->flow_key.sip, 0, 0, f.rport, 0));
	COST(c_toe, tt_toeplitz_v4(&s->toeplitz, f.raddr, f.laddr, f.rport, f.lport));
	COST(c_soft, softrss(s->toeplitz.key, f.raddr, f.laddr, f.rport, f.lport));
#undef COST
	sink = x;
	print_message("cycles per 4-tuple hash: CRC32C (old) %.1f, flow hash (%s) %.1f, SipHash-1-3 %.1f, SipHash-2-4 of 32 B (ISN) %.1f, Toeplitz by tables %.1f, rte_softrss %.1f\n",
		      c_crc, s->flow_key.aes ? "AES rounds" : "SipHash-1-3", c_flow, c_sip13,
		      c_sip24, c_toe, c_soft);

	/* Lookups of 4096 CRC-colliding flows: the old table vs the keyed one. */
	colliding_flows(old_table_hash, coll);
	for (int keyed = 0; keyed < 2; keyed++) {
		struct rte_hash_parameters hp = {
			.name = keyed ? "ut_steer_keyed" : "ut_steer_crc", .entries = 2 * N_COLLIDING,
			.key_len = sizeof(struct tt_flow), .hash_func = rte_hash_crc,
			.socket_id = (int)rte_socket_id(), .extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
		};
		struct rte_hash *h = rte_hash_create(&hp);
		void *data;

		assert_non_null(h);
		for (unsigned int i = 0; i < N_COLLIDING; i++) {
			hv[i] = keyed ? (uint32_t)tt_flow_hash(&s->flow_key, &coll[i]) : old_table_hash(&coll[i]);
			assert_true(rte_hash_add_key_with_hash_data(h, &coll[i], hv[i], &coll[i]) == 0);
		}
		t0 = rte_rdtsc_precise();
		for (unsigned int i = 0; i < N_COLLIDING; i++)
			assert_true(rte_hash_lookup_with_hash_data(h, &coll[i], hv[i], &data) >= 0);
		print_message("rte_hash lookup of %u flows with equal CRC32C, %s hash: %.0f cycles each\n",
			      N_COLLIDING, keyed ? "keyed" : "CRC32C (old)",
			      (double)(rte_rdtsc_precise() - t0) / N_COLLIDING);
		rte_hash_free(h);
	}
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash13_vectors),
		cmocka_unit_test_setup_teardown(test_crc_collisions_table, tt_test_setup, tt_test_teardown),
		cmocka_unit_test(test_crc_collisions_owner),
		cmocka_unit_test(test_flowhash_aes_mixing),
		cmocka_unit_test(test_toeplitz_reference),
		cmocka_unit_test(test_toeplitz_symmetric),
		cmocka_unit_test(test_toeplitz_symmetric_fold),
		cmocka_unit_test(test_reta),
		cmocka_unit_test(test_tap_program),
		cmocka_unit_test(test_port_rss),
		cmocka_unit_test(test_port_no_rss),
		cmocka_unit_test_setup_teardown(test_handover_siphash, tt_test_setup, tt_test_teardown),
		cmocka_unit_test_setup_teardown(test_handover_nic_hash, tt_test_setup, tt_test_teardown),
		cmocka_unit_test(test_costs),
	};

	if (tt_test_eal_init("steer") != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
