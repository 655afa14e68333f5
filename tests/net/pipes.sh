#!/usr/bin/env bash
# tests/net/pipes.sh: the guest<->host pipes (issue 13): guests with no NIC
# at all (--nic none --pipes) reaching the host through QEMU's
# ivshmem-doorbell device and the monitor (tools/pipemon), checked from
# the host. Everything runs inside a private network namespace
# (tests/lib/netns.sh), so the monitor's TCP ports are the namespace's
# loopback: nothing else on the machine sees them.
# Cases:
#   file          apps/pipecheck reads a 3 MB host file through a pipe: its
#                 size and SHA-256 equal sha256sum's on the host
#   streams       64 file streams open at once, each read whole: no digest
#                 differs
#   idle_guest    while pipecheck sleeps 6 s with its streams closed, CPU 0
#                 is idle >= 90% of the time, and no pipe interrupt or
#                 doorbell happens
#   idle_monitor  meanwhile the monitor (relay and keeper) uses no CPU tick
#   httpd_1000    apps/httpd booted --nic none --pipes serves 1000 curl
#                 requests (Connection: close, so 1000 pipes opened and
#                 closed, 4 clients at once): all 200 with the page
#   httpd_1m      /1m.bin 50 times (10 at once), each byte-exact
#   httpd_64      64 curls of /1m.bin at once: all byte-exact
#   restart_reset the monitor's relay killed (SIGKILL) while pipecheck
#                 echoes through a pipe listener with a connection open, a
#                 new relay started (pipemon --attach, as cloudit prints
#                 it): the guest reports both streams reset and runs on
#   restart_serve through the new relay the guest listens again and
#                 echoes a line
#   guest_clean   no panic or CPU exception in any guest
# One PASS/FAIL line per case (tests/lib/guest.sh); PIPES_KEEP=1 keeps the
# logs; PIPES_ONLY="file httpd restart" picks parts; every wait bounded.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

guest_init pipes PIPES curl nc sha256sum python3
guest_build pipecheck httpd
NS=$(netns_name pipes)
netns_create "$NS" 10.251.0.1/24 tap0
tmp=$GUEST_TMP
PORT=18080
ONLY=${PIPES_ONLY:-file httpd restart}
part() { [[ " $ONLY " == *" $1 "* ]]; }

