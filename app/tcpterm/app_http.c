/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http: an HTTP/1.1 responder for load generators (SPEC O2). Every request, whatever its
 * method and path, gets "200 OK" with a fixed body of http_body bytes and a correct
 * Content-Length. Keep-alive is HTTP/1.1's default; "Connection: close", or HTTP/1.0
 * without "Connection: keep-alive", closes after the answer. Pipelined requests are
 * answered in order. Request bodies are not expected (GET/HEAD-style load).
 *
 * Requests are read by http_scan.c: a whole request in one segment as a block, anything
 * else byte by byte with matchers whose state fits the connection's udata.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "apps.h"
#include "http_scan.h"

/*
 * Bodies up to one piece go out whole from a prebuilt answer (the load-generator case, one
 * copy per request); larger ones as a header and pieces of the pattern, at most what the
 * send budget has room for, so a body of gigabytes holds no more than wmem and a piece.
 * The body's byte i is 'a' + i % 26; a piece is copied from a prebuilt run of the pattern
 * starting at the right phase.
 */
#define HTTP_PIECE (64u * 1024)
#define HTTP_OWED_MAX 255

struct http {
	struct rte_mbuf *resp[2];      /* prebuilt answers, [0] keep-alive, [1] close: whole,
					  or only the header when the body streams */
	struct rte_mbuf *pattern;      /* HTTP_PIECE + 26 bytes of the body's pattern */
	uint32_t body;
	bool streams;
};

