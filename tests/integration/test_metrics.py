#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""metrics (issue 10 item 3; SPEC O3, O9): --metrics-listen 127.0.0.1:PORT inside the test's
namespace, scraped by a real HTTP client (Python's urllib, as a scraper would) and checked by
Prometheus' own `promtool check metrics` (Debian's prometheus package).

1. GET /metrics: 200, Content-Type text/plain; version=0.0.4; promtool finds no problem
   (names, HELP and TYPE lines, counters ending in _total).
2. Every counter of /tcpterm/stats is there, its Linux name in its HELP line ("Linux
   TcpExt:ListenOverflows"); after 5 curl fetches the per-worker counters sum to what
   /tcpterm/stats says (PassiveOpens, InSegs), the connection states to /tcpterm/conns, the
   listener gauges to /tcpterm/listeners, the pools to /tcpterm/workers; busy ratio in
   [0, 1]; counters never go back between two scrapes and PassiveOpens grows by 3 after 3
   more fetches.
3. HEAD: headers only. GET /: 404. POST: 405 with Allow. A request line that is not HTTP:
   400; 5 KB of header: 431. A client that connects and says nothing, and one that sends a
   byte every 0.5 s: the next scrape is answered within 3.5 s (the endpoint's 2 s for a
   whole exchange), and tcpterm keeps serving.
4. A second tcpterm given the same --metrics-listen: exit 2 (as any start failure) and one
   line naming the address
   and "Address already in use"; a malformed value: exit 2, one line.
"""
import re
import shutil
import threading
import socket
import subprocess
import time
import urllib.error
import urllib.request

import ttclient
import ttlib
from ttlib import expect, log


def fetch(ns, n):
    for _ in range(n):
        rc, code, _, _, err = ttclient.curl(ns, f'http://{ttlib.ADDR}:{ttlib.LISTEN_PORT}/')
        expect(rc == 0 and code == 200, f'curl: exit {rc}, HTTP {code}: {err}')


def free_port(ns):
    """A TCP port nobody listens on in ns' loopback."""
    with ns:
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
        s.close()
    return port


def get(ns, url, method='GET'):
    """(status, headers, body) from inside ns."""
    with ns:
        req = urllib.request.Request(url, method=method)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()


def parse(text):
    """{(name, labels-tuple): value} and {name: (type, help)} of an exposition."""
    samples, meta = {}, {}
    for line in text.splitlines():
        if line.startswith('# HELP '):
            name, _, help_ = line[7:].partition(' ')
            meta.setdefault(name, [None, None])[1] = help_
        elif line.startswith('# TYPE '):
            name, _, typ = line[7:].partition(' ')
            meta.setdefault(name, [None, None])[0] = typ
        elif line and not line.startswith('#'):
            m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)', line)
            expect(m is not None, f'metrics line {line!r} is not NAME{{LABELS}} VALUE')
            labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', m.group(2) or '')))
            samples[(m.group(1), labels)] = float(m.group(3))
    return samples, meta


def total(samples, name, **want):
    """Sum of name's samples whose labels include want."""
    n = 0.0
    found = False
    for (nm, labels), v in samples.items():
        d = dict(labels)
        if nm == name and all(d.get(k) == str(x) for k, x in want.items()):
            n += v
            found = True
    expect(found, f'no sample of {name} {want or ""}')
    return n


def metric_of(samples, meta, linux_name):
    """The metric whose HELP names linux_name (Group:Name)."""
    for name, (_, help_) in meta.items():
        if help_ and help_.endswith(f':{linux_name})'):
            return name
    raise ttlib.TestFailure(f'no metric names {linux_name} in its HELP line')


def part_scrape(ns, tt, url):
    promtool = shutil.which('promtool')
    expect(promtool is not None, 'promtool not installed: scripts/setup.sh installs Debian\'s '
           'prometheus package, which has it')
    fetch(ns, 5)
    time.sleep(0.3)
    status, headers, body = get(ns, url)
    expect(status == 200, f'GET /metrics: {status}')
    ctype = headers.get('Content-Type', '')
    expect(ctype.startswith('text/plain') and 'version=0.0.4' in ctype,
           f'Content-Type {ctype!r}, want text/plain; version=0.0.4')
    r = subprocess.run([promtool, 'check', 'metrics'], input=body, capture_output=True,
                       text=True, timeout=30)
    expect(r.returncode == 0 and r.stdout.strip() == '' and r.stderr.strip() == '',
           f'promtool check metrics: exit {r.returncode}\n{r.stdout}{r.stderr}')
    log(f'ok: GET /metrics 200 {ctype!r}, {len(body.splitlines())} lines; promtool check '
        'metrics: no problem')
    return body


