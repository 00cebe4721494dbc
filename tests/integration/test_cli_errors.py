#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""cli_errors (SPEC O7, O2): bad input stops tcpterm with exit code 2 and exactly one line
on stderr naming the problem — no crash, no hang (within a second), nothing left behind (no
runtime directory, no TAP device, no process). Cases: unknown option, out-of-range and
malformed values, a gateway off every subnet of --addr, unknown application, missing value,
unreadable config file, config files with an unknown section, an unknown key, an
out-of-range value, [listen 0], a line without '=', a key before any section, an
unterminated section, an empty value, and EAL options that give no port. Also: --help exits 0 and lists every tunable of
SPEC "Tunables" and the options of O2 as --name-with-hyphens; --version exits 0.

Lines printed by DPDK itself (EAL's start-up log, rte_cfgfile's parse error) are not
tcpterm's: where a case reaches them they are listed and allowed, and the one line checked
is the one starting "tcpterm:".
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import ttlib
from ttlib import expect, log

# SPEC "Tunables" and O2.
TUNABLES = ['syncookies', 'max_syn_backlog', 'somaxconn', 'synack_retries', 'syn_retries',
            'abort_on_overflow', 'fin_timeout', 'max_tw_buckets', 'tw_reuse', 'timestamps',
            'window_scaling', 'sack', 'keepalive_time', 'keepalive_intvl', 'keepalive_probes',
            'rmem', 'wmem', 'backlog', 'time_wait']
O2 = ['config', 'addr', 'gateway', 'listen', 'app', 'backlog', 'accept_rate']

# DPDK's own log lines (EAL bring-up, drivers, telemetry), allowed around tcpterm's line.
DPDK_LINE = re.compile(r'^(EAL|TELEMETRY|USER1|PMD|rte_\w+\(\)|\w+\(\)):')


def ini(text):
    f = tempfile.NamedTemporaryFile('w', prefix='ttcli.', suffix='.conf', delete=False)
    f.write(text)
    f.close()
    return f.name


