#!/usr/bin/env bash
# tests/net/ioth_leak.sh: connections through apps/echo give back all they
# took: heap, packet buffers, threads, sockets and TCP pcbs.
#
# Boots apps/echo (direct boot, TCG, virtio then ne2k: IOTH_LEAK_NICS) on
# a tap in a private namespace with echo.stats=2: it prints
#   echo: stats conns_open O conns_total T heap_bytes H pkt_in_use P
#         threads N sockets S tcp_pcbs C
# every 2 s and once whenever its connections drop to zero for half a
# second. The host (tests/net/tcp_client.py churn, 8 at a time, 300 bytes
# each, checked byte for byte) then makes
#   warmup_<nic>    WARMUP connections, so that everything allocated once
#                   (ARP entry, descriptor table, thread stacks kept for
#                   reuse, timer slots) exists; the idle line after them is
#                   the baseline
#   churn_<nic>     CONNS more connections (IOTH_LEAK_CONNS: 10,000 in make
#                   test, about 10 s on virtio and 25 s on ne2k under TCG;
#                   50,000 in make soak)
#   baseline_<nic>  within SETTLE s an idle line with conns_total =
#                   WARMUP + CONNS shows heap_bytes, pkt_in_use, threads,
#                   sockets and tcp_pcbs all equal to the baseline's
#   clean_<nic>     no fault in the guest's log
# One "PASS ioth_leak: ..." / "FAIL ioth_leak: ..." line per case, with the
# connection rate; exit 1 if any failed, 77 to skip (never under CI=true).
# Every wait is bounded; QEMU is killed by PID on exit.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

GUEST=10.77.8.2
HOST=10.77.8.1
PORT=5000
CONNS=${IOTH_LEAK_CONNS:-10000}
WARMUP=${IOTH_LEAK_WARMUP:-100}
SETTLE=${IOTH_LEAK_SETTLE:-30}
NICS=${IOTH_LEAK_NICS:-virtio ne2k}
# Under TCG a connection costs a few ms of guest time; allow 20 ms each.
CHURN_LIMIT=$((60 + CONNS / 50))
GUEST_LIFE=$((600 + CHURN_LIMIT))

guest_init ioth_leak IOTH_LEAK qemu-system-x86_64 python3 make gcc
tmp=$GUEST_TMP
guest_build echo

NS=$(netns_name iothleak)
netns_create "$NS" "$HOST/24" tap0
# The client closes first, so each of its connections waits 60 s in
# TIME-WAIT on a port of its own: beyond ~28,000 connections a minute the
# namespace runs out of ports unless it may reuse them (safe with
# timestamps, which echo's stack sends: RFC 7323 PAWS tells an old
# connection's segments apart) from a wider range.
netns_exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=1024 65000" ||
	netns_die "cannot set the namespace's port reuse"

# churn NAME N LIMIT: N checked connections, 8 at a time; PASS/FAIL line.
churn() {
	guest_tcp_case "$NS" "$1" "$3" --port "$PORT" --parallel 8 --seed "$RANDOM" churn "$GUEST" "$2" 300
}

# idle_stats LOG TOTAL TIMEOUT [WANT]: wait for a stats line with no open
# connection and conns_total TOTAL (and, with WANT, the figures after
# conns_total equal to WANT); sets STATS to the figures of the last such
# line. 0 when found (with WANT: when equal), 1 otherwise.
idle_stats() {
	local log=$1 total=$2 limit=$3 want=${4:-} deadline line figures
	deadline=$((SECONDS + limit))
	STATS=""
	while [[ $SECONDS -le $deadline ]]; do
		line=$(grep -E "^echo: stats conns_open 0 conns_total $total " "$log" | tail -n 1)
		if [[ -n "$line" ]]; then
			figures=${line#*conns_total $total }
			STATS=$figures
			[[ -z "$want" || "$figures" == "$want" ]] && return 0
		fi
		sleep 0.5
	done
	return 1
}

for nic in $NICS; do
	log="$tmp/guest-$nic.log"
	guest_boot "boot_$nic: no listening line" "$NS" "$log" "^echo: listening on " echo --direct \
		--nic "$nic" --net tap:tap0 --timeout "$GUEST_LIFE" \
		--append "echo.nic=eth0 echo.ip=$GUEST/24 echo.stats=2 echo.quiet=1" || continue
	pid=$GUEST_PID
	if ! churn "warmup_$nic" "$WARMUP" 120 || ! idle_stats "$log" "$WARMUP" "$SETTLE"; then
		[[ -n "$STATS" ]] || fail "warmup_$nic: no idle stats line after $WARMUP connections"
		bg_stop "$pid"
		continue
	fi
	base=$STATS
	churn "churn_$nic" "$CONNS" "$CHURN_LIMIT"
	if idle_stats "$log" $((WARMUP + CONNS)) "$SETTLE" "$base"; then
		pass "baseline_${nic} after $CONNS more connections: $STATS"
	else
		fail "baseline_${nic}: after $((WARMUP + CONNS)) connections: ${STATS:-no idle stats line}; baseline: $base"
	fi
	if guest_no_faults "clean_$nic: the guest's log reports a fault:" "$log"; then
		pass "clean_$nic no fault in the guest's log"
	fi
	bg_stop "$pid"
done

guest_finish
