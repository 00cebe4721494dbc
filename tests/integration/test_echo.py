#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""echo (SPEC O2 app echo, D1/D2 data transfer, F1/F2 close): Python sockets in the kernel
of the test's namespace against tcpterm --app echo:

  - small round trips (1, 100, 1448, 4000 bytes) come back byte for byte;
  - 1 MiB in 8 KiB chunks, each sent and read back before the next (every byte checked);
  - 200 sequential connections, one round trip each, closed by the client;
  - half-close (F2): the client sends, shutdown(SHUT_WR), and still reads the whole echo,
    then EOF; tcpterm's FIN follows the data (F1 passive close: CLOSE_WAIT -> LAST_ACK);
  - no RST anywhere (EstabResets and OutRsts stay 0), PassiveOpens counts every connection;
  - tcpterm keeps no TIME_WAIT (the client closed first) and nothing open or closing;
  - tcpterm answers ping afterwards (D8).

Streaming more than the send buffer without reading in lock-step is test_sndbuf.py."""
import os
import socket
import time

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log

PORT = 7


def pattern(n, seed=0):
    return bytes((i * 7 + i // 251 + seed) & 0xff for i in range(n))


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        b = s.recv(min(65536, n - len(buf)))
        if not b:
            raise EOFError(f'EOF after {len(buf)} of {n} bytes')
        buf += b
    return bytes(buf)


def first_diff(a, b):
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def round_trips(chk):
    s = ttclient.connect(PORT)
    try:
        for n in (1, 100, 1448, 4000):
            data = os.urandom(n)
            s.sendall(data)
            got = recv_exact(s, n)
            chk.check(got == data, f'round trip of {n} bytes comes back intact',
                      f'first difference at {first_diff(got, data)}')
    except (OSError, EOFError) as e:
        chk.check(False, 'small round trips', repr(e))
    finally:
        s.close()


def megabyte(chk):
    total, chunk = 1 << 20, 8192
    data = pattern(total)
    got = bytearray()
    t0 = time.monotonic()
    s = ttclient.connect(PORT, timeout=5)
    try:
        for off in range(0, total, chunk):
            s.sendall(data[off:off + chunk])
            got += recv_exact(s, len(data[off:off + chunk]))
        err = None
    except (OSError, EOFError) as e:
        err = e
    finally:
        s.close()
    dt = time.monotonic() - t0
    chk.check(err is None and bytes(got) == data,
              f'1 MiB in {chunk}-byte chunks echoed, every byte checked ({len(got)} bytes '
              f'back in {dt:.2f} s)',
              f'{err!r}, first difference at {first_diff(bytes(got), data)}')


def sequential(chk, n=200):
    bad = []
    t0 = time.monotonic()
    for i in range(n):
        msg = f'connection {i}\n'.encode()
        try:
            s = ttclient.connect(PORT)
            s.sendall(msg)
            got = recv_exact(s, len(msg))
            s.close()
            if got != msg:
                bad.append((i, got))
        except (OSError, EOFError) as e:
            bad.append((i, repr(e)))
    dt = time.monotonic() - t0
    chk.check(not bad, f'{n} sequential connections each echo their line ({dt:.2f} s, '
              f'{n / dt:.0f} conn/s)', f'{len(bad)} bad, first {bad[:3]}')


def half_close(chk, tt):
    n = 10000   # below wmem (16 KiB): more in flight is test_sndbuf.py
    data = pattern(n, seed=3)
    s = ttclient.connect(PORT)
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        got = recv_exact(s, n)
        end = ttclient.wait_eof(s, 2.0)
        err = None
    except (OSError, EOFError) as e:
        got, end, err = b'', 'error', e
    finally:
        s.close()
    chk.check(err is None and got == data, f'F2 half-close: after shutdown(SHUT_WR) the '
              f'client still reads all {n} echoed bytes', f'{err!r}')
    chk.check(end == 'eof', f'F2 half-close: then EOF, tcpterm closes after the data '
              f'(client saw {end})')


def test():
    chk = Checks()
    ns = ttlib.Netns('ech')
    tt = ttlib.Tcpterm(ns, 'ech', ['--listen', str(PORT), '--app', 'echo',
                                   '--time-wait', '3']).start()
    ns.enter()
    before = tt.stats()
    round_trips(chk)
    megabyte(chk)
    sequential(chk, 200)
    half_close(chk, tt)
    c = ttclient.wait_settled(tt, 3.0)
    after = tt.stats()
    d = ttclient.delta(after, before, ('PassiveOpens', 'EstabResets', 'OutRsts',
                                       'RetransSegs', 'CurrEstab', 'TCPAbortOnData'))
    log(f'counters moved {d}; conns {c}')
    chk.check(d['PassiveOpens'] == 203, f'PassiveOpens +{d["PassiveOpens"]}, want 203 '
              '(1 + 1 + 200 + 1 connections)')
    chk.check(d['EstabResets'] == 0 and d['OutRsts'] == 0,
              f'no reset (EstabResets +{d["EstabResets"]}, OutRsts +{d["OutRsts"]})')
    chk.check(after['CurrEstab'] == 0, f'CurrEstab back to 0 ({after["CurrEstab"]})')
    chk.check(not ttclient.busy(c), 'no connection left open or closing on tcpterm '
              '(no CLOSE_WAIT / LAST_ACK lingers)', f'conns {c}')
    chk.check(c['TIME_WAIT'] == 0, f'no TIME_WAIT on tcpterm: the client closed first '
              f'({c["TIME_WAIT"]})')
    ttclient.check_alive(chk, ns, tt)
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
