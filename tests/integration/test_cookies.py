#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""cookies (SPEC C1-C4, Q2 with syncookies 1 and 2), with the scapy client of hslib.py and
--app echo on 8080.

1. --syncookies 1 --max-syn-backlog 8:
   8 SYNs -> 8 requests (syn_q 8); the 9th SYN (MSS 1460, no TS) -> a SYN-ACK whose ISN is
   a cookie: TCPReqQFullDoCookies +1, SyncookiesSent +1, syn_q stays 8, SYN_RECV stays 8,
   and it is never retransmitted (no state: nothing in 1.3 s, while the 8 requests' SYN-ACKs
   are); MSS only in that SYN-ACK (no TS offered: WS and SACK cannot be kept)
   its correct final ACK -> ESTABLISHED (SyncookiesRecv +1, PassiveOpens +1, syn_q still 8);
   data to echo comes back at cookie+1 with ack ISN_C+1+len; closes cleanly
   the MSS index: a cookie SYN with MSS 1300 -> 1400 bytes come back as 1300 + 100
   a final ACK with a wrong cookie (ack off by 12345) -> RST seq=SEG.ACK, SyncookiesFailed
   +1, no connection; an ACK nobody asked for (random seq/ack) -> the same
2. --syncookies 2 (every SYN a cookie, no request ever): SYN with MSS 1460, WS 7, SACK-perm,
   TS -> SYN-ACK with MSS, SACK-perm, TS, WS; TSval's low 6 bits = 0x17 (bits 0-3 the
   peer's shift 7, bit 4 SACK); SYN_RECV 0. Final ACK echoing TSecr with window 2 -> the
   connection uses both shifts: tcpterm's first echo segment of 600 bytes is 256 = 2 << 7
   bytes (our window scaled by our shift 7), and its window field is rmem >> its own shift
   (> 65535 once scaled). SACK kept: visible only in the TSval bit; tcpterm sends no SACK
   blocks yet (no reassembly), so nothing more is observable.
   SYN with TS but no WS/SACK -> TSval low bits 0x0F (no shift, no SACK).
   SYN with WS 7 and SACK-perm but no TS -> SYN-ACK has MSS only: WS and SACK are lost; with
   window 2 in the final ACK tcpterm sends 2 bytes (unscaled) and advertises 65535 (unscaled)
3. --syncookies 2 with the namespace's kernel as the client (C3 and PAWS): 32 connections,
   each sending 10 bytes at once and reading the echo. The cookie SYN-ACK's TSval (options
   in its low 6 bits) becomes the client's ts_recent; were it ahead of tcpterm's clock, the
   echo's TSval would be older and the client's PAWS check would drop it (TcpExt PAWSEstab
   in the namespace) until the RTO resent it a second later. Every echo arrives within
   0.5 s and PAWSEstab does not move.
