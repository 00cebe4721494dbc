/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer wheel (lib/util/tt_timer.c) on a fake clock: exact firing tick at every level,
 * cancel and re-arm, callbacks that re-arm or cancel, and a randomized run checked against
 * a naive model. Issue 3's SYN-ACK (H5), TIME_WAIT (F1, F6) and FIN_WAIT_2 (F7) timers rely
 * on each of these properties.
 */
#include <setjmp.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/util/tt_siphash.h"
#include "../../lib/util/tt_timer.h"

struct rec {
	struct tt_timer t;
	uint64_t fired_at;     /* tick it fired, UINT64_MAX if not */
	uint64_t due;          /* model: tick it must fire, UINT64_MAX if not armed */
	int fires;
	struct tt_timer *victim; /* cancelled by this timer's callback */
	int rearm_once;          /* re-armed with delay 0 by its first callback */
	struct tt_timer *rearm;  /* re-armed with delay 0 by this timer's callback */
};

struct ctx {
	struct tt_wheel *w;
	uint64_t tick;         /* tick being advanced to */
};

static void
on_fire(void *arg, struct tt_timer *t)
{
	struct ctx *c = arg;
	struct rec *r = (struct rec *)((char *)t - offsetof(struct rec, t));

	r->fired_at = c->tick;
	r->fires++;
	if (r->victim != NULL) {
		tt_timer_cancel(c->w, r->victim);
		r->victim = NULL;
	}
	if (r->rearm_once) {
		r->rearm_once = 0;
		tt_timer_arm(c->w, t, 0);
	}
	if (r->rearm != NULL) {
		tt_timer_arm(c->w, r->rearm, 0);
		r->rearm = NULL;
	}
}

/* Advance one tick at a time so the firing tick is observed exactly. */
static void
run_to(struct tt_wheel *w, struct ctx *c, uint64_t until)
{
	for (uint64_t t = w->next; t <= until; t++) {
		c->tick = t;
		tt_wheel_advance(w, t, on_fire, c);
	}
}

static void
test_exact_tick_each_level(void **state)
{
	static const uint32_t delays[] = { 0, 1, 2, 63, 64, 65, 100, 4095, 4096, 4097, 60000,
					   262143, 262144, 300000 };
	(void)state;

	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		for (uint64_t start = 0; start < 200; start += 37) {
			struct tt_wheel w;
			struct rec r = { .fired_at = UINT64_MAX };
			struct ctx c = { .w = &w };

			tt_wheel_init(&w, start);
			tt_timer_init(&r.t, 1);
			tt_timer_arm(&w, &r.t, delays[i]);
			assert_true(tt_timer_armed(&r.t));
			run_to(&w, &c, start + delays[i] + 70);
			assert_int_equal(r.fires, 1);
			/* Due delay ticks after 'start'; delay 0 on the next tick processed. */
			assert_int_equal(r.fired_at, start + (delays[i] ? delays[i] : 1));
			assert_false(tt_timer_armed(&r.t));
			assert_int_equal(w.count, 0);
		}
	}
}

static void
test_cancel_and_rearm(void **state)
{
	struct tt_wheel w;
	struct rec a = { .fired_at = UINT64_MAX }, b = { .fired_at = UINT64_MAX };
	struct ctx c = { .w = &w };
	(void)state;

	tt_wheel_init(&w, 1000);
	tt_timer_init(&a.t, 0);
	tt_timer_init(&b.t, 0);
	tt_timer_arm(&w, &a.t, 5000);
	tt_timer_arm(&w, &b.t, 10);
	tt_timer_cancel(&w, &a.t);
	tt_timer_cancel(&w, &a.t); /* twice is harmless */
	assert_false(tt_timer_armed(&a.t));
	tt_timer_arm(&w, &b.t, 20); /* re-arm replaces the first expiry */
	assert_int_equal(w.count, 1);
	run_to(&w, &c, 7000);
	assert_int_equal(a.fires, 0);
	assert_int_equal(b.fires, 1);
	assert_int_equal(b.fired_at, 1020);
}

