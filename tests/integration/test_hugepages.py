#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""hugepages (SPEC O7): the hugepage check before EAL counts what EAL counts, never less.

A dead DPDK process leaves its page files (<prefix>map_N) in the hugetlbfs mount, holding
their pages. EAL deletes every such file nobody holds a flock() on before it counts free
pages (a live DPDK process keeps a shared flock on each of its files), so those pages are
available to a new tcpterm. The test makes the machine's free 2 MB pages run out into one
such file (tt-stale-PIDmap_0, mapped and touched page by page, then closed) and runs tcpterm
with EAL options that need hugepages (no --no-huge):
  0. first, in a private mount namespace where no hugetlbfs is mounted (free pages exist but
     EAL cannot use them): exit 2 and one line saying no hugetlbfs is mounted, instead of
     EAL's multi-line failure (runs whatever the number of free pages);
  1. while the test itself holds a flock on the file (a live owner): tcpterm refuses, exit 2,
     one line "no free hugepages" — the pages are really taken (skipped when other stale
     page files, left by others, would let EAL start anyway);
  2. once the lock is gone (a dead owner): tcpterm starts and serves (telemetry answers),
     EAL removed the stale file, and tcpterm stops with exit 0.
Taking every free page for a few seconds would starve other DPDK processes on the machine,
cases 1 and 2 are left out when more than TT_HUGE_EXHAUST_MAX (default 512) pages are free,
unless TT_HUGE_EXHAUST=1. The stale file is removed whatever happens.
"""
import fcntl
import mmap
import os
import re
import shutil
import subprocess
import time

import ttlib
from ttlib import expect, log

HP = '/sys/kernel/mm/hugepages/hugepages-2048kB'
PAGE = 2 << 20


def sysfs(name):
    with open(f'{HP}/{name}') as f:
        return int(f.read())


def available():
    """2 MB pages EAL would find free (free - reserved + overcommit headroom)."""
    return max(sysfs('free_hugepages') - sysfs('resv_hugepages'), 0) + \
        max(sysfs('nr_overcommit_hugepages') - sysfs('surplus_hugepages'), 0)


def mount_2m():
    with open('/proc/meminfo') as f:
        default = int(re.search(r'Hugepagesize:\s+(\d+) kB', f.read()).group(1)) << 10
    with open('/proc/mounts') as f:
        for line in f:
            parts = line.split()
            if len(parts) > 3 and parts[2] == 'hugetlbfs':
                m = re.search(r'pagesize=(\d+)([KMG])', parts[3])
                size = int(m.group(1)) << {'K': 10, 'M': 20, 'G': 30}[m.group(2)] if m \
                    else default
                if size == PAGE:
                    return parts[1]
    return None


def stale_others(mnt, mine):
    """Page files in mnt, other than ours, that nobody holds a flock on (EAL would free)."""
    held = set()
    with open('/proc/locks') as f:
        for line in f:
            t = line.split()
            if len(t) > 5 and t[1] == 'FLOCK':
                held.add(int(t[5].split(':')[2]))
    out = []
    for name in os.listdir(mnt):
        p = os.path.join(mnt, name)
        if 'map_' in name and p not in mine and os.path.isfile(p) and \
                os.stat(p).st_ino not in held:
            out.append(name)
    return out


def fill(path, pages):
    """A page file of `pages` 2 MB pages, every page touched, flock held; its descriptor."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    # Locked from the start, as EAL locks its own: a DPDK process starting meanwhile would
    # otherwise delete it as stale under our feet.
    fcntl.flock(fd, fcntl.LOCK_SH)
    try:
        os.ftruncate(fd, pages * PAGE)
        m = mmap.mmap(fd, pages * PAGE, mmap.MAP_SHARED)   # reserves them all, or ENOMEM
    except OSError:
        os.close(fd)
        os.unlink(path)     # an empty file of that size would pass for stale pages
        raise
    for i in range(pages):
        m[i * PAGE] = 1
    m.close()
    return fd


