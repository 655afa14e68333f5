#!/usr/bin/env bash
# tests/net/ioth_client.sh: a client guest and an echo guest talk to each
# other on one bridge, the client's input typed into its serial console.
#
# One private namespace (tests/lib/netns.sh) with tap0 and tap1 on bridge
# br0 (10.77.7.1/24) and dnsmasq leasing 10.77.7.50-99 on br0 only. apps/echo
# boots on tap0 with a static echo.ip=10.77.7.2/24; apps/client boots on
# tap1 with DHCP in its own ioth stack (ioth_dhcp) and
# client.server=10.77.7.2:5000. The client's serial input is a FIFO this
# script writes into (tools/cloudit.sh --input); its serial output is a log.
# Run once with echo on virtio and the client on ne2k, once the other way.
#   connect_<e>_<c>  the client prints "client: connected to 10.77.7.2:5000
#                    from 10.77.7.X:P" (X leased by DHCP) and echo logs
#                    "echo: open N from 10.77.7.X:P"
#   typed_<e>_<c>    two lines typed into the client's console (random
#                    tokens) come back through echo: each appears in the
#                    client's serial output, which carries only what the
#                    socket received (the console does not echo input)
#   crlf_<e>_<c>     a line ended by CR (a terminal's Enter) comes back
#                    ended by LF (the client maps CR to LF, like ICRNL)
#   clean_<e>_<c>    no fault in either guest's log
# One "PASS ioth_client: ..." / "FAIL ioth_client: ..." line per case;
# exit 1 if any failed, 77 to skip (never under CI=true). Every wait is
# bounded; QEMU and dnsmasq are killed by PID on exit.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

ECHO_IP=10.77.7.2
HOST=10.77.7.1
PORT=5000
EOL=$'\r?$'   # the console writes CR LF; the log's lines keep the CR
GUEST_LIFE=600

guest_init ioth_client IOTH_CLIENT qemu-system-x86_64 make gcc dnsmasq mkfifo
tmp=$GUEST_TMP
infd=""
guest_build echo client

NS=$(netns_name iothclient)
netns_create "$NS" "$HOST/24" tap0 tap1
bg_start "$NS" "$tmp/dnsmasq.log" dnsmasq --keep-in-foreground --no-daemon --port=0 \
	--interface=br0 --bind-interfaces --no-resolv --no-hosts --log-dhcp \
	--dhcp-range=10.77.7.50,10.77.7.99,255.255.255.0,1h --dhcp-leasefile="$tmp/leases" \
	--pid-file="$tmp/dnsmasq.pid"

# stop_client: close the client's input and stop its guest.
stop_client() {
	[[ -n "$infd" ]] && exec {infd}>&-
	infd=""
	bg_stop "$1"
}

for pair in "virtio ne2k" "ne2k virtio"; do
	read -r enic cnic <<<"$pair"
	tag="${enic}_${cnic}"
	elog="$tmp/echo-$tag.log" clog="$tmp/client-$tag.log" fifo="$tmp/in-$tag"
	guest_start "$NS" "$elog" echo --direct --nic "$enic" --net tap:tap0 --timeout "$GUEST_LIFE" \
		--append "echo.nic=eth0 echo.ip=$ECHO_IP/24"
	epid=$GUEST_PID
	# The client reads its console from the FIFO; opening our end waits for QEMU's.
	mkfifo "$fifo" || netns_die "mkfifo failed"
	BG_STDIN=$fifo guest_start "$NS" "$clog" client --input --direct --nic "$cnic" --net tap:tap1 \
		--timeout "$GUEST_LIFE" --append "client.nic=eth0 client.server=$ECHO_IP:$PORT client.wait=120"
	cpid=$GUEST_PID
	exec {infd}>"$fifo"

	want="^client: connected to ${ECHO_IP//./\\.}:$PORT from (10\\.77\\.7\\.[0-9]+):[0-9]+"
	if ! wait_for_line "$clog" "$want" "$GUEST_BOOT_TIMEOUT" "$cpid"; then
		fail "connect_$tag: no connected line within ${GUEST_BOOT_TIMEOUT}s"
		tail -n 10 "$clog"
		tail -n 5 "$elog"
		stop_client "$cpid"
		bg_stop "$epid"
		continue
	fi
	line=$WAIT_LINE
	[[ "$line" =~ from\ (10\.77\.7\.[0-9]+):([0-9]+) ]]
	caddr=${BASH_REMATCH[1]} cport=${BASH_REMATCH[2]}
	if wait_for_line "$elog" "^echo: open [0-9]+ from ${caddr//./\\.}:$cport$EOL" 20 "$epid"; then
		pass "connect_$tag client $caddr:$cport (DHCP) connected; echo logged it"
	else
		fail "connect_$tag: echo has no open line for $caddr:$cport"
	fi

	ok=1
	for i in 1 2; do
		token="typed line $i $RANDOM$RANDOM"
		printf '%s\n' "$token" >&"$infd"
		if ! wait_for_line "$clog" "^$token$EOL" 30 "$cpid"; then
			ok=0
			fail "typed_$tag: '$token' did not come back"
			tail -n 5 "$clog"
		fi
	done
	[[ $ok -eq 1 ]] && pass "typed_$tag two typed lines came back through echo"

	# A CR-ended line, then an LF-ended one: unless the CR became an LF,
	# both come back as one line ("enter...\rafter..."), so the first must
	# be a whole line of the log once the second has arrived.
	token="enter $RANDOM$RANDOM" after="after $RANDOM$RANDOM"
	printf '%s\r' "$token" >&"$infd"
	printf '%s\n' "$after" >&"$infd"
	if wait_for_line "$clog" "^$after$EOL" 30 "$cpid" && grep -qxE "$token$EOL" "$clog"; then
		pass "crlf_$tag a line ended by CR came back as a line of its own"
	else
		fail "crlf_$tag: '$token' (ended by CR) did not come back as a line of its own"
		tail -n 3 "$clog" | cat -A | head -n 3
	fi

	stop_client "$cpid"
	bg_stop "$epid"
	if guest_no_faults "clean_$tag: a guest's log reports a fault:" "$elog" "$clog"; then
		pass "clean_$tag no fault in either guest's log"
	fi
done

guest_finish
