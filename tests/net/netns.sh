#!/usr/bin/env bash
# tests/net/netns.sh: two network stacks in one guest, isolated like two
# network namespaces (kernel/netns.h, issue 8 part 3).
#
# Two host namespaces A and B each have a tap with 10.77.5.1/24: the same
# subnet and the same address on both sides. The guest (tests/net/netns_app
# built as apps/nstest in a scratch tree) has eth0 on A's tap with
# 10.77.5.2/24 in the default stack, and eth1 on B's tap, which it moves
# into a second stack and gives 10.77.5.2/24 too. (QEMU opens both taps in
# A; B's is moved into B once the guest runs.) In one stack, replies to B
# would leave through eth0's connected route; with two, each NIC answers
# its own link. Cases, for eth1 = virtio (2 CPUs, the second stack's thread
# on CPU 1) and eth1 = ne2k (1 CPU):
#   checks       the guest's own checks (errors, isolation seen from inside,
#                a loopback-only stack created and deleted, heap given back)
#   ping_a/b     10/10 replies from each side, each from its own NIC's MAC
#   delete       after "delete" on the guest's console, B gets no reply (eth1
#                is back in the default stack, down) and A still does
#   again        a new stack over eth1: B gets 10/10 again
#   exit         "quit": the guest exits 0, no panic in its log
# One "PASS netns: ..." / "FAIL netns: ..." line per case; exit 1 if any
# failed, 77 to skip (never under CI=true). Bounded waits; QEMU killed by
# PID and the namespaces removed on exit.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

STEP_TIMEOUT=${NETNS_STEP_TIMEOUT:-60}
HOST=10.77.5.1
GUEST=10.77.5.2
MAC0=52:54:00:77:05:02
MAC1=52:54:00:77:05:03

guest_init netns NETNS qemu-system-x86_64 ping make gcc tar
scratch=$GUEST_TMP
guest_build_scratch nstest "$ROOT/tests/net/netns_app"

# wait_count FILE ERE N TIMEOUT_S PID: until N lines match (0), the timeout (1) or PID exits (2).
wait_count() {
	local file=$1 re=$2 n=$3 timeout=$4 pid=$5 i
	for ((i = 0; i < timeout * 10; i++)); do
		[[ $(tr -d '\r' <"$file" | grep -cE -- "$re") -ge $n ]] && return 0
		kill -0 "$pid" 2>/dev/null || return 2
		sleep 0.1
	done
	return 1
}

# ping_from NS COUNT: prints "received/transmitted".
ping_from() {
	local out
	out=$(netns_exec "$1" timeout 60 ping -n -q -c "$2" -i 0.2 -W 2 "$GUEST" 2>&1)
	echo "$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")/$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$out")"
}

