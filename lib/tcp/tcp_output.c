/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output: every segment tcpterm sends is built by tcp_emit(), headers prepended in front
 * of the payload (or of nothing) and checksums offloaded when the port can.
 *
 *   tt_tcp_input / timers / application commands -> tt_conn_schedule_output(c)
 *   end of the loop iteration -> tt_tcp_flush_pending -> tt_tcp_output(c) -> tcp_emit
 *
 * Deferring to the end of the iteration is what lets an ACK ride on the application's
 * answer, and a FIN on the ACK of the peer's FIN (SPEC F3), without a delayed-ACK wait.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "../dp/tt_worker.h"
#include "../util/tt_cksum.h"
#include "tcp_conn.h"
#include "tcp_seq.h"

#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_OK 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8

#define TT_HDRS_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr))
#define TT_HDRS6_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr))
/* Output that found no mbuf is tried again this much later (out_retry). */
#define TT_OUT_RETRY_MS 1

/*
 * RFC 9293 3.10.7.1, as Linux's tcp_v4_send_reset, for a segment no connection owns (SPEC
 * H9): with ACK, <SEQ=SEG.ACK><CTL=RST>; without, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>,
 * where SYN and FIN count in SEG.LEN. No options, window 0. Built in place; consumes p->m.
 */
void
tt_tcp_reply_rst(struct tt_worker *w, struct tt_pkt *p, const struct tt_tcp_seg *seg)
{
	struct rte_tcp_hdr *th;
	uint16_t sport = seg->sport, dport = seg->dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint8_t nh[16];

	if (p->ip6 != NULL ? !tt_ipv6_nexthop(w, p->ip6->src_addr, nh) :
			     !tt_ipv4_route(w, p->ip->src_addr)) {
		rte_pktmbuf_free(p->m);
		return;
	}
	if (seg->flags & RTE_TCP_ACK_FLAG) {
		seq = seg->ack;
		ack = 0;
		flags = RTE_TCP_RST_FLAG;
	} else {
		seq = 0;
		ack = seg->seq + seg->plen + !!(seg->flags & RTE_TCP_SYN_FLAG) +
		      !!(seg->flags & RTE_TCP_FIN_FLAG);
		flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	if (p->ip6 != NULL)
		tt_ipv6_reply_prepare(w, p, sizeof(*th));
	else
		tt_ipv4_reply_prepare(w, p, sizeof(*th));
	th = p->l4;
	th->src_port = dport;
	th->dst_port = sport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (sizeof(*th) / 4) << 4;
	th->tcp_flags = flags;
	th->rx_win = 0;
	th->tcp_urp = 0;
	TT_STAT_INC(&w->stats, OutSegs);
	TT_STAT_INC(&w->stats, OutRsts);
	if (p->ip6 != NULL)
		tt_ipv6_reply_send(w, p);
	else
		tt_ipv4_reply_send(w, p);
}

/*
 * One SipHash-2-4 of the 4-tuple under the worker's secret gives both per-flow secrets:
 * F of RFC 6528's ISN in the low half, the timestamp offset (RFC 7323 5.4) in the high
 * half, as independent as two outputs of a PRF. Linux does the same since 2026 (commit
 * 165573e41f2f, "tcp: secure_seq: add back ports to TS offset"): its per-host offsets of
 * 2017-2026 let an off-path peer learn source ports through a SYN-cookie side channel, and
 * one hash for both is cheaper than two.
 */
uint64_t
tt_tcp_flow_secret(const struct tt_worker *w, const struct tt_flow *f)
{
	return tt_siphash_2u64(&w->tcp->isn_key, tt_flow_addr_word(w->tcp, f),
			       (uint64_t)f->rport << 16 | f->lport);
}

/* RFC 6528: ISN = M + F(4-tuple, secret), M a 4-microsecond clock. */
uint32_t
tt_tcp_isn_of(const struct tt_worker *w, uint64_t secret)
{
	/* The worker's TSC reading of this iteration: a few microseconds old at most. */
	uint64_t m = rte_reciprocal_divide_u64(w->clock.tsc, &w->tcp->per_4us);

	return (uint32_t)(m + (uint32_t)secret);
}

uint32_t
tt_tcp_tsval(const struct tt_worker *w, uint32_t offset)
{
	return (uint32_t)w->clock.ms + offset;
}

struct seg_out {
	uint32_t seq, ack;
	uint16_t win;
	uint8_t flags;
	uint8_t optlen;
	uint8_t opts[40];
	uint16_t tso_segsz;     /* payload per segment of a TSO burst; 0: one segment */
	uint16_t nsegs;         /* segments the burst makes on the wire */
};

static uint8_t *
put_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = TCPOPT_TS;
	o[1] = 10;
	tsval = rte_cpu_to_be_32(tsval);
	tsecr = rte_cpu_to_be_32(tsecr);
	memcpy(o + 2, &tsval, 4);
	memcpy(o + 6, &tsecr, 4);
	return o + 10;
}

