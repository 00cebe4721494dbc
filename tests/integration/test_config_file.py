#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""config_file (SPEC O2, Tunables): defaults < config file < command line, as /tcpterm/config
shows them while tcpterm runs.
  1. --config config/tcpterm.conf (the shipped, annotated file) plus command-line overrides:
     every key the file sets shows the file's value, except those given on the command line.
  2. a file with values that are not the defaults (so "from the file" cannot be confused
     with "the default"), a [listen PORT] section, and command-line overrides.
  3. every tunable has an effect since A1 (syn_retries, tw_reuse, ip_local_port_range were
     the last): set from a file or the command line, they draw no "tcpterm: warning:" line
     at start and are shown as set; --check-config prints no warning and marks no key
     "(no effect".
"""
import re
import subprocess
import configparser
import os
import tempfile

import ttlib
from ttlib import cfg_value, expect, log

SHIPPED = os.path.join(ttlib.SOURCE_ROOT, 'config', 'tcpterm.conf')

SECOND = """; test file: values that are not the defaults
[tcp]
syncookies = 0
max_syn_backlog = 128
synack_retries = 3
fin_timeout = 30

[listen]
backlog = 7
time_wait = 9

[listen 8080]
app = hold
time_wait = 5
"""


def read_ini(path):
    p = configparser.ConfigParser(strict=False, interpolation=None, delimiters=('=',),
                                  comment_prefixes=(';', '#'), inline_comment_prefixes=None)
    p.optionxform = str
    p.read(path)
    return p


def same(got, want):
    if got == want:
        return True
    try:
        return int(got, 0) == int(want, 0)
    except (TypeError, ValueError):
        return False


def check(cfg, expected, what):
    wrong = []
    for (sec, key), want in expected.items():
        got = cfg_value(cfg, sec, key)
        if callable(want):
            ok = got is not None and want(got)
        else:
            ok = same(got, want)
        if not ok:
            wrong.append(f'[{sec}] {key} = {got!r}, want {want if not callable(want) else "auto"}')
    expect(not wrong, f'{what}: ' + '; '.join(wrong))


def test():
    ns = ttlib.Netns('cfg')
    overrides = {('tcp', 'syncookies'): '2', ('listen', 'backlog'): '8',
                 ('net', 'addr'): f'{ttlib.ADDR}/24', ('run', 'quiet'): '1'}
    cli = ['--syncookies', '2', '--backlog', '8']   # Tcpterm adds --addr and --quiet

    # 1. The shipped file.
    if os.path.exists(SHIPPED):
        ini = read_ini(SHIPPED)
        expected = {}
        for sec in ini.sections():
            for key, val in ini.items(sec):
                expected[(sec, key)] = val
        expect(len(expected) > 10, f'{SHIPPED}: only {len(expected)} keys parsed')
        if expected.get(('net', 'kernel_addr')) == 'auto':
            expected[('net', 'kernel_addr')] = lambda v: v.endswith('(auto)')
        expected.update(overrides)
        tt = ttlib.Tcpterm(ns, 'cf1', ['--config', SHIPPED] + cli).start()
        check(tt.config(), expected, f'--config {SHIPPED} {" ".join(cli)}')
        tt.stop()
        warned = [ln for ln in tt.output().splitlines() if 'warning' in ln]
        expect(not warned, f'the shipped file draws warnings: {warned}')
        log(f'ok: config/tcpterm.conf: {len(expected) - len(overrides)} file values shown, '
            f'{len(overrides)} command-line overrides win')
    else:
        log(f'note: {SHIPPED} does not exist yet; only the test file is checked')

    # 2. Values that are not the defaults.
    with tempfile.NamedTemporaryFile('w', prefix='ttcfg.', suffix='.conf') as f:
        f.write(SECOND)
        f.flush()
        tt = ttlib.Tcpterm(ns, 'cf2', ['--config', f.name, '--syncookies', '2',
                                       '--time-wait', '11']).start()
        cfg = tt.config()
    expected = {
        ('tcp', 'syncookies'): '2',           # file 0, command line 2
        ('tcp', 'max_syn_backlog'): '128',    # file
        ('tcp', 'synack_retries'): '3',       # file
        ('tcp', 'fin_timeout'): '30',         # file
        ('tcp', 'somaxconn'): '4096',         # default
        ('listen', 'backlog'): '7',           # file
        ('listen', 'time_wait'): '11',        # file 9, command line 11
        ('listen 8080', 'app'): 'hold',       # its own section
        ('listen 8080', 'time_wait'): '5',    # its own section beats the [listen] default
        ('listen 8080', 'backlog'): '7',      # the file's [listen] default
    }
    check(cfg, expected, 'test file + --syncookies 2 --time-wait 11')
    log('ok: test file: file values, command-line overrides and [listen 8080] all shown')

    # 3. No tunable is without effect any more.
    given = {'syn_retries': '3', 'tw_reuse': '1', 'ip_local_port_range': '40000 40999'}
    with tempfile.NamedTemporaryFile('w', prefix='ttcfg.', suffix='.conf') as f:
        f.write('[tcp]\nsyn_retries = 3\nkeepalive_time = 45\nip_local_port_range = 40000 40999\n')
        f.flush()
        args = ['--config', f.name, '--keepalive-time', '30', '--tw-reuse', '1']
        tt = ttlib.Tcpterm(ns, 'cf3', args).start()
        cfg = tt.config()
        tt.stop()
        out = tt.output()
        chk = subprocess.run([ttlib.TCPTERM, '--'] + args + ['--check-config'],
                             capture_output=True, text=True, timeout=10,
                             stdin=subprocess.DEVNULL)
    warned = [ln for ln in out.splitlines() if 'warning' in ln]
    expect(warned == [], f'warnings at start for keys that all work: {warned}')
    for key, val in given.items():
        expect(same(cfg_value(cfg, 'tcp', key), val), f'{key}: /tcpterm/config shows '
               f'{cfg_value(cfg, "tcp", key)!r}, want {val}')
    expect(same(cfg_value(cfg, 'tcp', 'keepalive_time'), '30'),
           f'keepalive_time: /tcpterm/config shows {cfg_value(cfg, "tcp", "keepalive_time")!r}')
    log(f'ok: start-up: {", ".join(given)} set and shown, no warning')
    expect(chk.returncode == 0, f'--check-config exited {chk.returncode}: {chk.stderr}')
    cwarn = [ln for ln in chk.stdout.splitlines() if ln.startswith('tcpterm: warning:')]
    expect(cwarn == [] and '(no effect' not in chk.stdout,
           f'--check-config: warnings {cwarn}, or a key marked "(no effect"')
    log('ok: --check-config: no warning, no key marked')


if __name__ == '__main__':
    ttlib.run(test)
