/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker clock (DESIGN "Time"): the TSC read once per loop iteration and turned into
 * milliseconds with a precomputed reciprocal, so no division by a variable runs per loop.
 * Tests freeze it (fake = true) and move it by hand.
 */
#ifndef TT_CLOCK_H
#define TT_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_cycles.h>
#include <rte_reciprocal.h>

struct tt_clock {
	uint64_t tsc;      /* TSC at the last update */
	uint64_t ms;       /* milliseconds since tt_clock_init */
	uint64_t tsc0;
	uint64_t hz;
	struct rte_reciprocal_u64 per_ms;
	bool fake;
};

static inline void
tt_clock_init(struct tt_clock *c)
{
	c->hz = rte_get_tsc_hz();
	c->per_ms = rte_reciprocal_value_u64(c->hz / 1000 ? c->hz / 1000 : 1);
	c->tsc0 = rte_rdtsc();
	c->tsc = c->tsc0;
	c->ms = 0;
	c->fake = false;
}

/* The clock at TSC reading tsc, which the caller took (one reading serves a whole loop). */
static inline void
tt_clock_update_at(struct tt_clock *c, uint64_t tsc)
{
	if (c->fake)
		return;
	c->tsc = tsc;
	c->ms = rte_reciprocal_divide_u64(c->tsc - c->tsc0, &c->per_ms);
}

static inline void
tt_clock_update(struct tt_clock *c)
{
	if (!c->fake)
		tt_clock_update_at(c, rte_rdtsc());
}

/*
 * Tests: stop the clock at ms, then move it with tt_clock_advance(). The TSC reading moves
 * with it, so what derives from the TSC (ISNs) is as reproducible as the rest.
 */
static inline void
tt_clock_set_fake(struct tt_clock *c, uint64_t ms)
{
	c->fake = true;
	c->ms = ms;
	c->tsc = ms * (c->hz / 1000);
}

static inline void
tt_clock_advance(struct tt_clock *c, uint64_t ms)
{
	tt_clock_set_fake(c, c->ms + ms);
}

/* Wrap-safe "a is after b" for tick counts (STYLE habit 9). */
static inline bool
tt_tick_after(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) > 0;
}

#endif /* TT_CLOCK_H */