/*
 * An RTO pushed back by every ACK (tt_timer_arm moves a timer later without unlinking it):
 * re-armed every tick for a second, it never fires; left alone, it fires at its last expiry
 * exactly, once, across a cascade. Moved earlier, it fires at the earlier time.
 */
static void
test_pushed_back(void **state)
{
	struct tt_wheel w;
	struct rec a = { .fired_at = UINT64_MAX }, b = { .fired_at = UINT64_MAX };
	struct ctx c = { .w = &w };
	(void)state;

	tt_wheel_init(&w, 5000);
	tt_timer_init(&a.t, 0);
	tt_timer_init(&b.t, 0);
	tt_timer_arm(&w, &b.t, 3000);
	for (uint64_t now = 5001; now <= 6000; now++) {
		run_to(&w, &c, now);
		tt_timer_arm(&w, &a.t, 200);
		assert_int_equal(w.count, 2);
	}
	assert_int_equal(a.fires, 0);
	tt_timer_arm(&w, &b.t, 100);           /* earlier than its 8000: moved */
	run_to(&w, &c, 9000);
	assert_int_equal(a.fires, 1);
	assert_int_equal(a.fired_at, 6200);
	assert_int_equal(b.fires, 1);
	assert_int_equal(b.fired_at, 6100);
	assert_int_equal(w.count, 0);
}

/*
 * A callback re-arms, with delay 0, another timer due in the same tick (still in the list
 * being fired): it fires on the next tick, as delay 0 means, not in this one. The lazy move
 * of an armed timer (tt_timer_arm) must not keep it in that list.
 */
static void
test_rearm_same_tick_other(void **state)
{
	struct tt_wheel w;
	struct rec a = { .fired_at = UINT64_MAX }, b = { .fired_at = UINT64_MAX };
	struct ctx c = { .w = &w };
	(void)state;

	tt_wheel_init(&w, 100);
	tt_timer_init(&a.t, 0);
	tt_timer_init(&b.t, 0);
	tt_timer_arm(&w, &b.t, 10);
	tt_timer_arm(&w, &a.t, 10);     /* inserted last: first in the slot's list */
	a.rearm = &b.t;
	run_to(&w, &c, 110);
	assert_int_equal(a.fires, 1);
	assert_int_equal(a.fired_at, 110);
	assert_int_equal(b.fires, 0);
	run_to(&w, &c, 111);
	assert_int_equal(b.fires, 1);
	assert_int_equal(b.fired_at, 111);
	assert_int_equal(w.count, 0);
}

static void
test_callback_rearms_and_cancels(void **state)
{
	struct tt_wheel w;
	struct rec a = { .fired_at = UINT64_MAX }, b = { .fired_at = UINT64_MAX };
	struct ctx c = { .w = &w };
	(void)state;

	tt_wheel_init(&w, 0);
	tt_timer_init(&a.t, 0);
	tt_timer_init(&b.t, 0);
	/*
	 * Same slot: each one's callback cancels the other, which then sits in the detached
	 * list being fired; the first to fire also re-arms itself with delay 0, which must
	 * fire on the next tick, not loop within this one.
	 */
	tt_timer_arm(&w, &a.t, 3);
	tt_timer_arm(&w, &b.t, 3);
	a.victim = &b.t;
	b.victim = &a.t;
	a.rearm_once = b.rearm_once = 1;
	run_to(&w, &c, 3);
	assert_int_equal(a.fires + b.fires, 1);
	run_to(&w, &c, 10);
	struct rec *first = a.fires ? &a : &b, *second = a.fires ? &b : &a;
	assert_int_equal(first->fires, 2);
	assert_int_equal(first->fired_at, 4);
	assert_int_equal(second->fires, 0);
	assert_int_equal(w.count, 0);
}

