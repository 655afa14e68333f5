#!/usr/bin/env bash
# bench/linux/run.sh: boot the Linux yardstick VM (see bench/linux/build.sh).
#
# Usage: bench/linux/run.sh [--nic virtio|ne2k] [--accel auto|kvm|tcg]
#          [--net tap:IFNAME|user[:HOSTPORT]] [--ip A.B.C.D/P] [--headless]
#          [--timeout S] [--boot pvh|bzimage] [--smp N] [--queues N] [--mem SIZE] [--verbose]
#          [--link SPEC] [--dry-run]
#
# Boots the way a skiff guest boots: -kernel/-initrd, serial console on stdout,
# -nodefaults -no-reboot, 256 MiB (--mem), one vCPU, and no option ROM on the NIC
# (romfile=, as tools/cloudit.sh: nothing network-boots, and iPXE's init costs
# boot time). Prints "accel: kvm|tcg" first, then the
# serial console; the guest prints "yardstick: ready ..." once nginx answers. The
# line "qemu-start: EPOCHREALTIME" comes just before QEMU is exec'd.
#   --net tap:IFNAME  attach to an existing tap (run inside its namespace, e.g. with
#                     `ip netns exec NS bench/linux/run.sh --net tap:tap0`); default
#                     tap:tap0, guest address 10.77.1.2/24
#   --net user[:P]    QEMU user networking with restrict=on (no way out), host
#                     127.0.0.1:P (default 8080) forwarded to guest :80
#   --headless        no console shell and stdin ignored (scripts); otherwise the
#                     serial console is on stdio with a shell (Ctrl-A X quits)
#   --timeout S       kill QEMU after S seconds (default: 600 headless, none otherwise)
#   --boot pvh        -kernel vmlinux, entered through its PVH note (default; no
#                     decompressor, like a unikernel ELF); bzimage: -kernel vmlinuz
#   --verbose         drop "quiet" from the kernel command line
#   --link SPEC       with --net tap:IFNAME: the guest's frames go through
#                     tools/lossylink (SPEC as tools/cloudit.sh --link, e.g.
#                     loss=1%), the same relay and knobs a skiff guest gets
#                     from cloudit; its counters come on stderr at the end
# QEMU is exec'd (or exec'd under timeout), so killing this script's PID kills
# it; with --link it runs as a child instead, and a TERM to the script stops
# QEMU and the relay and removes their sockets' temp dir.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=bench/lib/accel.sh
source "$root/bench/lib/accel.sh"

die() {
	echo "bench/linux/run.sh: $*" >&2
	exit 2
}

nic=virtio boot=pvh accel=auto net=tap:tap0 ip="" headless=0 timeout_s="" smp=1 queues=1 mem=256M quiet=quiet dry=0 link=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--nic) nic=${2:-}; shift ;;
	--accel) accel=${2:-}; shift ;;
	--net) net=${2:-}; shift ;;
	--ip) ip=${2:-}; shift ;;
	--boot) boot=${2:-}; shift ;;
	--headless) headless=1 ;;
	--timeout) timeout_s=${2:-}; shift ;;
	--smp) smp=${2:-}; shift ;;
	--queues) queues=${2:-}; shift ;;
	--mem) mem=${2:-}; shift ;;
	--verbose) quiet="" ;;
	--link) link=${2:-}; [[ -n "$link" ]] || die "--link wants a spec, e.g. loss=1%"; shift ;;
	--dry-run) dry=1 ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done

case "$nic" in
virtio) nicdev=virtio-net-pci ;;
ne2k) nicdev=ne2k_pci ;;
*) die "--nic must be virtio or ne2k, not '$nic'" ;;
esac
case "$boot" in
pvh) kernel=vmlinux ;;
bzimage) kernel=vmlinuz ;;
*) die "--boot must be pvh or bzimage, not '$boot'" ;;
esac
[[ -z "$timeout_s" || "$timeout_s" =~ ^[0-9]+$ ]] || die "--timeout wants whole seconds, not '$timeout_s'"
[[ "$smp" =~ ^[1-9][0-9]*$ ]] || die "--smp wants a positive count, not '$smp'"
[[ "$queues" =~ ^[1-9][0-9]?$ ]] || die "--queues wants a count of queue pairs, not '$queues'"
[[ $queues -eq 1 || ($nic == virtio && $net == tap:* && -z "$link") ]] ||
	die "--queues needs --nic virtio on --net tap:IFNAME (a multi_queue tap), without --link"
