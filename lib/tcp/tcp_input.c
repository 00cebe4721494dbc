/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input: validate the header (RFC 9293 3.1, SPEC D8), find the flow's owner and state,
 * dispatch.
 *
 *   tt_ipv4_input -> tt_tcp_input (registered for IPPROTO_TCP) -> [hand-over to the owner]
 *     -> flow table hit:  tt_conn_input (below) | tt_req_input | tt_tw_input
 *     -> listener:        tt_listen_input
 *     -> nothing:         tt_tcp_reply_rst (H9)
 *
 * tt_conn_input follows RFC 9293 3.10.7.4 for the synchronized states: sequence check,
 * RST, SYN, ACK (RFC 5961 5.2 acceptability), data (in order to the receive queue, beyond a
 * hole to the out-of-order queue, tcp_reass.c), FIN. Challenge ACKs (RFC 5961 3.2, 4.2, 5.2)
 * share one per-worker rate limit (RFC 5961 7).
 */
#include <errno.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "../dp/tt_worker.h"
#include "../util/tt_cksum.h"
#include "tcp_conn.h"
#include "tcp_input.h"
#include "tcp_seq.h"

#define TH_FIN RTE_TCP_FIN_FLAG
#define TH_SYN RTE_TCP_SYN_FLAG
#define TH_RST RTE_TCP_RST_FLAG
#define TH_PSH RTE_TCP_PSH_FLAG
#define TH_ACK RTE_TCP_ACK_FLAG

static bool
tcp_csum_ok(const struct tt_pkt *p)
{
	switch (p->m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) {
	case RTE_MBUF_F_RX_L4_CKSUM_GOOD:
		return true;
	case RTE_MBUF_F_RX_L4_CKSUM_BAD:
		return false;
	default:
		if (p->ip6 != NULL)
			return tt_ipv6_l4_cksum(p->ip6, p->m,
				(uint32_t)((uint8_t *)p->l4 - rte_pktmbuf_mtod(p->m, uint8_t *)),
				p->l4_len, IPPROTO_TCP) == 0;
		return tt_cksum_ipv4_l4_ok(p->m, p->ip,
			(uint32_t)((uint8_t *)p->l4 - rte_pktmbuf_mtod(p->m, uint8_t *)));
	}
}

/*
 * Flag combinations no TCP sends: SYN with FIN or RST, and a segment with none of SYN, RST
 * and ACK (a "null" or FIN-only probe). Linux drops the last kind in every synchronized
 * state; tcpterm drops all of them before any lookup (SPEC D8).
 */
static bool
tcp_flags_ok(uint8_t flags)
{
	if ((flags & TH_SYN) && (flags & (TH_FIN | TH_RST)))
		return false;
	return (flags & (TH_SYN | TH_RST | TH_ACK)) != 0;
}

int
tt_tcp_parse(struct tt_stats *st, const struct tt_pkt *p, struct tt_tcp_seg *seg)
{
	struct rte_tcp_hdr *th = p->l4;
	uint32_t l4_off = (uint8_t *)p->l4 - rte_pktmbuf_mtod(p->m, uint8_t *);
	uint16_t hlen;

	TT_STAT_INC(st, InSegs);
	if (p->l4_len < sizeof(*th) || rte_pktmbuf_data_len(p->m) < l4_off + sizeof(*th))
		goto bad;
	hlen = (th->data_off >> 4) * 4;
	if (hlen < sizeof(*th) || hlen > p->l4_len ||
	    rte_pktmbuf_data_len(p->m) < l4_off + hlen)
		goto bad;
	if (!tcp_csum_ok(p)) {
		TT_STAT_INC(st, InCsumErrors);
		goto bad;
	}
	seg->th = th;
	seg->flags = th->tcp_flags;
	if (!tcp_flags_ok(seg->flags))
		goto bad;
	if (tt_tcp_parse_options((const uint8_t *)(th + 1), hlen - sizeof(*th), &seg->opts) < 0)
		goto bad;
	seg->seq = rte_be_to_cpu_32(th->sent_seq);
	seg->ack = rte_be_to_cpu_32(th->recv_ack);
	seg->wnd = rte_be_to_cpu_16(th->rx_win);
	seg->sport = th->src_port;
	seg->dport = th->dst_port;
	seg->hlen = hlen;
	seg->plen = p->l4_len - hlen;
	/* Port 0 is reserved (RFC 6335); nothing legitimate comes from or goes to it. */
	if (seg->sport == 0 || seg->dport == 0)
		goto bad;
	return 0;
bad:
	TT_STAT_INC(st, InErrs);
	return -EINVAL;
}

/* ---- Synchronized states ---------------------------------------------------------------- */

/* The payload of p as an mbuf of its own: headers cut, padding gone. Takes p->m. */
static struct rte_mbuf *
payload_mbuf(struct tt_pkt *p, const struct tt_tcp_seg *seg, uint32_t skip)
{
	struct rte_mbuf *m = p->m;
	uint32_t hdrs = (uint32_t)((uint8_t *)p->l4 - rte_pktmbuf_mtod(m, uint8_t *)) + seg->hlen;

	rte_pktmbuf_adj(m, (uint16_t)(hdrs + skip));
	if (rte_pktmbuf_pkt_len(m) > seg->plen - skip)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - (seg->plen - skip)));
	m->ol_flags = 0;
	p->m = NULL;
	return m;
}

