/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output. For now: resets built in place from the segment they answer.
 * tt_tcp_input -> tt_tcp_reply_rst -> tt_ipv4_reply_send.
 */
#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "../core/tt_worker.h"
#include "tcp_input.h"

/*
 * RFC 9293 3.10.7.1, as Linux's tcp_v4_send_reset: a segment with ACK gets <SEQ=SEG.ACK>
 * <CTL=RST>; one without gets <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, where SYN and FIN
 * count in SEG.LEN. No options, window 0.
 */
void
tt_tcp_reply_rst(struct tt_worker *w, struct tt_pkt *p, const struct tt_tcp_seg *seg)
{
	struct rte_tcp_hdr *th;
	uint16_t sport = seg->sport, dport = seg->dport;
	uint32_t seq, ack;
	uint8_t flags;

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
	tt_ipv4_reply_send(w, p);
}
