#!/usr/bin/env bash
# tests/net/vnet_offload.sh: virtio-net's offloads (virtio 1.2 5.1.3, 5.1.6:
# CSUM, GUEST_CSUM, HOST_TSO4, GUEST_TSO4, MRG_RXBUF, and EVENT_IDX's
# notification suppression) each on and off, against the host's own TCP.
#
# Boots apps/netidle (direct boot, TCG) on a tap in a private namespace
# (tests/lib/netns.sh; nothing leaves it) once per configuration: every
# offload on; all turned off by the guest (vnet.offload=off) or not offered
# by QEMU (the device's csum=off,... properties); one at a time turned off
# by the guest (vnet.features=-NAME) or by QEMU. QEMU's filter-dump captures
# every frame between the device and the tap. Per configuration:
#   boot_CFG      the guest's virtio-net line names exactly the offloads
#                 expected (what QEMU offers, less what the guest turns off,
#                 less what their dependencies take: 5.1.3.1, and GUEST_TSO4
#                 only with MRG_RXBUF)
#   echo_CFG      VAR_MB MB through echo (port 7): sha256 of what was sent
#                 and what came back equal: segments the guest sent with TSO
#                 and the large ones it received, cut and merged, byte-exact
#   chargen_CFG   1 MB from chargen is the RFC 864 pattern
#   csum_CFG      tests/net/pcap_csum.py over the capture: every IPv4
#                 header checksum right; every TCP/UDP checksum right, or,
#                 only in a direction whose checksum offload is on, partial
#                 with the pseudo-header sum (5.1.6.2 NEEDS_CSUM); frames
#                 past 1514 bytes from the guest if and only if HOST_TSO4 is
#                 on, to the guest only if GUEST_TSO4 is
#   clean_CFG     no panic or CPU exception in the guest's log
# One "PASS vnet_offload: ..." or "FAIL vnet_offload: ..." line per case;
# exit 1 if any failed, 77 to skip (never under CI=true). Every wait is
# bounded; QEMU is killed by PID. VNET_OFFLOAD_MB sets the echo size (4),
# VNET_OFFLOAD_ONLY=CFG runs one configuration, VNET_OFFLOAD_KEEP=1 keeps
# the logs and captures.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

GUEST=10.77.4.2
HOST=10.77.4.1
MAC=52:54:00:0f:f1:0a
MB=${VNET_OFFLOAD_MB:-4}
ONLY=${VNET_OFFLOAD_ONLY:-}

guest_init vnet_offload VNET_OFFLOAD qemu-system-x86_64 python3 make gcc
tmp=$GUEST_TMP
guest_build netidle

NS=$(netns_name vnetoff)
netns_create "$NS" "$HOST/24" tap0

ALL="csum guest_csum guest_tso4 host_tso4 mrg_rxbuf"
# name | QEMU device properties | guest options | offloads negotiated |
# who may send partial checksums | large frames from the guest | to it
CONFIGS=(
	"all|||$ALL|both|yes|yes"
	"guest_off||vnet.offload=off||none|no|no"
	"qemu_off|csum=off,guest_csum=off,host_tso4=off,guest_tso4=off,mrg_rxbuf=off|||none|no|no"
	"no_host_tso4||vnet.features=-host_tso4|csum guest_csum guest_tso4 mrg_rxbuf|both|no|yes"
	"no_guest_tso4||vnet.features=-guest_tso4|csum guest_csum host_tso4 mrg_rxbuf|both|yes|no"
	"no_csum||vnet.features=-csum|guest_csum guest_tso4 mrg_rxbuf|host|no|yes"
	"no_guest_csum||vnet.features=-guest_csum|csum host_tso4 mrg_rxbuf|guest|yes|no"
	"no_mrg_rxbuf||vnet.features=-mrg_rxbuf|csum guest_csum host_tso4|both|yes|no"
	"qemu_no_tso|host_tso4=off,guest_tso4=off||csum guest_csum mrg_rxbuf|both|no|no"
	"no_event_idx||vnet.features=-event_idx|$ALL|both|yes|yes"
)

for cfg in "${CONFIGS[@]}"; do
	IFS='|' read -r name opts append feats partial big_from big_to <<<"$cfg"
	[[ -n "$ONLY" && "$ONLY" != "$name" ]] && continue
	[[ -n "$feats" ]] || feats=none
	log="$tmp/guest-$name.log" pcap="$tmp/$name.pcap"
	args=(netidle --direct --nic virtio --net tap:tap0 --mac "$MAC" --timeout 600
		--append "ip=$GUEST/24 net.stats=1 $append"
		--qemu "-object filter-dump,id=cap0,netdev=net0,file=$pcap,maxlen=70000")
	[[ -n "$opts" ]] && args+=(--nic-opts "$opts")
	guest_boot "boot_$name: no services line" "$NS" "$log" '^netidle: tcp echo 7' "${args[@]}" || continue
	pid=$GUEST_PID
	line=$(grep -m1 -o 'virtio-net: .*features 0x[0-9a-f]* ([^)]*)' "$log")
	got=${line##*(}
	got=${got%)}
	want_ok=1
	for f in $ALL; do
		in_want=0 in_got=0
		[[ " $feats " == *" $f "* ]] && in_want=1
		[[ " $got " == *" $f "* ]] && in_got=1
		[[ $in_want -eq $in_got ]] || want_ok=0
	done
	if [[ $want_ok -eq 1 ]]; then
		pass "boot_$name offloads: $got"
	else
		fail "boot_$name: offloads '$got', expected '$feats'"
	fi
	guest_tcp_case "$NS" "echo_$name" 120 echo "$GUEST" $((MB * 1000000))
	guest_tcp_case "$NS" "chargen_$name" 60 chargen "$GUEST" 1000000
	bg_stop "$pid" # the capture is complete once QEMU has gone
	out=$(python3 "$ROOT/tests/net/pcap_csum.py" "$pcap" --guest-mac "$MAC" --partial-from "$partial" \
		--expect-big-from-guest "$big_from" --expect-big-to-guest "$big_to" 2>&1 | tail -n 1)
	if [[ "$out" == ok* ]]; then
		pass "csum_$name ${out#ok }"
	else
		fail "csum_$name: ${out:-no output from pcap_csum.py}"
	fi
	if guest_no_faults "clean_$name: the guest's log reports a fault:" "$log"; then
		pass "clean_$name no fault in the guest's log"
	fi
	[[ -n "${VNET_OFFLOAD_KEEP:-}" ]] || rm -f "$pcap"
done

guest_finish