static void
test_idle_jump(void **state)
{
	struct tt_wheel w;
	struct rec r = { .fired_at = UINT64_MAX };
	struct ctx c = { .w = &w };
	(void)state;

	tt_wheel_init(&w, 0);
	/* An empty wheel jumps; a timer armed afterwards counts from the new time. */
	c.tick = 1000000;
	tt_wheel_advance(&w, 1000000, on_fire, &c);
	assert_int_equal(w.next, 1000001);
	tt_timer_init(&r.t, 0);
	tt_timer_arm(&w, &r.t, 60000);
	/* One big advance still fires it (the worker may stall for many ticks). */
	c.tick = 1000001 + 70000;
	assert_int_equal(tt_wheel_advance(&w, 1000001 + 70000, on_fire, &c), 1);
	assert_int_equal(r.fires, 1);
}

/* Random arms, cancels and re-arms against a model that knows each timer's due tick. */
static void
test_random_against_model(void **state)
{
	enum { N = 512, TICKS = 300000 };
	struct rec *r = calloc(N, sizeof(*r));
	struct tt_wheel w;
	struct ctx c = { .w = &w };
	uint64_t seed = 42;
	(void)state;

	assert_non_null(r);
	/* Before iteration t the current time is t - 1: that is what arms count from. */
	tt_wheel_init(&w, 4);
	for (int i = 0; i < N; i++) {
		tt_timer_init(&r[i].t, 0);
		r[i].due = UINT64_MAX;
		r[i].fired_at = UINT64_MAX;
	}
	for (uint64_t t = 5; t < TICKS; t++) {
		for (int k = 0; k < 3; k++) {
			struct rec *x;
			uint32_t delay;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			x = &r[(seed >> 33) % N];
			delay = (uint32_t)((seed >> 13) % ((seed & 1) ? 200 : 70000));
			if ((seed >> 7) % 5 == 0) {
				tt_timer_cancel(&w, &x->t);
				x->due = UINT64_MAX;
			} else {
				tt_timer_arm(&w, &x->t, delay);
				x->due = delay ? t - 1 + delay : t;
			}
		}
		c.tick = t;
		tt_wheel_advance(&w, t, on_fire, &c);
		for (int i = 0; i < N; i++) {
			if (r[i].fired_at == t) {
				assert_int_equal(r[i].due, t);
				r[i].due = UINT64_MAX;
				r[i].fired_at = UINT64_MAX;
			} else if (r[i].due == t) {
				fail_msg("timer %d due at %" PRIu64 " did not fire", i, t);
			}
		}
	}
	free(r);
}

/*
 * Jumps of the clock (a stalled worker, the fake clock of tests and fuzz targets) skip empty
 * slots and idle periods by the occupancy bits: every timer must still fire at its own
 * tick, seen from inside the callback as the wheel's current time, in tick order, with
 * callbacks re-arming timers in the middle of a jump.
 */
struct jump_ctx {
	struct tt_wheel *w;
	struct rec *r;
	uint64_t seed;
	uint64_t last_fired;
};

static void
on_fire_in_jump(void *arg, struct tt_timer *t)
{
	struct jump_ctx *c = arg;
	struct rec *r = (struct rec *)((char *)t - offsetof(struct rec, t));
	uint64_t now = c->w->next - 1;

	if (now < c->last_fired)
		fail_msg("a timer due at %" PRIu64 " fired after one at %" PRIu64, now,
			 c->last_fired);
	c->last_fired = now;
	if (r->due != now)
		fail_msg("a timer due at %" PRIu64 " fired at %" PRIu64, r->due, now);
	r->due = UINT64_MAX;
	r->fired_at = now;
	r->fires++;
	c->seed = c->seed * 6364136223846793005ULL + 1442695040888963407ULL;
	if ((c->seed >> 40) % 3 == 0) {
		uint32_t delay = (uint32_t)((c->seed >> 8) % 5000);

		tt_timer_arm(c->w, t, delay);
		r->due = delay ? now + delay : now + 1;
	}
}

