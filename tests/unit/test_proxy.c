/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy application's pure parts (SPEC A2): app/tcpterm/proxy_balance.c (weights over
 * many picks, smooth spreading, leastconn, source stability, failed backends skipped,
 * each backend tried once per client) and app/tcpterm/proxy_header.c (PROXY v1 and v2
 * bytes as HAProxy's proxy-protocol.txt lays them out). No EAL, no engine.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "proxy.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define IP(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* A listener with n backends 198.18.1.(i+1):80 of the given weights. */
static void
bal_with(struct tt_proxy_bal *b, uint32_t method, unsigned int n, const uint16_t *weights)
{
	struct tt_listen_config lc = { .balance = method };

	lc.backends.n = n;
	for (unsigned int i = 0; i < n; i++)
		lc.backends.b[i] = (struct tt_backend){ IP(198, 18, 1, i + 1), 80, weights[i] };
	tt_proxy_bal_init(b, &lc);
}

/* Weights 5, 3, 1, 1 over 1000 picks: exactly 500, 300, 100, 100 (the WRR cycle is 10). */
static void
test_roundrobin_weights(void **state)
{
	static const uint16_t w[] = { 5, 3, 1, 1 };
	struct tt_proxy_bal b;
	unsigned int count[4] = { 0 };

	(void)state;
	bal_with(&b, TT_BALANCE_ROUNDROBIN, 4, w);
	for (int k = 0; k < 1000; k++) {
		int i = tt_proxy_bal_pick(&b, 0, IP(198, 18, 0, 1), 1000);

		assert_in_range(i, 0, 3);
		count[i]++;
	}
	assert_int_equal(count[0], 500);
	assert_int_equal(count[1], 300);
	assert_int_equal(count[2], 100);
	assert_int_equal(count[3], 100);
}

/* Smooth: weights 5, 1, 1 give a a b a c a a (nginx's sequence), never five a's in a row. */
static void
test_roundrobin_smooth(void **state)
{
	static const uint16_t w[] = { 5, 1, 1 };
	static const int want[] = { 0, 0, 1, 0, 2, 0, 0 };
	struct tt_proxy_bal b;

	(void)state;
	bal_with(&b, TT_BALANCE_ROUNDROBIN, 3, w);
	for (int round = 0; round < 3; round++)
		for (size_t k = 0; k < DIM(want); k++)
			assert_int_equal(tt_proxy_bal_pick(&b, 0, 0, 0), want[k]);
}

/* Fewest active per weight; ties spread round robin. */
static void
test_leastconn(void **state)
{
	static const uint16_t w[] = { 1, 1, 2 };
	struct tt_proxy_bal b;
	unsigned int count[3] = { 0 };

	(void)state;
	bal_with(&b, TT_BALANCE_LEASTCONN, 3, w);
	b.be[0].active = 5;
	b.be[1].active = 2;
	b.be[2].active = 6;        /* 6 / 2 = 3 per weight: more loaded than backend 1 */
	assert_int_equal(tt_proxy_bal_pick(&b, 0, 0, 0), 1);
	b.be[2].active = 2;        /* 1 per weight: now the least */
	assert_int_equal(tt_proxy_bal_pick(&b, 0, 0, 0), 2);
	/* Connections that stay open fill the backends in proportion to their weights. */
	for (unsigned int i = 0; i < 3; i++)
		b.be[i].active = 0;
	for (int k = 0; k < 400; k++) {
		int i = tt_proxy_bal_pick(&b, 0, 0, 0);

		count[i]++;
		b.be[i].active++;
	}
	assert_int_equal(count[0], 100);
	assert_int_equal(count[1], 100);
	assert_int_equal(count[2], 200);
	/* All equal, all idle: not always the first. */
	for (unsigned int i = 0; i < 3; i++)
		b.be[i].active = 0;
	memset(count, 0, sizeof(count));
	for (int k = 0; k < 4; k++)
		count[tt_proxy_bal_pick(&b, 0, 0, 0)]++;
	assert_true(count[0] > 0 && count[1] > 0 && count[2] > 0);
}

/*
 * Source: one client, one backend, whatever the order of picks; clients spread by weight;
 * when a backend fails, only its clients move, and they come back when it does.
 */
static void
test_source_stable(void **state)
{
	static const uint16_t w[] = { 1, 1, 2, 1 };
	enum { N = 4000 };
	static int first[N];
	struct tt_proxy_bal b;
	unsigned int count[4] = { 0 };
	uint64_t now = 100000;

	(void)state;
	bal_with(&b, TT_BALANCE_SOURCE, 4, w);
	for (uint32_t c = 0; c < N; c++) {
		first[c] = tt_proxy_bal_pick(&b, 0, IP(10, c >> 8, c & 0xff, 7), now);
		count[first[c]]++;
	}
	for (uint32_t c = N; c-- > 0;)
		assert_int_equal(tt_proxy_bal_pick(&b, 0, IP(10, c >> 8, c & 0xff, 7), now), first[c]);
	/* Expected 800, 800, 1600, 800: within 15 %. */
	for (unsigned int i = 0; i < 4; i++)
		assert_in_range(count[i], w[i] * 800 * 85 / 100, w[i] * 800 * 115 / 100);
	tt_proxy_bal_fail(&b, 2, now, 10);
	for (uint32_t c = 0; c < N; c++) {
		int i = tt_proxy_bal_pick(&b, 0, IP(10, c >> 8, c & 0xff, 7), now + 5000);

		assert_int_not_equal(i, 2);
		if (first[c] != 2)
			assert_int_equal(i, first[c]);
	}
	for (uint32_t c = 0; c < N; c++)
		assert_int_equal(tt_proxy_bal_pick(&b, 0, IP(10, c >> 8, c & 0xff, 7), now + 10000),
				 first[c]);
}

/* Source over IPv6 backends on one port: the clients spread over all of them (keys differ). */
static void
test_source_ipv6_backends(void **state)
{
	struct tt_listen_config lc = { .balance = TT_BALANCE_SOURCE };
	unsigned int count[3] = { 0 };
	struct tt_proxy_bal b;

	(void)state;
	lc.backends.n = 3;
	for (unsigned int i = 0; i < 3; i++) {
		lc.backends.b[i] = (struct tt_backend){ .port = 80, .weight = 1, .family = AF_INET6,
							.addr6 = { 0x20, 0x01, 0, 2, [15] = (uint8_t)(0x10 + i) } };
	}
	tt_proxy_bal_init(&b, &lc);
	for (uint32_t c = 0; c < 3000; c++)
		count[tt_proxy_bal_pick(&b, 0, IP(10, c >> 8, c & 0xff, 7), 100000)]++;
	for (unsigned int i = 0; i < 3; i++)
		assert_in_range(count[i], 1000 * 85 / 100, 1000 * 115 / 100);
}

/* A failed backend is skipped for backend_fail_skip seconds, by every method. */
static void
test_skip_failed(void **state)
{
	static const uint16_t w[] = { 1, 1, 1 };
	static const uint32_t methods[] = { TT_BALANCE_ROUNDROBIN, TT_BALANCE_LEASTCONN,
					    TT_BALANCE_SOURCE };
	struct tt_proxy_bal b;

	(void)state;
	for (size_t m = 0; m < DIM(methods); m++) {
		bal_with(&b, methods[m], 3, w);
		tt_proxy_bal_fail(&b, 1, 50000, 10);
		assert_true(tt_proxy_bal_skipped(&b, 1, 50000));
		assert_true(tt_proxy_bal_skipped(&b, 1, 59999));
		assert_false(tt_proxy_bal_skipped(&b, 1, 60000));
		for (uint32_t k = 0; k < 300; k++)
			assert_int_not_equal(tt_proxy_bal_pick(&b, 0, IP(10, 0, k >> 8, k), 55000), 1);
		/* backend_fail_skip 0: never skipped. */
		tt_proxy_bal_fail(&b, 0, 50000, 0);
		assert_false(tt_proxy_bal_skipped(&b, 0, 50000));
	}
}

/*
 * One client's retries: each backend once, healthy ones first; then the skipped one whose
 * skip ends first (rather than refusing a client untried); then -1.
 */
static void
test_retry_order(void **state)
{
	static const uint16_t w[] = { 1, 1, 1, 1 };
	struct tt_proxy_bal b;
	uint32_t tried = 0;
	int i;

	(void)state;
	bal_with(&b, TT_BALANCE_ROUNDROBIN, 4, w);
	tt_proxy_bal_fail(&b, 3, 1000, 30);
	tt_proxy_bal_fail(&b, 1, 2000, 10);
	for (int k = 0; k < 2; k++) {
		i = tt_proxy_bal_pick(&b, tried, 0, 5000);
		assert_true(i == 0 || i == 2);
		assert_false(tried & (1u << i));
		tried |= 1u << i;
	}
	assert_int_equal(tt_proxy_bal_pick(&b, tried, 0, 5000), 1);   /* ends at 12000 */
	tried |= 1u << 1;
	assert_int_equal(tt_proxy_bal_pick(&b, tried, 0, 5000), 3);   /* ends at 31000 */
	tried |= 1u << 3;
	assert_int_equal(tt_proxy_bal_pick(&b, tried, 0, 5000), -1);
}

/* Sixteen backends (TT_MAX_BACKENDS): a client tries each once, then gives up. */
static void
test_retry_sixteen(void **state)
{
	static const uint16_t w[TT_MAX_BACKENDS] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
						     14, 15, 1000 };
	static const uint32_t methods[] = { TT_BALANCE_ROUNDROBIN, TT_BALANCE_LEASTCONN,
					    TT_BALANCE_SOURCE };
	struct tt_proxy_bal b;

	(void)state;
	for (size_t m = 0; m < DIM(methods); m++) {
		uint32_t tried = 0;

		bal_with(&b, methods[m], TT_MAX_BACKENDS, w);
		for (int k = 0; k < TT_MAX_BACKENDS; k++) {
			int i = tt_proxy_bal_pick(&b, tried, IP(192, 0, 2, 1), 0);

			assert_in_range(i, 0, TT_MAX_BACKENDS - 1);
			assert_false(tried & (1u << i));
			tried |= 1u << i;
		}
		assert_int_equal(tried, 0xffff);
		assert_int_equal(tt_proxy_bal_pick(&b, tried, IP(192, 0, 2, 1), 0), -1);
	}
}

