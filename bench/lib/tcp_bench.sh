#!/usr/bin/env bash
# bench/lib/tcp_bench.sh: TCP throughput of one guest on a tap, both ways.
#
# Usage: bench/lib/tcp_bench.sh [options] -- GUEST_CMD [ARGS...]
#   GUEST_CMD  starts QEMU attached to tap0 with its serial console on stdout,
#              inside a fresh network namespace (as bench/lib/ping_bench.sh).
#              The guest must serve RFC 863 discard on port 9 and RFC 864
#              chargen on port 19 (apps/netidle does; so does the yardstick).
#   --ready REGEX     serial line meaning the services are up (default "ready")
#   --fail REGEX      serial line meaning the guest is dead
#                     (default: "KVM internal error|Kernel panic|FAILED|panic")
#   --host ADDR/P     host side of the tap (default 10.77.1.1/24)
#   --guest ADDR      the guest's address (default 10.77.1.2)
#   --bytes N         bytes per transfer (default 30000000)
#   --repeat N        transfers each way, alternating (default 3); the median
#                     is the result
#   --timeout S       per transfer (default 300)
#   --boot-timeout S  wait for the ready line at most S seconds (default 120)
#   --label TEXT      added to the result line as label=TEXT
#
# The same client (tests/net/tcp_client.py, the host's Linux TCP) sends N
# bytes into discard and half-closes, the time running to the guest's FIN
# (host->guest), then reads N bytes from chargen and checks them against the
# RFC 864 pattern (guest->host); that pair is repeated. Output, one line on
# stdout:
#   label=... accel=kvm|tcg|unknown discard_mbit=X chargen_mbit=Y bytes=N
#   repeat=R discard_all=X1,X2,.. chargen_all=Y1,Y2,.. load1=L
#   discard_recov=M discard_recov_all=R1,R2,.. discard_retrans_all=T1,T2,..
# where R is how many times the host's sender entered SACK recovery (its
# congestion episodes, TcpExtTCPSackRecovery) and T the segments it
# retransmitted (TcpRetransSegs) in each host->guest transfer, counted in
# the namespace by nstat: figures that do not depend on the host's load.
# A transfer that fails or is wrong gives "failed" for its rate. A guest that
# does not answer one of 10 pings after its ready line is a setup failure
# (exit 1, no result line). Exit: 0 when both transfers were right, 1
# otherwise, 2 usage.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/lib/netns.sh
source "$root/tests/lib/netns.sh"

usage() {
	echo "bench/lib/tcp_bench.sh: $*" >&2
	echo "usage: tcp_bench.sh [--ready RE] [--host A/P] [--guest A] [--bytes N] [--repeat N] [--timeout S] [--boot-timeout S] [--label T] -- GUEST_CMD..." >&2
	exit 2
}

ready=ready fail="KVM internal error|Kernel panic|FAILED|panic" host=10.77.1.1/24 guest=10.77.1.2
bytes=30000000 repeat=3 xfer_timeout=300 boot_timeout=120 label=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--ready) ready=${2:-}; shift ;;
	--fail) fail=${2:-}; shift ;;
	--host) host=${2:-}; shift ;;
	--guest) guest=${2:-}; shift ;;
	--bytes) bytes=${2:-}; shift ;;
	--repeat) repeat=${2:-}; shift ;;
	--timeout) xfer_timeout=${2:-}; shift ;;
	--boot-timeout) boot_timeout=${2:-}; shift ;;
	--label) label=${2:-}; shift ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	--) shift; break ;;
	*) usage "unknown argument '$1'" ;;
	esac
	shift