static void
opts_ts(struct seg_out *s, uint32_t tsval, uint32_t tsecr)
{
	uint8_t *o = s->opts + s->optlen;

	o[0] = TCPOPT_NOP;
	o[1] = TCPOPT_NOP;
	put_ts(o + 2, tsval, tsecr);
	s->optlen += 12;
}

/*
 * Queue frame m on port pi: dst known, at once; dst NULL (an active open's SYN: no segment
 * has told us the next hop yet), through the neighbour layer, which resolves it by ARP.
 */
static void
emit_tx(struct tt_worker *w, uint16_t pi, const struct rte_ether_addr *dst,
	const struct tt_flow *f, struct rte_mbuf *m)
{
	uint32_t nh;

	if (likely(dst != NULL)) {
		tt_net_tx(w, pi, m);
		return;
	}
	if (tt_flow_is_v6(f)) {
		uint8_t nh6[16];

		if (!tt_ipv6_nexthop(w, tt_in6_addr(w->tcp, f->raddr), nh6)) {
			rte_pktmbuf_free(m);
			return;
		}
		tt_neigh6_output(w, pi, m, nh6);
		return;
	}
	nh = tt_ipv4_nexthop(w, f->raddr);
	if (nh == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	tt_neigh_output(w, pi, m, nh);
}

/*
 * Checksums of the headers tcp_emit writes, summed from the values rather than read back:
 * an 8-byte load of header bytes just stored a field at a time cannot be forwarded from
 * those stores and waits for them to reach the cache, which made the checksum loop over
 * the headers most of tcp_emit's cycles (tests/bench/bench_conn.c, issue 9). Each value is
 * added in its wire byte order, as a load of its bytes would see it (RFC 1071 2(B): the sum
 * is byte-order independent as long as every word keeps its place).
 */
static inline uint16_t
bytes16(uint8_t first, uint8_t second)
{
	const uint8_t b[2] = { first, second };
	uint16_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

/* IPv4 header checksum (RFC 791) of tcp_emit's header: no options, DF, TTL 64, ID 0. */
static inline rte_be16_t
ipv4_csum(const struct tt_flow *f, rte_be16_t total_length)
{
	uint64_t sum = (uint64_t)bytes16(RTE_IPV4_VHL_DEF, 0) + total_length +
		       RTE_BE16(RTE_IPV4_HDR_DF_FLAG) + bytes16(64, IPPROTO_TCP) + f->laddr +
		       f->raddr;

	return (rte_be16_t)~tt_cksum_fold(sum);
}

/*
 * TCP checksum (RFC 9293 3.1) of the header described by s and the plen payload bytes of
 * m after hdrs bytes of headers; addrs: the pseudo-header's addresses summed (IPv4's two
 * words, or IPv6's 32 bytes, RFC 8200 8.1: its 32-bit length and next header add up as
 * IPv4's 16-bit ones do).
 */
static inline rte_be16_t
tcp_csum(uint64_t addrs, uint32_t hdrs, const struct tt_flow *f, const struct seg_out *s,
	 uint16_t thlen, const struct rte_mbuf *m, uint32_t plen)
{
	uint32_t off = hdrs + thlen;
	uint64_t sum = addrs + rte_cpu_to_be_16((uint16_t)IPPROTO_TCP) +
		       rte_cpu_to_be_16((uint16_t)(thlen + plen)) + f->lport + f->rport +
		       rte_cpu_to_be_32(s->seq) + rte_cpu_to_be_32(s->ack) +
		       bytes16((uint8_t)((thlen / 4) << 4), s->flags) + rte_cpu_to_be_16(s->win);
	uint16_t folded;

	sum = tt_cksum_add(sum, s->opts, s->optlen);
	if (plen != 0) {
		if (m->nb_segs == 1)
			sum = tt_cksum_add(sum, rte_pktmbuf_mtod_offset(m, const uint8_t *, off),
					   plen);
		else
			sum += tt_cksum_mbuf(m, off, plen);
	}
	folded = (uint16_t)~tt_cksum_fold(sum);
	return folded == 0 ? 0xffff : folded;
}

static inline void
tcp_hdr_fill(struct rte_tcp_hdr *th, const struct tt_flow *f, const struct seg_out *s,
	     uint16_t thlen)
{
	th->src_port = f->lport;
	th->dst_port = f->rport;
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)((thlen / 4) << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->win);
	th->tcp_urp = 0;
	th->cksum = 0;
	memcpy(th + 1, s->opts, s->optlen);
}

/* tcp_emit for an IPv6 flow: the addresses from the worker's table and net->addrs6. */
static void
tcp_emit6(struct tt_worker *w, uint16_t pi, const struct rte_ether_addr *dst,
	  const struct tt_flow *f, struct rte_mbuf *m, const struct seg_out *s)
{
	const struct tt_port *port = &w->ports[pi];
	const uint8_t *raddr = tt_in6_addr(w->tcp, f->raddr);
	const uint8_t *laddr = w->net->addrs6[tt_flow_l6_index(f)].a;
	uint16_t thlen = sizeof(struct rte_tcp_hdr) + s->optlen;
	uint32_t plen = rte_pktmbuf_pkt_len(m);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip6;
	struct rte_tcp_hdr *th;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, TT_HDRS6_LEN + thlen);
	if (unlikely(eth == NULL)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (dst != NULL)
		eth->dst_addr = *dst;
	eth->src_addr = port->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)(thlen + plen));
	ip6->proto = IPPROTO_TCP;
	ip6->hop_limits = TT_IPV6_HOPS;
	memcpy(ip6->src_addr, laddr, 16);
	memcpy(ip6->dst_addr, raddr, 16);
	th = (struct rte_tcp_hdr *)(ip6 + 1);
	tcp_hdr_fill(th, f, s, thlen);
	m->l2_len = sizeof(*eth);
	m->l3_len = sizeof(*ip6);
	m->ol_flags = RTE_MBUF_F_TX_IPV6;
	if (s->tso_segsz != 0) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM;
		m->l4_len = thlen;
		m->tso_segsz = s->tso_segsz;
		th->cksum = rte_ipv6_phdr_cksum(ip6, m->ol_flags);
		TT_STAT_ADD(&w->stats, OutSegs, s->nsegs);
		TT_STAT_ADD(&w->stats, Ip6OutRequests, s->nsegs);
		TT_STAT_INC(&w->stats, TsoBursts);
		emit_tx(w, pi, dst, f, m);
		return;
	}
	if (port->tx_tcp_csum) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
		th->cksum = rte_ipv6_phdr_cksum(ip6, m->ol_flags);
	} else {
		th->cksum = tcp_csum(tt_cksum_add(tt_cksum_add(0, laddr, 16), raddr, 16),
				     TT_HDRS6_LEN, f, s, thlen, m, plen);
	}
	TT_STAT_INC(&w->stats, OutSegs);
	TT_STAT_INC(&w->stats, Ip6OutRequests);
	if (s->flags & RTE_TCP_RST_FLAG)
		TT_STAT_INC(&w->stats, OutRsts);
	emit_tx(w, pi, dst, f, m);
}