# expect_ping NAME NS COUNT WANT_MAC: every reply back, and the guest's address resolved to WANT_MAC.
expect_ping() {
	local name=$1 ns=$2 count=$3 mac=$4 got lladdr
	got=$(ping_from "$ns" "$count")
	lladdr=$(netns_exec "$ns" ip neigh show "$GUEST" | sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p')
	if [[ $got == "$count/$count" && $lladdr == "$mac" ]]; then
		pass "$name: $got replies from $lladdr"
	else
		fail "$name: $got replies, $GUEST at '${lladdr:-?}' (want $count/$count from $mac)"
	fi
}

# run NIC1 SMP CPU: one guest with eth1 of type NIC1.
run() {
	local nic1=$1 smp=$2 cpu=$3 tag=$1
	local nsa nsb log="$scratch/guest-$1.log" in="$scratch/in-$1" dev=virtio-net-pci pid got
	[[ $nic1 == ne2k ]] && dev=ne2k_pci
	nsa=$(netns_name "nsa$tag")
	nsb=$(netns_name "nsb$tag")
	netns_create "$nsa" "$HOST/24" tapa
	netns_add_tap "$nsa" tapb
	netns_create "$nsb" 10.77.55.1/24 tapz   # B's own tap arrives from A below

	mkfifo "$in" || netns_die "mkfifo failed"
	exec 3<>"$in"
	BG_STDIN=$in guest_start "$nsa" "$log" nstest --input --direct --smp "$smp" --nic virtio --net tap:tapa \
		--mac "$MAC0" --timeout 900 \
		--qemu "-netdev tap,id=n1,ifname=tapb,script=no,downscript=no -device $dev,netdev=n1,mac=$MAC1" \
		--append "eth0.ip=$GUEST/24 eth1.ip=10.99.0.2/24 nstest.ip=$GUEST/24 nstest.gw=$HOST nstest.cpu=$cpu"
	pid=$GUEST_PID

	if ! wait_count "$log" '^nstest: command\?' 1 "$GUEST_BOOT_TIMEOUT" "$pid"; then
		fail "$tag/boot: no 'nstest: command?' within ${GUEST_BOOT_TIMEOUT}s"
		tail -n 20 "$log"
		exec 3>&-
		bg_stop "$pid"
		return
	fi
	netns_exec "$nsa" ip link set tapb netns "$nsb" || netns_die "cannot move tapb to $nsb"
	netns_exec "$nsb" ip addr add "$HOST/24" dev tapb || netns_die "cannot address tapb"
	netns_exec "$nsb" ip link set tapb up || netns_die "cannot bring tapb up in $nsb"

	local bad
	bad=$(tr -d '\r' <"$log" | grep -E '^nstest: check .*: FAIL' | head -n 3)
	if [[ -z $bad ]] && tr -d '\r' <"$log" | grep -qE '^nstest: checks done, 0 failed'; then
		pass "$tag/checks: $(tr -d '\r' <"$log" | grep -cE '^nstest: check .*: PASS') passed in the guest"
	else
		fail "$tag/checks: ${bad:-no 'checks done, 0 failed' line}"
	fi
	expect_ping "$tag/ping_a (eth0, default stack)" "$nsa" 10 "$MAC0"
	expect_ping "$tag/ping_b (eth1, second stack)" "$nsb" 10 "$MAC1"

	printf 'delete\n' >&3
	if wait_count "$log" '^nstest: stack deleted \(0\); eth1 in the default stack: ifindex [0-9]+, link down, address none' 1 "$STEP_TIMEOUT" "$pid"; then
		got=$(ping_from "$nsb" 3)
		if [[ $got == 0/3 ]]; then
			pass "$tag/delete: B gets no reply ($got)"
		else
			fail "$tag/delete: B got $got replies after the stack was deleted"
		fi
		expect_ping "$tag/delete: ping_a still" "$nsa" 5 "$MAC0"
	else
		fail "$tag/delete: no 'stack deleted (0)' line"
		tail -n 10 "$log"
	fi

	printf 'again\n' >&3
	if wait_count "$log" '^nstest: stack [0-9]+ ready' 2 "$STEP_TIMEOUT" "$pid"; then
		netns_exec "$nsb" ip neigh flush dev tapb
		expect_ping "$tag/again: ping_b" "$nsb" 10 "$MAC1"
	else
		fail "$tag/again: the stack was not made again"
		tail -n 10 "$log"
	fi

	printf 'quit\n' >&3
	wait_count "$log" '^cloudit: nstest exited with status' 1 "$STEP_TIMEOUT" "$pid"
	if tr -d '\r' <"$log" | grep -qE '^cloudit: nstest exited with status 0 ' &&
		! tr -d '\r' <"$log" | grep -qiE 'panic|exception|#PF|#GP'; then
		pass "$tag/exit: status 0, no panic"
	else
		fail "$tag/exit: $(tr -d '\r' <"$log" | grep -E '^cloudit:|panic|exception' | tail -n 2)"
	fi
	exec 3>&-
	bg_stop "$pid"
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
}

run virtio 2 1
run ne2k 1 0

if [[ $GUEST_FAILURES -eq 0 ]]; then
	echo "netns: all cases passed"
else
	echo "netns: $GUEST_FAILURES case(s) failed"
fi
[[ $GUEST_FAILURES -eq 0 ]]
