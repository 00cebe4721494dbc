/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow hash (tt_flowhash.h): AES rounds where the CPU has them, else SipHash-1-3. */
#include <errno.h>
#include <sys/random.h>

#include <rte_cpuflags.h>

#include "tt_flowhash.h"

#ifdef RTE_ARCH_X86_64
#include <immintrin.h>

/* Built for AES-NI whatever the build's -march; called only where the CPU has it. */
__attribute__((target("aes,sse2"))) uint64_t
tt_flowhash_aes(const struct tt_flowhash_key *key, uint64_t a, uint64_t b)
{
	__m128i x = _mm_set_epi64x((long long)b, (long long)a);

	x = _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)key->rk[0]));
	x = _mm_aesenc_si128(x, _mm_loadu_si128((const __m128i *)key->rk[1]));
	x = _mm_aesenc_si128(x, _mm_loadu_si128((const __m128i *)key->rk[2]));
	x = _mm_aesenc_si128(x, _mm_loadu_si128((const __m128i *)key->rk[3]));
	/* Both halves: the table takes the low 32 bits, the owner choice the high 32. */
	return (uint64_t)_mm_cvtsi128_si64(x) ^
	       (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x));
}
#endif

int
tt_flowhash_key_random(struct tt_flowhash_key *key)
{
	ssize_t n = getrandom(key->rk, sizeof(key->rk), 0);
	int rc;

	if (n != (ssize_t)sizeof(key->rk))
		return n < 0 ? -errno : -EIO;
	rc = tt_siphash_key_random(&key->sip);
	if (rc != 0)
		return rc;
#ifdef RTE_ARCH_X86_64
	key->aes = rte_cpu_get_flag_enabled(RTE_CPUFLAG_AES) > 0;
#else
	key->aes = false;
#endif
	return 0;
}
