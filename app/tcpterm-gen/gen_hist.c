/* SPDX-License-Identifier: BSD-3-Clause */
/* tcpterm-gen's histograms, the control thread's side: sums, differences, percentiles. */
#include "gen_hist.h"

uint64_t
gen_hist_upper(unsigned int i)
{
	unsigned int k, sub;

	if (i < GEN_HIST_SUB)
		return i;
	if (i >= GEN_HIST_N - 1)
		return UINT64_MAX;
	k = i / GEN_HIST_SUB + GEN_HIST_SUB_BITS - 1;
	sub = i % GEN_HIST_SUB;
	return (((uint64_t)(GEN_HIST_SUB + sub + 1)) << (k - GEN_HIST_SUB_BITS)) - 1;
}

void
gen_hist_add(struct gen_hist *dst, const struct gen_hist *src)
{
	uint64_t m = __atomic_load_n(&src->max, __ATOMIC_RELAXED);

	/*
	 * The count from the buckets as read, not src->n: the worker records on while they
	 * are read, and a count ahead of the buckets would send a quantile past the last one.
	 */
	for (unsigned int i = 0; i < GEN_HIST_N; i++) {
		uint64_t v = __atomic_load_n(&src->b[i], __ATOMIC_RELAXED);

		dst->b[i] += v;
		dst->n += v;
	}
	if (m > dst->max)
		dst->max = m;
}

void
gen_hist_sub(struct gen_hist *dst, const struct gen_hist *a, const struct gen_hist *b)
{
	dst->n = 0;
	for (unsigned int i = 0; i < GEN_HIST_N; i++) {
		dst->b[i] = a->b[i] - b->b[i];
		dst->n += dst->b[i];
	}
	dst->max = a->max;
}

uint64_t
gen_hist_quantile(const struct gen_hist *h, unsigned int q_per_mille)
{
	uint64_t want, seen = 0;

	if (h->n == 0)
		return 0;
	/* The rank of the sample sought, rounded up: p99 of 10 samples is the 10th. */
	want = (h->n * q_per_mille + 999) / 1000;
	if (want == 0)
		want = 1;
	for (unsigned int i = 0; i < GEN_HIST_N; i++) {
		seen += h->b[i];
		if (seen >= want) {
			uint64_t u = gen_hist_upper(i);

			return u < h->max ? u : h->max;
		}
	}
	return h->max;
}
