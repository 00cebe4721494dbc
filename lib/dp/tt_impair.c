/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The impairment layer: parsing and formatting of a specification (tt_impair.h), the shared
 * copy the control thread writes, and what a worker does to each frame (tt_impair_priv.h).
 *
 *   tt_worker_poll -> tt_impair_sync; rx burst -> tt_impair_run(RX)
 *   tt_worker_flush -> tt_impair_run(TX) -> rte_eth_tx_burst
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "../util/tt_rand.h"
#include "tt_impair_priv.h"
#include "tt_worker.h"

/* ---- Specifications ------------------------------------------------------------------------ */

void
tt_impair_conf_none(struct tt_impair_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ge_bad = TT_IMPAIR_P_ONE;
	c->reorder_us = TT_IMPAIR_REORDER_US_DEFAULT;
	c->limit = TT_IMPAIR_LIMIT_DEFAULT;
}

bool
tt_impair_conf_active(const struct tt_impair_conf *c)
{
	return c->loss || c->ge_p || c->ge_good || c->dup || c->corrupt || c->reorder ||
	       c->delay_us || c->jitter_us || c->rate_bps;
}

/* "1%", "0.05%", "100%": a probability in units of 2^-32. */
static int
parse_percent(const char *s, uint64_t *p)
{
	char *end;
	double v;

	if (*s == '\0' || *s == '-' || *s == '+')
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || strcmp(end, "%") != 0 || !(v >= 0.0 && v <= 100.0))
		return -EINVAL;
	*p = (uint64_t)(v / 100.0 * (double)TT_IMPAIR_P_ONE + 0.5);
	return 0;
}

/* "10ms", "500us", "2s", "0": microseconds, at most an hour. */
static int
parse_time(const char *s, uint32_t *us)
{
	char *end;
	double v, scale;

	if (*s == '\0' || *s == '-' || *s == '+')
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || !(v >= 0.0))
		return -EINVAL;
	if (strcmp(end, "us") == 0)
		scale = 1.0;
	else if (strcmp(end, "ms") == 0)
		scale = 1e3;
	else if (strcmp(end, "s") == 0)
		scale = 1e6;
	else if (*end == '\0' && v == 0.0)
		scale = 0.0;
	else
		return -EINVAL;
	v *= scale;
	if (v > 3600e6)
		return -EINVAL;
	*us = (uint32_t)(v + 0.5);
	return 0;
}

/* "100mbit", "1gbit", "64kbit", "9600bit": bits per second, netem's units. */
static int
parse_rate(const char *s, uint64_t *bps)
{
	static const struct { const char *unit; double scale; } units[] = {
		{ "bit", 1.0 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 }, { "tbit", 1e12 },
	};
	char *end;
	double v;

	if (*s == '\0' || *s == '-' || *s == '+')
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || !(v >= 0.0))
		return -EINVAL;
	for (size_t i = 0; i < RTE_DIM(units); i++) {
		if (strcasecmp(end, units[i].unit) == 0) {
			v *= units[i].scale;
			if (v < 0.0 || v > 1e13 || (v > 0.0 && v < 1000.0))
				return -EINVAL;
			*bps = (uint64_t)(v + 0.5);
			return 0;
		}
	}
	return -EINVAL;
}

/* Split "a/b/c" into at most n fields; returns how many. */
static int
split_slash(char *s, char **f, int n)
{
	int k = 0;

	for (char *save = NULL, *t = strtok_r(s, "/", &save); t != NULL;
	     t = strtok_r(NULL, "/", &save)) {
		if (k == n)
			return -1;
		f[k++] = t;
	}
	return k;
}

static int
bad(char *err, size_t errlen, const char *effect, const char *val, const char *takes)
{
	snprintf(err, errlen, "impairment %s=%s: %s", effect, val, takes);
	return -EINVAL;
}

