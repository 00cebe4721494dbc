#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers of the handshake, queue and SYN cookie tests (test_handshake.py,
test_handshake_options.py, test_synack_retries.py, test_queues.py, test_accept_queue.py,
test_cookies.py, test_ts_echo.py, test_synrecv_oow.py): a scapy client that is not the kernel.

The client's segments come from CLIENT (198.18.3.50), an address of the namespace's subnet
that nobody owns, in frames whose Ethernet source is the kernel side of the TAP. tcpterm
answers to that MAC; the kernel receives the answers, finds they are for none of its
addresses and, with forwarding off (a fresh namespace), drops them without a word: no RST,
no ICMP. So the client side of each handshake is the test's alone. tcpterm's frames are read
off the TAP with an AF_PACKET socket (nothing can be missed between two reads), each
stamped with the time it was read.

Use (inside ttlib.run, after tt.start()):
    cl = hslib.Client(ns, tt)            # enters the namespace
    f = cl.flow(8080)                    # a fresh source port and client ISN
    sa = f.connect(opts=hslib.FULL_OPTS) # SYN, the SYN-ACK (expected, checked: SA, ack)
    f.ack()                              # the final ACK
"""
import os
import random
import re
import select
import socket
import subprocess
import time

import ttlib
from ttlib import expect, log

CLIENT = '198.18.3.50'
MOD = 2 ** 32

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
SA = SYN | ACK

# What a Linux client offers: MSS 1460, SACK-permitted, timestamps, window scale 7.
FULL_OPTS = 'full'


def flag_str(f):
    return ''.join(c for c, b in zip('FSRPAUEC', range(8)) if f & (1 << b)) or '-'


def opts_of(tcp):
    """{kind name: value} of a scapy TCP layer's options, NOP/EOL left out."""
    return {k: v for k, v in tcp.options if k not in ('NOP', 'EOL')}


def describe(p):
    from scapy.layers.inet import TCP
    t = p[TCP]
    return (f'{p.time - _T0:7.3f}s {t.sport}->{t.dport} [{flag_str(int(t.flags))}] '
            f'seq {t.seq} ack {t.ack} win {t.window} len {len(t.payload)} '
            f'opts {opts_of(t)}')


_T0 = time.monotonic()


