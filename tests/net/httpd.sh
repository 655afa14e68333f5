#!/usr/bin/env bash
# tests/net/httpd.sh: apps/httpd, the HTTP/1.1 server, from real Linux
# clients: telnet, curl, wrk and a socket-level client
# (tests/net/http_client.py) for what curl cannot send.
#
# Boots apps/httpd with a static ip= on taps inside a private network
# namespace (tests/lib/netns.sh; nothing leaves it): virtio on the direct
# (PVH) path and then ne2k through SeaBIOS and GRUB, each checked in full,
# one at a time; meanwhile virtio through OVMF (UEFI) and GRUB, on a tap
# of its own, checked for boot-to-served only, as is virtio-mmio on QEMU's
# microvm machine. So both NICs, both machines and all boot paths serve.
# Cases, per guest (the full ones):
#   boot_<g>        the ready line within HTTPD_BOOT_TIMEOUT
#   telnet_<g>      telnet(1), driven by expect(1), types "GET / HTTP/1.0"
#                   and a blank line and gets the welcome page (status 200,
#                   the page's heading, the kernel version the guest
#                   printed at boot), then the guest closes (telnet says
#                   "Connection closed by foreign host"); the guest's log
#                   has the access line for it, and the accept and close
#                   lines of the same connection
#   files_<g>       curl GET /612.html and /1m.bin: 200, Content-Length
#                   and the body byte for byte: /612.html equal to
#                   apps/httpd/www/612.html, /1m.bin to its format written
#                   out here (record k is "%015x\n" of k * 16); Content-
#                   Type, Date
#   date_<g>        two GETs of /612.html 1.2 s apart: the Date differs (the
#                   head of a static file is kept per second, httpd.h) and
#                   every other header line is the same
#   head_<g>        HEAD /612.html: the GET's status and Content-Length,
#                   no body (nothing after the blank line before the close)
#   notmod_<g>      GET with If-None-Match: the ETag of a previous GET ->
#                   304, no body; a different tag -> 200
#   status_<g>_NNN  one request that must produce each error status (table
#                   STATUS_CASES below; the raw ones through http_client.py)
#   cap_<g>         past httpd.max_conns (MAX_CONNS here) silent
#                   connections, one more gets 503 with Connection: close;
#                   the held ones and later clients are still served
#   keepalive_<g>   1000 GET /612.html on one connection, each body equal
#   pipeline_<g>    eight requests in one write, answered in order
#   slowloris_<g>   20 connections trickling a header byte every second are
#                   all closed by the request timeout (httpd.request_ms,
#                   REQ_MS here), not before it, each after a 408, while a
#                   fresh GET / every 250 ms is answered within 5 s
#   idle_<g>        meanwhile, a kept-alive connection that asks nothing
#                   after its first answer is closed after httpd.idle_ms
#                   (IDLE_MS), not before
#   stall_<g>       meanwhile, a client GETs /1m.bin and stops reading (4 KiB
#                   receive buffer): closed by httpd.idle_ms (reset or EOF
#                   within IDLE_MS + 4 s, the body cut short), counted in
#                   /stats as aborted and not as stall_lossy (the window
#                   closed: a reader that stopped, not a lossy path, which
#                   httpd waits out; tests/net/lossy.sh)
#   wrk_<g>         wrk -t1 -c8 for 10 s on /612.html: requests made, no
#                   socket error, no non-2xx/3xx response
#   stats_<g>       /stats is JSON, and its requests by status are exactly
#                   the error statuses, 304s and 503s the cases above made
#                   (200s: at least wrk's count); the stack lock's hold
#                   times are counted (holds > 0, 0 < mean <= max)
#   zerocopy_<g>    /stats: the bodies of /612.html went by reference
#                   (tcp TCP_SEND_REF at least 612 bytes for half of wrk's
#                   requests) and segments carried them as a pktbuf
#                   fragment (TCP_SEG_REF_OUT; on ne2k the frame is then
#                   made linear, on virtio it is a descriptor of its own)
#   publish_<g>     (virtio) /stats: the service rang the transmit doorbell
#                   of its replies itself as it went to sleep
#                   (virtio_net.tx_publish_own > 0; kernel/netdev_flush.c)
#                   instead of waking the network thread for it, so the
#                   network thread's passes stay below wrk's requests
#   guest_clean_<g> no panic or CPU exception, the guest still runs
# and for every guest, full or not:
#   served_<g>      curl GET / answers 200 with the welcome page
#   static_<g>      (virtio-microvm, booted with vnet.offload=off: checksums
#                   in software over the referenced fragment) GET /612.html
#                   twice on one connection, both bodies byte for byte, and
#                   TCP_SEG_REF_OUT in /stats
# One "PASS httpd: case detail" or "FAIL httpd: case detail" line per case;
# exit 1 if any failed, 77 to skip (never under CI=true: then a missing
# prerequisite fails). Every wait is bounded; QEMU is killed by PID on
# exit. HTTPD_GUESTS picks guests ("virtio-direct ne2k-bios virtio-uefi
# virtio-microvm"),
# HTTPD_KEEP=1 keeps the logs, HTTPD_WRK_S the wrk seconds (default 10).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/netns.sh
source "$ROOT/tests/lib/netns.sh"