/* RFC 9293 3.10.7.4, the four acceptability cases of "first check sequence number". */
static bool
seq_acceptable(const struct tt_conn *c, const struct tt_tcp_seg *seg)
{
	uint32_t wnd = c->rcv_wnd, end = seg->seq + seg->plen;

	/*
	 * A zero window accepts no data, but "special allowance should be made to accept
	 * valid ACKs, URGs, and RSTs": a segment at RCV.NXT passes for its control fields;
	 * conn_data then finds no room for its payload.
	 */
	if (wnd == 0)
		return seg->seq == c->rcv_nxt;
	if (seg->plen == 0)
		return tt_seq_in(seg->seq, c->rcv_nxt, c->rcv_nxt + wnd);
	return tt_seq_in(seg->seq, c->rcv_nxt, c->rcv_nxt + wnd) ||
	       tt_seq_in(end - 1, c->rcv_nxt, c->rcv_nxt + wnd);
}

static void
ack_now(struct tt_worker *w, struct tt_conn *c)
{
	c->cflags |= TT_CF_ACK_NOW;
	tt_conn_schedule_output(w, c);
}

/*
 * Quick-ack mode (D5), as Linux's tcp_incr_quickack: ACK the next segments at once, as many
 * as half the window holds in full segments (at least 2, at most 16), so a sender in slow
 * start, or one that found a hole, is not held up by our delayed ACKs.
 */
#define TT_MAX_QUICKACKS 16

static void
quickack_enter(struct tt_conn *c)
{
	uint32_t n = TT_MAX_QUICKACKS;

	/* The division only for a window too small for the cap (the first data of every
	 * connection comes here: no division by a variable on that path). mss >= 36. */
	if ((uint64_t)c->rcv_wnd < (uint64_t)c->mss * 2u * TT_MAX_QUICKACKS)
		n = c->rcv_wnd / (2u * c->mss);
	n = RTE_MAX(n, 2u);
	if (c->quick < n)
		c->quick = (uint8_t)n;
}

/*
 * In-order data arrived (Linux's tcp_event_data_recv): the first data of a connection, and
 * data after a silence longer than the RTO (the sender restarts from a small window), put
 * the connection in quick-ack mode.
 */
static void
quickack_event(const struct tt_worker *w, struct tt_conn *c)
{
	uint32_t now = (uint32_t)w->clock.ms + 1;    /* stored so: 0 means none yet */

	if (c->lrcv_ms == 0 || now - c->lrcv_ms > c->rto)
		quickack_enter(c);
	c->lrcv_ms = now;
}

/*
 * Linux's tcp_invalid_ratelimit: duplicate ACKs for segments that fail the sequence or PAWS
 * check, at most one per connection in this many ms, so two ends that disagree (or a peer
 * that replays) cannot run an ACK loop. Data without SYN is exempt, as in Linux's
 * tcp_oow_rate_limited: the sender needs the ACK (or D-SACK) to stop retransmitting.
 */
#define TT_INVALID_RATELIMIT_MS 500

/* The duplicate ACK for a segment that failed the sequence or PAWS check. */
static void
oow_ack(struct tt_worker *w, struct tt_conn *c, const struct tt_tcp_seg *seg, enum tt_stat skip)
{
	uint32_t now = (uint32_t)w->clock.ms + 1;     /* stored so: 0 means never */

	if (seg->plen == 0 || (seg->flags & TH_SYN)) {
		if (c->oow_ack_ms != 0 && now - c->oow_ack_ms < TT_INVALID_RATELIMIT_MS) {
			w->stats.c[skip]++;
			return;
		}
		c->oow_ack_ms = now;
	}
	/*
	 * Old data again: reported in a D-SACK (RFC 2883). The sender retransmitted what we
	 * had, perhaps for want of our delayed ACK: quick-ack mode, as Linux's tcp_send_dupack.
	 */
	if (seg->plen > 0 && tt_seq_lt(seg->seq, c->rcv_nxt)) {
		TT_STAT_INC(&w->stats, DelayedACKLost);
		quickack_enter(c);
		if (tt_seq_leq(seg->seq + seg->plen, c->rcv_nxt))
			tt_reass_dup(w, c, seg->seq, seg->seq + seg->plen);
	}
	ack_now(w, c);
}

/* RFC 7323 5.5: after 24 days idle TS.Recent says nothing; the peer's clock may have wrapped. */
#define TT_PAWS_24DAYS_AGE ((uint32_t)((24ull * 86400 * 1000) >> TT_AGE_SHIFT))

/*
 * TS.Recent := SEG.TSval (RFC 7323 4.3 (2)), and when, for its age (5.5); never backwards
 * (a TSval PAWS let through as a reordered ACK, or one tick behind, is older), unless
 * TS.Recent has aged out: Linux's tcp_replace_ts_recent with tcp_paws_check(.., 0).
 */
static void
ts_store(struct tt_worker *w, struct tt_conn *c, uint32_t tsval)
{
	uint32_t now = tt_conn_age(w->clock.ms);

	if ((int32_t)(tsval - c->ts_recent) < 0 && now - c->ts_recent_age < TT_PAWS_24DAYS_AGE)
		return;
	c->ts_recent = tsval;
	c->ts_recent_age = now;
}

/*
 * The receiver's RTT for autotuning (Linux's tcp_rcv_rtt_measure_ts): a full segment
 * echoing one of our TSvals, smoothed by an eighth; a nonzero value means measured.
 */
static void
rcv_rtt_ts(const struct tt_worker *w, struct tt_conn *c, const struct tt_tcp_seg *seg)
{
	uint32_t delta;

	if (seg->opts.tsecr == 0 || seg->plen < c->mss)
		return;
	delta = tt_tcp_tsval(w, c->ts_offset) - seg->opts.tsecr;
	if (delta > 60000)
		return;         /* an echo of nothing we sent lately */
	if (c->rcv_rtt8 == 0)
		c->rcv_rtt8 = (delta << 3) | 1;
	else
		c->rcv_rtt8 = c->rcv_rtt8 - (c->rcv_rtt8 >> 3) + delta;
}

