#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""gen (SPEC A3, C5, O7): tcpterm-gen against the Linux kernel and against tcpterm.

1. Through a TAP to the kernel, python3's http.server in the namespace: cps at 80/s for
   3 s. Every connection completes (errors 0), the JSON's completed count equals the GETs
   the server logged and the ActiveOpens in gen's counters; a line a second that parses.
   Then keepalive with 4 connections for 2 s against the same HTTP/1.0 server, which closes
   after each answer: gen waits for its FIN and opens another (RFC 9112 9.6) instead of
   sending a request the server would reset, so errors 0 and one request per connection.
2. Bad input and a dead target, each one line and an exit code (O7): an unknown mode
   (exit 2), a port nobody listens on (the first connection refused: exit 1), an on-link
   address nobody has (ARP unanswered three times: exit 1 within 3 to 8 s).
3. Over memif against tcpterm --app http (two DPDK processes, each --no-pci --no-huge, its
   own --file-prefix and lcore): cps at 1500/s for 3 s, then keepalive with 8 connections
   for 2 s. tcpterm's PassiveOpens grew by exactly gen's established count, errors 0,
   every cps connection completed, keepalive requests well above its connections; --json
   FILE holds the same summary as stdout's last line. cps --close server for 1 s: tcpterm
   closes first (its TIME_WAIT grows by the connections), errors 0.
4. Over memif, a SYN flood at 3000 pps from 198.19.0.0/16 mixed with cps at 200/s,
   tcpterm with --max-syn-backlog 64 so the spoofed requests fill its SYN queue: legitimate
   success 100 % (C5) and every legitimate handshake a completed connection, tcpterm's
   SyncookiesSent grew by at least 90 % of the flood gen reports having sent, and
   SyncookiesRecv by the legitimate handshakes that went through cookies.
5. Over memif, stream up with 8 connections to tcpterm --app discard, gen's pool at the
   smallest (--mbufs 1023) and wmem allowed to grow to 4 MB: the send budgets could hold
   every mbuf, leaving none to receive the ACKs that free them; gen keeps a quarter of its
   pool free, so data moves every second and tcpterm receives what gen reports sent.
   Then stream down, 2 connections each GETting a 4 GB body from tcpterm --http-body: data
   every second, no error, both counted completed when the stop cuts them mid-body.
6. Over memif, --hold 3000 idle connections beside cps at 2,000/s, tcpterm on two addresses
   and two ports, gen's source ports cut to 1,000 (P2, P5): one address and port pair can
   hold only 1,000, so all 3,000 up means --target's ranges were taken in turn (the held
   connections' turn apart from the load's); tcpterm
   holds them (ESTABLISHED 3,000+ mid-run), the load runs beside them without error, the
   line a second says "held 3000", and the stop closes every one.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time

import ttlib
from ttlib import expect, log

GEN = os.environ.get('TCPTERM_GEN') or os.path.join(ttlib.SOURCE_ROOT, 'build', 'app',
                                                    'tcpterm-gen')
HTTP_PORT = 8000
A_ADDR, B_ADDR = '198.18.7.1', '198.18.7.2'
HOLD_ADDRS = ('198.18.7.4', '198.18.7.5')   # tcpterm's further addresses in 6.
A_MAC = '02:00:00:00:07:01'
LINE_RE = re.compile(
    r'^\[\s*[\d.]+s\] conn/s (\d+) req/s (\d+) Gbps [\d.]+ open \d+ held \d+ ok [\d.]+% \|'
    r' err( \w+ \d+){7} \| retrans \d+ \| conn ms p50 [\d.]+ p99 [\d.]+ p99\.9 [\d.]+ \|'
    r' req ms p50 [\d.]+ p99 [\d.]+ p99\.9 [\d.]+ \| flood pps \d+ txfull \d+ \|'
    r' busy [\d.]+%$')


