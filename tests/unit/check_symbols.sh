#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# STYLE habit 14, as a unit test: the rules that matter, checked mechanically.
#  1. Every global symbol libtcpterm.a defines starts with tt_ (STYLE habit 3): the library
#     links into applications and must not collide with them or with DPDK.
#  2. No source under lib/ or app/ calls strcpy, strcat, sprintf, vsprintf or gets: bounded
#     snprintf/vsnprintf (or memcpy with a checked length) only.
# usage: check_symbols.sh LIBTCPTERM.a SOURCE_ROOT
set -eu

lib=$1
root=$2
NM=${NM:-nm}
status=0

[ -f "$lib" ] || { echo "check_symbols: no library at $lib" >&2; exit 1; }

# Archive members print "member.o:" headers and blank lines; keep "ADDR TYPE NAME" rows.
syms=$("$NM" --defined-only -g "$lib" | awk 'NF == 3 { print $3 }' | sort -u)
[ -n "$syms" ] || { echo "check_symbols: $NM found no symbols in $lib" >&2; exit 1; }
# Sanitizer and coverage builds add their own globals (__odr_asan.tt_x, __gcov_...): not ours.
bad=$(printf '%s\n' "$syms" | grep -v '^tt_' |
	grep -vE '^(__odr_asan|__asan|__ubsan|__sanitizer|__sancov|__tsan|__llvm|__gcov)' || true)
if [ -n "$bad" ]; then
	echo "global symbols of $lib without the tt_ prefix (make them static or rename them):"
	printf '  %s\n' $bad
	status=1
fi
echo "$(printf '%s\n' "$syms" | wc -l) global symbols checked"

# Word boundary before the name, so snprintf/vsnprintf do not match; an opening parenthesis
# after it, so a comment that merely names the function does not either.
unsafe=$(grep -rnE --include='*.c' --include='*.h' \
	'(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|gets)[[:space:]]*\(' \
	"$root/lib" "$root/app" || true)
if [ -n "$unsafe" ]; then
	echo "unsafe string functions (use snprintf, or memcpy with a checked length):"
	printf '%s\n' "$unsafe"
	status=1
fi
exit $status
