/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/stats and include/tcpterm/tt_stats.h: the one counter list (STYLE habit 5). Every row
 * has a unique name and a description; the TCP rows carry exactly the names Linux's nstat
 * shows (SPEC "Counters"), in the group Linux puts them in (Tcp: /proc/net/snmp, TcpExt:
 * /proc/net/netstat); tt_stat_lookup finds them; the per-worker block is cache-line
 * separated. No EAL: nothing here needs it.
 */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>

#include <tcpterm/tt_stats.h>

#include "../../lib/dp/tt_worker.h"
#include "../../lib/stats/tt_stats_priv.h"

/* SPEC "Counters", each with the Linux MIB group it lives in. */
static const struct {
	const char *group;
	const char *name;
} spec_counters[] = {
	{ "Tcp", "ActiveOpens" }, { "Tcp", "PassiveOpens" }, { "Tcp", "AttemptFails" },
	{ "Tcp", "EstabResets" }, { "Tcp", "CurrEstab" }, { "Tcp", "InSegs" },
	{ "Tcp", "OutSegs" }, { "Tcp", "RetransSegs" }, { "Tcp", "InErrs" },
	{ "Tcp", "InCsumErrors" }, { "Tcp", "OutRsts" },
	{ "TcpExt", "ListenOverflows" }, { "TcpExt", "ListenDrops" },
	{ "TcpExt", "SyncookiesSent" }, { "TcpExt", "SyncookiesRecv" },
	{ "TcpExt", "SyncookiesFailed" }, { "TcpExt", "TCPReqQFullDrop" },
	{ "TcpExt", "TCPReqQFullDoCookies" }, { "TcpExt", "TCPSynRetrans" },
	{ "TcpExt", "TCPTimeWaitOverflow" }, { "TcpExt", "TCPAbortOnData" },
	{ "TcpExt", "TCPAbortOnClose" }, { "TcpExt", "TCPChallengeACK" },
};

/*
 * Other names Linux shows under Tcp: and TcpExt: (include/uapi/linux/snmp.h,
 * net/ipv4/proc.c). SPEC asks for "at least" its list; a TCP row added later must still be
 * a Linux name, so a misspelt or invented one fails here.
 */
