#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""synack_retries (SPEC H5): tcpterm --synack-retries 2; the scapy client (hslib.py) sends one
SYN and never the final ACK.
  SYN-ACKs at about 0, 1 and 3 s (gaps 1 s and 2 s: 1 s initial RTO, doubled), all the same
  (seq ISN_S, ack ISN_C+1), then no more up to 7.8 s
  the request is still there at 3.5 s (SYN_RECV 1, syn_q 1) and gone at about 7 s (the wait
  after the last retransmission, 4 s): SYN_RECV 0 between 6.5 and 8.5 s
  TCPSynRetrans +2, RetransSegs +2
  the final ACK sent afterwards finds no request: RST seq=SEG.ACK (cookies not in play)
Tolerance: +-0.4 s on each gap (one busy core, a shared machine).
"""
import time

import hslib
import ttlib
from hslib import RST, SA
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT
TOL = 0.4


def test():
    from scapy.layers.inet import TCP
    ns = ttlib.Netns('sar')
    tt = ttlib.Tcpterm(ns, 'sar', ['--listen', str(PORT), '--app', 'echo',
                                   '--synack-retries', '2']).start()
    cl = hslib.Client(ns, tt)
    before = tt.stats()
    f = cl.flow(PORT)
    first = f.connect(hslib.FULL_OPTS)
    t0 = first.time
    synacks = [first]
    gone_at = None
    mid_checked = False
    # Watch the wire and /tcpterm/conns until 8.5 s after the first SYN-ACK.
    while time.monotonic() - t0 < 8.5:
        synacks += cl.collect(f.pred(), 0.1)
        now = time.monotonic() - t0
        c = cl.conns()
        if not mid_checked and now >= 3.5:
            lq = cl.listener(PORT)
            expect(c['SYN_RECV'] == 1 and lq['syn_q'] == 1,
                   f'H5: at {now:.2f} s the request is gone already: {c}, syn_q {lq["syn_q"]}')
            mid_checked = True
        if gone_at is None and c['SYN_RECV'] == 0:
            gone_at = now
    synacks += cl.collect(f.pred(), 0)
    times = [p.time - t0 for p in synacks]
    desc = '\n    '.join(hslib.describe(p) for p in synacks)
    for p in synacks:
        t = p[TCP]
        expect(int(t.flags) == SA and t.seq == f.iss and t.ack == f.snd_nxt,
               f'H5: a retransmission differs from the first SYN-ACK:\n    {desc}')
    expect(len(synacks) == 3, f'H5: {len(synacks)} SYN-ACKs in 8.5 s, want 3 (the first and 2 '
           f'retransmissions):\n    {desc}')
    gaps = [b - a for a, b in zip(times, times[1:])]
    expect(abs(gaps[0] - 1.0) <= TOL and abs(gaps[1] - 2.0) <= TOL,
           f'H5: SYN-ACKs at {[round(x, 2) for x in times]} s: gaps '
           f'{[round(g, 2) for g in gaps]}, want about 1 s and 2 s')
    log(f'ok: H5 SYN-ACKs at {", ".join(f"{x:.2f}" for x in times)} s (gaps '
        f'{gaps[0]:.2f}, {gaps[1]:.2f}), none after')
    expect(mid_checked, 'H5: the 3.5 s check did not run')
    expect(gone_at is not None and 6.5 <= gone_at <= 8.5,
           f'H5: request gone at {gone_at} s after the first SYN-ACK, want about 7 s '
           '(1 + 2 + 4)')
    log(f'ok: H5 request still in SYN_RECV at 3.5 s, gone at {gone_at:.2f} s')
    hslib.check_delta('H5 two retransmissions', before, tt.stats(),
                      {'TCPSynRetrans': 2, 'RetransSegs': 2, 'PassiveOpens': 0})
    expect(cl.listener(PORT)['syn_q'] == 0, 'H5: syn_q not 0 after the request expired')

    f.ack()
    p = f.expect('H5: final ACK after the request expired')
    expect(int(p[TCP].flags) == RST and p[TCP].seq == f.rcv_nxt,
           f'H5: final ACK after expiry -> {hslib.describe(p)}, want [R] seq ISN_S+1')
    log('ok: H5 the late final ACK finds no request: RST seq=SEG.ACK')
    cl.close()


if __name__ == '__main__':
    ttlib.run(test)
