/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL bring-up internals the unit tests reach (lib/engine/tt_eal.c). */
#ifndef TT_EAL_H
#define TT_EAL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Hugepages of page_sz that the page files in dir hold and EAL would take back: files named
 * as EAL names them (*map_*) that no process holds a flock() on. That is EAL's own rule
 * (eal_hugepage_info.c): a live DPDK process keeps a shared flock on every page file it maps,
 * and at start EAL deletes (or, with --huge-unlink=never, reuses) every file it can lock
 * exclusively, whoever left it. Sizes round up to whole pages, as st_size counts them.
 * Read from /proc/locks without taking any lock, so a DPDK process starting meanwhile is
 * never disturbed. -errno when dir cannot be read.
 */
long tt_eal_stale_hugepages(const char *dir, uint64_t page_sz);

/*
 * EAL was given no device: no EAL options at all (the embedded default), or --no-pci with
 * no --vdev; the engine then makes its link to the local kernel (tt_kernel_link.c).
 */
bool tt_eal_no_device(void);

#endif /* TT_EAL_H */
