#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Benchmark (never part of the test suites): dperf's HTTP client on CPU 0 against a server on
CPU 1 over a memif pair (SPEC P1, R1), at one or more offered rates of short connections.

    tests/bench/dperf_cps.py [--server tcpterm|dperf] [--duration S] [--slow-start S]
                             [--no-recovery] [--keepalive] [--mbufs N] RATE...

RATE is dperf's cps value (200k, 1m...). dperf is an outside peer built outside the
repository (../shared/bench/dperf/README.md); DPERF names its binary (default
/tmp/dperf-src/build/dperf). For each rate this prints one readable line and one JSON line:
offered and achieved connections per second over the steady seconds (after dperf's slow
start), dperf's error counters over the whole run (skErr, rstRx, synRt, finRt, pushRt,
dropTx), the server's busy fraction over the steady seconds and cycles per connection
(tcpterm: from /tcpterm/workers, sampled each second; dperf's server: its cpuUsage), and how
the load ended: whether the server
was still answering in the last steady second and whether it answered again after the load
(a recovery probe at a low rate). Run as root after a build; needs about 2,000 free 2 MB
hugepages (it reserves them and gives back what it added). --keepalive runs dperf's
keep-alive case instead (client-ka-cc4000-http.conf: 4,000 connections, a request per ms
each; dperf's server from server-ka-http.conf): the rates are then requests per second and
the cost is per request. scripts/bench.sh drives this module for P1 (one_rate()).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
SHARED = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'bench', 'dperf', 'conf'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration'))
import ttlib  # noqa: E402

DPERF = os.environ.get('DPERF', '/tmp/dperf-src/build/dperf')
TCPTERM = os.environ.get('TCPTERM', os.path.join(ROOT, 'build', 'app', 'tcpterm'))
HP = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'
SLOW_START = 10   # dperf's slow_start by default (--slow-start), and its minimum
RECOVERY_CPS = 20000
ERRORS = ('skErr', 'rstRx', 'synRt', 'finRt', 'pushRt', 'ackRt', 'dropTx', 'httpErr')


def rate_value(s):
    m = re.fullmatch(r'(\d+(?:\.\d+)?)([km]?)', s.lower())
    if not m:
        raise argparse.ArgumentTypeError(f'bad rate {s!r} (e.g. 200k, 1m)')
    return int(float(m.group(1)) * {'': 1, 'k': 1000, 'm': 1000000}[m.group(2)])


def client_conf(path, sock, cps, duration, slow_start=SLOW_START, keepalive=False):
    name = 'client-ka-cc4000-http.conf' if keepalive else 'client-http-200k.conf'
    with open(os.path.join(SHARED, name)) as f:
        text = f.read()
    text = re.sub(r'(?m)^duration\s.*$', f'duration {duration}s', text)
    text = re.sub(r'(?m)^cps\s.*$', f'cps {cps}', text)
    text = re.sub(r'(?m)^slow_start\s.*$', f'slow_start {slow_start}', text)
    text = text.replace('/tmp/dperf-memif.sock', sock)
    with open(path, 'w') as f:
        f.write(text)


def server_conf(path, sock, keepalive=False):
    name = 'server-ka-http.conf' if keepalive else 'server-64-http.conf'
    with open(os.path.join(SHARED, name)) as f:
        text = f.read().replace('/tmp/dperf-memif.sock', sock)
    with open(path, 'w') as f:
        f.write(text)


def parse_dperf(text):
    """dperf's per-second blocks and its total block, as dicts of counters."""
    blocks, cur, total = [], None, None
    text = re.sub(r'\x1b\[[0-9;]*m', '', text)      # dperf colours its error counters
    for line in text.splitlines():
        if line.startswith('seconds '):
            cur = {}
            blocks.append(cur)
        elif line.startswith('Total Numbers'):
            cur = total = {}
        if cur is None:
            continue
        for k, v in re.findall(r'([A-Za-z0-9()]+)\s+([\d,.]+)', line):
            try:
                cur[k] = float(v.replace(',', ''))
            except ValueError:
                pass
    return blocks, total or {}


def telemetry(prefix, cmd):
    path = f'/var/run/dpdk/{prefix}/dpdk_telemetry.v2'
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(2)
    s.connect(path)
    s.recv(1024)
    s.send(cmd.encode())
    data = json.loads(s.recv(1 << 20).decode())
    s.close()
    return data[cmd]


def cycles_of(workers):
    """(busy, total) cycles summed over /tcpterm/workers."""
    return (sum(v['busy_cycles'] for v in workers.values()),
            sum(v['total_cycles'] for v in workers.values()))


def workers_cycles(prefix):
    for _ in range(50):
        w = telemetry(prefix, '/tcpterm/workers')
        if w:
            break
        time.sleep(0.1)
    return cycles_of(w)


def cpu_times(cpu=1):
    """(steal, all) jiffies of one CPU from /proc/stat: the share of the server's CPU the
    hypervisor gave to others, which its TSC-based busy figures count as its own cycles."""
    with open('/proc/stat') as f:
        for line in f:
            if line.startswith(f'cpu{cpu} '):
                v = [int(x) for x in line.split()[1:]]
                return v[7], sum(v[:8])
    return 0, 0


def loop_of(prefix):
    """(iterations that handled frames, frames in, frames out): the batch a busy iteration
    handled and the frames a connection took."""
    w = telemetry(prefix, '/tcpterm/workers') or {}
    st = telemetry(prefix, '/tcpterm/stats') or {}
    return (sum(v.get('busy_polls', 0) for v in w.values()), st.get('EthInFrames', 0),
            st.get('EthOutFrames', 0))


class Server:
    def __init__(self, kind, sock, work, mbufs, extra, keepalive=False):
        self.kind, self.sock, self.work = kind, sock, work
        self.prefix = f'ttdperf{os.getpid()}'
        self.log = open(os.path.join(work, f'{kind}.log'), 'w+')
        vdev = (f'net_memif0,role=server,id=0,socket={sock},socket-abstract=no,rsize=14,'
                'mac=02:00:00:00:00:02')
        if kind == 'tcpterm':
            # -l 1 pins the worker to CPU 1; EAL's own threads (interrupts, telemetry) go on
            # the other CPUs. Not taskset -c 1: that put the interrupt thread on the worker's
            # CPU, where memif's disconnect handler (DPDK 22.11) could preempt an RX burst
            # and unmap the rings under it (docs/BENCHMARKS.md, "memif and disconnects").
            argv = [TCPTERM, '-l', '1', '--no-pci',
                    '--file-prefix', self.prefix, f'--vdev={vdev}', '--',
                    '--addr', '198.18.6.2/24', '--listen', '80', '--app', 'http',
                    '--http-body', '14', '--quiet']
            if mbufs:
                argv += ['--mbufs', str(mbufs)]
            argv += extra
        else:
            conf = os.path.join(work, 'server.conf')
            server_conf(conf, sock, keepalive)
            argv = [DPERF, '-c', conf]
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.argv = argv
        for _ in range(100):
            time.sleep(0.1)
            if self.proc.poll() is not None:
                raise SystemExit(f'bench: {kind} server exited: {self.output()[-400:]}')
            if kind == 'tcpterm' and os.path.exists(
                    f'/var/run/dpdk/{self.prefix}/dpdk_telemetry.v2'):
                break
            if kind == 'dperf' and os.path.exists(sock):
                break
        time.sleep(0.5)

    def cycles(self):
        return workers_cycles(self.prefix) if self.kind == 'tcpterm' else (0, 0)

    def layers(self):
        if self.kind != 'tcpterm':
            return None
        return ttlib.layer_cycles(telemetry(self.prefix, '/tcpterm/workers'))

    def loop(self):
        return loop_of(self.prefix) if self.kind == 'tcpterm' else (0, 0, 0)

    def stats(self):
        return telemetry(self.prefix, '/tcpterm/stats') if self.kind == 'tcpterm' else {}

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        """Stop the server; its exit status when it had died before (a crash: negative)."""
        died = self.proc.poll()
        if died is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(f'/var/run/dpdk/{self.prefix}', ignore_errors=True)
        if self.kind == 'dperf':
            dperf_cleanup(self.proc.pid)
        return died


def dperf_cleanup(pid):
    """dperf names its EAL prefix dperf-PID and leaves its hugepage files behind."""
    for f in os.listdir('/dev/hugepages'):
        if f.startswith(f'dperf-{pid}map_'):
            os.unlink(os.path.join('/dev/hugepages', f))
    shutil.rmtree(f'/var/run/dpdk/dperf-{pid}', ignore_errors=True)


def run_client(work, sock, cps, duration, tag, sample=None, slow_start=SLOW_START,
               keepalive=False):
    """dperf's client for one load; sample(), if given, is called about once a second
    while it runs (the server's own view of the same seconds)."""
    conf = os.path.join(work, f'client-{tag}.conf')
    client_conf(conf, sock, cps, duration, slow_start, keepalive)
    t0 = time.time()
    out_path = os.path.join(work, f'client-{tag}.out')
    with open(out_path, 'w+') as out_f:
        proc = subprocess.Popen([DPERF, '-c', conf], stdout=out_f, text=True)
        try:
            deadline = t0 + duration + slow_start + 60
            while proc.poll() is None and time.time() < deadline:
                time.sleep(1)
                if sample:
                    sample()
            if proc.poll() is None:
                raise subprocess.TimeoutExpired(DPERF, duration + slow_start + 60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            dperf_cleanup(proc.pid)
        out_f.seek(0)
        out = out_f.read()
    with open(os.path.join(work, f'client-{tag}.log'), 'w') as f:
        f.write(out)
    blocks, total = parse_dperf(out)
    if not blocks:
        # dperf refused its configuration or could not start: say so, never a silent 0/s
        raise SystemExit(f'bench: dperf client ({tag}) ran no second: {out.strip()[-400:]}')
    return (blocks, total), time.time() - t0


def steady_samples(samples, blocks, steady_idx):
    """The pairs of the server's one-a-second samples (busy cycles, total cycles, ...) that
    cover dperf's steady seconds (indexes steady_idx of blocks), or [] when they cannot be
    matched. The first sample is taken a second after dperf's process starts and dperf's
    first second follows its EAL start-up, so the two series are offset by a few seconds:
    the offset taken is the one under which the server's work each second (busy cycles)
    best matches dperf's (http2XX), both scaled to their largest second."""
    busy = [b[0] - a[0] for a, b in zip(samples, samples[1:])]
    done = [b.get('http2XX', 0) for b in blocks]
    if not busy or not steady_idx or max(busy) <= 0 or max(done) <= 0:
        return []
    top_b, top_d = max(busy), max(done)
    best = None
    for lag in range(0, len(busy)):
        pairs = [(busy[j + lag] / top_b, done[j] / top_d) for j in range(len(done))
                 if j + lag < len(busy)]
        if len(pairs) < len(done) // 2:
            break
        err = sum(abs(x - y) for x, y in pairs) / len(pairs)
        if best is None or err < best[0]:
            best = (err, lag)
    if best is None:
        return []
    lag = best[1]
    return [(samples[j + lag], samples[j + lag + 1]) for j in steady_idx
            if j + lag + 1 < len(samples)]


def one_rate(args, cps, work):
    """One load at cps offered (args: this script's options): prints a readable line and a
    JSON line, returns the JSON as a dict."""
    sock = os.path.join(work, 'memif.sock')
    # A server that died (dperf's memif PMD can segfault when its peer leaves, DPDK 22.11:
    # docs/BENCHMARKS.md "memif and disconnects") leaves its socket, and the next server's
    # memif then cannot listen on it.
    if os.path.exists(sock):
        os.unlink(sock)
    ss, ka = args.slow_start, args.keepalive
    srv = Server(args.server, sock, work, args.mbufs, args.tcpterm_arg, ka)
    samples = []

    def sample():
        # The server's own view of each second: busy share, SYNs shed, connections opened.
        if srv.kind != 'tcpterm':
            return
        st = srv.stats() or {}
        samples.append(cycles_of(telemetry(srv.prefix, '/tcpterm/workers') or {}) +
                       (st.get('SynShedBusy', 0), st.get('PassiveOpens', 0)))

    try:
        c0, l0, j0, y0 = srv.cycles(), srv.loop(), cpu_times(), srv.layers()
        (blocks, total), _ = run_client(work, sock, cps, args.duration, 'load', sample, ss, ka)
        c1, l1, j1, y1 = srv.cycles(), srv.loop(), cpu_times(), srv.layers()
        st = srv.stats()
        # Recovery: the same server, a light load right after the heavy one.
        rtotal = {}
        if args.recovery:
            (_, rtotal), _ = run_client(work, sock, RECOVERY_CPS, 3, 'recovery', None, ss)
    finally:
        died = srv.stop()
    steady_idx = [j for j, b in enumerate(blocks)
                  if ss + 1 <= b.get('seconds', 0) <= ss + args.duration - 1]
    steady = [blocks[j] for j in steady_idx]
    series = [int(b.get('http2XX', 0)) for b in blocks]
    achieved = sorted(int(b.get('http2XX', 0)) for b in steady)
    med = achieved[len(achieved) // 2] if achieved else 0
    conns = int(total.get('http2XX', 0))
    # The busy share over the whole run (dperf's ten-second slow start and the tail
    # included) and over the steady seconds, the span dperf's own cpuUsage covers: the
    # second is the one to set beside dperf's server (the first understated a loaded
    # server's busy by half: 0.43 against 0.77-0.93 in the steady seconds at 400 k). No
    # steady share when the samples cannot be matched to dperf's seconds: None, not the
    # whole run's under the steady one's name.
    busy_run = (c1[0] - c0[0]) / (c1[1] - c0[1]) if c1[1] > c0[1] else None
    busy = None
    cyc_steady = None
    win = steady_samples(samples, blocks, steady_idx)
    if win:
        bc = sum(b[0] - a[0] for a, b in win)
        tc = sum(b[1] - a[1] for a, b in win)
        opens = sum(b[3] - a[3] for a, b in win)
        busy = bc / tc if tc > 0 else None
        cyc_steady = bc / opens if opens > 0 and not ka else None
    if args.server == 'dperf':
        us = [b.get('cpuUsage', 0) for b in steady]
        busy = (sum(us) / len(us) / 100.0) if us else None
        busy_run = None
    cyc = (c1[0] - c0[0]) / conns if conns and args.server == 'tcpterm' else None
    unit = 'req' if ka else 'conn'
    res = {
        'bench': 'dperf_ka' if ka else 'dperf_cps', 'server': args.server, 'offered_cps': cps,
        'steady_cps_median': med, 'steady_cps_min': achieved[0] if achieved else 0,
        'connections_ok': conns,
        'errors': {k: int(total.get(k, 0)) for k in ERRORS},
        'last_second_cps': series[-2] if len(series) >= 2 else 0,
        'recovered_cps': (int(rtotal.get('http2XX', 0) / max(1, ss + 3))
                          if args.recovery else None),
        'recovery_errors': {k: int(rtotal.get(k, 0)) for k in ERRORS if rtotal.get(k)},
        'busy': round(busy, 3) if busy is not None else None,
        'busy_whole_run': round(busy_run, 3) if busy_run is not None else None,
        # tcpterm: busy cycles over the whole run per connection or request it completed;
        # and, for connections, per connection opened in the steady seconds.
        'cycles_per_' + unit: round(cyc) if cyc else None,
        'cycles_per_conn_steady': round(cyc_steady) if cyc_steady else None,
        # tcpterm with --tcpterm-arg=--layer-cycles --tcpterm-arg=1: those cycles by layer.
        'layer_cycles_per_' + unit: ttlib.layer_split(y0, y1, conns),
        # The server CPU's time the hypervisor took (steal): a busy share counts it.
        'steal': round((j1[0] - j0[0]) / (j1[1] - j0[1]), 3) if j1[1] > j0[1] else None,
        # tcpterm: frames (in + out) per busy iteration and per connection or request.
        'frames_per_busy_poll': (round((l1[1] - l0[1] + l1[2] - l0[2]) / (l1[0] - l0[0]), 1)
                                 if l1[0] > l0[0] else None),
        'frames_per_' + unit: (round((l1[1] - l0[1] + l1[2] - l0[2]) / conns, 2)
                               if conns and l1[0] > l0[0] else None),
        'series_http2xx': series,
        # tcpterm, per second of the load: busy share (iterations that found frames: near 1
        # at high packet rates even with headroom), SYNs shed (SynShedBusy), connections
        # opened (PassiveOpens).
        'series_busy': [round((b[0] - a[0]) / (b[1] - a[1]), 2) if b[1] > a[1] else None
                        for a, b in zip(samples, samples[1:])],
        'series_shed': [b[2] - a[2] for a, b in zip(samples, samples[1:])],
        'series_opens': [b[3] - a[3] for a, b in zip(samples, samples[1:])],
        'server_counters': {k: st.get(k) for k in (
            'ListenDrops', 'ListenOverflows', 'TCPReqQFullDoCookies', 'RetransSegs',
            'OutRsts', 'EstabResets', 'TCPAbortOnData', 'EthOutDrops', 'PassiveOpens',
            'SynShedBusy', 'SynShedMemory', 'TCPMemoryPressures', 'TCPAbortOnMemory',
            'TCPRcvQDrop', 'MbufTcpOutFails', 'TCPSynRetrans', 'SyncookiesFailed', 'WorkerStalls')
            if k in st},
        'date': time.strftime('%Y-%m-%d'), 'mbufs': args.mbufs,
        # The server's exit status when it died on its own (before being stopped): dperf's
        # server has segfaulted in memif's PMD when its client left (DPDK 22.11).
        'server_died': died,
    }
    errs = ' '.join(f'{k}={v}' for k, v in res['errors'].items() if v)
    whole = (f' (whole run {res["busy_whole_run"]})'
             if res['busy_whole_run'] is not None else '')
    steady_cyc = (f' (steady seconds {res["cycles_per_conn_steady"]})'
                  if res['cycles_per_conn_steady'] else '')
    after = (f'{res["recovered_cps"]:,}/s '
             f'{"clean" if not res["recovery_errors"] else res["recovery_errors"]}'
             if args.recovery else 'not probed')
    print(f'{args.server} offered {cps:,}/s: steady {med:,}/s (min {res["steady_cps_min"]:,}), '
          f'busy {res["busy"]}{whole}, '
          f'cycles/{unit} {res["cycles_per_" + unit]}'
          f'{steady_cyc}'
          f'{ttlib.layer_text(res["layer_cycles_per_" + unit], unit)}, '
          f'frames/busy poll {res["frames_per_busy_poll"]}, steal {res["steal"]}, '
          f'errors: {errs or "none"}; after the load: {after}'
          f'{f"; the server died on its own (status {died})" if died is not None else ""}',
          flush=True)
    print(json.dumps(res), flush=True)
    return res


def hugepages_reserve(free_wanted=2048):
    """Raise the 2 MB hugepage count so that free_wanted are free; the count before."""
    with open(HP) as f:
        before = int(f.read())
    with open(HP.replace('nr_hugepages', 'free_hugepages')) as f:
        free = int(f.read())
    with open(HP, 'w') as f:
        f.write(str(before + max(0, free_wanted - free)))
    return before


def hugepages_restore(before):
    with open(HP, 'w') as f:
        f.write(str(before))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--server', choices=('tcpterm', 'dperf'), default='tcpterm')
    ap.add_argument('--duration', type=int, default=15)
    ap.add_argument('--slow-start', type=int, default=SLOW_START, choices=range(10, 601),
                    metavar='S', help="dperf's slow start in seconds before the steady ones "
                    '(dperf accepts 10..600)')
    ap.add_argument('--no-recovery', dest='recovery', action='store_false',
                    help='no light load after each load')
    ap.add_argument('--keepalive', action='store_true',
                    help="dperf's keep-alive case (4,000 connections) instead of short ones")
    ap.add_argument('--mbufs', type=int, default=0)
    ap.add_argument('--tcpterm-arg', action='append', default=[],
                    help='extra tcpterm option (repeat; e.g. --tcpterm-arg=--syncookies=2)')
    ap.add_argument('--keep', action='store_true', help='keep logs (printed path)')
    ap.add_argument('rates', nargs='+', type=rate_value)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit('bench: run as root')
    for p in (DPERF, TCPTERM):
        if not os.access(p, os.X_OK):
            sys.exit(f'bench: {p} is missing (build dperf per ../shared/bench/dperf, '
                     'tcpterm with ninja -C build)')
    hp_before = hugepages_reserve()
    work = tempfile.mkdtemp(prefix='tt-dperf.')
    try:
        for cps in args.rates:
            one_rate(args, cps, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f'bench: logs in {work}')
        hugepages_restore(hp_before)


if __name__ == '__main__':
    main()
