/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 input and the helpers its output needs (RFC 8200; issue 10 item 1). tt_eth_input ->
 * tt_ipv6_input -> tt_icmp6_input (echo, Neighbour Discovery) | the protocol registered for
 * the next header. Validation follows Linux's ipv6_rcv: version, payload length against the
 * frame, a source that is no group, then extension headers as ip6_input_finish walks them.
 * Fragments are counted and dropped as IPv4's are: TCP over IPv6 sends none (RFC 8201 PMTU
 * discovery), and neither does Linux's.
 *
 * Our addresses (net->addrs6): --addr's, then each port's link-local. A datagram is ours
 * when it is sent to one of them that DAD let through (preferred), to all-nodes (ff02::1),
 * or to the solicited-node group of one of them (RFC 4291 2.7.1), which DAD itself needs
 * while the address is tentative (RFC 4862 5.4.2).
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "../dp/tt_worker.h"
#include "../util/tt_cksum.h"
#include "../util/tt_in6.h"
#include "tt_net.h"

#define IP6_NH_HOPOPTS   0
#define IP6_NH_ROUTING   43
#define IP6_NH_FRAGMENT  44
#define IP6_NH_ICMP6     58
#define IP6_NH_NONE      59
#define IP6_NH_DSTOPTS   60
#define ND_NEIGHBOR_ADVERT 136

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

void
tt_ipv6_solicited_node(const uint8_t addr[16], uint8_t group[16])
{
	static const uint8_t base[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };

	memcpy(group, base, sizeof(base));
	memcpy(group + 13, addr + 13, 3);
}

void
tt_ipv6_mcast_mac(const uint8_t group[16], struct rte_ether_addr *mac)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(&mac->addr_bytes[2], group + 12, 4);
}

void
tt_ipv6_link_local(const struct rte_ether_addr *mac, uint8_t addr[16])
{
	const uint8_t *m = mac->addr_bytes;

	memset(addr, 0, 16);
	addr[0] = 0xfe;
	addr[1] = 0x80;
	/* Modified EUI-64 (RFC 4291 appendix A): the universal/local bit inverted. */
	addr[8] = m[0] ^ 0x02;
	addr[9] = m[1];
	addr[10] = m[2];
	addr[11] = 0xff;
	addr[12] = 0xfe;
	addr[13] = m[3];
	addr[14] = m[4];
	addr[15] = m[5];
}

int
tt_ipv6_addr_index(const struct tt_net *net, const uint8_t addr[16])
{
	for (uint32_t i = 0; i < net->n_addrs6; i++)
		if (memcmp(net->addrs6[i].a, addr, 16) == 0)
			return (int)i;
	return -1;
}

bool
tt_ipv6_is_local(const struct tt_net *net, const uint8_t addr[16])
{
	int i = tt_ipv6_addr_index(net, addr);

	return i >= 0 && tt_addr6_state_get(net, (uint32_t)i) == TT_ADDR6_PREFERRED;
}

int
tt_ipv6_source(const struct tt_net *net, uint16_t pi, const uint8_t dst[16])
{
	int any = -1, via = -1;

	for (uint32_t i = 0; i < net->n_addrs6; i++) {
		const struct tt_addr6 *a = &net->addrs6[i];

		if (tt_addr6_state_get(net, i) != TT_ADDR6_PREFERRED)
			continue;
		if (tt_in6_is_link_local(a->a)) {
			/* RFC 6724 rule 2: a link-local destination from the port's link-local. */
			if (a->port == pi && (tt_in6_is_link_local(dst) || tt_in6_is_multicast(dst)))
				return (int)i;
			continue;
		}
		if (tt_in6_prefix_eq(a->a, dst, a->len))
			return (int)i;
		/*
		 * Off-link, through the gateway: the address on its subnet, or an untagged one
		 * for a link-local gateway, so the frame's VLAN (its source's) is the gateway's.
		 */
		if (via < 0 && (tt_in6_prefix_eq(a->a, net->gateway6, a->len) ||
				(tt_in6_is_link_local(net->gateway6) && a->vlan == 0)))
			via = (int)i;
		if (any < 0)
			any = (int)i;
	}
	if (tt_in6_is_link_local(dst))
		return -1;
	return via >= 0 ? via : any;
}

bool
tt_ipv6_subnet_on(const struct tt_net *net, const uint8_t addr[16], uint16_t pi)
{
	for (uint32_t i = 0; i < net->n_addrs6; i++) {
		const struct tt_addr6 *a = &net->addrs6[i];

		if (!tt_in6_is_link_local(a->a) && tt_in6_prefix_eq(a->a, addr, a->len))
			return a->port < 0 || a->port == pi;
	}
	return true;
}

