#!/usr/bin/env bash
# tests/net/toroweb.sh: the callback services (include/skiff/service.h)
# through apps/toroweb, from Linux clients.
#
# Boots apps/toroweb (direct boot, TCG, 2 CPUs) with a static ip= on a tap
# inside a private network namespace (tests/lib/netns.sh; nothing leaves
# it), once per NIC (virtio, then ne2k), and checks from the namespace:
#   boot_<nic>      the three init lines (web on CPU 0, echo and slow on
#                   CPU 1) and "toroweb: ready"
#   welcome_<nic>   curl GET /: status 200, Content-Length right, and the
#                   welcome page byte for byte
#   notfound_<nic>  curl GET /nope: status 404
#   big_<nic>       curl GET /big?n=BYTES (TOROWEB_BIG, default 6000000):
#                   the body's length and sha256 equal the generator's
#                   (computed here), so a response far larger than the
#                   service's 64 KiB queue flowed as the window opened
#   idle_<nic>      a silent nc connection is closed by the guest after
#                   toroweb.idle_ms (3000 here), not before, within a bound,
#                   and the guest logs its idle line
#   slow_<nic>      while a request to the slow service (its handler sleeps
#                   SLOW_MS) is in flight, GET / from web (CPU 0) and an
#                   echo (CPU 1, same CPU as slow) both answer in bounded
#                   time, well before the slow answer, which still comes,
#                   after SLOW_MS
#   guest_clean_<nic> no panic or CPU exception in the guest's log, the
#                   guest still runs, and its last counters lines
#                   (toroweb.stats=2) show no connection left open in any
#                   service, the web queue's bound hit (send_refused > 0:
#                   /big waited for writable) and the idle timeout counted
# One "PASS toroweb: case detail" or "FAIL toroweb: case detail" line per
# case; exit 1 if any failed, 77 to skip (never under CI=true: then a
# missing prerequisite fails). Every wait is bounded; QEMU is killed by PID
# on exit. TOROWEB_NICS="virtio ne2k" picks the NICs, TOROWEB_KEEP=1 keeps
# the guest logs.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

GUEST=10.77.8.2
HOST=10.77.8.1
GUEST_LIFE=600                              # cloudit's --timeout kills QEMU after this
NICS=${TOROWEB_NICS:-virtio ne2k}
BIG=${TOROWEB_BIG:-6000000}
IDLE_MS=3000
SLOW_MS=6000

guest_init toroweb TOROWEB qemu-system-x86_64 curl nc python3 sha256sum make gcc
tmp=$GUEST_TMP
guest_build toroweb

# The page apps/toroweb/main.c serves at /, written out independently.
printf '%s\n' '<html><head><title>skiff</title></head><body>' \
	'<h1>Welcome to skiff!</h1>' \
	'<p>This page comes from toroweb, a Toro-style callback service:' \
	'its Init listened, its Accept logged you, its Receive wrote this.</p>' \
	'</body></html>' >"$tmp/welcome.html"

# The /big body (apps/toroweb/main.c): record k is "%015x\n" of k*16.
big_sha() {
	python3 - "$1" <<'EOF'
import hashlib, sys
n = int(sys.argv[1])
h = hashlib.sha256()
rec, left = 0, n
while left > 0:
    block = b"".join(b"%015x\n" % ((rec + i) * 16) for i in range(4096))
    h.update(block[:left])
    left -= min(left, len(block))
    rec += 4096
print(h.hexdigest())
EOF
}
want_big=$(big_sha "$BIG")

now_ms() { echo $(($(date +%s%N) / 1000000)); }

NS=$(netns_name toroweb)
netns_create "$NS" "$HOST/24" tap0

# http_get PATH OUTBASE: curl in the namespace; OUTBASE.body, OUTBASE.hdr.
http_get() {
	netns_exec "$NS" curl -sS --max-time 120 -o "$2.body" -D "$2.hdr" "http://$GUEST$1" 2>"$2.err"
}

