/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL bring-up. With no EAL options tcpterm runs on the embedded default (SPEC O1): no PCI
 * probe, hugepages when free, one lcore, and no device: the engine makes its link to the
 * kernel (tt_kernel_link.c), whose kernel side tcpterm addresses. With
 * options, they go to EAL as given, after a hugepage check that turns EAL's multi-line
 * failure into one line naming the fix (SPEC O7). The check counts what EAL will count,
 * never less: a check stricter than EAL refuses starts that would have worked.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include <tcpterm/tt_engine.h>

#include "../dp/tt_log.h"
#include "tt_eal.h"

/* The embedded default; its port is the kernel link (tt_kernel_link.c), tt0 the kernel's side. */
#define TT_DEFAULT_PREFIX "tcpterm"
#define TT_DEFAULT_MEM_MB "512"
/*
 * With this many free 2 MB hugepages the default uses them (-m 256): dpdk-dumpcap, a
 * secondary process, can only attach to a primary whose memory is in hugepage files (O6).
 */
#define TT_DEFAULT_HUGE_MB 256

static bool eal_up;
static bool eal_no_device;
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

/* Files someone holds a flock() on, as (device, inode), from /proc/locks. */
struct flock_set {
	size_t n, cap;
	struct { dev_t dev; ino_t ino; } *v;
};

/* 0, or -errno when /proc/locks cannot be read (then no file counts as locked). */
static int
flocks_read(struct flock_set *s)
{
	char line[256];
	FILE *f = fopen("/proc/locks", "r");

	memset(s, 0, sizeof(*s));
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		char type[16], mode[16], blocked[4];
		unsigned int maj, min;
		unsigned long ino;
		int pid;

		/* "1: FLOCK ADVISORY READ 1234 00:2d:5678 0 EOF"; waiters ("1: -> FLOCK ...") hold none. */
		if (sscanf(line, "%*d: %3s", blocked) == 1 && strcmp(blocked, "->") == 0)
			continue;
		if (sscanf(line, "%*d: %15s %*s %15s %d %x:%x:%lu", type, mode, &pid, &maj, &min,
			   &ino) != 6 || strcmp(type, "FLOCK") != 0)
			continue;
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 64;
			void *v = realloc(s->v, cap * sizeof(*s->v));

			if (v == NULL)
				break;
			s->v = v;
			s->cap = cap;
		}
		s->v[s->n].dev = makedev(maj, min);
		s->v[s->n].ino = (ino_t)ino;
		s->n++;
	}
	fclose(f);
	return 0;
}

static bool
flocked(const struct flock_set *s, const struct stat *st)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].ino == st->st_ino && s->v[i].dev == st->st_dev)
			return true;
	return false;
}

long
tt_eal_stale_hugepages(const char *dir, uint64_t page_sz)
{
	struct flock_set locks;
	struct dirent *de;
	long pages = 0;
	DIR *d;

	if (page_sz == 0)
		return -EINVAL;
	d = opendir(dir);
	if (d == NULL)
		return -errno;
	flocks_read(&locks);
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		/* EAL's own pattern for the files it maps (walk_hugedir in eal_hugepage_info.c). */
		if (fnmatch("*map_*", de->d_name, 0) != 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || flocked(&locks, &st))
			continue;
		pages += (long)(((uint64_t)st.st_size + page_sz - 1) / page_sz);
	}
	closedir(d);
	free(locks.v);
	return pages;
}

/* "2M", "1G", "2048k" or bytes, as hugetlbfs's pagesize= option; 0 when unreadable. */
static uint64_t
parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k': case 'K': return v << 10;
	case 'm': case 'M': return v << 20;
	case 'g': case 'G': return v << 30;
	default: return *end == '\0' || *end == ',' ? v : 0;
	}
}

/* The default hugepage size (/proc/meminfo's Hugepagesize), 0 when unknown. */
static uint64_t
default_hugepage_size(void)
{
	char line[128];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Hugepagesize: %" SCNu64 " kB", &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

/* The first hugetlbfs mount for page_sz, as EAL picks it (get_hugepage_dir); false if none. */
static bool
hugetlbfs_mount(uint64_t page_sz, char *dir, size_t len)
{
	char line[1024], mnt[512], type[64], opts[512];
	uint64_t def = default_hugepage_size();
	FILE *f = fopen("/proc/mounts", "r");
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		const char *ps;

		if (sscanf(line, "%*s %511s %63s %511s", mnt, type, opts) != 3 ||
		    strcmp(type, "hugetlbfs") != 0)
			continue;
		ps = strstr(opts, "pagesize=");
		found = ps != NULL ? parse_size(ps + 9) == page_sz : page_sz == def;
	}
	fclose(f);
	if (found)
		snprintf(dir, len, "%s", mnt);
	return found;
}