done
[[ $# -gt 0 ]] || usage "no guest command after --"
[[ "$bytes" =~ ^[1-9][0-9]*$ ]] || usage "--bytes wants a positive integer"
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || usage "--repeat wants a positive integer"
[[ "$xfer_timeout" =~ ^[1-9][0-9]*$ ]] || usage "--timeout wants whole seconds"
[[ "$boot_timeout" =~ ^[1-9][0-9]*$ ]] || usage "--boot-timeout wants whole seconds"
[[ "$guest" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || usage "--guest wants an IPv4 address"

netns_require
command -v python3 >/dev/null || netns_die "python3 not found (tools/deps.sh installs it)"
command -v ping >/dev/null || netns_die "ping not found (install iputils-ping)"

log=$(mktemp /tmp/tcp_bench.XXXXXX.log)
finish() {
	netns_cleanup
	rm -f "$log"
}
trap finish EXIT
trap 'finish; trap - EXIT; exit 130' INT
trap 'finish; trap - EXIT; exit 143' TERM

ns=$(netns_name tcpb)
netns_create "$ns" "$host" tap0
load1=$(cut -d' ' -f1 /proc/loadavg)
bg_start "$ns" "$log" "$@"
guest_pid=$BG_PID
rc=0
wait_for_line "$log" "($ready)|($fail)" "$boot_timeout" "$guest_pid" || rc=$?
if [[ $rc -ne 0 ]] || ! [[ "$WAIT_LINE" =~ $ready ]]; then
	netns_die "guest not ready (rc $rc): $(tail -n 3 "$log" | tr -s '\r\n' ' ')"
fi
# Reachable at all? (The yardstick's ne2k now and then comes up deaf; a
# transfer would only time out.) Also fills the host's ARP cache.
reach=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	if netns_exec "$ns" ping -n -c 1 -W 1 "$guest" >/dev/null 2>&1; then
		reach=1
		break
	fi
done
[[ $reach -eq 1 ]] || netns_die "guest $guest does not answer ping after ready"
accel=$(sed -n 's/^accel: \([a-z]*\).*/\1/p' "$log" | head -n 1)
[[ -n "$accel" ]] || accel=$(sed -n 's/^cloudit: .*, accel \([a-z]*\).*/\1/p' "$log" | head -n 1)

# client CMD: one tcp_client.py run; prints "RATE SECS" or "failed -".
client() {
	local out
	out=$(netns_exec "$ns" timeout "$((xfer_timeout + 10))" python3 "$root/tests/net/tcp_client.py" \
		--timeout "$xfer_timeout" "$1" "$guest" "$bytes" 2>&1 | tail -n 1) || true
	echo "tcp_bench: ${label:-guest}: $out" >&2
	if [[ "$out" != ok* ]]; then
		echo "tcp_bench: ${label:-guest}: guest's last lines: $(tail -n 5 "$log" | tr -s '\r\n' ' ')" >&2
	fi
	if [[ "$out" == ok* ]]; then
		echo "$(sed -n 's/.* mbit=\([0-9.]*\).*/\1/p' <<<"$out") $(sed -n 's/.* secs=\([0-9.]*\).*/\1/p' <<<"$out")"
	else
		echo "failed -"
	fi
}
# host_counts: the namespace's SACK recoveries and retransmitted segments
# so far, "R T" (nstat -a: absolute; -s: its history file untouched).
host_counts() {
	netns_exec "$ns" nstat -asz TcpExtTCPSackRecovery TcpRetransSegs 2>/dev/null |
		awk '$1 == "TcpExtTCPSackRecovery" { r = $2 } $1 == "TcpRetransSegs" { t = $2 }
			END { print r + 0, t + 0 }'
}
# median CMD: repeat transfers of CMD, alternating with the other direction
# by the caller; prints the median rate and all rates ("failed" if any
# failed: a wrong or lost byte is not averaged away).
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
d_all=() c_all=() r_all=() t_all=()
for ((r = 0; r < repeat; r++)); do
	read -r r0 t0 < <(host_counts)
	read -r rate _ < <(client discard)
	read -r r1 t1 < <(host_counts)
	d_all+=("$rate") r_all+=("$((r1 - r0))") t_all+=("$((t1 - t0))")
	read -r rate _ < <(client chargen)
	c_all+=("$rate")
done
bg_stop "$guest_pid" 5
d_mbit=$(printf '%s\n' "${d_all[@]}" | median) c_mbit=$(printf '%s\n' "${c_all[@]}" | median)
[[ " ${d_all[*]} " == *" failed "* ]] && d_mbit=failed
[[ " ${c_all[*]} " == *" failed "* ]] && c_mbit=failed
d_list=$(IFS=,; echo "${d_all[*]}") c_list=$(IFS=,; echo "${c_all[*]}")
r_med=$(printf '%s\n' "${r_all[@]}" | median)
r_list=$(IFS=,; echo "${r_all[*]}") t_list=$(IFS=,; echo "${t_all[*]}")
echo "label=${label:-guest} accel=${accel:-unknown} discard_mbit=$d_mbit chargen_mbit=$c_mbit bytes=$bytes repeat=$repeat discard_all=$d_list chargen_all=$c_list discard_recov=$r_med discard_recov_all=$r_list discard_retrans_all=$t_list load1=$load1"
[[ $d_mbit != failed && $c_mbit != failed ]]
