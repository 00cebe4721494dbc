#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Shared helpers of tcpterm's integration tests (tests/integration/test_*.py, lib.sh).

Each test creates its own network namespace, starts tcpterm in it on a TAP device with a
unique --file-prefix and TAP name, talks to it from the kernel side of the TAP (inside the
namespace) and reads its counters straight from the DPDK telemetry socket. Whatever happens,
run() cleans up: SIGINT to the tcpterm PIDs this process started (never by name), wait, the
namespace deleted, /var/run/dpdk/<prefix> removed if tcpterm left it.

Runs with Debian's /usr/bin/python3 (which has scapy); only the standard library is used here.
As a command line, for lib.sh:  ttlib.py get PREFIX COMMAND [KEY]
                                ttlib.py wait-up PREFIX PID [TIMEOUT]
                                ttlib.py alive PREFIX
"""
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

SKIP = 77  # meson's exit code for a skipped test

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get('TT_SOURCE_ROOT') or os.path.dirname(os.path.dirname(HERE))
TCPTERM = os.environ.get('TCPTERM') or os.path.join(SOURCE_ROOT, 'build', 'app', 'tcpterm')
TCPTERM_CTL = os.environ.get('TCPTERM_CTL', '')
RUN_DIR = '/var/run/dpdk'
STATS_H = os.path.join(SOURCE_ROOT, 'include', 'tcpterm', 'tt_stats.h')

# Every test uses the same addresses: each runs in its own namespace, so they never meet.
ADDR = '198.18.3.2'
PEER = '198.18.3.1'          # the kernel side of the TAP (tcpterm's kernel_addr = auto)
PREFIX_LEN = 24
# Tests that expect resets listen here only, so port 80 and the others have no listener
# (SPEC H9) today and once listeners exist.
LISTEN_PORT = 8080

CLONE_NEWNET = 0x40000000


class TestFailure(Exception):
    """An assertion of the test failed; the message says which."""


class TestSkip(Exception):
    """The machine cannot run the test (no namespaces, no TUN device); exit 77."""


def log(msg):
    print(msg, flush=True)


def expect(cond, msg):
    if not cond:
        raise TestFailure(msg)


def lcore():
    """The EAL lcore for tcpterm: TT_LCORE, else the last CPU we may run on (CPU 0 is
    left to the kernel, the clients and the test)."""
    if os.environ.get('TT_LCORE'):
        return os.environ['TT_LCORE']
    return str(max(os.sched_getaffinity(0)))


# Counters of the host's doings, not the traffic's: they move on an idle instance whenever
# the host keeps the worker off its CPU (WorkerStalls, R1), so two reads need not agree.
HOST_COUNTERS = ('WorkerStalls',)


def stat_names():
    """Counter names, parsed from the X-macro rows of include/tcpterm/tt_stats.h."""
    with open(STATS_H) as f:
        text = f.read()
    names = re.findall(r'^\s*X\(\s*\w+\s*,\s*(\w+)\s*,\s*"', text, re.M)
    expect(len(names) > 10, f'cannot parse counter rows from {STATS_H}')
    return names


# ---------------------------------------------------------------------------------------
# Telemetry: AF_UNIX SOCK_SEQPACKET; the server greets with a JSON object carrying
# max_output_len, then answers each command with {"<command>": <data>}.

def telemetry(prefix, cmd, timeout=2.0):
    path = os.path.join(RUN_DIR, prefix, 'dpdk_telemetry.v2')
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(timeout)
        s.connect(path)
        hello = json.loads(s.recv(64 * 1024).decode())
        size = int(hello.get('max_output_len', 16384))
        s.send(cmd.encode())
        reply = json.loads(s.recv(size + 1024).decode())
    return reply.get(cmd.split(',')[0])


LAYERS = ('timers', 'rx', 'stack', 'app', 'out', 'tx')


def layer_cycles(workers):
    """Busy cycles by layer summed over /tcpterm/workers (tcpterm run with --layer-cycles 1,
    TT_WORKER_LAYERS), as {layer: cycles}; None when the split is off."""
    if not workers or any(f'layer_cycles_{LAYERS[0]}' not in v for v in workers.values()):
        return None
    return {n: sum(v[f'layer_cycles_{n}'] for v in workers.values()) for n in LAYERS}


def layer_split(a, b, units):
    """Cycles per unit of work by layer between two layer_cycles() readings; None when
    either is None or there was no work."""
    if a is None or b is None or not units:
        return None
    return {n: round((b[n] - a[n]) / units) for n in LAYERS}


def layer_text(split, unit):
    """' (rx 841, stack 2273, ... cycles/conn)' for a readable line; '' without a split."""
    if not split:
        return ''
    return ' (' + ', '.join(f'{n} {v}' for n, v in split.items()) + f' cycles/{unit})'


def telemetry_up(prefix):
    """True when tcpterm's /tcpterm/stats answers with an object (engine registered)."""
    try:
        return isinstance(telemetry(prefix, '/tcpterm/stats', timeout=1.0), dict)
    except (OSError, ValueError):
        return False


