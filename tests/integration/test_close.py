#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""close (SPEC F1, F2, F3, TIME_WAIT length; O3 /tcpterm/conns): real clients in the test's
namespace, tcpterm with an echo listener (7) and an http listener (80), --time-wait 3.

  1. client-side close (F1 passive close on tcpterm): 10 echo connections, each closed by
     the client first (shutdown after the echo, EOF, close). tcpterm keeps no TIME_WAIT,
     the client's kernel holds 10 (ss -tan state time-wait in the namespace), and no
     CLOSE_WAIT / LAST_ACK lingers on tcpterm.
  2. F3, captured with tcpdump on the TAP: the client half-closes an echo connection after
     its echo came back; the echo app closes at once, and tcpterm's FIN goes out as an [F.]
     segment whose ACK covers the client's FIN; the FIN is acknowledged within 200 ms (never
     delayed waiting for the application). Whether the ACK rode on the FIN (tcpterm's
     design) or came first on its own is logged: F3 allows both.
  3. server-side close (F1 active close): 20 http requests with "Connection: close" and 20
     as HTTP/1.0; each client sees EOF after its answer; tcpterm then holds 40 TIME_WAIT
     entries, still 40 at 2.3 s (--time-wait 3 is not cut short), and none 3 s + 1.5 s after
     the last close (TIME_WAIT length).
  4. afterwards ESTABLISHED, CLOSE_WAIT, LAST_ACK, FIN_WAIT_*, CLOSING, SYN_RECV are all 0,
     no reset was sent, and tcpterm answers ping (D8)."""
import os
import re
import select
import socket
import tempfile
import time

import ttclient
import ttlib
from ttclient import Checks, connect, recv_response, wait_eof
from ttlib import log

ECHO, HTTP, TW = 7, 80, 3
CONF = f"""; test_close.py: an echo and an http listener
[listen]
time_wait = {TW}

[listen {ECHO}]
app = echo

[listen {HTTP}]
app = http
"""


def echo_client_closes(chk, tt, ns, n=10):
    tw0 = ttclient.conns(tt)['TIME_WAIT']
    ports, bad = [], []
    for i in range(n):
        try:
            s = connect(ECHO)
            msg = f'client closes {i}'.encode()
            s.sendall(msg)
            got = b''
            while len(got) < len(msg):
                b = s.recv(100)
                if not b:
                    break
                got += b
            ports.append(s.getsockname()[1])
            s.shutdown(socket.SHUT_WR)        # we close first ...
            end = wait_eof(s, 2.0)           # ... tcpterm follows (echo closes on our FIN)
            s.close()
            if got != msg or end != 'eof':
                bad.append((i, got, end))
        except OSError as e:
            bad.append((i, repr(e)))
    chk.check(not bad, f'{n} echo connections closed by the client first: echo then EOF',
              f'{bad[:3]}')
    c = ttclient.wait_settled(tt, 2.0)
    chk.check(c['TIME_WAIT'] == tw0, f'client-side close: no TIME_WAIT on tcpterm '
              f'({tw0} -> {c["TIME_WAIT"]})')
    chk.check(not ttclient.busy(c), 'client-side close: no CLOSE_WAIT / LAST_ACK lingers',
              f'conns {c}')
    ss = ns.out(['ss', '-Htan', 'state', 'time-wait', 'dst', f'{ttlib.ADDR}:{ECHO}'])
    held = {int(m) for m in re.findall(rf'{re.escape(ttlib.PEER)}:(\d+)\s', ss)}
    chk.check(set(ports) <= held, f'client-side close: the client\'s kernel holds the '
              f'TIME_WAIT of all {n} connections ({len(held & set(ports))} found by ss)',
              ss.strip())


def f3_capture(chk, ns, tt):
    cap = ttclient.Background(ns, ['timeout', '10', 'tcpdump', '-i', tt.tap, '-nn', '-S',
                                   '-tt', '-l', '-c', '40', f'tcp port {ECHO}'])
    # tcpdump says "listening on" once its filter is in place (read the pipe unbuffered:
    # a buffered readline could swallow that line with the one before it).
    buf, end, fd = '', time.monotonic() + 5, cap.p.stderr.fileno()
    while 'listening on' not in buf and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            b = os.read(fd, 4096)
            if not b:
                break
            buf += b.decode(errors='replace')
    if 'listening on' not in buf:
        chk.check(False, 'F3: tcpdump started', buf)
        cap.stop()
        return
    s = connect(ECHO)
    cport = s.getsockname()[1]
    s.sendall(b'F3 probe')
    got = s.recv(100)
    time.sleep(0.05)                         # the echo's ACK is out: the FIN goes alone
    s.shutdown(socket.SHUT_WR)
    end = wait_eof(s, 2.0)
    s.close()
    time.sleep(0.3)
    cap.stop()
    lines = cap.out.splitlines()
    chk.check(got == b'F3 probe' and end == 'eof', f'F3: echo came back and EOF ({got!r}, '
              f'{end})')
    seg_re = re.compile(r'^(\d+\.\d+) IP (\S+)\.(\d+) > (\S+)\.(\d+): Flags \[([^\]]*)\]'
                        r'(?:, seq (\d+)(?::(\d+))?)?(?:, ack (\d+))?.*length (\d+)')
    segs = []
    for line in lines:
        m = seg_re.match(line)
        if m and int(m.group(3 if m.group(2) == ttlib.PEER else 5)) == cport:
            segs.append(dict(t=float(m.group(1)), src=m.group(2), flags=m.group(6),
                             seq=int(m.group(7)) if m.group(7) else None,
                             ack=int(m.group(9)) if m.group(9) else None,
                             len=int(m.group(10)), line=line))
    cfin = [x for x in segs if x['src'] == ttlib.PEER and 'F' in x['flags']]
    if not chk.check(len(cfin) >= 1, 'F3: tcpdump saw the client\'s FIN',
                     '\n'.join(lines) + '\n' + buf + cap.err):
        return
    fin = cfin[0]
    want_ack = fin['seq'] + fin['len'] + 1
    acks = [x for x in segs if x['src'] == ttlib.ADDR and x['ack'] is not None
            and x['ack'] == want_ack]
    log('F3 capture:\n  ' + '\n  '.join(x['line'] for x in segs))
    if not chk.check(acks, f'F3: tcpterm acknowledges the client\'s FIN (ack {want_ack})'):
        return
    first = acks[0]
    fins = [x for x in acks if 'F' in x['flags'] and '.' in x['flags']]
    chk.check(fins, f'F3: tcpterm\'s FIN goes out as [F.] acknowledging the client\'s FIN '
              f'(ack {want_ack})', '\n'.join(x['line'] for x in acks))
    log(f'F3: FIN and ACK shared one segment: {"yes" if fins and fins[0] is first else "no"}'
        f' (the first segment acknowledging the client\'s FIN has flags [{first["flags"]}]; '
        'SPEC F3 allows either)')
    chk.check(first['t'] - fin['t'] < 0.2, f'F3: the FIN is acknowledged at once '
              f'({(first["t"] - fin["t"]) * 1000:.1f} ms, want < 200 ms)')


def server_closes(chk, tt, n=20):
    """n requests with Connection: close and n as HTTP/1.0; the last close's time."""
    reqs = [b'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
            b'GET / HTTP/1.0\r\n\r\n']
    bad = []
    for req in reqs:
        for i in range(n):
            try:
                s = connect(HTTP)
                s.sendall(req)
                st, _, _ = recv_response(s, time.monotonic() + 3)
                end = wait_eof(s, 2.0)
                s.close()
                if not st.endswith('200 OK') or end != 'eof':
                    bad.append((req[:20], i, st, end))
            except (OSError, EOFError) as e:
                bad.append((req[:20], i, repr(e)))
    chk.check(not bad, f'{2 * n} server-closed http connections: 200, then EOF', f'{bad[:3]}')
    return time.monotonic()


