/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour Discovery (RFC 4861) and Duplicate Address Detection (RFC 4862 5.4), IPv6's
 * ARP: a Neighbour Solicitation for one of our addresses gets an advertisement with our MAC,
 * its sender's MAC is learned (as Linux's ndisc_recv_ns), an advertisement teaches a
 * neighbour we asked for or already know (Linux's accept_untracked_na 0), and our own
 * solicitations resolve next hops (tt_neigh6_output) and the IPv6 gateway.
 *
 * DAD: each of our addresses starts tentative; worker 0 sends dad_transmits solicitations
 * from the unspecified address to its solicited-node group, 1 s apart (RetransTimer), and
 * the address becomes preferred when none was answered. An advertisement for it, or another
 * node's DAD solicitation for it meanwhile (5.4.3), makes it duplicate for good: logged as
 * Linux does ("duplicate address detected"), counted NdDadDuplicates, never used. Any worker
 * may see the answer, so the state is an atomic byte in the shared struct tt_net.
 *
 * tt_icmp6_input -> tt_nd_input; with several workers a message that taught a neighbour is
 * copied to the others (tt_worker_fanout) and comes back through tt_ipv6_handed_input,
 * learned from and never answered, as ARP's copies.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "../dp/tt_log.h"
#include "../dp/tt_worker.h"
#include "../util/tt_in6.h"
#include "tt_net.h"

#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT  136
#define ND_OPT_SLLA         1      /* source link-layer address */
#define ND_OPT_TLLA         2      /* target link-layer address */
#define ND_MSG_LEN          24     /* type, code, checksum, reserved or flags, target */
#define ND_OPT_LL_LEN       8      /* an Ethernet link-layer address option (RFC 4861 4.6.1) */
#define ND_HOPS             255    /* RFC 4861 7.1: only from on-link nodes */
#define ND_NA_ROUTER        0x80
#define ND_NA_SOLICITED     0x40
#define ND_NA_OVERRIDE      0x20
#define IP6_NH_ICMP6        58
/* A preferred address's duplicate is logged at most this often (RFC 4862 5.4.4). */
#define ND_DUP_LOG_MS       10000

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

struct nd_msg {
	const uint8_t *target;
	const struct rte_ether_addr *lladdr;   /* SLLA of a solicitation, TLLA of an advert */
	uint8_t flags;                         /* an advertisement's R, S, O */
	bool from_unspec;
};

/* RFC 4861 7.1.1 and 7.1.2: what a node must check before it believes a message. */
static int
nd_parse(const struct tt_pkt *p, struct nd_msg *nd)
{
	const uint8_t *msg = p->l4;
	uint32_t off = (uint32_t)((uint8_t *)p->l4 - rte_pktmbuf_mtod(p->m, uint8_t *));
	uint8_t want_opt = msg[0] == ND_NEIGHBOR_SOLICIT ? ND_OPT_SLLA : ND_OPT_TLLA;

	if (p->ip6->hop_limits != ND_HOPS || msg[1] != 0 || p->l4_len < ND_MSG_LEN ||
	    rte_pktmbuf_data_len(p->m) < off + p->l4_len)
		return -EINVAL;
	nd->target = msg + 8;
	nd->flags = msg[4];
	nd->lladdr = NULL;
	nd->from_unspec = tt_in6_is_unspecified(p->ip6->src_addr);
	if (tt_in6_is_multicast(nd->target) || tt_in6_is_v4mapped(nd->target))
		return -EINVAL;
	/* RFC 4861 4.4: an advertisement comes from an address of its sender's. */
	if (msg[0] == ND_NEIGHBOR_ADVERT && nd->from_unspec)
		return -EINVAL;
	for (uint32_t o = ND_MSG_LEN; o < p->l4_len;) {
		uint32_t len;

		if (o + 2 > p->l4_len)
			return -EINVAL;
		len = msg[o + 1] * 8u;
		if (len == 0 || o + len > p->l4_len)
			return -EINVAL;
		if (msg[o] == want_opt && len == ND_OPT_LL_LEN)
			nd->lladdr = (const struct rte_ether_addr *)(msg + o + 2);
		o += len;
	}
	if (msg[0] == ND_NEIGHBOR_SOLICIT && nd->from_unspec) {
		uint8_t group[16];

		/* DAD's solicitation: to the target's solicited-node group, no SLLA. */
		tt_ipv6_solicited_node(nd->target, group);
		if (memcmp(p->ip6->dst_addr, group, 16) != 0 || nd->lladdr != NULL)
			return -EINVAL;
	}
	if (msg[0] == ND_NEIGHBOR_ADVERT && p->ip6->dst_addr[0] == 0xff &&
	    (nd->flags & ND_NA_SOLICITED))
		return -EINVAL;
	if (nd->lladdr != NULL && !rte_is_unicast_ether_addr(nd->lladdr))
		return -EINVAL;
	return 0;
}

static void
learn(struct tt_worker *w, uint16_t pi, const uint8_t ip[16], const struct rte_ether_addr *mac)
{
	struct tt_naddr a = tt_naddr_v6(ip);

	/* One table for every port: a neighbour of another port's prefix is not learned here. */
	if (!tt_ipv6_subnet_on(w->net, ip, pi))
		return;
	if (tt_neigh_set(w->neigh, &a, mac, w->clock.ms) < 0)
		TT_STAT_INC(&w->stats, NdNeighFull);
	if (w->neigh->n_pending > 0)
		tt_neigh_pending_send(w, &a, mac);
}

/* A frame for an ND message of msg_len bytes: Ethernet and IPv6 headers filled, or NULL. */
static struct rte_mbuf *
nd_frame(struct tt_worker *w, uint16_t pi, const uint8_t src[16], const uint8_t dst[16],
	 const struct rte_ether_addr *dst_mac, uint16_t msg_len, uint8_t **msg)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	struct rte_ether_hdr *eth;

	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) +
							 sizeof(struct rte_ipv6_hdr) + msg_len);
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eth->dst_addr = *dst_mac;
	tt_ipv6_hdr_fill(w, pi, m, src, dst, msg_len, IP6_NH_ICMP6, ND_HOPS);
	*msg = (uint8_t *)eth + sizeof(*eth) + sizeof(struct rte_ipv6_hdr);
	memset(*msg, 0, msg_len);
	return m;
}

