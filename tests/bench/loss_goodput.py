#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Goodput under loss (a benchmark, never part of the test suites; issue 7, SPEC D2-D4):
tcpterm's echo app next to the Linux kernel's, on the same lossy path, in the same run.

    tests/bench/loss_goodput.py [--mib 16] [--loss 0,0.1,1,5] [--runs 1] [--tcpterm PATH]

Topology (namespaces this script creates and removes):

    client ns  --veth--  router ns  --TAP--  tcpterm (runs in the router ns, echo on :7)
                                    --veth-- server ns (Linux: a threaded echo on :7)

The router forwards, and drops a random share of every packet it sends on towards client,
tcpterm and the Linux server (both directions, data and ACKs alike), with a tc BPF program
(the kernel here has no netem, and iptables/nft are not installed): bpf_get_prandom_u32()
below a threshold -> TC_ACT_SHOT, compiled with clang -target bpf for each rate. tcpterm's
own impairment layer is not used, so both servers meet exactly the same path.

For each loss rate and server: the client sends MiB of random bytes and reads them back
(both directions loaded, every byte compared), timed; goodput = MiB / time. Every device
on the path sends one segment per packet (gso_max_segs 1), so a drop is a segment's, for
Linux as for tcpterm. One readable line per measurement and a JSON summary. Root, clang and
tc needed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration'))
os.environ.setdefault('TT_SOURCE_ROOT', ROOT)

import ttclient  # noqa: E402
import ttlib  # noqa: E402

CLIENT, ROUTER_C = '198.19.1.2', '198.19.1.1'
SERVER, ROUTER_S = '198.19.2.2', '198.19.2.1'
PORT = 7

BPF_SRC = r'''
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
static __u32 (*bpf_get_prandom_u32)(void) = (void *)BPF_FUNC_get_prandom_u32;
__attribute__((section("classifier"), used))
int dropper(struct __sk_buff *skb)
{
	return bpf_get_prandom_u32() < (__u32)THRESH ? TC_ACT_SHOT : TC_ACT_OK;
}
char _license[] __attribute__((section("license"), used)) = "GPL";
'''


def sh(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)


def bpf_object(tmp, pct):
    src = os.path.join(tmp, 'drop.c')
    obj = os.path.join(tmp, f'drop{pct}.o')
    with open(src, 'w') as f:
        f.write(BPF_SRC)
    thresh = min(int(pct / 100 * 2 ** 32), 2 ** 32 - 1)
    sh(['clang', '-O2', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu',
        f'-DTHRESH={thresh}u', '-c', src, '-o', obj])
    return obj


def set_loss(router, devs, obj):
    for dev in devs:
        router.run(['tc', 'qdisc', 'del', 'dev', dev, 'clsact'], capture_output=True)
        if obj is not None:
            router.run(['tc', 'qdisc', 'add', 'dev', dev, 'clsact'], check=True)
            router.run(['tc', 'filter', 'add', 'dev', dev, 'egress', 'bpf', 'da', 'obj', obj,
                        'sec', 'classifier'], check=True, capture_output=True)


