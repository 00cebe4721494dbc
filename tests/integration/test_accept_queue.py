#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""accept_queue (SPEC Q1, Q3, Q4, Q5, O2 hold): tcpterm --app hold --backlog 4 on 8080; real
kernel clients (198.18.3.1, Python sockets) fill the accept queue, the scapy client of
hslib.py (198.18.3.50) plays the handshake that meets it full, so the order is certain: its
SYN is answered while the queue holds 3, its final ACK arrives once it holds 4.

1. --abort-on-overflow 0, --accept-rate 0 (hold never accepts):
   4 kernel connects complete: /tcpterm/listeners recv_q 4, send_q 4 (and tcpterm-ctl
   listeners Recv-Q 4, Send-Q 4), ESTABLISHED 4
   Q4: the 5th handshake's final ACK is ignored: no answer, ListenOverflows +1,
   ListenDrops +1, the request stays (SYN_RECV 1, syn_q 1) and its SYN-ACK is retransmitted
   about 1 s after the first (same ISN_S)
   Q3: a new SYN while the accept queue is full -> no SYN-ACK, ListenOverflows +1,
   ListenDrops +1 (the SYN queue has room: not the reason)
2. --abort-on-overflow 1: the same 5th final ACK -> RST seq=SEG.ACK, request gone,
   ListenOverflows +1, ListenDrops +1
3. --accept-rate 1 (abort_on_overflow 0): the same 5th final ACK is ignored; the queue drains
   one a second; the scapy client answers each retransmitted SYN-ACK with the ACK a kernel
   client would send, and the kept request completes once there is room; a kernel client
   whose SYN came while the queue was full (Q3) gets in by its own SYN retransmission; both
   ESTABLISHED within 8 s; afterwards Recv-Q falls by one about every second.