static int
parse_effect(struct tt_impair_conf *c, char *name, char *val, char *err, size_t errlen)
{
	char orig[TT_IMPAIR_SPEC_LEN], *f[4];
	int n;

	snprintf(orig, sizeof(orig), "%s", val);
	if (strcmp(name, "loss") == 0) {
		if (parse_percent(val, &c->loss) != 0)
			return bad(err, errlen, name, orig, "expected a percentage like 1% or 0.5%");
	} else if (strcmp(name, "ge") == 0) {
		n = split_slash(val, f, 4);
		if (n < 2 || parse_percent(f[0], &c->ge_p) != 0 ||
		    parse_percent(f[1], &c->ge_r) != 0 ||
		    (n > 2 && parse_percent(f[2], &c->ge_bad) != 0) ||
		    (n > 3 && parse_percent(f[3], &c->ge_good) != 0))
			return bad(err, errlen, name, orig,
				   "expected P/R[/BAD[/GOOD]], percentages: good->bad, bad->good, loss when bad (100%), loss when good (0%)");
	} else if (strcmp(name, "dup") == 0) {
		if (parse_percent(val, &c->dup) != 0)
			return bad(err, errlen, name, orig, "expected a percentage like 1%");
	} else if (strcmp(name, "corrupt") == 0) {
		if (parse_percent(val, &c->corrupt) != 0)
			return bad(err, errlen, name, orig, "expected a percentage like 0.1%");
	} else if (strcmp(name, "reorder") == 0) {
		n = split_slash(val, f, 2);
		if (n < 1 || parse_percent(f[0], &c->reorder) != 0 ||
		    (n > 1 && parse_time(f[1], &c->reorder_us) != 0))
			return bad(err, errlen, name, orig,
				   "expected P[/TIME], e.g. 2% or 2%/500us (held back TIME, default 1ms)");
	} else if (strcmp(name, "delay") == 0) {
		if (parse_time(val, &c->delay_us) != 0)
			return bad(err, errlen, name, orig, "expected a time like 10ms, 500us or 1s (at most 3600s)");
	} else if (strcmp(name, "jitter") == 0) {
		if (parse_time(val, &c->jitter_us) != 0)
			return bad(err, errlen, name, orig, "expected a time like 2ms or 300us");
	} else if (strcmp(name, "rate") == 0) {
		if (parse_rate(val, &c->rate_bps) != 0)
			return bad(err, errlen, name, orig,
				   "expected a rate like 100mbit, 1gbit or 64kbit (at least 1kbit; 0bit: no limit)");
	} else if (strcmp(name, "limit") == 0) {
		char *end;
		unsigned long v = strtoul(val, &end, 10);

		if (*val < '0' || *val > '9' || *end != '\0' || v < 1 || v > TT_IMPAIR_HELD_MAX)
			return bad(err, errlen, name, orig, "expected frames held at most, 1..8192");
		c->limit = (uint32_t)v;
	} else {
		snprintf(err, errlen,
			 "impairment %s: unknown effect; use loss, ge, dup, corrupt, delay, jitter, reorder, rate, limit or none",
			 name);
		return -EINVAL;
	}
	return 0;
}