/*
 * Prepend Ethernet, IPv4 and TCP headers to m (payload, possibly empty) and queue it on
 * port pi (emit_tx; dst NULL: resolved there). m must be a single linear mbuf or a chain
 * whose first segment has headroom. An IPv6 flow's go to tcp_emit6.
 */
static void
tcp_emit(struct tt_worker *w, uint16_t pi, const struct rte_ether_addr *dst,
	 const struct tt_flow *f, struct rte_mbuf *m, const struct seg_out *s)
{
	const struct tt_port *port = &w->ports[pi];
	uint16_t thlen = sizeof(struct rte_tcp_hdr) + s->optlen;
	uint32_t plen = rte_pktmbuf_pkt_len(m);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (unlikely(tt_flow_is_v6(f))) {
		tcp_emit6(w, pi, dst, f, m, s);
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, TT_HDRS_LEN + thlen);
	if (unlikely(eth == NULL)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (dst != NULL)
		eth->dst_addr = *dst;
	eth->src_addr = port->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + thlen + plen);
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->hdr_checksum = 0;
	ip->src_addr = f->laddr;
	ip->dst_addr = f->raddr;
	th = (struct rte_tcp_hdr *)(ip + 1);
	tcp_hdr_fill(th, f, s, thlen);
	m->l2_len = sizeof(*eth);
	m->l3_len = sizeof(*ip);
	m->ol_flags = RTE_MBUF_F_TX_IPV4;
	if (s->tso_segsz != 0) {
		/*
		 * The port cuts the payload into tso_segsz pieces, each with these headers, its
		 * own sequence number, IP length and checksums; FIN and PSH on the last only.
		 */
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_TCP_CKSUM |
			       RTE_MBUF_F_TX_IP_CKSUM;
		m->l4_len = thlen;
		m->tso_segsz = s->tso_segsz;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		TT_STAT_ADD(&w->stats, OutSegs, s->nsegs);
		TT_STAT_ADD(&w->stats, IpOutRequests, s->nsegs);
		TT_STAT_INC(&w->stats, TsoBursts);
		emit_tx(w, pi, dst, f, m);
		return;
	}
	if (port->tx_tcp_csum) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		th->cksum = tcp_csum((uint64_t)f->laddr + f->raddr, TT_HDRS_LEN, f, s, thlen, m,
				     plen);
	}
	if (port->tx_ip_csum)
		m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = ipv4_csum(f, ip->total_length);
	TT_STAT_INC(&w->stats, OutSegs);
	TT_STAT_INC(&w->stats, IpOutRequests);
	if (s->flags & RTE_TCP_RST_FLAG)
		TT_STAT_INC(&w->stats, OutRsts);
	emit_tx(w, pi, dst, f, m);
}

