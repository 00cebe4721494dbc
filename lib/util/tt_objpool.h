/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixed-size object pool: one preallocated array and a LIFO stack of free indices. One
 * owner (a worker), so no atomics; O(1) get and put; the most recently freed object, still
 * warm in cache, is reused first. Index 0 is never handed out, so 0 can mean "none".
 * Objects take a power of two of bytes (the TCB's 512, SYN_RECV and TIME_WAIT entries' 64:
 * nothing rounded), so an object's index is a shift, not a division by a variable.
 */
#ifndef TT_OBJPOOL_H
#define TT_OBJPOOL_H

#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_debug.h>
#include <rte_malloc.h>

struct tt_objpool {
	uint8_t *base;
	uint32_t elt_size;    /* a power of two, at least a cache line */
	uint32_t elt_shift;   /* its log2 */
	uint32_t size;        /* objects, index 0 included (unused) */
	uint32_t n_free;
	uint32_t *free;       /* stack of free indices */
};

static inline int
tt_objpool_init(struct tt_objpool *p, const char *name, uint32_t n, uint32_t elt_size,
		int socket)
{
	p->elt_size = rte_align32pow2(RTE_MAX(elt_size, (uint32_t)RTE_CACHE_LINE_SIZE));
	p->elt_shift = (uint32_t)rte_bsf32(p->elt_size);
	p->size = n + 1;
	p->base = rte_zmalloc_socket(name, (size_t)p->size * p->elt_size, RTE_CACHE_LINE_SIZE,
				     socket);
	p->free = rte_malloc_socket(name, (size_t)n * sizeof(uint32_t), 0, socket);
	if (p->base == NULL || p->free == NULL) {
		rte_free(p->base);
		rte_free(p->free);
		p->base = NULL;
		p->free = NULL;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		p->free[i] = n - i;   /* index 1 on top */
	p->n_free = n;
	return 0;
}

static inline void
tt_objpool_fini(struct tt_objpool *p)
{
	rte_free(p->base);
	rte_free(p->free);
	p->base = NULL;
	p->free = NULL;
}

static inline void *
tt_objpool_at(const struct tt_objpool *p, uint32_t idx)
{
	return p->base + ((size_t)idx << p->elt_shift);
}

static inline uint32_t
tt_objpool_index(const struct tt_objpool *p, const void *obj)
{
	return (uint32_t)((size_t)((const uint8_t *)obj - p->base) >> p->elt_shift);
}

/* An object (not zeroed), or NULL when the pool is empty. */
static inline void *
tt_objpool_get(struct tt_objpool *p)
{
	if (unlikely(p->n_free == 0))
		return NULL;
	return tt_objpool_at(p, p->free[--p->n_free]);
}

/*
 * A second put of one object would write past the stack of free indices into the
 * allocator's next element, to surface much later as a crash somewhere else: the sanitizer
 * and fuzz builds (RTE_ENABLE_ASSERT, meson.build) stop at the put itself.
 */
static inline void
tt_objpool_put(struct tt_objpool *p, void *obj)
{
	uint32_t idx = tt_objpool_index(p, obj);

	RTE_ASSERT(p->n_free < p->size - 1);
	RTE_ASSERT(idx != 0 && idx < p->size &&
		   (const uint8_t *)obj == tt_objpool_at(p, idx));
	p->free[p->n_free++] = idx;
}

static inline uint32_t
tt_objpool_in_use(const struct tt_objpool *p)
{
	return p->size - 1 - p->n_free;
}

#endif /* TT_OBJPOOL_H */
