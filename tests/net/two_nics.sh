#!/usr/bin/env bash
# tests/net/two_nics.sh: one guest, two NICs, two subnets, under UEFI.
#
# The guest (apps/netidle, booted through OVMF + GRUB) has a virtio-net NIC
# on tap0 (eth0, 10.77.3.2/24) and an ne2k_pci NIC on tap1 (eth1,
# 10.77.4.2/24), both inside one private network namespace. The host side
# pings each address (20 echoes, then 8000-byte fragmented echoes) and every
# reply must come back: each interface answers on its own link. The boot log
# must list both interfaces with their driver and address.
#
# Prints one PASS/FAIL line per case, exits 1 if any failed; bounded waits;
# the namespace and QEMU (by PID) are removed on exit. Under CI=true a setup
# failure fails; elsewhere it skips with status 77.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

guest_init two_nics TWO_NICS qemu-system-x86_64 ping
[[ -r /usr/share/OVMF/OVMF_CODE_4M.fd ]] || netns_skip "OVMF is missing"
tmp=$GUEST_TMP
log=$tmp/guest.log
guest_build netidle

ns=$(netns_name twonics)
netns_create "$ns" 10.77.3.1/24 tap0
# A second tap on its own subnet (netns_create would bridge several taps into one).
netns_add_tap "$ns" tap1 10.77.4.1/24

guest_start "$ns" "$log" netidle --firmware uefi --nic virtio --net tap:tap0 --timeout 600 \
	--qemu "-netdev tap,id=n1,ifname=tap1,script=no,downscript=no -device ne2k_pci,netdev=n1,mac=52:54:00:77:04:02" \
	--append "eth0.ip=10.77.3.2/24 eth1.ip=10.77.4.2/24"
qemu_pid=$GUEST_PID

if wait_for_line "$log" "^netidle: ready on " 120 "$qemu_pid"; then
	pass "boot through OVMF: ${WAIT_LINE}"
else
	fail "boot: no 'netidle: ready' line within 120 s"
	tail -20 "$log" >&2
	exit 1
fi
for want in "net: eth0: driver virtio-net, MAC [0-9a-f:]{17}, link up, address 10.77.3.2" \
	"net: eth1: driver ne2k, MAC 52:54:00:77:04:02, link up, address 10.77.4.2"; do
	if grep -qE "$want" "$log"; then
		pass "boot log: ${want%%, MAC*}"
	else
		fail "boot log lacks '$want'"
	fi
done

# run_ping NAME ADDR ARGS...: every reply must come back.
run_ping() {
	local name=$1 addr=$2 out sent recv
	shift 2
	out=$(timeout 60 ip netns exec "$ns" ping -n -q "$@" "$addr" 2>&1)
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$out")
	recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
	if [[ -n $sent && $sent -gt 0 && $recv == "$sent" ]]; then
		pass "$name: $recv/$sent replies ($(sed -n 's/^rtt .* = //p' <<<"$out"))"
	else
		fail "$name: ${recv:-0}/${sent:-0} replies"
		printf '%s\n' "$out" | tail -3 >&2
	fi
}

run_ping "eth0 (virtio) 20 x 56 bytes" 10.77.3.2 -c 20 -i 0.1 -W 2
run_ping "eth1 (ne2k) 20 x 56 bytes" 10.77.4.2 -c 20 -i 0.1 -W 2
run_ping "eth0 (virtio) 5 x 8000 bytes, fragmented" 10.77.3.2 -c 5 -i 0.2 -W 2 -s 8000
run_ping "eth1 (ne2k) 5 x 8000 bytes, fragmented" 10.77.4.2 -c 5 -i 0.2 -W 2 -s 8000

if grep -qE "panic|\*\*\* exception" "$log"; then
	fail "guest log shows a panic or exception"
else
	pass "no panic in the guest log"
fi
bg_stop "$qemu_pid" 3
guest_finish
