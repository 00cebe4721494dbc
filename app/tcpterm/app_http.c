/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http: an HTTP/1.1 responder for load generators (SPEC O2). Every request, whatever its
 * method and path, gets "200 OK" with a fixed body of http_body bytes and a correct
 * Content-Length. Keep-alive is HTTP/1.1's default; "Connection: close", or HTTP/1.0
 * without "Connection: keep-alive", closes after the answer. Pipelined requests are
 * answered in order. Request bodies are not expected (GET/HEAD-style load).
 *
 * Requests are scanned byte by byte with a few matchers whose state fits the connection's
 * eight bytes of udata, so a request split across segments anywhere still parses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "apps.h"

/* Lower-case patterns; the scanner lowers the request bytes it compares. */
static const char pat_end[] = "\r\n\r\n";
static const char pat_close[] = "\r\nconnection: close";
static const char pat_ka[] = "\r\nconnection: keep-alive";
static const char pat_v10[] = " http/1.0\r\n";

/* Per-connection scanner state, packed into udata. */
struct scan {
	uint8_t end, close, ka, v10;   /* bytes of each pattern matched so far */
	uint8_t saw_close, saw_ka, saw_v10;
	uint8_t pad;
};

struct http {
	struct rte_mbuf *resp[2];      /* prebuilt answers: [0] keep-alive, [1] close */
};

static struct rte_mbuf *
build_response(struct rte_mempool *pool, uint32_t body, bool close)
{
	char hdr[160];
	int hlen = snprintf(hdr, sizeof(hdr),
			    "HTTP/1.1 200 OK\r\nServer: tcpterm\r\nContent-Type: text/plain\r\n"
			    "Content-Length: %u\r\n%s\r\n",
			    body, close ? "Connection: close\r\n" : "");
	uint32_t total = (uint32_t)hlen + body, off = 0;
	struct rte_mbuf *head = NULL;

	while (off < total) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint16_t room, n;
		char *p;

		if (m == NULL)
			goto fail;
		room = rte_pktmbuf_tailroom(m);
		n = (uint16_t)RTE_MIN((uint32_t)room, total - off);
		p = rte_pktmbuf_append(m, n);
		for (uint16_t i = 0; i < n; i++, off++)
			p[i] = off < (uint32_t)hlen ? hdr[off] : (char)('a' + (off - hlen) % 26);
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0)
			goto fail;
	}
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

static int
http_init(struct tt_app_ctx *ctx)
{
	struct http *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -1;
	h->resp[0] = build_response(ctx->pool, ctx->listen->http_body, false);
	h->resp[1] = build_response(ctx->pool, ctx->listen->http_body, true);
	ctx->priv = h;
	if (h->resp[0] == NULL || h->resp[1] == NULL)
		return -1;
	return 0;
}

static void
http_fini(struct tt_app_ctx *ctx)
{
	struct http *h = ctx->priv;

	if (h == NULL)
		return;
	rte_pktmbuf_free(h->resp[0]);
	rte_pktmbuf_free(h->resp[1]);
	free(h);
	ctx->priv = NULL;
}

static void
http_poll(struct tt_app_ctx *ctx, uint64_t now_ms)
{
	(void)now_ms;
	tt_app_accept_burst(ctx, 32);
}

/* Advance a matcher over byte c (already lower-cased); true when the pattern completes. */
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

/* Answer one complete request; false when the connection is closing. */
static bool
answer(struct tt_app_ctx *ctx, tt_conn_t c, struct scan *s)
{
	struct http *h = ctx->priv;
	bool close = s->saw_close || (s->saw_v10 && !s->saw_ka);
	struct rte_mbuf *m = rte_pktmbuf_copy(h->resp[close], ctx->pool, 0, UINT32_MAX);

	memset(s, 0, sizeof(*s));
	if (m == NULL || tt_app_send(ctx, c, m) != 0) {
		tt_app_abort(ctx, c);
		return false;
	}
	if (close) {
		tt_app_close(ctx, c);
		return false;
	}
	return true;
}

static void
http_data(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m)
{
	uint64_t *u = tt_app_udata(ctx, c);
	struct scan s;
	bool open = true;

	if (u == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(&s, u, sizeof(s));
	for (struct rte_mbuf *seg = m; seg != NULL && open; seg = seg->next) {
		const char *p = rte_pktmbuf_mtod(seg, const char *);

		for (uint16_t i = 0; i < seg->data_len && open; i++) {
			char ch = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] + 32) : p[i];

			s.saw_close |= match(&s.close, pat_close, sizeof(pat_close) - 1, ch);
			s.saw_ka |= match(&s.ka, pat_ka, sizeof(pat_ka) - 1, ch);
			s.saw_v10 |= match(&s.v10, pat_v10, sizeof(pat_v10) - 1, ch);
			if (match(&s.end, pat_end, sizeof(pat_end) - 1, ch))
				open = answer(ctx, c, &s);
		}
	}
	rte_pktmbuf_free(m);
	if (open)
		memcpy(u, &s, sizeof(s));
}

static void
http_peer_closed(struct tt_app_ctx *ctx, tt_conn_t c)
{
	tt_app_close(ctx, c);
}

static const struct tt_app_ops http_ops = {
	.init = http_init,
	.fini = http_fini,
	.poll = http_poll,
	.data = http_data,
	.peer_closed = http_peer_closed,
};

const struct tt_app_def tt_app_http = { "http", &http_ops };

const struct tt_app_def *const tt_builtin_apps[TT_APP__COUNT] = {
	[TT_APP_HTTP] = &tt_app_http,
	[TT_APP_ECHO] = &tt_app_echo,
	[TT_APP_DISCARD] = &tt_app_discard,
	[TT_APP_HOLD] = &tt_app_hold,
};
