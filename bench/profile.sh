#!/usr/bin/env bash
# bench/profile.sh (make profile-http): where apps/httpd spends its time
# under wrk, from the kernel's sampling profiler (kernel/prof.c).
#
# Usage: bench/profile.sh [--no-build] [--secs S] [--conns N] [--close]
#                         [--smp N] [--cpus LIST] [--hz N] [--top N]
#                         [--nic virtio|ne2k] [--path PATH]
#
# Boots apps/httpd by direct boot on tap0 in a private namespace
# (tests/lib/netns.sh), as bench/http.sh does (256 MiB, the accelerator's
# CPU model, the MAC in the host's neighbour table), with prof.hz=N (997)
# and prof.top=N (25); --smp N CPUs (1) and httpd.cpus=LIST (all). Warms
# up with wrk -c1 for 2 s, resets the profile (GET /prof), runs
# wrk -t1 -cN (30) for S seconds (10) on PATH (/612.html), keep-alive or
# with "Connection: close" (--close), then GET /prof prints the profile of
# that run on the guest's console. Prints wrk's summary, then the profile:
# the functions with the most samples of their own (self) and on the
# stack (total), in % of the busy CPUs' samples. Nothing is asserted.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib/accel.sh
source bench/lib/accel.sh
# shellcheck source=tests/lib/netns.sh
source tests/lib/netns.sh
# shellcheck source=bench/lib/guest_ns.sh
source bench/lib/guest_ns.sh

build=1 secs=10 conns=30 close=0 smp=1 cpus=all hz=997 top=25 nic=virtio path=/612.html
while [[ $# -gt 0 ]]; do
	case "$1" in
	--no-build) build=0 ;;
	--secs) secs=${2:?--secs wants seconds}; shift ;;
	--conns) conns=${2:?--conns wants a number}; shift ;;
	--close) close=1 ;;
	--smp) smp=${2:?--smp wants a number}; shift ;;
	--cpus) cpus=${2:?--cpus wants a list}; shift ;;
	--hz) hz=${2:?--hz wants a rate}; shift ;;
	--top) top=${2:?--top wants a number}; shift ;;
	--nic) nic=${2:?--nic wants virtio or ne2k}; shift ;;
	--path) path=${2:?--path wants a path}; shift ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench/profile.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
for n in "$secs" "$conns" "$smp" "$hz" "$top"; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench/profile.sh: '$n' is not a positive whole number" >&2; exit 2; }
done
[[ $nic == virtio || $nic == ne2k ]] || { echo "bench/profile.sh: --nic wants virtio or ne2k" >&2; exit 2; }

netns_require
for tool in wrk python3 curl qemu-system-x86_64; do
	command -v "$tool" >/dev/null || netns_die "missing $tool (tools/deps.sh installs it)"
done
[[ -n "${ACCEL:-}" ]] || accel_resolve "${BENCH_ACCEL:-auto}"
[[ $build -eq 0 ]] || make -s -j2 APP=httpd >/dev/null
[[ -s build/httpd.elf ]] || netns_die "build/httpd.elf missing (build first, or drop --no-build)"

GUEST=10.77.1.2 MAC=52:54:00:77:01:02
tmp=$(mktemp -d /tmp/bench-prof.XXXXXX)
bench_guest_ns profb
log=$tmp/guest.log
bg_start "$ns" "$log" tools/cloudit.sh httpd --headless --no-build --direct --accel "$ACCEL" --cpu "$cpu" \
	--smp "$smp" --mem 256M --nic "$nic" --net tap:tap0 --mac "$MAC" \
	--append "ip=$GUEST/24 httpd.log=0 httpd.cpus=$cpus prof.hz=$hz prof.top=$top" --timeout 900
gpid=$BG_PID

r=$(netns_exec "$ns" python3 tests/net/http_client.py first "$GUEST" "$path" --wait 120 2>&1 | tail -n 1)
[[ $r == ok* ]] || netns_die "httpd did not answer within 120 s: $(tail -n 3 "$log" | tr -s '\r\n' ' ')"

# prof_get N: GET /prof, then wait for the guest's Nth "end of profile".
prof_get() {
	local i
	netns_exec "$ns" curl -s --max-time 30 "http://$GUEST/prof" >/dev/null || netns_die "GET /prof failed"
	for ((i = 0; i < 600; i++)); do
		[[ $(grep -c 'prof: end of profile' "$log" || true) -ge $1 ]] && return 0
		kill -0 "$gpid" 2>/dev/null || netns_die "the guest stopped: $(tail -n 3 "$log" | tr -s '\r\n' ' ')"
		sleep 0.05
	done
	netns_die "no profile on the console 30 s after GET /prof"
}

netns_exec "$ns" timeout 30 wrk -t1 -c1 -d2s "http://$GUEST$path" >/dev/null 2>&1 || true
prof_get 1
hdr=()
[[ $close -eq 0 ]] || hdr=(-H 'Connection: close')
what="wrk -t1 -c$conns -d${secs}s $path $([[ $close -eq 1 ]] && echo 'Connection: close' || echo keep-alive)"
netns_exec "$ns" timeout $((secs + 60)) wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s --latency "${hdr[@]}" \
	"http://$GUEST$path" >"$tmp/wrk.txt" 2>&1 || true
prof_get 2
bg_stop "$gpid" 3

echo "profile: httpd, accelerator $ACCEL, nic $nic, $smp vCPU(s), httpd.cpus=$cpus, $what, prof.hz=$hz"
grep -E 'Requests/sec|Latency |Socket errors|Non-2xx|  (50|99)%' "$tmp/wrk.txt" | sed 's/^/wrk: /'
# The second profile: from its header to its end, without the log's time stamps.
tr -d '\r' <"$log" | awk '/prof: [0-9]+ samples at/ { n++ } n == 2 { print } /prof: end of profile/ && n == 2 { exit }' |
	sed 's/^\[ *[0-9.]*\] //'
