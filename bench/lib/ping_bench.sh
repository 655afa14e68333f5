#!/usr/bin/env bash
# bench/lib/ping_bench.sh: boot-to-ready time and ping RTT of one guest on a tap.
#
# Usage: bench/lib/ping_bench.sh [options] -- GUEST_CMD [ARGS...]
#   GUEST_CMD  starts QEMU attached to the tap (default tap0) with its serial console
#              on stdout; it is run inside a fresh network namespace, so it simply
#              uses -netdev tap,ifname=tap0,script=no,downscript=no.
#   --ready REGEX     serial line meaning the guest is up (default: "ready")
#   --fail REGEX      serial line meaning the guest is dead even if QEMU runs on
#                     (default: "KVM internal error|Kernel panic|FAILED")
#   --host ADDR/P     host side of the tap (default 10.77.1.1/24)
#   --guest ADDR      address pinged (default 10.77.1.2)
#   --tap NAME        tap device name (default tap0)
#   --count N         pings measured (default 200)
#   --interval S      seconds between pings (default 0.01; below 0.2 needs root)
#   --boot-timeout S  wait for the ready line at most S seconds (default 120)
#   --label TEXT      added to the result line as label=TEXT
#   --log FILE        keep the guest's serial log here (default: a temp file,
#                     removed on success)
#
# Output, one line on stdout (everything else goes to stderr):
#   label=... accel=kvm|tcg|unknown boot_ms=N rtt_avg_ms=X rtt_p99_ms=X
#   rtt_min_ms=X rtt_max_ms=X loss=P% sent=N received=N load1=L
# boot_ms runs from just before the guest command starts (or from the time on a
# "qemu-start: EPOCHREALTIME" line in its output, if it prints one) to the moment
# the ready line shows up in the serial log (polled every 10 ms). One unmeasured ping first
# fills the host's ARP cache. p99 is the nearest-rank 99th percentile of the
# per-packet times. accel is read from an "accel: X" line in the guest's output
# (bench/linux/run.sh prints one). Exit: 0 ok, 1 setup or guest failure, 2 usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/lib/netns.sh
source "$root/tests/lib/netns.sh"

usage() {
	echo "bench/lib/ping_bench.sh: $*" >&2
	echo "usage: ping_bench.sh [--ready RE] [--host A/P] [--guest A] [--count N] [--interval S] [--boot-timeout S] [--label T] [--log F] -- GUEST_CMD..." >&2
	exit 2
}

ready=ready fail="KVM internal error|Kernel panic|FAILED" host=10.77.1.1/24 guest=10.77.1.2 tap=tap0 count=200 interval=0.01
boot_timeout=120 label="" log=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--ready) ready=${2:-}; shift ;;
	--fail) fail=${2:-}; shift ;;
	--host) host=${2:-}; shift ;;
	--guest) guest=${2:-}; shift ;;
	--tap) tap=${2:-}; shift ;;
	--count) count=${2:-}; shift ;;
	--interval) interval=${2:-}; shift ;;
	--boot-timeout) boot_timeout=${2:-}; shift ;;
	--label) label=${2:-}; shift ;;
	--log) log=${2:-}; shift ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	--) shift; break ;;
	*) usage "unknown argument '$1'" ;;
	esac
	shift
