#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""keepalive (SPEC D6; issue 7): port 7 with keepalive = 1 (its [listen 7] section), port 8
without; --keepalive-time 1 --keepalive-intvl 1 --keepalive-probes 2; a kernel client on each
port that connects and stays idle:

  - the kernel answers tcpterm's probes: after 3.5 s TCPKeepAlive has moved by at least two
    and the connection is still ESTABLISHED;
  - then tcpterm hears nothing more (its impairment drops every frame it receives): two
    probes go unanswered, tcpterm resets the connection (TCPAbortOnTimeout +1, nothing
    left ESTABLISHED) and the kernel client sees the reset;
  - the port-8 connection (no keepalive) is never probed and stays."""
import socket
import subprocess
import tempfile
import time

import ttclient
import ttlib
from ttlib import expect, log


def test():
    ns = ttlib.Netns('ka')
    # Port 7 with keepalive, port 8 without (per listener, as SO_KEEPALIVE is per socket).
    conf = '[listen 7]\napp = echo\nkeepalive = 1\n[listen 8]\napp = echo\n'
    with tempfile.NamedTemporaryFile('w', suffix='.conf') as f:
        f.write(conf)
        f.flush()
        tt = ttlib.Tcpterm(ns, 'ka2', ['--config', f.name, '--keepalive-time', '1',
                                       '--keepalive-intvl', '1', '--keepalive-probes',
                                       '2']).start()
        ns.enter()
        try:
            quiet = ttclient.connect(8)
            s = ttclient.connect(7)
        finally:
            ns.leave()
        s0 = tt.stats()
        time.sleep(3.5)
        s1 = tt.stats()
        probes = s1['TCPKeepAlive'] - s0['TCPKeepAlive']
        estab = ttclient.conns(tt)['ESTABLISHED']
        expect(probes >= 2 and estab == 2,
               f'idle 3.5 s, kernel answering: TCPKeepAlive +{probes}, ESTABLISHED {estab}')
        log(f'ok: idle, answered: {probes} probes on port 7, both connections still '
            'established')
        r = subprocess.run([ttlib.TCPTERM_CTL, '--file-prefix', tt.prefix, 'impair', 'rx',
                            'loss=100%'], capture_output=True, text=True)
        expect(r.returncode == 0, f'tcpterm-ctl impair: {r.stderr}')
        t0 = time.monotonic()
        ab = tt.wait_stat('TCPAbortOnTimeout', lambda v: v >= s1['TCPAbortOnTimeout'] + 1,
                          timeout=8.0)
        dt = time.monotonic() - t0
        expect(ab == s1['TCPAbortOnTimeout'] + 1,
               f'unanswered probes: TCPAbortOnTimeout {ab} after {dt:.1f} s')
        s.settimeout(3)
        try:
            got = s.recv(10)
            outcome = 'eof' if got == b'' else f'data {got!r}'
        except ConnectionResetError:
            outcome = 'reset'
        except socket.timeout:
            outcome = 'timeout'
        expect(outcome == 'reset', f'the kernel client saw {outcome}, want the reset')
        estab = ttclient.conns(tt)['ESTABLISHED']
        expect(estab == 1, f'after the abort, ESTABLISHED {estab} (the port-8 connection only)')
        log(f'ok: unanswered: reset after {dt:.1f} s (TCPAbortOnTimeout +1), client saw it')
        quiet.close()
        s.close()
        rc = tt.stop()
        expect(rc == 0, f'tcpterm exited {rc}')


if __name__ == '__main__':
    ttlib.run(test)