# log_has LOG ERE: a line of the guest's log matches (its CR LF ends taken as LF).
log_has() {
	tr -d '\r' <"$1" | grep -qE "$2"
}

hdr_field() { # FILE NAME: the header's value, CR stripped
	grep -i "^$2:" "$1" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

for nic in $NICS; do
	log="$tmp/guest-$nic.log"
	guest_boot "boot_$nic: no ready line" "$NS" "$log" '^toroweb: ready' toroweb --direct --smp 2 \
		--nic "$nic" --net tap:tap0 --timeout "$GUEST_LIFE" \
		--append "ip=$GUEST/24 toroweb.idle_ms=$IDLE_MS toroweb.slow_ms=$SLOW_MS toroweb.stats=2 ${TOROWEB_APPEND:-}" ||
		continue
	pid=$GUEST_PID
	if log_has "$log" '^toroweb: init: web listening on port 80 on cpu 0$' &&
		log_has "$log" '^toroweb: init: echo listening on port 7 on cpu 1$' &&
		log_has "$log" "^toroweb: init: slow listening on port 81 on cpu 1, $SLOW_MS ms per request\$"; then
		pass "boot_$nic web on cpu 0, echo and slow on cpu 1"
	else
		fail "boot_$nic: init lines missing or wrong:"
		grep '^toroweb:' "$log"
	fi

	# welcome: the page byte for byte.
	out="$tmp/welcome-$nic"
	if ! http_get / "$out"; then
		fail "welcome_$nic: curl failed: $(cat "$out.err")"
	elif ! head -n 1 "$out.hdr" | grep -q '^HTTP/1.0 200 OK'; then
		fail "welcome_$nic: status $(head -n 1 "$out.hdr")"
	elif [[ "$(hdr_field "$out.hdr" Content-Length)" != "$(stat -c %s "$tmp/welcome.html")" ]]; then
		fail "welcome_$nic: Content-Length $(hdr_field "$out.hdr" Content-Length), page is $(stat -c %s "$tmp/welcome.html")"
	elif ! cmp -s "$out.body" "$tmp/welcome.html"; then
		fail "welcome_$nic: the page differs:"
		diff <(od -c "$tmp/welcome.html") <(od -c "$out.body") | head -n 10
	else
		pass "welcome_$nic $(stat -c %s "$out.body") bytes equal"
	fi

	out="$tmp/nope-$nic"
	if http_get /nope "$out" && head -n 1 "$out.hdr" | grep -q '^HTTP/1.0 404 '; then
		pass "notfound_$nic"
	else
		fail "notfound_$nic: $(head -n 1 "$out.hdr" 2>/dev/null) $(cat "$out.err" 2>/dev/null)"
	fi

	# big: a body far over the 64 KiB queue, by sha256.
	out="$tmp/big-$nic"
	t0=$(now_ms)
	if ! http_get "/big?n=$BIG" "$out"; then
		fail "big_$nic: curl failed: $(cat "$out.err")"
	else
		ms=$(($(now_ms) - t0))
		got=$(sha256sum <"$out.body" | cut -d' ' -f1)
		size=$(stat -c %s "$out.body")
		if [[ "$size" != "$BIG" ]]; then
			fail "big_$nic: $size bytes, want $BIG"
		elif [[ "$got" != "$want_big" ]]; then
			fail "big_$nic: sha256 $got, want $want_big"
		else
			pass "big_$nic $BIG bytes in $ms ms, sha256 equal"
		fi
	fi

	# idle: a silent connection is closed after idle_ms by the Timeout handler.
	lines_before=$(grep -c 'idle for' "$log")
	t0=$(now_ms)
	netns_exec "$NS" timeout 60 nc -d "$GUEST" 80 >/dev/null 2>&1
	rc=$?
	ms=$(($(now_ms) - t0))
	if [[ $rc -ne 0 ]]; then
		fail "idle_$nic: nc ended with status $rc after $ms ms (124: the guest never closed it)"
	elif ((ms < IDLE_MS - 200 || ms > IDLE_MS + 20000)); then
		fail "idle_$nic: closed after $ms ms, idle_ms is $IDLE_MS"
	elif ! wait_for_line "$log" "^toroweb: #[0-9]+ idle for $IDLE_MS ms: closing" 5 ||
		[[ $(grep -c 'idle for' "$log") -le $lines_before ]]; then
		fail "idle_$nic: closed after $ms ms but no idle line in the guest's log"
	else
		pass "idle_$nic closed after $ms ms (idle_ms $IDLE_MS): ${WAIT_LINE#toroweb: }"
	fi

	# slow: its handler sleeps; web (another CPU) and echo (the same CPU,
	# another service) answer meanwhile.
	t0=$(now_ms)
	netns_exec "$NS" sh -c "echo req | timeout 60 nc -N $GUEST 81" >"$tmp/slow-$nic.out" 2>&1 &
	slow_pid=$!
	sleep 1
	t1=$(now_ms)
	http_get / "$tmp/during-$nic"
	web_ms=$(($(now_ms) - t1))
	t1=$(now_ms)
	echo_out=$(netns_exec "$NS" sh -c "echo ping-during-slow | timeout 30 nc -N $GUEST 7" 2>&1)
	echo_ms=$(($(now_ms) - t1))
	wait "$slow_pid"
	slow_ms=$(($(now_ms) - t0))
	slow_out=$(cat "$tmp/slow-$nic.out")
	if ! cmp -s "$tmp/during-$nic.body" "$tmp/welcome.html"; then
		fail "slow_$nic: web did not answer during the slow request"
	elif [[ "$echo_out" != "ping-during-slow" ]]; then
		fail "slow_$nic: echo answered '$echo_out' during the slow request"
	elif [[ "$slow_out" != "slow: answered after "* ]]; then
		fail "slow_$nic: the slow service answered '$slow_out'"
	elif ((slow_ms < SLOW_MS)); then
		fail "slow_$nic: the slow answer came after $slow_ms ms, before its ${SLOW_MS} ms"
	elif ((web_ms + echo_ms + 1000 >= slow_ms || web_ms > SLOW_MS / 2 || echo_ms > SLOW_MS / 2)); then
		fail "slow_$nic: web took $web_ms ms and echo $echo_ms ms while slow took $slow_ms ms"
	else
		pass "slow_$nic web $web_ms ms, echo $echo_ms ms during a slow request of $slow_ms ms"
	fi

	if ! kill -0 "$pid" 2>/dev/null; then
		fail "guest_clean_$nic: the guest exited:"
		tail -n 15 "$log"
	elif guest_no_faults "guest_clean_$nic: the guest's log reports a fault:" "$log"; then
		sleep 3 # one more counters line, after every client closed
		web=$(tr -d '\r' <"$log" | grep '^toroweb: web: ' | tail -n 1)
		echo_=$(tr -d '\r' <"$log" | grep '^toroweb: echo: ' | tail -n 1)
		slow=$(tr -d '\r' <"$log" | grep '^toroweb: slow: ' | tail -n 1)
		refused=$(sed -n 's/.* send_refused \([0-9]*\).*/\1/p' <<<"$web")
		timeouts=$(sed -n 's/.* timeouts \([0-9]*\).*/\1/p' <<<"$web")
		if [[ "$web" != "toroweb: web: active 0 "* || "$echo_" != "toroweb: echo: active 0 "* ||
			"$slow" != "toroweb: slow: active 0 "* ]]; then
			fail "guest_clean_$nic: connections left: ${web:-no web line} / ${echo_:-no echo line} / ${slow:-no slow line}"
		elif [[ -z "$refused" || "$refused" -eq 0 || -z "$timeouts" || "$timeouts" -eq 0 ]]; then
			fail "guest_clean_$nic: the queue bound or the idle timer never acted: $web"
		else
			pass "guest_clean_$nic ${web#toroweb: }"
		fi
	fi
	bg_stop "$pid"
done

guest_finish
