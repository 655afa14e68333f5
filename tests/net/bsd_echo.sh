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
# shellcheck source=tests/lib/netns.sh
source "$ROOT/tests/lib/netns.sh"

GUEST=10.77.9.2
HOST=10.77.9.1
BOOT_TIMEOUT=${BSD_ECHO_BOOT_TIMEOUT:-120}
MB=${BSD_ECHO_MB:-20}
NICS=${BSD_ECHO_NICS:-virtio}
MODES=${BSD_ECHO_MODES:-threads epoll}
CLIENT=(python3 "$ROOT/tests/net/tcp_client.py")

failures=0
pass() { echo "PASS bsd_echo: $*"; }
fail() {
	echo "FAIL bsd_echo: $*"
	failures=$((failures + 1))
}

netns_require
for tool in qemu-system-x86_64 python3 make gcc; do
	command -v "$tool" >/dev/null || netns_skip "missing tool: $tool"
done

tmp=$(mktemp -d /tmp/skiff-bsdecho.XXXXXX) || netns_die "mktemp failed"
# shellcheck disable=SC2317 # called from the traps
cleanup() {
	netns_cleanup
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT
trap 'cleanup; trap - EXIT; exit 143' TERM

if ! timeout 600 make -C "$ROOT" -s -j2 APP=bsdecho >"$tmp/build.log" 2>&1; then
	fail "build: make APP=bsdecho failed:"
	tail -n 20 "$tmp/build.log"
	exit 1
fi

NS=$(netns_name bsdecho)
netns_create "$NS" "$HOST/24" tap0

client_case() {
	local name=$1 limit=$2 out
	shift 2
	out=$(netns_exec "$NS" timeout "$((limit + 10))" "${CLIENT[@]}" --timeout "$limit" "$@" 2>&1 | tail -n 1)
	if [[ "$out" == ok* ]]; then
		pass "$name ${out#ok }"
	else
		fail "$name: ${out:-no output from the client}"
	fi
}

for nic_mode in $(for n in $NICS; do for m in $MODES; do echo "${n}_$m"; done; done); do
	nic=${nic_mode%%_*}
	mode=${nic_mode#*_}
	log="$tmp/guest-$nic_mode.log"
	bg_start "$NS" "$log" "$ROOT/tools/cloudit.sh" bsdecho --headless --accel tcg --direct \
		--no-build --nic "$nic" --net tap:tap0 --smp 2 --timeout 600 \
		--append "ip=$GUEST/24 bsdecho.stats=2 bsdecho.mode=$mode"
	pid=$BG_PID
	nic=$nic_mode
	if ! wait_for_line "$log" "^bsdecho: tcp and udp echo on port 7 \\($mode\\)" "$BOOT_TIMEOUT" "$pid"; then
		fail "boot_$nic: no services line within ${BOOT_TIMEOUT}s"
		tail -n 15 "$log"
		bg_stop "$pid"
		continue
	fi
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

	sleep 5 # two more counters lines (bsdecho.stats=2)
	if ! kill -0 "$pid" 2>/dev/null; then
		fail "clean_$nic: the guest exited:"
		tail -n 15 "$log"
	elif grep -qiE 'panic|exception|#PF|#GP|double fault' "$log"; then
		fail "clean_$nic: the guest's log reports a fault:"
		grep -iE 'panic|exception|#PF|#GP|double fault' "$log" | head -n 5
	else
		last=$(grep -E '^bsdecho: conns opened' "$log" | tail -n 1)
		if [[ "$last" =~ opened\ ([0-9]+)\ closed\ ([0-9]+) ]] &&
			[[ ${BASH_REMATCH[1]} -gt 0 && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]]; then
			pass "clean_$nic ${last#bsdecho: }"
		else
			fail "clean_$nic: connections left open: ${last:-no counters line}"
		fi
	fi
	bg_stop "$pid"
done

if [[ $failures -gt 0 ]]; then
	echo "bsd_echo: $failures failed"
	exit 1
fi
echo "bsd_echo: all passed"
exit 0
