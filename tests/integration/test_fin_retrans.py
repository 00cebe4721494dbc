#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""fin_retrans (SPEC F4, with F1 and D3's RTO): a lost FIN is recovered, segment by segment,
from the scapy client of hslib.py (198.18.3.50, ignored by the namespace's kernel).
tcpterm: --app http on 8080, --time-wait 3. Every request carries "Connection: close", so
tcpterm closes first: its answer, then its FIN (FIN_WAIT_1).

  1. FIN lost after an RTT sample: the client ACKs the answer's bytes at once but never the
     FIN -> the FIN alone ([F.], seq = its first sending's, no payload) comes again one RTO
     after that ACK (srtt-based: Linux's 200 ms floor, the RTT here being a few ms), then
     again after twice that (backoff); RetransSegs counts each. The client then ACKs the
     FIN: FIN_WAIT_2, where tcpterm has nothing left to send (no second FIN); the client's
     FIN is ACKed at seq = tcpterm's FIN + 1 (TIME_WAIT). Parts 2 and 3 close the same way.
  2. FIN lost with no RTT sample: the client ACKs nothing of the answer -> the answer and the
     FIN go again (go-back-N from snd_una, the FIN on the segment that reaches it) 1 s after
     the first sending (RFC 6298 2.1: initial RTO 1 s), same sequence numbers and bytes.
  3. retransmitted client FIN in TIME_WAIT: two connections A and B closed at once (answer +
     FIN ACKed, client FIN ACKed by tcpterm) -> TIME_WAIT 2. At +2 s the client sends A's FIN
     again -> a fresh ACK (seq = tcpterm's FIN + 1, ack = the client's FIN + 1), and A's
     TIME_WAIT restarts: at +3.6 s one entry is left (B's went at +3 s), and A's goes about
     3 s after the retransmission.
  Measured times are logged. No reset is sent (OutRsts +0)."""
import time

import hslib
import ttlib
from closelib import answer_and_fin, finish, open_request
from ttclient import Checks
from hslib import ACK, FIN, MOD, RST, flag_str
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT
TW = 3


def lost_fin_after_rtt(chk, cl, tt):
    from scapy.layers.inet import TCP
    s0 = tt.stats()
    f = open_request(cl, PORT)
    data, finp, fin_seq = answer_and_fin(f)
    t_fin = finp.time
    f.ack()                         # the answer's bytes, not the FIN: an RTT sample
    t_ack = time.monotonic()
    log(f'1. {f}: answer {len(data)} bytes, FIN [{flag_str(int(finp[TCP].flags))}] at seq '
        f'{fin_seq}; answer ACKed {(t_ack - t_fin) * 1000:.1f} ms later, the FIN not')
    c = cl.wait_for('1. FIN_WAIT_1 while the FIN is unacknowledged', cl.conns,
                    lambda c: c['FIN_WAIT_1'] == 1)
    rtx = []
    for i in range(2):
        p = cl.wait(f.pred(), 3.0)
        expect(p is not None, f'1. no retransmission of the FIN within 3 s (#{i + 1}); '
               f'tcpterm sent:\n    {cl.history()}')
        t = p[TCP]
        expect(int(t.flags) & FIN and t.seq == fin_seq and len(t.payload) == 0,
               f'1. retransmission #{i + 1} is {hslib.describe(p)}, want [FA] seq {fin_seq} '
               'without payload (the answer was ACKed)')
        expect(not int(t.flags) & RST, f'1. reset instead of the FIN: {hslib.describe(p)}')
        rtx.append(p.time)
    g1, g2 = rtx[0] - t_ack, rtx[1] - rtx[0]
    log(f'1. measured: FIN again {g1 * 1000:.0f} ms after our ACK of the answer, then '
        f'{g2 * 1000:.0f} ms later (ratio {g2 / g1:.2f})')
    # RTO = max(200 ms, srtt + 4 rttvar) with an RTT of a few ms: about 200 ms, doubled.
    expect(0.15 <= g1 <= 0.6, f'1. first FIN retransmission {g1 * 1000:.0f} ms after the ACK '
           'of the answer, want an srtt-based RTO of about 200 ms (0.15-0.6 s)')
    expect(1.5 <= g2 / g1 <= 2.7, f'1. the second retransmission came {g2 * 1000:.0f} ms after '
           f'the first, want about twice {g1 * 1000:.0f} ms (exponential backoff)')
    # A third sending that raced with the ACK below counts too.
    late = cl.collect(lambda p: f.mine(p) and int(p[TCP].flags) & FIN, 0.0)
    seen = len(rtx) + len(late)
    finish(chk, cl, f, fin_seq, '1')
    s1 = tt.stats()
    hslib.check_delta('1. lost FIN after an RTT sample', s0, s1,
                      {'RetransSegs': seen, 'OutRsts': 0, 'PassiveOpens': 1})
    c = cl.wait_for('1. TIME_WAIT after our FIN', cl.conns,
                    lambda c: c['TIME_WAIT'] >= 1 and c['FIN_WAIT_1'] == 0 and
                    c['FIN_WAIT_2'] == 0)
    log(f'ok: 1. FIN retransmitted {len(rtx)} times, ACKed -> FIN_WAIT_2; our FIN ACKed -> '
        f'TIME_WAIT {c["TIME_WAIT"]}')


def lost_fin_no_rtt(chk, cl, tt):
    from scapy.layers.inet import TCP
    s0 = tt.stats()
    f = open_request(cl, PORT)
    data, finp, fin_seq = answer_and_fin(f)
    first = [p for p in cl.seen if f.mine(p) and (len(p[TCP].payload) or
                                                  int(p[TCP].flags) & FIN)]
    t0 = first[0].time
    ans_seq = (fin_seq - len(data)) % MOD
    log(f'2. {f}: answer {len(data)} bytes at seq {ans_seq} and FIN at {fin_seq} in '
        f'{len(first)} segment(s); nothing ACKed')
    got, fin2 = b'', None
    deadline = time.monotonic() + 3.0
    while fin2 is None:
        p = cl.wait(f.pred(), max(0.0, deadline - time.monotonic()))
        expect(p is not None, f'2. the answer and FIN were not sent again within 3 s '
               f'({len(got)} bytes again); tcpterm sent:\n    {cl.history()}')
        t = p[TCP]
        expect(not int(t.flags) & RST, f'2. reset: {hslib.describe(p)}')
        if not len(t.payload) and not int(t.flags) & FIN:
            continue
        if not got:
            expect(t.seq == ans_seq, f'2. the first retransmitted segment is at seq {t.seq}, '
                   f'want snd_una {ans_seq} (go back to the first unacknowledged byte)')
            t1 = p.time
        got += bytes(t.payload)
        if int(t.flags) & FIN:
            fin2 = p
            expect((t.seq + len(t.payload)) % MOD == fin_seq,
                   f'2. the FIN came again at seq {(t.seq + len(t.payload)) % MOD}, '
                   f'want {fin_seq}: {hslib.describe(p)}')
    gap = t1 - t0
    log(f'2. measured: answer and FIN sent again {gap * 1000:.0f} ms after their first '
        f'sending ([{flag_str(int(fin2[TCP].flags))}])')
    expect(got == data, f'2. retransmitted bytes differ from the answer: {got[:60]!r}')
    expect(0.85 <= gap <= 1.5, f'2. first retransmission {gap * 1000:.0f} ms after the '
           'first sending, want the initial RTO of 1 s (RFC 6298 2.1; 0.85-1.5 s)')
    finish(chk, cl, f, fin_seq, '2')
    s1 = tt.stats()
    d = s1['RetransSegs'] - s0['RetransSegs']
    expect(d >= 1, f'2. RetransSegs +{d}, want at least 1')
    hslib.check_delta('2. lost FIN, no RTT sample', s0, s1, {'OutRsts': 0, 'PassiveOpens': 1})
    log(f'ok: 2. RetransSegs +{d}')


def tw_fin_again(chk, cl, tt):
    from scapy.layers.inet import TCP
    tw0 = cl.wait_for('3. earlier TIME_WAIT entries gone', cl.conns,
                      lambda c: c['TIME_WAIT'] == 0, TW + 2.0)['TIME_WAIT']
    s0 = tt.stats()
    flows = [open_request(cl, PORT), open_request(cl, PORT)]
    fins = [answer_and_fin(f)[2] for f in flows]
    acks = [finish(chk, cl, f, s, f'3.{n}') for f, s, n in zip(flows, fins, 'AB')]
    t0 = acks[0].time
    c = cl.wait_for('3. TIME_WAIT of A and B', cl.conns, lambda c: c['TIME_WAIT'] == tw0 + 2)
    log(f'3. A {flows[0]} and B {flows[1]} in TIME_WAIT ({c["TIME_WAIT"]})')
    time.sleep(max(0.0, t0 + 2.0 - time.monotonic()))
    a = flows[0]
    fin_seq = (a.snd_nxt - 1) % MOD
    t_rx = time.monotonic()
    a.send('FA', seq=fin_seq)
    p = a.expect('3. the retransmitted FIN in TIME_WAIT', timeout=1.0)
    t = p[TCP]
    expect(int(t.flags) == ACK and t.ack == a.snd_nxt,
           f'3. answer to the retransmitted FIN: {hslib.describe(p)}, want [A] ack '
           f'{a.snd_nxt}')
    chk.check(t.seq == a.rcv_nxt, f'3. the TIME_WAIT re-ACK has seq {t.seq} = tcpterm\'s '
              f'FIN + 1 ({a.rcv_nxt})', hslib.describe(p))
    log(f'ok: 3. FIN again at +{t_rx - t0:.2f} s -> fresh ACK after '
        f'{(p.time - t_rx) * 1000:.1f} ms: {hslib.describe(p)}')
    time.sleep(max(0.0, t0 + TW + 0.6 - time.monotonic()))
    c = cl.conns()
    expect(c['TIME_WAIT'] == tw0 + 1, f'3. at +{time.monotonic() - t0:.2f} s TIME_WAIT '
           f'{c["TIME_WAIT"]}, want {tw0 + 1}: B gone after {TW} s, A kept (its timer '
           'restarted by the retransmitted FIN)')
    log(f'ok: 3. at +{time.monotonic() - t0:.2f} s one TIME_WAIT entry is left (A)')
    end = t_rx + TW + 1.5
    while cl.conns()['TIME_WAIT'] != tw0 and time.monotonic() < end:
        time.sleep(0.02)
    gone = time.monotonic()
    expect(gone < end, f'3. A\'s TIME_WAIT still there {gone - t_rx:.2f} s after the '
           f'retransmitted FIN (want about {TW} s)')
    log(f'3. measured: A\'s TIME_WAIT gone {gone - t_rx:.2f} s after the retransmitted FIN '
        f'({gone - t0:.2f} s after it was first entered)')
    expect(gone - t_rx >= TW - 0.3, f'3. A\'s TIME_WAIT went {gone - t_rx:.2f} s after the '
           f'retransmitted FIN, want about {TW} s (the timer restarted)')
    extra = cl.collect(lambda p: any(f.mine(p) for f in flows), 0.0)
    expect(not extra, '3. tcpterm sent more for A or B: ' +
           '; '.join(hslib.describe(p) for p in extra))
    hslib.check_delta('3. TIME_WAIT', s0, tt.stats(), {'OutRsts': 0, 'PassiveOpens': 2})


def test():
    ns = ttlib.Netns('finrt')
    tt = ttlib.Tcpterm(ns, 'finrt', ['--listen', str(PORT), '--app', 'http',
                                     '--time-wait', str(TW)]).start()
    cl = hslib.Client(ns, tt)
    chk = Checks()
    lost_fin_after_rtt(chk, cl, tt)
    lost_fin_no_rtt(chk, cl, tt)
    tw_fin_again(chk, cl, tt)
    c = cl.conns()
    busy = {k: v for k, v in c.items() if v and k != 'TIME_WAIT'}
    expect(not busy, f'connections left open or closing: {c}')
    cl.close()
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
