#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the real-client integration tests (test_http.py, test_wrk.py, test_echo.py,
test_close.py, test_tw.py, test_flood.py, test_sndbuf.py): the Linux kernel in the test's
namespace is the client (curl, wrk, hping3, Python sockets), tcpterm answers over the TAP.

Checks collects sub-checks: each failing one is logged at once and the test goes on, so one
run shows every behaviour that is wrong; done() fails the test when any failed.
"""
import re
import socket
import subprocess
import threading
import time

import ttlib
from ttlib import log

# States a connection passes through while open or closing; after a test all are 0.
BUSY_STATES = ('SYN_RECV', 'ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT',
               'CLOSING', 'LAST_ACK')


class Checks:
    def __init__(self):
        self.failed = []

    def check(self, cond, msg, detail=''):
        if cond:
            log(f'ok: {msg}')
        else:
            self.failed.append(msg)
            log(f'FAIL: {msg}' + (f' -- {detail}' if detail else ''))
        return cond

    def done(self):
        if self.failed:
            raise ttlib.TestFailure(f'{len(self.failed)} check(s) failed: '
                                    + '; '.join(self.failed))


def conns(tt):
    c = ttlib.telemetry(tt.prefix, '/tcpterm/conns')
    ttlib.expect(isinstance(c, dict), f'/tcpterm/conns answered {c!r}')
    return c


def wait_conns(tt, pred, timeout=3.0):
    """Poll /tcpterm/conns until pred(conns) holds; the last answer either way."""
    end = time.monotonic() + timeout
    while True:
        c = conns(tt)
        if pred(c) or time.monotonic() > end:
            return c
        time.sleep(0.05)


def busy(c, states=BUSY_STATES):
    return {s: c.get(s, 0) for s in states if c.get(s, 0)}


def wait_settled(tt, timeout=3.0, states=BUSY_STATES):
    """/tcpterm/conns once no connection is open or closing (or at timeout)."""
    return wait_conns(tt, lambda c: not busy(c, states), timeout)


def delta(after, before, names):
    return {k: after[k] - before[k] for k in names}


def check_alive(chk, ns, tt):
    """D8: tcpterm is still running and answers ping from the namespace."""
    chk.check(tt.alive(), 'D8: tcpterm is still running')
    r = ns.run(['ping', '-c', '2', '-i', '0.2', '-W', '1', ttlib.ADDR],
               capture_output=True, text=True)
    chk.check(r.returncode == 0, f'D8: tcpterm answers ping at {ttlib.ADDR}',
              r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr.strip())


# ---------------------------------------------------------------------------------------
# HTTP over a plain socket.

def recv_response(s, deadline):
    """One HTTP response from socket s: (status line, headers dict lower-cased, body bytes,
    rest) — rest is what followed the body. Raises socket.timeout / EOFError on trouble."""
    buf = getattr(s, '_tt_buf', b'')
    while b'\r\n\r\n' not in buf:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        b = s.recv(65536)
        if not b:
            raise EOFError(f'EOF after {len(buf)} bytes of headers: {buf[:200]!r}')
        buf += b
    head, _, buf = buf.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(':')
        hdrs[k.strip().lower()] = v.strip()
    n = int(hdrs.get('content-length', '0'))
    while len(buf) < n:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        b = s.recv(max(65536, n - len(buf)))
        if not b:
            raise EOFError(f'EOF after {len(buf)} of {n} body bytes')
        buf += b
    body, s._tt_buf = buf[:n], buf[n:]
    return lines[0], hdrs, body


class Sock(socket.socket):
    """A socket that can carry the bytes read past one response (recv_response)."""
    _tt_buf = b''


def connect(port, timeout=3.0, bind_port=None, reuse=False):
    s = Sock(socket.AF_INET, socket.SOCK_STREAM)
    if reuse:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if bind_port is not None:
        s.bind((ttlib.PEER, bind_port))
    s.settimeout(timeout)
    s.connect((ttlib.ADDR, port))
    return s


def echo_stream(addr, port, data, timeout, before_close=None):
    """Send data to an echo server at addr:port while a thread reads it back, both
    directions loaded at once; (the bytes that came back, seconds taken). Call it inside the
    client's namespace. before_close, when given, is called once everything came back (or
    the time ran out) while the connection is still open."""
    got = bytearray()
    s = socket.create_connection((addr, port), timeout=timeout)

    def reader():
        try:
            while len(got) < len(data):
                b = s.recv(1 << 20)
                if not b:
                    return
                got.extend(b)
        except OSError:
            return

    t = threading.Thread(target=reader)
    t0 = time.monotonic()
    t.start()
    try:
        s.sendall(data)
    except OSError:
        pass
    t.join(timeout)
    dt = time.monotonic() - t0
    if before_close is not None:
        before_close()
    s.close()
    return bytes(got), dt


def wait_eof(s, timeout=2.0):
    """'eof' when the peer's FIN arrives within timeout with no more data, 'data',
    'reset' or 'timeout' otherwise."""
    buf = s._tt_buf if isinstance(s, Sock) else b''
    if buf:
        return 'data'
    s.settimeout(timeout)
    try:
        b = s.recv(65536)
    except socket.timeout:
        return 'timeout'
    except ConnectionResetError:
        return 'reset'
    return 'eof' if not b else 'data'


def http_body_pattern(n):
    """The body app_http.c sends: 'a'..'z' repeated."""
    return bytes(ord('a') + i % 26 for i in range(n))


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


def fetch_streamed(port, request, body, timeout):
    """request over a socket to port, the body counted and checked against the http app's
    pattern as it comes; (status, hdrs, bytes received, first bad offset or None, seconds).
    Call it inside the client's namespace."""
    s = connect(port, timeout=timeout)
    t0 = time.monotonic()
    s.sendall(request)
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



# ---------------------------------------------------------------------------------------
# Processes in the namespace.

def curl(ns, url, *args, timeout=5):
    """curl in the namespace: (exit code, HTTP status, downloaded bytes, headers text,
    stderr)."""
    r = ns.run(['curl', '-sS', '-m', str(timeout), '-o', '/dev/null', '-D', '-',
                '-w', '\n@@%{http_code} %{size_download} %{num_connects}'] + list(args) + [url],
               capture_output=True, text=True)
    out = r.stdout
    m = re.search(r'@@(\d+) (\d+) (\d+)\s*$', out)
    code, size = (int(m.group(1)), int(m.group(2))) if m else (0, -1)
    headers = out[:m.start()] if m else out
    return r.returncode, code, size, headers, r.stderr.strip()


class Background:
    """A process in the namespace, started now, ended by its PID in stop()."""

    def __init__(self, ns, argv):
        self.p = subprocess.Popen(ns.argv(argv), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        ttlib._cleanups.append(self.stop)
        self.out = self.err = ''

    def wait(self, timeout):
        try:
            self.out, self.err = self.p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
        return self.p.returncode

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.out, self.err = self.p.communicate(timeout=3)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.out, self.err = self.p.communicate()
        return self.p.returncode
