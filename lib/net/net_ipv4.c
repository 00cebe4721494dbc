/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 input and reply output (RFC 791, RFC 1122 3.2.1). tt_eth_input -> tt_ipv4_input ->
 * tt_icmp_input | the protocol registered for the datagram (net->l4[], tt_tcp_input for TCP:
 * this layer never names a layer above). Validation follows Linux's ip_rcv: version, header length,
 * total length against the frame, header checksum, then delivery only to our addresses.
 * Fragments are counted and dropped: tcpterm does not reassemble (peers use PMTU discovery
 * and TCP never sends fragments with DF set, which Linux sets).
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "../dp/tt_worker.h"
#include "../util/tt_cksum.h"
#include "tt_net.h"

#define TT_IPV4_TTL 64

int
tt_ipv4_proto_register(struct tt_net *net, uint8_t proto, tt_l4_input_fn input,
		       tt_l4_input_fn handed)
{
	struct tt_l4_proto *l4 = &net->l4[proto];

	if (proto == IPPROTO_ICMP || input == NULL)
		return -EINVAL;
	if (l4->input != NULL && (l4->input != input || l4->handed != handed))
		return -EEXIST;
	l4->input = input;
	l4->handed = handed;
	return 0;
}

bool
tt_ipv4_is_local(const struct tt_net *net, uint32_t addr)
{
	for (uint32_t i = 0; i < net->n_addrs; i++)
		if (net->addrs[i] == addr)
			return true;
	return false;
}

bool
tt_ipv4_is_local_on(const struct tt_net *net, uint32_t addr, uint16_t vlan, uint16_t pi)
{
	for (uint32_t i = 0; i < net->n_addrs; i++)
		if (net->addrs[i] == addr)
			return net->addr_vlan[i] == vlan &&
			       (net->addr_port[i] < 0 || net->addr_port[i] == pi);
	return false;
}

int
tt_ipv4_link_addr(const struct tt_net *net, uint32_t addr)
{
	uint32_t a = rte_be_to_cpu_32(addr);

	for (uint32_t i = 0; i < net->n_addrs; i++) {
		uint8_t len = net->prefix_len[i];
		uint32_t mask = len == 0 ? 0 : UINT32_MAX << (32 - len);

		if (((a ^ rte_be_to_cpu_32(net->addrs[i])) & mask) == 0)
			return (int)i;
	}
	return -1;
}

bool
tt_ipv4_subnet_on(const struct tt_net *net, uint32_t addr, uint16_t pi)
{
	int i = tt_ipv4_link_addr(net, addr);

	return i < 0 || net->addr_port[i] < 0 || net->addr_port[i] == pi;
}

bool
tt_ipv4_on_link(const struct tt_net *net, uint32_t addr)
{
	return tt_ipv4_link_addr(net, addr) >= 0;
}

/*
 * RFC 1122 3.3.1: a datagram to an on-link destination goes straight to it, any other
 * through the gateway. With no gateway an off-link destination has no route: Linux fails
 * the lookup (ENETUNREACH) and counts IpOutNoRoutes, and so does tcpterm. Frames that answer
 * a received one still go to its Ethernet source (tt_ipv4_reply_prepare), which is the
 * next hop back whichever way the route says; the route only decides whether to answer.
 */
bool
tt_ipv4_route(struct tt_worker *w, uint32_t dst)
{
	if (w->net->gateway != 0 || tt_ipv4_on_link(w->net, dst))
		return true;
	TT_STAT_INC(&w->stats, IpOutNoRoutes);
	return false;
}

/*
 * A datagram for us from an acceptable source. RFC 1122 3.2.1.3: none from a group,
 * limited-broadcast, "this network" (0/8: {0,0} and {0,host} are only for a host still
 * learning its address) or loopback source; and, as Linux's fib_validate_source with
 * accept_local=0, none claiming one of our own addresses. One pass over our addresses for
 * both ends: every segment in asks this.
 */
static bool
ipv4_addrs_ok(const struct tt_net *net, uint32_t src_be, uint32_t dst_be, uint16_t vlan,
	      uint16_t pi)
{
	uint32_t src = rte_be_to_cpu_32(src_be);
	int dst = -1;

	if ((src >> 24) == 0 || src == UINT32_MAX || (src >> 24) == 127 || (src >> 28) == 0xe)
		return false;
	for (uint32_t i = 0; i < net->n_addrs; i++) {
		if (net->addrs[i] == src_be)
			return false;
		if (net->addrs[i] == dst_be)
			dst = (int)i;
	}
	/* Ours on the VLAN and port it came on (net_vlan.c: the strong host model). */
	return dst >= 0 && net->addr_vlan[dst] == vlan &&
	       (net->addr_port[dst] < 0 || net->addr_port[dst] == pi);
}

