#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ports (issue 10 item 2): several ports at once, each with addresses of its own
(--addr PREFIX,port=P), with the Linux kernel (curl, ping, a Python HTTP server) and scapy
as peers.

tcpterm on two TAPs: port 0 holds 198.18.3.2/24, port 1 holds 198.18.7.2/24; the kernel's
sides are 198.18.3.1 and 198.18.7.1, which tcpterm gives them (kernel_addr auto, 4.). tcpterm runs the proxy on 8080 with the backend
198.18.7.1:8000 (python3 -m http.server on the kernel's side of port 1).

 1. curl to 198.18.3.2:8080 (port 0) gets the backend's page: tcpterm's connect to the
    backend went from 198.18.7.2 out of port 1, where the address lives (scapy on both TAPs:
    the SYN to 8000, and ARP from 198.18.7.2, on port 1's only); ping to both addresses
    answered;
 2. strong host model: crafted by scapy on port 0, an echo and an ARP request for port 1's
    address go unanswered (IpInAddrErrors +1, ArpInOther +1);
 3. tcpterm-ctl addrs shows each address's port; --addr X,port=2 with one port is refused
    at start with one line and exit 2;
 4. kernel_addr auto addresses each TAP's kernel side from the --addr bound to its port
    (198.18.3.1/24 on the first, 198.18.7.1/24 on the second, neither on the other).
"""
import os
import subprocess
import time

import ttclient
import ttlib
from ttlib import expect, log

A0, K0 = '198.18.3.2', '198.18.3.1'
A1, K1 = '198.18.7.2', '198.18.7.1'
BACKEND_PORT = 8000


def ping(ns, dst):
    r = ns.run(['ping', '-c', '2', '-i', '0.2', '-W', '1', dst], capture_output=True, text=True)
    return ' 0% packet loss' in r.stdout


def test():
    from scapy.config import conf
    from scapy.layers.inet import ICMP, IP, TCP
    from scapy.layers.l2 import ARP, Ether
    from scapy.sendrecv import AsyncSniffer, sendp
    conf.verb = 0

    chk = ttclient.Checks()
    pid = os.getpid()
    taps = (f'ttpa{pid}', f'ttpb{pid}')
    ns = ttlib.Netns('ports')
    tt = ttlib.Tcpterm(ns, 'ports', ['--addr', f'{A1}/24,port=1',
                                     '--listen', str(ttlib.LISTEN_PORT), '--app', 'proxy',
                                     '--backend', f'{K1}:{BACKEND_PORT}'],
                       addr=f'{A0}/24,port=0', vdev=False)
    tt.eal += [f'--vdev=net_tap0,iface={taps[0]}', f'--vdev=net_tap1,iface={taps[1]}']
    tt.start(wait=False).wait_telemetry()
    # kernel_addr auto: each TAP's kernel side from the address bound to its port.
    end = time.monotonic() + 10
    while True:
        have = [ns.out(['ip', '-4', '-o', 'addr', 'show', 'dev', tap]) for tap in taps]
        if (f'inet {K0}/24' in have[0] and f'inet {K1}/24' in have[1]) or \
                time.monotonic() > end:
            break
        time.sleep(0.1)
    chk.check(f'inet {K0}/24' in have[0] and f'inet {K1}/24' in have[1] and
              K1 not in have[0] and K0 not in have[1],
              f'4. kernel_addr auto: {taps[0]} got {K0}/24 and {taps[1]} {K1}/24, each its '
              f'port\'s subnet only: {have}')
    chk.check(f'clients reach it from {taps[0]} (the kernel side of its link, {K0}/24)'
              in tt.output(), f'4. the banner names the first kernel side and what it got:\n'
              f'{tt.output()[-600:]}')
    backend = ttlib.background(ns, ['/usr/bin/python3', '-m', 'http.server', '--bind', K1,
                                    str(BACKEND_PORT)], cwd=ttlib.HERE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)

    addrs = {x['addr']: x for x in (ttlib.telemetry(tt.prefix, '/tcpterm/addrs') or {}).values()}
    chk.check(addrs.get(f'{A0}/24', {}).get('port') == 0 and
              addrs.get(f'{A1}/24', {}).get('port') == 1,
              f'3. /tcpterm/addrs: {A0} on port 0, {A1} on port 1 ({addrs})')
    ctl = ttlib.TCPTERM_CTL or os.path.join(ttlib.SOURCE_ROOT, 'build', 'app', 'tcpterm-ctl')
    r = ns.run([ctl, '--file-prefix', tt.prefix, 'addrs'], capture_output=True, text=True)
    chk.check(f'inet  {A1}/24 scope global port 1' in r.stdout,
              f'3. tcpterm-ctl addrs:\n{r.stdout}{r.stderr}')

    # 1. The proxy: in on port 0, out to the backend on port 1.
    macs = {}
    sniffers = []
    for tap in taps:
        macs[tap] = ns.out(['cat', f'/sys/class/net/{tap}/address']).strip()
    with ns:
        for tap in taps:
            sn = AsyncSniffer(iface=tap, store=True,
                              lfilter=lambda p: p.haslayer(TCP) or p.haslayer(ARP))
            sn.start()
            sniffers.append(sn)
    time.sleep(0.3)
    r = ns.run(['curl', '-sS', '-m', '5', '-o', '/dev/null', '-w', '%{http_code} %{size_download}',
                f'http://{A0}:{ttlib.LISTEN_PORT}/'], capture_output=True, text=True)
    time.sleep(0.3)
    with ns:
        got = [sn.stop() for sn in sniffers]
    code = r.stdout.split()[0] if r.stdout else ''
    chk.check(r.returncode == 0 and code == '200',
              f'1. curl http://{A0}:{ttlib.LISTEN_PORT}/ through the proxy: {r.stdout} {r.stderr}')
    syns = [[p for p in g if p.haslayer(TCP) and p[TCP].dport == BACKEND_PORT and
             int(p[TCP].flags) & 0x02 and p[IP].src == A1] for g in got]
    arps = [[p for p in g if p.haslayer(ARP) and p[ARP].psrc == A1] for g in got]
    chk.check(arps[1] and not arps[0],
              f'1. ARP from {A1} on port 1 only (port 0 {len(arps[0])}, port 1 {len(arps[1])})')
    log(f'1. SYNs to the backend seen: port 0 {len(syns[0])}, port 1 {len(syns[1])}')
    chk.check(len(syns[1]) >= 1 and not syns[0],
              f'1. the connect to {K1}:{BACKEND_PORT} left from {A1} on port 1 only')
    chk.check(ping(ns, A0) and ping(ns, A1), f'1. ping {A0} and {A1} answered')

    # 2. Port 1's address asked on port 0.
    s0 = tt.stats()
    tt_mac0 = tt.mac()
    with ns:
        sn = AsyncSniffer(iface=taps[0], store=True,
                          lfilter=lambda p: p.haslayer(Ether) and p[Ether].src != macs[taps[0]])
        sn.start()
        time.sleep(0.3)
        sendp(Ether(src=macs[taps[0]], dst=tt_mac0) / IP(src=K0, dst=A1) / ICMP(id=0x7801),
              iface=taps[0])
        sendp(Ether(src=macs[taps[0]], dst='ff:ff:ff:ff:ff:ff') /
              ARP(op=1, hwsrc=macs[taps[0]], psrc=K0, pdst=A1), iface=taps[0])
        time.sleep(0.5)
        seen = sn.stop()
    s1 = tt.stats()
    d = {k: s1[k] - s0[k] for k in ('IpInAddrErrors', 'ArpInOther')}
    answers = [p for p in seen if (p.haslayer(ICMP) and p[ICMP].id == 0x7801) or
               (p.haslayer(ARP) and p[ARP].op == 2 and p[ARP].psrc == A1)]
    chk.check(d == {'IpInAddrErrors': 1, 'ArpInOther': 1} and not answers,
              f'2. {A1} asked on port 0: unanswered, counted {d} ({len(answers)} answers)')

    backend.terminate()
    backend.wait(5)
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')

    # 3. A port there is not.
    r = subprocess.run(ns.argv([ttlib.TCPTERM, '--no-huge', '--no-pci', '-m', '256',
                                '--file-prefix', f'ttportsbad{pid}',
                                f'--vdev=net_tap0,iface=ttpc{pid}', '--',
                                '--quiet', '--kernel-addr', 'none', '--addr', f'{A0}/24,port=2']),
                       capture_output=True, text=True, timeout=60)
    # The ports' start-up lines come first; the error is the one line at the end.
    err = r.stderr.strip().splitlines()[-1:]
    chk.check(r.returncode == 2 and err and 'there is no port 2 (tcpterm has 1 port' in err[0],
              f'3. --addr {A0}/24,port=2 with one port: exit {r.returncode}, {err}')
    ns.delete()
    chk.done()
    return 0


if __name__ == '__main__':
    ttlib.run(test)
