#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""placement (DESIGN "The application layer"; issue 8, A2): the same applications run inline
on the worker's lcore and on an lcore of their own (app_lcores = 1, EAL -l A,B: the worker on
A, its applications on B, calls and events over rings), with the same behaviour. For each
placement, one tcpterm with http on 80, echo on 7 and hold on 9 (backlog 2):
  1. curl GET /: HTTP 200 and the configured body (20000 bytes);
  2. echo: 8 MiB sent by a kernel client, read back byte-exact while it sends; then the
     client half-closes and the echo's FIN follows (EOF);
  3. 300 short connections one after another (HTTP/1.0 GET, the answer read to the
     server's FIN): every one answered in full (accepts, events and each TCB's end crossing
     the rings 300 times);
  4. both placements leave nothing behind: no connection open or closing once the clients
     are gone, and tcpterm stops on SIGINT with exit 0.
"""
import hashlib
import os
import shutil
import socket
import tempfile
import time

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log


def lcores():
    cpus = sorted(os.sched_getaffinity(0))
    return cpus[-2:] if len(cpus) >= 2 else None


def run_placement(ns, chk, placement, tmpdir):
    cpus = lcores()
    tag = 'pl' + placement[0]
    conf = os.path.join(tmpdir, 'placement.conf')
    with open(conf, 'w') as f:
        f.write('[listen 80]\napp = http\nhttp_body = 20000\n[listen 7]\napp = echo\n')
    args = ['--config', conf]
    if placement == 'lcore':
        args += ['--app-lcores', '1']
    tt = ttlib.Tcpterm(ns, tag, args)
    if placement == 'lcore':
        tt.eal[1] = f'{cpus[0]},{cpus[1]}'
    tt.start()
    if placement == 'lcore':
        line = f'worker 0 on lcore {cpus[0]}, its applications on lcore {cpus[1]}'
        chk.check(line in tt.output(), f'lcore: tcpterm says "{line}"')
    with ns:
        rc, code, size, _, err = ttclient.curl(ns, f'http://{ttlib.ADDR}/')
        chk.check(rc == 0 and code == 200 and size == 20000,
                  f'{placement}: 1. curl: exit {rc}, HTTP {code}, {size} bytes', err)

        data = os.urandom(8 << 20)
        got = bytearray()
        s = socket.create_connection((ttlib.ADDR, 7), timeout=20)
        s.sendall(data[:1 << 20])
        t0 = time.monotonic()
        sent = 1 << 20
        s.setblocking(False)
        while len(got) < len(data) and time.monotonic() - t0 < 30:
            if sent < len(data):
                try:
                    sent += s.send(data[sent:sent + (256 << 10)])
                except BlockingIOError:
                    pass
            try:
                b = s.recv(1 << 20)
                if not b:
                    break
                got.extend(b)
            except BlockingIOError:
                time.sleep(0.0005)
        s.setblocking(True)
        s.settimeout(5)
        s.shutdown(socket.SHUT_WR)
        try:
            eof = s.recv(1) == b''
        except OSError:
            eof = False
        s.close()
        chk.check(hashlib.sha256(got).digest() == hashlib.sha256(data).digest(),
                  f'{placement}: 2. echo: {len(got)} of {len(data)} bytes back, '
                  f'{"byte-exact" if bytes(got) == data else "DIFFERENT"} in '
                  f'{time.monotonic() - t0:.2f} s')
        chk.check(eof, f'{placement}: 2. after our FIN the echo closed (EOF)')

        full = 0
        t0 = time.monotonic()
        for _ in range(300):
            with socket.create_connection((ttlib.ADDR, 80), timeout=3) as c:
                c.sendall(b'GET / HTTP/1.0\r\n\r\n')
                ans = bytearray()
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    ans.extend(b)
            head, _, body = bytes(ans).partition(b'\r\n\r\n')
            full += head.startswith(b'HTTP/1.') and b' 200 ' in head and len(body) == 20000
        chk.check(full == 300, f'{placement}: 3. {full} of 300 short connections answered in '
                               f'full ({time.monotonic() - t0:.2f} s)')
    c = ttclient.wait_settled(tt, timeout=10)
    chk.check(not ttclient.busy(c), f'{placement}: 4. every connection ended: {c}')
    rc = tt.stop()
    chk.check(rc == 0, f'{placement}: 4. tcpterm stopped with exit {rc}')


def test():
    if lcores() is None:
        log('SKIP: the lcore placement needs two CPUs')
        return ttlib.SKIP
    ns = ttlib.Netns('plc')
    chk = Checks()
    tmpdir = tempfile.mkdtemp(prefix='ttplc.')
    ttlib._cleanups.append(lambda: shutil.rmtree(tmpdir, ignore_errors=True))
    for placement in ('inline', 'lcore'):
        run_placement(ns, chk, placement, tmpdir)
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
