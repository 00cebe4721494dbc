#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the libFuzzer targets (tests/fuzz/corpus/<target>/).

    /usr/bin/python3 tests/fuzz/make_corpus.py [OUTDIR]     (default: tests/fuzz/corpus)

fuzz_tcp seeds are programs in the record language of tests/fuzz/fuzz_tcp.c (its header
comment is the reference; the encoders below follow it field by field): each seed plays one
scenario of the SPEC against the TCP core, so fuzzing starts from inputs that already reach
ESTABLISHED, the close states, the queues, cookies and the timers, and mutates from there.
fuzz_input seeds are single Ethernet frames for tests/fuzz/fuzz_input.c.

Deterministic: the same files every run (names are the scenario), so the corpus in the
repository is this script's output; run it again after changing the record language.
"""
import os
import shutil
import struct
import sys

# ---------------------------------------------------------------------------------------
# fuzz_tcp: the header (4 bytes) and the records.

REACT = {'none': 0, 'close': 1, 'shutdown': 2, 'abort': 3}
TW_BUCKETS = {0: 0, 1: 1, 4: 2, 64: 3}
WMEM = {1024: 0, 4096: 1, 16384: 2, 65536: 3}


def header(syncookies=1, abort_on_overflow=0, timestamps=1, window_scaling=1, sack=1,
           second_listener=0, auto_accept=1, echo=1, on_data='none', on_fin='close',
           big_rmem=0, abort_at_end=0, backlog=8, max_syn_backlog=8, max_tw_buckets=64,
           synack_retries=2, fin_timeout=2, time_wait=2, wmem=4096):
    h0 = (syncookies | abort_on_overflow << 2 | timestamps << 3 | window_scaling << 5 |
          sack << 6 | second_listener << 7)
    h1 = (auto_accept | echo << 1 | REACT[on_data] << 2 | REACT[on_fin] << 4 |
          big_rmem << 6 | abort_at_end << 7)
    h2 = (backlog - 1) | (max_syn_backlog - 1) << 3 | TW_BUCKETS[max_tw_buckets] << 6
    h3 = synack_retries | (fin_timeout - 1) << 2 | (time_wait - 1) << 4 | WMEM[wmem] << 6
    return bytes([h0, h1, h2, h3])


KIND = {'SYN': 0, 'ACK': 1, 'DATA': 2, 'FIN': 3, 'RST': 4, 'RSTACK': 5, 'SYNACK': 6,
        'RAW': 7}
SEQ_MODE = {'same': 0, 'delta': 1, 'far': 2, 'value': 3}
OPT_MODE = {'usual': 0, 'none': 1, 'raw': 2, 'sack': 3}


def data_len_byte(n):
    """The length byte of fuzz_tcp.c's seg_len(): 1-200 exactly, then 26-byte steps."""
    if 1 <= n <= 200:
        return n - 1
    return min(255, 199 + (n + 25) // 26)


def seg(c, kind, burst=False, flags=None, length=0, seq=('same',), ack=('same',),
        opts='usual', raw_opts=b'', sack=None, win=None, new=False):
    """One segment record of client c. seq/ack: ('same',), ('delta', signed byte),
    ('far', 0-7), ('value', u32). sack: [(first, count), ...] blocks in MSS units."""
    mod = (SEQ_MODE[seq[0]] | SEQ_MODE[ack[0]] << 2 | OPT_MODE[opts] << 4 |
           (0x40 if win is not None else 0) | (0x80 if new else 0))
    op = c | (4 if burst else 0) | KIND[kind] << 3 | (0x40 if mod else 0)
    out = bytearray([op])
    if mod:
        out.append(mod)
    if kind == 'RAW':
        out.append(flags)
    if kind in ('DATA', 'RAW'):
        out.append(data_len_byte(length) if length else 0)
    for sel in (seq, ack):
        if sel[0] in ('delta', 'far'):
            out.append(sel[1] & 0xff)
        elif sel[0] == 'value':
            out += struct.pack('!I', sel[1])
    if mod & 0x70:
        if win is not None:
            out.append(win)
        if opts == 'raw':
            out.append(len(raw_opts))
            out += raw_opts
        elif opts == 'sack':
            out.append(len(sack) - 1)
            for first, count in sack:
                out += bytes([first & 15, (count - 1) & 3])
    return bytes(out)


# Time: 0-150 ms in 10 ms steps (0x80-0x8f), the table of fuzz_tcp.c (0x90-0x9e), seconds.
TIME_STEPS = [200, 300, 500, 1000, 1500, 2000, 3000, 5000, 7000, 10000, 20000, 30000, 60000,
              120000, 200, 40]


def wait(ms):
    if ms % 10 == 0 and ms <= 150:
        return bytes([0x80 + ms // 10])
    if ms in TIME_STEPS:
        return bytes([0x90 + TIME_STEPS.index(ms)])
    assert ms % 1000 == 0 and ms // 1000 <= 255, ms
    return bytes([0x9f, ms // 1000])


def app(action, handle=0, send_len=0):
    codes = {'accept': 0, 'close': 1, 'shutdown': 2, 'abort': 3, 'send': 4,
             'toggle_accept': 5, 'toggle_echo': 6, 'accept_all': 7}
    out = bytearray([0xa0 | codes[action]])
    if action == 'send':
        out.append(max(0, min(255, (send_len - 1) // 64)))
    if action in ('close', 'shutdown', 'abort', 'send'):
        out.append(handle)
    return bytes(out)


def connect(c, mac_known=True):
    """The application connects to client c (from port 80: its passive 4-tuple)."""
    return bytes([0xb8 | (4 if mac_known else 0) | c])


def raw_tcp(c, data, keep_bad_csum=False, raw_ports=False):
    return bytes([0xc0 | (2 if keep_bad_csum else 0) | c << 2 | (0x10 if raw_ports else 0),
                  len(data)]) + data


def raw_frame(frame):
    return bytes([0xc1, len(frame)]) + frame


def syn_opts(c, mss=True, ws=True, sack=True, ts=True, pick=0):
    return bytes([0xe0 | c, int(mss) | int(ws) << 1 | int(sack) << 2 | int(ts) << 3 | pick << 4])


POLL = b'\xf0'


def deaf(c):
    return bytes([0xf1 + c])


def handshake(c, new=False):
    return seg(c, 'SYN', new=new) + seg(c, 'ACK')


def tcp_seeds():
    s = {}
    hs = handshake(0)
    s['handshake'] = header() + hs
    s['handshake_no_options'] = header(timestamps=0, window_scaling=0, sack=0) + \
        syn_opts(0, False, False, False, False) + hs
    s['handshake_mss_odd'] = header() + syn_opts(0, pick=3) + hs          # MSS 1
    s['handshake_ws14'] = header() + syn_opts(0, pick=2) + hs             # shift 14
    s['data_echo'] = header() + hs + seg(0, 'DATA', length=100) + wait(50) + seg(0, 'ACK')
    s['data_big'] = header(big_rmem=1) + hs + seg(0, 'DATA', length=1448) + \
        seg(0, 'DATA', length=1448, burst=True) + seg(0, 'DATA', length=1448) + wait(40)
    s['third_ack_with_data'] = header() + seg(0, 'SYN') + seg(0, 'DATA', length=20)
    s['passive_close'] = header(on_fin='close') + hs + seg(0, 'DATA', length=10) + \
        seg(0, 'FIN') + seg(0, 'ACK')
    s['half_close'] = header(on_fin='none', echo=0) + hs + seg(0, 'FIN') + \
        app('send', 0, 3000) + seg(0, 'ACK') + app('close', 0) + seg(0, 'ACK')
    s['active_close_time_wait'] = header(echo=0) + hs + app('close', 0) + seg(0, 'ACK') + \
        seg(0, 'FIN') + wait(1000) + seg(0, 'FIN', seq=('delta', -1))
    s['simultaneous_close'] = header(echo=0) + hs + deaf(0) + app('close', 0) + deaf(0) + \
        seg(0, 'FIN', ack=('delta', -1)) + seg(0, 'ACK')
    s['fin_wait_2_timeout'] = header(echo=0, fin_timeout=1) + hs + app('close', 0) + \
        seg(0, 'ACK') + wait(2000)
    s['tw_reopen'] = header(echo=0) + hs + app('close', 0) + seg(0, 'FIN') + \
        seg(0, 'SYN', seq=('far', 6))
    s['tw_overflow'] = header(echo=0, max_tw_buckets=1) + hs + handshake(1) + \
        app('close', 0) + app('close', 1) + seg(0, 'FIN') + seg(1, 'FIN')
    s['rst_exact'] = header() + hs + seg(0, 'RST')
    s['rst_in_window'] = header() + hs + seg(0, 'RST', seq=('delta', 100))
    s['rst_synrecv'] = header() + seg(0, 'SYN') + seg(0, 'RST', seq=('delta', 1))
    s['syn_in_established'] = header() + hs + seg(0, 'SYN', seq=('far', 5))
    s['old_ack_challenge'] = header() + hs + seg(0, 'ACK', ack=('far', 3))
    s['out_of_window'] = header() + hs + seg(0, 'DATA', length=50, seq=('far', 0))
    s['syn_retransmitted'] = header() + seg(0, 'SYN') + seg(0, 'SYN') + seg(0, 'ACK')
    s['synack_timeout'] = header(synack_retries=2) + deaf(0) + seg(0, 'SYN') + wait(7000)
    s['synack_lost_then_ack'] = header() + deaf(0) + seg(0, 'SYN') + deaf(0) + wait(1000) + \
        seg(0, 'ACK')
    s['cookies_always'] = header(syncookies=2) + hs + seg(0, 'DATA', length=30)
    s['cookies_queue_full'] = header(max_syn_backlog=1) + seg(0, 'SYN') + seg(1, 'SYN') + \
        seg(1, 'ACK') + seg(0, 'ACK')
    s['cookie_bad_ack'] = header(syncookies=2) + seg(0, 'SYN') + seg(0, 'ACK', ack=('delta', 5))
    s['syn_drop_no_cookies'] = header(syncookies=0, max_syn_backlog=1) + seg(0, 'SYN') + \
        seg(1, 'SYN')
    s['accept_queue_full'] = header(auto_accept=0, backlog=1) + hs + handshake(1) + \
        seg(2, 'SYN') + app('accept') + wait(1000) + seg(1, 'ACK')
    s['abort_on_overflow'] = header(auto_accept=0, backlog=1, abort_on_overflow=1) + hs + \
        handshake(1)
    s['retransmit_deaf'] = header(echo=1) + hs + deaf(0) + seg(0, 'DATA', length=300) + \
        wait(200) + wait(500) + wait(1000) + deaf(0) + seg(0, 'ACK')
    s['dup_acks_sack'] = header(echo=0) + hs + app('send', 0, 6000) + deaf(0) + \
        seg(0, 'ACK', opts='sack', sack=[(1, 1)]) + seg(0, 'ACK', opts='sack', sack=[(1, 2)]) + \
        seg(0, 'ACK', opts='sack', sack=[(1, 3)]) + deaf(0) + wait(300)
    s['zero_window_persist'] = header(echo=0) + hs + seg(0, 'ACK', win=0) + \
        app('send', 0, 2000) + wait(300) + wait(1000) + seg(0, 'ACK')
    s['backpressure'] = header(echo=1, wmem=1024) + hs + deaf(0) + \
        seg(0, 'DATA', length=1448) + seg(0, 'DATA', length=1448) + wait(100) + deaf(0) + \
        seg(0, 'ACK')
    s['close_unread'] = header(auto_accept=0, echo=0) + hs + seg(0, 'DATA', length=40) + \
        app('accept') + app('close', 0)
    s['data_after_close'] = header(echo=0) + hs + app('close', 0) + \
        seg(0, 'DATA', length=10)
    s['shutdown_then_data'] = header(echo=0) + hs + app('shutdown', 0) + \
        seg(0, 'DATA', length=10) + seg(0, 'FIN')
    s['app_abort'] = header() + hs + app('abort', 0) + seg(0, 'ACK')
    s['seq_wrap'] = header() + seg(0, 'SYN', seq=('value', 0xfffffff0)) + seg(0, 'ACK') + \
        seg(0, 'DATA', length=100)
    # Header bytes as written (ports are replaced by the client's): a SYN with MSS and
    # SACK-permitted; an ACK whose timestamp option is cut short.
    s['raw_tcp_header'] = header() + raw_tcp(0, tcp_header(0x02, bytes.fromhex('020405b401010402'),
                                                         seq=1000000))
    s['raw_bad_options'] = header() + hs + raw_tcp(0, tcp_header(0x10, bytes.fromhex('080a0000')))
    s['raw_frame_arp'] = header() + raw_frame(arp_request())
    s['four_clients_burst'] = header() + b''.join(seg(c, 'SYN', burst=True) for c in range(4)) + \
        POLL + b''.join(seg(c, 'ACK', burst=True) for c in range(4)) + POLL + \
        b''.join(seg(c, 'DATA', length=64, burst=True) for c in range(4)) + POLL
    s['second_listener'] = header(second_listener=1) + hs
    s['reconnect_new_port'] = header() + hs + seg(0, 'FIN') + handshake(0, new=True) + \
        seg(0, 'DATA', length=5)
    s['raw_flags_syn_fin'] = header() + hs + seg(0, 'RAW', flags=0x03, length=1)
    s['wind_down_abort'] = header(abort_at_end=1) + hs + seg(0, 'DATA', length=100)
    # Active opens (A1, H10): tcpterm connects to a client, which answers as a server.
    s['connect_established'] = header(echo=0) + connect(0) + seg(0, 'SYNACK') + \
        seg(0, 'DATA', length=100) + app('send', 0, 500) + seg(0, 'ACK') + seg(0, 'FIN') + \
        app('close', 0) + seg(0, 'ACK')
    s['connect_arp'] = header(echo=0) + connect(1, mac_known=False) + raw_frame(arp_reply()) + \
        seg(1, 'SYNACK') + app('close', 0) + seg(1, 'FIN')
    s['connect_refused'] = header() + connect(0) + seg(0, 'RSTACK')
    s['connect_simultaneous'] = header(echo=0) + connect(0) + seg(0, 'SYN') + seg(0, 'ACK') + \
        seg(0, 'DATA', length=20)
    s['connect_timeout'] = header(synack_retries=1) + deaf(0) + connect(0) + wait(8000)
    s['connect_unreachable'] = header() + connect(2, mac_known=False) + wait(4000)
    s['connect_wrong_synack'] = header() + connect(0) + seg(0, 'SYNACK', ack=('delta', 5)) + \
        seg(0, 'SYNACK')
    s['connect_then_passive'] = header() + connect(0) + handshake(1) + seg(0, 'SYNACK') + \
        seg(1, 'DATA', length=30)
    return s


# ---------------------------------------------------------------------------------------
# fuzz_input: Ethernet frames, as test_fuzz_input.c's builder makes them.

MAC_US = bytes.fromhex('020000000001')
MAC_PEER = bytes.fromhex('02000000000a')
IP_US = bytes([198, 18, 0, 2])
IP_PEER = bytes([198, 18, 0, 10])


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(proto, payload, opts=b'', frag=0):
    ihl = (20 + len(opts)) // 4
    hdr = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, 20 + len(opts) + len(payload), 0x4242,
                      frag, 64, proto, 0, IP_PEER, IP_US) + opts
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    return MAC_US + MAC_PEER + b'\x08\x00' + hdr + payload


def tcp_header(flags, opts=b'', seq=1000, ack=0):
    """A TCP header (checksum 0) with options padded to whole words."""
    opts += b'\x01' * (-len(opts) % 4)
    return struct.pack('!HHIIBBHHH', 40000, 80, seq, ack, (20 + len(opts)) // 4 << 4, flags,
                       65535, 0, 0) + opts


def tcp(flags, opts=b'', payload=b''):
    th = tcp_header(flags, opts) + payload
    pseudo = IP_PEER + IP_US + struct.pack('!BBH', 0, 6, len(th))
    return th[:16] + struct.pack('!H', csum(pseudo + th)) + th[18:]


def icmp_echo(data):
    h = struct.pack('!BBHHH', 8, 0, 0, 0x1234, 1) + data
    return h[:2] + struct.pack('!H', csum(h)) + h[4:]


def arp_request():
    return (b'\xff' * 6 + MAC_PEER + b'\x08\x06' +
            struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + MAC_PEER + IP_PEER + b'\0' * 6 + IP_US)


def arp_reply():
    """The client's answer to tcpterm's request for it (an active open's first SYN waits)."""
    return (MAC_US + MAC_PEER + b'\x08\x06' +
            struct.pack('!HHBBH', 1, 0x0800, 6, 4, 2) + MAC_PEER + IP_PEER + MAC_US + IP_US)


def input_seeds():
    arp = arp_request()
    syn_opts = bytes.fromhex('020405b40402080a000000010000000001030307')
    return {
        'arp_request': arp,
        'icmp_echo': ipv4(1, icmp_echo(bytes(range(32)))),
        'tcp_syn': ipv4(6, tcp(0x02, syn_opts)),
        'tcp_ack_data': ipv4(6, tcp(0x18, payload=b'GET / HTTP/1.0\r\n\r\n')),
        'tcp_rst': ipv4(6, tcp(0x04)),
        'udp': ipv4(17, struct.pack('!HHHH', 5000, 53, 12, 0) + b'abcd'),
        'ip_options': ipv4(1, icmp_echo(b'x' * 8), opts=b'\x94\x04\x00\x00'),
        'fragment': ipv4(6, tcp(0x02), frag=0x2000),
    }


def write(outdir, name, seeds):
    d = os.path.join(outdir, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for key, data in sorted(seeds.items()):
        with open(os.path.join(d, key), 'wb') as f:
            f.write(data)
    print(f'{d}: {len(seeds)} seeds, {sum(len(v) for v in seeds.values())} bytes')


def findings():
    """The campaign's findings (findings/, README aside), replayed with the seeds so the
    'fuzz' suite keeps them fixed."""
    d = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'findings')
    out = {}
    for name in sorted(os.listdir(d)):
        if name != 'README':
            with open(os.path.join(d, name), 'rb') as f:
                out['finding-' + name] = f.read()
    return out


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
    write(outdir, 'fuzz_tcp', {**tcp_seeds(), **findings()})
    write(outdir, 'fuzz_input', input_seeds())
    return 0


if __name__ == '__main__':
    sys.exit(main())