# The pid in cloudit's "pipes monitor pid N (to replace it: CMD)" line, and CMD.
monitor_pid() { sed -n 's/^cloudit: pipes monitor pid \([0-9]*\) .*/\1/p' "$1" | head -n 1; }
monitor_restart_cmd() { sed -n 's/^cloudit: pipes monitor pid [0-9]* (to replace it: \(.*\))$/\1/p' "$1" | head -n 1; }
# utime + stime of each PID, in clock ticks, summed; empty when one is gone.
pipemon_ticks() {
	local p total=0 f
	for p in "$@"; do
		f=$(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null) || return 0
		[[ "$f" =~ ^[0-9]+\ [0-9]+$ ]] || return 0
		total=$((total + ${f% *} + ${f#* }))
	done
	echo "$total"
}

# ---- pipecheck: a host file, 64 streams, idleness

files=$tmp/files
mkdir -p "$files"
head -c 3000000 /dev/urandom >"$files/data.bin"
want=$(sha256sum "$files/data.bin" | cut -d' ' -f1)
log=$tmp/pipecheck.log
if part file && guest_boot "pipecheck booted" "$NS" "$log" '^pipecheck: streams:' pipecheck --direct --nic none --pipes \
	--pipes-files "$files" --append "pipecheck.file=data.bin pipecheck.streams=64 pipecheck.idle=6" --timeout 300; then
	mpid=$(monitor_pid "$log")
	# The relay and its keeper (its child).
	mapfile -t mpids < <(echo "$mpid"; pgrep -P "$mpid" -x pipemon)
	# The guest's idle window starts now: sample the monitor across most of it.
	sleep 0.5
	t0=$(pipemon_ticks "${mpids[@]}")
	sleep 2
	t1=$(pipemon_ticks "${mpids[@]}")
	wait_for_line "$log" '^skiff: pipecheck exited' 60 "$GUEST_PID" || true
	line=$(grep '^pipecheck: file data.bin:' "$log" | tr -d '\r')
	if [[ "$line" == "pipecheck: file data.bin: 3000000 bytes of 3000000, sha256 $want" ]]; then
		pass "file 3000000 bytes, sha256 $want as on the host"
	else
		fail "file: want sha256 $want, guest said: ${line:-nothing}"
	fi
	line=$(grep '^pipecheck: streams:' "$log" | tr -d '\r')
	if [[ "$line" == "pipecheck: streams: 64 of 64 open at once, 0 digests differ" ]]; then
		pass "streams ${line#pipecheck: streams: }"
	else
		fail "streams: ${line:-no line}"
	fi
	line=$(grep '^pipecheck: idle:' "$log" | tr -d '\r')
	if [[ "$line" =~ idle\ ([0-9]+)\ ms\ of\ ([0-9]+)\ ms,\ 0\ pipe\ interrupts,\ 0\ doorbells ]] &&
		((BASH_REMATCH[1] * 10 >= BASH_REMATCH[2] * 9)); then
		pass "idle_guest ${line#pipecheck: idle: }"
	else
		fail "idle_guest: ${line:-no line}"
	fi
	if [[ ${#mpids[@]} -eq 2 && -n "$t0" && -n "$t1" ]] && ((t1 >= t0 && t1 - t0 <= 1)); then
		pass "idle_monitor $((t1 - t0)) CPU ticks in 2 s (relay $mpid and keeper ${mpids[1]})"
	else
		fail "idle_monitor: ${t0:-?} -> ${t1:-?} ticks (pids ${mpids[*]:-none})"
	fi
	grep -q '^skiff: pipecheck exited with status 0' "$log" || fail "pipecheck did not exit 0"
	bg_stop "$GUEST_PID"
fi

# ---- httpd with no NIC, served through the pipes

python3 -c 'import sys; sys.stdout.buffer.write(b"".join(b"%015x\n" % (k * 16) for k in range(65536)))' >"$tmp/1m.bin"
want1m=$(sha256sum "$tmp/1m.bin" | cut -d' ' -f1)
log=$tmp/httpd.log
if part httpd && guest_boot "httpd booted" "$NS" "$log" '^httpd: listening through the host pipes' httpd --direct --nic none \
	--pipes --hostfwd "tcp:80:$PORT" --append "httpd.log=0" --timeout 600; then
	url=http://127.0.0.1:$PORT
	# 4 clients x 250 requests, each its own connection (its own pipe).
	clients=()
	for c in 1 2 3 4; do
		urls=()
		for ((i = 0; i < 250; i++)); do urls+=(-o /dev/null "$url/"); done
		netns_exec "$NS" timeout 120 curl -s -m 20 -H 'Connection: close' -w '%{http_code} %{size_download}\n' \
			"${urls[@]}" >"$tmp/c$c.out" 2>&1 &
		clients+=($!)
	done
	wait "${clients[@]}"   # (a plain wait would wait for the guest too)
	ok=$(cat "$tmp"/c?.out | grep -c '^200 [1-9]')
	if [[ $ok -eq 1000 ]]; then
		pass "httpd_1000 1000 of 1000 requests answered 200 through the pipes"
	else
		fail "httpd_1000: $ok of 1000 answered 200 ($(cat "$tmp"/c?.out | sort | uniq -c | head -n 3 | tr '\n' ' '))"
	fi
	# /1m.bin 50 times, 10 at once, and 64 at once.
	fetch_many() {
		local n=$1 par=$2 dir=$3
		mkdir -p "$dir"
		seq "$n" | netns_exec "$NS" xargs -P "$par" -I{} timeout 120 curl -s -m 100 -o "$dir/{}" "$url/1m.bin"
		sha256sum "$dir"/* 2>/dev/null | cut -d' ' -f1 | grep -c "^$want1m\$"
	}
	good=$(fetch_many 50 10 "$tmp/m50")
	if [[ $good -eq 50 ]]; then
		pass "httpd_1m 50 of 50 copies of /1m.bin byte-exact"
	else
		fail "httpd_1m: $good of 50 copies byte-exact"
	fi
	good=$(fetch_many 64 64 "$tmp/m64")
	if [[ $good -eq 64 ]]; then
		pass "httpd_64 64 of 64 simultaneous /1m.bin byte-exact"
	else
		fail "httpd_64: $good of 64 byte-exact"
	fi
	guest_no_faults "httpd: a fault" "$log" || true
	bg_stop "$GUEST_PID"
fi

# ---- the monitor killed and replaced

log=$tmp/restart.log
EPORT=17007
mpid="" cmd="" booted=0
if part restart && guest_boot "pipecheck (echo) booted" "$NS" "$log" '^pipecheck: echo: listening' pipecheck --direct --nic none \
	--pipes --append "pipecheck.port=$EPORT pipecheck.relisten=1" --timeout 300; then
	booted=1
	# cloudit prints the monitor's line before QEMU starts; read it again
	# for a while all the same (once in CI it came back empty).
	for ((i = 0; i < 50; i++)); do
		mpid=$(monitor_pid "$log")
		cmd=$(monitor_restart_cmd "$log")
		[[ -n "$mpid" && -n "$cmd" ]] && break
		sleep 0.1
	done
fi
if [[ $booted -eq 1 && ( -z "$mpid" || -z "$cmd" ) ]]; then
	fail "restart: no 'cloudit: pipes monitor pid N (to replace it: CMD)' line in the guest's log"
	grep -n 'pipe\|cloudit' "$log" | head -n 12
	bg_stop "$GUEST_PID"
elif [[ $booted -eq 1 ]]; then
	# A connection held open across the kill.
	BG_STDIN=/dev/null bg_start "$NS" "$tmp/held.out" sh -c "sleep 60 | nc 127.0.0.1 $EPORT"
	held=$BG_PID
	sleep 2
	# The guest cannot tell a dead relay from a quiet one (ivshmem gives no
	# signal); the relay that takes over resets what the dead one served.
	kill -KILL "$mpid" 2>/dev/null
	bg_stop "$held"
	# shellcheck disable=SC2086 # cmd is cloudit's own command line, split on blanks
	bg_start "$NS" "$tmp/relay2.log" $cmd
	if wait_for_line "$log" '^pipecheck: still running after the listener ended' 60 "$GUEST_PID" &&
		grep -q '^pipecheck: echo: listener ended: reset' "$log" &&
		grep -q '^pipecheck: echo: stream [0-9]* ended: reset' "$log"; then
		pass "restart_reset the listener and the open connection were reset; the guest runs on"
	else
		fail "restart_reset: the guest did not report its streams reset"
		tail -n 8 "$log"
	fi
	if wait_for_line "$tmp/relay2.log" 'guest listens on port' 60; then
		got=""
		for i in 1 2 3 4 5; do
			got=$(printf 'after the restart\n' | netns_exec "$NS" timeout 20 nc -q 8 127.0.0.1 "$EPORT" 2>/dev/null)
			[[ "$got" == "after the restart" ]] && break
		done
		if [[ "$got" == "after the restart" ]]; then
			pass "restart_serve a new relay took over; the guest listens again and echoes"
		else
			fail "restart_serve: echo through the new relay gave '${got}'"
		fi
	else
		fail "restart_serve: the guest did not listen again through the new relay"
		tail -n 5 "$tmp/relay2.log"
	fi
	bg_stop "$GUEST_PID"
fi

if guest_no_faults "guest_clean: a panic or CPU exception" "$tmp"/*.log; then
	pass "guest_clean no panic or CPU exception"
fi
guest_finish
