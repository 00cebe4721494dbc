#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""loss (SPEC D2-D4; issue 7): the kernel echoes data through tcpterm's echo app while
tcpterm's impairment layer damages its port both ways (seeded, so a failure can be
replayed). Every byte must come back in order, and the counters must show the recovery that
got it there:

  none              64 MiB   the clean path, for comparison
  loss=1%           64 MiB   SACK recovery (TCPSackRecovery, TCPFastRetrans), reassembly
                             (TCPOFOQueue), retransmissions
  loss=5%           64 MiB   the same, harder: timeouts allowed, never a stall
  ge=1%/25%/50%     16 MiB   burst loss (Gilbert-Elliott, ImpairRxBurstLoss/TxBurstLoss),
                             half the frames lost in the bad state. Not all: the chain
                             moves a step per frame, not per unit of time, so when only
                             retransmissions flow, a bad state that loses every frame
                             eats one retransmission per RTO and the RTO doubles each
                             time: with ge=1%/25% (100 % in the bad state) about one run
                             in four stalled for 25 s or more, the code of the session
                             before as much as this one, and one reached the 120 s bound
                             (RFC 6298 backoff on both sides, the kernel client as stuck)
  reorder=2%/1ms    64 MiB   reassembly without loss: TCPOFOQueue
  dup=1%            64 MiB   duplicates reported in D-SACK blocks (TCPDSACKOldSent)

Each transfer is bounded (120 s); the time each took is printed (figures for comparison live
in the goodput benchmark, not here: no timed assertion)."""
import os

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log

PORT = 7
MIB = 1 << 20
CASES = [
    ('none', 64 * MIB, ()),
    ('loss=1%', 64 * MIB, ('TCPSackRecovery', 'TCPFastRetrans', 'TCPOFOQueue', 'RetransSegs',
                           'ImpairRxLoss', 'ImpairTxLoss')),
    ('loss=5%', 64 * MIB, ('TCPSackRecovery', 'TCPOFOQueue', 'RetransSegs', 'ImpairRxLoss',
                           'ImpairTxLoss')),
    ('ge=1%/25%/50%', 16 * MIB, ('ImpairRxBurstLoss', 'ImpairTxBurstLoss', 'RetransSegs')),
    ('reorder=2%/1ms', 64 * MIB, ('ImpairRxReorder', 'ImpairTxReorder', 'TCPOFOQueue')),
    ('dup=1%', 64 * MIB, ('ImpairRxDup', 'ImpairTxDup', 'TCPDSACKOldSent')),
]
SHOWN = ('RetransSegs', 'TCPFastRetrans', 'TCPSlowStartRetrans', 'TCPTimeouts',
         'TCPSackRecovery', 'TCPOFOQueue', 'TCPOFODrop', 'TCPDSACKOldSent', 'TCPDSACKRecv',
         'TCPSACKReorder', 'TCPFullUndo', 'TCPDSACKUndo', 'TCPLossUndo', 'TCPSpuriousRTOs')


def echo(n, timeout):
    """n random bytes through the echo app; (data, what came back, seconds)."""
    data = os.urandom(n)
    got, dt = ttclient.echo_stream(ttlib.ADDR, PORT, data, timeout)
    return data, got, dt


def test():
    chk = Checks()
    ns = ttlib.Netns('los')
    for i, (spec, n, moved) in enumerate(CASES):
        tt = ttlib.Tcpterm(ns, f'ls{i}', ['--listen', str(PORT), '--app', 'echo',
                                          '--impair-rx', spec, '--impair-tx', spec,
                                          '--impair-seed', str(1000 + i)]).start()
        ns.enter()
        try:
            data, got, dt = echo(n, 120)
        finally:
            ns.leave()
        st = tt.stats()
        first = next((k for k in range(min(len(got), n)) if got[k] != data[k]), None)
        log(f'{spec}: {len(got)} of {n} bytes back in {dt:.2f} s; '
            + ', '.join(f'{k} {st[k]}' for k in SHOWN))
        chk.check(len(got) == n and got == data,
                  f'{spec}: {n >> 20} MiB echoed byte-exact through the impairment',
                  f'{len(got)} bytes back, first difference at {first}')
        for k in moved:
            chk.check(st[k] > 0, f'{spec}: {k} moved ({st[k]})')
        socks = ttlib.telemetry(tt.prefix, '/tcpterm/sockets') or {}
        stuck = [v for v in socks.values() if v.get('state') == 'ESTABLISHED']
        rc = tt.stop()
        chk.check(rc == 0, f'{spec}: tcpterm exits 0 ({rc})', f'connections left: {stuck}')
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
