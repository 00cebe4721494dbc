#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Layers point down (DESIGN "Layers", docs/ARCHITECTURE.md "Layers"), as a unit test.

Each folder of lib/ is a layer; its rank is its place in the layer list of lib/meson.build,
bottom first. Two rules, checked mechanically (STYLE habit 14):
  1. includes: every #include "..." in lib/ that resolves into a lib/ folder names the same
     folder or a lower one (include/tcpterm/, the public API, is open to every layer);
  2. calls: every tt_* symbol an object of the built library leaves undefined is defined by
     an object of the same folder or a lower one (each object belongs to the folder its name
     starts with: engine_tt_worker_loop.c.o is lib/engine/tt_worker_loop.c); a tt_* symbol the
     library does not define at all is a call out of it, to an application, and fails too.
Static inline functions in headers make no symbols; rule 1 covers them. And the daemons in
app/ include nothing of lib/: they use the public API only.
Each offence is one line naming the file and the include or symbol; then exit status 1.

usage: check_layers.py LIBTCPTERM.a SOURCE_ROOT LAYER... (bottom first)
"""
import os
import re
import subprocess
import sys

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
# nm -A -P: "ARCHIVE[MEMBER]: NAME TYPE [VALUE SIZE]"
NM_RE = re.compile(r'^.*\[(?P<member>[^\]]+)\]: (?P<name>\S+) (?P<type>\S)')


def fail(msg):
    print('check_layers: ' + msg, file=sys.stderr)
    sys.exit(1)


def rank_of(layers, folder):
    return layers.index(folder) if folder in layers else None


def check_includes(root, layers, bad):
    """Rule 1. Returns the number of cross-folder includes seen."""
    lib = os.path.join(root, 'lib')
    inc = os.path.join(root, 'include')
    seen = 0
    for dirpath, _, files in sorted(os.walk(lib)):
        rel = os.path.relpath(dirpath, lib)
        if rel == '.':
            continue
        folder = rel.split(os.sep)[0]
        src_rank = rank_of(layers, folder)
        for name in sorted(files):
            if not name.endswith(('.c', '.h')):
                continue
            path = os.path.join(dirpath, name)
            shown = os.path.relpath(path, root)
            if src_rank is None:
                bad.append(f'{shown}: lib/{folder}/ has no rank (add it to the layer list '
                           'in lib/meson.build)')
                continue
            with open(path, encoding='utf-8') as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE_RE.match(line)
                    if m is None:
                        continue
                    target = os.path.normpath(os.path.join(dirpath, m.group(1)))
                    if not os.path.exists(target):
                        # Found on the include path: the public API, open to all.
                        if os.path.exists(os.path.join(inc, m.group(1))):
                            continue
                        bad.append(f'{shown}:{lineno}: #include "{m.group(1)}" resolves '
                                   'nowhere in lib/ or include/')
                        continue
                    trel = os.path.relpath(target, lib)
                    if trel.startswith('..'):
                        if os.path.relpath(target, inc).startswith('..'):
                            bad.append(f'{shown}:{lineno}: #include "{m.group(1)}" reaches '
                                       'outside lib/ and include/')
                        continue
                    tfolder = trel.split(os.sep)[0]
                    if tfolder == folder:
                        continue
                    seen += 1
                    t_rank = rank_of(layers, tfolder)
                    if t_rank is None or t_rank > src_rank:
                        bad.append(f'{shown}:{lineno}: #include "{m.group(1)}" runs up: '
                                   f'{folder} (rank {src_rank}) -> {tfolder} '
                                   f'(rank {t_rank if t_rank is not None else "none"})')
    return seen


def check_app_includes(root, bad):
    """app/ sees include/tcpterm/ only, never a library-internal header."""
    lib = os.path.join(root, 'lib')
    for dirpath, _, files in sorted(os.walk(os.path.join(root, 'app'))):
        for name in sorted(files):
            if not name.endswith(('.c', '.h')):
                continue
            path = os.path.join(dirpath, name)
            with open(path, encoding='utf-8') as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE_RE.match(line)
                    if m is None:
                        continue
                    target = os.path.normpath(os.path.join(dirpath, m.group(1)))
                    if not os.path.relpath(target, lib).startswith('..'):
                        bad.append(f'{os.path.relpath(path, root)}:{lineno}: #include '
                                   f'"{m.group(1)}" reaches into lib/ (daemons use '
                                   'include/tcpterm/ only)')


def object_folder(layers, member):
    """The layer of an archive member: meson names it FOLDER_FILE.c.o."""
    base = os.path.basename(member)
    best = None
    for layer in layers:
        if base.startswith(layer + '_') and (best is None or len(layer) > len(best)):
            best = layer
    return best, base


def check_calls(lib, layers, bad):
    """Rule 2. Returns the number of cross-folder references seen."""
    nm = os.environ.get('NM', 'nm')
    try:
        out = subprocess.run([nm, '-A', '-P', '-g', lib], check=True, capture_output=True,
                             text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        fail(f'{nm} failed on {lib}: {e}')
    defined = {}     # symbol -> (folder, object)
    undefined = []   # (folder, object, symbol)
    objects = set()
    for line in out.splitlines():
        m = NM_RE.match(line)
        if m is None:
            continue
        folder, obj = object_folder(layers, m.group('member'))
        objects.add(obj)
        if folder is None:
            bad.append(f'{obj}: from no lib/ folder with a rank (add it to the layer list in '
                       'lib/meson.build)')
            continue
        name = m.group('name')
        if not name.startswith('tt_'):
            continue
        if m.group('type') == 'U':
            undefined.append((folder, obj, name))
        else:
            defined[name] = (folder, obj)
    if not objects:
        fail(f'{nm} found no objects in {lib}')
    seen = 0
    for folder, obj, name in sorted(set(undefined)):
        if name not in defined:
            bad.append(f'{obj} ({folder}): {name} is defined nowhere in the library '
                       '(a call out of lib/)')
            continue
        dfolder, dobj = defined[name]
        if dfolder == folder:
            continue
        seen += 1
        if layers.index(dfolder) > layers.index(folder):
            bad.append(f'{obj} ({folder}, rank {layers.index(folder)}) uses {name}, defined '
                       f'in {dobj} ({dfolder}, rank {layers.index(dfolder)}): runs up')
    return seen, len(objects)


def main(argv):
    if len(argv) < 4:
        fail('usage: check_layers.py LIBTCPTERM.a SOURCE_ROOT LAYER... (bottom first)')
    lib, root, layers = argv[1], argv[2], argv[3:]
    if not os.path.isfile(lib):
        fail(f'no library at {lib}')
    bad = []
    n_inc = check_includes(root, layers, bad)
    check_app_includes(root, bad)
    n_calls, n_obj = check_calls(lib, layers, bad)
    for b in bad:
        print(b)
    print(f'layers {" < ".join(layers)}: {n_inc} includes and {n_calls} symbols across '
          f'folders, {n_obj} objects; {len(bad)} offence(s)')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