int
tt_impair_parse(const char *spec, struct tt_impair_conf *out, char *err, size_t errlen)
{
	char buf[TT_IMPAIR_SPEC_LEN];
	struct tt_impair_conf c;

	tt_impair_conf_none(&c);
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "impairment '%.40s...': too long (%d characters at most)", spec,
			 TT_IMPAIR_SPEC_LEN - 1);
		return -EINVAL;
	}
	if (strcmp(buf, "none") != 0) {
		for (char *save = NULL, *t = strtok_r(buf, ", ", &save); t != NULL;
		     t = strtok_r(NULL, ", ", &save)) {
			char *eq = strchr(t, '=');

			if (eq == NULL) {
				snprintf(err, errlen,
					 "impairment '%s': expected EFFECT=VALUE, e.g. loss=1%%", t);
				return -EINVAL;
			}
			*eq = '\0';
			if (parse_effect(&c, t, eq + 1, err, errlen) != 0)
				return -EINVAL;
		}
	}
	if (c.jitter_us > 0 && c.delay_us == 0 && c.rate_bps == 0) {
		/* netem's rule too: jitter is spread around a delay. */
		snprintf(err, errlen, "impairment jitter=%" PRIu32 "us needs a delay (delay=...)",
			 c.jitter_us);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

/* Shortest text that reads back as the same probability. */
static void
fmt_percent(char *buf, size_t len, uint64_t p)
{
	snprintf(buf, len, "%.6g%%", (double)p * 100.0 / (double)TT_IMPAIR_P_ONE);
}

static void
fmt_time(char *buf, size_t len, uint32_t us)
{
	if (us % 1000000 == 0 && us != 0)
		snprintf(buf, len, "%" PRIu32 "s", us / 1000000);
	else if (us % 1000 == 0 && us != 0)
		snprintf(buf, len, "%" PRIu32 "ms", us / 1000);
	else
		snprintf(buf, len, "%" PRIu32 "us", us);
}

static void
fmt_rate(char *buf, size_t len, uint64_t bps)
{
	if (bps % 1000000000 == 0)
		snprintf(buf, len, "%" PRIu64 "gbit", bps / 1000000000);
	else if (bps % 1000000 == 0)
		snprintf(buf, len, "%" PRIu64 "mbit", bps / 1000000);
	else if (bps % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 "kbit", bps / 1000);
	else
		snprintf(buf, len, "%" PRIu64 "bit", bps);
}

void
tt_impair_format(const struct tt_impair_conf *c, char *buf, size_t len)
{
	char a[32], b[32], d[32], e[32];
	size_t used = 0;

#define PUT(...) \
	do { \
		if (used < len) \
			used += snprintf(buf + used, len - used, "%s", used ? "," : ""); \
		if (used < len) \
			used += snprintf(buf + used, len - used, __VA_ARGS__); \
	} while (0)
	buf[0] = '\0';
	if (c->loss) {
		fmt_percent(a, sizeof(a), c->loss);
		PUT("loss=%s", a);
	}
	if (c->ge_p || c->ge_good) {
		fmt_percent(a, sizeof(a), c->ge_p);
		fmt_percent(b, sizeof(b), c->ge_r);
		fmt_percent(d, sizeof(d), c->ge_bad);
		fmt_percent(e, sizeof(e), c->ge_good);
		PUT("ge=%s/%s/%s/%s", a, b, d, e);
	}
	if (c->dup) {
		fmt_percent(a, sizeof(a), c->dup);
		PUT("dup=%s", a);
	}
	if (c->corrupt) {
		fmt_percent(a, sizeof(a), c->corrupt);
		PUT("corrupt=%s", a);
	}
	if (c->delay_us) {
		fmt_time(a, sizeof(a), c->delay_us);
		PUT("delay=%s", a);
	}
	if (c->jitter_us) {
		fmt_time(a, sizeof(a), c->jitter_us);
		PUT("jitter=%s", a);
	}
	if (c->reorder) {
		fmt_percent(a, sizeof(a), c->reorder);
		fmt_time(b, sizeof(b), c->reorder_us);
		PUT("reorder=%s/%s", a, b);
	}
	if (c->rate_bps) {
		fmt_rate(a, sizeof(a), c->rate_bps);
		PUT("rate=%s", a);
	}
	if (c->limit != TT_IMPAIR_LIMIT_DEFAULT)
		PUT("limit=%" PRIu32, c->limit);
#undef PUT
	if (used == 0)
		snprintf(buf, len, "none");
}

/* ---- The shared copy ------------------------------------------------------------------------ */

void
tt_impair_shared_init(struct tt_impair_shared *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	rte_seqlock_init(&s->lock);
	s->seed = seed;
	for (unsigned int pi = 0; pi < TT_MAX_PORTS; pi++)
		for (unsigned int d = 0; d < TT_IMPAIR__DIRS; d++)
			tt_impair_conf_none(&s->conf[pi][d]);
}

uint64_t
tt_impair_shared_seed(struct tt_impair_shared *s)
{
	/*
	 * A drawn seed is one --impair-seed could give (32 bits), so a run can be replayed
	 * with it, and JSON readers take it (jansson refuses integers past INT64_MAX).
	 */
	while (s->seed == 0)
		s->seed = rte_rand() & UINT32_MAX;
	return s->seed;
}

void
tt_impair_shared_set(struct tt_impair_shared *s, uint16_t pi, enum tt_impair_dir_id d,
		     const struct tt_impair_conf *c)
{
	rte_seqlock_write_lock(&s->lock);
	s->conf[pi][d] = *c;
	__atomic_store_n(&s->gen, s->gen + 1, __ATOMIC_RELEASE);
	rte_seqlock_write_unlock(&s->lock);
}

void
tt_impair_shared_get(struct tt_impair_shared *s, uint16_t pi, enum tt_impair_dir_id d,
		     struct tt_impair_conf *c)
{
	uint32_t sn;

	do {
		sn = rte_seqlock_read_begin(&s->lock);
		*c = s->conf[pi][d];
	} while (rte_seqlock_read_retry(&s->lock, sn));
}

/* ---- A worker's state ----------------------------------------------------------------------- */

struct tt_impair *
tt_impair_create(struct tt_impair_shared *s, uint16_t worker_id, uint16_t n_ports, int socket)
{
	struct tt_impair *im = rte_zmalloc_socket("tt_impair", sizeof(*im), RTE_CACHE_LINE_SIZE,
						  socket);
	uint64_t seed = tt_impair_shared_seed(s);

	if (im == NULL)
		return NULL;
	im->shared = s;
	im->n_ports = RTE_MIN(n_ports, (uint16_t)TT_MAX_PORTS);
	im->worker_id = worker_id;
	im->tsc_per_us = (rte_get_tsc_hz() << 16) / 1000000;
	for (uint16_t pi = 0; pi < im->n_ports; pi++) {
		for (unsigned int d = 0; d < TT_IMPAIR__DIRS; d++) {
			struct tt_impair_dir *id = &im->dir[pi][d];
			/* One stream per worker, port and direction, all from the one seed. */
			uint64_t mix = seed ^ ((uint64_t)worker_id << 32 | (uint64_t)pi << 8 | d);

			id->rng = tt_rand_next(&mix);
			tt_impair_conf_none(&id->conf);
			id->heap = rte_zmalloc_socket("tt_impair_held",
						      TT_IMPAIR_HELD_MAX * sizeof(*id->heap),
						      RTE_CACHE_LINE_SIZE, socket);
			if (id->heap == NULL) {
				tt_impair_free(im);
				return NULL;
			}
		}
	}
	im->gen = s->gen - 1;     /* the first sync copies the shared specification */
	tt_impair_sync(im);
	return im;
}

void
tt_impair_free(struct tt_impair *im)
{
	if (im == NULL)
		return;
	for (uint16_t pi = 0; pi < im->n_ports; pi++) {
		for (unsigned int d = 0; d < TT_IMPAIR__DIRS; d++) {
			struct tt_impair_dir *id = &im->dir[pi][d];

			for (uint32_t i = 0; i < id->n_held; i++)
				rte_pktmbuf_free(id->heap[i].m);
			rte_free(id->heap);
		}
	}
	rte_free(im);
}

static void
dir_on(struct tt_impair *im, uint16_t pi, unsigned int d)
{
	const struct tt_impair_dir *id = &im->dir[pi][d];
	uint32_t bit = 1u << (2u * pi + d);

	if (id->active || id->n_held > 0)
		im->on |= bit;
	else
		im->on &= ~bit;
}

void
tt_impair_reload(struct tt_impair *im, uint32_t gen)
{
	struct tt_impair_shared *s = im->shared;
	struct tt_impair_conf conf[TT_MAX_PORTS][TT_IMPAIR__DIRS];
	uint32_t sn;

	do {
		sn = rte_seqlock_read_begin(&s->lock);
		gen = __atomic_load_n(&s->gen, __ATOMIC_RELAXED);
		memcpy(conf, s->conf, sizeof(conf));
	} while (rte_seqlock_read_retry(&s->lock, sn));
	for (uint16_t pi = 0; pi < im->n_ports; pi++) {
		for (unsigned int d = 0; d < TT_IMPAIR__DIRS; d++) {
			struct tt_impair_dir *id = &im->dir[pi][d];

			if (memcmp(&id->conf, &conf[pi][d], sizeof(id->conf)) == 0)
				continue;
			id->conf = conf[pi][d];
			id->active = tt_impair_conf_active(&id->conf);
			id->bad = false;
			id->rate_next = 0;
			/* TSC ticks a byte takes, 16.16: hz * 8 / rate; the division is here, once. */
			id->tsc_per_byte = id->conf.rate_bps == 0 ? 0 :
				((rte_get_tsc_hz() * 8) << 16) / id->conf.rate_bps;
			dir_on(im, pi, d);
		}
	}
	im->gen = gen;
}

/* ---- Frames --------------------------------------------------------------------------------- */

/* Counters of one direction: the Rx and Tx rows are two blocks in the same order. */
enum impair_ctr { CTR_LOSS, CTR_BURST, CTR_DUP, CTR_CORRUPT, CTR_DELAYED, CTR_REORDER, CTR_LIMIT };
static_assert(TT_STAT_ImpairTxLoss - TT_STAT_ImpairRxLoss == CTR_LIMIT + 1 &&
	      TT_STAT_ImpairRxLimitDrops - TT_STAT_ImpairRxLoss == CTR_LIMIT &&
	      TT_STAT_ImpairTxLimitDrops - TT_STAT_ImpairTxLoss == CTR_LIMIT,
	      "the Impair counters are two blocks, Rx then Tx, in enum impair_ctr's order");

static inline void
count(struct tt_worker *w, enum tt_impair_dir_id d, enum impair_ctr k)
{
	w->stats.c[TT_STAT_ImpairRxLoss + d * (CTR_LIMIT + 1) + k]++;
}

static inline bool
hit(struct tt_impair_dir *id, uint64_t p)
{
	return p != 0 && tt_rand32(&id->rng) < p;
}

static inline bool
held_before(const struct tt_impair_held *a, const struct tt_impair_held *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void
heap_push(struct tt_impair_dir *id, uint64_t due, struct rte_mbuf *m)
{
	struct tt_impair_held *h = id->heap;
	uint32_t i = id->n_held++;

	h[i] = (struct tt_impair_held){ .due = due, .seq = id->seq++, .m = m };
	id->max_due = RTE_MAX(id->max_due, due);
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		struct tt_impair_held tmp;

		if (!held_before(&h[i], &h[parent]))
			break;
		tmp = h[i];
		h[i] = h[parent];
		h[parent] = tmp;
		i = parent;
	}
}

static struct rte_mbuf *
heap_pop(struct tt_impair_dir *id)
{
	struct tt_impair_held *h = id->heap;
	struct rte_mbuf *m = h[0].m;
	uint32_t n = --id->n_held, i = 0;

	h[0] = h[n];
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, min = i;
		struct tt_impair_held tmp;

		if (l < n && held_before(&h[l], &h[min]))
			min = l;
		if (r < n && held_before(&h[r], &h[min]))
			min = r;
		if (min == i)
			break;
		tmp = h[i];
		h[i] = h[min];
		h[min] = tmp;
		i = min;
	}
	return m;
}

