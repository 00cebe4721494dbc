/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The invariants of the send queue and the reassembly queue (TT_TCP_CHECK, tcp_conn.h),
 * walked after every input and output of a connection in builds with RTE_ENABLE_ASSERT;
 * and the flow table's, walked by the tests' books check.
 * A file of their own so the fuzz build can leave them out of coverage
 * (tests/fuzz/coverage_ignore.txt): their comparisons are the checker's, not tcpterm's
 * behaviour, and once instrumented they took a fifth of fuzz_tcp's time.
 */
#include <inttypes.h>
#include <stdio.h>

#include <rte_debug.h>
#include <rte_mbuf.h>

#include "tcp_conn.h"
#include "tcp_seq.h"

void
tt_sndq_check(const struct tt_conn *c)
{
	uint32_t seq = c->snd_una, bytes = 0, units = 0, sacked = 0, lost = 0, retrans = 0;
	uint32_t sacked_units = 0;
	bool unit_seen = c->snd_unit == NULL;

	for (const struct rte_mbuf *u = c->sndq; u != NULL; u = u->next) {
		const struct tt_sndq_meta *mt = tt_sndq_meta(u);

		RTE_VERIFY(mt->seq == seq);
		RTE_VERIFY(u->data_len > 0);
		if (u == c->snd_unit) {
			RTE_VERIFY(tt_seq_geq(c->snd_nxt, mt->seq) &&
				   tt_seq_lt(c->snd_nxt, mt->seq + u->data_len));
			unit_seen = true;
		}
		if (mt->flags & TT_SU_SACKED) {
			sacked += u->data_len;
			sacked_units++;
		}
		if (mt->flags & TT_SU_LOST)
			lost += u->data_len;
		if (mt->flags & TT_SU_RETRANS) {
			RTE_VERIFY(mt->flags & TT_SU_LOST);
			retrans += u->data_len;
		}
		seq += u->data_len;
		bytes += u->data_len;
		units++;
		if (u->next == NULL)
			RTE_VERIFY(u == c->sndq_tail);
	}
	RTE_VERIFY(unit_seen);
	RTE_VERIFY(bytes == c->sndq_len && units == c->sndq_units);
	RTE_VERIFY(sacked == c->sacked_bytes && sacked_units == c->sacked_units);
	RTE_VERIFY(lost == c->lost_bytes && retrans == c->retrans_bytes);
	if (c->snd_unit == NULL)
		RTE_VERIFY(!tt_seq_lt(c->snd_nxt, c->snd_una + c->sndq_len));
}

void
tt_reass_check(const struct tt_conn *c)
{
	uint32_t prev_end = c->rcv_nxt, bufs = 0;

	for (const struct rte_mbuf *q = c->ooq; q != NULL; q = q->next) {
		RTE_VERIFY(tt_seq_geq(tt_sndq_meta(q)->seq, prev_end));
		RTE_VERIFY(q->data_len > 0 && q->nb_segs == 1);
		prev_end = tt_sndq_meta(q)->seq + q->data_len;
		bufs++;
		if (q->next == NULL)
			RTE_VERIFY(q == c->ooq_tail);
	}
	RTE_VERIFY(bufs == c->ooq_bufs);
}

int64_t
tt_flow_table_audit(const struct tt_tcp *t, char *err, size_t errlen)
{
	const struct tt_flow_table *ft = &t->ft;
	int64_t n = 0;

	for (uint32_t b = 0; b <= ft->mask; b++)
		for (unsigned int i = 0; i < TT_FLOW_WAYS; i++) {
			const struct tt_flow_slot *s = &ft->b[b].s[i];
			uint64_t h;

			if (s->val == 0)
				continue;
			h = tt_flow_hash(&t->flow_key, tt_flow_ptr(s->val));
			if (h != s->hash || (b != tt_flow_bucket1(ft, h) && b != tt_flow_bucket2(ft, h))) {
				snprintf(err, errlen, "flow table: bucket %u slot %u holds hash %#" PRIx64
					 " for a key whose hash is %#" PRIx64, b, i, s->hash, h);
				return -1;
			}
			n++;
		}
	if (n != ft->count) {
		snprintf(err, errlen, "flow table: %" PRId64 " entries, count says %u", n, ft->count);
		return -1;
	}
	return n;
}