def other_lcore():
    """A CPU for gen that is not tcpterm's, when there are two."""
    cpus = sorted(os.sched_getaffinity(0))
    mine = ttlib.lcore()
    rest = [str(c) for c in cpus if str(c) != mine]
    return rest[0] if rest else mine


def run_gen(ns, tag, eal_extra, args, timeout=40, lcore=None):
    prefix = f'ttgen{tag}{os.getpid()}'
    ttlib._cleanups.append(lambda: shutil.rmtree(os.path.join(ttlib.RUN_DIR, prefix),
                                                 ignore_errors=True))
    argv = [GEN, '-l', lcore or ttlib.lcore(), '--no-pci', '--no-huge', '-m', '256',
            '--file-prefix', prefix] + eal_extra + ['--'] + args
    t0 = time.monotonic()
    r = ns.run(argv, capture_output=True, text=True, timeout=timeout)
    took = time.monotonic() - t0
    summary = None
    lines = r.stdout.splitlines()
    if lines and lines[-1].startswith('{'):
        summary = json.loads(lines[-1])
    ours = [ln for ln in r.stderr.splitlines() if ln.startswith('tcpterm-gen:')]
    return r.returncode, summary, lines, ours, took, r


def check_lines(lines, want_min):
    status = [ln for ln in lines if ln.startswith('[')]
    bad = [ln for ln in status if not LINE_RE.match(ln)]
    expect(len(status) >= want_min and not bad,
           f'want {want_min}+ status lines that parse; got {len(status)}, bad: {bad[:2]}')
    return status