class Client:
    """The scapy side: sends from CLIENT (or src=...), keeps every TCP frame tcpterm sends."""

    def __init__(self, ns, tt, src=CLIENT):
        self.ns = ns
        self.tt = tt
        self.peer_mac = tt.mac()
        # The premise: the kernel drops what tcpterm sends to CLIENT instead of routing it.
        fwd = ns.out(['sysctl', '-n', 'net.ipv4.ip_forward']).strip()
        expect(fwd == '0', f'net.ipv4.ip_forward is {fwd!r} in {ns.name}, want 0')
        # The kernel never needs to ARP for tcpterm while we look at the wire.
        ns.run(['ip', 'neigh', 'replace', ttlib.ADDR, 'lladdr', self.peer_mac, 'dev', tt.tap,
                'nud', 'permanent'], check=True)
        ns.enter()
        self.l2 = ttlib.L2(tt.tap)
        self.src = src
        self.rx = []           # tcpterm's TCP frames, not taken yet, oldest first
        self.seen = []         # every TCP frame from tcpterm (for failure messages)
        self.rnd = random.Random()
        self._ports = set()
        self.only_dst = None   # packed IPv4 address: keep only frames sent to it

    # -- the wire ----------------------------------------------------------------------------
    def send(self, tcp, src=None):
        from scapy.layers.inet import IP
        from scapy.layers.l2 import Ether
        frame = Ether(src=self.l2.mac, dst=self.peer_mac) / \
            IP(src=src or self.src, dst=ttlib.ADDR) / tcp
        self.l2.send(frame)
        return frame

    def _read(self, deadline, stop_on_frame):
        from scapy.layers.inet import IP, TCP
        from scapy.layers.l2 import Ether
        mac = bytes.fromhex(self.peer_mac.replace(':', ''))
        while True:
            got = False
            while True:
                try:
                    data, addr = self.l2.s.recvfrom(65536)
                except BlockingIOError:
                    break
                now = time.monotonic()
                if addr[2] == ttlib.PACKET_OUTGOING or data[6:12] != mac:
                    continue
                # Only frames to our own address, when asked (a busy TAP: tests/bench/soak.py),
                # skip before the costly parse: IPv4 destination at bytes 30..33.
                if self.only_dst is not None and data[30:34] != self.only_dst:
                    continue
                p = Ether(data)
                if IP not in p or TCP not in p:
                    continue
                p.time = now
                self.rx.append(p)
                self.seen.append(p)
                got = True
            left = deadline - time.monotonic()
            if left <= 0 or (got and stop_on_frame):
                return
            select.select([self.l2.s], [], [], left)

    def wait(self, pred, timeout):
        """The first frame (oldest first) matching pred within timeout s, taken; or None."""
        deadline = time.monotonic() + timeout
        while True:
            for i, p in enumerate(self.rx):
                if pred(p):
                    return self.rx.pop(i)
            if time.monotonic() >= deadline:
                return None
            self._read(deadline, True)

    def collect(self, pred, duration):
        """Every frame matching pred that arrives within duration s (and any already in)."""
        self._read(time.monotonic() + duration, False)
        out = [p for p in self.rx if pred(p)]
        self.rx = [p for p in self.rx if not pred(p)]
        return out

    def drop_pending(self):
        self._read(time.monotonic(), False)
        self.rx = []

    def new_port(self):
        while True:
            p = self.rnd.randint(20000, 60999)
            if p not in self._ports:
                self._ports.add(p)
                return p

    def flow(self, dport, sport=None, isn=None, src=None):
        return Flow(self, dport, sport, isn, src)

    def history(self, n=12):
        return '\n    '.join(describe(p) for p in self.seen[-n:]) or '(nothing)'

    # -- tcpterm's view ---------------------------------------------------------------------
    def conns(self):
        c = ttlib.telemetry(self.tt.prefix, '/tcpterm/conns')
        expect(isinstance(c, dict), f'/tcpterm/conns answered {c!r}')
        return c

    def listener(self, port):
        ls = ttlib.telemetry(self.tt.prefix, '/tcpterm/listeners')
        expect(isinstance(ls, dict) and str(port) in ls,
               f'/tcpterm/listeners has no entry "{port}": {ls!r}')
        return ls[str(port)]

    def wait_for(self, what, fn, pred, timeout=2.0):
        """Poll fn() until pred(value); fail with the last value after timeout s."""
        end = time.monotonic() + timeout
        while True:
            v = fn()
            if pred(v):
                return v
            if time.monotonic() > end:
                raise ttlib.TestFailure(f'{what}: still {v!r} after {timeout} s')
            time.sleep(0.02)

    def close(self):
        self.l2.close()


