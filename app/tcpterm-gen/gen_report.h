/* SPDX-License-Identifier: BSD-3-Clause */
/* tcpterm-gen's reports: snapshots, the line a second, the JSON summary (gen_report.c). */
#ifndef GEN_REPORT_H
#define GEN_REPORT_H

#include <stdio.h>

#include <tcpterm/tt_engine.h>

#include "gen.h"

/* Everything the reports need, read at one instant (the control thread's). */
struct gen_snapshot {
	uint64_t tsc;
	uint64_t open;
	uint64_t held;             /* --hold's connections up */
	struct gen_counts cnt;
	struct gen_hist h_conn, h_req;
	uint64_t tt[TT_STAT__COUNT];
	struct tt_status st;
};

void gen_snapshot_take(struct gen_snapshot *s, const struct tt_engine *e);
/* The line for the interval a -> b. */
void gen_line_print(const struct gen_snapshot *a, const struct gen_snapshot *b, FILE *out);
/*
 * One JSON object on one line: totals of last, connection rates over active_s (from the
 * first connection), the flood's over flood_s (floods start at once), counters' growth;
 * held_at_stop: --hold's connections up when the stop began.
 */
void gen_summary_print(const struct gen_snapshot *first, const struct gen_snapshot *last,
		       double active_s, double flood_s, uint64_t held_at_stop, FILE *out);

#endif /* GEN_REPORT_H */
