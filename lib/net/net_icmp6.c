/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv6 (RFC 4443): the checksum over RFC 8200's pseudo-header, echo requests answered in
 * place (4.2: same identifier, sequence and data; one to a group too, as Linux with
 * echo_ignore_multicast 0, from the port's link-local or a matching address), Neighbour
 * Discovery to net_nd.c, errors to the protocol of the datagram they quote (its err, as for
 * ICMP), and everything else counted under Linux's Icmp6 names and dropped.
 * tt_ipv6_input -> tt_icmp6_input -> echo reply | tt_nd_input | l4[quoted].err.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "../dp/tt_worker.h"
#include "../util/tt_in6.h"
#include "tt_net.h"

#define ICMP6_DST_UNREACH     1
#define ICMP6_PACKET_TOO_BIG  2
#define ICMP6_TIME_EXCEEDED   3
#define ICMP6_PARAM_PROB      4
#define ICMP6_ECHO_REQUEST    128
#define ICMP6_ECHO_REPLY      129
#define ICMP6_MLD_QUERY       130
#define ND_ROUTER_SOLICIT     133
#define ND_ROUTER_ADVERT      134
#define ND_NEIGHBOR_SOLICIT   135
#define ND_NEIGHBOR_ADVERT    136
#define ND_REDIRECT           137

#define ICMP6_HDR_LEN 4       /* type, code, checksum */
#define ICMP6_ECHO_LEN 8      /* and identifier, sequence */
#define IP6_NH_ICMP6 58

static uint32_t
l4_off(const struct tt_pkt *p)
{
	return (uint32_t)((uint8_t *)p->l4 - rte_pktmbuf_mtod(p->m, uint8_t *));
}

int
tt_icmp6_parse(struct tt_stats *st, const struct tt_pkt *p)
{
	TT_STAT_INC(st, Icmp6InMsgs);
	if (p->l4_len < ICMP6_HDR_LEN || rte_pktmbuf_data_len(p->m) < l4_off(p) + ICMP6_HDR_LEN) {
		TT_STAT_INC(st, Icmp6InErrors);
		return -EINVAL;
	}
	if (tt_ipv6_l4_cksum(p->ip6, p->m, l4_off(p), p->l4_len, IP6_NH_ICMP6) != 0) {
		TT_STAT_INC(st, Icmp6InErrors);
		TT_STAT_INC(st, Icmp6InCsumErrors);
		return -EINVAL;
	}
	return 0;
}

/*
 * The request turned into its reply (tt_ipv6_reply_prepare: addresses swapped, extension
 * headers left out), from a unicast address of ours when the request went to a group;
 * type 129, checksum again.
 */
static void
echo_reply(struct tt_worker *w, struct tt_pkt *p)
{
	bool group = tt_in6_is_multicast(p->ip6->dst_addr);
	uint8_t *icmp;
	uint16_t ck;
	int src = -1;

	if (group) {
		src = tt_ipv6_source(w->net, p->pi, p->ip6->src_addr);
		/* The reply's VLAN and port are its source's: the request's, or none. */
		if (src < 0 || w->net->addrs6[src].vlan != p->vlan ||
		    (w->net->addrs6[src].port >= 0 && w->net->addrs6[src].port != p->pi)) {
			rte_pktmbuf_free(p->m);
			return;
		}
	}
	tt_ipv6_reply_prepare(w, p, p->l4_len);
	if (group)
		memcpy(p->ip6->src_addr, w->net->addrs6[src].a, 16);
	icmp = p->l4;
	icmp[0] = ICMP6_ECHO_REPLY;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	ck = tt_ipv6_l4_cksum(p->ip6, p->m, l4_off(p), p->l4_len, IP6_NH_ICMP6);
	memcpy(icmp + 2, &ck, sizeof(ck));
	p->m->ol_flags = 0;
	TT_STAT_INC(&w->stats, Icmp6OutMsgs);
	TT_STAT_INC(&w->stats, Icmp6OutEchoReplies);
	tt_ipv6_output(w, p->pi, p->m);
}

#define ICMP_DEST_UNREACH   3         /* ICMP's words for what an ICMPv6 error says */
#define ICMP_TIME_EXCEEDED  11
#define ICMP_PARAMETERPROB  12
#define ICMP_NET_UNREACH    0
#define ICMP_HOST_UNREACH   1
#define ICMP_PORT_UNREACH   3
#define ICMP_FRAG_NEEDED    4
#define ICMP6_NOROUTE       0         /* codes of ICMP6_DST_UNREACH */
#define ICMP6_PORT_UNREACH  4
#define IP6_MIN_MTU         1280      /* RFC 8200 5 */
/* RFC 4443 2.4: the invoking packet "as much as possible"; TCP needs its ports and sequence. */
#define ICMP6_QUOTED_L4     8

/*
 * The packet an error quotes: an IPv6 header and the first 8 bytes of what follows it, in
 * the first buffer; a quoted datagram with extension headers before its TCP header is none
 * of ours (tcpterm sends none). Its source must be one of ours.
 */
static bool
icmp6_err_parse(const struct tt_worker *w, const struct tt_pkt *p, struct tt_icmp_err *e)
{
	const uint8_t *icmp = p->l4;
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(icmp + 8);
	uint32_t off = l4_off(p) + 8, data = rte_pktmbuf_data_len(p->m);
	uint32_t in_msg = p->l4_len > 8 ? p->l4_len - 8u : 0;
	uint32_t in_buf = data > off ? data - off : 0;
	uint32_t mtu;

	if (RTE_MIN(in_msg, in_buf) < sizeof(*ip6) + ICMP6_QUOTED_L4 ||
	    (rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6 ||
	    tt_ipv6_addr_index(w->net, ip6->src_addr) < 0)
		return false;
	memset(e, 0, sizeof(*e));
	e->ip6 = ip6;
	e->l4 = (const uint8_t *)(ip6 + 1);
	switch (icmp[0]) {
	case ICMP6_DST_UNREACH:
		e->type = ICMP_DEST_UNREACH;
		e->code = icmp[1] == ICMP6_NOROUTE ? ICMP_NET_UNREACH :
			  icmp[1] == ICMP6_PORT_UNREACH ? ICMP_PORT_UNREACH : ICMP_HOST_UNREACH;
		/* No route, beyond scope, address unreachable are soft; the rest are not. */
		e->fatal = icmp[1] != ICMP6_NOROUTE && icmp[1] != 2 && icmp[1] != 3;
		break;
	case ICMP6_PACKET_TOO_BIG:
		memcpy(&mtu, icmp + 4, sizeof(mtu));
		mtu = rte_be_to_cpu_32(mtu);
		e->type = ICMP_DEST_UNREACH;
		e->code = ICMP_FRAG_NEEDED;
		/* Below IPv6's minimum no link exists: believed by nobody (Linux's tcp_v6_err). */
		e->mtu = mtu < IP6_MIN_MTU ? 0 : (uint16_t)(mtu > UINT16_MAX ? UINT16_MAX : mtu);
		e->fatal = true;
		break;
	case ICMP6_TIME_EXCEEDED:
		e->type = ICMP_TIME_EXCEEDED;
		break;
	default:
		e->type = ICMP_PARAMETERPROB;
		e->fatal = true;
		break;
	}
	return true;
}

/* An error to the protocol of the datagram it quotes; no protocol takes it: dropped. */
static void
icmp6_error(struct tt_worker *w, struct tt_pkt *p, bool handed)
{
	struct tt_icmp_err e;
	tt_l4_err_fn err;

	if (!icmp6_err_parse(w, p, &e)) {
		if (!handed)
			TT_STAT_INC(&w->stats, Icmp6InErrors);
		rte_pktmbuf_free(p->m);
		return;
	}
	err = e.ip6->proto != IPPROTO_ICMP ? w->net->l4[e.ip6->proto].err : NULL;
	if (err == NULL) {
		rte_pktmbuf_free(p->m);
		return;
	}
	e.handed = handed;
	err(w, p, &e);
}

void
tt_icmp6_handed_input(struct tt_worker *w, struct tt_pkt *p)
{
	icmp6_error(w, p, true);
}

void
tt_icmp6_input(struct tt_worker *w, struct tt_pkt *p)
{
	const uint8_t *icmp;

	if (tt_icmp6_parse(&w->stats, p) < 0)
		goto drop;
	icmp = p->l4;
	switch (icmp[0]) {
	case ICMP6_ECHO_REQUEST:
		TT_STAT_INC(&w->stats, Icmp6InEchos);
		/* No answer to the unspecified address (DAD's only source). */
		if (p->l4_len < ICMP6_ECHO_LEN || icmp[1] != 0 ||
		    tt_in6_is_unspecified(p->ip6->src_addr)) {
			TT_STAT_INC(&w->stats, Icmp6InErrors);
			goto drop;
		}
		echo_reply(w, p);
		return;
	case ICMP6_ECHO_REPLY:
		TT_STAT_INC(&w->stats, Icmp6InEchoReplies);
		break;
	case ICMP6_DST_UNREACH:
		TT_STAT_INC(&w->stats, Icmp6InDestUnreachs);
		icmp6_error(w, p, false);
		return;
	case ICMP6_PACKET_TOO_BIG:
		TT_STAT_INC(&w->stats, Icmp6InPktTooBigs);
		icmp6_error(w, p, false);
		return;
	case ICMP6_TIME_EXCEEDED:
		TT_STAT_INC(&w->stats, Icmp6InTimeExcds);
		icmp6_error(w, p, false);
		return;
	case ICMP6_PARAM_PROB:
		TT_STAT_INC(&w->stats, Icmp6InParmProblems);
		icmp6_error(w, p, false);
		return;
	case ICMP6_MLD_QUERY:
		TT_STAT_INC(&w->stats, Icmp6InGroupMembQueries);
		/* RFC 3810 5.1.14: a router's, from a link-local address. */
		if (tt_in6_is_link_local(p->ip6->src_addr))
			tt_mld_query(w, p->pi, p->vlan);
		break;
	case ND_ROUTER_SOLICIT:
		TT_STAT_INC(&w->stats, Icmp6InRouterSolicits);
		break;
	case ND_ROUTER_ADVERT:
		TT_STAT_INC(&w->stats, Icmp6InRouterAdvertisements);
		break;
	case ND_REDIRECT:
		TT_STAT_INC(&w->stats, Icmp6InRedirects);
		break;
	case ND_NEIGHBOR_SOLICIT:
		TT_STAT_INC(&w->stats, Icmp6InNeighborSolicits);
		tt_nd_input(w, p, false);
		return;
	case ND_NEIGHBOR_ADVERT:
		TT_STAT_INC(&w->stats, Icmp6InNeighborAdvertisements);
		tt_nd_input(w, p, false);
		return;
	default:
		break;
	}
drop:
	rte_pktmbuf_free(p->m);
}
