#!/usr/bin/env bash
# tests/net/bsd_echo.sh: POSIX sockets (sock/) in a guest, from the host.
#
# Boots apps/bsdecho (RFC 862 echo over TCP and UDP, written against
# sys/socket.h with blocking calls and a thread per connection) with a
# static ip= on a tap inside a private network namespace
# (tests/lib/netns.sh; nothing leaves it), per NIC and per server style
# (bsdecho.mode=threads: blocking calls, a thread per connection; epoll:
# one thread, non-blocking sockets, epoll), and drives it with the host's
# own TCP through tests/net/tcp_client.py (cases named CASE_<nic>_<mode>):
#   boot_<nic>       the self-check over 127.0.0.1 passed and the services
#                    line appeared
#   echo_<nic>       BSD_ECHO_MB MB (default 20) through TCP echo: sha256 of
#                    sent and received equal, then the server's FIN
#   echo_held_<nic>  4 MB by a client that reads nothing for 3 s: the
#                    server's blocking send() waits for window and loses
#                    nothing (sha256 equal)
#   echo_many_<nic>  100 clients at once, 16 KiB each, byte-exact
#   udp_<nic>        a 1000-byte datagram comes back unchanged
#   clean_<nic>      no fault in the guest log, and every connection the
#                    server opened it closed again (its counters line)
# One "PASS bsd_echo: ..." or "FAIL bsd_echo: ..." line per case; exit 1 if
# any failed, 77 to skip (never under CI=true). Every wait is bounded.
# BSD_ECHO_NICS="virtio ne2k" picks the NICs (default virtio),
# BSD_ECHO_MODES the server styles (default "threads epoll").
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

GUEST=10.77.9.2
HOST=10.77.9.1
MB=${BSD_ECHO_MB:-20}
NICS=${BSD_ECHO_NICS:-virtio}
MODES=${BSD_ECHO_MODES:-threads epoll}

guest_init bsd_echo BSD_ECHO qemu-system-x86_64 python3 make gcc
tmp=$GUEST_TMP
guest_build bsdecho

NS=$(netns_name bsdecho)
netns_create "$NS" "$HOST/24" tap0

client_case() {
	guest_tcp_case "$NS" "$@"
}

# all_closed LINE: a counters line with every opened connection closed (and some opened).
all_closed() {
	[[ "$1" =~ opened\ ([0-9]+)\ closed\ ([0-9]+) ]] &&
		[[ ${BASH_REMATCH[1]} -gt 0 && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]]
}

for nic_mode in $(for n in $NICS; do for m in $MODES; do echo "${n}_$m"; done; done); do
	nic=${nic_mode%%_*}
	mode=${nic_mode#*_}
	log="$tmp/guest-$nic_mode.log"
	guest_boot "boot_$nic_mode: no services line" "$NS" "$log" "^bsdecho: tcp and udp echo on port 7 \\($mode\\)" \
		bsdecho --direct --nic "$nic" --net tap:tap0 --smp 2 --timeout 600 \
		--append "ip=$GUEST/24 bsdecho.stats=2 bsdecho.mode=$mode" || continue
	pid=$GUEST_PID
	nic=$nic_mode
	if grep -q '^bsdecho: self-check passed' "$log"; then
		pass "boot_$nic $(grep '^bsdecho: self-check' "$log")"
	else
		fail "boot_$nic: self-check failed:"
		grep '^bsdecho: FAIL' "$log" | head -n 10
	fi

	client_case "echo_$nic" 150 echo "$GUEST" $((MB * 1000000))
	client_case "echo_held_$nic" 60 --read-delay 3 echo "$GUEST" 4000000
	client_case "echo_many_$nic" 90 many "$GUEST" 100 16384
	client_case "udp_$nic" 10 udp "$GUEST" 1000

	# A counters line printed after the last client (bsdecho.stats=2: one
	# every 2 s) must show every connection closed; a few periods' bound.
	guest_await_line "$log" '^bsdecho: conns opened' 8 all_closed
	last=$GUEST_LINE
	if ! kill -0 "$pid" 2>/dev/null; then
		fail "clean_$nic: the guest exited:"
		tail -n 15 "$log"
	elif guest_no_faults "clean_$nic: the guest's log reports a fault:" "$log"; then
		if all_closed "$last"; then
			pass "clean_$nic ${last#bsdecho: }"
		else
			fail "clean_$nic: connections left open: ${last:-no counters line}"
		fi
	fi
	bg_stop "$pid"
done

guest_finish
