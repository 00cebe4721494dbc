/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (lib/tcp/tcp_syncookie.c, SPEC C2, C3): a cookie validates for the flow,
 * peer ISN and MSS it was made for, within two periods of 65.536 s and no longer; any
 * change to the flow, the ISN or the cookie's bits fails; the TSval option bits round-trip;
 * the check gives back the TS offset the cookie was sent with, one per connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../../lib/dp/tt_worker.h"
#include "../../lib/tcp/tcp_conn.h"

struct fixture {
	struct tt_worker w;
	struct tt_tcp t;
	struct tt_config cfg;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->w.tcp = &f->t;
	f->t.cfg = &f->cfg;
	f->cfg.timestamps = 1;
	if (tt_siphash_key_random(&f->t.cookie_key) != 0)
		return -1;
	tt_clock_set_fake(&f->w.clock, 10ull * 65536 + 1234);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

static const struct tt_flow flow = {
	.raddr = 0x3212c6c6, .laddr = 0x0212c6c6, .rport = 0x3930, .lport = 0x5000,
};

static void
test_round_trip_mss(void **state)
{
	static const uint16_t offered[] = { 536, 1000, 1300, 1400, 1440, 1459, 1460, 8960 };
	static const uint16_t expect[] = { 536, 536, 1300, 1300, 1440, 1440, 1460, 1460 };
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(offered) / sizeof(offered[0]); i++) {
		uint32_t tso, tso_ack = 0;
		uint32_t c = tt_cookie_make(&f->w, &flow, 1000 + (uint32_t)i, offered[i], &tso);
		uint16_t mss = 0;

		assert_int_equal(tt_cookie_check(&f->w, &flow, 1000 + (uint32_t)i, c, &mss,
						 &tso_ack), 0);
		/* The largest table MSS not above what the peer offered (Linux's msstab). */
		assert_int_equal(mss, expect[i]);
		assert_int_equal(tso_ack, tso);
	}
}

static void
test_forgery_rejected(void **state)
{
	struct fixture *f = *state;
	uint32_t tso;
	uint32_t c = tt_cookie_make(&f->w, &flow, 77, 1460, &tso);
	struct tt_flow other = flow;
	uint16_t mss;
	int accepted = 0;

	other.rport ^= 0x0100;
	assert_int_not_equal(tt_cookie_check(&f->w, &other, 77, c, &mss, &tso), 0);
	other = flow;
	other.raddr ^= 1;
	assert_int_not_equal(tt_cookie_check(&f->w, &other, 77, c, &mss, &tso), 0);
	assert_int_not_equal(tt_cookie_check(&f->w, &flow, 78, c, &mss, &tso), 0);
	/* Every single-bit change of the cookie fails, the MSS index bits included. */
	for (int bit = 0; bit < 32; bit++)
		accepted += tt_cookie_check(&f->w, &flow, 77, c ^ (1u << bit), &mss, &tso) == 0;
	assert_int_equal(accepted, 0);
	/* A blind forger: 2^25 MAC values; 100000 random guesses should all fail. */
	srand(7);
	for (int i = 0; i < 100000; i++) {
		uint32_t guess = (c & 0xfe000000u) | ((uint32_t)rand() & 0x1ffffffu);

		accepted += guess != c && tt_cookie_check(&f->w, &flow, 77, guess, &mss, &tso) == 0;
	}
	assert_int_equal(accepted, 0);
}

static void
test_lifetime(void **state)
{
	struct fixture *f = *state;
	uint64_t t0 = f->w.clock.ms;
	uint32_t tso, tso_ack = 0;
	uint32_t c = tt_cookie_make(&f->w, &flow, 5, 1460, &tso);
	uint16_t mss;

	/*
	 * Valid through the rest of its period and all of the next (C2: about two periods),
	 * with the TS offset it was made with: the period's, not the ACK's (RFC 7323 5.4).
	 */
	tt_clock_set_fake(&f->w.clock, (t0 | 0xffff) + 65536);
	assert_int_equal(tt_cookie_check(&f->w, &flow, 5, c, &mss, &tso_ack), 0);
	assert_int_equal(tso_ack, tso);
	tt_clock_set_fake(&f->w.clock, (t0 | 0xffff) + 65537);
	assert_int_not_equal(tt_cookie_check(&f->w, &flow, 5, c, &mss, &tso), 0);
	/* 32 periods later the 5-bit period field matches again: the MAC still fails. */
	tt_clock_set_fake(&f->w.clock, t0 + 32ull * 65536);
	assert_int_not_equal(tt_cookie_check(&f->w, &flow, 5, c, &mss, &tso), 0);
	/* Across a key epoch (16 periods) a fresh cookie still works, the old key is kept. */
	tt_clock_set_fake(&f->w.clock, 15ull * 65536 + 65000);
	c = tt_cookie_make(&f->w, &flow, 9, 1460, &tso);
	tt_clock_set_fake(&f->w.clock, 16ull * 65536 + 10);
	assert_int_equal(tt_cookie_check(&f->w, &flow, 9, c, &mss, &tso_ack), 0);
	assert_int_equal(tso_ack, tso);
}

