/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv6 address classes (RFC 4291 2.4), for the configuration and the network layer. */
#ifndef TT_IN6_H
#define TT_IN6_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline bool
tt_in6_is_unspecified(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, sizeof(zero)) == 0;
}

static inline bool
tt_in6_is_loopback(const uint8_t a[16])
{
	static const uint8_t loop[16] = { [15] = 1 };

	return memcmp(a, loop, sizeof(loop)) == 0;
}

static inline bool
tt_in6_is_multicast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

/* ::ffff:0:0/96 (RFC 4291 2.5.5.2) */
static inline bool
tt_in6_is_v4mapped(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, mapped, sizeof(mapped)) == 0;
}

/* fe80::/10 */
static inline bool
tt_in6_is_link_local(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* Whether a and b agree on their first len bits (len <= 128). */
static inline bool
tt_in6_prefix_eq(const uint8_t a[16], const uint8_t b[16], unsigned int len)
{
	unsigned int bytes = len / 8, bits = len % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	return bits == 0 || ((a[bytes] ^ b[bytes]) & (0xff << (8 - bits)) & 0xff) == 0;
}

#endif /* TT_IN6_H */