"""
import time

import hslib
import ttlib
from hslib import RST, SA
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT
BACKLOG = 4


def start(tag, extra):
    ns = ttlib.Netns(tag)
    tt = ttlib.Tcpterm(ns, tag, ['--listen', str(PORT), '--app', 'hold', '--backlog',
                                 str(BACKLOG)] + extra).start()
    cl = hslib.Client(ns, tt)
    return ns, tt, cl


def stop(ns, tt, cl, socks):
    for s in socks:
        s.close()
    cl.close()
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


def fill(cl, n_before=BACKLOG - 1):
    """Kernel connects, the scapy SYN, one more kernel connect: the queue is full and the
    scapy flow waits in SYN_RECV for its final ACK. Returns (sockets, flow, its SYN-ACK)."""
    socks = [hslib.kernel_connect(PORT) for _ in range(n_before)]
    f = cl.flow(PORT)
    sa = f.connect(hslib.FULL_OPTS)
    socks.append(hslib.kernel_connect(PORT))
    return socks, f, sa


def check_full(cl, tt, what):
    lq = cl.listener(PORT)
    expect(lq['recv_q'] == BACKLOG and lq['send_q'] == BACKLOG,
           f'Q5 {what}: /tcpterm/listeners recv_q {lq["recv_q"]}, send_q {lq["send_q"]}, '
           f'want {BACKLOG} and {BACKLOG}')
    expect(lq['syn_q'] == 1, f'{what}: syn_q {lq["syn_q"]}, want 1 (the scapy request)')
    c = cl.conns()
    expect(c['ESTABLISHED'] == BACKLOG and c['SYN_RECV'] == 1,
           f'{what}: /tcpterm/conns {c}, want ESTABLISHED {BACKLOG}, SYN_RECV 1')
    rows = hslib.ctl_listeners(tt.prefix)
    if rows is None:
        log('note: tcpterm-ctl not built, its listeners view is not checked')
    else:
        expect(PORT in rows and rows[PORT][:2] == (BACKLOG, BACKLOG),
               f'Q5 {what}: tcpterm-ctl listeners row for {PORT}: {rows.get(PORT)}, want '
               f'Recv-Q {BACKLOG} Send-Q {BACKLOG}')
    log(f'ok: Q5 {what}: {BACKLOG} handshakes done, Recv-Q {BACKLOG}, Send-Q {BACKLOG} '
        f'(telemetry{"" if rows is None else " and tcpterm-ctl listeners"}), one request '
        'in SYN_RECV')


def part_abort0():
    from scapy.layers.inet import TCP
    ns, tt, cl = start('aq0', ['--abort-on-overflow', '0'])
    socks, f, sa = fill(cl)
    check_full(cl, tt, 'abort_on_overflow 0')

    before = tt.stats()
    f.ack()
    f.silence('Q4: final ACK to a full accept queue (abort_on_overflow 0)', 0.3)
    hslib.check_delta('Q4 final ACK ignored', before, tt.stats(),
                      {'ListenOverflows': 1, 'ListenDrops': 1, 'PassiveOpens': 0,
                       'OutRsts': 0})
    lq = cl.listener(PORT)
    expect(lq['syn_q'] == 1 and cl.conns()['SYN_RECV'] == 1,
           f'Q4: the request left SYN_RECV: syn_q {lq["syn_q"]}, conns {cl.conns()}')
    p = f.expect('Q4: SYN-ACK retransmission of the kept request', timeout=1.5)
    t = p[TCP]
    expect(int(t.flags) == SA and t.seq == f.iss and t.ack == f.snd_nxt,
           f'Q4: retransmission {hslib.describe(p)}, want [SA] seq {f.iss} ack {f.snd_nxt}')
    expect(0.6 <= p.time - sa.time <= 1.5, f'Q4: SYN-ACK retransmitted {p.time - sa.time:.2f} s '
           'after the first, want about 1 s (the request\'s timer kept running)')
    log('ok: Q4 abort_on_overflow 0: final ACK ignored (ListenOverflows, ListenDrops +1), '
        f'request kept, SYN-ACK retransmitted {p.time - sa.time:.2f} s after the first')

    before = tt.stats()
    g = cl.flow(PORT)
    g.syn(hslib.FULL_OPTS)
    g.silence('Q3: SYN while the accept queue is full', 1.0)
    hslib.check_delta('Q3 SYN to a full accept queue dropped', before, tt.stats(),
                      {'ListenOverflows': 1, 'ListenDrops': 1, 'TCPReqQFullDrop': 0,
                       'TCPReqQFullDoCookies': 0, 'SyncookiesSent': 0})
    expect(cl.listener(PORT)['syn_q'] == 1, 'Q3: the dropped SYN made a request')
    log('ok: Q3 SYN while the accept queue is full -> dropped, no SYN-ACK')
    stop(ns, tt, cl, socks)


def part_abort1():
    from scapy.layers.inet import TCP
    ns, tt, cl = start('aq1', ['--abort-on-overflow', '1'])
    socks, f, _ = fill(cl)
    check_full(cl, tt, 'abort_on_overflow 1')
    before = tt.stats()
    f.ack()
    p = f.expect('Q4: final ACK to a full accept queue (abort_on_overflow 1)')
    t = p[TCP]
    expect(int(t.flags) == RST and t.seq == f.rcv_nxt,
           f'Q4 abort_on_overflow 1: final ACK -> {hslib.describe(p)}, want [R] seq '
           f'{f.rcv_nxt} (SEG.ACK)')
    cl.wait_for('Q4 abort: SYN_RECV', cl.conns, lambda c: c['SYN_RECV'] == 0)
    expect(cl.listener(PORT)['syn_q'] == 0, 'Q4 abort: syn_q not 0')
    hslib.check_delta('Q4 abort_on_overflow 1', before, tt.stats(),
                      {'ListenOverflows': 1, 'ListenDrops': 1, 'PassiveOpens': 0,
                       'OutRsts': 1})
    f.silence('Q4 abort: the request is gone, no SYN-ACK retransmission', 1.2)
    log('ok: Q4 abort_on_overflow 1: final ACK -> RST seq=SEG.ACK, request freed')
    stop(ns, tt, cl, socks)


def part_rate():
    from scapy.layers.inet import TCP
    ns, tt, cl = start('aqr', ['--accept-rate', '1'])
    t0 = time.monotonic()
    # The first connection is accepted at once; the next accept comes 1 s later: fill before.
    socks, f, _ = fill(cl, BACKLOG)
    before = tt.stats()
    f.ack()
    k6 = hslib.kernel_connect_nb(PORT)
    socks.append(k6)
    time.sleep(0.2)
    lq = cl.listener(PORT)
    after = tt.stats()
    filled = time.monotonic() - t0
    expect(filled < 0.9, f'setup took {filled:.2f} s: the 1 s accept pace may have let the '
           'final ACK in (machine too slow for this check)')
    d = hslib.delta(before, after, ['ListenOverflows', 'ListenDrops', 'PassiveOpens'])
    expect(lq['recv_q'] == BACKLOG and d == {'ListenOverflows': 2, 'ListenDrops': 2,
                                             'PassiveOpens': 0},
           f'accept-rate 1: after {BACKLOG + 1} kernel connects, the scapy final ACK and one '
           f'more kernel SYN: recv_q {lq["recv_q"]}, counters {d}; want recv_q {BACKLOG}, '
           'ListenOverflows/ListenDrops +2 (the ACK ignored, the SYN dropped)')
    log(f'ok: Q4/Q3 accept-rate 1: queue full ({BACKLOG}), the 6th final ACK ignored and a '
        f'kernel SYN dropped ({d}), {filled:.2f} s after start')

    # Answer each retransmitted SYN-ACK as a kernel client would, until both are in.
    n = BACKLOG + 3   # the first (accepted at once), BACKLOG more, scapy, kernel 6th
    deadline = t0 + 8.0
    done = k6_done = None
    while time.monotonic() < deadline and done is None:
        p = cl.wait(f.pred(SA), 0.05)     # returns on the frame: the ACK goes out at once
        if p is not None:
            f.ack()
            log(f'   SYN-ACK retransmission at {p.time - t0:.2f} s: ACKed')
        if k6_done is None and hslib.wait_sock_connected(k6, 0) == 0:
            k6_done = time.monotonic() - t0
        c = cl.conns()
        if c['ESTABLISHED'] == n and c['SYN_RECV'] == 0 and k6_done is not None:
            done = time.monotonic() - t0
    expect(done is not None, f'Q4/Q3: not all in after 8 s: conns {cl.conns()} (want '
           f'ESTABLISHED {n}, SYN_RECV 0), kernel client connected: {k6_done is not None}; '
           f'tcpterm sent to the scapy client:\n    {cl.history()}')
    hslib.check_delta('accept-rate 1', before, tt.stats(), {'PassiveOpens': 2})
    log(f'ok: Q4 the kept request and the kernel client whose SYN was dropped (Q3) are in at '
        f'{done:.2f} s (kernel connect() done at {k6_done:.2f} s); ESTABLISHED {n}')

    # It is really established: data is acknowledged.
    cl.drop_pending()
    f.data(b'0123456789')
    p = f.expect('data on the completed connection', timeout=1.0)
    expect(int(p[TCP].flags) & (SA | RST) == hslib.ACK and p[TCP].ack == f.snd_nxt,
           f'the kept request is not an established connection: data -> '
           f'{hslib.describe(p)}, want [A] ack {f.snd_nxt}')
    log('ok: the kept request is ESTABLISHED: its data is acknowledged')

    # Drain: with nothing arriving, Recv-Q falls by one about every second.
    drops = []
    last = cl.listener(PORT)['recv_q']
    end = time.monotonic() + 3.3
    while time.monotonic() < end and last > 0:
        v = cl.listener(PORT)['recv_q']
        if v < last:
            drops += [time.monotonic()] * (last - v)
            last = v
        time.sleep(0.02)
    gaps = [b - a for a, b in zip(drops, drops[1:])]
    expect(len(drops) >= 2 and all(0.6 <= g <= 1.4 for g in gaps),
           f'Q4 accept-rate 1: Recv-Q fell at {[round(x - t0, 2) for x in drops]} s, want one '
           'a second')
    log(f'ok: accept-rate 1 drains one a second: Recv-Q fell at '
        f'{", ".join(f"{x - t0:.2f}" for x in drops)} s')
    stop(ns, tt, cl, socks)


def test():
    part_abort0()
    part_abort1()
    part_rate()


if __name__ == '__main__':
    ttlib.run(test)
