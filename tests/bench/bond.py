#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Benchmark (never part of the test suites): what DPDK's net_bonding costs tcpterm per
connection (issue 10 item 2). tcpterm and tcpterm-gen each in a network namespace of their
own, joined by two veth pairs (a0/a1, b0/b1), AF_PACKET ports on them; the same cps load at a
fixed rate through each link setup:

  plain    no bond: tcpterm and gen on a0 and a1 alone
  ab       active-backup (mode 1) over both pairs
  lacp     802.3ad (mode 4) with layer 3+4 hashing over both pairs; gen waits for LACP

    tests/bench/bond.py [--rate N] [--duration S] [SETUP...]

For each setup one readable line and one JSON line: tcpterm's busy share over gen's run and
its busy cycles per connection (/tcpterm/workers), gen's completed connections and errors.
At a fixed rate the busy share is the cost; AF_PACKET's system calls dominate it, and the
difference between setups is the bond's. gen on CPU 0, tcpterm on CPU 1 (TT_GEN_LCORE,
TT_SRV_LCORE override). Run as root after a build.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration'))
import ttlib  # noqa: E402

TCPTERM = os.environ.get('TCPTERM', os.path.join(ROOT, 'build', 'app', 'tcpterm'))
GEN = os.environ.get('TCPTERM_GEN', os.path.join(ROOT, 'build', 'app', 'tcpterm-gen'))
GEN_LCORE = os.environ.get('TT_GEN_LCORE', '0')
SRV_LCORE = os.environ.get('TT_SRV_LCORE', '1')
SETUPS = ('plain', 'ab', 'lacp')


def vdevs(setup, ifs):
    if setup == 'plain':
        return [f'--vdev=net_af_packet0,iface={ifs[0]}']
    mode = '4,xmit_policy=l34' if setup == 'lacp' else '1'
    return [f'--vdev=net_af_packet{i},iface={x}' for i, x in enumerate(ifs)] + \
        [f'--vdev=net_bonding0,mode={mode},slave=net_af_packet0,slave=net_af_packet1']


def cycles(prefix):
    w = ttlib.telemetry(prefix, '/tcpterm/workers') or {}
    return (sum(v['busy_cycles'] for v in w.values()),
            sum(v['total_cycles'] for v in w.values()))


def run(setup, rate, duration):
    ns, gns = ttlib.Netns(f'bb{setup}'), ttlib.Netns(f'bg{setup}')
    for x in ('a', 'b'):
        ns.run(['ip', 'link', 'add', f'{x}0', 'type', 'veth', 'peer', 'name', f'{x}1',
                'netns', gns.name], check=True)
        ns.run(['ip', 'link', 'set', f'{x}0', 'up'], check=True)
        gns.run(['ip', 'link', 'set', f'{x}1', 'up'], check=True)
    pid = os.getpid()
    prefix, gprefix = f'ttbbs{setup}{pid}', f'ttbbg{setup}{pid}'
    log = open(f'/tmp/tt-bench-bond-{setup}-{pid}.log', 'w+')
    srv = subprocess.Popen(ns.argv([TCPTERM, '-l', SRV_LCORE, '--no-pci', '--no-huge', '-m', '512',
                                    '--file-prefix', prefix] + vdevs(setup, ['a0', 'b0']) +
                                   ['--', '--addr', '198.18.11.1/24', '--kernel-addr', 'none',
                                    '--quiet', '--listen', '80', '--app', 'http',
                                    '--http-body', '14']),
                           stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 20
        while not ttlib.telemetry_up(prefix):
            if srv.poll() is not None or time.monotonic() > end:
                log.seek(0)
                raise SystemExit(f'tcpterm did not come up:\n{log.read()[-2000:]}')
            time.sleep(0.05)
        g = subprocess.Popen(gns.argv([GEN, '-l', GEN_LCORE, '--no-pci', '--no-huge', '-m', '512',
                                       '--file-prefix', gprefix] + vdevs(setup, ['a1', 'b1']) +
                                      ['--', '--addr', '198.18.11.2/24', '--target',
                                       '198.18.11.1:80', '--rate', str(rate), '--duration',
                                       str(duration), '--quiet']),
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        # The server's cycles from its first second of load to one before gen's end: gen's
        # link wait (LACP: seconds) and drain left out.
        c0 = cycles(prefix)
        while g.poll() is None and cycles(prefix)[0] - c0[0] < 1e6:
            time.sleep(0.05)
        time.sleep(1.0)
        w0, s0 = cycles(prefix), ttlib.telemetry(prefix, '/tcpterm/stats')
        time.sleep(max(duration - 2.5, 1.0))
        w1, s1 = cycles(prefix), ttlib.telemetry(prefix, '/tcpterm/stats')
        out, err = g.communicate(timeout=duration + 60)
        lines = out.strip().splitlines()
        if g.returncode != 0 or not lines or not lines[-1].startswith('{'):
            raise SystemExit(f'{setup}: gen exited {g.returncode}: {err[-1500:]}')
        summary = json.loads(lines[-1])
    finally:
        if srv.poll() is None:
            srv.send_signal(2)
            try:
                srv.wait(10)
            except subprocess.TimeoutExpired:
                srv.kill()
        subprocess.run(['rm', '-rf', os.path.join(ttlib.RUN_DIR, prefix),
                        os.path.join(ttlib.RUN_DIR, gprefix)])
        ns.delete()
        gns.delete()
        os.unlink(log.name)
    conns = s1['PassiveOpens'] - s0['PassiveOpens']
    busy = (w1[0] - w0[0]) / max(w1[1] - w0[1], 1)
    c = summary['connections']
    r = {'bench': 'bond', 'setup': setup, 'rate': rate, 'duration_s': duration,
         'completed': c['completed'], 'attempted': c['attempted'],
         'errors': summary['errors_total'], 'server_busy': round(busy, 4),
         'server_cycles_per_conn': round((w1[0] - w0[0]) / conns) if conns else None,
         'window_conns': conns}
    print(f'bond {setup:5}: {c["completed"]}/{c["attempted"]} connections at {rate}/s, '
          f'errors {summary["errors_total"]}; tcpterm busy {busy:.1%}, '
          f'{r["server_cycles_per_conn"]} cycles/conn over {conns} connections')
    print(json.dumps(r), flush=True)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--rate', type=int, default=3000)
    ap.add_argument('--duration', type=int, default=8)
    ap.add_argument('setups', nargs='*', default=list(SETUPS))
    a = ap.parse_args()
    for s in a.setups:
        if s not in SETUPS:
            raise SystemExit(f'unknown setup {s} (want {", ".join(SETUPS)})')
    for s in a.setups:
        run(s, a.rate, a.duration)


if __name__ == '__main__':
    main()
