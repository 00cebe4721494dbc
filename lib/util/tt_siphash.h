/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): the keyed PRF behind RFC 6528 ISNs (SPEC H2)
 * and SYN cookies (SPEC C2). Keys are drawn at start from the kernel's random source.
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

/* Fill key from getrandom(2). 0 or -errno. */
int tt_siphash_key_random(struct tt_siphash_key *key);

#endif /* TT_SIPHASH_H */