static long
sysfs_long(const char *dir, const char *name)
{
	char path[PATH_MAX];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * Hugepage memory EAL can use, in MB, counted as EAL counts it (eal_hugepage_info.c): for
 * each page size with a hugetlbfs mount, free pages minus reserved ones, the overcommit
 * headroom (nr_overcommit - surplus), and the pages of stale page files in the mount, which
 * EAL deletes (or reuses) before it counts. -1 when sysfs shows no hugepage sizes.
 * *unmounted_mb: what sizes without a mount hold free; EAL cannot use it.
 */
static long
hugepages_available_mb(long *unmounted_mb)
{
	DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *de;
	long total = -1;

	*unmounted_mb = 0;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		long free_p, resv, over, surplus, pages, stale;
		uint64_t kb;
		char mnt[512];

		if (sscanf(de->d_name, "hugepages-%" SCNu64 "kB", &kb) != 1 || kb == 0)
			continue;
		free_p = sysfs_long(de->d_name, "free_hugepages");
		resv = sysfs_long(de->d_name, "resv_hugepages");
		over = sysfs_long(de->d_name, "nr_overcommit_hugepages");
		surplus = sysfs_long(de->d_name, "surplus_hugepages");
		if (free_p < 0)
			continue;
		pages = free_p > resv ? free_p - (resv > 0 ? resv : 0) : 0;
		if (over > surplus)
			pages += over - (surplus > 0 ? surplus : 0);
		if (total < 0)
			total = 0;
		if (!hugetlbfs_mount(kb << 10, mnt, sizeof(mnt))) {
			*unmounted_mb += (long)((uint64_t)pages * kb >> 10);
			continue;
		}
		stale = tt_eal_stale_hugepages(mnt, kb << 10);
		if (stale > 0)
			pages += stale;
		total += (long)((uint64_t)pages * kb >> 10);
	}
	closedir(d);
	return total;
}

/* The value of EAL option opt (--opt=V or --opt V), or NULL. */
static const char *
args_value(int argc, char **argv, const char *opt)
{
	size_t n = strlen(opt);

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], opt, n) != 0)
			continue;
		if (argv[i][n] == '=')
			return argv[i] + n + 1;
		if (argv[i][n] == '\0' && i + 1 < argc)
			return argv[i + 1];
	}
	return NULL;
}

/*
 * The process that runs a primary with this --file-prefix: EAL write-locks part of the
 * runtime directory's "config" file for the primary's whole life (rte_eal_config_create),
 * and a second primary fails on that lock with several lines of its own. Its pid, -1 when
 * it cannot be told (another pid namespace), 0 when there is none. F_GETLK only looks.
 */
static pid_t
prefix_owner(const char *prefix)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char path[PATH_MAX];
	int fd;

	if (geteuid() == 0 || xdg == NULL)
		snprintf(path, sizeof(path), "%s/dpdk/%s/config",
			 geteuid() == 0 ? "/var/run" : "/tmp", prefix);
	else
		snprintf(path, sizeof(path), "%s/dpdk/%s/config", xdg, prefix);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK) {
		close(fd);
		return 0;
	}
	close(fd);
	return fl.l_pid > 0 ? fl.l_pid : -1;
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
	long unmounted;
	char **argv = eal_argv;

	if (eal_argc <= 1) {
		int n = 0;

		snprintf(lcores, sizeof(lcores), "%d", default_cpu());
		def[n++] = eal_argc == 1 ? eal_argv[0] : "tcpterm";
		def[n++] = "-l";
		def[n++] = lcores;
		def[n++] = "--no-pci";
		def[n++] = "-m";
		if (hugepages_available_mb(&unmounted) >= TT_DEFAULT_HUGE_MB) {
			def[n++] = RTE_STR(TT_DEFAULT_HUGE_MB);
		} else {
			def[n++] = TT_DEFAULT_MEM_MB;
			def[n++] = "--no-huge";
		}
		def[n++] = "--file-prefix=" TT_DEFAULT_PREFIX;
		def[n] = NULL;
		argc = n;
		argv = def;
	} else if (!args_have(argc, argv, "--no-huge") && !args_have(argc, argv, "--in-memory") &&
		   !args_have(argc, argv, "--huge-dir") &&
		   hugepages_available_mb(&unmounted) == 0) {
		if (unmounted > 0)
			snprintf(err, errlen,
				 "no usable hugepages: %ld MB are reserved but no hugetlbfs is mounted for their size: mount -t hugetlbfs nodev /dev/hugepages (scripts/setup.sh does), or add --no-huge to the EAL options",
				 unmounted);
		else
			snprintf(err, errlen,
				 "no free hugepages: reserve some (scripts/setup.sh, or echo 512 > /proc/sys/vm/nr_hugepages) or add --no-huge to the EAL options");
		return -ENOMEM;
	}
	/* A primary of its own (not --proc-type), with shared files: one prefix, one primary. */
	if (!args_have(argc, argv, "--proc-type") && !args_have(argc, argv, "--in-memory") &&
	    !args_have(argc, argv, "--no-shconf")) {
		const char *prefix = args_value(argc, argv, "--file-prefix");
		pid_t owner = prefix_owner(prefix != NULL ? prefix : "rte");

		if (owner != 0) {
			char who[32] = "";

			if (owner > 0)
				snprintf(who, sizeof(who), " (pid %d)", (int)owner);
			snprintf(err, errlen,
				 "--file-prefix %s is in use by another running DPDK process%s: give this tcpterm its own --file-prefix",
				 prefix != NULL ? prefix : "rte (EAL's default)", who);
			return -EADDRINUSE;
		}
	}
	eal_no_device = args_have(argc, argv, "--no-pci") && !args_have(argc, argv, "--vdev");
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		/* EAL does not always set rte_errno. */
		int e = rte_errno != 0 ? rte_errno : EINVAL;

		snprintf(err, errlen,
			 "EAL initialisation failed (%s): see EAL's messages above and check the EAL options",
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

bool
tt_eal_no_device(void)
{
	return eal_no_device;
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
