/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/engine/tt_status.c: the status line's numbers (SPEC O5) from two readings. Rates are
 * differences over time; a counter that fell between the readings restarted from 0 (a
 * port's statistics were reset: memif when its peer reconnects, rte_eth_stats_reset), so it
 * counts as grown by its new value, port by port, never as a 2^64 wrap; the drops total
 * never falls. No EAL: the status code reads only the two snapshots.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <tcpterm/tt_engine.h>

#define HZ 2000000000ull

/* Two readings one second apart, 1 port; the test moves the counters. */
static void
readings(struct tt_status *a, struct tt_status *b)
{
	memset(a, 0, sizeof(*a));
	a->tsc_hz = HZ;
	a->tsc = 10 * HZ;
	a->n_workers = 1;
	a->n_ports = 1;
	*b = *a;
	b->tsc = a->tsc + HZ;
}

/* The line for a -> b, and its numbers. */
struct line {
	char text[256];
	double cps, busy, rx_pps, rx_gbps, tx_pps, tx_gbps;
	unsigned long long estab, syn_recv, time_wait, drops;
};

static void
format(const struct tt_status *a, struct tt_status *b, struct line *l)
{
	double up;

	assert_true(tt_status_format(a, b, 11.0, l->text, sizeof(l->text)) > 0);
	if (sscanf(l->text, "[%lfs] cps %lf estab %llu syn_recv %llu time_wait %llu | busy %lf%% | "
		   "rx %lf pps %lf Gbps | tx %lf pps %lf Gbps | drops %llu", &up, &l->cps, &l->estab,
		   &l->syn_recv, &l->time_wait, &l->busy, &l->rx_pps, &l->rx_gbps, &l->tx_pps,
		   &l->tx_gbps, &l->drops) != 11)
		fail_msg("status line does not parse: %s", l->text);
}

static void
test_delta(void **state)
{
	(void)state;
	assert_int_equal(tt_counter_delta(5, 9), 4);
	assert_int_equal(tt_counter_delta(9, 9), 0);
	assert_int_equal(tt_counter_delta(0, UINT64_MAX), UINT64_MAX);
	/* Fell: restarted from 0, so it grew by what it reads now. */
	assert_int_equal(tt_counter_delta(1000000, 7), 7);
	assert_int_equal(tt_counter_delta(1000000, 0), 0);
	assert_int_equal(tt_counter_delta(UINT64_MAX, 3), 3);
}

/* The plain case: what grew in one second, and the totals as read. */
static void
test_rates(void **state)
{
	struct tt_status a, b;
	struct line l;

	(void)state;
	readings(&a, &b);
	a.port[0] = (struct tt_status_port){ .rx_pkts = 100, .tx_pkts = 50, .rx_bytes = 6400,
					     .tx_bytes = 3200, .drops = 3 };
	a.drops = 3;
	a.passive_opens = 10;
	a.total_cycles = 1000;
	a.busy_cycles = 100;
	b.port[0] = (struct tt_status_port){ .rx_pkts = 1100, .tx_pkts = 550,
					     .rx_bytes = 6400 + 125000000, .tx_bytes = 3200,
					     .drops = 5 };
	b.passive_opens = 30;
	b.total_cycles = 2000;
	b.busy_cycles = 350;
	b.estab = 4;
	b.syn_recv = 2;
	b.time_wait = 9;
	format(&a, &b, &l);
	assert_true(l.cps == 20);
	assert_true(l.rx_pps == 1000 && l.tx_pps == 500);
	assert_true(l.rx_gbps == 1.0 && l.tx_gbps == 0);
	assert_true(l.busy == 25.0);
	assert_int_equal(l.estab, 4);
	assert_int_equal(l.syn_recv, 2);
	assert_int_equal(l.time_wait, 9);
	assert_int_equal(l.drops, 5);
	assert_int_equal(b.drops, 5);
}

/*
 * Port 0's counters were reset during the second (a memif peer reconnected) and have counted
 * 500 frames since; port 1 went on counting. Before, port 0 made the line read
 * "rx 18446744073708552116 pps".
 */
static void
test_port_reset(void **state)
{
	struct tt_status a, b;
	struct line l;

	(void)state;
	readings(&a, &b);
	a.n_ports = b.n_ports = 2;
	a.port[0] = (struct tt_status_port){ .rx_pkts = 1000000, .tx_pkts = 900000,
					     .rx_bytes = 64000000, .tx_bytes = 57600000,
					     .drops = 40 };
	a.port[1] = (struct tt_status_port){ .rx_pkts = 100, .tx_pkts = 100, .rx_bytes = 6400,
					     .tx_bytes = 6400, .drops = 2 };
	a.tx_full = 1;
	a.drops = 43;
	b.port[0] = (struct tt_status_port){ .rx_pkts = 500, .tx_pkts = 400, .rx_bytes = 32000,
					     .tx_bytes = 25600, .drops = 0 };
	b.port[1] = (struct tt_status_port){ .rx_pkts = 300, .tx_pkts = 200, .rx_bytes = 19200,
					     .tx_bytes = 12800, .drops = 3 };
	b.tx_full = 1;
	format(&a, &b, &l);
	assert_true(l.rx_pps == 700);
	assert_true(l.tx_pps == 500);
	/* (32000 + 12800) * 8 bits in 1 s. */
	assert_true(l.rx_gbps < 0.001 && l.tx_gbps < 0.001);
	/* Drops since start never fall: 43 before, 1 more on port 1, none since port 0's reset. */
	assert_int_equal(l.drops, 44);
	assert_int_equal(b.drops, 44);
	/* The next second carries on from there. */
	a = b;
	b.tsc += HZ;
	b.port[0].rx_pkts = 1500;
	b.port[0].drops = 2;
	format(&a, &b, &l);
	assert_true(l.rx_pps == 1000);
	assert_int_equal(l.drops, 46);
}

/* Sums over ports would hide a reset: one port falling by less than another grew. */
static void
test_reset_hidden_in_sum(void **state)
{
	struct tt_status a, b;
	struct line l;

	(void)state;
	readings(&a, &b);
	a.n_ports = b.n_ports = 2;
	a.port[0].rx_pkts = 1000;
	a.port[1].rx_pkts = 5000;
	b.port[0].rx_pkts = 10;          /* reset, 10 since */
	b.port[1].rx_pkts = 7000;        /* +2000 */
	format(&a, &b, &l);
	assert_true(l.rx_pps == 2010);
}

/* An empty or backwards interval prints nothing; busy never exceeds 100 %. */
static void
test_degenerate(void **state)
{
	struct tt_status a, b;
	struct line l;
	char buf[256];

	(void)state;
	readings(&a, &b);
	b.tsc = a.tsc;
	assert_int_equal(tt_status_format(&a, &b, 1.0, buf, sizeof(buf)), 0);
	b.tsc = a.tsc - 1;
	assert_int_equal(tt_status_format(&a, &b, 1.0, buf, sizeof(buf)), 0);
	readings(&a, &b);
	a.total_cycles = 100;
	a.busy_cycles = 0;
	b.total_cycles = 200;
	b.busy_cycles = 500;
	format(&a, &b, &l);
	assert_true(l.busy <= 100.0);
	/* No cycles counted at all (workers not started): 0 %, not a division by zero. */
	readings(&a, &b);
	format(&a, &b, &l);
	assert_true(l.busy == 0 && l.rx_pps == 0 && l.cps == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_port_reset),
		cmocka_unit_test(test_reset_hidden_in_sum),
		cmocka_unit_test(test_degenerate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
