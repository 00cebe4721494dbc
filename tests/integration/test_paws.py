#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""paws (SPEC D2 and D7, RFC 7323 5.3, RFC 5961 3.2 and 4.2), with the scapy client of hslib.py
against --app echo on 8080, timestamps negotiated.

1. An established connection echoes 8 bytes; TS.Recent is then our last TSval T.
2. PAWS: 6 bytes with TSval T - 1000 in the window -> dropped, not echoed; a duplicate ACK
   <SEQ=SND.NXT><ACK=RCV.NXT> (RCV.NXT unmoved); PAWSEstab +1. The same bytes with a fresh
   TSval -> echoed.
3. RFC 5961 4.2: a SYN in the window (its TSval old too) -> a challenge ACK, the connection
   stays; RFC 5961 3.2: a RST in the window but not at RCV.NXT -> a challenge ACK, stays.
4. A RST exactly at RCV.NXT whose TSval fails PAWS -> the connection is reset (Linux takes a
   RST whatever its timestamp): ESTABLISHED 0, EstabResets +1.
"""
import hslib
import ttlib
from hslib import MOD, ACK
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT


def test():
    from scapy.layers.inet import TCP
    ns = ttlib.Netns('paws')
    tt = ttlib.Tcpterm(ns, 'paws', ['--listen', str(PORT), '--app', 'echo']).start()
    cl = hslib.Client(ns, tt)
    f = cl.flow(PORT)
    f.connect(hslib.FULL_OPTS)
    expect(f.ts is not None, 'tcpterm did not answer our timestamps in its SYN-ACK')
    f.ack()
    cl.wait_for('ESTABLISHED', cl.conns, lambda c: c['ESTABLISHED'] == 1)
    f.data(b'12345678')
    got, _ = f.recv_data(8)
    expect(got == b'12345678', f'echo {got!r}')

    def with_old_ts(fn):
        fresh = f.tsval
        f.tsval = (fresh - 1000) % MOD
        try:
            return fn()
        finally:
            f.tsval = fresh + 1

    before = tt.stats()
    cl.drop_pending()
    with_old_ts(lambda: f.send('PA', data=b'replay'))
    p = f.expect('PAWS: duplicate ACK', flags=ACK)
    t = p[TCP]
    expect(t.ack == f.snd_nxt and len(t.payload) == 0,
           f'PAWS: answer {hslib.describe(p)}, want [A] ack {f.snd_nxt} (the data not taken)')
    f.silence('PAWS: the old segment was echoed', 0.3)
    hslib.check_delta('RFC 7323 5.3 PAWS', before, tt.stats(), {'PAWSEstab': 1})
    f.data(b'replay')
    got, _ = f.recv_data(6)
    expect(got == b'replay', f'the same bytes with a fresh TSval echoed as {got!r}')
    log('ok: RFC 7323 5.3: a segment with an old TSval dropped and acknowledged, '
        'PAWSEstab +1; with a fresh TSval taken')

    def challenged(what, send):
        before = tt.stats()
        cl.drop_pending()
        send()
        p = f.expect(f'{what}: challenge ACK', flags=ACK)
        t = p[TCP]
        expect(t.seq == f.rcv_nxt and t.ack == f.snd_nxt,
               f'{what}: {hslib.describe(p)}, want [A] seq {f.rcv_nxt} ack {f.snd_nxt}')
        hslib.check_delta(what, before, tt.stats(), {'TCPChallengeACK': 1})
        expect(cl.conns()['ESTABLISHED'] == 1, f'{what}: the connection went')
        log(f'ok: {what}: challenge ACK, the connection stays')

    challenged('RFC 5961 4.2 SYN in the window',
               lambda: with_old_ts(lambda: f.send('S', seq=(f.snd_nxt + 100) % MOD, ack=0)))
    challenged('RFC 5961 3.2 RST in the window, not at RCV.NXT',
               lambda: f.rst(seq=(f.snd_nxt + 100) % MOD))

    before = tt.stats()
    cl.drop_pending()
    with_old_ts(lambda: f.send('R', ack=0, window=0))
    cl.wait_for('reset', cl.conns, lambda c: c['ESTABLISHED'] == 0)
    hslib.check_delta('exact RST with an old TSval', before, tt.stats(),
                      {'EstabResets': 1, 'PAWSEstab': 0})
    log('ok: a RST at RCV.NXT failing PAWS resets the connection, as Linux')
    cl.close()
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


if __name__ == '__main__':
    ttlib.run(test)
