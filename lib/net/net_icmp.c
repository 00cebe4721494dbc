/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP (RFC 792): echo requests to our addresses are answered in place (RFC 1122 3.2.2.6:
 * same identifier, sequence and data); every other type is counted and ignored.
 * tt_ipv4_input -> tt_icmp_input.
 */
#include <errno.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "../dp/tt_worker.h"
#include "tt_net.h"

static uint16_t
icmp_cksum(const struct tt_pkt *p)
{
	uint16_t sum = 0;
	uint32_t off = (uint8_t *)p->l4 - rte_pktmbuf_mtod(p->m, uint8_t *);

	rte_raw_cksum_mbuf(p->m, off, p->l4_len, &sum);
	return (uint16_t)~sum;
}

int
tt_icmp_parse(struct tt_stats *st, const struct tt_pkt *p)
{
	TT_STAT_INC(st, IcmpInMsgs);
	if (p->l4_len < sizeof(struct rte_icmp_hdr) ||
	    rte_pktmbuf_data_len(p->m) < ((uint8_t *)p->l4 - rte_pktmbuf_mtod(p->m, uint8_t *)) +
					 sizeof(struct rte_icmp_hdr)) {
		TT_STAT_INC(st, IcmpInErrors);
		return -EINVAL;
	}
	if (icmp_cksum(p) != 0) {
		TT_STAT_INC(st, IcmpInErrors);
		TT_STAT_INC(st, IcmpInCsumErrors);
		return -EINVAL;
	}
	return 0;
}

void
tt_icmp_input(struct tt_worker *w, struct tt_pkt *p)
{
	struct rte_icmp_hdr *icmp = p->l4;
	uint16_t len = p->l4_len;

	if (tt_icmp_parse(&w->stats, p) < 0)
		goto drop;
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		TT_STAT_INC(&w->stats, IcmpInOther);
		goto drop;
	}
	TT_STAT_INC(&w->stats, IcmpInEchos);
	if (!tt_ipv4_route(w, p->ip->src_addr))
		goto drop;
	tt_ipv4_reply_prepare(w, p, len);
	icmp = p->l4;
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = icmp_cksum(p);
	TT_STAT_INC(&w->stats, IcmpOutMsgs);
	TT_STAT_INC(&w->stats, IcmpOutEchoReps);
	tt_ipv4_reply_send(w, p);
	return;
drop:
	rte_pktmbuf_free(p->m);
}
