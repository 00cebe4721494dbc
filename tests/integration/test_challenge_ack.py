#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""challenge_ack (SPEC D7, RFC 5961 5.2 and 7), with the scapy client of hslib.py against
--app echo on 8080 with --challenge-ack-limit 4.

1. An established connection echoes 8 bytes (tcpterm's SND.UNA = ISS + 9, 8 bytes acked).
2. RFC 5961 5.2: data whose ACK is older than SND.UNA - min(MAX.SND.WND, bytes acked)
   (ISS + 9 - 9: a byte never sent) -> dropped whole: no echo, a challenge ACK
   <SEQ=SND.MAX><ACK=RCV.NXT> (RCV.NXT unmoved), TCPChallengeACK +1. The same for an ACK
   above SND.MAX. An old ACK inside the range (ISS + 1) -> the data is taken and echoed.
3. RFC 5961 7: 30 in-window RSTs 5 ms apart, a second after the last challenge -> 2 to 10
   challenge ACKs (each second's allowance is drawn in [limit/2, limit*3/2) = [2, 5]; the
   burst may straddle two seconds), as many as TCPChallengeACK counts, and some counted in
   TCPACKSkippedChallenge (RSTs that share an iteration share one ACK and count in
   neither); the connection is still up and echoes.
"""
import time

import hslib
import ttlib
from hslib import MOD, ACK
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT
LIMIT = 4
N_RST = 30


def test():
    from scapy.layers.inet import TCP
    ns = ttlib.Netns('cha')
    tt = ttlib.Tcpterm(ns, 'cha', ['--listen', str(PORT), '--app', 'echo',
                                   '--challenge-ack-limit', str(LIMIT)]).start()
    cl = hslib.Client(ns, tt)
    f = cl.flow(PORT)
    f.connect(hslib.FULL_OPTS)
    f.ack()
    cl.wait_for('ESTABLISHED', cl.conns, lambda c: c['ESTABLISHED'] == 1)
    f.data(b'12345678')
    got, _ = f.recv_data(8)
    expect(got == b'12345678', f'echo {got!r}')
    una = f.rcv_nxt                      # tcpterm's SND.UNA = SND.MAX = ISS + 9

    def challenged(what, ack):
        before = tt.stats()
        cl.drop_pending()
        f.send('PA', data=b'injected', ack=ack)
        p = f.expect(f'5.2 {what}: challenge ACK', flags=ACK)
        t = p[TCP]
        expect(t.seq == una and t.ack == f.snd_nxt and len(t.payload) == 0,
               f'5.2 {what}: {hslib.describe(p)}, want [A] seq {una} ack {f.snd_nxt} '
               '(the data not taken)')
        f.silence(f'5.2 {what}: the data was echoed', 0.3)
        hslib.check_delta(f'RFC 5961 5.2 {what}', before, tt.stats(),
                          {'TCPChallengeACK': 1, 'TCPACKSkippedChallenge': 0})

    challenged('ACK older than SND.UNA - bytes acked', (una - 9) % MOD)
    challenged('ACK above SND.MAX', (una + 1) % MOD)
    # An old ACK inside the range: ignored, and the data taken.
    f.data(b'old-ack', ack=(una - 8) % MOD)
    got, _ = f.recv_data(7)
    expect(got == b'old-ack', f'5.2: data with an acceptable old ACK echoed as {got!r}')
    log('ok: RFC 5961 5.2 old ACK within SND.UNA - 8: data taken and echoed')

    # A second of tcpterm's clock passes: the burst starts with a fresh allowance.
    time.sleep(1.1)
    before = tt.stats()
    cl.drop_pending()
    for i in range(N_RST):
        # Apart, so most reach a loop iteration of their own (RSTs of one burst share an ACK).
        f.rst(seq=(f.snd_nxt + 1 + i) % MOD)
        time.sleep(0.005)
    acks = cl.collect(f.pred(flags=ACK), 0.5)
    after = tt.stats()
    d = hslib.delta(before, after, ('TCPChallengeACK', 'TCPACKSkippedChallenge'))
    expect(len(acks) == d['TCPChallengeACK'] and 2 <= len(acks) <= 10 and
           d['TCPACKSkippedChallenge'] >= 1 and
           d['TCPChallengeACK'] + d['TCPACKSkippedChallenge'] <= N_RST,
           f'RFC 5961 7: {N_RST} in-window RSTs with challenge_ack_limit {LIMIT}: {len(acks)} '
           f'challenge ACKs seen, counters {d}; want 2..10 sent, some skipped')
    log(f'ok: RFC 5961 7 limit {LIMIT}: {N_RST} in-window RSTs -> {len(acks)} challenge '
        f'ACKs, {d["TCPACKSkippedChallenge"]} skipped by the limit')
    expect(cl.conns()['ESTABLISHED'] == 1, 'the in-window RSTs closed the connection')
    f.data(b'still here')
    got, _ = f.recv_data(10)
    expect(got == b'still here', f'echo after the RSTs: {got!r}')
    f.close_echo()
    cl.wait_for('closed', cl.conns, lambda c: c['ESTABLISHED'] == 0 and c['LAST_ACK'] == 0)
    log('ok: the connection lived through the burst and closed cleanly')
    cl.close()
    expect(tt.stop() == 0, f'tcpterm exited {tt.rc} on SIGINT')
    ns.delete()


if __name__ == '__main__':
    ttlib.run(test)
