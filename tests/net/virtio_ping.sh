#!/usr/bin/env bash
# tests/net/virtio_ping.sh: the virtio-net driver (drivers/virtio-net/) on the wire.
#
# Builds tests/net/virtio_ping_app as apps/vping in a scratch copy of the tree
# (so a plain `make` never builds it), then, inside a private network namespace
# (tests/lib/netns.sh; nothing leaves it):
#   dhcp_user_<boot>   QEMU user networking: the interface line names virtio-net
#                      with MAC 52:54:00:12:34:56 and link up, and DHCP binds
#                      10.0.2.15 (bios, uefi, direct, microvm: virtio-mmio)
#   ping_<boot>        tap guest at 10.77.1.2: ping -c 20, 0% loss (bios, uefi,
#                      direct, microvm)
#   flood_microvm      ping -f -c 5000 over virtio-mmio (its interrupt line
#                      acknowledged in InterruptACK), 0% loss
#   ping_1472_bios     full-size frames (-s 1472 -M do), 0% loss
#   ping_8000_bios     fragmented datagrams (-s 8000), 0% loss
#   flood_bios         ping -f -c 5000, 0% loss, and the guest still answers after
#   flood_preload_bios ping -f -l 32 -c 5000 (32 in flight), 5000 replies
#   ping_intx_bios     MSI-X hidden (vectors=0): INTx fallback, ping -c 20 and
#   flood_intx_bios    ping -f -c 2000, 0% loss
#   link_state_bios    QEMU set_link off/on: the guest logs link down, then up
#   link_ping_bios     ... and answers pings again once the link is back up (the
#                      driver's cached link state follows the configuration interrupt)
#   guest_clean_<boot> no panic, exception or malformed used-ring element in the
#                      guest's serial log
# One "PASS virtio_ping: case detail" or "FAIL virtio_ping: case detail" line per
# case; exit 1 if any failed, 77 to skip (never under CI=true: then a missing
# prerequisite fails). Every wait is bounded; QEMU is killed by PID on exit.
# VPING_BOOTS picks the boots of the first two groups (default all four).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

GUEST=10.77.1.2
HOST=10.77.1.1
GUEST_LIFE=600                            # QEMU is killed by cloudit's --timeout after this
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
BOOTS=${VPING_BOOTS:-bios uefi direct microvm}

guest_init virtio_ping VPING qemu-system-x86_64 ping make gcc tar
scratch=$GUEST_TMP

# ---- build the guest in a scratch tree (with virtio_ping_app/vping.qemu: 256M, one CPU, virtio)

guest_build_scratch vping "$ROOT/tests/net/virtio_ping_app"

NS=$(netns_name vping)
netns_create "$NS" "$HOST/24" tap0

# boot_args BOOT: cloudit's options for bios (SeaBIOS+GRUB), uefi (OVMF+GRUB),
# direct (PVH) or microvm (QEMU's microvm machine, PVH, virtio-mmio).
boot_args() {
	case $1 in
	bios) ;;
	uefi) echo --firmware uefi ;;
	direct) echo --direct ;;
	microvm) echo --machine microvm ;;
	esac
}

have_boot() {
	[[ $1 != uefi || -r $OVMF_CODE ]] && return 0
	if [[ "${CI:-}" == "true" ]]; then
		fail "setup_uefi: $OVMF_CODE missing (CI=true: not skipping)"
	else
		echo "SKIP virtio_ping: uefi cases: $OVMF_CODE missing"
	fi
	return 1
}

# start_guest BOOT NET APPEND LOG [CLOUDIT-ARGS...]: boots the guest in the namespace
# (NET none: no cloudit NIC, the caller brings its own); returns 0 once the app runs.
start_guest() {
	local boot=$1 net=$2 append=$3 log=$4
	shift 4
	local netargs=(--net "$net")
	[[ $net == none ]] && netargs=(--nic none)
	# shellcheck disable=SC2046 # boot_args is empty or one word
	guest_start "$NS" "$log" vping --timeout "$GUEST_LIFE" $(boot_args "$boot") "${netargs[@]}" \
		--append "$append" "$@"
	wait_for_line "$log" '^vping: up for' "$GUEST_BOOT_TIMEOUT" "$GUEST_PID"
}