static void
nd_send(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m, uint8_t *msg, uint16_t msg_len)
{
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(msg - sizeof(*ip6));
	uint16_t ck = tt_ipv6_l4_cksum(ip6, m, (uint32_t)(msg - rte_pktmbuf_mtod(m, uint8_t *)),
				       msg_len, IP6_NH_ICMP6);

	memcpy(msg + 2, &ck, sizeof(ck));
	TT_STAT_INC(&w->stats, Icmp6OutMsgs);
	if (msg[0] == ND_NEIGHBOR_SOLICIT)
		TT_STAT_INC(&w->stats, Icmp6OutNeighborSolicits);
	else
		TT_STAT_INC(&w->stats, Icmp6OutNeighborAdvertisements);
	tt_ipv6_output(w, pi, m);
}

/* RFC 4861 7.2.4: the solicited advertisement, from the target, Override set. */
static void
na_reply(struct tt_worker *w, const struct tt_pkt *p, const struct nd_msg *nd)
{
	const struct rte_ether_addr *mac = &w->ports[p->pi].mac;
	struct rte_ether_addr dst_mac;
	const uint8_t *dst;
	struct rte_mbuf *m;
	uint8_t *msg;

	if (nd->from_unspec) {
		/* To a node still checking the address: all-nodes, S clear (7.2.4). */
		dst = all_nodes;
		tt_ipv6_mcast_mac(all_nodes, &dst_mac);
	} else {
		dst = p->ip6->src_addr;
		dst_mac = nd->lladdr != NULL ? *nd->lladdr : p->eth->src_addr;
	}
	m = nd_frame(w, p->pi, nd->target, dst, &dst_mac, ND_MSG_LEN + ND_OPT_LL_LEN, &msg);
	if (m == NULL)
		return;
	msg[0] = ND_NEIGHBOR_ADVERT;
	msg[4] = ND_NA_OVERRIDE | (nd->from_unspec ? 0 : ND_NA_SOLICITED);
	memcpy(msg + 8, nd->target, 16);
	msg[ND_MSG_LEN] = ND_OPT_TLLA;
	msg[ND_MSG_LEN + 1] = 1;
	memcpy(msg + ND_MSG_LEN + 2, mac, RTE_ETHER_ADDR_LEN);
	nd_send(w, p->pi, m, msg, ND_MSG_LEN + ND_OPT_LL_LEN);
}

