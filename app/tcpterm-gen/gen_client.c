/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client application every worker of tcpterm-gen runs (SPEC A3), on the public API:
 * poll opens connections at the paced rate (cps) or up to the held count (keepalive,
 * stream) and sends flood frames (gen_flood.c); 'connected' sends the request; 'data' reads
 * the HTTP answer as it comes (status, Content-Length, body) and, once it is whole, closes
 * (cps), asks again (keepalive, stream down) or waits for the server's FIN (--close server).
 *
 *   tt_app_connect -> connected -> send GET -> data* -> answer whole -> close | GET again
 *                                                    -> closed (counted by its reason)
 *
 * Each connection has a slot in the worker's preallocated array (its udata is the slot's
 * index), so nothing is allocated per connection; a free list links the free slots.
 *
 * --hold N keeps N more connections open beside the load, idle after the handshake (SPEC
 * P2, P5: memory per connection and CPS against the number held): opened at --hold-rate,
 * opened again if the server ends one (counted 'dropped'), closed at the stop.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "gen.h"

enum gen_conn_state {
	CS_FREE,
	CS_CONNECTING,  /* SYN_SENT */
	CS_REQ,         /* request sent, answer being read */
	CS_WAIT_FIN,    /* cps --close server: answer whole, the server's FIN to come */
	CS_STREAM,      /* stream up: sending */
	CS_CLOSING,     /* tt_app_close or tt_app_abort called: only 'closed' comes */
	CS_HOLD,        /* --hold: established, idle until the stop */
};

/*
 * Header lines are matched as they come, case-insensitively, against the few headers that
 * decide how the answer ends (RFC 9110 8.6 Content-Length) and whether the connection
 * outlives it (RFC 9112 9.3, 9.6 Connection); CL_DIGITS reads a length, CL_BODY once the
 * header is done.
 */
enum { CL_MATCHING, CL_OTHER, CL_DIGITS, CL_BODY };
static const char *const hdr_pat[] = { "content-length:", "connection: close",
				       "connection: keep-alive", "transfer-encoding:" };
enum { HP_LENGTH, HP_CLOSE, HP_KEEP, HP_CODING, HP__COUNT };
#define HP_ALL ((1u << HP__COUNT) - 1)
/* hflags */
#define HF_HTTP10 1u   /* an HTTP/1.0 answer: the server closes unless it said keep-alive */
#define HF_CLOSE  2u
#define HF_KEEP   4u
#define HF_CODING 8u   /* a transfer coding (chunked): its end is not parsed, a bad answer */
#define CL_NONE UINT64_MAX              /* no Content-Length: the body ends with the FIN */

/* Bulk data of stream up: pieces of at most this many bytes per tt_app_send. */
#define GEN_STREAM_CHUNK (64u * 1024u)
/* Connects per poll at most: one poll must not starve the worker's RX. */
#define GEN_OPEN_BURST 64u
/* gen_conn.hold */
#define HOLD_OPENING 1u
#define HOLD_UP      2u      /* counted in gen_worker.held */
/* Slots the stop closes per poll: ten million held would otherwise be one poll's FINs. */
#define GEN_CLOSE_BURST 4096u

static struct gen_conn *
slot_of(struct tt_app_ctx *ctx, tt_conn_t c)
{
	struct gen_worker *gw = ctx->priv;
	uint64_t *u = tt_app_udata(ctx, c);

	return u != NULL && *u < gw->cap ? &gw->slots[*u] : NULL;
}

static void
slot_free(struct gen_worker *gw, struct gen_conn *s)
{
	uint32_t i = (uint32_t)(s - gw->slots);

	if (s->stalled) {
		s->stalled = 0;
		gw->stalled--;
	}
	if (s->hold == HOLD_UP)
		gw->held--;
	if (s->hold != 0)
		gw->hold_used--;
	s->state = CS_FREE;
	s->next_free = gw->free_head;
	gw->free_head = i;
	gw->open--;
}

