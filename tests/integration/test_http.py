#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""http (SPEC O2 app http, D1/D2 data transfer, F1 close): real clients — curl and Python
sockets in the kernel of the test's namespace — fetch from tcpterm --app http.

For --http-body 0, 64 and 100000 (the last spans many segments and mbufs): curl gets 200,
Content-Length N and exactly N body bytes; a socket read checks every body byte. With the
64-byte body: HTTP/1.0 is answered and tcpterm closes (the client sees EOF, tcpterm holds
the TIME_WAIT: F1 active close); "Connection: close" likewise; HTTP/1.0 with
"Connection: keep-alive" and plain HTTP/1.1 stay open for a second request; two requests
pipelined in one send get two responses in order (the second asked to close: its answer
says so and EOF follows); a request sent one byte per segment parses. Afterwards no
connection is left open or closing on tcpterm, and tcpterm answers ping (D8)."""
import socket
import time

import ttclient
import ttlib
from ttclient import Checks, connect, recv_response, wait_eof
from ttlib import log

PORT = 80
GET11 = b'GET / HTTP/1.1\r\nHost: tcpterm\r\nUser-Agent: tt-test\r\nAccept: */*\r\n\r\n'
GET11_CLOSE = b'GET /c HTTP/1.1\r\nHost: tcpterm\r\nConnection: close\r\n\r\n'
GET10 = b'GET / HTTP/1.0\r\nUser-Agent: tt-test\r\n\r\n'
GET10_KA = b'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'


def curl_fetch(chk, ns, body, *args, what='GET'):
    rc, code, size, hdrs, err = ttclient.curl(ns, f'http://{ttlib.ADDR}:{PORT}/', *args)
    chk.check(rc == 0 and code == 200, f'curl {what}, body {body}: exit 0 and status 200',
              f'exit {rc} status {code}: {err}')
    chk.check(size == body, f'curl {what}: {size} body bytes, want --http-body {body}')
    cl = [line for line in hdrs.splitlines() if line.lower().startswith('content-length:')]
    chk.check(cl and cl[0].split(':', 1)[1].strip() == str(body),
              f'curl {what}: header Content-Length: {body}', f'headers: {hdrs!r}')
    return hdrs


def socket_fetch(chk, body):
    """Every byte of the body, read over a plain socket, then close from our side."""
    s = connect(PORT)
    try:
        s.sendall(GET11)
        status, hdrs, data = recv_response(s, time.monotonic() + 5)
    finally:
        s.close()
    want = ttclient.http_body_pattern(body)
    diff = next((i for i, (a, b) in enumerate(zip(data, want)) if a != b), min(len(data), body))
    chk.check(status == 'HTTP/1.1 200 OK', f'socket GET, body {body}: {status!r}')
    chk.check(data == want, f'socket GET: all {body} body bytes as app_http.c fills them',
              f'got {len(data)} bytes, first difference at {diff}')


def run_instance(chk, ns, tag, body, more=None):
    tt = ttlib.Tcpterm(ns, tag, ['--listen', str(PORT), '--app', 'http', '--http-body',
                                 str(body), '--time-wait', '3']).start()
    before = tt.stats()
    curl_fetch(chk, ns, body)
    curl_fetch(chk, ns, body, '-H', 'Connection: close', what='Connection: close')
    socket_fetch(chk, body)
    if body >= 10000:
        d = ttclient.delta(tt.stats(), before, ('OutSegs', 'EstabResets', 'RetransSegs'))
        chk.check(d['OutSegs'] >= 3 * (body // 1460), f'body {body} went out in many '
                  f'segments ({d["OutSegs"]} out for 3 fetches)')
        chk.check(d['EstabResets'] == 0, f'no connection reset (EstabResets {d["EstabResets"]})')
    if more is not None:
        more(chk, ns, tt)
    c = ttclient.wait_settled(tt)
    chk.check(not ttclient.busy(c), 'after the requests no connection is open or closing '
              'on tcpterm', f'conns {c}')
    ttclient.check_alive(chk, ns, tt)
    rc = tt.stop()
    chk.check(rc == 0, f'tcpterm (body {body}) exits 0 on SIGINT (exit {rc})')


def closes_after(chk, tt, req, what, want_close_hdr=True):
    """req on a new connection: one 200 response, then tcpterm closes (EOF), and the
    TIME_WAIT is tcpterm's (F1: who closes first waits)."""
    # Earlier connections still closing (a client's late FIN moves tcpterm's FIN_WAIT_2 to
    # TIME_WAIT) would add to the count on a loaded machine: start from a settled table.
    tw0 = ttclient.wait_settled(tt)['TIME_WAIT']
    s = connect(PORT)
    try:
        s.sendall(req)
        status, hdrs, body = recv_response(s, time.monotonic() + 3)
        end = wait_eof(s, 2.0)
    finally:
        s.close()
    chk.check(status.endswith('200 OK'), f'{what}: answered ({status!r})')
    if want_close_hdr:
        chk.check(hdrs.get('connection', '').lower() == 'close',
                  f'{what}: the answer says Connection: close', f'headers {hdrs}')
    chk.check(end == 'eof', f'{what}: tcpterm closes the connection after the answer '
              f'(client saw {end})')
    c = ttclient.wait_conns(tt, lambda c: c['TIME_WAIT'] >= tw0 + 1, 2.0)
    chk.check(c['TIME_WAIT'] == tw0 + 1, f'{what}: tcpterm holds the TIME_WAIT (F1 active '
              f'close): {tw0} -> {c["TIME_WAIT"]}')


