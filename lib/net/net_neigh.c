/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour table: IPv4 -> MAC, one per worker, learned from ARP (net_arp.c). An rte_hash
 * maps the address to a slot of a flat array. Only the owning worker writes or reads it on
 * the data path; replies to received frames never need it (they go back to the frame's
 * source MAC), only frames the worker originates do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "tt_net.h"

struct tt_neigh_table *
tt_neigh_create(const char *name, uint32_t size, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = size,
		.key_len = sizeof(uint32_t),
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
tt_neigh_update(struct tt_neigh_table *t, uint32_t ip, const struct rte_ether_addr *mac,
		uint64_t now_ms)
{
	int32_t slot = rte_hash_add_key(t->hash, &ip);

	if (slot < 0)
		return -ENOSPC;
	if ((uint32_t)slot >= t->size)
		return -ENOSPC;
	t->entries[slot].ip = ip;
	t->entries[slot].mac = *mac;
	t->entries[slot].updated_ms = now_ms;
	return 0;
}

const struct rte_ether_addr *
tt_neigh_lookup(const struct tt_neigh_table *t, uint32_t ip)
{
	int32_t slot = rte_hash_lookup(t->hash, &ip);

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
			fn(arg, t->entries[slot].ip, &t->entries[slot].mac,
			   t->entries[slot].updated_ms);
	}
}
