#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""lifecycle (SPEC O1, O7):
  - SIGTERM, and SIGINT, each stop tcpterm with exit 0 within 2 s; its TAP device and its
    runtime directory /var/run/dpdk/<prefix> are gone afterwards;
  - two instances (different prefixes and TAP names, two namespaces) run at once and each
    answers its own pings (each counts only its own: 2 and 3 echo requests);
  - a third with the SAME prefix as a running one fails with exit 2 and one clear line on
    stderr naming the prefix clash and the running instance's pid, before EAL runs (no EAL
    lines), leaving the running one untouched;
  - an EAL failure that is not a clash (an lcore that does not exist) is not blamed on the
    prefix.
"""
import os
import signal
import subprocess
import time

import ttlib
from ttlib import expect, log


def stop_clean(ns, tt, sig):
    t0 = time.monotonic()
    rc = tt.stop(sig, timeout=10)
    dt = time.monotonic() - t0
    name = signal.Signals(sig).name
    expect(rc == 0, f'{name}: exit {rc}, want 0:\n{tt.output()[-2000:]}')
    expect(dt < 2.0, f'{name}: took {dt:.2f} s to exit, want < 2 s')
    expect(tt.tap not in ns.links(), f'{name}: TAP {tt.tap} still there after exit')
    expect(not os.path.exists(os.path.join(ttlib.RUN_DIR, tt.prefix)),
           f'{name}: {ttlib.RUN_DIR}/{tt.prefix} left behind')
    expect('tcpterm: stopped' in tt.output(), f'{name}: no "tcpterm: stopped" line')
    log(f'ok: {name} -> exit 0 in {dt * 1000:.0f} ms, TAP and runtime directory gone')


def ping(ns, n):
    r = ns.run(['ping', '-c', str(n), '-i', '0.2', '-W', '2', ttlib.ADDR],
               capture_output=True, text=True)
    expect(r.returncode == 0 and ' 0% packet loss' in r.stdout,
           f'ping -c {n} in {ns.name} failed:\n{r.stdout}{r.stderr}')


def test():
    ns_a = ttlib.Netns('lca')
    ns_b = ttlib.Netns('lcb')

    stop_clean(ns_a, ttlib.Tcpterm(ns_a, 'lt').start(), signal.SIGTERM)
    stop_clean(ns_a, ttlib.Tcpterm(ns_a, 'li').start(), signal.SIGINT)

    a = ttlib.Tcpterm(ns_a, 'la').start()
    b = ttlib.Tcpterm(ns_b, 'lb').start()
    ping(ns_a, 2)
    ping(ns_b, 3)
    ea, eb = a.stats()['IcmpInEchos'], b.stats()['IcmpInEchos']
    expect((ea, eb) == (2, 3), f'IcmpInEchos: {a.prefix} {ea}, {b.prefix} {eb}; want 2 and 3')
    log(f'ok: two instances at once, each answers its own pings ({ea} and {eb})')

    # Same prefix as a, in a third namespace with its own TAP name.
    ns_c = ttlib.Netns('lcc')
    tap_c = f'ttlc{os.getpid()}'
    eal = ['-l', ttlib.lcore(), '--no-pci', '--no-huge', '-m', '256', '--file-prefix',
           a.prefix, f'--vdev=net_tap0,iface={tap_c}']
    t0 = time.monotonic()
    p = subprocess.Popen(ns_c.argv([ttlib.TCPTERM] + eal + ['--', '--addr',
                                                            f'{ttlib.ADDR}/24', '--quiet']),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=10)
        raise ttlib.TestFailure(f'a second tcpterm with prefix {a.prefix} started')
    dt = time.monotonic() - t0
    ours = [ln for ln in err.splitlines() if ln.startswith('tcpterm:')]
    log(f'second instance, same prefix: exit {p.returncode} in {dt * 1000:.0f} ms, '
        f'stderr:\n  ' + '\n  '.join(err.splitlines()))
    problems = []
    if p.returncode != 2:
        problems.append(f'exit {p.returncode}, want 2')
    if len(ours) != 1:
        problems.append(f'{len(ours)} "tcpterm:" lines, want 1: {ours}')
    elif not any(w in ours[0] for w in ('prefix', 'already running', 'another tcpterm')):
        problems.append(f'the line does not name the clash (same --file-prefix): {ours[0]!r}')
    elif f'pid {a.proc.pid}' not in ours[0]:
        problems.append(f'the line does not name the running instance (pid {a.proc.pid}): '
                        f'{ours[0]!r}')
    eal_lines = [ln for ln in err.splitlines() if ln.startswith('EAL:')]
    if eal_lines:
        problems.append(f'EAL ran and printed its own failure: {eal_lines}')
    if dt > 2.0:
        problems.append(f'took {dt:.2f} s')
    if tap_c in ns_c.links():
        problems.append(f'TAP {tap_c} left behind')
    # The running instance is untouched.
    if not a.alive() or not ttlib.telemetry_up(a.prefix):
        problems.append(f'the running {a.prefix} was disturbed (alive {a.alive()})')
    ping(ns_a, 1)
    expect(not problems, 'same prefix: ' + '; '.join(problems))
    log(f'ok: same prefix -> exit 2: {ours[0]}; the running instance still answers')

    # An EAL failure that has nothing to do with prefixes does not blame one.
    r = subprocess.run(ns_c.argv([ttlib.TCPTERM, '-l', '4095', '--no-pci', '--no-huge',
                                  '--file-prefix', f'ttlcx{os.getpid()}', '--', '--addr',
                                  f'{ttlib.ADDR}/24', '--quiet']),
                       capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    ours = [ln for ln in r.stderr.splitlines() if ln.startswith('tcpterm:')]
    expect(r.returncode == 2 and len(ours) == 1 and 'EAL' in ours[0] and
           'prefix' not in ours[0], f'-l 4095: want exit 2 and one line about EAL, not about '
           f'a prefix; got exit {r.returncode}: {ours}')
    log(f'ok: an unrelated EAL failure: {ours[0]}')

    stop_clean(ns_a, a, signal.SIGINT)
    stop_clean(ns_b, b, signal.SIGTERM)


if __name__ == '__main__':
    ttlib.run(test)