bool
tt_ipv6_nexthop(struct tt_worker *w, const uint8_t dst[16], uint8_t nh[16])
{
	const struct tt_net *net = w->net;

	if (tt_in6_is_link_local(dst)) {
		memcpy(nh, dst, 16);
		return true;
	}
	for (uint32_t i = 0; i < net->n_addrs6; i++) {
		if (!tt_in6_is_link_local(net->addrs6[i].a) &&
		    tt_in6_prefix_eq(net->addrs6[i].a, dst, net->addrs6[i].len)) {
			memcpy(nh, dst, 16);
			return true;
		}
	}
	if (!tt_in6_is_unspecified(net->gateway6)) {
		memcpy(nh, net->gateway6, 16);
		return true;
	}
	TT_STAT_INC(&w->stats, Ip6OutNoRoutes);
	return false;
}

/*
 * The destination: one of our preferred addresses, all-nodes, or the solicited-node group
 * of one of ours in any state (DAD's own messages arrive there). Other groups are ones we
 * never joined: Linux drops those unseen in ip6_mc_input; here they are counted
 * Ip6InDiscards.
 */
static int
dst_check(struct tt_stats *st, const struct tt_net *net, const uint8_t dst[16], uint16_t vlan,
	  uint16_t pi)
{
	/* Each address on its own VLAN and port only (net_vlan.c); link-locals are untagged. */
	if (!tt_in6_is_multicast(dst)) {
		int a = tt_ipv6_addr_index(net, dst);

		return a >= 0 && net->addrs6[a].vlan == vlan &&
		       (net->addrs6[a].port < 0 || net->addrs6[a].port == pi) &&
		       tt_addr6_state_get(net, (uint32_t)a) == TT_ADDR6_PREFERRED ? 0 : -EADDRNOTAVAIL;
	}
	TT_STAT_INC(st, Ip6InMcastPkts);
	/* All-nodes on every VLAN: DAD's defending advertisements go there (RFC 4861 7.2.4). */
	if (memcmp(dst, all_nodes, 16) == 0)
		return 0;
	for (uint32_t i = 0; i < net->n_addrs6; i++) {
		uint8_t group[16];

		if (net->addrs6[i].vlan != vlan ||
		    (net->addrs6[i].port >= 0 && net->addrs6[i].port != pi))
			continue;
		tt_ipv6_solicited_node(net->addrs6[i].a, group);
		if (memcmp(group, dst, 16) == 0)
			return 0;
	}
	return -ENOENT;
}

/*
 * Walk the extension headers RFC 8200 4.1 lets a host skip (hop-by-hop first only, routing
 * with no segments left, destination options) to the upper-layer header: its offset from the
 * IPv6 header and its protocol, or -EINVAL (a malformed or misplaced one), -EMSGSIZE (a
 * fragment).
 */
static int
ext_walk(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip6, uint32_t plen,
	 uint16_t *l4_off, uint8_t *proto)
{
	uint32_t avail = rte_pktmbuf_data_len(m) - sizeof(struct rte_ether_hdr);
	uint32_t off = sizeof(*ip6);
	uint8_t nh = ip6->proto;

	for (;;) {
		const uint8_t *h = (const uint8_t *)ip6 + off;
		uint32_t len;

		switch (nh) {
		case IP6_NH_HOPOPTS:
			if (off != sizeof(*ip6))
				return -EINVAL;
			break;
		case IP6_NH_ROUTING:
		case IP6_NH_DSTOPTS:
			break;
		case IP6_NH_FRAGMENT:
			return -EMSGSIZE;
		default:
			/* A hand-over carries the offset in l3_len's 9 bits (tt_worker_handover). */
			if (off > 511)
				return -EINVAL;
			*l4_off = (uint16_t)off;
			*proto = nh;
			return 0;
		}
		if (off + 8 > sizeof(*ip6) + plen || off + 8 > avail)
			return -EINVAL;
		len = (h[1] + 1u) * 8;
		/* A routing header still to be followed is for a router (RFC 8200 4.4). */
		if (nh == IP6_NH_ROUTING && h[3] != 0)
			return -EINVAL;
		if (off + len > sizeof(*ip6) + plen || off + len > avail)
			return -EINVAL;
		nh = h[0];
		off += len;
	}
}

