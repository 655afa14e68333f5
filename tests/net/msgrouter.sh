#!/usr/bin/env bash
# tests/net/msgrouter.sh: SchemeStation domains across guests (issue 12,
# seed 003): apps/msgrouter as a router and as domains, and
# build/host/msgtool as a domain on Linux, over TCP port 7000.
#
# Guests (direct boot, TCG, one CPU each) sit on taps tap0..tap4 of one
# bridge in a private namespace (tests/lib/netns.sh; nothing leaves it),
# the host tool at 10.77.12.1:
#   R  10.77.12.2  router, address 1
#   A  10.77.12.3  domain a (router R)      B  10.77.12.4  domain b (router R)
#   C  10.77.12.5  domain c (router R, peer d)
#   D  10.77.12.6  domain d (router R, peer c)
# Cases (one PASS/FAIL line each):
#   boot            R, A and B ready; A and B each up to the router, which
#                   adds a and b to its table
#   routed          A's generator sends MSGROUTER_COUNT (1000) packets to b
#                   and B's to a, through R: each checker logs them all
#                   received, 0 lost, 0 duplicated, 0 reordered
#   router_counted  R forwarded at least both streams (its counters, asked
#                   by the host tool with a "stats" packet)
#   tool            the host tool as a fourth domain pings R, A and B and
#                   gets the three pongs; A logs the tool's text packet
#   direct          C and D, each other's peer, exchange MSGROUTER_COUNT
#                   packets each way over a direct connection (their logs
#                   show it up), all in order, and R's forwarded counter
#                   does not move meanwhile: R saw none of their packets
#   kill            while A streams to b, B's QEMU is killed (no FIN, no
#                   reset): R drops b from its table (keepalive silence),
#                   counts A's later packets for b as unknown, and A still
#                   answers the tool's ping through R
#   bad_hello       a client with the wrong magic and one with the wrong
#                   version are refused by R, which logs the reason
#   tool_options    msgtool refuses bad options with one line on stderr
#                   and exit status 2
#   guest_clean     no panic or CPU exception in any guest's log
# Exit 1 if any case failed, 77 to skip (never under CI=true). Every wait
# is bounded; QEMU is killed by PID on exit. MSGROUTER_KEEP=1 keeps the
# logs, MSGROUTER_COUNT sets the packets per stream.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

HOST=10.77.12.1
R=10.77.12.2 A=10.77.12.3 B=10.77.12.4 C=10.77.12.5 D=10.77.12.6
COUNT=${MSGROUTER_COUNT:-1000}
LIFE=600                                    # cloudit's --timeout kills QEMU after this
WAIT=120                                    # seconds for a stream or a table change
TOOL=$ROOT/build/host/msgtool

guest_init msgrouter MSGROUTER qemu-system-x86_64 python3 make gcc
tmp=$GUEST_TMP
guest_build msgrouter
if ! make -C "$ROOT" -s tools >"$tmp/tools.log" 2>&1; then
	fail "build: make tools failed:"
	tail -n 20 "$tmp/tools.log"
	exit 1
fi

# ---- tool_options: no guest needed ----
bad_opts=0
for args in "--addr xyz --router $R" "--addr f" "--addr f --router 1.2.3" "--addr f --router $R --wait -1" \
	"--addr f --peer nope --router $R" "--router $R" "--addr f --router $R --bogus" "--addr f --router $R extra"; do
	# shellcheck disable=SC2086 # the words are the options
	"$TOOL" $args </dev/null >/dev/null 2>"$tmp/opt.err"
	rc=$?
	if [[ $rc != 2 || $(wc -l <"$tmp/opt.err") != 1 ]] || ! grep -q '^msgtool: ' "$tmp/opt.err"; then
		fail "tool_options: '$args' gave status $rc and: $(cat "$tmp/opt.err")"
		bad_opts=1
	fi
done
[[ $bad_opts == 0 ]] && pass "tool_options 8 bad option sets: one line each, exit status 2"

NS=$(netns_name msgrouter)
netns_create "$NS" "$HOST/24" tap0 tap1 tap2 tap3 tap4