/* The request, fresh for each GET (tt_app_send takes the mbuf). */
static int
send_request(struct tt_app_ctx *ctx, struct gen_worker *gw, struct gen_conn *s)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->pool);
	char *p = m != NULL ? rte_pktmbuf_append(m, (uint16_t)gen.o.request_len) : NULL;

	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	memcpy(p, gen.o.request, gen.o.request_len);
	s->state = CS_REQ;
	s->line_pos = 0;
	s->line1 = 1;
	s->status = 0;
	s->cl_state = CL_MATCHING;
	s->match = HP_ALL;
	s->hflags = 0;
	s->clen = CL_NONE;
	s->body_left = 0;
	s->t0 = rte_rdtsc();
	gw->cnt.tx_bytes += gen.o.request_len;
	return tt_app_send(ctx, s->c, m);
}

/* A connection this side ends for a reason already counted: only 'closed' follows. */
static void
give_up(struct tt_app_ctx *ctx, struct gen_conn *s, enum gen_err why)
{
	struct gen_worker *gw = ctx->priv;

	gw->cnt.err[why]++;
	s->state = CS_CLOSING;
	s->answered = 2;        /* counted: 'closed' adds nothing */
	tt_app_abort(ctx, s->c);
}

static void
stream_stall(struct gen_worker *gw, struct gen_conn *s)
{
	if (!s->stalled) {
		s->stalled = 1;
		gw->stalled++;
	}
}

/* Up to want bytes of payload as one chain; NULL when the pool gives nothing. */
static struct rte_mbuf *
stream_chain(struct rte_mempool *pool, uint32_t want, uint32_t *got)
{
	struct rte_mbuf *head = NULL, *tail = NULL;

	*got = 0;
	while (*got < want) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint16_t n;

		if (m == NULL)
			break;
		n = (uint16_t)RTE_MIN(rte_pktmbuf_tailroom(m), want - *got);
		/*
		 * The payload is whatever the buffer held, frames of this process's own traffic:
		 * never written, since a load's bytes need no content and a fill would cost a
		 * pass over every byte sent.
		 */
		rte_pktmbuf_append(m, n);
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		tail = m;
		*got += n;
	}
	return head;
}

/*
 * Stream up: fill the send budget. When the budget is full, 'writable' comes once it has
 * drained; when the pool is what stopped us, nothing would come, so the connection is
 * marked and the poll fills it again (stream_retry).
 */
static void
stream_fill(struct tt_app_ctx *ctx, struct gen_worker *gw, struct gen_conn *s)
{
	uint32_t space;

	while ((space = tt_app_send_space(ctx, s->c)) > 0) {
		uint32_t want = RTE_MIN(space, GEN_STREAM_CHUNK), got;
		struct rte_mbuf *head;

		/*
		 * A quarter of the pool stays free for receiving: send queues the budget allows
		 * (wmem autotunes to megabytes per connection) could otherwise hold every mbuf,
		 * and with no buffer to receive the ACKs that free them, nothing would move
		 * again. Read once per 64 KiB piece, the pool's caches cost little.
		 */
		if (rte_mempool_avail_count(ctx->pool) <= gw->pool_reserve) {
			stream_stall(gw, s);
			return;
		}
		head = stream_chain(ctx->pool, want, &got);
		if (head == NULL) {
			stream_stall(gw, s);
			return;
		}
		gw->cnt.tx_bytes += got;
		if (tt_app_send(ctx, s->c, head) != 0)
			return;
		if (got < want) {
			stream_stall(gw, s);
			return;
		}
	}
}