/*
 * PAWS (RFC 7323 5.3 R1, SPEC D2): a segment whose TSval is older than TS.Recent is an old
 * duplicate, perhaps from the sequence space's last lap. Linux's tcp_paws_discard: a TSval
 * one tick behind still passes (TCP_PAWS_WINDOW), and so does a pure duplicate ACK merely
 * reordered with a later one (tcp_disordered_ack: it changes nothing and its TSval is
 * within an RTO of TS.Recent), lest loss recovery miss its duplicate ACKs.
 */
static bool
paws_reject(const struct tt_worker *w, const struct tt_conn *c, const struct tt_tcp_seg *seg)
{
	uint32_t behind;

	if (!(c->flags & TT_CONN_TS) || !(seg->opts.present & TT_TCP_OPT_TS))
		return false;
	behind = c->ts_recent - seg->opts.tsval;
	if ((int32_t)behind <= 1)
		return false;
	if (tt_conn_age(w->clock.ms) - c->ts_recent_age >= TT_PAWS_24DAYS_AGE)
		return false;
	return !((seg->flags & TH_ACK) && seg->plen == 0 && !(seg->flags & (TH_SYN | TH_FIN)) &&
		 seg->seq == c->rcv_nxt && seg->ack == c->snd_una &&
		 (seg->wnd << c->snd_wscale) == c->snd_wnd && behind <= c->rto);
}

/*
 * RFC 5961 7 (SPEC D7): challenge ACKs a second, per worker, as Linux's
 * tcp_challenge_ack_limit is per host. Each second's allowance is drawn in [limit/2,
 * limit * 3/2) as Linux's tcp_send_challenge_ack does: a fixed budget shared by every
 * connection lets an off-path attacker count it and learn whether its guess hit another
 * connection's window (CVE-2016-5696). The draw is SipHash of the second under the ISN key
 * (a domain of its own: third word 2), once a second; no division (multiply-shift).
 */
static bool
challenge_ack_allowed(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;
	uint32_t limit = TT_LIVE(t->cfg, challenge_ack_limit);
	uint64_t sec;

	if (limit >= INT32_MAX)
		return true;               /* Linux's INT_MAX: no limit */
	sec = w->clock.ms / 1000;
	if (sec != t->challenge_sec) {
		uint32_t half = (limit + 1) / 2;
		uint32_t r = (uint32_t)tt_siphash_4u64(&t->isn_key, sec, 0, 2, 0);

		t->challenge_sec = sec;
		t->challenge_left = half + (uint32_t)(((uint64_t)r * limit) >> 32);
	}
	if (t->challenge_left == 0)
		return false;
	t->challenge_left--;
	return true;
}

/*
 * RFC 5961 challenge ACK (SPEC D7): the peer must prove it sees our sequence space. Every
 * challenge (RST in window, SYN, unacceptable ACK) goes through the one limiter; one it
 * refuses is counted as Linux counts its skipped ones (TCPACKSkippedChallenge). An ACK
 * already owed this iteration answers the challenge as well: nothing is counted or spent,
 * so TCPChallengeACK counts segments.
 */
static void
challenge_ack(struct tt_worker *w, struct tt_conn *c)
{
	if (c->cflags & TT_CF_ACK_NOW)
		return;
	if (!challenge_ack_allowed(w)) {
		TT_STAT_INC(&w->stats, TCPACKSkippedChallenge);
		return;
	}
	TT_STAT_INC(&w->stats, TCPChallengeACK);
	ack_now(w, c);
}

/*
 * RFC 5961 5.2, as Linux's tcp_ack: SEG.ACK is acceptable in [SND.UNA - MAX.SND.WND,
 * SND.MAX]. MAX.SND.WND is the largest window the peer offered, and never more than the
 * bytes it has acknowledged (an ACK below ISS + 1 names bytes never sent); after 2^30 bytes,
 * more than any window, the count stops mattering (TT_CF_ACKED_BIG) and may wrap.
 */
static bool
ack_acceptable(const struct tt_conn *c, uint32_t ack)
{
	uint32_t max_wnd = c->max_snd_wnd;

	if (!(c->cflags & TT_CF_ACKED_BIG))
		max_wnd = RTE_MIN(max_wnd, c->snd_una - c->iss - 1);
	return tt_seq_leq(ack, c->snd_max) && tt_seq_geq(ack, c->snd_una - max_wnd);
}

/*
 * Drop what seg acknowledges from the send queue; true when it acknowledged our FIN. *data:
 * the payload bytes it acknowledged.
 */
