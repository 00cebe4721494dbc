/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS for a TAP port (SPEC R4 on the lab's device): the kernel picks the TAP queue of each
 * frame it sends towards tcpterm; a steering program (TUNSETSTEERINGEBPF) makes it pick the
 * queue of the flow's owner, by the same Toeplitz hash and RETA as tt_steer_worker().
 */
#ifndef TT_TAP_STEER_H
#define TT_TAP_STEER_H

#include <stddef.h>
#include <stdint.h>

struct tt_steer;

/*
 * Attach the program to the multi-queue TAP device ifname (in tcpterm's network namespace)
 * whose n_queues queues the port opened, in order. 0, or -errno with the reason in why
 * (no such device, not multi-queue, no BPF: the port is then left to hand-over).
 */
int tt_tap_steer(const char *ifname, const struct tt_steer *s, uint16_t n_queues, char *why,
		 size_t whylen);

/*
 * The program's instructions (struct bpf_insn) for s and n_queues into insns, at most max;
 * the count, or 0 when max is too small or s's RETA is not entry i -> i % n_queues. For
 * tests, which run it in an interpreter of their own.
 */
unsigned int tt_tap_steer_prog(const struct tt_steer *s, uint16_t n_queues, void *insns,
			       unsigned int max);

#endif /* TT_TAP_STEER_H */
