#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Benchmark (never part of the test suites): tcpterm-gen on one CPU against tcpterm on the
other over a memif pair (SPEC P1, P3, P4), no hugepages (--no-huge on both sides).

    tests/bench/gen_memif.py [--duration S] [--layers] [SCENARIO...]

Scenarios (default: all), each with a fresh tcpterm:
  cps         short HTTP connections (--http-body 14, client closes), gen at --concurrency
              256 and no rate cap: the most connections a second the pair sustains
  keepalive   64 connections, a GET after each answer: requests a second
  down[:N]    N connections (default 1) downloading a 1 GB body again and again
              (--http-body 1e9): Gbps
  up[:N]      N connections (default 1) sending bulk data to --app discard: Gbps
  flood:PPS   a SYN flood of PPS packets a second from 198.19.0.0/16 mixed with cps at
              1,000/s, tcpterm with default syncookies (1) and --max-syn-backlog 1024: how
              much flood the server absorbs with cookies while legitimate handshakes complete
              (P3, C5); e.g. flood:100k flood:300k

For each scenario one readable line and one JSON line: gen's figures (its JSON summary:
rates, errors, latency percentiles, its own busy share), and tcpterm's: busy share of its
worker inside gen's run (not its start, drain and close) and busy cycles per connection (or
per flood SYN) over the whole run, from /tcpterm/workers (with --layers, tcpterm runs with
--layer-cycles 1 and those cycles come split by layer: timers, rx, stack, app, out, tx), the
counters' growth (PassiveOpens, SyncookiesSent, SyncookiesRecv, ListenDrops, SynShedBusy, RetransSegs,
EthOutDrops). gen's own TX queue refusals (its EthOutDrops: frames the memif ring had no room
for, flood frames mostly) say how much of the offered flood reached the server. Run as root
after a build. gen on CPU 0, tcpterm on CPU 1 (TT_GEN_LCORE, TT_SRV_LCORE override).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration'))
import ttlib  # noqa: E402

TCPTERM = os.environ.get('TCPTERM', os.path.join(ROOT, 'build', 'app', 'tcpterm'))
GEN = os.environ.get('TCPTERM_GEN', os.path.join(ROOT, 'build', 'app', 'tcpterm-gen'))
SRV_ADDR, GEN_ADDR = '198.18.9.1', '198.18.9.2'
SRV_MAC, GEN_MAC = '02:00:00:00:09:01', '02:00:00:00:09:02'
GEN_LCORE = os.environ.get('TT_GEN_LCORE', '0')
SRV_LCORE = os.environ.get('TT_SRV_LCORE', '1')
# tcpterm options every scenario's server gets (--layers: --layer-cycles 1).
SRV_COMMON = []
COUNTERS = ('PassiveOpens', 'SyncookiesSent', 'SyncookiesRecv', 'ListenDrops', 'SynShedBusy',
            'RetransSegs', 'EthOutDrops')


def vdev(role, sock, mac):
    return f'--vdev=net_memif0,role={role},id=0,socket={sock},socket-abstract=no,mac={mac}'


def workers(prefix):
    w = ttlib.telemetry(prefix, '/tcpterm/workers') or {}
    return (sum(v['busy_cycles'] for v in w.values()),
            sum(v['total_cycles'] for v in w.values()))


def scenario_args(name):
    """(tcpterm's options, gen's options, what a unit of server work is)"""
    if name == 'cps':
        # Eight ports: one source address reaches one port at about 64 k conn/s (source
        # ports reused after 1 s in TIME_WAIT), below what the pair can do.
        ports = [a for p in range(80, 88) for a in ('--listen', str(p))]
        return (['--app', 'http', '--http-body', '14'] + ports,
                ['--concurrency', os.environ.get('TT_GEN_CONCURRENCY', '1024'), '--target', f'{SRV_ADDR}:80-87'], 'conn')
    if name == 'keepalive':
        return (['--app', 'http', '--http-body', '14'],
                ['--mode', 'keepalive', '--conns', '64'], 'req')
    if name.split(':')[0] in ('down', 'up'):
        n = name.split(':')[1] if ':' in name else '1'
        if name.startswith('down'):
            return (['--app', 'http', '--http-body', '1000000000'],
                    ['--mode', 'stream', '--direction', 'down', '--conns', n], 'byte')
        return (['--app', 'discard'], ['--mode', 'stream', '--direction', 'up', '--conns', n],
                'byte')
    if name.startswith('flood:'):
        pps = name.split(':', 1)[1]
        return (['--app', 'http', '--http-body', '14', '--max-syn-backlog', '1024'],
                ['--rate', '1000', '--flood-rate', pps, '--flood-src', '198.19.0.0/16',
                 '--flood-mac', SRV_MAC], 'syn')
    raise SystemExit(f'unknown scenario {name}')


