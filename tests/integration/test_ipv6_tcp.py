#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ipv6_tcp (issue 10 item 1, TCP over IPv6): the kernel's curl, wrk and Python sockets and
scapy against tcpterm over IPv6 on a TAP (2001:2::2/64 beside 198.18.3.2/24).

 1. curl -6 to the http app: 200 and the body; the same listener answers IPv4 (dual stack).
 2. wrk -6, keep-alive and Connection: close, 2 s each: no socket error; close leaves
    TIME_WAIT entries (/tcpterm/conns); the connection view shows [2001:2::1]:port.
 3. scapy: a SYN gets a SYN-ACK with MSS 1440 (1500 - 40 - 20), the SYN's options
    answered, hop limit 64, checksum right; the request sits in SYN_RECV; a RST ends it.
    A SYN to a closed port gets <SEQ=0><ACK=SEQ+1><RST,ACK>; a stray ACK gets <SEQ=ACK><RST>.
 4. syncookies 2 (tcpterm-ctl set): curl -6 completes through a cookie (SyncookiesSent and
    SyncookiesRecv +1, no SYN_RECV entry).
 5. 4 MiB through the echo app over IPv6 with 2 % loss both ways (seeded impairment):
    byte-exact, retransmissions counted (loss recovery over IPv6).
 6. Two workers: 40 curl -6 connections all answered, the flows spread over both workers.
 7. The proxy app connects over IPv6: curl -6 and curl -4 through it to a Python backend on
    [2001:2::1]:9000 with PROXY v1 (TCP6 and TCP4 lines); a backend that never answers
    Neighbour Discovery (2001:2::77) fails its connect as unreachable after 3 solicitations
    (NdUnresolvedDiscards, AttemptFails) and the next backend serves the client.
 8. Path MTU over IPv6 (RFC 8201): scapy holds the echo app's data unacknowledged and
    answers a segment with Packet Too Big, MTU 1280: PmtuLowered +1, and the data goes again
    in segments of 1280 - 40 - 20 - 12 = 1208 bytes at most.
 9. tcpterm-gen over IPv6 against tcpterm (AF_PACKET on a veth pair between two namespaces):
    cps at 500/s for 3 s and keep-alive for 2 s complete every connection with no error; gen
    waited for its own DAD before its first connect; a 2,000/s SYN flood from random
    sources of 2001:2::/64 arrives whole (no checksum error) at tcpterm.