static void
test_random_jumps_against_model(void **state)
{
	enum { N = 256, ROUNDS = 3000 };
	static const uint32_t spans[4] = { 64, 4096, 262144, 1u << 22 };
	struct rec *r = calloc(N, sizeof(*r));
	struct tt_wheel w;
	struct jump_ctx c = { .w = &w, .r = r, .seed = 7 };
	uint64_t now = 100;
	(void)state;

	assert_non_null(r);
	tt_wheel_init(&w, now);
	for (int i = 0; i < N; i++) {
		tt_timer_init(&r[i].t, 0);
		r[i].due = UINT64_MAX;
	}
	for (int round = 0; round < ROUNDS; round++) {
		uint64_t jump;

		for (int k = 0; k < 4; k++) {
			struct rec *x;
			uint32_t delay;

			c.seed = c.seed * 6364136223846793005ULL + 1442695040888963407ULL;
			x = &r[(c.seed >> 33) % N];
			delay = (uint32_t)((c.seed >> 11) % spans[(c.seed >> 3) & 3]);
			if ((c.seed >> 7) % 6 == 0) {
				tt_timer_cancel(&w, &x->t);
				x->due = UINT64_MAX;
			} else {
				tt_timer_arm(&w, &x->t, delay);
				x->due = delay ? now + delay : now + 1;
			}
		}
		c.seed = c.seed * 6364136223846793005ULL + 1442695040888963407ULL;
		jump = 1 + (c.seed >> 17) % spans[(c.seed >> 5) & 3];
		for (int i = 0; i < N; i++)
			r[i].fired_at = UINT64_MAX;
		c.last_fired = 0;
		now += jump;
		tt_wheel_advance(&w, now, on_fire_in_jump, &c);
		assert_int_equal(w.next, now + 1);
		for (int i = 0; i < N; i++) {
			if (r[i].fired_at != UINT64_MAX && r[i].due != UINT64_MAX &&
			    r[i].due <= r[i].fired_at)
				fail_msg("timer %d fired at %" PRIu64 " and is still due at %" PRIu64,
					 i, r[i].fired_at, r[i].due);
			if (r[i].due <= now)
				fail_msg("timer %d due at %" PRIu64 " did not fire by %" PRIu64, i,
					 r[i].due, now);
		}
	}
	free(r);
}

static void
test_siphash_vectors(void **state)
{
	struct tt_siphash_key k = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	uint8_t m[32];
	(void)state;

	for (int i = 0; i < 32; i++)
		m[i] = (uint8_t)i;
	/* The reference vectors of the SipHash paper (key 00..0f, message 00..len-1). */
	assert_true(tt_siphash(&k, m, 0) == UINT64_C(0x726fdb47dd0e0e31));
	assert_true(tt_siphash(&k, m, 15) == UINT64_C(0xa129ca6149be45e5));
	assert_true(tt_siphash_4u64(&k, 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL,
				    0x1716151413121110ULL, 0x1f1e1d1c1b1a1918ULL) ==
		    tt_siphash(&k, m, 32));
	assert_true(tt_siphash(&k, m, 16) == UINT64_C(0x3f2acc7f57c29bdb));
	assert_true(tt_siphash_2u64(&k, 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL) ==
		    UINT64_C(0x3f2acc7f57c29bdb));
	struct tt_siphash_key r1, r2;
	assert_int_equal(tt_siphash_key_random(&r1), 0);
	assert_int_equal(tt_siphash_key_random(&r2), 0);
	assert_false(r1.k0 == r2.k0 && r1.k1 == r2.k1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_tick_each_level),
		cmocka_unit_test(test_cancel_and_rearm),
		cmocka_unit_test(test_pushed_back),
		cmocka_unit_test(test_rearm_same_tick_other),
		cmocka_unit_test(test_callback_rearms_and_cancels),
		cmocka_unit_test(test_idle_jump),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_random_jumps_against_model),
		cmocka_unit_test(test_siphash_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