def cfg_value(cfg, section, key):
    """A key of /tcpterm/config, whichever layout tcpterm uses: "section.key" entries, or
    flat keys with the listeners as {"listeners": {"PORT": {...}}}. None when absent."""
    if f'{section}.{key}' in cfg:
        return cfg[f'{section}.{key}']
    if section.startswith('listen '):
        lst = cfg.get('listeners')
        if isinstance(lst, dict):
            entry = lst.get(section[7:].strip())
            if isinstance(entry, dict):
                return entry.get(key)
        return None
    return cfg.get(key)


# ---------------------------------------------------------------------------------------
# Namespaces, and tcpterm inside them.

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


class Netns:
    """A network namespace named tt<tag><pid>, deleted by cleanup()."""

    def __init__(self, tag):
        self.name = f'tt{tag}{os.getpid()}'
        self._home = None
        r = subprocess.run(['ip', 'netns', 'add', self.name], capture_output=True, text=True)
        if r.returncode != 0:
            raise TestSkip(f'cannot create a network namespace here: {r.stderr.strip()}')
        _cleanups.append(self.delete)
        self.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
        # No IPv6 on the TAP: the kernel's router solicitations and MLD reports would move
        # EthInOtherTypes behind the tests' back.
        self.run(['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1',
                  'net.ipv6.conf.default.disable_ipv6=1'], check=True)

    def argv(self, argv):
        return ['ip', 'netns', 'exec', self.name] + list(argv)

    def run(self, argv, **kw):
        kw.setdefault('stdin', subprocess.DEVNULL)
        return subprocess.run(self.argv(argv), **kw)

    def out(self, argv, **kw):
        return self.run(argv, capture_output=True, text=True, **kw).stdout

    def links(self):
        return re.findall(r'^\d+:\s+([^:@\s]+)', self.out(['ip', '-o', 'link', 'show']), re.M)

    def enter(self):
        """Move this thread into the namespace (sockets created afterwards live there)."""
        if self._home is None:
            self._home = os.open('/proc/self/ns/net', os.O_RDONLY)
        fd = os.open(f'/var/run/netns/{self.name}', os.O_RDONLY)
        try:
            _setns(fd)
        finally:
            os.close(fd)

    def leave(self):
        if self._home is not None:
            _setns(self._home)
            os.close(self._home)
            self._home = None

    def __enter__(self):
        """with ns: the body's sockets live in the namespace, and the thread leaves after."""
        self.enter()
        return self

    def __exit__(self, *exc):
        self.leave()
        return False

    def delete(self):
        self.leave()
        subprocess.run(['ip', 'netns', 'del', self.name], stderr=subprocess.DEVNULL)


