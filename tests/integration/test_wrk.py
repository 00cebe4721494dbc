#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""wrk (SPEC O2 app http, F1, counters section): Debian's wrk, run by the kernel of the
test's namespace against tcpterm --app http, bounded (2 threads, 20 connections, 10 s as issue 3 asks):

  keep-alive            no "Socket errors" / "Non-2xx" line, requests > 0, and PassiveOpens
                        moves by no more than the connections (+1: wrk.resolve() probes the
                        address with a connect of its own, +2 slack for reconnects);
  Connection: close     the same error check, and PassiveOpens moves by at least wrk's
                        completed requests and at most requests + connections + 1 (one
                        connection per request; each connection may have had its request in
                        flight when wrk stopped).

After each run no connection is left open or closing on tcpterm (a keep-alive run ends with
the client's FINs or RSTs, a Connection: close run leaves only TIME_WAIT), and afterwards
tcpterm answers ping (D8). Prints requests/s and connections/s."""
import re
import time

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log

PORT = 80
THREADS = 2
CONNS = 20
SECONDS = 10


def parse_wrk(out):
    m = re.search(r'^\s*(\d+) requests in ([\d.]+)(m?s|m)\b', out, re.M)
    if not m:
        return None, None
    secs = float(m.group(2)) * {'s': 1, 'ms': 0.001, 'm': 60}[m.group(3)]
    return int(m.group(1)), secs


def run_wrk(chk, ns, tt, what, extra):
    before = tt.stats()
    t0 = time.monotonic()
    r = ns.run(['timeout', str(SECONDS + 10), 'wrk', f'-t{THREADS}', f'-c{CONNS}',
                f'-d{SECONDS}s', '--timeout', '2s'] + extra + [f'http://{ttlib.ADDR}:{PORT}/'],
               capture_output=True, text=True)
    wall = time.monotonic() - t0
    c = ttclient.wait_settled(tt, 3.0)
    after = tt.stats()
    d = ttclient.delta(after, before, ('PassiveOpens', 'EstabResets', 'RetransSegs',
                                       'OutRsts', 'ListenDrops', 'TCPTimeWaitOverflow'))
    log(f'--- wrk {what} (exit {r.returncode}, {wall:.1f} s):\n{r.stdout.rstrip()}\n'
        f'{r.stderr.rstrip()}')
    chk.check(r.returncode == 0, f'{what}: wrk exits 0 ({r.returncode})')
    errs = [line.strip() for line in r.stdout.splitlines()
            if re.match(r'\s*(Socket errors|Non-2xx)', line)]
    chk.check(not errs, f'{what}: no "Socket errors" / "Non-2xx" line', '; '.join(errs))
    reqs, secs = parse_wrk(r.stdout)
    chk.check(reqs is not None, f'{what}: wrk printed "N requests in T"')
    reqs = reqs or 0
    secs = secs or SECONDS
    chk.check(reqs > 0, f'{what}: {reqs} requests completed')
    opens = d['PassiveOpens']
    log(f'FIGURES wrk {what}: {reqs} requests in {secs:.2f} s = {reqs / secs:.0f} req/s; '
        f'PassiveOpens +{opens} = {opens / secs:.0f} conn/s; counters {d}')
    chk.check(not ttclient.busy(c), f'{what}: afterwards no connection is open or closing '
              'on tcpterm', f'conns {c}')
    return reqs, opens, c, d


def test():
    chk = Checks()
    ns = ttlib.Netns('wrk')
    tt = ttlib.Tcpterm(ns, 'wrk', ['--listen', str(PORT), '--app', 'http',
                                   '--time-wait', '3']).start()
    reqs, opens, c, d = run_wrk(chk, ns, tt, 'keep-alive', [])
    chk.check(opens <= CONNS + 1 + 2, f'keep-alive: PassiveOpens +{opens} <= {CONNS} '
              'connections + 1 (wrk.resolve probe) + 2 slack')
    chk.check(opens >= CONNS, f'keep-alive: PassiveOpens +{opens} >= {CONNS} connections')

    reqs, opens, c, d = run_wrk(chk, ns, tt, 'Connection: close', ['-H', 'Connection: close'])
    chk.check(reqs <= opens <= reqs + CONNS + 1,
              f'Connection: close: requests {reqs} <= PassiveOpens +{opens} <= requests + '
              f'{CONNS} connections + 1')
    chk.check(c['TIME_WAIT'] > 0, f'Connection: close: tcpterm holds TIME_WAITs '
              f'({c["TIME_WAIT"]}; F1, tcpterm closes first)')
    chk.check(d['TCPTimeWaitOverflow'] == 0, 'Connection: close: no TCPTimeWaitOverflow '
              f'({d["TCPTimeWaitOverflow"]}) under the default max_tw_buckets')
    ttclient.check_alive(chk, ns, tt)
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
