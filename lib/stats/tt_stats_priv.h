/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker counter block. Each worker bumps its own copy with plain increments (no atomics,
 * SPEC "Counters"); readers on other threads sum the copies. The block is cache-line aligned
 * and padded so two workers never share a line.
 */
#ifndef TT_STATS_PRIV_H
#define TT_STATS_PRIV_H

#include <stdint.h>

#include <rte_common.h>

#include <tcpterm/tt_stats.h>

struct tt_stats {
	uint64_t c[TT_STAT__COUNT];
} __rte_cache_aligned;

#define TT_STAT_INC(st, name) ((st)->c[TT_STAT_##name]++)
#define TT_STAT_ADD(st, name, n) ((st)->c[TT_STAT_##name] += (n))
#define TT_STAT_DEC(st, name) ((st)->c[TT_STAT_##name]--)
#define TT_STAT_GET(st, name) ((st)->c[TT_STAT_##name])

/* A reader's view of one counter written by another thread: one aligned 64-bit load. */
static inline uint64_t
tt_stats_read(const struct tt_stats *st, unsigned int i)
{
	return __atomic_load_n(&st->c[i], __ATOMIC_RELAXED);
}

#endif /* TT_STATS_PRIV_H */