static bool
conn_ack(struct tt_worker *w, struct tt_conn *c, const struct tt_tcp_seg *seg,
	 uint32_t *data_acked)
{
	uint32_t acked = seg->ack - c->snd_una;
	uint32_t data = RTE_MIN(acked, c->sndq_len);
	bool fin_acked = (c->cflags & TT_CF_FIN_SENT) && seg->ack == c->snd_max;

	if (data > 0)
		tt_sndq_ack(w, c, data);
	*data_acked = data;
	c->snd_una = seg->ack;
	if (c->snd_una - c->iss - 1 >= (1u << 30))
		c->cflags |= TT_CF_ACKED_BIG;     /* beyond any window (65535 << 14) */
	if (tt_seq_lt(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	if (c->rtt_start != 0 && tt_seq_gt(seg->ack, c->rtt_seq)) {
		tt_conn_rtt_sample(c, (uint32_t)w->clock.ms - (c->rtt_start & ~1u));
		c->rtt_start = 0;
	}
	c->backoff = 0;
	if (c->snd_una == c->snd_max)
		tt_conn_rtx_idle(c);
	else
		tt_recovery_arm(w, c, true);
	return fin_acked;
}

static void
conn_window(struct tt_conn *c, const struct tt_tcp_seg *seg)
{
	if (tt_seq_lt(c->snd_wl1, seg->seq) ||
	    (c->snd_wl1 == seg->seq && tt_seq_leq(c->snd_wl2, seg->ack))) {
		c->snd_wnd = seg->wnd << c->snd_wscale;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = seg->ack;
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
	}
}

/* Our FIN was acknowledged: FIN_WAIT_1 -> FIN_WAIT_2, CLOSING -> TIME_WAIT, LAST_ACK -> gone. */
static bool
conn_fin_acked(struct tt_worker *w, struct tt_conn *c)
{
	switch (c->state) {
	case TT_TCPS_FIN_WAIT_1:
		tt_conn_set_state(w, c, TT_TCPS_FIN_WAIT_2);
		if (c->cflags & TT_CF_RELEASED)
			tt_conn_fw2_arm(w, c);
		return false;
	case TT_TCPS_CLOSING:
		tt_tw_enter(w, c);
		return true;
	case TT_TCPS_LAST_ACK:
		tt_conn_closed(w, c, TT_CLOSE_NORMAL);
		return true;
	default:
		return false;
	}
}

/*
 * Received payload waits in the TCB's rcvq until the application takes it. It can take it
 * now (a 'data' event, delivered at the end of the iteration) unless it has not accepted
 * yet, or more than wmem bytes it wrote wait to be sent (a Linux server blocked in write()
 * stops reading): then the payload is held, its bytes shrink the advertised window so the
 * peer is flow-controlled, and tt_conn_release() raises the event when the condition ends.
 */
static bool
conn_app_ready(const struct tt_worker *w, const struct tt_conn *c)
{
	return (c->cflags & TT_CF_ACCEPTED) && !(c->aflags & (TT_AF_RCV_PAUSED | TT_AF_DATA_OUT)) &&
	       !tt_mem_sndq_full(w->tcp, c);
}

static void
conn_rcv_wnd(struct tt_conn *c)
{
	uint32_t cap = c->rcv_wscale ? c->rcvbuf : RTE_MIN(c->rcvbuf, 65535u);

	c->rcv_wnd = c->rcvq_len < cap ? cap - c->rcvq_len : 0;
}

void
tt_conn_release(struct tt_worker *w, struct tt_conn *c)
{
	if ((c->cflags & TT_CF_DEAD) || !conn_app_ready(w, c))
		return;
	if (c->rcvq != NULL)
		tt_conn_event(w, c, TT_EVF_DATA);
	if (c->cflags & TT_CF_PEER_FIN) {
		c->cflags &= ~TT_CF_PEER_FIN;
		tt_conn_event(w, c, TT_EVF_PEER_CLOSED);
	}
}

struct rte_mbuf *
tt_conn_rcv_take(struct tt_worker *w, struct tt_conn *c)
{
	struct rte_mbuf *m = c->rcvq;

	if (m == NULL)
		return NULL;
	/* A connection that ended gives what it held whatever the pause (tt_conn_closed). */
	if (!(c->cflags & TT_CF_DEAD) && !conn_app_ready(w, c)) {
		/* The application wrote past wmem since the event was raised: held after all. */
		c->cflags |= TT_CF_RCV_HELD;
		return NULL;
	}
	tt_mem_uncharge(w->tcp, m->nb_segs);
	c->rcvq = NULL;
	c->rcvq_tail = NULL;
	c->rcvq_len = 0;
	tt_mem_rcv_space_adjust(w, c);
	conn_rcv_wnd(c);
	if (c->cflags & TT_CF_RCV_HELD) {
		/* The window was offered shrunk and reopens: tell the peer (RFC 9293 3.8.6.2.2). */
		c->cflags &= ~TT_CF_RCV_HELD;
		ack_now(w, c);
	}
	return m;
}

static bool conn_reass_drain(struct tt_worker *w, struct tt_conn *c);

/*
 * In-order payload: onto rcvq, for the application now or held (conn_app_ready), then what
 * the out-of-order queue continues. Takes p->m. fin: set when a FIN the out-of-order queue
 * held is now in order.
 */
static bool
conn_data(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg, struct tt_conn *c,
	  bool *fin)
{
	uint32_t skip = c->rcv_nxt - seg->seq;    /* bytes we already have */
	uint32_t len = seg->plen - skip;
	bool ready = conn_app_ready(w, c);
	struct rte_mbuf *m;

	if (c->cflags & TT_CF_RELEASED) {
		/*
		 * F8: data for a connection the application closed. As Linux's
		 * tcp_rcv_state_process, the reset answers the segment: <SEQ=SEG.ACK><CTL=RST>.
		 */
		TT_STAT_INC(&w->stats, TCPAbortOnData);
		tt_conn_closed(w, c, TT_CLOSE_ABORTED);
		tt_tcp_reply_rst(w, p, seg);
		p->m = NULL;
		return false;
	}
	if (!ready && c->rcvq_len + len > c->rcvbuf) {
		/* No room left in the receive buffer: not taken, the peer retransmits. */
		ack_now(w, c);
		return true;
	}
	m = payload_mbuf(p, seg, skip);
	if (tt_mem_rcvq_add(w, c, m, !ready) == 0) {
		c->rcv_nxt += len;
	} else {
		/* R2: over its true-size budget; not acknowledged, so the peer sends it again. */
		rte_pktmbuf_free(m);
		ack_now(w, c);
		return true;
	}
	if (c->ooq != NULL && conn_reass_drain(w, c))
		*fin = true;
	if (ready)
		tt_conn_event(w, c, TT_EVF_DATA);
	else
		c->cflags |= TT_CF_RCV_HELD;
	conn_rcv_wnd(c);
	/*
	 * D5: ACK at the end of this iteration (the application's answer may carry it) on PSH,
	 * every second full segment, and for each segment in quick-ack mode; else within 40 ms.
	 */
	quickack_event(w, c);
	if ((seg->flags & TH_PSH) || c->rcv_nxt - c->rcv_acked >= 2u * c->mss || c->quick > 0) {
		if (c->quick > 0)
			c->quick--;
		ack_now(w, c);
	} else {
		tt_conn_delack_arm(w, c);
	}
	return true;
}

/*
 * In-order data moved rcv_nxt: what the out-of-order queue now continues goes to rcvq, and
 * the ACK goes at once (RFC 5681 4.2: a segment that fills a hole). True when the peer's
 * FIN, queued with it, is now in order too.
 */
static bool
conn_reass_drain(struct tt_worker *w, struct tt_conn *c)
{
	struct rte_mbuf *m;
	bool fin = false;

	while ((m = tt_reass_next(w, c, &fin)) != NULL) {
		uint32_t len = m->data_len;

		/* Charged already while it waited: taken past the budget, as it was. */
		if (tt_mem_rcvq_add(w, c, m, false) != 0) {
			rte_pktmbuf_free(m);
			fin = false;
			break;
		}
		c->rcv_nxt += len;
		if (fin)
			break;
	}
	ack_now(w, c);
	return fin;
}

/*
 * Payload beyond rcv_nxt (D2): kept, cut to the window, and acknowledged at once with SACK
 * blocks (RFC 5681 4.2: an out-of-order segment is acknowledged immediately, so the peer
 * counts duplicate ACKs and SACKs). Takes p->m.
 */
static void
conn_ooo(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg, struct tt_conn *c)
{
	uint32_t wnd_end = c->rcv_nxt + c->rcv_wnd, len = seg->plen;
	bool fin = (seg->flags & TH_FIN) != 0;
	struct rte_mbuf *m;

	ack_now(w, c);
	if (!tt_seq_lt(seg->seq, wnd_end))
		return;
	if (tt_seq_gt(seg->seq + len, wnd_end)) {
		len = wnd_end - seg->seq;
		fin = false;
	}
	m = payload_mbuf(p, seg, 0);
	if (len < m->data_len)
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - len));
	if (m->nb_segs > 1 || m->data_len == 0) {
		/* A chained frame (jumbo on some ports): not kept; the peer sends it again. */
		TT_STAT_INC(&w->stats, TCPOFODrop);
		rte_pktmbuf_free(m);
		return;
	}
	tt_reass_insert(w, c, m, seg->seq, fin);
}

