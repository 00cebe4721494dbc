/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table (tcp_flow.h): bucketized cuckoo hashing over the keyed flow hash.
 *
 * A flow's two buckets come from different bits of its 64-bit flow hash: the first from the
 * low bits, the second from bits 40 and up (rotated in, for tables past 2^24 buckets). The
 * high half's low bits choose the owning worker (tt_steer.h), so they are the same for
 * every flow a worker holds and must not choose a bucket.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "tcp_conn.h"

/* Buckets a cuckoo search looks at before an insert fails; at half load a few suffice. */
#define FLOW_BFS_MAX 512

uint32_t
tt_flow_bucket1(const struct tt_flow_table *ft, uint64_t h)
{
	return (uint32_t)h & ft->mask;
}

uint32_t
tt_flow_bucket2(const struct tt_flow_table *ft, uint64_t h)
{
	uint32_t b = (uint32_t)((h >> 40) | (h << 24)) & ft->mask;

	return b != tt_flow_bucket1(ft, h) ? b : b ^ 1u;
}

/* The other bucket of the flow with hash h, which sits in bucket b. */
static inline uint32_t
bucket_alt(const struct tt_flow_table *ft, uint64_t h, uint32_t b)
{
	uint32_t b1 = tt_flow_bucket1(ft, h);

	return b == b1 ? tt_flow_bucket2(ft, h) : b1;
}

void
tt_flow_prefetch(const struct tt_flow_table *ft, uint64_t h, bool both)
{
	rte_prefetch0(&ft->b[tt_flow_bucket1(ft, h)]);
	if (both)
		rte_prefetch0(&ft->b[tt_flow_bucket2(ft, h)]);
}

void
tt_flow_prefetch_obj(const struct tt_flow_table *ft, uint64_t h)
{
	const struct tt_flow_bucket *b = &ft->b[tt_flow_bucket1(ft, h)];

	for (unsigned int i = 0; i < TT_FLOW_WAYS; i++)
		if (b->s[i].hash == h && b->s[i].val != 0) {
			const uint8_t *o = tt_flow_ptr(b->s[i].val);

			rte_prefetch0(o);
			/*
			 * A TCB's input reads most of its lines (PAWS, the ACK's checks, the
			 * congestion state and buffers are spread over all of them), and at
			 * hundreds of thousands of connections a second a TCB is out of L2 between
			 * two of its segments: every line at once, rather than a miss each in turn.
			 */
			if ((b->s[i].val & TT_FLOW_KIND_MASK) == TT_FLOW_CONN)
				for (size_t l = 1; l < sizeof(struct tt_conn) / RTE_CACHE_LINE_SIZE; l++)
					rte_prefetch0(o + l * RTE_CACHE_LINE_SIZE);
			return;
		}
}

static inline bool
key_eq(uintptr_t val, const struct tt_flow *f)
{
	return tt_flow_eq(tt_flow_ptr(val), f);
}

int
tt_flow_table_init(struct tt_flow_table *ft, uint32_t flows, int socket)
{
	uint32_t n = rte_align32pow2(RTE_MAX(flows / 2u, 2u));

	memset(ft, 0, sizeof(*ft));
	/* At most half full: slots = 4 * n >= 2 * flows. */
	ft->b = rte_zmalloc_socket("tt_flows", (size_t)n * sizeof(*ft->b), RTE_CACHE_LINE_SIZE,
				   socket);
	if (ft->b == NULL)
		return -ENOMEM;
	ft->mask = n - 1;
	/* tt_flow_words never has pad bits set: nothing matches the memo before a first lookup. */
	memset(ft->memo_key, 0xff, sizeof(ft->memo_key));
	return 0;
}

void
tt_flow_table_fini(struct tt_flow_table *ft)
{
	rte_free(ft->b);
	ft->b = NULL;
}

static struct tt_flow_slot *
find(const struct tt_flow_table *ft, const struct tt_flow *f, uint64_t h)
{
	struct tt_flow_bucket *b1 = &ft->b[tt_flow_bucket1(ft, h)];
	struct tt_flow_bucket *b2 = &ft->b[tt_flow_bucket2(ft, h)];

	for (unsigned int i = 0; i < TT_FLOW_WAYS; i++)
		if (b1->s[i].hash == h && b1->s[i].val != 0 && key_eq(b1->s[i].val, f))
			return &b1->s[i];
	for (unsigned int i = 0; i < TT_FLOW_WAYS; i++)
		if (b2->s[i].hash == h && b2->s[i].val != 0 && key_eq(b2->s[i].val, f))
			return &b2->s[i];
	return NULL;
}

static inline void
memo(struct tt_flow_table *ft, const struct tt_flow *f, uint64_t h)
{
	tt_flow_words(f, ft->memo_key);
	ft->memo_hash = h;
}