/*
 * An mbuf for a segment, or NULL counted (STYLE habit 15). Every caller has a retry: the
 * connection's output timer (out_retry below), the SYN-ACK or persist timer, or the peer's
 * retransmission for replies to a segment.
 */
static struct rte_mbuf *
out_alloc(struct tt_worker *w)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);

	if (unlikely(m == NULL))
		TT_STAT_INC(&w->stats, MbufTcpOutFails);
	return m;
}

/* An empty mbuf for a control segment: the received one when it can be reused. */
static struct rte_mbuf *
ctl_mbuf(struct tt_worker *w, struct rte_mbuf *reuse)
{
	if (reuse != NULL && reuse->nb_segs == 1 && rte_mbuf_refcnt_read(reuse) == 1 &&
	    RTE_MBUF_DIRECT(reuse)) {
		rte_pktmbuf_reset(reuse);
		return reuse;
	}
	rte_pktmbuf_free(reuse);
	return out_alloc(w);
}

/*
 * Output of c found no mbuf: try again in TT_OUT_RETRY_MS on the connection's delayed-ACK
 * timer, whose expiry runs the connection's output (tcp_timer.c). Without it a connection
 * with nothing in flight has no timer at all, and an owed ACK waits for the peer to
 * retransmit. The owed work stays where it is: ACK_NOW set, data in the send queue.
 */
static void
out_retry(struct tt_worker *w, struct tt_conn *c)
{
	tt_timer_arm(&w->tcp->wheel, &c->delack, TT_OUT_RETRY_MS);
}

uint32_t
tt_tcp_ts_offset_of(const struct tt_worker *w, uint64_t secret)
{
	return w->tcp->cfg->timestamps == 2 ? 0 : (uint32_t)(secret >> 32);
}

/*
 * The options of a SYN or SYN-ACK in Linux's layout (SPEC H4): MSS always; SACK-permitted,
 * timestamps and window scale each as flags says (a SYN-ACK: those the SYN offered). The
 * window of a SYN segment is never scaled (RFC 7323 2.2).
 */
static void
syn_fill(const struct tt_worker *w, uint16_t pi, const struct tt_flow *f, struct seg_out *s,
	 uint8_t flags, uint32_t tsval, uint32_t tsecr)
{
	const struct tt_config *cfg = w->tcp->cfg;
	uint16_t mss = (uint16_t)(w->ports[pi].mtu - tt_flow_ip_hlen(f) - 20);
	uint8_t *o = s->opts;

	s->win = (uint16_t)RTE_MIN(cfg->rmem, 65535u);
	*o++ = TCPOPT_MSS;
	*o++ = 4;
	*o++ = (uint8_t)(mss >> 8);
	*o++ = (uint8_t)mss;
	if ((flags & TT_CONN_SACK) && (flags & TT_CONN_TS)) {
		*o++ = TCPOPT_SACK_OK;
		*o++ = 2;
		o = put_ts(o, tsval, tsecr);
	} else if (flags & TT_CONN_TS) {
		*o++ = TCPOPT_NOP;
		*o++ = TCPOPT_NOP;
		o = put_ts(o, tsval, tsecr);
	} else if (flags & TT_CONN_SACK) {
		*o++ = TCPOPT_NOP;
		*o++ = TCPOPT_NOP;
		*o++ = TCPOPT_SACK_OK;
		*o++ = 2;
	}
	if (flags & TT_CONN_WSCALE) {
		*o++ = TCPOPT_NOP;
		*o++ = TCPOPT_WS;
		*o++ = 3;
		*o++ = tt_tcp_rcv_wscale(cfg);
	}
	s->optlen = (uint8_t)(o - s->opts);
}

void
tt_tcp_send_synack(struct tt_worker *w, uint16_t pi, struct rte_mbuf *reuse,
		   const struct tt_flow *f, const struct rte_ether_addr *dst, uint32_t iss,
		   uint32_t irs, uint8_t flags, uint32_t tsval, uint32_t tsecr)
{
	struct seg_out s = { .seq = iss, .ack = irs + 1,
			     .flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG };
	struct rte_ether_addr d = *dst;     /* dst may live in the mbuf being reused */
	struct rte_mbuf *m;

	syn_fill(w, pi, f, &s, flags, tsval, tsecr);
	m = ctl_mbuf(w, reuse);
	if (m == NULL)
		return;
	tcp_emit(w, pi, &d, f, m, &s);
}

/*
 * A SYN (SYN_SENT) or, after a simultaneous open, a SYN-ACK (SYN_RECV) for active open c;
 * no mbuf: the SYN timer sends it again.
 */
