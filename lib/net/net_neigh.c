/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour table: address -> MAC, one per worker, learned from ARP (net_arp.c) and
 * Neighbour Discovery (net_nd.c); IPv4 addresses as IPv4-mapped IPv6 ones (struct
 * tt_naddr). An rte_hash maps the address to a slot of a flat array. Only the owning worker
 * writes or reads it on the data path; replies to received frames never need it (they go
 * back to the frame's source MAC), only frames the worker originates do. Frames for a next
 * hop not resolved yet wait here (tt_neigh_output), whichever the family.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "../dp/tt_worker.h"
#include "tt_net.h"

struct tt_neigh_table *
tt_neigh_create(const char *name, uint32_t size, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = size,
		.key_len = sizeof(struct tt_naddr),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
	};
	struct tt_neigh_table *t;

	t = rte_zmalloc_socket(name, sizeof(*t) + size * sizeof(t->entries[0]), 0, socket);
	if (t == NULL)
		return NULL;
	t->size = size;
	t->hash = rte_hash_create(&hp);
	if (t->hash == NULL) {
		rte_free(t);
		return NULL;
	}
	return t;
}

void
tt_neigh_flush(struct tt_neigh_table *t)
{
	for (uint32_t i = 0; i < t->n_pending; i++)
		rte_pktmbuf_free(t->pending[i].m);
	t->n_pending = 0;
	rte_hash_reset(t->hash);
	t->next_gw_arp_ms = 0;
	t->next_gw6_ms = 0;
}

void
tt_neigh_free(struct tt_neigh_table *t)
{
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < t->n_pending; i++)
		rte_pktmbuf_free(t->pending[i].m);
	rte_hash_free(t->hash);
	rte_free(t);
}

int
tt_neigh_set(struct tt_neigh_table *t, const struct tt_naddr *ip,
	     const struct rte_ether_addr *mac, uint64_t now_ms)
{
	int32_t slot = rte_hash_add_key(t->hash, ip);

	if (slot < 0)
		return -ENOSPC;
	if ((uint32_t)slot >= t->size)
		return -ENOSPC;
	t->entries[slot].ip = *ip;
	t->entries[slot].mac = *mac;
	t->entries[slot].updated_ms = now_ms;
	return 0;
}

const struct rte_ether_addr *
tt_neigh_get(const struct tt_neigh_table *t, const struct tt_naddr *ip)
{
	int32_t slot = rte_hash_lookup(t->hash, ip);

	if (slot < 0 || (uint32_t)slot >= t->size)
		return NULL;
	return &t->entries[slot].mac;
}

void
tt_neigh_visit(const struct tt_neigh_table *t, tt_neigh_visit_fn fn, void *arg)
{
	const void *key;
	void *data;
	uint32_t iter = 0;
	int32_t slot;

	while ((slot = rte_hash_iterate(t->hash, &key, &data, &iter)) >= 0) {
		if ((uint32_t)slot < t->size)
			fn(arg, &t->entries[slot].ip, &t->entries[slot].mac,
			   t->entries[slot].updated_ms);
	}
}

/* Drop pending entry i, keeping the array dense (order does not matter). */
static void
pending_remove(struct tt_neigh_table *t, uint32_t i)
{
	t->pending[i] = t->pending[--t->n_pending];
	t->pending[t->n_pending].m = NULL;
}

bool
tt_neigh_pending_for(const struct tt_neigh_table *t, const struct tt_naddr *ip)
{
	for (uint32_t i = 0; i < t->n_pending; i++)
		if (tt_naddr_eq(&t->pending[i].ip, ip))
			return true;
	return false;
}

void
tt_neigh_pending_send(struct tt_worker *w, const struct tt_naddr *ip,
		      const struct rte_ether_addr *mac)
{
	struct tt_neigh_table *t = w->neigh;

	for (uint32_t i = 0; i < t->n_pending;) {
		struct tt_neigh_pending *pe = &t->pending[i];

		if (!tt_naddr_eq(&pe->ip, ip)) {
			i++;
			continue;
		}
		rte_pktmbuf_mtod(pe->m, struct rte_ether_hdr *)->dst_addr = *mac;
		tt_net_tx(w, pe->pi, pe->m);
		pending_remove(t, i);
	}
}

/* Ask nh's MAC: an ARP request, or a Neighbour Solicitation. */
static void
neigh_ask(struct tt_worker *w, uint16_t pi, const struct tt_naddr *nh)
{
	if (tt_naddr_is_v4(nh))
		tt_arp_request(w, pi, tt_naddr_ip4(nh));
	else
		tt_nd_solicit(w, pi, nh->b);
}

static void
unresolved_count(struct tt_worker *w, const struct tt_naddr *nh)
{
	if (tt_naddr_is_v4(nh))
		TT_STAT_INC(&w->stats, ArpUnresolvedDiscards);
	else
		TT_STAT_INC(&w->stats, NdUnresolvedDiscards);
}

