#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Linux's own figure on this machine, the floor of issue 9 item 6 (SPEC P1): nginx (Debian's
nginx-light, installed if missing) with one worker on CPU 1, wrk with one thread on CPU 0,
over the loopback of a network namespace this driver creates and removes: the fastest local
path the kernel has (no device, no driver, no copy to a NIC). Never part of the test suites.

    tests/bench/linux_floor.py [--seconds 10] [--conns 64] [--body 14]

Two cases, each one wrk run: keep-alive (requests/s) and "Connection: close" (a connection
per request: connections/s; nginx closes first, so the TIME_WAIT entries are the
server's). For each: the server CPU's busy share over the run (/proc/stat: user,
system, irq and softirq time, so niced work such as a fuzzer left at nice 19 is not counted:
nginx, the system calls it makes, the softirqs that land there) and the client CPU's, and
cycles per request or connection (busy share x clock / rate, for the server CPU and for both
CPUs together). On loopback a sender's system call carries its segment through the
receiver's TCP input too, so the server CPU's figure is the server's own calls plus the
client's segments' input; "both CPUs" is the whole exchange.
One readable line and one JSON line per case; exit 1 when wrk reported errors.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SERVER_CPU, CLIENT_CPU = 1, 0
ADDR = '127.0.0.1:8080'


def tsc_hz():
    """The CPU clock from /proc/cpuinfo (on these VMs the TSC's), or None; bench_all.py's
    estimate of dperf's cycles uses it too."""
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('cpu MHz'):
                return float(line.split(':')[1]) * 1e6
    return None


def cpu_times():
    """{cpu: (busy, total)} in jiffies, from /proc/stat."""
    out = {}
    with open('/proc/stat') as f:
        for line in f:
            m = re.match(r'cpu(\d+) (.*)', line)
            if m:
                # user nice system idle iowait irq softirq steal: niced work (a fuzzer
                # left running at nice 19) is not the server's, nor is the hypervisor's.
                v = [int(x) for x in m.group(2).split()]
                out[int(m.group(1))] = (v[0] + v[2] + v[5] + v[6], sum(v[:8]))
    return out


def busy_share(t0, t1, cpu):
    db = t1[cpu][0] - t0[cpu][0]
    dt = t1[cpu][1] - t0[cpu][1]
    return db / dt if dt else 0.0


def ensure_tools():
    missing = [p for p, b in (('nginx-light', 'nginx'), ('wrk', 'wrk')) if not shutil.which(b)]
    if missing:
        print(f'linux_floor: installing {" ".join(missing)} (Debian)', file=sys.stderr)
        subprocess.run(['apt-get', 'install', '-y', '-q', *missing], check=True,
                       stdout=subprocess.DEVNULL, env=dict(os.environ,
                                                           DEBIAN_FRONTEND='noninteractive'))


NGINX_CONF = """worker_processes 1;
worker_cpu_affinity {mask};
daemon off;
master_process on;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 65536; }}
http {{
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work};
    uwsgi_temp_path {work}; scgi_temp_path {work};
    server {{
        listen {addr} backlog=4096 reuseport;
        location / {{ default_type text/plain; return 200 "{body}"; }}
    }}
}}
"""


class Nginx:
    """nginx in its own namespace; stopped, and the namespace removed, on exit."""

    def __init__(self, body):
        self.ns = f'ttfloor{os.getpid()}'
        # Named after this process, so that scripts/bench.sh can remove it if it is killed.
        self.work = tempfile.mkdtemp(prefix=f'tt-floor.{os.getpid()}.')
        self.body = body
        self.proc = None

    def __enter__(self):
        # __exit__ is not called when __enter__ fails: undo what was done here first.
        try:
            return self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def start(self):
        subprocess.run(['ip', 'netns', 'add', self.ns], check=True)
        self.ns_run(['ip', 'link', 'set', 'lo', 'up'])
        conf = os.path.join(self.work, 'nginx.conf')
        with open(conf, 'w') as f:
            f.write(NGINX_CONF.format(mask=format(1 << SERVER_CPU, 'b'), work=self.work,
                                      addr=ADDR, body='a' * self.body))
        self.proc = subprocess.Popen(['ip', 'netns', 'exec', self.ns, 'taskset', '-c',
                                      str(SERVER_CPU), 'nginx', '-c', conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        for _ in range(50):
            if self.ns_run(['/usr/bin/python3', '-c', 'import socket; socket.create_connection('
                            f'("{ADDR.split(":")[0]}", {ADDR.split(":")[1]}), 1)'],
                           check=False).returncode == 0:
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        log = os.path.join(self.work, 'error.log')
        why = open(log).read().strip().splitlines()[-1:] if os.path.exists(log) else []
        raise SystemExit(f'linux_floor: nginx did not start: {why[0] if why else "no log"}')

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: nginx's fast shutdown, master and worker
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)   # its own session: the worker too
                self.proc.wait()
        subprocess.run(['ip', 'netns', 'del', self.ns], check=False)
        shutil.rmtree(self.work, ignore_errors=True)

    def ns_run(self, cmd, check=True):
        return subprocess.run(['ip', 'netns', 'exec', self.ns, *cmd], check=check,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wrk(ng, seconds, conns, close):
    cmd = ['taskset', '-c', str(CLIENT_CPU), 'wrk', '-t1', f'-c{conns}', f'-d{seconds}s']
    if close:
        cmd += ['-H', 'Connection: close']
    t0 = cpu_times()
    r = ng.ns_run(cmd + [f'http://{ADDR}/'], check=False)
    t1 = cpu_times()
    m = re.search(r'Requests/sec:\s+([\d.]+)', r.stdout)
    if r.returncode != 0 or m is None:
        raise SystemExit(f'linux_floor: wrk failed: {r.stdout.strip()[-200:]}')
    errors = {}
    e = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)',
                  r.stdout)
    if e:
        errors = dict(zip(('connect', 'read', 'write', 'timeout'), map(int, e.groups())))
    n = re.search(r'Non-2xx or 3xx responses: (\d+)', r.stdout)
    if n:
        errors['non_2xx'] = int(n.group(1))
    return float(m.group(1)), busy_share(t0, t1, SERVER_CPU), busy_share(t0, t1, CLIENT_CPU), \
        {k: v for k, v in errors.items() if v}


def measure(seconds=10, conns=64, body=14):
    """Both cases; a list of (name, text, fields) for the caller to print. Any failure is a
    SystemExit with one line, which bench_all.py reports as the figure's."""
    try:
        return measure_cases(seconds, conns, body)
    except (OSError, subprocess.CalledProcessError) as e:
        raise SystemExit(f'linux_floor: {e}') from e


def measure_cases(seconds, conns, body):
    ensure_tools()
    hz = tsc_hz()
    if hz is None:
        raise SystemExit('linux_floor: no "cpu MHz" in /proc/cpuinfo')
    out = []
    with Nginx(body) as ng:
        for close in (False, True):
            rate, sb, cb, errors = wrk(ng, seconds, conns, close)
            unit = 'conn' if close else 'req'
            if rate <= 0:
                raise SystemExit(f'linux_floor: wrk completed no request ({errors or "no error"})')
            srv = round(sb * hz / rate)
            both = round((sb + cb) * hz / rate)
            name = 'close' if close else 'keepalive'
            text = (f'nginx on loopback, {"Connection: close" if close else "keep-alive"}, '
                    f'{conns} conns: {rate:,.0f} {unit}/s, server CPU busy {sb:.3f} '
                    f'~{srv:,} cycles/{unit} (both CPUs ~{both:,}), client CPU busy {cb:.3f}, '
                    f'errors {errors or "none"}')
            out.append((name, text, {
                'case': name, 'server': 'nginx-light on Linux loopback', 'conns': conns,
                'duration_s': seconds, 'body_bytes': body, f'{unit}_per_s': round(rate),
                'server_busy': round(sb, 3), 'client_busy': round(cb, 3),
                f'server_cycles_per_{unit}': srv, f'both_cycles_per_{unit}': both,
                'cycles_estimated': True, 'errors': errors}))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--seconds', type=int, default=10)
    ap.add_argument('--conns', type=int, default=64)
    ap.add_argument('--body', type=int, default=14)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit('linux_floor: needs root (network namespace)')
    # Killed: SystemExit unwinds through Nginx.__exit__ (nginx, namespace, directory).
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(f'linux_floor: signal {sig}'))
    bad = False
    for name, text, fields in measure(a.seconds, a.conns, a.body):
        print(f'linux: {text}', flush=True)
        print(json.dumps({'bench': 'linux', 'date': time.strftime('%Y-%m-%d %H:%M'), **fields}),
              flush=True)
        bad |= bool(fields['errors'])
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