[[ "$mem" =~ ^[1-9][0-9]*[MG]$ ]] || die "--mem wants e.g. 256M or 1G, not '$mem'"
[[ -n "$timeout_s" ]] || { [[ $headless -eq 1 ]] && timeout_s=600 || timeout_s=0; }

case "$net" in
tap:?*)
	netdev="tap,id=n0,ifname=${net#tap:},script=no,downscript=no"
	: "${ip:=10.77.1.2/24}"
	gw=""
	;;
user | user:*)
	port=${net#user}
	port=${port#:}
	: "${port:=8080}"
	[[ "$port" =~ ^[0-9]+$ ]] || die "--net user:PORT wants a port number, not '$port'"
	netdev="user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:80"
	: "${ip:=10.0.2.15/24}"
	gw=10.0.2.2
	;;
*) die "--net must be tap:IFNAME or user[:HOSTPORT], not '$net'" ;;
esac
[[ -z "$link" || $net == tap:* ]] || die "--link needs --net tap:IFNAME"
# virtio 1.2 5.1.6.5.5: as tools/cloudit.sh --queues (Linux uses one pair per CPU by default).
if [[ $queues -gt 1 ]]; then
	netdev+=",queues=$queues"
	nicdev+=",mq=on,vectors=$((2 * queues + 2))"
fi
[[ "$ip" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$ ]] || die "--ip wants A.B.C.D/P, not '$ip'"

out=$root/build/bench/linux
[[ -s "$out/$kernel" && -s "$out/initrd.img" ]] ||
	die "no yardstick in $out (run bench/linux/build.sh first)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found"

accel_resolve "$accel" || exit 2
acc=$ACCEL
echo "accel: $acc ($ACCEL_WHY) boot: $boot nic: $nic"

append="console=ttyS0 $quiet panic=-1 yard.nic=$nic yard.ip=$ip"
[[ -z "$gw" ]] || append+=" yard.gw=$gw"
if [[ $headless -eq 1 ]]; then
	serial=(-serial stdio)
else
	serial=(-serial mon:stdio)
	append+=" yard.shell=1"
fi

# shellcheck disable=SC2207 # accel_qemu_args prints plain words
accargs=($(accel_qemu_args "$acc"))
cmd=(qemu-system-x86_64 "${accargs[@]}" -machine pc -m "$mem" -smp "$smp"
	-nodefaults -no-reboot -display none "${serial[@]}"
	-kernel "$out/$kernel" -initrd "$out/initrd.img" -append "$append"
	-netdev "$netdev" -device "$nicdev,netdev=n0,romfile=,mac=52:54:00:77:01:02")

if [[ $dry -eq 1 ]]; then
	printf '%q ' "${cmd[@]}"
	echo
	exit 0
fi
# Scripts measuring boot time (bench/lib/ping_bench.sh) start their clock here, so
# the accelerator probe above is not counted as boot time.
if [[ -n "$link" ]]; then
	make -C "$root" -s --no-print-directory lossylink >&2 || die "build of tools/lossylink failed"
	# shellcheck source=tools/lossylink/relay.sh
	source "$root/tools/lossylink/relay.sh"
	linkdir=$(mktemp -d "${TMPDIR:-/tmp}/yardstick-link.XXXXXX") || die "cannot create a temp dir"
	qpid=""
	# shellcheck disable=SC2317 # runs from the EXIT trap
	link_cleanup() {
		[[ -n "$qpid" ]] && kill -TERM "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
		link_stop
		rm -rf "$linkdir"
	}
	trap link_cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	link_start "${net#tap:}" "$linkdir" "$link" || die "the link relay did not start (above)"
	for ((i = 0; i < ${#cmd[@]}; i++)); do
		[[ ${cmd[i]} == "$netdev" ]] && cmd[i]="dgram,id=n0,$LINK_NETDEV"
	done
	echo "qemu-start: $EPOCHREALTIME"
	run=()
	[[ $timeout_s -gt 0 ]] && run=(timeout -k 5 "$timeout_s")
	"${run[@]}" "${cmd[@]}" &
	qpid=$!
	rc=0
	wait "$qpid" || rc=$?
	qpid=""
	exit "$rc"
fi
echo "qemu-start: $EPOCHREALTIME"
if [[ $timeout_s -gt 0 ]]; then
	exec timeout --foreground -k 5 "$timeout_s" "${cmd[@]}"
fi
exec "${cmd[@]}"