int
tt_ipv6_parse(struct tt_stats *st, const struct tt_net *net, struct tt_pkt *p)
{
	struct rte_mbuf *m = p->m;
	uint32_t frame_l3 = rte_pktmbuf_pkt_len(m) - sizeof(struct rte_ether_hdr);
	struct rte_ipv6_hdr *ip6;
	uint16_t plen, l4_off = 0;
	uint8_t proto = 0;
	int rc;

	TT_STAT_INC(st, Ip6InReceives);
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*ip6)) {
		TT_STAT_INC(st, Ip6InHdrErrors);
		return -EINVAL;
	}
	ip6 = (struct rte_ipv6_hdr *)(p->eth + 1);
	plen = rte_be_to_cpu_16(ip6->payload_len);
	if ((rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6) {
		TT_STAT_INC(st, Ip6InHdrErrors);
		return -EINVAL;
	}
	if (sizeof(*ip6) + plen > frame_l3) {
		TT_STAT_INC(st, Ip6InTruncatedPkts);
		return -EINVAL;
	}
	/*
	 * RFC 4291 2.7: never from a group; 2.5.3: loopback never on a link; 2.5.5.2: an
	 * IPv4-mapped address is no IPv6 node's, either end (as Linux's ip6_rcv_core; the
	 * neighbour table keys IPv4 neighbours so). A source of ours is left to tt_ipv6_input:
	 * the advertisement that defends an address comes from it.
	 */
	if (tt_in6_is_multicast(ip6->src_addr) || tt_in6_is_loopback(ip6->src_addr) ||
	    tt_in6_is_v4mapped(ip6->src_addr) || tt_in6_is_v4mapped(ip6->dst_addr)) {
		TT_STAT_INC(st, Ip6InAddrErrors);
		return -EINVAL;
	}
	rc = dst_check(st, net, ip6->dst_addr, p->vlan, p->pi);
	if (rc == -ENOENT) {
		TT_STAT_INC(st, Ip6InDiscards);
		return -EINVAL;
	}
	if (rc != 0) {
		TT_STAT_INC(st, Ip6InAddrErrors);
		return -EINVAL;
	}
	rc = ext_walk(m, ip6, plen, &l4_off, &proto);
	if (rc == -EMSGSIZE) {
		TT_STAT_INC(st, Ip6ReasmReqds);
		return -EINVAL;
	}
	if (rc != 0) {
		TT_STAT_INC(st, Ip6InHdrErrors);
		return -EINVAL;
	}
	/* Ethernet pads short frames to 60 bytes; the padding is not payload. */
	if (sizeof(*ip6) + plen < frame_l3)
		rte_pktmbuf_trim(m, frame_l3 - (sizeof(*ip6) + plen));
	p->ip = NULL;
	p->ip6 = ip6;
	p->ip_hlen = l4_off;
	p->l4_len = (uint16_t)(sizeof(*ip6) + plen - l4_off);
	p->l4 = (uint8_t *)ip6 + l4_off;
	p->proto = proto;
	return 0;
}

void
tt_ipv6_input(struct tt_worker *w, struct tt_pkt *p)
{
	bool own, na;

	if (tt_ipv6_parse(&w->stats, w->net, p) < 0)
		goto drop;
	/*
	 * The unspecified source is for DAD's solicitations only (RFC 4862 5.4.2); one of our
	 * own addresses for another node's advertisement of it only (5.4.4), which DAD looks for.
	 */
	own = tt_ipv6_addr_index(w->net, p->ip6->src_addr) >= 0;
	na = p->proto == IP6_NH_ICMP6 && p->l4_len > 0 &&
	     *(const uint8_t *)p->l4 == ND_NEIGHBOR_ADVERT;
	if ((tt_in6_is_unspecified(p->ip6->src_addr) && p->proto != IP6_NH_ICMP6) ||
	    (own && !na)) {
		TT_STAT_INC(&w->stats, Ip6InAddrErrors);
		goto drop;
	}
	switch (p->proto) {
	case IP6_NH_ICMP6:
		TT_STAT_INC(&w->stats, Ip6InDelivers);
		tt_icmp6_input(w, p);
		return;
	case IP6_NH_NONE:
		TT_STAT_INC(&w->stats, Ip6InDelivers);
		goto drop;
	case IPPROTO_ICMP:
		break;      /* ICMP for IPv4 is net->l4's gap, not a protocol over IPv6 */
	default:
		/* The protocols registered over IPv4 (TCP) take IPv6 too: p->ip6 tells them. */
		if (w->net->l4[p->proto].input != NULL) {
			TT_STAT_INC(&w->stats, Ip6InDelivers);
			w->net->l4[p->proto].input(w, p);
			return;
		}
		break;
	}
	/* Linux would also send a parameter problem (RFC 8200 4). */
	TT_STAT_INC(&w->stats, Ip6InUnknownProtos);
drop:
	rte_pktmbuf_free(p->m);
}

