#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""bonding (issue 10 item 2): DPDK's own net_bonding under tcpterm. Two veth pairs (a0/a1,
b0/b1) between two namespaces; tcpterm bonds AF_PACKET ports on a0 and b0, tcpterm-gen bonds
a1 and b1 the same way and opens connections through its bond to tcpterm's. Each program has
a namespace of its own because DPDK 22.11's af_packet PMD names its PACKET_FANOUT group
(pid ^ ifindex) & 0xffff: two processes in one namespace can draw the same group for
different interfaces, and the kernel then refuses the second with EINVAL (seen in CI).

1. tcpterm sets up the bond alone: its members are not ports of their own (the log says
   so for each), the bond is port 2.
2. tcpterm-gen's cps run at 500/s for 3 s completes every connection, no error, and gen
   did not have to start before its links were ready.
3. Active-backup (mode 1): every frame went over the primary member (a0), none over b0
   (DPDK's /ethdev/stats of each member).
4. 802.3ad (mode 4, layer 3+4 hashing): the two bonds are each other's LACP partners (IEEE
   802.1AX): LACPDUs (slow protocols, EtherType 0x8809, subtype 1) cross both links both
   ways; tcpterm says "0 of 2 members distributing", then "2 of 2"; tcpterm-gen waits for
   its own bond to distribute before its first ARP request; both members carry a share.
5. 802.3ad facing active-backup, a partner without LACP: DPDK never lets a member
   distribute, tcpterm stays at "0 of 2" and tcpterm-gen finds the target unreachable.
