/* SPDX-License-Identifier: BSD-3-Clause */
/* SipHash-c-d: c compression rounds per 8-byte word, d finalisation rounds; 2-4 and 1-3. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "tt_siphash.h"

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline void
sip_round(struct sip_state *s)
{
	TT_SIP_ROUND(s->v0, s->v1, s->v2, s->v3);
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
sip_word_c(struct sip_state *s, uint64_t m, int c)
{
	s->v3 ^= m;
	for (int i = 0; i < c; i++)
		sip_round(s);
	s->v0 ^= m;
}

static inline uint64_t
sip_final_cd(struct sip_state *s, uint64_t last, int c, int d)
{
	sip_word_c(s, last, c);
	s->v2 ^= 0xff;
	for (int i = 0; i < d; i++)
		sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

static inline void
sip_word(struct sip_state *s, uint64_t m)
{
	sip_word_c(s, m, 2);
}

static inline uint64_t
sip_final(struct sip_state *s, uint64_t last)
{
	return sip_final_cd(s, last, 2, 4);
}

static inline uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
siphash_cd(const struct tt_siphash_key *key, const void *data, size_t len, int c, int d)
{
	const uint8_t *p = data;
	struct sip_state s;
	uint64_t last = (uint64_t)len << 56;
	size_t i;

	sip_init(&s, key);
	for (i = 0; i + 8 <= len; i += 8)
		sip_word_c(&s, load_le64(p + i), c);
	for (size_t j = 0; i + j < len; j++)
		last |= (uint64_t)p[i + j] << (8 * j);
	return sip_final_cd(&s, last, c, d);
}

uint64_t
tt_siphash(const struct tt_siphash_key *key, const void *data, size_t len)
{
	return siphash_cd(key, data, len, 2, 4);
}

uint64_t
tt_siphash13(const struct tt_siphash_key *key, const void *data, size_t len)
{
	return siphash_cd(key, data, len, 1, 3);
}

uint64_t
tt_siphash_2u64(const struct tt_siphash_key *key, uint64_t a, uint64_t b)
{
	struct sip_state s;

	sip_init(&s, key);
	sip_word(&s, a);
	sip_word(&s, b);
	return sip_final(&s, (uint64_t)16 << 56);
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
