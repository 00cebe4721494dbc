#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""live_set (issue 10 item 4; SPEC Q1, Q3, Q4, C1, O3, O4): tcpterm-ctl set, the sysctl -w of
an operator under attack, against a running tcpterm (--app hold --backlog 8, never
accepting). Real peers: kernel clients (Python sockets) fill the accept queue, the scapy
client of hslib.py plays the handshake that meets it.

1. `tcpterm-ctl set` lists the live keys with their values (syncookies = 1, somaxconn = 4096,
   listen.PORT.backlog = 8), as sysctl -a would.
2. `set listen.PORT.backlog 2` prints "listen PORT backlog 8 -> 2": tcpterm-ctl listeners
   Send-Q 2, /tcpterm/config's listener backlog 2, tcpterm logs the change; a kernel
   connect, the scapy SYN, a second kernel connect fill the queue, and the scapy final ACK
   is ignored (Q4, ListenOverflows +1), as it would be with --backlog 2 from the start.
3. `set listen.PORT.backlog 3` makes room for one more (a raise takes effect too);
   `set abort_on_overflow 1`: the next final ACK meeting the full queue gets RST seq=SEG.ACK.
4. `set net.ipv4.tcp_syncookies 2` (Linux's name): a SYN is answered with a cookie
   (SyncookiesSent +1, no SYN_RECV entry) although the SYN queue has room (C1).
5. `set somaxconn 1`: every listener's accept queue becomes min(backlog, 1): Send-Q 1.
6. `set backlog 3` (every listener, and somaxconn back to 4096): Send-Q 3.
6b. `set net.ipv4.tcp_synack_retries 1`: a request whose final ACK never comes gets one
   SYN-ACK retransmission (about 1 s on), none at 3 s (the default 5 would), then is
   dropped (H5).
7. Refused, each with one line and exit 2, nothing changed: a start-only key (mtu), no such
   key, a value that is not a number or out of range, max_syn_backlog above what was
   preallocated, a listener that does not exist, mem_min above mem_pressure (tcp_mem's
   order), a key without a value, a bad impairment, Linux names Linux does not have
   (net.core.syncookies, net.ipv4.tcp_mem_min).
Skipped (exit 77, said so) while tcpterm-ctl is not built.
"""
import os
import subprocess

import hslib
import ttlib
from hslib import RST
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT


def ctl(tt, *args):
    return subprocess.run([ttlib.TCPTERM_CTL, '--file-prefix', tt.prefix] + list(args),
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=10)


def ctl_ok(tt, *args):
    r = ctl(tt, *args)
    expect(r.returncode == 0, f'tcpterm-ctl {" ".join(args)} exited {r.returncode}: '
           f'{r.stderr.strip()}')
    return r.stdout


def listed(tt):
    """tcpterm-ctl set's "KEY = VALUE" lines as a dict."""
    out = {}
    for line in ctl_ok(tt, 'set').splitlines():
        k, sep, v = line.partition(' = ')
        expect(sep == ' = ', f'tcpterm-ctl set: line {line!r} is not "KEY = VALUE"')
        out[k] = v
    return out


def send_q(tt):
    rows = hslib.ctl_listeners(tt.prefix)
    expect(rows is not None and PORT in rows, f'tcpterm-ctl listeners has no row for {PORT}')
    return rows[PORT][1]


def part_list(tt):
    keys = listed(tt)
    want = {'syncookies': '1', 'somaxconn': '4096', 'abort_on_overflow': '0',
            f'listen.{PORT}.backlog': '8', 'synack_retries': '5'}
    for k, v in want.items():
        expect(keys.get(k) == v, f'tcpterm-ctl set lists {k} = {keys.get(k)!r}, want {v!r}')
    expect('mtu' not in keys and 'mbufs' not in keys,
           f'tcpterm-ctl set lists start-only keys: {sorted(keys)}')
    log(f'ok: tcpterm-ctl set lists {len(keys)} live keys with their values '
        f'({", ".join(f"{k} = {v}" for k, v in want.items())})')


def part_backlog(tt, cl):
    out = ctl_ok(tt, 'set', f'listen.{PORT}.backlog', '2').strip()
    expect(out == f'listen {PORT} backlog 8 -> 2', f'set listen.{PORT}.backlog 2 printed '
           f'{out!r}, want "listen {PORT} backlog 8 -> 2"')
    lq = cl.listener(PORT)
    expect(lq['send_q'] == 2 and send_q(tt) == 2,
           f'after set backlog 2: /tcpterm/listeners send_q {lq["send_q"]}, tcpterm-ctl '
           f'listeners Send-Q {send_q(tt)}, want 2')
    backlog = ttlib.cfg_value(tt.config(), f'listen {PORT}', 'backlog')
    expect(str(backlog) == '2', f'/tcpterm/config listener backlog {backlog!r}, want 2')
    # The scapy SYN is answered while the queue holds 1; its final ACK meets it full (2).
    socks = [hslib.kernel_connect(PORT)]
    f = cl.flow(PORT)
    f.connect(hslib.FULL_OPTS)
    socks.append(hslib.kernel_connect(PORT))
    before = tt.stats()
    f.ack()
    f.silence('Q4: final ACK to the accept queue full at its new size 2', 0.3)
    hslib.check_delta('Q4 at the live backlog', before, tt.stats(),
                      {'ListenOverflows': 1, 'ListenDrops': 1, 'PassiveOpens': 0,
                       'OutRsts': 0})
    log('ok: set listen.PORT.backlog 2 -> Send-Q 2 in telemetry, tcpterm-ctl and /tcpterm/'
        'config; filled by two, the final ACK of a third is ignored (Q4)')
    return socks


def part_abort(tt, cl, socks):
    from scapy.layers.inet import TCP
    # Raised live by one: the scapy SYN finds room, a kernel connect then fills the queue.
    ctl_ok(tt, 'set', f'listen.{PORT}.backlog', '3')
    f = cl.flow(PORT)
    before = tt.stats()
    try:
        f.connect(hslib.FULL_OPTS)
    except ttlib.TestFailure as e:
        names = ['ListenOverflows', 'ListenDrops', 'SynShedBusy', 'SynShedMemory',
                 'TCPReqQFullDrop', 'SyncookiesSent']
        raise ttlib.TestFailure(f'{e}\n    counters: {hslib.delta(before, tt.stats(), names)}, '
                                f'listener {cl.listener(PORT)}') from None
    socks.append(hslib.kernel_connect(PORT))
    out = ctl_ok(tt, 'set', 'abort_on_overflow', '1').strip()
    expect(out == 'abort_on_overflow 0 -> 1', f'set abort_on_overflow 1 printed {out!r}')
    before = tt.stats()
    f.ack()
    p = f.expect('Q4: final ACK to a full accept queue after set abort_on_overflow 1')
    expect(int(p[TCP].flags) == RST and p[TCP].seq == f.rcv_nxt,
           f'Q4 live abort_on_overflow 1: final ACK -> {hslib.describe(p)}, want [R] seq '
           f'{f.rcv_nxt}')
    hslib.check_delta('Q4 live abort_on_overflow 1', before, tt.stats(),
                      {'ListenOverflows': 1, 'OutRsts': 1})
    log('ok: backlog raised live to 3 takes a third connection; set abort_on_overflow 1 -> '
        'the next final ACK to the full queue gets RST seq=SEG.ACK')


def part_cookies(tt, cl):
    from scapy.layers.inet import TCP
    ctl_ok(tt, 'set', 'abort_on_overflow', '0')
    # The accept queue is full: Q3 would drop the SYN. Give it room first.
    ctl_ok(tt, 'set', f'listen.{PORT}.backlog', '8')
    out = ctl_ok(tt, 'set', 'net.ipv4.tcp_syncookies', '2').strip()
    expect(out == 'syncookies 1 -> 2', f'set net.ipv4.tcp_syncookies 2 printed {out!r}')
    syn_recv = cl.conns()['SYN_RECV']
    before = tt.stats()
    f = cl.flow(PORT)
    f.syn(hslib.FULL_OPTS)
    p = f.expect('C1: SYN after set syncookies 2', flags=hslib.SA)
    hslib.check_delta('C1 live syncookies 2', before, tt.stats(), {'SyncookiesSent': 1})
    expect(cl.conns()['SYN_RECV'] == syn_recv,
           f'syncookies 2: SYN_RECV {cl.conns()["SYN_RECV"]}, want {syn_recv} (no state kept)')
    f.rst(seq=p[TCP].ack)
    ctl_ok(tt, 'set', 'syncookies', '1')
    log('ok: set net.ipv4.tcp_syncookies 2 -> the next SYN is answered with a cookie, no '
        'SYN_RECV entry (C1), though the SYN queue has room')


def part_somaxconn(tt):
    out = ctl_ok(tt, 'set', 'net.core.somaxconn', '1').strip()
    expect(out == 'somaxconn 4096 -> 1', f'set net.core.somaxconn 1 printed {out!r}')
    expect(send_q(tt) == 1, f'after set somaxconn 1: Send-Q {send_q(tt)}, want min(8, 1) = 1')
    ctl_ok(tt, 'set', 'somaxconn', '4096')
    out = ctl_ok(tt, 'set', 'backlog', '3').strip()
    expect(out == 'backlog 8 -> 3 (every listener)', f'set backlog 3 printed {out!r} '
           '(--backlog 8 set the [listen] default)')
    expect(send_q(tt) == 3, f'after set backlog 3: Send-Q {send_q(tt)}, want 3')
    log('ok: set somaxconn 1 -> Send-Q min(backlog, somaxconn) = 1; set backlog 3 (every '
        'listener) -> Send-Q 3')


def part_synack_retries(tt, cl):
    """H5 live: synack_retries 1 -> one retransmission (about 1 s after the SYN-ACK), then
    the request is dropped (about 3 s after); the default 5 would send a third by then."""
    from scapy.layers.inet import TCP
    ctl_ok(tt, 'set', 'backlog', '8')      # room: the queue holds 3 (Q3 would drop the SYN)
    out = ctl_ok(tt, 'set', 'net.ipv4.tcp_synack_retries', '1').strip()
    expect(out == 'synack_retries 5 -> 1', f'set net.ipv4.tcp_synack_retries 1 printed {out!r}')
    f = cl.flow(PORT)
    first = f.connect(hslib.FULL_OPTS)
    got = cl.collect(f.pred(hslib.SA), 3.6)
    times = [round(p.time - first.time, 2) for p in got]
    expect(len(got) == 1 and 0.6 <= times[0] <= 1.6 and
           all(p[TCP].seq == f.iss for p in got),
           f'synack_retries 1: SYN-ACK retransmissions at {times} s, want one, about 1 s after '
           'the first')
    # Every request left (part_backlog's, kept without a final ACK) has its own last timeout
    # by now under the new limit too.
    cl.wait_for('H5: the request dropped after its one retransmission', cl.conns,
                lambda c: c['SYN_RECV'] == 0, timeout=1.0)
    ctl_ok(tt, 'set', 'synack_retries', '5')
    log(f'ok: set net.ipv4.tcp_synack_retries 1 -> one SYN-ACK retransmission ({times[0]} s), '
        'none at 3 s, the request dropped (H5)')


def part_refused(tt):
    keys = listed(tt)
    cases = [
        (['mtu', '9000'], 'set at start only'),
        (['no_such_key', '1'], 'no such key'),
        (['somaxconn', 'abc'], 'not a non-negative integer'),
        (['somaxconn', '0'], 'out of range'),
        (['synack_retries', '256'], 'out of range'),
        (['max_syn_backlog', '100000'], 'preallocated at start'),
        (['listen.9999.backlog', '4'], 'no listener on port 9999'),
        (['listen.80x.backlog', '4'], 'expected listen.PORT.KEY'),
        (['mem_min', '90'], 'must not decrease'),
        (['somaxconn'], 'expected a value'),
        (['impair_rx', 'loss=200%'], 'percentage'),
        (['rx', 'loss=1%'], 'impair_rx SPEC'),
        (['net.core.syncookies', '2'], 'no such key'),
        (['net.ipv4.tcp_mem_min', '10'], 'no such key'),
        (['listen.+8080.backlog', '4'], 'expected listen.PORT.KEY'),
    ]
    for args, why in cases:
        r = ctl(tt, 'set', *args)
        err = r.stderr.strip()
        expect(r.returncode == 2 and '\n' not in err and err.startswith('tcpterm-ctl: ') and
               why in err and r.stdout == '',
               f'set {" ".join(args)}: exit {r.returncode}, stderr {err!r}, stdout '
               f'{r.stdout!r}; want exit 2 and one line saying {why!r}')
        log(f'ok: set {" ".join(args)} refused: {err}')
    expect(listed(tt) == keys, 'a refused set changed a live key')
    expect(tt.alive(), 'tcpterm died on a refused set')
    log(f'ok: {len(cases)} bad sets refused with one line and exit 2; no key changed')


def test():
    if not ttlib.TCPTERM_CTL or not os.access(ttlib.TCPTERM_CTL, os.X_OK):
        log(f'SKIP: tcpterm-ctl is not built (TCPTERM_CTL={ttlib.TCPTERM_CTL!r})')
        return ttlib.SKIP
    ns = ttlib.Netns('lset')
    tt = ttlib.Tcpterm(ns, 'lset', ['--listen', str(PORT), '--app', 'hold', '--backlog',
                                    '8']).start()
    cl = hslib.Client(ns, tt)
    socks = []
    try:
        part_list(tt)
        socks = part_backlog(tt, cl)
        part_abort(tt, cl, socks)
        part_cookies(tt, cl)
        part_somaxconn(tt)
        part_synack_retries(tt, cl)
        part_refused(tt)
        logged = [line for line in tt.output().splitlines() if 'set ' in line and ' -> ' in line]
        expect(any(f'set listen {PORT} backlog 8 -> 2' in line for line in logged) and
               any('set syncookies 1 -> 2' in line for line in logged),
               f'tcpterm did not log the changes; its lines with "set": {logged}')
        log(f'ok: tcpterm logged each change ({len(logged)} lines, e.g. {logged[0].strip()!r})')
    finally:
        for s in socks:
            s.close()
        cl.close()
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()
    return 0


if __name__ == '__main__':
    ttlib.run(test)
