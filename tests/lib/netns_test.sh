#!/usr/bin/env bash
# tests/lib/netns_test.sh: self-test of tests/lib/netns.sh (needs root).
#
# Checks that a namespace gets lo and its tap with the host address, that several
# taps share a bridge, that netns_add_tap adds an addressed tap of its own, that
# bg_start feeds a command BG_STDIN, that wait_for_line matches split lines, times
# out and notices a dead process, and that netns_cleanup leaves no namespace or process
# behind. Prints one "PASS netns_test: CHECK" or "FAIL netns_test: CHECK" line
# per check (tests/run.sh counts those), then "netns_test: N passed, M failed";
# exits 77 (skip) without root unless CI=true.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/netns.sh"
netns_require
netns_trap

passed=0 failed=0
check() {
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "PASS netns_test: $name"
	else
		failed=$((failed + 1))
		echo "FAIL netns_test: $name"
	fi
}

log=$(mktemp /tmp/netns_test.XXXXXX)
ns1=$(netns_name t1)
ns2=$(netns_name t2)
netns_create "$ns1" 10.77.250.1/24
netns_create "$ns2" 10.77.251.1/24 tap0 tap1

check "tap0 carries the host address" \
	bash -c "ip netns exec '$ns1' ip -br addr show tap0 | grep -q 10.77.250.1/24"
check "lo is up" bash -c "ip netns exec '$ns1' ping -c 1 -W 1 127.0.0.1 >/dev/null"
check "two taps are bridged" \
	bash -c "ip netns exec '$ns2' ip -br link show master br0 | grep -c tap | grep -qx 2"
check "bridge carries the host address" \
	bash -c "ip netns exec '$ns2' ip -br addr show br0 | grep -q 10.77.251.1/24"
check "no route out of the namespace" \
	bash -c "! ip netns exec '$ns1' ip route get 192.0.2.1 >/dev/null 2>&1"
netns_add_tap "$ns1" tap1 10.77.252.1/24
check "an added tap carries its own address" \
	bash -c "ip netns exec '$ns1' ip -br addr show tap1 | grep -qE '^tap1 .* 10\.77\.252\.1/24'"
check "an added tap is up" bash -c "ip netns exec '$ns1' ip link show tap1 | grep -qE '<([^>]*,)?UP[,>]'"
check "an added tap is on no bridge" \
	bash -c "! ip netns exec '$ns1' ip -d link show tap1 | grep -q 'master'"

bg_start "$ns1" "$log" bash -c 'printf "boot\nhal"; sleep 0.2; printf "f ready\n"; exec sleep 60'
pid=$BG_PID
rc=0
wait_for_line "$log" '^half ready$' 5 "$pid" || rc=$?
check "wait_for_line joins a line written in two parts" test "$rc" -eq 0
rc=0
wait_for_line "$log" 'never' 0.3 "$pid" || rc=$?
check "wait_for_line times out with 1" test "$rc" -eq 1
printf 'fed through stdin\n' >"$log.in"
BG_STDIN=$log.in bg_start "$ns1" "$log.out" cat
rc=0
wait_for_line "$log.out" '^fed through stdin$' 5 || rc=$?
check "bg_start gives the command BG_STDIN" test "$rc" -eq 0
bg_start "$ns1" /dev/null true
short=$BG_PID
sleep 0.2
rc=0
wait_for_line "$log" 'never' 5 "$short" || rc=$?
check "wait_for_line returns 2 when the process is gone" test "$rc" -eq 2

netns_cleanup
check "cleanup killed the background process" bash -c "! kill -0 $pid 2>/dev/null"
check "cleanup deleted the namespaces" \
	bash -c "! ip netns list | grep -qE '^($ns1|$ns2)( |\$)'"
rm -f "$log" "$log.in" "$log.out"

echo "netns_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