/* The answer is whole: count it, then what the mode does next. */
static void
answer_done(struct tt_app_ctx *ctx, struct gen_worker *gw, struct gen_conn *s)
{
	gw->cnt.requests++;
	gen_hist_record(&gw->h_req, gen_cycles_to_us(rte_rdtsc() - s->t0));
	s->answered = 1;
	if (gen.o.mode == GEN_CPS) {
		if (gen.o.close_server) {
			s->state = CS_WAIT_FIN;
			return;
		}
		s->state = CS_CLOSING;
		tt_app_close(ctx, s->c);
		return;
	}
	/* The server said it closes (RFC 9112 9.6): its FIN ends this one; poll opens another. */
	if ((s->hflags & HF_CLOSE) || ((s->hflags & HF_HTTP10) && !(s->hflags & HF_KEEP))) {
		s->state = CS_WAIT_FIN;
		return;
	}
	if (gen.phase != GEN_RUN) {
		s->state = CS_CLOSING;
		tt_app_close(ctx, s->c);
		return;
	}
	if (send_request(ctx, gw, s) != 0)
		give_up(ctx, s, GEN_ERR_local);
}

/* One byte of a header line after the status line, against the names still matching. */
static void
header_match(struct gen_conn *s, char ch)
{
	char lc = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;

	for (unsigned int k = 0; k < HP__COUNT; k++) {
		if (!(s->match & (1u << k)))
			continue;
		if (hdr_pat[k][s->line_pos] != lc) {
			s->match &= (uint8_t)~(1u << k);
			continue;
		}
		if (hdr_pat[k][s->line_pos + 1] != '\0')
			continue;
		s->match &= (uint8_t)~(1u << k);
		if (k == HP_LENGTH) {
			s->cl_state = CL_DIGITS;
			s->clen = 0;
		} else {
			s->hflags |= k == HP_CLOSE ? HF_CLOSE : k == HP_KEEP ? HF_KEEP : HF_CODING;
		}
	}
	if (s->match == 0 && s->cl_state == CL_MATCHING)
		s->cl_state = CL_OTHER;
}

/* One byte of the header. 0 go on, 1 header done, -1 bad answer. */
static int
header_byte(struct gen_conn *s, char ch)
{
	if (ch == '\r')
		return 0;
	if (ch == '\n') {
		if (s->line_pos == 0)
			return s->line1 ? -1 : 1;
		if (s->line1 && s->line_pos < 12)
			return -1;
		s->line1 = 0;
		s->line_pos = 0;
		s->cl_state = CL_MATCHING;
		s->match = HP_ALL;
		return 0;
	}
	if (s->line1) {
		if (s->line_pos < 5 && ch != "HTTP/"[s->line_pos])
			return -1;
		if (s->line_pos == 7 && ch == '0')
			s->hflags |= HF_HTTP10;
		if (s->line_pos >= 9 && s->line_pos <= 11) {
			if (ch < '0' || ch > '9')
				return -1;
			s->status = (uint16_t)(s->status * 10 + (ch - '0'));
		}
	} else if (s->cl_state == CL_MATCHING) {
		header_match(s, ch);
	} else if (s->cl_state == CL_DIGITS) {
		if (ch >= '0' && ch <= '9') {
			if (s->clen > (UINT64_MAX - 9) / 10)
				return -1;
			s->clen = s->clen * 10 + (uint64_t)(ch - '0');
		} else if (ch != ' ' && ch != '\t') {
			s->cl_state = CL_OTHER;
		}
	}
	if (s->line_pos < UINT16_MAX)
		s->line_pos++;
	return 0;
}