void
tt_tcp_send_syn(struct tt_worker *w, struct tt_conn *c)
{
	bool synack = c->state == TT_TCPS_SYN_RECV;
	struct seg_out s = { .seq = c->iss, .ack = synack ? c->rcv_nxt : 0,
			     .flags = RTE_TCP_SYN_FLAG | (synack ? RTE_TCP_ACK_FLAG : 0) };
	struct rte_mbuf *m = out_alloc(w);

	if (m == NULL)
		return;
	syn_fill(w, c->pi, &c->flow, &s, c->flags, tt_tcp_tsval(w, c->ts_offset),
		 synack ? c->ts_recent : 0);
	/* The MAC is learned from the peer's SYN or SYN-ACK; until then ARP finds it. */
	tcp_emit(w, c->pi, synack ? &c->peer_mac : NULL, &c->flow, m, &s);
}

/* A bare segment for flow f in reply to p (TIME_WAIT re-ACK, challenge ACK). Takes p->m. */
void
tt_tcp_reply_ack(struct tt_worker *w, struct tt_pkt *p, uint32_t seq, uint32_t ack,
		 uint16_t win, bool ts, uint32_t tsval, uint32_t tsecr)
{
	struct seg_out s = { .seq = seq, .ack = ack, .win = win, .flags = RTE_TCP_ACK_FLAG };
	struct rte_ether_addr dst = p->eth->src_addr;
	struct tt_flow f;
	struct rte_mbuf *m;

	tt_tcp_flow_of(w, p, ((struct rte_tcp_hdr *)p->l4)->src_port,
		       ((struct rte_tcp_hdr *)p->l4)->dst_port, &f);
	/* Only a flow in the table is answered so: its IPv6 remote is interned. */
	if (unlikely(f.raddr == TT_IN6_NONE && tt_flow_is_v6(&f))) {
		rte_pktmbuf_free(p->m);
		return;
	}
	if (ts)
		opts_ts(&s, tsval, tsecr);
	m = ctl_mbuf(w, p->m);
	if (m != NULL)
		tcp_emit(w, p->pi, &dst, &f, m, &s);
}

/*
 * SACK blocks (RFC 2018 3), as Linux lays them out: NOP NOP, kind 5, length, then the
 * blocks; three fit after timestamps, four without.
 */
static void
opts_sack(struct seg_out *s, struct tt_conn *c, unsigned int max)
{
	uint32_t blocks[TT_TCP_MAX_SACK][2];
	unsigned int n = tt_reass_sack(c, blocks, RTE_MIN(max, (unsigned int)TT_TCP_MAX_SACK));
	uint8_t *o = s->opts + s->optlen;

	if (n == 0)
		return;
	o[0] = TCPOPT_NOP;
	o[1] = TCPOPT_NOP;
	o[2] = TCPOPT_SACK;
	o[3] = (uint8_t)(2 + 8 * n);
	o += 4;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t l = rte_cpu_to_be_32(blocks[i][0]), r = rte_cpu_to_be_32(blocks[i][1]);

		memcpy(o, &l, 4);
		memcpy(o + 4, &r, 4);
		o += 8;
	}
	s->optlen = (uint8_t)(s->optlen + 4 + 8 * n);
}

static uint16_t
conn_win(const struct tt_conn *c)
{
	return (uint16_t)RTE_MIN(c->rcv_wnd >> c->rcv_wscale, 65535u);
}

/*
 * The header of c's next segment, carrying len payload bytes. SACK blocks go in as many as
 * the path MTU leaves room for beside the payload (Linux shrinks the payload instead; a
 * unit of the send queue is one segment and goes whole, so a full segment carries none and
 * the ACKs between carry them).
 */
static void
conn_fill(const struct tt_worker *w, struct tt_conn *c, struct seg_out *s, uint32_t seq,
	  uint8_t flags, uint32_t len)
{
	s->seq = seq;
	s->ack = c->rcv_nxt;
	s->tso_segsz = 0;
	s->nsegs = 1;
	c->rcv_acked = c->rcv_nxt;    /* RFC 7323's Last.ACK.sent */
	s->flags = flags;
	s->win = conn_win(c);
	s->optlen = 0;
	if (c->flags & TT_CONN_TS)
		opts_ts(s, tt_tcp_tsval(w, c->ts_offset), c->ts_recent);
	if ((c->flags & TT_CONN_SACK) && (c->ooq != NULL || (c->cflags & TT_CF_DSACK))) {
		uint32_t hdrs = tt_flow_ip_hlen(&c->flow) + sizeof(struct rte_tcp_hdr) +
				s->optlen + len;
		uint32_t room = RTE_MIN(c->pmtu > hdrs ? c->pmtu - hdrs : 0, 40u - s->optlen);

		if (room >= 4 + 8)
			opts_sack(s, c, (room - 4) / 8);
	}
}