HOST=10.77.9.1 # the namespace; guests are .2 (one at a time) and .3 (UEFI)
BOOT_TIMEOUT=${HTTPD_BOOT_TIMEOUT:-120} # seconds to the ready line under TCG
GUEST_LIFE=600                          # cloudit's --timeout kills QEMU after this
GUESTS=${HTTPD_GUESTS:-virtio-direct ne2k-bios virtio-uefi virtio-microvm}
WRK_S=${HTTPD_WRK_S:-10}
REQ_MS=2000   # httpd.request_ms: a request head must be whole within this
IDLE_MS=3000  # httpd.idle_ms: a kept-alive connection may idle this long
MAX_CONNS=32  # httpd.max_conns: above wrk's 8 and slowloris' 20 + a probe
CLIENT="$ROOT/tests/net/http_client.py"
WWW="$ROOT/apps/httpd/www"

failures=0
declare -A EXPECT # status -> responses the cases of this guest caused
expect_n() { EXPECT[$1]=$((${EXPECT[$1]:-0} + ${2:-1})); }
pass() { echo "PASS httpd: $*"; }
fail() {
	echo "FAIL httpd: $*"
	failures=$((failures + 1))
}

netns_require
for tool in qemu-system-x86_64 curl python3 telnet expect wrk make gcc cmp; do
	command -v "$tool" >/dev/null || netns_skip "missing tool: $tool (tools/deps.sh installs it)"
done
[[ -r /usr/share/OVMF/OVMF_CODE_4M.fd ]] || netns_skip "OVMF missing (tools/deps.sh installs ovmf)"