/* The peer's FIN, in order (F1-F3, F5). Returns false when c is gone. */
static bool
conn_fin(struct tt_worker *w, struct tt_conn *c, bool fin_acked)
{
	c->rcv_nxt++;
	/* Nothing comes after the FIN: what the peer sent beyond it goes, as Linux's tcp_fin. */
	if (c->ooq != NULL)
		tt_reass_free(w, c);
	/* F3: the FIN's ACK goes out at the end of this iteration, never waits for the app. */
	ack_now(w, c);
	/*
	 * After any held payload the application hears the end — in every state, so one that
	 * half-closed first (FIN_WAIT_*) hears 'peer_closed' before 'closed' too.
	 */
	if (conn_app_ready(w, c))
		tt_conn_event(w, c, TT_EVF_PEER_CLOSED);
	else
		c->cflags |= TT_CF_PEER_FIN;
	switch (c->state) {
	case TT_TCPS_ESTABLISHED:
		tt_conn_set_state(w, c, TT_TCPS_CLOSE_WAIT);
		return true;
	case TT_TCPS_FIN_WAIT_1:
		if (!fin_acked) {
			tt_conn_set_state(w, c, TT_TCPS_CLOSING);     /* F5 */
			return true;
		}
		/* FIN and the ACK of ours in one segment: as FIN_WAIT_2 */
		__attribute__((fallthrough));
	case TT_TCPS_FIN_WAIT_2:
		tt_tcp_send_ack(w, c);
		tt_tw_enter(w, c);
		return false;
	default:
		return true;
	}
}

