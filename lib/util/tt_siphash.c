/* SPDX-License-Identifier: BSD-3-Clause */
/* SipHash-2-4: 2 compression rounds per 8-byte word, 4 finalisation rounds. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "tt_siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline void
sip_round(struct sip_state *s)
{
	s->v0 += s->v1; s->v1 = ROTL(s->v1, 13); s->v1 ^= s->v0; s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3; s->v3 = ROTL(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = ROTL(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = ROTL(s->v1, 17); s->v1 ^= s->v2; s->v2 = ROTL(s->v2, 32);
}

static inline void
sip_init(struct sip_state *s, const struct tt_siphash_key *key)
{
	/* "somepseudorandomlygeneratedbytes" in ASCII, the algorithm's constants. */
	s->v0 = key->k0 ^ UINT64_C(0x736f6d6570736575);
	s->v1 = key->k1 ^ UINT64_C(0x646f72616e646f6d);
	s->v2 = key->k0 ^ UINT64_C(0x6c7967656e657261);
	s->v3 = key->k1 ^ UINT64_C(0x7465646279746573);
}

static inline void
sip_word(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

static inline uint64_t
sip_final(struct sip_state *s, uint64_t last)
{
	sip_word(s, last);
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

static inline uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t
tt_siphash(const struct tt_siphash_key *key, const void *data, size_t len)
{
	const uint8_t *p = data;
	struct sip_state s;
	uint64_t last = (uint64_t)len << 56;
	size_t i;

	sip_init(&s, key);
	for (i = 0; i + 8 <= len; i += 8)
		sip_word(&s, load_le64(p + i));
	for (size_t j = 0; i + j < len; j++)
		last |= (uint64_t)p[i + j] << (8 * j);
	return sip_final(&s, last);
}

uint64_t
tt_siphash_4u64(const struct tt_siphash_key *key, uint64_t a, uint64_t b, uint64_t c,
		uint64_t d)
{
	struct sip_state s;

	sip_init(&s, key);
	sip_word(&s, a);
	sip_word(&s, b);
	sip_word(&s, c);
	sip_word(&s, d);
	return sip_final(&s, (uint64_t)32 << 56);
}

int
tt_siphash_key_random(struct tt_siphash_key *key)
{
	uint8_t buf[16];
	ssize_t n = getrandom(buf, sizeof(buf), 0);

	if (n != (ssize_t)sizeof(buf))
		return n < 0 ? -errno : -EIO;
	key->k0 = load_le64(buf);
	key->k1 = load_le64(buf + 8);
	return 0;
}
