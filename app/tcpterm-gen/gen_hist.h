/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histograms of tcpterm-gen: log-linear buckets (HdrHistogram's shape), fixed size,
 * so a worker records with a shift and an increment and never allocates on the data path.
 * Values are microseconds. Below 16 each value has its bucket; above, each power of two is
 * cut in 16, so a bucket is at most 1/16 (6.25 %) of its value wide. The control thread sums
 * the workers' histograms once a second (gen_hist_add) and reads percentiles from the sum.
 */
#ifndef GEN_HIST_H
#define GEN_HIST_H

#include <stdint.h>

#define GEN_HIST_SUB_BITS 4
#define GEN_HIST_SUB      (1u << GEN_HIST_SUB_BITS)
/* Values below 2^36 us (19 hours); anything longer lands in the one bucket after them. */
#define GEN_HIST_MAX_BIT  36
#define GEN_HIST_N        ((GEN_HIST_MAX_BIT - GEN_HIST_SUB_BITS + 1) * GEN_HIST_SUB + 1)

struct gen_hist {
	uint64_t n;
	uint64_t max;
	uint64_t b[GEN_HIST_N];
};

static inline unsigned int
gen_hist_index(uint64_t v)
{
	unsigned int k;

	if (v < GEN_HIST_SUB)
		return (unsigned int)v;
	if (v >> GEN_HIST_MAX_BIT)
		return GEN_HIST_N - 1;
	k = 63u - (unsigned int)__builtin_clzll(v);          /* v >= 16: k >= 4 */
	return (k - GEN_HIST_SUB_BITS + 1) * GEN_HIST_SUB +
	       (unsigned int)((v >> (k - GEN_HIST_SUB_BITS)) & (GEN_HIST_SUB - 1));
}

/* The worker's own histogram: plain stores, the worker is its only writer. */
static inline void
gen_hist_record(struct gen_hist *h, uint64_t v)
{
	h->b[gen_hist_index(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

/* The largest value bucket i holds (UINT64_MAX for the last). */
uint64_t gen_hist_upper(unsigned int i);
/* dst += src, src read with relaxed loads (another thread writes it). */
void gen_hist_add(struct gen_hist *dst, const struct gen_hist *src);
/* dst = a - b, bucket by bucket (a later reading minus an earlier one); max from a. */
void gen_hist_sub(struct gen_hist *dst, const struct gen_hist *a, const struct gen_hist *b);
/*
 * The value below which q_per_mille thousandths of the samples lie, as its bucket's upper
 * bound (capped by the largest sample); 0 for an empty histogram.
 */
uint64_t gen_hist_quantile(const struct gen_hist *h, unsigned int q_per_mille);

#endif /* GEN_HIST_H */
