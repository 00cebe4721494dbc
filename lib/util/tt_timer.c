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
slot_insert(struct tt_timer **head, struct tt_timer *t)
{
	t->next = *head;
	if (t->next != NULL)
		t->next->pprev = &t->next;
	t->pprev = head;
	*head = t;
}

static void
place(struct tt_wheel *w, struct tt_timer *t)
{
	int32_t delta = (int32_t)(t->expire - (uint32_t)w->next);
	unsigned int level = 0;

	if (delta < 0) {
		/* Already due: the next tick processed fires it. */
		slot_insert(&w->slot[0][w->next & SLOT_MASK], t);
		return;
	}
	while (level + 1 < TT_WHEEL_LEVELS &&
	       (uint32_t)delta >= (1u << (TT_WHEEL_BITS * (level + 1))))
		level++;
	slot_insert(&w->slot[level][(t->expire >> (TT_WHEEL_BITS * level)) & SLOT_MASK], t);
}

void
tt_wheel_init(struct tt_wheel *w, uint64_t now)
{
	*w = (struct tt_wheel){ .next = now + 1 };
}

void
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

void
tt_timer_arm(struct tt_wheel *w, struct tt_timer *t, uint32_t delay)
{
	tt_timer_cancel(w, t);
	if (delay > TT_TIMER_MAX_DELAY)
		delay = TT_TIMER_MAX_DELAY;
	t->expire = (uint32_t)(w->next - 1) + delay;
	place(w, t);
	w->count++;
}

/* Re-place every timer of one slot by its remaining distance. */
static void
cascade(struct tt_wheel *w, unsigned int level, unsigned int idx)
{
	struct tt_timer *t = w->slot[level][idx];

	w->slot[level][idx] = NULL;
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
		w->count--;
		fired++;
		fn(ctx, t);
	}
	return fired;
}

unsigned int
tt_wheel_advance(struct tt_wheel *w, uint64_t now, tt_timer_fn fn, void *ctx)
{
	unsigned int fired = 0;

	while (w->next <= now) {
		uint64_t tick = w->next;

		if (w->count == 0) {
			w->next = now + 1;
			break;
		}
		if ((tick & SLOT_MASK) == 0) {
			for (unsigned int level = 1; level < TT_WHEEL_LEVELS; level++) {
				unsigned int idx = (tick >> (TT_WHEEL_BITS * level)) & SLOT_MASK;

				cascade(w, level, idx);
				if (idx != 0)
					break;
			}
		} else if (w->slot[0][tick & SLOT_MASK] == NULL) {
			/*
			 * Until the next cascade, only a timer in level 0 can be due: skip the empty
			 * slots at once. A jump of minutes (tests, the fuzz targets on the fake clock)
			 * then costs a cascade per 64 ticks, not an iteration per tick.
			 */
			uint64_t last = (tick | SLOT_MASK) < now ? (tick | SLOT_MASK) : now;

			while (tick < last && w->slot[0][(tick + 1) & SLOT_MASK] == NULL)
				tick++;
			w->next = tick + 1;
			continue;
		}
		w->next = tick + 1;
		fired += fire_slot(w, tick & SLOT_MASK, fn, ctx);
	}
	return fired;
}
