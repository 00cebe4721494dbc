/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow hash: a keyed hash of a 16-byte flow key, run for every received segment, behind
 * the flow table and the software owner choice (SPEC R3). The attack it must stand is
 * HashDoS: flows chosen to share buckets or an owner. The attacker never sees an output, so
 * what is needed is a function whose collisions cannot be found without the key (CRC32C,
 * affine, failed that: issue 6), not a PRF whose outputs may be published.
 *
 * Where the CPU has AES round instructions: the block XORed with a secret key, then three
 * AES rounds under secret round keys: Go's runtime map hash (aeshash) hashes short keys
 * with three AES rounds under a per-process seed for the same attack. Two rounds make every
 * output byte depend on every input byte. Far fewer cycles than SipHash-1-3 (test_steer
 * prints both).
 * Elsewhere: SipHash-1-3 (tt_siphash.h). One process uses one of the two throughout.
 */
#ifndef TT_FLOWHASH_H
#define TT_FLOWHASH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_config.h>

#include "tt_siphash.h"

struct tt_flowhash_key {
	uint64_t rk[4][2];             /* AES: the whitening key, then a key per round */
	struct tt_siphash_key sip;     /* without AES */
	bool aes;                      /* the CPU has AES-NI: rk is used */
};

/* Every key drawn from getrandom(2); aes from the CPU's flags. 0 or -errno. */
int tt_flowhash_key_random(struct tt_flowhash_key *key);

#ifdef RTE_ARCH_X86_64
uint64_t tt_flowhash_aes(const struct tt_flowhash_key *key, uint64_t a, uint64_t b);
#endif

/* The hash of the two 64-bit little-endian words of a flow key. */
static inline uint64_t
tt_flowhash(const struct tt_flowhash_key *key, uint64_t a, uint64_t b)
{
#ifdef RTE_ARCH_X86_64
	if (key->aes)
		return tt_flowhash_aes(key, a, b);
#endif
	return tt_siphash13_2u64(&key->sip, a, b);
}

#endif /* TT_FLOWHASH_H */