"""
import os
import re
import subprocess
import time

import ttclient
import ttlib
from ttlib import expect, log

ADDR6 = '2001:2::2'
PEER6 = '2001:2::1'
SCAPY6 = '2001:2::9'
PORT = ttlib.LISTEN_PORT


def start(ns, tag, args=(), lcores=None):
    tt = ttlib.Tcpterm(ns, tag, ['--addr', f'{ttlib.ADDR}/24', '--addr', f'{ADDR6}/64'] +
                       list(args))
    if lcores:
        tt.eal[tt.eal.index('-l') + 1] = lcores
        # Each worker's tables, the remote IPv6 addresses' among them (about 18 MB here).
        tt.eal[tt.eal.index('-m') + 1] = '512'
    tt.start()
    end = time.monotonic() + 5
    while time.monotonic() < end:
        a = ttlib.telemetry(tt.prefix, '/tcpterm/addrs')
        if any(x.get('addr') == f'{ADDR6}/64' and x.get('state') == 'preferred'
               for x in a.values()):
            return tt
        time.sleep(0.05)
    raise ttlib.TestFailure(f'{ADDR6} not preferred after 5 s: {a}')


def curl(ns, url, extra=()):
    r = ns.run(['curl', '-s', '-m', '5', '-o', '/dev/null', '-w', '%{http_code} %{size_download}',
                *extra, url], capture_output=True, text=True)
    return r.stdout.strip()


def wrk(ns, url, close):
    argv = ['wrk', '-t1', '-c20', '-d2s'] + (['-H', 'Connection: close'] if close else []) + [url]
    r = ns.run(argv, capture_output=True, text=True, timeout=30)
    m = re.search(r'Requests/sec:\s+([\d.]+)', r.stdout)
    return (float(m.group(1)) if m else 0.0), ('Socket errors' not in r.stdout), r.stdout


def http_part():
    ns = ttlib.Netns('i6t')
    tt = start(ns, 'i6t', ['--listen', str(PORT), '--http-body', '1000'])
    url6 = f'http://[{ADDR6}]:{PORT}/'

    # 1. curl, both families on one listener.
    got6 = curl(ns, url6)
    got4 = curl(ns, f'http://{ttlib.ADDR}:{PORT}/')
    expect(got6 == '200 1000' and got4 == '200 1000', f'curl -6: {got6!r}, curl -4: {got4!r}')
    log(f'ok: curl -6 {url6} -> {got6}; the same listener over IPv4 -> {got4}')

    # 2. wrk.
    rate, clean, out = wrk(ns, url6, False)
    expect(rate > 100 and clean, f'wrk -6 keep-alive: {rate} req/s\n{out}')
    rate_c, clean_c, out_c = wrk(ns, url6, True)
    expect(rate_c > 50 and clean_c, f'wrk -6 Connection: close: {rate_c} req/s\n{out_c}')
    tw = ttlib.telemetry(tt.prefix, '/tcpterm/conns').get('TIME_WAIT', 0)
    expect(tw > 0, f'no TIME_WAIT entry after {rate_c * 2:.0f} closed IPv6 connections')
    log(f'ok: wrk -6: keep-alive {rate:.0f} req/s, close {rate_c:.0f} req/s, no socket '
        f'error; {tw} flows in TIME_WAIT')

    # 3. scapy.
    from scapy.layers.inet import TCP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether
    mac = tt.mac()
    kmac = ns.out(['cat', f'/sys/class/net/{tt.tap}/address']).strip()
    ns.enter()
    l2 = ttlib.L2(tt.tap)
    ns.leave()
    try:
        def exchange(seg, timeout=1.0):
            l2.drain()
            # A source the kernel does not own: it would reset the SYN-ACK it never asked for.
            l2.send(Ether(src=kmac, dst=mac) / IPv6(src=SCAPY6, dst=ADDR6) / seg)
            for f in l2.recv_from(mac, timeout):
                p = Ether(f)
                if p.haslayer(TCP) and p.haslayer(IPv6):
                    return p
            return None

        syn = TCP(sport=40001, dport=PORT, flags='S', seq=1000, window=65535,
                  options=[('MSS', 1440), ('SAckOK', b''), ('Timestamp', (7, 0)),
                           ('WScale', 7)])
        sa = exchange(syn)
        expect(sa is not None and sa[TCP].flags == 'SA' and sa[TCP].ack == 1001,
               f'no SYN-ACK for an IPv6 SYN: {sa.summary() if sa else None}')
        opts = dict((k, v) for k, v in sa[TCP].options)
        raw = IPv6(bytes(sa[IPv6]))
        ck = raw[TCP].chksum
        del raw[TCP].chksum
        expect(opts.get('MSS') == 1440 and 'SAckOK' in opts and 'Timestamp' in opts and
               'WScale' in opts and sa[IPv6].hlim == 64 and sa[IPv6].src == ADDR6 and
               IPv6(bytes(raw))[TCP].chksum == ck,
               f'SYN-ACK: options {opts}, hop limit {sa[IPv6].hlim}, src {sa[IPv6].src}')
        st = ttlib.telemetry(tt.prefix, '/tcpterm/conns').get('SYN_RECV', 0)
        expect(st == 1, f'SYN_RECV {st}, want the one request')
        exchange(TCP(sport=40001, dport=PORT, flags='R', seq=1001), 0.2)
        end = time.monotonic() + 2
        while ttlib.telemetry(tt.prefix, '/tcpterm/conns').get('SYN_RECV', 0) and \
                time.monotonic() < end:
            time.sleep(0.05)
        expect(ttlib.telemetry(tt.prefix, '/tcpterm/conns').get('SYN_RECV', 0) == 0,
               'the RST did not end the IPv6 request')
        log('ok: IPv6 SYN -> SYN-ACK MSS 1440 with SACK, TS, WS; hop limit 64, checksum '
            'right; SYN_RECV 1, gone after a RST')

        rst = exchange(TCP(sport=40002, dport=9, flags='S', seq=5000))
        expect(rst is not None and rst[TCP].flags == 'RA' and rst[TCP].seq == 0 and
               rst[TCP].ack == 5001, f'SYN to a closed port: {rst.summary() if rst else None}')
        rst2 = exchange(TCP(sport=40003, dport=PORT, flags='A', seq=1, ack=777777))
        expect(rst2 is not None and rst2[TCP].flags == 'R' and rst2[TCP].seq == 777777,
               f'stray ACK: {rst2.summary() if rst2 else None}')
        log('ok: closed port -> <SEQ=0><ACK=5001><RST,ACK>; stray ACK -> <SEQ=777777><RST>')
    finally:
        l2.close()

    # 4. Cookies.
    ctl = os.environ.get('TCPTERM_CTL') or os.path.join(ttlib.SOURCE_ROOT, 'build', 'app',
                                                         'tcpterm-ctl')
    r = ns.run([ctl, '--file-prefix', tt.prefix, 'set', 'net.ipv4.tcp_syncookies', '2'],
               capture_output=True, text=True)
    expect(r.returncode == 0, f'tcpterm-ctl set syncookies 2: {r.stdout}{r.stderr}')
    before = tt.stats()
    got = curl(ns, url6)
    after = tt.stats()
    sent = after['SyncookiesSent'] - before['SyncookiesSent']
    recv = after['SyncookiesRecv'] - before['SyncookiesRecv']
    expect(got == '200 1000' and sent == 1 and recv == 1,
           f'curl -6 through a cookie: {got!r}, SyncookiesSent +{sent}, SyncookiesRecv +{recv}')
    log('ok: syncookies 2: curl -6 answered through a cookie (SyncookiesSent +1, Recv +1)')
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


def loss_part():
    ns = ttlib.Netns('i6l')
    spec = 'loss=2%'
    tt = start(ns, 'i6l', ['--listen', str(PORT), '--app', 'echo', '--impair-rx', spec,
                           '--impair-tx', spec, '--impair-seed', '606'])
    data = os.urandom(4 << 20)
    ns.enter()
    try:
        got, dt = ttclient.echo_stream(ADDR6, PORT, data, 120)
    finally:
        ns.leave()
    s = tt.stats()
    expect(got == data, f'{len(got)} of {len(data)} bytes came back'
           + ('' if got == data[:len(got)] else ', and they differ'))
    expect(s['RetransSegs'] > 0 and s['ImpairRxLoss'] + s['ImpairTxLoss'] > 0,
           f'no loss or no retransmission: RetransSegs {s["RetransSegs"]}, '
           f'ImpairRxLoss {s["ImpairRxLoss"]}, ImpairTxLoss {s["ImpairTxLoss"]}')
    log(f'ok: 4 MiB echoed byte-exact over IPv6 through {spec} both ways in {dt:.1f} s: '
        f'{s["ImpairRxLoss"] + s["ImpairTxLoss"]} frames lost, {s["RetransSegs"]} '
        'segments retransmitted')
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


def workers_part():
    if len(os.sched_getaffinity(0)) < 2:
        log('skip: two workers need two CPUs')
        return
    ns = ttlib.Netns('i6w')
    tt = start(ns, 'i6w', ['--listen', str(PORT)], lcores='0-1')
    url6 = f'http://[{ADDR6}]:{PORT}/'
    codes = [curl(ns, url6) for _ in range(40)]
    ok = sum(1 for c in codes if c.startswith('200 '))
    opens = [ttlib.telemetry(tt.prefix, f'/tcpterm/stats,{i}')['PassiveOpens'] for i in (0, 1)]
    expect(ok == 40 and sum(opens) >= 40,
           f'two workers: {ok} of 40 answered, PassiveOpens by worker {opens}')
    log(f'ok: two workers: 40 of 40 curl -6 answered; PassiveOpens by worker {opens}, '
        f'hand-overs {tt.stats()["EthHandoffs"]}')
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


BACKEND = r"""
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('2001:2::1', 9000))
s.listen(16)
print('ready', flush=True)
while True:
    c, a = s.accept()
    data = b''
    while b'\r\n\r\n' not in data:
        d = c.recv(4096)
        if not d:
            break
        data += d
    body = data.split(b'\r\n')[0]
    c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n'
              % len(body) + body)
    c.close()
