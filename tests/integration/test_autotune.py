#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""autotune (SPEC D2, R2; issue 7): buffer autotuning against the kernel over a long path —
tcpterm's impairment layer delays its port 10 ms each way (RTT 20 ms) at 400 Mbit/s.

  upload 16 MiB to --app discard, rmem default (4096 131072 6291456): the receive buffer
      grows past its 131072 default (/tcpterm/sockets rcvbuf, window offered), the receiver's
      RTT is measured from timestamps (rcv_rtt_ms about 20);
  the same with --rmem 131072 (fixed, as SO_RCVBUF): rcvbuf stays 131072;
  download 16 MiB from --app http, wmem default (4096 16384 4194304): the send buffer grows
      with cwnd past its 16384 default.

The times are printed (the fixed window's ~6 MB/s against the autotuned one's), not
asserted."""
import fcntl
import os
import socket
import struct
import termios
import time

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log

MIB = 1 << 20
IMPAIR = 'delay=10ms,rate=400mbit,limit=4000'


def outq(s):
    """Bytes the kernel still holds for s: sent and not yet acknowledged, or not sent."""
    return struct.unpack('i', fcntl.ioctl(s, termios.TIOCOUTQ, b'\0' * 4))[0]


def sockets(tt):
    socks = ttlib.telemetry(tt.prefix, '/tcpterm/sockets') or {}
    return [v for v in socks.values() if v.get('state') == 'ESTABLISHED']


def upload(n, timeout=60):
    """n bytes to the discard app; (seconds until all acknowledged, the open socket)."""
    s = socket.create_connection((ttlib.ADDR, 9), timeout=timeout)
    data = os.urandom(n)
    t0 = time.monotonic()
    s.sendall(data)
    deadline = t0 + timeout
    while outq(s) > 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    return time.monotonic() - t0, s


def start(ns, tag, app, extra):
    return ttlib.Tcpterm(ns, tag, ['--listen', '9' if app == 'discard' else '80', '--app', app,
                                   '--impair-rx', IMPAIR, '--impair-tx', IMPAIR] + extra).start()


def test():
    chk = Checks()
    ns = ttlib.Netns('atn')
    n = 16 * MIB
    took = {}
    for tag, extra in (('auto', []), ('fixed', ['--rmem', '131072'])):
        tt = start(ns, f'at{tag}', 'discard', extra)
        with ns:
            dt, s = upload(n)
        took[tag] = dt
        socks = sockets(tt)
        s.close()
        chk.check(len(socks) == 1, f'{tag}: one connection in the sockets view ({len(socks)})')
        v = socks[0] if socks else {}
        log(f'{tag}: {n >> 20} MiB uploaded in {dt:.2f} s ({n / dt / MIB:.1f} MiB/s); '
            f'rcvbuf {v.get("rcvbuf")}, rcv_wnd {v.get("rcv_wnd")}, '
            f'rcv_rtt_ms {v.get("rcv_rtt_ms")}')
        if tag == 'auto':
            chk.check(v.get('rcvbuf', 0) > 131072,
                      f'auto: the receive buffer grew past its default ({v.get("rcvbuf")})')
            chk.check(15 <= v.get('rcv_rtt_ms', 0) <= 200,
                      f'auto: the receiver RTT from timestamps is the path\'s, '
                      f'{v.get("rcv_rtt_ms")} ms (20 ms and queueing)')
        else:
            chk.check(v.get('rcvbuf') == 131072,
                      f'fixed: --rmem 131072 keeps the buffer ({v.get("rcvbuf")})')
        chk.check(tt.stop() == 0, f'{tag}: tcpterm exits 0')
    log(f'upload times: autotuned {took["auto"]:.2f} s, fixed 128 KiB {took["fixed"]:.2f} s')

    tt = start(ns, 'atdl', 'http', ['--http-body', str(n)])
    with ns:
        s = ttclient.connect(80, timeout=60)
        t0 = time.monotonic()
        s.sendall(b'GET / HTTP/1.1\r\nHost: tcpterm\r\n\r\n')
        status, _, body = ttclient.recv_response(s, t0 + 60)
        dt = time.monotonic() - t0
    socks = sockets(tt)
    s.close()
    v = socks[0] if socks else {}
    log(f'download: {len(body) >> 20} MiB in {dt:.2f} s ({len(body) / dt / MIB:.1f} MiB/s); '
        f'sndbuf {v.get("sndbuf")}, cwnd {v.get("cwnd")}')
    chk.check(status == 'HTTP/1.1 200 OK' and len(body) == n, f'download: {n >> 20} MiB whole')
    sndbuf, cwnd = v.get('sndbuf', 0), v.get('cwnd', 0)
    chk.check(sndbuf > 16384 and (sndbuf >= min(2 * cwnd, 4194304) or sndbuf == 4194304),
              f'download: the send buffer grew with cwnd past its default, up to wmem\'s max '
              f'(sndbuf {sndbuf}, cwnd {cwnd})')
    chk.check(tt.stop() == 0, 'download: tcpterm exits 0')
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
