#!/usr/bin/env bash
# tests/net/flood.sh: apps/httpd under floods and load (issue 11), from
# Linux clients, hping3 and wrk in a private namespace (tests/lib/guest.sh).
#
# One virtio guest (direct boot, 2 CPUs, default limits: max_conns 512)
# whose gateway is the namespace: SYN-ACKs to forged sources go to the
# namespace, which does not forward them, so the half-open connections stay
# half-open. Cases:
#   synflood     SYNs from random sources at FLOOD_PPS while a Linux
#                client makes a new connection per GET /612.html for
#                FLOOD_LEGIT_S: every request answered byte-exact; the
#                rate against the unflooded rate of the same run is printed
#                (not asserted: timing under TCG; bench/flood.sh reports it)
#   halfopen     10,000 SYNs from random sources (FLOOD_HALFOPEN): the SYN
#                queue stays within tcp_syn_backlog (128) and SYN cookies
#                answer the rest (RFC 4987 3.6); every SYN the guest got is
#                counted (a child or a cookie); heap within 128 half-open
#                control blocks of where it was
# The SYNs come from tests/net/flood_client.py (a raw socket, paced: hping3
# under a busy host sends far below the rate asked for); the soak's bursts
# use hping3.
#   idle         10,000 Linux sockets (FLOOD_IDLE), each served one
#                keep-alive GET and left idle: every request answered,
#                200 (past max_conns the accepting CPU closes its oldest
#                idle connection for the newcomer) or, when that CPU has
#                no idle one of its own, 503 with Retry-After; no reset,
#                no hang; the guest holds at most max_conns (+ the per-CPU
#                slack) and those are among the newest; the newest still
#                serve; heap within the configured bound
#   soak         wrk -t2 -c64 on /612.html for FLOOD_SOAK_S (30; make soak:
#                600) with SYN, UDP and ICMP floods in bursts: no socket
#                error, no non-2xx, the guest still serves; packet buffers
#                back where they were and heap flat (both in the log). The
#                30 s slice still runs every kind of burst at least once
#                (one every 5 s, SYN, UDP, ICMP in turn) under wrk and
#                checks the counters after; leaks too slow to show in
#                30 s are make soak's to find
#   guest_clean  no panic or CPU exception in the guest's log
# One PASS/FAIL line per case; exit 1 if any failed, 77 to skip (never
# under CI=true). FLOOD_KEEP=1 keeps the guest's log.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

PPS=${FLOOD_PPS:-5000}
LEGIT_S=${FLOOD_LEGIT_S:-5}
HALFOPEN=${FLOOD_HALFOPEN:-10000}
IDLE=${FLOOD_IDLE:-10000}
SOAK_S=${FLOOD_SOAK_S:-30}
MAX_CONNS=512 # httpd's default (apps/httpd/httpd.h)
SLACK=64      # HTTPD_REFUSE_SLACK per service
SYN_BACKLOG=128
CLIENT=$ROOT/tests/net/flood_client.py

guest_init flood FLOOD qemu-system-x86_64 python3 hping3 wrk
T0=$SECONDS
took() { echo "$((SECONDS - T0)) s"; }
guest_build httpd

NS=$(netns_name flood)
HOST=10.77.22.1 GUEST=10.77.22.2
netns_create "$NS" "$HOST/24"
# No forwarding in the namespace: replies to forged sources end here.
netns_exec "$NS" sysctl -qw net.ipv4.ip_forward=0 >/dev/null 2>&1 || true
LOG=$GUEST_TMP/guest.log
guest_boot "boot: httpd ready" "$NS" "$LOG" '^httpd: ready' httpd --direct --net tap:tap0 --timeout 1800 \
	--append "ip=$GUEST/24 gw=$HOST httpd.log=0" || guest_finish
pass "boot ready after ${GUEST_BOOT_S}s"
PAGE=$ROOT/apps/httpd/www/612.html

in_ns() { netns_exec "$NS" "$@"; }
# snap FILE: /stats into FILE.
# The interpreter itself, not a wrapper (a pyenv shim costs a second a call).
PY=$(python3 -c 'import sys; print(sys.executable)')
snap() { in_ns timeout 120 "$PY" "$CLIENT" stats "$GUEST" >"$1" || echo '{}' >"$1"; }
# compare A B: the counters between two snapshots as shell variables
# (h0 h1 p0 p1 k0 k1 rx rxd shed d_NAME; flood_client.py compare).
compare() {
	h0=0 h1=0 p0=0 p1=0 k0=0 k1=0 rx=0 rxd=0 shed=0
	unset "${!d_@}"
	eval "$("$PY" "$CLIENT" compare "$S/$1.json" "$S/$2.json")"
}
# flood SECONDS ARGS...: hping3 at FLOOD_PPS for SECONDS.
flood() {
	local t=$1
	shift
	in_ns timeout "$t" hping3 -q -n -I tap0 "$@" -i "u$interval_us" "$GUEST" >/dev/null 2>&1
}
interval_us=$((1000000 / PPS))

