#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""refused (SPEC H9): a SYN to a port with no listener gets RST/ACK, so a client's connect
fails at once with "connection refused" — to port 80 and to a random port, from Python's
socket module (no scapy) and from curl (exit 7) — and OutRsts counts each reset.

tcpterm listens on 8080 only (--listen 8080), so port 80 has no listener now and will still
have none once listeners are built."""
import errno
import random
import socket
import subprocess
import time

import ttlib
from ttlib import expect, log


def connect_refused(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(3)
    t0 = time.monotonic()
    try:
        s.connect((ttlib.ADDR, port))
        outcome = 'connected'
    except ConnectionRefusedError:
        outcome = 'refused'
    except socket.timeout:
        outcome = 'timed out'
    except OSError as e:
        outcome = errno.errorcode.get(e.errno, str(e))
    finally:
        s.close()
    dt = time.monotonic() - t0
    expect(outcome == 'refused', f'connect to port {port}: {outcome}, want ConnectionRefusedError')
    expect(dt < 1.0, f'connect to port {port} refused after {dt:.2f} s, want < 1 s')
    log(f'ok: connect({ttlib.ADDR}, {port}) refused in {dt * 1000:.1f} ms')


def test():
    ns = ttlib.Netns('ref')
    tt = ttlib.Tcpterm(ns, 'ref', ['--listen', str(ttlib.LISTEN_PORT)]).start()
    ns.enter()
    before = tt.stats()

    connect_refused(80)
    port = random.randint(1024, 65535)
    while port == ttlib.LISTEN_PORT:
        port = random.randint(1024, 65535)
    connect_refused(port)

    t0 = time.monotonic()
    r = subprocess.run(['curl', '-sS', '-m', '5', f'http://{ttlib.ADDR}/'],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    dt = time.monotonic() - t0
    expect(r.returncode == 7, f'curl exited {r.returncode} ({r.stderr.strip()}), want 7')
    expect(dt < 1.0, f'curl took {dt:.2f} s to fail, want < 1 s')
    log(f'ok: curl exits 7 in {dt * 1000:.0f} ms: {r.stderr.strip()}')

    after = tt.stats()
    d = {k: after[k] - before[k] for k in ('OutRsts', 'InSegs', 'OutSegs', 'InErrs')}
    expect(d['OutRsts'] == 3, f'OutRsts moved by {d["OutRsts"]}, want 3 (one per SYN)')
    expect(d['InSegs'] == 3, f'InSegs moved by {d["InSegs"]}, want 3')
    expect(d['OutSegs'] == 3, f'OutSegs moved by {d["OutSegs"]}, want 3')
    expect(d['InErrs'] == 0, f'InErrs moved by {d["InErrs"]}, want 0')
    log(f'ok: counters moved {d}')


if __name__ == '__main__':
    ttlib.run(test)