void
tt_ipv6_handed_input(struct tt_worker *w, struct tt_pkt *p)
{
	const struct tt_l4_proto *l4 = &w->net->l4[p->proto];

	if (p->proto == IP6_NH_ICMP6 && p->l4_len > 0 && *(const uint8_t *)p->l4 < 128)
		tt_icmp6_handed_input(w, p);   /* an error for a flow of ours */
	else if (p->proto == IP6_NH_ICMP6)
		tt_nd_input(w, p, true);
	else if (l4->handed != NULL)
		l4->handed(w, p);
	else
		rte_pktmbuf_free(p->m);
}

struct rte_ipv6_hdr *
tt_ipv6_hdr_fill(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m, const uint8_t src[16],
		 const uint8_t dst[16], uint16_t plen, uint8_t proto, uint8_t hops)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);

	eth->src_addr = w->ports[pi].mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(plen);
	ip6->proto = proto;
	ip6->hop_limits = hops;
	memcpy(ip6->src_addr, src, 16);
	memcpy(ip6->dst_addr, dst, 16);
	m->ol_flags = 0;
	m->l2_len = sizeof(*eth);
	m->l3_len = sizeof(*ip6);
	return ip6;
}

uint16_t
tt_ipv6_l4_cksum(const struct rte_ipv6_hdr *ip6, const struct rte_mbuf *m, uint32_t off,
		 uint32_t len, uint8_t proto)
{
	/* RFC 8200 8.1's pseudo-header: addresses, upper-layer length, next header. */
	uint32_t tail[2] = { rte_cpu_to_be_32(len), rte_cpu_to_be_32(proto) };
	uint64_t sum = tt_cksum_add(0, ip6->src_addr, 32);

	sum = tt_cksum_add(sum, tail, sizeof(tail));
	sum += tt_cksum_mbuf(m, off, len);
	return (uint16_t)~tt_cksum_fold(sum);
}

void
tt_ipv6_output(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								  sizeof(struct rte_ether_hdr));

	TT_STAT_INC(&w->stats, Ip6OutRequests);
	if (tt_in6_is_multicast(ip6->dst_addr))
		TT_STAT_INC(&w->stats, Ip6OutMcastPkts);
	tt_net_tx(w, pi, m);
}

void
tt_ipv6_reply_prepare(struct tt_worker *w, struct tt_pkt *p, uint16_t l4_len)
{
	struct rte_mbuf *m = p->m;
	struct rte_ipv6_hdr *ip6 = p->ip6;
	uint32_t want = sizeof(struct rte_ether_hdr) + sizeof(*ip6) + l4_len;
	uint8_t a[16];

	/* Replies carry no extension header: what precedes the payload moves up against it. */
	if (p->ip_hlen != sizeof(*ip6)) {
		uint16_t cut = (uint16_t)(p->ip_hlen - sizeof(*ip6));

		memmove(rte_pktmbuf_mtod_offset(m, uint8_t *, cut), rte_pktmbuf_mtod(m, uint8_t *),
			sizeof(struct rte_ether_hdr) + sizeof(*ip6));
		rte_pktmbuf_adj(m, cut);
		p->eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		p->ip6 = ip6 = (struct rte_ipv6_hdr *)(p->eth + 1);
		p->ip_hlen = sizeof(*ip6);
		p->l4 = ip6 + 1;
	}
	if (rte_pktmbuf_pkt_len(m) > want)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - want);
	p->eth->dst_addr = p->eth->src_addr;
	p->eth->src_addr = w->ports[p->pi].mac;
	memcpy(a, ip6->src_addr, 16);
	memcpy(ip6->src_addr, ip6->dst_addr, 16);
	memcpy(ip6->dst_addr, a, 16);
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(l4_len);
	ip6->proto = p->proto;      /* the extension headers' chain is gone */
	ip6->hop_limits = TT_IPV6_HOPS;
	p->l4_len = l4_len;
}

void
tt_ipv6_reply_send(struct tt_worker *w, struct tt_pkt *p)
{
	struct rte_mbuf *m = p->m;
	struct rte_ipv6_hdr *ip6 = p->ip6;
	uint32_t off = sizeof(struct rte_ether_hdr) + sizeof(*ip6);

	m->ol_flags = 0;
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = sizeof(*ip6);
	if (ip6->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = p->l4;

		th->cksum = 0;
		if (w->ports[p->pi].tx_tcp_csum) {
			m->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
			th->cksum = rte_ipv6_phdr_cksum(ip6, m->ol_flags);
		} else {
			th->cksum = tt_ipv6_l4_cksum(ip6, m, off, p->l4_len, IPPROTO_TCP);
			if (th->cksum == 0)
				th->cksum = 0xffff;
		}
	}
	tt_ipv6_output(w, p->pi, m);
}