S=$GUEST_TMP
snap "$S/start.json"

# ---- synflood ----
echo "flood: synflood starts at $(took)"
base=$(in_ns timeout $((LEGIT_S + 60)) "$PY" "$CLIENT" legit "$GUEST" "$LEGIT_S" "$PAGE")
snap "$S/syn0.json"
in_ns timeout $((LEGIT_S + 30)) "$PY" "$CLIENT" syn "$GUEST" 80 "$((LEGIT_S + 2))s" "$PPS" >/dev/null &
hp=$!
sleep 1
under=$(in_ns timeout $((LEGIT_S + 60)) "$PY" "$CLIENT" legit "$GUEST" "$LEGIT_S" "$PAGE")
wait "$hp"
snap "$S/syn1.json"
read -r _ _ _ bfail _ brate <<<"$base"
read -r _ uok _ ufail _ urate <<<"$under"
compare syn0 syn1
cookies=${d_TCP_SYN_COOKIE_SENT:-0}
ratio=$(awk -v a="${urate:-0}" -v b="${brate:-0}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
if [[ -z "$uok" || "$uok" -eq 0 || "$ufail" -ne 0 || "$bfail" -ne 0 ]]; then
	fail "synflood: legitimate requests under a ${PPS}/s SYN flood: '$under' (unflooded: '$base')"
else
	pass "synflood: all $uok legitimate requests answered byte-exact under a ${PPS}/s SYN flood" \
		"($cookies SYN cookies sent); rate ${urate}/s vs ${brate}/s unflooded: ratio $ratio; $(took)"
fi

# ---- halfopen ----
echo "flood: halfopen starts at $(took)"
sleep 2
snap "$S/half0.json"
sent=$(in_ns timeout 120 "$PY" "$CLIENT" syn "$GUEST" 80 "$HALFOPEN" 10000)
sleep 3
snap "$S/half1.json"
compare half0 half1
kids=${d_TCP_SYN_RECEIVED:-0} ck=${d_TCP_SYN_COOKIE_SENT:-0} over=${d_DROP_TCP_LISTEN_OVERFLOW:-0}
# Every SYN: a child, or over the queue (a cookie: an input drop too). The
# one /stats request in between brings a few frames of its own (< 12).
# (Drops of output, such as SYN-ACKs waiting on ARP, are not counted here.)
acct=$((kids + rxd))
detail="${sent:-nothing} sent, guest got $rx frames: $kids half-open children, $over over the SYN queue ($ck cookies), $((rxd - over)) other input drops; pcbs $p0 -> $p1, heap $h0 -> $h1"
if [[ $ck -lt 1 ]]; then
	fail "halfopen: SYN cookies never engaged: $detail"
elif [[ $((p1 - p0)) -gt $((SYN_BACKLOG + 4)) ]]; then
	fail "halfopen: more control blocks than the SYN queue holds: $detail"
elif [[ $((rx - acct)) -lt 0 || $((rx - acct)) -gt 12 || $((rxd - over)) -ne 0 ]]; then
	fail "halfopen: the SYNs are not accounted for: $detail"
elif [[ $((h1 - h0)) -gt $((SYN_BACKLOG * 4096)) ]]; then
	fail "halfopen: heap grew past $SYN_BACKLOG control blocks: $detail"
else
	pass "halfopen: $detail; $(took)"
fi

# ---- idle ----
echo "flood: idle starts at $(took)"
snap "$S/idle0.json"
# One descriptor per connection: raise the limit if it is lower (as far
# as the hard limit allows; EMFILE would show as failed connections).
# shellcheck disable=SC2016 # expanded by the inner bash
out=$(in_ns bash -c 'n=$1; shift; [[ $(ulimit -n) -ge $n ]] || ulimit -n "$n" 2>/dev/null ||
	ulimit -n "$(ulimit -Hn)"; exec timeout 900 "$@"' _ $((IDLE + 200)) "$PY" "$CLIENT" idle "$GUEST" "$IDLE" "$PAGE")
snap "$S/idle1.json"
echo "flood: idle: $out"
compare idle0 idle1
served="" failed=0 refused=0 still_open=0 closed=0 again_ok=0 again_of=0 first_open="" old_open=0 why=""
eval "$("$PY" "$CLIENT" fields "$out" 2>/dev/null)"
still=$still_open again=$again_ok againof=$again_of firstopen=$first_open oldopen=$old_open
# The configured bound: the connections open at the end (each with both
# rings and its input buffer: 2 x 128 + 20 KiB) and 2 KiB for every other
# control block (closed ones in FIN-WAIT-2 or TIME-WAIT hold no ring).
bound=$(((${still:-0} * (2 * 128 + 20) + (${p1:-0} - ${p0:-0}) * 2) * 1024))
detail="$served of $IDLE served, $refused refused (503), $((failed - refused)) failed otherwise $why, $closed closed by the guest, $still open (the oldest of them #$firstopen, $oldopen older than twice the open count from the newest), shed $shed; pcbs $p0 -> $p1, heap $h0 -> $h1 (bound +$bound); $(took)"
if [[ -z "$served" || $((served + refused)) -ne "$IDLE" ]]; then
	fail "idle: not every connection was answered: $detail"
elif [[ "$still" -gt $((MAX_CONNS + 2 * SLACK)) ]]; then
	fail "idle: the guest holds more than max_conns + slack: $detail"
# Each CPU's service sheds its own oldest idle connection (apps/httpd): a
# CPU whose service stopped winning the shared listener keeps its idle ones
# until httpd.idle_ms, so how old the survivors are is reported, not
# asserted (seen: none to 258 of 512 older than twice the open count).
elif [[ "$shed" -lt $((IDLE - MAX_CONNS - 2 * SLACK - refused)) ]]; then
	fail "idle: the guest did not shed the oldest: $detail"
elif [[ "$again" -ne "$againof" || "$againof" -eq 0 ]]; then
	fail "idle: the newest idle connections no longer serve ($again of $againof): $detail"
elif [[ $((h1 - h0)) -gt $bound ]]; then
	fail "idle: heap past the configured bound: $detail"
else
	pass "idle: $detail"
fi

# ---- soak ----
echo "flood: soak starts at $(took)"
sleep 3
snap "$S/soak0.json"
wrkout=$GUEST_TMP/wrk.out
bg_start "$NS" "$wrkout" wrk -t2 -c64 -d"${SOAK_S}s" --timeout 10s "http://$GUEST/612.html"
wrkpid=$BG_PID
end=$((SECONDS + SOAK_S))
bursts=0
while [[ $SECONDS -lt $((end - 5)) ]]; do
	sleep 5
	[[ $SECONDS -lt $((end - 3)) ]] || break
	case $((bursts % 3)) in
	0) flood 2 -S -p 80 --rand-source ;;
	1) flood 2 --udp -p 9 --rand-source -d 100 ;;
	2) flood 2 --icmp --rand-source -d 56 ;;
	esac
	bursts=$((bursts + 1))
