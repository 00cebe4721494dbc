#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""malformed (SPEC D8): bad input is dropped and counted, never answered, never fatal.

Each frame is written raw on the TAP's kernel side. For each, the counter that names the
drop reason (as lib/net and lib/tcp count it) moves by exactly one, nothing comes back
(no frame from tcpterm within 300 ms of the count, and OutRsts, IcmpOutEchoReps,
ArpOutReplies, EthOutFrames unchanged). Afterwards a burst of mutated frames, then: tcpterm
still answers ping, a SYN to port 80 (no listener: it listens on 8080) still gets its RST,
and the process is alive.

Not reachable through a TAP: a frame shorter than an Ethernet header (EthInTruncated). The
kernel refuses to send one (packet(7) requires the 14-byte link header, EINVAL), so the
test checks that refusal and sends the shortest frame the kernel allows instead (a bare
Ethernet header), which must fail at the next header.
"""
import errno
import random
import socket
import struct
import subprocess

import ttlib
from ttlib import expect, log

# Counters that move when tcpterm sends anything.
REPLY_COUNTERS = ('OutRsts', 'OutSegs', 'IcmpOutEchoReps', 'IcmpOutMsgs', 'ArpOutReplies',
                  'IpOutRequests', 'EthOutFrames')


def test():
    ns = ttlib.Netns('mal')
    tt = ttlib.Tcpterm(ns, 'mal', ['--listen', str(ttlib.LISTEN_PORT)]).start()
    mac = tt.mac()
    ns.run(['ip', 'neigh', 'replace', ttlib.ADDR, 'lladdr', mac, 'dev', tt.tap,
            'nud', 'permanent'], check=True)
    ns.enter()
    from scapy.compat import raw
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    l2 = ttlib.L2(tt.tap)
    eth = Ether(src=l2.mac, dst=mac)
    ip = IP(src=ttlib.PEER, dst=ttlib.ADDR)
    rnd = random.Random(1)

    def syn(**kw):
        kw.setdefault('flags', 'S')
        return TCP(sport=rnd.randint(1024, 65535), dport=80, seq=rnd.getrandbits(32), **kw)

    def with_bad_csum(pkt, layer):
        """pkt with layer's checksum set to anything but the right value."""
        good = pkt.__class__(raw(pkt))[layer].chksum
        pkt[layer].chksum = good ^ 0x5a5a
        return pkt

    def ip_tcp(seg):
        """IPv4 (valid, checksummed by scapy) carrying raw TCP bytes, TCP checksum fixed up."""
        pseudo = struct.pack('!4s4sBBH', socket.inet_aton(ttlib.PEER),
                             socket.inet_aton(ttlib.ADDR), 0, 6, len(seg))
        csum = ttlib.inet_csum(pseudo + seg[:16] + b'\0\0' + seg[18:])
        return IP(src=ttlib.PEER, dst=ttlib.ADDR, proto=6) / Raw(
            seg[:16] + struct.pack('!H', csum) + seg[18:])

    def tcp_raw(doff, flags=0x02, opts=b''):
        """A TCP header with data offset doff (any value) followed by opts bytes."""
        return struct.pack('!HHIIBBHHH', rnd.randint(1024, 65535), 80, rnd.getrandbits(32),
                           0, (doff & 0xf) << 4, flags, 65535, 0, 0) + opts

    arp_bad_hlen = (raw(Ether(src=l2.mac, dst=mac, type=0x0806))
                    + struct.pack('!HHBBH', 1, 0x0800, 5, 4, 1)
                    + bytes.fromhex(l2.mac.replace(':', '')) + socket.inet_aton(ttlib.PEER)
                    + b'\0' * 6 + socket.inet_aton(ttlib.ADDR))

    cases = [
        # (what, frame, counter that must move by one)
        ('Ethernet header only, IPv4 type', raw(Ether(src=l2.mac, dst=mac, type=0x0800)),
         'IpInHdrErrors'),
        ('Ethernet header only, ARP type', raw(Ether(src=l2.mac, dst=mac, type=0x0806)),
         'ArpInErrors'),
        ('IPv4 version 5', eth / IP(src=ttlib.PEER, dst=ttlib.ADDR, version=5) / syn(),
         'IpInHdrErrors'),
        ('IPv4 IHL 4 (16 bytes)', eth / IP(src=ttlib.PEER, dst=ttlib.ADDR, ihl=4) / syn(),
         'IpInHdrErrors'),
        ('IPv4 IHL 15, longer than the packet',
         eth / IP(src=ttlib.PEER, dst=ttlib.ADDR, ihl=15, proto=6), 'IpInHdrErrors'),
        ('IPv4 total length > frame', eth / IP(src=ttlib.PEER, dst=ttlib.ADDR, len=200) / syn(),
         'IpInHdrErrors'),
        ('IPv4 total length < header', eth / IP(src=ttlib.PEER, dst=ttlib.ADDR, len=12) / syn(),
         'IpInHdrErrors'),
        ('IPv4 bad header checksum', eth / with_bad_csum(ip.copy() / syn(), IP),
         'IpExtInCsumErrors'),
        ('IPv4 first fragment (MF)', eth / IP(src=ttlib.PEER, dst=ttlib.ADDR, flags='MF')
         / syn(), 'IpReasmReqds'),
        ('IPv4 later fragment (offset 8)', eth / IP(src=ttlib.PEER, dst=ttlib.ADDR, frag=1,
                                                     proto=6) / Raw(b'x' * 16),
         'IpReasmReqds'),
        ('TCP bad checksum', eth / with_bad_csum(ip / syn(), TCP), 'InCsumErrors'),
        ('TCP data offset 4 (< 5)', eth / ip_tcp(tcp_raw(4)), 'InErrs'),
        ('TCP data offset 15, past the end', eth / ip_tcp(tcp_raw(15)), 'InErrs'),
        ('TCP shorter than 20 bytes', eth / IP(src=ttlib.PEER, dst=ttlib.ADDR, proto=6)
         / Raw(b'\x04\x00\x00\x50\0\0\0\0\0\0'), 'InErrs'),
        ('TCP option length 0', eth / ip_tcp(tcp_raw(6, opts=b'\x02\x00\x05\xb4')), 'InErrs'),
        ('TCP option length 1', eth / ip_tcp(tcp_raw(6, opts=b'\x08\x01\x00\x00')), 'InErrs'),
        ('TCP option past the header', eth / ip_tcp(tcp_raw(6, opts=b'\x02\x08\x05\xb4')),
         'InErrs'),
        ('TCP option kind without length byte', eth / ip_tcp(tcp_raw(6, opts=b'\x01\x01\x01\x03')),
         'InErrs'),
        ('TCP SYN+FIN', eth / ip / syn(flags='SF'), 'InErrs'),
        ('TCP SYN+RST', eth / ip / syn(flags='SR'), 'InErrs'),
        ('TCP null flags', eth / ip / syn(flags=0), 'InErrs'),
        ('TCP FIN only', eth / ip / syn(flags='F'), 'InErrs'),
        ('TCP source port 0', eth / ip / TCP(sport=0, dport=80, flags='S'), 'InErrs'),
        ('ICMP echo, bad checksum', eth / with_bad_csum(ip.copy() / ICMP() / Raw(b'abcdefgh'),
                                                         ICMP), 'IcmpInCsumErrors'),
        ('ICMP shorter than its header', eth / IP(src=ttlib.PEER, dst=ttlib.ADDR, proto=1)
         / Raw(b'\x08\x00'), 'IcmpInErrors'),
        ('ARP hardware length 5', arp_bad_hlen, 'ArpInErrors'),
        ('UDP (unknown protocol)', eth / ip / UDP(sport=5353, dport=53) / Raw(b'q'),
         'IpInUnknownProtos'),
        ('IPv6 without an IPv6 --addr (IPv6 off)', Ether(src=l2.mac, dst=mac) /
         IPv6(src='fe80::1', dst='fe80::2') / syn(), 'EthInOtherTypes'),
        ('LLDP (another EtherType)', Ether(src=l2.mac, dst=mac, type=0x88cc) / Raw(b'x' * 46),
         'EthInOtherTypes'),
        ('IPv4 to another MAC', Ether(src=l2.mac, dst='02:00:00:00:00:99') / ip / syn(),
         'EthInOtherHosts'),
        ('IPv4 from 127.0.0.1', eth / IP(src='127.0.0.1', dst=ttlib.ADDR) / syn(),
         'IpInAddrErrors'),
    ]

    failures = []

    # Shorter than an Ethernet header: the kernel must refuse it (see the docstring).
    before = tt.stats()['EthInTruncated']
    try:
        l2.send(bytes.fromhex(mac.replace(':', '')) + b'\x01\x02')
        v = tt.wait_stat('EthInTruncated', lambda x: x > before, 1.0)
        if v == before:
            failures.append('an 8-byte frame was sent but EthInTruncated did not move')
        else:
            log('ok: 8-byte frame -> EthInTruncated + 1')
    except OSError as e:
        expect(e.errno == errno.EINVAL, f'8-byte frame: unexpected error {e}')
        log('ok: 8-byte frame refused by the kernel (EINVAL): EthInTruncated is unreachable '
            'through a TAP')

    for what, frame, counter in cases:
        data = raw(frame) if not isinstance(frame, (bytes, bytearray)) else bytes(frame)
        before = tt.stats()
        l2.drain()
        l2.send(data)
        v = tt.wait_stat(counter, lambda x, b=before[counter]: x > b, 2.0)
        got = l2.recv_from(mac, 0.3)
        after = tt.stats()
        moved = {k: after[k] - before[k] for k in after
                 if after[k] != before[k] and k not in ('ipackets', 'ibytes')}
        problems = []
        if v - before[counter] != 1:
            problems.append(f'{counter} moved by {v - before[counter]}, want 1')
        if got:
            problems.append('answered: ' + '; '.join(Ether(g).summary() for g in got))
        sent = {k: after[k] - before[k] for k in REPLY_COUNTERS if after[k] != before[k]}
        if sent:
            problems.append(f'reply counters moved {sent}')
        if after['EthInFrames'] - before['EthInFrames'] != 1:
            problems.append(f'EthInFrames moved by {after["EthInFrames"] - before["EthInFrames"]}'
                            ', want 1 (noise on the TAP?)')
        if problems:
            failures.append(f'{what}: ' + '; '.join(problems) + f' (moved: {moved})')
            log(f'FAIL: {what}: ' + '; '.join(problems) + f' (moved: {moved})')
        else:
            log(f'ok: {what} -> {counter} + 1, no answer (moved: {moved})')

    # A burst of mutations of a valid SYN: whatever they parse as, tcpterm must survive.
    base = bytearray(raw(eth / ip / syn(options=[('MSS', 1460), ('SAckOK', b''),
                                                 ('Timestamp', (1, 0)), ('WScale', 7)])))
    seed = random.randrange(2**32)
    mrnd = random.Random(seed)
    for _ in range(500):
        f = bytearray(base)
        for _ in range(mrnd.randint(1, 6)):
            f[mrnd.randrange(14, len(f))] = mrnd.getrandbits(8)
        if mrnd.random() < 0.2:
            f = f[:mrnd.randint(14, len(f))]
        l2.send(bytes(f))
    log(f'ok: 500 mutated SYN frames sent (seed {seed})')

    # Still alive, still answering.
    expect(tt.alive(), f'tcpterm died (exit {tt.proc.returncode})')
    r = subprocess.run(['ping', '-c', '2', '-i', '0.2', '-W', '2', ttlib.ADDR],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    expect(r.returncode == 0, f'no ping answer after the bad input:\n{r.stdout}{r.stderr}')
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect((ttlib.ADDR, 80))
        failures.append('connect to port 80 succeeded; want refused')
    except ConnectionRefusedError:
        log('ok: afterwards ping answered, connect refused by RST, tcpterm alive')
    except OSError as e:
        failures.append(f'connect to port 80 after the bad input: {e}, want refused')
    finally:
        s.close()
    expect(tt.alive(), 'tcpterm died')
    l2.close()
    expect(not failures, f'{len(failures)} case(s) failed:\n  ' + '\n  '.join(failures))


if __name__ == '__main__':
    ttlib.run(test)
