#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""flood (SPEC C5, Q1/Q2, C1/C4; D8): a SYN flood from hping3 in the test's namespace,
bounded to 4 s, against tcpterm --app http --max-syn-backlog 64, while curl — the kernel
from its own address — keeps fetching.

  timeout 4 hping3 -S -p 80 --flood -a 198.18.3.77 -s 1024 198.18.3.2

The spoofed source is inside the namespace's subnet (never --rand-source, never an
address outside it) and configured nowhere: the test checks that, and that the namespace
does not forward, so tcpterm's SYN-ACKs to .77 reach the kernel and are dropped unanswered
(no RST frees the SYN queue: the SYN queue stays full, and AttemptFails moves only for a
flood SYN that, after hping3's source port wraps, lands in a request's window — tcpterm
answers that one with its own RST, H8).

  --syncookies 1   a curl starts every 0.3 s while hping3 runs (each bounded to 3.5 s);
                   at least one must complete its handshake and get its 200 while hping3
                   still runs (C5; the kernel's TAP queue, full with the flood, drops some
                   of curl's SYNs before tcpterm sees them, so not all must); the SYN
                   queue is full (64), SyncookiesSent and TCPReqQFullDoCookies move by
                   about the flood's SYNs, TCPReqQFullDrop does not move, and each completed
                   curl came back with a valid cookie (SyncookiesRecv) (Q2, C4).
  --syncookies 0   the same flood: the SYN queue is full, TCPReqQFullDrop and ListenDrops
                   move by the SYNs dropped, no cookie is sent. A curl may fail — the test
                   does not require that it does, only that the counters say why.

Afterwards tcpterm is still running and answers ping (D8)."""
import json
import re
import subprocess
import time

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log

PORT = 80
BACKLOG = 64
FLOOD_S = 4
SPOOF = re.sub(r'\.\d+$', '.77', ttlib.ADDR)      # 198.18.3.77, inside the /24


def guard_spoof(ns):
    """Nothing in the namespace may answer for SPOOF."""
    addrs = ns.out(['ip', '-4', '-o', 'addr', 'show'])
    ttlib.expect(SPOOF not in addrs, f'{SPOOF} is configured in the namespace:\n{addrs}')
    ns.run(['sysctl', '-qw', 'net.ipv4.ip_forward=0'], check=True)
    ttlib.expect(ttlib.ADDR.rsplit('.', 1)[0] == SPOOF.rsplit('.', 1)[0],
                 f'{SPOOF} is not in the subnet of {ttlib.ADDR}')


def tap_tx_dropped(ns, tt):
    """Frames the kernel dropped on the TAP towards tcpterm (its TX queue was full)."""
    try:
        j = json.loads(ns.out(['ip', '-s', '-j', 'link', 'show', 'dev', tt.tap]))
        return int(j[0]['stats64']['tx']['dropped'])
    except (ValueError, KeyError, IndexError):
        return 0


def flood(chk, ns, tt, cookies):
    what = f'syncookies={cookies}'
    before = tt.stats()
    argv = ['timeout', str(FLOOD_S), 'hping3', '-S', '-p', str(PORT), '--flood', '-a', SPOOF,
            '-s', '1024', ttlib.ADDR]
    log(f'--- {what}: {" ".join(argv)}')
    drops0 = tap_tx_dropped(ns, tt)
    t0 = time.monotonic()
    h = ttclient.Background(ns, argv)
    h_end = None
    curls, next_t = [], 0.3        # a curl every 0.3 s while the flood runs, each <= 3.5 s
    while True:
        now = time.monotonic() - t0
        if h.p.poll() is not None and h_end is None:
            h_end = now
        if h_end is None and now >= next_t and now < FLOOD_S - 0.6:
            p = subprocess.Popen(ns.argv(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}',
                                          '--connect-timeout', '3', '-m', '3.5',
                                          f'http://{ttlib.ADDR}:{PORT}/']),
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            ttlib._cleanups.append(lambda p=p: p.poll() is None and (p.kill(), p.wait()))
            curls.append({'start': now, 'p': p, 'end': None})
            next_t += 0.3
        for c in curls:
            if c['end'] is None and c['p'].poll() is not None:
                c['end'] = now
        if h_end is not None and all(c['end'] is not None for c in curls):
            break
        if now > FLOOD_S + 6:
            break
        time.sleep(0.02)
    h.wait(5)
    results = []
    for c in curls:
        if c['end'] is None:
            c['p'].kill()
        out, err = c['p'].communicate()
        end = c['end'] if c['end'] is not None else time.monotonic() - t0
        results.append((round(c['start'], 2), round(end - c['start'], 3), c['p'].returncode,
                        int(out) if out.strip().isdigit() else 0,
                        h_end is None or end < h_end, err.strip()))
    drops = tap_tx_dropped(ns, tt) - drops0
    mid = tt.stats()
    c = ttclient.conns(tt)
    lst = ttlib.telemetry(tt.prefix, '/tcpterm/listeners')
    d = ttclient.delta(mid, before, ('InSegs', 'SyncookiesSent', 'SyncookiesRecv',
                                     'SyncookiesFailed', 'TCPReqQFullDoCookies',
                                     'TCPReqQFullDrop', 'ListenDrops', 'ListenOverflows',
                                     'PassiveOpens', 'AttemptFails', 'OutRsts', 'imissed',
                                     'rx_nombuf'))
    sent = re.search(r'(\d+) packets transmitted', h.out + h.err)
    sent = int(sent.group(1)) if sent else -1
    log(f'{what}: hping3 sent {sent} SYNs in {FLOOD_S} s, tcpterm received {d["InSegs"]} '
        f'segments ({d["InSegs"] / FLOOD_S:.0f}/s); the kernel dropped {drops} frames at '
        f'the TAP\'s queue (tcpterm reads slower than hping3 writes)')
    for r in results:
        log(f'  curl at +{r[0]:.2f} s: {r[1] * 1000:.0f} ms, exit {r[2]}, status {r[3]}, '
            f'{"during the flood" if r[4] else "after it"} {r[5]}')
    log(f'{what}: counters moved {d}; conns {c}; listener {PORT}: '
        f'{ {k: v for k, v in lst.get(str(PORT), {}).items() if k != "workers"} }')
    chk.check(sent > 1000 and d['InSegs'] > 1000, f'{what}: the flood ran ({sent} sent, '
              f'{d["InSegs"]} received)', h.err)
    # hping3 steps its source port per SYN and wraps after 64,512, so the queued requests'
    # 4-tuples come again with a fresh sequence number; one that falls in a request's
    # window (<= 64 KiB of 2^32, about 0.4 % a run) ends it with AttemptFails and a RST
    # from tcpterm (H8, as Linux's tcp_check_req). A RST from the namespace would move
    # AttemptFails alone.
    chk.check(d['AttemptFails'] <= d['OutRsts'], f'{what}: no RST came back for {SPOOF} '
              f'(AttemptFails +{d["AttemptFails"]}, each with tcpterm\'s own RST for an '
              f'in-window flood SYN: OutRsts +{d["OutRsts"]})')
    syn_q = lst.get(str(PORT), {}).get('syn_q')
    chk.check(c['SYN_RECV'] == BACKLOG and syn_q == BACKLOG,
              f'{what}: the SYN queue is full: SYN_RECV {c["SYN_RECV"]}, syn_q {syn_q}, '
              f'--max-syn-backlog {BACKLOG}')
    ok_during = [r for r in results if r[2] == 0 and r[3] == 200 and r[4]]
    ok_all = [r for r in results if r[2] == 0 and r[3] == 200]
    log(f'FIGURES flood {what}: {len(ok_during)} of {len(results)} curls succeeded during '
        f'the flood ({len(ok_all)} in all); {d["InSegs"] / FLOOD_S:.0f} SYN/s absorbed')
    return d, results, ok_during, ok_all


def test():
    chk = Checks()
    ns = ttlib.Netns('fld')
    guard_spoof(ns)

    tt = ttlib.Tcpterm(ns, 'fld1', ['--listen', str(PORT), '--app', 'http', '--syncookies',
                                    '1', '--max-syn-backlog', str(BACKLOG)]).start()
    guard_spoof(ns)
    d, results, ok_during, ok_all = flood(chk, ns, tt, 1)
    chk.check(len(results) >= 1 and len(ok_during) >= 1,
              f'C5 syncookies=1: a legitimate curl completes while the flood runs '
              f'({len(ok_during)} of {len(results)})')
    chk.check(d['TCPReqQFullDoCookies'] > 1000 and d['SyncookiesSent'] > 1000,
              f'Q2 syncookies=1: TCPReqQFullDoCookies +{d["TCPReqQFullDoCookies"]}, '
              f'SyncookiesSent +{d["SyncookiesSent"]}')
    chk.check(d['TCPReqQFullDoCookies'] >= 0.9 * (d['InSegs'] - 2 * BACKLOG),
              f'Q2 syncookies=1: nearly every flood SYN past the first {BACKLOG} got a '
              f'cookie ({d["TCPReqQFullDoCookies"]} of {d["InSegs"]} segments)')
    chk.check(d['TCPReqQFullDrop'] == 0, f'syncookies=1: no SYN dropped for a full queue '
              f'(TCPReqQFullDrop +{d["TCPReqQFullDrop"]})')
    chk.check(d['SyncookiesRecv'] >= len(ok_all) and d['PassiveOpens'] >= len(ok_all),
              f'C4: each completed curl came back with a valid cookie (SyncookiesRecv '
              f'+{d["SyncookiesRecv"]}, PassiveOpens +{d["PassiveOpens"]}, {len(ok_all)} '
              'curls answered)')
    chk.check(d['SyncookiesFailed'] == 0, f'no cookie failed '
              f'(SyncookiesFailed +{d["SyncookiesFailed"]})')
    ttclient.check_alive(chk, ns, tt)
    rc = tt.stop()
    chk.check(rc == 0, f'tcpterm (syncookies=1) exits 0 on SIGINT after the flood ({rc})')

    tt = ttlib.Tcpterm(ns, 'fld0', ['--listen', str(PORT), '--app', 'http', '--syncookies',
                                    '0', '--max-syn-backlog', str(BACKLOG)]).start()
    guard_spoof(ns)
    d, results, ok_during, ok_all = flood(chk, ns, tt, 0)
    chk.check(d['TCPReqQFullDrop'] > 1000 and d['ListenDrops'] >= d['TCPReqQFullDrop'],
              f'Q2 syncookies=0: SYNs to the full queue dropped and counted '
              f'(TCPReqQFullDrop +{d["TCPReqQFullDrop"]}, ListenDrops +{d["ListenDrops"]})')
    chk.check(d['TCPReqQFullDrop'] >= 0.9 * (d['InSegs'] - 2 * BACKLOG),
              f'Q2 syncookies=0: nearly every flood SYN past the first {BACKLOG} was '
              f'dropped ({d["TCPReqQFullDrop"]} of {d["InSegs"]} segments)')
    chk.check(d['SyncookiesSent'] == 0 and d['TCPReqQFullDoCookies'] == 0,
              f'syncookies=0: no cookie sent (SyncookiesSent +{d["SyncookiesSent"]}, '
              f'TCPReqQFullDoCookies +{d["TCPReqQFullDoCookies"]})')
    failed = len(results) - len(ok_all)
    if failed:
        log(f'syncookies=0: {failed} of {len(results)} curls failed, as the counters '
            'explain (their SYNs met the full SYN queue)')
    ttclient.check_alive(chk, ns, tt)
    rc = tt.stop()
    chk.check(rc == 0, f'tcpterm (syncookies=0) exits 0 on SIGINT after the flood ({rc})')
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
