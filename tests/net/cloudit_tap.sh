#!/usr/bin/env bash
# tests/net/cloudit_tap.sh: the README's "--net tap:IFNAME" path, as a user
# takes it: tools/cloudit.sh on a tap the user made (here inside a private
# network namespace, tests/lib/netns.sh; nothing leaves it), reached at the
# guest's own address with ping and a real telnet client.
#
# The web app is apps/httpd (the README's main app), or apps/toroweb while
# httpd is not in the tree; both serve HTTP on port 80. Cases:
#   hint_dhcp     without ip=, cloudit's line says the guest asks for DHCP
#                 and suggests --append ip= with a free address next to the
#                 tap's own (10.77.60.2/24 for a tap at 10.77.60.1/24)
#   hint_addr     with that suggestion, cloudit says where the guest is
#                 ("the guest is 10.77.60.2 on tap0: ping 10.77.60.2") and
#                 the URL and telnet command for port 80, before the guest's
#                 first line
#   ping          ping -c 3 to that address: every reply back
#   telnet        telnet to port 80, typing "GET / HTTP/1.0" and an empty
#                 line: a 200 status line and an HTML page come back
# One "PASS cloudit_tap: ..." or "FAIL cloudit_tap: ..." line per case;
# exit 1 if any failed, 77 to skip (never under CI=true). Every wait is
# bounded; QEMU is stopped by PID on exit.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/netns.sh
source "$ROOT/tests/lib/netns.sh"

HOST=10.77.60.1
GUEST=10.77.60.2
BOOT_TIMEOUT=${CLOUDIT_TAP_BOOT_TIMEOUT:-120} # seconds for a line under TCG

failures=0
pass() { echo "PASS cloudit_tap: $*"; }
fail() {
	echo "FAIL cloudit_tap: $*"
	failures=$((failures + 1))
}

netns_require
for tool in qemu-system-x86_64 ping telnet make gcc; do
	command -v "$tool" >/dev/null || netns_skip "missing tool: $tool (tools/deps.sh installs it)"
done
netns_trap
tmp=$(mktemp -d) || netns_die "mktemp failed"
trap 'netns_cleanup; rm -rf "$tmp"' EXIT

app=httpd
[[ -d "$ROOT/apps/$app" ]] || app=toroweb
make -C "$ROOT" -s APP="$app" >"$tmp/build.log" 2>&1 || {
	cat "$tmp/build.log" >&2
	echo "FAIL cloudit_tap: build of $app"
	exit 1
}
ns=$(netns_name cltap)
netns_create "$ns" "$HOST/24" tap0
cloudit=("$ROOT/tools/cloudit.sh" "$app" --headless --accel tcg --direct --no-build --net tap:tap0 --timeout 300)

# ---- without an address: the hint says how to give one
bg_start "$ns" "$tmp/dhcp.log" "${cloudit[@]}"
suggested=""
if wait_for_line "$tmp/dhcp.log" '^cloudit: the guest asks for an address by DHCP on tap0; .*--append ip=[0-9./]+ \(tap0 is [0-9./]+\)' \
	30 "$BG_PID"; then
	suggested=$(sed -n 's/.*--append ip=\([0-9./]*\) .*/\1/p' <<<"$WAIT_LINE")
fi
if [[ "$suggested" == "$GUEST/24" ]]; then
	pass "hint_dhcp: suggests --append ip=$suggested next to tap0's $HOST/24"
else
	fail "hint_dhcp: suggestion '${suggested:-none}', want $GUEST/24"
	head -5 "$tmp/dhcp.log" >&2
fi
bg_stop "$BG_PID" 3
suggested=${suggested:-$GUEST/24}

# ---- with the suggested address: where the guest is, then ping and telnet
log=$tmp/guest.log
bg_start "$ns" "$log" "${cloudit[@]}" --append "ip=$suggested"
guest=$BG_PID
addr=${suggested%/*}
want=("cloudit: the guest is $addr on tap0: ping $addr"
	"cloudit: open http://$addr/ (guest port 80; or: curl http://$addr/, telnet $addr 80)")
if wait_for_line "$log" '^\[ *[0-9]+\.[0-9]+\] ' "$BOOT_TIMEOUT" "$guest"; then
	missing=""
	for line in "${want[@]}"; do
		# Before the guest's first line: only cloudit's lines precede it.
		sed -n '/^\[ *[0-9]*\.[0-9]*\] /q; p' "$log" | tr -d '\r' | grep -qxF -- "$line" || missing+=" '$line'"
	done
	if [[ -z "$missing" ]]; then
		pass "hint_addr: ${want[*]}"
	else
		fail "hint_addr: missing before the guest's output:$missing"
		head -5 "$log" >&2
	fi
else
	fail "hint_addr: the guest printed nothing within ${BOOT_TIMEOUT} s"
	tail -5 "$log" >&2
fi

# The guest answers ARP and ICMP once its stack is up: retry the first echo.
up=0
for ((i = 0; i < BOOT_TIMEOUT; i += 2)); do
	netns_exec "$ns" ping -n -c 1 -W 2 "$addr" >/dev/null 2>&1 && up=1 && break
	kill -0 "$guest" 2>/dev/null || break
done
out=$(netns_exec "$ns" ping -n -c 3 -i 0.5 -W 2 "$addr" 2>&1)
if [[ $up -eq 1 && "$out" == *"3 packets transmitted, 3 received"* ]]; then
	pass "ping: $(grep -o '3 packets transmitted, 3 received' <<<"$out")"
else
	fail "ping: $(grep -o '[0-9]* packets transmitted, [0-9]* received' <<<"$out" || echo 'no reply at all')"
fi

# A person at telnet types the request line and an empty line, each ended
# by Enter (telnet sends CR LF for it); the sleep keeps telnet's input open
# until the server has answered and closed.
ok=0
for ((i = 0; i < 30; i++)); do
	out=$( (printf 'GET / HTTP/1.0\n\n'; sleep 5) |
		netns_exec "$ns" timeout 20 telnet "$addr" 80 2>&1 | tr -d '\r')
	if grep -qE '^HTTP/1\.[01] 200 ' <<<"$out" && grep -qi '<html' <<<"$out"; then
		ok=1
		break
	fi
	grep -q 'Connection refused' <<<"$out" || break # refused: the app is still starting
	sleep 2
done
if [[ $ok -eq 1 ]]; then
	pass "telnet: $(grep -m1 -E '^HTTP/1\.[01] ' <<<"$out") and a page of $(wc -c <<<"$out") bytes"
else
	fail "telnet: no 200 and page from $addr:80"
	head -12 <<<"$out" | sed 's/^/    | /' >&2
fi

bg_stop "$guest" 3
exit $((failures > 0))
