/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow steering (SPEC R3, R4): the secret behind the flow hash, and which worker owns a
 * flow. Built once by the engine before the ports (tt_steer_init), finished once the ports
 * are up (tt_steer_finish), read-only afterwards and shared by every worker.
 *
 * A flow's owner is reta[h & reta_mask], h being one of two functions of its 4-tuple:
 *  - TT_OWNER_SIPHASH: the high half of the keyed flow hash (tt_flowhash.h: AES rounds or
 *    SipHash-1-3) that the flow table uses anyway (its low half), so owner and lookup cost
 *    one hash. Used when no port steers.
 *  - TT_OWNER_TOEPLITZ: the Toeplitz hash under the RSS key the ports were given, so the
 *    owner is the queue the port chose and nothing is handed over. Used as soon as one
 *    port steers (a NIC's RSS and RETA, or a TAP's steering program, tt_tap_steer.c).
 * docs/ARCHITECTURE.md "Flow hashing" gives the reasons and the limits.
 */
#ifndef TT_STEER_H
#define TT_STEER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../util/tt_flowhash.h"
#include "../util/tt_siphash.h"
#include "../util/tt_toeplitz.h"

/* Largest software RETA; a NIC's is as large or larger (entry i = reta[i & reta_mask]). */
#define TT_RETA_SIZE 128

/* Values of the rss tunable. */
enum tt_rss_kind {
	TT_RSS_OFF = 0,          /* ports not steered: software owner hash, hand-over */
	TT_RSS_SYMMETRIC = 1,    /* Toeplitz, 16-bit-periodic key (SPEC R4) */
	TT_RSS_RANDOM = 2,       /* Toeplitz, key of independent bits */
};

enum tt_owner_hash {
	TT_OWNER_SIPHASH,
	TT_OWNER_TOEPLITZ,
};

struct tt_steer {
	struct tt_flowhash_key flow_key; /* key of the flow table and owner (tt_flowhash.h) */
	uint8_t owner;                   /* enum tt_owner_hash */
	uint8_t rss;                     /* enum tt_rss_kind */
	uint16_t n_workers;
	uint32_t reta_mask;              /* software RETA size - 1 */
	uint16_t reta[TT_RETA_SIZE];
	struct tt_toeplitz toeplitz;     /* the ports' RSS key and its tables (rss != OFF) */
	/*
	 * IPv6 addresses enter TCP's flow keys, secrets and owners as a SipHash-2-4 digest under
	 * this key (tt_in6_digest): the same in every worker, so each finds the same owner.
	 */
	struct tt_siphash_key in6_key;
};

/* The 64-bit digest of an IPv6 address under s's key (lib/tcp's flow keys use it). */
static inline uint64_t
tt_in6_digest(const struct tt_steer *s, const uint8_t a[16])
{
	uint64_t hi, lo;

	memcpy(&hi, a, 8);
	memcpy(&lo, a + 8, 8);
	return tt_siphash_2u64(&s->in6_key, hi, lo);
}

/*
 * Draw the flow key and, unless rss is TT_RSS_OFF or there is one worker, the RSS key;
 * RETA entry i -> worker i % n_workers over TT_RETA_SIZE entries; owner the flow hash until
 * tt_steer_finish. flow_hash: the config key (0: SipHash-1-3 even where the CPU has AES-NI).
 * 0 or -errno (no random bytes).
 */
int tt_steer_init(struct tt_steer *s, uint16_t n_workers, uint32_t rss, uint32_t flow_hash);

/* Shrink the software RETA to size entries (a power of two), to divide a port's RETA. */
void tt_steer_reta_size(struct tt_steer *s, uint32_t size);

/* Once the ports are up: Toeplitz ownership when at least one of them steers. */
void tt_steer_finish(struct tt_steer *s, bool any_port_steers);

/* True when s wants ports steered (an RSS key exists). */
static inline bool
tt_steer_rss(const struct tt_steer *s)
{
	return s->rss != TT_RSS_OFF && s->n_workers > 1;
}

/* The worker for hash h (the flow hash's high half or Toeplitz, per s->owner). */
static inline uint16_t
tt_steer_worker(const struct tt_steer *s, uint32_t h)
{
	return s->reta[h & s->reta_mask];
}

/*
 * The entries of a port's RETA of nic_size entries (a power of two, at least the software
 * RETA's size), so that the port and tt_steer_worker agree for every hash.
 */
void tt_steer_port_reta(const struct tt_steer *s, uint16_t *entries, uint32_t nic_size);

#endif /* TT_STEER_H */
