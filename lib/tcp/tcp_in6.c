/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The remote IPv6 addresses of one worker's flows (issue 10 item 1). TCP's flow key stays
 * 16 bytes, read as two words (tcp_conn.h), so a SYN queue and a TIME_WAIT entry stay 64
 * bytes for both families: an IPv6 flow's remote address is interned here and its handle
 * (the rte_hash position) stands in the key's raddr; its local address is the index of ours
 * (tt_flow_l6). Each entry keeps the address's digest under the engine's key
 * (tt_in6_digest), which the ISN, timestamp offset, cookie and owner computations take in
 * place of the 128 bits.
 *
 * Flows hold references (tt_flow_add and tt_flow_del count them); an entry no flow holds
 * stays for the address's next connection until the table fills, when every such entry goes
 * at once (a sweep): a flood from random sources costs one sweep per table's worth of
 * sources, and no path that frees a flow has to remember the address. Only the owning
 * worker reads or writes the table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"

int
tt_in6_init(struct tt_worker *w, uint32_t size, int socket)
{
	struct tt_in6_table *in6 = &w->tcp->in6;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = size,
		.key_len = 16,
		.hash_func = rte_hash_crc,
		.socket_id = socket,
	};

	snprintf(name, sizeof(name), "tt_in6_%u", w->id);
	in6->hash = rte_hash_create(&hp);
	if (in6->hash == NULL)
		return -ENOMEM;
	/* rte_hash may give positions up to its key store's size, a little past entries. */
	in6->size = (uint32_t)rte_hash_max_key_id(in6->hash) + 1;
	in6->e = rte_zmalloc_socket("tt_in6", (size_t)in6->size * sizeof(*in6->e),
				    RTE_CACHE_LINE_SIZE, socket);
	if (in6->e == NULL) {
		rte_hash_free(in6->hash);
		in6->hash = NULL;
		return -ENOMEM;
	}
	return 0;
}

void
tt_in6_fini(struct tt_tcp *t)
{
	rte_hash_free(t->in6.hash);
	rte_free(t->in6.e);
	t->in6.hash = NULL;
	t->in6.e = NULL;
}

uint32_t
tt_in6_find(const struct tt_tcp *t, const uint8_t a[16])
{
	uint64_t key[2];        /* rte_hash_crc reads 8 bytes at a time: an aligned copy */
	int32_t pos;

	if (t->in6.hash == NULL)
		return TT_IN6_NONE;
	memcpy(key, a, sizeof(key));
	pos = rte_hash_lookup(t->in6.hash, key);
	return pos < 0 || (uint32_t)pos >= t->in6.size ? TT_IN6_NONE : (uint32_t)pos;
}

/* Every entry no flow holds, out. */
static void
in6_sweep(struct tt_tcp *t)
{
	struct tt_in6_table *in6 = &t->in6;
	const void *key;
	void *data;
	uint32_t iter = 0;
	int32_t pos;

	in6->sweeps++;
	while ((pos = rte_hash_iterate(in6->hash, &key, &data, &iter)) >= 0) {
		if ((uint32_t)pos < in6->size && in6->e[pos].refs == 0) {
			rte_hash_del_key(in6->hash, key);
			in6->used--;
		}
	}
}

uint32_t
tt_in6_intern(struct tt_worker *w, const uint8_t a[16])
{
	struct tt_in6_table *in6 = &w->tcp->in6;
	uint32_t h = tt_in6_find(w->tcp, a);
	uint64_t key[2];
	int32_t pos;

	if (h != TT_IN6_NONE || in6->hash == NULL)
		return h;
	memcpy(key, a, sizeof(key));
	pos = rte_hash_add_key(in6->hash, key);
	if (pos == -ENOSPC) {
		in6_sweep(w->tcp);
		pos = rte_hash_add_key(in6->hash, key);
	}
	if (pos < 0 || (uint32_t)pos >= in6->size)
		return TT_IN6_NONE;
	memcpy(in6->e[pos].addr, a, 16);
	in6->e[pos].digest = tt_in6_digest(w->steer, a);
	in6->e[pos].refs = 0;
	in6->used++;
	return (uint32_t)pos;
}