/*
 * The checksums a frame to send still owes the port, computed now, so a bit flipped after
 * them shows at the receiver: with the offload, the port would sum the damaged bytes.
 */
static void
finish_tx_cksums(struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	if ((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM &&
	    ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((uint8_t *)ip + m->l3_len);

		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum_mbuf(m, ip, m->l2_len + m->l3_len);
	}
	if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	m->ol_flags &= ~(RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IP_CKSUM);
}

/* Flip one random bit of the IPv4 datagram in m; false when m is not IPv4. */
static bool
corrupt(struct tt_impair_dir *id, struct rte_mbuf *m, enum tt_impair_dir_id d)
{
	const uint32_t l2 = sizeof(struct rte_ether_hdr);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip;
	uint32_t len, bit, off;

	if (rte_pktmbuf_data_len(m) < l2 + sizeof(*ip) ||
	    eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return false;
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	if (d == TT_IMPAIR_TX)
		finish_tx_cksums(m, ip);
	else
		/* The port's verdict no longer holds: the stack checks in software. */
		m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	len = RTE_MIN((uint32_t)rte_be_to_cpu_16(ip->total_length),
		      rte_pktmbuf_pkt_len(m) - l2);
	if (len == 0)
		return false;
	bit = tt_rand_below(&id->rng, len * 8);
	off = l2 + bit / 8;
	for (struct rte_mbuf *seg = m; seg != NULL; off -= seg->data_len, seg = seg->next) {
		if (off < seg->data_len) {
			rte_pktmbuf_mtod(seg, uint8_t *)[off] ^= (uint8_t)(1u << (bit & 7));
			break;
		}
	}
	return true;
}

/*
 * When the frame may go on: now, or later for delay, jitter, reordering and the rate
 * limiter. reorder: the frame is held back reorder_us beyond the rest.
 */
static uint64_t
frame_due(struct tt_impair *im, struct tt_impair_dir *id, uint64_t now, uint32_t len,
	  bool *reorder)
{
	const struct tt_impair_conf *c = &id->conf;
	int64_t us = c->delay_us;
	uint64_t due;

	if (c->jitter_us)
		us += (int64_t)tt_rand_below(&id->rng, 2 * c->jitter_us + 1) - c->jitter_us;
	*reorder = hit(id, c->reorder);
	if (*reorder)
		us += c->reorder_us;
	due = now + (us > 0 ? ((uint64_t)us * im->tsc_per_us) >> 16 : 0);
	if (id->tsc_per_byte != 0 && !*reorder) {
		/* The link is busy until rate_next; the frame then takes its bits' time. */
		uint64_t start = RTE_MAX(due, id->rate_next);

		id->rate_next = start + (((uint64_t)len * id->tsc_per_byte) >> 16);
		due = id->rate_next;
	}
	return due;
}

/*
 * One frame through loss, duplication, corruption and holding. Frames that go on now are
 * appended to out while nothing is held (so nothing overtakes a held frame); the others are
 * held. copy: m is a duplicate, which is not duplicated again.
 */
static void
impair_frame(struct tt_worker *w, struct tt_impair *im, struct tt_impair_dir *id,
	     enum tt_impair_dir_id d, uint64_t now, struct rte_mbuf *m, bool copy,
	     struct rte_mbuf **out, uint16_t *n_out, uint16_t cap)
{
	const struct tt_impair_conf *c = &id->conf;
	uint64_t due;
	struct rte_mbuf *dup = NULL;
	bool reorder;

	if (c->ge_p || c->ge_good) {
		if (id->bad ? hit(id, c->ge_r) : hit(id, c->ge_p))
			id->bad = !id->bad;
		if (hit(id, id->bad ? c->ge_bad : c->ge_good)) {
			count(w, d, CTR_BURST);
			rte_pktmbuf_free(m);
			return;
		}
	}
	if (hit(id, c->loss)) {
		count(w, d, CTR_LOSS);
		rte_pktmbuf_free(m);
		return;
	}
	if (!copy && hit(id, c->dup)) {
		dup = rte_pktmbuf_copy(m, w->pool, 0, UINT32_MAX);
		if (dup != NULL)
			count(w, d, CTR_DUP);
	}
	if (hit(id, c->corrupt) && corrupt(id, m, d))
		count(w, d, CTR_CORRUPT);
	due = frame_due(im, id, now, rte_pktmbuf_pkt_len(m), &reorder);
	if (due <= now && id->n_held == 0 && *n_out < cap) {
		out[(*n_out)++] = m;
	} else if (id->n_held >= c->limit) {
		count(w, d, CTR_LIMIT);
		rte_pktmbuf_free(m);
	} else {
		count(w, d, reorder ? CTR_REORDER : CTR_DELAYED);
		heap_push(id, due, m);
	}
	if (dup != NULL)
		impair_frame(w, im, id, d, now, dup, true, out, n_out, cap);
}

uint16_t
tt_impair_run(struct tt_worker *w, uint16_t pi, enum tt_impair_dir_id d, struct rte_mbuf **in,
	      uint16_t n, struct rte_mbuf **out, uint16_t cap)
{
	struct tt_impair *im = w->impair;
	struct tt_impair_dir *id = &im->dir[pi][d];
	/*
	 * The TSC now, not the loop's reading: a frame received after the iteration read its
	 * clock (the thread preempted in between) would else leave early by the gap.
	 */
	uint64_t now = w->clock.fake ? w->clock.tsc : rte_rdtsc();
	uint16_t n_out = 0;

	/* Held frames now due go first: they came before this burst. */
	while (id->n_held > 0 && id->heap[0].due <= now && n_out < cap)
		out[n_out++] = heap_pop(id);
	for (uint16_t i = 0; i < n; i++) {
		if (id->active) {
			impair_frame(w, im, id, d, now, in[i], false, out, &n_out, cap);
		} else if (id->n_held == 0 && n_out < cap) {
			out[n_out++] = in[i];
		} else if (id->n_held >= id->conf.limit) {
			count(w, d, CTR_LIMIT);
			rte_pktmbuf_free(in[i]);
		} else {
			/* Effects off, frames still held: behind them all, in order. */
			heap_push(id, RTE_MAX(now, id->max_due), in[i]);
		}
	}
	/* Those this burst's frames made due at once (cap reached, or held behind others). */
	while (id->n_held > 0 && id->heap[0].due <= now && n_out < cap)
		out[n_out++] = heap_pop(id);
	dir_on(im, pi, d);
	return n_out;
}