void
tt_conn_input(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg, struct tt_conn *c)
{
	bool fin_acked = false, reass_fin = false;

	/* The ACK's processing frees or cuts the first unit: its header (and tt_sndq_meta, in
	 * its second line) arrive while the checks before it run. */
	if (c->sndq != NULL) {
		rte_prefetch0(c->sndq);
		rte_prefetch0(RTE_PTR_ADD(c->sndq, RTE_CACHE_LINE_SIZE));
	}
	if (unlikely(c->state == TT_TCPS_SYN_SENT)) {
		tt_conn_syn_sent_input(w, p, seg, c);
		return;
	}
	if (unlikely(c->state == TT_TCPS_SYN_RECV) && tt_conn_synrecv_synack(w, p, seg, c))
		return;
	/* RFC 7323 5.3: PAWS before the sequence check; a RST goes on to the RFC 5961 checks. */
	if (paws_reject(w, c, seg) && !(seg->flags & TH_RST)) {
		if (seg->flags & TH_SYN) {
			challenge_ack(w, c);    /* RFC 5961 4.2, as Linux's syn_challenge */
		} else {
			TT_STAT_INC(&w->stats, PAWSEstab);
			oow_ack(w, c, seg, TT_STAT_TCPACKSkippedPAWS);
		}
		goto drop;
	}
	if (!seq_acceptable(c, seg)) {
		/* RFC 5961 4.2: a SYN is answered by a challenge ACK wherever it falls. */
		if (seg->flags & TH_SYN)
			challenge_ack(w, c);
		else if (!(seg->flags & TH_RST))
			oow_ack(w, c, seg, TT_STAT_TCPACKSkippedSeq);
		goto drop;
	}
	if ((c->flags & TT_CONN_KEEPALIVE) && !(seg->flags & TH_RST)) {
		/* D6: the peer is there; as Linux's rcv_tstamp, any acceptable segment counts. */
		c->ka_last = (uint32_t)w->clock.ms;
		c->ka_probes = 0;
	}
	if (seg->flags & TH_RST) {
		/* RFC 5961 3.2: only an exact RST resets; one merely in window is challenged. */
		if (seg->seq != c->rcv_nxt) {
			challenge_ack(w, c);
			goto drop;
		}
		if (c->state == TT_TCPS_ESTABLISHED || c->state == TT_TCPS_CLOSE_WAIT)
			TT_STAT_INC(&w->stats, EstabResets);
		/* RFC 9293 3.10.7.4: in SYN-RECEIVED after our SYN, the connection was refused. */
		if (c->state == TT_TCPS_SYN_RECV)
			tt_conn_connect_failed(w, c, TT_CLOSE_REFUSED);
		else
			tt_conn_closed(w, c, TT_CLOSE_RESET);
		goto drop;
	}
	if (seg->flags & TH_SYN) {
		challenge_ack(w, c);    /* RFC 5961 4.2 */
		goto drop;
	}
	if (!(seg->flags & TH_ACK))
		goto drop;
	if (unlikely(c->state == TT_TCPS_SYN_RECV) && !tt_conn_active_synrecv(w, p, seg, c))
		return;
	if (!ack_acceptable(c, seg->ack)) {
		/*
		 * RFC 5961 5.2 (blind data injection): too old, or for something not yet sent.
		 * Dropped whole, data included, and challenged, as Linux's tcp_ack.
		 */
		challenge_ack(w, c);
		goto drop;
	}
	if (tt_seq_geq(seg->ack, c->snd_una)) {
		/* RFC 5681 2: a duplicate ACK acknowledges nothing new and changes nothing. */
		bool dup = seg->ack == c->snd_una && seg->plen == 0 &&
			   !(seg->flags & (TH_SYN | TH_FIN)) && c->snd_una != c->snd_max &&
			   (seg->wnd << c->snd_wscale) == c->snd_wnd;
		uint32_t data_acked = 0;

		c->probes = 0;      /* the peer answers (D3, as Linux's icsk_probes_out) */
		if (tt_seq_gt(seg->ack, c->snd_una))
			fin_acked = conn_ack(w, c, seg, &data_acked);
		if (data_acked > 0)
			tt_mem_sndbuf_expand(w, c);
		if ((c->flags & TT_CONN_WRITE_WAIT) && data_acked > 0 &&
		    tt_mem_sndq_low(w->tcp, c)) {
			c->flags &= ~TT_CONN_WRITE_WAIT;
			if (!(c->cflags & TT_CF_RELEASED))
				tt_conn_event(w, c, TT_EVF_WRITABLE);
		}
		if (c->sndq != NULL || data_acked > 0 || c->ca_state != TT_CA_OPEN)
			tt_recovery_ack(w, c, seg, data_acked, dup);
		conn_window(c, seg);
		if (fin_acked && conn_fin_acked(w, c))
			goto drop;
		if (c->sndq_len > 0 || (c->cflags & TT_CF_FIN_QUEUED))
			tt_conn_schedule_output(w, c);
		if (c->rcvq != NULL || (c->cflags & TT_CF_PEER_FIN))
			tt_conn_release(w, c);
	}
	if (seg->plen > 0) {
		bool open = c->state == TT_TCPS_ESTABLISHED || c->state == TT_TCPS_FIN_WAIT_1 ||
			    c->state == TT_TCPS_FIN_WAIT_2;

		if (!open)
			goto drop;            /* data after the peer's FIN: ignored */
		if (tt_seq_gt(seg->seq, c->rcv_nxt)) {
			conn_ooo(w, p, seg, c);
			return;
		}
		if ((c->flags & TT_CONN_TS) && (seg->opts.present & TT_TCP_OPT_TS)) {
			if (tt_seq_leq(seg->seq, c->rcv_acked))
				ts_store(w, c, seg->opts.tsval);
			rcv_rtt_ts(w, c, seg);
		}
		if (!conn_data(w, p, seg, c, &reass_fin))
			goto drop;
	} else if ((c->flags & TT_CONN_TS) && (seg->opts.present & TT_TCP_OPT_TS) &&
		   seg->seq == c->rcv_nxt) {
		ts_store(w, c, seg->opts.tsval);
	}
	if (((seg->flags & TH_FIN) && seg->seq + seg->plen == c->rcv_nxt) || reass_fin) {
		if (c->state != TT_TCPS_NONE)
			conn_fin(w, c, fin_acked);
	}
	if (c->state != TT_TCPS_NONE)
		TT_TCP_CHECK(c);
drop:
	rte_pktmbuf_free(p->m);
}

/* ---- Dispatch ---------------------------------------------------------------------------- */

