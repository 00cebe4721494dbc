/* SPDX-License-Identifier: BSD-3-Clause */
/* Counter metadata generated from TT_STATS_FOREACH (include/tcpterm/tt_stats.h). */
#include <string.h>

#include <tcpterm/tt_stats.h>

const struct tt_stat_info tt_stat_info[TT_STAT__COUNT] = {
#define TT_STAT_INFO(group, name, desc) [TT_STAT_##name] = { #group, #name, desc },
	TT_STATS_FOREACH(TT_STAT_INFO)
#undef TT_STAT_INFO
};

int
tt_stat_lookup(const char *name)
{
	for (int i = 0; i < TT_STAT__COUNT; i++)
		if (strcmp(tt_stat_info[i].name, name) == 0)
			return i;
	return -1;
}
