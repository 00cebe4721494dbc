#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""seq_wrap (SPEC D1, with D2/D3/D7 in passing): sequence and acknowledgement numbers wrap
modulo 2^32 in both directions of one connection, from the scapy client of hslib.py
(198.18.3.50, ignored by the namespace's kernel). tcpterm: --app echo on 8080, default
tunables (timestamps, window scaling and SACK negotiated).

Two connections, each echoing enough bytes that both directions cross a boundary:
  A  client ISN 0xFFFFFF00: the client's numbers wrap through 0 after 255 bytes; tcpterm's
     ISN is near below 2^32, so its numbers wrap too;
  B  client ISN 0x7FFFFFF0: the client's numbers cross 2^31 (where a signed comparison
     flips) after 15 bytes; tcpterm's ISN is near below 2^31.
tcpterm's ISN cannot be chosen, but RFC 6528 makes it predictable enough for this: ISN =
F(4-tuple) + a 4 us clock. The client probes source ports (SYN, read the SYN-ACK, RST:
AttemptFails counts them) until one's ISN will be 256 KB-2 MB below the boundary when it
connects with that port at once (probing again, at most three times, if the ISN it gets is
not where predicted); the bytes echoed are then that distance + 8 KB.

Each transfer: the client sends a known pattern in 1448-byte segments (timestamps on every
segment), up to 64 KB ahead, ACKs what comes back; every echoed segment must start at the
client's rcv_nxt (no hole; on a lossless TAP the only retransmission is a tail loss probe of
bytes already echoed, when this Python client ACKs later than the probe timeout, counted in
TCPLossProbes), carry the pattern's next
bytes, and acknowledge no more than was sent; at the end tcpterm's ACK is the client's last
byte + 1 mod 2^32 and the echo is byte-exact. Then the client closes (its FIN at the wrapped
number is ACKed, the echo app's FIN follows) and nothing is left. Counters: RetransSegs,
InErrs, OutRsts, TCPChallengeACK and EstabResets do not move; the sequence numbers at each
side's first and last byte are logged."""
import select
import socket
import struct
import time

import hslib
import ttlib
from hslib import ACK, FIN, MOD, PSH, RST, SYN
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT
SEG = 1448                        # MSS 1460 less the timestamp option
AHEAD = 64 * 1024                 # bytes the client lets be unechoed
MIN_D, MAX_D = 256 * 1024, 2048 * 1024
TICKS_PER_S = 250000              # RFC 6528's M: a 4 us clock
BATCH, MAX_BATCHES = 256, 128
PROBE_ISN = 0x12345678


def ip_hdr(src, dst, payload_len):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + payload_len, 0, 0x4000, 64, 6, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack('!H', ttlib.inet_csum(h)) + h[12:]


def tcp_frame(eth, src, sport, dport, seq, ack, flags, win, opts=b'', data=b''):
    """Ethernet + IPv4 + TCP bytes, checksums filled."""
    doff = (20 + len(opts)) // 4
    th = struct.pack('!HHIIBBHHH', sport, dport, seq % MOD, ack % MOD, doff << 4, flags, win,
                     0, 0) + opts
    seg = th + data
    pseudo = socket.inet_aton(src) + socket.inet_aton(ttlib.ADDR) + \
        struct.pack('!BBH', 0, 6, len(seg))
    csum = ttlib.inet_csum(pseudo + seg)
    seg = seg[:16] + struct.pack('!H', csum) + seg[18:]
    return eth + ip_hdr(src, ttlib.ADDR, len(seg)) + seg


def parse(data, peer_mac):
    """(sport, dport, seq, ack, flags, window, tsval or None, payload) of a TCP frame from
    tcpterm, else None."""
    if len(data) < 54 or data[6:12] != peer_mac or data[12:14] != b'\x08\x00':
        return None
    ip = data[14:]
    ihl = (ip[0] & 0xf) * 4
    tot = struct.unpack('!H', ip[2:4])[0]
    if ip[9] != 6 or ip[12:16] != socket.inet_aton(ttlib.ADDR):
        return None
    t = ip[ihl:tot]
    sport, dport, seq, ack, off, flags, win = struct.unpack('!HHIIBBH', t[:16])
    doff = (off >> 4) * 4
    opts, tsval, i = t[20:doff], None, 0
    while i < len(opts):
        k = opts[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        if k == 8 and opts[i + 1] == 10:
            tsval = struct.unpack('!I', opts[i + 2:i + 6])[0]
        i += opts[i + 1]
    return sport, dport, seq, ack, flags, win, tsval, bytes(t[doff:])


def recv_frames(cl, timeout):
    """Raw frames from tcpterm (not our own) within timeout s (returns at the first batch)."""
    out = []
    end = time.monotonic() + timeout
    while True:
        try:
            while True:
                data, addr = cl.l2.s.recvfrom(65536)
                if addr[2] != ttlib.PACKET_OUTGOING:
                    out.append(data)
        except BlockingIOError:
            pass
        left = end - time.monotonic()
        if out or left <= 0:
            return out
        select.select([cl.l2.s], [], [], left)


def probe(cl, boundary, used):
    """A source port whose ISN will be MIN_D..MAX_D bytes of data below boundary: (port,
    predicted distance, probes sent)."""
    eth = bytes.fromhex(cl.peer_mac.replace(':', '')) + \
        bytes.fromhex(cl.l2.mac.replace(':', '')) + b'\x08\x00'
    peer = bytes.fromhex(cl.peer_mac.replace(':', ''))
    mss = b'\x02\x04\x05\xb4'
    port = 1024 + (boundary >> 20) % 1000
    n = 0
    for _ in range(MAX_BATCHES):
        ports = []
        while len(ports) < BATCH:
            port = port + 1 if port < 65535 else 1024
            if port not in used:
                ports.append(port)
        for p in ports:
            cl.l2.send(tcp_frame(eth, cl.src, p, PORT, PROBE_ISN, 0, SYN, 64240, mss))
        n += len(ports)
        want, got = set(ports), {}
        end = time.monotonic() + 1.0
        while want - set(got) and time.monotonic() < end:
            for data in recv_frames(cl, end - time.monotonic()):
                s = parse(data, peer)
                if s and s[1] in want and s[4] == SYN | ACK and s[3] == PROBE_ISN + 1:
                    got[s[1]] = (s[2], time.monotonic())
        for p in ports:
            cl.l2.send(tcp_frame(eth, cl.src, p, PORT, PROBE_ISN + 1, 0, RST, 0))
        now = time.monotonic()
        best = None
        for p, (isn, t) in got.items():
            d = (boundary - isn - 1 - int((now - t) * TICKS_PER_S)) % MOD
            if MIN_D <= d <= MAX_D and (best is None or d < best[1]):
                best = (p, d)
        if best is not None:
            time.sleep(0.05)       # the RSTs are in: the probe's request is gone
            recv_frames(cl, 0)
            return best[0], best[1], n
    raise ttlib.TestFailure(f'no source port with an ISN {MIN_D}-{MAX_D} bytes below '
                            f'{boundary:#x} in {n} probes (RFC 6528 clock not 4 us?)')


def pattern(n, salt):
    block = bytes((i * 7 + salt + (i >> 8)) & 0xff for i in range(65536))
    return (block * (n // len(block) + 1))[:n]


def ts_opt(tsval, tsecr):
    return b'\x01\x01\x08\x0a' + struct.pack('!II', tsval % MOD, tsecr % MOD)


def echo_bulk(cl, tt, f, total, what):
    """Send total pattern bytes on flow f, read the echo; every check as the docstring."""
    eth = bytes.fromhex(cl.peer_mac.replace(':', '')) + \
        bytes.fromhex(cl.l2.mac.replace(':', '')) + b'\x08\x00'
    peer = bytes.fromhex(cl.peer_mac.replace(':', ''))
    data = pattern(total, f.sport & 0xff)
    snd_base, rcv_base = f.snd_nxt, f.rcv_nxt
    sent = acked = 0
    got = bytearray()
    rcv_nxt = rcv_base
    last_ack = snd_base
    peer_wnd = 65535
    peer_ts = f.ts
    segs_in = probes = 0
    first_seq = last_seq = None
    stall = time.monotonic() + 3.0

    def send(flags, seq, payload=b''):
        f.tsval += 1
        cl.l2.send(tcp_frame(eth, f.src, f.sport, f.dport, seq, rcv_nxt, flags, 64240,
                             ts_opt(f.tsval, peer_ts), payload))

    while len(got) < total:
        while sent < total and sent - len(got) < AHEAD and sent - acked < peer_wnd:
            n = min(SEG, total - sent, peer_wnd - (sent - acked))
            last = sent + n >= total or sent + n - len(got) >= AHEAD
            send(ACK | (PSH if last else 0), snd_base + sent, data[sent:sent + n])
            sent += n
        frames = recv_frames(cl, max(0.0, stall - time.monotonic()))
        progress = False
        for fr in frames:
            s = parse(fr, peer)
            if s is None or s[0] != f.dport or s[1] != f.sport:
                continue
            _, _, seq, ack, flags, win, tsval, payload = s
            expect(not flags & (RST | SYN | FIN), f'{what}: tcpterm sent flags {flags:#x} '
                   f'during the transfer (seq {seq} ack {ack})')
            expect(flags & ACK, f'{what}: a segment without ACK from tcpterm (seq {seq})')
            a = (ack - snd_base) % MOD
            expect(a <= sent, f'{what}: tcpterm acks {ack} = client byte {a}, beyond the '
                   f'{sent} sent (snd_base {snd_base})')
            if a > acked:
                acked = a
                progress = True
            last_ack = ack
            peer_wnd = win << (f.wscale or 0)
            if tsval is not None:
                peer_ts = tsval
            if payload and seq != rcv_nxt:
                # A tail loss probe (RFC 8985 7.3): the last segment again, when this slow
                # client's ACK took longer than the probe timeout (2 SRTT, at least 10 ms).
                off = (seq - rcv_base) % MOD
                expect(off + len(payload) <= len(got) and
                       payload == bytes(got[off:off + len(payload)]),
                       f'{what}: echo segment at seq {seq}, want rcv_nxt {rcv_nxt} (byte '
                       f'{len(got)}; {len(payload)} bytes; a hole, or a retransmission of '
                       'bytes other than those echoed)')
                probes += 1
                continue
            if payload:
                off = len(got)
                expect(payload == data[off:off + len(payload)],
                       f'{what}: echo bytes {off}..{off + len(payload)} differ from what was '
                       'sent')
                if first_seq is None:
                    first_seq = seq
                last_seq = (seq + len(payload) - 1) % MOD
                got += payload
                rcv_nxt = (rcv_nxt + len(payload)) % MOD
                segs_in += 1
                progress = True
        if progress:
            stall = time.monotonic() + 3.0
            send(ACK, snd_base + sent)
        expect(time.monotonic() < stall, f'{what}: no progress for 3 s: {sent} of {total} '
               f'sent, {acked} acked, {len(got)} echoed; last ack {last_ack}')
    # tcpterm's last word acknowledges everything.
    end = time.monotonic() + 1.0
    while acked < total and time.monotonic() < end:
        for fr in recv_frames(cl, end - time.monotonic()):
            s = parse(fr, peer)
            if s and s[0] == f.dport and s[1] == f.sport:
                acked = max(acked, (s[3] - snd_base) % MOD)
                last_ack = s[3]
    expect(last_ack == (snd_base + total) % MOD, f'{what}: tcpterm\'s last ack {last_ack}, '
           f'want client ISN+1+{total} = {(snd_base + total) % MOD}')
    f.snd_nxt = (snd_base + total) % MOD
    f.rcv_nxt = rcv_nxt
    f.ts = peer_ts
    return first_seq, last_seq, segs_in, probes


def crosses(first, last, boundary):
    """Bytes numbered first..last (mod 2^32, less than 2^31 of them) include boundary."""
    return (boundary % MOD - first) % MOD <= (last - first) % MOD


def one(cl, tt, name, client_isn, boundary):
    from scapy.layers.inet import TCP
    for attempt in range(3):
        port, d_pred, n = probe(cl, boundary, set(cl._ports))
        cl._ports.add(port)
        # The counters from here: thousands of probes on a slow (sanitized) build can take
        # longer than the SYN-ACK timer, and those retransmissions are not this transfer's.
        cl.wait_for(f'{name}: the probes reset', cl.conns, lambda c: c['SYN_RECV'] == 0)
        s0 = tt.stats()
        f = cl.flow(PORT, sport=port, isn=client_isn)
        f.connect()
        d = (boundary - f.iss - 1) % MOD
        log(f'{name}: {n} probes; port {port}: ISN_S {f.iss:#010x}, {d} bytes below '
            f'{boundary:#x} (predicted {d_pred})')
        if 0 < d <= MAX_D + MIN_D:
            break
        # Not where the probe said (a stall between probe and connect): again.
        f.rst()
        cl.wait_for(f'{name}: the request reset', cl.conns, lambda c: c['SYN_RECV'] == 0)
    expect(0 < d <= MAX_D + MIN_D, f'{name}: tcpterm\'s ISN {f.iss:#x} for port {port} is '
           f'{d} bytes below {boundary:#x}, predicted {d_pred} from the probe, three times '
           '(RFC 6528: the same F(4-tuple) plus a 4 us clock)')
    f.ack()
    total = max(8192, d + 8192)
    c_first = f.snd_nxt
    t0 = time.monotonic()
    first_seq, last_seq, segs, probes = echo_bulk(cl, tt, f, total, name)
    dt = time.monotonic() - t0
    c_last = (f.snd_nxt - 1) % MOD
    log(f'{name}: {total} bytes echoed in {segs} segments, {dt:.2f} s; client bytes at '
        f'{c_first:#010x}..{c_last:#010x}, tcpterm bytes at {first_seq:#010x}..'
        f'{last_seq:#010x}')
    expect(crosses(c_first, c_last, boundary), f'{name}: the client\'s numbers did not '
           f'cross {boundary:#x} ({c_first:#x}..{c_last:#x})')
    expect(crosses(first_seq, last_seq, boundary), f'{name}: tcpterm\'s numbers did not '
           f'cross {boundary:#x} ({first_seq:#x}..{last_seq:#x})')
    p = f.close_echo()
    log(f'ok: {name}: close at client seq {(f.snd_nxt - 1) % MOD:#010x}: echo FIN '
        f'{hslib.describe(p)}')
    c = cl.wait_for(f'{name}: nothing left after the close', cl.conns,
                    lambda c: not any(c.values()))
    extra = cl.collect(lambda p: f.mine(p) and not (int(p[TCP].flags) == ACK and
                                                    not len(p[TCP].payload)), 0.2)
    # A tail loss probe sent before the echo FIN (an earlier TSval, data ending at or before
    # the FIN) may reach the capture after it: that one came before the close, not after.
    fin_ts = dict(p[TCP].options).get('Timestamp', (0, 0))[0]

    def before_fin(q):
        ts = dict(q[TCP].options).get('Timestamp', (None, 0))[0]
        end = (q[TCP].seq + len(q[TCP].payload)) % MOD
        return (ts is not None and (fin_ts - ts) % MOD < MOD // 2 and ts != fin_ts and
                (p[TCP].seq - end) % MOD < MOD // 2)
    late = [q for q in extra if before_fin(q)]
    extra = [q for q in extra if not before_fin(q)]
    if late:
        log(f'{name}: {len(late)} tail loss probe(s) sent before the FIN, seen after it: ' +
            '; '.join(hslib.describe(q) for q in late))
        probes += len(late)
    expect(not extra, f'{name}: after the close tcpterm sent ' +
           '; '.join(hslib.describe(p) for p in extra))
    s1 = tt.stats()
    # The only retransmissions allowed are tail loss probes the client saw as such.
    hslib.check_delta(f'{name}: counters', s0, s1,
                      {'RetransSegs': probes, 'InErrs': 0, 'OutRsts': 0, 'TCPChallengeACK': 0,
                       'EstabResets': 0, 'PassiveOpens': 1, 'CurrEstab': 0})
    expect(s1['TCPLossProbes'] - s0['TCPLossProbes'] >= probes,
           f'{name}: {probes} old segments echoed again, but TCPLossProbes moved only '
           f'{s1["TCPLossProbes"] - s0["TCPLossProbes"]}')
    log(f'ok: {name}: conns {c}')


def test():
    ns = ttlib.Netns('wrap')
    tt = ttlib.Tcpterm(ns, 'wrap', ['--listen', str(PORT), '--app', 'echo']).start()
    cl = hslib.Client(ns, tt)
    cl.l2.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    one(cl, tt, 'A (both wrap at 2^32)', 0xFFFFFF00, MOD)
    one(cl, tt, 'B (both cross 2^31)', 0x7FFFFFF0, 2 ** 31)
    cl.close()


if __name__ == '__main__':
    ttlib.run(test)
