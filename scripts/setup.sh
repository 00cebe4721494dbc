#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/setup.sh — what tcpterm needs on Debian 12, idempotent: installs the missing
# packages (one apt-get update, only when something is missing) and reserves 2 MB hugepages
# when the machine lets it (it does not in most containers: tcpterm then runs with --no-huge,
# as its embedded default does anyway). Quiet unless something goes wrong; ends with one
# summary line. Exit 1 only when packages are missing and cannot be installed.
#
#   TT_HUGEPAGES=N   hugepages of 2 MB wanted free (default 256, 0 = leave them alone)
set -u

# clang and libclang-rt-14-dev: the sanitizer build of scripts/test.sh (ASan/UBSan runtimes)
# and libFuzzer for tests/fuzz (SPEC R5). prometheus: its promtool checks the metrics endpoint
# (tests/integration/test_metrics.py); ethtool: test_kernel_link.py reads tt0's offloads;
# libbpf-dev: the headers of test_vlan.py's tc program (built with clang).
PACKAGES=(dpdk dpdk-dev libdpdk-dev libnuma-dev meson ninja-build libcmocka-dev pkg-config
	libjansson-dev python3-scapy iproute2 iputils-ping curl wrk hping3 tcpdump gcc
	clang libclang-rt-14-dev prometheus ethtool libbpf-dev)
WANT_HP=${TT_HUGEPAGES:-256}
HP_DIR=/sys/kernel/mm/hugepages/hugepages-2048kB

say() { printf 'setup: %s\n' "$*"; }

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO=sudo
	fi
fi
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; elif [ -n "$SUDO" ]; then sudo -n "$@"; else return 1; fi
}
can_root() { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }

# --- packages -------------------------------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

pkg_note="packages: all ${#PACKAGES[@]} present"
if [ ${#missing[@]} -gt 0 ]; then
	if ! command -v apt-get >/dev/null 2>&1; then
		say "missing ${missing[*]} and no apt-get: this script is for Debian 12"
		exit 1
	fi
	if ! can_root; then
		say "missing ${missing[*]}: run scripts/setup.sh as root (or with sudo)"
		exit 1
	fi
	log=$(mktemp /tmp/tcpterm-setup.XXXXXX.log)
	export DEBIAN_FRONTEND=noninteractive
	apt_opts=(-y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Use-Pty=0)
	if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 update \
		>"$log" 2>&1 </dev/null ||
	   ! as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install \
		--no-install-recommends "${missing[@]}" >>"$log" 2>&1 </dev/null; then
		tail -n 25 "$log"
		say "installing ${missing[*]} failed (full log: $log)"
		exit 1
	fi
	rm -f "$log"
	pkg_note="packages: installed ${missing[*]}"
fi

# --- hugepages (best effort) ----------------------------------------------------------
hp_note="hugepages: none reserved (TT_HUGEPAGES=0)"
if [ "$WANT_HP" -gt 0 ]; then
	if [ ! -r "$HP_DIR/free_hugepages" ]; then
		hp_note="hugepages: no 2 MB hugepages on this kernel; tcpterm runs with --no-huge"
	else
		free=$(cat "$HP_DIR/free_hugepages")
		if [ "$free" -lt "$WANT_HP" ] && can_root; then
			total=$(cat "$HP_DIR/nr_hugepages")
			echo $((total + WANT_HP - free)) | as_root tee "$HP_DIR/nr_hugepages" \
				>/dev/null 2>&1
			free=$(cat "$HP_DIR/free_hugepages")
		fi
		mnt=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)
		if [ -z "$mnt" ] && [ "$free" -gt 0 ] && can_root; then
			as_root mkdir -p /dev/hugepages 2>/dev/null &&
				as_root mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null &&
				mnt=/dev/hugepages
		fi
		if [ "$free" -ge "$WANT_HP" ] && [ -n "$mnt" ]; then
			hp_note="hugepages: $free x 2 MB free, hugetlbfs on $mnt"
		elif [ "$free" -gt 0 ] && [ -n "$mnt" ]; then
			hp_note="hugepages: only $free x 2 MB free (wanted $WANT_HP), hugetlbfs on $mnt"
		else
			where=${mnt:+hugetlbfs on $mnt}
			hp_note="hugepages: $free x 2 MB free, ${where:-no hugetlbfs mount} (cannot reserve here, e.g. a container); tcpterm runs with --no-huge"
		fi
	fi
fi

say "$pkg_note; $hp_note"
