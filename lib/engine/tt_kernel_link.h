/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link to the local kernel made when EAL is given no device (tt_kernel_link.c): a veth
 * pair with AF_XDP or AF_PACKET on tcpterm's side, or a TAP device.
 */
#ifndef TT_KERNEL_LINK_H
#define TT_KERNEL_LINK_H

#include <stddef.h>
#include <stdint.h>

/* Where auto is in its order of kinds. */
struct tt_kernel_link_state {
	uint32_t mode;       /* enum tt_kernel_link, as configured */
	uint32_t kind;       /* the kind open (or tried last) */
	uint16_t n_queues;
};

/*
 * After EAL is up: the first kind of mode (enum tt_kernel_link, the kernel_link key) whose
 * device probes, for n_queues workers; its port id in *port. 0, or -errno with one line in
 * err (-ENODEV for mode none, err untouched).
 */
int tt_kernel_link_open(struct tt_kernel_link_state *st, uint32_t mode, uint16_t n_queues,
			uint16_t *port, char *err, size_t errlen);

/*
 * port would not start (an XDP program that cannot attach shows only at queue setup): its
 * device is removed and, for auto, the next kind probed, its port id in *next_port. 0, or
 * -ENODEV when no kind is left (err holds the last kind's reason when one was tried).
 */
int tt_kernel_link_next(struct tt_kernel_link_state *st, uint16_t port, uint16_t *next_port,
			char *err, size_t errlen);

/* The kernel's side of a port on interface ifname that we made ("tt0"), or NULL. */
const char *tt_kernel_link_kernel_side(const char *ifname);

/* "AF_XDP", "AF_PACKET" or "TAP" while open, else NULL. */
const char *tt_kernel_link_driver(void);

/* Delete the veth pair if we made one, and let the namespace's lock go (at exit). */
void tt_kernel_link_close(void);

#endif /* TT_KERNEL_LINK_H */