/* Read len bytes of the answer. 0, or -1 for a bad answer. */
static int
answer_bytes(struct tt_app_ctx *ctx, struct gen_worker *gw, struct gen_conn *s,
	     const char *p, uint32_t len)
{
	while (len > 0) {
		if (s->state != CS_REQ)
			return -1;         /* bytes after the whole answer: we asked for one */
		if (s->cl_state != CL_BODY) {
			int r = header_byte(s, *p);

			p++;
			len--;
			if (r < 0)
				return -1;
			if (r == 0)
				continue;
			/*
			 * RFC 9112 6.3: a transfer coding decides the end, not Content-Length; gen
			 * does not decode chunked, so such an answer is a bad one (counted), not a
			 * body read until the server's idle timeout.
			 */
			if (s->status < 200 || s->status > 299 || (s->hflags & HF_CODING))
				return -1;
			s->cl_state = CL_BODY;
			s->body_left = s->clen;
			if (s->body_left == 0)
				answer_done(ctx, gw, s);
			continue;
		}
		if (s->body_left == CL_NONE)
			return 0;              /* until the FIN */
		{
			uint32_t take = (uint32_t)RTE_MIN((uint64_t)len, s->body_left);

			s->body_left -= take;
			p += take;
			len -= take;
			if (s->body_left == 0)
				answer_done(ctx, gw, s);
		}
	}
	return 0;
}

static void
gen_connected(struct tt_app_ctx *ctx, tt_conn_t c)
{
	struct gen_worker *gw = ctx->priv;
	struct gen_conn *s = slot_of(ctx, c);

	if (s == NULL)
		return;
	if (s->hold != 0)
		gw->cnt.held_established++;
	else
		gw->cnt.established++;
	gen_hist_record(&gw->h_conn, gen_cycles_to_us(rte_rdtsc() - s->t0));
	if (gen.ever_established == 0) {
		gen.gate_tsc = rte_rdtsc();
		gen.ever_established = 1;
	}
	if (s->state == CS_CLOSING)
		return;
	if (s->hold != 0) {
		s->hold = HOLD_UP;
		s->state = CS_HOLD;
		gw->held++;
		return;
	}
	if (gen.o.mode == GEN_STREAM && gen.o.upload) {
		s->state = CS_STREAM;
		stream_fill(ctx, gw, s);
		return;
	}
	if (send_request(ctx, gw, s) != 0)
		give_up(ctx, s, GEN_ERR_local);
}

static void
gen_data(struct tt_app_ctx *ctx, tt_conn_t c, struct rte_mbuf *m)
{
	struct gen_worker *gw = ctx->priv;
	struct gen_conn *s = slot_of(ctx, c);

	gw->cnt.rx_bytes += m->pkt_len;
	if (s != NULL && s->state != CS_STREAM && s->state != CS_CLOSING) {
		for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next)
			if (answer_bytes(ctx, gw, s, rte_pktmbuf_mtod(seg, const char *),
					 seg->data_len) != 0) {
				give_up(ctx, s, GEN_ERR_bad_answer);
				break;
			}
	}
	rte_pktmbuf_free(m);
}

static void
gen_writable(struct tt_app_ctx *ctx, tt_conn_t c)
{
	struct gen_conn *s = slot_of(ctx, c);

	if (s != NULL && s->state == CS_STREAM)
		stream_fill(ctx, ctx->priv, s);
}

static void
gen_peer_closed(struct tt_app_ctx *ctx, tt_conn_t c)
{
	struct gen_worker *gw = ctx->priv;
	struct gen_conn *s = slot_of(ctx, c);

	if (s == NULL || s->state == CS_CLOSING)
		return;
	if (s->state == CS_HOLD) {
		gw->cnt.err[GEN_ERR_dropped]++;
		s->answered = 2;
		s->state = CS_CLOSING;
		tt_app_close(ctx, c);
		return;
	}
	if (s->state == CS_REQ) {
		/* A body without Content-Length ends here; any other answer is cut short. */
		if (s->answered && s->line1 && s->line_pos == 0) {
			/*
			 * A keep-alive connection the server closed before a byte of the next
			 * answer: its close, not an error (RFC 9112 9.3.1: the request may be
			 * retried, here by the next connection); the connection counts as
			 * completed for the answers it gave.
			 */
		} else if (s->cl_state == CL_BODY && s->body_left == CL_NONE) {
			answer_done(ctx, gw, s);
			if (s->state == CS_CLOSING)
				return;
		} else {
			give_up(ctx, s, GEN_ERR_bad_answer);
			return;
		}
	}
	s->state = CS_CLOSING;
	tt_app_close(ctx, c);
}