def test():
    mnt = mount_2m()
    if not os.path.exists(HP) or mnt is None:
        log('SKIP: no 2 MB hugepages or no hugetlbfs mount for them; tests/unit/test_eal.c '
            'checks the counting on a temporary directory')
        return ttlib.SKIP
    ns = ttlib.Netns('hp')
    pid = os.getpid()
    eal = ['-l', ttlib.lcore(), '--no-pci', '-m', '64', '--file-prefix', f'tthp{pid}',
           f'--vdev=net_tap0,iface=tthp{pid}']
    args = ['--addr', f'{ttlib.ADDR}/24', '--quiet', '--mbufs', '2047']
    # An EAL that failed (a tcpterm without the check) leaves its runtime directory.
    ttlib._cleanups.append(lambda: shutil.rmtree(os.path.join(ttlib.RUN_DIR, f'tthp{pid}'),
                                                 ignore_errors=True))

    # 0. Pages, but no hugetlbfs mount for EAL to map them from.
    if shutil.which('unshare') is None:
        log('note: case 0 skipped: no unshare(1) for a private mount namespace')
    elif available() > 0:
        umount = ('awk \'$3 == "hugetlbfs" { print $2 }\' /proc/mounts | '
                  'while read m; do umount "$m" || exit 3; done; exec "$@"')
        r = subprocess.run(ns.argv(['unshare', '-m', '--propagation', 'private', 'sh', '-c',
                                    umount, 'sh', ttlib.TCPTERM] + eal + ['--'] + args),
                           capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
        ours = [ln for ln in r.stderr.splitlines() if ln.startswith('tcpterm:')]
        others = [ln for ln in r.stderr.splitlines() if ln.strip() and ln not in ours]
        expect(r.returncode == 2 and len(ours) == 1 and 'no hugetlbfs' in ours[0] and
               not others, f'no hugetlbfs mounted: want exit 2 and one tcpterm line naming '
               f'the mount, nothing from EAL; got exit {r.returncode}:\n{r.stderr[-1500:]}')
        log(f'ok: no hugetlbfs mounted: exit 2: {ours[0]}')

    limit = int(os.environ.get('TT_HUGE_EXHAUST_MAX', '512'))
    free = available()
    if free > limit and os.environ.get('TT_HUGE_EXHAUST') != '1':
        log(f'note: cases 1-2 skipped: {free} hugepages free: taking them all would starve '
            'other DPDK processes (TT_HUGE_EXHAUST=1 forces it); tests/unit/test_eal.c '
            'checks the counting')
        return 0
    if free < 64:
        log(f'note: cases 1-2 skipped: only {free} free 2 MB hugepages, tcpterm needs 64 MB')
        return 0

    files, fds = [], []

    def cleanup():
        for fd in fds:
            os.close(fd)
        fds.clear()
        for p in files:
            if os.path.exists(p):
                os.unlink(p)
    ttlib._cleanups.append(cleanup)

    # Every free page into stale-to-be page files, while this process holds their locks.
    for i in range(4):
        n = available()
        if n == 0:
            break
        p = os.path.join(mnt, f'tt-stale-{pid}map_{i}')
        files.append(p)
        try:
            fd = fill(p, n)
        except OSError as e:        # another process took some meanwhile: try again
            log(f'note: {n} pages: {e}')
            continue
        fds.append(fd)
    held = sum(os.stat(p).st_size // PAGE for p in files if os.path.exists(p))
    expect(available() == 0, f'{available()} pages still free after taking {held}')
    log(f'took all {held} free 2 MB pages into {len(fds)} file(s) in {mnt}')

    # 1. A live owner: the pages are taken, tcpterm says so in one line.
    others = stale_others(mnt, files)
    if others:
        log(f'note: case 1 skipped: stale page files of others would let EAL start: '
            f'{others[:5]}')
    else:
        t0 = time.monotonic()
        r = subprocess.run(ns.argv([ttlib.TCPTERM] + eal + ['--'] + args), capture_output=True,
                           text=True, timeout=20, stdin=subprocess.DEVNULL)
        ours = [ln for ln in r.stderr.splitlines() if ln.startswith('tcpterm:')]
        expect(r.returncode == 2 and len(ours) == 1 and 'no free hugepages' in ours[0],
               f'pages held by a live owner: want exit 2 and one line "no free hugepages", '
               f'got exit {r.returncode}: {r.stderr.strip()[-600:]}')
        log(f'ok: live owner: exit 2 in {time.monotonic() - t0:.2f} s: {ours[0]}')

    # 2. The owner is gone: the files are stale, EAL takes their pages back.
    for fd in fds:
        os.close(fd)
    fds.clear()
    expect(available() == 0, f'{available()} pages free before tcpterm starts')
    tt = ttlib.Tcpterm(ns, 'hp', args[3:], prefix=f'tthp{pid}', tap=f'tthp{pid}')
    tt.eal = eal
    tt.start()
    left = [p for p in files if os.path.exists(p)]
    expect(not left, f'EAL did not remove the stale files {left}')
    expect(isinstance(tt.stats(), dict), 'no counters from the running tcpterm')
    rc = tt.stop()
    expect(rc == 0, f'tcpterm stopped with {rc}')
    log(f'ok: stale pages: tcpterm started on them (EAL removed {len(files)} stale file(s)), '
        f'served telemetry, stopped with exit 0')


if __name__ == '__main__':
    ttlib.run(test)
