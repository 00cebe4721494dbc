/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4, SPEC D1). Compare sequence numbers
 * only through these helpers, never with a raw '<' (STYLE habit 9).
 */
#ifndef TT_TCP_SEQ_H
#define TT_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool tt_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool tt_seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool tt_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool tt_seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* lo <= s < hi, modulo 2^32; an empty window (lo == hi) holds nothing. */
static inline bool
tt_seq_in(uint32_t s, uint32_t lo, uint32_t hi)
{
	return s - lo < hi - lo;
}

#endif /* TT_TCP_SEQ_H */
