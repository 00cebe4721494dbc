/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two readings of the same request, which must agree (tests/unit/test_http_scan.c):
 *
 * - Bytes that start with no matcher part-way through its pattern and hold the end of the
 *   header block (what load generators send: one request per segment) are read as a block:
 *   its lines walked once, memchr finding each LF, up to the first CRLF CRLF. A line the
 *   block starts in the middle of is no line start to the matchers either, since none was
 *   part-way through its CRLF. Issue 9: the byte loop below, run over every request, cost
 *   a third of the worker's cycles at 400 k conn/s; glibc's memmem then cost a tenth.
 * - Anything else, a request split across segments anywhere, goes byte by byte through a
 *   few matchers whose state fits the connection's udata, so no bytes are kept.
 *
 * Both see "Connection: close" and "Connection: keep-alive" at a header line's start, and
 * " HTTP/1.0" at a line's end (the request line's, in any well-formed request).
 */
#include <stddef.h>
#include <string.h>

#include "http_scan.h"

/* Lower-case patterns; the matchers lower the request bytes they compare. */
static const char pat_end[] = "\r\n\r\n";
static const char pat_close[] = "\r\nconnection: close";
static const char pat_ka[] = "\r\nconnection: keep-alive";
static const char pat_v10[] = " http/1.0\r\n";

static inline char
lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
}

/* The n bytes at p, lower-cased, are pat. */
static bool
lower_eq(const char *p, const char *pat, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(p[i]) != pat[i])
			return false;
	return true;
}

/* A line [p, p+n) starts with pat past its leading CRLF, or ends with pat short of its CRLF. */
#define PAT_LEN(pat) (sizeof(pat) - 3)
#define LINE_STARTS(p, n, pat) ((n) >= PAT_LEN(pat) && lower_eq((p), (pat) + 2, PAT_LEN(pat)))
#define LINE_ENDS(p, n, pat) \
	((n) >= PAT_LEN(pat) && lower_eq((p) + (n) - PAT_LEN(pat), (pat), PAT_LEN(pat)))

/* The first CRLF in [p, end), or NULL: memchr finds each LF, the byte before it is checked. */
static const char *
find_crlf(const char *p, const char *end)
{
	for (const char *q = p; q < end;) {
		const char *lf = memchr(q, '\n', (size_t)(end - q));

		if (lf == NULL)
			return NULL;
		if (lf > p && lf[-1] == '\r')
			return lf - 1;
		q = lf + 1;
	}
	return NULL;
}

/*
 * A header block that ends within [p, end), read line by line into s's saw_* flags as the
 * matchers would set them; the bytes it took, 0 when the block does not end there (s then
 * untouched). The block ends at the first CRLF CRLF; CRLFs never overlap, so walking from
 * one to the next finds it. pat_close and pat_ka start with a CRLF, so the first line
 * cannot hold them; pat_v10 ends with one, so any line can end with it.
 */
static uint32_t
read_block(struct tt_http_scan *s, const char *p, const char *end)
{
	bool close = false, ka = false, v10 = false;

	for (const char *line = p;;) {
		const char *eol = find_crlf(line, end);
		size_t n;

		if (eol == NULL)
			return 0;
		n = (size_t)(eol - line);
		if (line != p) {
			close |= LINE_STARTS(line, n, pat_close);
			ka |= LINE_STARTS(line, n, pat_ka);
		}
		v10 |= LINE_ENDS(line, n, pat_v10);
		if (end - eol >= 4 && eol[2] == '\r' && eol[3] == '\n') {
			s->saw_close = close;
			s->saw_ka = ka;
			s->saw_v10 = v10;
			return (uint32_t)(eol + 4 - p);
		}
		line = eol + 2;
	}
}

/* Advance a matcher over byte c (lower-cased); true when the pattern completes. */
static bool
match(uint8_t *state, const char *pat, size_t len, char c)
{
	if (c == pat[*state])
		(*state)++;
	else
		*state = c == pat[0] ? 1 : 0;
	if (*state == len) {
		*state = 0;
		return true;
	}
	return false;
}

/* As match(), on a bit-field of the state. */
#define MATCH(s, field, pat, c) __extension__ ({ \
	uint8_t st_ = (uint8_t)(s)->field; \
	bool done_ = match(&st_, (pat), sizeof(pat) - 1, (c)); \
	(s)->field = st_; \
	done_; \
})

uint32_t
tt_http_scan(struct tt_http_scan *s, const char *p, uint32_t n, bool *req)
{
	*req = false;
	if (s->end == 0 && s->close == 0 && s->ka == 0 && s->v10 == 0 &&
	    !s->saw_close && !s->saw_ka && !s->saw_v10) {
		uint32_t used = read_block(s, p, p + n);

		if (used != 0) {
			*req = true;
			return used;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		char ch = lower(p[i]);

		s->saw_close |= MATCH(s, close, pat_close, ch);
		s->saw_ka |= MATCH(s, ka, pat_ka, ch);
		s->saw_v10 |= MATCH(s, v10, pat_v10, ch);
		if (MATCH(s, end, pat_end, ch)) {
			*req = true;
			return i + 1;
		}
	}
	return n;
}
