#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
TSO against none (a benchmark, never part of the test suites; issue 7): a kernel client
downloads a body from tcpterm's http app over the TAP, with TSO on and off in alternate
runs, in the same session.

    tests/bench/tso_download.py [--mib 256] [--runs 3] [--tcpterm PATH]

net_tap's segmentation is DPDK's GSO in software, which counts the Ethernet header against
the MTU: both variants run with --mtu 1486 (MSS 1434 with timestamps) so the TAP can take
TSO, and only --tso differs. For each run: wall time of the download (curl to /dev/null),
goodput, and from /tcpterm/workers the worker's busy cycles during it, so the figure that
matters on a machine whose kernel client shares the CPUs: cycles tcpterm spent per MiB.
One readable line per run and a JSON summary. Root needed.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration'))
os.environ.setdefault('TT_SOURCE_ROOT', ROOT)

import ttclient  # noqa: E402
import ttlib  # noqa: E402

MIB = 1 << 20


def worker_cycles(tt):
    ws = ttlib.telemetry(tt.prefix, '/tcpterm/workers') or {}
    busy = sum(v.get('busy_cycles', 0) for v in ws.values())
    total = sum(v.get('total_cycles', 0) for v in ws.values())
    return busy, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mib', type=int, default=256)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--tcpterm')
    a = ap.parse_args()
    if a.tcpterm:
        os.environ['TCPTERM'] = a.tcpterm
    results = []

    def body():
        ns = ttlib.Netns('tsob')
        n = a.mib * MIB
        for r in range(a.runs):
            for tso in (1, 0):
                tt = ttlib.Tcpterm(ns, f'tb{tso}{r}', ['--listen', '80', '--app', 'http',
                                                       '--http-body', str(n), '--mtu', '1486',
                                                       '--tso', str(tso)]).start()
                b0, t0c = worker_cycles(tt)
                t0 = time.monotonic()
                rc, code, size, _, err = ttclient.curl(ns, f'http://{ttlib.ADDR}/',
                                                       timeout=120)
                dt = time.monotonic() - t0
                b1, t1c = worker_cycles(tt)
                st = tt.stats()
                tt.stop()
                busy = (b1 - b0) / max(t1c - t0c, 1)
                res = {'tso': tso, 'run': r, 'ok': rc == 0 and size == n, 'seconds': dt,
                       'mib_s': n / dt / MIB, 'busy': busy,
                       'cycles_per_mib': (b1 - b0) / a.mib, 'out_segs': st['OutSegs'],
                       'tso_bursts': st['TsoBursts'], 'retrans': st['RetransSegs']}
                results.append(res)
                print(f'tso {tso} run {r}: {a.mib} MiB in {dt:.2f} s ({res["mib_s"]:.0f} '
                      f'MiB/s), busy {100 * busy:.0f}%, {res["cycles_per_mib"] / 1e6:.2f} M '
                      f'cycles/MiB, {st["OutSegs"]} segments in {st["TsoBursts"]} bursts, '
                      f'{st["RetransSegs"]} retransmissions{"" if res["ok"] else " FAILED: " + err}',
                      flush=True)
        ns.delete()
        summary = {}
        for tso in (1, 0):
            rs = [x for x in results if x['tso'] == tso and x['ok']]
            if rs:
                summary[f'tso{tso}'] = {
                    'best_mib_s': max(x['mib_s'] for x in rs),
                    'median_cycles_per_mib': sorted(x['cycles_per_mib'] for x in rs)[len(rs) // 2]}
        print(json.dumps({'bench': 'tso_download', 'mib': a.mib, 'summary': summary,
                          'results': results}))

    ttlib.run(body)


if __name__ == '__main__':
    main()
