#!/usr/bin/env bash
# tests/net/ioth_echo.sh: apps/echo (libioth's echo server on a stack of its
# own, sock/ioth.c) against Linux TCP clients, and two stacks kept apart.
#
# Boots apps/echo (direct boot, TCG) on a tap inside a private network
# namespace (tests/lib/netns.sh; nothing leaves it), once per NIC (virtio,
# then ne2k). echo.nic=eth0 moves the only NIC out of the kernel's stack
# into an ioth stack of echo's own (ioth_newstackv), where it is vde0 with
# echo.ip. Host clients: tests/net/tcp_client.py --port 5000.
#   boot_<nic>        "echo: listening on GUEST:5000 (nic eth0 as vde0)"
#   echo_50mb_<nic>   50 MB through echo, sent and read back at once:
#                     sha256 of both streams equal, then the server's FIN
#   echo_200_<nic>    200 clients at once, 16 KiB each, each byte-exact
#   log_<nic>         one "echo: open" and one "echo: close" line per
#                     connection made (201 of each), no fault in the log
# Then one guest with two NICs: eth0 (virtio, tap0, 10.77.5.2) stays in the
# kernel's stack (ip=), eth1 (ne2k, tap1, 10.77.6.2) goes to echo's stack:
#   two_stacks_echo      echo answers on 10.77.6.2:5000 (the ioth stack)
#   two_stacks_refused   10.77.5.2:5000 is refused (RST): the kernel's stack
#                        never sees the ioth stack's listener
#   two_stacks_default   the kernel's stack still answers ping on 10.77.5.2
#   two_stacks_foreign   ping and a connection to 10.77.5.2:5000 sent over
#                        tap1 to eth1's MAC get no answer: echo's stack
#                        does not own the kernel stack's address (one
#                        shared stack would answer both)
# One "PASS ioth_echo: case detail" / "FAIL ioth_echo: ..." line per case;
# exit 1 if any failed, 77 to skip (never under CI=true: then a missing
# prerequisite fails). Every wait is bounded; QEMU is killed by PID on
# exit. IOTH_ECHO_NICS picks the NICs, IOTH_ECHO_MB the bulk size,
# IOTH_ECHO_KEEP=1 keeps the guest logs.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

GUEST=10.77.5.2
HOST=10.77.5.1
GUEST2=10.77.6.2
HOST2=10.77.6.1
PORT=5000
GUEST_LIFE=900
MB=${IOTH_ECHO_MB:-50}
NICS=${IOTH_ECHO_NICS:-virtio ne2k}
CLIENT=(python3 "$ROOT/tests/net/tcp_client.py" --port "$PORT")

guest_init ioth_echo IOTH_ECHO qemu-system-x86_64 python3 make gcc ping
tmp=$GUEST_TMP
guest_build echo

NS=$(netns_name iothecho)
netns_create "$NS" "$HOST/24" tap0
# echo_200 on ne2k: QEMU's model drops what overruns the card's 19-frame
# ring and the clients back off; their RTO is capped at 1 s as in
# tests/net/tcp_linux.sh (which says why), every byte still checked.
netns_exec "$NS" sysctl -qw net.ipv4.tcp_rto_max_ms=1000 >/dev/null 2>&1 ||
	echo "INFO ioth_echo: net.ipv4.tcp_rto_max_ms not settable: the clients back off up to 120 s"

# client_case NAME LIMIT_S ARGS...: the client in the namespace; PASS on its "ok" line.
client_case() {
	guest_tcp_case "$NS" "$1" "$2" --port "$PORT" "${@:3}"
}

