/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP (RFC 792): echo requests to our addresses are answered in place (RFC 1122 3.2.2.6:
 * same identifier, sequence and data); errors about datagrams we sent (destination
 * unreachable, time exceeded, parameter problem; RFC 1122 3.2.2.1, 3.2.2.4, 3.2.2.5) go to
 * the protocol of the datagram they quote (net->l4[].err, tt_icmp_err_register), as
 * Linux's icmp_unreach -> err_handler; every other type is counted and ignored.
 * tt_ipv4_input -> tt_icmp_input -> echo reply | l4[quoted protocol].err;
 * tt_ipv4_handed_input -> tt_icmp_handed_input -> l4[quoted protocol].err (e.handed).
 */
#include <errno.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "../dp/tt_worker.h"
#include "tt_net.h"

#define ICMP_DEST_UNREACH   3
#define ICMP_TIME_EXCEEDED  11
#define ICMP_PARAMETERPROB  12
#define ICMP_FRAG_NEEDED    4      /* code of ICMP_DEST_UNREACH (RFC 1191 4) */
/* RFC 792: the quoted datagram's header and the first 64 bits of its data. */
#define ICMP_QUOTED_L4      8

static uint16_t
icmp_cksum(const struct tt_pkt *p)
{
	uint16_t sum = 0;
	uint32_t off = (uint8_t *)p->l4 - rte_pktmbuf_mtod(p->m, uint8_t *);

	rte_raw_cksum_mbuf(p->m, off, p->l4_len, &sum);
	return (uint16_t)~sum;
}

int
tt_icmp_err_register(struct tt_net *net, uint8_t proto, tt_l4_err_fn err)
{
	if (proto == IPPROTO_ICMP || err == NULL)
		return -EINVAL;
	net->l4[proto].err = err;
	return 0;
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

/*
 * The datagram an error quotes, as Linux's icmp_unreach takes it: an IPv4 header of at least
 * 20 bytes and the 8 bytes after it, all in the first buffer (Linux: pskb_may_pull of
 * ihl * 4 + 8), and not a fragment past the first, which carries no transport header. Who
 * sent it is the protocol's question (its lookup needs our address as the source).
 */
static bool
icmp_err_parse(const struct tt_pkt *p, struct tt_icmp_err *e)
{
	const struct rte_icmp_hdr *icmp = p->l4;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(icmp + 1);
	uint32_t off = (uint32_t)((uint8_t *)ip - rte_pktmbuf_mtod(p->m, uint8_t *));
	uint32_t room = RTE_MIN((uint32_t)p->l4_len - sizeof(*icmp),
				(uint32_t)rte_pktmbuf_data_len(p->m) - off);
	uint32_t hlen;

	if (room < sizeof(*ip) + ICMP_QUOTED_L4)
		return false;
	hlen = rte_ipv4_hdr_len(ip);
	if ((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip) || room < hlen + ICMP_QUOTED_L4 ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return false;
	e->ip = ip;
	e->ip6 = NULL;
	e->l4 = (const uint8_t *)ip + hlen;
	e->type = icmp->icmp_type;
	e->code = icmp->icmp_code;
	/* RFC 1191 4: the next-hop MTU in the low 16 bits of the unused field; 0 from routers
	 * older than RFC 1191. */
	e->mtu = e->type == ICMP_DEST_UNREACH && e->code == ICMP_FRAG_NEEDED ?
		 rte_be_to_cpu_16(icmp->icmp_seq_nb) : 0;
	e->handed = false;
	e->local = false;
	return true;
}

static void
icmp_error(struct tt_worker *w, struct tt_pkt *p)
{
	struct tt_icmp_err e;
	tt_l4_err_fn err;

	if (!icmp_err_parse(p, &e)) {
		TT_STAT_INC(&w->stats, IcmpInErrors);
		rte_pktmbuf_free(p->m);
		return;
	}
	err = w->net->l4[e.ip->next_proto_id].err;
	if (err == NULL) {
		rte_pktmbuf_free(p->m);
		return;
	}
	err(w, p, &e);
}

void
tt_icmp_handed_input(struct tt_worker *w, struct tt_pkt *p)
{
	struct tt_icmp_err e;
	tt_l4_err_fn err;

	/* The worker that received it validated it: only a frame it would pass comes here. */
	if (!icmp_err_parse(p, &e) || (err = w->net->l4[e.ip->next_proto_id].err) == NULL) {
		rte_pktmbuf_free(p->m);
		return;
	}
	e.handed = true;
	err(w, p, &e);
}

static void
icmp_echo(struct tt_worker *w, struct tt_pkt *p)
{
	struct rte_icmp_hdr *icmp;
	uint16_t len = p->l4_len;

	TT_STAT_INC(&w->stats, IcmpInEchos);
	if (!tt_ipv4_route(w, p->ip->src_addr)) {
		rte_pktmbuf_free(p->m);
		return;
	}
	tt_ipv4_reply_prepare(w, p, len);
	icmp = p->l4;
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = icmp_cksum(p);
	TT_STAT_INC(&w->stats, IcmpOutMsgs);
	TT_STAT_INC(&w->stats, IcmpOutEchoReps);
	tt_ipv4_reply_send(w, p);
}

void
tt_icmp_input(struct tt_worker *w, struct tt_pkt *p)
{
	const struct rte_icmp_hdr *icmp = p->l4;

	if (tt_icmp_parse(&w->stats, p) < 0)
		goto drop;
	switch (icmp->icmp_type) {
	case RTE_IP_ICMP_ECHO_REQUEST:
		if (icmp->icmp_code != 0)
			break;
		icmp_echo(w, p);
		return;
	case ICMP_DEST_UNREACH:
		TT_STAT_INC(&w->stats, IcmpInDestUnreachs);
		icmp_error(w, p);
		return;
	case ICMP_TIME_EXCEEDED:
		TT_STAT_INC(&w->stats, IcmpInTimeExcds);
		icmp_error(w, p);
		return;
	case ICMP_PARAMETERPROB:
		TT_STAT_INC(&w->stats, IcmpInParmProbs);
		icmp_error(w, p);
		return;
	default:
		break;
	}
	TT_STAT_INC(&w->stats, IcmpInOther);
drop:
	rte_pktmbuf_free(p->m);
}