class Flow:
    """One connection of the scapy client: its 4-tuple and both sequence spaces."""

    def __init__(self, cl, dport, sport=None, isn=None, src=None):
        self.cl = cl
        self.dport = dport
        self.sport = sport or cl.new_port()
        self.src = src or cl.src
        self.isn = cl.rnd.getrandbits(32) if isn is None else isn
        self.snd_nxt = (self.isn + 1) % MOD    # after our SYN
        self.iss = None                        # tcpterm's ISN, from its SYN-ACK
        self.rcv_nxt = None
        self.ts = None                         # (our next TSval, tcpterm's last TSval) with TS
        self.tsval = cl.rnd.getrandbits(31)
        self.wscale = None                     # tcpterm's window shift, from its SYN-ACK

    def __str__(self):
        return f'{self.src}:{self.sport}->{ttlib.ADDR}:{self.dport}'

    def mine(self, p, flags=None, payload=None):
        from scapy.layers.inet import IP, TCP
        t = p[TCP]
        if p[IP].dst != self.src or t.sport != self.dport or t.dport != self.sport:
            return False
        if flags is not None and int(t.flags) != flags:
            return False
        if payload is not None and bool(len(t.payload)) != payload:
            return False
        return True

    def pred(self, flags=None, payload=None):
        return lambda p: self.mine(p, flags, payload)

    def seg(self, flags, seq=None, ack=None, data=b'', window=64240, options=None, ts=True):
        """A TCP layer of this flow. With timestamps negotiated (self.ts) and ts, TS goes in."""
        from scapy.layers.inet import TCP
        from scapy.packet import Raw
        opts = list(options or [])
        if ts and self.ts is not None and options is None:
            self.tsval += 1
            opts = [('NOP', None), ('NOP', None), ('Timestamp', (self.tsval, self.ts))]
        t = TCP(sport=self.sport, dport=self.dport, flags=flags,
                seq=self.snd_nxt if seq is None else seq % MOD,
                ack=(self.rcv_nxt if self.rcv_nxt is not None else 0) if ack is None
                else ack % MOD,
                window=window, options=opts)
        if data:
            t = t / Raw(data)
        return t

    def send(self, flags, **kw):
        return self.cl.send(self.seg(flags, **kw), src=self.src)

    def syn_options(self, opts):
        if opts == FULL_OPTS:
            return [('MSS', 1460), ('SAckOK', b''), ('Timestamp', (self.tsval, 0)),
                    ('NOP', None), ('WScale', 7)]
        return list(opts or [])

    def syn(self, opts=FULL_OPTS, window=64240):
        self.cl.send(self.seg('S', seq=self.isn, ack=0, window=window,
                              options=self.syn_options(opts)), src=self.src)

    def expect(self, what, flags=None, payload=None, timeout=1.0):
        p = self.cl.wait(self.pred(flags, payload), timeout)
        expect(p is not None,
               f'{self}: {what}: nothing{" [" + flag_str(flags) + "]" if flags else ""} '
               f'within {timeout} s; tcpterm sent:\n    {self.cl.history()}')
        return p

    def silence(self, what, secs=1.0, flags=None):
        got = self.cl.collect(self.pred(flags), secs)
        expect(not got, f'{self}: {what}: tcpterm sent ' +
               '; '.join(describe(p) for p in got))

    def connect(self, opts=FULL_OPTS, window=64240, timeout=1.0):
        """SYN; the SYN-ACK, checked (flags SA, ack = ISN_C + 1); records ISN_S and TS."""
        from scapy.layers.inet import TCP
        self.syn(opts, window)
        p = self.expect('SYN -> SYN-ACK', timeout=timeout)
        t = p[TCP]
        expect(int(t.flags) == SA, f'{self}: answer to SYN is [{flag_str(int(t.flags))}], '
               f'want [SA]: {describe(p)}')
        expect(t.ack == self.snd_nxt, f'{self}: SYN-ACK ack {t.ack}, want ISN_C+1 = '
               f'{self.snd_nxt}')
        self.iss = t.seq
        self.rcv_nxt = (t.seq + 1) % MOD
        o = opts_of(t)
        self.ts = o['Timestamp'][0] if 'Timestamp' in o else None
        self.wscale = o.get('WScale')
        return p

    def note_ts(self, p):
        from scapy.layers.inet import TCP
        o = opts_of(p[TCP])
        if self.ts is not None and 'Timestamp' in o:
            self.ts = o['Timestamp'][0]

    def ack(self, **kw):
        return self.send('A', **kw)

    def data(self, data, flags='PA', **kw):
        f = self.send(flags, data=data, **kw)
        self.snd_nxt = (self.snd_nxt + len(data)) % MOD
        return f

    def rst(self, seq=None):
        return self.cl.send(self.seg('R', seq=self.snd_nxt if seq is None else seq, ack=0,
                                     window=0, ts=False), src=self.src)

    def close_echo(self, timeout=1.0):
        """Our FIN; the echo app's FIN (its ACK of ours checked); our last ACK. The FIN."""
        from scapy.layers.inet import TCP
        self.send('FA')
        self.snd_nxt = (self.snd_nxt + 1) % MOD
        p = self.cl.wait(lambda p: self.mine(p) and int(p[TCP].flags) & FIN, timeout)
        expect(p is not None, f'{self}: no FIN from the echo app after ours; tcpterm sent:'
               f'\n    {self.cl.history()}')
        t = p[TCP]
        expect(t.ack == self.snd_nxt, f'{self}: echo FIN ack {t.ack}, want {self.snd_nxt} '
               '(our FIN acknowledged)')
        self.rcv_nxt = (t.seq + len(t.payload) + 1) % MOD
        self.note_ts(p)
        self.ack()
        return p

    def recv_data(self, n, timeout=1.0, ack_each=True, window=64240):
        """n bytes of payload from tcpterm, in order from rcv_nxt; ACKed as they come."""
        from scapy.layers.inet import TCP
        got = b''
        segs = []
        end = time.monotonic() + timeout
        while len(got) < n:
            p = self.cl.wait(self.pred(payload=True), max(0.0, end - time.monotonic()))
            expect(p is not None, f'{self}: {len(got)} of {n} bytes back within {timeout} s; '
                   f'tcpterm sent:\n    {self.cl.history()}')
            t = p[TCP]
            expect(t.seq == self.rcv_nxt, f'{self}: data at seq {t.seq}, want rcv_nxt '
                   f'{self.rcv_nxt}: {describe(p)}')
            got += bytes(t.payload)
            segs.append(p)
            self.rcv_nxt = (self.rcv_nxt + len(t.payload)) % MOD
            self.note_ts(p)
            if ack_each:
                self.ack(window=window)
        return got, segs


