#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""dumpcap (SPEC O6, O1, O7's "leaves nothing behind"): live capture with DPDK's own
dpdk-dumpcap, a secondary process that attaches to tcpterm's hugepage memory, so tcpterm
runs WITH hugepages here: EAL options -l N --no-pci -m 256 --file-prefix P
--vdev=net_tap0,iface=T --base-virtaddr 0x200000000000 (no --no-huge). Skipped (77) when
fewer than 128 2 MB hugepages are free or dpdk-dumpcap is not installed.

  1. tcpterm --app http on 80 is up and its hugepage files (<hugetlbfs>/Pmap_*) exist.
  2. timeout 30 dpdk-dumpcap --file-prefix=P -i 0 -c 200 -w FILE.pcapng, started and
     capturing (its "Packets captured" progress line); curl (the namespace's kernel) fetches
     http://ADDR/; dumpcap is then stopped with SIGINT (through timeout, by PID) and exits 0.
  3. tcpdump -r FILE shows the documents' walk-through for curl's connection, in order:
     client [S], tcpterm [S.], client [.], client [P.] (the request), tcpterm [P.] (the
     answer), and an [F.] from each side.
  4. tcpterm stops on SIGINT with exit 0, and leaves nothing: no hugepage file named P*map_*
     in any hugetlbfs mount, no /var/run/dpdk/P."""
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log

PORT = 80
PAGES = 128                     # -m 256 in 2 MB pages
BASE_VA = '0x200000000000'
DUMPCAP = shutil.which('dpdk-dumpcap') or '/usr/bin/dpdk-dumpcap'


def free_2m_pages():
    try:
        with open('/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages') as f:
            return int(f.read())
    except (OSError, ValueError):
        return 0


def hugetlbfs_mounts():
    out = []
    with open('/proc/mounts') as f:
        for line in f:
            parts = line.split()
            if len(parts) > 2 and parts[2] == 'hugetlbfs':
                out.append(parts[1])
    return out


def hugepage_files(prefix):
    """Files named <prefix>map_* in every hugetlbfs mount (EAL's naming)."""
    out = []
    for d in hugetlbfs_mounts():
        try:
            out += [os.path.join(d, n) for n in os.listdir(d)
                    if n.startswith(prefix) and n[len(prefix):].startswith('map_')]
        except OSError:
            pass
    return out


def wait_output(proc, needle, timeout):
    """Read proc's stdout (unbuffered) until needle appears or timeout; what was read."""
    buf, end, fd = '', time.monotonic() + timeout, proc.stdout.fileno()
    while needle not in buf and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            b = os.read(fd, 4096)
            if not b:
                break
            buf += b.decode(errors='replace')
    return buf


SEG_RE = re.compile(r'IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): '
                    r'Flags \[([^\]]*)\]')


def test():
    if not os.access(DUMPCAP, os.X_OK):
        log('SKIP: dpdk-dumpcap is not installed (Debian: dpdk)')
        return ttlib.SKIP
    free = free_2m_pages()
    if free < PAGES:
        log(f'SKIP: {free} free 2 MB hugepages, this test needs {PAGES} (-m 256 with '
            'hugepages; scripts/setup.sh or echo 512 > /proc/sys/vm/nr_hugepages)')
        return ttlib.SKIP
    chk = Checks()
    ns = ttlib.Netns('dcap')
    tmp = tempfile.mkdtemp(prefix='ttdcap.')
    ttlib._cleanups.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    prefix = f'ttdcap{os.getpid()}'
    # Registered before tcpterm's own cleanup, so it runs after tcpterm has stopped: files
    # a killed tcpterm could leave (only this prefix's).
    ttlib._cleanups.append(lambda: [os.unlink(p) for p in hugepage_files(prefix)])
    tt = ttlib.Tcpterm(ns, 'dcap', ['--listen', str(PORT), '--app', 'http'], prefix=prefix)
    # A secondary process must map the primary's memory at the same addresses. EAL's first
    # hint (4 GiB) falls inside ASan's shadow region, so a sanitized tcpterm got its memory
    # near 0x7f..., where the (uninstrumented) dpdk-dumpcap has its own libraries: CI saw
    # "Cannot get a virtual area at requested address", then a second try that never
    # started. 0x200000000000 (32 TiB) is above ASan's shadow and far below where Linux
    # places mmaps, free in both processes (DPDK's multi-process guide: --base-virtaddr).
    tt.eal = [a for a in tt.eal if a != '--no-huge'] + ['--base-virtaddr', BASE_VA]
    expect_eal = ['-l', ttlib.lcore(), '--no-pci', '-m', '256', '--file-prefix', prefix,
                  f'--vdev=net_tap0,iface={tt.tap}', '--base-virtaddr', BASE_VA]
    ttlib.expect(tt.eal == expect_eal, f'EAL options {tt.eal}, want {expect_eal}')
    log(f'tcpterm EAL options: {" ".join(tt.eal)} ({free} free 2 MB hugepages before)')
    tt.start()
    files = hugepage_files(prefix)
    chk.check(len(files) > 0, f'1. tcpterm runs on hugepages: {len(files)} files '
              f'{prefix}map_* in {hugetlbfs_mounts()}')

    pcap = os.path.join(tmp, 'cap.pcapng')
    cap = None

    def stop_cap():
        if cap is not None and cap.poll() is None:
            cap.send_signal(signal.SIGINT)
            try:
                cap.wait(5)
            except subprocess.TimeoutExpired:
                cap.kill()
                cap.wait()
    ttlib._cleanups.append(stop_cap)
    # Should a collision still happen (EAL's "Cannot get a virtual area"), a fresh process
    # gets a fresh layout: up to three tries, each reported. 20 s each: a loaded machine
    # once needed more than 10 s. stdbuf: EAL logs to stdout, block-buffered in a pipe, so
    # a try that hangs would otherwise show nothing of where it stopped.
    for attempt in range(1, 4):
        cap = subprocess.Popen(['timeout', '30', 'stdbuf', '-oL', DUMPCAP,
                                f'--file-prefix={prefix}', '-i', '0',
                                '-c', '200', '-w', pcap], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        # Its progress line (stderr) says the capture runs.
        out = wait_output(cap, 'Packets captured', 20)
        if 'Packets captured' in out or 'Cannot get a virtual area' not in out:
            break
        stop_cap()
        log(f'dpdk-dumpcap try {attempt}: its address space collided with the primary\'s '
            f'memory map; trying again')
    ttlib.expect('Packets captured' in out, f'2. dpdk-dumpcap did not start capturing within 20 s '
                 f'(exit {cap.poll()}):\n{out}')
    rc, code, size, _, err = ttclient.curl(ns, f'http://{ttlib.ADDR}:{PORT}/')
    chk.check(rc == 0 and code == 200, f'2. curl through the capture: exit {rc}, HTTP {code}, '
              f'{size} bytes', err)
    time.sleep(0.5)
    cap.send_signal(signal.SIGINT)     # timeout passes it on to dpdk-dumpcap
    try:
        rest, _ = cap.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        stop_cap()
        rest = b''
    out += rest.decode(errors='replace')
    log('dpdk-dumpcap said:\n  ' + '\n  '.join(out.strip().splitlines()))
    chk.check(cap.returncode == 0, f'2. dpdk-dumpcap exits 0 on SIGINT ({cap.returncode})')

    r = subprocess.run(['tcpdump', '-nn', '-r', pcap], capture_output=True, text=True)
    lines = r.stdout.splitlines()
    log('tcpdump -r:\n  ' + '\n  '.join(lines))
    segs = []
    for line in lines:
        m = SEG_RE.search(line)
        if m and PORT in (int(m.group(2)), int(m.group(4))):
            side = 'server' if m.group(1) == ttlib.ADDR else 'client'
            segs.append((side, m.group(5)))
    want = [('client', 'S'), ('server', 'S.'), ('client', '.'), ('client', 'P.'),
            ('server', 'P.')]
    i = 0
    for s in segs:
        if i < len(want) and s == want[i]:
            i += 1
    chk.check(i == len(want), '3. the capture shows the walk-through in order: '
              + ', '.join(f'{w} [{f}]' for w, f in want),
              f'matched {i} of {len(want)}; segments {segs}; tcpdump: {r.stderr.strip()}')
    fins = {s for s, f in segs if f == 'F.'}
    chk.check(fins == {'client', 'server'}, f'3. an [F.] from each side ({sorted(fins)})')

    rc = tt.stop()
    chk.check(rc == 0, f'4. tcpterm stops with exit 0 ({rc})')
    left = hugepage_files(prefix)
    chk.check(not left, f'4. no hugepage file {prefix}map_* left', f'{left[:5]}')
    rd = os.path.join(ttlib.RUN_DIR, prefix)
    chk.check(not os.path.exists(rd), f'4. {rd} is gone',
              f'{os.listdir(rd) if os.path.isdir(rd) else rd}')
    log(f'{free_2m_pages()} free 2 MB hugepages after')
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