/* hlen bytes of hdr, then body bytes of the pattern, as a chain of full buffers. */
static struct rte_mbuf *
build_chain(struct rte_mempool *pool, const char *hdr, uint32_t hlen, uint32_t body)
{
	uint32_t total = hlen + body, off = 0;
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
			p[i] = off < hlen ? hdr[off] : (char)('a' + (off - hlen) % 26);
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

static struct rte_mbuf *
build_response(struct rte_mempool *pool, uint32_t body, bool with_body, bool close)
{
	char hdr[160];
	int hlen = snprintf(hdr, sizeof(hdr),
			    "HTTP/1.1 200 OK\r\nServer: tcpterm\r\nContent-Type: text/plain\r\n"
			    "Content-Length: %u\r\n%s\r\n",
			    body, close ? "Connection: close\r\n" : "");

	return build_chain(pool, hdr, (uint32_t)hlen, with_body ? body : 0);
}

static int
http_init(struct tt_app_ctx *ctx)
{
	struct http *h = calloc(1, sizeof(*h));
	uint32_t body = ctx->listen->http_body;

	if (h == NULL)
		return -1;
	ctx->priv = h;
	h->body = body;
	h->streams = body > HTTP_PIECE;
	h->resp[0] = build_response(ctx->pool, body, !h->streams, false);
	h->resp[1] = build_response(ctx->pool, body, !h->streams, true);
	if (h->resp[0] == NULL || h->resp[1] == NULL)
		return -1;
	if (h->streams && (h->pattern = build_chain(ctx->pool, "", 0, HTTP_PIECE + 26)) == NULL)
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
	rte_pktmbuf_free(h->pattern);
	free(h);
	ctx->priv = NULL;
}

static void
http_poll(struct tt_app_ctx *ctx, uint64_t now_ms)
{
	(void)now_ms;
	tt_app_accept_burst(ctx, 32);
}

/* Queue m on c; on failure the connection is reset. False when c is gone. */
static bool
send_or_abort(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m)
{
	if (m == NULL || tt_app_send(ctx, c, m) != 0) {
		tt_app_abort(ctx, c);
		return false;
	}
	return true;
}

/*
 * Queue what the send budget has room for of the answers owed; false when c is closing
 * or gone. With no room the library owes a 'writable' event, which comes back here.
 */
static bool
pump(struct tt_app_ctx *ctx, tt_conn_t c, struct tt_http_scan *s)
{
	struct http *h = ctx->priv;

	for (;;) {
		uint32_t space, n, phase;

		if (s->left == 0) {
			if (s->owed == 0) {
				if (!s->close_last)
					return true;
				tt_app_close(ctx, c);
				return false;
			}
			s->owed--;
			if (!send_or_abort(ctx, c, rte_pktmbuf_copy(
				h->resp[s->owed == 0 && s->close_last], ctx->pool, 0, UINT32_MAX)))
				return false;
			s->left = h->body;
		}
		space = tt_app_send_space(ctx, c);
		if (space == 0)
			return true;
		n = RTE_MIN(space, HTTP_PIECE);
		if (n > s->left)
			n = (uint32_t)s->left;
		phase = (uint32_t)((h->body - s->left) % 26);
		if (!send_or_abort(ctx, c, rte_pktmbuf_copy(h->pattern, ctx->pool, phase, n)))
			return false;
		s->left -= n;
	}
}

/* One complete request; false when nothing more is to be read from c. */
static bool
answer(struct tt_app_ctx *ctx, tt_conn_t c, struct tt_http_scan *s)
{
	struct http *h = ctx->priv;
	bool close = tt_http_scan_close(s);

	tt_http_scan_next(s);
	if (h->streams) {
		/* Requests pipelined beyond what one connection may owe: a client abusing us. */
		if (s->owed == HTTP_OWED_MAX) {
			tt_app_abort(ctx, c);
			return false;
		}
		s->owed++;
		s->close_last = close;
		return !close;      /* pump() sends it, and closes after it */
	}
	if (!send_or_abort(ctx, c, rte_pktmbuf_copy(h->resp[close], ctx->pool, 0, UINT32_MAX)))
		return false;
	if (close) {
		tt_app_close(ctx, c);
		return false;
	}
	return true;
}

static void
http_data(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m)
{
	struct http *h = ctx->priv;
	uint64_t *u = tt_app_udata(ctx, c);
	struct tt_http_scan s;
	bool open = true, parse = true;

	if (u == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(&s, u, sizeof(s));
	/* After a request that asked to close, nothing more is read (RFC 9112 9.6). */
	parse = !s.close_last;
	for (struct rte_mbuf *seg = m; seg != NULL && parse; seg = seg->next) {
		const char *p = rte_pktmbuf_mtod(seg, const char *);

		for (uint32_t i = 0; i < seg->data_len && parse;) {
			bool req;

			i += tt_http_scan(&s, p + i, seg->data_len - i, &req);
			if (req) {
				parse = answer(ctx, c, &s);
				open = parse || h->streams;
			}
		}
	}
	rte_pktmbuf_free(m);
	if (!open)
		return;
	if (h->streams && s.owed > 0 && s.left == 0 && !pump(ctx, c, &s))
		return;
	memcpy(u, &s, sizeof(s));
}

static void
http_writable(struct tt_app_ctx *ctx, tt_conn_t c)
{
	uint64_t *u = tt_app_udata(ctx, c);
	struct tt_http_scan s;

	if (u == NULL)
		return;
	memcpy(&s, u, sizeof(s));
	if (pump(ctx, c, &s))
		memcpy(u, &s, sizeof(s));
}

static void
http_peer_closed(struct tt_app_ctx *ctx, tt_conn_t c)
{
	struct http *h = ctx->priv;
	uint64_t *u = tt_app_udata(ctx, c);
	struct tt_http_scan s;

	/* A client that sent its request and shut down its side still gets the whole answer. */
	if (h->streams && u != NULL) {
		memcpy(&s, u, sizeof(s));
		if (s.left > 0 || s.owed > 0) {
			s.close_last = 1;
			memcpy(u, &s, sizeof(s));
			return;
		}
	}
	tt_app_close(ctx, c);
}

static const struct tt_app_ops http_ops = {
	.init = http_init,
	.fini = http_fini,
	.poll = http_poll,
	.data = http_data,
	.writable = http_writable,
	.peer_closed = http_peer_closed,
};

const struct tt_app_def tt_app_http = { "http", &http_ops };

const struct tt_app_def *const tt_builtin_apps[TT_APP__COUNT] = {
	[TT_APP_HTTP] = &tt_app_http,
	[TT_APP_ECHO] = &tt_app_echo,
	[TT_APP_DISCARD] = &tt_app_discard,
	[TT_APP_HOLD] = &tt_app_hold,
	[TT_APP_PROXY] = &tt_app_proxy,
};