def stays_open(chk, req, what):
    s = connect(PORT)
    try:
        s.sendall(req)
        status, hdrs, _ = recv_response(s, time.monotonic() + 3)
        chk.check(status.endswith('200 OK'), f'{what}: answered ({status!r})')
        chk.check('close' not in hdrs.get('connection', '').lower(),
                  f'{what}: the answer does not say Connection: close', f'headers {hdrs}')
        end = wait_eof(s, 0.5)
        chk.check(end == 'timeout', f'{what}: the connection stays open (client saw {end})')
        s.sendall(req)
        status2, _, _ = recv_response(s, time.monotonic() + 3)
        chk.check(status2.endswith('200 OK'), f'{what}: a second request on the same '
                  f'connection is answered ({status2!r})')
    finally:
        s.close()


def pipelined(chk, tt):
    """Two requests in one send: two answers in order; the second asked to close."""
    s = connect(PORT)
    try:
        s.sendall(GET11 + GET11_CLOSE)
        deadline = time.monotonic() + 3
        r1 = recv_response(s, deadline)
        r2 = recv_response(s, deadline)
        end = wait_eof(s, 2.0)
    except (OSError, EOFError) as e:
        chk.check(False, 'pipelined: two responses', repr(e))
        return
    finally:
        s.close()
    chk.check(r1[0].endswith('200 OK') and r2[0].endswith('200 OK'),
              f'pipelined: two 200 responses ({r1[0]!r}, {r2[0]!r})')
    chk.check('close' not in r1[1].get('connection', '').lower() and
              r2[1].get('connection', '').lower() == 'close',
              'pipelined: in order (first keep-alive, second Connection: close)',
              f'{r1[1]} / {r2[1]}')
    chk.check(end == 'eof', f'pipelined: EOF after the second answer (client saw {end})')


def byte_by_byte(chk):
    s = connect(PORT)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(GET11)):
            s.send(GET11[i:i + 1])
            time.sleep(0.002)
        status, _, _ = recv_response(s, time.monotonic() + 3)
    except (OSError, EOFError) as e:
        status = repr(e)
    finally:
        s.close()
    chk.check(status.endswith('200 OK'), f'a request sent one byte per segment is answered '
              f'({status!r})')


def more_64(chk, ns, tt):
    rc, code, size, hdrs, err = ttclient.curl(ns, f'http://{ttlib.ADDR}:{PORT}/', '--http1.0')
    chk.check(rc == 0 and code == 200 and size == 64, f'curl --http1.0: exit {rc}, status '
              f'{code}, {size} bytes', err)
    closes_after(chk, tt, GET10, 'HTTP/1.0 request', want_close_hdr=False)
    closes_after(chk, tt, GET11_CLOSE, 'HTTP/1.1 Connection: close')
    stays_open(chk, GET10_KA, 'HTTP/1.0 Connection: keep-alive')
    stays_open(chk, GET11, 'HTTP/1.1 keep-alive')
    pipelined(chk, tt)
    byte_by_byte(chk)


def test():
    chk = Checks()
    ns = ttlib.Netns('htp')
    ns.enter()
    t0 = time.monotonic()
    run_instance(chk, ns, 'h0', 0)
    run_instance(chk, ns, 'h64', 64, more_64)
    run_instance(chk, ns, 'hbig', 100000)
    log(f'all in {time.monotonic() - t0:.1f} s')
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
