#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""workers (SPEC Q6, R4, DESIGN "Ownership"): two workers (-l 0-1) on one TAP port, left
unsteered (--rss 0; test_rss.py covers steering): the kernel spreads flows over the TAP's
two queues by its own hash, tcpterm owns each flow by a keyed hash of its own, so segments
that land on the other worker's queue are handed over through its inbox. Checked:

  - /tcpterm/listeners: each worker has its own accept and SYN queues (per-worker entries,
    Send-Q = min(backlog, somaxconn) each) and the listener's figures are their sums;
  - wrk with "Connection: close" (bounded, 3 s): no errors; both workers open connections
    (PassiveOpens of /tcpterm/stats,0 and ,1 both > 0) and together as many as the total;
  - segments were handed over (EthHandoffs > 0: the kernel's choice of queue is not
    tcpterm's owner), none was lost in hand-over (EthHandoffDrops 0), none was bad, nothing
    is left open.
"""
import re

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log

PORT = 80
BACKLOG = 6
SECONDS = 3
CONNS = 10


def test():
    chk = Checks()
    ns = ttlib.Netns('wk')
    tt = ttlib.Tcpterm(ns, 'wk', ['--listen', str(PORT), '--app', 'http', '--backlog',
                                  str(BACKLOG), '--max-syn-backlog', '32', '--time-wait', '2',
                                  '--rss', '0'])
    tt.eal[tt.eal.index('-l') + 1] = '0-1'
    tt.start()

    lst = ttlib.telemetry(tt.prefix, '/tcpterm/listeners')
    chk.check(isinstance(lst, dict) and str(PORT) in lst, f'/tcpterm/listeners has {PORT}',
              repr(lst))
    l80 = lst[str(PORT)]
    ws = l80.get('workers', {})
    chk.check(sorted(ws) == ['0', '1'], f'two per-worker entries ({sorted(ws)})')
    chk.check(all(w['send_q'] == BACKLOG and w['syn_q_max'] == 32 for w in ws.values()),
              f'each worker: Send-Q {BACKLOG}, SYN queue capacity 32', repr(ws))
    chk.check(l80['send_q'] == 2 * BACKLOG and l80['syn_q_max'] == 64,
              f'listener totals are the sums: Send-Q {l80["send_q"]}, syn_q_max '
              f'{l80["syn_q_max"]}')

    w0 = ttlib.telemetry(tt.prefix, '/tcpterm/stats,0')
    w1 = ttlib.telemetry(tt.prefix, '/tcpterm/stats,1')
    total0 = tt.stats()
    r = ns.run(['timeout', str(SECONDS + 10), 'wrk', '-t1', f'-c{CONNS}', f'-d{SECONDS}s',
                '--timeout', '2s', '-H', 'Connection: close', f'http://{ttlib.ADDR}:{PORT}/'],
               capture_output=True, text=True)
    log(r.stdout.rstrip())
    chk.check(r.returncode == 0, f'wrk exits 0 ({r.returncode})')
    chk.check(not re.search(r'Socket errors|Non-2xx', r.stdout), 'wrk: no errors')
    m = re.search(r'^\s*(\d+) requests in', r.stdout, re.M)
    reqs = int(m.group(1)) if m else 0
    chk.check(reqs > 0, f'{reqs} requests completed')
    ttclient.wait_settled(tt, 3.0)
    a0 = ttlib.telemetry(tt.prefix, '/tcpterm/stats,0')
    a1 = ttlib.telemetry(tt.prefix, '/tcpterm/stats,1')
    total = tt.stats()
    o0 = a0['PassiveOpens'] - w0['PassiveOpens']
    o1 = a1['PassiveOpens'] - w1['PassiveOpens']
    ot = total['PassiveOpens'] - total0['PassiveOpens']
    log(f'PassiveOpens: worker 0 +{o0}, worker 1 +{o1}, total +{ot}')
    chk.check(o0 > 0 and o1 > 0, f'both workers own connections (+{o0}, +{o1})')
    chk.check(o0 + o1 == ot, f'per-worker opens add up to the total ({o0} + {o1} = {ot})')
    chk.check(ot >= reqs, f'one connection per request at least ({ot} >= {reqs})')
    handed = total['EthHandoffs'] - total0['EthHandoffs']
    chk.check(handed > 0, f'segments handed over to their owner ({handed})')
    chk.check(total['EthHandoffDrops'] == 0, f'no hand-over drops ({total["EthHandoffDrops"]})')
    chk.check(total['InErrs'] == total0['InErrs'], 'no bad segments')
    c = ttclient.wait_settled(tt, 3.0)
    chk.check(not ttclient.busy(c), 'nothing left open or closing', repr(c))
    ttclient.check_alive(chk, ns, tt)
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