static const char *const linux_tcp[] = {
	"RtoAlgorithm", "RtoMin", "RtoMax", "MaxConn",
};
static const char *const linux_tcpext[] = {
	"EmbryonicRsts", "PruneCalled", "RcvPruned", "OfoPruned", "OutOfWindowIcmps",
	"LockDroppedIcmps", "ArpFilter", "TW", "TWRecycled", "TWKilled", "PAWSActive",
	"PAWSEstab", "DelayedACKs", "DelayedACKLocked", "DelayedACKLost", "TCPHPHits",
	"TCPPureAcks", "TCPHPAcks", "TCPRenoRecovery", "TCPSackRecovery", "TCPSACKReneging",
	"TCPSACKReorder", "TCPRenoReorder", "TCPTSReorder", "TCPFullUndo", "TCPPartialUndo",
	"TCPDSACKUndo", "TCPLossUndo", "TCPLostRetransmit", "TCPRenoFailures",
	"TCPSackFailures", "TCPLossFailures", "TCPFastRetrans", "TCPSlowStartRetrans",
	"TCPTimeouts", "TCPLossProbes", "TCPLossProbeRecovery", "TCPRenoRecoveryFail",
	"TCPSackRecoveryFail", "TCPRcvCollapsed", "TCPDSACKOldSent", "TCPDSACKOfoSent",
	"TCPDSACKRecv", "TCPDSACKOfoRecv", "TCPAbortOnMemory", "TCPAbortOnTimeout",
	"TCPAbortOnLinger", "TCPAbortFailed", "TCPMemoryPressures", "TCPMemoryPressuresChrono",
	"TCPSACKDiscard", "TCPDSACKIgnoredOld", "TCPDSACKIgnoredNoUndo", "TCPSpuriousRTOs",
	"TCPMD5NotFound", "TCPMD5Unexpected", "TCPMD5Failure", "TCPSackShifted",
	"TCPSackMerged", "TCPSackShiftFallback", "TCPBacklogCoalesce", "TCPBacklogDrop",
	"PFMemallocDrop", "TCPMinTTLDrop", "TCPDeferAcceptDrop", "IPReversePathFilter",
	"TCPRetransFail", "TCPRcvCoalesce", "TCPOFOQueue", "TCPOFODrop", "TCPOFOMerge",
	"TCPSYNChallenge", "TCPFastOpenActive", "TCPFastOpenActiveFail", "TCPFastOpenPassive",
	"TCPFastOpenPassiveFail", "TCPFastOpenListenOverflow", "TCPFastOpenCookieReqd",
	"TCPFastOpenBlackhole", "TCPSpuriousRtxHostQueues", "BusyPollRxPackets",
	"TCPAutoCorking", "TCPFromZeroWindowAdv", "TCPToZeroWindowAdv", "TCPWantZeroWindowAdv",
	"TCPOrigDataSent", "TCPHystartTrainDetect", "TCPHystartTrainCwnd",
	"TCPHystartDelayDetect", "TCPHystartDelayCwnd", "TCPACKSkippedSynRecv",
	"TCPACKSkippedPAWS", "TCPACKSkippedSeq", "TCPACKSkippedFinWait2",
	"TCPACKSkippedTimeWait", "TCPACKSkippedChallenge", "TCPWinProbe", "TCPKeepAlive",
	"TCPMTUPFail", "TCPMTUPSuccess", "TCPDelivered", "TCPDeliveredCE", "TCPAckCompressed",
	"TCPZeroWindowDrop", "TCPRcvQDrop", "TCPWqueueTooBig", "TCPFastOpenPassiveAltKey",
	"TcpTimeoutRehash", "TcpDuplicateDataRehash", "TCPDSACKRecvSegs",
	"TCPDSACKIgnoredDubious", "TCPMigrateReqSuccess", "TCPMigrateReqFailure",
	"TCPPLBRehash",
};

