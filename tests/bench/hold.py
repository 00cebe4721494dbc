#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Benchmark (never part of the test suites): idle connections held by one tcpterm worker and
the cost of short connections beside them (SPEC P2, P5; issue 9 item 4). tcpterm-gen on
CPU 0 against tcpterm on CPU 1 over a memif pair, no hugepages.

    tests/bench/hold.py [--held N] [--hold-rate R] [--rate C] [--window S] [--huge]

tcpterm serves --app http on ADDRS addresses and PORTS ports (one source address holds
about 64k connections per server address and port). gen runs a cps load of --rate
connections a second (client closes, --http-body 14), first alone, then again with --held
idle connections opened beside it at --hold-rate. Two windows of --window seconds are
measured on the server: the load alone (once tcpterm sees nine tenths of its rate), and the
load once every held connection is up. For each: the load's connections a second, the
server's busy share and busy cycles per connection (from /tcpterm/workers and
PassiveOpens). --huge: both sides on 2 MB hugepages (reserved for the run, the count put
back after) instead of --no-huge's 4 KB pages, to tell TLB misses from cache misses. Memory: tcpterm's
resident set (VmRSS) before any connection and with N held, so the bytes each ESTABLISHED
connection costs are measured, not computed (EAL's --no-huge memory is touched only when
used); the same for gen. Every second a progress line (held, conn/s, server busy, RSS).
One readable line and one JSON line at the end. Run as root after a build (release for
figures); needs about 2 x (N x 0.7 KB + 1 GB) of free memory.
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration'))
sys.path.insert(0, HERE)
import ttlib  # noqa: E402
import dperf_cps  # noqa: E402

TCPTERM = os.environ.get('TCPTERM', os.path.join(ROOT, 'build', 'app', 'tcpterm'))
GEN = os.environ.get('TCPTERM_GEN', os.path.join(os.path.dirname(TCPTERM), 'tcpterm-gen'))
GEN_ADDR = '198.18.9.2'
FIRST_ADDR = (198, 18, 9, 10)       # the server's addresses: consecutive from here
SRV_MAC, GEN_MAC = '02:00:00:00:09:01', '02:00:00:00:09:02'
PORTS = 56                          # 80..135
BASE_PORT = 80


def addr(i):
    a = list(FIRST_ADDR)
    a[3] += i
    return '.'.join(map(str, a))


def vdev(role, sock, mac):
    return f'--vdev=net_memif0,role={role},id=0,socket={sock},socket-abstract=no,mac={mac}'


def rss_kb(pid):
    """Resident memory, hugepages included (VmRSS leaves them out)."""
    kb = 0
    try:
        with open(f'/proc/{pid}/status') as f:
            for ln in f:
                if ln.startswith(('VmRSS:', 'HugetlbPages:')):
                    kb += int(ln.split()[1])
    except OSError:
        pass
    return kb


