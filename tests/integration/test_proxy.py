#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""proxy (SPEC A2, A1): tcpterm --app proxy between kernel clients and kernel servers.

tcpterm sits on a TAP in the test's namespace; the clients connect from the TAP's kernel
side (198.18.3.1), and the backends are Python servers of this process bound to a second
address of that kernel side (198.18.3.10), so tcpterm opens real connections to a real
kernel. One tcpterm, one proxy listener per case (a config file):

  8080  curl through the proxy to an HTTP server: status, body byte-exact; then wrk for a
        few seconds with no error line
  8081  64 MiB up (then the client's shutdown(SHUT_WR)) and 64 MiB down, SHA-256 checked
        on both ends: byte-exact both ways and half-close carried across (F2)
  8082  an RST from the client reaches the backend (its recv fails with ECONNRESET), an RST
        from the backend reaches the client
  8083  first backend refuses (nothing listens: RST), the next serves; the refusing one is
        counted failed and skipped, later clients go straight to the next
  8084  first backend is an address nobody answers: after connect_timeout the next serves
  8085  backpressure: the backend streams 64 MiB to a client that reads nothing for a while;
        what tcpterm passed on stops growing, its mbufs stay bounded, the backend's sender
        blocks; then the client reads all 64 MiB, byte-exact
  8086  PROXY v1, 8087 PROXY v2: the backend parses the header; it names the client's
        address and port, and tcpterm's address and the listener's port
  8088  weights 3 and 1 over two HTTP backends: 40 curls split 30 / 10 (one worker)

Per-backend counters come from /tcpterm/proxy and `tcpterm-ctl proxy` shows them."""
import hashlib
import http.server
import os
import random
import re
import socket
import struct
import subprocess
import tempfile
import threading
import time

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log

MIB = 1 << 20
BACKEND = '198.18.3.10'      # a second address on the TAP's kernel side
NOBODY = '198.18.3.99'       # on the subnet, answered by nobody (ARP fails)
HTTP_BODY = bytes(random.Random(1).randbytes(300000))
PROXY_V2_SIG = b'\r\n\r\n\x00\r\nQUIT\n'

PORTS = {'http': 9001, 'hash': 9002, 'ctl': 9003, 'stream': 9004, 'pp': 9005,
         'http2': 9006, 'dead': 9999}

CONFIG = f"""
[listen 8080]
app = proxy
backend = {BACKEND}:{PORTS['http']}
[listen 8081]
app = proxy
backend = {BACKEND}:{PORTS['hash']}
[listen 8082]
app = proxy
backend = {BACKEND}:{PORTS['ctl']}
[listen 8083]
app = proxy
backend = {BACKEND}:{PORTS['dead']}
backend = {BACKEND}:{PORTS['http']}
[listen 8084]
app = proxy
connect_timeout = 500
backend = {NOBODY}:{PORTS['http']}
backend = {BACKEND}:{PORTS['http']}
[listen 8085]
app = proxy
backend = {BACKEND}:{PORTS['stream']}
[listen 8086]
app = proxy
proxy_protocol = 1
backend = {BACKEND}:{PORTS['pp']}
[listen 8087]
app = proxy
proxy_protocol = 2
backend = {BACKEND}:{PORTS['pp']}
[listen 8088]
app = proxy
backend = {BACKEND}:{PORTS['http']},weight=3
backend = {BACKEND}:{PORTS['http2']}
"""


# ---------------------------------------------------------------------------------------
# Backends: threads of this process, their sockets made inside the namespace.

class Server:
    """A listening socket on BACKEND:port; handler(conn, self) runs in a thread per
    connection. Whatever a handler records goes to self.events."""

    def __init__(self, port, handler):
        self.events = []
        self.lock = threading.Lock()
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind((BACKEND, port))
        self.ls.listen(128)
        self.handler = handler
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=self._run, args=(c,), daemon=True).start()

    def _run(self, c):
        try:
            self.handler(c, self)
        except OSError as e:
            self.record(('error', repr(e)))
        finally:
            c.close()

    def record(self, ev):
        with self.lock:
            self.events.append(ev)

    def close(self):
        self.ls.close()


class HttpHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'     # keep-alive, for wrk

    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Length', str(len(HTTP_BODY)))
        self.send_header('X-Peer', self.client_address[0])
        self.end_headers()
        self.wfile.write(HTTP_BODY)

    def log_message(self, *args):
        pass


class HttpServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    resets = 0

    def handle_error(self, request, client_address):
        """wrk closes with answers unread: its RST, carried across, ends a handler here."""
        self.resets += 1


def recv_exact(c, n):
    buf = bytearray()
    while len(buf) < n:
        b = c.recv(min(n - len(buf), 1 << 20))
        if not b:
            break
        buf.extend(b)
    return bytes(buf)


def down_stream(n, seed):
    """The bytes a backend sends down: reproducible by the client."""
    return random.Random(seed).randbytes(n)


def hash_handler(c, srv):
    """8 bytes: how many bytes to send down (and the seed); then everything up to EOF,
    hashed; then the digest, the count, and the bytes down; then close."""
    n, seed = struct.unpack('!II', recv_exact(c, 8))
    h, count = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        h.update(b)
        count += len(b)
    srv.record(('up', count, h.hexdigest()))
    c.sendall(h.digest() + struct.pack('!Q', count))
    c.sendall(down_stream(n, seed))
    srv.record(('down-sent', n))


def ctl_handler(c, srv):
    """'P' -> 'p' (the pair is up); 'R' -> RST to tcpterm; records how the connection ended."""
    while True:
        try:
            b = c.recv(1)
        except ConnectionResetError:
            srv.record('reset')
            return
        if not b:
            srv.record('eof')
            return
        if b == b'P':
            c.sendall(b'p')
        elif b == b'R':
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            srv.record('sent-reset')
            return


def stream_handler(c, srv):
    """Sends STREAM bytes at once, as fast as the connection takes them."""
    data = down_stream(STREAM, 7)
    srv.record(('start', time.monotonic()))
    c.sendall(data)
    srv.record(('done', time.monotonic()))


STREAM = 64 * MIB


def pp_handler(c, srv):
    """Parses a PROXY v1 or v2 header; answers "v SRC SPORT DST DPORT\\n" and closes."""
    head = recv_exact(c, 12)
    if head == PROXY_V2_SIG:
        rest = recv_exact(c, 4)
        ver_cmd, fam, ln = struct.unpack('!BBH', rest)
        body = recv_exact(c, ln)
        if ver_cmd != 0x21 or fam != 0x11 or ln != 12:
            c.sendall(f'bad v2 {ver_cmd:#x} {fam:#x} {ln}\n'.encode())
            return
        src, dst = socket.inet_ntoa(body[0:4]), socket.inet_ntoa(body[4:8])
        sport, dport = struct.unpack('!HH', body[8:12])
        c.sendall(f'2 {src} {sport} {dst} {dport}\n'.encode())
        return
    line = head
    while not line.endswith(b'\r\n') and len(line) < 108:
        b = c.recv(1)
        if not b:
            break
        line += b
    m = re.fullmatch(rb'PROXY TCP4 (\S+) (\S+) (\d+) (\d+)\r\n', line)
    if not m:
        c.sendall(b'bad v1 ' + line + b'\n')
        return
    src, dst, sport, dport = (x.decode() for x in m.groups())
    c.sendall(f'1 {src} {sport} {dst} {dport}\n'.encode())


# ---------------------------------------------------------------------------------------

def proxy_tel(tt):
    p = ttlib.telemetry(tt.prefix, '/tcpterm/proxy')
    ttlib.expect(isinstance(p, dict), f'/tcpterm/proxy answered {p!r}')
    return p


def backend(tt, port, i):
    return proxy_tel(tt)[str(port)]['backends'][str(i)]


def connect(port, timeout=10):
    return socket.create_connection((ttlib.ADDR, port), timeout=timeout)


def curl_body(ns, port, timeout=10):
    """curl through the proxy: (exit code, body bytes, headers text)."""
    with tempfile.NamedTemporaryFile() as body:
        r = ns.run(['curl', '-sS', '-m', str(timeout), '-D', '-', '-o', body.name,
                    f'http://{ttlib.ADDR}:{port}/'], capture_output=True)
        with open(body.name, 'rb') as f:
            return r.returncode, f.read(), r.stdout.decode('latin-1') + r.stderr.decode()


def case_curl(chk, ns, tt):
    rc, body, hdrs = curl_body(ns, 8080)
    chk.check(rc == 0 and body == HTTP_BODY and ' 200 ' in hdrs.splitlines()[0],
              f'curl through the proxy: 200 and the {len(HTTP_BODY)}-byte body byte-exact',
              f'exit {rc}, {len(body)} bytes, {hdrs[:200]!r}')
    chk.check(f'X-Peer: {ttlib.ADDR}' in hdrs,
              f'the backend saw tcpterm ({ttlib.ADDR}) as its client')
    b = backend(tt, 8080, 0)
    chk.check(b['connects_ok'] == 1 and b['connects_failed'] == 0 and b['state'] == 'up',
              '8080: one connect ok, none failed, backend up', f'{b}')
    chk.check(b['bytes_from_backend'] > len(HTTP_BODY) and b['bytes_to_backend'] > 0,
              f'8080: bytes counted both ways ({b["bytes_to_backend"]} to, '
              f'{b["bytes_from_backend"]} from)')


def case_bulk(chk, ns):
    up = random.Random(3).randbytes(64 * MIB)
    down_n, seed = 64 * MIB, 11
    want_down = hashlib.sha256(down_stream(down_n, seed)).digest()
    res = {}
    with ns:
        s = connect(8081, timeout=60)
        t0 = time.monotonic()

        def reader():
            res['head'] = recv_exact(s, 40)
            res['down'] = read_all(s, 120)

        t = threading.Thread(target=reader)
        t.start()
        s.sendall(struct.pack('!II', down_n, seed))
        s.sendall(up)
        s.shutdown(socket.SHUT_WR)
        t.join(120)
        s.close()
    dt = time.monotonic() - t0
    head = res.get('head', b'')
    n, digest, end = res.get('down', (0, b'', 'none'))
    count = struct.unpack('!Q', head[32:40])[0] if len(head) == 40 else -1
    chk.check(count == len(up) and head[:32] == hashlib.sha256(up).digest(),
              '64 MiB up: the backend counted every byte, SHA-256 equal', f'count {count}')
    chk.check(n == down_n and digest == want_down and end == 'eof',
              '64 MiB down after the client\'s shutdown(SHUT_WR): every byte, SHA-256 equal, '
              f'then EOF (half-close carried across; {dt:.1f} s)', f'{n} bytes, then {end}')


def case_resets(chk, ns, srv):
    with ns:
        s = connect(8082)
        s.sendall(b'P')
        ok = s.recv(1) == b'p'
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        s.close()
    end = time.monotonic() + 5
    while 'reset' not in srv.events and 'eof' not in srv.events and time.monotonic() < end:
        time.sleep(0.05)
    chk.check(ok and srv.events == ['reset'],
              "the client's RST reaches the backend (its recv fails: ECONNRESET)",
              f'{srv.events}')
    srv.events.clear()
    with ns:
        s = connect(8082)
        s.sendall(b'P')
        ok = s.recv(1) == b'p'
        s.sendall(b'R')
        s.settimeout(5)
        try:
            r = 'data' if s.recv(1) else 'eof'
        except ConnectionResetError:
            r = 'reset'
        except socket.timeout:
            r = 'timeout'
        s.close()
    chk.check(ok and r == 'reset', "the backend's RST reaches the client (ECONNRESET)",
              f'client saw {r}, backend {srv.events}')


def case_dead(chk, ns, tt, port, what):
    t0 = time.monotonic()
    rc, body, hdrs = curl_body(ns, port)
    dt = time.monotonic() - t0
    dead, live = backend(tt, port, 0), backend(tt, port, 1)
    chk.check(rc == 0 and body == HTTP_BODY,
              f'{port}: the first backend {what}, the next one served ({dt:.2f} s)',
              f'exit {rc}, {len(body)} bytes: {hdrs[:200]!r}')
    chk.check(dead['connects_failed'] == 1 and dead['connects_ok'] == 0 and
              dead['state'] == 'skipped' and 0 < dead['skip_left_ms'] <= 10000,
              f'{port}: the dead backend counted failed once and skipped '
              f'({dead["skip_left_ms"]} ms left)', f'{dead}')
    chk.check(live['connects_ok'] == 1, f'{port}: the next backend counted ok', f'{live}')
    chk.check(proxy_tel(tt)[str(port)]['retries'] == 1, f'{port}: one retry counted')
    for _ in range(4):
        rc, body, _ = curl_body(ns, port)
    dead, live = backend(tt, port, 0), backend(tt, port, 1)
    chk.check(rc == 0 and dead['connects_failed'] == 1 and live['connects_ok'] == 5,
              f'{port}: four more clients go straight to the next backend while the dead '
              'one is skipped', f'dead {dead}, live {live}')


def workers_mem(tt):
    w = ttlib.telemetry(tt.prefix, '/tcpterm/workers')
    return w['0']


def read_all(s, timeout=60):
    """(bytes read to EOF, their SHA-256, how it ended)."""
    h, n = hashlib.sha256(), 0
    s.settimeout(timeout)
    try:
        while True:
            b = s.recv(1 << 20)
            if not b:
                return n, h.digest(), 'eof'
            h.update(b)
            n += len(b)
    except OSError as e:
        return n, h.digest(), repr(e)


def case_backpressure(chk, ns, tt, srv, half_close):
    """The backend streams 64 MiB; the client reads nothing for 4 s (having shut down its
    side first, with half_close), then everything."""
    what = 'backpressure' + (' after half-close' if half_close else '')
    srv.events.clear()
    before = backend(tt, 8085, 0)['bytes_from_backend']
    with ns:
        s = connect(8085, timeout=60)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        samples = []
        for _ in range(8):
            time.sleep(0.5)
            w = workers_mem(tt)
            samples.append((backend(tt, 8085, 0)['bytes_from_backend'] - before,
                            w['mbufs_used'], w['mbufs_held'], w['mem_level']))
        done_early = any(e[0] == 'done' for e in srv.events)
        passed = [x[0] for x in samples]
        used = max(x[1] for x in samples)
        log(f'{what}, client not reading: passed on {passed}, mbufs used max {used} of '
            f'{w["mbufs"]}, held {[x[2] for x in samples]}, levels {[x[3] for x in samples]}')
        chk.check(not done_early, f'{what}: the backend\'s sender is still blocked after 4 s '
                  '(its window closed end to end)', f'{srv.events}')
        chk.check(passed[-1] == passed[-3] and passed[-1] < 24 * MIB,
                  f'{what}: what tcpterm passed to the client stopped growing at '
                  f'{passed[-1] / MIB:.1f} MiB of 64', f'{passed}')
        chk.check(used < w['mbufs'] * w['mem_pressure'] // 100 and
                  all(x[3] == 'ok' for x in samples),
                  f'{what}: tcpterm\'s mbufs stay bounded ({used} of {w["mbufs"]}, below '
                  'mem_pressure, level ok)')
        n, digest, end = read_all(s)
        s.close()
    chk.check(n == STREAM and digest == hashlib.sha256(down_stream(STREAM, 7)).digest() and
              end == 'eof',
              f'{what}: once the client reads, all 64 MiB arrive byte-exact, then EOF',
              f'{n} bytes, then {end}')


def case_proxy_protocol(chk, ns):
    for port, ver in ((8086, '1'), (8087, '2')):
        with ns:
            s = connect(port)
            me = s.getsockname()
            s.settimeout(5)
            line = b''
            while not line.endswith(b'\n'):
                b = s.recv(256)
                if not b:
                    break
                line += b
            s.close()
        want = f'{ver} {me[0]} {me[1]} {ttlib.ADDR} {port}\n'
        chk.check(line.decode(errors='replace') == want,
                  f'PROXY v{ver}: the backend parsed the client {me[0]}:{me[1]} and '
                  f'{ttlib.ADDR}:{port}', f'{line!r}')


def case_weights(chk, ns, tt):
    for _ in range(40):
        rc, body, _ = curl_body(ns, 8088)
        if rc != 0 or body != HTTP_BODY:
            break
    a, b = backend(tt, 8088, 0), backend(tt, 8088, 1)
    chk.check(a['connects_ok'] == 30 and b['connects_ok'] == 10,
              'weights 3 and 1: 40 clients split 30 / 10',
              f'{a["connects_ok"]} / {b["connects_ok"]}')


def case_wrk(chk, ns):
    r = ns.run(['timeout', '20', 'wrk', '-t1', '-c10', '-d3s', '--timeout', '2s',
                f'http://{ttlib.ADDR}:8080/'], capture_output=True, text=True)
    log(f'--- wrk through the proxy (exit {r.returncode}):\n{r.stdout.rstrip()}')
    errs = [ln.strip() for ln in r.stdout.splitlines()
            if re.match(r'\s*(Socket errors|Non-2xx)', ln)]
    m = re.search(r'^\s*(\d+) requests in', r.stdout, re.M)
    chk.check(r.returncode == 0 and not errs and m and int(m.group(1)) > 0,
              f'wrk through the proxy: {m.group(1) if m else "?"} requests, no error line',
              '; '.join(errs))


def case_ctl(chk, tt):
    if not ttlib.TCPTERM_CTL:
        log('tcpterm-ctl not built: its proxy view not checked')
        return
    r = subprocess.run([ttlib.TCPTERM_CTL, '--file-prefix', tt.prefix, 'proxy'],
                       capture_output=True, text=True)
    log(r.stdout)
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith('  198.18.3.')]
    chk.check(r.returncode == 0 and len(rows) == 12 and
              re.search(rf'{BACKEND}:{PORTS["dead"]}\s+1 skipped', r.stdout) and
              re.search(r'^port 8083 .*retries 1', r.stdout, re.M),
              'tcpterm-ctl proxy: a row per backend, the dead one skipped',
              f'exit {r.returncode}: {r.stderr}')


def test():
    chk = Checks()
    ns = ttlib.Netns('px')
    cfg = tempfile.NamedTemporaryFile('w', suffix='.conf')
    cfg.write(CONFIG)
    cfg.flush()
    # TT_PLACEMENT=lcore (meson test proxy_lcore): the same checks with the proxy on an lcore
    # of its own (app_lcores = 1), its calls and events over rings (A2's two placements).
    args = ['--config', cfg.name]
    lcore = os.environ.get('TT_PLACEMENT') == 'lcore'
    cpus = sorted(os.sched_getaffinity(0))
    if lcore and len(cpus) < 2:
        log('SKIP: the lcore placement needs two CPUs')
        return ttlib.SKIP
    tt = ttlib.Tcpterm(ns, 'px', args + (['--app-lcores', '1'] if lcore else []))
    if lcore:
        tt.eal[1] = f'{cpus[-2]},{cpus[-1]}'
    tt.start()
    log(f'placement: {"an lcore of its own" if lcore else "inline"}')
    ns.run(['ip', 'addr', 'add', f'{BACKEND}/{ttlib.PREFIX_LEN}', 'dev', tt.tap], check=True)
    with ns:
        http_srv = HttpServer((BACKEND, PORTS['http']), HttpHandler)
        http2_srv = HttpServer((BACKEND, PORTS['http2']), HttpHandler)
        for h in (http_srv, http2_srv):
            threading.Thread(target=h.serve_forever, daemon=True).start()
            ttlib._cleanups.append(h.shutdown)
        hash_srv = Server(PORTS['hash'], hash_handler)
        ctl_srv = Server(PORTS['ctl'], ctl_handler)
        stream_srv = Server(PORTS['stream'], stream_handler)
        pp_srv = Server(PORTS['pp'], pp_handler)

    case_curl(chk, ns, tt)
    case_proxy_protocol(chk, ns)
    case_resets(chk, ns, ctl_srv)
    case_dead(chk, ns, tt, 8083, 'refused (RST)')
    case_dead(chk, ns, tt, 8084, 'never answered (connect_timeout 500 ms)')
    case_ctl(chk, tt)
    case_weights(chk, ns, tt)
    case_bulk(chk, ns)
    case_backpressure(chk, ns, tt, stream_srv, False)
    case_backpressure(chk, ns, tt, stream_srv, True)
    case_wrk(chk, ns)

    c = ttclient.wait_settled(tt, 5.0)
    chk.check(not ttclient.busy(c), 'afterwards no connection is open or closing',
              f'{c}: {ttlib.telemetry(tt.prefix, "/tcpterm/sockets")}')
    p = proxy_tel(tt)
    chk.check(all(v['pairs'] == 0 and v['no_backend'] == 0 and v['table_full'] == 0
                  for v in p.values()), 'afterwards no pair is left; no client was refused',
              f'{p}')
    chk.check(tt.stop() == 0, 'tcpterm exits 0')
    for s in (hash_srv, ctl_srv, stream_srv, pp_srv):
        s.close()
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
