#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""queues (SPEC Q1, Q2 with syncookies=0, Q5 for the SYN queue): tcpterm --syncookies 0
--max-syn-backlog 8, --app echo on 8080, the scapy client of hslib.py.
  8 SYNs from 8 ports -> 8 SYN-ACKs; /tcpterm/listeners: syn_q 8, syn_q_max 8 (and the
  per-worker breakdown adds up); /tcpterm/conns SYN_RECV 8
  the 9th SYN -> no SYN-ACK (1 s); TCPReqQFullDrop +1, ListenDrops +1, no cookie counted
  its ACK anyway (nothing to validate, cookies off) -> RST seq=SEG.ACK, SyncookiesFailed 0
  one of the 8 completes (final ACK) -> syn_q 7: a new SYN gets its SYN-ACK again
  tcpterm-ctl listeners (when built) shows SynQ 8 / SynQ-Max 8
"""
import hslib
import ttlib
from hslib import RST
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT
N = 8


def test():
    from scapy.layers.inet import TCP
    ns = ttlib.Netns('que')
    tt = ttlib.Tcpterm(ns, 'que', ['--listen', str(PORT), '--app', 'echo', '--syncookies', '0',
                                   '--max-syn-backlog', str(N)]).start()
    cl = hslib.Client(ns, tt)
    before = tt.stats()
    flows = []
    for _ in range(N):
        f = cl.flow(PORT)
        f.connect(hslib.FULL_OPTS)
        flows.append(f)
    lq = cl.listener(PORT)
    expect(lq['syn_q'] == N and lq['syn_q_max'] == N,
           f'Q5: /tcpterm/listeners after {N} SYNs: syn_q {lq["syn_q"]}, syn_q_max '
           f'{lq["syn_q_max"]}, want {N} and {N}')
    ws = lq.get('workers') or {}
    expect(ws and sum(w['syn_q'] for w in ws.values()) == N,
           f'Q6: per-worker syn_q do not add up to {N}: {ws}')
    expect(cl.conns()['SYN_RECV'] == N, f'/tcpterm/conns SYN_RECV {cl.conns()["SYN_RECV"]}, '
           f'want {N}')
    log(f'ok: Q2 {N} SYNs -> {N} SYN-ACKs; syn_q {N}, syn_q_max {N}, SYN_RECV {N}')
    rows = hslib.ctl_listeners(tt.prefix)
    if rows is None:
        log('note: tcpterm-ctl not built, its listeners view is not checked')
    else:
        expect(PORT in rows and rows[PORT][2:] == (N, N),
               f'Q5: tcpterm-ctl listeners row for {PORT}: {rows.get(PORT)}, want SynQ {N} '
               f'SynQ-Max {N}')
        log(f'ok: Q5 tcpterm-ctl listeners: {PORT} SynQ {N} SynQ-Max {N}')

    mid = tt.stats()
    f9 = cl.flow(PORT)
    f9.syn(hslib.FULL_OPTS)
    f9.silence(f'Q2: SYN number {N + 1} with the SYN queue full and syncookies 0', 1.0)
    after = tt.stats()
    hslib.check_delta(f'Q2 SYN {N + 1} dropped', mid, after,
                      {'TCPReqQFullDrop': 1, 'ListenDrops': 1, 'TCPReqQFullDoCookies': 0,
                       'SyncookiesSent': 0, 'ListenOverflows': 0})
    lq = cl.listener(PORT)
    expect(lq['syn_q'] == N, f'Q2: syn_q {lq["syn_q"]} after the dropped SYN, want {N}')
    log(f'ok: Q2 SYN {N + 1} -> nothing; syn_q stays {N}')

    # Its ACK regardless: not a request, not a cookie (cookies off) -> RST seq=SEG.ACK.
    x = cl.rnd.getrandbits(32)
    f9.send('A', seq=f9.snd_nxt, ack=x, ts=False)
    p = f9.expect('ACK of the dropped SYN')
    expect(int(p[TCP].flags) == RST and p[TCP].seq == x,
           f'H9: ACK for the dropped SYN -> {hslib.describe(p)}, want [R] seq {x}')
    hslib.check_delta('H9 ACK with cookies off', after, tt.stats(),
                      {'SyncookiesFailed': 0, 'SyncookiesRecv': 0, 'PassiveOpens': 0})

    # Room again once one request completes.
    flows[0].ack()
    cl.wait_for('syn_q after one final ACK', lambda: cl.listener(PORT)['syn_q'],
                lambda v: v == N - 1)
    f10 = cl.flow(PORT)
    f10.connect(hslib.FULL_OPTS)
    lq = cl.listener(PORT)
    expect(lq['syn_q'] == N, f'Q2: syn_q {lq["syn_q"]} after the new SYN, want {N}')
    hslib.check_delta('Q2 whole run', before, tt.stats(),
                      {'TCPReqQFullDrop': 1, 'PassiveOpens': 1})
    log(f'ok: Q2 one request completed -> syn_q {N - 1}; a new SYN gets a SYN-ACK')
    cl.close()


if __name__ == '__main__':
    ttlib.run(test)
