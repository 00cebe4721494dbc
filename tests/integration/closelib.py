#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the close tests that use hslib's scapy client against the http app
(test_fin_retrans.py, test_close_states.py): every request carries "Connection: close", so
tcpterm answers, then closes first (FIN_WAIT_1)."""
import time

import hslib
from hslib import ACK, FIN, MOD
from ttlib import expect

REQ = b'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'


def answer_and_fin(f, timeout=1.0):
    """After the request: tcpterm's answer up to and including its FIN (none ACKed).
    Returns (answer bytes, the FIN's frame, the FIN's sequence number); f.rcv_nxt ends at
    the FIN (the answer ACKed by the next f.ack(), the FIN not)."""
    from scapy.layers.inet import TCP
    data = b''
    end = time.monotonic() + timeout
    while True:
        p = f.cl.wait(lambda p: f.mine(p) and (len(p[TCP].payload) > 0 or
                                               int(p[TCP].flags) & FIN),
                      max(0.0, end - time.monotonic()))
        expect(p is not None, f'{f}: no answer and FIN within {timeout} s after the request '
               f'({len(data)} bytes came); tcpterm sent:\n    {f.cl.history()}')
        t = p[TCP]
        expect(t.seq == f.rcv_nxt, f'{f}: segment at seq {t.seq}, want {f.rcv_nxt}: '
               f'{hslib.describe(p)}')
        expect(t.ack == f.snd_nxt, f'{f}: tcpterm acks {t.ack}, want our next {f.snd_nxt}')
        data += bytes(t.payload)
        f.rcv_nxt = (f.rcv_nxt + len(t.payload)) % MOD
        f.note_ts(p)
        if int(t.flags) & FIN:
            expect(data.startswith(b'HTTP/1.1 200 OK') and b'Connection: close' in data,
                   f'{f}: answer {data[:80]!r}')
            return data, p, f.rcv_nxt


def open_request(cl, port):
    """A connection of the scapy client to port, its request (Connection: close) sent."""
    f = cl.flow(port)
    f.connect()
    f.ack()
    f.data(REQ)
    return f


def finish(chk, cl, f, fin_seq, what):
    """ACK tcpterm's FIN (FIN_WAIT_2: tcpterm has nothing more to send), then our FIN:
    tcpterm ACKs it at seq FIN + 1, TIME_WAIT follows."""
    from scapy.layers.inet import TCP
    f.rcv_nxt = (fin_seq + 1) % MOD
    f.ack()
    extra = cl.collect(f.pred(), 0.25)
    chk.check(not extra, f'{what}: once its FIN is ACKed (FIN_WAIT_2) tcpterm sends nothing',
              'it sent: ' + '; '.join(hslib.describe(p) for p in extra) +
              f' (its FIN was at seq {fin_seq})')
    f.send('FA')
    our_fin = f.snd_nxt
    f.snd_nxt = (f.snd_nxt + 1) % MOD
    p = f.expect(f'{what}: the ACK of our FIN', flags=ACK)
    t = p[TCP]
    expect(t.ack == f.snd_nxt, f'{what}: ACK of our FIN (seq {our_fin}) is '
           f'{hslib.describe(p)}, want ack {f.snd_nxt}')
    chk.check(t.seq == f.rcv_nxt, f'{what}: the ACK of our FIN has seq {t.seq} = tcpterm\'s '
              f'FIN + 1 ({f.rcv_nxt})', hslib.describe(p))
    return p
