#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""small_segments (SPEC R2, R1; STYLE habit 15): a hostile peer that sends one byte per
segment must not be able to pin one buffer per byte and starve the worker. tcpterm runs with
a small pool (--mbufs 4095) so that, were each segment kept in a buffer of its own, the
peer's N = 6000 segments would take every mbuf.

  echo app: the peer (scapy, never acknowledging the echoes) sends N one-byte segments; the
            echo app writes each byte back, so they wait unacknowledged in the send queue.
            Then a kernel client echoes 256 KiB byte-exact. The send queue holds what its
            budget allows (wmem at true size, ~15 buffers), the rest waits coalesced in
            the receive queue; the worker's pool stays far from empty.
  hold app: nothing is accepted, so the N bytes wait in the receive queue of a connection in
            the accept queue: coalesced (TCPRcvCoalesce ~ N), a few buffers charged
            (mbufs_held in /tcpterm/workers), and tcpterm still answers ping.
"""
import time

import hslib
import ttclient
import ttlib
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT
N = 6000
MBUFS = 4095


def workers(tt):
    return ttlib.telemetry(tt.prefix, '/tcpterm/workers')['0']


def one_byte_flood(cl, f):
    """N one-byte segments in order, acknowledging nothing tcpterm sends after the SYN-ACK.
    As a TCP sender would, bytes tcpterm has not acknowledged (lost on a loaded machine at
    the TAP's queue; what follows a hole is not kept yet, D2) are sent again, one byte per
    segment, until tcpterm has them all."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    base = Ether(src=cl.l2.mac, dst=cl.peer_mac) / IP(src=f.src, dst=ttlib.ADDR)
    start = f.snd_nxt
    t0 = time.monotonic()

    def send(seq, count):
        for _ in range(count):
            i = (seq - start) % hslib.MOD
            cl.l2.send(base / TCP(sport=f.sport, dport=f.dport, flags='A', seq=seq,
                                  ack=f.rcv_nxt, window=64240) / Raw(bytes([0x41 + i % 26])))
            seq = (seq + 1) % hslib.MOD

    cl.drop_pending()
    send(start, N)
    f.snd_nxt = (start + N) % hslib.MOD
    resent = 0
    for _ in range(20):
        acks = [int(p[TCP].ack) for p in cl.collect(f.pred(), 0.3)]
        # tcpterm's highest acknowledgment so far (all of them lie in [start, start + N]).
        got = max(((a - start) % hslib.MOD for a in acks), default=None)
        if got == N:
            break
        if got is not None:
            send((start + got) % hslib.MOD, N - got)
            resent += N - got
    expect(got == N, f'tcpterm acknowledged {got} of {N} one-byte segments')
    log(f'sent {N} one-byte segments ({resent} again) in {time.monotonic() - t0:.1f} s, '
        'all acknowledged')


def settle(tt, what, cond, timeout=5.0):
    end = time.monotonic() + timeout
    while True:
        w = workers(tt)
        if cond(w) or time.monotonic() > end:
            return w
        time.sleep(0.1)


def case_echo(ns):
    tt = ttlib.Tcpterm(ns, 'sse', ['--listen', str(PORT), '--app', 'echo',
                                   '--mbufs', str(MBUFS)]).start()
    cl = hslib.Client(ns, tt)
    f = cl.flow(PORT)
    f.connect(opts=[('MSS', 1460)])
    f.ack()
    # The RX ring's own buffers (rx_desc of them on TAP) are in use from the start.
    base = workers(tt)['mbufs_used']
    one_byte_flood(cl, f)
    st = tt.stats()
    w = settle(tt, 'echoes queued', lambda w: True)
    log(f'echo: after the flood: pool {w["mbufs_used"]}/{w["mbufs"]} in use ({base} before), '
        f'{w["mbufs_held"]} held by TCP queues, InSegs {st["InSegs"]}')
    # A sent unit of the send queue is one segment and takes no more bytes, so each echo
    # the peer leaves unacknowledged holds a buffer, until the echo app reaches its send
    # budget: wmem (16 KiB) charged at true size, twice over as Linux's, 2 * 16384 / ~2.3 KB
    # = 14 buffers (+1: the write that crossed it). The app then stops reading and the rest
    # waits coalesced in the receive queue, a few buffers.
    budget = (2 * 16384 + 2300 - 1) // 2300 + 1
    expect(w['mbufs_held'] <= budget + 8,
           f'R2: {N} one-byte echoes waiting for an ACK hold {w["mbufs_held"]} mbufs, '
           f'want the send budget ({budget}) and a few coalesced')
    expect(w['mbufs_used'] - base <= 64,
           f'R2: {w["mbufs_used"] - base} more of {MBUFS} mbufs in use after the flood')

    # Another client is served as usual, byte-exact.
    data = bytes((i * 7 + i // 251) & 0xff for i in range(256 * 1024))
    got = ttclient.echo_roundtrip(PORT, data) if hasattr(ttclient, 'echo_roundtrip') else None
    if got is None:
        s = ttclient.connect(PORT, timeout=5)
        s.sendall(data)
        buf = bytearray()
        s.settimeout(10)
        while len(buf) < len(data):
            b = s.recv(65536)
            if not b:
                break
            buf.extend(b)
        s.close()
        got = bytes(buf)
    expect(got == data, f'R2: another client echoed {len(got)} of {len(data)} bytes '
           f'{"(different)" if len(got) == len(data) else ""} during the hostile flow')
    log(f'ok: echo: {N} one-byte segments held in {w["mbufs_held"]} mbufs; another client '
        f'echoed {len(data)} bytes byte-exact')
    cl.close()
    tt.stop()


def case_hold(ns):
    tt = ttlib.Tcpterm(ns, 'ssh', ['--listen', str(PORT), '--app', 'hold',
                                   '--mbufs', str(MBUFS)]).start()
    cl = hslib.Client(ns, tt)
    f = cl.flow(PORT)
    f.connect(opts=[('MSS', 1460)])
    f.ack()
    before = tt.stats()
    one_byte_flood(cl, f)
    w = settle(tt, 'held', lambda w: True)
    after = tt.stats()
    co = after['TCPRcvCoalesce'] - before['TCPRcvCoalesce']
    drops = after['TCPRcvQDrop'] - before['TCPRcvQDrop']
    log(f'hold: pool {w["mbufs_used"]}/{w["mbufs"]} in use, {w["mbufs_held"]} held, '
        f'TCPRcvCoalesce +{co}, TCPRcvQDrop +{drops}')
    expect(w['mbufs_held'] <= 8, f'R2: {N} held bytes take {w["mbufs_held"]} mbufs')
    expect(co >= N - 8, f'R2: TCPRcvCoalesce +{co}, want about {N}')
    expect(drops == 0, f'R2: TCPRcvQDrop +{drops}: {N} bytes fit rmem')
    r = ns.run(['ping', '-c', '2', '-i', '0.2', '-W', '1', ttlib.ADDR], capture_output=True)
    expect(r.returncode == 0, 'R1: tcpterm does not answer ping with the bytes held')
    log(f'ok: hold: {N} one-byte segments held in {w["mbufs_held"]} mbufs, coalesced {co}, '
        'ping answered')
    cl.close()
    tt.stop()


def test():
    ns = ttlib.Netns('sseg')
    case_echo(ns)
    case_hold(ns)


if __name__ == '__main__':
    ttlib.run(test)