# boot NAME TAP IP OPTIONS...: a msgrouter guest; sets PID_NAME.
boot() {
	local name=$1 tap=$2 ip=$3
	shift 3
	guest_boot "boot: $name not ready" "$NS" "$tmp/$name.log" '^msgrouter: ready' msgrouter \
		--direct --net "tap:$tap" --timeout "$LIFE" --append "ip=$ip/24 $*" || return 1
	printf -v "PID_$name" '%s' "$GUEST_PID"
}

# log_has NAME ERE: a line of NAME's log matches (CR LF taken as LF).
log_has() {
	tr -d '\r' <"$tmp/$1.log" | grep -qE "$2"
}

# wait_log NAME ERE SECONDS: until NAME's log has a matching line.
wait_log() {
	wait_for_line "$tmp/$1.log" "$2" "$3"
}

# tool NAME ARG...: the host tool in the namespace, its input from stdin;
# stdout to $tmp/NAME.out, stderr to $tmp/NAME.err.
tool() {
	local name=$1
	shift
	netns_exec "$NS" timeout 60 "$TOOL" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
}

# router_stat FIELD: R's counter, asked by a "stats" packet from the tool.
router_stat() {
	local n=$((++STATS_N))
	echo "1 stats f$n" | tool "stats$n" --addr "f$n" --router "$R" --expect 1 --wait 20000 || true
	grep -oE "(^| )$1=[0-9]+" "$tmp/stats$n.out" | head -n 1 | cut -d= -f2
}
STATS_N=0

# ---- boot ----
boot R tap0 "$R" msg.role=router msg.addr=1 || guest_finish
boot A tap1 "$A" msg.role=domain msg.addr=a "msg.router=$R" msg.gen=b "msg.count=$COUNT" || guest_finish
boot B tap2 "$B" msg.role=domain msg.addr=b "msg.router=$R" msg.gen=a "msg.count=$COUNT" || guest_finish
if wait_log R '^msgrouter: table: added a ' "$WAIT" && wait_log R '^msgrouter: table: added b ' "$WAIT" &&
	log_has A 'up: router 1$' && log_has B 'up: router 1$'; then
	pass "boot R, A and B ready; a and b in R's table"
else
	fail "boot: a and b not both in R's table:"
	grep -h 'msgrouter:' "$tmp/R.log" | tail -n 5
fi

# ---- routed: 1000 packets each way through R ----
want="0 lost, 0 duplicated, 0 reordered \\(of $COUNT\\)"
ok=1
for pair in "A b" "B a"; do
	read -r guest src <<<"$pair"
	if ! { wait_log "$guest" "^msgrouter: from $src: [0-9]+ received" "$WAIT" &&
		log_has "$guest" "^msgrouter: from $src: $COUNT received, $want"; }; then
		ok=0
		fail "routed: $guest's checker: $(tr -d '\r' <"$tmp/$guest.log" | grep "from $src:" | tail -n 1)"
	fi
done
[[ $ok == 1 ]] && pass "routed $COUNT packets a->b and b->a through R: all received, in order, none lost or doubled"

fwd=$(router_stat forwarded)
if [[ "$fwd" =~ ^[0-9]+$ ]] && ((fwd >= 2 * COUNT)); then
	pass "router_counted R forwarded $fwd packets (2 x $COUNT and the probes)"
else
	fail "router_counted: R's forwarded counter is '${fwd:-none}', want >= $((2 * COUNT)) ($(tail -n 1 "$tmp/stats$STATS_N.err" 2>/dev/null))"
fi

# ---- tool: a fourth domain on Linux ----
printf '%s\n' "1 ping f hello-router" "a ping f hello-a" "b ping f hello-b" \
	"a note from the host tool" | tool tool --addr f --router "$R" --expect 3 --wait 30000
rc=$?
missing=""
for w in "pong 1 hello-router" "pong a hello-a" "pong b hello-b"; do
	grep -q "^packet [0-9]* bytes: $w\$" "$tmp/tool.out" || missing+=" '$w'"
done
if [[ $rc == 0 && -z "$missing" ]] && wait_log A 'packet, [0-9]+ bytes: note from the host tool' 20; then
	pass "tool msgtool (domain f) got pongs from R, A and B; A logged its text packet"
else
	fail "tool: exit $rc, missing:${missing:- none}; $(tr '\n' ' ' <"$tmp/tool.err" | cut -c1-300)"