"""
import time

import hslib
import ttclient
import ttlib
from hslib import MOD, RST, SA, opts_of
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT
N = 8


def start(tag, extra):
    ns = ttlib.Netns(tag)
    tt = ttlib.Tcpterm(ns, tag, ['--listen', str(PORT), '--app', 'echo'] + extra).start()
    return ns, tt, hslib.Client(ns, tt)


def stop(ns, tt, cl):
    cl.close()
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


def part_cookies1():
    from scapy.layers.inet import TCP
    ns, tt, cl = start('ck1', ['--syncookies', '1', '--max-syn-backlog', str(N)])
    reqs = []
    for _ in range(N):
        f = cl.flow(PORT)
        f.connect(hslib.FULL_OPTS)
        reqs.append(f)
    expect(cl.listener(PORT)['syn_q'] == N, f'syn_q {cl.listener(PORT)["syn_q"]}, want {N}')

    before = tt.stats()
    f = cl.flow(PORT)
    p = f.connect([('MSS', 1460)])
    t_cookie = p.time
    o = opts_of(p[TCP])
    expect(set(o) == {'MSS'} and o['MSS'] == 1460,
           f'C3: cookie SYN-ACK to a SYN without TS: options {o}, want MSS 1460 only')
    mid = tt.stats()
    hslib.check_delta('Q2/C1 SYN with the SYN queue full, syncookies 1', before, mid,
                      {'TCPReqQFullDoCookies': 1, 'SyncookiesSent': 1, 'TCPReqQFullDrop': 0,
                       'ListenDrops': 0})
    lq = cl.listener(PORT)
    expect(lq['syn_q'] == N and cl.conns()['SYN_RECV'] == N,
           f'Q2: the cookie made state: syn_q {lq["syn_q"]}, conns {cl.conns()}')
    # Stateless: no retransmission of the cookie SYN-ACK, while the 8 requests retransmit.
    rtx = cl.collect(f.pred(), 1.3 - (time.monotonic() - t_cookie))
    req_rtx = cl.collect(lambda p: any(r.mine(p, SA) for r in reqs), 0)
    expect(not rtx, 'C4: the cookie SYN-ACK was retransmitted: '
           + '; '.join(hslib.describe(x) for x in rtx))
    expect(len(req_rtx) >= 1, 'no SYN-ACK retransmission of the 8 requests in 1.3 s: the '
           'silence of the cookie flow proves nothing')
    log(f'ok: Q2/C1 SYN {N + 1} -> cookie SYN-ACK (ISN {f.iss:#010x}, MSS only), no state: '
        f'syn_q {N}, not retransmitted ({len(req_rtx)} request SYN-ACKs were)')

    f.ack()
    cl.wait_for('C4 cookie ACK -> ESTABLISHED', cl.conns, lambda c: c['ESTABLISHED'] == 1)
    hslib.check_delta('C4 valid cookie ACK', mid, tt.stats(),
                      {'SyncookiesRecv': 1, 'PassiveOpens': 1, 'SyncookiesFailed': 0,
                       'OutRsts': 0})
    expect(cl.listener(PORT)['syn_q'] == N, 'C4: the cookie connection went through syn_q')
    msg = b'cookie connection works\n'
    f.data(msg)
    got, segs = f.recv_data(len(msg))
    t = segs[0][TCP]
    expect(got == msg and t.seq == (f.iss + 1) % MOD and
           t.ack == (f.isn + 1 + len(msg)) % MOD,
           f'C4: echo {got!r} seq {t.seq} ack {t.ack}, want {msg!r} at cookie+1 '
           f'{(f.iss + 1) % MOD} with ack {(f.isn + 1 + len(msg)) % MOD}')
    f.close_echo()
    cl.wait_for('cookie connection closed', cl.conns, lambda c: c['ESTABLISHED'] == 0 and
                c['LAST_ACK'] == 0)
    log('ok: C4 correct cookie ACK -> ESTABLISHED (SyncookiesRecv +1, PassiveOpens +1); '
        'echo at cookie+1; closed')

    # The cookie keeps the MSS (one of 536, 1300, 1440, 1460): 1300 -> segments of 1300.
    f = cl.flow(PORT)
    f.connect([('MSS', 1300)])
    f.ack()
    cl.wait_for('MSS 1300 cookie connection', cl.conns, lambda c: c['ESTABLISHED'] == 1)
    data = bytes(range(256)) * 5 + b'z' * 120            # 1400 bytes
    f.data(data)
    got, segs = f.recv_data(len(data))
    sizes = [len(s[TCP].payload) for s in segs]
    expect(got == data, f'C2 MSS: echo differs ({len(got)} bytes)')
    expect(sizes == [1300, 100], f'C2: echo of 1400 bytes on a cookie connection from a SYN '
           f'with MSS 1300 came as {sizes}, want [1300, 100] (the MSS kept in the cookie)')
    f.close_echo()
    log('ok: C2 cookie keeps MSS 1300: 1400 bytes echoed as 1300 + 100')

    # Wrong cookie, and an ACK with no SYN at all.
    f = cl.flow(PORT)
    f.connect([('MSS', 1460)])
    for what, seq, ack in (('ACK with cookie+12345', f.snd_nxt, f.iss + 1 + 12345),
                           ('ACK nobody asked for', cl.rnd.getrandbits(32),
                            cl.rnd.getrandbits(32))):
        before = tt.stats()
        est = cl.conns()['ESTABLISHED']
        f.send('A', seq=seq, ack=ack, ts=False)
        p = f.expect(f'C4 {what}')
        expect(int(p[TCP].flags) == RST and p[TCP].seq == ack % MOD,
               f'C4: {what} -> {hslib.describe(p)}, want [R] seq {ack % MOD}')
        hslib.check_delta(f'C4 {what}', before, tt.stats(),
                          {'SyncookiesFailed': 1, 'SyncookiesRecv': 0, 'PassiveOpens': 0,
                           'OutRsts': 1})
        expect(cl.conns()['ESTABLISHED'] == est, f'C4: {what} made a connection')
        log(f'ok: C4 {what} -> RST seq=SEG.ACK, SyncookiesFailed +1')
    stop(ns, tt, cl)


def part_cookies2():
    from scapy.layers.inet import TCP
    ns, tt, cl = start('ck2', ['--syncookies', '2'])
    cfg = tt.config()
    rmem = int(ttlib.cfg_value(cfg, 'tcp', 'rmem').split()[1])    # min DEFAULT max

    # Everything offered, with timestamps.
    before = tt.stats()
    f = cl.flow(PORT)
    ts_c = f.tsval
    p = f.connect(hslib.FULL_OPTS)
    o = opts_of(p[TCP])
    expect(set(o) == {'MSS', 'SAckOK', 'Timestamp', 'WScale'},
           f'C3: cookie SYN-ACK options {sorted(o)}, want MSS, SAckOK, Timestamp, WScale')
    tsval, tsecr = o['Timestamp']
    expect(tsecr == ts_c, f'C3: cookie SYN-ACK TSecr {tsecr}, want {ts_c}')
    expect(tsval & 0x3f == 0x17, f'C3: TSval {tsval:#x}: low 6 bits {tsval & 0x3f:#04x}, want '
           '0x17 (bits 0-3 = 7 the offered shift, bit 4 SACK-permitted, bit 5 no ECN)')
    hslib.check_delta('C1 syncookies 2: SYN answered with a cookie', before, tt.stats(),
                      {'SyncookiesSent': 1, 'TCPReqQFullDoCookies': 0})
    expect(cl.conns()['SYN_RECV'] == 0 and cl.listener(PORT)['syn_q'] == 0,
           'C1 syncookies 2: a request was kept')
    log(f'ok: C3 syncookies 2: SYN-ACK MSS/SAckOK/TS/WS {f.wscale}, TSval low bits '
        f'{tsval & 0x3f:#04x} (WS 7, SACK), no request')

    mid = tt.stats()
    f.ack(window=2)       # 2 << 7 = 256 bytes if tcpterm keeps our shift
    cl.wait_for('C4 cookie ACK (syncookies 2)', cl.conns, lambda c: c['ESTABLISHED'] == 1)
    hslib.check_delta('C4 cookie ACK with TS', mid, tt.stats(),
                      {'SyncookiesRecv': 1, 'PassiveOpens': 1, 'SyncookiesFailed': 0})
    data = b'w' * 600
    f.data(data, window=2)
    p = f.expect('C3: echo under a window of 2 << 7', payload=True)
    t = p[TCP]
    n1 = len(t.payload)
    expect(n1 == 256, f'C3: first echo segment {n1} bytes under our window 2 with shift 7, '
           'want 256 (the shift kept in the cookie\'s TSval); 2 would mean no scaling')
    want_win = min(rmem >> f.wscale, 65535)
    expect(t.window == want_win and (t.window << f.wscale) > 65535,
           f'C3: tcpterm window field {t.window}, want rmem {rmem} >> its shift {f.wscale} = '
           f'{want_win} (scaled)')
    f.rcv_nxt = (f.rcv_nxt + n1) % MOD
    f.note_ts(p)
    f.ack(window=1024)   # open the window: the rest comes
    got, _ = f.recv_data(len(data) - n1)
    expect(len(got) == len(data) - n1, 'C3: rest of the echo missing')
    f.close_echo()
    log(f'ok: C3 after the cookie ACK both shifts hold: 256 of 600 bytes under window 2<<7, '
        f'tcpterm window field {t.window} << {f.wscale}')

    # TS alone: no shift, no SACK in the low bits.
    f = cl.flow(PORT)
    p = f.connect([('MSS', 1460), ('Timestamp', (f.tsval, 0))])
    tsval = opts_of(p[TCP])['Timestamp'][0]
    expect(tsval & 0x3f == 0x0f, f'C3: SYN with TS only -> TSval low 6 bits '
           f'{tsval & 0x3f:#04x}, want 0x0f (shift none, no SACK, no ECN)')
    log('ok: C3 SYN with TS only -> TSval low bits 0x0f')

    # No timestamps: WS and SACK are lost.
    f = cl.flow(PORT)
    p = f.connect([('MSS', 1460), ('SAckOK', b''), ('WScale', 7)])
    o = opts_of(p[TCP])
    expect(set(o) == {'MSS'}, f'C3: cookie SYN-ACK to a SYN without TS: options '
           f'{sorted(o)}, want MSS only (WS and SACK cannot be kept)')
    f.ack(window=2)
    cl.wait_for('C4 cookie ACK without TS', cl.conns, lambda c: c['ESTABLISHED'] == 1)
    f.data(b'0123456789', window=2)
    p = f.expect('C3 no TS: echo under window 2', payload=True)
    t = p[TCP]
    expect(len(t.payload) == 2 and t.window == min(rmem, 65535),
           f'C3 no TS: first echo segment {len(t.payload)} bytes, window field {t.window}; '
           f'want 2 bytes (our window 2, unscaled) and {min(rmem, 65535)} (no scaling)')
    f.rcv_nxt = (f.rcv_nxt + 2) % MOD
    f.ack(window=1024)
    got, _ = f.recv_data(8)
    f.close_echo()
    log('ok: C3 no TS: SYN-ACK MSS only; connection unscaled both ways (2 bytes under '
        f'window 2, window field {t.window})')
    stop(ns, tt, cl)


def netstat(ns, name):
    """A TcpExt counter of the namespace's kernel (/proc/net/netstat read inside it)."""
    lines = [ln.split() for ln in ns.out(['cat', '/proc/net/netstat']).splitlines()]
    for keys, vals in zip(lines[::2], lines[1::2]):
        if keys[0] == 'TcpExt:' and name in keys:
            return int(vals[keys.index(name)])
    raise ttlib.TestFailure(f'no TcpExt {name} in the namespace\'s /proc/net/netstat')