static void
gen_closed(struct tt_app_ctx *ctx, tt_conn_t c, enum tt_close_reason why)
{
	struct gen_worker *gw = ctx->priv;
	struct gen_conn *s = slot_of(ctx, c);

	if (s == NULL)
		return;
	/* A stream has no answer to finish: ending it at the stop is its success. */
	bool stream = gen.o.mode == GEN_STREAM;

	if (s->answered == 2) {
		/* counted when this side gave up */
	} else if (s->state == CS_HOLD) {
		gw->cnt.err[GEN_ERR_dropped]++;      /* reset by the server */
	} else if (s->hold == HOLD_UP) {
		/* held until the stop closed it: what it was for */
	} else if (why == TT_CLOSE_REFUSED) {
		gw->cnt.err[GEN_ERR_refused]++;
		/* The first connection refused: nothing to measure there (exit 1). */
		if (gen.ever_established == 0)
			gen.fatal = 4;
	} else if (why == TT_CLOSE_TIMEOUT) {
		gw->cnt.err[GEN_ERR_timeout]++;
		/* The probe connection timed out: no load would fare better (exit 1). */
		if (gen.ever_established == 0)
			gen.fatal = 5;
	} else if (why == TT_CLOSE_UNREACHABLE) {
		gw->cnt.err[GEN_ERR_unreachable]++;
		/* Never reached at all: the run cannot measure anything (exit 1). */
		if (gen.ever_established == 0)
			gen.fatal = 1;
	} else if (gw->closing && !s->answered && !stream) {
		/* ended by the stop while under way: neither a success nor an error */
	} else if (why == TT_CLOSE_NORMAL || (why == TT_CLOSE_ABORTED && gw->closing)) {
		if (s->answered || stream)
			gw->cnt.completed++;
		else
			gw->cnt.err[GEN_ERR_bad_answer]++;   /* closed without answering */
	} else {
		gw->cnt.err[GEN_ERR_reset]++;
		if (gen.ever_established == 0 && !gw->closing)
			gen.fatal = 5;   /* the probe was reset before its handshake ended */
	}
	slot_free(gw, s);
}

/*
 * One connection (held: one of --hold's): a free slot, tt_app_connect. False when the worker
 * should stop trying.
 */
static bool
open_one(struct tt_app_ctx *ctx, struct gen_worker *gw, uint64_t now, bool held)
{
	struct tt_endpoint dst = gen.o.target;
	struct gen_conn *s;
	uint32_t i = gw->free_head, next;
	int rc;

	if (i == UINT32_MAX)
		return false;
	s = &gw->slots[i];
	next = s->next_free;
	memset(s, 0, sizeof(*s));
	s->next_free = next;
	s->t0 = now;
	s->state = CS_CONNECTING;
	dst.port = gw->next[held].port;
	if (dst.family == AF_INET6) {
		uint32_t low;

		memcpy(&low, dst.addr6 + 12, sizeof(low));
		low = rte_cpu_to_be_32(rte_be_to_cpu_32(low) + gw->next[held].addr);
		memcpy(dst.addr6 + 12, &low, sizeof(low));
	} else {
		dst.addr = rte_cpu_to_be_32(rte_be_to_cpu_32(dst.addr) + gw->next[held].addr);
	}
	rc = tt_app_connect(ctx, &dst, i, &s->c);
	if (rc != 0) {
		s->state = CS_FREE;
		gw->cnt.err[GEN_ERR_local]++;
		if (rc == -ENETUNREACH || rc == -EINVAL)
			gen.fatal = rc == -EINVAL ? 3 : 2;
		return false;
	}
	gw->free_head = s->next_free;
	/* Ports in turn, then the next address: each pair has its own source ports. */
	if (gw->next[held].port == gen.o.target_port_hi) {
		gw->next[held].port = gen.o.target.port;
		if (++gw->next[held].addr == gen.o.target_addrs)
			gw->next[held].addr = 0;
	} else {
		gw->next[held].port++;
	}
	if (held) {
		s->hold = HOLD_OPENING;
		gw->hold_used++;
	}
	gw->open++;
	gw->cnt.attempts++;
	return true;
}

