#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""download (SPEC D2-D4, O2; issue 7): large bodies from tcpterm's http app, which streams a
body past 64 KiB as the send queue drains (the 'writable' event), to kernel clients:

  1. curl fetches a 300 MiB body: status 200, every byte counted;
  2. a socket reads a 64 MiB body with 1 % loss each way (tcpterm's impairment layer) and
     checks every byte against the pattern app_http.c sends;
  3. three requests pipelined in one send for 1 MB bodies, the last asking to close: three
     answers in order, byte-exact, the last saying "Connection: close", then EOF;
  4. a client that sends its request and shuts down its side (half-close, F2) still gets the
     whole 1 MB body, then EOF.

Each transfer is bounded; the time each took is printed (no timed assertion)."""
import socket
import time

import ttclient
import ttlib
from ttclient import Checks, connect, recv_response, wait_eof
from ttlib import log

PORT = 80
MIB = 1 << 20
GET = b'GET /big HTTP/1.1\r\nHost: tcpterm\r\n\r\n'
GET_CLOSE = b'GET /big HTTP/1.1\r\nHost: tcpterm\r\nConnection: close\r\n\r\n'
SHOWN = ('RetransSegs', 'TCPFastRetrans', 'TCPTimeouts', 'TCPSackRecovery', 'TCPLossProbes',
         'ImpairRxLoss', 'ImpairTxLoss')


def pattern_check(body, data, phase=0):
    """Index of the first byte of data that is not the body pattern at its offset, or None."""
    period = bytes(ord('a') + i % 26 for i in range(26))
    unit = period * ((1 << 20) // 26 + 2)
    for off in range(0, len(data), 1 << 20):
        chunk = data[off:off + (1 << 20)]
        start = (phase + off) % 26
        if chunk != unit[start:start + len(chunk)]:
            return off + next(i for i, (a, b) in enumerate(zip(chunk, unit[start:])) if a != b)
    return None if len(data) == body else min(len(data), body)


def fetch_streamed(body, timeout):
    """GET over a socket, the body counted and checked as it comes; (status, hdrs, bytes
    received, first bad offset or None, seconds)."""
    s = connect(PORT, timeout=timeout)
    t0 = time.monotonic()
    s.sendall(GET)
    buf = b''
    while b'\r\n\r\n' not in buf:
        b = s.recv(65536)
        if not b:
            break
        buf += b
    head, _, rest = buf.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    got, bad, carry = 0, None, bytearray(rest)
    deadline = t0 + timeout
    while got + len(carry) < body and time.monotonic() < deadline:
        b = s.recv(1 << 20)
        if not b:
            break
        carry.extend(b)
        if len(carry) >= (1 << 20):
            if bad is None:
                k = pattern_check(len(carry), bytes(carry), got)
                bad = None if k is None else got + k
            got += len(carry)
            carry = bytearray()
    if carry and bad is None:
        k = pattern_check(len(carry), bytes(carry), got)
        bad = None if k is None else got + k
    got += len(carry)
    dt = time.monotonic() - t0
    s.close()
    return lines[0], lines[1:], got, bad, dt


def test():
    chk = Checks()
    ns = ttlib.Netns('dl')

    body = 300 * MIB
    tt = ttlib.Tcpterm(ns, 'dl0', ['--listen', str(PORT), '--app', 'http', '--http-body',
                                   str(body)]).start()
    t0 = time.monotonic()
    rc, code, size, hdrs, err = ttclient.curl(ns, f'http://{ttlib.ADDR}:{PORT}/', timeout=120)
    dt = time.monotonic() - t0
    chk.check(rc == 0 and code == 200 and size == body,
              f'curl: {body >> 20} MiB body downloaded whole ({size} bytes in {dt:.2f} s, '
              f'{size / dt / MIB:.0f} MiB/s)', f'exit {rc} status {code}: {err}')
    chk.check(f'content-length: {body}' in hdrs.lower(), 'curl: Content-Length says so')
    chk.check(tt.stop() == 0, 'tcpterm exits 0 after the download')

    body, spec = 64 * MIB, 'loss=1%'
    tt = ttlib.Tcpterm(ns, 'dl1', ['--listen', str(PORT), '--app', 'http', '--http-body',
                                   str(body), '--impair-rx', spec, '--impair-tx', spec,
                                   '--impair-seed', '77']).start()
    ns.enter()
    try:
        status, _, got, bad, dt = fetch_streamed(body, 120)
    finally:
        ns.leave()
    st = tt.stats()
    log(f'{spec}: {got} of {body} bytes in {dt:.2f} s; '
        + ', '.join(f'{k} {st[k]}' for k in SHOWN))
    chk.check(status == 'HTTP/1.1 200 OK' and got == body and bad is None,
              f'{spec}: {body >> 20} MiB body byte-exact through the impairment',
              f'{status!r}, {got} bytes, first bad byte at {bad}')
    chk.check(st['RetransSegs'] > 0 and st['ImpairTxLoss'] > 0,
              f'{spec}: losses repaired (RetransSegs {st["RetransSegs"]})')
    chk.check(tt.stop() == 0, f'{spec}: tcpterm exits 0')

    body = 1000000
    tt = ttlib.Tcpterm(ns, 'dl2', ['--listen', str(PORT), '--app', 'http', '--http-body',
                                   str(body)]).start()
    want = ttclient.http_body_pattern(body)
    ns.enter()
    try:
        s = connect(PORT, timeout=10)
        s.sendall(GET + GET + GET_CLOSE)
        answers = []
        for _ in range(3):
            status, hdrs, data = recv_response(s, time.monotonic() + 10)
            answers.append((status, hdrs.get('connection'), data == want))
        end = wait_eof(s, 3)
        s.close()
        chk.check(answers == [('HTTP/1.1 200 OK', None, True)] * 2 +
                  [('HTTP/1.1 200 OK', 'close', True)] and end == 'eof',
                  'three pipelined requests for streamed 1 MB bodies: three answers in '
                  'order, byte-exact, the last "Connection: close", then EOF',
                  f'{answers}, then {end}')

        s = connect(PORT, timeout=10)
        s.sendall(GET)
        s.shutdown(socket.SHUT_WR)
        status, _, data = recv_response(s, time.monotonic() + 10)
        end = wait_eof(s, 3)
        s.close()
        chk.check(status == 'HTTP/1.1 200 OK' and data == want and end == 'eof',
                  'half-closed client (F2): the whole streamed body, then EOF',
                  f'{status!r}, {len(data)} bytes, then {end}')
    finally:
        ns.leave()
    ttclient.wait_settled(tt)
    chk.check(tt.stop() == 0, 'tcpterm exits 0, nothing left open')
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