static void
conn_acked_now(struct tt_worker *w, struct tt_conn *c)
{
	c->cflags &= ~(TT_CF_ACK_NOW);
	tt_timer_cancel(&w->tcp->wheel, &c->delack);
}

/*
 * The sequence number of a segment without data (bare ACK, RST), as Linux's
 * tcp_acceptable_seq: the highest sent, snd_max. snd_nxt is where the next data goes and a
 * retransmission timeout rewinds it to snd_una, but the peer may already hold every byte up
 * to snd_max, and a number below its RCV.NXT is unacceptable (RFC 9293 3.10.7.4): the ACK, or
 * the RST, would be dropped. If the peer shrank its window below snd_max by more than one
 * unit of its window field (2^snd_wscale: less is rounding), the window's right edge instead,
 * the highest number still inside it. (Linux takes that unit from its own shift.)
 */
static uint32_t
conn_ctl_seq(const struct tt_conn *c)
{
	uint32_t wnd_end = c->snd_una + c->snd_wnd;

	if (tt_seq_geq(wnd_end, c->snd_max) || c->snd_max - wnd_end < (1u << c->snd_wscale))
		return c->snd_max;
	return wnd_end;
}

void
tt_tcp_send_ack(struct tt_worker *w, struct tt_conn *c)
{
	struct seg_out s;
	struct rte_mbuf *m = out_alloc(w);

	if (m == NULL) {
		c->cflags |= TT_CF_ACK_NOW;
		out_retry(w, c);
		return;
	}
	conn_fill(w, c, &s, conn_ctl_seq(c), RTE_TCP_ACK_FLAG, 0);
	conn_acked_now(w, c);
	tcp_emit(w, c->pi, &c->peer_mac, &c->flow, m, &s);
}

/* RST for an established connection (abort, F8): <SEQ=SND.MAX><CTL=RST,ACK>, as Linux. */
void
tt_tcp_send_rst_conn(struct tt_worker *w, struct tt_conn *c)
{
	struct seg_out s = { .seq = conn_ctl_seq(c), .ack = c->rcv_nxt,
			     .flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG };
	struct rte_mbuf *m = out_alloc(w);

	if (m == NULL) {
		/* The connection ends anyway; the peer's next segment gets a reset (H9). */
		TT_STAT_INC(&w->stats, TCPAbortFailed);
		return;
	}
	tcp_emit(w, c->pi, &c->peer_mac, &c->flow, m, &s);
}

/*
 * The payload [snd_nxt, snd_nxt + len) behind a header mbuf. Even in a memory crisis (R1):
 * what it takes lives only until the port has sent it, and sending is what lets the peer's
 * ACK free the queued bytes. Refusing it deadlocks: held buffers that can never drain, and
 * no RTO armed to reclaim an orphan.
 */
static struct rte_mbuf *
sndq_slice(struct tt_worker *w, struct tt_conn *c, uint32_t len)
{
	if (len == 0)
		return out_alloc(w);
	return tt_sndq_payload(w, c, c->snd_unit, c->snd_nxt, len);
}

/* snd_nxt moves on by len bytes of data: the units it sent, and the one holding it, follow. */
static void
snd_unit_advance(struct tt_conn *c, uint32_t len, uint32_t now)
{
	uint32_t seq = c->snd_nxt;

	while (len > 0) {
		struct rte_mbuf *u = c->snd_unit;
		uint32_t end = tt_sndq_meta(u)->seq + u->data_len, k = RTE_MIN(len, end - seq);

		if (tt_sndq_meta(u)->xmits < UINT16_MAX)
			tt_sndq_meta(u)->xmits++;
		tt_sndq_meta(u)->xmit_ts = now;
		if (seq + k == end)
			c->snd_unit = u->next;
		seq += k;
		len -= k;
	}
}

/* The most segments one TSO burst carries: 64 KB, IP's limit, with room for the headers. */
#define TT_TSO_MAX_BYTES (65535u - 60u - 60u)

/*
 * A TSO burst (issue 7: "TSO where the port offers it"): len, the first unit's payload,
 * grows by the whole units after it, as long as every unit but the last is one full
 * segment (the port cuts at mss, so each unit stays one segment on the wire, the
 * scoreboard's grain), and the window, cwnd and the data allow. PSH and a FIN go on the
 * last segment only. Returns the burst's length (len: no burst), its segments in *nsegs.
 */
