#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ctl (SPEC O4): tcpterm-ctl shows what telemetry holds.
  stats              netstat -s style lines, "N resets sent" among them, N = OutRsts
  --json stats       parses as JSON and matches /tcpterm/stats
  config             lists every key of /tcpterm/config with its value
  workers            every pool as used/capacity; with --layer-cycles 1 the busy cycles by
                     layer as shares of busy, as /tcpterm/workers has them
  conns              an open connection's row and info line (ss -ti), as /tcpterm/sockets
  top 0.5 3          three frames while curl runs: worker 0's row, Tcp:PassiveOpens moving;
                     --json top: a JSON line a frame; bad INTERVAL/COUNT exit 2; SIGINT
                     ends an endless top with exit 0
  --file-prefix of no running tcpterm  -> exit 2, one line on stderr
Skipped (exit 77, said so) while tcpterm-ctl is not built.
"""
import json
import os
import re
import signal
import subprocess
import time

import ttclient
import ttlib
from ttlib import expect, log


def ctl(*args, timeout=10):
    t0 = time.monotonic()
    r = subprocess.run([ttlib.TCPTERM_CTL] + list(args), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=timeout)
    r.elapsed = time.monotonic() - t0
    return r


def flat_config(cfg):
    """(key, value) pairs of /tcpterm/config, listeners included, whatever its layout."""
    out = []
    for k, v in cfg.items():
        if isinstance(v, dict):
            for port, entry in v.items():
                if isinstance(entry, dict):
                    out += [(f'{port}:{kk}', vv) for kk, vv in entry.items()]
        else:
            out.append((k, v))
    return out


def part_top(ns, tt, p):
    """top (issue 10 item 6): frames of what moved while curl fetches run, as text and as
    JSON lines; bad arguments refused; Ctrl-C ends an endless top with exit 0."""
    url = f'http://{ttlib.ADDR}:{ttlib.LISTEN_PORT}/'
    fetches = ttclient.Background(ns, ['sh', '-c', f'for i in $(seq 40); do curl -s -m 1 '
                                       f'-o /dev/null {url}; sleep 0.02; done'])
    r = ctl(*p, 'top', '0.5', '3')
    fetches.wait(15)
    frames = [f for f in r.stdout.split('\ntcpterm-ctl top ') if f.strip()]
    opens = [float(ln.split()[1]) for ln in r.stdout.splitlines()
             if ln.startswith('Tcp:PassiveOpens ')]
    workers = [ln for ln in r.stdout.splitlines() if re.match(r'0 +[0-9.]+ +[0-9]+ +[0-9]+/', ln)]
    expect(r.returncode == 0 and len(frames) == 3 and len(workers) == 3 and opens and
           max(opens) > 0, f'tcpterm-ctl top 0.5 3: exit {r.returncode}, {len(frames)} frames, '
           f'worker rows {workers}, PassiveOpens rates {opens}:\n{r.stdout}{r.stderr}')
    log(f'ok: tcpterm-ctl top 0.5 3: 3 frames, worker 0 row each, Tcp:PassiveOpens at up to '
        f'{max(opens):.0f}/s while curl ran')
    fetches = ttclient.Background(ns, ['sh', '-c', f'for i in $(seq 20); do curl -s -m 1 '
                                       f'-o /dev/null {url}; sleep 0.02; done'])
    r = ctl(*p, '--json', 'top', '0.3', '2')
    fetches.wait(15)
    lines = [json.loads(ln) for ln in r.stdout.splitlines()]
    expect(r.returncode == 0 and len(lines) == 2 and all('rates' in o and 'conns' in o and
                                                          0.2 < o['interval_s'] < 1.0
                                                          for o in lines),
           f'tcpterm-ctl --json top 0.3 2: exit {r.returncode}: {r.stdout}{r.stderr}')
    log(f'ok: --json top: 2 lines, rates {sorted(lines[0]["rates"])[:4]}...')
    for args, why in ((['top', '0'], 'INTERVAL'), (['top', '1', '0'], 'COUNT'),
                      (['top', 'x'], 'INTERVAL'), (['top', '1', '2', '3'], 'unexpected')):
        r = ctl(*p, *args)
        expect(r.returncode == 2 and why in r.stderr and len(r.stderr.splitlines()) == 1,
               f'tcpterm-ctl {" ".join(args)}: exit {r.returncode}, stderr {r.stderr!r}')
    proc = subprocess.Popen([ttlib.TCPTERM_CTL] + p + ['top', '0.2'], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(0.7)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise ttlib.TestFailure('tcpterm-ctl top did not end on SIGINT within 3 s')
    expect(proc.returncode == 0 and 'tcpterm-ctl top' in out,
           f'top after SIGINT: exit {proc.returncode}, stderr {err!r}')
    log('ok: top: bad INTERVAL/COUNT refused (exit 2, one line); SIGINT ends an endless top '
        'with exit 0')


def test():
    if not ttlib.TCPTERM_CTL or not os.access(ttlib.TCPTERM_CTL, os.X_OK):
        log('SKIP: tcpterm-ctl is not built yet (no tcpterm_ctl_exe in app/tcpterm-ctl/'
            f'meson.build; TCPTERM_CTL={ttlib.TCPTERM_CTL!r})')
        return ttlib.SKIP
    ns = ttlib.Netns('ctl')
    tt = ttlib.Tcpterm(ns, 'ctl', ['--syncookies', '2', '--time-wait', '5', '--listen',
                                   str(ttlib.LISTEN_PORT), '--layer-cycles', '1']).start()
    for _ in range(3):
        ns.run(['curl', '-s', '-m', '2', f'http://{ttlib.ADDR}/'], stdout=subprocess.DEVNULL)
    names = ttlib.stat_names()
    p = ['--file-prefix', tt.prefix]

    # stats, netstat -s style
    r = ctl(*p, 'stats')
    expect(r.returncode == 0, f'tcpterm-ctl stats exited {r.returncode}: {r.stderr}')
    stats = tt.stats()
    m = re.search(r'^\s*(\d+)\s+resets sent\s*$', r.stdout, re.M)
    expect(m is not None, f'no "N resets sent" line in tcpterm-ctl stats:\n{r.stdout}')
    expect(int(m.group(1)) == stats['OutRsts'] == 3,
           f'"{m.group(0).strip()}" but OutRsts = {stats["OutRsts"]} (want 3)')
    log(f'ok: tcpterm-ctl stats: "{m.group(0).strip()}" = OutRsts')

    # --json stats
    r = ctl('--json', *p, 'stats')
    expect(r.returncode == 0, f'tcpterm-ctl --json stats exited {r.returncode}: {r.stderr}')
    try:
        j = json.loads(r.stdout)
    except ValueError as e:
        raise ttlib.TestFailure(f'tcpterm-ctl --json stats is not JSON ({e}): {r.stdout!r}')
    if isinstance(j, dict) and 'OutRsts' not in j and len(j) == 1:
        j = next(iter(j.values()))
    expect(isinstance(j, dict), f'tcpterm-ctl --json stats: not an object: {r.stdout!r}')
    now = tt.stats()
    diff = {n: (j.get(n), now[n]) for n in names
            if j.get(n) != now[n] and n not in ttlib.HOST_COUNTERS}
    expect(all(n in j for n in ttlib.HOST_COUNTERS), f'tcpterm-ctl --json stats lacks {ttlib.HOST_COUNTERS}')
    expect(not diff, f'tcpterm-ctl --json stats differs from telemetry: {diff}')
    log(f'ok: tcpterm-ctl --json stats parses and matches /tcpterm/stats ({len(names)} counters)')

    # config: every key with its value
    r = ctl(*p, 'config')
    expect(r.returncode == 0, f'tcpterm-ctl config exited {r.returncode}: {r.stderr}')
    lines = r.stdout.splitlines()
    missing = []
    for key, value in flat_config(tt.config()):
        name = key.split(':')[-1].split('.')[-1]
        if not any(re.search(rf'(^|[\s.:\[]){re.escape(name)}\b', ln) and value in ln
                   for ln in lines):
            missing.append(f'{key} = {value}')
    expect(not missing, f'tcpterm-ctl config lacks {missing}:\n{r.stdout}')
    expect(any('syncookies' in ln and '2' in ln for ln in lines), 'config: syncookies 2 absent')
    log('ok: tcpterm-ctl config lists every key of /tcpterm/config with its value')

    r = ctl(*p, 'workers')
    expect(r.returncode == 0 and r.stdout.strip(),
           f'tcpterm-ctl workers exited {r.returncode}: {r.stdout}{r.stderr}')
    # O9/R2: every pool of the worker as used/capacity, as /tcpterm/workers has them.
    w = ttlib.telemetry(tt.prefix, '/tcpterm/workers')['0']
    row = r.stdout.splitlines()[1].split()
    want = [f'{w["conns_used"]}/{w["conns"]}', f'{w["reqs_used"]}/{w["reqs"]}',
            f'{w["tws_used"]}/{w["tws"]}']
    expect(row[-3:] == want and row[5] == w['mem_level'] and
           row[3].endswith(f'/{w["mbufs"]}'),
           f'tcpterm-ctl workers: row {row}, want pools {want}, memory {w["mem_level"]}, '
           f'mbufs of {w["mbufs"]}:\n{r.stdout}')
    log(f'ok: tcpterm-ctl workers: {" ".join(row)}')
    # The split (issue 9): one row per worker, each layer's share of busy_cycles. Read
    # between two equal telemetry readings: a frame in between (the kernel's) moves it.
    for _ in range(10):
        w1 = ttlib.telemetry(tt.prefix, '/tcpterm/workers')['0']
        r = ctl(*p, 'workers')
        w = ttlib.telemetry(tt.prefix, '/tcpterm/workers')['0']
        if w1['busy_cycles'] == w['busy_cycles']:
            break
        time.sleep(0.2)
    lines = r.stdout.splitlines()
    at = next((i for i, ln in enumerate(lines) if ln.startswith('Busy cycles by layer')), None)
    expect(at is not None and lines[at + 1].split() == ['Worker'] + list(ttlib.LAYERS),
           f'tcpterm-ctl workers: no layer table with --layer-cycles 1:\n{r.stdout}')
    cells = lines[at + 2].split()
    split = ttlib.layer_cycles({'0': w})
    want = [100.0 * split[n] / w['busy_cycles'] for n in ttlib.LAYERS]
    got = [float(c) for c in cells[1:]]
    expect(cells[0] == '0' and len(got) == len(want) and
           all(abs(g - x) <= 0.2 for g, x in zip(got, want)) and abs(sum(got) - 100) <= 0.5,
           f'tcpterm-ctl workers: layer row {cells}, want {[round(x, 1) for x in want]}')
    log(f'ok: tcpterm-ctl workers: busy by layer {" ".join(lines[at + 2].split()[1:])} %')

    # conns (ss -ti): an open connection's row and its info line, as /tcpterm/sockets has it.
    ns.enter()
    try:
        held = ttclient.connect(ttlib.LISTEN_PORT)
    finally:
        ns.leave()
    r = ctl(*p, 'conns')
    socks = ttlib.telemetry(tt.prefix, '/tcpterm/sockets')
    sock = next(iter(socks.values())) if socks else {}
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith('ESTABLISHED')]
    info = [ln for ln in r.stdout.splitlines() if 'cwnd:' in ln]
    expect(r.returncode == 0 and len(rows) == 1 and sock.get('peer', '?') in rows[0] and
           len(info) == 1 and f'cwnd:{sock.get("cwnd")}' in info[0] and
           f'mss:{sock.get("mss")}' in info[0],
           f'tcpterm-ctl conns: exit {r.returncode}, /tcpterm/sockets {socks}:\n{r.stdout}{r.stderr}')
    held.close()
    log(f'ok: tcpterm-ctl conns: {rows[0].split()} / {info[0].split()[:8]}')

    part_top(ns, tt, p)

    # No such instance: one line, exit 2, at once.
    r = ctl('--file-prefix', f'ttnone{os.getpid()}', 'stats')
    err = r.stderr.strip().splitlines()
    expect(r.returncode == 2 and len(err) == 1 and r.elapsed < 2,
           f'tcpterm-ctl for a prefix nobody runs: exit {r.returncode} in {r.elapsed:.1f} s, '
           f'stderr {err}')
    log(f'ok: no such instance -> exit 2: {err[0]}')


if __name__ == '__main__':
    ttlib.run(test)