def part_cookies_paws():
    ns = ttlib.Netns('ck3')
    tt = ttlib.Tcpterm(ns, 'ck3', ['--listen', str(PORT), '--app', 'echo',
                                   '--syncookies', '2']).start()
    ns.enter()
    paws0 = netstat(ns, 'PAWSEstab')
    slow = []
    for i in range(32):
        s = ttclient.connect(PORT)
        try:
            msg = b'%08d\n' % i
            t0 = time.monotonic()
            s.sendall(msg)
            s.settimeout(3.0)
            got = b''
            while len(got) < len(msg):
                b = s.recv(64)
                expect(b, f'C3/PAWS: connection {i} closed before its echo')
                got += b
            dt = time.monotonic() - t0
            expect(got == msg, f'C3/PAWS: connection {i} echoed {got!r}, want {msg!r}')
            if dt > 0.5:
                slow.append(f'{i}: {dt:.2f} s')
        finally:
            s.close()
        if len(slow) > 3:
            break
    paws = netstat(ns, 'PAWSEstab') - paws0
    expect(not slow and paws == 0,
           f'C3/PAWS: cookie connections whose echo was late: {slow}; the client\'s TcpExt '
           f'PAWSEstab moved by {paws}: the cookie SYN-ACK\'s TSval ran ahead of tcpterm\'s '
           'clock, so the client dropped the echo as older than its ts_recent')
    st = tt.stats()
    expect(st['SyncookiesRecv'] >= 32 and st['SyncookiesFailed'] == 0,
           f'C3/PAWS: SyncookiesRecv {st["SyncookiesRecv"]}, SyncookiesFailed '
           f'{st["SyncookiesFailed"]}')
    log('ok: C3/PAWS 32 cookie connections from the kernel: each echo within 0.5 s, the '
        'client\'s PAWSEstab unchanged')
    ns.leave()
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


def test():
    part_cookies1()
    part_cookies2()
    part_cookies_paws()


if __name__ == '__main__':
    ttlib.run(test)
