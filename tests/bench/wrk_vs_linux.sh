#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark (never part of the test suites): the same wrk, in the same run, against
#   - tcpterm (one worker on CPU 1, http app, 64-byte body) over each link to the kernel its
#     embedded default may make (LINKS="af_xdp af_packet tap": kernel_link), and
#   - nginx on the Linux kernel's loopback (one worker on CPU 1, `return 200` of 64 bytes),
# each with keep-alive and with "Connection: close". wrk runs on CPU 0 in both cases.
# Both live in a network namespace this script creates and removes. FAMILIES="4 6" also
# measures IPv6 (tcpterm on 2001:2::2 beside 198.18.0.2, nginx on [::1]).
#
#   [LINKS=...] [FAMILIES="4 6"] tests/bench/wrk_vs_linux.sh [SECONDS=10] [CONNECTIONS=50]
#
# Prints a readable line per tcpterm link, one JSON line (machine, date, requests/s, busy
# share and cycles per request per case, ratios against nginx of the first link's figures)
# and readable lines.
# Run as root after a build (ninja -C build). nginx comes from Debian (nginx-light).
set -eu
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
DUR=${1:-10}
CONNS=${2:-50}
NS=ttbench$$
PREFIX=ttbench$$
TT=./build/app/tcpterm
BODY=$(printf 'a%.0s' $(seq 64))
WORK=$(mktemp -d /tmp/tt-bench.XXXXXX)
tt_pid=
ng_pid=

cleanup() {
	[ -n "$tt_pid" ] && kill -INT "$tt_pid" 2>/dev/null && wait "$tt_pid" 2>/dev/null
	[ -n "$ng_pid" ] && kill -QUIT "$ng_pid" 2>/dev/null && sleep 0.5
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$WORK" "/var/run/dpdk/$PREFIX"
}
trap cleanup EXIT

[ -x "$TT" ] || { echo "bench: build first (meson setup build && ninja -C build)"; exit 2; }
command -v nginx >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null
command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up

# wrk's "Requests/sec:" figure; "errors" if wrk reported socket errors or non-2xx answers.
run_wrk() {
	local url=$1; shift
	local out
	out=$(ip netns exec "$NS" taskset -c 0 wrk -t1 -c"$CONNS" -d"${DUR}s" "$@" "$url" 2>&1)
	if grep -qE 'Socket errors|Non-2xx' <<<"$out"; then
		echo "bench: wrk reported errors against $url:" >&2
		grep -E 'Socket errors|Non-2xx' <<<"$out" >&2
	fi
	awk '/Requests\/sec:/ { print $2 }' <<<"$out"
}