static bool
in_list(const char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static int
spec_index(const char *name)
{
	for (size_t i = 0; i < RTE_DIM(spec_counters); i++)
		if (strcmp(spec_counters[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Rows in enum order, each complete: group, name, description. */
static void
test_rows_complete(void **state)
{
	(void)state;
	assert_true(TT_STAT__COUNT > 0);
	for (int i = 0; i < TT_STAT__COUNT; i++) {
		const struct tt_stat_info *r = &tt_stat_info[i];

		assert_non_null(r->group);
		assert_non_null(r->name);
		assert_non_null(r->desc);
		assert_true(r->group[0] != '\0');
		assert_true(r->name[0] != '\0');
		assert_true(r->desc[0] != '\0');
		/* Names are identifiers: they are JSON keys and C enumerators. */
		for (const char *c = r->name; *c; c++)
			assert_true((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
				    (*c >= '0' && *c <= '9'));
	}
	assert_int_equal(TT_STAT_EthInFrames, 0);
	assert_string_equal(tt_stat_info[TT_STAT_InErrs].name, "InErrs");
	assert_string_equal(tt_stat_info[TT_STAT_TCPChallengeACK].name, "TCPChallengeACK");
}

static void
test_names_unique(void **state)
{
	(void)state;
	for (int i = 0; i < TT_STAT__COUNT; i++)
		for (int j = i + 1; j < TT_STAT__COUNT; j++)
			if (strcmp(tt_stat_info[i].name, tt_stat_info[j].name) == 0)
				fail_msg("counter %s listed twice (rows %d and %d)",
					 tt_stat_info[i].name, i, j);
}

/* Every SPEC counter is a row, once, in its Linux group. */
static void
test_spec_counters_present(void **state)
{
	(void)state;
	for (size_t s = 0; s < RTE_DIM(spec_counters); s++) {
		int i = tt_stat_lookup(spec_counters[s].name);

		if (i < 0)
			fail_msg("SPEC counter %s is missing", spec_counters[s].name);
		assert_string_equal(tt_stat_info[i].group, spec_counters[s].group);
	}
}

/* Every Tcp/TcpExt row is a Linux name of that group: SPEC's, or another Linux one. */
static void
test_tcp_rows_are_linux_names(void **state)
{
	unsigned int n_tcp = 0;

	(void)state;
	for (int i = 0; i < TT_STAT__COUNT; i++) {
		const struct tt_stat_info *r = &tt_stat_info[i];
		int s = spec_index(r->name);

		if (strcmp(r->group, "Tcp") != 0 && strcmp(r->group, "TcpExt") != 0) {
			/* Other groups must not borrow a TCP name (nstat would show it twice). */
			assert_int_equal(s, -1);
			continue;
		}
		n_tcp++;
		if (s >= 0) {
			assert_string_equal(r->group, spec_counters[s].group);
			continue;
		}
		if (strcmp(r->group, "Tcp") == 0 ?
		    !in_list(linux_tcp, RTE_DIM(linux_tcp), r->name) :
		    !in_list(linux_tcpext, RTE_DIM(linux_tcpext), r->name))
			fail_msg("%s row %s is not a Linux %s: counter name", r->group, r->name,
				 r->group);
	}
	assert_true(n_tcp >= RTE_DIM(spec_counters));
}

static void
test_lookup(void **state)
{
	(void)state;
	for (int i = 0; i < TT_STAT__COUNT; i++)
		assert_int_equal(tt_stat_lookup(tt_stat_info[i].name), i);
	assert_int_equal(tt_stat_lookup("InErrs"), TT_STAT_InErrs);
	assert_int_equal(tt_stat_lookup("ListenDrops"), TT_STAT_ListenDrops);
	assert_int_equal(tt_stat_lookup("NoSuchCounter"), -1);
	assert_int_equal(tt_stat_lookup(""), -1);
	assert_int_equal(tt_stat_lookup("inerrs"), -1);       /* names are case-sensitive */
	assert_int_equal(tt_stat_lookup("InErrs "), -1);
	assert_int_equal(tt_stat_lookup("Tcp"), -1);          /* a group is not a counter */
}

/* Per-worker blocks never share a cache line (SPEC "Counters": cache-line separated). */
static void
test_block_layout(void **state)
{
	struct tt_stats st;

	(void)state;
	assert_int_equal(alignof(struct tt_stats), RTE_CACHE_LINE_SIZE);
	assert_int_equal(sizeof(struct tt_stats) % RTE_CACHE_LINE_SIZE, 0);
	assert_true(sizeof(struct tt_stats) >= TT_STAT__COUNT * sizeof(uint64_t));
	assert_true(sizeof(struct tt_stats) < TT_STAT__COUNT * sizeof(uint64_t) +
					      RTE_CACHE_LINE_SIZE);
	/* The worker starts with its counters, on their own lines. */
	assert_int_equal(offsetof(struct tt_worker, stats), 0);
	assert_int_equal(alignof(struct tt_worker) % RTE_CACHE_LINE_SIZE, 0);

	memset(&st, 0, sizeof(st));
	TT_STAT_INC(&st, InErrs);
	TT_STAT_ADD(&st, OutSegs, 5);
	TT_STAT_INC(&st, CurrEstab);
	TT_STAT_DEC(&st, CurrEstab);
	assert_int_equal(TT_STAT_GET(&st, InErrs), 1);
	assert_int_equal(tt_stats_read(&st, TT_STAT_OutSegs), 5);
	assert_int_equal(TT_STAT_GET(&st, CurrEstab), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_complete),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_spec_counters_present),
		cmocka_unit_test(test_tcp_rows_are_linux_names),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_block_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
