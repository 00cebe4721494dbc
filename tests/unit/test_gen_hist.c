/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpterm-gen's latency histograms (app/tcpterm-gen/gen_hist.c, SPEC A3): every value lands
 * in a bucket whose bounds hold it and whose width is at most 1/16 of it; percentiles of
 * known distributions; sums and differences as the control thread takes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gen_hist.h"

static uint64_t
lower(unsigned int i)
{
	return i == 0 ? 0 : gen_hist_upper(i - 1) + 1;
}

/* Buckets tile the values with no gap or overlap, each at most 1/16 of its values wide. */
static void
test_buckets_tile(void **state)
{
	(void)state;
	for (unsigned int i = 1; i < GEN_HIST_N - 1; i++) {
		uint64_t lo = lower(i), hi = gen_hist_upper(i);

		assert_true(hi >= lo);
		assert_int_equal(gen_hist_index(lo), i);
		assert_int_equal(gen_hist_index(hi), i);
		if (lo >= GEN_HIST_SUB)
			assert_true((hi - lo + 1) * GEN_HIST_SUB <= lo);
	}
	for (uint64_t v = 0; v < 100000; v++) {
		unsigned int i = gen_hist_index(v);

		assert_true(lower(i) <= v && v <= gen_hist_upper(i));
	}
	/* Past 2^36 us everything shares the last bucket instead of running off the array. */
	assert_int_equal(gen_hist_index((UINT64_C(1) << 36) - 1), GEN_HIST_N - 2);
	assert_int_equal(gen_hist_upper(GEN_HIST_N - 2), (UINT64_C(1) << 36) - 1);
	assert_int_equal(gen_hist_index(UINT64_C(1) << 36), GEN_HIST_N - 1);
	assert_int_equal(gen_hist_index(UINT64_MAX), GEN_HIST_N - 1);
}

/* 1..1000 us once each: p50 near 500, p99 near 990, p99.9 near 999, within a bucket. */
static void
test_quantiles(void **state)
{
	struct gen_hist *h = calloc(1, sizeof(*h));

	(void)state;
	assert_int_equal(gen_hist_quantile(h, 500), 0);
	for (uint64_t v = 1; v <= 1000; v++)
		gen_hist_record(h, v);
	assert_int_equal(h->n, 1000);
	assert_int_equal(h->max, 1000);
	assert_true(gen_hist_quantile(h, 500) >= 500 && gen_hist_quantile(h, 500) <= 500 + 32);
	assert_true(gen_hist_quantile(h, 990) >= 990 && gen_hist_quantile(h, 990) <= 1000);
	assert_true(gen_hist_quantile(h, 999) >= 999 && gen_hist_quantile(h, 999) <= 1000);
	/* Never above the largest sample, though its bucket reaches 1023. */
	assert_int_equal(gen_hist_quantile(h, 1000), 1000);
	/* 99 fast samples and one slow: the slow one is p99.9 and max, not p99 (which is 40's
	 * bucket, 40..41, reported by its upper bound). */
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 99; i++)
		gen_hist_record(h, 40);
	gen_hist_record(h, 1000000);
	assert_int_equal(gen_hist_quantile(h, 990), 41);
	assert_true(gen_hist_quantile(h, 999) >= 1000000 &&
		    gen_hist_quantile(h, 999) <= 1000000 + 1000000 / 16);
	free(h);
}

/* The control thread's view: a sum of workers, and one second as the difference of two sums. */
static void
test_add_sub(void **state)
{
	struct gen_hist *w0 = calloc(1, sizeof(*w0)), *w1 = calloc(1, sizeof(*w1));
	struct gen_hist *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct gen_hist *d = calloc(1, sizeof(*d));

	(void)state;
	gen_hist_record(w0, 10);
	gen_hist_record(w1, 20);
	gen_hist_add(a, w0);
	gen_hist_add(a, w1);
	assert_int_equal(a->n, 2);
	assert_int_equal(a->max, 20);
	for (int i = 0; i < 10; i++)
		gen_hist_record(w1, 300);
	gen_hist_add(b, w0);
	gen_hist_add(b, w1);
	gen_hist_sub(d, b, a);
	assert_int_equal(d->n, 10);
	assert_int_equal(gen_hist_quantile(d, 500), 300);
	free(w0);
	free(w1);
	free(a);
	free(b);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_tile),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_add_sub),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