static uint32_t
tso_extend(const struct tt_worker *w, const struct tt_conn *c, uint32_t len, uint32_t limit,
	   uint16_t *nsegs)
{
	const struct rte_mbuf *u = c->snd_unit;
	uint32_t total = len, max = RTE_MIN(limit, TT_TSO_MAX_BYTES);

	*nsegs = 1;
	if (!w->ports[c->pi].tx_tso || len != c->mss || c->snd_nxt != tt_sndq_meta(u)->seq ||
	    u->data_len != c->mss)
		return len;
	for (u = u->next; u != NULL && tt_sndq_meta(u)->xmits == 0; u = u->next) {
		if (total + u->data_len > max || *nsegs == w->ports[c->pi].tso_max_segs)
			break;
		total += u->data_len;
		(*nsegs)++;
		if (u->data_len != c->mss)
			break;
	}
	return total;
}

void
tt_conn_snd_rewind(struct tt_conn *c)
{
	c->snd_nxt = c->snd_una;
	c->snd_unit = c->sndq;
}

/* Our FIN went out and everything up to it and including it is acknowledged. */
static bool
fin_acked(const struct tt_conn *c)
{
	return (c->cflags & TT_CF_FIN_SENT) && c->snd_una == c->snd_max;
}

/* The room cwnd leaves (RFC 5681, RFC 6675 pipe); 0 marks the connection cwnd-limited. */
static uint32_t
cwnd_room(struct tt_conn *c)
{
	uint32_t pipe = tt_recovery_in_flight(c);

	if (pipe < c->cwnd)
		return c->cwnd - pipe;
	c->cflags |= TT_CF_CWND_LIMITED;
	return 0;
}

/*
 * Unit u again, whole (RFC 6675 NextSeg rule 1: a segment deemed lost). The last unit
 * carries the FIN again when the FIN went with it. false: no mbuf (counted).
 */
bool
tt_tcp_retransmit(struct tt_worker *w, struct tt_conn *c, struct rte_mbuf *u, bool probe)
{
	uint32_t seq = tt_sndq_meta(u)->seq, len = u->data_len;
	uint32_t data_end = c->snd_una + c->sndq_len;
	uint8_t flags = RTE_TCP_ACK_FLAG;
	struct seg_out s;
	struct rte_mbuf *m = tt_sndq_payload(w, c, u, seq, len);

	if (m == NULL)
		return false;
	if (seq + len == data_end) {
		flags |= RTE_TCP_PSH_FLAG;
		if ((c->cflags & TT_CF_FIN_SENT) && tt_seq_gt(c->snd_max, data_end))
			flags |= RTE_TCP_FIN_FLAG;
	}
	conn_fill(w, c, &s, seq, flags, len);
	tcp_emit(w, c->pi, &c->peer_mac, &c->flow, m, &s);
	c->rtt_start = 0;                  /* Karn: no sample while retransmissions are out */
	if (probe) {
		/* RFC 8985 7.3: the same bytes again; not a loss, no scoreboard mark. */
		tt_sndq_meta(u)->flags |= TT_SU_EVER_RETRANS;
		tt_sndq_meta(u)->xmit_ts = tt_tcp_ticks(w->clock.tsc);
		tt_recovery_count_retrans(w, c);
		TT_STAT_INC(&w->stats, RetransSegs);
		return true;
	}
	tt_recovery_retransmitted(w, c, u);
	tt_recovery_arm(w, c, false);
	return true;
}

