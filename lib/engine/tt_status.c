/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one-line status (SPEC O5), from two readings of tt_engine_status() a second apart:
 * rates are what grew between them over the time between them. Counters can fall: a port's
 * ethdev statistics restart from 0 when they are reset (memif's when its peer reconnects,
 * rte_eth_stats_reset from a secondary process), so every difference goes through
 * tt_counter_delta(), port by port, where a fall is a restart and never a 2^64 wrap (which
 * printed "rx 18473415251693375488 pps"). Runs on the status thread, never on the data path.
 */
#include <inttypes.h>
#include <stdio.h>

#include <tcpterm/tt_engine.h>

int
tt_status_format(const struct tt_status *a, struct tt_status *b, double uptime_s, char *buf,
		 size_t len)
{
	double dt = b->tsc_hz != 0 ? (double)(int64_t)(b->tsc - a->tsc) / (double)b->tsc_hz : 0;
	uint64_t rx_pkts = 0, tx_pkts = 0, rx_bytes = 0, tx_bytes = 0, drops;
	uint64_t dtotal = tt_counter_delta(a->total_cycles, b->total_cycles);
	uint64_t dbusy = tt_counter_delta(a->busy_cycles, b->busy_cycles);
	uint16_t n_ports = a->n_ports < b->n_ports ? a->n_ports : b->n_ports;
	double busy;

	if (dt <= 0)
		return 0;
	drops = tt_counter_delta(a->tx_full, b->tx_full);
	for (uint16_t i = 0; i < n_ports && i < TT_STATUS_PORTS; i++) {
		const struct tt_status_port *pa = &a->port[i], *pb = &b->port[i];

		rx_pkts += tt_counter_delta(pa->rx_pkts, pb->rx_pkts);
		tx_pkts += tt_counter_delta(pa->tx_pkts, pb->tx_pkts);
		rx_bytes += tt_counter_delta(pa->rx_bytes, pb->rx_bytes);
		tx_bytes += tt_counter_delta(pa->tx_bytes, pb->tx_bytes);
		drops += tt_counter_delta(pa->drops, pb->drops);
	}
	b->drops = a->drops + drops;
	busy = dtotal != 0 ? 100.0 * (double)(dbusy < dtotal ? dbusy : dtotal) / (double)dtotal : 0;
	return snprintf(buf, len, "[%7.1fs] cps %.0f estab %" PRIu64 " syn_recv %" PRIu64
			" time_wait %" PRIu64 " | busy %.1f%% | rx %.0f pps %.3f Gbps | tx %.0f pps"
			" %.3f Gbps | drops %" PRIu64,
			uptime_s, (double)tt_counter_delta(a->passive_opens, b->passive_opens) / dt,
			b->estab, b->syn_recv, b->time_wait, busy, (double)rx_pkts / dt,
			(double)rx_bytes * 8 / dt / 1e9, (double)tx_pkts / dt,
			(double)tx_bytes * 8 / dt / 1e9, b->drops);
}

void
tt_status_print(const struct tt_status *prev, struct tt_status *cur, double uptime_s)
{
	char line[256];

	if (tt_status_format(prev, cur, uptime_s, line, sizeof(line)) <= 0)
		return;
	printf("%s\n", line);
	fflush(stdout);
}
