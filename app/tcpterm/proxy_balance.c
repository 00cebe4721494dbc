/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backend choice of the proxy (SPEC A2), called by app_proxy.c for each connect attempt of
 * a client: tt_proxy_bal_pick(), then tt_proxy_bal_fail() when that attempt fails. Plain
 * C, no DPDK, so tests/unit/test_proxy.c drives it alone.
 *
 * Passive health: a failed connect skips its backend for backend_fail_skip seconds; a
 * client's retries exclude what it already tried (its tried mask), so each backend is
 * tried at most once per client.
 */
#include <math.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include "proxy.h"

/* SplitMix64's finalizer: every input bit flips about half the output bits. */
static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

void
tt_proxy_bal_init(struct tt_proxy_bal *b, const struct tt_listen_config *lc)
{
	*b = (struct tt_proxy_bal){ .n = lc->backends.n, .method = lc->balance };
	for (uint32_t i = 0; i < b->n; i++) {
		const struct tt_backend *be = &lc->backends.b[i];

		b->be[i].weight = be->weight != 0 ? be->weight : 1;
		/*
		 * Distinct IPv4 backends give distinct keys, so mix64 (a bijection) never ties
		 * them; an IPv6 backend's 128 bits are folded through mix64 (a tie between two
		 * would need a 64-bit collision).
		 */
		if (be->family == AF_INET6) {
			uint64_t hi, lo;

			memcpy(&hi, be->addr6, 8);
			memcpy(&lo, be->addr6 + 8, 8);
			b->be[i].hkey = mix64(mix64(hi) ^ lo) ^ be->port;
		} else {
			b->be[i].hkey = (uint64_t)ntohl(be->addr) << 16 ^ be->port;
		}
	}
}


/*
 * Smooth weighted round robin (nginx's ngx_http_upstream_get_peer) over the backends in
 * mask: each gains its weight, the richest is chosen and pays the total. Weights 5,1,1 go
 * a a b a c a a, not a a a a a b c: no backend gets a burst.
 */
static int
pick_wrr(struct tt_proxy_bal *b, uint32_t mask)
{
	int32_t total = 0;
	int best = -1;

	for (uint32_t i = 0; i < b->n; i++) {
		if (!(mask & (1u << i)))
			continue;
		b->be[i].current += (int32_t)b->be[i].weight;
		total += (int32_t)b->be[i].weight;
		if (best < 0 || b->be[i].current > b->be[best].current)
			best = (int)i;
	}
	if (best >= 0)
		b->be[best].current -= total;
	return best;
}

/*
 * Fewest active connections per unit of weight (compared as a_i * w_j < a_j * w_i, no
 * division); ties go round robin, so an idle pool is not all sent to the first backend.
 */
static int
pick_leastconn(struct tt_proxy_bal *b, uint32_t mask)
{
	uint32_t ties = 0;
	int best = -1;

	for (uint32_t i = 0; i < b->n; i++) {
		uint64_t lhs, rhs;

		if (!(mask & (1u << i)))
			continue;
		if (best < 0) {
			best = (int)i;
			ties = 1u << i;
			continue;
		}
		lhs = (uint64_t)b->be[i].active * b->be[best].weight;
		rhs = (uint64_t)b->be[best].active * b->be[i].weight;
		if (lhs < rhs) {
			best = (int)i;
			ties = 1u << i;
		} else if (lhs == rhs) {
			ties |= 1u << i;
		}
	}
	return ties != 0 ? pick_wrr(b, ties) : -1;
}

/*
 * Weighted rendezvous hashing: each backend draws u in (0, 1) from a hash of the client
 * and itself, scores w / -ln(u), and the highest score wins. A client keeps its backend
 * while the set of candidates does not change, and when one leaves only its own clients
 * move (spread by weight), which a hash modulo the count would not give. The hash is not
 * keyed: with 16 backends at most there is no table to flood, and a client that picks its
 * address can already pick its backend by trying.
 */
static int
pick_source(const struct tt_proxy_bal *b, uint32_t mask, uint32_t client_addr)
{
	uint64_t client = (uint64_t)ntohl(client_addr) << 32;
	double best_score = 0;
	int best = -1;

	for (uint32_t i = 0; i < b->n; i++) {
		uint64_t h;
		double u, score;

		if (!(mask & (1u << i)))
			continue;
		h = mix64(client ^ b->be[i].hkey);
		u = ((double)(h >> 11) + 0.5) / 9007199254740992.0;   /* 2^53: u in (0, 1) */
		score = (double)b->be[i].weight / -log(u);
		if (best < 0 || score > best_score) {
			best = (int)i;
			best_score = score;
		}
	}
	return best;
}

int
tt_proxy_bal_pick(struct tt_proxy_bal *b, uint32_t tried, uint32_t client_addr,
		  uint64_t now_ms)
{
	uint32_t up = 0, untried = 0;
	int soonest = -1;

	for (uint32_t i = 0; i < b->n; i++) {
		if (tried & (1u << i))
			continue;
		untried |= 1u << i;
		if (!tt_proxy_bal_skipped(b, i, now_ms))
			up |= 1u << i;
		else if (soonest < 0 || b->be[i].skip_until < b->be[soonest].skip_until)
			soonest = (int)i;
	}
	if (up == 0)
		return untried != 0 ? soonest : -1;
	switch (b->method) {
	case TT_BALANCE_LEASTCONN:
		return pick_leastconn(b, up);
	case TT_BALANCE_SOURCE:
		return pick_source(b, up, client_addr);
	default:
		return pick_wrr(b, up);
	}
}

void
tt_proxy_bal_fail(struct tt_proxy_bal *b, unsigned int i, uint64_t now_ms, uint32_t skip_s)
{
	if (i < b->n && skip_s != 0)
		b->be[i].skip_until = now_ms + (uint64_t)skip_s * 1000;
}
