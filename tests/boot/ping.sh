#!/usr/bin/env bash
# tests/boot/ping.sh: apps/ping (ToroPing). Loopback is an interface like
# any other: a 20000-byte echo to 127.0.0.1 goes out and comes back whole.
# With QEMU user networking, ping gets its address by DHCP and pings the
# gateway 10.0.2.2 on both NICs. Bad options are refused with status 2.
# net.stats prints the stack's counters when the app exits.
set -uo pipefail
# shellcheck source=tests/lib/boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/boot.sh"

boot_init ping
boot_require

boot_case loopback 0 ping --direct --nic none --append \
	'ping.target=127.0.0.1 ping.count=3 ping.interval=0.2 ping.size=20000' --expect \
	"ping: PING 127.0.0.1: 20000 data bytes, every 200 ms" \
	"~^ping: 20008 bytes from 127\.0\.0\.1: seq=3 ttl=64 time=[0-9]+\.[0-9]{3} ms$" \
	"ping: 3 packets transmitted, 3 received, 0% packet loss"
for nic in virtio ne2k; do
	boot_case "dhcp-gateway-$nic" 0 ping --direct --nic "$nic" --net user --append \
		'ping.count=3 ping.interval=0.5' --expect \
		"~net: eth0: driver " \
		"~^ping: 64 bytes from 10\.0\.2\.2: seq=[0-9]+ ttl=[0-9]+ time=[0-9]+\.[0-9]{3} ms$" \
		"~^ping: 3 packets transmitted, [1-3] received"
done
# net.stats=N: the stack's counters are printed at exit (kernel/netstat.c).
boot_case netstat-at-exit 0 ping --direct --nic none --append \
	'ping.target=127.0.0.1 ping.count=3 ping.interval=0.2 net.stats=600' --expect \
	"~netstat: counters:.* ICMP_ECHO_REPLIED=3( |$)"
boot_case bad-target 2 ping --direct --nic none --append 'ping.target=10.0.2' --expect \
	"ping: bad ping.target '10.0.2' (A.B.C.D)"
boot_finish
