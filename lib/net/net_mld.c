/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multicast Listener Discovery v2 (RFC 3810), the listener side only: the groups Neighbour
 * Discovery needs (each address's solicited-node group, RFC 4861 7.2.1) are reported, so a
 * switch that snoops MLD forwards the solicitations for our addresses to us. A report goes
 * to ff02::16 (all MLDv2-capable routers) with hop limit 1 and a Router Alert (RFC 2711,
 * 3810 5), from the port's link-local address, or from :: while that one is still
 * tentative (5.2.13); every group as a change to exclude mode with no source (a join).
 *
 * worker 0 sends it twice at start, one second apart (Linux's mld_qrv robustness, before
 * DAD's solicitations, which RFC 4862 5.4.2 wants sent from a joined group), and answers a
 * query (tt_icmp6_input counts it Icmp6InGroupMembQueries) with a current-state report of
 * the same groups at its next timer tick (the answer's random delay of 9.2 is not taken:
 * a few groups, one host). Each VLAN an address is on gets its own report there (a switch
 * snoops per VLAN), from the port's link-local address; a query is answered on the port and
 * VLAN it came on (RFC 3810 6.2), or, past TT_MLD_VLAN_QUERIES at once, on all of the port's.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "../dp/tt_worker.h"
#include "../util/tt_in6.h"
#include "tt_net.h"

#define MLD2_REPORT          143
#define MLD2_CHANGE_TO_EXCLUDE 4   /* record types (RFC 3810 5.2.12) */
#define MLD2_MODE_IS_EXCLUDE   2
#define IP6_NH_HOPOPTS       0
#define IP6_NH_ICMP6         58
#define MLD_HBH_LEN          8     /* next header, length, Router Alert (4), PadN (2) */
#define MLD_REC_LEN          20    /* type, aux length, sources, group */
#define MLD_REPORTS          2     /* unsolicited reports at start (Linux's default qrv) */

static const uint8_t all_mld_routers[16] = { 0xff, 0x02, [15] = 0x16 };

/*
 * The groups to report on port pi's VLAN vlan (0: untagged): solicited-node groups of our
 * addresses there, once each.
 */
static uint32_t
mld_groups(const struct tt_net *net, uint16_t pi, uint16_t vlan, uint8_t groups[][16],
	   uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < net->n_addrs6 && n < max; i++) {
		uint8_t g[16];
		bool dup = false;

		if ((net->addrs6[i].port >= 0 && net->addrs6[i].port != pi) ||
		    net->addrs6[i].vlan != vlan)
			continue;
		tt_ipv6_solicited_node(net->addrs6[i].a, g);
		for (uint32_t j = 0; j < n; j++)
			dup |= memcmp(groups[j], g, 16) == 0;
		if (!dup)
			memcpy(groups[n++], g, 16);
	}
	return n;
}

static void
mld_report(struct tt_worker *w, uint16_t pi, uint16_t vlan, uint8_t record_type)
{
	static const uint8_t unspec[16];
	uint8_t groups[TT_NET_ADDRS6][16];
	uint32_t n = mld_groups(w->net, pi, vlan, groups, TT_NET_ADDRS6);
	uint16_t body = (uint16_t)(8 + n * MLD_REC_LEN);
	struct rte_ether_addr dst_mac;
	struct rte_ipv6_hdr *ip6;
	struct rte_mbuf *m;
	uint8_t *hbh, *msg;
	uint16_t ck;
	int src;

	if (n == 0)
		return;
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL)
		return;
	if (rte_pktmbuf_append(m, sizeof(struct rte_ether_hdr) + sizeof(*ip6) + MLD_HBH_LEN +
			       body) == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	tt_ipv6_mcast_mac(all_mld_routers, &dst_mac);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = dst_mac;
	/* RFC 3810 5: the port's link-local address, preferred; else :: (5.2.13), never a global. */
	src = -1;
	for (uint32_t i = 0; i < w->net->n_addrs6 && src < 0; i++)
		if (w->net->addrs6[i].port == pi && tt_in6_is_link_local(w->net->addrs6[i].a) &&
		    tt_addr6_state_get(w->net, i) == TT_ADDR6_PREFERRED)
			src = (int)i;
	ip6 = tt_ipv6_hdr_fill(w, pi, m, src >= 0 ? w->net->addrs6[src].a : unspec,
			       all_mld_routers, MLD_HBH_LEN + body, IP6_NH_HOPOPTS, 1);
	hbh = (uint8_t *)(ip6 + 1);
	memset(hbh, 0, MLD_HBH_LEN);
	hbh[0] = IP6_NH_ICMP6;
	hbh[2] = 5;             /* Router Alert (RFC 2711), value 0: MLD */
	hbh[3] = 2;
	hbh[6] = 1;             /* PadN of two bytes: the header ends on 8 */
	msg = hbh + MLD_HBH_LEN;
	memset(msg, 0, body);
	msg[0] = MLD2_REPORT;
	msg[6] = (uint8_t)(n >> 8);
	msg[7] = (uint8_t)n;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *rec = msg + 8 + i * MLD_REC_LEN;

		rec[0] = record_type;
		memcpy(rec + 4, groups[i], 16);
	}
	ck = tt_ipv6_l4_cksum(ip6, m, (uint32_t)(msg - rte_pktmbuf_mtod(m, uint8_t *)), body,
			      IP6_NH_ICMP6);
	memcpy(msg + 2, &ck, sizeof(ck));
	TT_STAT_INC(&w->stats, Icmp6OutMsgs);
	TT_STAT_INC(&w->stats, Icmp6OutMLDv2Reports);
	if (vlan != 0) {
		m->vlan_tci = vlan;
		m->ol_flags |= RTE_MBUF_F_TX_VLAN;
	}
	tt_ipv6_output(w, pi, m);
}