def workers(prefix):
    out = {}
    for v in (ttlib.telemetry(prefix, '/tcpterm/workers') or {}).values():
        for k, n in (v.items() if isinstance(v, dict) else ()):
            if isinstance(n, int):
                out[k] = out.get(k, 0) + n
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--held', type=int, default=10_000_000)
    ap.add_argument('--hold-rate', type=int, default=100_000)
    ap.add_argument('--rate', type=int, default=100_000)
    ap.add_argument('--window', type=int, default=10)
    ap.add_argument('--huge', action='store_true')
    ap.add_argument('--perf', metavar='PREFIX',
                    help='perf record the server CPU in both windows: PREFIX.none, PREFIX.held')
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit('run as root (DPDK, memif socket, telemetry)')
    per_pair = 60_000                  # of the 64,512 source ports, kept below 95 % full
    pairs = -(-(a.held + a.rate * 2) // per_pair)
    n_addrs = max(1, -(-pairs // PORTS))
    max_conns = a.held + 256 * 1024
    # TCB 512 B, flow table 32 B per flow, slots and pools: about 0.6 KB a connection.
    mem_mb = 1024 + max_conns * 640 // (1 << 20)
    pid = os.getpid()
    sock = f'/tmp/tt-hold-{pid}.sock'
    sprefix, gprefix = f'tthold-s{pid}', f'tthold-g{pid}'
    mem = ['--no-huge', '-m', str(mem_mb)]
    hp = {}
    if a.huge:
        mem = ['-m', str(mem_mb)]
    srv_cmd = [TCPTERM, '-l', '1', '--no-pci'] + mem + [
               '--file-prefix', sprefix, vdev('server', sock, SRV_MAC), '--', '--quiet',
               '--app', 'http', '--http-body', '14', '--max-conns', str(max_conns)]
    for i in range(n_addrs):
        srv_cmd += ['--addr', f'{addr(i)}/15']
    for p in range(BASE_PORT, BASE_PORT + PORTS):
        srv_cmd += ['--listen', str(p)]
    gen_cmd = [GEN, '-l', '0', '--no-pci'] + mem + ['--file-prefix',
               gprefix, vdev('client', sock, GEN_MAC), '--', '--addr', f'{GEN_ADDR}/15',
               '--target', f'{addr(0)}-{addr(n_addrs - 1)}:{BASE_PORT}-{BASE_PORT + PORTS - 1}',
               '--rate', str(a.rate), '--concurrency', '65536', '--max-conns', str(max_conns),
               '--duration', '0']
    procs = []

    def cleanup():
        for p in procs:
            if p.poll() is None:
                p.send_signal(2)
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for pre in (sprefix, gprefix):
            subprocess.run(['rm', '-rf', os.path.join(ttlib.RUN_DIR, pre)])
        if os.path.exists(sock):
            os.unlink(sock)
        if 'before' in hp:
            dperf_cps.hugepages_restore(hp['before'])

    lines = []

    def reader(p):
        for ln in p.stdout:
            lines.append(ln.rstrip('\n'))

    try:
        if a.huge:   # 2 x mem_mb MB in 2 MB pages, given back by cleanup() whatever happens
            hp['before'] = dperf_cps.hugepages_reserve(mem_mb + 64)
        srv = subprocess.Popen(srv_cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        procs.append(srv)
        end = time.monotonic() + 60
        while not ttlib.telemetry_up(sprefix):
            if srv.poll() is not None or time.monotonic() > end:
                raise SystemExit(f'tcpterm did not come up: {" ".join(srv_cmd[:12])} ...')
            time.sleep(0.1)
        rss_srv0 = rss_kb(srv.pid)

        def sample():
            st = ttlib.telemetry(sprefix, '/tcpterm/stats') or {}
            w = workers(sprefix)
            return (time.monotonic(), st.get('PassiveOpens', 0), w.get('busy_cycles', 0),
                    w.get('total_cycles', 0), w.get('conns_used', 0))

        def window(what, profile=None):
            s0 = sample()
            if profile:
                # A profile of the server's CPU over the window's first seconds.
                subprocess.run(['perf', 'record', '-C', '1', '-o', profile, '--', 'sleep',
                                str(min(4, a.window))], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            time.sleep(max(0, a.window - (time.monotonic() - s0[0])))
            s1 = sample()
            opens = s1[1] - s0[1]
            busy = s1[2] - s0[2]
            held = s1[4]
            r = {'held_server': held, 'conn_per_s': round(opens / (s1[0] - s0[0])),
                 'busy': round(busy / max(1, s1[3] - s0[3]), 3),
                 'cycles_per_conn': round(busy / opens) if opens else None}
            print(f'  window {what}: {r}', flush=True)
            return r

        # The load alone first, from a gen of its own; then the load and the held ramp.
        g = subprocess.Popen(gen_cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        procs.append(g)
        # gen takes seconds to set up pools for ten million: wait for its load to arrive.
        end = time.monotonic() + 60
        prev = sample()
        while time.monotonic() < end:
            time.sleep(1)
            cur = sample()
            if (cur[1] - prev[1]) / (cur[0] - prev[0]) >= 0.9 * a.rate:
                break
            prev = cur
        base = window('load only, none held', a.perf and a.perf + '.none')
        g.send_signal(2)
        g.wait(60)
        time.sleep(2)
        g = subprocess.Popen(gen_cmd + ['--hold', str(a.held), '--hold-rate',
                                        str(a.hold_rate)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        procs.append(g)
        threading.Thread(target=reader, args=(g,), daemon=True).start()
        t0 = time.monotonic()
        limit = a.held / a.hold_rate * 3 + 60
        while True:
            time.sleep(1)
            s = sample()
            last = lines[-1] if lines else ''
            print(f'  [{time.monotonic() - t0:5.0f}s] server TCBs {s[4]:,}, RSS '
                  f'{rss_kb(srv.pid) / 1e6:.2f} GB; gen: {last[:110]}', flush=True)
            if g.poll() is not None or srv.poll() is not None:
                raise SystemExit('a process ended during the ramp')
            # Up for gen and on the server (a final ACK tcpterm dropped on a full accept
            # queue leaves gen holding a connection tcpterm does not have).
            if f' held {a.held} ' in last and s[4] >= a.held:
                break
            if time.monotonic() - t0 > limit:
                print(f'  not all {a.held:,} held on both sides after {limit:.0f} s: server '
                      f'{s[4]:,}; measuring what is held', flush=True)
                break
        ramp_s = time.monotonic() - t0
        full = window(f'{a.held:,} held', a.perf and a.perf + '.held')
        rss_srv1, rss_g1 = rss_kb(srv.pid), rss_kb(g.pid)
        conns_now = sample()[4]
        st = ttlib.telemetry(sprefix, '/tcpterm/stats') or {}
        per_conn_srv = (rss_srv1 - rss_srv0) * 1024 / max(1, conns_now)
        out = {'bench': 'hold', 'date': time.strftime('%Y-%m-%d'), 'held': a.held,
               'pages': '2 MB' if a.huge else '4 KB (--no-huge)',
               'hold_rate': a.hold_rate, 'rate': a.rate, 'ramp_s': round(ramp_s, 1),
               'server_addrs': n_addrs, 'server_ports': PORTS,
               'load_only': base, 'with_held': full,
               'server_rss_kb': {'start': rss_srv0, 'held': rss_srv1},
               'server_bytes_per_established': round(per_conn_srv),
               'gen_rss_kb_held': rss_g1,
               'gen_bytes_per_held_at_most': round(rss_g1 * 1024 / max(1, a.held)),
               'server_counters': {k: st.get(k, 0) for k in (
                   'PassiveOpens', 'ListenDrops', 'SynShedBusy', 'RetransSegs', 'OutRsts',
                   'EstabResets', 'EthOutDrops')}}
        g.send_signal(2)
        try:
            g.wait(120)
        except subprocess.TimeoutExpired:
            pass
        summary = next((json.loads(ln) for ln in reversed(lines) if ln.startswith('{')), None)
        if summary:
            out['gen_errors'] = summary['errors']
            out['gen_held'] = summary['held']
        flat = (full['cycles_per_conn'] / base['cycles_per_conn']
                if base['cycles_per_conn'] and full['cycles_per_conn'] else None)
        out['cost_ratio_held_vs_none'] = round(flat, 3) if flat else None
        print(f'hold: {conns_now:,} connections held by one worker (ramp {ramp_s:.0f} s), '
              f'server RSS {rss_srv0 / 1e6:.2f} -> {rss_srv1 / 1e6:.2f} GB = '
              f'{per_conn_srv:.0f} B per ESTABLISHED connection; load {a.rate:,}/s beside '
              f'them: {full["conn_per_s"]:,} conn/s at busy {full["busy"]}, '
              f'{full["cycles_per_conn"]} cycles/conn vs {base["cycles_per_conn"]} with none '
              f'held (x{out["cost_ratio_held_vs_none"]}); gen errors '
              f'{out.get("gen_errors")}', flush=True)
        print(json.dumps(out), flush=True)
    finally:
        cleanup()


if __name__ == '__main__':
    main()