/* f's hash: the last lookup's when f is its flow, else the flow hash. */
static uint64_t
hash_of(struct tt_tcp *t, const struct tt_flow *f)
{
	struct tt_flow_table *ft = &t->ft;
	uint64_t w[2];

	tt_flow_words(f, w);
	if (tt_flow_words_eq(w, ft->memo_key))
		return ft->memo_hash;
	return tt_flow_hash(&t->flow_key, f);
}

/* The slot of f: the last lookup's hit when f is its flow, else a search. */
static struct tt_flow_slot *
slot_of(struct tt_tcp *t, const struct tt_flow *f, uint64_t *h)
{
	struct tt_flow_table *ft = &t->ft;

	if (ft->hit != NULL && ft->hit->val != 0 && key_eq(ft->hit->val, f)) {
		*h = ft->hit->hash;
		return ft->hit;
	}
	*h = hash_of(t, f);
	return find(ft, f, *h);
}

uintptr_t
tt_flow_lookup_hash(struct tt_tcp *t, const struct tt_flow *f, uint64_t h)
{
	struct tt_flow_table *ft = &t->ft;
	struct tt_flow_slot *s = find(ft, f, h);

	memo(ft, f, h);
	ft->hit = s;
	return s != NULL ? s->val : 0;
}

uintptr_t
tt_flow_lookup(struct tt_tcp *t, const struct tt_flow *f)
{
	return tt_flow_lookup_hash(t, f, hash_of(t, f));
}

static struct tt_flow_slot *
empty_slot(struct tt_flow_bucket *b)
{
	for (unsigned int i = 0; i < TT_FLOW_WAYS; i++)
		if (b->s[i].val == 0)
			return &b->s[i];
	return NULL;
}

/*
 * Room for a new entry with hash h when both its buckets are full: a breadth-first search
 * of the cuckoo graph from them (an entry's edge goes to its other bucket) for the nearest
 * bucket with an empty slot, no bucket visited twice, then the entries along the path moved
 * one step each, from the far end back, so every entry lands in its other bucket and the
 * slot freed is one of h's. At most FLOW_BFS_MAX buckets looked at; NULL when none had room.
 */
static struct tt_flow_slot *
make_room(struct tt_flow_table *ft, uint64_t h)
{
	struct node {
		uint32_t bucket;
		int16_t parent;            /* index in q; -1 for h's own buckets */
		uint8_t way;               /* the slot of the parent's bucket whose entry leads here */
	} q[FLOW_BFS_MAX];
	unsigned int head = 0, tail = 0;

	q[tail++] = (struct node){ tt_flow_bucket1(ft, h), -1, 0 };
	q[tail++] = (struct node){ tt_flow_bucket2(ft, h), -1, 0 };
	for (; head < tail; head++) {
		const struct tt_flow_bucket *b = &ft->b[q[head].bucket];

		for (unsigned int w = 0; w < TT_FLOW_WAYS; w++) {
			uint32_t alt = bucket_alt(ft, b->s[w].hash, q[head].bucket);
			struct tt_flow_slot *to = empty_slot(&ft->b[alt]);
			bool seen = false;

			if (to != NULL) {
				/* Found: move each entry of the path one step, the last one first. */
				for (int n = (int)head, way = (int)w; n >= 0; way = q[n].way, n = q[n].parent) {
					struct tt_flow_slot *from = &ft->b[q[n].bucket].s[way];

					*to = *from;
					from->val = 0;
					to = from;
					ft->moves++;
				}
				ft->hit = NULL;   /* entries moved: a remembered slot may hold another flow */
				return to;
			}
			for (unsigned int k = 0; k < tail && !seen; k++)
				seen = q[k].bucket == alt;
			if (!seen && tail < FLOW_BFS_MAX)
				q[tail++] = (struct node){ alt, (int16_t)head, (uint8_t)w };
		}
	}
	return NULL;
}

int
tt_flow_add(struct tt_tcp *t, const struct tt_flow *f, void *obj, enum tt_flow_kind kind)
{
	struct tt_flow_table *ft = &t->ft;
	uintptr_t val = (uintptr_t)obj | kind;
	uint64_t h;
	struct tt_flow_slot *s = slot_of(t, f, &h);

	if (s != NULL) {
		s->val = val;       /* the flow's state changes kind in place */
		return 0;
	}
	s = empty_slot(&ft->b[tt_flow_bucket1(ft, h)]);
	if (s == NULL)
		s = empty_slot(&ft->b[tt_flow_bucket2(ft, h)]);
	if (s == NULL)
		s = make_room(ft, h);
	if (s == NULL)
		return -ENOSPC;
	s->hash = h;
	s->val = val;
	ft->count++;
	if (tt_flow_is_v6(f))
		t->in6.e[f->raddr].refs++;
	return 0;
}

void
tt_flow_del(struct tt_tcp *t, const struct tt_flow *f)
{
	uint64_t h;
	struct tt_flow_slot *s = slot_of(t, f, &h);

	if (s == NULL)
		return;
	s->val = 0;
	s->hash = 0;
	t->ft.count--;
	if (tt_flow_is_v6(f))
		t->in6.e[f->raddr].refs--;
}