/*
 * The worker owning a flow: a pure function of the 4-tuple (tt_steer.h). With ports that
 * steer, the Toeplitz hash of the segment as the port hashed it (source = the peer), so the
 * owner is the queue the port chose; else the high half of the flow hash h.
 */
static uint16_t
flow_owner(struct tt_worker *w, const struct tt_pkt *p, const struct tt_flow *f, uint64_t h)
{
	const struct tt_steer *s = w->steer;

	/* IPv6: the keyed hash of the digest, as every worker computes it (tt_flow6_owner). */
	if (p->ip6 != NULL)
		return tt_flow6_owner(s, tt_in6_digest(s, p->ip6->src_addr), f);
	if (s->owner == TT_OWNER_TOEPLITZ)
		return tt_steer_worker(s, tt_worker_rss_hash(w, p->pi, p->m, f->raddr, f->laddr,
							     f->rport, f->lport));
	return tt_steer_worker(s, (uint32_t)(h >> 32));
}

/* h: tt_flow_hash of f. */
static void
tcp_dispatch(struct tt_worker *w, struct tt_pkt *p, struct tt_tcp_seg *seg,
	     const struct tt_flow *f, uint64_t h)
{
	struct tt_tcp *t = w->tcp;
	uintptr_t v = tt_flow_lookup_hash(t, f, h);
	struct tt_listener *l;

	if (v != 0) {
		switch (v & TT_FLOW_KIND_MASK) {
		case TT_FLOW_CONN:
			tt_conn_input(w, p, seg, tt_flow_ptr(v));
			return;
		case TT_FLOW_REQ:
			tt_req_input(w, p, seg, tt_flow_ptr(v));
			return;
		default:
			tt_tw_input(w, p, seg, tt_flow_ptr(v));
			return;
		}
	}
	if (seg->flags & TH_RST)
		goto drop;       /* RFC 9293 3.10.7.1: a reset is never answered */
	l = tt_listen_lookup(t, seg->dport);
	if (l != NULL) {
		tt_listen_input(w, p, seg, l);
		return;
	}
	tt_tcp_reply_rst(w, p, seg);
	return;
drop:
	rte_pktmbuf_free(p->m);
}

void
tt_tcp_flow_of6(const struct tt_worker *w, const struct tt_pkt *p, uint16_t rport,
		uint16_t lport, struct tt_flow *f)
{
	/* tt_ipv6_parse let only our addresses through: a unicast one is in addrs6. */
	int i = tt_ipv6_addr_index(w->net, p->ip6->dst_addr);

	tt_flow_set(f, w->tcp != NULL ? tt_in6_find(w->tcp, p->ip6->src_addr) : TT_IN6_NONE,
		    tt_flow_l6((uint32_t)RTE_MAX(i, 0)), rport, lport);
}

static void
flow_of(const struct tt_worker *w, const struct tt_pkt *p, const struct tt_tcp_seg *seg,
	struct tt_flow *f)
{
	tt_tcp_flow_of(w, p, seg->sport, seg->dport, f);
}

/*
 * The TCP header of a received frame before any layer has read it (the burst pass, R1's
 * shed): a unicast IPv4 first fragment carrying TCP, long enough for the header's 20
 * bytes; else NULL. Nothing is validated: these only choose what to prefetch or shed, the
 * parsers validate, and tt_tcp_input compares the flow key anyway. Group-addressed frames
 * are left to Ethernet input, which drops them (TCP is unicast). An IPv6 segment right
 * after its 40-byte header gives its TCP header with *ipp NULL: shed like IPv4's, not
 * prefetched (its flow key needs the remote address's handle first).
 */
/* rx_peek_tcp's IPv6 half: the frame is not IPv4. */
static const struct rte_tcp_hdr *
rx_peek_tcp6(const struct rte_mbuf *m, const struct rte_ipv4_hdr **ipp)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(eth + 1);

	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV6) ||
	    rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*ip6) + sizeof(struct rte_tcp_hdr) ||
	    !rte_is_unicast_ether_addr(&eth->dst_addr) || ip6->proto != IPPROTO_TCP)
		return NULL;
	*ipp = NULL;
	return (const struct rte_tcp_hdr *)(ip6 + 1);
}

static inline const struct rte_tcp_hdr *
rx_peek_tcp(const struct rte_mbuf *m, const struct rte_ipv4_hdr **ipp)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	uint32_t ihl;

	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return rx_peek_tcp6(m, ipp);
	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*ip) ||
	    !rte_is_unicast_ether_addr(&eth->dst_addr) || ip->next_proto_id != IPPROTO_TCP ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return NULL;
	ihl = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * 4u;
	if (ihl < sizeof(*ip) ||
	    rte_pktmbuf_data_len(m) < sizeof(*eth) + ihl + sizeof(struct rte_tcp_hdr))
		return NULL;
	*ipp = ip;
	return (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
}

static inline bool
tcp_is_syn(const struct rte_tcp_hdr *th)
{
	return (th->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN;
}

/*
 * R1: the worker is behind (tt_worker.h): a SYN past this iteration's budget is dropped
 * before the lower layers or TCP handle it, as a NIC drops what it has no room for; only
 * the few header bytes rx_peek_tcp reads. At twice capacity most of what arrives is SYNs
 * (first ones and their retransmissions): each shed here costs the driver's RX and little
 * more, where Ethernet, IPv4 and TCP input before it cost a quarter of the worker
 * (docs/BENCHMARKS.md, issue 9's third session).
 */
uint16_t
tt_tcp_rx_shed(struct tt_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *shed[2 * TT_BURST_MAX];
	uint16_t kept = 0, n_shed = 0;

	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip;
		const struct rte_tcp_hdr *th = rx_peek_tcp(pkts[i], &ip);

		if (th != NULL && tcp_is_syn(th)) {
			if (w->syn_budget == 0 && n_shed < RTE_DIM(shed)) {
				shed[n_shed++] = pkts[i];
				continue;
			}
			if (w->syn_budget > 0)
				w->syn_budget--;
		}
		pkts[kept++] = pkts[i];
	}
	if (n_shed != 0) {
		TT_STAT_ADD(&w->stats, EthInFrames, n_shed);
		TT_STAT_ADD(&w->stats, SynShedBusy, n_shed);
		rte_pktmbuf_free_bulk(shed, n_shed);
	}
	return kept;
}

