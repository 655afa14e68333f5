#!/usr/bin/env bash
# bench/pipes.sh (part of make bench; alone: make bench-pipes): apps/httpd
# reached through the guest<->host pipes (--nic none --pipes: ivshmem
# shared memory and the host monitor tools/pipemon) against the same
# app, same image, reached over virtio-net on a tap, one after the other.
#
# Usage: bench/pipes.sh [--no-build] [--secs S]
#
# Both guests boot by PVH with 1 vCPU and 256 MiB in a private namespace
# (tests/lib/netns.sh): the virtio guest on tap0 at 10.77.3.2 (its MAC in
# the host's neighbour table), the pipes guest with its port 80 on the
# namespace's 127.0.0.1:18080. Measured from the same host client:
#   - request rate: wrk -t1 -c16 on /612.html for S seconds (default 10,
#     BENCH_PIPES_SECS) with keep-alive, and -c16 with "Connection: close"
#     (through the pipes: a new pipe per request), after a 2 s warm-up
#   - throughput: /1m.bin fetched 30 times, 3 at once (curl), MB/s over
#     the whole batch
# The table's yardstick is virtio-net (the path the pipes replace): the
# ratio pipes/virtio above 1 means the pipes are faster. Nothing is
# asserted. BENCH_ACCEL=auto|kvm|tcg as in bench/run.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib/accel.sh
source bench/lib/accel.sh
# shellcheck source=tests/lib/netns.sh
source tests/lib/netns.sh

build=1 secs=${BENCH_PIPES_SECS:-10}
while [[ $# -gt 0 ]]; do
	case "$1" in
	--no-build) build=0 ;;
	--secs) secs=${2:?--secs wants seconds}; shift ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench/pipes.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || { echo "bench/pipes.sh: --secs wants whole seconds" >&2; exit 2; }
for tool in wrk curl python3; do
	command -v "$tool" >/dev/null || { echo "bench/pipes.sh: $tool is missing (tools/deps.sh)" >&2; exit 1; }
done
[[ -n "${ACCEL:-}" ]] || accel_resolve "${BENCH_ACCEL:-auto}"
[[ $build -eq 0 ]] || make -s -j2 APP=httpd >/dev/null

GUEST=10.77.3.2 MAC=52:54:00:77:03:02 PORT=18080
tmp=$(mktemp -d /tmp/skiff-bench-pipes.XXXXXX)
# shellcheck source=bench/lib/guest_ns.sh
source bench/lib/guest_ns.sh
bench_guest_ns pipesb 10.77.3.1/24

declare -A R # R[kind,measure]

# measure KIND BASEURL: wrk and the 1 MiB batch into R.
measure() {
	local kind=$1 url=$2 out t0 t1 n
	netns_exec "$ns" timeout 30 wrk -t1 -c1 -d2s "$url/612.html" >/dev/null 2>&1 || true
	for mode in keep close; do
		out=$tmp/wrk-$kind-$mode.txt
		local hdr=()
		[[ $mode == close ]] && hdr=(-H 'Connection: close')
		netns_exec "$ns" timeout $((secs + 60)) wrk -t1 -c16 -d"${secs}s" --timeout 10s "${hdr[@]}" \
			"$url/612.html" >"$out" 2>&1 || true
		R[$kind,rps_$mode]=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out")
		grep -E 'Socket errors|Non-2xx' "$out" | sed "s/^/bench: pipes: $kind $mode: /" >&2 || true
	done
	mkdir -p "$tmp/$kind"
	t0=$EPOCHREALTIME
	seq 30 | netns_exec "$ns" xargs -P 3 -I{} timeout 300 curl -s -o "$tmp/$kind/{}" "$url/1m.bin" || true
	t1=$EPOCHREALTIME
	n=$(find "$tmp/$kind" -type f -size 1048576c | wc -l)
	R[$kind,mbps]=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", n * 1.048576 / (b - a) }')
	[[ $n -eq 30 ]] || echo "bench: pipes: $kind: $n of 30 downloads whole" >&2
	echo "bench: pipes: $kind: ${R[$kind,rps_keep]:-failed} req/s keep-alive, ${R[$kind,rps_close]:-failed} req/s close, ${R[$kind,mbps]} MB/s" >&2
}

# run KIND: boot, wait for the ready line (bounded), measure, stop.
run() {
	local kind=$1 log=$tmp/$1.log args url
	if [[ $kind == virtio ]]; then
		args=(--nic virtio --net tap:tap0 --mac "$MAC" --append "ip=$GUEST/24 httpd.log=0")
		url=http://$GUEST
	else
		args=(--nic none --pipes --hostfwd "tcp:80:$PORT" --append "httpd.log=0")
		url=http://127.0.0.1:$PORT
	fi
	bg_start "$ns" "$log" tools/cloudit.sh httpd --headless --no-build --direct --accel "$ACCEL" \
		${cpu:+--cpu "$cpu"} --smp 1 --mem 256M "${args[@]}" --timeout 900
	local pid=$BG_PID
	if wait_for_line "$log" '^httpd: ready' 180 "$pid"; then
		[[ $kind == pipes ]] && wait_for_line "$log" 'through the host pipes' 30 "$pid"
		measure "$kind" "$url"
	else
		echo "bench: pipes: $kind did not boot: $(tail -n 3 "$log" | tr '\n' ' ')" >&2
	fi
	bg_stop "$pid"
}

load1=$(cut -d' ' -f1 /proc/loadavg)
echo "bench: pipes, accelerator $ACCEL (${ACCEL_WHY:-given}), apps/httpd 1 vCPU 256M, wrk -t1 -c16 ${secs} s; load $load1"
run pipes
run virtio

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else print "-" }'; }
printf '\n%-34s %12s %12s %14s\n' measure pipes virtio "pipes/virtio"
for m in rps_keep:"req/s, keep-alive (612 B)" rps_close:"req/s, a connection each" mbps:"MB/s, /1m.bin x30, 3 at once"; do
	k=${m%%:*} label=${m#*:}
	p=${R[pipes,$k]:-} v=${R[virtio,$k]:-}
	printf '%-34s %12s %12s %14s\n' "$label" "${p:-failed}" "${v:-failed}" "$(ratio "$p" "$v")"
done
