#!/usr/bin/env bash
# tests/net/attack.sh: hostile frames against apps/httpd, layer by layer
# (tests/net/attack.py, scapy): runts and giants, bad lengths in every
# header, IP options of length 0 and 1, overlapping, oversized and
# teardrop fragments, ping of death, ICMP errors quoting forged TCP
# headers, every TCP flag combination, RFC 5961's blind RST/SYN/ACK against
# a real Linux connection (challenge ACKs seen on the wire, the connection
# survives), zero and huge windows, bad TCP option lengths, and a storm of
# random and bit-flipped frames. After each group the guest must answer
# ping and GET /612.html byte-exact, and its counters (/stats) must account
# for what was sent.
#
# One virtio guest (direct boot) on a tap in a private namespace
# (tests/lib/guest.sh); nothing leaves it. ATTACK_STORM sets the storm's
# frames per kind (default 2000), ATTACK_GROUPS a comma list of groups,
# ATTACK_KEEP=1 keeps the guest's log. Exit 1 if any case failed, 77 to
# skip (never under CI=true).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

guest_init attack ATTACK qemu-system-x86_64 python3 curl ping
# Debian's python3-scapy lives in the system python3's path; a python3
# earlier in PATH (pyenv, a venv) may not see it.
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import scapy.all' 2>/dev/null; then PY=$p; break; fi
done
[[ -n "$PY" ]] || netns_skip "python3-scapy missing (tools/deps.sh installs it)"
guest_build httpd

NS=$(netns_name attack)
HOST=10.77.21.1 GUEST=10.77.21.2 FAKE=10.77.21.99
netns_create "$NS" "$HOST/24"
# Giants need a tap that takes frames past 1514 octets from scapy.
netns_exec "$NS" ip link set tap0 mtu 9000 || netns_die "cannot set tap0's MTU"
LOG=$GUEST_TMP/guest.log
# No TSO towards the host: the sniffer on tap0 would see the guest's 64 KiB
# segments before QEMU's tap cuts them at gso_size, and huge_window checks
# each wire segment against the MSS it announced (the TSO path's gso_size is
# checked in tests/unit/net/offload_test.c, its bytes in vnet_offload.sh).
guest_boot "boot: httpd ready" "$NS" "$LOG" '^httpd: ready' httpd --direct --net tap:tap0 --timeout 900 \
	--nic-opts host_tso4=off \
	--append "ip=$GUEST/24 httpd.log=0" || guest_finish
pass "boot ready after ${GUEST_BOOT_S}s"

out=$GUEST_TMP/attack.out
netns_exec "$NS" timeout 600 "$PY" "$ROOT/tests/net/attack.py" --iface tap0 --guest "$GUEST" \
	--host "$HOST" --fake "$FAKE" --www "$ROOT/apps/httpd/www" --storm "${ATTACK_STORM:-2000}" \
	${ATTACK_GROUPS:+--groups "$ATTACK_GROUPS"} >"$out" 2>&1
rc=$?
cat "$out"
n=$(grep -c '^FAIL attack:' "$out")
GUEST_FAILURES=$((GUEST_FAILURES + n))
if [[ $rc -ne 0 && $n -eq 0 ]]; then
	fail "attack.py ended with status $rc:"
	tail -n 5 "$out"
fi
if guest_no_faults "guest_clean: the guest's log reports a fault" "$LOG"; then
	if kill -0 "$GUEST_PID" 2>/dev/null; then pass "guest_clean: no fault, the guest still runs"
	else fail "guest_clean: the guest stopped"; tail -n 5 "$LOG"; fi
fi
guest_finish
