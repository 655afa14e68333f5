#!/usr/bin/env bash
# tests/net/ne2k_ping.sh: real traffic through the NE2000 driver.
#
# Boots the ping app (it stays up: ping.count unset, one request an hour to
# the host) with an ne2k_pci NIC on a tap inside a private network namespace
# (tests/lib/netns.sh), then the host side pings the guest:
#   - 20 echoes of 56 bytes, every reply back;
#   - 1472-byte payloads (a full 1514-byte frame, DF set);
#   - 8000-byte payloads (six fragments each way, reassembled by the guest);
#   - ping -f -c 5000: a flood that must lose nothing;
#   - ping -f -l 60 -s 1472: 60 full-size frames at once, more than the card's
#     receive ring holds (about 19), so QEMU's model drops some by design:
#     the loss is no verdict, but some replies must come back (a ring that
#     wedged at the first overflow would answer none), and the guest must
#     still answer afterwards (drivers/ne2000/NOTES.md);
#   - then 5 more echoes, every reply back;
#   - three floods at once (1472, 20 and 700 bytes): each must get replies,
#     its loss shown, and again 5 echoes that must all come back; no panic
#     in the guest log.
#
# Prints one PASS/FAIL line per case, and INFO lines for figures that are
# shown, not judged (ring resynchronisations, the driver's counters); exits
# 1 if any failed. Every wait is bounded; the namespace and QEMU are removed
# on exit (QEMU killed by PID).
# Under CI=true a setup failure (no root, no tap, no QEMU) fails; elsewhere
# it skips with status 77.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

GUEST=10.77.2.2
HOST=10.77.2.1

guest_init ne2k_ping NE2K_PING qemu-system-x86_64 ping
tmp=$GUEST_TMP
log=$tmp/guest.log
guest_build ping

ns=$(netns_name ne2k)
netns_create "$ns" "$HOST/24" tap0
guest_start "$ns" "$log" ping --nic ne2k --net tap:tap0 --timeout 600 \
	--append "ip=$GUEST/24 ping.target=$HOST ping.interval=3600 ne2k.stats=1"
qemu_pid=$GUEST_PID

if wait_for_line "$log" "net: eth0: driver ne2k, MAC [0-9a-f:]{17}, link up" 60 "$qemu_pid"; then
	pass "boot: ${WAIT_LINE#*net: }"
else
	fail "boot: no 'eth0: driver ne2k ... link up' line within 60 s"
	tail -20 "$log" >&2
	exit 1
fi
# The app starts once the stack is up; its first request to the host proves transmit.
wait_for_line "$log" "ping: PING $HOST" 30 "$qemu_pid" || fail "guest app did not start"

# ping_counts OUT: SENT, RECV, RTT (min/avg/max/mdev) from ping's summary in OUT.
ping_counts() {
	SENT=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$1")
	RECV=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$1")
	RTT=$(sed -n 's/^rtt min\/avg\/max\/mdev = \(.*\)$/\1/p' <<<"$1")
	SENT=${SENT:-0} RECV=${RECV:-0}
}

# replies_ok WANT: RECV of SENT is enough; WANT is a percentage, or "some"
# (at least one reply: loss by design, but not a deaf guest).
replies_ok() {
	[[ $SENT -gt 0 ]] || return 1
	if [[ $1 == some ]]; then
		[[ $RECV -gt 0 ]]
	else
		[[ $((RECV * 100)) -ge $((SENT * $1)) ]]
	fi
}

# run_ping NAME WANT TIMEOUT ARGS...: ping the guest from the namespace and
# judge the replies with replies_ok WANT.
run_ping() {
	local name=$1 want=$2 limit=$3 out loss=""
	shift 3
	out=$(timeout "$limit" ip netns exec "$ns" ping -n -q "$@" "$GUEST" 2>&1)
	ping_counts "$out"
	[[ $want == some && $SENT -gt 0 ]] && loss=" ($((100 - RECV * 100 / SENT))% lost: by design, not judged)"
	if replies_ok "$want"; then
		pass "$name: $RECV/$SENT replies$loss, rtt min/avg/max/mdev ${RTT:-?}"
	else
		fail "$name: $RECV/$SENT replies (want $([[ $want == some ]] && echo "at least one" || echo ">= $want%")), rtt ${RTT:-?}"
		printf '%s\n' "$out" | tail -3 >&2
	fi
}

run_ping "20 x 56 bytes" 100 30 -c 20 -i 0.2 -W 2
run_ping "10 x 1472 bytes, DF" 100 30 -c 10 -i 0.2 -W 2 -M "do" -s 1472
run_ping "10 x 8000 bytes, fragmented" 100 30 -c 10 -i 0.2 -W 2 -s 8000
run_ping "flood 5000 x 56 bytes" 100 180 -f -c 5000 -W 2
# 60 back-to-back 1514-byte frames fill the 116-page ring twice over: QEMU drops what does not fit.
run_ping "burst 60 x 1472 bytes, flood 2000" some 180 -f -l 60 -c 2000 -W 1 -s 1472
run_ping "still answering after the burst" 100 30 -c 5 -i 0.2 -W 2

# Mixed sizes at once: big frames land on every page alignment, which is what lets QEMU's
# model lap the ring (CURR == BNRY reads as empty to it); the driver must resynchronise.
mix_pids=()
for spec in "40 1472 2000" "7 20 4000" "5 700 2000"; do
	read -r pre size count <<<"$spec"
	timeout 120 ip netns exec "$ns" ping -n -q -f -l "$pre" -c "$count" -s "$size" "$GUEST" \
		>"$tmp/mix.$size" 2>&1 &
	mix_pids+=($!)
done
wait "${mix_pids[@]}" 2>/dev/null
for size in 1472 20 700; do
	ping_counts "$(cat "$tmp/mix.$size")"
	if replies_ok some; then
		pass "mixed flood -s $size: $RECV/$SENT replies ($((100 - RECV * 100 / SENT))% lost: by design, not judged)"
	else
		fail "mixed flood -s $size: $RECV/$SENT replies, want at least one ($(grep -h "received" "$tmp/mix.$size" || echo 'no summary'))"
	fi
done
run_ping "still answering after the mixed flood" 100 30 -c 5 -i 0.2 -W 2

if grep -qE "panic|exception" "$log"; then
	fail "guest log shows a panic or exception"
	grep -E "panic|exception" "$log" | head -3 >&2
else
	pass "no panic in the guest log"
fi
resyncs=$(grep -c "receive ring resynchronised" "$log")
echo "INFO ne2k_ping: guest logged $resyncs ring resynchronisation warning(s)"
grep "ne2k: rx " "$log" | tail -1 | sed 's/^.*ne2k: /INFO ne2k_ping: driver counters (last 1 s log): /'

bg_stop "$qemu_pid" 3
guest_finish
