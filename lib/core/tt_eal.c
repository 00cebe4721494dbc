/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL bring-up. With no EAL options tcpterm runs on the embedded default (SPEC O1): no PCI
 * probe, no hugepages, one lcore, one TAP device whose kernel side tcpterm addresses. With
 * options, they go to EAL as given, after a hugepage check that turns EAL's multi-line
 * failure into one line naming the fix (SPEC O7).
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <tcpterm/tt_engine.h>

#include "tt_log.h"

/* The embedded default; TT_DEFAULT_TAP is the kernel-side interface name. */
#define TT_DEFAULT_TAP    "tt0"
#define TT_DEFAULT_PREFIX "tcpterm"
#define TT_DEFAULT_MEM_MB "512"
/*
 * With this many free 2 MB hugepages the default uses them (-m 256): dpdk-dumpcap, a
 * secondary process, can only attach to a primary whose memory is in hugepage files (O6).
 */
#define TT_DEFAULT_HUGE_MB 256
#define TT_DEFAULT_HUGE_PAGES (TT_DEFAULT_HUGE_MB / 2)

static bool eal_up;
static char eal_runtime_dir[PATH_MAX];

static bool
args_have(int argc, char **argv, const char *opt)
{
	size_t n = strlen(opt);

	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], opt, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
			return true;
	return false;
}

/* Free 2 MB and 1 GB hugepages, summed over sizes; -1 when sysfs cannot be read. */
static long
free_hugepages(void)
{
	static const char *const files[] = {
		"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
		"/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages",
	};
	long total = -1;

	for (size_t i = 0; i < RTE_DIM(files); i++) {
		FILE *f = fopen(files[i], "r");
		long n;

		if (f == NULL)
			continue;
		if (fscanf(f, "%ld", &n) == 1)
			total = (total < 0 ? 0 : total) + n;
		fclose(f);
	}
	return total;
}

/* The last CPU we may run on: the embedded worker leaves CPU 0 to the kernel's clients. */
static int
default_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (int c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, &set))
			return c;
	return 0;
}

int
tt_eal_init(int eal_argc, char **eal_argv, char *err, size_t errlen)
{
	char lcores[16], *def[16];
	int argc = eal_argc, rc;
	char **argv = eal_argv;

	if (eal_argc <= 1) {
		int n = 0;

		snprintf(lcores, sizeof(lcores), "%d", default_cpu());
		def[n++] = eal_argc == 1 ? eal_argv[0] : "tcpterm";
		def[n++] = "-l";
		def[n++] = lcores;
		def[n++] = "--no-pci";
		def[n++] = "-m";
		if (free_hugepages() >= TT_DEFAULT_HUGE_PAGES) {
			def[n++] = RTE_STR(TT_DEFAULT_HUGE_MB);
		} else {
			def[n++] = TT_DEFAULT_MEM_MB;
			def[n++] = "--no-huge";
		}
		def[n++] = "--file-prefix=" TT_DEFAULT_PREFIX;
		def[n++] = "--vdev=net_tap0,iface=" TT_DEFAULT_TAP;
		def[n] = NULL;
		argc = n;
		argv = def;
	} else if (!args_have(argc, argv, "--no-huge") && !args_have(argc, argv, "--in-memory") &&
		   free_hugepages() == 0) {
		snprintf(err, errlen,
			 "no free hugepages: reserve some (scripts/setup.sh, or echo 512 > /proc/sys/vm/nr_hugepages) or add --no-huge to the EAL options");
		return -ENOMEM;
	}
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		/* EAL does not always set rte_errno (a held --file-prefix lock leaves it 0). */
		int e = rte_errno != 0 ? rte_errno : EINVAL;

		snprintf(err, errlen,
			 "EAL initialisation failed (%s): check the EAL options and the messages above; is another tcpterm using the same --file-prefix?",
			 rte_strerror(e));
		return -e;
	}
	eal_up = true;
	snprintf(eal_runtime_dir, sizeof(eal_runtime_dir), "%s", rte_eal_get_runtime_dir());
	return 0;
}

/*
 * EAL keeps a primary's hugepage files (<prefix>map_N) after exit so a restart can reuse
 * them; tcpterm leaves nothing behind, so remove this prefix's files from every hugetlbfs.
 */
static void
remove_hugepage_files(const char *prefix)
{
	char line[512], dir[256], type[64], path[PATH_MAX];
	size_t plen = strlen(prefix);
	FILE *mounts = fopen("/proc/mounts", "r");

	if (mounts == NULL)
		return;
	while (fgets(line, sizeof(line), mounts) != NULL) {
		DIR *d;
		struct dirent *de;

		if (sscanf(line, "%*s %255s %63s", dir, type) != 2 || strcmp(type, "hugetlbfs") != 0)
			continue;
		d = opendir(dir);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, prefix, plen) != 0 ||
			    strncmp(de->d_name + plen, "map_", 4) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	fclose(mounts);
}

static int
unlink_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
tt_eal_cleanup(void)
{
	bool primary;

	if (!eal_up)
		return;
	primary = rte_eal_process_type() == RTE_PROC_PRIMARY;
	rte_eal_cleanup();
	eal_up = false;
	/* EAL leaves its runtime directory (sockets, config) behind; a primary owns it. */
	if (primary && eal_runtime_dir[0] != '\0') {
		const char *prefix = strrchr(eal_runtime_dir, '/');

		nftw(eal_runtime_dir, unlink_entry, 8, FTW_DEPTH | FTW_PHYS);
		if (prefix != NULL && prefix[1] != '\0')
			remove_hugepage_files(prefix + 1);
	}
}
