/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Toeplitz hash of Microsoft's RSS specification, as NICs compute it over an IPv4/TCP
 * segment (source address, destination address, source port, destination port, 96 bits
 * in wire order), and the keys tcpterm programs into them (SPEC R4).
 *
 * Toeplitz is linear over GF(2): hash(x ^ y) = hash(x) ^ hash(y). Each input bit i that is
 * set XORs in the 32 key bits i..i+31. Software computes it from twelve 256-entry tables,
 * one per input byte, built once per key (12 KB, read-only afterwards).
 *
 * Symmetric keys: hash(a, b, p, q) == hash(b, a, q, p) exactly when the key bits repeat
 * every 16 bits (the source and destination fields then meet the same key windows). Such a
 * key makes the hash a function of one 16-bit value alone, the XOR of the six 16-bit words
 * of the input (tt_toeplitz_fold16): two segments whose folds are equal hash alike under
 * every symmetric key. The key then only permutes the 2^16 fold values; it cannot stop an
 * attacker from aiming many flows at one hash. docs/ARCHITECTURE.md "Flow hashing" draws
 * the consequences.
 */
#ifndef TT_TOEPLITZ_H
#define TT_TOEPLITZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>

/* The key length of Microsoft's specification and of most NICs; IPv4/TCP uses 16 bytes. */
#define TT_TOEPLITZ_KEY_LEN 40

struct tt_toeplitz {
	uint32_t tbl[12][256];           /* tbl[b][v]: what input byte b = v adds to the hash */
	uint8_t key[TT_TOEPLITZ_KEY_LEN];
};

/* Tables for key (TT_TOEPLITZ_KEY_LEN bytes). */
void tt_toeplitz_init(struct tt_toeplitz *t, const uint8_t *key);

/* The hash a NIC computes for an IPv4/TCP segment; every argument in network order. */
static inline uint32_t
tt_toeplitz_v4(const struct tt_toeplitz *t, uint32_t src, uint32_t dst, uint16_t sport,
	       uint16_t dport)
{
	uint32_t s = rte_be_to_cpu_32(src), d = rte_be_to_cpu_32(dst);
	uint32_t p = (uint32_t)rte_be_to_cpu_16(sport) << 16 | rte_be_to_cpu_16(dport);

	return t->tbl[0][s >> 24] ^ t->tbl[1][(s >> 16) & 0xff] ^ t->tbl[2][(s >> 8) & 0xff] ^
	       t->tbl[3][s & 0xff] ^ t->tbl[4][d >> 24] ^ t->tbl[5][(d >> 16) & 0xff] ^
	       t->tbl[6][(d >> 8) & 0xff] ^ t->tbl[7][d & 0xff] ^ t->tbl[8][p >> 24] ^
	       t->tbl[9][(p >> 16) & 0xff] ^ t->tbl[10][(p >> 8) & 0xff] ^ t->tbl[11][p & 0xff];
}

/* The 32 key bits a set input bit i (0 = most significant bit of the first byte) adds. */
uint32_t tt_toeplitz_window(const uint8_t *key, unsigned int i);

/*
 * A random symmetric key: a 16-bit pattern of odd weight, repeated. Odd weight makes the
 * map from the 16-bit fold to the hash's low 16 bits invertible, so any RETA of up to 2^16
 * entries is reached evenly. 0 or -errno (getrandom).
 */
int tt_toeplitz_key_symmetric(uint8_t *key, size_t len);

/*
 * A random key, not symmetric: every bit drawn, redrawn until the hash's low 16 bits take
 * every value (the RETA is reached evenly). 0 or -errno (getrandom).
 */
int tt_toeplitz_key_random(uint8_t *key, size_t len);

/* True when key (at least 16 bytes) makes the IPv4/TCP hash symmetric (16-bit period). */
bool tt_toeplitz_key_is_symmetric(const uint8_t *key);

/* The XOR of the six 16-bit words of an IPv4/TCP input (network-order arguments). */
static inline uint16_t
tt_toeplitz_fold16(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	uint32_t x = src ^ dst;

	return rte_be_to_cpu_16((uint16_t)(x ^ (x >> 16)) ^ sport ^ dport);
}

#endif /* TT_TOEPLITZ_H */