int
tt_ipv4_parse(struct tt_stats *st, const struct tt_net *net, struct tt_pkt *p)
{
	struct rte_mbuf *m = p->m;
	uint32_t frame_l3 = rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *ip;
	uint16_t hlen, tlen;

	TT_STAT_INC(st, IpInReceives);
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*ip)) {
		TT_STAT_INC(st, IpInHdrErrors);
		return -EINVAL;
	}
	ip = (struct rte_ipv4_hdr *)(p->eth + 1);
	hlen = rte_ipv4_hdr_len(ip);
	tlen = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip) || tlen < hlen ||
	    tlen > frame_l3 ||
	    rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + hlen) {
		TT_STAT_INC(st, IpInHdrErrors);
		return -EINVAL;
	}
	switch (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
	case RTE_MBUF_F_RX_IP_CKSUM_GOOD:
		break;
	case RTE_MBUF_F_RX_IP_CKSUM_BAD:
		goto bad_csum;
	default:
		/*
		 * RFC 1071: a header whose checksum is right sums to all ones. Without options (all
		 * but a few) the length is a constant, and the sum three adds without the loop.
		 */
		if (tt_cksum_fold(hlen == sizeof(*ip) ? tt_cksum_add(0, ip, sizeof(*ip)) :
							 tt_cksum_add(0, ip, hlen)) != 0xffff)
			goto bad_csum;
	}
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		TT_STAT_INC(st, IpReasmReqds);
		return -EINVAL;
	}
	if (!ipv4_addrs_ok(net, ip->src_addr, ip->dst_addr, p->vlan, p->pi)) {
		TT_STAT_INC(st, IpInAddrErrors);
		return -EINVAL;
	}
	/* Ethernet pads short frames to 60 bytes; the padding is not payload. */
	if (tlen < frame_l3)
		rte_pktmbuf_trim(m, frame_l3 - tlen);
	p->ip = ip;
	p->ip_hlen = hlen;
	p->l4_len = tlen - hlen;
	p->l4 = (uint8_t *)ip + hlen;
	return 0;

bad_csum:
	TT_STAT_INC(st, IpInHdrErrors);
	TT_STAT_INC(st, IpExtInCsumErrors);
	return -EINVAL;
}

void
tt_ipv4_input(struct tt_worker *w, struct tt_pkt *p)
{
	const struct tt_l4_proto *l4;

	if (tt_ipv4_parse(&w->stats, w->net, p) < 0)
		goto drop;
	if (p->ip->next_proto_id == IPPROTO_ICMP) {
		TT_STAT_INC(&w->stats, IpInDelivers);
		tt_icmp_input(w, p);
		return;
	}
	l4 = &w->net->l4[p->ip->next_proto_id];
	if (l4->input != NULL) {
		TT_STAT_INC(&w->stats, IpInDelivers);
		l4->input(w, p);
		return;
	}
	TT_STAT_INC(&w->stats, IpInUnknownProtos);
drop:
	rte_pktmbuf_free(p->m);
}

void
tt_ipv4_handed_input(struct tt_worker *w, struct tt_pkt *p)
{
	const struct tt_l4_proto *l4 = &w->net->l4[p->ip->next_proto_id];

	if (p->ip->next_proto_id == IPPROTO_ICMP)
		tt_icmp_handed_input(w, p);     /* an error for a flow of ours (tt_l4_err_fn) */
	else if (l4->handed != NULL)
		l4->handed(w, p);
	else
		rte_pktmbuf_free(p->m);
}

void
tt_ipv4_reply_prepare(struct tt_worker *w, struct tt_pkt *p, uint16_t l4_len)
{
	struct rte_ipv4_hdr *ip = p->ip;
	struct rte_mbuf *m = p->m;
	uint32_t addr;
	uint32_t want = sizeof(struct rte_ether_hdr) + sizeof(*ip) + l4_len;
	uint8_t *l4_old = p->l4;

	p->eth->dst_addr = p->eth->src_addr;
	p->eth->src_addr = w->ports[p->pi].mac;
	/* Replies carry no IP options: move the L4 header up against a 20-byte header. */
	if (p->ip_hlen != sizeof(*ip)) {
		p->l4 = (uint8_t *)(ip + 1);
		memmove(p->l4, l4_old, RTE_MIN(l4_len, p->l4_len));
		p->ip_hlen = sizeof(*ip);
	}
	if (rte_pktmbuf_pkt_len(m) > want)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - want);
	addr = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = addr;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + l4_len);
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = TT_IPV4_TTL;
	ip->hdr_checksum = 0;
	p->l4_len = l4_len;
}

void
tt_ipv4_reply_send(struct tt_worker *w, struct tt_pkt *p)
{
	const struct tt_port *port = &w->ports[p->pi];
	struct rte_mbuf *m = p->m;
	struct rte_ipv4_hdr *ip = p->ip;

	m->ol_flags = RTE_MBUF_F_TX_IPV4;
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = sizeof(*ip);
	if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = p->l4;

		th->cksum = 0;
		if (port->tx_tcp_csum) {
			m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
			th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		} else {
			th->cksum = tt_cksum_ipv4_l4(m, ip, m->l2_len + m->l3_len);
		}
	}
	if (port->tx_ip_csum)
		m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	TT_STAT_INC(&w->stats, IpOutRequests);
	tt_net_tx(w, p->pi, m);
}