static void
dad_failed(struct tt_worker *w, uint32_t i, const struct rte_ether_addr *by, const char *how)
{
	uint8_t tentative = TT_ADDR6_TENTATIVE;
	char a[INET6_ADDRSTRLEN];

	if (!__atomic_compare_exchange_n(&w->net->addr6_state[i], &tentative,
					 TT_ADDR6_DUPLICATE, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return;
	TT_STAT_INC(&w->stats, NdDadDuplicates);
	TT_LOG(ERR, net, "IPv6 duplicate address %s used by " RTE_ETHER_ADDR_PRT_FMT
	       " detected (%s, RFC 4862 5.4): the address is not used",
	       inet_ntop(AF_INET6, w->net->addrs6[i].a, a, sizeof(a)), RTE_ETHER_ADDR_BYTES(by),
	       how);
}

/*
 * Which of our addresses target is on port pi and VLAN vlan, or -1: a link-local one only on
 * its port, each on its VLAN only (net_vlan.c).
 */
static int
our_target(const struct tt_net *net, uint16_t pi, uint16_t vlan, const uint8_t target[16])
{
	int i = tt_ipv6_addr_index(net, target);

	if (i < 0 || (net->addrs6[i].port >= 0 && net->addrs6[i].port != pi) ||
	    net->addrs6[i].vlan != vlan)
		return -1;
	return i;
}

/*
 * RFC 4861 7.2.3: a solicitation for none of our addresses is discarded, its sender not
 * learned (nor for a tentative one, RFC 4862 5.4.3); for a preferred one the sender is
 * learned from its SLLA and answered.
 */
static bool
ns_input(struct tt_worker *w, const struct tt_pkt *p, const struct nd_msg *nd, bool from_peer)
{
	int i = our_target(w->net, p->pi, p->vlan, nd->target);
	enum tt_addr6_state st = i >= 0 ? tt_addr6_state_get(w->net, (uint32_t)i) :
					  TT_ADDR6_DUPLICATE;
	bool taught = false;

	if (st == TT_ADDR6_PREFERRED && !nd->from_unspec && nd->lladdr != NULL) {
		learn(w, p->pi, p->ip6->src_addr, nd->lladdr);
		taught = true;
	}
	if (from_peer)
		return false;
	if (i < 0) {
		TT_STAT_INC(&w->stats, NdInOther);
		return false;
	}
	switch (st) {
	case TT_ADDR6_PREFERRED:
		na_reply(w, p, nd);
		break;
	case TT_ADDR6_TENTATIVE:
		/* 5.4.3: another node checks the same address now; both give it up. */
		if (nd->from_unspec)
			dad_failed(w, (uint32_t)i, &p->eth->src_addr,
				   "another node's solicitation for it during DAD");
		else
			TT_STAT_INC(&w->stats, NdInOther);
		break;
	default:
		TT_STAT_INC(&w->stats, NdInOther);
		break;
	}
	return taught;
}

static bool
na_input(struct tt_worker *w, const struct tt_pkt *p, const struct nd_msg *nd, bool from_peer)
{
	int i = our_target(w->net, p->pi, p->vlan, nd->target);
	struct tt_naddr a = tt_naddr_v6(nd->target);
	struct tt_neigh_table *t = w->neigh;
	const struct rte_ether_addr *known;

	if (i >= 0) {
		const struct rte_ether_addr *by = nd->lladdr != NULL ? nd->lladdr :
								     &p->eth->src_addr;
		char s[INET6_ADDRSTRLEN];

		if (from_peer)
			return false;
		if (tt_addr6_state_get(w->net, (uint32_t)i) == TT_ADDR6_TENTATIVE) {
			dad_failed(w, (uint32_t)i, by, "an advertisement for it");
		} else if (t->dup_log_ms == 0 || w->clock.ms - t->dup_log_ms >= ND_DUP_LOG_MS) {
			/* 5.4.4: a preferred address is not given up, the conflict is logged. */
			t->dup_log_ms = w->clock.ms;
			TT_LOG(WARNING, net, "IPv6 address %s is also advertised by " RTE_ETHER_ADDR_PRT_FMT
			       " (RFC 4862 5.4.4): kept",
			       inet_ntop(AF_INET6, nd->target, s, sizeof(s)), RTE_ETHER_ADDR_BYTES(by));
		}
		return false;
	}
	/*
	 * Linux's accept_untracked_na 0: an advertisement creates no entry; it completes one we
	 * asked for (frames wait, or it is the gateway) or updates one we have.
	 */
	if (nd->lladdr == NULL)
		return false;
	known = tt_neigh_get(t, &a);
	if (known == NULL && !tt_neigh_pending_for(t, &a) &&
	    memcmp(nd->target, w->net->gateway6, 16) != 0)
		return false;
	/* 7.2.5: without Override an advertisement does not move a known entry elsewhere. */
	if (known != NULL && !(nd->flags & ND_NA_OVERRIDE) &&
	    !rte_is_same_ether_addr(known, nd->lladdr))
		return false;
	learn(w, p->pi, nd->target, nd->lladdr);
	return true;
}

void
tt_nd_input(struct tt_worker *w, struct tt_pkt *p, bool from_peer)
{
	struct nd_msg nd;
	bool taught;

	/*
	 * A frame of ours that came back: a looping link, a packet tap that sees outgoing
	 * frames, or another of our ports on the same link (whose DAD would otherwise be taken
	 * for another node's).
	 */
	for (uint16_t pi = 0; pi < w->n_ports; pi++)
		if (rte_is_same_ether_addr(&p->eth->src_addr, &w->ports[pi].mac))
			goto free;
	if (nd_parse(p, &nd) < 0) {
		if (!from_peer)
			TT_STAT_INC(&w->stats, Icmp6InErrors);
		goto free;
	}
	if (((const uint8_t *)p->l4)[0] == ND_NEIGHBOR_SOLICIT)
		taught = ns_input(w, p, &nd, from_peer);
	else
		taught = na_input(w, p, &nd, from_peer);
	if (taught && !from_peer && w->n_workers > 1)
		tt_worker_fanout(w, p);
free:
	rte_pktmbuf_free(p->m);
}

/* A solicitation for target from src (NULL: DAD's, from the unspecified address, no SLLA). */
static void
ns_send(struct tt_worker *w, uint16_t pi, const uint8_t *src, const uint8_t target[16])
{
	static const uint8_t unspec[16];
	uint16_t len = ND_MSG_LEN + (src != NULL ? ND_OPT_LL_LEN : 0);
	struct rte_ether_addr dst_mac;
	uint8_t group[16];
	struct rte_mbuf *m;
	uint8_t *msg;

	tt_ipv6_solicited_node(target, group);
	tt_ipv6_mcast_mac(group, &dst_mac);
	m = nd_frame(w, pi, src != NULL ? src : unspec, group, &dst_mac, len, &msg);
	if (m == NULL)
		return;
	msg[0] = ND_NEIGHBOR_SOLICIT;
	memcpy(msg + 8, target, 16);
	if (src != NULL) {
		msg[ND_MSG_LEN] = ND_OPT_SLLA;
		msg[ND_MSG_LEN + 1] = 1;
		memcpy(msg + ND_MSG_LEN + 2, &w->ports[pi].mac, RTE_ETHER_ADDR_LEN);
	}
	nd_send(w, pi, m, msg, len);
}

void
tt_nd_solicit(struct tt_worker *w, uint16_t pi, const uint8_t target[16])
{
	int src = tt_ipv6_source(w->net, pi, target);

	/* No preferred address to ask from yet (DAD runs): the next try, a second later. */
	if (src < 0)
		return;
	ns_send(w, pi, w->net->addrs6[src].a, target);
}

static void
dad_step(struct tt_worker *w)
{
	const struct tt_net *net = w->net;
	struct tt_neigh_table *t = w->neigh;
	bool more = false;

	for (uint32_t i = 0; i < net->n_addrs6; i++) {
		const struct tt_addr6 *a = &net->addrs6[i];
		uint8_t tentative = TT_ADDR6_TENTATIVE;
		char s[INET6_ADDRSTRLEN];

		if (tt_addr6_state_get(net, i) != TT_ADDR6_TENTATIVE)
			continue;
		if (t->dad_sent[i] < net->dad_transmits) {
			for (uint16_t pi = 0; pi < w->n_ports; pi++)
				if (a->port < 0 || a->port == pi)
					ns_send(w, pi, NULL, a->a);
			t->dad_sent[i]++;
			more = true;
			continue;
		}
		if (__atomic_compare_exchange_n(&net->addr6_state[i], &tentative,
						TT_ADDR6_PREFERRED, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			TT_LOG(INFO, net, "IPv6 address %s/%u ready: DAD found no other user",
			       inet_ntop(AF_INET6, a->a, s, sizeof(s)), a->len);
	}
	t->dad_next_ms = more ? w->clock.ms + TT_NEIGH_RETRY_MS : UINT64_MAX;
}

void
tt_nd_timer(struct tt_worker *w)
{
	struct tt_neigh_table *t = w->neigh;
	const uint8_t *gw = w->net->gateway6;

	if (w->id != 0)
		return;
	if (t->dad_next_ms != UINT64_MAX && !tt_tick_after(t->dad_next_ms, w->clock.ms))
		dad_step(w);
	/* One worker resolves the gateway; the answer reaches the others through fan-out. */
	if (tt_in6_is_unspecified(gw) || tt_tick_after(t->next_gw6_ms, w->clock.ms))
		return;
	for (uint16_t pi = 0; pi < w->n_ports; pi++)
		if (tt_ipv6_subnet_on(w->net, gw, pi))
			tt_nd_solicit(w, pi, gw);
	t->next_gw6_ms = w->clock.ms + (tt_neigh6_lookup(t, gw) != NULL ? TT_NEIGH_REFRESH_MS :
									  TT_NEIGH_RETRY_MS);
}
