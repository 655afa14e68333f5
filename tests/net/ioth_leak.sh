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
# shellcheck source=tests/lib/netns.sh
source "$ROOT/tests/lib/netns.sh"

GUEST=10.77.8.2
HOST=10.77.8.1
PORT=5000
BOOT_TIMEOUT=${IOTH_LEAK_BOOT_TIMEOUT:-120}
CONNS=${IOTH_LEAK_CONNS:-10000}
WARMUP=${IOTH_LEAK_WARMUP:-100}
SETTLE=${IOTH_LEAK_SETTLE:-30}
NICS=${IOTH_LEAK_NICS:-virtio ne2k}
# Under TCG a connection costs a few ms of guest time; allow 20 ms each.
CHURN_LIMIT=$((60 + CONNS / 50))
GUEST_LIFE=$((600 + CHURN_LIMIT))
CLIENT=(python3 "$ROOT/tests/net/tcp_client.py" --port "$PORT" --parallel 8)

failures=0
pass() { echo "PASS ioth_leak: $*"; }
fail() {
	echo "FAIL ioth_leak: $*"
	failures=$((failures + 1))
}

netns_require
for tool in qemu-system-x86_64 python3 make gcc; do
	command -v "$tool" >/dev/null || netns_skip "missing tool: $tool"
done

tmp=$(mktemp -d /tmp/skiff-iothleak.XXXXXX) || netns_die "mktemp failed"
# shellcheck disable=SC2317 # called from the traps
cleanup() {
	netns_cleanup
	[[ -n "${IOTH_LEAK_KEEP:-}" ]] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT
trap 'cleanup; trap - EXIT; exit 143' TERM

if ! timeout 600 make -C "$ROOT" -s -j2 APP=echo >"$tmp/build.log" 2>&1; then
	fail "build: make APP=echo failed:"
	tail -n 20 "$tmp/build.log"
	exit 1
fi

NS=$(netns_name iothleak)
netns_create "$NS" "$HOST/24" tap0
# The client closes first, so each of its connections waits 60 s in
# TIME-WAIT on a port of its own: beyond ~28,000 connections a minute the
# namespace runs out of ports unless it may reuse them (safe with
# timestamps, which echo's stack sends: RFC 7323 PAWS tells an old
# connection's segments apart) from a wider range.
netns_exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=1024 65000" ||
	netns_die "cannot set the namespace's port reuse"

# churn NAME N LIMIT: N checked connections; PASS/FAIL line; sets OUT.
churn() {
	local name=$1 n=$2 limit=$3
	OUT=$(netns_exec "$NS" timeout "$((limit + 10))" "${CLIENT[@]}" --timeout "$limit" \
		--seed "$RANDOM" churn "$GUEST" "$n" 300 2>&1 | tail -n 1)
	if [[ "$OUT" == ok* ]]; then
		pass "$name ${OUT#ok }"
		return 0
	fi
	fail "$name: ${OUT:-no output from the client}"
	return 1
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
	bg_start "$NS" "$log" "$ROOT/tools/cloudit.sh" echo --headless --accel tcg --direct \
		--no-build --nic "$nic" --net tap:tap0 --timeout "$GUEST_LIFE" \
		--append "echo.nic=eth0 echo.ip=$GUEST/24 echo.stats=2 echo.quiet=1"
	pid=$BG_PID
	if ! wait_for_line "$log" "^echo: listening on " "$BOOT_TIMEOUT" "$pid"; then
		fail "boot_$nic: no listening line within ${BOOT_TIMEOUT}s"
		tail -n 15 "$log"
		bg_stop "$pid"
		continue
	fi
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
	if grep -qiE 'panic|exception|#PF|#GP|double fault' "$log"; then
		fail "clean_$nic: the guest's log reports a fault:"
		grep -iE 'panic|exception|#PF|#GP|double fault' "$log" | head -n 5
	else
		pass "clean_$nic no fault in the guest's log"
	fi
	bg_stop "$pid"
done

if [[ $failures -gt 0 ]]; then
	echo "ioth_leak: $failures failed"
	exit 1
fi
echo "ioth_leak: all passed"
exit 0
