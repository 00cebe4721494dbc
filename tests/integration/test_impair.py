#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""impair (issue 7): the impairment layer on a TAP port, the kernel pinging through it.

  --impair-rx loss=100% --impair-seed 7   nothing reaches the stack (EthInFrames still; the
                                           kernel's ARP requests are what is lost),
                                           ImpairRxLoss counts every frame; tcpterm-ctl
                                           impair shows the seed and the specification
  tcpterm-ctl impair rx none               pings answered again, at run time
  tcpterm-ctl impair tx delay=50ms         every answer at least 50 ms late (ImpairTxDelayed)
  tcpterm-ctl impair tx loss=1             exit 2, one line naming the effect; nothing changed
  tcpterm-ctl impair rx 3:loss=1%          exit 2: no port 3
  tcpterm-ctl impair rx corrupt=100%       no echo answered: each damaged request dropped and
                                           counted by IPv4 or ICMP (no reply to a bad frame)
  [impair] tx = delay=20ms in a config file, and --impair-rx 1:loss=1% naming a port tcpterm
  does not have (one line, exit 1 at start).
"""
import os
import re
import subprocess
import tempfile

import ttlib
from ttlib import expect, log

# Counters under which IPv4 and ICMP drop a damaged datagram, once each (as on Linux, a bad
# checksum counts in IpExtInCsumErrors and IpInHdrErrors, in IcmpInCsumErrors and
# IcmpInErrors: the second of each pair is the one summed).
DROPS = ('IpInHdrErrors', 'IpInAddrErrors', 'IpInUnknownProtos', 'IpReasmReqds',
         'IcmpInErrors', 'IcmpInOther')
SUBSETS = ('IpExtInCsumErrors', 'IcmpInCsumErrors')


def ctl(tt, *args):
    return subprocess.run([ttlib.TCPTERM_CTL, '--file-prefix', tt.prefix] + list(args),
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=10)


def ping(ns, n, interval=0.05):
    """(received, rtt min ms or None) of n pings to tcpterm."""
    r = ns.run(['ping', '-n', '-q', '-c', str(n), '-i', str(interval), '-W', '1', ttlib.ADDR],
               capture_output=True, text=True)
    m = re.search(r'(\d+) received', r.stdout)
    rtt = re.search(r'= ([\d.]+)/', r.stdout)
    return (int(m.group(1)) if m else -1), (float(rtt.group(1)) if rtt else None)


def test():
    if not ttlib.TCPTERM_CTL or not os.access(ttlib.TCPTERM_CTL, os.X_OK):
        log(f'SKIP: tcpterm-ctl is not built (TCPTERM_CTL={ttlib.TCPTERM_CTL!r})')
        return ttlib.SKIP
    ns = ttlib.Netns('imp')
    tt = ttlib.Tcpterm(ns, 'imp', ['--impair-rx', 'loss=100%', '--impair-seed', '7']).start()

    s0 = tt.stats()
    got, _ = ping(ns, 5)
    s1 = tt.stats()
    lost = s1['ImpairRxLoss'] - s0['ImpairRxLoss']
    expect(got == 0 and lost >= 1 and s1['EthInFrames'] == s0['EthInFrames'],
           f'rx loss=100%: {got} pings answered, ImpairRxLoss +{lost}, EthInFrames '
           f'+{s1["EthInFrames"] - s0["EthInFrames"]}')
    log(f'ok: rx loss=100%: no ping answered, ImpairRxLoss +{lost}, the stack saw nothing')

    r = ctl(tt, 'impair')
    expect(r.returncode == 0 and 'seed 7' in r.stdout and
           re.search(r'^port 0\s+rx loss=100%\s+tx none$', r.stdout, re.M),
           f'tcpterm-ctl impair: exit {r.returncode}\n{r.stdout}{r.stderr}')
    log(f'ok: tcpterm-ctl impair: {r.stdout.strip()!r}')

    r = ctl(tt, 'impair', 'rx', 'none')
    expect(r.returncode == 0 and re.search(r'^port 0\s+rx none\s+tx none$', r.stdout, re.M),
           f'tcpterm-ctl impair rx none: exit {r.returncode}\n{r.stdout}{r.stderr}')
    got, rtt = ping(ns, 5)
    expect(got == 5, f'after "impair rx none": {got} of 5 pings answered')
    log(f'ok: impair rx none at run time: 5 of 5 answered (rtt min {rtt} ms)')

    s0 = tt.stats()
    r = ctl(tt, 'impair', 'tx', 'delay=50ms')
    expect(r.returncode == 0, f'impair tx delay=50ms: exit {r.returncode}: {r.stderr}')
    got, rtt = ping(ns, 5, interval=0.2)
    s1 = tt.stats()
    delayed = s1['ImpairTxDelayed'] - s0['ImpairTxDelayed']
    expect(got == 5 and rtt is not None and rtt >= 50.0 and delayed >= 5,
           f'tx delay=50ms: {got} of 5 answered, rtt min {rtt} ms, ImpairTxDelayed +{delayed}')
    log(f'ok: tx delay=50ms: 5 of 5 answered, rtt min {rtt} ms, ImpairTxDelayed +{delayed}')

    r = ctl(tt, 'impair', 'tx', 'loss=1')
    err = r.stderr.strip().splitlines()
    expect(r.returncode == 2 and len(err) == 1 and 'loss=1' in err[0] and 'percentage' in err[0],
           f'impair tx loss=1: exit {r.returncode}, stderr {err}')
    r2 = ctl(tt, 'impair')
    expect(re.search(r'^port 0\s+rx none\s+tx delay=50ms$', r2.stdout, re.M),
           f'a refused specification changed something:\n{r2.stdout}')
    log(f'ok: bad specification refused, nothing changed: {err[0]}')

    r = ctl(tt, 'impair', 'rx', '3:loss=1%')
    err = r.stderr.strip().splitlines()
    expect(r.returncode == 2 and len(err) == 1 and 'no such port' in err[0],
           f'impair rx 3:loss=1%: exit {r.returncode}, stderr {err}')
    log(f'ok: a port tcpterm lacks: {err[0]}')

    ctl(tt, 'impair', 'tx', 'none')
    ping(ns, 2)               # the neighbour entries stay fresh: no ARP in what follows
    r = ctl(tt, 'impair', 'rx', 'corrupt=100%')
    expect(r.returncode == 0, f'impair rx corrupt=100%: exit {r.returncode}: {r.stderr}')
    s0 = tt.stats()
    got, _ = ping(ns, 20, interval=0.02)
    s1 = tt.stats()
    d = {k: s1[k] - s0[k] for k in DROPS + SUBSETS + ('ImpairRxCorrupt', 'IcmpOutEchoReps')}
    dropped = sum(d[k] for k in DROPS)
    expect(got == 0 and d['IcmpOutEchoReps'] == 0 and d['ImpairRxCorrupt'] >= 20 and
           dropped == d['ImpairRxCorrupt'],
           f'rx corrupt=100%: {got} answered, counters {d}')
    log(f'ok: rx corrupt=100%: 0 of 20 answered; each of {d["ImpairRxCorrupt"]} damaged frames '
        f'dropped and counted ({ {k: v for k, v in d.items() if v and k not in ("ImpairRxCorrupt",)} })')
    ctl(tt, 'impair', 'rx', 'none')
    rc = tt.stop()
    expect(rc == 0, f'tcpterm exited {rc} on SIGINT')

    with tempfile.NamedTemporaryFile('w', suffix='.conf') as f:
        f.write('[impair]\ntx = delay=20ms\n')
        f.flush()
        tt = ttlib.Tcpterm(ns, 'imf', ['--config', f.name]).start()
        got, rtt = ping(ns, 3, interval=0.2)
        expect(got == 3 and rtt is not None and rtt >= 20.0,
               f'[impair] tx = delay=20ms: {got} of 3 answered, rtt min {rtt} ms')
        log(f'ok: config file [impair] tx = delay=20ms: rtt min {rtt} ms')
        tt.stop()

    tt = ttlib.Tcpterm(ns, 'imb', ['--impair-rx', '1:loss=1%'])
    tt.start(wait=False)
    try:
        rc = tt.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        raise ttlib.TestFailure('tcpterm with --impair-rx 1:loss=1% on one port did not exit')
    lines = [ln for ln in tt.output().splitlines() if 'no port 1' in ln]
    expect(rc != 0 and len(lines) == 1, f'--impair-rx 1:... on one port: exit {rc}, output:\n'
           + tt.output())
    log(f'ok: an impairment for a port tcpterm lacks: exit {rc}, {lines[0].strip()!r}')


if __name__ == '__main__':
    ttlib.run(test)
