/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 3.6; SPEC C1-C4).
 *
 * Threat: a flood of SYNs from spoofed sources fills the SYN queue so legitimate handshakes
 * find no room. A cookie moves the request's state into our ISN: the SYN-ACK carries it, a
 * peer that really sent the SYN echoes it in the final ACK (SEG.ACK - 1), and the TCB is
 * built from that ACK alone. Nothing is stored, so a flood costs a SYN-ACK, not memory.
 *
 * Layout of the 32-bit cookie (our ISN):
 *
 *   31     27 26 25 24                                    0
 *   +--------+-----+---------------------------------------+
 *   | T mod 32| MSS |  25 bits of SipHash-2-4(K_e; flow, T, |
 *   |         | idx |  peer ISN, MSS idx)                   |
 *   +--------+-----+---------------------------------------+
 *
 * T counts periods of 65.536 s (the ms clock >> 16). An ACK is accepted for the period its
 * cookie names if that is the current or the previous one: a cookie lives between one and
 * two periods (C2: about two clock periods of 60 s). The MAC covers the MSS index, so a
 * forged index fails; a blind forger has one chance in 2^25 per guess.
 *
 * The connection's TS offset (RFC 7323 5.4, 7.1) is the high 32 bits of the same SipHash,
 * which the final ACK's check computes again: one hash per SYN for both, as a request's ISN
 * and offset share one (tcp_output.c). TSval shows the offset plus our clock; the MAC is
 * other bits of a pseudorandom function's output, which the high half says nothing about.
 *
 * Keys: K_e = SipHash(master; e), e = T >> 4, so the key in use changes every 16 periods
 * (about 17.5 minutes) without a system call on the data path; the master key comes from
 * getrandom(2) at start and never leaves the worker.
 *
 * Options (C3): when the SYN carried timestamps, our TSval's low 6 bits carry what the
 * cookie cannot: bits 0-3 the peer's window shift (0xF: none), bit 4 SACK-permitted, bit 5
 * ECN. The peer echoes TSval as TSecr in the final ACK. Without timestamps they are lost,
 * and the connection runs without window scaling and SACK, as on Linux. The encoded value
 * is at most 63 ticks behind the clock and never ahead of it (tt_cookie_ts_encode).
 */
#include <errno.h>

#include "../dp/tt_worker.h"
#include "tcp_conn.h"
#include "tcp_seq.h"

/* Linux's table (net/ipv4/syncookies.c msstab): common MSS values, 2 bits. */
static const uint16_t msstab[4] = { 536, 1300, 1440, 1460 };
/* And its IPv6 one (net/ipv6/syncookies.c): the MTUs 1280, 1480, 1500, 9000 less 60. */
static const uint16_t msstab6[4] = { 1220, 1420, 1440, 8940 };

#define COOKIE_PERIOD_SHIFT 16
#define COOKIE_EPOCH_SHIFT  4
#define COOKIE_T_BITS       5
#define COOKIE_MAC_BITS     25
#define COOKIE_MAC_MASK     ((1u << COOKIE_MAC_BITS) - 1)

#define TS_OPT_WSCALE_MASK 0xfu
#define TS_OPT_SACK        (1u << 4)
#define TS_OPT_ECN         (1u << 5)
#define TS_OPT_MASK        0x3fu

static const struct tt_siphash_key *
epoch_key(struct tt_tcp *t, uint64_t period)
{
	uint64_t e = period >> COOKIE_EPOCH_SHIFT;
	unsigned int slot = e & 1;

	/* Slot e & 1 holds epoch e's key; the other still holds e - 1's for the grace period. */
	if (t->cookie_epoch[slot] != e + 1) {
		t->cookie_epoch_key[slot].k0 = tt_siphash_4u64(&t->cookie_key, e, 0, 0, 0);
		t->cookie_epoch_key[slot].k1 = tt_siphash_4u64(&t->cookie_key, e, 1, 0, 0);
		t->cookie_epoch[slot] = e + 1;
	}
	return &t->cookie_epoch_key[slot];
}

