/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer wheel, the cascading kind: a timer sits in the level whose span covers its distance
 * from 'now' and in the slot its expiry's bits at that level name. When level 0 wraps, the
 * level-1 slot for the new period is emptied and its timers re-placed by their remaining
 * distance (and so on upwards), so each timer reaches level 0 before it is due.
 *
 * 'next' is the next tick to process; the current time is next - 1 (the tick being fired,
 * inside a callback). A timer is due at current time + delay; one due now or earlier goes
 * in the slot of 'next': it runs on the next tick, never in a loop within the same tick.
 */
#include <assert.h>

#include "tt_timer.h"

static_assert(sizeof(struct tt_timer) == 24, "tt_timer grew: it lives in every SYN_RECV entry");

#define SLOT_MASK (TT_WHEEL_SLOTS - 1)

static void
slot_insert(struct tt_wheel *w, unsigned int level, unsigned int idx, struct tt_timer *t)
{
	struct tt_timer **head = &w->slot[level][idx];

	t->next = *head;
	if (t->next != NULL)
		t->next->pprev = &t->next;
	t->pprev = head;
	*head = t;
	w->occ[level] |= UINT64_C(1) << idx;
}

static void
place(struct tt_wheel *w, struct tt_timer *t)
{
	int32_t delta = (int32_t)(t->expire - (uint32_t)w->next);
	unsigned int level = 0;

	if (delta < 0) {
		/* Already due: the next tick processed fires it. */
		slot_insert(w, 0, w->next & SLOT_MASK, t);
		return;
	}
	while (level + 1 < TT_WHEEL_LEVELS &&
	       (uint32_t)delta >= (1u << (TT_WHEEL_BITS * (level + 1))))
		level++;
	slot_insert(w, level, (t->expire >> (TT_WHEEL_BITS * level)) & SLOT_MASK, t);
}

void
tt_wheel_init(struct tt_wheel *w, uint64_t now)
{
	*w = (struct tt_wheel){ .next = now + 1 };
}

/*
 * An armed timer moved later stays where it is, with its new expiry: its slot comes due no
 * later than the new expiry would place it, and there (fire_slot, or a cascade) it is placed
 * again by what is left. An RTO pushed back by every ACK, the common re-arm, then touches
 * no other timer: unlinking and inserting write two neighbours each, other TCBs' lines that
 * are cold at hundreds of thousands of connections a second (issue 9).
 */
void
tt_timer_arm(struct tt_wheel *w, struct tt_timer *t, uint32_t delay)
{
	uint32_t expire;

	if (delay > TT_TIMER_MAX_DELAY)
		delay = TT_TIMER_MAX_DELAY;
	expire = (uint32_t)(w->next - 1) + delay;
	if (t->pprev != NULL) {
		/* Not when its old expiry is due now: it may sit in the list being fired, which
		 * would fire it in this tick, not the next (a delay of 0 elsewhere in a callback). */
		if ((int32_t)(expire - t->expire) >= 0 &&
		    (int32_t)(t->expire - (uint32_t)(w->next - 1)) > 0) {
			t->expire = expire;
			return;
		}
		tt_timer_cancel(w, t);
	}
	t->expire = expire;
	place(w, t);
	w->count++;
}

/* Re-place every timer of one slot by its remaining distance. */
static void
cascade(struct tt_wheel *w, unsigned int level, unsigned int idx)
{
	struct tt_timer *t = w->slot[level][idx];

	w->slot[level][idx] = NULL;
	w->occ[level] &= ~(UINT64_C(1) << idx);
	while (t != NULL) {
		struct tt_timer *next = t->next;

		place(w, t);
		t = next;
	}
}

static unsigned int
fire_slot(struct tt_wheel *w, unsigned int idx, tt_timer_fn fn, void *ctx)
{
	struct tt_timer *list = w->slot[0][idx];
	unsigned int fired = 0;

	w->slot[0][idx] = NULL;
	w->occ[0] &= ~(UINT64_C(1) << idx);
	if (list != NULL)
		list->pprev = &list;
	/*
	 * Unlink from the detached list one by one, so a callback may cancel or re-arm any
	 * timer, including the next one in this list.
	 */
	while (list != NULL) {
		struct tt_timer *t = list;

		list = t->next;
		if (list != NULL)
			list->pprev = &list;
		t->next = NULL;
		t->pprev = NULL;
		/* Moved later while armed (tt_timer_arm): placed again by what is left. */
		if ((int32_t)(t->expire - (uint32_t)(w->next - 1)) > 0) {
			place(w, t);
			continue;
		}
		w->count--;
		fired++;
		fn(ctx, t);
	}
	return fired;
}

/*
 * The tick to go on from after a level-0 period without timers ended at 'boundary', when
 * level 0 holds none at all: the first later level-0 boundary whose cascade can move
 * something (its level-1 slot is marked), or the level-2 boundary, where higher levels
 * cascade. Skipping the others equals cascading empty slots. A jump of minutes (tests, the
 * fuzz targets on the fake clock, an idle worker) then costs a few iterations, not one per
 * tick or per 64 ticks.
 */
static uint64_t
skip_idle_periods(const struct tt_wheel *w, uint64_t boundary)
{
	const uint64_t level1_span = (uint64_t)TT_WHEEL_SLOTS << TT_WHEEL_BITS;
	unsigned int idx = (boundary >> TT_WHEEL_BITS) & SLOT_MASK;
	uint64_t base = boundary & ~(level1_span - 1);
	uint64_t marked;

	if (idx == 0)
		return boundary;
	marked = w->occ[1] & (~UINT64_C(0) << idx);
	if (marked == 0)
		return base + level1_span;
	return base + ((uint64_t)__builtin_ctzll(marked) << TT_WHEEL_BITS);
}

unsigned int
tt_wheel_advance(struct tt_wheel *w, uint64_t now, tt_timer_fn fn, void *ctx)
{
	unsigned int fired = 0;

	while (w->next <= now) {
		uint64_t tick = w->next;
		uint64_t last, due;
		unsigned int idx;

		if (w->count == 0) {
			w->next = now + 1;
			break;
		}
		if ((tick & SLOT_MASK) == 0) {
			for (unsigned int level = 1; level < TT_WHEEL_LEVELS; level++) {
				idx = (tick >> (TT_WHEEL_BITS * level)) & SLOT_MASK;
				cascade(w, level, idx);
				if (idx != 0)
					break;
			}
		}
		/* Until the next cascade only a timer in level 0 can be due: the marked slots. */
		last = (tick | SLOT_MASK) < now ? (tick | SLOT_MASK) : now;
		due = w->occ[0] & (~UINT64_C(0) << (tick & SLOT_MASK)) &
		      (~UINT64_C(0) >> (SLOT_MASK - (last & SLOT_MASK)));
		if (due == 0) {
			w->next = last + 1;
			if (last < now && w->occ[0] == 0) {
				uint64_t to = skip_idle_periods(w, w->next);

				w->next = to <= now ? to : now + 1;
			}
			continue;
		}
		idx = (unsigned int)__builtin_ctzll(due);
		w->next = (tick & ~(uint64_t)SLOT_MASK) + idx + 1;
		if (w->slot[0][idx] == NULL)
			w->occ[0] &= ~(UINT64_C(1) << idx);   /* emptied by cancels */
		else
			fired += fire_slot(w, idx, fn, ctx);
	}
	return fired;
}
