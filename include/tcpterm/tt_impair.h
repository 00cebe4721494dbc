/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Impairment of a port's traffic, each direction apart: what Linux's netem does to a qdisc,
 * done by tcpterm itself because DPDK ports have no qdisc, memif has nothing like it and the
 * kernels of many labs have no sch_netem. Tests and users' labs use it to prove loss
 * recovery against real peers (issue 7, SPEC D2-D5).
 *
 * A specification is a comma-separated list of effects, applied to each frame in this order:
 *   loss=P               each frame lost with probability P ("1%", "0.05%")
 *   ge=P/R[/B[/G]]       burst loss, Gilbert-Elliott: from the good state to the bad one
 *                        with probability P per frame, back with R; frames lost with B in
 *                        the bad state (default 100%) and G in the good one (default 0%)
 *                        (netem's "loss gemodel p r 1-h 1-k")
 *   dup=P                a copy follows the frame (the copy goes through what follows on
 *                        its own draws)
 *   corrupt=P            one random bit of the IPv4 datagram flipped; checksums the port
 *                        would have computed are computed first, so the receiver's check
 *                        sees the damage (frames that are not IPv4 pass untouched)
 *   delay=T, jitter=J    held T plus a uniform draw in [-J, J] ("10ms", "500us", "1s");
 *                        jitter larger than the gap between frames reorders them, as
 *                        netem's does
 *   reorder=P[/T]        the frame held back a further T (default 1ms), so later frames
 *                        overtake it
 *   rate=R               the direction's bandwidth ("100mbit", "1gbit", "64kbit"): frames
 *                        leave at the pace their bits allow
 *   limit=N              frames held at most (delay, reorder, rate; default 1000, as
 *                        netem's); beyond, dropped at the tail and counted
 * "none" (or an empty string) turns every effect off. Each effect has a counter, Impair*
 * (tt_stats.h). Draws come from a generator per worker, port and direction seeded from one
 * seed ([impair] seed), so a run with a given seed and the same frames makes the same
 * choices.
 */
#ifndef TT_IMPAIR_H
#define TT_IMPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Probabilities are fractions of TT_IMPAIR_P_ONE: a 32-bit draw below one is a hit. */
#define TT_IMPAIR_P_ONE (UINT64_C(1) << 32)
/* The most frames one direction of one port holds (limit's maximum). */
/* Ports a specification may name (lib/dp: TT_MAX_PORTS). */
#define TT_IMPAIR_MAX_PORTS 8
#define TT_IMPAIR_HELD_MAX 8192
#define TT_IMPAIR_LIMIT_DEFAULT 1000
#define TT_IMPAIR_REORDER_US_DEFAULT 1000
/* Text of one specification, formatted or given. */
#define TT_IMPAIR_SPEC_LEN 256

enum tt_impair_dir_id {
	TT_IMPAIR_RX,
	TT_IMPAIR_TX,
	TT_IMPAIR__DIRS
};

struct tt_impair_conf {
	uint64_t loss;
	uint64_t ge_p, ge_r;          /* good -> bad, bad -> good, per frame */
	uint64_t ge_bad, ge_good;     /* loss in each state */
	uint64_t dup;
	uint64_t corrupt;
	uint64_t reorder;
	uint32_t reorder_us;
	uint32_t delay_us;
	uint32_t jitter_us;
	uint32_t limit;
	uint64_t rate_bps;            /* bits per second; 0: no limit */
};

/* The specification with every effect off. */
void tt_impair_conf_none(struct tt_impair_conf *c);

/* Some effect is on. */
bool tt_impair_conf_active(const struct tt_impair_conf *c);

/*
 * Parse a specification (above) into c. 0, or -EINVAL with one line in err naming the
 * effect and what it takes; c is then unchanged.
 */
int tt_impair_parse(const char *spec, struct tt_impair_conf *c, char *err, size_t errlen);

/* The specification of c in canonical form (what tt_impair_parse reads back), or "none". */
void tt_impair_format(const struct tt_impair_conf *c, char *buf, size_t len);

#endif /* TT_IMPAIR_H */
