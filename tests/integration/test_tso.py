#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""tso (issue 7: "TSO where the port offers it"): runs of full send-queue units leave as one
TSO burst that the port cuts into segments — here net_tap, whose segmentation is DPDK's GSO
in software, so the kernel peer sees ordinary segments.

net_tap's GSO counts the Ethernet header against the MTU, so the TAP takes TSO only when its
MTU can be --mtu + 14: --mtu 1486 here (the default 1500 leaves TSO off, and the port line
says so).

  1. --mtu 1486 --tso 1: a 64 MiB body from --app http, byte-exact; TsoBursts > 0, OutSegs
     well above TsoBursts, the TAP's TX errors 0;
  2. the same with 1 % loss each way (the impairment layer): losses inside bursts are
     retransmitted unit by unit, the body byte-exact;
  3. --mtu 600 (MSS 548): a 64 KB burst would be 119 segments; they stop at 64 (net_tap's
     GSO refuses more), 16 MiB byte-exact, no TX error;
  4. --mtu 1486 --tso 0: no burst; the default --mtu 1500: the port line says "tso off".
"""
import time

import ttclient
import ttlib
from ttclient import Checks
from ttlib import log

PORT = 80
MIB = 1 << 20
GET = b'GET /big HTTP/1.1\r\nHost: tcpterm\r\n\r\n'


def fetch(ns, tt, body, what, chk):
    with ns:
        status, _, got, bad, dt = ttclient.fetch_streamed(PORT, GET, body, 120)
    st = tt.stats()
    eth = ttlib.telemetry(tt.prefix, '/ethdev/stats,0') or {}
    log(f'{what}: {got} of {body} bytes in {dt:.2f} s; OutSegs {st["OutSegs"]}, TsoBursts '
        f'{st["TsoBursts"]}, RetransSegs {st["RetransSegs"]}, TAP oerrors {eth.get("oerrors")}')
    chk.check(status == 'HTTP/1.1 200 OK' and got == body and bad is None,
              f'{what}: {body >> 20} MiB byte-exact', f'{status!r}, {got} bytes, bad at {bad}')
    return st, eth


def test():
    chk = Checks()
    ns = ttlib.Netns('tso')
    body = 64 * MIB
    base = ['--listen', str(PORT), '--app', 'http', '--http-body', str(body), '--mtu', '1486']

    tt = ttlib.Tcpterm(ns, 'tso1', base + ['--tso', '1']).start()
    chk.check('tso on' in tt.output(), 'port line: tso on with --mtu 1486')
    st, eth = fetch(ns, tt, body, 'tso', chk)
    chk.check(st['TsoBursts'] > 0 and st['OutSegs'] > 4 * st['TsoBursts'],
              f'bursts sent: TsoBursts {st["TsoBursts"]}, OutSegs {st["OutSegs"]}')
    chk.check(eth.get('oerrors') == 0, f'the TAP cut every burst (oerrors {eth.get("oerrors")})')
    chk.check(tt.stop() == 0, 'tso: tcpterm exits 0')

    tt = ttlib.Tcpterm(ns, 'tso2', base + ['--tso', '1', '--impair-rx', 'loss=1%',
                                           '--impair-tx', 'loss=1%', '--impair-seed', '5'
                                           ]).start()
    st, eth = fetch(ns, tt, body, 'tso, loss=1%', chk)
    chk.check(st['TsoBursts'] > 0 and st['RetransSegs'] > 0 and st['ImpairTxLoss'] > 0,
              f'tso, loss=1%: bursts ({st["TsoBursts"]}) and repairs ({st["RetransSegs"]})')
    chk.check(tt.stop() == 0, 'tso, loss: tcpterm exits 0')

    # A small MSS (--mtu 600: 548 bytes): 64 KB would be 119 segments, past the 64 net_tap's
    # GSO makes (it drops such a burst whole): bursts stop at 64 segments.
    small = 16 * MIB
    tt = ttlib.Tcpterm(ns, 'tso5', ['--listen', str(PORT), '--app', 'http', '--http-body',
                                    str(small), '--mtu', '600', '--tso', '1']).start()
    st, eth = fetch(ns, tt, small, 'tso, mtu 600', chk)
    chk.check(st['TsoBursts'] > 0 and eth.get('oerrors') == 0,
              f'tso, mtu 600: bursts, none refused by the TAP (TsoBursts {st["TsoBursts"]}, '
              f'oerrors {eth.get("oerrors")}; bursts of 119 segments gave oerrors 18 and '
              '1230 retransmissions)')
    chk.check(tt.stop() == 0, 'tso, mtu 600: tcpterm exits 0')

    tt = ttlib.Tcpterm(ns, 'tso3', base + ['--tso', '0']).start()
    st, _ = fetch(ns, tt, body, 'tso 0', chk)
    chk.check(st['TsoBursts'] == 0 and 'tso off' in tt.output(),
              f'--tso 0: no burst ({st["TsoBursts"]}), port line says tso off')
    chk.check(tt.stop() == 0, 'tso 0: tcpterm exits 0')

    tt = ttlib.Tcpterm(ns, 'tso4', ['--listen', str(PORT), '--app', 'http']).start()
    chk.check('tso off' in tt.output(), 'default --mtu 1500 on net_tap: tso off')
    chk.check(tt.stop() == 0, 'default: tcpterm exits 0')
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
