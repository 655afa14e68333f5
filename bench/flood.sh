#!/usr/bin/env bash
# bench/flood.sh (part of make bench): how much of its rate a legitimate
# client keeps under a SYN flood, skiff's apps/httpd against the Linux
# yardstick's nginx (bench/linux/), one after the other, same QEMU
# options, same NIC, same clients.
#
# Usage: bench/flood.sh [--no-build] [--secs S] [--pps N]
#
# Each guest boots alone on tap0 in a private namespace (tests/lib/netns.sh)
# with 1 vCPU and 256 MiB. A Linux client (tests/net/flood_client.py legit)
# makes a new connection per GET /612.html for S seconds (default 10,
# BENCH_FLOOD_SECS), first alone, then while SYNs from random sources
# arrive at N per second (default 5000, BENCH_FLOOD_PPS; flood_client.py
# syn). The table gives both rates and the share kept (flooded/unflooded)
# for each, and skiff/Linux, and the share of skiff's CPU time busy during
# each run (/stats): on 2 host cores the clients, the flood and QEMU share
# them, and a guest far from busy says the host, not skiff, set the rate. tests/net/flood.sh checks that every request
# is answered under the flood; the rates are measured only here (no timed
# assertion under TCG). Nothing is asserted. BENCH_ACCEL as bench/run.sh
# (ACCEL already set: used as is).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib/accel.sh
source bench/lib/accel.sh
# shellcheck source=tests/lib/netns.sh
source tests/lib/netns.sh

build=1 secs=${BENCH_FLOOD_SECS:-10} pps=${BENCH_FLOOD_PPS:-5000}
while [[ $# -gt 0 ]]; do
	case "$1" in
	--no-build) build=0 ;;
	--secs) secs=${2:?--secs wants seconds}; shift ;;
	--pps) pps=${2:?--pps wants packets per second}; shift ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench/flood.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || { echo "bench/flood.sh: --secs wants whole seconds" >&2; exit 2; }
[[ "$pps" =~ ^[1-9][0-9]*$ ]] || { echo "bench/flood.sh: --pps wants a whole rate" >&2; exit 2; }

netns_require
for tool in python3 qemu-system-x86_64; do
	command -v "$tool" >/dev/null || netns_die "missing $tool (tools/deps.sh installs it)"
done
[[ -n "${ACCEL:-}" ]] || accel_resolve "${BENCH_ACCEL:-auto}"
if [[ $build -eq 1 ]]; then
	make -s -j2 APP=httpd >/dev/null
	bench/linux/build.sh >/dev/null
fi

GUEST=10.77.1.2
CLIENT=$root/tests/net/flood_client.py
PAGE=$root/apps/httpd/www/612.html
tmp=$(mktemp -d /tmp/bench-flood.XXXXXX)
# shellcheck source=bench/lib/guest_ns.sh
source bench/lib/guest_ns.sh
bench_guest_ns floodb
in_ns() { netns_exec "$ns" "$@"; }

declare -A R # R[kind,measure]
# skiff's CPU time busy and idle so far (ms, /stats), and the busy share
# between two such readings: whether the guest or the host (the clients,
# QEMU, on the same cores) limits the rate.
guest_busy() {
	in_ns curl -s --max-time 10 "http://$GUEST/stats" |
		python3 -c 'import json,sys; c=json.load(sys.stdin)["cpus"]; print(sum(x["busy_ms"] for x in c), sum(x["idle_ms"] for x in c))' 2>/dev/null ||
		echo "0 0"
}
busy_pct() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); t = (y[1] - x[1]) + (y[2] - x[2]);
		if (t > 0) printf "%.0f%%", 100 * (y[1] - x[1]) / t; else print "-" }'
}
for kind in skiff linux; do
	log=$tmp/$kind.log
	if [[ $kind == skiff ]]; then
		bg_start "$ns" "$log" tools/cloudit.sh httpd --headless --no-build --direct --accel "$ACCEL" \
			--cpu "$cpu" --smp 1 --mem 256M --net tap:tap0 --append "ip=$GUEST/24 httpd.log=0" --timeout 900
	else
		bg_start "$ns" "$log" bench/linux/run.sh --headless --accel "$ACCEL" --net tap:tap0 \
			--ip "$GUEST/24" --mem 256M --timeout 900
	fi
	pid=$BG_PID
	r=$(in_ns python3 "$root/tests/net/http_client.py" first "$GUEST" /612.html --wait 120 2>&1 | tail -n 1)
	if [[ $r != ok* ]]; then
		echo "bench: flood: $kind: no HTTP response within 120 s: $(tail -n 3 "$log" | tr -s '\r\n' ' ')" >&2
		bg_stop "$pid" 3
		continue
	fi
	[[ $kind == skiff ]] && busy0=$(guest_busy)
	base=$(in_ns timeout $((secs + 60)) python3 "$CLIENT" legit "$GUEST" "$secs" "$PAGE")
	[[ $kind == skiff ]] && R[skiff,busy_alone]=$(busy_pct "$busy0" "$(guest_busy)")
	in_ns timeout $((secs + 60)) python3 "$CLIENT" syn "$GUEST" 80 "$((secs + 2))s" "$pps" >/dev/null &
	fpid=$!
	sleep 1
	[[ $kind == skiff ]] && busy0=$(guest_busy)
	under=$(in_ns timeout $((secs + 60)) python3 "$CLIENT" legit "$GUEST" "$secs" "$PAGE")
	[[ $kind == skiff ]] && R[skiff,busy_flooded]=$(busy_pct "$busy0" "$(guest_busy)")
	wait "$fpid" || true
	read -r _ _ _ bfail _ brate <<<"$base"
	read -r _ _ _ ufail _ urate <<<"$under"
	R[$kind,alone]=$brate R[$kind,flooded]=$urate
	R[$kind,kept]=$(awk -v a="${urate:-0}" -v b="${brate:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
	echo "bench: flood: $kind: alone '$base', under ${pps}/s SYNs '$under'" >&2
	[[ "${bfail:-1}" == 0 && "${ufail:-1}" == 0 ]] || echo "bench: flood: $kind: failed requests" >&2
	bg_stop "$pid" 3
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }
echo
echo "bench: SYN flood (accelerator $ACCEL; 1 vCPU; a new connection per GET /612.html for ${secs} s, alone and under ${pps} SYNs/s from random sources)"
printf '%-40s %12s %12s %12s\n' measure skiff linux skiff/linux
for m in alone flooded kept; do
	case $m in
	alone) what="req/s, no flood" ;;
	flooded) what="req/s, under the SYN flood" ;;
	kept) what="share kept (flooded/alone)" ;;
	esac
	printf '%-40s %12s %12s %12s\n' "$what" "${R[skiff,$m]:--}" "${R[linux,$m]:--}" \
		"$(ratio "${R[skiff,$m]:-}" "${R[linux,$m]:-}")"
done
printf '%-40s %12s %12s %12s\n' "guest CPU busy, no flood / flooded" "${R[skiff,busy_alone]:--}/${R[skiff,busy_flooded]:--}" - -