/*
 * RFC 7323 7.1: a TS offset per connection, so TSvals tell nothing of the host's clock or
 * of other connections. 256 cookies (other ports, other ISNs): 256 different offsets (a
 * repeat among random 32-bit values: one chance in 2^17). timestamps = 2 (Linux's
 * tcp_timestamps 2, no offset): zero.
 */
static void
test_ts_offset_per_connection(void **state)
{
	struct fixture *f = *state;
	uint32_t seen[256], c;
	unsigned int same = 0;
	uint16_t mss;

	for (uint32_t i = 0; i < 256; i++) {
		struct tt_flow fl = flow;

		fl.rport = (uint16_t)(flow.rport + (i & 1));
		tt_cookie_make(&f->w, &fl, 1000 + i / 2, 1460, &seen[i]);
		for (uint32_t j = 0; j < i; j++)
			same += seen[j] == seen[i];
	}
	assert_int_equal(same, 0);
	f->cfg.timestamps = 2;
	c = tt_cookie_make(&f->w, &flow, 1000, 1460, &seen[0]);
	assert_int_equal(seen[0], 0);
	seen[1] = 1;
	assert_int_equal(tt_cookie_check(&f->w, &flow, 1000, c, &mss, &seen[1]), 0);
	assert_int_equal(seen[1], 0);
}

static void
test_ts_options(void **state)
{
	uint8_t flags, ws;
	uint32_t ts;
	(void)state;

	/* C3: bits 0-3 window shift (0xF none), bit 4 SACK, bit 5 ECN. */
	ts = tt_cookie_ts_encode(0x12345678, TT_CONN_WSCALE | TT_CONN_SACK, 7);
	assert_int_equal(ts & 0x3f, 0x17);
	assert_int_equal(ts & ~0x3fu, 0x12345678u & ~0x3fu);
	assert_int_equal(tt_cookie_ts_decode(ts, &flags, &ws), 0);
	assert_int_equal(flags, TT_CONN_TS | TT_CONN_WSCALE | TT_CONN_SACK);
	assert_int_equal(ws, 7);
	ts = tt_cookie_ts_encode(0xffffffff, TT_CONN_ECN, 0);
	assert_int_equal(ts & 0x3f, 0x2f);
	assert_int_equal(tt_cookie_ts_decode(ts, &flags, &ws), 0);
	assert_int_equal(flags, TT_CONN_TS | TT_CONN_ECN);
	ts = tt_cookie_ts_encode(0, TT_CONN_WSCALE, 14);
	assert_int_equal(tt_cookie_ts_decode(ts, &flags, &ws), 0);
	assert_int_equal(ws, 14);
	/* RFC 7323 caps the shift at 14, so the fourth bit pattern 0xF is free for "none". */
	assert_int_equal(tt_cookie_ts_decode(0x0f, &flags, &ws), 0);
	assert_false(flags & TT_CONN_WSCALE);
}

/*
 * C3 and PAWS: the encoded TSval is never ahead of the clock value it was made from (the
 * connection's later TSvals come from that clock), at most 63 behind, and keeps the options
 * whatever the low bits of the clock and across the 2^32 wrap (Linux's
 * cookie_init_timestamp steps back one 64-tick period).
 */
static void
test_ts_never_ahead(void **state)
{
	static const uint32_t base[] = { 0x12345600, 0xffffffc0, 0, 0x7fffffc0 };
	uint8_t flags, ws;
	(void)state;

	for (size_t b = 0; b < sizeof(base) / sizeof(base[0]); b++)
		for (uint32_t low = 0; low < 64; low++) {
			uint32_t now = base[b] + low;
			uint32_t ts = tt_cookie_ts_encode(now, TT_CONN_WSCALE | TT_CONN_SACK |
							  TT_CONN_ECN, 14);

			assert_true((int32_t)(now - ts) >= 0);
			assert_true(now - ts < 64);
			assert_int_equal(tt_cookie_ts_decode(ts, &flags, &ws), 0);
			assert_int_equal(flags, TT_CONN_TS | TT_CONN_WSCALE | TT_CONN_SACK |
					 TT_CONN_ECN);
			assert_int_equal(ws, 14);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_mss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forgery_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifetime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ts_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ts_never_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ts_offset_per_connection, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
