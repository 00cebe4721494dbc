/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/engine/tt_eal.c: the hugepage check before EAL counts what EAL will count (SPEC O7), so
 * it never refuses a start EAL would make. Here, on a temporary directory standing in for a
 * hugetlbfs mount: page files nobody holds a flock() on are stale and their pages count as
 * available (EAL deletes or reuses them); a file a process holds a flock on does not count,
 * whatever the holder; other names, directories and POSIX (fcntl) locks are as EAL sees them.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../lib/engine/tt_eal.h"

#define PAGE (2u << 20)

struct dir {
	char path[64];
	int held[4];       /* descriptors the test keeps open (their locks with them) */
	int n_held;
};

/* A file of size bytes (sparse: a page file's size is what EAL counts). */
static int
make(struct dir *d, const char *name, off_t size)
{
	char p[128];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", d->path, name);
	fd = open(p, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	return fd;
}

static int
setup(void **state)
{
	static struct dir d;

	memset(&d, 0, sizeof(d));
	snprintf(d.path, sizeof(d.path), "/tmp/tt_unit_huge_XXXXXX");
	if (mkdtemp(d.path) == NULL)
		return -1;
	*state = &d;
	return 0;
}

static int
teardown(void **state)
{
	struct dir *d = *state;
	char cmd[128];

	for (int i = 0; i < d->n_held; i++)
		close(d->held[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_empty_and_errors(void **state)
{
	struct dir *d = *state;

	assert_int_equal(tt_eal_stale_hugepages(d->path, PAGE), 0);
	assert_int_equal(tt_eal_stale_hugepages("/nonexistent/tt-huge", PAGE), -ENOENT);
	assert_int_equal(tt_eal_stale_hugepages(d->path, 0), -EINVAL);
}

/* Files of dead processes, whatever their prefix: all of their pages count. */
static void
test_stale_files_count(void **state)
{
	struct dir *d = *state;

	close(make(d, "rtemap_0", 3 * (off_t)PAGE));
	close(make(d, "tcpterm-deadmap_12", PAGE));
	close(make(d, "otherprefixmap_1", PAGE + 1));     /* part of a page is a page */
	assert_int_equal(tt_eal_stale_hugepages(d->path, PAGE), 3 + 1 + 2);
	/* With 1 GB pages the same bytes are 3 pages (rounded up each). */
	assert_int_equal(tt_eal_stale_hugepages(d->path, 1u << 30), 3);
}

/* A live process's files: it holds a flock (shared, as EAL's memalloc takes it, or not). */
static void
test_locked_files_do_not_count(void **state)
{
	struct dir *d = *state;
	int fd;

	fd = make(d, "livemap_0", 4 * (off_t)PAGE);
	assert_int_equal(flock(fd, LOCK_SH), 0);
	d->held[d->n_held++] = fd;
	fd = make(d, "livemap_1", 2 * (off_t)PAGE);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	d->held[d->n_held++] = fd;
	close(make(d, "deadmap_0", (off_t)PAGE));
	assert_int_equal(tt_eal_stale_hugepages(d->path, PAGE), 1);
	/* The holder goes: its files are stale now. */
	close(d->held[--d->n_held]);
	close(d->held[--d->n_held]);
	assert_int_equal(tt_eal_stale_hugepages(d->path, PAGE), 1 + 4 + 2);
}

/*
 * Only what EAL looks at: names matching *map_*, regular files; a POSIX (fcntl) lock is not
 * the flock EAL tests, so EAL deletes such a file and so it counts.
 */
static void
test_what_eal_looks_at(void **state)
{
	struct dir *d = *state;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char p[128];
	int fd;

	close(make(d, "notes.txt", 8 * (off_t)PAGE));
	close(make(d, "rtemap", 8 * (off_t)PAGE));          /* no "map_" */
	snprintf(p, sizeof(p), "%s/dirmap_0", d->path);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/linkmap_0", d->path);
	assert_int_equal(symlink("notes.txt", p), 0);
	assert_int_equal(tt_eal_stale_hugepages(d->path, PAGE), 0);
	fd = make(d, "posixmap_0", (off_t)PAGE);
	assert_int_equal(fcntl(fd, F_SETLK, &fl), 0);
	d->held[d->n_held++] = fd;
	assert_int_equal(tt_eal_stale_hugepages(d->path, PAGE), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_files_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_files_do_not_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_what_eal_looks_at, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