/* proxy-protocol.txt 2.1: the text line, and refusal of a buffer too small for it. */
static void
test_header_v1(void **state)
{
	struct tt_endpoint src = { IP(198, 18, 3, 1), 54321 }, dst = { IP(198, 18, 3, 2), 8080 };
	struct tt_endpoint big = { IP(255, 255, 255, 255), 65535 };
	char buf[TT_PROXY_V1_MAX];
	int n;

	(void)state;
	n = tt_proxy_hdr_v1(buf, sizeof(buf), &src, &dst);
	assert_string_equal(buf, "PROXY TCP4 198.18.3.1 198.18.3.2 54321 8080\r\n");
	assert_int_equal(n, (int)strlen(buf));
	n = tt_proxy_hdr_v1(buf, sizeof(buf), &big, &big);
	assert_int_equal(n, 56);   /* the longest TCP4 line */
	assert_int_equal(tt_proxy_hdr_v1(buf, 56, &big, &big), -ENOSPC);
}

/* proxy-protocol.txt 2.2: signature, 0x21, 0x11, length 12, addresses and ports. */
static void
test_header_v2(void **state)
{
	static const uint8_t want[TT_PROXY_V2_LEN] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x11, 0x00, 0x0c,
		198, 18, 3, 1,  198, 18, 3, 2,
		0xd4, 0x31,  0x1f, 0x90,
	};
	struct tt_endpoint src = { IP(198, 18, 3, 1), 54321 }, dst = { IP(198, 18, 3, 2), 8080 };
	uint8_t buf[64];

	(void)state;
	assert_int_equal(tt_proxy_hdr_v2(buf, sizeof(buf), &src, &dst), TT_PROXY_V2_LEN);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tt_proxy_hdr_v2(buf, TT_PROXY_V2_LEN - 1, &src, &dst), -ENOSPC);
}