def test():
    ns = ttlib.Netns('cli')
    pid = os.getpid()
    files = []

    def conf(text):
        files.append(ini(text))
        return files[-1]

    cases = [
        # (name, tcpterm options after "--", regex the line must match, EAL gives a port)
        ('unknown option', ['--bogus'], r'unknown option.*--bogus'),
        ('positional argument', ['extra'], r"unexpected argument 'extra'"),
        ('--syncookies 3', ['--syncookies', '3'], r'--syncookies 3.*range'),
        ('--addr 1.2.3', ['--addr', '1.2.3'], r'--addr 1\.2\.3.*A\.B\.C\.D/len'),
        ('--addr 1.2.3.4/33', ['--addr', '1.2.3.4/33'], r'--addr 1\.2\.3\.4/33'),
        ('--mbufs abc', ['--mbufs', 'abc'], r'--mbufs abc.*integer'),
        ('--mbufs -1', ['--mbufs', '-1'], r'--mbufs -1'),
        ('--app nosuch', ['--app', 'nosuch'], r'--app nosuch.*(unknown|application)'),
        ('--listen 0', ['--listen', '0'], r'--listen 0'),
        ('--gateway 300.1.1.1', ['--gateway', '300.1.1.1'], r'--gateway 300\.1\.1\.1'),
        ('--gateway off-link', ['--gateway', '198.18.9.1'], r'--gateway 198\.18\.9\.1.*subnet'),
        ('missing value', ['--syncookies'], r'--syncookies.*(needs|requires|missing).*value'),
        ('--config /nonexistent', ['--config', '/nonexistent/tcpterm.conf'],
         r'/nonexistent/tcpterm\.conf.*(No such file|cannot)'),
        ('config: unknown section', ['--config', conf('[bogus]\nx = 1\n')],
         r'\[bogus\].*unknown section'),
        ('config: unknown key', ['--config', conf('[tcp]\nsyncookie = 1\n')],
         r'syncookie\b.*unknown key'),
        ('config: out-of-range value', ['--config', conf('[tcp]\nsyncookies = 7\n')],
         r'syncookies.*7.*range'),
        ('config: [listen 0]', ['--config', conf('[listen 0]\napp = echo\n')],
         r'\[listen 0\]'),
        ('config: key before any section', ['--config', conf('syncookies = 1\n')],
         r'(section|not valid INI)'),
        ('config: line without =', ['--config', conf('[tcp]\nsyncookies\n')],
         r'(syncookies|line 2|=)'),
        ('config: unterminated section', ['--config', conf('[tcp\nsyncookies = 1\n')],
         r'(not valid INI|\])'),
        ('config: empty value', ['--config', conf('[tcp]\nsyncookies =\n')],
         r'(syncookies|not valid INI|empty)'),
    ]
    failures = []
    cfgfile_says = {}

    def leftovers(prefix):
        left = []
        if os.path.exists(os.path.join(ttlib.RUN_DIR, prefix)):
            left.append(f'{ttlib.RUN_DIR}/{prefix}')
        left += [d for d in ns.links() if d.startswith('tt')]
        return left

    def one(name, args, pattern, vdev=True, limit=1.0):
        prefix = f'ttcli{pid}'
        eal = ['-l', ttlib.lcore(), '--no-pci', '--no-huge', '-m', '256', '--file-prefix',
               prefix] + ([f'--vdev=net_tap0,iface=ttcli{pid}'] if vdev else [])
        argv = ns.argv([ttlib.TCPTERM] + eal + ['--', '--addr', f'{ttlib.ADDR}/24', '--quiet']
                       + args)
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            out, err = p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=10)
            failures.append(f'{name}: tcpterm accepted it and started (stopped after 5 s); '
                            f'stderr: {err.strip().splitlines()[-3:]}')
            log(f'FAIL: {name}: tcpterm started')
            shutil.rmtree(os.path.join(ttlib.RUN_DIR, prefix), ignore_errors=True)
            return err
        dt = time.monotonic() - t0
        lines = [ln for ln in err.splitlines() if ln.strip()]
        ours = [ln for ln in lines if ln.startswith('tcpterm:')]
        others = [ln for ln in lines if not ln.startswith('tcpterm:')]
        problems = []
        if p.returncode != 2:
            problems.append(f'exit {p.returncode}, want 2')
        if len(ours) != 1:
            problems.append(f'{len(ours)} "tcpterm:" lines on stderr, want 1: {ours}')
        elif not re.search(pattern, ours[0]):
            problems.append(f'line does not name the problem (/{pattern}/): {ours[0]!r}')
        foreign = [ln for ln in others if not DPDK_LINE.match(ln)]
        if foreign:
            problems.append(f'other lines on stderr: {foreign}')
        if vdev and others and not name.startswith('config'):
            problems.append(f'DPDK lines for an error found before EAL starts: {others}')
        if dt > limit:
            problems.append(f'took {dt:.2f} s, want < {limit} s')
        left = leftovers(prefix)
        if left:
            problems.append(f'left behind {left}')
        if problems:
            failures.append(f'{name}: ' + '; '.join(problems))
            log(f'FAIL: {name}: ' + '; '.join(problems))
        else:
            log(f'ok: {name}: exit 2 in {dt * 1000:.0f} ms: {ours[0]}'
                + (f'  [DPDK before it: {others}]' if others else ''))
        return err

    try:
        for name, args, pattern in cases:
            err = one(name, args, pattern)
            if name.startswith('config:'):
                cfgfile_says[name] = [ln for ln in err.splitlines()
                                      if ln and not ln.startswith('tcpterm:')]
        # EAL options without a device and no kernel link: EAL starts (so its log is
        # allowed), no port.
        one('no usable port (EAL options without --vdev, kernel_link none)',
            ['--kernel-link', 'none'], r'no usable port', vdev=False, limit=2.0)
    finally:
        for f in files:
            os.unlink(f)
    for name, said in cfgfile_says.items():
        log(f'note: rte_cfgfile printed for "{name}": {said if said else "nothing"}')

    # --help and --version
    r = subprocess.run([ttlib.TCPTERM, '--help'], capture_output=True, text=True, timeout=5,
                       stdin=subprocess.DEVNULL)
    expect(r.returncode == 0, f'--help exited {r.returncode}')
    opts = set(re.findall(r'^\s*--([a-z][a-z0-9-]*)', r.stdout, re.M))
    missing = [n.replace('_', '-') for n in TUNABLES + O2 if n.replace('_', '-') not in opts]
    if missing:
        failures.append(f'--help lacks {["--" + m for m in missing]}')
    else:
        log(f'ok: --help exits 0 and lists all {len(TUNABLES)} tunables and the O2 options')
    r = subprocess.run([ttlib.TCPTERM, '--', '--version'], capture_output=True, text=True,
                       timeout=5, stdin=subprocess.DEVNULL)
    if r.returncode != 0 or 'tcpterm' not in r.stdout:
        failures.append(f'--version: exit {r.returncode}, {r.stdout!r}')
    else:
        log(f'ok: --version: {r.stdout.strip()}')
    expect(not failures, f'{len(failures)} case(s) failed:\n  ' + '\n  '.join(failures))


if __name__ == '__main__':
    ttlib.run(test)
