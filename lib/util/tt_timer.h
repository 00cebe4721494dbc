/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hierarchical timer wheel (DESIGN "Time"): 1 ms ticks, five levels of 64 slots, so delays
 * up to 2^30 ms (12 days) with O(1) arm and cancel; expiry is O(1) per timer plus one
 * cascade per timer and level crossed. One wheel per worker; nothing here is thread-safe.
 *
 * Timers are intrusive: the owner (SYN queue entry, TCB, TIME_WAIT entry) embeds a
 * struct tt_timer and tells kinds apart with its 'kind' byte; expiry hands the timer back
 * to one callback that dispatches on kind and finds the owner with container_of.
 */
#ifndef TT_TIMER_H
#define TT_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TT_WHEEL_BITS   6
#define TT_WHEEL_SLOTS  (1u << TT_WHEEL_BITS)
#define TT_WHEEL_LEVELS 5
#define TT_TIMER_MAX_DELAY ((1u << (TT_WHEEL_BITS * TT_WHEEL_LEVELS)) - 1)

struct tt_timer {
	struct tt_timer *next;
	struct tt_timer **pprev;   /* NULL when not armed */
	uint32_t expire;           /* tick, modulo 2^32 */
	uint8_t kind;              /* the owner's dispatch tag; the wheel never reads it */
	uint8_t owner_u8[3];       /* free for the owner: keeps the struct at 24 bytes */
};

struct tt_wheel {
	uint64_t next;             /* next tick to process: the current time is next - 1 */
	uint32_t count;            /* armed timers */
	/*
	 * Bit i of occ[level]: slot[level][i] may hold timers. Set on every insert, cleared only
	 * when the slot is found or made empty (a cancel leaves it set), so a clear bit proves an
	 * empty slot and a jump of the clock skips empty slots a word at a time.
	 */
	uint64_t occ[TT_WHEEL_LEVELS];
	struct tt_timer *slot[TT_WHEEL_LEVELS][TT_WHEEL_SLOTS];
};

/* Called for each expired timer, which is no longer armed and may be re-armed. */
typedef void (*tt_timer_fn)(void *ctx, struct tt_timer *t);

/* A wheel whose current time is now: the first tick it will process is now + 1. */
void tt_wheel_init(struct tt_wheel *w, uint64_t now);

/*
 * Arm t to fire delay ticks after the wheel's current time (the time of the last advance,
 * or the tick being fired inside a callback); delay 0 fires on the next tick. Re-arms an
 * armed timer.
 */
void tt_timer_arm(struct tt_wheel *w, struct tt_timer *t, uint32_t delay);

/* Disarm t if armed: inline, since most cancels on a connection's path find it disarmed. */
static inline void
tt_timer_cancel(struct tt_wheel *w, struct tt_timer *t)
{
	if (t->pprev == NULL)
		return;
	*t->pprev = t->next;
	if (t->next != NULL)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
	w->count--;
}

static inline bool
tt_timer_armed(const struct tt_timer *t)
{
	return t->pprev != NULL;
}

static inline void
tt_timer_init(struct tt_timer *t, uint8_t kind)
{
	t->next = NULL;
	t->pprev = NULL;
	t->expire = 0;
	t->kind = kind;
}

/*
 * Make 'now' the current time: fire, tick by tick in expiry order, every timer due at or
 * before it. Call it before anything that arms timers, so they count from the right time.
 * Returns the number of timers fired.
 */
unsigned int tt_wheel_advance(struct tt_wheel *w, uint64_t now, tt_timer_fn fn, void *ctx);

#endif /* TT_TIMER_H */