def part_values(ns, tt, url, body):
    samples, meta = parse(body)
    stats = tt.stats()
    names = ttlib.stat_names()
    missing = [n for n in names if not any(h and h.endswith(f':{n})') for _, h in meta.values())]
    expect(not missing, f'counters of /tcpterm/stats without a metric: {missing}')
    lo = metric_of(samples, meta, 'ListenOverflows')
    expect(meta[lo][1].endswith('(Linux TcpExt:ListenOverflows)') and lo.endswith('_total') and
           meta[lo][0] == 'counter', f'ListenOverflows as {lo}: {meta[lo]}')
    for n in ('PassiveOpens', 'InSegs', 'OutSegs'):
        got = total(samples, metric_of(samples, meta, n))
        expect(got == stats[n], f'{n}: metrics sum {got}, /tcpterm/stats {stats[n]}')
    expect(stats['PassiveOpens'] >= 5, f'PassiveOpens {stats["PassiveOpens"]} after 5 fetches')
    conns = ttlib.telemetry(tt.prefix, '/tcpterm/conns')
    for st in ('ESTABLISHED', 'TIME_WAIT', 'SYN_RECV'):
        got = total(samples, 'tcpterm_connections', state=st)
        expect(got == conns[st], f'connections {st}: metrics {got}, /tcpterm/conns {conns[st]}')
    lq = ttlib.telemetry(tt.prefix, '/tcpterm/listeners')[str(ttlib.LISTEN_PORT)]
    for metric, key in (('tcpterm_listener_accept_queue_limit', 'send_q'),
                        ('tcpterm_listener_syn_queue_limit', 'syn_q_max'),
                        ('tcpterm_listener_accept_queue', 'recv_q')):
        got = total(samples, metric, port=ttlib.LISTEN_PORT)
        expect(got == lq[key], f'{metric}: {got}, /tcpterm/listeners {key} {lq[key]}')
    workers = ttlib.telemetry(tt.prefix, '/tcpterm/workers')
    for pool, key in (('mbufs', 'mbufs'), ('tcbs', 'conns'), ('syn_queue', 'reqs'),
                      ('time_wait', 'tws')):
        got = total(samples, 'tcpterm_worker_pool_capacity', pool=pool)
        want = sum(w[key] for w in workers.values())
        expect(got == want, f'pool {pool} capacity: metrics {got}, /tcpterm/workers {want}')
    busy = [v for (n, _), v in samples.items() if n == 'tcpterm_worker_busy_ratio']
    expect(busy and all(0.0 <= b <= 1.0 for b in busy), f'busy ratios {busy}')
    log(f'ok: all {len(names)} counters exported with their Linux names in HELP; sums agree '
        f'with /tcpterm/stats (PassiveOpens {stats["PassiveOpens"]:.0f}), /tcpterm/conns, '
        '/tcpterm/listeners, /tcpterm/workers; busy ratio in [0, 1]')

    fetch(ns, 3)
    time.sleep(0.3)
    later, _ = parse(get(ns, url)[2])
    back = [k for k, v in samples.items() if meta.get(k[0], [None])[0] == 'counter' and
            later.get(k, -1) < v]
    expect(not back, f'counters that went back between two scrapes: {back[:5]}')
    po = metric_of(samples, meta, 'PassiveOpens')
    d = total(later, po) - total(samples, po)
    expect(d == 3, f'{po} grew by {d} over 3 fetches, want 3')
    log(f'ok: second scrape: no counter went back, {po} +3 after 3 fetches')


def raw(ns, port, data):
    """The first 100 bytes the endpoint answers to data."""
    with ns:
        s = socket.create_connection(('127.0.0.1', port), timeout=5)
        s.sendall(data)
        answer = s.recv(100)
        s.close()
    return answer