def wait_sock_connected(s, timeout):
    """A non-blocking kernel socket's connect() outcome within timeout s: 0 or errno."""
    _, w, _ = select.select([], [s], [], timeout)
    if not w:
        return None
    return s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)


def kernel_connect(port, timeout=2.0):
    """A connected kernel socket (this thread's namespace) to tcpterm:port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((ttlib.ADDR, port))
    return s


def kernel_connect_nb(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    err = s.connect_ex((ttlib.ADDR, port))
    expect(err in (0, 115), f'connect_ex to {port}: errno {err}')   # 115 EINPROGRESS
    return s


def delta(before, after, names):
    return {n: after[n] - before[n] for n in names}


def check_delta(what, before, after, want):
    """want: {counter: exact delta}. Fails naming every counter that moved otherwise."""
    d = delta(before, after, want)
    bad = {n: f'{d[n]:+d} (want {want[n]:+d})' for n in want if d[n] != want[n]}
    expect(not bad, f'{what}: counters {bad}')
    log(f'ok: {what}: ' + ', '.join(f'{n} {d[n]:+d}' for n in want))


def ctl_listeners(prefix):
    """{port: (recv_q, send_q, synq, synq_max)} from tcpterm-ctl listeners; None if not built."""
    if not ttlib.TCPTERM_CTL or not os.access(ttlib.TCPTERM_CTL, os.X_OK):
        return None
    r = subprocess.run([ttlib.TCPTERM_CTL, '--file-prefix', prefix, 'listeners'],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=10)
    expect(r.returncode == 0, f'tcpterm-ctl listeners exited {r.returncode}: {r.stderr}')
    out = {}
    for m in re.finditer(r'^LISTEN\s+(\d+)\s+(\d+)\s+\S+:(\d+)\s+(\d+)\s+(\d+)\s*$',
                         r.stdout, re.M):
        out[int(m.group(3))] = tuple(int(m.group(i)) for i in (1, 2, 4, 5))
    expect(out, f'tcpterm-ctl listeners: no LISTEN row parsed:\n{r.stdout}')
    return out
