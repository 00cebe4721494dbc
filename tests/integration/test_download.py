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
    with ns:
        status, _, got, bad, dt = ttclient.fetch_streamed(PORT, GET, body, 120)
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
    with ns:
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
    ttclient.wait_settled(tt)
    chk.check(tt.stop() == 0, 'tcpterm exits 0, nothing left open')
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
