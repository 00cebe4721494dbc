/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash (Aumasson and Bernstein, 2012). SipHash-2-4, the conservative PRF, is behind
 * RFC 6528 ISNs (SPEC H2) and SYN cookies (SPEC C2), where a forgery is the attack.
 * SipHash-1-3, the reduced-round variant Rust's HashMap and CPython use for their tables,
 * is behind the flow table and the software owner choice (SPEC R3), where the attack is
 * HashDoS: it runs for every segment, and the attacker sees no output. Keys are drawn at
 * start from the kernel's random source.
 */
#ifndef TT_SIPHASH_H
#define TT_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct tt_siphash_key {
	uint64_t k0, k1;
};

/* SipHash-2-4 of len bytes; the key as two little-endian 64-bit words. */
uint64_t tt_siphash(const struct tt_siphash_key *key, const void *data, size_t len);

/*
 * The same function for exactly four 64-bit little-endian words (the 32 bytes a 4-tuple
 * plus a counter and an extra word fill), without the byte loop: the fast path's form.
 */
uint64_t tt_siphash_4u64(const struct tt_siphash_key *key, uint64_t a, uint64_t b,
			 uint64_t c, uint64_t d);

/*
 * Two words (the 16 bytes of a 4-tuple): the same function, ten rounds where four words
 * take fourteen.
 */
uint64_t tt_siphash_2u64(const struct tt_siphash_key *key, uint64_t a, uint64_t b);

/* SipHash-1-3 of len bytes. */
uint64_t tt_siphash13(const struct tt_siphash_key *key, const void *data, size_t len);

#define TT_SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define TT_SIP_ROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = TT_SIP_ROTL(v1, 13); v1 ^= v0; v0 = TT_SIP_ROTL(v0, 32); \
	v2 += v3; v3 = TT_SIP_ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = TT_SIP_ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = TT_SIP_ROTL(v1, 17); v1 ^= v2; v2 = TT_SIP_ROTL(v2, 32); \
} while (0)

/*
 * SipHash-1-3 of exactly two 64-bit little-endian words (a 16-byte flow key): the same value
 * as tt_siphash13() of those 16 bytes. Inline because it runs once per received segment.
 */
static inline uint64_t
tt_siphash13_2u64(const struct tt_siphash_key *key, uint64_t a, uint64_t b)
{
	uint64_t v0 = key->k0 ^ UINT64_C(0x736f6d6570736575);
	uint64_t v1 = key->k1 ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = key->k0 ^ UINT64_C(0x6c7967656e657261);
	uint64_t v3 = key->k1 ^ UINT64_C(0x7465646279746573);
	const uint64_t last = (uint64_t)16 << 56;

	v3 ^= a;
	TT_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= a;
	v3 ^= b;
	TT_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v3 ^= last;
	TT_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	TT_SIP_ROUND(v0, v1, v2, v3);
	TT_SIP_ROUND(v0, v1, v2, v3);
	TT_SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* Fill key from getrandom(2). 0 or -errno. */
int tt_siphash_key_random(struct tt_siphash_key *key);

#endif /* TT_SIPHASH_H */