tmp=$(mktemp -d /tmp/skiff-httpd.XXXXXX) || netns_die "mktemp failed"
# shellcheck disable=SC2317 # called from the traps
cleanup() {
	netns_cleanup
	[[ -n "${HTTPD_KEEP:-}" ]] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT
trap 'cleanup; trap - EXIT; exit 143' TERM

if ! timeout 600 make -C "$ROOT" -s -j2 APP=httpd >"$tmp/build.log" 2>&1; then
	fail "build: make APP=httpd failed:"
	tail -n 20 "$tmp/build.log"
	exit 1
fi
[[ -s "$WWW/612.html" ]] || {
	fail "build: $WWW/612.html missing"
	exit 1
}
# /1m.bin's content, from its definition (apps/httpd/httpd.mk), not the build's copy.
python3 -c 'import sys; sys.stdout.buffer.write(b"".join(b"%015x\n" % (k * 16) for k in range(65536)))' >"$tmp/1m.bin"
cp "$WWW/612.html" "$tmp/612.html"

NS=$(netns_name httpd)
in_ns() { netns_exec "$NS" "$@"; }

# log_has LOG ERE: a line of the guest's log matches (its CR LF ends taken as LF).
log_has() { tr -d '\r' <"$1" | grep -qE -- "$2"; }
hdr_field() { # FILE NAME: the header's value, CR stripped
	grep -i "^$2:" "$1" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'
}
status_of() { head -n 1 "$1" | tr -d '\r' | cut -d' ' -f2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# curl_get OUTBASE ARGS...: curl in the namespace; OUTBASE.body, .hdr, .err.
curl_get() {
	local out=$1
	shift
	in_ns curl -sS --max-time 60 -o "$out.body" -D "$out.hdr" "$@" 2>"$out.err"
}

# client ARGS...: http_client.py in the namespace; its result line.
client() { in_ns timeout 150 python3 "$CLIENT" "$@" 2>&1 | tail -n 1; }

# served G LOG: GET / answers the welcome page.
case_served() {
	local g=$1 log=$2 out="$tmp/served-$1"
	if ! curl_get "$out" "http://$GUEST/"; then
		fail "served_$g: curl failed: $(cat "$out.err")"
	elif [[ "$(status_of "$out.hdr")" != 200 ]]; then
		fail "served_$g: status line $(head -n 1 "$out.hdr")"
	elif ! grep -q 'skiff' "$out.body"; then
		fail "served_$g: no welcome page: $(head -c 200 "$out.body")"
	else
		pass "served_$g GET / 200, $(stat -c %s "$out.body") bytes"
	fi
}

# telnet: a person at a terminal. expect(1) runs telnet on a pty, types the
# request line and the blank line (telnet sends CR LF for Enter), and waits
# for the guest to close after the HTTP/1.0 response.
case_telnet() {
	local g=$1 log=$2 out="$tmp/telnet-$1.out" ver rc line id peer access='^httpd: #[0-9]+ '"$HOST"':[0-9]+ GET / 200 [0-9]+$'
	cat >"$tmp/telnet.exp" <<EOF
set timeout 60
log_file -noappend $out
spawn telnet $GUEST 80
expect {
	"Escape character is" {}
	timeout { exit 2 }
	eof { exit 3 }
}
send "GET / HTTP/1.0\r"
send "\r"
expect {
	"Connection closed by foreign host" { exit 0 }
	timeout { exit 4 }
	eof { exit 0 }
}
EOF
	in_ns timeout 90 expect -f "$tmp/telnet.exp" >/dev/null 2>&1
	rc=$?
	ver=$(tr -d '\r' <"$log" | sed -n 's/.*boot: skiff \([^ ,]*\), app .*/\1/p' | head -n 1)
	# The access line of this connection: the last GET / before its close.
	wait_for_line "$log" "$access" 5 >/dev/null
	line=$(tr -d '\r' <"$log" | grep -E -- "$access" | tail -n 1)
	# Connection ids count per service (CPU): the id and the peer's port
	# together name the connection.
	id=$(sed -n 's/^httpd: #\([0-9]*\) .*/\1/p' <<<"$line")
	peer=$(sed -n 's/^httpd: #[0-9]* \([0-9.:]*\) .*/\1/p' <<<"$line")
	if [[ $rc -ne 0 ]]; then
		fail "telnet_$g: expect ended with $rc (2, 4: timeout; 3: telnet ended at once):"
		tail -n 5 "$out"
	elif ! tr -d '\r' <"$out" | grep -qE '^HTTP/1\.[01] 200 OK$'; then
		fail "telnet_$g: no 200 status line in what telnet showed:"
		head -n 5 "$out"
	elif ! grep -q 'Connection closed by foreign host' "$out"; then
		fail "telnet_$g: the guest did not close after the HTTP/1.0 response"
	elif [[ -z "$ver" ]] || ! grep -qF -- "$ver" "$out"; then
		fail "telnet_$g: the welcome page does not name the kernel version '$ver'"
	elif [[ -z "$id" || -z "$peer" ]]; then
		fail "telnet_$g: no access log line 'GET / 200' from $HOST in the guest's log"
	elif ! log_has "$log" "^httpd: #$id accept $peer on cpu" ||
		! wait_for_line "$log" "^httpd: #$id close $peer: " 5; then
		fail "telnet_$g: the guest's log lacks the accept or close line of #$id $peer:"
		tr -d '\r' <"$log" | grep -F "$peer"
	else
		pass "telnet_$g welcome page, kernel $ver; log: $(tr -d '\r' <"$log" | grep -F " $peer" | paste -sd '|' | sed 's/|/ | /g')"
	fi
}

# files: both static files byte for byte, with their headers.
case_files() {
	local g=$1 f out ok=1 detail=""
	for f in 612.html 1m.bin; do
		out="$tmp/file-$g-$f"
		if ! curl_get "$out" "http://$GUEST/$f"; then
			fail "files_$g: GET /$f: curl failed: $(cat "$out.err")"
			ok=0
		elif [[ "$(status_of "$out.hdr")" != 200 ]]; then
			fail "files_$g: GET /$f: $(head -n 1 "$out.hdr")"
			ok=0
		elif [[ "$(hdr_field "$out.hdr" Content-Length)" != "$(stat -c %s "$tmp/$f")" ]]; then
			fail "files_$g: GET /$f: Content-Length $(hdr_field "$out.hdr" Content-Length), the file has $(stat -c %s "$tmp/$f")"
			ok=0
		elif ! cmp -s "$out.body" "$tmp/$f"; then
			fail "files_$g: GET /$f: the body differs: $(cmp "$out.body" "$tmp/$f" 2>&1 | head -n 1)"
			ok=0
		elif [[ -z "$(hdr_field "$out.hdr" Date)" || -z "$(hdr_field "$out.hdr" Content-Type)" ]]; then
			fail "files_$g: GET /$f: Date or Content-Type missing"
			ok=0
		else
			detail+=" /$f $(stat -c %s "$out.body") bytes ($(hdr_field "$out.hdr" Content-Type))"
		fi
	done
	[[ $ok -eq 1 ]] && pass "files_$g$detail equal"
}

# date: the cached head of a static file follows the clock and nothing else changes.
case_date() {
	local g=$1 a="$tmp/date-$1-a" b="$tmp/date-$1-b"
	if ! curl_get "$a" "http://$GUEST/612.html" || ! sleep 1.2 || ! curl_get "$b" "http://$GUEST/612.html"; then
		fail "date_$g: curl failed: $(cat "$a.err" "$b.err" 2>/dev/null)"
	elif [[ -z "$(hdr_field "$a.hdr" Date)" || "$(hdr_field "$a.hdr" Date)" == "$(hdr_field "$b.hdr" Date)" ]]; then
		fail "date_$g: the Date did not move in 1.2 s: '$(hdr_field "$a.hdr" Date)', '$(hdr_field "$b.hdr" Date)'"
	elif ! diff <(tr -d '\r' <"$a.hdr" | grep -v '^Date:') <(tr -d '\r' <"$b.hdr" | grep -v '^Date:') >/dev/null; then
		fail "date_$g: header lines other than Date differ: $(diff <(tr -d '\r' <"$a.hdr") <(tr -d '\r' <"$b.hdr") | tr '\n' ' ')"
	else
		pass "date_$g $(hdr_field "$a.hdr" Date) then $(hdr_field "$b.hdr" Date), other lines equal"
	fi
}

# head: HEAD gives GET's headers and no body; raw, so a body would be seen.
case_head() {
	local g=$1 out="$tmp/head-$1" r hl
	r=$(client raw "$GUEST" 'HEAD /612.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' --out "$out")
	hl=$(grep -c '' "$out" 2>/dev/null)
	if [[ "$r" != "ok status=200 closed=yes"* ]]; then
		fail "head_$g: $r"
	elif [[ "$(hdr_field "$out" Content-Length)" != 612 ]]; then
		fail "head_$g: Content-Length '$(hdr_field "$out" Content-Length)', want 612"
	elif [[ "$(tail -c 4 "$out" | od -An -c | tr -d ' ')" != '\r\n\r\n' ]]; then
		fail "head_$g: bytes after the header block: $(tail -c 40 "$out" | od -An -c | head -n 2)"
	else
		pass "head_$g 200, Content-Length 612, $hl header lines, no body"
	fi
}

# notmod: RFC 9110 13.1.2: If-None-Match with the current ETag -> 304.
case_notmod() {
	local g=$1 out="$tmp/nm-$1" etag lm
	curl_get "$out-1" "http://$GUEST/612.html"
	etag=$(hdr_field "$out-1.hdr" ETag)
	lm=$(hdr_field "$out-1.hdr" Last-Modified)
	if [[ -z "$etag" ]]; then
		fail "notmod_$g: no ETag on GET /612.html"
		return
	fi
	curl_get "$out-2" -H "If-None-Match: $etag" "http://$GUEST/612.html"
	curl_get "$out-3" -H 'If-None-Match: "not-this-one"' "http://$GUEST/612.html"
	if [[ "$(status_of "$out-2.hdr")" != 304 ]]; then
		fail "notmod_$g: If-None-Match: $etag gave $(head -n 1 "$out-2.hdr")"
	elif [[ -s "$out-2.body" ]]; then
		fail "notmod_$g: the 304 has a body of $(stat -c %s "$out-2.body") bytes"
	elif [[ "$(hdr_field "$out-2.hdr" ETag)" != "$etag" ]]; then
		fail "notmod_$g: the 304's ETag '$(hdr_field "$out-2.hdr" ETag)' is not '$etag'"
	elif [[ "$(status_of "$out-3.hdr")" != 200 ]] || ! cmp -s "$out-3.body" "$tmp/612.html"; then
		fail "notmod_$g: another tag gave $(head -n 1 "$out-3.hdr"), not the page"
	else
		expect_n 304
		pass "notmod_$g ETag $etag -> 304 without body, other tag -> 200${lm:+ (Last-Modified $lm)}"
	fi
}

# Each error status and a request that must produce it. "curl ARGS" runs
# curl; "raw REQUEST [client options]" sends bytes as they are. Every error
# response is checked for a short body matching its Content-Length.
STATUS_CASES=(
	'200|curl http://GUEST/'
	'404|curl http://GUEST/no-such-file'
	'405|curl -X DELETE http://GUEST/612.html'
	'405|curl -X POST --data x=1 http://GUEST/612.html'
	'400|raw GET / HTTP/1.1\r\n\r\n'
	'400|raw GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
	'400|raw GET / HTTP/1.1\r\nHost t\r\n\r\n'
	'413|raw GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000000\r\n\r\n'
	'414|raw GET /@ HTTP/1.1\r\nHost: t\r\n\r\n|--repeat-bytes 9000:a --allow-send-error'
	'431|raw GET / HTTP/1.1\r\nHost: t\r\nX-Big: @\r\n\r\n|--repeat-bytes 9000:b --allow-send-error'
	'501|raw BREW / HTTP/1.1\r\nHost: t\r\n\r\n'
	'505|raw GET / HTTP/2.0\r\nHost: t\r\n\r\n'
	'408|raw GET / HTTP/1.1\r\nHost: t\r\n|--wait 30'
)

case_statuses() {
	local g=$1 spec want how rest opts out r got i=0 args
	for spec in "${STATUS_CASES[@]}"; do
		i=$((i + 1))
		want=${spec%%|*}
		rest=${spec#*|}
		how=${rest%% *}
		rest=${rest#* }
		out="$tmp/st-$g-$i"
		if [[ $how == curl ]]; then
			read -r -a args <<<"${rest//GUEST/$GUEST}"
			curl_get "$out" "${args[@]}"
			got=$(status_of "$out.hdr")
			cp "$out.hdr" "$out.all" 2>/dev/null
			r="curl ${rest//GUEST/$GUEST}: $(head -n 1 "$out.hdr" 2>/dev/null | tr -d '\r') $(cat "$out.err")"
		else
			opts=""
			[[ "$rest" == *'|'* ]] && opts=${rest#*|} rest=${rest%%|*}
			# shellcheck disable=SC2086 # opts are plain words
			r=$(client raw "$GUEST" "$rest" --out "$out.all" $opts)
			got=$(sed -n 's/^ok status=\([0-9a-z]*\).*/\1/p' <<<"$r")
			r="raw '${rest:0:60}': $r"
		fi
		if [[ "$got" != "$want" ]]; then
			fail "status_${g}_$want: $r"
		elif [[ $want == 405 ]] && ! grep -qiE '^Allow: .*GET' "$out.all"; then
			fail "status_${g}_$want: no Allow field with GET: $r"
		elif [[ $want == 408 ]] && [[ "$r" != *closed=yes* ]]; then
			fail "status_${g}_$want: the guest did not close after the 408: $r"
		else
			pass "status_${g}_$want ${r:0:140}"
		fi
		expect_n "$want"
	done
}

case_cap() {
	local g=$1 r
	r=$(client --timeout 60 cap "$GUEST" "$MAX_CONNS")
	if [[ "$r" == ok* ]]; then pass "cap_$g $r"; else fail "cap_$g: $r"; fi
	expect_n 503
}

case_keepalive() {
	local g=$1 r
	r=$(client --timeout 120 keepalive "$GUEST" /612.html 1000 --expect "$tmp/612.html")
	if [[ "$r" == ok* ]]; then pass "keepalive_$g 1000 requests on one connection: $r"; else fail "keepalive_$g: $r"; fi
}

case_pipeline() {
	local g=$1 r
	r=$(client pipeline "$GUEST" 'GET /612.html 200' 'HEAD /612.html 200' 'GET /no-such 404' \
		'GET / 200' 'GET /612.html 200' 'HEAD /1m.bin 200' 'GET /stats 200' 'GET /612.html 200' \
		--file "/612.html=$tmp/612.html")
	if [[ "$r" == ok* ]]; then pass "pipeline_$g $r"; else fail "pipeline_$g: $r"; fi
	expect_n 404
}

# http_stat FIELD: /stats' http.FIELD now, or "none".
http_stat() {
	in_ns curl -sS --max-time 10 "http://$GUEST/stats" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["http"][sys.argv[1]])' "$1" 2>/dev/null || echo none
}

case_slowloris() {
	local g=$1 r
	local first idle_pid idle stall_pid stall aborted0 aborted1 lossy
	# The idle and stall cases run alongside: they only wait.
	client raw "$GUEST" 'GET /612.html HTTP/1.1\r\nHost: t\r\n\r\n' --wait 30 >"$tmp/idle-$g" &
	idle_pid=$!
	aborted0=$(http_stat aborted)
	client --timeout 60 stall "$GUEST" /1m.bin --hold $((IDLE_MS / 1000 + 4)) >"$tmp/stall-$g" &
	stall_pid=$!
	r=$(client --timeout 120 slowloris "$GUEST" --conns 20 --interval 1 \
		--max-s $((REQ_MS / 1000 + 20)) --probe / --probe-ms 5000)
	first=$(sed -n 's/.* first_close_s=\([0-9.]*\).*/\1/p' <<<"$r")
	if [[ "$r" != ok* ]]; then
		fail "slowloris_$g: $r"
	elif [[ "$r" != *" got_408=20 "* ]]; then
		fail "slowloris_$g: not all got a 408 before the close: $r"
	elif awk -v f="$first" -v m="$REQ_MS" 'BEGIN { exit !(f * 1000 < m - 200) }'; then
		fail "slowloris_$g: closed after $first s, before request_ms $REQ_MS: $r"
	else
		pass "slowloris_$g $r (request_ms $REQ_MS)"
	fi
	expect_n 408 20
	wait "$idle_pid"
	idle=$(cat "$tmp/idle-$g")
	local ms=${idle##* ms=}
	ms=${ms%% *}
	if [[ "$idle" != "ok status=200 closed=yes "* ]]; then
		fail "idle_$g: $idle"
	elif ((ms < IDLE_MS - 200 || ms > IDLE_MS + 10000)); then
		fail "idle_$g: closed after $ms ms, idle_ms is $IDLE_MS: $idle"
	else
		pass "idle_$g closed after $ms ms (idle_ms $IDLE_MS)"
	fi
	wait "$stall_pid"
	stall=$(cat "$tmp/stall-$g")
	aborted1=$(http_stat aborted) lossy=$(http_stat stall_lossy)
	local sb=${stall##*bytes=}
	sb=${sb%% *}
	if [[ "$stall" != "ok closed=reset "* && "$stall" != "ok closed=yes "* ]]; then
		fail "stall_$g: not closed by idle_ms ($IDLE_MS): $stall"
	elif ((sb >= 1048576)); then
		fail "stall_$g: the whole body came ($stall)"
	elif [[ "$aborted0" == none || "$aborted1" == none ]] || ((aborted1 < aborted0 + 1)); then
		fail "stall_$g: /stats aborted $aborted0 -> $aborted1, want one more ($stall)"
	elif [[ "$lossy" != 0 ]]; then
		fail "stall_$g: /stats stall_lossy $lossy: a closed window taken for a lossy path ($stall)"
	else
		pass "stall_$g $stall; aborted $aborted0 -> $aborted1, stall_lossy 0"
	fi
}

case_wrk() {
	local g=$1 out="$tmp/wrk-$1" reqs
	WRK_REQS=0
	in_ns timeout $((WRK_S + 30)) wrk -t1 -c8 -d"${WRK_S}s" --timeout 10s "http://$GUEST/612.html" >"$out" 2>&1
	reqs=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$out")
	if [[ -z "$reqs" || "$reqs" -eq 0 ]]; then
		fail "wrk_$g: no requests counted:"
		cat "$out"
	elif grep -qE 'Socket errors|Non-2xx or 3xx' "$out"; then
		fail "wrk_$g: $(grep -E 'Socket errors|Non-2xx or 3xx' "$out" | tr -s ' \n' ' ')"
	else
		WRK_REQS=$reqs
		pass "wrk_$g $reqs requests in ${WRK_S} s, $(sed -n 's/^Requests\/sec: *//p' "$out") req/s, no errors"
	fi
}

case_stats() {
	local g=$1 out="$tmp/stats-$1"
	curl_get "$out" "http://$GUEST/stats"
	if [[ "$(status_of "$out.hdr")" != 200 ]]; then
		fail "stats_$g: $(head -n 1 "$out.hdr")"
	elif ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out.body" 2>"$out.err"; then
		fail "stats_$g: not JSON: $(tail -n 1 "$out.err")"
	else
		# "STATUS=N ..." of what the cases caused, against http.status.
		local want=() st r
		for st in "${!EXPECT[@]}"; do want+=("$st=${EXPECT[$st]}"); done
		r=$(python3 - "$out.body" "$WRK_REQS" "${want[@]}" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
got = j["http"]["status"]
want = dict(a.split("=") for a in sys.argv[3:])
bad = []
lk = j.get("stack_lock", {})
if not (lk.get("holds", 0) > 0 and 0 < lk.get("mean_ns", 0) <= lk.get("max_ns", 0)):
    bad.append("stack_lock: %s" % lk)
for k, v in sorted(got.items()):
    if k == "200":
        if v < int(sys.argv[2]):
            bad.append("200: %d < wrk's %s" % (v, sys.argv[2]))
    elif v != int(want.get(k, 0)):
        bad.append("%s: %d, want %s" % (k, v, want.get(k, 0)))
print(("bad " + "; ".join(bad)) if bad else
      "ok " + " ".join("%s=%d" % (k, v) for k, v in sorted(got.items()) if v))
EOF
)
		if [[ "$r" == ok* ]]; then pass "stats_$g JSON, by status: ${r#ok }"; else fail "stats_$g: ${r#bad }"; fi
	fi
}

# zerocopy G: from the stats case's /stats, after wrk's requests.
case_zerocopy() {
	local g=$1 r
	r=$(python3 - "$tmp/stats-$g.body" "$WRK_REQS" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["tcp"]
ref, segs, want = t.get("TCP_SEND_REF", 0), t.get("TCP_SEG_REF_OUT", 0), 612 * (int(sys.argv[2]) // 2)
print(("ok " if ref >= want and segs > 0 else "bad ") +
      "TCP_SEND_REF=%d (want >= %d) TCP_SEG_REF_OUT=%d TCP_SEND_REF_COPIED=%d" %
      (ref, want, segs, t.get("TCP_SEND_REF_COPIED", 0)))
EOF
)
	if [[ "$r" == ok* ]]; then pass "zerocopy_$g ${r#ok }"; else fail "zerocopy_$g: ${r#bad }"; fi
}

# publish G: from the stats case's /stats, after wrk's requests (virtio guests).
case_publish() {
	local g=$1 r
	r=$(python3 - "$tmp/stats-$g.body" "$WRK_REQS" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
own = j.get("virtio_net", {}).get("tx_publish_own", 0)
passes, reqs = j.get("net_thread_passes", -1), int(sys.argv[2])
print(("ok " if own > 0 and 0 < passes < reqs else "bad ") +
      "tx_publish_own=%d net_thread_passes=%d (wrk's requests %d)" % (own, passes, reqs))
EOF
)
	if [[ "$r" == ok* ]]; then pass "publish_$g ${r#ok }"; else fail "publish_$g: ${r#bad }"; fi
}

# static G: two GETs of /612.html on one connection, byte for byte, and
# the reference path in /stats (the quick guest booted with offloads off).
case_static() {
	local g=$1 out="$tmp/static-$1" r
	if ! curl_get "$out" "http://$GUEST/612.html" -o "$out.body2" "http://$GUEST/612.html"; then
		fail "static_$g: curl failed: $(cat "$out.err")"
	elif ! cmp -s "$out.body" "$WWW/612.html" || ! cmp -s "$out.body2" "$WWW/612.html"; then
		fail "static_$g: a body differs from $WWW/612.html"
	elif ! curl_get "$out-stats" "http://$GUEST/stats"; then
		fail "static_$g: /stats: $(cat "$out-stats.err")"
	else
		r=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tcp"].get("TCP_SEG_REF_OUT", 0))' \
			"$out-stats.body" 2>&1)
		if [[ "$r" =~ ^[0-9]+$ && $r -ge 2 ]]; then
			pass "static_$g 2 x /612.html byte for byte, TCP_SEG_REF_OUT=$r"
		else
			fail "static_$g: TCP_SEG_REF_OUT '$r', want >= 2"
		fi
	fi
}

case_clean() {
	local g=$1 log=$2 pid=$3
	if ! kill -0 "$pid" 2>/dev/null; then
		fail "guest_clean_$g: the guest exited:"
		tail -n 15 "$log"
	elif grep -qiE 'panic|exception|#PF|#GP|double fault' "$log"; then
		fail "guest_clean_$g: the guest's log reports a fault:"
		grep -iE 'panic|exception|#PF|#GP|double fault' "$log" | head -n 5
	else
		pass "guest_clean_$g"
	fi
}

# start_guest G TAP ADDR: boot guest G (NIC-PATH) on TAP with address ADDR;
# sets GPID[G], GLOG[G], GT0[G].
declare -A GPID GLOG GT0
start_guest() {
	local g=$1 tap=$2 addr=$3 nic=${1%-*} path=${1#*-} bootargs extra=
	case $path in
	direct) bootargs=(--direct) ;;
	bios) bootargs=(--firmware bios) ;;
	uefi) bootargs=(--firmware uefi) ;;
	microvm) bootargs=(--machine microvm) extra="vnet.offload=off " ;;
	*) netns_die "HTTPD_GUESTS: bad guest '$g' (want NIC-direct|bios|uefi|microvm)" ;;
	esac
	GLOG[$g]="$tmp/guest-$g.log"
	GT0[$g]=$(now_ms)
	bg_start "$NS" "${GLOG[$g]}" "$ROOT/tools/cloudit.sh" httpd --headless --accel tcg "${bootargs[@]}" \
		--no-build --nic "$nic" --net "tap:$tap" --timeout "$GUEST_LIFE" \
		--append "ip=$addr/24 httpd.request_ms=$REQ_MS httpd.idle_ms=$IDLE_MS httpd.max_conns=$MAX_CONNS ${extra}${HTTPD_APPEND:-}"
	GPID[$g]=$BG_PID
}

# wait_ready G [late]: the boot_G case.
wait_ready() {
	local g=$1
	if ! wait_for_line "${GLOG[$g]}" '^httpd: ready' "$BOOT_TIMEOUT" "${GPID[$g]}"; then
		fail "boot_$g: no ready line within ${BOOT_TIMEOUT}s"
		tail -n 15 "${GLOG[$g]}"
		bg_stop "${GPID[$g]}"
		return 1
	fi
	# A guest that booted while others ran was ready sometime before this.
	pass "boot_$g ready $([[ ${2:-} == late ]] && echo within || echo after) $(($(now_ms) - GT0[$g])) ms: ${WAIT_LINE//$'\r'/}"
}

# The UEFI guests (boot-to-served only) boot first, each on a tap of its
# own, while the full guests run one after another on tap0: OVMF's slow
# start overlaps the other checks instead of adding to the suite's time.
full=() quick=()
for g in $GUESTS; do
	if [[ $g == *-uefi || $g == *-microvm ]]; then quick+=("$g"); else full+=("$g"); fi
done
taps=(tap0)
for ((i = 1; i <= ${#quick[@]}; i++)); do taps+=("tap$i"); done
netns_create "$NS" "$HOST/24" "${taps[@]}"
i=0
for g in "${quick[@]}"; do
	i=$((i + 1))
	start_guest "$g" "tap$i" "10.77.9.$((2 + i))"
done

GUEST=10.77.9.2
for g in "${full[@]}"; do
	EXPECT=()
	start_guest "$g" tap0 "$GUEST"
	wait_ready "$g" || continue
	log=${GLOG[$g]} pid=${GPID[$g]}
	case_served "$g" "$log"
	case_telnet "$g" "$log"
	case_files "$g"
	case_date "$g"
	case_head "$g"
	case_notmod "$g"
	case_statuses "$g"
	case_cap "$g"
	case_keepalive "$g"
	case_pipeline "$g"
	case_slowloris "$g"
	case_wrk "$g"
	case_stats "$g"
	case_zerocopy "$g"
	[[ $g == virtio* ]] && case_publish "$g"
	case_clean "$g" "$log" "$pid"
	bg_stop "$pid"
done

i=0
for g in "${quick[@]}"; do
	i=$((i + 1))
	GUEST=10.77.9.$((2 + i))
	wait_ready "$g" late || continue
	case_served "$g" "${GLOG[$g]}"
	[[ $g == *-microvm ]] && case_static "$g"
	bg_stop "${GPID[$g]}"
done

if [[ $failures -gt 0 ]]; then
	echo "httpd: $failures failed"
	exit 1
fi
echo "httpd: all passed"
exit 0
