#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Instructions per connection of the worker (issue 9, SPEC P1), counted by callgrind.

A benchmark, never a test. On this shared host a cycle count moves 10-30 % between two runs
of the same binary (docs/BENCHMARKS.md); an instruction count does not move at all, and
bench_conn's short connection is bound by instructions, not misses (its working set stays in
L2: four to five instructions a TSC cycle). So a change to the stack is measured here first,
exactly, and its cycles afterwards.

valgrind runs bench_conn (tests/bench/bench_conn.c) twice, with R and 2R rounds of CONNS
connections; the difference between the two runs is what R rounds cost, start-up and the
harness's fixed parts cancelled. Printed: the worker loop's instructions per connection
(tt_worker_poll and everything below it, the ring driver and the test application
included), then the instructions per connection by source file (inlined code counted where
it is written: a layer's cost whatever the compiler inlined where), then by function; one
readable line and one JSON line first.

  tests/bench/bench_ir.py [--bin BENCH_CONN] [--keepalive | --flood] [--conns N] [--rounds R]
                          [--top K]

BENCH_CONN defaults to build-prof's, then build-rel's, then build's (a release build with
LTO is what tcpterm ships; a build without LTO names functions better). The split by file
and function needs debug info (-g; build-prof is release, LTO and -g); without it only the
totals are printed. valgrind is
installed (Debian's package) when missing.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINE = re.compile(r'\s*([\d,]+) \([ \d.]+%\)\s+(.*?)(?: \[(.*)\])?\s*$')
SUFFIX = re.compile(r'\.(isra|lto_priv|part|constprop|cold)(\.\d+)?')


def default_bin():
    for b in ('build-prof', 'build-rel', 'build'):
        p = os.path.join(ROOT, b, 'tests', 'bench', 'bench_conn')
        if os.access(p, os.X_OK):
            return p
    return None


def source_name(f):
    """A source file as the tree names it (lib/util/tt_cksum.h), else as given. Debug info
    names a file from the build directory (build/../lib/x.c, ../lib/x.c) or absolutely."""
    f = os.path.normpath(f)
    if f.startswith(ROOT + '/'):
        f = os.path.relpath(f, ROOT)
    while f.startswith('../'):
        f = f[3:]
    return f


def annotate(out, inclusive):
    """{(file, function): Ir} and the program's total, from callgrind_annotate."""
    cmd = ['callgrind_annotate', '--auto=no', '--threshold=100',
           '--inclusive=' + ('yes' if inclusive else 'no'), out]
    # From '/': callgrind_annotate strips the working directory from the names it prints.
    text = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd='/').stdout
    rows, total = {}, 0
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        ir = int(m.group(1).replace(',', ''))
        name = m.group(2)
        if name == 'PROGRAM TOTALS':
            total = ir
            continue
        f, _, fn = name.rpartition(':')
        f = source_name(f)
        fn = SUFFIX.sub('', fn)
        if inclusive:
            rows[(f, fn)] = max(rows.get((f, fn), 0), ir)   # one function, named twice
        else:
            rows[(f, fn)] = rows.get((f, fn), 0) + ir
    return rows, total


