#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""ts_echo (RFC 7323 4.3, SPEC D7 and H3's follow-up; Linux tcp_replace_ts_recent): right after
the handshake, data at ISN_C+1 is at or below the last ACK tcpterm sent (its SYN-ACK's ack),
so it updates TS.Recent and the echo's TSecr is that data segment's TSval, not the final
ACK's. Two connections from the scapy client of hslib.py: client ISN 1000 and 2^31 + 1000.
The outcome must not depend on the ISN; a receiver comparing SEG.SEQ with an unset (zero)
"last ACK sent" (seq <= 0 in sequence space) updates TS.Recent only for the upper half.
Two data segments each; both connections are checked before the test says which failed.
"""
import hslib
import ttlib
from hslib import MOD, opts_of
from ttlib import expect, log

PORT = ttlib.LISTEN_PORT


def one(cl, isn):
    """None when every echo carries TSecr = the TSval of the data it acknowledges, else why."""
    from scapy.layers.inet import TCP
    f = cl.flow(PORT, isn=isn)
    f.connect(hslib.FULL_OPTS)
    f.ack()
    cl.wait_for('established', cl.conns, lambda c: c['ESTABLISHED'] == 1)
    bad = None
    for i, msg in enumerate((b'first', b'second')):
        seq = f.snd_nxt
        f.data(msg)
        sent_tsval = f.tsval
        got, segs = f.recv_data(len(msg))
        ts = opts_of(segs[0][TCP]).get('Timestamp')
        if bad is None and (ts is None or ts[1] != sent_tsval):
            bad = (f'client ISN {isn}: data segment {i + 1} (seq {seq}, TSval {sent_tsval}) '
                   f'-> echo TSecr {ts and ts[1]}, want {sent_tsval}')
    f.close_echo()
    cl.wait_for('closed', cl.conns, lambda c: all(v == 0 for v in c.values()))
    log(f'{"ok" if bad is None else "BAD"}: client ISN {isn}: echo TSecr '
        f'{"= the data segment TSval" if bad is None else "stale"}')
    return bad


def test():
    ns = ttlib.Netns('tse')
    tt = ttlib.Tcpterm(ns, 'tse', ['--listen', str(PORT), '--app', 'echo']).start()
    cl = hslib.Client(ns, tt)
    bad = [b for b in (one(cl, 1000), one(cl, (2 ** 31 + 1000) % MOD)) if b]
    expect(not bad, 'RFC 7323 TS.Recent not updated by in-order data: ' + '; '.join(bad))
    log('ok: RFC 7323 TSecr of each echo = TSval of the data segment it acknowledges')
    cl.close()


if __name__ == '__main__':
    ttlib.run(test)
