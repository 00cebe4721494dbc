/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The http application's request scanner (app/tcpterm/http_scan.c, SPEC O2; issue 9): a
 * request read whole as a block and the same bytes fed in pieces through the byte matchers
 * must end requests at the same places and decide close or keep-alive the same way, for
 * every place a segment boundary can fall. No EAL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http_scan.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_REQ 8

/* What a scan of a byte stream found: where each request ended, and whether it closes. */
struct outcome {
	unsigned int n;
	uint32_t end[MAX_REQ];
	bool close[MAX_REQ];
	uint32_t fast;      /* requests the block reading took whole */
};

/* Feed text in pieces: cuts[] are the offsets where a new segment starts. */
static void
scan_pieces(const char *text, const uint32_t *cuts, unsigned int ncuts, struct outcome *o)
{
	struct tt_http_scan s = { 0 };
	uint32_t len = (uint32_t)strlen(text), pos = 0;

	memset(o, 0, sizeof(*o));
	for (unsigned int k = 0; k <= ncuts; k++) {
		uint32_t stop = k < ncuts ? cuts[k] : len;

		while (pos < stop) {
			bool req, fresh = s.end == 0 && s.close == 0 && s.ka == 0 && s.v10 == 0;
			uint32_t used = tt_http_scan(&s, text + pos, stop - pos, &req);

			assert_true(used > 0 && used <= stop - pos);
			pos += used;
			if (!req)
				continue;
			assert_true(o->n < MAX_REQ);
			o->end[o->n] = pos;
			o->close[o->n] = tt_http_scan_close(&s);
			o->fast += fresh;
			o->n++;
			tt_http_scan_next(&s);
		}
	}
}

static void
assert_same(const struct outcome *a, const struct outcome *b)
{
	assert_int_equal(a->n, b->n);
	for (unsigned int i = 0; i < a->n; i++) {
		assert_int_equal(a->end[i], b->end[i]);
		assert_int_equal(a->close[i], b->close[i]);
	}
}

/* Requests as clients send them, with the decision RFC 9112 9.3 gives. */
static const struct {
	const char *text;
	bool close;
} requests[] = {
	{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", false },
	{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", true },
	{ "GET / HTTP/1.1\r\nconnection: CLOSE\r\nHost: a\r\n\r\n", true },
	{ "GET / HTTP/1.0\r\n\r\n", true },
	{ "GET / HTTP/1.0\r\nHost: a\r\n\r\n", true },
	{ "GET / http/1.0\r\nConnection: Keep-Alive\r\n\r\n", false },
	{ "GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\nUser-Agent: b\r\n\r\n", false },
	{ "GET /x HTTP/1.1\r\nUser-Agent: dperf\r\nHost: 198.18.6.2\r\nAccept: */*\r\n"
	  "P: aaaaaaaaaaaaaaaa\r\n\r\n", false },
	/* Not a header at a line's start: the value of another header. */
	{ "GET / HTTP/1.1\r\nX-Note: Connection: close\r\n\r\n", false },
	/* The version is the request line's end, not a path that contains it. */
	{ "GET /HTTP/1.0 HTTP/1.1\r\n\r\n", false },
	/* Empty lines before a request read as an empty request each (as the matchers do). */
	{ "\r\n\r\n", false },
};

/*
 * Every request alone: the block reading takes it, and every single cut agrees with it (a
 * cut where no matcher is part-way sends the rest through the block reading too: its first
 * line is then no line's start, which the matchers would not see as one either).
 */
static void
test_whole_and_every_cut(void **state)
{
	(void)state;
	for (unsigned int r = 0; r < DIM(requests); r++) {
		const char *t = requests[r].text;
		uint32_t len = (uint32_t)strlen(t);
		struct outcome whole, cut;

		scan_pieces(t, NULL, 0, &whole);
		assert_int_equal(whole.n, 1);
		assert_int_equal(whole.end[0], len);
		assert_int_equal(whole.close[0], requests[r].close);
		assert_int_equal(whole.fast, 1);
		for (uint32_t c = 1; c < len; c++) {
			scan_pieces(t, &c, 1, &cut);
			assert_same(&whole, &cut);
		}
	}
}

/* Pipelined: three requests in one segment, the second closing; then cut at every pair. */
static void
test_pipelined(void **state)
{
	char text[512];
	struct outcome whole, cut;
	uint32_t len;

	(void)state;
	snprintf(text, sizeof(text), "%s%s%s", requests[0].text, requests[4].text,
		 requests[5].text);
	len = (uint32_t)strlen(text);
	scan_pieces(text, NULL, 0, &whole);
	assert_int_equal(whole.n, 3);
	assert_int_equal(whole.fast, 3);
	assert_false(whole.close[0]);
	assert_true(whole.close[1]);
	assert_false(whole.close[2]);
	assert_int_equal(whole.end[2], len);
	for (uint32_t a = 1; a < len; a++)
		for (uint32_t b = a + 1; b < len; b += 7) {
			uint32_t cuts[2] = { a, b };

			scan_pieces(text, cuts, 2, &cut);
			assert_same(&whole, &cut);
		}
}

/* A partial request consumes everything and completes nothing, then completes later. */
static void
test_partial(void **state)
{
	struct tt_http_scan s = { 0 };
	const char *t = "GET / HTTP/1.1\r\nConnection: close\r\n";
	bool req;

	(void)state;
	assert_int_equal(tt_http_scan(&s, t, (uint32_t)strlen(t), &req), strlen(t));
	assert_false(req);
	assert_int_equal(tt_http_scan(&s, "\r\nGET", 5, &req), 2);
	assert_true(req);
	assert_true(tt_http_scan_close(&s));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_and_every_cut),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