# tcpterm: one worker on CPU 1, no hugepages needed, on each kind of link to the kernel
# (kernel_link: AF_XDP or AF_PACKET on a veth pair, or the TAP), the link the embedded
# default makes. Busy share and cycles per request from /tcpterm/workers around each wrk.
CTL=./build/app/tcpterm-ctl
LINKS=${LINKS:-af_xdp af_packet tap}
busy_cycles() {
	"$CTL" --file-prefix "$PREFIX" --json workers 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; w=json.load(sys.stdin); print(sum(v["busy_cycles"] for v in w.values()), sum(v["total_cycles"] for v in w.values()))'
}
FAMILIES=${FAMILIES:-4}
# "rps busy cycles_per_request" of one wrk against tcpterm at URL $url.
tt_wrk() {
	local b0 t0 b1 t1 out rps n
	read -r b0 t0 <<<"$(busy_cycles)"
	out=$(ip netns exec "$NS" taskset -c 0 wrk -t1 -c"$CONNS" -d"${DUR}s" "$@" "$url" 2>&1)
	read -r b1 t1 <<<"$(busy_cycles)"
	if grep -qE 'Socket errors|Non-2xx' <<<"$out"; then
		echo "bench: wrk reported errors against tcpterm ($link):" >&2
		grep -E 'Socket errors|Non-2xx' <<<"$out" >&2
	fi
	rps=$(awk '/Requests\/sec:/ { print $2 }' <<<"$out")
	n=$(awk '/requests in/ { print $1 }' <<<"$out")
	awk -v r="${rps:-0}" -v n="${n:-0}" -v db=$((b1 - b0)) -v dt=$((t1 - t0)) \
		'BEGIN { printf "%s %.3f %.0f", r, (dt > 0 ? db / dt : 0), (n > 0 ? db / n : 0) }'
}
json_links=
tt_ka=0
tt_close=0
for link in $LINKS; do
	addr6=
	case " $FAMILIES " in *" 6 "*) addr6="--addr 2001:2::2/64" ;; esac
	# shellcheck disable=SC2086
	ip netns exec "$NS" "$TT" -l 1 --no-pci --no-huge -m 1024 --file-prefix "$PREFIX" -- \
		--kernel-link "$link" --addr 198.18.0.2/24 $addr6 --http-body 64 --quiet \
		>"$WORK/tcpterm-$link.log" 2>&1 &
	tt_pid=$!
	for _ in $(seq 50); do [ -S "/var/run/dpdk/$PREFIX/dpdk_telemetry.v2" ] && break; sleep 0.1; done
	sleep 1
	[ -n "$addr6" ] && sleep 1.5      # DAD: one solicitation, one second
	if ! kill -0 "$tt_pid" 2>/dev/null; then
		echo "bench: tcpterm with kernel_link $link did not start:" >&2
		tail -n 3 "$WORK/tcpterm-$link.log" >&2
		tt_pid=
		continue
	fi
	for fam in $FAMILIES; do
		if [ "$fam" = 6 ]; then url='http://[2001:2::2]/'; key=$link-ipv6; else url=http://198.18.0.2/; key=$link; fi
		read -r ka ka_busy ka_cyc <<<"$(tt_wrk)"
		read -r cl cl_busy cl_cyc <<<"$(tt_wrk -H "Connection: close")"
		printf -v j '"%s":{"keepalive_rps":%s,"keepalive_busy":%s,"keepalive_cycles_per_req":%s,"close_cps":%s,"close_busy":%s,"close_cycles_per_conn":%s}' \
			"$key" "${ka:-0}" "$ka_busy" "$ka_cyc" "${cl:-0}" "$cl_busy" "$cl_cyc"
		json_links=${json_links:+$json_links,}$j
		echo "tcpterm over $link, IPv$fam: keep-alive ${ka} req/s (busy ${ka_busy}, ${ka_cyc} cycles/req), close ${cl} conn/s (busy ${cl_busy}, ${cl_cyc} cycles/conn)"
		if [ "$link" = "${LINKS%% *}" ] && [ "$fam" = 4 ]; then tt_ka=$ka; tt_close=$cl; fi
	done
	kill -INT "$tt_pid"; wait "$tt_pid" || true; tt_pid=
done

# nginx on loopback: one worker on CPU 1, no logs, keep-alive not capped.
cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
worker_cpu_affinity 10;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/error.log;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
	uwsgi_temp_path $WORK; scgi_temp_path $WORK;
	server {
		listen 127.0.0.1:8080 backlog=4096;
		listen [::1]:8080 backlog=4096;
		location / { default_type text/plain; return 200 "$BODY"; }
	}
}
NGINX
ip netns exec "$NS" nginx -c "$WORK/nginx.conf" &
ng_pid=$!
sleep 1
ng_ka=$(run_wrk http://127.0.0.1:8080/)
ng_close=$(run_wrk http://127.0.0.1:8080/ -H "Connection: close")
ng6=
case " $FAMILIES " in *" 6 "*)
	ng6_ka=$(run_wrk 'http://[::1]:8080/')
	ng6_close=$(run_wrk 'http://[::1]:8080/' -H "Connection: close")
	ng6=",\"linux_nginx_loopback_ipv6\":{\"keepalive_rps\":${ng6_ka:-0},\"close_cps\":${ng6_close:-0}}"
	echo "nginx/Linux loopback IPv6: keep-alive ${ng6_ka} req/s, close ${ng6_close} conn/s" ;;
esac

cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "null" }'; }
printf '{"date":"%s","machine":"%s, %s CPUs","seconds":%s,"connections":%s,"tcpterm":{%s},"linux_nginx_loopback":{"keepalive_rps":%s,"close_cps":%s}%s,"ratio":{"keepalive":%s,"close":%s}}\n' \
	"$(date -u +%F)" "$cpu" "$(nproc)" "$DUR" "$CONNS" "$json_links" \
	"${ng_ka:-0}" "${ng_close:-0}" "$ng6" "$(ratio "${tt_ka:-0}" "${ng_ka:-0}")" \
	"$(ratio "${tt_close:-0}" "${ng_close:-0}")"
echo "keep-alive:        tcpterm (${LINKS%% *}) ${tt_ka} req/s   nginx/Linux loopback ${ng_ka} req/s"
echo "Connection: close: tcpterm (${LINKS%% *}) ${tt_close} conn/s  nginx/Linux loopback ${ng_close} conn/s"
