#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""pmtu (RFC 1191, RFC 5927; issue 7): Path MTU discovery against a real router.

    client ns --veth, MTU 1280 both ends-- router ns --TAP, MTU 1500-- tcpterm (echo on :7)

The kernel in the router namespace forwards between tcpterm's TAP and a client namespace
whose link has an MTU of 1280. The client's route advertises an MSS of 1460 (advmss), as a
host on a 1500-byte LAN behind a narrower link would, so tcpterm starts at MSS 1448 (1460
less timestamps) and its first full segments, sent with DF, are too big for the client's
link: the router drops them and answers ICMP fragmentation needed, next-hop MTU 1280
(Linux's ip_forward). tcpterm must believe it (it quotes data in flight, RFC 5927 4.1),
lower the connection's path MTU to 1280 and its MSS to 1228 (1280 - 40 - 12), send what was
dropped again at once in segments that fit, and carry on. The client echoes 8 MiB of random
bytes through tcpterm's echo app; asserted:

  - every byte comes back, in order;
  - while the connection is open, /tcpterm/sockets (and tcpterm-ctl conns) show pmtu 1280
    and mss 1228 for it;
  - the router sent fragmentation-needed (its Icmp OutDestUnreachs moved), tcpterm counted
    them (IcmpInDestUnreachs) and lowered a path MTU (PmtuLowered); what was dropped went
    again (RetransSegs) without waiting for a retransmission timeout (TCPTimeouts 0);
  - every message named the flow (IcmpInErrors 0) and none was ignored (PmtuIgnored 0).
    One handled after the ACK of what it quotes (the router answers each dropped segment;
    the retransmission may be acknowledged before the last answer is read, the sooner
    when it was handed over) is out of window (OutOfWindowIcmps), as on Linux: not asserted.

Then twice with two workers (-l 0-1), eight connections of 1 MiB each, one after the other
(each starts at 1500 and meets the router once: tcpterm keeps no route cache): with TAP
steering (rss 2: ICMP lands on queue 0, the owner is the Toeplitz hash of the quoted flow,
computed in software) and without (rss 0: the kernel's queue, the keyed SipHash owner). An
error for a flow of the other worker is handed over to it; every connection must come back
byte-exact with its path MTU lowered (PmtuLowered = 8, each worker its own), no message
lost on the way (IcmpInErrors, EthHandoffDrops 0).
"""
import os
import subprocess

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log

PORT = 7
CLIENT, ROUTER_C = '198.19.7.2', '198.19.7.1'
LINK_MTU = 1280
MSS_LOW = LINK_MTU - 40 - 12          # the client uses timestamps
N = 8 << 20
SHOWN = ('IcmpInDestUnreachs', 'PmtuLowered', 'PmtuIgnored', 'OutOfWindowIcmps',
         'RetransSegs', 'TCPSlowStartRetrans', 'TCPFastRetrans', 'TCPLossProbes',
         'TCPLostRetransmit', 'TCPSackRecovery', 'TCPDSACKRecv', 'TCPTimeouts',
         'IcmpInErrors', 'EthOutDrops')


def icmp_out_dest_unreachs(ns):
    """The namespace's Icmp OutDestUnreachs (/proc/net/snmp is per network namespace)."""
    lines = [ln.split() for ln in ns.out(['cat', '/proc/net/snmp']).splitlines()
             if ln.startswith('Icmp:')]
    return int(dict(zip(lines[0][1:], lines[1][1:]))['OutDestUnreachs'])


def ctl_conns(tt):
    if not ttlib.TCPTERM_CTL:
        return None
    r = subprocess.run([ttlib.TCPTERM_CTL, '--file-prefix', tt.prefix, 'conns'],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=10)
    return r.stdout


def test():
    chk = Checks()
    router = ttlib.Netns('pmr')
    client = ttlib.Netns('pmc')
    vc = f'pmc{os.getpid()}'
    router.run(['ip', 'link', 'add', vc, 'type', 'veth', 'peer', 'name', 'c0', 'netns',
                client.name], check=True)
    for ns, dev, addr in ((router, vc, ROUTER_C), (client, 'c0', CLIENT)):
        ns.run(['ip', 'addr', 'add', f'{addr}/24', 'dev', dev], check=True)
        ns.run(['ip', 'link', 'set', 'dev', dev, 'mtu', str(LINK_MTU), 'up'], check=True)
    client.run(['ip', 'route', 'add', 'default', 'via', ROUTER_C, 'advmss', '1460'],
               check=True)
    router.run(['sysctl', '-qw', 'net.ipv4.ip_forward=1'], check=True)
    tt = ttlib.Tcpterm(router, 'pmt', ['--listen', str(PORT), '--app', 'echo',
                                       '--gateway', ttlib.PEER]).start()
    unreach0 = icmp_out_dest_unreachs(router)
    data = os.urandom(N)
    seen = {}

    def open_view():
        # The connection is still open: its row in the sockets view, and tcpterm-ctl's.
        seen['socks'] = ttlib.telemetry(tt.prefix, '/tcpterm/sockets') or {}
        seen['ctl'] = ctl_conns(tt)

    client.enter()
    try:
        got, dt = ttclient.echo_stream(ttlib.ADDR, PORT, data, 120, before_close=open_view)
    finally:
        client.leave()
    socks, ctl = seen.get('socks', {}), seen.get('ctl')
    mine = [v for v in socks.values() if v.get('peer', '').startswith(CLIENT + ':')]
    st = tt.stats()
    unreach = icmp_out_dest_unreachs(router) - unreach0
    log(f'{len(got)} of {N} bytes back in {dt:.2f} s; router sent {unreach} '
        'destination unreachable; ' + ', '.join(f'{k} {st[k]}' for k in SHOWN))
    first = None if got == data else \
        next((k for k in range(min(len(got), N)) if got[k] != data[k]), min(len(got), N))
    chk.check(len(got) == N and got == data,
              f'{N >> 20} MiB echoed byte-exact through a 1280-byte link',
              f'{len(got)} bytes back, first difference at {first}')
    sock = mine[0] if len(mine) == 1 else {}
    log(f'socket: {sock}')
    chk.check(sock.get('pmtu') == LINK_MTU and sock.get('mss') == MSS_LOW,
              f'/tcpterm/sockets: pmtu {sock.get("pmtu")}, mss {sock.get("mss")} '
              f'(want {LINK_MTU}, {MSS_LOW})', f'{socks}')
    if ctl is not None:
        line = next((ln for ln in ctl.splitlines() if 'pmtu:' in ln), '')
        chk.check(f'mss:{MSS_LOW} pmtu:{LINK_MTU}' in line,
                  f'tcpterm-ctl conns shows mss:{MSS_LOW} pmtu:{LINK_MTU}', ctl)
    chk.check(unreach > 0, f'the router sent fragmentation needed ({unreach})')
    chk.check(st['IcmpInDestUnreachs'] > 0 and st['PmtuLowered'] > 0,
              f'tcpterm took it: IcmpInDestUnreachs {st["IcmpInDestUnreachs"]}, '
              f'PmtuLowered {st["PmtuLowered"]}')
    chk.check(st['RetransSegs'] > 0 and st['TCPTimeouts'] == 0,
              f'what was dropped went again at once: RetransSegs {st["RetransSegs"]}, '
              f'TCPTimeouts {st["TCPTimeouts"]}')
    chk.check(st['PmtuIgnored'] == 0 and st['IcmpInErrors'] == 0,
              f'every message named the flow: PmtuIgnored {st["PmtuIgnored"]}, IcmpInErrors '
              f'{st["IcmpInErrors"]}')
    rc = tt.stop()
    chk.check(rc == 0, f'tcpterm exits 0 ({rc})')
    for rss in (2, 0):
        two_workers(chk, router, client, rss)
    chk.done()


def two_workers(chk, router, client, rss, conns=8, n=1 << 20):
    tt = ttlib.Tcpterm(router, f'pm{rss}', ['--listen', str(PORT), '--app', 'echo',
                                           '--gateway', ttlib.PEER, '--rss', str(rss)])
    tt.eal[tt.eal.index('-l') + 1] = '0-1'
    tt.start()
    intact = 0
    for _ in range(conns):
        data = os.urandom(n)
        client.enter()
        try:
            got, _ = ttclient.echo_stream(ttlib.ADDR, PORT, data, 30)
        finally:
            client.leave()
        intact += got == data
    st = tt.stats()
    per = [ttlib.telemetry(tt.prefix, f'/tcpterm/stats,{w}') or {} for w in (0, 1)]
    log(f'rss {rss}: {intact} of {conns} intact; PassiveOpens '
        f'{[w.get("PassiveOpens") for w in per]}, PmtuLowered '
        f'{[w.get("PmtuLowered") for w in per]}, IcmpInDestUnreachs '
        f'{[w.get("IcmpInDestUnreachs") for w in per]}, EthHandoffs '
        f'{[w.get("EthHandoffs") for w in per]}; ' + ', '.join(f'{k} {st[k]}' for k in SHOWN))
    chk.check(intact == conns, f'rss {rss}, two workers: {conns} x {n >> 20} MiB echoed '
              f'byte-exact ({intact})')
    chk.check(st['PmtuLowered'] == conns, f'rss {rss}: every connection lowered its path MTU '
              f'(PmtuLowered {st["PmtuLowered"]})')
    chk.check(all(w.get('PmtuLowered') == w.get('PassiveOpens') for w in per),
              f'rss {rss}: each worker lowered its own connections')
    chk.check(st['PmtuIgnored'] == 0 and st['IcmpInErrors'] == 0 and
              st['EthHandoffDrops'] == 0,
              f'rss {rss}: every message reached the flow\'s owner (PmtuIgnored '
              f'{st["PmtuIgnored"]}, IcmpInErrors {st["IcmpInErrors"]}, EthHandoffDrops '
              f'{st["EthHandoffDrops"]})')
    rc = tt.stop()
    chk.check(rc == 0, f'rss {rss}: tcpterm exits 0 ({rc})')


if __name__ == '__main__':
    ttlib.run(test)
