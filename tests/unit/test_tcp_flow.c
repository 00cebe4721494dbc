/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table (lib/tcp/tcp_flow.c; issue 9, SPEC R3): filled to the most flows it is
 * sized for, every flow goes in (no spurious failure at half load, cuckoo moves included)
 * and is found; a flow's entry changes kind in place; the remembered last lookup stays
 * right when inserts move entries under it; deletes through it and without it; the key's
 * last four bytes are not key (a request keeps its TS offset there); and the table's audit
 * (every entry in one of its hash's buckets, count right) holds throughout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <rte_memory.h>

#include "tt_test.h"
#include "../../lib/tcp/tcp_conn.h"
#include "../../lib/util/tt_rand.h"

#define N_FLOWS 20000

static struct tt_flow flows[N_FLOWS];

static struct tt_tcp *
table(uint32_t n)
{
	struct tt_tcp *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(tt_flowhash_key_random(&t->flow_key), 0);
	assert_int_equal(tt_flow_table_init(&t->ft, n, SOCKET_ID_ANY), 0);
	return t;
}

static void
table_free(struct tt_tcp *t)
{
	tt_flow_table_fini(&t->ft);
	free(t);
}

/* Distinct flows from 198.18.0.0/15 clients to one server port. */
static void
make_flows(uint64_t seed)
{
	uint64_t s = seed;

	for (uint32_t i = 0; i < N_FLOWS; i++) {
		flows[i] = (struct tt_flow){
			.raddr = rte_cpu_to_be_32(0xc6120000u | (uint32_t)(tt_rand_next(&s) & 0x1ffff)),
			.laddr = rte_cpu_to_be_32(0xc6120001u),
			.rport = rte_cpu_to_be_16((uint16_t)(1024 + i % 60000)),
			.lport = rte_cpu_to_be_16(80),
		};
		/* Make each one unique whatever the random address: the index in the port. */
		flows[i].raddr ^= rte_cpu_to_be_32(i / 60000);
	}
}

static void
audit(struct tt_tcp *t, int64_t want)
{
	char err[200] = "";
	int64_t n = tt_flow_table_audit(t, err, sizeof(err));

	if (n != want)
		fail_msg("audit: %" PRId64 " entries, want %" PRId64 ": %s", n, want, err);
}

/* tt_flow_set's two 8-byte stores lay the key out as the fields do, pad zero. */
static void
test_flow_set_layout(void **state)
{
	uint64_t rnd = 99;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		uint64_t v = tt_rand_next(&rnd);
		struct tt_flow a, b;

		memset(&a, 0xa5, sizeof(a));
		a.raddr = (uint32_t)v;
		a.laddr = (uint32_t)(v >> 32);
		v = tt_rand_next(&rnd);
		a.rport = (uint16_t)v;
		a.lport = (uint16_t)(v >> 16);
		a.pad = 0;
		memset(&b, 0x5a, sizeof(b));
		tt_flow_set(&b, a.raddr, a.laddr, a.rport, a.lport);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

/* Full to the size given: all in, all found with their kinds, all out. Five key draws. */
static void
test_fill_to_capacity(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 5; seed++) {
		struct tt_tcp *t = table(N_FLOWS);

		make_flows(seed);
		for (uint32_t i = 0; i < N_FLOWS; i++)
			assert_int_equal(tt_flow_add(t, &flows[i], &flows[i], (enum tt_flow_kind)(i % 3)), 0);
		audit(t, N_FLOWS);
		for (uint32_t i = 0; i < N_FLOWS; i++)
			assert_true(tt_flow_lookup(t, &flows[i]) == ((uintptr_t)&flows[i] | (i % 3)));
		for (uint32_t i = 0; i < N_FLOWS; i += 2)
			tt_flow_del(t, &flows[i]);
		audit(t, N_FLOWS / 2);
		for (uint32_t i = 0; i < N_FLOWS; i++)
			assert_true(tt_flow_lookup(t, &flows[i]) ==
				    (i % 2 ? ((uintptr_t)&flows[i] | (i % 3)) : 0));
		for (uint32_t i = 1; i < N_FLOWS; i += 2)
			tt_flow_del(t, &flows[i]);
		audit(t, 0);
		table_free(t);
	}
}

/* request -> TCB -> TIME_WAIT through the same entry, three objects of one flow. */
static void
test_kind_in_place(void **state)
{
	struct tt_tcp *t = table(64);
	static struct tt_flow obj[3];

	(void)state;
	make_flows(9);
	for (int k = 0; k < 3; k++)
		obj[k] = flows[0];
	assert_int_equal(tt_flow_lookup(t, &flows[0]), 0);
	assert_int_equal(tt_flow_add(t, &flows[0], &obj[0], TT_FLOW_REQ), 0);
	assert_int_equal(tt_flow_count(t), 1);
	assert_true(tt_flow_lookup(t, &flows[0]) == ((uintptr_t)&obj[0] | TT_FLOW_REQ));
	assert_int_equal(tt_flow_add(t, &flows[0], &obj[1], TT_FLOW_CONN), 0);
	assert_int_equal(tt_flow_count(t), 1);
	/* Without a lookup in between: the entry is found by its hash, not remembered. */
	assert_int_equal(tt_flow_lookup(t, &flows[1]), 0);
	assert_int_equal(tt_flow_add(t, &flows[0], &obj[2], TT_FLOW_TW), 0);
	assert_int_equal(tt_flow_count(t), 1);
	assert_true(tt_flow_lookup(t, &flows[0]) == ((uintptr_t)&obj[2] | TT_FLOW_TW));
	audit(t, 1);
	tt_flow_del(t, &flows[0]);
	assert_int_equal(tt_flow_count(t), 0);
	assert_int_equal(tt_flow_lookup(t, &flows[0]), 0);
	/* Deleting what is not there changes nothing. */
	tt_flow_del(t, &flows[0]);
	assert_int_equal(tt_flow_count(t), 0);
	table_free(t);
}

/*
 * The remembered slot after inserts that move entries: look a flow up, insert thousands of
 * others (cuckoo moves shift entries between buckets), then change and delete the first
 * through the memory. Each must act on that flow's entry wherever it went. The table is
 * sized for half the flows (61 % of its slots end up used), so moves happen.
 */
static void
test_memo_after_moves(void **state)
{
	(void)state;
	for (uint32_t probe = 0; probe < 50; probe++) {
		struct tt_tcp *t = table(N_FLOWS / 2);

		make_flows(100 + probe);
		for (uint32_t i = 0; i < N_FLOWS / 2; i++)
			assert_int_equal(tt_flow_add(t, &flows[i], &flows[i], TT_FLOW_REQ), 0);
		assert_true(tt_flow_lookup(t, &flows[probe]) == ((uintptr_t)&flows[probe] | TT_FLOW_REQ));
		for (uint32_t i = N_FLOWS / 2; i < N_FLOWS; i++)
			assert_int_equal(tt_flow_add(t, &flows[i], &flows[i], TT_FLOW_CONN), 0);
		assert_true(t->ft.moves > 0);
		assert_int_equal(tt_flow_add(t, &flows[probe], &flows[probe], TT_FLOW_TW), 0);
		audit(t, N_FLOWS);
		assert_true(tt_flow_lookup(t, &flows[probe]) == ((uintptr_t)&flows[probe] | TT_FLOW_TW));
		tt_flow_del(t, &flows[probe]);
		audit(t, N_FLOWS - 1);
		assert_int_equal(tt_flow_lookup(t, &flows[probe]), 0);
		table_free(t);
	}
}

/*
 * A request's entry whose object keeps its TS offset in the key's pad (TT_REQ_TS_OFFSET):
 * found by a segment's key (pad 0), deleted through the object's own key (pad set) with
 * the last lookup remembered and without, hashed alike both ways (the audit rehashes the
 * object's key). And the all-ones key, the memory's initial value with pad bits, is looked
 * up as any other key in a new table.
 */
static void
test_pad_not_key(void **state)
{
	struct tt_tcp *t = table(N_FLOWS);
	static struct tt_flow obj[N_FLOWS / 4];
	struct tt_flow ones;
	uint64_t rnd = 7;

	(void)state;
	make_flows(11);
	for (uint32_t i = 0; i < RTE_DIM(obj); i++) {
		obj[i] = flows[i];
		obj[i].pad = (uint32_t)tt_rand_next(&rnd) | 1u;
		assert_true(tt_flow_hash(&t->flow_key, &obj[i]) ==
			    tt_flow_hash(&t->flow_key, &flows[i]));
		assert_true(tt_flow_eq(&obj[i], &flows[i]));
		assert_int_equal(tt_flow_add(t, &flows[i], &obj[i], TT_FLOW_REQ), 0);
	}
	audit(t, RTE_DIM(obj));
	for (uint32_t i = 0; i < RTE_DIM(obj); i++) {
		assert_true(tt_flow_lookup(t, &flows[i]) == ((uintptr_t)&obj[i] | TT_FLOW_REQ));
		/* Half through the remembered lookup, half after another flow's. */
		if (i & 1)
			assert_int_equal(tt_flow_lookup(t, &flows[RTE_DIM(obj) + i]), 0);
		tt_flow_del(t, &obj[i]);
		assert_int_equal(tt_flow_lookup(t, &flows[i]), 0);
	}
	audit(t, 0);
	table_free(t);

	t = table(64);
	memset(&ones, 0xff, sizeof(ones));
	assert_int_equal(tt_flow_lookup(t, &ones), 0);
	assert_int_equal(tt_flow_add(t, &ones, &ones, TT_FLOW_CONN), 0);
	assert_true(tt_flow_lookup(t, &ones) == ((uintptr_t)&ones | TT_FLOW_CONN));
	audit(t, 1);
	table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_set_layout),
		cmocka_unit_test(test_fill_to_capacity),
		cmocka_unit_test(test_kind_in_place),
		cmocka_unit_test(test_memo_after_moves),
		cmocka_unit_test(test_pad_not_key),
	};

	tt_test_eal_init("test_tcp_flow");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