/* 0..65536: how far the ramp has gone. */
static uint64_t
ramp_frac16(uint64_t now)
{
	uint64_t el = now - gen.gate_tsc;

	/* A worker's clock read before worker 0 opened the gate: the ramp has not begun. */
	if ((int64_t)el < 0)
		return 0;
	if (gen.ramp_recip == 0 || el >= gen.ramp_cycles)
		return 65536;
	return ((el >> 16) * gen.ramp_recip) >> 16;
}

static void
open_more(struct tt_app_ctx *ctx, struct gen_worker *gw, uint64_t now)
{
	uint64_t f = ramp_frac16(now);
	unsigned int n;

	/*
	 * One connection first, from worker 0: the next hop's MAC is unknown until ARP answers,
	 * and the neighbour layer holds only 128 frames meanwhile, so a full-rate start would
	 * lose SYNs to ArpUnresolvedDiscards and measure syn_retries' first second. Its
	 * 'connected' opens the gate; its 'unreachable' ends the run (exit 1).
	 */
	if (gen.ever_established == 0) {
		if (gw->id == 0 && gw->cnt.attempts == 0)
			open_one(ctx, gw, now, false);
		return;
	}
	if (gw->hold_used < gw->hold_share) {
		n = gen_pace(&gw->hold_credit_fp, &gw->hold_last_tsc, gw->hold_rate_fp, now,
			     RTE_MIN(gw->hold_share - gw->hold_used, GEN_OPEN_BURST));
		while (n-- > 0 && open_one(ctx, gw, now, true))
			;
	}
	/* The load's own slots and connections: the held ones apart. */
	if (gen.o.mode == GEN_CPS) {
		n = (gw->cap - gw->hold_share) - (gw->open - gw->hold_used);
		if (gw->conn_rate_fp != 0)
			n = gen_pace(&gw->conn_credit_fp, &gw->conn_last_tsc,
				     (gw->conn_rate_fp * f) >> 16, now, RTE_MIN(n, GEN_OPEN_BURST));
	} else {
		uint32_t target = (uint32_t)((gw->conns_target * f) >> 16);
		uint32_t load = gw->open - gw->hold_used;

		n = target > load ? target - load : 0;
	}
	n = RTE_MIN(n, GEN_OPEN_BURST);
	while (n-- > 0 && open_one(ctx, gw, now, false))
		;
}

/* The stop: close what is open, GEN_CLOSE_BURST slots a poll. */
static void
close_more(struct tt_app_ctx *ctx, struct gen_worker *gw)
{
	uint32_t end = RTE_MIN(gw->cap, gw->close_next + GEN_CLOSE_BURST);

	gw->closing = true;
	for (; gw->close_next < end; gw->close_next++) {
		struct gen_conn *s = &gw->slots[gw->close_next];

		if (s->state == CS_FREE || s->state == CS_CLOSING)
			continue;
		s->state = CS_CLOSING;
		tt_app_close(ctx, s->c);
	}
}

/* Stream connections that found the pool empty, filled again (a cold path: it scans). */
static void
stream_retry(struct tt_app_ctx *ctx, struct gen_worker *gw)
{
	for (uint32_t i = 0; i < gw->cap && gw->stalled != 0; i++) {
		struct gen_conn *s = &gw->slots[i];

		if (!s->stalled)
			continue;
		s->stalled = 0;
		gw->stalled--;
		if (s->state == CS_STREAM)
			stream_fill(ctx, gw, s);
	}
}

