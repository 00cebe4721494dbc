#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""handshake_options (SPEC H4, Tunables timestamps / sack / window_scaling): with one of them
turned off, a SYN offering everything (MSS 1460, SACK-perm, TS, WS 7) from the scapy client
(hslib.py) gets a SYN-ACK without that option and with the others; the connection then runs
without it:
  --timestamps 0      SYN-ACK: MSS, SACK-perm, WS; the echo of data carries no TS option
  --sack 0            SYN-ACK: MSS, TS, WS
  --window-scaling 0  SYN-ACK: MSS, SACK-perm, TS; the echo's window is min(rmem, 65535)
                      unscaled (65535 with the default rmem 131072)
  --mtu 1400          (H4 "MSS from MTU") SYN-ACK MSS 1360, all options present
One tcpterm per setting (--app echo on 8080).
"""
import hslib
import ttlib
from hslib import opts_of
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT
ALL = {'MSS', 'SAckOK', 'Timestamp', 'WScale'}


def one(tag, option, value, absent, mss=1460):
    from scapy.layers.inet import TCP
    ns = ttlib.Netns(tag)
    tt = ttlib.Tcpterm(ns, tag, ['--listen', str(PORT), '--app', 'echo',
                                   f'--{option}', value]).start()
    cl = hslib.Client(ns, tt)
    f = cl.flow(PORT)
    p = f.connect(hslib.FULL_OPTS)
    o = opts_of(p[TCP])
    want = ALL - {absent}
    expect(set(o) == want, f'H4 --{option} {value}: SYN-ACK options {sorted(o)}, '
           f'want {sorted(want)}')
    expect(o['MSS'] == mss, f'H4 --{option} {value}: SYN-ACK MSS {o["MSS"]}, want {mss}')
    log(f'ok: H4 --{option} {value}: SYN-ACK options {sorted(o)}, MSS {o["MSS"]}'
        + (f', no {absent}' if absent else ''))
    f.ack()
    cl.wait_for('established', cl.conns, lambda c: c['ESTABLISHED'] == 1)
    msg = b'x' * 100
    f.data(msg)
    got, segs = f.recv_data(len(msg))
    expect(got == msg, f'--{option} {value}: echo {got!r}')
    t = segs[0][TCP]
    if absent == 'Timestamp':
        expect('Timestamp' not in opts_of(t),
               f'--timestamps 0: the echo carries a TS option: {hslib.describe(segs[0])}')
        log('ok: --timestamps 0: no TS option on the connection\'s segments')
    if absent == 'WScale':
        expect(t.window == 65535, f'--window-scaling 0: echo window {t.window}, want 65535 '
               '(min(rmem 131072, 65535), unscaled)')
        log('ok: --window-scaling 0: window field 65535, unscaled')
    cl.close()
    # One busy-polling tcpterm at a time; ttlib's cleanup still removes what is left.
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


def test():
    one('hso0', 'timestamps', '0', 'Timestamp')
    one('hso1', 'sack', '0', 'SAckOK')
    one('hso2', 'window-scaling', '0', 'WScale')
    one('hso3', 'mtu', '1400', None, mss=1360)


if __name__ == '__main__':
    ttlib.run(test)
