#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Every performance figure of SPEC P1-P5 in one run: the engine behind scripts/bench.sh (use
that: it checks the arguments and binaries, holds /tmp/tt-bench.lock and cleans up). Never
part of the test suites.

    tests/bench/bench_all.py [--quick] [--dperf PATH] --tcpterm PATH --gen PATH FIGURE...

It drives the two existing drivers as modules, their own lines going to a log file:
dperf_cps.one_rate() (dperf's client on CPU 0 against tcpterm or dperf's server on CPU 1,
hugepages) and gen_memif.measure() (tcpterm-gen on CPU 0 against tcpterm on CPU 1, no
hugepages). For each figure it prints one readable line and one JSON line
({"bench": FIGURE, ...}) with the server's busy share and cycles per unit of work where the
drivers give them. Figures:

  cps        P1: dperf's client at 100k, 400k, 800k conn/s against tcpterm, then dperf's
             server at the same rate (one line per rate, side by side); tcpterm-gen cps
             (uncapped, 1,024 concurrent) always, with its handshake latency (P4)
  peak       P1/issue 9: dperf's offered rate stepped up (200k .. 1.2M) until the server
             has twice not served what was offered (steady CPS under 95 % of it): the highest
             clean rate (synRt, finRt, pushRt, rstRx and skErr still), and the peak, the
             most served in any step (the capacity); then twice the peak offered, its steady
             CPS as a fraction of the peak (issue 9: at 2x capacity, >= 90 % of peak)
  keepalive  P1/P4: dperf's client-ka-cc4000 against tcpterm and dperf's server
             (requests/s); tcpterm-gen keepalive (64 connections)
  stream     P4: one and many connections, down (GET of a 1 GB body) and up (to discard), Gbps
  flood      P3: tcpterm-gen SYN flood from 198.19.0.0/16 with 1,000 legitimate conn/s
  twflat     P5 (TIME_WAIT half): tcpterm-gen cps against one tcpterm with no TIME_WAIT
             entries, then the same after filling its TIME_WAIT table through other ports
  hold       P2/P5 (concurrency half): tests/bench/hold.py, 10 M idle connections held by
             one worker (1 M with --quick) beside cps at 100k/s: bytes per ESTABLISHED
             connection from tcpterm's resident set, cycles per connection of the load with
             none and with all of them held
  stack      P1: tests/bench/bench_conn (the unit tests' harness, built with the tests:
             build-bench, else build): the stack's own cycles per short connection on
             CPU 1, no driver and no second process; the figure to compare builds by;
             then per request on 16 keep-alive connections (bench_conn --keepalive) and
             per SYN of a flood answered with cookies (bench_conn --flood)
  ir         P1/issue 9, exactly: tests/bench/bench_ir.py, the worker's instructions per
             short connection, per keep-alive request and per flood SYN of bench_conn
             (build-prof's when built: release, LTO and -g, for the split by file; else the
             stack figure's) counted by valgrind's callgrind: the same on every run, where
             cycles on this host move by a tenth or more
  layers     P1/issue 9, where the cycles go: tcpterm with --layer-cycles 1, its busy cycles
             per connection split by layer (timers, rx: the driver's RX bursts, stack:
             Ethernet/IPv4/TCP input, app: the http application, out: TCP output, tx: the
             TX flush); under dperf's client at 400k with --dperf, and tcpterm-gen cps and
             keepalive (per request). A separate run: the split reads the TSC five times
             more per busy iteration, the other figures run without it
  linux      P1/issue 9 item 6, the floor: tests/bench/linux_floor.py, nginx (one worker on
             CPU 1) on the Linux loopback driven by wrk (CPU 0), keep-alive and one
             connection per request: rate, busy shares, cycles per request or connection
"""
import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dperf_cps  # noqa: E402
import gen_memif  # noqa: E402
import linux_floor  # noqa: E402

FIGURES = ('cps', 'peak', 'keepalive', 'stream', 'flood', 'twflat', 'hold', 'stack', 'ir',
           'layers', 'linux')
LAYER_ARGS = ['--layer-cycles', '1']
ROOT = os.path.dirname(os.path.dirname(HERE))
CPS_RATES = (100000, 400000, 800000)
PEAK_STEPS = tuple(range(200000, 1200001, 200000))
PEAK_STEPS_QUICK = (400000, 800000, 1200000)
CLEAN = ('synRt', 'finRt', 'pushRt', 'rstRx', 'skErr')   # issue 9: "clean"
STREAM_CONNS = 16         # "many connections" (P4)
FLOOD_RATES = ('1M', '5M')  # P3's goal is 5 Mpps absorbed by one core
TW_FILL_PORTS = (1000, 1031)  # 32 ports x 64,512 source ports: 2 M distinct 4-tuples


def emit(bench, text, **fields):
    """The figure's readable line and its JSON line."""
    print(f'{bench}: {text}', flush=True)
    print(json.dumps({'bench': bench, 'date': time.strftime('%Y-%m-%d %H:%M'), **fields}),
          flush=True)



def k(n):
    return f'{n / 1e6:g}M' if n >= 1000000 else f'{n / 1e3:g}k'


class Bench:
    def __init__(self, a, log):
        self.a, self.log = a, log
        self.quick = a.quick
        self.gen_s = 3 if a.quick else 10          # tcpterm-gen runs
        self.dperf_s = 3 if a.quick else 15        # dperf's steady seconds
        self.slow_start = dperf_cps.SLOW_START   # dperf's minimum: --quick cannot cut it
        self.work = tempfile.mkdtemp(prefix='tt-bench.', dir=log.name.rsplit('/', 1)[0])
        self.hz = linux_floor.tsc_hz()  # dperf reports no cycles: busy x clock / rate

    def quiet(self, fn, *args, **kw):
        """A driver call, its own lines into the log."""
        with contextlib.redirect_stdout(self.log):
            return fn(*args, **kw)

    # ---- dperf ----
    def dperf(self, server, rate, keepalive=False, recovery=None, tcpterm_arg=()):
        args = types.SimpleNamespace(
            server=server, duration=self.dperf_s, slow_start=self.slow_start, mbufs=0,
            tcpterm_arg=list(tcpterm_arg), keepalive=keepalive,
            recovery=(not self.quick) if recovery is None else recovery)
        r = self.quiet(dperf_cps.one_rate, args, rate, self.work)
        unit = 'req' if keepalive else 'conn'
        if server == 'dperf' and r['busy'] and r['steady_cps_median'] and self.hz:
            r['cycles_per_' + unit] = round(r['busy'] * self.hz / r['steady_cps_median'])
            r['cycles_estimated'] = True
        return r

    @staticmethod
    def dirty(r):
        return {e: r['errors'][e] for e in CLEAN if r['errors'].get(e)}

    def dperf_brief(self, r, unit='conn'):
        errs = ' '.join(f'{e}={v}' for e, v in r['errors'].items() if v)
        est = '~' if r.get('cycles_estimated') else ''
        # tcpterm's cycles over the whole run, and over the steady seconds (the span dperf's
        # server's estimate covers) when dperf_cps could match them.
        steady = r.get('cycles_per_conn_steady') if unit == 'conn' else None
        return (f'{r["steady_cps_median"]:,}/s (min {r["steady_cps_min"]:,}) busy {r["busy"]} '
                f'cycles/{unit} {est}{r.get("cycles_per_" + unit)}'
                f'{f" (steady {steady})" if steady else ""} errors {errs or "none"}')

    @staticmethod
    def dperf_fields(r, unit='conn'):
        return {'steady_per_s': r['steady_cps_median'], 'steady_min_per_s': r['steady_cps_min'],
                'busy': r['busy'], 'cycles_per_' + unit: r.get('cycles_per_' + unit),
                'cycles_estimated': bool(r.get('cycles_estimated')), 'errors': r['errors'],
                'recovered_cps': r.get('recovered_cps'),
                'server_counters': r.get('server_counters'),
                'busy_whole_run': r.get('busy_whole_run'),
                'cycles_per_conn_steady': r.get('cycles_per_conn_steady')}

    # ---- tcpterm-gen ----
    def gen(self, name, srv_args=None, gen_args=None, unit=None, tag='g'):
        if srv_args is None:
            srv_args, gen_args, unit = gen_memif.scenario_args(name)
        with gen_memif.Server(srv_args, tag) as srv:
            return self.quiet(gen_memif.measure, srv, name, gen_args, unit, self.gen_s, tag)

    @staticmethod
    def gen_fields(r, unit):
        return {'server_busy': r['server_busy'], 'server_cycles_per_' + unit:
                r['server_cycles_per_' + unit], 'errors': r['errors'],
                'success_pct': r['success_pct'], 'gen_busy_pct': r['gen_busy_pct'],
                'gen_retrans': r['gen_retrans'], 'server_counters': r['server']}

    # ---- figures ----
    def cps(self):
        if self.a.dperf:
            for rate in CPS_RATES:
                t = self.dperf('tcpterm', rate)
                d = self.dperf('dperf', rate)
                emit('cps', f'{k(rate)} offered (dperf client): tcpterm {self.dperf_brief(t)} | '
                     f'dperf server {self.dperf_brief(d)}',
                     driver='dperf', offered_cps=rate, duration_s=self.dperf_s,
                     tcpterm=self.dperf_fields(t), dperf=self.dperf_fields(d))
        r = self.gen('cps')
        cl = r['connect_latency_us']
        emit('cps', f'tcpterm-gen uncapped: {r["conn_per_s"]:,.0f} conn/s, server busy '
             f'{r["server_busy"]} cycles/conn {r["server_cycles_per_conn"]}, handshake p50/p99 '
             f'{cl["p50"]}/{cl["p99"]} us, errors {sum(r["errors"].values())}',
             driver='tcpterm-gen', duration_s=self.gen_s, conn_per_s=r['conn_per_s'],
             connect_latency_us=cl, **self.gen_fields(r, 'conn'))

    def peak(self):
        if not self.a.dperf:
            emit('peak', 'not measured: needs --dperf (tcpterm-gen shares the two CPUs and '
                 'tops out below tcpterm; its uncapped rate is in the cps figure)',
                 measured=False, why='needs --dperf')
            return
        # Clean and capacity are two things: a step can be dirty (a SYN shed in a busy
        # second) well below the rate the worker tops out at, and "twice capacity" is twice
        # what it serves at most, not twice its highest clean rate (which was once a load
        # it served in full).
        clean, top, steps = None, None, []
        for rate in PEAK_STEPS_QUICK if self.quick else PEAK_STEPS:
            r = self.dperf('tcpterm', rate, recovery=False)
            steps.append({'offered_cps': rate, 'steady_per_s': r['steady_cps_median'],
                          'busy': r['busy'], 'cycles_per_conn': r.get('cycles_per_conn'),
                          'dirty': self.dirty(r)})
            if all(not st['dirty'] for st in steps):     # this step and all below it
                clean = r
            if top is None or r['steady_cps_median'] > top['steady_cps_median']:
                top = r
            # Past capacity, one step more: one second's stall can hold a single step's
            # median down, and the peak is the most any step served.
            if sum(st['steady_per_s'] < 0.95 * st['offered_cps'] for st in steps) >= 2:
                break
        clean_text = (f'highest clean {k(clean["offered_cps"])} offered: '
                      f'{self.dperf_brief(clean)}' if clean else
                      f'no clean rate ({k(steps[0]["offered_cps"])} had {steps[0]["dirty"]})')
        peak = top['steady_cps_median']
        if peak <= 0:
            emit('peak', f'{clean_text}; nothing served', steps=steps, peak_per_s=0)
            return
        over = int(round(2 * peak, -3))
        o = self.dperf('tcpterm', over)
        frac = o['steady_cps_median'] / peak
        emit('peak', f'{clean_text}; peak {peak:,}/s (at {k(top["offered_cps"])} offered); '
             f'at 2x peak ({over:,} offered): {self.dperf_brief(o)}, {frac:.1%} of peak',
             clean_offered_cps=clean['offered_cps'] if clean else None,
             clean=self.dperf_fields(clean) if clean else None, peak_per_s=peak,
             peak=self.dperf_fields(top), overload_offered_cps=over,
             overload=self.dperf_fields(o), overload_fraction=round(frac, 3), steps=steps,
             duration_s=self.dperf_s)

    def keepalive(self):
        if self.a.dperf:
            t = self.dperf('tcpterm', 100000, keepalive=True, recovery=False)
            d = self.dperf('dperf', 100000, keepalive=True, recovery=False)
            emit('keepalive', f'dperf client-ka-cc4000: tcpterm {self.dperf_brief(t, "req")} | '
                 f'dperf server {self.dperf_brief(d, "req")}', driver='dperf',
                 connections=4000, duration_s=self.dperf_s,
                 tcpterm=self.dperf_fields(t, 'req'), dperf=self.dperf_fields(d, 'req'))
        r = self.gen('keepalive')
        rl = r['request_latency_us']
        emit('keepalive', f'tcpterm-gen 64 conns: {r["req_per_s"]:,.0f} req/s, server busy '
             f'{r["server_busy"]} cycles/req {r["server_cycles_per_req"]}, request p50/p99 '
             f'{rl["p50"]}/{rl["p99"]} us', driver='tcpterm-gen', connections=64,
             duration_s=self.gen_s, req_per_s=r['req_per_s'], request_latency_us=rl,
             **self.gen_fields(r, 'req'))

    def stream(self):
        for name in ('down', f'down:{STREAM_CONNS}', 'up', f'up:{STREAM_CONNS}'):
            r = self.gen(name)
            d, n = (name.split(':') + ['1'])[:2]
            emit('stream', f'{d} x{n}: {r["gbps"]:.2f} Gbps, server busy {r["server_busy"]} '
                 f'cycles/byte {r["server_cycles_per_byte"]}', direction=d, conns=int(n),
                 gbps=r['gbps'], duration_s=self.gen_s, **self.gen_fields(r, 'byte'))

    def flood(self):
        for rate in FLOOD_RATES:
            r = self.gen(f'flood:{rate}')
            s, cl = r['server'], r['connect_latency_us']
            dur = r['duration_s'] or 1
            emit('flood', f'{rate} pps offered: {r["flood_pps"]:,.0f} pps sent, '
                 f'{r["gen_tx_drops"]:,} refused by gen\'s TX queue, cookies '
                 f'{s["SyncookiesSent"] / dur:,.0f}/s, shed {s["SynShedBusy"]:,}, server busy '
                 f'{r["server_busy"]} cycles/SYN {r["server_cycles_per_syn"]}; legitimate '
                 f'{r["success_pct"]:.2f} % ok, handshake p50/p99 {cl["p50"]}/{cl["p99"]} us',
                 offered_pps=r['flood_pps'], refused_by_gen=r['gen_tx_drops'],
                 cookies_per_s=round(s['SyncookiesSent'] / dur), connect_latency_us=cl,
                 duration_s=self.gen_s, **self.gen_fields(r, 'syn'))

    def twflat(self):
        """One tcpterm, TIME_WAIT 3600 s. Measured load: gen cps to ports 80-87, gen closing
        first (no TIME_WAIT on the server). Fill: gen cps --close server to ports 1000-1031
        (the server closes first: each connection leaves a TIME_WAIT entry, on 4-tuples the
        measured load never uses). Then the measured load again."""
        tw_max = 1 << 20 if self.quick else 1 << 22
        fill_s = 5 if self.quick else 40
        ports = [x for p in range(80, 88) for x in ('--listen', str(p))]
        ports += [x for p in range(TW_FILL_PORTS[0], TW_FILL_PORTS[1] + 1)
                  for x in ('--listen', str(p))]
        srv_args = ['--app', 'http', '--http-body', '14', '--time-wait', '3600',
                    '--max-tw-buckets', str(tw_max)] + ports
        _, meas, _ = gen_memif.scenario_args('cps')
        fill = ['--close', 'server', '--concurrency', '1024',
                '--target', f'{gen_memif.SRV_ADDR}:{TW_FILL_PORTS[0]}-{TW_FILL_PORTS[1]}']
        with gen_memif.Server(srv_args, 'tw', mem=1024 + tw_max * 256 // (1 << 20)) as srv:
            tw0 = srv.pools().get('tws_used', 0)
            r0 = self.quiet(gen_memif.measure, srv, 'cps', meas, 'conn', self.gen_s, 'tw0')
            self.quiet(gen_memif.gen, srv, fill, fill_s, 'twfill')
            tw1 = srv.pools().get('tws_used', 0)
            r1 = self.quiet(gen_memif.measure, srv, 'cps', meas, 'conn', self.gen_s, 'tw1')
        c0, c1 = r0['server_cycles_per_conn'], r1['server_cycles_per_conn']
        cps_ratio = r1['conn_per_s'] / r0['conn_per_s'] if r0['conn_per_s'] else 0
        cyc_ratio = c1 / c0 if c0 and c1 else None
        emit('twflat', f'{tw0:,} TIME_WAIT: {r0["conn_per_s"]:,.0f} conn/s, busy '
             f'{r0["server_busy"]} cycles/conn {c0}; {tw1:,} TIME_WAIT: '
             f'{r1["conn_per_s"]:,.0f} conn/s, busy {r1["server_busy"]} cycles/conn {c1}; '
             f'CPS ratio {cps_ratio:.3f}, cycles ratio {cyc_ratio and round(cyc_ratio, 3)}',
             duration_s=self.gen_s, fill_s=fill_s, max_tw_buckets=tw_max,
             before={'time_wait': tw0, 'conn_per_s': r0['conn_per_s'],
                     **self.gen_fields(r0, 'conn')},
             after={'time_wait': tw1, 'conn_per_s': r1['conn_per_s'],
                    **self.gen_fields(r1, 'conn')},
             cps_ratio=round(cps_ratio, 3), cycles_ratio=cyc_ratio and round(cyc_ratio, 3))

    def hold(self):
        held = 1_000_000 if self.quick else 10_000_000
        cmd = ['/usr/bin/python3', os.path.join(HERE, 'hold.py'), '--held', str(held),
               '--window', '5' if self.quick else '10']
        env = dict(os.environ, TCPTERM=self.a.tcpterm, TCPTERM_GEN=self.a.gen)
        r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=held // 20000 + 600)
        self.log.write(r.stdout)
        self.log.flush()
        lines = r.stdout.splitlines()
        if r.returncode != 0 or not lines or not lines[-1].startswith('{'):
            raise SystemExit(f'hold.py exited {r.returncode}: {lines[-1] if lines else ""}')
        out = json.loads(lines[-1])
        out.pop('bench', None)
        out.pop('date', None)
        emit('hold', lines[-2].split(': ', 1)[1], **out)

    @staticmethod
    def bench_conn():
        exe = next((p for p in (os.environ.get('BENCH_CONN'),
                                os.path.join(ROOT, 'build-bench/tests/bench/bench_conn'),
                                os.path.join(ROOT, 'build/tests/bench/bench_conn'))
                    if p and os.access(p, os.X_OK)), None)
        if exe is None:
            raise SystemExit('no bench_conn binary (meson setup build-bench --buildtype=release '
                             '-Db_lto=true && ninja -C build-bench tests/bench/bench_conn)')
        return exe

    def ir(self):
        # The same code as the stack figure's, with debug info for the split when there is a
        # build-prof (release, LTO and -g): the counts are equal, the names are not '???'.
        prof = os.path.join(ROOT, 'build-prof/tests/bench/bench_conn')
        exe = prof if os.access(prof, os.X_OK) and not os.environ.get('BENCH_CONN') \
            else self.bench_conn()
        for mode, name in (('', 'ir'), ('--keepalive', 'ir_keepalive'), ('--flood', 'ir_flood')):
            r = subprocess.run([sys.executable, os.path.join(HERE, 'bench_ir.py'), '--bin', exe,
                                *([mode] if mode else []), '--top', '10'],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=1800)
            self.log.write(r.stdout)
            self.log.flush()
            lines = r.stdout.splitlines()
            js = [line for line in lines if line.startswith('{"bench": ')]
            if r.returncode != 0 or not js:
                raise SystemExit(f'bench_ir {mode} exited {r.returncode}: '
                                 f'{lines[-1] if lines else ""}')
            out = json.loads(js[-1])
            out.pop('bench', None)
            emit(name, next(line for line in lines if line.startswith('bench_ir ('))
                 .split(': ', 1)[1], **out)

    def stack(self):
        exe = self.bench_conn()
        conns, rounds = ('20000', '3') if self.quick else ('100000', '7')

        def run(*mode):
            r = subprocess.run(['taskset', '-c', '1', exe, *mode, conns, '16', rounds],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=600)
            self.log.write(r.stdout)
            self.log.flush()
            js = [line for line in r.stdout.splitlines() if line.startswith('{"bench": ')]
            if r.returncode != 0 or not js:
                raise SystemExit(f'bench_conn {" ".join(mode)} exited {r.returncode}')
            out = json.loads(js[-1])
            out.pop('bench', None)
            return out

        out = run()
        emit('stack', f'{out["cycles_per_conn_median"]:,} cycles per connection (median of '
             f'{out["rounds"]} rounds, best {out["cycles_per_conn_best"]:,}), '
             f'{out["frames_per_conn"]} frames each: the stack alone, no driver '
             f'({os.path.relpath(exe, ROOT)})', binary=exe, **out)
        out = run('--keepalive')
        emit('stack_keepalive', f'{out["cycles_per_req_median"]:,} cycles per request (median '
             f'of {out["rounds"]} rounds, best {out["cycles_per_req_best"]:,}) on '
             f'{out["conns"]} open connections, {out["frames_per_req"]} frames each: the '
             f'stack alone (P4)', binary=exe, **out)
        out = run('--flood')
        emit('stack_flood', f'{out["cycles_per_syn_median"]:,} cycles per SYN (median of '
             f'{out["rounds"]} rounds, best {out["cycles_per_syn_best"]:,}) answered with a '
             f'cookie, each from its own address: the stack alone (P3)', binary=exe, **out)


    def layers(self):
        parts, fields = [], {}
        if self.a.dperf:
            r = self.dperf('tcpterm', 400000, recovery=False, tcpterm_arg=LAYER_ARGS)
            fields['dperf_400k'] = {'steady_per_s': r['steady_cps_median'],
                                    'cycles_per_conn': r.get('cycles_per_conn'),
                                    'layer_cycles_per_conn': r.get('layer_cycles_per_conn'),
                                    'errors': r['errors']}
            parts.append(f'dperf 400k: {r.get("cycles_per_conn")}'
                         f'{gen_memif.ttlib.layer_text(r.get("layer_cycles_per_conn"), "conn")}')
        for name, unit in (('cps', 'conn'), ('keepalive', 'req')):
            srv_args, gen_args, _ = gen_memif.scenario_args(name)
            r = self.gen(name, LAYER_ARGS + srv_args, gen_args, unit, tag='l')
            split = r.get('server_layer_cycles_per_' + unit)
            fields['gen_' + name] = {'per_s': r[unit + '_per_s'],
                                     'cycles_per_' + unit: r['server_cycles_per_' + unit],
                                     'layer_cycles_per_' + unit: split}
            parts.append(f'tcpterm-gen {name}: {r["server_cycles_per_" + unit]}'
                         f'{gen_memif.ttlib.layer_text(split, unit)}')
        emit('layers', '; '.join(parts), **fields)

    def linux(self):
        for name, text, fields in self.quiet(linux_floor.measure, 3 if self.quick else 10):
            emit('linux', text, **fields)


def on_term(sig, frame):
    raise SystemExit(f'bench: stopped by signal {sig}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--dperf')
    ap.add_argument('--tcpterm', required=True)
    ap.add_argument('--gen', required=True)
    ap.add_argument('--log', required=True, help="the drivers' own lines go here")
    ap.add_argument('figures', nargs='+', choices=FIGURES)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    dperf_cps.TCPTERM = gen_memif.TCPTERM = a.tcpterm
    gen_memif.GEN = a.gen
    if a.dperf:
        dperf_cps.DPERF = a.dperf
    hp, failed = None, []
    with open(a.log, 'a') as log:
        b = Bench(a, log)
        try:
            if a.dperf and set(a.figures) & {'cps', 'peak', 'keepalive', 'layers'}:
                hp = dperf_cps.hugepages_reserve()
            for fig in a.figures:
                try:
                    getattr(b, fig)()
                except SystemExit as e:
                    if 'signal' in str(e):
                        raise
                    emit(fig, f'failed: {e}', failed=str(e))
                    failed.append(fig)
        finally:
            if hp is not None:
                dperf_cps.hugepages_restore(hp)
            shutil.rmtree(b.work, ignore_errors=True)
    if failed:
        sys.exit(f'bench: failed: {" ".join(failed)}')


if __name__ == '__main__':
    main()