def run(binary, mode, conns, rounds, tmp):
    out = os.path.join(tmp, f'cg-{rounds}.out')
    env = dict(os.environ, TT_BENCH_NO_HUGE='1')
    cmd = ['valgrind', '--tool=callgrind', f'--callgrind-out-file={out}', binary]
    cmd += [mode] if mode else []
    cmd += [str(conns), '16', str(rounds)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-2000:] + r.stderr[-2000:])
        sys.exit(f'bench_ir: {os.path.basename(binary)} failed under valgrind (exit {r.returncode})')
    return annotate(out, False), annotate(out, True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--bin', default=default_bin())
    g = ap.add_mutually_exclusive_group()
    g.add_argument('--keepalive', action='store_const', const='--keepalive', dest='mode')
    g.add_argument('--flood', action='store_const', const='--flood', dest='mode')
    ap.add_argument('--conns', type=int, default=4000)
    ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--top', type=int, default=25)
    a = ap.parse_args()
    if a.bin is None or not os.access(a.bin, os.X_OK):
        sys.exit('bench_ir: no bench_conn binary (build one, or give --bin)')
    if shutil.which('valgrind') is None or shutil.which('callgrind_annotate') is None:
        print('bench_ir: installing valgrind (Debian)', file=sys.stderr)
        r = subprocess.run(['apt-get', 'install', '-y', '-q', 'valgrind'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, DEBIAN_FRONTEND='noninteractive'))
        if r.returncode != 0 or shutil.which('callgrind_annotate') is None:
            sys.exit('bench_ir: needs valgrind, and apt-get install valgrind failed: '
                     + (r.stderr.strip().splitlines() or ['?'])[-1])
    if a.conns < 16 or a.conns % 16 != 0 or not 1 <= a.rounds <= 32:
        sys.exit('bench_ir: --conns a multiple of 16 (bench_conn runs whole batches of 16), '
                 '--rounds 1..32 (the second run takes twice as many, bench_conn allows 64)')

    with tempfile.TemporaryDirectory(prefix='tt-bench-ir.') as tmp:
        (self1, tot1), (incl1, _) = run(a.bin, a.mode, a.conns, a.rounds, tmp)
        (self2, tot2), (incl2, _) = run(a.bin, a.mode, a.conns, 2 * a.rounds, tmp)
    n = a.conns * a.rounds
    unit = {'--keepalive': 'request', '--flood': 'SYN'}.get(a.mode, 'connection')

    def loop(incl):
        return max((v for (f, fn), v in incl.items() if fn == 'tt_worker_poll_from'), default=0)

    if tot1 == 0 or tot2 <= tot1 or loop(incl1) == 0 or loop(incl2) <= loop(incl1):
        sys.exit('bench_ir: no tt_worker_poll_from in the profile, or no difference between the '
                 'runs: callgrind_annotate\'s output not as expected')
    worker = (loop(incl2) - loop(incl1)) / n
    by_file, by_fn = {}, {}
    for k in set(self1) | set(self2):
        d = self2.get(k, 0) - self1.get(k, 0)
        by_file[k[0]] = by_file.get(k[0], 0) + d
        by_fn[k] = by_fn.get(k, 0) + d
    ours = {f: v / n for f, v in by_file.items() if f.startswith('lib/') and v > 0}
    top_files = sorted(ours.items(), key=lambda x: -x[1])[:a.top]
    top_fns = sorted(((v / n, f, fn) for (f, fn), v in by_fn.items() if v > 0),
                     reverse=True)[:a.top]

    lib_part = (f"lib/ {sum(ours.values()):,.0f}" if ours else
                "no debug info for lib/: build with -g for the split")
    print(f"bench_ir ({os.path.relpath(a.bin, ROOT)}{' ' + a.mode if a.mode else ''}): "
          f"worker {worker:,.0f} instructions per {unit} "
          f"({lib_part}; whole program {(tot2 - tot1) / n:,.0f}, "
          f"the model clients included), {n:,} {unit}s")
    print(json.dumps({'bench': 'ir', 'binary': os.path.relpath(a.bin, ROOT),
                      'mode': (a.mode or '--conn').lstrip('-'), 'unit': unit, 'count': n,
                      'worker_ir_per_unit': round(worker),
                      'lib_ir_per_unit': round(sum(ours.values())) if ours else None,
                      'program_ir_per_unit': round((tot2 - tot1) / n),
                      'by_file': {f: round(v) for f, v in top_files}}))
    print(f"\n{'Ir/' + unit:>12}  source file (lib/, inlined code where it is written)")
    for f, v in top_files:
        print(f'{v:12,.0f}  {f}')
    print(f"\n{'Ir/' + unit:>12}  function (self; file of the code, function it ran in)")
    for v, f, fn in top_fns:
        print(f'{v:12,.0f}  {fn}  ({f})')


if __name__ == '__main__':
    main()
