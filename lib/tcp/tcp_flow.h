/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table of one worker (issue 9; it replaced an rte_hash): 4-tuple -> tagged pointer
 * to the flow's state (tcp_conn.h: TT_FLOW_CONN, TT_FLOW_REQ, TT_FLOW_TW), every object
 * starting with its struct tt_flow so the key is read from the object itself.
 *
 * Bucketized cuckoo hashing: each flow may live in one of two buckets of four slots, a
 * bucket one cache line of {hash, value} pairs; the table has at least twice as many slots
 * as flows can exist (every pool's size), so it stays at most half full, where a short
 * cuckoo walk always finds room. Lookup compares the stored 64-bit hash first and reads the
 * object's key only on a match. Single writer, no locks: one worker owns it.
 *
 * What rte_hash cost and this does not: 8-way signature compares in a generic code path,
 * a key copy per entry, and the hash computed again for every add and delete. Here the
 * last lookup is remembered (its flow, hash and slot), so the changes a segment makes to
 * its own flow — request -> TCB -> TIME_WAIT, a slot whose kind changes in place, or the
 * TCB's removal — cost no hashing and no search.
 */
#ifndef TT_TCP_FLOW_H
#define TT_TCP_FLOW_H

#include <stdint.h>

#include <rte_common.h>

#define TT_FLOW_WAYS 4

struct tt_flow_slot {
	uint64_t hash;
	uintptr_t val;                 /* tagged pointer; 0: empty */
};

struct tt_flow_bucket {
	struct tt_flow_slot s[TT_FLOW_WAYS];
} __rte_cache_aligned;

struct tt_flow_table {
	struct tt_flow_bucket *b;
	uint32_t mask;                 /* buckets - 1 */
	uint32_t count;
	uint64_t moves;                /* entries moved by cuckoo walks, ever */
	/* The last lookup: its key, hash, and slot when it hit (NULL after any move). */
	uint64_t memo_key[2];
	uint64_t memo_hash;
	struct tt_flow_slot *hit;
};

/* Fetch the first bucket of hash h into the cache, and the second too when both. */
void tt_flow_prefetch(const struct tt_flow_table *ft, uint64_t h, bool both);
/* Fetch the state of the flow with hash h, if its first bucket holds it, into the cache. */
void tt_flow_prefetch_obj(const struct tt_flow_table *ft, uint64_t h);
/* A flow's two buckets, from its hash h. */
uint32_t tt_flow_bucket1(const struct tt_flow_table *ft, uint64_t h);
uint32_t tt_flow_bucket2(const struct tt_flow_table *ft, uint64_t h);

#endif