/* A report on port pi untagged, and one on each VLAN some IPv6 address of ours is on there. */
static void
mld_report_port(struct tt_worker *w, uint16_t pi, uint8_t record_type)
{
	const struct tt_net *net = w->net;

	mld_report(w, pi, 0, record_type);
	for (uint32_t i = 0; i < net->n_addrs6; i++) {
		uint16_t vlan = net->addrs6[i].vlan;
		bool seen = false;

		if (vlan == 0 || (net->addrs6[i].port >= 0 && net->addrs6[i].port != pi))
			continue;
		for (uint32_t j = 0; j < i; j++)
			seen |= net->addrs6[j].vlan == vlan &&
				(net->addrs6[j].port < 0 || net->addrs6[j].port == pi);
		if (!seen)
			mld_report(w, pi, vlan, record_type);
	}
}

void
tt_mld_query(struct tt_worker *w, uint16_t pi, uint16_t vlan)
{
	struct tt_neigh_table *t = w->neigh;

	if (vlan == 0) {
		t->mld_query |= (uint8_t)(1u << pi);
		return;
	}
	for (uint8_t i = 0; i < t->n_mld_vq; i++)
		if (t->mld_vq[i].pi == pi && t->mld_vq[i].vlan == vlan)
			return;
	if (t->n_mld_vq == TT_MLD_VLAN_QUERIES) {
		t->mld_query_all |= (uint8_t)(1u << pi);
		return;
	}
	t->mld_vq[t->n_mld_vq].pi = (uint8_t)pi;
	t->mld_vq[t->n_mld_vq++].vlan = vlan;
}

void
tt_mld_timer(struct tt_worker *w)
{
	struct tt_neigh_table *t = w->neigh;
	uint8_t ports;

	if (w->net->n_addrs6 == 0)
		return;
	/*
	 * The worker a query reached answers it, on its port and VLAN; worker 0 makes the
	 * first reports.
	 */
	if (t->mld_query != 0) {
		ports = t->mld_query;
		t->mld_query = 0;
		for (uint16_t pi = 0; pi < w->n_ports; pi++)
			if (ports & (1u << pi))
				mld_report(w, pi, 0, MLD2_MODE_IS_EXCLUDE);
	}
	for (uint8_t i = 0; i < t->n_mld_vq; i++)
		if (!(t->mld_query_all & (1u << t->mld_vq[i].pi)))
			mld_report(w, t->mld_vq[i].pi, t->mld_vq[i].vlan, MLD2_MODE_IS_EXCLUDE);
	t->n_mld_vq = 0;
	if (t->mld_query_all != 0) {
		ports = t->mld_query_all;
		t->mld_query_all = 0;
		for (uint16_t pi = 0; pi < w->n_ports; pi++)
			if (ports & (1u << pi))
				mld_report_port(w, pi, MLD2_MODE_IS_EXCLUDE);
	}
	if (w->id == 0 && t->mld_sent < MLD_REPORTS &&
	    !tt_tick_after(t->mld_next_ms, w->clock.ms)) {
		t->mld_sent++;
		t->mld_next_ms = w->clock.ms + 1000;
		for (uint16_t pi = 0; pi < w->n_ports; pi++)
			mld_report_port(w, pi, MLD2_CHANGE_TO_EXCLUDE);
	}
}