def part_http(ns, tt, url, port):
    status, headers, body = get(ns, url, 'HEAD')
    expect(status == 200 and body == '' and int(headers.get('Content-Length', '0')) > 1000,
           f'HEAD /metrics: {status}, Content-Length {headers.get("Content-Length")}, '
           f'body {len(body)} bytes')
    status, _, body = get(ns, f'http://127.0.0.1:{port}/')
    expect(status == 404 and '/metrics' in body, f'GET /: {status} {body!r}')
    status, headers, _ = get(ns, url, 'POST')
    expect(status == 405 and 'GET' in headers.get('Allow', ''), f'POST: {status}, Allow '
           f'{headers.get("Allow")!r}')
    answer = raw(ns, port, b'\x16\x03\x01 not http at all\r\n\r\n')
    expect(answer.startswith(b'HTTP/1.1 400'), f'a TLS-like line got {answer[:40]!r}, want 400')
    with ns:
        mute = socket.create_connection(('127.0.0.1', port), timeout=5)
    t0 = time.monotonic()
    status, _, _ = get(ns, url)
    waited = time.monotonic() - t0
    mute.close()
    expect(status == 200 and waited < 3.5, f'a scrape behind a silent client: {status} after '
           f'{waited:.2f} s, want 200 within about 2 s')
    # A client dripping a byte every 0.5 s never ends its request: the exchange's 2 s limit
    # is for the whole of it, not each read.
    with ns:
        drip = socket.create_connection(('127.0.0.1', port), timeout=5)

    def dripping():
        try:
            for _ in range(20):
                drip.send(b'G')
                time.sleep(0.5)
        except OSError:
            pass
    th = threading.Thread(target=dripping, daemon=True)
    th.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    status, _, _ = get(ns, url)
    dripped = time.monotonic() - t0
    drip.close()
    expect(status == 200 and dripped < 3.5, f'a scrape behind a dripping client: {status} '
           f'after {dripped:.2f} s, want 200 within about 2 s')
    answer = raw(ns, port, b'GET /metrics HTTP/1.1\r\nX: ' + b'a' * 5000)
    expect(answer.startswith(b'HTTP/1.1 431'), f'a 5 KB header got {answer[:40]!r}, want 431')
    expect(tt.alive(), 'tcpterm died serving bad requests')
    log(f'ok: HEAD headers only; / 404; POST 405 (Allow: GET, HEAD); garbage 400; 5 KB of '
        f'header 431; a silent client delays the next scrape {waited:.2f} s, a dripping one '
        f'{dripped:.2f} s (limit 2 s)')


def part_errors(ns, tt, port):
    other = ttlib.Tcpterm(ns, 'metr2', ['--metrics-listen', f'127.0.0.1:{port}'],
                          addr='198.18.3.9/24')
    other.start(wait=False)
    try:
        rc = other.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        raise ttlib.TestFailure('a second tcpterm on a taken --metrics-listen is still running')
    lines = [ln for ln in other.output().splitlines() if 'metrics-listen' in ln]
    expect(rc == 2 and len(lines) == 1 and f'127.0.0.1:{port}' in lines[0] and
           'Address already in use' in lines[0],
           f'second tcpterm: exit {rc}, lines {lines}; want exit 2 and one line naming the '
           'address and "Address already in use"')
    log(f'ok: a taken --metrics-listen: exit 2, {lines[0].strip()!r}')
    r = subprocess.run([ttlib.TCPTERM, '--', '--metrics-listen', '127.0.0.1'],
                       capture_output=True, text=True, timeout=30)
    err = r.stderr.strip()
    expect(r.returncode == 2 and '\n' not in err and 'A.B.C.D:PORT' in err,
           f'--metrics-listen 127.0.0.1: exit {r.returncode}, stderr {err!r}')
    log(f'ok: --metrics-listen 127.0.0.1 refused: {err}')


def test():
    ns = ttlib.Netns('metr')
    with ns:
        ns.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
    port = free_port(ns)
    url = f'http://127.0.0.1:{port}/metrics'
    tt = ttlib.Tcpterm(ns, 'metr', ['--listen', str(ttlib.LISTEN_PORT), '--metrics-listen',
                                    f'127.0.0.1:{port}']).start()
    body = part_scrape(ns, tt, url)
    part_values(ns, tt, url, body)
    part_http(ns, tt, url, port)
    part_errors(ns, tt, port)
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()
    return 0


if __name__ == '__main__':
    ttlib.run(test)