def test():
    chk = Checks()
    ns = ttlib.Netns('cls')
    with tempfile.NamedTemporaryFile('w', prefix='ttcls.', suffix='.conf', delete=False) as f:
        f.write(CONF)
    ttlib._cleanups.append(lambda: os.unlink(f.name))
    tt = ttlib.Tcpterm(ns, 'cls', ['--config', f.name, '--listen', str(ECHO),
                                   '--listen', str(HTTP)]).start()
    ns.enter()
    before = tt.stats()

    echo_client_closes(chk, tt, ns)
    f3_capture(chk, ns, tt)

    n = 20
    tw0 = ttclient.wait_conns(tt, lambda c: True)['TIME_WAIT']
    t_first = time.monotonic()
    t_last = server_closes(chk, tt, n)
    log(f'{2 * n} server-closed connections in {(t_last - t_first) * 1000:.0f} ms')
    c = ttclient.wait_conns(tt, lambda c: c['TIME_WAIT'] >= tw0 + 2 * n, 2.0)
    chk.check(c['TIME_WAIT'] == tw0 + 2 * n, f'server-side close: tcpterm holds '
              f'{2 * n} TIME_WAIT entries ({tw0} -> {c["TIME_WAIT"]})', f'conns {c}')
    chk.check(not ttclient.busy(c), 'server-side close: nothing else open or closing',
              f'conns {c}')
    if t_last - t_first < TW - 1:
        time.sleep(max(0.0, t_first + TW - 0.7 - time.monotonic()))
        c = ttclient.conns(tt)
        chk.check(c['TIME_WAIT'] == tw0 + 2 * n, f'TIME_WAIT lasts --time-wait {TW} s: at '
                  f'{time.monotonic() - t_first:.1f} s after the first close '
                  f'{c["TIME_WAIT"]} of {tw0 + 2 * n} remain')
    time.sleep(max(0.0, t_last + TW + 1.5 - time.monotonic()))
    c = ttclient.conns(tt)
    chk.check(c['TIME_WAIT'] == 0, f'TIME_WAIT gone {TW} s + 1.5 s after the last close '
              f'({c["TIME_WAIT"]} left)')

    c = ttclient.wait_settled(tt, 1.0)
    chk.check(not ttclient.busy(c), 'afterwards no connection is open or closing '
              '(ESTABLISHED, CLOSE_WAIT, LAST_ACK, FIN_WAIT_*, CLOSING, SYN_RECV all 0)',
              f'conns {c}')
    after = tt.stats()
    d = ttclient.delta(after, before, ('PassiveOpens', 'EstabResets', 'OutRsts',
                                       'TCPTimeWaitOverflow', 'CurrEstab'))
    log(f'counters moved {d}')
    chk.check(d['PassiveOpens'] == 10 + 1 + 2 * n, f'PassiveOpens +{d["PassiveOpens"]}, '
              f'want {10 + 1 + 2 * n}')
    chk.check(d['OutRsts'] == 0 and d['EstabResets'] == 0, f'no reset ({d})')
    chk.check(after['CurrEstab'] == 0, f'CurrEstab back to 0 ({after["CurrEstab"]})')
    ttclient.check_alive(chk, ns, tt)
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
