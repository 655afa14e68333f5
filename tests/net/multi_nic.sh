#!/usr/bin/env bash
# tests/net/multi_nic.sh: two and four virtio NICs in one guest, every one
# leased by DHCP and answering ping.
#
# Each virtio NIC keeps its whole receive ring (128 buffers) posted with packet
# buffers; before the pool grew per NIC, two NICs took every small buffer and
# the stack could send nothing, so no interface got a lease (issue 7, item 1).
#
# Inside one private namespace (tests/lib/netns.sh) four taps sit on four
# subnets 10.77.2N.0/24 (host .1), and one dnsmasq (bound to those taps only,
# no DNS) leases .50-.99 on each. apps/netidle boots (direct) with 2, then 4
# virtio-net NICs, all on DHCP (the default). Cases, for N = 2 and 4:
#   leases_N       every NIC's subnet shows a "dhcp: lease bound" line in the
#                  guest log within LEASE_TIMEOUT s of the interface lines
#   ping_N_ethI    ping -c 10 to each leased address from the namespace: 10/10
#   clean_N        no panic or exception in the guest log
# One "PASS multi_nic: ..." / "FAIL multi_nic: ..." line per case; exit 1 if
# any failed, 77 to skip (never under CI=true: then a missing prerequisite
# fails). Every wait is bounded; QEMU and dnsmasq are killed by PID on exit.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

LEASE_TIMEOUT=${MULTI_NIC_LEASE_TIMEOUT:-40}   # one NIC binds in milliseconds of guest time

guest_init multi_nic MULTI_NIC qemu-system-x86_64 ping make dnsmasq
tmp=$GUEST_TMP
guest_build netidle

subnet() { echo "10.77.$((21 + $1))"; }   # NIC I (0..3) lives on 10.77.2(1+I).0/24

NS=$(netns_name multinic)
netns_create "$NS" "$(subnet 0).1/24" tap0
# The other taps each on their own subnet (netns_create would bridge them into one).
for i in 1 2 3; do
	netns_add_tap "$NS" "tap$i" "$(subnet "$i").1/24"
done

# One DHCP server for the four taps: no config file, no DNS (port 0), bound to
# the taps only, leases in $tmp. It runs as root inside the namespace.
dns_args=(--keep-in-foreground --conf-file=/dev/null --port=0 --bind-interfaces --except-interface=lo
	--no-resolv --no-hosts --dhcp-authoritative --dhcp-leasefile="$tmp/leases" --pid-file="$tmp/dnsmasq.pid"
	--user=root --group=root --log-dhcp --log-facility=-)
for i in 0 1 2 3; do
	dns_args+=(--interface="tap$i" --dhcp-range="$(subnet "$i").50,$(subnet "$i").99,255.255.255.0,1h")
done
bg_start "$NS" "$tmp/dnsmasq.log" dnsmasq "${dns_args[@]}"
DNSMASQ_PID=$BG_PID
if ! wait_for_line "$tmp/dnsmasq.log" 'DHCP, IP range' 10 "$DNSMASQ_PID"; then
	fail "setup: dnsmasq did not start"
	tail -n 10 "$tmp/dnsmasq.log"
	exit 1
fi

# run_guest N: netidle with N virtio NICs (ethI on tapI), leases and pings checked.
run_guest() {
	local n=$1 log qemu=() i addr line pid out sent recv
	log=$tmp/guest-$n.log
	for ((i = 0; i < n; i++)); do
		qemu+=(-netdev "tap,id=n$i,ifname=tap$i,script=no,downscript=no"
			-device "virtio-net-pci,netdev=n$i,mac=52:54:00:77:2$((1 + i)):02,romfile=")
	done
	guest_boot "leases_$n: guest did not list eth$((n - 1))" "$NS" "$log" "net: eth$((n - 1)): driver virtio-net" \
		netidle --direct --nic none --mem 256M --timeout 600 --qemu "${qemu[*]}" || return
	pid=$GUEST_PID
	local got=() missing=()
	for ((i = 0; i < n; i++)); do
		if wait_for_line "$log" "dhcp: lease bound: $(subnet "$i" | sed 's/\./\\./g')\\.[0-9]+/24" \
			"$LEASE_TIMEOUT" "$pid"; then
			line=$WAIT_LINE
			addr=$(sed -n 's/.*lease bound: \([0-9.]*\)\/.*/\1/p' <<<"$line")
			got+=("$addr")
		else
			missing+=("eth$i")
			got+=("")
		fi
	done
	if [[ ${#missing[@]} -eq 0 ]]; then
		pass "leases_$n all $n NICs leased: ${got[*]}"
	else
		fail "leases_$n: no lease within ${LEASE_TIMEOUT}s on ${missing[*]} (leased: ${got[*]:-none})"
		grep -E 'dhcp|virtio-net|net:' "$log" | tail -n 10
	fi
	for ((i = 0; i < n; i++)); do
		addr=${got[$i]}
		[[ -n $addr ]] || continue
		out=$(netns_exec "$NS" timeout 60 ping -n -q -c 10 -i 0.2 -W 2 "$addr" 2>&1)
		sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$out")
		recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
		if [[ -n $sent && $sent -gt 0 && $recv == "$sent" ]]; then
			pass "ping_${n}_eth$i $addr: $recv/$sent replies"
		else
			fail "ping_${n}_eth$i: $addr answered ${recv:-0}/${sent:-0}"
			tail -n 3 <<<"$out"
		fi
	done
	if guest_no_faults "clean_$n: the guest's log reports a fault" "$log"; then
		pass "clean_$n"
	fi
	bg_stop "$pid"
}

run_guest 2
run_guest 4

guest_finish
