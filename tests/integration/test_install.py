#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""install (issue 10 item 6): `meson install --destdir` of this build into a temporary
directory, then what a packager and an application developer rely on:

1. The binaries, the public headers, libtcpterm.a, tcpterm.pc, three manual pages in
   section 8 and the four configuration examples, each where the layout puts them.
2. The manual pages: groff finds no problem (-ww), man renders them, and every option of
   `tcpterm --help` / `tcpterm-gen --help` and every command of `tcpterm-ctl --help` is in
   its page (the pages come from the same tables).
3. The installed tcpterm runs (--version) and accepts every installed configuration
   (--check-config).
4. An application builds against the installed tree alone: examples/fetch.c compiled with
   `pkg-config --cflags --libs tcpterm` (PKG_CONFIG_PATH at the installed .pc), linked,
   and run (its usage line).
Needs the build directory (TT_BUILD_ROOT, set by meson; TT_CC and TT_CFLAGS: the build's
compiler and sanitizer flags); the temporary tree is removed.
"""
import glob
import os
import re
import shutil
import subprocess
import tempfile

import ttlib
from ttlib import expect, log


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)


def one(root, pattern):
    found = glob.glob(os.path.join(root, pattern), recursive=True)
    expect(len(found) == 1, f'installed tree: {pattern} matches {found}, want one file')
    return found[0]


def check_page(page, help_text, pattern, what):
    r = run(['groff', '-man', '-ww', '-z', '-t', page])
    expect(r.returncode == 0 and r.stderr.strip() == '',
           f'groff -ww on {os.path.basename(page)}: exit {r.returncode}: {r.stderr.strip()}')
    r = run(['man', '-l', page], env=dict(os.environ, MANWIDTH='100', MAN_KEEP_FORMATTING='0'))
    text = re.sub(r'.\x08', '', r.stdout)
    expect(r.returncode == 0 and 'NAME' in text and 'SYNOPSIS' in text,
           f'man -l {page}: exit {r.returncode}: {r.stderr.strip()}')
    names = sorted(set(re.findall(pattern, help_text)))
    roff = open(page).read()
    # Whole names: --syn must not pass for --syn-retries.
    missing = [n for n in names if not re.search(re.escape(n.replace('-', '\\-')) +
                                                 r'(?![a-z0-9]|\\-)', roff)]
    expect(names and not missing, f'{os.path.basename(page)} lacks {what} of --help: {missing}')
    return len(names)


def test():
    build = os.environ.get('TT_BUILD_ROOT')
    expect(build and os.path.isdir(build), f'TT_BUILD_ROOT={build!r}: not a build directory')
    dest = tempfile.mkdtemp(prefix='tt-install.')
    ttlib._cleanups.append(lambda: shutil.rmtree(dest, ignore_errors=True))
    r = run(['meson', 'install', '-C', build, '--no-rebuild', '--quiet', '--destdir', dest])
    expect(r.returncode == 0, f'meson install --destdir: exit {r.returncode}:\n{r.stdout}'
           f'{r.stderr}')

    bins = {b: one(dest, f'**/bin/{b}') for b in ('tcpterm', 'tcpterm-ctl', 'tcpterm-gen')}
    headers = sorted(os.path.basename(h) for h in glob.glob(f'{dest}/**/include/tcpterm/*.h',
                                                             recursive=True))
    src = os.environ.get('TT_SOURCE_ROOT', os.path.join(os.path.dirname(__file__), '../..'))
    want_h = sorted(os.path.basename(h) for h in glob.glob(f'{src}/include/tcpterm/*.h'))
    expect(headers == want_h, f'installed headers {headers}, want {want_h}')
    lib = one(dest, '**/libtcpterm.a')
    pc = one(dest, '**/pkgconfig/tcpterm.pc')
    pages = {p: one(dest, f'**/man8/{p}.8') for p in ('tcpterm', 'tcpterm-ctl', 'tcpterm-gen')}
    confs = sorted(os.path.basename(c) for c in glob.glob(f'{dest}/**/share/tcpterm/config/'
                                                           '*.conf', recursive=True))
    want_c = sorted(os.path.basename(c) for c in glob.glob(f'{src}/config/*.conf'))
    expect(confs == want_c, f'installed configurations {confs}, want {want_c}')
    log(f'ok: meson install: 3 binaries, {len(headers)} headers, {os.path.relpath(lib, dest)}, '
        f'{os.path.relpath(pc, dest)}, 3 pages in man8, {len(confs)} configurations')

    n = check_page(pages['tcpterm'], run([bins['tcpterm'], '--help']).stdout,
                   r'(--[a-z][a-z0-9-]+)', 'options')
    g = check_page(pages['tcpterm-gen'], run([bins['tcpterm-gen'], '--help']).stdout,
                   r'(--[a-z][a-z0-9-]+)', 'options')
    ctl_help = run([bins['tcpterm-ctl'], '--help']).stdout
    commands = re.findall(r'^  ([a-z]+) ', ctl_help.split('Commands')[1].split('Options')[0],
                          re.M)
    roff = open(pages['tcpterm-ctl']).read()
    missing = [c for c in commands if f'.TP\n\\fB{c}\\fR' not in roff]
    expect(len(commands) >= 9 and not missing, f'tcpterm-ctl.8 lacks commands {missing} '
           f'(of {commands})')
    check_page(pages['tcpterm-ctl'], ctl_help, r'(--[a-z][a-z-]+)', 'options')
    log(f'ok: the pages pass groff -ww and man -l; tcpterm.8 has all {n} options of --help, '
        f'tcpterm-gen.8 all {g}, tcpterm-ctl.8 all {len(commands)} commands')

    r = run([bins['tcpterm'], '--version'])
    version = r.stdout.strip()
    expect(r.returncode == 0 and version, f'installed tcpterm --version: {r.returncode}')
    for c in glob.glob(f'{dest}/**/share/tcpterm/config/*.conf', recursive=True):
        r = run([bins['tcpterm'], '--', '--config', c, '--check-config'])
        expect(r.returncode == 0, f'tcpterm --check-config {os.path.basename(c)}: exit '
               f'{r.returncode}: {r.stderr.strip()}')
    log(f'ok: installed tcpterm runs ({version!r}), every installed configuration passes '
        '--check-config')

    # The .pc names the configured prefix; under --destdir the tree sits below dest. Its copy
    # points there (pkg-config's --define-prefix would move libdpdk's prefix too).
    pcdir = os.path.join(dest, 'pc')
    os.makedirs(pcdir)
    with open(pc) as f:
        text = f.read()
    prefix = re.search(r'^prefix=(.*)$', text, re.M).group(1)
    with open(os.path.join(pcdir, 'tcpterm.pc'), 'w') as f:
        f.write(text.replace(f'prefix={prefix}', f'prefix={dest}{prefix}', 1))
    env = dict(os.environ, PKG_CONFIG_PATH=pcdir)
    r = run(['pkg-config', '--cflags', '--libs', 'tcpterm'], env=env)
    expect(r.returncode == 0 and dest in r.stdout and '-ltcpterm' in r.stdout,
           f'pkg-config tcpterm: exit {r.returncode}: {r.stdout}{r.stderr}')
    flags = r.stdout.split()
    exe = os.path.join(dest, 'tt-fetch')
    cc = os.environ.get('TT_CC') or 'cc'
    extra = os.environ.get('TT_CFLAGS', '').split()
    r = run([cc, '-std=c11', '-D_GNU_SOURCE', '-DALLOW_EXPERIMENTAL_API'] + extra +
            ['-o', exe, os.path.join(src, 'examples/fetch.c')] + flags)
    expect(r.returncode == 0, f'{cc} examples/fetch.c with pkg-config tcpterm: exit '
           f'{r.returncode}:\n{(r.stdout + r.stderr)[-3000:]}')
    # Without --target it prints its usage line and exits 2 (examples/fetch.c).
    r = run([exe])
    expect(r.returncode == 2 and r.stderr.startswith('usage: tt-fetch'),
           f'the application built against the installed tree: exit {r.returncode}: '
           f'{r.stdout[:200]}{r.stderr[:200]}')
    log(f'ok: examples/fetch.c builds from the installed headers and libtcpterm.a with '
        f'pkg-config ({" ".join(f for f in flags if "tcpterm" in f)}) and runs')
    return 0


if __name__ == '__main__':
    ttlib.run(test)