void
tt_tcp_output(struct tt_worker *w, struct tt_conn *c)
{
	bool sent = false, failed = false;
	struct rte_mbuf *u;

	if (c->state == TT_TCPS_NONE || c->state == TT_TCPS_SYN_SENT)
		return;
	/* An active open's SYN_RECV: no data before the handshake, but an owed ACK goes. */
	if (unlikely(c->state == TT_TCPS_SYN_RECV)) {
		if (c->cflags & TT_CF_ACK_NOW)
			tt_tcp_send_ack(w, c);
		return;
	}
	c->cflags &= ~TT_CF_CWND_LIMITED;
	/* What is deemed lost goes first, within cwnd. */
	while (c->lost_bytes > c->retrans_bytes && cwnd_room(c) > 0 &&
	       (u = tt_recovery_next_lost(c)) != NULL) {
		if (!tt_tcp_retransmit(w, c, u, false)) {
			failed = true;
			break;
		}
		sent = true;
	}
	for (; !failed;) {
		uint32_t data_end = c->snd_una + c->sndq_len;
		uint32_t avail = tt_seq_lt(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
		uint32_t wnd_end = c->snd_una + c->snd_wnd;
		uint32_t usable = tt_seq_gt(wnd_end, c->snd_nxt) ? wnd_end - c->snd_nxt : 0;
		uint32_t len = RTE_MIN(avail, usable);
		uint16_t nsegs = 1;

		len = RTE_MIN(len, (uint32_t)c->mss);
		if (len > 0) {
			/* Never a sliver: a whole segment, or all that is left, must fit in cwnd. */
			uint32_t room = cwnd_room(c), limit = RTE_MIN(avail, usable);

			if (room < len) {
				c->cflags |= TT_CF_CWND_LIMITED;
				len = 0;
			} else {
				/* One unit a segment: its scoreboard state is the segment's. */
				len = RTE_MIN(len, tt_sndq_meta(c->snd_unit)->seq +
						   c->snd_unit->data_len - c->snd_nxt);
				/* Full units in a run may go as one TSO burst. */
				len = tso_extend(w, c, len, RTE_MIN(limit, room), &nsegs);
			}
		}
		/*
		 * The FIN takes the sequence number after the last byte: it goes with the segment
		 * that reaches it, once. After it, snd_nxt is past data_end; a retransmission
		 * rewinds snd_nxt and so sends it again; once it is acknowledged, data_end moves
		 * up to snd_nxt and only fin_acked() keeps it from going again.
		 */
		bool fin = (c->cflags & TT_CF_FIN_QUEUED) && c->snd_nxt + len == data_end &&
			   !fin_acked(c);
		uint8_t flags = RTE_TCP_ACK_FLAG;
		struct seg_out s;
		struct rte_mbuf *m;

		if (len == 0 && !fin)
			break;
		if (fin)
			flags |= RTE_TCP_FIN_FLAG;
		if (len > 0 && c->snd_nxt + len == data_end)
			flags |= RTE_TCP_PSH_FLAG;
		m = sndq_slice(w, c, len);
		if (m == NULL) {
			failed = true;
			break;
		}
		if (tt_seq_lt(c->snd_nxt, c->snd_max))
			TT_STAT_INC(&w->stats, RetransSegs);
		conn_fill(w, c, &s, c->snd_nxt, flags, RTE_MIN(len, (uint32_t)c->mss));
		if (nsegs > 1) {
			s.tso_segsz = c->mss;
			s.nsegs = nsegs;
		}
		tcp_emit(w, c->pi, &c->peer_mac, &c->flow, m, &s);
		if (c->rtt_start == 0 && !tt_seq_lt(c->snd_nxt, c->snd_max)) {
			c->rtt_seq = c->snd_nxt;
			c->rtt_start = (uint32_t)w->clock.ms | 1;
		}
		snd_unit_advance(c, len, tt_tcp_ticks(w->clock.tsc));
		if (c->ca_state == TT_CA_RECOVERY)
			c->prr_out += len;      /* RFC 6937: new data counts against the budget too */
		c->snd_nxt += len + (fin ? 1 : 0);
		if (tt_seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (fin) {
			c->cflags |= TT_CF_FIN_SENT;
			if (c->state == TT_TCPS_ESTABLISHED)
				tt_conn_set_state(w, c, TT_TCPS_FIN_WAIT_1);
			else if (c->state == TT_TCPS_CLOSE_WAIT)
				tt_conn_set_state(w, c, TT_TCPS_LAST_ACK);
		}
		sent = true;
		/*
		 * Data or FIN in flight: the RTO (or a tail loss probe's timeout), in place of a
		 * zero-window probe if one waited.
		 */
		tt_recovery_arm(w, c, false);
		if (fin)
			break;
	}
	if (sent)
		conn_acked_now(w, c);
	else if (c->cflags & TT_CF_ACK_NOW)
		tt_tcp_send_ack(w, c);
	if (failed)
		out_retry(w, c);
	TT_TCP_CHECK(c);
	/* D3: bytes wait behind a zero window with nothing in flight to bring an update. */
	if (c->snd_wnd == 0 && c->snd_una == c->snd_max && c->sndq_len > 0 &&
	    !tt_conn_rtx_pending(c))
		tt_conn_persist_arm(w, c);
}

void
tt_tcp_send_probe(struct tt_worker *w, struct tt_conn *c)
{
	struct seg_out s;
	struct rte_mbuf *m = out_alloc(w);

	if (m == NULL)
		return;        /* counted; the persist timer runs on */
	conn_fill(w, c, &s, c->snd_una - 1, RTE_TCP_ACK_FLAG, 0);
	tcp_emit(w, c->pi, &c->peer_mac, &c->flow, m, &s);
}

void
tt_conn_schedule_output(struct tt_worker *w, struct tt_conn *c)
{
	struct tt_tcp *t = w->tcp;

	if (c->cflags & TT_CF_IN_OUT)
		return;
	if (unlikely(t->n_out == TT_OUT_MAX))
		tt_tcp_flush_pending(w);
	c->cflags |= TT_CF_IN_OUT;
	t->out[t->n_out].c = c;
	t->out[t->n_out].gen = c->gen;
	t->n_out++;
}

void
tt_tcp_flush_pending(struct tt_worker *w)
{
	struct tt_tcp *t = w->tcp;

	for (uint32_t i = 0; i < t->n_out; i++) {
		struct tt_conn *c = t->out[i].c;

		if (c->gen != t->out[i].gen)
			continue;
		c->cflags &= ~TT_CF_IN_OUT;
		tt_tcp_output(w, c);
	}
	t->n_out = 0;
}
