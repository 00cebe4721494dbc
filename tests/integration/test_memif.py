#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""memif (SPEC O5, O7, O1): tcpterm on a memif port, whose peer comes and goes.

A: tcpterm on net_memif0 in the server role (a socket file in /tmp with a unique name), its
   status line on (no --quiet). B: a second tcpterm, the memif client, with --gateway set
   to A's address, so B's ARP requests and A's replies cross the link (B's own
   --kernel-addr is explicit). B runs about 2 s, is stopped, and starts again: memif resets
   A's port counters when its peer goes. Checked:
  - every status line of A parses and its rx/tx rates stay sane (below 10^6 pps, 1 Gbps)
    across the resets, with traffic seen (rx > 0) in some line, and drops never fall (O5:
    a counter that went backwards is a reset, not a 2^64 wrap);
  - neither instance speaks of a TAP device or a kernel side: a memif port has none
    (messages are driver-aware); B, told an explicit --kernel-addr, warns once that no TAP
    port takes it;
  - both stop with exit 0, and the socket file is gone afterwards;
  - an MTU memif cannot carry (--mtu 9000; memif leaves max_mtu unset, its frames are 1518
    bytes at most) is refused by tcpterm in one line naming the range, exit 2, not by
    ethdev's configure with a bare EINVAL (O7).
"""
import os
import re
import subprocess
import time

import ttlib
from ttlib import expect, log

LINE_RE = re.compile(
    r'^\[\s*([\d.]+)s\] cps ([\d.]+) estab \d+ syn_recv \d+ time_wait \d+ \| busy [\d.]+% \| '
    r'rx ([\d.]+) pps ([\d.]+) Gbps \| tx ([\d.]+) pps ([\d.]+) Gbps \| drops (\d+)\s*$')
A_ADDR, B_ADDR = '198.18.7.1', '198.18.7.2'


def memif_vdev(role, sock):
    return (f'--vdev=net_memif0,role={role},id=0,socket={sock},socket-abstract=no')


def start(ns, tag, role, sock, args, quiet, lcore):
    tt = ttlib.Tcpterm(ns, tag, args, addr=f'{A_ADDR if role == "server" else B_ADDR}/24',
                       quiet=quiet, vdev=False)
    tt.eal[1] = lcore
    tt.eal.append(memif_vdev(role, sock))
    tt.start(wait=False)
    end = time.monotonic() + 20
    while not ttlib.telemetry_up(tt.prefix):
        expect(tt.alive(), f'tcpterm {tag} exited with {tt.proc.returncode} at start:\n'
               + tt.output())
        expect(time.monotonic() < end, f'tcpterm {tag} not up after 20 s:\n' + tt.output())
        time.sleep(0.05)
    return tt


def test():
    ns = ttlib.Netns('mif')
    sock = f'/tmp/tt-memif-{os.getpid()}.sock'
    ttlib._cleanups.append(lambda: os.path.exists(sock) and os.unlink(sock))
    cpus = sorted(os.sched_getaffinity(0))
    lc_a = ttlib.lcore()
    lc_b = str(cpus[0]) if len(cpus) > 1 and str(cpus[0]) != lc_a else lc_a

    a = start(ns, 'mfa', 'server', sock, [], False, lc_a)
    outs = []
    for i in range(2):
        b = start(ns, f'mfb{i}', 'client', sock,
                  ['--gateway', A_ADDR, '--kernel-addr', '198.18.7.9/24'], True, lc_b)
        end = time.monotonic() + 15
        while b.stats()['ArpInReplies'] < 1 and time.monotonic() < end:
            time.sleep(0.05)
        expect(b.stats()['ArpInReplies'] >= 1, f'B ({i}) got no ARP reply from A over memif')
        time.sleep(1.2)
        rc = b.stop()
        expect(rc == 0, f'B ({i}) stopped with {rc}')
        outs.append(b.output())
        time.sleep(1.5)          # a status line of A after its counters were reset
    time.sleep(1.1)
    a_stats = a.stats()
    rc = a.stop()
    expect(rc == 0, f'A stopped with {rc}')
    out_a = a.output()
    log(f'A: ipackets {a_stats["ipackets"]} opackets {a_stats["opackets"]} at the end '
        '(reset with each disconnect)')

    lines = [ln for ln in out_a.splitlines() if ln.startswith('[')]
    log('A status lines:\n  ' + '\n  '.join(lines))
    parsed = [LINE_RE.match(ln) for ln in lines]
    expect(len(lines) >= 5 and all(parsed), f'{len(lines)} status lines, all parse')
    bad = [ln for ln, m in zip(lines, parsed)
           if float(m.group(3)) >= 1e6 or float(m.group(5)) >= 1e6 or
           float(m.group(4)) >= 1 or float(m.group(6)) >= 1]
    expect(not bad, 'rates absurd after a memif peer went away (a reset taken for a wrap): '
           + ' | '.join(bad))
    expect(any(float(m.group(3)) > 0 for m in parsed), 'no line shows the traffic B made')
    drops = [int(m.group(7)) for m in parsed]
    expect(drops == sorted(drops), f'drops fell: {drops}')
    log(f'ok: {len(lines)} status lines across 2 peer disconnects, rates sane, drops {drops}')

    for name, out in [('A', out_a)] + [(f'B{i}', o) for i, o in enumerate(outs)]:
        tap = [ln for ln in out.splitlines() if re.search(r'\bTAP\b|kernel side', ln) and
               not ln.startswith(' ') and 'kernel_addr ignored' not in ln]
        expect(not tap, f'{name} on memif speaks of a TAP kernel side: {tap}')
    for i, out in enumerate(outs):
        warn = [ln for ln in out.splitlines() if 'kernel_addr ignored' in ln]
        expect(len(warn) == 1, f'B{i}: --kernel-addr on memif: want one warning, got {warn}')
    log('ok: no message about a TAP kernel side on memif; the explicit --kernel-addr is '
        'reported: ' + [ln for ln in outs[0].splitlines() if 'kernel_addr ignored' in ln][0])
    expect(not os.path.exists(sock), f'{sock} left behind')
    log(f'ok: both stopped with exit 0, {sock} removed')

    pid = os.getpid()
    r = subprocess.run(ns.argv([ttlib.TCPTERM, '-l', lc_a, '--no-pci', '--no-huge', '-m', '256',
                                '--file-prefix', f'ttmfm{pid}', memif_vdev('server', sock),
                                '--', '--addr', f'{A_ADDR}/24', '--quiet', '--mtu', '9000']),
                       capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    ours = [ln for ln in r.stderr.splitlines() if ln.startswith('tcpterm:')]
    expect(r.returncode == 2 and len(ours) == 1 and
           re.search(r'mtu 9000 outside \d+\.\.1500', ours[0]) and 'Frame size' not in r.stderr,
           f'--mtu 9000 on memif: want exit 2 and one line with the range; got exit '
           f'{r.returncode}: {r.stderr.strip()[-800:]}')
    expect(not os.path.exists(sock), f'{sock} left behind by the refused start')
    log(f'ok: --mtu 9000 on memif: {ours[0]}')


if __name__ == '__main__':
    ttlib.run(test)
