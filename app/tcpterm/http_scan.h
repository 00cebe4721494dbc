/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The http application's request scanner (app_http.c, SPEC O2): where each request ends and
 * whether it asks to close. Plain C, no DPDK, so tests/unit/test_http_scan.c can hold the
 * two ways of reading a request against each other.
 */
#ifndef TT_HTTP_SCAN_H
#define TT_HTTP_SCAN_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Per-connection state, packed into the connection's udata: the scanner's matchers, what
 * the request read so far said, and (the application's) the answer being streamed.
 */
struct tt_http_scan {
	uint64_t end : 3, close : 5, ka : 5, v10 : 4;   /* bytes of each pattern matched so far */
	uint64_t saw_close : 1, saw_ka : 1, saw_v10 : 1;
	uint64_t owed : 8;          /* complete requests waiting behind the answer streaming */
	uint64_t close_last : 1;    /* the last of them asked to close: answer it, then close */
	uint64_t left : 35;         /* body bytes of the answer streaming still to queue */
};
static_assert(sizeof(struct tt_http_scan) == sizeof(uint64_t), "the state must fit udata");

/*
 * Scan n bytes from p, stopping after the first request that completes. Returns the bytes
 * consumed; *req true when a request completed, its saw_* flags then in s (the caller
 * clears them with tt_http_scan_next). When no matcher is part-way through its pattern (at
 * a request's start, always) and the header block ends within [p, p+n), the bytes are read
 * in one pass over its lines; any others go through the byte matchers, which
 * carry a request across calls.
 */
uint32_t tt_http_scan(struct tt_http_scan *s, const char *p, uint32_t n, bool *req);

/* Whether the completed request asks to close (RFC 9112 9.3: HTTP/1.0 without keep-alive). */
static inline bool
tt_http_scan_close(const struct tt_http_scan *s)
{
	return s->saw_close || (s->saw_v10 && !s->saw_ka);
}

/* Forget the completed request: the next byte starts a new one. */
static inline void
tt_http_scan_next(struct tt_http_scan *s)
{
	s->end = s->close = s->ka = s->v10 = 0;
	s->saw_close = s->saw_ka = s->saw_v10 = 0;
}

#endif