/* The low COOKIE_MAC_BITS: the MAC; the high 32: the TS offset (tt_tcp_ts_offset_of). */
static uint64_t
cookie_hash(struct tt_tcp *t, const struct tt_flow *f, uint64_t period, uint32_t irs,
	    uint32_t mssidx)
{
	return tt_siphash_4u64(epoch_key(t, period), tt_flow_addr_word(t, f),
			       (uint64_t)f->rport << 16 | f->lport, period,
			       (uint64_t)irs << 8 | mssidx);
}

uint32_t
tt_cookie_make(struct tt_worker *w, const struct tt_flow *f, uint32_t irs, uint16_t mss,
	       uint32_t *ts_offset)
{
	const uint16_t *tab = tt_flow_is_v6(f) ? msstab6 : msstab;
	uint64_t period = w->clock.ms >> COOKIE_PERIOD_SHIFT;
	uint32_t idx = 0;
	uint64_t h;

	for (uint32_t i = 1; i < RTE_DIM(msstab); i++)
		if (mss >= tab[i])
			idx = i;
	h = cookie_hash(w->tcp, f, period, irs, idx);
	*ts_offset = tt_tcp_ts_offset_of(w, h);
	return (uint32_t)(period & ((1u << COOKIE_T_BITS) - 1)) << 27 | idx << COOKIE_MAC_BITS |
	       ((uint32_t)h & COOKIE_MAC_MASK);
}

int
tt_cookie_check(struct tt_worker *w, const struct tt_flow *f, uint32_t irs, uint32_t cookie,
		uint16_t *mss, uint32_t *ts_offset)
{
	uint64_t now = w->clock.ms >> COOKIE_PERIOD_SHIFT;
	uint32_t t5 = cookie >> 27;
	uint32_t idx = (cookie >> COOKIE_MAC_BITS) & 3;

	for (uint64_t age = 0; age < 2 && age <= now; age++) {
		uint64_t period = now - age;

		if ((period & ((1u << COOKIE_T_BITS) - 1)) != t5)
			continue;
		uint64_t h = cookie_hash(w->tcp, f, period, irs, idx);

		if (((uint32_t)h & COOKIE_MAC_MASK) != (cookie & COOKIE_MAC_MASK))
			return -EINVAL;
		*mss = (tt_flow_is_v6(f) ? msstab6 : msstab)[idx];
		*ts_offset = tt_tcp_ts_offset_of(w, h);
		return 0;
	}
	return -EINVAL;
}

/*
 * The low 6 bits of tsval replaced by the options, never ahead of tsval: where the options
 * are above tsval's own low bits the value steps back one 64-tick period, as Linux's
 * cookie_init_timestamp does. A TSval ahead of the clock would become the client's
 * ts_recent, and PAWS (RFC 7323 5.3) would then drop our next segments, whose TSvals come
 * from the clock, as old until it caught up.
 */
uint32_t
tt_cookie_ts_encode(uint32_t tsval, uint8_t flags, uint8_t snd_wscale)
{
	uint32_t o = (flags & TT_CONN_WSCALE) ? snd_wscale : TS_OPT_WSCALE_MASK;
	uint32_t ts;

	if (flags & TT_CONN_SACK)
		o |= TS_OPT_SACK;
	if (flags & TT_CONN_ECN)
		o |= TS_OPT_ECN;
	ts = (tsval & ~TS_OPT_MASK) | o;
	if (tt_seq_gt(ts, tsval))
		ts -= TS_OPT_MASK + 1;
	return ts;
}

int
tt_cookie_ts_decode(uint32_t tsecr, uint8_t *flags, uint8_t *snd_wscale)
{
	uint32_t ws = tsecr & TS_OPT_WSCALE_MASK;

	*flags = TT_CONN_TS;
	*snd_wscale = 0;
	if (ws != TS_OPT_WSCALE_MASK) {
		if (ws > 14)
			return -EINVAL;
		*flags |= TT_CONN_WSCALE;
		*snd_wscale = (uint8_t)ws;
	}
	if (tsecr & TS_OPT_SACK)
		*flags |= TT_CONN_SACK;
	if (tsecr & TS_OPT_ECN)
		*flags |= TT_CONN_ECN;
	return 0;
}