class Server:
    """tcpterm on SRV_LCORE, the server side of a fresh memif pair; a context manager that
    stops it and removes its socket and EAL directory. mem: EAL's -m in MB (no hugepages)."""

    def __init__(self, srv_args, tag, mem=512):
        pid = os.getpid()
        self.tag = tag
        self.sock = f'/tmp/tt-genbench-{pid}.sock'
        self.prefix = f'ttgbs{tag}{pid}'
        self.log = tempfile.TemporaryFile('w+')
        self.proc = subprocess.Popen(
            [TCPTERM, '-l', SRV_LCORE, '--no-pci', '--no-huge', '-m', str(mem), '--file-prefix',
             self.prefix, vdev('server', self.sock, SRV_MAC), '--', '--addr', f'{SRV_ADDR}/15',
             '--quiet'] + SRV_COMMON + (srv_args if '--listen' in srv_args else srv_args + ['--listen', '80']),
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            end = time.monotonic() + 20
            while not ttlib.telemetry_up(self.prefix):
                if self.proc.poll() is not None or time.monotonic() > end:
                    self.log.seek(0)
                    raise SystemExit(f'tcpterm did not come up:\n{self.log.read()[-2000:]}')
                time.sleep(0.05)
        except BaseException:
            self.stop()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stats(self):
        return ttlib.telemetry(self.prefix, '/tcpterm/stats')

    def cycles(self):
        return workers(self.prefix)

    def layers(self):
        return ttlib.layer_cycles(ttlib.telemetry(self.prefix, '/tcpterm/workers'))

    def pools(self):
        """/tcpterm/workers' pool figures summed over workers (tws_used: TIME_WAIT entries
        held, conns_used: TCBs...)."""
        p = ttlib.telemetry(self.prefix, '/tcpterm/workers') or {}
        out = {}
        for v in p.values():
            for k, n in (v.items() if isinstance(v, dict) else ()):
                if isinstance(n, int):
                    out[k] = out.get(k, 0) + n
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(2)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        subprocess.run(['rm', '-rf', os.path.join(ttlib.RUN_DIR, self.prefix)])
        if os.path.exists(self.sock):
            os.unlink(self.sock)


def gen(srv, gen_args, duration, tag, addr=GEN_ADDR, window=None):
    """tcpterm-gen on GEN_LCORE against srv for duration seconds: its JSON summary. window:
    a list that receives the server's (busy, total) cycles at two points inside gen's run
    (from half a second after the server first had work to half a second before the run's
    end), leaving out gen's start, link wait, drain and close, which can be a third of its
    wall time and left the server's busy share looking idle (issue 9, fifth session)."""
    prefix = f'ttgbg{tag}{os.getpid()}'
    cmd = [GEN, '-l', GEN_LCORE, '--no-pci', '--no-huge', '-m', '512', '--file-prefix',
           prefix, vdev('client', srv.sock, GEN_MAC), '--', '--addr', f'{addr}/15',
           '--target', f'{SRV_ADDR}:80', '--duration', str(duration), '--quiet'] + gen_args
    try:
        with tempfile.TemporaryFile('w+') as out, tempfile.TemporaryFile('w+') as err:
            g = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                 text=True)
            try:
                if window is not None:
                    sample_window(srv, g, duration, window)
                g.wait(timeout=duration + 60)
            finally:
                if g.poll() is None:
                    g.kill()
                    g.wait()
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
    finally:
        subprocess.run(['rm', '-rf', os.path.join(ttlib.RUN_DIR, prefix)])
    lines = stdout.splitlines()
    if g.returncode != 0 or not lines or not lines[-1].startswith('{'):
        raise SystemExit(f'gen exited {g.returncode}: {stderr[-1500:]}')
    return json.loads(lines[-1])


