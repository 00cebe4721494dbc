/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What tcpterm-gen reports (SPEC A3, O5's shape): a snapshot of every worker's figures and
 * the engine's counters, taken by the control thread; one line a second from two snapshots;
 * the JSON summary from the last one. Workers are never stopped or locked for it: their
 * counters are read with relaxed loads, so a line may split an event between two seconds,
 * never lose it.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include <tcpterm/tt_engine.h>
#include <tcpterm/tt_stats.h>

#include "gen_report.h"

const char *const gen_err_name[GEN_ERR__COUNT] = {
#define GEN_ERR_NAME(n) #n,
	GEN_ERRORS(GEN_ERR_NAME)
#undef GEN_ERR_NAME
};

static const char *const kind_names[] = { "syn", "ack", "rst" };

static uint64_t
rd(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
gen_snapshot_take(struct gen_snapshot *s, const struct tt_engine *e)
{
	memset(s, 0, sizeof(*s));
	s->tsc = rte_rdtsc();
	for (uint16_t i = 0; i < gen.n_workers; i++) {
		const struct gen_worker *gw = gen.w[i];
		const uint64_t *src = (const uint64_t *)&gw->cnt;
		uint64_t *dst = (uint64_t *)&s->cnt;

		if (gw == NULL)
			continue;
		for (size_t k = 0; k < sizeof(s->cnt) / sizeof(uint64_t); k++)
			dst[k] += rd(&src[k]);
		gen_hist_add(&s->h_conn, &gw->h_conn);
		gen_hist_add(&s->h_req, &gw->h_req);
		s->open += __atomic_load_n(&gw->open, __ATOMIC_RELAXED);
		s->held += __atomic_load_n(&gw->held, __ATOMIC_RELAXED);
	}
	tt_engine_stats(e, s->tt);
	tt_engine_status(e, &s->st);
}

static uint64_t
err_total(const struct gen_counts *c, bool with_local)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < GEN_ERR__COUNT; i++)
		if (with_local || i != GEN_ERR_local)
			n += c->err[i];
	return n;
}

/* Of the connections that ended, the share that ended well (C5's figure); 100 if none. */
static double
success_pct(uint64_t completed, uint64_t failed)
{
	return completed + failed == 0 ? 100.0 : 100.0 * (double)completed /
					   (double)(completed + failed);
}

static double
ms(uint64_t us)
{
	return (double)us / 1000.0;
}

void
gen_line_print(const struct gen_snapshot *a, const struct gen_snapshot *b, FILE *out)
{
	static struct gen_hist hc, hr;     /* the control thread's only: 9 KB off its stack */
	double dt = (double)(b->tsc - a->tsc) / (double)gen.tsc_hz;
	double up = (double)(b->tsc - gen.start_tsc) / (double)gen.tsc_hz;
	uint64_t done = b->cnt.completed - a->cnt.completed;
	uint64_t failed = err_total(&b->cnt, false) - err_total(&a->cnt, false);
	uint64_t bytes = b->cnt.rx_bytes + b->cnt.tx_bytes - a->cnt.rx_bytes - a->cnt.tx_bytes;
	uint64_t busy = b->st.busy_cycles - a->st.busy_cycles;
	uint64_t total = b->st.total_cycles - a->st.total_cycles;
	char errs[160];
	int n = 0;

	if (dt <= 0)
		return;
	gen_hist_sub(&hc, &b->h_conn, &a->h_conn);
	gen_hist_sub(&hr, &b->h_req, &a->h_req);
	for (unsigned int i = 0; i < GEN_ERR__COUNT; i++)
		n += snprintf(errs + n, sizeof(errs) - (size_t)n, " %s %" PRIu64, gen_err_name[i],
			      b->cnt.err[i] - a->cnt.err[i]);
	fprintf(out,
		"[%6.1fs] conn/s %.0f req/s %.0f Gbps %.3f open %" PRIu64 " held %" PRIu64
		" ok %.1f%% |"
		" err%s | retrans %" PRIu64 " | conn ms p50 %.3f p99 %.3f p99.9 %.3f |"
		" req ms p50 %.3f p99 %.3f p99.9 %.3f | flood pps %.0f txfull %" PRIu64
		" | busy %.1f%%\n",
		up, (double)(b->cnt.established - a->cnt.established) / dt,
		(double)(b->cnt.requests - a->cnt.requests) / dt, (double)bytes * 8 / dt / 1e9,
		b->open, b->held, success_pct(done, failed), errs,
		b->tt[TT_STAT_RetransSegs] - a->tt[TT_STAT_RetransSegs],
		ms(gen_hist_quantile(&hc, 500)), ms(gen_hist_quantile(&hc, 990)),
		ms(gen_hist_quantile(&hc, 999)), ms(gen_hist_quantile(&hr, 500)),
		ms(gen_hist_quantile(&hr, 990)), ms(gen_hist_quantile(&hr, 999)),
		(double)(b->cnt.flood_pkts - a->cnt.flood_pkts) / dt,
		b->tt[TT_STAT_EthOutDrops] - a->tt[TT_STAT_EthOutDrops],
		total != 0 ? 100.0 * (double)busy / (double)total : 0.0);
	fflush(out);
}

