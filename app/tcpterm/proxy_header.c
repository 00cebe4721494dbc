/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PROXY protocol headers (HAProxy's doc/proxy-protocol.txt), the first bytes the proxy
 * sends a backend when proxy_protocol is set (SPEC A2), so the backend learns the client's
 * address that the proxy's own connection hides. Called by app_proxy.c once per backend
 * connection, on 'connected'. Plain C, no DPDK: tests/unit/test_proxy.c checks the bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "proxy.h"

/*
 * proxy-protocol.txt 2.1: "PROXY TCP4 <src> <dst> <sport> <dport>\r\n", addresses dotted;
 * TCP6 and RFC 5952's text for an IPv6 client (both ends are of its family).
 */
int
tt_proxy_hdr_v1(char *buf, size_t len, const struct tt_endpoint *src,
		const struct tt_endpoint *dst)
{
	bool v6 = src->family == AF_INET6;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int n;

	inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *)src->addr6 : &src->addr, s,
		  sizeof(s));
	inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *)dst->addr6 : &dst->addr, d,
		  sizeof(d));
	n = snprintf(buf, len, "PROXY %s %s %s %u %u\r\n", v6 ? "TCP6" : "TCP4", s, d,
		     src->port, dst->port);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

/*
 * proxy-protocol.txt 2.2: the 12-byte signature; version 2 and command PROXY (0x21);
 * AF_INET over STREAM (0x11) or AF_INET6 over STREAM (0x21); the length of what follows
 * (12 or 36, big endian); then source address, destination address, source port,
 * destination port, all in network order.
 */
int
tt_proxy_hdr_v2(uint8_t *buf, size_t len, const struct tt_endpoint *src,
		const struct tt_endpoint *dst)
{
	static const uint8_t sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
					 0x55, 0x49, 0x54, 0x0a };
	uint16_t sport = htons(src->port), dport = htons(dst->port);
	bool v6 = src->family == AF_INET6;
	size_t alen = v6 ? 16 : 4, total = v6 ? TT_PROXY_V2_LEN6 : TT_PROXY_V2_LEN;

	if (len < total)
		return -ENOSPC;
	memcpy(buf, sig, sizeof(sig));
	buf[12] = 0x21;
	buf[13] = v6 ? 0x21 : 0x11;
	buf[14] = 0;
	buf[15] = (uint8_t)(total - 16);
	memcpy(buf + 16, v6 ? (const void *)src->addr6 : &src->addr, alen);
	memcpy(buf + 16 + alen, v6 ? (const void *)dst->addr6 : &dst->addr, alen);
	memcpy(buf + 16 + 2 * alen, &sport, 2);
	memcpy(buf + 18 + 2 * alen, &dport, 2);
	return (int)total;
}
