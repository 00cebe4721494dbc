#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""rst_fields (SPEC H9, RFC 9293 3.10.7.1), segments crafted with scapy on the TAP's kernel
side, replies read off the same interface:
  SYN                    -> RST|ACK, seq 0, ack ISN+1, ports and addresses swapped, checksums ok
  SYN with 10 bytes      -> RST|ACK, ack ISN+1+10 (the payload counts)
  FIN|ACK, ACK + data    -> RST seq = SEG.ACK, no ACK flag
  bare ACK with ack = X  -> RST seq = X, no ACK flag
  RST, RST|ACK           -> nothing (1 s of silence)
  SYN to an address tcpterm does not own (its MAC, wrong IP) -> nothing, IpInAddrErrors + 1
tcpterm listens on 8080 only; the segments go to ports without a listener.
"""
import random

import ttlib
from ttlib import expect, log

RST, ACK = 0x04, 0x10


def test():
    ns = ttlib.Netns('rst')
    tt = ttlib.Tcpterm(ns, 'rst', ['--listen', str(ttlib.LISTEN_PORT)]).start()
    mac = tt.mac()
    # No ARP from the kernel while we listen: every frame from tcpterm is an answer to us.
    ns.run(['ip', 'neigh', 'replace', ttlib.ADDR, 'lladdr', mac, 'dev', tt.tap,
            'nud', 'permanent'], check=True)
    ns.enter()
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    l2 = ttlib.L2(tt.tap)
    rnd = random.Random()

    def send(seg, dst=ttlib.ADDR):
        frame = Ether(src=l2.mac, dst=mac) / IP(src=ttlib.PEER, dst=dst) / seg
        l2.drain()
        l2.send(frame)
        return frame

    def one_reply(what, frame):
        got = l2.recv_from(mac, 1.0)
        expect(len(got) == 1, f'{what}: {len(got)} frames back, want one RST')
        r = Ether(got[0])
        expect(TCP in r, f'{what}: answer is not TCP: {r.summary()}')
        ip_bytes = got[0][14:]
        expect(ttlib.ipv4_tcp_csum_ok(ip_bytes), f'{what}: bad checksum in {r.summary()}')
        q = frame
        expect(r[Ether].dst == l2.mac and r[IP].src == q[IP].dst and r[IP].dst == q[IP].src,
               f'{what}: addresses not swapped: {r.summary()}')
        expect(r[TCP].sport == q[TCP].dport and r[TCP].dport == q[TCP].sport,
               f'{what}: ports not swapped: {r.summary()}')
        ihl = (ip_bytes[0] & 0xf) * 4
        tlen = int.from_bytes(ip_bytes[2:4], 'big')
        doff = (ip_bytes[ihl + 12] >> 4) * 4
        expect(tlen == ihl + doff, f'{what}: RST carries {tlen - ihl - doff} bytes of data')
        return r[TCP]

    def silence(what, secs=1.0):
        got = l2.recv_from(mac, secs)
        expect(not got, f'{what}: tcpterm answered: '
               + '; '.join(Ether(g).summary() for g in got))

    # SYN -> RST|ACK seq 0 ack ISN+1
    isn = rnd.getrandbits(32)
    sport = rnd.randint(1024, 65535)
    f = send(TCP(sport=sport, dport=80, flags='S', seq=isn, options=[('MSS', 1460)]))
    t = one_reply('SYN', f)
    expect(t.flags == RST | ACK, f'SYN: flags {t.flags}, want RA')
    expect(t.seq == 0, f'SYN: RST seq {t.seq}, want 0')
    expect(t.ack == (isn + 1) % 2**32, f'SYN: RST ack {t.ack}, want ISN+1 = {isn + 1}')
    log(f'ok: SYN seq {isn} -> RST|ACK seq 0 ack {t.ack}')

    # SYN near the wrap with payload -> ack counts SYN and payload, modulo 2^32 (D1)
    isn = 2**32 - 5
    f = send(TCP(sport=sport + 1 if sport < 65535 else 1024, dport=80, flags='S', seq=isn)
             / Raw(b'0123456789'))
    t = one_reply('SYN+data', f)
    want = (isn + 1 + 10) % 2**32
    expect(t.flags == RST | ACK and t.seq == 0 and t.ack == want,
           f'SYN with 10 bytes: flags {t.flags} seq {t.seq} ack {t.ack}, want RA 0 {want}')
    log(f'ok: SYN+10 bytes seq {isn} -> RST|ACK ack {t.ack} (wrapped)')

    # bare ACK ack=X -> RST seq=X, no ACK flag
    x = rnd.getrandbits(32)
    f = send(TCP(sport=sport, dport=rnd.randint(1, 8000), flags='A',
                 seq=rnd.getrandbits(32), ack=x))
    t = one_reply('ACK', f)
    expect(t.flags == RST, f'bare ACK: flags {t.flags}, want R only')
    expect(t.seq == x, f'bare ACK: RST seq {t.seq}, want SEG.ACK {x}')
    log(f'ok: ACK ack {x} -> RST seq {t.seq}, no ACK flag')

    # ACK with data, FIN|ACK -> RST seq=SEG.ACK
    for flags, data in (('PA', b'GET / HTTP/1.0\r\n\r\n'), ('FA', b'')):
        x = rnd.getrandbits(32)
        f = send(TCP(sport=sport, dport=80, flags=flags, seq=rnd.getrandbits(32), ack=x)
                 / Raw(data) if data else
                 TCP(sport=sport, dport=80, flags=flags, seq=rnd.getrandbits(32), ack=x))
        t = one_reply(flags, f)
        expect(t.flags == RST and t.seq == x,
               f'{flags}: flags {t.flags} seq {t.seq}, want R seq {x}')
        log(f'ok: {flags} ack {x} -> RST seq {t.seq}')

    # RST and RST|ACK -> silence
    for flags in ('R', 'RA'):
        before = tt.stats()
        send(TCP(sport=sport, dport=80, flags=flags, seq=rnd.getrandbits(32),
                 ack=rnd.getrandbits(32)))
        silence(flags)
        after = tt.stats()
        expect(after['InSegs'] == before['InSegs'] + 1, f'{flags}: not received (InSegs)')
        expect(after['OutRsts'] == before['OutRsts'], f'{flags}: OutRsts moved')
        log(f'ok: {flags} -> no answer in 1 s')

    # SYN to tcpterm's MAC but an address it does not own -> silence, IpInAddrErrors
    before = tt.stats()
    send(TCP(sport=sport, dport=80, flags='S', seq=rnd.getrandbits(32)), dst='198.18.3.77')
    silence('SYN to 198.18.3.77')
    after = tt.stats()
    expect(after['IpInAddrErrors'] == before['IpInAddrErrors'] + 1,
           f'IpInAddrErrors {before["IpInAddrErrors"]} -> {after["IpInAddrErrors"]}, want +1')
    expect(after['InSegs'] == before['InSegs'], 'SYN to a foreign address reached TCP')
    log('ok: SYN to 198.18.3.77 -> no answer, IpInAddrErrors + 1')
    l2.close()


if __name__ == '__main__':
    ttlib.run(test)
