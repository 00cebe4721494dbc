#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sndbuf (SPEC D2/D3 data transfer, O2 apps echo and http; F8 says when a reset is due):
an application whose answers outrun the peer's ACKs must be slowed down — by the send
buffer (wmem, 16 KiB by default) filling and the receive window closing, as a Linux server
blocks in write() — never reset. Real clients in the test's namespace:

  - echo: a Python client streams 1 MiB (sendall from one thread, recv in another, as
    any echo client does) and reads every byte back, then EOF, no reset;
  - echo: 64 KiB sent in one sendall, then read back;
  - http --http-body 100000: two requests pipelined in one send get two complete
    responses, in order (the second asked to close), no reset.

Each case has more than wmem unacknowledged at once. EstabResets and OutRsts stay 0, and
tcpterm answers ping afterwards (D8)."""
import socket
import threading
import time

import ttclient
import ttlib
from ttclient import Checks, recv_response
from ttlib import log


def pattern(n):
    return bytes((i * 13 + i // 509) & 0xff for i in range(n))


def stream_echo(chk, port, total, chunk):
    data = pattern(total)
    got = bytearray()
    errs = []
    s = ttclient.connect(port, timeout=5)

    def reader():
        try:
            while len(got) < total:
                b = s.recv(65536)
                if not b:
                    errs.append(f'EOF after {len(got)} bytes')
                    return
                got.extend(b)
        except OSError as e:
            errs.append(f'recv after {len(got)} bytes: {e!r}')

    t = threading.Thread(target=reader)
    t.start()
    t0 = time.monotonic()
    try:
        for off in range(0, total, chunk):
            s.sendall(data[off:off + chunk])
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        errs.append(f'send: {e!r}')
    t.join(10)
    dt = time.monotonic() - t0
    end = ttclient.wait_eof(s, 2.0) if not errs else 'error'
    s.close()
    ok = not errs and bytes(got) == data
    chk.check(ok, f'echo: {total} bytes streamed in {chunk}-byte sends come back intact '
              f'({len(got)} back in {dt:.2f} s)', '; '.join(errs))
    chk.check(end == 'eof', f'echo: then EOF after shutdown(SHUT_WR) (client saw {end})')


def pipelined_big(chk, port, body):
    s = ttclient.connect(port, timeout=5)
    got = []
    try:
        s.sendall(b'GET /1 HTTP/1.1\r\nHost: t\r\n\r\n'
                  b'GET /2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
        deadline = time.monotonic() + 5
        for _ in range(2):
            got.append(recv_response(s, deadline))
        end = ttclient.wait_eof(s, 2.0)
        err = None
    except (OSError, EOFError) as e:
        end, err = 'error', e
    finally:
        s.close()
    chk.check(err is None and len(got) == 2 and
              all(r[0].endswith('200 OK') and len(r[2]) == body for r in got),
              f'http: two pipelined requests, --http-body {body}: two complete 200 responses',
              f'{len(got)} complete before {err!r}')
    if len(got) == 2:
        chk.check(got[1][1].get('connection', '').lower() == 'close' and
                  got[0][1].get('connection', '').lower() != 'close',
                  'http: pipelined answers in order')
        chk.check(end == 'eof', f'http: EOF after the second answer (client saw {end})')


def test():
    chk = Checks()
    ns = ttlib.Netns('sbf')
    tt = ttlib.Tcpterm(ns, 'sbf', ['--listen', '7', '--app', 'echo',
                                   '--time-wait', '3']).start()
    ns.enter()
    before = tt.stats()
    stream_echo(chk, 7, 1 << 20, 16384)
    stream_echo(chk, 7, 65536, 65536)
    d = ttclient.delta(tt.stats(), before, ('PassiveOpens', 'EstabResets', 'OutRsts',
                                            'RetransSegs'))
    log(f'echo counters moved {d}')
    chk.check(d['EstabResets'] == 0 and d['OutRsts'] == 0,
              f'echo: no reset (EstabResets +{d["EstabResets"]}, OutRsts +{d["OutRsts"]})')
    ttclient.check_alive(chk, ns, tt)
    tt.stop()

    body = 100000
    tt = ttlib.Tcpterm(ns, 'sbh', ['--listen', '80', '--app', 'http', '--http-body',
                                   str(body), '--time-wait', '3']).start()
    before = tt.stats()
    pipelined_big(chk, 80, body)
    d = ttclient.delta(tt.stats(), before, ('PassiveOpens', 'EstabResets', 'OutRsts'))
    log(f'http counters moved {d}')
    chk.check(d['EstabResets'] == 0 and d['OutRsts'] == 0,
              f'http: no reset (EstabResets +{d["EstabResets"]}, OutRsts +{d["OutRsts"]})')
    c = ttclient.wait_settled(tt, 3.0)
    chk.check(not ttclient.busy(c), 'nothing left open or closing on tcpterm', f'conns {c}')
    ttclient.check_alive(chk, ns, tt)
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
