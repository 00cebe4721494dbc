#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""handshake (SPEC H1-H4, H6-H10): the passive open, segment by segment, from a scapy client
at 198.18.3.50 (hslib.py says why the kernel stays out of it). tcpterm: --app echo on 8080,
default tunables (timestamps, window scaling, SACK on; syncookies 1, never overflowed here,
so cookies are not in play).

  H1/H4  SYN MSS 1460, SACK-perm, TS, WS 7 -> SYN-ACK ack ISN_C+1, MSS 1460 (MTU 1500),
         SACK-perm, TS with TSecr = our TSval, WS; request in SYN_RECV (conns, syn_q 1)
  H4     SYN without options -> MSS only; SYN with one option each -> MSS + that one
  H1     SYN carrying data (no Fast Open) -> SYN-ACK acks the SYN only; the data sent again
         after the handshake is echoed once
  H1/H3  final ACK (ack ISN_S+1) -> PassiveOpens +1, ESTABLISHED 1, SYN_RECV 0; data at
         ISN_C+1 is echoed at ISN_S+1 with ack ISN_C+1+len; our FIN is ACKed at +1, the echo's
         FIN comes at ISN_S+1+len; its ACK closes (no connection left)
  H2     8 SYNs from different ports: ISNs all distinct, no two consecutive ones within 2^16
         of each other (a counter would be); the same 4-tuple again 0.3 s later: ISN moved
         forward by about the elapsed time in 4 us ticks (RFC 6528's M), i.e. by
         0 < d < 2^24 (weak checks, stated)
  H6     the same SYN again in SYN_RECV -> the same SYN-ACK (same ISN_S), still one request
  H7     final ACK carrying data (no PSH) -> echoed; bare final ACK lost -> the first data
         segment completes the handshake, the second follows; final ACK with data + FIN
  H8     RST at ISN_C+1 and RST in window (ISN_C+1+1000) in SYN_RECV -> request gone at once,
         AttemptFails +1 each; RST out of window -> ignored, request kept
  H9     ACK with a wrong ack in SYN_RECV -> RST seq=SEG.ACK, request kept; ACK with no
         request -> RST seq=SEG.ACK (R only); RST to the listener -> nothing
  H10    unexpected SYN-ACK to the listening port -> RST seq=SEG.ACK
"""
import time

import hslib
import ttlib
from hslib import FIN, MOD, RST, SA, flag_str, opts_of
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT


def check_request_count(cl, n, what):
    c = cl.wait_for(f'{what}: /tcpterm/conns SYN_RECV', cl.conns,
                    lambda c: c['SYN_RECV'] == n)
    lq = cl.listener(PORT)
    expect(lq['syn_q'] == n, f'{what}: /tcpterm/listeners syn_q {lq["syn_q"]}, want {n}')
    return c


def test_h1_h3_h4_full(cl, tt):
    from scapy.layers.inet import TCP
    before = tt.stats()
    f = cl.flow(PORT)
    ts_c = f.tsval
    p = f.connect(hslib.FULL_OPTS)
    t = p[TCP]
    o = opts_of(t)
    kinds = [k for k, _ in t.options if k not in ('NOP', 'EOL')]
    expect(o.get('MSS') == 1460, f'H4: SYN-ACK MSS {o.get("MSS")}, want 1460 (MTU 1500)')
    expect('SAckOK' in o, f'H4: SYN-ACK lacks SACK-permitted: {t.options}')
    expect('Timestamp' in o, f'H4: SYN-ACK lacks timestamps: {t.options}')
    expect(o['Timestamp'][1] == ts_c,
           f'H4: SYN-ACK TSecr {o["Timestamp"][1]}, want our TSval {ts_c}')
    expect('WScale' in o and 0 <= o['WScale'] <= 14,
           f'H4: SYN-ACK window scale {o.get("WScale")}, want one in 0..14')
    log(f'ok: H1/H4 SYN with MSS, SACK-perm, TS, WS 7 -> SYN-ACK ack ISN_C+1, options '
        f'{kinds} (MSS {o["MSS"]}, TSecr = {ts_c}, WS {o["WScale"]})')
    check_request_count(cl, 1, 'H1 after the SYN')
    expect(cl.conns()['ESTABLISHED'] == 0, 'H1: ESTABLISHED before the final ACK')

    f.ack()
    tt.wait_stat('PassiveOpens', lambda v: v == before['PassiveOpens'] + 1)
    c = cl.wait_for('H1: /tcpterm/conns after the final ACK', cl.conns,
                    lambda c: c['ESTABLISHED'] == 1 and c['SYN_RECV'] == 0)
    after = tt.stats()
    hslib.check_delta('H1 final ACK', before, after,
                      {'PassiveOpens': 1, 'CurrEstab': 1, 'AttemptFails': 0, 'OutRsts': 0})
    expect(cl.listener(PORT)['syn_q'] == 0, 'H1: syn_q not back to 0 after the final ACK')
    log(f'ok: H1 final ACK ack ISN_S+1 -> ESTABLISHED {c["ESTABLISHED"]}, SYN_RECV '
        f'{c["SYN_RECV"]}')
    f.silence('H3: a bare ACK consumes nothing and needs no answer', 0.3)

    # H3: data from ISN_C+1 (the SYN took one number, the bare ACK none).
    msg = b'hello, handshake\n'
    f.data(msg)
    got, segs = f.recv_data(len(msg))
    t = segs[0][TCP]
    expect(got == msg, f'H3: echo {got!r}, want {msg!r}')
    expect(t.seq == (f.iss + 1) % MOD, f'H3: echo seq {t.seq}, want ISN_S+1 {f.iss + 1}')
    expect(t.ack == (f.isn + 1 + len(msg)) % MOD,
           f'H3: echo ack {t.ack}, want ISN_C+1+{len(msg)} = {(f.isn + 1 + len(msg)) % MOD}')
    log(f'ok: H3 {len(msg)} bytes at ISN_C+1 -> echoed at ISN_S+1 with ack ISN_C+1+{len(msg)}')

    # H3: our FIN takes one number; the echo app closes in turn, its FIN takes one too.
    fin_seq = f.snd_nxt
    f.send('FA')
    f.snd_nxt = (f.snd_nxt + 1) % MOD
    p = f.cl.wait(lambda p: f.mine(p) and int(p[TCP].flags) & FIN, 1.0)
    expect(p is not None, f'H3: no FIN from the echo app after ours; tcpterm sent:\n    '
           f'{cl.history()}')
    t = p[TCP]
    expect(t.ack == (fin_seq + 1) % MOD, f'H3: ack of our FIN {t.ack}, want FIN seq + 1 = '
           f'{(fin_seq + 1) % MOD}')
    expect(t.seq == (f.iss + 1 + len(msg)) % MOD,
           f'H3: tcpterm FIN seq {t.seq}, want ISN_S+1+{len(msg)}')
    f.rcv_nxt = (t.seq + len(t.payload) + 1) % MOD
    f.note_ts(p)
    f.ack()
    cl.wait_for('H3: /tcpterm/conns after the close', cl.conns,
                lambda c: all(v == 0 for v in c.values()))
    log(f'ok: H3 FIN at ISN_C+1+{len(msg)} -> ACKed at +1; echo FIN at ISN_S+1+{len(msg)} '
        f'[{flag_str(int(t.flags))}], our ACK closes it (no connection left)')


def test_h4_partial(cl):
    from scapy.layers.inet import TCP
    cases = [
        ('no options', [], {'MSS'}),
        ('MSS 1200 only', [('MSS', 1200)], {'MSS'}),
        ('SACK-perm only', [('SAckOK', b'')], {'MSS', 'SAckOK'}),
        ('TS only', [('Timestamp', (1234, 0))], {'MSS', 'Timestamp'}),
        ('WS 7 only', [('WScale', 7)], {'MSS', 'WScale'}),
    ]
    for what, opts, want in cases:
        f = cl.flow(PORT)
        p = f.connect(opts)
        o = opts_of(p[TCP])
        expect(set(o) == want, f'H4: SYN with {what} -> SYN-ACK options {sorted(o)}, '
               f'want {sorted(want)}')
        expect(o['MSS'] == 1460, f'H4: SYN with {what} -> MSS {o["MSS"]}, want 1460')
        f.rst()
        log(f'ok: H4 SYN with {what} -> SYN-ACK options {sorted(o)}')
    check_request_count(cl, 0, 'H4 requests reset')


def test_h1_syn_data(cl):
    """No Fast Open: data on a SYN is not acknowledged (Linux without TFO); the SYN-ACK
    acknowledges the SYN alone and the data, sent again after the handshake, is delivered."""
    from scapy.layers.inet import TCP
    from scapy.packet import Raw
    f = cl.flow(PORT)
    msg = b'data on the SYN'
    cl.send(f.seg('S', seq=f.isn, ack=0, options=[('MSS', 1460)]) / Raw(msg))
    p = f.expect('SYN with data')
    t = p[TCP]
    expect(int(t.flags) == SA and t.ack == f.snd_nxt,
           f'H1: SYN with {len(msg)} bytes -> {hslib.describe(p)}, want [SA] ack ISN_C+1 '
           f'{f.snd_nxt} (the data not acknowledged)')
    f.iss, f.rcv_nxt = t.seq, (t.seq + 1) % MOD
    f.ack()
    f.data(msg)
    got, _ = f.recv_data(len(msg))
    expect(got == msg, f'H1: data sent again after a SYN with data: echo {got!r}')
    extra = cl.collect(f.pred(payload=True), 0.2)
    expect(not extra, 'H1: the SYN\'s data was delivered too: '
           + '; '.join(hslib.describe(x) for x in extra))
    close(cl, f)
    log('ok: H1 SYN with data -> SYN-ACK acknowledges the SYN only; the data, sent again, '
        'is echoed once')


def test_h2(cl):
    isns = []
    for _ in range(8):
        f = cl.flow(PORT)
        f.connect([('MSS', 1460)])
        isns.append(f.iss)
        f.rst()
    expect(len(set(isns)) == len(isns), f'H2: repeated ISNs {isns}')
    for a, b in zip(isns, isns[1:]):
        d = min((b - a) % MOD, (a - b) % MOD)
        expect(d >= 1 << 16, f'H2: consecutive ISNs {a} and {b} only {d} apart: sequential')
    log(f'ok: H2 8 ports -> 8 distinct ISNs, consecutive ones >= 2^16 apart: {isns}')

    # Per 4-tuple: RFC 6528 ISN = M + F(4-tuple); same tuple later -> larger by M's ticks.
    sport = cl.new_port()
    f1 = cl.flow(PORT, sport=sport)
    f1.connect([('MSS', 1460)])
    t1 = cl.seen[-1].time
    f1.rst()
    check_request_count(cl, 0, 'H2 first request reset')
    time.sleep(0.3)
    f2 = cl.flow(PORT, sport=sport)
    f2.connect([('MSS', 1460)])
    t2 = cl.seen[-1].time
    f2.rst()
    d = (f2.iss - f1.iss) % MOD
    dt = t2 - t1
    expect(0 < d < 1 << 24, f'H2: same 4-tuple {dt:.3f} s later: ISN {f1.iss} -> {f2.iss} '
           f'(+{d} mod 2^32), want a small forward step (0 < d < 2^24)')
    log(f'ok: H2 same 4-tuple {dt:.3f} s later: ISN +{d} ({dt / d * 1e6:.2f} us per tick), '
        'monotonic')


def test_h6(cl, tt):
    from scapy.layers.inet import TCP
    f = cl.flow(PORT)
    p1 = f.connect(hslib.FULL_OPTS)
    check_request_count(cl, 1, 'H6 after the SYN')
    f.syn(hslib.FULL_OPTS)
    p2 = f.expect('H6: the SYN again -> the SYN-ACK again')
    t1, t2 = p1[TCP], p2[TCP]
    expect(int(t2.flags) == SA and t2.seq == t1.seq and t2.ack == t1.ack,
           f'H6: second SYN-ACK [{flag_str(int(t2.flags))}] seq {t2.seq} ack {t2.ack}, want '
           f'[SA] seq {t1.seq} ack {t1.ack} (the same request)')
    check_request_count(cl, 1, 'H6 after the SYN again')
    log(f'ok: H6 SYN again -> same SYN-ACK (ISN_S {t2.seq}), still one request')
    # And it still completes.
    before = tt.stats()
    f.ack()
    cl.wait_for('H6 request completes', cl.conns,
                lambda c: c['SYN_RECV'] == 0 and c['ESTABLISHED'] == 1)
    hslib.check_delta('H6 final ACK after the repeated SYN', before, tt.stats(),
                      {'PassiveOpens': 1})
    close(cl, f)


def close(cl, f):
    """Our FIN, the echo's FIN, our last ACK: no connection left."""
    f.close_echo()
    cl.wait_for(f'{f}: /tcpterm/conns after the close', cl.conns,
                lambda c: all(v == 0 for v in c.values()))


def test_h7(cl, tt):
    from scapy.layers.inet import TCP
    # The final ACK carries data (no PSH: delivered all the same).
    before = tt.stats()
    f = cl.flow(PORT)
    f.connect(hslib.FULL_OPTS)
    msg = b'data on the third ACK'
    f.data(msg, flags='A')
    got, _ = f.recv_data(len(msg))
    expect(got == msg, f'H7: echo {got!r}, want {msg!r}')
    hslib.check_delta('H7 third ACK with data', before, tt.stats(), {'PassiveOpens': 1})
    log('ok: H7 final ACK carrying data -> accepted, echoed')
    close(cl, f)

    # The bare third ACK is lost: the first data segment (valid ACK) completes it.
    before = tt.stats()
    f = cl.flow(PORT)
    f.connect(hslib.FULL_OPTS)
    check_request_count(cl, 1, 'H7 before the data')
    m1, m2 = b'first segment;', b'second segment.'
    f.data(m1)
    f.data(m2)
    got, _ = f.recv_data(len(m1) + len(m2))
    expect(got == m1 + m2, f'H7: echo {got!r}, want {m1 + m2!r}')
    check_request_count(cl, 0, 'H7 after the data')
    hslib.check_delta('H7 lost bare ACK, first data segment completes', before, tt.stats(),
                      {'PassiveOpens': 1})
    log('ok: H7 bare third ACK lost -> first data segment completes, both echoed in order')
    close(cl, f)

    # The final ACK carries data and FIN.
    f = cl.flow(PORT)
    f.connect(hslib.FULL_OPTS)
    msg = b'and goodbye'
    f.send('FPA', data=msg)
    f.snd_nxt = (f.snd_nxt + len(msg) + 1) % MOD
    got, segs = f.recv_data(len(msg), ack_each=False)
    expect(got == msg, f'H7: echo {got!r}, want {msg!r}')
    p = segs[-1] if int(segs[-1][TCP].flags) & FIN else \
        cl.wait(lambda p: f.mine(p) and int(p[TCP].flags) & FIN, 1.0)
    expect(p is not None, f'H7: no FIN after data+FIN on the final ACK; tcpterm sent:\n    '
           f'{cl.history()}')
    expect(p[TCP].ack == f.snd_nxt, f'H7: FIN ack {p[TCP].ack}, want {f.snd_nxt} (data and '
           'FIN of the final ACK acknowledged)')
    f.rcv_nxt = (p[TCP].seq + len(p[TCP].payload) + 1) % MOD
    f.note_ts(p)
    f.ack()
    cl.wait_for('H7 data+FIN closed', cl.conns, lambda c: all(v == 0 for v in c.values()))
    log('ok: H7 final ACK with data + FIN -> echoed, FIN acknowledged, closed')


def test_h8(cl, tt):
    from scapy.layers.inet import TCP
    for what, off in (('RST at ISN_C+1', 0), ('RST in window (ISN_C+1+1000)', 1000)):
        f = cl.flow(PORT)
        f.connect(hslib.FULL_OPTS)
        check_request_count(cl, 1, f'H8 before {what}')
        before = tt.stats()
        f.rst(seq=f.snd_nxt + off)
        cl.wait_for(f'H8 {what}: SYN_RECV', cl.conns, lambda c: c['SYN_RECV'] == 0, 0.5)
        check_request_count(cl, 0, f'H8 after {what}')
        hslib.check_delta(f'H8 {what}', before, tt.stats(),
                          {'AttemptFails': 1, 'OutRsts': 0, 'PassiveOpens': 0})
        # The request is gone: its final ACK now finds nothing and is reset (H9).
        f.ack()
        p = f.expect(f'H8 final ACK after {what}')
        expect(int(p[TCP].flags) == RST, f'H8: final ACK after {what}: '
               f'{hslib.describe(p)}, want [R] (no request left)')
        log(f'ok: H8 {what} in SYN_RECV -> request gone at once, AttemptFails +1')

    f = cl.flow(PORT)
    f.connect(hslib.FULL_OPTS)
    before = tt.stats()
    f.rst(seq=f.snd_nxt + 1000000)
    f.silence('H8: RST out of window', 0.3, flags=RST)
    check_request_count(cl, 1, 'H8 after an out-of-window RST')
    hslib.check_delta('H8 RST out of window', before, tt.stats(), {'AttemptFails': 0})
    f.rst()
    check_request_count(cl, 0, 'H8 cleanup')
    cl.drop_pending()
    log('ok: H8 RST out of window (ISN_C+1+10^6) -> ignored, request kept')


def test_h9_h10(cl, tt):
    from scapy.layers.inet import TCP
    # Wrong ack in SYN_RECV: RST seq=SEG.ACK, the request stays (RFC 9293 3.10.7.4, Linux).
    f = cl.flow(PORT)
    f.connect(hslib.FULL_OPTS)
    bad = (f.iss + 1 + 5000) % MOD
    f.ack(ack=bad)
    p = f.expect('H9 wrong ack in SYN_RECV')
    t = p[TCP]
    expect(int(t.flags) == RST and t.seq == bad, f'H9: ACK with ack ISN_S+5001 in SYN_RECV -> '
           f'{hslib.describe(p)}, want [R] seq {bad}')
    check_request_count(cl, 1, 'H9 after a wrong ack')
    f.rst()
    check_request_count(cl, 0, 'H9 cleanup')
    cl.drop_pending()
    log('ok: H9 ACK with a wrong ack in SYN_RECV -> RST seq=SEG.ACK, request kept')

    # ACK with no request, cookies not in play: RST seq=SEG.ACK, no ACK flag.
    before = tt.stats()
    f = cl.flow(PORT)
    x = cl.rnd.getrandbits(32)
    f.send('A', seq=cl.rnd.getrandbits(32), ack=x, ts=False)
    p = f.expect('H9 stray ACK to the listener')
    t = p[TCP]
    expect(int(t.flags) == RST and t.seq == x and len(t.payload) == 0,
           f'H9: stray ACK ack {x} -> {hslib.describe(p)}, want [R] seq {x}')
    hslib.check_delta('H9 stray ACK', before, tt.stats(),
                      {'OutRsts': 1, 'SyncookiesFailed': 0, 'PassiveOpens': 0})

    # RST to the listener: nothing.
    before = tt.stats()
    for flags in ('R', 'RA'):
        f.send(flags, seq=cl.rnd.getrandbits(32), ack=cl.rnd.getrandbits(32), ts=False)
    f.silence('H9: RST to the listener', 0.5)
    hslib.check_delta('H9 RST and RST|ACK to the listener', before, tt.stats(),
                      {'OutRsts': 0, 'InSegs': 2})

    # H10: a SYN-ACK nobody asked for.
    before = tt.stats()
    f = cl.flow(PORT)
    x = cl.rnd.getrandbits(32)
    f.send('SA', seq=cl.rnd.getrandbits(32), ack=x,
           options=[('MSS', 1460), ('SAckOK', b''), ('Timestamp', (7, 9))])
    p = f.expect('H10 unexpected SYN-ACK')
    t = p[TCP]
    expect(int(t.flags) == RST and t.seq == x, f'H10: SYN-ACK ack {x} to a listener -> '
           f'{hslib.describe(p)}, want [R] seq {x}')
    hslib.check_delta('H10 unexpected SYN-ACK', before, tt.stats(),
                      {'OutRsts': 1, 'PassiveOpens': 0})
    expect(cl.conns()['SYN_RECV'] == 0, 'H10: the SYN-ACK created a request')
    log('ok: H10 unexpected SYN-ACK to the listening port -> RST seq=SEG.ACK')


def test():
    ns = ttlib.Netns('hs')
    tt = ttlib.Tcpterm(ns, 'hs', ['--listen', str(PORT), '--app', 'echo']).start()
    cl = hslib.Client(ns, tt)
    test_h1_h3_h4_full(cl, tt)
    test_h4_partial(cl)
    test_h1_syn_data(cl)
    test_h2(cl)
    test_h6(cl, tt)
    test_h7(cl, tt)
    test_h8(cl, tt)
    test_h9_h10(cl, tt)
    s = tt.stats()
    expect(s['TCPReqQFullDoCookies'] == 0 and s['SyncookiesSent'] == 0,
           'cookies were sent: the tests above assumed a SYN queue with room')
    cl.close()


if __name__ == '__main__':
    ttlib.run(test)
