#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""kernel_link (issue 10 item 5, SPEC O1, O7): EAL options with --no-pci and no device, as
the embedded default has, make tcpterm's own link to the kernel of its namespace:

1. kernel_link auto: a veth pair tt0 (the kernel's, with the kernel address) / tt0p, AF_XDP
   or AF_PACKET on tt0p (the log says which; not TAP on this machine); tt0's transmit
   checksum offload off (ethtool -k), its alias naming tcpterm's PID; ping, curl and a
   short wrk run (keep-alive and Connection: close) are served with no socket error.
2. SIGINT: exit 0 and the pair is gone.
3. SIGKILL leaves the pair; the next start deletes it (the log says so) and serves; a
   second tcpterm started while one runs stops with exit 2 and one line (the namespace's
   lock); a tt0 that is not a kernel link stops it with exit 2 and one line.
4. Two workers (-l 0,1): AF_XDP passed over, AF_PACKET with two queues, served.
5. kernel_link af_packet and tap force those; --kernel-link foo: exit 2, one line.
"""
import os
import re
import signal
import subprocess

import ttclient
import ttlib
from ttlib import expect, log



def start(ns, tag, extra=(), wait=True):
    tt = ttlib.Tcpterm(ns, tag, ['--listen', str(ttlib.LISTEN_PORT)] + list(extra), tap='tt0',
                       vdev=False)
    return tt.start(wait=wait)


def link_of(tt):
    m = re.search(r'kernel link: (AF_XDP|AF_PACKET|TAP)', tt.output())
    expect(m is not None, 'tcpterm did not log its kernel link:\n' + tt.output()[-2000:])
    return m.group(1)


def links(ns):
    return set(re.findall(r'^\d+: ([^:@]+)', ns.out(['ip', '-o', 'link', 'show']), re.M))


def serve_check(ns, tt, what):
    url = f'http://{ttlib.ADDR}:{ttlib.LISTEN_PORT}/'
    rc, code, _, _, err = ttclient.curl(ns, url)
    expect(rc == 0 and code == 200, f'{what}: curl: exit {rc}, HTTP {code}: {err}')
    r = ns.run(['ping', '-c', '2', '-i', '0.2', '-W', '2', ttlib.ADDR], capture_output=True,
               text=True)
    expect(r.returncode == 0, f'{what}: ping {ttlib.ADDR}: {r.stdout[-300:]}')


def wrk(ns, close):
    url = f'http://{ttlib.ADDR}:{ttlib.LISTEN_PORT}/'
    argv = ['wrk', '-t', '1', '-c', '20', '-d', '2'] + (['-H', 'Connection: close'] if close
                                                       else []) + [url]
    r = ns.run(argv, capture_output=True, text=True, timeout=30)
    m = re.search(r'Requests/sec:\s+([\d.]+)', r.stdout)
    expect(r.returncode == 0 and m and 'Socket errors' not in r.stdout and
           'Non-2xx' not in r.stdout, f'wrk{" close" if close else ""}: {r.stdout}{r.stderr}')
    return float(m.group(1))


def part_auto(ns):
    tt = start(ns, 'kl')
    kind = link_of(tt)
    expect(kind in ('AF_XDP', 'AF_PACKET'), f'kernel_link auto chose {kind}, want a veth '
           'pair (AF_XDP or AF_PACKET): the TAP is the slow fallback')
    expect({'tt0', 'tt0p'} <= links(ns), f'links in the namespace: {links(ns)}')
    addr = ns.out(['ip', '-4', '-o', 'addr', 'show', 'dev', 'tt0'])
    expect(f'{ttlib.PEER}/' in addr, f'tt0 has {addr.strip()!r}, want {ttlib.PEER}')
    k = ns.out(['ethtool', '-k', 'tt0'])
    expect(re.search(r'^tx-checksumming: off', k, re.M),
           'tt0 still offloads its transmit checksum: '
           + next((ln for ln in k.splitlines() if ln.startswith('tx-checksumming')), '?'))
    alias = ns.out(['cat', '/sys/class/net/tt0/ifalias']).strip()
    expect(alias == 'tcpterm kernel link', f'tt0 alias {alias!r}')
    serve_check(ns, tt, kind)
    ka, close = wrk(ns, False), wrk(ns, True)
    log(f'ok: kernel_link auto: {kind} on a veth pair, tt0 {ttlib.PEER}, tx-checksumming off, '
        f'alias {alias!r}; ping, curl; wrk keep-alive {ka:.0f} req/s, close {close:.0f} req/s, '
        'no errors')
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    expect(not ({'tt0', 'tt0p'} & links(ns)), f'after SIGINT the pair is still there: {links(ns)}')
    ino = ns.out(['stat', '-L', '-c', '%i', '/proc/self/ns/net']).strip()
    lock = f'/run/tcpterm/kernel-link-{ino}.lock'
    expect(not os.path.exists(lock), f'after SIGINT the namespace\'s lock file {lock} is left')
    log('ok: SIGINT: exit 0, tt0 and tt0p gone, no lock file left')
    return kind


def part_stale(ns):
    tt = start(ns, 'kl')
    tt.proc.send_signal(signal.SIGKILL)
    tt.proc.wait(timeout=10)
    expect('tt0' in links(ns), 'the pair went with a SIGKILLed tcpterm: nothing to test')
    tt2 = start(ns, 'kl2')
    expect('tt0: a kernel link left by a tcpterm that died: deleted' in tt2.output(),
           'restart after SIGKILL did not say it deleted the dead one\'s pair:\n'
           + tt2.output()[-1500:])
    serve_check(ns, tt2, 'after a stale pair')
    log('ok: SIGKILL left the pair; the next start deleted it and serves')

    third = start(ns, 'kl3', wait=False)
    rc = third.proc.wait(timeout=30)
    lines = [ln for ln in third.output().splitlines() if 'tt0' in ln and 'tcpterm:' in ln]
    expect(rc == 2 and len(lines) == 1 and 'another tcpterm holds' in lines[0],
           f'a second tcpterm beside a running one: exit {rc}, lines {lines}')
    log(f'ok: a second start while one runs: exit 2, {lines[0].strip()!r}')
    expect(tt2.stop() == 0, f'tcpterm exited {tt2.rc} on SIGINT')

    ns.run(['ip', 'link', 'add', 'tt0', 'type', 'veth', 'peer', 'name', 'ttforeign'], check=True)
    fourth = start(ns, 'kl4', wait=False)
    rc = fourth.proc.wait(timeout=30)
    lines = [ln for ln in fourth.output().splitlines() if 'tt0' in ln and 'tcpterm:' in ln]
    ns.run(['ip', 'link', 'del', 'tt0'])
    expect(rc == 2 and len(lines) == 1 and 'not a tcpterm kernel link' in lines[0],
           f'a foreign tt0: exit {rc}, lines {lines}')
    log(f'ok: a foreign tt0: exit 2, {lines[0].strip()!r}')


def part_two_workers(ns):
    """Two workers: AF_XDP passed over (the veth has one queue), AF_PACKET with two."""
    tt = ttlib.Tcpterm(ns, 'kl2w', ['--listen', str(ttlib.LISTEN_PORT)], tap='tt0', vdev=False)
    tt.eal[tt.eal.index('-l') + 1] = '0,1'
    tt.start()
    kind = link_of(tt)
    queues = re.search(r'interface tt0p \(kernel side tt0\)\): (\d+) queues', tt.output())
    expect(kind == 'AF_PACKET' and queues and queues.group(1) == '2',
           f'two workers: {kind}, queues {queues.group(1) if queues else None}')
    for _ in range(6):
        serve_check(ns, tt, 'two workers')
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    log('ok: two workers: AF_PACKET with two queues, curl and ping served, stopped cleanly')


def part_forced(ns):
    for mode, kind in (('af_packet', 'AF_PACKET'), ('tap', 'TAP')):
        tt = start(ns, f'kl{mode[:3]}', ['--kernel-link', mode])
        got = link_of(tt)
        expect(got == kind, f'--kernel-link {mode}: {got}')
        serve_check(ns, tt, mode)
        expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
        log(f'ok: --kernel-link {mode}: {kind}, served')
    r = subprocess.run([ttlib.TCPTERM, '--', '--kernel-link', 'foo'], capture_output=True,
                       text=True, timeout=30)
    err = r.stderr.strip()
    expect(r.returncode == 2 and '\n' not in err and 'af_packet' in err,
           f'--kernel-link foo: exit {r.returncode}, {err!r}')
    log(f'ok: --kernel-link foo refused: {err}')


def test():
    ns = ttlib.Netns('klink')
    kind = part_auto(ns)
    part_stale(ns)
    part_two_workers(ns)
    part_forced(ns)
    ns.delete()
    log(f'ok: kernel link {kind} by default, with its fallbacks and its leftovers handled')
    return 0


if __name__ == '__main__':
    ttlib.run(test)