done
[[ $# -gt 0 ]] || usage "no guest command after --"
[[ "$count" =~ ^[1-9][0-9]*$ ]] || usage "--count wants a positive integer"
[[ "$interval" =~ ^[0-9]*\.?[0-9]+$ ]] || usage "--interval wants seconds"
[[ "$boot_timeout" =~ ^[1-9][0-9]*$ ]] || usage "--boot-timeout wants whole seconds"
[[ "$guest" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || usage "--guest wants an IPv4 address"
[[ -n "$ready" ]] || usage "--ready wants a regex"

netns_require
command -v ping >/dev/null || netns_die "ping not found (install iputils-ping)"

keep_log=1
if [[ -z "$log" ]]; then
	log=$(mktemp /tmp/ping_bench.XXXXXX.log)
	keep_log=0
fi
pings=$(mktemp /tmp/ping_bench.XXXXXX.ping)
finish() {
	netns_cleanup
	rm -f "$pings"
}
trap finish EXIT
trap 'finish; trap - EXIT; exit 130' INT
trap 'finish; trap - EXIT; exit 143' TERM

ns=$(netns_name ping)
netns_create "$ns" "$host" "$tap"

# Host load when the guest starts: other QEMUs on a 2-core machine skew every number.
load1=$(cut -d' ' -f1 /proc/loadavg)
t0=$EPOCHREALTIME
bg_start "$ns" "$log" "$@"
guest_pid=$BG_PID
echo "ping_bench: guest pid $guest_pid in $ns, serial log $log" >&2

rc=0
wait_for_line "$log" "($ready)|($fail)" "$boot_timeout" "$guest_pid" || rc=$?
case $rc in
0)
	if ! [[ "$WAIT_LINE" =~ $ready ]]; then
		netns_die "guest failed before ready: ${WAIT_LINE//$'\r'/}"
	fi
	;;
1) netns_die "guest not ready after ${boot_timeout}s (no line matching '$ready'); last lines: $(tail -n 3 "$log" | tr -s '\r\n' ' ')" ;;
*) netns_die "guest exited before ready; last lines: $(tail -n 3 "$log" | tr -s '\r\n' ' ')" ;;
esac
# A guest command that prints "qemu-start: EPOCHREALTIME" (bench/linux/run.sh does)
# moves the clock's start to QEMU's exec, past any setup it did first.
qstart=$(sed -n 's/^qemu-start: \([0-9]*\.[0-9]*\).*/\1/p' "$log" | head -n 1)
[[ -z "$qstart" ]] || t0=$qstart
boot_ms=$(awk -v a="$t0" -v b="$WAIT_TIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
accel=$(sed -n 's/^accel: \([a-z]*\).*/\1/p' "$log" | head -n 1)
echo "ping_bench: ready after ${boot_ms} ms: ${WAIT_LINE//$'\r'/}" >&2

# Warm-up: fill the ARP cache so the first measured packet is not an outlier.
netns_exec "$ns" ping -n -c 1 -W 5 "$guest" >/dev/null 2>&1 ||
	netns_die "guest $guest does not answer ping after ready"

# -w bounds the whole run: the pings themselves plus 10 s of slack.
deadline=$(awk -v c="$count" -v i="$interval" 'BEGIN { printf "%d", c * i + 10 }')
netns_exec "$ns" ping -n -c "$count" -i "$interval" -W 1 -w "$deadline" "$guest" >"$pings" 2>&1 || true

sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$pings")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$pings")
[[ -n "$sent" && -n "$recv" ]] || netns_die "cannot parse ping output: $(tail -n 2 "$pings" | tr '\n' ' ')"
[[ "$recv" -gt 0 ]] || netns_die "guest $guest answered none of $sent pings"

stats=$(sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' "$pings" | sort -g | awk -v sent="$sent" '
	{ t[NR] = $1; sum += $1 }
	END {
		n = NR
		k = int(0.99 * n); if (k < 0.99 * n) k++; if (k < 1) k = 1
		printf "rtt_avg_ms=%.3f rtt_p99_ms=%.3f rtt_min_ms=%.3f rtt_max_ms=%.3f loss=%.1f%%",
			sum / n, t[k], t[1], t[n], 100 * (sent - n) / sent
	}')

bg_stop "$guest_pid" 5
echo "label=${label:-guest} accel=${accel:-unknown} boot_ms=$boot_ms $stats sent=$sent received=$recv load1=$load1"
[[ $keep_log -eq 1 ]] || rm -f "$log"