"""


def proxy_part():
    ns = ttlib.Netns('i6p')
    tt = start(ns, 'i6p', ['--listen', str(PORT), '--app', 'proxy', '--backend',
                           '[2001:2::77]:9000 [2001:2::1]:9000', '--proxy-protocol', '1',
                           '--connect-timeout', '8000'])
    be = subprocess.Popen(ns.argv(['/usr/bin/python3', '-c', BACKEND]), stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
    try:
        expect(be.stdout.readline().strip() == 'ready', 'the backend did not start')
        before = tt.stats()
        r = ns.run(['curl', '-s', '-m', '15', f'http://[{ADDR6}]:{PORT}/'], capture_output=True,
                   text=True)
        first = r.stdout.strip()
        after = tt.stats()
        expect(re.fullmatch(rf'PROXY TCP6 {PEER6} {ADDR6} \d+ {PORT}', first) is not None,
               f'curl -6 through the proxy: {first!r}')
        d = {k: after[k] - before[k] for k in ('NdUnresolvedDiscards', 'AttemptFails',
                                               'ActiveOpens', 'Icmp6OutNeighborSolicits')}
        expect(d['NdUnresolvedDiscards'] >= 1 and d['AttemptFails'] >= 1 and
               d['ActiveOpens'] >= 2 and d['Icmp6OutNeighborSolicits'] >= 3,
               f'the unreachable backend first: {d}')
        log(f'ok: proxy over IPv6: 2001:2::77 never answered ND ({d["Icmp6OutNeighborSolicits"]} '
            f'solicitations): connect failed unreachable ({d}); [2001:2::1]:9000 served '
            f'"{first}"')
        r = ns.run(['curl', '-s', '-m', '15', f'http://{ttlib.ADDR}:{PORT}/'],
                   capture_output=True, text=True)
        first4 = r.stdout.strip()
        expect(re.fullmatch(rf'PROXY TCP4 {ttlib.PEER} {ttlib.ADDR} \d+ {PORT}', first4)
               is not None, f'curl -4 through the proxy to the IPv6 backend: {first4!r}')
        log(f'ok: an IPv4 client through the proxy to the IPv6 backend: "{first4}"')
    finally:
        be.kill()
        be.wait()
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


def pmtu_part():
    from scapy.layers.inet import TCP
    from scapy.layers.inet6 import ICMPv6PacketTooBig, IPv6
    from scapy.layers.l2 import Ether

    ns = ttlib.Netns('i6m')
    tt = start(ns, 'i6m', ['--listen', str(PORT), '--app', 'echo'])
    mac = tt.mac()
    kmac = ns.out(['cat', f'/sys/class/net/{tt.tap}/address']).strip()
    ns.enter()
    l2 = ttlib.L2(tt.tap)
    ns.leave()
    eth = Ether(src=kmac, dst=mac)
    ip = IPv6(src=SCAPY6, dst=ADDR6)
    try:
        def segs(timeout):
            return [Ether(f) for f in l2.recv_from(mac, timeout)
                    if Ether(f).haslayer(TCP) and Ether(f).haslayer(IPv6)]

        l2.drain()
        l2.send(eth / ip / TCP(sport=40100, dport=PORT, flags='S', seq=100,
                               options=[('MSS', 1440), ('Timestamp', (1, 0))]))
        sa = [p for p in segs(1.0) if p[TCP].flags == 'SA']
        expect(sa, 'no SYN-ACK')
        tsv = dict(sa[0][TCP].options)['Timestamp'][0]
        iss = sa[0][TCP].seq
        l2.send(eth / ip / TCP(sport=40100, dport=PORT, flags='A', seq=101, ack=iss + 1,
                               options=[('Timestamp', (2, tsv))]))
        data = bytes(range(256)) * 16     # 4096 bytes: the echo sends them back
        l2.drain()
        l2.send(eth / ip / TCP(sport=40100, dport=PORT, flags='PA', seq=101, ack=iss + 1,
                               window=65535, options=[('Timestamp', (3, tsv))]) / data[:1400])
        out = []
        end = time.monotonic() + 2
        while not out and time.monotonic() < end:
            out = [p for p in segs(0.02) if len(p[TCP].payload) > 0]
        expect(out, 'the echo sent nothing back')
        big = out[0]
        before = tt.stats()
        quoted = bytes(big[IPv6])[:1232]
        l2.send(eth / IPv6(src='2001:2::fe', dst=ADDR6) / ICMPv6PacketTooBig(mtu=1280) /
                quoted)
        again = [p for p in segs(1.5) if len(p[TCP].payload) > 0]
        after = tt.stats()
        # A probe of the old size may have left before the message arrived; none after the
        # first segment cut to the new MSS.
        first = next((i for i, p in enumerate(again) if len(p[TCP].payload) <= 1208), None)
        sizes = sorted({len(p[TCP].payload) for p in again[first:]}) if first is not None else []
        expect(after['PmtuLowered'] - before['PmtuLowered'] == 1 and sizes and
               max(sizes) <= 1208 and big[TCP].seq in [p[TCP].seq for p in again[first:]],
               f'after Packet Too Big 1280: PmtuLowered +{after["PmtuLowered"] - before["PmtuLowered"]}, '
               f'segments {sizes} (first was {len(big[TCP].payload)} at {big[TCP].seq})')
        log(f'ok: Packet Too Big (MTU 1280) for a {len(big[TCP].payload)}-byte segment: '
            f'PmtuLowered +1, sent again in segments of {sizes} bytes')
    finally:
        l2.close()
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


GEN = os.environ.get('TCPTERM_GEN') or os.path.join(ttlib.SOURCE_ROOT, 'build', 'app',
                                                     'tcpterm-gen')


def gen_part():
    import json
    ns = ttlib.Netns('i6g')
    gns = ttlib.Netns('i6gc')
    ns.run(['ip', 'link', 'add', 'g0', 'type', 'veth', 'peer', 'name', 'g1', 'netns', gns.name],
           check=True)
    ns.run(['ip', 'link', 'set', 'g0', 'up'], check=True)
    gns.run(['ip', 'link', 'set', 'g1', 'up'], check=True)
    tt = ttlib.Tcpterm(ns, 'i6g', ['--kernel-addr', 'none', '--addr', f'{ADDR6}/64',
                                   '--listen', '80'], addr=f'{ttlib.ADDR}/24', vdev=False)
    tt.eal += ['--vdev=net_af_packet0,iface=g0']
    tt.start(wait=False).wait_telemetry()
    end = time.monotonic() + 5
    while time.monotonic() < end and not any(
            x.get('addr') == f'{ADDR6}/64' and x.get('state') == 'preferred'
            for x in ttlib.telemetry(tt.prefix, '/tcpterm/addrs').values()):
        time.sleep(0.05)
    prefix = f'tti6gc{os.getpid()}'
    base = [GEN, '-l', '0', '--no-pci', '--no-huge', '-m', '512', '--file-prefix', prefix,
            '--vdev=net_af_packet0,iface=g1', '--', '--addr', '2001:2::3/64',
            '--target', f'[{ADDR6}]:80', '--quiet']
    for mode, extra, want in (('cps', ['--rate', '500', '--duration', '3'], 1400),
                              ('keepalive', ['--conns', '8', '--duration', '2'], 8)):
        t0 = time.monotonic()
        r = gns.run(base + ['--mode', mode] + extra, capture_output=True, text=True, timeout=60)
        took = time.monotonic() - t0
        summary = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {}
        c = summary.get('connections', {})
        expect(r.returncode == 0 and c.get('completed', 0) >= want and
               c.get('completed') == c.get('attempted') and summary.get('errors_total') == 0 and
               summary.get('target') == f'[{ADDR6}]:80',
               f'tcpterm-gen --mode {mode} over IPv6: exit {r.returncode}, {c}, errors '
               f'{summary.get("errors")}, target {summary.get("target")}\n{r.stderr[-1500:]}')
        extra_info = f', {summary["requests"]} requests' if mode == 'keepalive' else ''
        expect(mode != 'keepalive' or summary.get('requests', 0) > c['completed'],
               f'keep-alive over IPv6: {summary.get("requests")} requests on {c} connections')
        log(f'ok: tcpterm-gen --mode {mode} to [{ADDR6}]:80: {c["completed"]} of '
            f'{c["attempted"]} connections{extra_info}, no error ({took:.1f} s with DAD)')
    # A SYN flood over IPv6 from random sources of the link's /64: every frame arrives
    # whole (TCP checksums right: none counted bad) and becomes a request or a cookie.
    before = tt.stats()
    r = gns.run(base + ['--mode', 'flood', '--rate', '2000', '--duration', '2',
                        '--flood-src', '2001:2::/64', '--flood-mac', tt.mac()],
                capture_output=True, text=True, timeout=60)
    summary = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {}
    after = tt.stats()
    sent = summary.get('flood', {}).get('packets', 0)
    d = {k: after[k] - before[k] for k in ('InSegs', 'InCsumErrors', 'InErrs', 'ListenDrops',
                                           'SyncookiesSent', 'TCPReqQFullDoCookies')}
    expect(r.returncode == 0 and sent >= 3000 and d['InSegs'] >= sent * 0.95 and
           d['InCsumErrors'] == 0 and d['InErrs'] == 0,
           f'IPv6 SYN flood: exit {r.returncode}, gen sent {sent}, tcpterm {d}\n'
           f'{r.stderr[-800:]}')
    log(f'ok: tcpterm-gen --mode flood over IPv6 (2001:2::/64 sources): {sent} SYNs sent, '
        f'tcpterm took {d["InSegs"]} segments, none bad ({d})')
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()
    gns.delete()
    subprocess.run(['rm', '-rf', os.path.join(ttlib.RUN_DIR, prefix)])


def test():
    http_part()
    loss_part()
    workers_part()
    proxy_part()
    pmtu_part()
    gen_part()
    return 0


if __name__ == '__main__':
    ttlib.run(test)
