/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow steering state: keys drawn at start, the software RETA (see tt_steer.h). */
#include <errno.h>
#include <string.h>

#include "tt_steer.h"

int
tt_steer_init(struct tt_steer *s, uint16_t n_workers, uint32_t rss, uint32_t flow_hash)
{
	uint8_t key[TT_TOEPLITZ_KEY_LEN];
	int rc;

	memset(s, 0, sizeof(*s));
	s->n_workers = n_workers ? n_workers : 1;
	s->rss = (uint8_t)rss;
	s->owner = TT_OWNER_SIPHASH;
	rc = tt_flowhash_key_random(&s->flow_key);
	if (rc == 0)
		rc = tt_siphash_key_random(&s->in6_key);
	if (rc != 0)
		return rc;
	if (flow_hash == 0)
		s->flow_key.aes = false;
	for (unsigned int i = 0; i < TT_RETA_SIZE; i++)
		s->reta[i] = (uint16_t)(i % s->n_workers);
	s->reta_mask = TT_RETA_SIZE - 1;
	if (!tt_steer_rss(s))
		return 0;
	rc = rss == TT_RSS_SYMMETRIC ? tt_toeplitz_key_symmetric(key, sizeof(key)) :
				       tt_toeplitz_key_random(key, sizeof(key));
	if (rc != 0)
		return rc;
	tt_toeplitz_init(&s->toeplitz, key);
	return 0;
}

void
tt_steer_reta_size(struct tt_steer *s, uint32_t size)
{
	if (size == 0 || (size & (size - 1)) != 0 || size > TT_RETA_SIZE)
		return;
	if (size - 1 < s->reta_mask)
		s->reta_mask = size - 1;
}

void
tt_steer_finish(struct tt_steer *s, bool any_port_steers)
{
	s->owner = any_port_steers && tt_steer_rss(s) ? TT_OWNER_TOEPLITZ : TT_OWNER_SIPHASH;
}

void
tt_steer_port_reta(const struct tt_steer *s, uint16_t *entries, uint32_t nic_size)
{
	for (uint32_t i = 0; i < nic_size; i++)
		entries[i] = s->reta[i & s->reta_mask];
}