static void
json_hist(FILE *out, const char *name, const struct gen_hist *h)
{
	fprintf(out, "\"%s\": {\"n\": %" PRIu64 ", \"p50\": %" PRIu64 ", \"p99\": %" PRIu64
		", \"p999\": %" PRIu64 ", \"max\": %" PRIu64 "}", name, h->n,
		gen_hist_quantile(h, 500), gen_hist_quantile(h, 990), gen_hist_quantile(h, 999),
		h->max);
}

void
gen_summary_print(const struct gen_snapshot *first, const struct gen_snapshot *last,
		  double active_s, double flood_s, uint64_t held_at_stop, FILE *out)
{
	const struct gen_counts *c = &last->cnt;
	char target[INET6_ADDRSTRLEN];
	uint64_t busy = last->st.busy_cycles - first->st.busy_cycles;
	uint64_t total = last->st.total_cycles - first->st.total_cycles;
	double t = active_s > 0 ? active_s : 1;

	if (gen.o.target.family == AF_INET6) {
		uint8_t end6[16];
		uint32_t low;

		inet_ntop(AF_INET6, gen.o.target.addr6, target, sizeof(target));
		fprintf(out, "{\"mode\": \"%s\", \"target\": \"[%s", gen_mode_name(gen.o.mode),
			target);
		if (gen.o.target_addrs > 1) {
			memcpy(end6, gen.o.target.addr6, 16);
			memcpy(&low, end6 + 12, 4);
			low = rte_cpu_to_be_32(rte_be_to_cpu_32(low) + gen.o.target_addrs - 1);
			memcpy(end6 + 12, &low, 4);
			fprintf(out, "-%s", inet_ntop(AF_INET6, end6, target, sizeof(target)));
		}
		fprintf(out, "]");
	} else {
		inet_ntop(AF_INET, &gen.o.target.addr, target, sizeof(target));
		fprintf(out, "{\"mode\": \"%s\", \"target\": \"%s", gen_mode_name(gen.o.mode),
			target);
	}
	if (gen.o.target.family != AF_INET6 && gen.o.target_addrs > 1) {
		uint32_t hi = rte_cpu_to_be_32(rte_be_to_cpu_32(gen.o.target.addr) +
					       gen.o.target_addrs - 1);

		inet_ntop(AF_INET, &hi, target, sizeof(target));
		fprintf(out, "-%s", target);
	}
	fprintf(out, ":%u", gen.o.target.port);
	if (gen.o.target_port_hi != gen.o.target.port)
		fprintf(out, "-%u", gen.o.target_port_hi);
	fprintf(out, "\", \"workers\": %u, \"duration_s\": %.3f, \"rate\": %" PRIu64 ", ",
		gen.n_workers, active_s, gen.o.rate);
	fprintf(out, "\"connections\": {\"attempted\": %" PRIu64 ", \"established\": %" PRIu64
		", \"completed\": %" PRIu64 ", \"open_at_end\": %" PRIu64 "}, ",
		c->attempts, c->established, c->completed, last->open);
	fprintf(out, "\"held\": {\"target\": %u, \"established\": %" PRIu64 ", \"up_at_stop\": %"
		PRIu64 "}, ", gen.o.hold, c->held_established, held_at_stop);
	fprintf(out, "\"requests\": %" PRIu64 ", \"rx_bytes\": %" PRIu64 ", \"tx_bytes\": %"
		PRIu64 ", ", c->requests, c->rx_bytes, c->tx_bytes);
	fprintf(out, "\"conn_per_s\": %.1f, \"req_per_s\": %.1f, \"gbps\": %.4f, ",
		(double)c->established / t, (double)c->requests / t,
		(double)(c->rx_bytes + c->tx_bytes) * 8 / t / 1e9);
	fprintf(out, "\"errors\": {");
	for (unsigned int i = 0; i < GEN_ERR__COUNT; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", gen_err_name[i], c->err[i]);
	fprintf(out, "}, \"errors_total\": %" PRIu64 ", \"success_pct\": %.3f, ",
		err_total(c, true), success_pct(c->completed, err_total(c, false)));
	fprintf(out, "\"retrans_segs\": %" PRIu64 ", \"tx_queue_full\": %" PRIu64 ", ",
		last->tt[TT_STAT_RetransSegs] - first->tt[TT_STAT_RetransSegs],
		last->tt[TT_STAT_EthOutDrops] - first->tt[TT_STAT_EthOutDrops]);
	json_hist(out, "connect_latency_us", &last->h_conn);
	fprintf(out, ", ");
	json_hist(out, "request_latency_us", &last->h_req);
	fprintf(out, ", \"flood\": {\"kind\": \"%s\", \"rate\": %" PRIu64 ", \"packets\": %"
		PRIu64 ", \"pps\": %.1f, \"nombuf\": %" PRIu64 "}, ",
		kind_names[gen.o.flood_kind], gen.o.flood_rate, c->flood_pkts,
		flood_s > 0 ? (double)c->flood_pkts / flood_s : 0.0, c->flood_nombuf);
	fprintf(out, "\"busy_pct\": %.2f, \"busy_cycles\": %" PRIu64 ", \"cycles_per_conn\": %.0f, "
		"\"counters\": {", total != 0 ? 100.0 * (double)busy / (double)total : 0.0, busy,
		c->established != 0 ? (double)busy / (double)c->established : 0.0);
	for (unsigned int i = 0; i < TT_STAT__COUNT; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", tt_stat_info[i].name,
			last->tt[i]);
	fprintf(out, "}}\n");
	fflush(out);
}