/* The same for an IPv6 client: TCP6 and RFC 5952 text; AF_INET6 (0x21), length 36. */
static void
test_header_v6(void **state)
{
	struct tt_endpoint src = { .port = 54321, .family = AF_INET6,
				   .addr6 = { 0x20, 0x01, 0x00, 0x02, [15] = 1 } };
	struct tt_endpoint dst = { .port = 8080, .family = AF_INET6,
				   .addr6 = { 0x20, 0x01, 0x00, 0x02, [15] = 2 } };
	struct tt_endpoint big = { .port = 65535, .family = AF_INET6 };
	static const uint8_t head[16] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x21, 0x00, 0x24,
	};
	char line[TT_PROXY_V1_MAX];
	uint8_t buf[64];
	int n;

	(void)state;
	n = tt_proxy_hdr_v1(line, sizeof(line), &src, &dst);
	assert_string_equal(line, "PROXY TCP6 2001:2::1 2001:2::2 54321 8080\r\n");
	assert_int_equal(n, (int)strlen(line));
	memset(big.addr6, 0xab, sizeof(big.addr6));
	n = tt_proxy_hdr_v1(line, sizeof(line), &big, &big);
	assert_int_equal(n, 104);  /* the longest TCP6 line: proxy-protocol.txt's 107 bytes hold it */
	assert_int_equal(tt_proxy_hdr_v2(buf, sizeof(buf), &src, &dst), TT_PROXY_V2_LEN6);
	assert_memory_equal(buf, head, sizeof(head));
	assert_memory_equal(buf + 16, src.addr6, 16);
	assert_memory_equal(buf + 32, dst.addr6, 16);
	assert_int_equal(buf[48] << 8 | buf[49], 54321);
	assert_int_equal(buf[50] << 8 | buf[51], 8080);
	assert_int_equal(tt_proxy_hdr_v2(buf, TT_PROXY_V2_LEN6 - 1, &src, &dst), -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundrobin_weights),
		cmocka_unit_test(test_roundrobin_smooth),
		cmocka_unit_test(test_leastconn),
		cmocka_unit_test(test_source_stable),
		cmocka_unit_test(test_source_ipv6_backends),
		cmocka_unit_test(test_skip_failed),
		cmocka_unit_test(test_retry_order),
		cmocka_unit_test(test_retry_sixteen),
		cmocka_unit_test(test_header_v1),
		cmocka_unit_test(test_header_v2),
		cmocka_unit_test(test_header_v6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
