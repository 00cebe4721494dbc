#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""telemetry (SPEC O3): what /tcpterm/* answers on the DPDK telemetry socket.
  /tcpterm/stats    one JSON object with every counter of include/tcpterm/tt_stats.h (the
                    X-macro rows, parsed here) plus the NIC's ipackets, opackets, imissed;
                    /tcpterm/stats,0 gives worker 0's share
  /tcpterm/config   the effective tunables, reflecting the command line (--syncookies 2
                    --max-syn-backlog 64 --abort-on-overflow 1 --time-wait 5 --backlog 4
                    --app hold) and holding every tunable of SPEC "Tunables"
  /tcpterm/workers  answers; with --layer-cycles 1 each worker's busy cycles split by layer
                    (layer_cycles_timers .. _tx) add up to its busy_cycles exactly
and dpdk-telemetry.py, DPDK's own client, reads the same.
"""
import json
import shutil
import subprocess
import time

import ttlib
from ttlib import cfg_value, expect, log

# SPEC "Tunables" (names of Linux's net.ipv4.tcp_* sysctls), and where the table keeps them.
TUNABLES = [('tcp', n) for n in (
    'syncookies', 'max_syn_backlog', 'somaxconn', 'synack_retries', 'syn_retries',
    'abort_on_overflow', 'fin_timeout', 'max_tw_buckets', 'tw_reuse', 'timestamps',
    'window_scaling', 'sack', 'keepalive_time', 'keepalive_intvl', 'keepalive_probes',
    'rmem', 'wmem')] + [('listen', 'backlog'), ('listen', 'time_wait')]

OPTIONS = ['--syncookies', '2', '--max-syn-backlog', '64', '--abort-on-overflow', '1',
           '--time-wait', '5', '--backlog', '4', '--app', 'hold', '--layer-cycles', '1']
EXPECT = [('tcp', 'syncookies', '2'), ('tcp', 'max_syn_backlog', '64'),
          ('tcp', 'abort_on_overflow', '1'), ('listen', 'time_wait', '5'),
          ('listen', 'backlog', '4'), ('listen', 'app', 'hold'),
          ('listen 80', 'app', 'hold'), ('listen 80', 'backlog', '4'),
          ('listen 80', 'time_wait', '5'), ('net', 'addr', f'{ttlib.ADDR}/24'),
          ('run', 'quiet', '1'), ('run', 'layer_cycles', '1'),
          # untouched: the defaults
          ('tcp', 'somaxconn', '4096'), ('tcp', 'synack_retries', '5'),
          ('tcp', 'timestamps', '1')]


def dpdk_telemetry_py(prefix, cmd):
    tool = shutil.which('dpdk-telemetry.py')
    expect(tool is not None, 'dpdk-telemetry.py not found (package dpdk)')
    r = subprocess.run([tool, '-f', prefix], input=cmd + '\n', capture_output=True, text=True,
                       timeout=10)
    expect(r.returncode == 0, f'dpdk-telemetry.py exited {r.returncode}: {r.stderr}')
    try:
        return json.loads(r.stdout)[cmd]
    except (ValueError, KeyError) as e:
        raise ttlib.TestFailure(f'dpdk-telemetry.py printed no {cmd} reply ({e}): {r.stdout!r}')


def test():
    ns = ttlib.Netns('tel')
    tt = ttlib.Tcpterm(ns, 'tel', OPTIONS).start()
    names = ttlib.stat_names()

    # A little traffic so that some counters are not zero.
    ns.run(['ping', '-c', '2', '-i', '0.2', '-W', '2', ttlib.ADDR], stdout=subprocess.DEVNULL)
    # Port 81: no listener there (port 80 is one, with --app hold), so a reset.
    ns.run(['curl', '-s', '-m', '2', f'http://{ttlib.ADDR}:81/'], stdout=subprocess.DEVNULL)

    cmds = ttlib.telemetry(tt.prefix, '/')
    for c in ('/tcpterm/stats', '/tcpterm/config', '/tcpterm/workers'):
        expect(c in cmds, f'{c} is not registered: {cmds}')
    for c in ('/tcpterm/listeners', '/tcpterm/conns'):
        if c not in cmds:
            log(f'note: {c} (SPEC O3) is not registered yet')

    stats = tt.stats()
    missing = [n for n in names + ['ipackets', 'opackets', 'imissed'] if n not in stats]
    expect(not missing, f'/tcpterm/stats lacks {missing}')
    bad = {k: v for k, v in stats.items() if not isinstance(v, int) or v < 0}
    expect(not bad, f'/tcpterm/stats values that are not counters: {bad}')
    expect(stats['IcmpInEchos'] == 2 and stats['OutRsts'] == 1,
           f'IcmpInEchos {stats["IcmpInEchos"]}, OutRsts {stats["OutRsts"]}: want 2 and 1')
    expect(stats['ipackets'] >= stats['EthInFrames'] and stats['opackets'] >= 3,
           f'NIC counters ipackets {stats["ipackets"]} opackets {stats["opackets"]} too low')
    log(f'ok: /tcpterm/stats has all {len(names)} counters of tt_stats.h + ipackets, '
        f'opackets, imissed')

    w0 = ttlib.telemetry(tt.prefix, '/tcpterm/stats,0')
    expect(isinstance(w0, dict) and all(n in w0 for n in names),
           f'/tcpterm/stats,0 (worker 0) answered {w0!r}')
    expect(all(w0[n] == stats[n] for n in names
               if n not in ('EthInFrames', 'IpInReceives') + ttlib.HOST_COUNTERS),
           'with one worker, worker 0 counters differ from the sum')
    log('ok: /tcpterm/stats,0 = the sum, with one worker')

    cfg = tt.config()
    wrong = [(s, k, cfg_value(cfg, s, k), v) for s, k, v in EXPECT if cfg_value(cfg, s, k) != v]
    expect(not wrong, 'config does not reflect the command line: '
           + ', '.join(f'{s}.{k} = {got!r} (want {v!r})' for s, k, got, v in wrong))
    absent = [f'{s}.{k}' for s, k in TUNABLES if cfg_value(cfg, s, k) is None]
    expect(not absent, f'/tcpterm/config lacks tunables {absent}')
    log(f'ok: /tcpterm/config reflects {" ".join(OPTIONS)} and holds all '
        f'{len(TUNABLES)} tunables')

    workers = ttlib.telemetry(tt.prefix, '/tcpterm/workers')
    expect(workers, f'/tcpterm/workers answered {workers!r}')
    log(f'ok: /tcpterm/workers: {json.dumps(workers)}')
    # The split is a partition of each busy iteration: the sums match once no frame arrives
    # between the loop's stores (a kernel ARP probe may: read again).
    for _ in range(20):
        workers = ttlib.telemetry(tt.prefix, '/tcpterm/workers')
        split = ttlib.layer_cycles(workers)
        expect(split is not None, f'--layer-cycles 1, yet /tcpterm/workers has no split: {workers}')
        busy = sum(v['busy_cycles'] for v in workers.values())
        if sum(split.values()) == busy:
            break
        time.sleep(0.1)
    expect(sum(split.values()) == busy, f'layers {split} add up to {sum(split.values())}, '
           f'busy_cycles {busy}')
    expect(split['rx'] > 0 and split['stack'] > 0 and split['tx'] > 0,
           f'frames were received and answered, yet the split is {split}')
    log(f'ok: --layer-cycles 1: busy {busy} cycles = {split}')

    # DPDK's own client sees the same (the instance is idle: counters stand still).
    s1 = dpdk_telemetry_py(tt.prefix, '/tcpterm/stats')
    s2 = tt.stats()
    diff = {n: (s1.get(n), s2[n]) for n in names
            if s1.get(n) != s2[n] and n not in ttlib.HOST_COUNTERS}
    expect(all(n in s1 for n in ttlib.HOST_COUNTERS), f'dpdk-telemetry.py lacks {ttlib.HOST_COUNTERS}')
    expect(not diff, f'dpdk-telemetry.py and the socket disagree: {diff}')
    c1 = dpdk_telemetry_py(tt.prefix, '/tcpterm/config')
    expect(c1 == cfg, 'dpdk-telemetry.py /tcpterm/config differs from the socket\'s')
    log('ok: dpdk-telemetry.py -f PREFIX reads the same stats and config')


if __name__ == '__main__':
    ttlib.run(test)
