#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Soak (a benchmark, never part of the test suites; SPEC R1, R2, R5): mixed load against one
tcpterm for DURATION seconds, then a drain, then the verdict.

    tests/bench/soak.py [--duration 1800] [--tcpterm PATH]

tcpterm (by default the sanitized build, build-san/app/tcpterm, when it exists; else build/)
runs in a network namespace on a TAP device with http on port 80 and echo on port 7, a short
TIME_WAIT and few SYN-ACK retries so the drain is quick. In the namespace, all at once:
  - wrk keep-alive (20 connections) and wrk "Connection: close" (20 connections);
  - hping3 SYN flood from a spoofed address at 5,000 SYN/s;
  - an echo client: 256 KiB round trips, each checked byte for byte;
  - a hostile peer (scapy): every 20 s a connection that sends 2,000 one-byte segments to
    echo, never acknowledges, then resets.
Every 60 s a progress line: connections accepted, established, the worker's pools and memory
level, echo round trips, sanitizer reports so far. After the load: every pool must be back
(TCBs, SYN queue and TIME_WAIT entries 0; mbufs in use back to the RX ring's own; nothing
charged to TCP queues), tcpterm must exit 0 on SIGINT and its output must hold no sanitizer
report. Prints a readable verdict and one JSON line; exits 1 when any check failed.
"""
import argparse
import json
import os
import re
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration'))
os.environ.setdefault('TT_SOURCE_ROOT', ROOT)

import hslib     # noqa: E402
import ttclient  # noqa: E402
import ttlib     # noqa: E402

SAN_RE = re.compile(r'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer')


def pools(tt):
    return ttlib.telemetry(tt.prefix, '/tcpterm/workers')['0']


class Echo(threading.Thread):
    def __init__(self, deadline):
        super().__init__(daemon=True)
        self.deadline, self.ok, self.bad, self.errors = deadline, 0, 0, []

    def run(self):
        data = bytes((i * 31 + i // 97) & 0xff for i in range(256 * 1024))
        while time.monotonic() < self.deadline:
            try:
                s = ttclient.connect(7, timeout=10)
                s.sendall(data)
                got = bytearray()
                while len(got) < len(data):
                    b = s.recv(65536)
                    if not b:
                        break
                    got.extend(b)
                s.close()
                if bytes(got) == data:
                    self.ok += 1
                else:
                    self.bad += 1
                    self.errors.append(f'echo returned {len(got)} bytes, different')
            except OSError as e:
                self.bad += 1
                self.errors.append(repr(e))
                time.sleep(0.5)


class Hostile(threading.Thread):
    """One-byte segments from a scapy peer (hslib's unowned address), every 20 s."""

    def __init__(self, cl, deadline):
        super().__init__(daemon=True)
        self.cl, self.deadline, self.rounds, self.errors = cl, deadline, 0, []
        self.syn_retries = 0

    def run(self):
        from scapy.layers.inet import IP, TCP
        from scapy.layers.l2 import Ether
        from scapy.packet import Raw
        while time.monotonic() < self.deadline:
            try:
                f = self.cl.flow(7)
                # The SYN may be shed or lost under the flood: retransmit, as a client would.
                for attempt in range(6):
                    try:
                        f.connect(opts=[('MSS', 1460)], timeout=1.0)
                        break
                    except ttlib.TestFailure:
                        self.syn_retries += 1
                        if attempt == 5:
                            raise
                f.ack()
                base = Ether(src=self.cl.l2.mac, dst=self.cl.peer_mac) / \
                    IP(src=f.src, dst=ttlib.ADDR)
                for i in range(2000):
                    self.cl.l2.send(base / TCP(sport=f.sport, dport=7, flags='A',
                                               seq=f.snd_nxt, ack=f.rcv_nxt,
                                               window=64240) / Raw(b'x'))
                    f.snd_nxt = (f.snd_nxt + 1) % hslib.MOD
                f.rst()
                self.rounds += 1
            except Exception as e:   # noqa: BLE001 - a soak reports, it does not stop
                self.errors.append(repr(e))
            self.cl.drop_pending()
            end = time.monotonic() + 20
            while time.monotonic() < min(end, self.deadline):
                time.sleep(0.5)
                self.cl.drop_pending()
                # hslib keeps every frame it reads for failure messages; under wrk and a
                # flood for half an hour that is gigabytes: keep none between rounds.
                self.cl.seen.clear()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--duration', type=int, default=1800)
    ap.add_argument('--tcpterm', default=None)
    args = ap.parse_args()
    san = os.path.join(ROOT, 'build-san', 'app', 'tcpterm')
    ttlib.TCPTERM = args.tcpterm or (san if os.access(san, os.X_OK) else ttlib.TCPTERM)
    result = {'bench': 'soak', 'duration_s': args.duration, 'tcpterm': ttlib.TCPTERM,
              'date': time.strftime('%Y-%m-%d'), 'checks': {}}
    failures = []

    def check(name, ok, msg):
        result['checks'][name] = bool(ok)
        print(f'{"ok" if ok else "FAIL"}: {msg}', flush=True)
        if not ok:
            failures.append(msg)

    def body():
        ns = ttlib.Netns('soak')
        cfg = os.path.join(ns.tmp if hasattr(ns, 'tmp') else '/tmp', f'soak{os.getpid()}.conf')
        with open(cfg, 'w') as f:
            f.write('[listen 80]\napp = http\n[listen 7]\napp = echo\n')
        ttlib._cleanups.append(lambda: os.path.exists(cfg) and os.unlink(cfg))
        tt = ttlib.Tcpterm(ns, 'soak', ['--config', cfg, '--time-wait', '5',
                                        '--synack-retries', '2', '--fin-timeout', '5']).start()
        base = pools(tt)
        print(f'soak: {ttlib.TCPTERM}, {args.duration} s; pools at start {base}', flush=True)
        cl = hslib.Client(ns, tt)     # enters the namespace: threads below start inside it
        # The TAP carries wrk's and the flood's traffic too: parse only the hostile flows'.
        cl.only_dst = socket.inet_aton(hslib.CLIENT)
        t0 = time.monotonic()
        deadline = t0 + args.duration
        url = f'http://{ttlib.ADDR}:80/'
        load = [
            ttclient.Background(ns, ['wrk', '-t1', '-c20', f'-d{args.duration}s', url]),
            ttclient.Background(ns, ['wrk', '-t1', '-c20', f'-d{args.duration}s',
                                     '-H', 'Connection: close', url]),
            ttclient.Background(ns, ['timeout', str(args.duration), 'hping3', '-q', '-S',
                                     '-p', '80', '-i', 'u200', '-a', '198.18.3.77',
                                     ttlib.ADDR]),
        ]
        echo, hostile = Echo(deadline), Hostile(cl, deadline)
        echo.start()
        hostile.start()
        san_seen = 0
        next_line = t0 + 60
        while time.monotonic() < deadline:
            time.sleep(1)
            if tt.proc.poll() is not None:
                break
            if time.monotonic() >= next_line:
                next_line += 60
                st, w = tt.stats(), pools(tt)
                san_seen = len(SAN_RE.findall(tt.output()))
                print(f'[{time.monotonic() - t0:6.0f} s] accepted {st["PassiveOpens"]} '
                      f'established {st["CurrEstab"]} mbufs {w["mbufs_used"]}/{w["mbufs"]} '
                      f'held {w["mbufs_held"]} {w["mem_level"]} TCBs {w["conns_used"]} '
                      f'SYN_RECV {w["reqs_used"]} TIME_WAIT {w["tws_used"]} | echo ok '
                      f'{echo.ok} bad {echo.bad} | hostile rounds {hostile.rounds} | '
                      f'sanitizer reports {san_seen}', flush=True)
        check('running', tt.proc.poll() is None, 'tcpterm ran through the load')
        outs = [b.wait(args.duration + 30) for b in load]
        echo.join(30)
        hostile.join(30)
        wrk = [re.search(r'Requests/sec:\s+([\d.]+)', b.out) for b in load[:2]]
        result['wrk_keepalive_rps'] = float(wrk[0].group(1)) if wrk[0] else None
        result['wrk_close_rps'] = float(wrk[1].group(1)) if wrk[1] else None
        result['echo_ok'], result['echo_bad'] = echo.ok, echo.bad
        result['hostile_rounds'] = hostile.rounds
        st = tt.stats()
        result['counters'] = {k: st.get(k) for k in (
            'PassiveOpens', 'ListenDrops', 'SyncookiesSent', 'SynShedBusy', 'SynShedMemory',
            'TCPMemoryPressures', 'TCPRcvCoalesce', 'TCPRcvQDrop', 'TCPAbortOnMemory',
            'EstabResets', 'RetransSegs', 'InErrs')}
        check('echo', echo.bad == 0 and echo.ok > 0,
              f'echo round trips: {echo.ok} byte-exact, {echo.bad} bad {echo.errors[:3]}')
        check('hostile', hostile.rounds > 0 and not hostile.errors,
              f'hostile one-byte rounds: {hostile.rounds} ({hostile.syn_retries} SYNs '
              f'retransmitted) {hostile.errors[:3]}')
        check('wrk', all(wrk), f'wrk finished: keep-alive {result["wrk_keepalive_rps"]} req/s, '
              f'close {result["wrk_close_rps"]} req/s (exit {outs[:2]})')

        # Drain: every pool back to where it started.
        end = time.monotonic() + 120
        while time.monotonic() < end:
            w = pools(tt)
            if w['conns_used'] == 0 and w['reqs_used'] == 0 and w['tws_used'] == 0 and \
               w['mbufs_held'] == 0 and w['mbufs_used'] <= base['mbufs_used']:
                break
            time.sleep(1)
        w = pools(tt)
        result['drain_s'] = round(120 - max(0, end - time.monotonic()), 1)
        result['pools_after'] = w
        check('drained', w['conns_used'] == 0 and w['reqs_used'] == 0 and
              w['tws_used'] == 0 and w['mbufs_held'] == 0 and
              w['mbufs_used'] <= base['mbufs_used'],
              f'pools after the drain: mbufs {w["mbufs_used"]}/{w["mbufs"]} (start '
              f'{base["mbufs_used"]}), held {w["mbufs_held"]}, TCBs {w["conns_used"]}, '
              f'SYN_RECV {w["reqs_used"]}, TIME_WAIT {w["tws_used"]}')
        cl.close()
        rc = tt.stop()
        out = tt.output()
        reports = SAN_RE.findall(out)
        result['sanitizer_reports'] = len(reports)
        check('exit', rc == 0, f'tcpterm exit status {rc} on SIGINT')
        check('sanitizers', not reports,
              f'sanitizer reports in tcpterm output: {len(reports)}' +
              ('' if not reports else '\n' + '\n'.join(
                  ln for ln in out.splitlines() if SAN_RE.search(ln))[:2000]))
        verdict = 'PASS' if not failures else 'FAIL'
        print(f'soak {verdict}: {args.duration} s, accepted {st["PassiveOpens"]}, '
              f'echo {echo.ok} ok, hostile {hostile.rounds} rounds, drain '
              f'{result["drain_s"]} s, sanitizer reports {len(reports)}', flush=True)
        result['verdict'] = verdict
        print(json.dumps(result), flush=True)
        return 1 if failures else 0

    ttlib.run(body)


if __name__ == '__main__':
    main()