def kernel_part():
    ns = ttlib.Netns('gk')
    tmp = tempfile.mkdtemp(prefix='ttgen.')
    ttlib._cleanups.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    with open(os.path.join(tmp, 'index.html'), 'w') as f:
        f.write('x' * 3000)                  # three segments: the answer is reassembled
    logf = open(os.path.join(tmp, 'server.log'), 'w')
    ttlib._cleanups.append(logf.close)
    ttlib.background(ns, ['/usr/bin/python3', '-m', 'http.server', str(HTTP_PORT), '--bind',
                          '0.0.0.0', '--directory', tmp],
                     stdout=subprocess.DEVNULL, stderr=logf)
    time.sleep(0.5)
    tap = f'ttgk{os.getpid()}'
    net = ['--addr', f'{ttlib.ADDR}/{ttlib.PREFIX_LEN}']

    # 1. cps against the kernel
    rc, s, lines, ours, took, r = run_gen(
        ns, 'k1', [f'--vdev=net_tap0,iface={tap}'],
        net + ['--target', f'{ttlib.PEER}:{HTTP_PORT}', '--rate', '80', '--duration', '3'])
    expect(rc == 0 and s is not None, f'1. exit {rc}, summary {s is not None}: '
           f'{r.stderr[-600:]}')
    status = check_lines(lines, 3)
    logf.flush()
    with open(os.path.join(tmp, 'server.log')) as f:
        served = sum(1 for ln in f if '"GET / HTTP/1.1" 200' in ln)
    c = s['connections']
    expect(s['errors_total'] == 0, f'1. errors {s["errors"]}')
    expect(c['completed'] == c['established'] == c['attempted'] == served ==
           s['requests'] == s['counters']['ActiveOpens'],
           f'1. gen {c}, requests {s["requests"]}, ActiveOpens '
           f'{s["counters"]["ActiveOpens"]}; the server logged {served} GETs')
    expect(180 <= c['completed'] <= 300, f'1. {c["completed"]} connections in 3 s at 80/s')
    expect(s['rx_bytes'] >= 3000 * served, f'1. {s["rx_bytes"]} bytes for {served} answers')
    log(f'ok: 1. cps against the kernel: {c["completed"]} connections, the server logged '
        f'{served}, errors 0, connect p50 {s["connect_latency_us"]["p50"]} us, '
        f'request p50 {s["request_latency_us"]["p50"]} us; e.g. {status[-1][:90]}')
    rc, s, lines, ours, took, r = run_gen(
        ns, 'k5', [f'--vdev=net_tap0,iface={tap}'],
        net + ['--target', f'{ttlib.PEER}:{HTTP_PORT}', '--mode', 'keepalive', '--conns', '4',
               '--duration', '2'])
    expect(rc == 0 and s is not None, f'1. keepalive: exit {rc}: {r.stderr[-600:]}')
    with open(os.path.join(tmp, 'server.log')) as f:
        served_ka = sum(1 for ln in f if '"GET / HTTP/1.1" 200' in ln) - served
    c = s['connections']
    expect(s['errors_total'] == 0 and c['completed'] == c['established'] == s['requests'] ==
           served_ka and served_ka >= 20,
           f'1. keepalive against HTTP/1.0: {c}, {s["requests"]} requests, errors '
           f'{s["errors"]}; the server logged {served_ka}')
    log(f'ok: 1. keepalive against an HTTP/1.0 server: {served_ka} connections of one '
        'request each, each ended by the server, errors 0')

    # 2. one line and an exit code for what cannot run
    rc, s, lines, ours, took, r = run_gen(ns, 'k2', [], ['--target', f'{ttlib.PEER}:80',
                                                        '--mode', 'bogus'])
    expect(rc == 2 and len(ours) == 1 and 'mode' in ours[0] and s is None,
           f'2. bad mode: exit {rc}, {ours}')
    log(f'ok: 2. {ours[0]} (exit 2)')
    rc, s, lines, ours, took, r = run_gen(ns, 'k6', [], ['--target', '198.18.7.5-198.18.7.4:80'])
    expect(rc == 2 and len(ours) == 1 and 'first not above the last' in ours[0] and s is None,
           f'2. reversed address range: exit {rc}, {ours}')
    log(f'ok: 2. {ours[0]} (exit 2)')
    rc, s, lines, ours, took, r = run_gen(
        ns, 'k3', [f'--vdev=net_tap0,iface={tap}'],
        net + ['--target', f'{ttlib.PEER}:{HTTP_PORT + 1}', '--duration', '5'])
    expect(rc == 1 and len(ours) == 1 and 'refused' in ours[0] and s is None,
           f'2. closed port: exit {rc}, {ours}, {r.stderr[-300:]}')
    log(f'ok: 2. {ours[0]} (exit 1, {took:.1f} s)')
    rc, s, lines, ours, took, r = run_gen(
        ns, 'k4', [f'--vdev=net_tap0,iface={tap}'],
        net + ['--target', '198.18.3.77:80', '--duration', '20'])
    expect(rc == 1 and len(ours) == 1 and 'unreachable' in ours[0] and 3 <= took < 12,
           f'2. nobody there: exit {rc} after {took:.1f} s, {ours}')
    log(f'ok: 2. {ours[0]} (exit 1 after {took:.1f} s)')


def memif_vdev(role, sock, mac):
    return f'--vdev=net_memif0,role={role},id=0,socket={sock},socket-abstract=no,mac={mac}'


def start_server(ns, tag, sock, extra, app='http'):
    tt = ttlib.Tcpterm(ns, tag, ['--listen', '80', '--app', app] + extra,
                       addr=f'{A_ADDR}/15', vdev=False)
    tt.eal.append(memif_vdev('server', sock, A_MAC))
    tt.start(wait=False)
    tt.wait_telemetry()
    return tt