def linux_echo_server(ns):
    """A threaded echo on SERVER:PORT inside ns; returns the process."""
    code = ('import socket,threading\n'
            's=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n'
            f's.bind(("{SERVER}",{PORT}));s.listen(64)\n'
            'def h(c):\n'
            ' b=bytearray(1<<20)\n'
            ' while True:\n'
            '  n=c.recv_into(b)\n'
            '  if not n: break\n'
            '  c.sendall(memoryview(b)[:n])\n'
            ' c.close()\n'
            'while True:\n'
            ' c,_=s.accept();threading.Thread(target=h,args=(c,),daemon=True).start()\n')
    return subprocess.Popen(ns.argv(['/usr/bin/python3', '-c', code]),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def echo(client_ns, addr, n, timeout):
    data = os.urandom(n)
    client_ns.enter()
    try:
        got, dt = ttclient.echo_stream(addr, PORT, data, timeout)
    finally:
        client_ns.leave()
    return got == data, dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--mib', type=int, default=16)
    ap.add_argument('--loss', default='0,0.1,1,5')
    ap.add_argument('--runs', type=int, default=1)
    ap.add_argument('--timeout', type=float, default=180)
    ap.add_argument('--tcpterm', default=os.path.join(ROOT, 'build', 'app', 'tcpterm'))
    a = ap.parse_args()
    os.environ['TCPTERM'] = ttlib.TCPTERM = a.tcpterm
    rates = [float(x) for x in a.loss.split(',')]
    n = a.mib << 20
    results = []

    def run():
        router = ttlib.Netns('gpr')
        client = ttlib.Netns('gpc')
        server = ttlib.Netns('gps')
        pid = os.getpid()
        vc, vs = f'gpc{pid}', f'gps{pid}'
        router.run(['ip', 'link', 'add', vc, 'type', 'veth', 'peer', 'name', 'c0', 'netns',
                    client.name], check=True)
        router.run(['ip', 'link', 'add', vs, 'type', 'veth', 'peer', 'name', 's0', 'netns',
                    server.name], check=True)
        for ns, dev, addr, gw in ((router, vc, ROUTER_C, None), (router, vs, ROUTER_S, None),
                                  (client, 'c0', CLIENT, ROUTER_C),
                                  (server, 's0', SERVER, ROUTER_S)):
            ns.run(['ip', 'addr', 'add', f'{addr}/24', 'dev', dev], check=True)
            ns.run(['ip', 'link', 'set', dev, 'up'], check=True)
            ns.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
            if gw:
                ns.run(['ip', 'route', 'add', 'default', 'via', gw], check=True)
        router.run(['sysctl', '-qw', 'net.ipv4.ip_forward=1'], check=True)
        # One segment per packet on every device, so the dropper drops segments: with GSO
        # the kernel hands 64 KB aggregates to the router, and dropping one of those is not
        # a 1 % loss (Linux's figures came out ten times better that way). No ethtool here:
        # gso_max_segs 1 / gro_max_size does it.
        for ns, dev in ((router, vc), (router, vs), (client, 'c0'), (server, 's0')):
            ns.run(['ip', 'link', 'set', 'dev', dev, 'gso_max_segs', '1'], check=True)
        tt = ttlib.Tcpterm(router, 'gpt', ['--listen', str(PORT), '--app', 'echo',
                                           '--gateway', ttlib.PEER]).start()
        router.run(['ip', 'link', 'set', 'dev', tt.tap, 'gso_max_segs', '1'], check=True)
        lx = linux_echo_server(server)
        time.sleep(0.5)
        with tempfile.TemporaryDirectory() as tmp:
            for pct in rates:
                obj = bpf_object(tmp, pct) if pct > 0 else None
                set_loss(router, [vc, vs, tt.tap], obj)
                for r in range(a.runs):
                    for name, addr in (('tcpterm', ttlib.ADDR), ('linux', SERVER)):
                        s0 = tt.stats()
                        ok, dt = echo(client, addr, n, a.timeout)
                        s1 = tt.stats()
                        rtx = s1['RetransSegs'] - s0['RetransSegs'] if name == 'tcpterm' else None
                        to = s1['TCPTimeouts'] - s0['TCPTimeouts'] if name == 'tcpterm' else None
                        res = {'server': name, 'loss_pct': pct, 'mib': a.mib, 'run': r,
                               'ok': ok, 'seconds': round(dt, 3),
                               'goodput_mib_s': round(a.mib / dt, 2) if ok else 0,
                               'retrans_segs': rtx, 'timeouts': to}
                        results.append(res)
                        print(f'loss {pct:>4}% {name:8} run {r}: {a.mib} MiB echoed in '
                              f'{dt:7.2f} s, {res["goodput_mib_s"]:8.2f} MiB/s, '
                              f'{"intact" if ok else "NOT INTACT"}'
                              + (f', {rtx} retransmissions, {to} timeouts' if rtx is not None
                                 else ''), flush=True)
        lx.kill()
        lx.wait()
        tt.stop()
        return 0

    def report():
        summary = {}
        for pct in rates:
            row = {}
            for name in ('tcpterm', 'linux'):
                ts = [r['seconds'] for r in results
                      if r['server'] == name and r['loss_pct'] == pct and r['ok']]
                row[name] = round(min(ts), 3) if ts else None
            if row['tcpterm'] and row['linux']:
                row['ratio'] = round(row['tcpterm'] / row['linux'], 2)
            summary[str(pct)] = row
        for pct, row in summary.items():
            print(f'summary: loss {pct}%: tcpterm {row["tcpterm"]} s, linux {row["linux"]} s'
                  + (f', tcpterm/linux {row["ratio"]}' if 'ratio' in row else ''))
        print(json.dumps({'bench': 'loss_goodput', 'mib': a.mib, 'results': results,
                          'summary': summary}))

    def body():
        rc = run()
        report()
        return rc

    ttlib.run(body)     # exits: 0, or 1 with the reason


if __name__ == '__main__':
    sys.exit(main())