def sample_window(srv, g, duration, window):
    """The server's cycles half a second after its busy cycles first moved (gen's run has
    begun) and half a second before that run's end; nothing if gen ends first."""
    c0 = srv.cycles()
    deadline = time.monotonic() + 60
    while g.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        c = srv.cycles()
        if c[0] != c0[0]:
            break
    else:
        return
    start = time.monotonic()
    time.sleep(0.5)
    a = srv.cycles()
    time.sleep(max(start + duration - 0.5 - time.monotonic(), 0.0))
    if g.poll() is None:
        window.extend([a, srv.cycles()])


def measure(srv, name, gen_args, unit, duration, tag):
    """One gen run against srv, with the server's view of it: readable line, JSON line, and
    the JSON as a dict. unit: what a unit of server work is (conn, req, byte, syn)."""
    s0, c0, y0 = srv.stats(), srv.cycles(), srv.layers()
    win = []
    s = gen(srv, gen_args, duration, tag, window=win)
    s1, c1, y1 = srv.stats(), srv.cycles(), srv.layers()
    d = {k: s1.get(k, 0) - s0.get(k, 0) for k in COUNTERS}
    # The busy share inside gen's run; the cycles per unit over all of it (work and cycles
    # counted over the same span: busy cycles are only those of iterations with frames).
    a, b = win if len(win) == 2 else (c0, c1)
    busy = (b[0] - a[0]) / (b[1] - a[1]) if b[1] > a[1] else 0
    work = {'conn': d['PassiveOpens'], 'req': s['requests'],
            'byte': s['rx_bytes'] + s['tx_bytes'],
            'syn': d['SyncookiesSent'] + d['PassiveOpens']}[unit]
    out = {
        'scenario': name, 'date': time.strftime('%Y-%m-%d'), 'duration_s': s['duration_s'],
        'conn_per_s': s['conn_per_s'], 'req_per_s': s['req_per_s'], 'gbps': s['gbps'],
        'errors': s['errors'], 'success_pct': s['success_pct'],
        'connect_latency_us': s['connect_latency_us'],
        'request_latency_us': s['request_latency_us'],
        'flood_pps': s['flood']['pps'], 'gen_busy_pct': s['busy_pct'],
        'gen_cycles_per_conn': s['cycles_per_conn'],
        'gen_retrans': s['retrans_segs'], 'gen_tx_drops': s['tx_queue_full'], 'server_busy': round(busy, 3),
        'server_cycles_per_' + unit: round((c1[0] - c0[0]) / work, 1) if work else None,
        # With --layers: those cycles by layer (timers, rx, stack, app, out, tx).
        'server_layer_cycles_per_' + unit: ttlib.layer_split(y0, y1, work),
        'server': d,
    }
    print(f'{name}: {s["conn_per_s"]:.0f} conn/s, {s["req_per_s"]:.0f} req/s, '
          f'{s["gbps"]:.2f} Gbps, flood {s["flood"]["pps"]:.0f} pps offered '
          f'({s["tx_queue_full"]} frames refused by gen\'s TX queue), errors '
          f'{s["errors_total"]}, success {s["success_pct"]:.2f} %, connect p50/p99 '
          f'{s["connect_latency_us"]["p50"]}/{s["connect_latency_us"]["p99"]} us; server busy '
          f'{busy:.3f}, cycles/{unit} {out["server_cycles_per_" + unit]}'
          f'{ttlib.layer_text(out["server_layer_cycles_per_" + unit], unit)}, '
          f'cookies sent {d["SyncookiesSent"]} recv {d["SyncookiesRecv"]}; gen busy '
          f'{s["busy_pct"]:.1f} %', flush=True)
    print(json.dumps(out), flush=True)
    return out


def run(name, duration, tag):
    srv_args, gen_args, unit = scenario_args(name)
    with Server(srv_args, tag) as srv:
        return measure(srv, name, gen_args, unit, duration, tag)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--duration', type=int, default=10)
    ap.add_argument('--layers', action='store_true',
                    help="tcpterm with --layer-cycles 1: its cycles per unit by layer too")
    ap.add_argument('scenario', nargs='*',
                    default=['cps', 'keepalive', 'down', 'up', 'flood:100k', 'flood:300k',
                             'flood:1M'])
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit('run as root (DPDK, memif socket, telemetry)')
    if a.layers:
        SRV_COMMON.extend(['--layer-cycles', '1'])
    for i, name in enumerate(a.scenario):
        run(name, a.duration, i)


if __name__ == '__main__':
    main()