def memif_part():
    ns = ttlib.Netns('gm')
    sock = f'/tmp/tt-gen-{os.getpid()}.sock'
    ttlib._cleanups.append(lambda: os.path.exists(sock) and os.unlink(sock))
    gen_vdev = [memif_vdev('client', sock, '02:00:00:00:07:02')]
    net = ['--addr', f'{B_ADDR}/15', '--target', f'{A_ADDR}:80']
    lc = other_lcore()

    # 3. cps and keepalive: gen's figures against tcpterm's counters
    tt = start_server(ns, 'gma', sock, [])
    before = tt.stats()
    jpath = os.path.join(tempfile.mkdtemp(prefix='ttgenj.'), 'sum.json')
    ttlib._cleanups.append(lambda: shutil.rmtree(os.path.dirname(jpath), ignore_errors=True))
    rc, s, lines, ours, took, r = run_gen(
        ns, 'm1', gen_vdev, net + ['--rate', '1500', '--duration', '3', '--json', jpath],
        lcore=lc)
    after = tt.stats()
    expect(rc == 0 and s is not None, f'3. cps: exit {rc}: {r.stderr[-600:]}')
    with open(jpath) as f:
        expect(json.load(f) == s, '3. --json FILE differs from the summary on stdout')
    check_lines(lines, 3)
    c = s['connections']
    opens = after['PassiveOpens'] - before['PassiveOpens']
    expect(s['errors_total'] == 0 and c['completed'] == c['established'] == opens,
           f'3. cps: gen {c}, errors {s["errors"]}; tcpterm PassiveOpens grew {opens}')
    expect(c['completed'] >= 3000, f'3. cps: {c["completed"]} connections in 3 s at 1500/s')
    log(f'ok: 3. cps over memif: gen {c["completed"]} completed = tcpterm PassiveOpens '
        f'+{opens}, {s["conn_per_s"]:.0f} conn/s, errors 0')
    before = after
    rc, s, lines, ours, took, r = run_gen(
        ns, 'm2', gen_vdev, net + ['--mode', 'keepalive', '--conns', '8', '--duration', '2'],
        lcore=lc)
    after = tt.stats()
    expect(rc == 0 and s is not None, f'3. keepalive: exit {rc}: {r.stderr[-600:]}')
    opens = after['PassiveOpens'] - before['PassiveOpens']
    expect(s['errors_total'] == 0 and s['connections']['established'] == 8 == opens and
           s['requests'] > 1000,
           f'3. keepalive: {s["connections"]}, {s["requests"]} requests, errors '
           f'{s["errors"]}; tcpterm PassiveOpens grew {opens}')
    log(f'ok: 3. keepalive over memif: 8 connections, {s["requests"]} requests '
        f'({s["req_per_s"]:.0f}/s), errors 0')
    tw_before = ttlib.telemetry(tt.prefix, '/tcpterm/conns')['TIME_WAIT']
    before = tt.stats()
    rc, s, lines, ours, took, r = run_gen(
        ns, 'm4', gen_vdev, net + ['--rate', '500', '--close', 'server', '--duration', '1'],
        lcore=lc)
    after = tt.stats()
    tw = ttlib.telemetry(tt.prefix, '/tcpterm/conns')['TIME_WAIT'] - tw_before
    c = s['connections'] if s else {}
    opens = after['PassiveOpens'] - before['PassiveOpens']
    expect(rc == 0 and s['errors_total'] == 0 and c['completed'] == opens >= 400 and
           tw >= 0.9 * opens,
           f'3. --close server: exit {rc}, {c}, errors {s and s["errors"]}; tcpterm opened '
           f'{opens}, TIME_WAIT grew {tw}')
    log(f'ok: 3. --close server: {c["completed"]} connections closed by tcpterm first '
        f'(its TIME_WAIT +{tw}), errors 0')
    expect(tt.stop() == 0, '3. tcpterm did not stop with 0')

    # 4. flood mixed with legitimate load, SYN queue full: cookies (C5)
    tt = start_server(ns, 'gmb', sock, ['--max-syn-backlog', '64'])
    before = tt.stats()
    rc, s, lines, ours, took, r = run_gen(
        ns, 'm3', gen_vdev,
        net + ['--rate', '200', '--flood-rate', '3000', '--flood-src', '198.19.0.0/16',
               '--flood-mac', A_MAC, '--duration', '3'], lcore=lc)
    after = tt.stats()
    expect(rc == 0 and s is not None, f'4. flood: exit {rc}: {r.stderr[-600:]}')
    d = {k: after[k] - before[k] for k in ('PassiveOpens', 'SyncookiesSent',
                                           'SyncookiesRecv', 'TCPReqQFullDoCookies')}
    c = s['connections']
    flood = s['flood']['packets']
    expect(s['success_pct'] == 100 and s['errors_total'] == 0 and
           c['completed'] == c['established'] == d['PassiveOpens'] and c['completed'] >= 400,
           f'4. legitimate load during the flood: {c}, errors {s["errors"]}, success '
           f'{s["success_pct"]} %; tcpterm {d}')
    expect(flood >= 6000 and d['SyncookiesSent'] >= 0.9 * flood,
           f'4. gen sent {flood} spoofed SYNs; tcpterm {d}')
    expect(d['SyncookiesRecv'] >= 0.9 * c['completed'],
           f'4. legitimate handshakes through cookies: {d} for {c["completed"]} connections')
    log(f'ok: 4. {flood} spoofed SYNs ({s["flood"]["pps"]:.0f} pps): SyncookiesSent '
        f'+{d["SyncookiesSent"]}, SyncookiesRecv +{d["SyncookiesRecv"]}; legitimate '
        f'{c["completed"]} connections, success {s["success_pct"]:.0f} %, handshake p50 '
        f'{s["connect_latency_us"]["p50"]} us p99 {s["connect_latency_us"]["p99"]} us')
    expect(tt.stop() == 0, '4. tcpterm did not stop with 0')

    # 5. stream up from a small pool
    tt = start_server(ns, 'gmc', sock, [], app='discard')
    before = tt.stats()
    rc, s, lines, ours, took, r = run_gen(
        ns, 'm5', gen_vdev,
        net + ['--mode', 'stream', '--direction', 'up', '--conns', '8', '--mbufs', '1023',
               '--wmem', '4096 1000000 4000000', '--duration', '2'], lcore=lc)
    after = tt.stats()
    expect(rc == 0 and s is not None, f'5. stream: exit {rc}: {r.stderr[-600:]}')
    gbps = [float(re.search(r'Gbps ([\d.]+)', ln).group(1)) for ln in check_lines(lines, 2)]
    got = after['InSegs'] - before['InSegs']
    expect(all(g > 0.05 for g in gbps) and s['errors_total'] == 0 and
           s['connections']['completed'] == 8 and got * 1448 >= 0.95 * s['tx_bytes'],
           f'5. stream up from 1023 mbufs: Gbps by second {gbps}, {s["connections"]}, errors '
           f'{s["errors"]}, {s["tx_bytes"]} bytes sent, tcpterm InSegs +{got}')
    log(f'ok: 5. stream up, 8 connections from 1023 mbufs: Gbps by second {gbps}, '
        f'{s["tx_bytes"]} bytes, tcpterm InSegs +{got}')
    expect(tt.stop() == 0, '5. tcpterm did not stop with 0')
    tt = start_server(ns, 'gmd', sock, ['--http-body', '4000000000'])
    rc, s, lines, ours, took, r = run_gen(
        ns, 'm6', gen_vdev, net + ['--mode', 'stream', '--conns', '2', '--duration', '2'],
        lcore=lc)
    expect(rc == 0 and s is not None, f'5. stream down: exit {rc}: {r.stderr[-600:]}')
    gbps = [float(re.search(r'Gbps ([\d.]+)', ln).group(1)) for ln in check_lines(lines, 2)]
    expect(all(g > 0.05 for g in gbps) and s['errors_total'] == 0 and
           s['connections']['completed'] == 2 and s['rx_bytes'] > 10 ** 7,
           f'5. stream down: Gbps by second {gbps}, {s["connections"]}, errors {s["errors"]}, '
           f'{s["rx_bytes"]} bytes')
    log(f'ok: 5. stream down, 2 connections: Gbps by second {gbps}, {s["rx_bytes"]} bytes')
    expect(tt.stop() == 0, '5. tcpterm (download) did not stop with 0')

    # 6. idle connections held beside a cps load, over two addresses and two ports (P2, P5)
    tt = start_server(ns, 'gmd', sock, ['--addr', f'{HOLD_ADDRS[0]}/15', '--addr',
                                        f'{HOLD_ADDRS[1]}/15', '--listen', '81'])
    before = tt.stats()
    held = {}

    def server_side():
        # The most connections tcpterm held at once while gen ran (sampled; a loaded host
        # opens the 3,000 later than the 1.5 s the hold rate takes, never after the load).
        end = time.monotonic() + 3.8
        while time.monotonic() < end:
            c = ttlib.telemetry(tt.prefix, '/tcpterm/conns')
            if c.get('ESTABLISHED', 0) >= held.get('mid', {}).get('ESTABLISHED', 0):
                held['mid'] = c
            time.sleep(0.1)
    probe = threading.Thread(target=server_side)
    probe.start()
    # 1,000 source ports: one address and port pair holds at most 1,000 connections, so
    # 3,000 held need the addresses and ports taken in turn, the held ones apart from the
    # load's (opens alternating held, load over four targets once sent every held one to
    # two of them). No TIME_WAIT on gen's side: the load's ports are free again at once.
    rc, s, lines, ours, took, r = run_gen(
        ns, 'm7', gen_vdev,
        ['--addr', f'{B_ADDR}/15', '--target', f'{HOLD_ADDRS[0]}-{HOLD_ADDRS[1]}:80-81',
         '--rate', '2000', '--hold', '3000', '--hold-rate', '2000',
         '--ip-local-port-range', '40000 40999', '--max-tw-buckets', '0',
         '--duration', '4'], lcore=lc)
    probe.join()
    after = tt.stats()
    expect(rc == 0 and s is not None, f'6. hold: exit {rc}: {r.stderr[-600:]}')
    status = check_lines(lines, 3)
    h, c, mid = s['held'], s['connections'], held.get('mid') or {}
    opens = after['PassiveOpens'] - before['PassiveOpens']
    expect(h == {'target': 3000, 'established': 3000, 'up_at_stop': 3000} and
           s['errors_total'] == 0 and c['completed'] == c['established'] >= 6000 and
           opens == 3000 + c['established'],
           f'6. hold: held {h}, load {c}, errors {s["errors"]}; tcpterm opened {opens}')
    expect(mid.get('ESTABLISHED', 0) >= 3000,
           f'6. tcpterm held {mid.get("ESTABLISHED")} connections at most while gen ran, want 3000+: {mid}')
    expect(int(re.search(r' held (\d+) ', status[-1]).group(1)) == 3000,
           f'6. the last line says {status[-1][:80]}')
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and \
            ttlib.telemetry(tt.prefix, '/tcpterm/conns').get('ESTABLISHED', -1) != 0:
        time.sleep(0.2)
    left = ttlib.telemetry(tt.prefix, '/tcpterm/conns')
    expect(left.get('ESTABLISHED') == 0, f'6. after the stop tcpterm still holds {left}')
    log(f'ok: 6. --hold 3000 beside {c["completed"]} short connections: all 3000 up over '
        f'two addresses and two ports (tcpterm ESTABLISHED {mid["ESTABLISHED"]} mid-run), '
        f'errors 0, all closed at the stop')
    expect(tt.stop() == 0, '6. tcpterm (hold) did not stop with 0')


def test():
    if not os.access(GEN, os.X_OK):
        raise ttlib.TestFailure(f'{GEN} is not built')
    kernel_part()
    memif_part()


if __name__ == '__main__':
    ttlib.run(test)