guest_clean() {
	local boot=$1 log=$2 bad
	bad=$(grep -E '^vping: .*virtio-net' "$log" | grep -vE 'rx_malformed 0 .*tx_malformed 0 ' | head -n 1)
	if [[ -n "$bad" ]]; then
		fail "guest_clean_$boot: the driver counted malformed used-ring elements: $bad"
	elif guest_no_faults "guest_clean_$boot: the guest's log reports a fault:" "$log"; then
		pass "guest_clean_$boot"
	fi
}

# ping_case NAME ARGS...: 0% loss expected; prints the rtt summary.
ping_case() {
	local name=$1 out loss rtt
	shift
	out=$(netns_exec "$NS" timeout 180 ping -n -q "$@" "$GUEST" 2>&1)
	loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' <<<"$out")
	rtt=$(sed -n 's/^rtt \(.*\)$/\1/p' <<<"$out")
	if [[ "$loss" == "0" ]]; then
		pass "$name $(grep -o '[0-9]* packets transmitted, [0-9]* received' <<<"$out"), rtt $rtt"
	else
		fail "$name: ping $*: loss '${loss:-?}%'"
		tail -n 3 <<<"$out"
	fi
}

# received_case NAME N ARGS...: at least N replies. With -l, ping stops once it has its
# count and calls the requests still in flight lost, so loss is not the measure there.
received_case() {
	local name=$1 want=$2 out got
	shift 2
	out=$(netns_exec "$NS" timeout 180 ping -n -q "$@" "$GUEST" 2>&1)
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
	if [[ -n "$got" && "$got" -ge "$want" ]]; then
		pass "$name $(grep -o '[0-9]* packets transmitted, [0-9]* received' <<<"$out"), rtt $(sed -n 's/^rtt \(.*\)$/\1/p' <<<"$out")"
	else
		fail "$name: ping $*: ${got:-?} replies, want >= $want"
		tail -n 3 <<<"$out"
	fi
}

# ---- DHCP over QEMU user networking (slirp inside the namespace: it reaches nothing)

for boot in $BOOTS; do
	have_boot "$boot" || continue
	log="$scratch/user-$boot.log"
	if ! start_guest "$boot" user "vping.seconds=4" "$log"; then
		fail "dhcp_user_$boot: guest did not reach its app in ${GUEST_BOOT_TIMEOUT}s"
		tail -n 15 "$log"
		bg_stop "$GUEST_PID"
		continue
	fi
	wait_for_line "$log" '^vping: final' 60 "$GUEST_PID" || true
	bg_stop "$GUEST_PID"
	if ! grep -qE 'net: eth0: driver virtio-net, MAC 52:54:00:12:34:56, link up' "$log"; then
		fail "dhcp_user_$boot: no 'eth0: driver virtio-net, MAC 52:54:00:12:34:56, link up' line"
		grep -E 'virtio|net:' "$log" | head -n 5
	elif ! grep -qE '^vping: final: eth0 10\.0\.2\.15 ' "$log"; then
		fail "dhcp_user_$boot: eth0 did not get 10.0.2.15 from QEMU's DHCP server"
		grep -E 'dhcp|vping:' "$log" | head -n 5
	else
		pass "dhcp_user_$boot $(grep -oE 'virtio-net: .*(MSI-X|INTx|GSI line)' "$log" | head -n 1)"
	fi
	guest_clean "user_$boot" "$log"
done

# ---- a tap guest at 10.77.1.2