"""
import json
import os
import re
import subprocess

import ttlib
from ttlib import expect, log

GEN = os.environ.get('TCPTERM_GEN') or os.path.join(ttlib.SOURCE_ROOT, 'build', 'app',
                                                     'tcpterm-gen')


def bond_vdevs(ifs, mode):
    extra = ',xmit_policy=l34' if mode == 4 else ''
    return [f'--vdev=net_af_packet{i},iface={name}' for i, name in enumerate(ifs)] + \
        [f'--vdev=net_bonding0,mode={mode},slave=net_af_packet0,slave=net_af_packet1{extra}']


def member_stats(prefix, port):
    s = ttlib.telemetry(prefix, f'/ethdev/stats,{port}')
    expect(isinstance(s, dict), f'/ethdev/stats,{port}: {s!r}')
    return s['ipackets'], s['opackets']


def run(mode, partner=None):
    """tcpterm bonds in mode, tcpterm-gen in partner (the same by default)."""
    partner = mode if partner is None else partner
    from scapy.layers.l2 import Ether
    from scapy.sendrecv import AsyncSniffer
    ns = ttlib.Netns(f'bond{mode}')
    gns = ttlib.Netns(f'bondg{mode}')
    for x in ('a', 'b'):
        ns.run(['ip', 'link', 'add', f'{x}0', 'type', 'veth', 'peer', 'name', f'{x}1',
                'netns', gns.name], check=True)
        ns.run(['ip', 'link', 'set', f'{x}0', 'up'], check=True)
        gns.run(['ip', 'link', 'set', f'{x}1', 'up'], check=True)
    # AF_PACKET sends past the qdisc, where a sniffer on the sending side never sees the
    # frame: each side's LACPDUs are watched where they arrive (a0/b0 for tcpterm-gen's,
    # a1/b1 for tcpterm's).
    sniffers = []
    for space, ifs in ((ns, ('a0', 'b0')), (gns, ('a1', 'b1'))):
        with space:
            for x in ifs:
                sn = AsyncSniffer(iface=x, store=True, lfilter=lambda p: p.haslayer(Ether)
                                  and p[Ether].type == 0x8809)
                sn.start()
                sniffers.append(sn)
    tt = ttlib.Tcpterm(ns, f'bond{mode}', ['--listen', '80', '--kernel-addr', 'none'],
                       addr='198.18.11.1/24', vdev=False)
    tt.eal += bond_vdevs(['a0', 'b0'], mode)
    tt.start(wait=False).wait_telemetry()
    out = tt.output()
    members = re.findall(r'port (\d) is a member of a bonding port', out)
    expect(members == ['0', '1'] and re.search(r'port 2 net_bonding0 \(net_bonding', out),
           f'tcpterm set up the members on their own, or no bond:\n{out[-2000:]}')
    log('ok: the bond is tcpterm\'s one port (2); its members 0 and 1 are not set up alone')

    prefix = f'ttbondg{mode}{os.getpid()}'
    argv = [GEN, '-l', '0', '--no-pci', '--no-huge', '-m', '256', '--file-prefix', prefix] + \
        bond_vdevs(['a1', 'b1'], partner) + ['--', '--addr', '198.18.11.2/24', '--target',
                                          '198.18.11.1:80', '--rate', '500', '--duration',
                                          '3', '--quiet']
    r = gns.run(argv, capture_output=True, text=True, timeout=60)
    summary = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {}
    conns = summary.get('connections', {})
    lacp = []
    for i, sn in enumerate(sniffers):
        with (ns if i < 2 else gns):
            lacp.append(sn.stop())
    log(f'LACPDUs arriving on a0, b0, a1, b1: {[len(x) for x in lacp]}; sources '
        f'{[sorted({p[Ether].src for p in x}) for x in lacp]}')
    if partner != mode:
        no_lacp(tt, r, lacp)
        ns.delete()
        gns.delete()
        subprocess.run(['rm', '-rf', os.path.join(ttlib.RUN_DIR, prefix)])
        return
    expect(r.returncode == 0 and conns.get('completed', 0) >= 1400 and
           conns.get('completed') == conns.get('attempted') and
           summary.get('errors_total') == 0 and 'starting after' not in r.stderr,
           f'tcpterm-gen through the bonds: exit {r.returncode}, connections {conns}, errors '
           f'{summary.get("errors")}:\n{r.stderr[-1500:]}')
    log(f'ok: mode {mode}: tcpterm-gen bond to tcpterm bond: {conns["completed"]} of '
        f'{conns["attempted"]} connections completed, no error')

    a_in, a_out = member_stats(tt.prefix, 0)
    b_in, b_out = member_stats(tt.prefix, 1)
    if mode == 1:
        expect(a_in >= 3 * conns['completed'] and a_out >= 3 * conns['completed'] and
               b_out == 0, f'active-backup: member a0 in/out {a_in}/{a_out}, b0 '
               f'{b_in}/{b_out}; want every frame on a0 (the primary), none sent on b0')
        log(f'ok: active-backup: a0 carried {a_in} in / {a_out} out, b0 {b_in} / {b_out}')
    else:
        # Slow protocols (IEEE 802.3 Annex 57A) go to 01:80:c2:00:00:02, LACP's subtype 1.
        theirs, ours = [len(x) for x in lacp[:2]], [len(x) for x in lacp[2:]]
        expect(all(n >= 1 for n in ours + theirs) and
               all(p[Ether].dst == '01:80:c2:00:00:02' and bytes(p[Ether].payload)[0] == 1
                   for x in lacp for p in x),
               f'802.3ad: LACPDUs from tcpterm on a0, b0 {ours}, from tcpterm-gen {theirs}: '
               'want LACP both ways on both links')
        log(f'ok: 802.3ad: LACPDUs from tcpterm arriving on a1, b1 {ours}, from tcpterm-gen '
            f'arriving on a0, b0 {theirs}')
        total = conns['completed']
        expect(a_out + b_out >= 3 * total and min(a_out, b_out) >= total // 10,
               f'802.3ad, layer 3+4: members a0 out {a_out}, b0 out {b_out} for {total} '
               'connections; want both carrying a share')
        log(f'ok: 802.3ad: a0 carried {a_in} in / {a_out} out, b0 {b_in} / {b_out}')
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    if mode == 4:
        out = tt.output()
        expect(re.search(r'tcpterm: port 2 net_bonding0: 802.3ad: 0 of 2 members distributing'
                         r'.*tcpterm: port 2 net_bonding0: 802.3ad: 2 of 2 members '
                         r'distributing', out, re.S),
               f'tcpterm never said both members came to distribute:\n{out[-1500:]}')
        log('ok: tcpterm said "port 2 net_bonding0: 802.3ad: 0 of 2 members distributing", '
            'then "2 of 2"')
    ns.delete()
    gns.delete()
    subprocess.run(['rm', '-rf', os.path.join(ttlib.RUN_DIR, prefix)])


def no_lacp(tt, r, lacp):
    """tcpterm's 802.3ad bond facing an active-backup one, which speaks no LACP: DPDK's
    net_bonding then never lets a member distribute (Linux's bonding would carry data on an
    "individual" link), so nothing but LACPDUs crosses. tcpterm says so, and tcpterm-gen,
    whose own bond is up, finds the target unreachable."""
    expect(r.returncode == 1 and 'unreachable' in r.stderr,
           f'tcpterm-gen against an 802.3ad bond without LACP: exit {r.returncode}, want 1 '
           f'with "unreachable":\n{r.stderr[-800:]}')
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    out = tt.output()
    said = re.findall(r'802\.3ad: (\d+) of \d+ members distributing', out)
    expect(all(len(x) >= 1 for x in lacp[2:]) and not any(lacp[:2]) and said and
           all(n == '0' for n in said),
           f'802.3ad without a partner: LACPDUs {[len(x) for x in lacp]} (want tcpterm\'s '
           f'only), and tcpterm should stay at "0 of 2 members distributing":\n{out[-1200:]}')
    log('ok: 802.3ad facing a bond without LACP: tcpterm sends LACPDUs, stays at "0 of 2 '
        'members distributing", and tcpterm-gen finds it unreachable')


def test():
    run(1)
    run(4)
    run(4, partner=1)
    return 0


if __name__ == '__main__':
    ttlib.run(test)
