/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the engine asks of the configuration beyond the public tt_config.h: values that
 * depend on the ports, known only once they are set up.
 */
#ifndef TT_CONFIG_PRIV_H
#define TT_CONFIG_PRIV_H

#include <stdbool.h>

#include <tcpterm/tt_config.h>

/*
 * kernel_addr = auto for the kernel side of port index pi (tt_config.c): from the first
 * untagged --addr bound to pi, or, when unbound_ok (the first port with a kernel side),
 * one on every port. Zero (IPv4) or len 0 (IPv6) when there is none.
 */
void tt_config_kernel_addr_auto(const struct tt_config *cfg, int pi, bool unbound_ok,
				struct tt_ipv4_prefix *k4, struct tt_ipv6_prefix *k6);

#endif /* TT_CONFIG_PRIV_H */
