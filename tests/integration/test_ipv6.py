#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ipv6 (issue 10 item 1, the network layer): IPv6, ICMPv6 and Neighbour Discovery with the
Linux kernel and scapy as peers, over a TAP and over a veth pair (AF_PACKET).

TAP, tcpterm on 198.18.3.2/24 and 2001:2::2/64 (kernel side 2001:2::1/64, kernel_addr auto):
 1. both IPv6 addresses (2001:2::2 and the port's link-local, modified EUI-64 of its MAC) go
    tentative -> preferred after one DAD solicitation (/tcpterm/addrs), the kernel side got
    2001:2::1 and a MAC of its own (net_tap shares the port's, and the link-locals with it);
 2. ping -6 to 2001:2::2, to the link-local and to all-nodes ff02::1 are answered; the kernel
    learned tcpterm's MAC by Neighbour Discovery (ip -6 neigh);
 3. the kernel adding tcpterm's own 2001:2::2 runs DAD and finds it taken (dadfailed): tcpterm
    answered the solicitation from :: with an advertisement to all-nodes, S clear, O set
    (RFC 4861 7.2.4, RFC 4862 5.4.3), seen by scapy too;
 4. crafted by scapy: NS with hop limit 64 ignored (Icmp6InErrors), an echo with a bad checksum
    (Icmp6InCsumErrors), a fragment (Ip6ReasmReqds), UDP (Ip6InUnknownProtos), a datagram for
    an address not ours and an NS from an IPv4-mapped source (Ip6InAddrErrors; IPv4 ping
    still answered), an NS for another address (NdInOther), an NA from :: (Icmp6InErrors),
    an IPv4 header under IPv6's EtherType (Ip6InHdrErrors), all with no answer; an echo behind a hop-by-hop header answered without it; an NS with SLLA from a new
    neighbour answered with a solicited NA carrying tcpterm's MAC;
 5. the counters are Linux's snmp6 names, and match what was sent;
 5b. MLDv2: reports of our solicited-node groups at start (Icmp6OutMLDv2Reports), and one
    to ff02::16 from the link-local address, hop limit 1, Router Alert, after a query;

veth pair (v0 for tcpterm's AF_PACKET port, v1 for the kernel with 2001:2::99/64 and 2001:2::1):
 6. tcpterm given 2001:2::99 too: its DAD solicitation is answered by the kernel, the address
    is duplicate (NdDadDuplicates 1, the log names the kernel's MAC), 2001:2::2 preferred and
    answering ping, 2001:2::99 answered by the kernel alone;
 7. with dad_transmits 3, a node (scapy) doing DAD for the same address at the same time
    (RFC 4862 5.4.3) makes it duplicate too.
"""
import os
import re
import time

import ttlib
from ttlib import expect, log

ADDR6 = '2001:2::2'
PEER6 = '2001:2::1'
DUP6 = '2001:2::99'


def addrs(prefix):
    a = ttlib.telemetry(prefix, '/tcpterm/addrs')
    expect(isinstance(a, dict), f'/tcpterm/addrs answered {a!r}')
    return {x['addr']: x for x in a.values()}


def wait_states(prefix, want, timeout=5.0):
    """Until every address in want (addr/len -> state) is in its state; the last view."""
    end = time.monotonic() + timeout
    while True:
        a = addrs(prefix)
        if all(a.get(k, {}).get('state') == v for k, v in want.items()) or \
           time.monotonic() > end:
            return a
        time.sleep(0.05)


CTL = os.environ.get('TCPTERM_CTL') or os.path.join(ttlib.SOURCE_ROOT, 'build', 'app',
                                                   'tcpterm-ctl')


def ctl_addrs(ns, prefix):
    r = ns.run([CTL, '--file-prefix', prefix, 'addrs'], capture_output=True, text=True)
    expect(r.returncode == 0, f'tcpterm-ctl addrs: exit {r.returncode}: {r.stderr}')
    return r.stdout


def solicited(a):
    """RFC 4291 2.7.1: ff02::1:ffXX:XXXX of a."""
    import ipaddress
    low = int(ipaddress.IPv6Address(a)) & 0xffffff
    return str(ipaddress.IPv6Address(0xff0200000000000000000001ff000000 | low))


def wait_output(tt, text, timeout=3.0):
    """tcpterm's output once it holds text (its log reaches the file in pieces), or as is."""
    end = time.monotonic() + timeout
    while text not in tt.output().lower() and time.monotonic() < end:
        time.sleep(0.05)
    return tt.output()


def link_local(mac):
    b = [int(x, 16) for x in mac.split(':')]
    b[0] ^= 2
    return 'fe80::%x:%x:%x:%x' % (b[0] << 8 | b[1], b[2] << 8 | 0xff, 0xfe << 8 | b[3],
                                  b[4] << 8 | b[5])


def ping6(ns, dst, count=3):
    r = ns.run(['ping', '-6', '-c', str(count), '-i', '0.2', '-W', '1', dst],
               capture_output=True, text=True)
    m = re.search(r'(\d+) received', r.stdout)
    return int(m.group(1)) if m else 0, r.stdout


def delta(before, after, names):
    return {n: after[n] - before[n] for n in names}


def tap_part():
    from scapy.layers.inet6 import (ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA,
                                    ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr,
                                    IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop)
    from scapy.layers.inet import UDP
    from scapy.layers.l2 import Ether

    ns = ttlib.Netns('ip6')
    tt = ttlib.Tcpterm(ns, 'ip6', ['--listen', str(ttlib.LISTEN_PORT), '--addr',
                                   f'{ttlib.ADDR}/24', '--addr', f'{ADDR6}/64']).start()
    mac = tt.mac()
    ll = link_local(mac)

    # 1. DAD, the kernel side's address and MAC.
    a = wait_states(tt.prefix, {f'{ADDR6}/64': 'preferred', f'{ll}/64': 'preferred'})
    expect(a.get(f'{ADDR6}/64', {}).get('state') == 'preferred' and
           a.get(f'{ll}/64', {}).get('state') == 'preferred' and
           a[f'{ll}/64'].get('port') == 0 and a[f'{ll}/64'].get('scope') == 'link',
           f'/tcpterm/addrs after DAD: {a}')
    out = wait_output(tt, f'ipv6 address {ll}/64 ready')
    expect(f'IPv6 address {ADDR6}/64 ready' in out and f'IPv6 address {ll}/64 ready' in out,
           f'no "ready" line for both addresses:\n{out[-1500:]}')
    kaddr = ns.out(['ip', '-6', '-o', 'addr', 'show', 'dev', tt.tap])
    kmac = ns.out(['cat', f'/sys/class/net/{tt.tap}/address']).strip()
    expect(f'{PEER6}/64' in kaddr and kmac != mac and 'dadfailed' not in kaddr,
           f'kernel side: {kaddr!r}, MAC {kmac} (tcpterm {mac})')
    view = ctl_addrs(ns, tt.prefix)
    expect(f'inet  {ttlib.ADDR}/24 scope global\n' in view and
           f'inet6 {ADDR6}/64 scope global\n' in view and
           f'inet6 {ll}/64 scope link port 0\n' in view, f'tcpterm-ctl addrs:\n{view}')
    log(f'ok: {ADDR6}/64 and {ll}/64 preferred after DAD; kernel side {PEER6}/64, MAC {kmac} '
        f'(tcpterm {mac}); tcpterm-ctl addrs lists all three')

    before = tt.stats()
    # 2. ping, neighbour entry.
    got, text = ping6(ns, ADDR6)
    expect(got == 3, f'ping -6 {ADDR6}: {got} of 3\n{text}')
    got_ll, text = ping6(ns, f'{ll}%{tt.tap}')
    expect(got_ll == 3, f'ping -6 {ll}: {got_ll} of 3\n{text}')
    r = ns.run(['ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', f'ff02::1%{tt.tap}'],
               capture_output=True, text=True)
    expect(f'from {ll}%{tt.tap}' in r.stdout, f'ping ff02::1: no answer from {ll}:\n{r.stdout}')
    neigh = ns.out(['ip', '-6', 'neigh', 'show', ADDR6, 'dev', tt.tap])
    expect(f'lladdr {mac}' in neigh, f'ip -6 neigh {ADDR6}: {neigh!r}, want lladdr {mac}')
    log(f'ok: ping -6 {ADDR6} 3/3, {ll} 3/3, ff02::1 answered from {ll}; kernel neighbour '
        f'{neigh.strip()}')

    ns.enter()
    l2 = ttlib.L2(tt.tap)
    ns.leave()
    try:
        # 3. The kernel's DAD for tcpterm's address: tcpterm defends it.
        l2.drain()
        ns.run(['ip', '-6', 'addr', 'add', f'{ADDR6}/64', 'dev', tt.tap], check=True)
        end = time.monotonic() + 5
        state = ''
        while time.monotonic() < end and 'dadfailed' not in state:
            time.sleep(0.1)
            state = ns.out(['ip', '-6', '-o', 'addr', 'show', 'dev', tt.tap, 'to', ADDR6])
        expect('dadfailed' in state, f'the kernel took {ADDR6} although tcpterm has it: {state!r}')
        nas = [Ether(f) for f in l2.recv_from(mac, 0.5)]
        nas = [p for p in nas if p.haslayer(ICMPv6ND_NA) and p[ICMPv6ND_NA].tgt == ADDR6]
        expect(nas and nas[0][IPv6].dst == 'ff02::1' and nas[0][ICMPv6ND_NA].S == 0 and
               nas[0][ICMPv6ND_NA].O == 1 and nas[0][IPv6].hlim == 255 and
               nas[0][IPv6].src == ADDR6 and nas[0].haslayer(ICMPv6NDOptDstLLAddr) and
               nas[0][ICMPv6NDOptDstLLAddr].lladdr == mac,
               f'tcpterm\'s answer to the kernel\'s DAD: {[p.summary() for p in nas]}')
        ns.run(['ip', '-6', 'addr', 'del', f'{ADDR6}/64', 'dev', tt.tap])
        log(f'ok: the kernel\'s DAD for {ADDR6} failed (dadfailed): tcpterm advertised it to '
            'ff02::1, S=0 O=1, hop limit 255, its MAC')

        # 4. Crafted segments.
        eth = Ether(src=kmac, dst=mac)
        base = tt.stats()

        def silent(frame, what):
            l2.drain()
            l2.send(frame)
            got = l2.recv_from(mac, 0.4)
            expect(not got, f'{what}: tcpterm answered {[Ether(f).summary() for f in got]}')

        sol = IPv6(src=PEER6, dst=ADDR6, hlim=64) / ICMPv6ND_NS(tgt=ADDR6) / \
            ICMPv6NDOptSrcLLAddr(lladdr=kmac)
        silent(eth / sol, 'NS with hop limit 64')
        bad = IPv6(src=PEER6, dst=ADDR6) / ICMPv6EchoRequest(id=7, seq=1, cksum=0x1234)
        silent(eth / bad, 'echo with a bad checksum')
        frag = IPv6(src=PEER6, dst=ADDR6) / IPv6ExtHdrFragment(m=1) / \
            ICMPv6EchoRequest(id=7, seq=2)
        silent(eth / frag, 'a fragment')
        silent(eth / IPv6(src=PEER6, dst=ADDR6) / UDP(sport=5000, dport=53), 'UDP')
        silent(eth / IPv6(src=PEER6, dst='2001:2::77') / ICMPv6EchoRequest(id=7, seq=3),
               'echo to 2001:2::77')
        # Unicast, as NUD sends it (RFC 4861 7.2.2): an NS for another address to us.
        other = IPv6(src=PEER6, dst=ADDR6, hlim=255) / ICMPv6ND_NS(tgt='2001:2::77') / \
            ICMPv6NDOptSrcLLAddr(lladdr=kmac)
        silent(eth / other, 'NS for 2001:2::77')
        # An IPv4-mapped source (RFC 4291 2.5.5.2): the IPv4 neighbour it names stays.
        mapped = IPv6(src=f'::ffff:{ttlib.PEER}', dst=ADDR6, hlim=255) / \
            ICMPv6ND_NS(tgt=ADDR6) / ICMPv6NDOptSrcLLAddr(lladdr='02:00:00:00:06:66')
        silent(eth / mapped, 'NS from an IPv4-mapped source')
        unspec_na = IPv6(src='::', dst='ff02::1', hlim=255) / ICMPv6ND_NA(tgt=PEER6, S=0) / \
            ICMPv6NDOptDstLLAddr(lladdr='02:00:00:00:06:66')
        silent(Ether(src=kmac, dst='33:33:00:00:00:01') / unspec_na, 'NA from ::')
        from scapy.layers.inet import IP as IP4
        silent(Ether(src=kmac, dst=mac, type=0x86dd) / IP4(src=ttlib.PEER, dst=ttlib.ADDR),
               'IPv4 under IPv6\'s EtherType')
        after = tt.stats()
        d = delta(base, after, ['Icmp6InErrors', 'Icmp6InCsumErrors', 'Ip6ReasmReqds',
                                'Ip6InUnknownProtos', 'Ip6InAddrErrors', 'NdInOther',
                                'Ip6InHdrErrors'])
        expect(d == {'Icmp6InErrors': 3, 'Icmp6InCsumErrors': 1, 'Ip6ReasmReqds': 1,
                     'Ip6InUnknownProtos': 1, 'Ip6InAddrErrors': 2, 'NdInOther': 1,
                     'Ip6InHdrErrors': 1},
               f'counters: {d}')
        r = ns.run(['ping', '-c', '1', '-W', '1', ttlib.ADDR], capture_output=True, text=True)
        expect(' 0% packet loss' in r.stdout, f'IPv4 ping after the mapped NS:\n{r.stdout}')
        log(f'ok: dropped without an answer, each counted: {d}')

        l2.drain()
        hbh = IPv6(src=PEER6, dst=ADDR6) / IPv6ExtHdrHopByHop() / \
            ICMPv6EchoRequest(id=9, seq=4, data=b'tcpterm-ipv6')
        l2.send(eth / hbh)
        rep = [Ether(f) for f in l2.recv_from(mac, 1.0)]
        rep = [p for p in rep if p.haslayer(ICMPv6EchoReply)]
        expect(rep and rep[0][IPv6].nh == 58 and rep[0][ICMPv6EchoReply].id == 9 and
               rep[0][ICMPv6EchoReply].seq == 4 and
               bytes(rep[0][ICMPv6EchoReply].data) == b'tcpterm-ipv6' and
               rep[0][IPv6].src == ADDR6 and rep[0][IPv6].dst == PEER6,
               f'echo behind a hop-by-hop header: {[p.summary() for p in rep]}')
        chk = IPv6(bytes(rep[0][IPv6]))
        want = chk[ICMPv6EchoReply].cksum
        del chk[ICMPv6EchoReply].cksum
        expect(IPv6(bytes(chk))[ICMPv6EchoReply].cksum == want, 'echo reply checksum wrong')
        log('ok: an echo behind a hop-by-hop header answered without it, same id, seq, data, '
            'checksum right')

        newmac = '02:00:00:00:06:01'
        l2.drain()
        ns_new = Ether(src=newmac, dst='33:33:ff:00:00:02') / \
            IPv6(src='2001:2::42', dst='ff02::1:ff00:2', hlim=255) / \
            ICMPv6ND_NS(tgt=ADDR6) / ICMPv6NDOptSrcLLAddr(lladdr=newmac)
        l2.send(ns_new)
        na = [Ether(f) for f in l2.recv_from(mac, 1.0)]
        na = [p for p in na if p.haslayer(ICMPv6ND_NA)]
        expect(na and na[0].dst == newmac and na[0][IPv6].dst == '2001:2::42' and
               na[0][ICMPv6ND_NA].S == 1 and na[0][ICMPv6ND_NA].O == 1 and
               na[0][ICMPv6ND_NA].R == 0 and na[0][ICMPv6ND_NA].tgt == ADDR6 and
               na[0][ICMPv6NDOptDstLLAddr].lladdr == mac,
               f'NS from a new neighbour: {[p.summary() for p in na]}')
        log('ok: an NS from a new neighbour (SLLA) answered unicast to its SLLA: S=1 O=1 R=0, '
            'target and MAC right')

        # MLDv2 (RFC 3810): reported twice at start; a router's query answered.
        from scapy.layers.inet6 import ICMPv6MLQuery2, ICMPv6MLReport2, RouterAlert
        sent = tt.stats()['Icmp6OutMLDv2Reports']
        l2.drain()
        q = Ether(src=kmac, dst='33:33:00:00:00:01') / \
            IPv6(src='fe80::99', dst='ff02::1', hlim=1) / \
            IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) / ICMPv6MLQuery2()
        l2.send(q)
        reps = [Ether(f) for f in l2.recv_from(mac, 1.0)]
        reps = [p for p in reps if p.haslayer(ICMPv6MLReport2)]
        groups = []
        if reps:
            # scapy chains the records as payloads of one another: read the bytes (RFC 3810
            # 5.2: 8 bytes, then 20 for each record without sources, the group at 4).
            import ipaddress
            raw = bytes(reps[0][ICMPv6MLReport2])
            groups = sorted(str(ipaddress.IPv6Address(raw[8 + 20 * i + 4:8 + 20 * i + 20]))
                            for i in range(int.from_bytes(raw[6:8], 'big')))
        want = sorted(solicited(a) for a in (ADDR6, ll))
        expect(sent >= 2 and reps and reps[0][IPv6].dst == 'ff02::16' and
               reps[0][IPv6].hlim == 1 and reps[0][IPv6].src == ll and
               reps[0].haslayer(RouterAlert) and groups == want,
               f'MLD: {sent} reports at start; answer to a query: '
               f'{[p.summary() for p in reps]}, groups {groups}, want {want}')
        log(f'ok: MLDv2: {sent} unsolicited reports; a query answered from {ll} to ff02::16, '
            f'hop limit 1, Router Alert, groups {groups}')
    finally:
        l2.close()

    # 5. Counters against what was sent.
    after = tt.stats()
    d = delta(before, after, ['Icmp6InEchos', 'Icmp6OutEchoReplies',
                              'Icmp6InNeighborSolicits', 'Icmp6OutNeighborAdvertisements',
                              'Ip6InReceives', 'Ip6OutRequests', 'Icmp6InMsgs',
                              'Icmp6OutMsgs'])
    # 3 + 3 pings, 2 to ff02::1, 1 behind a hop-by-hop header; the rest died below ICMPv6.
    expect(d['Icmp6InEchos'] == 9 and d['Icmp6OutEchoReplies'] == 9 and
           d['Icmp6InNeighborSolicits'] >= 3 and d['Icmp6OutNeighborAdvertisements'] >= 3 and
           d['Ip6OutRequests'] >= d['Icmp6OutMsgs'] and d['Icmp6OutMsgs'] ==
           d['Icmp6OutEchoReplies'] + d['Icmp6OutNeighborAdvertisements'] +
           (after['Icmp6OutNeighborSolicits'] - before['Icmp6OutNeighborSolicits']) +
           (after['Icmp6OutMLDv2Reports'] - before['Icmp6OutMLDv2Reports']),
           f'counters: {d}')
    log(f'ok: counters {d}')
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


def veth_part():
    from scapy.layers.inet6 import ICMPv6ND_NS, IPv6
    from scapy.layers.l2 import Ether

    ns = ttlib.Netns('ip6v')
    ns.run(['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], check=True)
    ns.run(['sysctl', '-qw', 'net.ipv6.conf.v1.disable_ipv6=0'], check=True)
    for v in ('v0', 'v1'):
        ns.run(['ip', 'link', 'set', v, 'up'], check=True)
    ns.run(['ip', '-6', 'addr', 'add', f'{DUP6}/64', 'dev', 'v1', 'nodad'], check=True)
    ns.run(['ip', '-6', 'addr', 'add', f'{PEER6}/64', 'dev', 'v1', 'nodad'], check=True)
    v1mac = ns.out(['cat', '/sys/class/net/v1/address']).strip()

    # 6. The kernel holds 2001:2::99 already: tcpterm's DAD finds it.
    tt = ttlib.Tcpterm(ns, 'ip6v', ['--kernel-addr', 'none', '--addr', f'{ADDR6}/64',
                                    '--addr', f'{DUP6}/64'], vdev=False)
    tt.eal.append('--vdev=net_af_packet0,iface=v0')
    tt.start(wait=False).wait_telemetry()
    a = wait_states(tt.prefix, {f'{ADDR6}/64': 'preferred', f'{DUP6}/64': 'duplicate'})
    expect(a.get(f'{ADDR6}/64', {}).get('state') == 'preferred' and
           a.get(f'{DUP6}/64', {}).get('state') == 'duplicate',
           f'/tcpterm/addrs: {a}\n{tt.output()[-1500:]}')
    s = tt.stats()
    out = wait_output(tt, f'ipv6 duplicate address {DUP6} used by {v1mac}')
    expect(s['NdDadDuplicates'] == 1 and
           f'ipv6 duplicate address {DUP6} used by {v1mac}' in out.lower(),
           f'NdDadDuplicates {s["NdDadDuplicates"]}, log:\n{out[-1500:]}')
    view = ctl_addrs(ns, tt.prefix)
    expect(f'inet6 {DUP6}/64 scope global dadfailed' in view, f'tcpterm-ctl addrs:\n{view}')
    got, text = ping6(ns, ADDR6)
    expect(got == 3, f'ping -6 {ADDR6} over the veth: {got} of 3\n{text}')
    before = tt.stats()['Icmp6InEchos']
    ns.run(['ping', '-6', '-c', '2', '-W', '1', '-I', 'v1', DUP6], capture_output=True)
    expect(tt.stats()['Icmp6InEchos'] == before, f'tcpterm saw echoes to {DUP6}, the kernel\'s')
    log(f'ok: DAD found {DUP6} in use by the kernel ({v1mac}): duplicate, logged, counted; '
        f'{ADDR6} preferred, ping 3/3')
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')

    # 7. Another node's DAD at the same time (RFC 4862 5.4.3).
    ns.run(['ip', '-6', 'addr', 'del', f'{DUP6}/64', 'dev', 'v1'], check=True)
    ns.enter()
    l2 = ttlib.L2('v1')
    ns.leave()
    try:
        tt = ttlib.Tcpterm(ns, 'ip6w', ['--kernel-addr', 'none', '--addr', f'{ADDR6}/64',
                                        '--addr', f'{DUP6}/64', '--dad-transmits', '3'],
                           vdev=False)
        tt.eal.append('--vdev=net_af_packet0,iface=v0')
        l2.drain()
        tt.start(wait=False)
        seen = None
        end = time.monotonic() + 10
        while seen is None and time.monotonic() < end:
            for f in l2.recv_from(None, 0.2):
                p = Ether(f)
                if p.haslayer(ICMPv6ND_NS) and p[ICMPv6ND_NS].tgt == DUP6 and \
                   p[IPv6].src == '::':
                    seen = p
        expect(seen is not None, 'no DAD solicitation from tcpterm for ' + DUP6)
        l2.send(Ether(src='02:00:00:00:06:02', dst=seen.dst) /
                IPv6(src='::', dst=seen[IPv6].dst, hlim=255) / ICMPv6ND_NS(tgt=DUP6))
        tt.wait_telemetry()
        a = wait_states(tt.prefix, {f'{ADDR6}/64': 'preferred', f'{DUP6}/64': 'duplicate'},
                        timeout=6)
        expect(a.get(f'{DUP6}/64', {}).get('state') == 'duplicate' and
               a.get(f'{ADDR6}/64', {}).get('state') == 'preferred' and
               tt.stats()['NdDadDuplicates'] == 1,
               f'/tcpterm/addrs after a simultaneous DAD: {a}\n{tt.output()[-1500:]}')
        log(f'ok: another node checking {DUP6} during tcpterm\'s DAD (dad_transmits 3): '
            'duplicate on both sides; 2001:2::2 preferred after 3 s')
        expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    finally:
        l2.close()
    ns.delete()


def test():
    tap_part()
    veth_part()
    return 0


if __name__ == '__main__':
    ttlib.run(test)
