#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""example (SPEC A1, H10; docs/APPLICATIONS.md): examples/fetch.c, the guide's example
application, opens a connection to the Linux kernel through the TAP with tt_app_connect.
  1. an HTTP server (python3 -m http.server) in the namespace: tt-fetch sends
     "GET /f HTTP/1.0", half-closes, prints the answer; exit 0, the body byte-exact (the
     kernel's MAC was unknown: the first SYN went after ARP; test_tcp_connect shows it is
     held, not lost, on the fake clock).
  2. a port nobody listens on: the kernel's RST refuses the connect; exit 1, "refused".
  3. an on-link address nobody has: ARP unanswered three times, then "unreachable"
     (EHOSTUNREACH), exit 1, in 3 to 6 s.
  4. two workers (EAL -l on two CPUs, the TAP steered by tcpterm's RSS key): the source
     port tt_app_connect chose makes the kernel's answers arrive at the connecting worker's
     queue — EthHandoffs 0 (--stats), five runs, each from a random start in the range.
"""
import os
import secrets
import shutil
import subprocess
import tempfile
import time

import ttlib
from ttlib import expect, log

FETCH = os.environ.get('TT_FETCH') or os.path.join(ttlib.SOURCE_ROOT, 'build', 'examples',
                                                   'tt-fetch')
PORT = 8000


def fetch(ns, tag, target, send, timeout=30, lcores=None, extra=()):
    prefix = f'ttex{tag}{os.getpid()}'
    eal = ['-l', lcores or ttlib.lcore(), '--no-pci', '--no-huge', '-m', '512', '--file-prefix',
           prefix, f'--vdev=net_tap0,iface={prefix}']
    argv = [FETCH] + eal + ['--', '--addr', f'{ttlib.ADDR}/{ttlib.PREFIX_LEN}', '--quiet',
                            '--target', target, '--send', send] + list(extra)
    t0 = time.monotonic()
    r = ns.run(argv, capture_output=True, timeout=timeout)
    err = [ln for ln in r.stderr.decode(errors='replace').splitlines() if 'tt-fetch' in ln]
    return r.returncode, r.stdout, ' | '.join(err), time.monotonic() - t0


def test():
    if not os.access(FETCH, os.X_OK):
        raise ttlib.TestFailure(f'{FETCH} is not built')
    ns = ttlib.Netns('ex')
    tmp = tempfile.mkdtemp(prefix='ttex.')
    ttlib._cleanups.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    body = secrets.token_hex(20000).encode()        # 40 kB: several segments, a full window
    with open(os.path.join(tmp, 'f'), 'wb') as f:
        f.write(body)
    srv = subprocess.Popen(ns.argv(['/usr/bin/python3', '-m', 'http.server', str(PORT),
                                    '--bind', '0.0.0.0', '--directory', tmp]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop_srv():
        srv.terminate()
        try:
            srv.wait(5)
        except subprocess.TimeoutExpired:
            srv.kill()
            srv.wait()
    ttlib._cleanups.append(stop_srv)
    time.sleep(0.5)

    rc, out, err, took = fetch(ns, 'a', f'{ttlib.PEER}:{PORT}', 'GET /f HTTP/1.0\\r\\n\\r\\n')
    head, _, got = out.partition(b'\r\n\r\n')
    expect(rc == 0, f'1. tt-fetch exited {rc}: {err}')
    expect(head.startswith(b'HTTP/1.0 200'), f'1. answer {head[:80]!r}')
    expect(got == body, f'1. body of {len(got)} bytes, want {len(body)} byte-exact')
    log(f'ok: 1. GET through tt_app_connect: HTTP 200, {len(got)} bytes exact, {took:.2f} s')

    rc, out, err, took = fetch(ns, 'b', f'{ttlib.PEER}:{PORT + 1}', 'x')
    expect(rc == 1 and 'refused' in err, f'2. to a closed port: exit {rc}, {err!r}')
    log(f'ok: 2. closed port: exit 1, "{err.strip()}" in {took:.2f} s')

    rc, out, err, took = fetch(ns, 'c', '198.18.3.77:80', 'x')
    expect(rc == 1 and 'unreachable' in err, f'3. to nobody: exit {rc}, {err!r}')
    expect(3 <= took < 8, f'3. gave up after {took:.1f} s, want about 3 s of ARP')
    log(f'ok: 3. no such host: exit 1, "{err.strip()}" after {took:.1f} s')

    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        log('4. skipped: one CPU')
        return
    for i in range(5):
        rc, out, err, took = fetch(ns, f'd{i}', f'{ttlib.PEER}:{PORT}',
                                   'GET /f HTTP/1.0\\r\\n\\r\\n',
                                   lcores=f'{cpus[-2]},{cpus[-1]}', extra=['--stats'])
        got = out.partition(b'\r\n\r\n')[2]
        expect(rc == 0 and got == body, f'4. run {i}: exit {rc}, {len(got)} bytes: {err}')
        expect('tt-fetch: ActiveOpens 1' in err and 'tt-fetch: EthHandoffs 0' in err,
               f'4. run {i}: {err}')
    log(f'ok: 4. two workers, five fetches: no segment handed over ({err})')


if __name__ == '__main__':
    ttlib.run(test)