fi

# ---- direct: C and D are each other's peers ----
fwd0=$(router_stat forwarded)
boot C tap3 "$C" msg.role=domain msg.addr=c "msg.router=$R" "msg.peers=d@$D" msg.gen=d "msg.count=$COUNT" &&
	boot D tap4 "$D" msg.role=domain msg.addr=d "msg.router=$R" "msg.peers=c@$C" msg.gen=c "msg.count=$COUNT"
ok=1
for pair in "C d" "D c"; do
	read -r guest src <<<"$pair"
	if ! { wait_log "$guest" "^msgrouter: from $src: [0-9]+ received" "$WAIT" &&
		log_has "$guest" "^msgrouter: from $src: $COUNT received, $want"; }; then
		ok=0
		fail "direct: $guest's checker: $(tr -d '\r' <"$tmp/$guest.log" | grep "from $src:" | tail -n 1)"
	fi
done
fwd1=$(router_stat forwarded)
if [[ $ok == 1 ]]; then
	if ! log_has C 'up: peer d$'; then
		fail "direct: C shows no direct connection to d"
	elif [[ "$fwd0" =~ ^[0-9]+$ && "$fwd0" == "$fwd1" ]]; then
		pass "direct $COUNT packets c->d and d->c over their own connection; R forwarded none (still $fwd1)"
	else
		fail "direct: R's forwarded counter moved from '${fwd0:-?}' to '${fwd1:-?}'"
	fi
fi
[[ -n "${PID_C:-}" ]] && bg_stop "$PID_C"
[[ -n "${PID_D:-}" ]] && bg_stop "$PID_D"

# ---- kill: B dies while A streams to it ----
echo "a gen f b 100000000" | tool gen --addr f --router "$R" --wait 1000
if wait_log A '^msgrouter: b reachable, sending 100000000 packets' 30; then
	sleep 2 # mid-stream: not a timing assertion
	# shellcheck disable=SC2153 # PID_B is set by boot (printf -v)
	bg_stop "$PID_B"
	if wait_log R '^msgrouter: table: removed b ' "$WAIT"; then
		unknown=$(router_stat unknown)
		echo "a ping f still-there" | tool alive --addr f --router "$R" --expect 1 --wait 20000
		if ! grep -q 'pong a still-there' "$tmp/alive.out"; then
			fail "kill: A did not answer after b was dropped ($(tr '\n' ' ' <"$tmp/alive.err"))"
		elif ! [[ "$unknown" =~ ^[0-9]+$ ]] || ((unknown == 0)); then
			fail "kill: R counted no packet for the unknown b (unknown=${unknown:-?})"
		else
			pass "kill R dropped b from its table ($(tr -d '\r' <"$tmp/R.log" | grep -m1 'down: in b' | sed 's/^msgrouter: //')), unknown=$unknown, A still answers"
		fi
	else
		fail "kill: b still in R's table ${WAIT}s after B was killed"
	fi
else
	fail "kill: A's generator toward b did not start: $(cat "$tmp/gen.err")"
fi

# ---- bad_hello: wrong magic, wrong version ----
netns_exec "$NS" python3 - "$R" <<'EOF' >"$tmp/bad.out" 2>&1
import socket, struct, sys
for magic, version in ((0x12345678, 1), (0x53534e43, 9)):
    s = socket.create_connection((sys.argv[1], 7000), timeout=20)
    s.sendall(struct.pack(">IH", magic, version) + bytes(16))
    print("closed" if s.recv(100) == b"" else "answered")
    s.close()
EOF
if wait_log R 'refused: in wrong magic 0x12345678' 20 && wait_log R 'refused: in wrong version 0x9' 20 &&
	[[ "$(grep -c closed "$tmp/bad.out")" == 2 ]]; then
	pass "bad_hello R refused a wrong magic and a wrong version, closed both, logged why"
else
	fail "bad_hello: $(tr '\n' ' ' <"$tmp/bad.out"); R: $(tr -d '\r' <"$tmp/R.log" | grep refused | tr '\n' ' ')"
fi

if guest_no_faults "guest_clean: a guest's log reports a fault:" "$tmp"/[RABCD].log; then
	pass "guest_clean no fault in any guest's log"
fi
guest_finish
