/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link to the local kernel made when EAL is given no device (tt_kernel_link.c): a veth
 * pair with AF_XDP or AF_PACKET on tcpterm's side, or a TAP device.
 */
#ifndef TT_KERNEL_LINK_H
#define TT_KERNEL_LINK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Probe the port of mode (enum tt_kernel_link, the kernel_link key), after EAL is up. 0, or
 * -errno with one line in err (-ENODEV for mode none, err untouched).
 */
int tt_kernel_link_open(uint32_t mode, char *err, size_t errlen);

/* The kernel's side of a port on interface ifname that we made ("tt0"), or NULL. */
const char *tt_kernel_link_kernel_side(const char *ifname);

/* "AF_XDP", "AF_PACKET" or "TAP" once open, else NULL. */
const char *tt_kernel_link_driver(void);

/* Delete the veth pair, if we made one (at exit, or after a failed probe). */
void tt_kernel_link_close(void);

#endif /* TT_KERNEL_LINK_H */
