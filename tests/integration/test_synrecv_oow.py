#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""synrecv_oow (RFC 9293 3.10.7.4 "first check sequence number" in SYN-RECEIVED, as Linux's
tcp_check_req does it; SPEC H6/H8's neighbour, "where this file is silent, do what Linux
does"): a segment outside the receive window of a request in SYN_RECV is answered with an
acknowledgment <SEQ=SND.NXT = ISN_S+1><ACK=RCV.NXT = ISN_C+1><CTL=ACK> and dropped; the
request stays. Not the SYN-ACK again: that is the answer to a retransmitted SYN (H6) only.
Cases, from the scapy client of hslib.py, each on a fresh request:
  data at ISN_C+1+10^6 (beyond the 64 KB window), correct ack -> [A] seq ISN_S+1 ack ISN_C+1
  bare ACK at ISN_C (one below the window), correct ack        -> the same
and, the control case, the SYN again -> the SYN-ACK again (H6).
"""
import hslib
import ttlib
from hslib import ACK, MOD, SA
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT


def test():
    from scapy.layers.inet import TCP
    ns = ttlib.Netns('oow')
    tt = ttlib.Tcpterm(ns, 'oow', ['--listen', str(PORT), '--app', 'echo']).start()
    cl = hslib.Client(ns, tt)
    bad = []
    for what, off, data in (('data at ISN_C+1+10^6', 10 ** 6, b'far ahead'),
                            ('bare ACK at ISN_C', -1, b'')):
        f = cl.flow(PORT)
        f.connect(hslib.FULL_OPTS)
        f.send('PA' if data else 'A', seq=f.snd_nxt + off, data=data)
        p = f.expect(f'{what} in SYN_RECV')
        t = p[TCP]
        ok = int(t.flags) == ACK and t.seq == f.rcv_nxt and t.ack == f.snd_nxt
        log(f'{"ok" if ok else "BAD"}: {what} in SYN_RECV -> {hslib.describe(p)}')
        if not ok:
            bad.append(f'{what} -> [{hslib.flag_str(int(t.flags))}] seq {t.seq} ack {t.ack}, '
                       f'want [A] seq ISN_S+1 = {f.rcv_nxt} ack ISN_C+1 = {f.snd_nxt}')
        expect(cl.conns()['SYN_RECV'] == 1 and cl.listener(PORT)['syn_q'] == 1,
               f'{what}: the request did not stay in SYN_RECV: {cl.conns()}')
        f.rst()
        cl.wait_for('request reset', cl.conns, lambda c: c['SYN_RECV'] == 0)
        cl.drop_pending()

    f = cl.flow(PORT)
    f.connect(hslib.FULL_OPTS)
    f.syn(hslib.FULL_OPTS)
    p = f.expect('the SYN again')
    expect(int(p[TCP].flags) == SA and p[TCP].seq == f.iss and
           p[TCP].ack == (f.isn + 1) % MOD, f'H6: SYN again -> {hslib.describe(p)}')
    log('ok: control: the SYN again -> the SYN-ACK again (H6)')
    expect(not bad, 'out-of-window segment in SYN_RECV: ' + '; '.join(bad))
    cl.close()


if __name__ == '__main__':
    ttlib.run(test)