static void
neigh_output(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m, const struct tt_naddr *nh)
{
	struct tt_neigh_table *t = w->neigh;
	const struct rte_ether_addr *mac = tt_neigh_get(t, nh);
	const struct tt_neigh_pending *first = NULL;
	uint32_t same = 0;

	if (mac != NULL) {
		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr = *mac;
		tt_net_tx(w, pi, m);
		return;
	}
	for (uint32_t i = 0; i < t->n_pending; i++) {
		if (!tt_naddr_eq(&t->pending[i].ip, nh))
			continue;
		first = first != NULL ? first : &t->pending[i];
		same++;
	}
	/*
	 * Past the queue's room, or a next hop's share of it (Linux's unres_qlen: one dead next
	 * hop must not keep every other from being resolved), the frame is dropped; a next hop
	 * not asked for yet is asked for all the same, so its next frame finds it known.
	 */
	if (t->n_pending == TT_NEIGH_PENDING || same >= TT_NEIGH_PENDING_PER_HOP) {
		unresolved_count(w, nh);
		rte_pktmbuf_free(m);
		if (first == NULL)
			neigh_ask(w, pi, nh);
		return;
	}
	/*
	 * A next hop's frames share its requests' count and clock (those of its first frame):
	 * one request a second however many wait, and all given up together.
	 */
	t->pending[t->n_pending++] = (struct tt_neigh_pending){
		.m = m, .ip = *nh, .pi = pi,
		.tries = first != NULL ? first->tries : 1,
		.next_ms = first != NULL ? first->next_ms : w->clock.ms + TT_NEIGH_RETRY_MS,
	};
	if (first == NULL)
		neigh_ask(w, pi, nh);
}

void
tt_neigh_output(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m, uint32_t nh)
{
	struct tt_naddr a = tt_naddr_v4(nh);

	neigh_output(w, pi, m, &a);
}

void
tt_neigh6_output(struct tt_worker *w, uint16_t pi, struct rte_mbuf *m, const uint8_t nh[16])
{
	struct tt_naddr a = tt_naddr_v6(nh);

	neigh_output(w, pi, m, &a);
}

/*
 * The next hop of pending frame m never answered: as Linux's ipv4_link_failure, the frame's
 * protocol hears an ICMP host unreachable about it (net never calls TCP by name), then the
 * frame is gone; an IPv6 frame's hears an ICMPv6 address unreachable in the same words.
 */
static void
pending_fail(struct tt_worker *w, struct rte_mbuf *m, uint16_t pi, const struct tt_naddr *nh)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	const struct tt_l4_proto *proto;
	struct tt_icmp_err e;
	struct tt_pkt p;

	unresolved_count(w, nh);
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);

		/* RFC 4443 3.1: address unreachable, as Linux's ndisc_error_report. */
		proto = &w->net->l4[ip6->proto];
		if (ip6->proto == IPPROTO_ICMP || proto->err == NULL) {
			rte_pktmbuf_free(m);
			return;
		}
		e = (struct tt_icmp_err){ .ip6 = ip6, .l4 = (const uint8_t *)(ip6 + 1),
					  .type = 3, .code = 1, .local = true };
		p = (struct tt_pkt){ .m = m, .pi = pi, .eth = eth, .ip6 = ip6,
				     .ip_hlen = sizeof(*ip6), .proto = ip6->proto,
				     .l4_len = rte_be_to_cpu_16(ip6->payload_len),
				     .l4 = (uint8_t *)(ip6 + 1) };
		proto->err(w, &p, &e);
		return;
	}
	proto = &w->net->l4[ip->next_proto_id];
	if (proto->err == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	e = (struct tt_icmp_err){
		.ip = ip, .l4 = (const uint8_t *)ip + rte_ipv4_hdr_len(ip),
		.type = 3, .code = 1,        /* RFC 792: destination unreachable, host */
		.local = true,
	};
	p = (struct tt_pkt){
		.m = m, .pi = pi, .eth = eth, .ip = ip, .ip_hlen = rte_ipv4_hdr_len(ip),
		.l4_len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip)),
		.l4 = (uint8_t *)ip + rte_ipv4_hdr_len(ip),
	};
	proto->err(w, &p, &e);
}

static bool
ip_in(const struct tt_naddr *ips, uint32_t n, const struct tt_naddr *ip)
{
	for (uint32_t i = 0; i < n; i++)
		if (tt_naddr_eq(&ips[i], ip))
			return true;
	return false;
}

/*
 * Ask again for next hops frames wait for, a request each per second however many frames
 * wait. A next hop asked TT_ARP_SOLICIT times without an answer has failed (Linux's
 * NUD_FAILED): every frame waiting for it is given up at once.
 */
void
tt_neigh_pending_timer(struct tt_worker *w)
{
	struct tt_neigh_table *t = w->neigh;
	struct tt_naddr asked[TT_NEIGH_PENDING], failed[TT_NEIGH_PENDING];
	uint32_t n_asked = 0, n_failed = 0;

	if (likely(t->n_pending == 0))
		return;
	/* The next hops that failed: the oldest frame of each carries its requests' count. */
	for (uint32_t i = 0; i < t->n_pending; i++) {
		const struct tt_neigh_pending *pe = &t->pending[i];

		if (pe->tries >= TT_ARP_SOLICIT && !tt_tick_after(pe->next_ms, w->clock.ms) &&
		    !ip_in(failed, n_failed, &pe->ip))
			failed[n_failed++] = pe->ip;
	}
	for (uint32_t i = 0; i < t->n_pending;) {
		struct tt_neigh_pending *pe = &t->pending[i];

		if (ip_in(failed, n_failed, &pe->ip)) {
			struct rte_mbuf *m = pe->m;
			struct tt_naddr nh = pe->ip;
			uint16_t pi = pe->pi;

			pending_remove(t, i);
			pending_fail(w, m, pi, &nh);
			continue;
		}
		if (!tt_tick_after(pe->next_ms, w->clock.ms)) {
			if (!ip_in(asked, n_asked, &pe->ip)) {
				neigh_ask(w, pe->pi, &pe->ip);
				asked[n_asked++] = pe->ip;
			}
			pe->tries++;
			pe->next_ms = w->clock.ms + TT_NEIGH_RETRY_MS;
		}
		i++;
	}
}
