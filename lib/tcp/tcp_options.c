/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP option parsing: MSS (RFC 9293 3.7.1), window scale and timestamps (RFC 7323),
 * SACK-permitted and SACK blocks (RFC 2018). Called by tt_tcp_parse for every segment with
 * a data offset above 5.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "tcp_input.h"

enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WSCALE = 3,
	OPT_SACK_OK = 4,
	OPT_SACK = 5,
	OPT_TS = 8,
};

/* RFC 7323 2.3: a shift above 14 is used as 14. */
#define TT_TCP_MAX_WSCALE 14

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
opt_sack(const uint8_t *v, unsigned int vlen, struct tt_tcp_opts *o)
{
	if (vlen == 0 || vlen % 8 != 0 || vlen / 8 > TT_TCP_MAX_SACK)
		return;
	o->n_sack = vlen / 8;
	for (unsigned int i = 0; i < o->n_sack; i++) {
		o->sack[i].left = rd32(v + 8 * i);
		o->sack[i].right = rd32(v + 8 * i + 4);
	}
	o->present |= TT_TCP_OPT_SACK;
}

/*
 * The scalar fields: what the fast paths set instead of clearing the whole struct (the SACK
 * blocks are read only below n_sack).
 */
static void
opts_set(struct tt_tcp_opts *o, uint8_t present, uint16_t mss, uint8_t wscale, uint32_t tsval,
	 uint32_t tsecr)
{
	o->present = present;
	o->mss = mss;
	o->wscale = RTE_MIN(wscale, TT_TCP_MAX_WSCALE);
	o->tsval = tsval;
	o->tsecr = tsecr;
	o->n_sack = 0;
}

int
tt_tcp_parse_options(const uint8_t *opt, unsigned int len, struct tt_tcp_opts *o)
{
	unsigned int i = 0;

	/*
	 * RFC 7323 Appendix A's layout, NOP NOP TS, on every segment after a handshake with
	 * timestamps (Linux's, dperf's): read as one word compare, as Linux's
	 * tcp_fast_parse_options does.
	 */
	if (len == 12 && rd32(opt) == (OPT_NOP << 24 | OPT_NOP << 16 | OPT_TS << 8 | 10)) {
		opts_set(o, TT_TCP_OPT_TS, 0, 0, rd32(opt + 4), rd32(opt + 8));
		return 0;
	}
	/*
	 * Linux's SYN (tcp_options_write): MSS, SACK-permitted, timestamps, NOP, window scale,
	 * 20 bytes; the SYN of a Linux client with the default sysctls, and of a flood that
	 * copies it (P3).
	 */
	if (len == 20 && rd16(opt) == (OPT_MSS << 8 | 4) && rd16(opt + 2) != 0 &&
	    rd32(opt + 4) == ((uint32_t)OPT_SACK_OK << 24 | 2 << 16 | OPT_TS << 8 | 10) &&
	    rd16(opt + 16) == (OPT_NOP << 8 | OPT_WSCALE) && opt[18] == 3) {
		opts_set(o, TT_TCP_OPT_MSS | TT_TCP_OPT_SACK_OK | TT_TCP_OPT_TS | TT_TCP_OPT_WSCALE,
			 rd16(opt + 2), opt[19], rd32(opt + 8), rd32(opt + 12));
		return 0;
	}
	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t kind = opt[i];
		uint8_t olen;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return -EINVAL;
		switch (kind) {
		case OPT_MSS:
			/* Linux ignores an MSS of 0 as if the option were absent. */
			if (olen == 4 && rd16(opt + i + 2) != 0) {
				o->mss = rd16(opt + i + 2);
				o->present |= TT_TCP_OPT_MSS;
			}
			break;
		case OPT_WSCALE:
			if (olen == 3) {
				o->wscale = RTE_MIN(opt[i + 2], TT_TCP_MAX_WSCALE);
				o->present |= TT_TCP_OPT_WSCALE;
			}
			break;
		case OPT_SACK_OK:
			if (olen == 2)
				o->present |= TT_TCP_OPT_SACK_OK;
			break;
		case OPT_SACK:
			opt_sack(opt + i + 2, olen - 2u, o);
			break;
		case OPT_TS:
			if (olen == 10) {
				o->tsval = rd32(opt + i + 2);
				o->tsecr = rd32(opt + i + 6);
				o->present |= TT_TCP_OPT_TS;
			}
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}