done
for _ in $(seq 1 $((SOAK_S + 60))); do
	kill -0 "$wrkpid" 2>/dev/null || break
	sleep 1
done
hung=0
kill -0 "$wrkpid" 2>/dev/null && hung=1
bg_stop "$wrkpid"
# Let connections finish their closes, then compare.
sleep 5
snap "$S/soak1.json"
reqs=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$wrkout")
errs=$(grep -E 'Socket errors|Non-2xx' "$wrkout" | tr -s ' ' | tr '\n' ';')
compare soak0 soak1
echo "flood: soak: before: heap $h0 bytes, packet buffers $k0, tcp pcbs $p0"
echo "flood: soak: after:  heap $h1 bytes, packet buffers $k1, tcp pcbs $p1"
detail="${SOAK_S}s of wrk -c64 with $bursts flood bursts: ${reqs:-no} requests; heap $h0 -> $h1, packet buffers $k0 -> $k1"
if [[ $hung -ne 0 ]]; then
	fail "soak: wrk did not finish (a hang): $detail"
elif [[ -z "$reqs" || "$reqs" -eq 0 || -n "$errs" ]]; then
	fail "soak: errors: ${errs:-no requests}: $detail"
	tail -n 12 "$wrkout"
elif [[ $((k1 - k0)) -gt 2 || $((k0 - k1)) -gt 2 ]]; then
	fail "soak: packet buffers not flat: $detail"
elif [[ $((h1 - h0)) -gt $(((p1 - p0 > 0 ? p1 - p0 : 0) * 4096 + 262144)) ]]; then
	fail "soak: heap not flat (beyond the control blocks still closing): $detail"
else
	pass "soak: $detail; $(took)"
fi
if in_ns curl -sS --max-time 30 "http://$GUEST/612.html" 2>/dev/null | cmp -s - "$PAGE"; then
	pass "served_after: GET /612.html byte-exact after everything"
else
	fail "served_after: GET /612.html failed after the floods"
fi

if guest_no_faults "guest_clean: the guest's log reports a fault" "$LOG"; then
	if kill -0 "$GUEST_PID" 2>/dev/null; then
		pass "guest_clean: no fault, the guest still runs"
	else
		fail "guest_clean: the guest stopped"
		tail -n 5 "$LOG"
	fi
fi
guest_finish
