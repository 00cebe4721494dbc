/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input: validate the header (RFC 9293 3.1, SPEC D8), parse options, then dispatch.
 * tt_ipv4_input -> tt_tcp_input -> tt_tcp_reply_rst (tcp_output.c).
 *
 * Until connections and listeners exist, every valid segment meets the closed-port rule of
 * RFC 9293 3.10.7.1 (SPEC H9): a reset, unless the segment is itself a reset.
 */
#include <errno.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "../core/tt_worker.h"
#include "tcp_input.h"

#define TH_FIN RTE_TCP_FIN_FLAG
#define TH_SYN RTE_TCP_SYN_FLAG
#define TH_RST RTE_TCP_RST_FLAG
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
		return rte_ipv4_udptcp_cksum_mbuf_verify(p->m, p->ip,
			(uint8_t *)p->l4 - rte_pktmbuf_mtod(p->m, uint8_t *)) == 0;
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

void
tt_tcp_input(struct tt_worker *w, struct tt_pkt *p)
{
	struct tt_tcp_seg seg;

	/*
	 * TCP is unicast: like Linux's tcp_v4_rcv (pkt_type != PACKET_HOST), a segment that came
	 * in a group-addressed frame is dropped before TCP counts it.
	 */
	if (unlikely(!rte_is_unicast_ether_addr(&p->eth->dst_addr))) {
		TT_STAT_INC(&w->stats, EthInGroupTcp);
		goto drop;
	}
	if (tt_tcp_parse(&w->stats, p, &seg) < 0)
		goto drop;
	/* RFC 9293 3.10.7.1: a reset is never answered. */
	if (seg.flags & TH_RST)
		goto drop;
	tt_tcp_reply_rst(w, p, &seg);
	return;
drop:
	rte_pktmbuf_free(p->m);
}
