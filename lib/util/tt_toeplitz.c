/* SPDX-License-Identifier: BSD-3-Clause */
/* Toeplitz tables and RSS keys (see tt_toeplitz.h for the algebra). */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "tt_toeplitz.h"

/* IPv4/TCP input bits, and the key bits their windows reach. */
#define V4_BITS 96
#define V4_KEY_BYTES ((V4_BITS + 31 + 7) / 8)

uint32_t
tt_toeplitz_window(const uint8_t *key, unsigned int i)
{
	const uint8_t *k = key + i / 8;
	uint64_t w = 0;

	/* Five bytes hold the 32 bits that start anywhere in the first of them. */
	for (int b = 0; b < 5; b++)
		w = w << 8 | k[b];
	return (uint32_t)(w >> (8 - i % 8));
}

void
tt_toeplitz_init(struct tt_toeplitz *t, const uint8_t *key)
{
	memcpy(t->key, key, sizeof(t->key));
	for (unsigned int b = 0; b < 12; b++)
		for (unsigned int v = 0; v < 256; v++) {
			uint32_t h = 0;

			for (unsigned int j = 0; j < 8; j++)
				if (v & (0x80u >> j))
					h ^= tt_toeplitz_window(key, 8 * b + j);
			t->tbl[b][v] = h;
		}
}

static int
random_bytes(void *buf, size_t len)
{
	ssize_t n = getrandom(buf, len, 0);

	if (n != (ssize_t)len)
		return n < 0 ? -errno : -EIO;
	return 0;
}

int
tt_toeplitz_key_symmetric(uint8_t *key, size_t len)
{
	uint16_t pattern;
	int rc;

	do {
		rc = random_bytes(&pattern, sizeof(pattern));
		if (rc != 0)
			return rc;
	} while (__builtin_popcount(pattern) % 2 == 0);
	for (size_t i = 0; i < len; i++)
		key[i] = i % 2 == 0 ? (uint8_t)(pattern >> 8) : (uint8_t)pattern;
	return 0;
}

/* Rank over GF(2) of the low 16 bits of the 96 input windows: 16 means every RETA entry is hit. */
static unsigned int
low16_rank(const uint8_t *key)
{
	uint16_t basis[16] = { 0 };
	unsigned int rank = 0;

	for (unsigned int i = 0; i < V4_BITS; i++) {
		uint16_t v = (uint16_t)tt_toeplitz_window(key, i);

		for (int b = 15; b >= 0 && v != 0; b--) {
			if (!(v & (1u << b)))
				continue;
			if (basis[b] == 0) {
				basis[b] = v;
				rank++;
				break;
			}
			v ^= basis[b];
		}
	}
	return rank;
}

int
tt_toeplitz_key_random(uint8_t *key, size_t len)
{
	int rc;

	if (len < V4_KEY_BYTES)
		return -EINVAL;
	do {
		rc = random_bytes(key, len);
		if (rc != 0)
			return rc;
	} while (low16_rank(key) < 16 || tt_toeplitz_key_is_symmetric(key));
	return 0;
}

bool
tt_toeplitz_key_is_symmetric(const uint8_t *key)
{
	for (unsigned int i = 2; i < V4_KEY_BYTES; i++)
		if (key[i] != key[i % 2])
			return false;
	return true;
}
