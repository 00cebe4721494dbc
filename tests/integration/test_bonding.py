#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""bonding (issue 10 item 2, a first part): DPDK's own net_bonding under tcpterm. Two veth
pairs (a0/a1, b0/b1) between two namespaces; tcpterm bonds AF_PACKET ports on a0 and b0 in
active-backup (mode 1), tcpterm-gen bonds a1 and b1 the same way and opens connections
through its bond to tcpterm's. Each program has a namespace of its own because DPDK 22.11's
af_packet PMD names its PACKET_FANOUT group (pid ^ ifindex) & 0xffff: two processes in one
namespace can draw the same group for different interfaces, and the kernel then refuses the
second with EINVAL (seen in CI).

1. tcpterm sets up the bond alone: its members are not ports of their own (the log says
   so for each), the bond is port 2.
2. tcpterm-gen's cps run at 500/s for 3 s completes every connection, no error.
3. Active-backup: every frame went over the primary member (a0), none over b0 (DPDK's
   /ethdev/stats of each member).
"""
import json
import os
import re
import subprocess

import ttlib
from ttlib import expect, log

GEN = os.environ.get('TCPTERM_GEN') or os.path.join(ttlib.SOURCE_ROOT, 'build', 'app',
                                                     'tcpterm-gen')


def bond_vdevs(ifs):
    return [f'--vdev=net_af_packet{i},iface={name}' for i, name in enumerate(ifs)] + \
        ['--vdev=net_bonding0,mode=1,slave=net_af_packet0,slave=net_af_packet1']


def member_stats(prefix, port):
    s = ttlib.telemetry(prefix, f'/ethdev/stats,{port}')
    expect(isinstance(s, dict), f'/ethdev/stats,{port}: {s!r}')
    return s['ipackets'], s['opackets']


def test():
    ns = ttlib.Netns('bond')
    gns = ttlib.Netns('bondg')
    for x in ('a', 'b'):
        ns.run(['ip', 'link', 'add', f'{x}0', 'type', 'veth', 'peer', 'name', f'{x}1',
                'netns', gns.name], check=True)
        ns.run(['ip', 'link', 'set', f'{x}0', 'up'], check=True)
        gns.run(['ip', 'link', 'set', f'{x}1', 'up'], check=True)
    tt = ttlib.Tcpterm(ns, 'bond', ['--listen', '80', '--kernel-addr', 'none'],
                       addr='198.18.11.1/24', vdev=False)
    tt.eal += bond_vdevs(['a0', 'b0'])
    tt.start(wait=False).wait_telemetry()
    out = tt.output()
    members = re.findall(r'port (\d) is a member of a bonding port', out)
    expect(members == ['0', '1'] and re.search(r'port 2 net_bonding0 \(net_bonding', out),
           f'tcpterm set up the members on their own, or no bond:\n{out[-2000:]}')
    log('ok: the bond is tcpterm\'s one port (2); its members 0 and 1 are not set up alone')

    prefix = f'ttbondg{os.getpid()}'
    argv = [GEN, '-l', '0', '--no-pci', '--no-huge', '-m', '256', '--file-prefix', prefix] + \
        bond_vdevs(['a1', 'b1']) + ['--', '--addr', '198.18.11.2/24', '--target',
                                    '198.18.11.1:80', '--rate', '500', '--duration', '3',
                                    '--quiet']
    r = gns.run(argv, capture_output=True, text=True, timeout=60)
    summary = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {}
    conns = summary.get('connections', {})
    expect(r.returncode == 0 and conns.get('completed', 0) >= 1400 and
           conns.get('completed') == conns.get('attempted') and
           summary.get('errors_total') == 0,
           f'tcpterm-gen through the bonds: exit {r.returncode}, connections {conns}, errors '
           f'{summary.get("errors")}:\n{r.stderr[-1500:]}')
    log(f'ok: tcpterm-gen bond to tcpterm bond: {conns["completed"]} of {conns["attempted"]} '
        'connections completed, no error')

    a_in, a_out = member_stats(tt.prefix, 0)
    b_in, b_out = member_stats(tt.prefix, 1)
    expect(a_in >= 3 * conns['completed'] and a_out >= 3 * conns['completed'] and
           b_out == 0, f'active-backup: member a0 in/out {a_in}/{a_out}, b0 {b_in}/{b_out}; '
           'want every frame on a0 (the primary), none sent on b0')
    log(f'ok: active-backup: a0 carried {a_in} in / {a_out} out, b0 {b_in} / {b_out}')
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()
    gns.delete()
    subprocess.run(['rm', '-rf', os.path.join(ttlib.RUN_DIR, prefix)])
    return 0


if __name__ == '__main__':
    ttlib.run(test)
