/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A seedable random stream per owner: SplitMix64 (Steele, Lea and Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014), 64 bits of state, a full period of 2^64.
 * rte_rand() keeps one state per lcore seeded once for the process, so it cannot give each
 * worker, port and direction a stream of its own that one seed reproduces (the impairment
 * layer's determinism, tt_impair.h). Not for secrets: those are SipHash keys drawn from
 * rte_rand at start.
 */
#ifndef TT_RAND_H
#define TT_RAND_H

#include <stdint.h>

static inline uint64_t
tt_rand_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* A draw of 32 bits, the unit of the probabilities compared with it. */
static inline uint32_t
tt_rand32(uint64_t *state)
{
	return (uint32_t)(tt_rand_next(state) >> 32);
}

/* Uniform in [0, n) without a division (Lemire's multiply-shift; bias below 2^-32 * n). */
static inline uint32_t
tt_rand_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)(((uint64_t)tt_rand32(state) * n) >> 32);
}

#endif /* TT_RAND_H */