class Tcpterm:
    """tcpterm in ns on a TAP device, with explicit EAL options and a unique prefix."""

    def __init__(self, ns, tag, args=(), addr=f'{ADDR}/{PREFIX_LEN}', quiet=True,
                 prefix=None, tap=None, vdev=True):
        pid = os.getpid()
        self.ns = ns
        self.prefix = prefix or f'tt{tag}{pid}'
        self.tap = tap or f'tt{tag}{pid}'
        assert len(self.tap) <= 15 and self.tap.startswith('tt'), self.tap
        self.addr = addr.split('/')[0]
        self.eal = ['-l', lcore(), '--no-pci', '--no-huge', '-m', '256',
                    '--file-prefix', self.prefix]
        if vdev:
            self.eal.append(f'--vdev=net_tap0,iface={self.tap}')
        self.args = ['--addr', addr] + (['--quiet'] if quiet else []) + list(args)
        self.proc = None
        self.rc = None
        self.logf = tempfile.NamedTemporaryFile('w+', prefix=f'{self.prefix}.', suffix='.log')
        _cleanups.append(self.cleanup)

    def argv(self):
        return [TCPTERM] + self.eal + ['--'] + self.args

    def start(self, wait=True, timeout=20.0):
        self.proc = subprocess.Popen(self.ns.argv(self.argv()), stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        if wait:
            self.wait_up(timeout)
        return self

    def wait_telemetry(self, timeout=20.0):
        """Until telemetry answers: for an instance without a TAP (memif), where wait_up's
        kernel-side address never comes."""
        end = time.monotonic() + timeout
        while not telemetry_up(self.prefix):
            expect(self.alive(), f'tcpterm {self.prefix} exited with {self.proc.returncode} '
                   'at start:\n' + self.output())
            expect(time.monotonic() < end, f'tcpterm {self.prefix} not up after '
                   f'{timeout:.0f} s:\n' + self.output())
            time.sleep(0.05)
        return self

    def wait_up(self, timeout=20.0):
        """Until telemetry answers and the TAP's kernel side has its address."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise TestFailure(f'tcpterm exited with {self.proc.returncode} at start:\n'
                                  + self.output())
            if telemetry_up(self.prefix) and \
               PEER in self.ns.out(['ip', '-4', '-o', 'addr', 'show', 'dev', self.tap]):
                with open(f'/proc/{self.proc.pid}/comm') as f:
                    comm = f.read().strip()
                expect(comm == 'tcpterm', f'PID {self.proc.pid} is {comm!r}, not tcpterm')
                return
            time.sleep(0.05)
        raise TestFailure(f'tcpterm not up after {timeout:.0f} s:\n' + self.output())

    def output(self):
        self.logf.flush()
        with open(self.logf.name, errors='replace') as f:
            return f.read()

    def mac(self):
        """tcpterm's MAC, from its start-up line "port 0 ... mac XX:XX:..."."""
        m = re.search(r'\bmac ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})', self.output())
        expect(m is not None, 'tcpterm did not log its MAC at start')
        return m.group(1).lower()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stats(self):
        s = telemetry(self.prefix, '/tcpterm/stats')
        expect(isinstance(s, dict), f'/tcpterm/stats answered {s!r}')
        return s

    def config(self):
        c = telemetry(self.prefix, '/tcpterm/config')
        expect(isinstance(c, dict), f'/tcpterm/config answered {c!r}')
        return c

    def wait_stat(self, name, pred, timeout=3.0):
        """Poll the counter until pred(value) holds; the last value either way."""
        end = time.monotonic() + timeout
        while True:
            v = self.stats()[name]
            if pred(v) or time.monotonic() > end:
                return v
            time.sleep(0.02)

    def stop(self, sig=signal.SIGINT, timeout=5.0):
        """Signal the PID we started and wait; its exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.rc = None
                return None
        self.rc = self.proc.returncode
        return self.rc

    def cleanup(self):
        running = self.proc is not None and self.proc.poll() is None
        if running:
            self.stop(signal.SIGINT, 5.0)
        shutil.rmtree(os.path.join(RUN_DIR, self.prefix), ignore_errors=True)
        # On failure, the output of instances that were still running or ended badly.
        if _failed and self.proc is not None and (running or self.proc.returncode != 0):
            log(f'--- output of tcpterm {self.prefix} (exit {self.proc.returncode}), '
                'configuration dump left out:')
            log(re.sub(r'^tcpterm configuration:\n(?:[ \t].*\n)*', '', self.output(),
                       flags=re.M)[-3000:])
        self.logf.close()


def background(ns, argv, **kw):
    """A process started in ns, terminated (then killed) by its PID at cleanup."""
    kw.setdefault('stdin', subprocess.DEVNULL)
    proc = subprocess.Popen(ns.argv(argv), **kw)

    def stop():
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    _cleanups.append(stop)
    return proc


# ---------------------------------------------------------------------------------------
# Raw frames on the kernel side of the TAP (for the scapy tests: scapy builds and parses,
# a plain AF_PACKET socket sends and receives, so no sniffer thread can miss a frame).

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


class L2:
    def __init__(self, iface):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.bind((iface, 0))
        self.s.setblocking(False)
        self.mac = ':'.join(f'{b:02x}' for b in self.s.getsockname()[4][:6])

    def send(self, frame):
        return self.s.send(bytes(frame))

    def drain(self):
        self.recv_from(None, 0)

    def recv_from(self, src_mac, timeout):
        """Frames received (not sent) on the interface within timeout s, from src_mac."""
        got = []
        end = time.monotonic() + timeout
        while True:
            try:
                data, addr = self.s.recvfrom(65536)
                if addr[2] != PACKET_OUTGOING and (
                        src_mac is None or data[6:12] == bytes.fromhex(src_mac.replace(':', ''))):
                    got.append(data)
                continue
            except BlockingIOError:
                pass
            left = end - time.monotonic()
            if left <= 0:
                return got
            import select
            select.select([self.s], [], [], left)

    def close(self):
        self.s.close()


def inet_csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4_tcp_csum_ok(ip_bytes):
    """Both checksums of an IPv4/TCP packet (bytes from the IP header on) verify."""
    ihl = (ip_bytes[0] & 0xf) * 4
    tlen = struct.unpack('!H', ip_bytes[2:4])[0]
    seg = ip_bytes[ihl:tlen]
    pseudo = ip_bytes[12:20] + struct.pack('!BBH', 0, 6, len(seg))
    return inet_csum(ip_bytes[:ihl]) == 0 and inet_csum(pseudo + seg) == 0


# ---------------------------------------------------------------------------------------
# Test driver.

_cleanups = []
_failed = False


def _on_term(sig, frame):
    raise KeyboardInterrupt(f'signal {sig}')


def require_root():
    if os.geteuid() != 0:
        log('SKIP: integration tests need root (network namespaces, TAP devices)')
        sys.exit(SKIP)
    if not os.path.exists('/dev/net/tun'):
        log('SKIP: no /dev/net/tun: TAP devices are not available here')
        sys.exit(SKIP)
    if not os.access(TCPTERM, os.X_OK):
        log(f'FAIL: no tcpterm binary at {TCPTERM}')
        sys.exit(1)


def run(test):
    """Run test() with cleanup whatever happens; exit 0, 1 (failure) or 77 (skip)."""
    global _failed
    signal.signal(signal.SIGTERM, _on_term)   # meson's timeout: clean up before dying
    require_root()
    rc = 0
    try:
        r = test()
        rc = r if isinstance(r, int) else 0
    except TestFailure as e:
        _failed = True
        log(f'FAIL: {e}')
        rc = 1
    except TestSkip as e:
        log(f'SKIP: {e}')
        rc = SKIP
    except BaseException:   # noqa: B902 - also KeyboardInterrupt/SIGTERM: report, clean up
        _failed = True
        traceback.print_exc()
        rc = 1
    finally:
        while _cleanups:
            try:
                _cleanups.pop()()
            except Exception:   # noqa: BLE001 - keep cleaning up
                traceback.print_exc()
    sys.exit(rc)


def _cli(argv):
    if len(argv) >= 3 and argv[0] == 'get':
        v = telemetry(argv[1], argv[2])
        if len(argv) > 3:
            v = v.get(argv[3]) if isinstance(v, dict) else None
        print(json.dumps(v) if not isinstance(v, (int, str)) else v)
        return 0 if v is not None else 1
    if len(argv) >= 3 and argv[0] == 'wait-up':
        end = time.monotonic() + (float(argv[3]) if len(argv) > 3 else 20.0)
        while time.monotonic() < end:
            try:
                os.kill(int(argv[2]), 0)
            except ProcessLookupError:
                return 1
            if telemetry_up(argv[1]):
                return 0
            time.sleep(0.05)
        return 1
    if len(argv) == 2 and argv[0] == 'alive':
        return 0 if telemetry_up(argv[1]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(_cli(sys.argv[1:]))