int
tt_tcp_register(struct tt_net *net)
{
	int rc = tt_ipv4_proto_register(net, IPPROTO_TCP, tt_tcp_input, tt_tcp_input_handed);

	return rc != 0 ? rc : tt_icmp_err_register(net, IPPROTO_TCP, tt_tcp_icmp_err);
}

/*
 * A segment another worker received for one of our flows (tt_worker_inbox_burst ->
 * tt_eth_handed_input -> tt_ipv4_handed_input -> here).
 */
void
tt_tcp_input_handed(struct tt_worker *w, struct tt_pkt *p)
{
	struct tt_stats scratch;   /* counted once already, by the receiving worker */
	struct tt_tcp_seg seg;
	struct tt_flow f;

	if (tt_tcp_parse(&scratch, p, &seg) < 0) {
		rte_pktmbuf_free(p->m);
		return;
	}
	flow_of(w, p, &seg, &f);
	tcp_dispatch(w, p, &seg, &f, tt_flow_hash(&w->tcp->flow_key, &f));
}

void
tt_tcp_rx_prefetch(struct tt_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct tt_tcp *t = w->tcp;
	uint64_t syns = 0;

	RTE_BUILD_BUG_ON(RTE_DIM(t->rx_pre) > 64);
	/* The impairment layer can hand over more than a burst (duplicates): the rest of those
	 * frames are hashed when they are handled. */
	n = (uint16_t)RTE_MIN(n, RTE_DIM(t->rx_pre));
	for (uint16_t i = 0; i < n; i++) {
		struct tt_tcp_rx_pre *e = &t->rx_pre[i];
		const struct rte_ipv4_hdr *ip;
		const struct rte_tcp_hdr *th = rx_peek_tcp(pkts[i], &ip);
		bool syn;

		e->m = NULL;
		if (th == NULL || ip == NULL)
			continue;
		syn = tcp_is_syn(th);
		tt_flow_set(&e->f, ip->src_addr, ip->dst_addr, th->src_port, th->dst_port);
		e->h = tt_flow_hash(&t->flow_key, &e->f);
		e->m = pkts[i];
		/* A SYN's lookup usually misses, and a miss reads both buckets. */
		tt_flow_prefetch(&t->ft, e->h, syn);
		syns |= (uint64_t)syn << i;
	}
	/*
	 * The buckets have arrived while the others were hashed: now the flows' state, but not
	 * a SYN's, which usually has none (a flood: all of them) and whose walk of the bucket
	 * would be a second lookup's worth for nothing (bench_conn --flood).
	 */
	for (uint16_t i = 0; i < n; i++)
		if (t->rx_pre[i].m != NULL && !(syns >> i & 1))
			tt_flow_prefetch_obj(&t->ft, t->rx_pre[i].h);
	t->rx_pre_n = n;
	t->rx_pre_i = 0;
}

/* f's hash: the burst pass's when it read this frame and flow, else computed now. */
static inline uint64_t
rx_hash(struct tt_tcp *t, const struct rte_mbuf *m, const struct tt_flow *f)
{
	for (uint16_t i = t->rx_pre_i; i < t->rx_pre_n; i++)
		if (t->rx_pre[i].m == m) {
			t->rx_pre_i = (uint16_t)(i + 1);
			if (tt_flow_eq(&t->rx_pre[i].f, f))
				return t->rx_pre[i].h;
			break;
		}
	return tt_flow_hash(&t->flow_key, f);
}

void
tt_tcp_input(struct tt_worker *w, struct tt_pkt *p)
{
	struct tt_tcp_seg seg;
	struct tt_flow f;
	uint64_t h;

	/*
	 * TCP is unicast: like Linux's tcp_v4_rcv (pkt_type != PACKET_HOST), a segment that came
	 * in a group-addressed frame is dropped before TCP counts it.
	 */
	if (unlikely(!rte_is_unicast_ether_addr(&p->eth->dst_addr) ||
		     (p->ip6 != NULL && p->ip6->dst_addr[0] == 0xff))) {
		TT_STAT_INC(&w->stats, EthInGroupTcp);
		goto drop;
	}
	if (tt_tcp_parse(&w->stats, p, &seg) < 0)
		goto drop;
	if (unlikely(w->tcp == NULL)) {
		/* No TCP layer (tests of the network layer): the closed-port answer. */
		if (!(seg.flags & TH_RST)) {
			tt_tcp_reply_rst(w, p, &seg);
			return;
		}
		goto drop;
	}
	flow_of(w, p, &seg, &f);
	h = rx_hash(w->tcp, p->m, &f);
	if (w->n_workers > 1) {
		uint16_t owner = flow_owner(w, p, &f, h);

		if (owner != w->id) {
			tt_worker_handover(w, owner, p);
			return;
		}
	}
	tcp_dispatch(w, p, &seg, &f, h);
	return;
drop:
	rte_pktmbuf_free(p->m);
}
