#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""tw (SPEC F6): TIME_WAIT reopen and max_tw_buckets, with Python sockets in the kernel of
the test's namespace against tcpterm --app http --time-wait 10 --max-tw-buckets 5.

  1. reopen: a request with "Connection: close" from local port P leaves tcpterm in
     TIME_WAIT for that 4-tuple (the client's kernel has nothing left: it closed second).
     A new socket with SO_REUSEADDR bound to the same port P connects at once (< 0.5 s: no
     SYN retransmission, so tcpterm accepted the SYN — its sequence number and timestamp
     are newer — rather than re-ACKing the old connection), its request is answered, and
     PassiveOpens counts it. No reset is sent (OutRsts 0).
  2. overflow: 20 more server-closed connections: TIME_WAIT never exceeds 5 and
     TCPTimeWaitOverflow counts every closing connection beyond the 5 (F6 "beyond
     max_tw_buckets a closing connection skips TIME_WAIT"); each client still sees a clean
     close (EOF, no reset).
  3. tcpterm answers ping afterwards (D8)."""
import time

import ttclient
import ttlib
from ttclient import Checks, connect, recv_response, wait_eof
from ttlib import log

PORT = 80
MAX_TW = 5
REQ_CLOSE = b'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'


def one_request(port=PORT, bind_port=None, reuse=False):
    """(status, end, local port, connect seconds) of one Connection: close request."""
    t0 = time.monotonic()
    s = connect(port, bind_port=bind_port, reuse=reuse)
    dt = time.monotonic() - t0
    try:
        lport = s.getsockname()[1]
        s.sendall(REQ_CLOSE)
        st, _, _ = recv_response(s, time.monotonic() + 3)
        end = wait_eof(s, 2.0)
    finally:
        s.close()
    return st, end, lport, dt


def test():
    chk = Checks()
    ns = ttlib.Netns('tw')
    tt = ttlib.Tcpterm(ns, 'tw', ['--listen', str(PORT), '--app', 'http', '--time-wait', '10',
                                  '--max-tw-buckets', str(MAX_TW)]).start()
    ns.enter()
    before = tt.stats()

    # 1. reopen
    st, end, lport, _ = one_request(reuse=True)
    chk.check(st.endswith('200 OK') and end == 'eof', f'first connection from port {lport}: '
              f'answered and closed by tcpterm ({st!r}, {end})')
    c = ttclient.wait_conns(tt, lambda c: c['TIME_WAIT'] == 1, 2.0)
    chk.check(c['TIME_WAIT'] == 1, f'tcpterm holds its TIME_WAIT ({c["TIME_WAIT"]})')
    ss = ns.out(['ss', '-Htan', 'sport', f'= :{lport}'])
    chk.check(ss.strip() == '', f'the client\'s kernel holds nothing on port {lport}', ss)
    time.sleep(0.2)
    p0 = tt.stats()
    try:
        st, end, lport2, dt = one_request(bind_port=lport, reuse=True)
        err = None
    except (OSError, EOFError) as e:
        st, end, lport2, dt, err = '', '', lport, -1, e
    p1 = tt.stats()
    d = ttclient.delta(p1, p0, ('PassiveOpens', 'OutRsts', 'InSegs', 'OutSegs'))
    log(f'reopen of {ttlib.PEER}:{lport} -> {ttlib.ADDR}:{PORT}: connect {dt * 1000:.1f} ms, '
        f'{st!r}, {end}, counters moved {d}')
    chk.check(err is None and st.endswith('200 OK'), f'F6: a new connection from the same '
              f'4-tuple (port {lport2}) while tcpterm holds its TIME_WAIT is answered', repr(err))
    chk.check(0 <= dt < 0.5, f'F6: it connects at once ({dt * 1000:.1f} ms, no SYN '
              'retransmission)')
    chk.check(d['PassiveOpens'] == 1, f'F6: PassiveOpens +{d["PassiveOpens"]}, want 1')
    chk.check(d['OutRsts'] == 0, f'F6: no reset ({d["OutRsts"]})')
    c = ttclient.wait_conns(tt, lambda c: c['TIME_WAIT'] == 1, 2.0)
    chk.check(c['TIME_WAIT'] == 1, f'after the reopened connection closes, one TIME_WAIT '
              f'for the 4-tuple again ({c["TIME_WAIT"]})')

    # 2. overflow
    o0 = tt.stats()
    n, bad, peak = 20, [], 0
    for i in range(n):
        try:
            st, end, _, _ = one_request()
            if not st.endswith('200 OK') or end != 'eof':
                bad.append((i, st, end))
        except (OSError, EOFError) as e:
            bad.append((i, repr(e)))
        peak = max(peak, ttclient.conns(tt)['TIME_WAIT'])
    c = ttclient.wait_settled(tt, 2.0)
    o1 = tt.stats()
    d = ttclient.delta(o1, o0, ('PassiveOpens', 'TCPTimeWaitOverflow', 'OutRsts',
                                'EstabResets'))
    log(f'overflow: {n} server-closed connections, TIME_WAIT peak {peak}, now '
        f'{c["TIME_WAIT"]}; counters moved {d}')
    chk.check(not bad, f'{n} server-closed connections answered and closed cleanly',
              f'{bad[:3]}')
    chk.check(peak <= MAX_TW and c['TIME_WAIT'] <= MAX_TW,
              f'F6: TIME_WAIT stays <= --max-tw-buckets {MAX_TW} (peak {peak}, now '
              f'{c["TIME_WAIT"]})')
    chk.check(c['TIME_WAIT'] == MAX_TW, f'F6: the TIME_WAIT table is full '
              f'({c["TIME_WAIT"]} of {MAX_TW})')
    want = n - (MAX_TW - 1)     # one entry was held before: MAX_TW - 1 places were free
    chk.check(d['TCPTimeWaitOverflow'] == want, f'F6: TCPTimeWaitOverflow +'
              f'{d["TCPTimeWaitOverflow"]}, want {want}')
    chk.check(d['OutRsts'] == 0 and d['EstabResets'] == 0, f'no reset ({d})')
    chk.check(not ttclient.busy(c), 'afterwards nothing open or closing', f'conns {c}')
    after = tt.stats()
    chk.check(after['PassiveOpens'] - before['PassiveOpens'] == n + 2,
              f'PassiveOpens +{after["PassiveOpens"] - before["PassiveOpens"]}, want {n + 2}')
    ttclient.check_alive(chk, ns, tt)
    chk.done()


if __name__ == '__main__':
    ttlib.run(test)
