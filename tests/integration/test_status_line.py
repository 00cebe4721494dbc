#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""status_line (SPEC O5): the one-line status tcpterm prints on stdout every second.

  1. tcpterm --app http on 80 WITHOUT --quiet; for about 3.5 s the namespace's kernel makes
     short connections ("Connection: close" requests over Python sockets, one after the
     other). Its output then holds status lines, each naming cps, estab, syn_recv,
     time_wait, busy (%), rx and tx (pps and Gbps) and drops with a number; their uptime
     stamps ([   N.Ns]) step by about 1 s (0.8-1.3 s) and they came about once a second
     (as many as whole seconds have passed, +-1); cps > 0 in a line covering the load, and
     the largest cps is within reason of the connections made (<= their number per
     second + 1) and the lines' cps add up to the connections made; rx and tx pps > 0 then
     too; time_wait grows (tcpterm closes first, --time-wait 30) and the last line's value
     is /tcpterm/conns' TIME_WAIT.
  2. The same with --quiet for about 2.5 s: not one status line.
  3. Stopped (SIGSTOP) for 2.5 s and continued: the seconds it missed are one line, not a
     burst of lines microseconds apart whose rates divide by almost nothing; every step
     between stamps is at least 0.8 s, and the lines go on once a second afterwards."""
import signal
import re
import time

import ttclient
import ttlib
from ttclient import Checks, connect, recv_response, wait_eof
from ttlib import log

PORT = 80
NUM = r'(\d+(?:\.\d+)?)'
LINE_RE = re.compile(
    rf'^\[\s*{NUM}s\] cps {NUM} estab (\d+) syn_recv (\d+) time_wait (\d+) \| busy {NUM}% \| '
    rf'rx {NUM} pps {NUM} Gbps \| tx {NUM} pps {NUM} Gbps \| drops (\d+)\s*$')
REQ = b'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
KEYS = ('cps', 'estab', 'syn_recv', 'time_wait', 'busy', 'rx', 'tx', 'drops')


def status_lines(text):
    """(all lines that look like a status line, the parsed ones as dicts)."""
    cand = [ln for ln in text.splitlines() if ' cps ' in ln or re.match(r'^\[\s*\d', ln)]
    parsed = []
    for ln in cand:
        m = LINE_RE.match(ln)
        if m:
            g = m.groups()
            parsed.append(dict(up=float(g[0]), cps=float(g[1]), estab=int(g[2]),
                               syn_recv=int(g[3]), time_wait=int(g[4]), busy=float(g[5]),
                               rx_pps=float(g[6]), rx_gbps=float(g[7]), tx_pps=float(g[8]),
                               tx_gbps=float(g[9]), drops=int(g[10]), line=ln))
    return cand, parsed


def load(secs):
    """Short connections one after the other for secs s: how many completed."""
    n, bad = 0, []
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            s = connect(PORT)
            s.sendall(REQ)
            st, _, _ = recv_response(s, time.monotonic() + 2)
            e = wait_eof(s, 2.0)
            s.close()
            if st.endswith('200 OK') and e == 'eof':
                n += 1
            else:
                bad.append((st, e))
        except (OSError, EOFError) as e:
            bad.append(repr(e))
        time.sleep(0.01)
    return n, bad


def test():
    chk = Checks()
    ns = ttlib.Netns('stat')
    tt = ttlib.Tcpterm(ns, 'stat', ['--listen', str(PORT), '--app', 'http', '--time-wait', '30'],
                       quiet=False)
    ttlib.expect('--quiet' not in tt.args, f'tcpterm arguments {tt.args}')
    tt.start()
    ns.enter()
    t_up = time.monotonic()
    time.sleep(0.3)
    t0 = time.monotonic()
    n, bad = load(3.5)
    t1 = time.monotonic()
    time.sleep(1.2)                  # the line covering the load's last second
    t_end = time.monotonic()
    tw_now = ttclient.conns(tt)['TIME_WAIT']
    out = tt.output()
    rc = tt.stop()
    chk.check(rc == 0, f'tcpterm (not quiet) stops with exit 0 ({rc})')
    rate = n / (t1 - t0)
    log(f'load: {n} connections in {t1 - t0:.1f} s ({rate:.0f}/s), {len(bad)} failed '
        f'{bad[:3]}')
    chk.check(n > 10 and not bad, f'{n} short connections completed, none failed')
    cand, lines = status_lines(out)
    log('status lines:\n  ' + '\n  '.join(cand))
    chk.check(cand and len(lines) == len(cand), f'every status line has the fields {KEYS} '
              f'with numbers ({len(lines)} of {len(cand)} parse)',
              '\n'.join(ln for ln in cand if not LINE_RE.match(ln)))
    secs = t_end - t_up
    chk.check(abs(len(lines) - int(secs)) <= 1, f'one line a second: {len(lines)} lines in '
              f'{secs:.1f} s of running')
    steps = [b['up'] - a['up'] for a, b in zip(lines, lines[1:])]
    chk.check(steps and all(0.8 <= s <= 1.3 for s in steps),
              f'uptime stamps step by about 1 s ({", ".join(f"{s:.1f}" for s in steps)})')
    busy = [ln for ln in lines if ln['cps'] > 0]
    chk.check(len(busy) >= 2, f'cps > 0 in the lines covering the load ({len(busy)} lines: '
              f'{[ln["cps"] for ln in lines]})')
    top = max((ln['cps'] for ln in lines), default=0)
    chk.check(top <= rate * 1.5 + 2, f'the largest cps {top:.0f} is in line with the '
              f'{rate:.0f} connections/s made')
    chk.check(all(ln['rx_pps'] > 0 and ln['tx_pps'] > 0 for ln in busy),
              'rx and tx pps > 0 while connections run')
    total = sum(ln['cps'] for ln in lines)
    chk.check(abs(total - n) <= max(3, 0.05 * n), f'the cps of the lines add up to the '
              f'{n} connections made ({total:.0f})')
    tws = [ln['time_wait'] for ln in lines]
    # Not necessarily n: the client's kernel may reuse a port whose TIME_WAIT tcpterm holds
    # (F6 reopens it).
    chk.check(bool(tws) and tws[-1] == tw_now, f'the last line\'s time_wait is /tcpterm/conns\' '
              f'TIME_WAIT ({tws[-1] if tws else None}, {tw_now}; {n} connections closed by '
              'tcpterm, --time-wait 30)')
    chk.check(max(tws, default=0) > 0 and tws == sorted(tws),
              f'time_wait grows while tcpterm closes first ({tws})')

    tq = ttlib.Tcpterm(ns, 'statq', ['--listen', str(PORT), '--app', 'http'])
    ttlib.expect('--quiet' in tq.args, f'tcpterm arguments {tq.args}')
    ns.leave()
    tq.start()
    ns.enter()
    n2, _ = load(2.5)
    rc = tq.stop()
    out = tq.output()
    cand, _ = status_lines(out)
    chk.check(rc == 0 and n2 > 0, f'tcpterm --quiet served {n2} connections, exit {rc}')
    chk.check(not cand, f'--quiet: no status line in 2.5 s ({len(cand)})', '\n'.join(cand))

    ns.leave()
    ts = ttlib.Tcpterm(ns, 'stats', ['--listen', str(PORT), '--app', 'http'], quiet=False)
    ts.start()
    time.sleep(2.3)
    ts.proc.send_signal(signal.SIGSTOP)
    time.sleep(2.5)
    ts.proc.send_signal(signal.SIGCONT)
    time.sleep(2.4)
    rc = ts.stop()
    cand, lines = status_lines(ts.output())
    steps = [round(b['up'] - a['up'], 2) for a, b in zip(lines, lines[1:])]
    log('status lines around a 2.5 s stop:\n  ' + '\n  '.join(cand))
    chk.check(rc == 0 and len(lines) == len(cand) and len(lines) >= 4,
              f'stopped and continued: {len(lines)} status lines, exit {rc}')
    chk.check(steps and min(steps) >= 0.8, f'no burst after SIGCONT: every step >= 0.8 s '
              f'({steps})')
    chk.check(any(st >= 2.5 for st in steps), f'one line covers the stop ({steps})')
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