for nic in $NICS; do
	log="$tmp/guest-$nic.log"
	want="^echo: listening on ${GUEST//./\\.}:$PORT \\(nic eth0 as vde0\\)"
	guest_boot "boot_$nic: no listening line" "$NS" "$log" "$want" echo --direct --nic "$nic" \
		--net tap:tap0 --timeout "$GUEST_LIFE" --append "echo.nic=eth0 echo.ip=$GUEST/24" || continue
	pid=$GUEST_PID
	pass "boot_$nic listening after $GUEST_BOOT_S s"

	client_case "echo_${MB}mb_$nic" 150 echo "$GUEST" $((MB * 1000000))
	client_case "echo_200_$nic" 120 many "$GUEST" 200 16384

	# Each connection logs its open and, once its thread ends, its close.
	want=201
	for _ in $(seq 1 100); do
		closes=$(grep -c '^echo: close ' "$log")
		[[ $closes -ge $want ]] && break
		sleep 0.2
	done
	opens=$(grep -c '^echo: open ' "$log")
	closes=$(grep -c '^echo: close ' "$log")
	if guest_no_faults "log_$nic: the guest's log reports a fault:" "$log"; then
		if [[ $opens -eq $want && $closes -eq $want ]]; then
			pass "log_$nic $opens open and $closes close lines for $want connections"
		else
			fail "log_$nic: $opens open and $closes close lines for $want connections"
		fi
	fi
	bg_stop "$pid"
done

# ---- two stacks in one guest: the kernel's on eth0, echo's on eth1
netns_add_tap "$NS" tap1 "$HOST2/24"
log="$tmp/guest-two.log"
want="^echo: listening on ${GUEST2//./\\.}:$PORT \\(nic eth1 as vde0\\)"
if guest_boot "two_stacks: no listening line" "$NS" "$log" "$want" echo --direct --nic virtio \
	--net tap:tap0 --timeout "$GUEST_LIFE" \
	--qemu "-netdev tap,id=n1,ifname=tap1,script=no,downscript=no -device ne2k_pci,netdev=n1,mac=52:54:00:77:06:02" \
	--append "ip=$GUEST/24 echo.nic=eth1 echo.ip=$GUEST2/24"; then
	pid=$GUEST_PID
	client_case two_stacks_echo 60 echo "$GUEST2" 1000000
	OUT=$(netns_exec "$NS" timeout 20 "${CLIENT[@]}" --timeout 10 --within-ms 2000 refused "$GUEST" "$PORT" 2>&1 | tail -n 1)
	if [[ "$OUT" == ok* ]]; then
		pass "two_stacks_refused $GUEST:$PORT refused by the kernel's stack: ${OUT#ok }"
	else
		fail "two_stacks_refused: $GUEST:$PORT: ${OUT:-no output}"
	fi
	out=$(netns_exec "$NS" timeout 30 ping -n -q -c 5 -i 0.2 -W 2 "$GUEST" 2>&1)
	if [[ "$out" == *" 5 received"* ]]; then
		pass "two_stacks_default the kernel's stack answers ping on $GUEST (5/5)"
	else
		fail "two_stacks_default: ping $GUEST: $(grep -E 'transmitted' <<<"$out")"
	fi
	# Send to the kernel stack's address over echo's link (tap1, eth1's MAC
	# as its neighbour): one shared stack would take it (weak host model,
	# net/ip.c accepts any of its addresses on any interface), answer the
	# ping and accept the connection; echo's stack must ignore both.
	netns_exec "$NS" ip route add "$GUEST/32" dev tap1 || netns_die "cannot add the host route"
	netns_exec "$NS" ip neigh replace "$GUEST" lladdr 52:54:00:77:06:02 dev tap1 nud permanent ||
		netns_die "cannot add the neighbour"
	out=$(netns_exec "$NS" timeout 30 ping -n -q -c 3 -i 0.3 -W 1 "$GUEST" 2>&1)
	got=$(netns_exec "$NS" timeout 20 python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(3)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except socket.timeout:
    print("timeout")
except OSError as e:
    print(e.strerror)
' "$GUEST" "$PORT" 2>&1)
	if [[ "$out" == *" 0 received"* && "$got" == timeout ]]; then
		pass "two_stacks_foreign echo's stack ignores $GUEST on its link (ping 0/3, connect: $got)"
	else
		fail "two_stacks_foreign: $GUEST over tap1: ping $(grep -E 'transmitted' <<<"$out"), connect: $got"
	fi
	netns_exec "$NS" ip route del "$GUEST/32" dev tap1 2>/dev/null
	guest_no_faults "two_stacks_clean: the guest's log reports a fault:" "$log"
	bg_stop "$pid"
fi

guest_finish
