#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""rss (SPEC R4, R3): two workers (-l 0-1) on one TAP port, the best multi-queue device
this machine offers. The kernel chooses the TAP queue of every frame it sends to tcpterm;
tcpterm gives the TAP a queue-selection program (tt_tap_steer.c) computing the same
Toeplitz hash and RETA as its own owner function, as it gives a NIC its RSS key and RETA.

For each value of the rss tunable, 48 short HTTP connections from the namespace's kernel:
  - rss 1 (symmetric key) and rss 2 (random key, the default): the port says "steering on",
    the owner is the Toeplitz hash, and no segment is handed over (EthHandoffs 0), while
    both workers own connections (so the steering is not "everything on queue 0");
  - rss 0: no steering, the owner is the keyed flow hash, the kernel's own queue choice puts
    first SYNs on the wrong worker: EthHandoffs > 0 and counted per receiving worker;
always: every request answered, no hand-over drops, no bad segment, nothing left open.
"""
import platform
import random
import re
import time

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log

PORT = 80
CONNS = 48


def http_conns(ns, n):
    """n sequential HTTP/1.1 requests with Connection: close; how many were answered 200.
    Each from a source port drawn at random: Linux gives sequential connects even ports a
    step of 2 apart, and with the symmetric key (rss 1) the queue bit of the Toeplitz hash
    of such a run can be one value for all 48 (seen once in a sanitizer run: 0 + 48)."""
    ok = 0
    ports = random.sample(range(20000, 60000), n)
    ns.enter()
    try:
        for port in ports:
            s = ttclient.connect(PORT, timeout=3.0, bind_port=port)
            try:
                s.sendall(f'GET / HTTP/1.1\r\nHost: {ttlib.ADDR}\r\nConnection: close\r\n\r\n'
                          .encode())
                status, _, _ = ttclient.recv_response(s, time.monotonic() + 3.0)
                ok += status.startswith('HTTP/1.1 200')
            finally:
                s.close()
    finally:
        ns.leave()
    return ok


def run_one(chk, ns, rss, tag):
    tt = ttlib.Tcpterm(ns, tag, ['--listen', str(PORT), '--app', 'http', '--rss', str(rss),
                                 '--time-wait', '1'])
    tt.eal[tt.eal.index('-l') + 1] = '0-1'
    tt.start()
    out = tt.output()
    port_line = re.search(r'^tcpterm: port 0 .*$', out, re.M)
    owner_line = re.search(r'^tcpterm: flow owner: .*$', out, re.M)
    log(port_line.group(0) if port_line else '(no port line)')
    log(owner_line.group(0) if owner_line else '(no flow owner line)')
    # A kernel without BPF or TUN steering programs cannot show it: say so, not fail.
    if rss != 0 and port_line is not None and re.search(
            r'TAP queue program not loaded: (Operation not permitted|Function not implemented)',
            port_line.group(0)):
        raise ttlib.TestSkip('this kernel does not let tcpterm load the TAP queue program')
    steering = {0: 'steering off (rss = 0)',
                1: 'steering on (TAP queue program, symmetric key)',
                2: 'steering on (TAP queue program, random key)'}[rss]
    chk.check(port_line is not None and steering in port_line.group(0),
              f'rss {rss}: the port says "{steering}"')
    # rss 0: the flow hash, AES rounds where the CPU has AES-NI (flow_hash = 1, the default).
    with open('/proc/cpuinfo') as f:
        flags = f.read().replace('\n', ' ')
    aes = platform.machine() == 'x86_64' and ' aes ' in flags
    owner = ('keyed AES rounds' if aes else 'keyed SipHash-1-3') if rss == 0 else 'Toeplitz'
    chk.check(owner_line is not None and owner in owner_line.group(0),
              f'rss {rss}: the flow owner is the {owner} hash')
    chk.check(port_line is not None and 'fast-free off' in port_line.group(0),
              f'rss {rss}: no MBUF_FAST_FREE with two workers (two pools)')

    before = [ttlib.telemetry(tt.prefix, f'/tcpterm/stats,{w}') for w in (0, 1)]
    ok = http_conns(ns, CONNS)
    chk.check(ok == CONNS, f'rss {rss}: {ok}/{CONNS} requests answered 200')
    ttclient.wait_settled(tt, 3.0)
    after = [ttlib.telemetry(tt.prefix, f'/tcpterm/stats,{w}') for w in (0, 1)]
    d = [ttclient.delta(after[w], before[w],
                        ('PassiveOpens', 'EthHandoffs', 'EthHandoffDrops', 'InErrs',
                         'EthRssHashMismatch'))
         for w in (0, 1)]
    log(f'rss {rss}: worker 0 {d[0]}, worker 1 {d[1]}')
    opens = (d[0]['PassiveOpens'], d[1]['PassiveOpens'])
    handoffs = d[0]['EthHandoffs'] + d[1]['EthHandoffs']
    chk.check(opens[0] > 0 and opens[1] > 0 and sum(opens) == CONNS,
              f'rss {rss}: both workers own connections ({opens[0]} + {opens[1]} = {CONNS})')
    if rss == 0:
        chk.check(handoffs > 0, f'rss 0: segments on the wrong queue are handed over and '
                  f'counted (EthHandoffs {handoffs})')
    else:
        chk.check(handoffs == 0, f'rss {rss}: every segment arrived on its owner\'s queue '
                  f'(EthHandoffs {handoffs})')
    chk.check(d[0]['EthHandoffDrops'] + d[1]['EthHandoffDrops'] == 0,
              f'rss {rss}: no hand-over drops')
    chk.check(d[0]['InErrs'] + d[1]['InErrs'] == 0, f'rss {rss}: no bad segments')
    chk.check(d[0]['EthRssHashMismatch'] + d[1]['EthRssHashMismatch'] == 0,
              f'rss {rss}: no NIC hash to distrust (a TAP leaves none)')
    c = ttclient.wait_settled(tt, 3.0)
    chk.check(not ttclient.busy(c), f'rss {rss}: nothing left open or closing', repr(c))
    ttclient.check_alive(chk, ns, tt)
    rc = tt.stop()
    chk.check(rc == 0, f'rss {rss}: tcpterm exits 0 ({rc})')


def test():
    chk = Checks()
    ns = ttlib.Netns('rs')
    for rss, tag in ((1, 'rs1'), (2, 'rs2'), (0, 'rs0')):
        run_one(chk, ns, rss, tag)
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