static void
gen_poll(struct tt_app_ctx *ctx, uint64_t now_ms)
{
	struct gen_worker *gw = ctx->priv;
	uint32_t phase = gen.phase;
	uint64_t now = rte_rdtsc();

	(void)now_ms;
	/* Streams have no answer to wait for: the drain closes them at once. */
	if (gw->close_next < gw->cap && (phase == GEN_CLOSE ||
					 (phase == GEN_DRAIN && gen.o.mode == GEN_STREAM)))
		close_more(ctx, gw);
	if (gw->stalled != 0 && phase == GEN_RUN)
		stream_retry(ctx, gw);
	if (phase == GEN_RUN && gen.fatal == 0 && gen.links_up != 0) {
		if (gen.o.mode != GEN_FLOOD)
			open_more(ctx, gw, now);
		if (gw->flood_rate_fp != 0)
			gen_flood_poll(gw, ctx, now);
	}
	/*
	 * Said after acting on it: once every worker has said DRAIN, none will open again,
	 * so the control thread may take 'open' reaching 0 as the end (main.c run_end).
	 */
	if (gw->seen_phase != phase)
		__atomic_store_n(&gw->seen_phase, phase, __ATOMIC_RELEASE);
}

static int
gen_init(struct tt_app_ctx *ctx)
{
	struct gen_worker *gw;
	uint16_t nw = gen.n_workers, id = ctx->worker;
	uint32_t total = gen.o.mode == GEN_CPS ? gen.o.concurrency :
			 gen.o.mode == GEN_FLOOD ? 0 : gen.o.conns;
	uint32_t hold = gen.o.hold / nw + (id < gen.o.hold % nw ? 1 : 0);
	uint32_t share = total / nw + (id < total % nw ? 1 : 0) + hold;
	size_t sz = sizeof(*gw) + (size_t)share * sizeof(struct gen_conn);

	gw = rte_zmalloc("gen_worker", sz, RTE_CACHE_LINE_SIZE);
	if (gw == NULL)
		return -ENOMEM;
	gw->id = id;
	gw->n_workers = nw;
	gw->slots = (struct gen_conn *)(gw + 1);
	gw->cap = share;
	gw->conns_target = share - hold;
	gw->hold_share = hold;
	gw->hold_rate_fp = gen_rate_fp(gen.o.hold_rate, id, nw);
	gw->next[0].port = gw->next[1].port = gen.o.target.port;
	gw->pool_reserve = ctx->pool->size / 4;
	gw->free_head = share > 0 ? 0 : UINT32_MAX;
	for (uint32_t i = 0; i < share; i++)
		gw->slots[i].next_free = i + 1 < share ? i + 1 : UINT32_MAX;
	if (gen.o.mode == GEN_CPS)
		gw->conn_rate_fp = gen_rate_fp(gen.o.rate, id, nw);
	gw->flood_rate_fp = gen_rate_fp(gen.o.flood_rate, id, nw);
	if (gw->flood_rate_fp != 0 && gen_flood_init(gw, ctx) != 0) {
		rte_free(gw);
		return -ENODEV;
	}
	ctx->priv = gw;
	gen.w[id] = gw;
	return 0;
}

static void
gen_fini(struct tt_app_ctx *ctx)
{
	/* The summary was taken before the engine is freed (main.c). */
	gen.w[ctx->worker] = NULL;
	rte_free(ctx->priv);
	ctx->priv = NULL;
}

static const struct tt_app_ops gen_ops = {
	.init = gen_init,
	.fini = gen_fini,
	.poll = gen_poll,
	.connected = gen_connected,
	.data = gen_data,
	.writable = gen_writable,
	.peer_closed = gen_peer_closed,
	.closed = gen_closed,
};

const struct tt_app_def gen_app = { "tcpterm-gen", &gen_ops };