for boot in $BOOTS; do
	have_boot "$boot" || continue
	log="$scratch/tap-$boot.log"
	if ! start_guest "$boot" tap:tap0 "ip=$GUEST/24 vping.seconds=$GUEST_LIFE" "$log"; then
		fail "ping_$boot: guest did not reach its app in ${GUEST_BOOT_TIMEOUT}s"
		tail -n 15 "$log"
		bg_stop "$GUEST_PID"
		continue
	fi
	ping_case "ping_$boot" -c 20 -i 0.2 -W 2
	[[ $boot != microvm ]] || ping_case flood_microvm -f -c 5000 -w 150
	if [[ $boot == bios ]]; then
		ping_case ping_1472_bios -c 20 -i 0.2 -W 2 -s 1472 -M 'do'
		ping_case ping_8000_bios -c 20 -i 0.2 -W 2 -s 8000
		ping_case flood_bios -f -c 5000 -w 150
		# The guest prints its counters every 2 s: the next line (bounded).
		guest_await_line "$log" '^vping: running: virtio-net' 5
		# shellcheck disable=SC2153 # GUEST_LINE: set by guest_await_line
		echo "     guest: $GUEST_LINE"
		# 32 requests in flight: several frames per interrupt, so suppression shows in the counters.
		received_case flood_preload_bios 5000 -f -l 32 -c 5000 -w 150
		guest_await_line "$log" '^vping: running: virtio-net' 5
		# shellcheck disable=SC2153 # GUEST_LINE: set by guest_await_line
		echo "     guest: $GUEST_LINE"
		if kill -0 "$GUEST_PID" 2>/dev/null &&
			netns_exec "$NS" timeout 20 ping -n -q -c 3 -W 2 "$GUEST" >/dev/null 2>&1; then
			pass "flood_bios_alive guest answers after the flood"
		else
			fail "flood_bios_alive: guest stopped answering after the flood"
			tail -n 15 "$log"
		fi
	fi
	bg_stop "$GUEST_PID"
	guest_clean "tap_$boot" "$log"
done

# ---- INTx: MSI-X hidden (vectors=0), level-triggered through the I/O APIC, ISR read to ack

log="$scratch/tap-intx.log"
if ! start_guest bios none "ip=$GUEST/24 vping.seconds=$GUEST_LIFE" "$log" --qemu \
	"-netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device virtio-net-pci,netdev=n0,vectors=0,romfile="; then
	fail "ping_intx_bios: guest did not reach its app in ${GUEST_BOOT_TIMEOUT}s"
	tail -n 15 "$log"
elif ! grep -qE 'virtio-net: .*queues [0-9]+/[0-9]+, INTx' "$log"; then
	fail "ping_intx_bios: the driver did not fall back to INTx"
	grep -E 'virtio-net' "$log" | head -n 3
else
	ping_case ping_intx_bios -c 20 -i 0.2 -W 2
	ping_case flood_intx_bios -f -c 2000 -w 120
fi
bg_stop "$GUEST_PID"
guest_clean tap_intx "$log"

# ---- link state: QEMU's set_link raises a configuration interrupt (virtio 1.2 5.1.4.2)

log="$scratch/link.log"
mon="$scratch/mon.sock"
if ! command -v python3 >/dev/null; then
	fail "link_state_bios: python3 missing (needed to talk to the QEMU monitor)"
elif ! start_guest bios tap:tap0 "ip=$GUEST/24 vping.seconds=$GUEST_LIFE" "$log" --qemu "-monitor unix:$mon,server,nowait"; then
	fail "link_state_bios: guest did not reach its app in ${GUEST_BOOT_TIMEOUT}s"
	tail -n 15 "$log"
else
	monitor() {
		python3 - "$mon" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
time.sleep(0.2)
s.recv(4096)
s.sendall((sys.argv[2] + "\n").encode())
time.sleep(0.2)
s.close()
PY
	}
	if monitor "set_link net0 off" && wait_for_line "$log" 'virtio-net: eth0: link down' 20 "$GUEST_PID" &&
		monitor "set_link net0 on" && wait_for_line "$log" 'virtio-net: eth0: link up' 20 "$GUEST_PID"; then
		pass "link_state_bios down and up seen through the configuration interrupt"
		# The driver reads the status only after that interrupt (5.1.4.2); a
		# cache left at "down" would drop every reply from here on.
		received_case link_ping_bios 3 -c 5 -i 0.2 -W 2 -w 30
	else
		fail "link_state_bios: no 'link down' then 'link up' from the guest"
		grep -E 'virtio-net' "$log" | tail -n 3
	fi
fi
bg_stop "$GUEST_PID"
guest_clean link_bios "$log"

guest_finish
