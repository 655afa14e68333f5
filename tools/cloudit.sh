#!/usr/bin/env bash
# tools/cloudit.sh APP [options]: build skiff app APP and boot it in QEMU,
# with the serial console on the terminal (Toro's CloudIt.sh, for skiff).
#
# Promises:
#   - the first line printed says what runs: app, accelerator, firmware,
#     boot path, NIC and network; after the build, before the guest's output,
#     lines say how to reach the app's ports (the URL to open for guest port
#     80) and, on a terminal, how to quit;
#   - a usage error (unknown app or option, bad value, less memory than the
#     boot path needs, a tap that does not exist) is ONE line on stderr and
#     exit status 2, before anything is built or started;
#   - the exit status is the guest's: the kernel powers off through QEMU's
#     isa-debug-exit device (port 0xf4), which makes QEMU exit 2*status+1, so
#     QEMU's odd rc maps back to (rc-1)/2 (rc 141 -> 70, a kernel panic or
#     exception). Otherwise one line says why it ended: 124 when --timeout
#     killed QEMU; 126 when the user quit (Ctrl-A X, the monitor's quit);
#     130 on Ctrl-C (SIGINT), 143 on SIGTERM; 125 when QEMU failed or the
#     guest stopped without a status (reset, triple fault). cloudit tells
#     these apart by QEMU's SHUTDOWN event and its reason, read from a QMP
#     monitor written to a file; 1 when the build or a dependency failed;
#   - --headless output carries no terminal control sequences (OVMF clears
#     the screen and sets colours on the serial port; GRUB is set up not to);
#   - --accel auto remembers the KVM probe's verdict per machine (host
#     kernel, CPU model, /dev/kvm, QEMU binary, --cpu) in
#     ${XDG_CACHE_HOME:-~/.cache}/skiff/cloudit-accel; --reprobe re-probes;
#   - every temporary file (the UEFI variable store copy, FIFOs, the link
#     relay's sockets) lives in one temp dir removed on exit, and neither
#     QEMU nor the link relay (--link, --loss, ...: tools/lossylink, between
#     QEMU's dgram netdev and the tap) outlives the script; the relay's
#     counters come on stderr before the last line.
# Per-app defaults come from apps/APP/APP.qemu (format in --help and README);
# command-line options override them.
# shellcheck disable=SC2054 # commas inside QEMU option values, not array separators
# shellcheck disable=SC2317 # cleanup runs from a trap
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=cloudit
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
QEMU=${QEMU:-qemu-system-x86_64}

usage() {
	cat <<'EOF'
usage: tools/cloudit.sh APP [options]

Build apps/APP into build/APP.img and build/APP.elf (make APP=APP) and boot it
in QEMU with the serial console on this terminal (Ctrl-A X quits QEMU, Ctrl-A C
toggles the QEMU monitor, Ctrl-C also stops QEMU). Exit status: the app's exit
status; 70 = kernel panic or CPU exception; 124 = --timeout expired; 125 =
QEMU failed or the guest stopped without a status (reset, triple fault); 126 =
quit by the user (Ctrl-A X); 130 = Ctrl-C; 143 = SIGTERM; 2 = bad usage; 1 =
build failed or packages missing.

Boot:
  --firmware bios|uefi   SeaBIOS or OVMF, both booting build/APP.img through
                         GRUB (default bios)
  --direct               QEMU -kernel build/APP.elf (PVH entry; SeaBIOS only)
  --machine pc|microvm   QEMU machine (default pc): microvm has no PCI and no
                         firmware but qboot, boots build/APP.elf directly (PVH)
                         and has virtio-mmio devices (--nic virtio only)
  --append 'k=v ...'     kernel/app options, passed through fw_cfg
                         opt/skiff/cmdline; they override the image's defaults
                         without a rebuild
Machine:
  --accel auto|kvm|tcg   auto = KVM when /dev/kvm works and is fast (a timed
                         firmware probe, its verdict remembered per machine),
                         else TCG (default auto)
  --reprobe              with --accel auto: probe KVM again instead of using
                         the remembered verdict
  --cpu MODEL            QEMU CPU model (default: host for KVM, qemu64 for TCG)
  --smp N                CPUs (default 1)
  --mem SIZE             RAM, e.g. 256M or 1G (default 256M); at least 5M (GRUB), 54M (UEFI), 2M (--direct)
                         through GRUB under SeaBIOS, 54M under UEFI, 2M with
                         --direct
  --qemu 'ARGS'          extra QEMU arguments (split on blanks)
Network:
  --nic virtio|ne2k|none virtio-net-pci or ne2k_pci (default virtio)
  --net user|tap:IFNAME  user: QEMU user networking; the app's hostfwd ports
                         listen on 127.0.0.1 only. tap:IFNAME: an existing tap
                         device the caller owns (no up/down scripts); the
                         host reaches the guest at its own address (give it
                         one with --append ip=A.B.C.D/N)
  --hostfwd P:GUEST:HOST forward 127.0.0.1:HOST to guest port GUEST (P = tcp
                         or udp); replaces the .qemu file's hostfwd lines;
                         repeatable; 'none' forwards nothing
  --mac MAC              NIC MAC address (default 52:54:00:12:34:56 for
                         user, derived from IFNAME for tap)
  --link SPEC            with --net tap:IFNAME: a lossy link between the
                         guest and the tap (tools/lossylink, built on
                         demand; QEMU talks to it over a dgram netdev).
                         SPEC is key=value,... with loss=P%, dup=P%,
                         reorder=P% (hold=T: how long a reordered frame
                         waits, default 2ms), corrupt=P% (one bit flipped
                         past the Ethernet header), delay=T, jitter=T
                         (T: 10ms, 250us, 1.5s), rate=R (100mbit, 512kbit),
                         limit=N (frames waiting per direction, 1000),
                         seed=N (default 1: runs repeat). Both directions.
                         The relay's counters are printed at the end
  --loss P%, --dup P%, --reorder P%, --corrupt P%, --delay T, --jitter T,
  --rate R               each adds that knob to --link (e.g. --loss 20%)
  --pcap FILE            record the guest's frames in FILE (pcap, QEMU's
                         filter-dump on the NIC's netdev): tshark -r FILE or
                         tcpdump -nr FILE
  --pipes                host pipes: start the monitor (build/host/pipemon)
                         beside QEMU and give the guest an ivshmem-doorbell
                         device; the app's tcp hostfwd ports (GUEST:HOST)
                         become the monitor's port map, so a guest that
                         listens on GUEST through the pipes is HOST on
                         127.0.0.1; works with --nic none
  --pipes-files DIR      with --pipes: the host folder whose files the guest
                         may read through the pipes (default: none)
  --nic-opts K=V[,K=V]   extra QEMU properties of the NIC device, e.g.
                         csum=off,guest_csum=off,host_tso4=off (virtio)
  --queues N             virtio-net multiqueue (VIRTIO_NET_F_MQ): N queue
                         pairs, 1 to 16 (default 1: no MQ); needs --nic
                         virtio on --machine pc and --net tap:IFNAME whose
                         tap was made multi_queue (ip tuntap add IFNAME
                         mode tap multi_queue); the guest uses at most one
                         pair per CPU (vnet.queues=N caps it)
Run:
  --headless             no monitor, stdin not read; serial on stdout, without
                         terminal control sequences
  --input                with --headless: this script's stdin feeds the
                         serial console (the guest's console input)
  --timeout SECONDS      kill QEMU after SECONDS (exit 124)
  --timestamps           prefix each serial line with ms since QEMU started
  --log FILE             also write the serial output to FILE
  --gdb                  start stopped, gdb stub on :1234 (QEMU -s -S)
  --build-only           build the image and stop
  --no-build             boot the existing build/APP.* without running make
  -h, --help             this text

apps/APP/APP.qemu holds per-app defaults, one "key: value" per line, '#'
starts a comment. Keys: firmware, machine, accel, cpu, smp, mem, nic, net, timeout, pipes (on|off)
(like the options above), hostfwd: PROTO GUEST HOST (e.g. "hostfwd: tcp 80
8080", repeatable; an app serving HTTP on port 80 declares "hostfwd: tcp 80
8080" and cloudit prints http://127.0.0.1:8080/ to open) and qemu: ARGS
(repeatable).
EOF
}

die_usage() {
	echo "$PROG: $*" >&2
	exit 2
}

die() {
	echo "$PROG: $*" >&2
	exit 1
}

# ---- option values, validated the same way from the .qemu file and the command line

set_firmware() { [[ $1 == bios || $1 == uefi ]] || die_usage "bad --firmware '$1' (want bios or uefi)"; firmware=$1; }
set_machine() { [[ $1 == pc || $1 == microvm ]] || die_usage "bad --machine '$1' (want pc or microvm)"; machine=$1; }
set_accel() { [[ $1 =~ ^(auto|kvm|tcg)$ ]] || die_usage "bad --accel '$1' (want auto, kvm or tcg)"; accel=$1; }
set_nic() { [[ $1 =~ ^(virtio|ne2k|none)$ ]] || die_usage "bad --nic '$1' (want virtio, ne2k or none)"; nic=$1; }
set_net() {
	[[ $1 == user || $1 =~ ^tap:[A-Za-z0-9_.-]{1,15}$ ]] ||
		die_usage "bad --net '$1' (want user or tap:IFNAME)"
	net=$1
}
set_smp() {
	[[ $1 =~ ^[1-9][0-9]{0,2}$ && $1 -le 255 ]] || die_usage "bad --smp '$1' (want a number of CPUs, 1 to 255)"
	smp=$1
}
set_mem() { [[ $1 =~ ^[1-9][0-9]*[MG]?$ ]] || die_usage "bad --mem '$1' (want e.g. 256M or 1G)"; mem=$1; }
set_timeout() {
	[[ $1 =~ ^[1-9][0-9]*$ ]] || die_usage "bad --timeout '$1' (want whole seconds > 0)"
	timeout_s=$1
}
set_cpu() { [[ $1 =~ ^[A-Za-z0-9_.,+=-]+$ ]] || die_usage "bad --cpu '$1'"; cpu=$1; }
set_mac() {
	[[ $1 =~ ^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$ ]] || die_usage "bad --mac '$1' (want xx:xx:xx:xx:xx:xx)"
	mac=$1
}
# add_link SPEC: check each key=value of a --link spec (or one shorthand
# option's) and append them. tools/lossylink parses them again and is the
# authority; this check makes a bad value a usage error before the build.
add_link() {
	local item key v pct='^(100(\.0{1,4})?|[0-9]{1,2}(\.[0-9]{1,4})?)%$'
	local time='^(0|[0-9]{1,11}(\.[0-9]{1,9})?(ns|us|ms|s))$' rate='^(0|[0-9]{1,12}(\.[0-9]{1,6})?(bit|kbit|mbit|gbit))$'
	local items
	[[ -n "$1" && $1 != ,* && $1 != *, && $1 != *,,* ]] || die_usage "bad --link '$1': empty knob"
	IFS=, read -r -a items <<<"$1"
	for item in "${items[@]}"; do
		[[ $item == ?*=* ]] || die_usage "bad link knob '$item' (want key=value, e.g. loss=20%)"
		key=${item%%=*} v=${item#*=}
		case "$key" in
		loss | dup | reorder | corrupt)
			[[ $v =~ $pct ]] || die_usage "bad $key '$v' (want a percentage from 0% to 100%, e.g. 20% or 0.5%)" ;;
		delay | jitter | hold)
			[[ $v =~ $time ]] || die_usage "bad $key '$v' (want a time up to 60s, e.g. 10ms, 250us, 1.5s)" ;;
		rate)
			[[ $v =~ $rate ]] || die_usage "bad rate '$v' (want 1kbit to 100gbit, e.g. 100mbit, 512kbit; 0 = unlimited)" ;;
		limit)
			[[ $v =~ ^[1-9][0-9]{0,5}$ && $v -le 100000 ]] || die_usage "bad limit '$v' (want frames waiting per direction, 1 to 100000)" ;;
		seed) [[ $v =~ ^[0-9]{1,19}$ ]] || die_usage "bad seed '$v' (want a whole number)" ;;
		*) die_usage "unknown link knob '$key' (knobs: loss dup reorder corrupt delay jitter hold rate limit seed)" ;;
		esac
	done
	link_spec="${link_spec:+$link_spec,}$1"
}
# hostfwd PROTO GUEST HOST -> "proto:guest:host"
add_hostfwd() {
	local proto=$1 guest=$2 host=$3 p
	[[ $proto == tcp || $proto == udp ]] || die_usage "bad hostfwd protocol '$proto' (want tcp or udp)"
	for p in "$guest" "$host"; do
		[[ $p =~ ^[1-9][0-9]{0,4}$ && $p -le 65535 ]] || die_usage "bad hostfwd port '$p' (want 1-65535)"
	done
	hostfwds+=("$proto:$guest:$host")
}

# ---- arguments

app=""
firmware=bios accel=auto nic=virtio net=user smp=1 mem=256M cpu="" mac="" machine=pc nic_opts="" queues=1
direct=0 headless=0 input=0 timestamps=0 gdb=0 build_only=0 no_build=0 reprobe=0
timeout_s="" logfile="" append="" link_spec="" pcap="" pipes=0 pipes_files=""
hostfwds=() qemu_extra=()
cli=()   # options, applied after the .qemu file so they override it

needs_value() { [[ $# -ge 2 ]] || die_usage "option $1 needs a value"; }

while [[ $# -gt 0 ]]; do
	case "$1" in
	-h | --help)
		usage
		exit 0
		;;
	--pipes-files)
		needs_value "$@"
		pipes_files=$2
		shift 2
		;;
	--pipes-files=*) pipes_files=${1#*=} && shift ;;
	--pipes) pipes=1 && shift ;;
	--firmware | --machine | --accel | --nic | --net | --smp | --mem | --timeout | --cpu | --mac | --hostfwd | --append | --log | --qemu | \
		--link | --loss | --dup | --reorder | --corrupt | --delay | --jitter | --rate | --pcap | --nic-opts | --queues)
		needs_value "$@"
		cli+=("$1" "$2")
		shift 2
		;;
	--firmware=* | --machine=* | --accel=* | --nic=* | --net=* | --smp=* | --mem=* | --timeout=* | --cpu=* | --mac=* | --hostfwd=* | --append=* | --log=* | --qemu=* | \
		--link=* | --loss=* | --dup=* | --reorder=* | --corrupt=* | --delay=* | --jitter=* | --rate=* | --pcap=* | --nic-opts=* | --queues=*)
		cli+=("${1%%=*}" "${1#*=}")
		shift
		;;
	--direct) direct=1 && shift ;;
	--headless) headless=1 && shift ;;
	--input) input=1 && shift ;;
	--timestamps) timestamps=1 && shift ;;
	--gdb) gdb=1 && shift ;;
	--reprobe) reprobe=1 && shift ;;
	--build-only) build_only=1 && shift ;;
	--no-build) no_build=1 && shift ;;
	-*) die_usage "unknown option '$1' (see --help)" ;;
	*)
		[[ -z "$app" ]] || die_usage "one app only ('$app' and '$1' given)"
		app=$1
		shift
		;;
	esac
done

apps_list() {
	local d list=()
	for d in "$ROOT"/apps/*/; do
		compgen -G "$d*.c" >/dev/null && list+=("$(basename "$d")")
	done
	echo "${list[*]}"
}
[[ -n "$app" ]] || die_usage "no app given (apps: $(apps_list); see --help)"
if [[ ! $app =~ ^[A-Za-z0-9_-]+$ ]] || ! compgen -G "$ROOT/apps/$app/*.c" >/dev/null; then
	die_usage "unknown app '$app' (apps: $(apps_list))"
fi

# The .qemu file first: "key: value" lines.
qemu_file="$ROOT/apps/$app/$app.qemu"
if [[ -f "$qemu_file" ]]; then
	lineno=0
	while IFS= read -r line || [[ -n "$line" ]]; do
		lineno=$((lineno + 1))
		line=${line%%#*}
		[[ "$line" =~ ^[[:space:]]*$ ]] && continue
		if [[ ! "$line" =~ ^[[:space:]]*([a-z]+):[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]]; then
			die_usage "$qemu_file:$lineno: expected 'key: value'"
		fi
		key=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
		case "$key" in
		firmware) set_firmware "$val" ;;
		machine) set_machine "$val" ;;
		accel) set_accel "$val" ;;
		nic) set_nic "$val" ;;
		net) set_net "$val" ;;
		smp) set_smp "$val" ;;
		mem) set_mem "$val" ;;
		cpu) set_cpu "$val" ;;
		timeout) set_timeout "$val" ;;
		pipes)
			[[ $val =~ ^(on|off)$ ]] || die_usage "$qemu_file:$lineno: want 'pipes: on' or 'pipes: off'"
			[[ $val == on ]] && pipes=1
			;;
		hostfwd)
			read -r -a w <<<"$val"
			[[ ${#w[@]} -eq 3 ]] || die_usage "$qemu_file:$lineno: want 'hostfwd: PROTO GUEST HOST'"
			add_hostfwd "${w[@]}"
			;;
		qemu)
			read -r -a w <<<"$val"
			qemu_extra+=("${w[@]}")
			;;
		*) die_usage "$qemu_file:$lineno: unknown key '$key'" ;;
		esac
	done <"$qemu_file"
fi

# Then the command line on top.
cli_hostfwd=0
for ((i = 0; i < ${#cli[@]}; i += 2)); do
	opt=${cli[i]} val=${cli[i + 1]}
	case "$opt" in
	--firmware) set_firmware "$val" ;;
	--machine) set_machine "$val" ;;
	--accel) set_accel "$val" ;;
	--nic) set_nic "$val" ;;
	--net) set_net "$val" ;;
	--smp) set_smp "$val" ;;
	--mem) set_mem "$val" ;;
	--cpu) set_cpu "$val" ;;
	--timeout) set_timeout "$val" ;;
	--mac) set_mac "$val" ;;
	--nic-opts)
		# QEMU device properties: KEY=VALUE[,KEY=VALUE...], e.g. csum=off,host_tso4=off.
		[[ "$val" =~ ^[A-Za-z0-9_.-]+=[A-Za-z0-9_.:-]+(,[A-Za-z0-9_.-]+=[A-Za-z0-9_.:-]+)*$ ]] ||
			die_usage "bad --nic-opts '$val' (want KEY=VALUE[,KEY=VALUE...], e.g. csum=off,host_tso4=off)"
		nic_opts=$val
		;;
	--queues)
		[[ "$val" =~ ^[1-9][0-9]?$ && $val -le 16 ]] || die_usage "bad --queues '$val' (want 1 to 16 queue pairs)"
		queues=$val
		;;
	--append)
		[[ "$val" != *$'\n'* ]] || die_usage "bad --append: no newlines"
		append="${append:+$append }$val"
		;;
	--log)
		[[ -n "$val" ]] || die_usage "bad --log: empty file name"
		logfile=$val
		;;
	--qemu)
		read -r -a w <<<"$val"
		qemu_extra+=("${w[@]}")
		;;
	--link) add_link "$val" ;;
	--loss | --dup | --reorder | --corrupt | --delay | --jitter | --rate) add_link "${opt#--}=$val" ;;
	--pcap)
		[[ -n "$val" ]] || die_usage "bad --pcap: empty file name"
		[[ -d "$(dirname -- "$val")" ]] || die_usage "bad --pcap '$val': no directory '$(dirname -- "$val")'"
		pcap=$val
		;;
	--hostfwd)
		[[ $cli_hostfwd -eq 1 ]] || hostfwds=()
		cli_hostfwd=1
		[[ "$val" == none ]] && continue
		IFS=: read -r -a w <<<"$val"
		[[ ${#w[@]} -eq 3 ]] || die_usage "bad --hostfwd '$val' (want PROTO:GUEST:HOST, e.g. tcp:80:8080)"
		add_hostfwd "${w[@]}"
		;;
	esac
done

if [[ $machine == microvm ]]; then
	# microvm has qboot, not SeaBIOS or OVMF, and no PCI: the ELF by PVH, virtio over MMIO.
	[[ $firmware == uefi ]] && die_usage "--machine microvm boots by PVH through qboot; it does not combine with --firmware uefi"
	[[ $nic == ne2k ]] && die_usage "--machine microvm has no PCI: --nic ne2k needs --machine pc"
	direct=1
fi
if [[ $direct -eq 1 && $firmware == uefi ]]; then
	die_usage "--direct uses QEMU's PVH loader under SeaBIOS; it does not combine with --firmware uefi"
fi
if [[ $timestamps -eq 1 && $headless -eq 0 ]]; then
	die_usage "--timestamps needs --headless"
fi
if [[ $input -eq 1 && $headless -eq 0 ]]; then
	die_usage "--input needs --headless (interactive sessions read the terminal anyway)"
fi
if [[ -n "$pipes_files" ]]; then
	[[ $pipes -eq 1 ]] || die_usage "--pipes-files needs --pipes"
	[[ -d "$pipes_files" ]] || die_usage "--pipes-files: no such folder '$pipes_files'"
fi
[[ $machine == microvm && $pipes -eq 1 ]] && die_usage "--pipes needs PCI (ivshmem-doorbell): not with --machine microvm"
if [[ -n "$link_spec" && ($nic == none || $net != tap:*) ]]; then
	die_usage "--link and --loss, --dup, ... need a NIC on --net tap:IFNAME (the relay sits between QEMU and that tap)"
fi
# Multiqueue needs a device with several queue pairs and a backend that
# spreads over them: virtio-net-pci (MSI-X vectors per queue) on a
# multi_queue tap. QEMU's user networking has one queue; ne2k has none;
# the guest's virtio-mmio transport sets up one pair only.
if [[ $queues -gt 1 ]]; then
	[[ $nic == virtio ]] || die_usage "--queues $queues needs --nic virtio (ne2k and none have no queue pairs)"
	[[ $machine == pc ]] || die_usage "--queues $queues needs --machine pc: the guest drives one queue pair over virtio-mmio"
	[[ $net == tap:* ]] || die_usage "--queues $queues needs --net tap:IFNAME (user networking has one queue)"
	[[ -z "$link_spec" ]] || die_usage "--queues $queues does not combine with --link (the relay has one queue)"
fi
if [[ -n "$pcap" && $nic == none ]]; then
	die_usage "--pcap records the NIC's traffic: it needs a NIC (not --nic none)"
fi
if [[ $gdb -eq 1 && $headless -eq 1 && -n "$timeout_s" ]]; then
	: # allowed: a scripted gdb session may want a bound
fi

# Below these the guest hangs without a word: SeaBIOS's GRUB stops at "out of
# memory" at its prompt, OVMF cannot read the CD or faults, and the kernel
# finds no room for its page metadata. Measured with tests/boot/cloudit-cli.sh
# (which boots each path at its floor) under QEMU 7.2. GRUB under SeaBIOS
# loads the kernel ELF whole, so its floor follows the image: hello booted
# at 5M before the socket layer and libioth were linked in and needed 6M
# after; since the images carry no DWARF (build/APP.sym has it) hello and
# httpd boot at 3M and GRUB says "out of memory" at 2M. The floor keeps 2M
# of headroom so that the next growth does not turn the floor itself into a
# silent hang. The kernel itself warns when
# memory is too short for the network stack.
MEM_MIN_GRUB_BIOS=5 MEM_MIN_UEFI=54 MEM_MIN_DIRECT=2
mem_mib() {
	case "$1" in
	*G) echo $((${1%G} * 1024)) ;;
	*M) echo "${1%M}" ;;
	*) echo "$1" ;; # QEMU's -m counts MiB without a suffix
	esac
}
if [[ $direct -eq 1 ]]; then
	mem_min=$MEM_MIN_DIRECT mem_path="direct boot"
elif [[ $firmware == uefi ]]; then
	mem_min=$MEM_MIN_UEFI mem_path="UEFI (OVMF and GRUB)"
else
	mem_min=$MEM_MIN_GRUB_BIOS mem_path="GRUB under SeaBIOS"
fi
if [[ $(mem_mib "$mem") -lt $mem_min ]]; then
	die_usage "--mem $mem is too little for $mem_path: it needs at least ${mem_min}M (GRUB under SeaBIOS ${MEM_MIN_GRUB_BIOS}M, UEFI ${MEM_MIN_UEFI}M, --direct ${MEM_MIN_DIRECT}M)"
fi

# A tap that is not there would only show as QEMU's "could not configure
# /dev/net/tun" after the build.
if [[ $net == tap:* && $nic != none && $build_only -eq 0 ]]; then
	tapif=${net#tap:}
	if [[ ! -e /sys/class/net/$tapif ]]; then
		die_usage "--net $net: no network interface '$tapif' (as root: ip tuntap add $tapif mode tap user $(id -un); ip addr add 192.168.77.1/24 dev $tapif; ip link set $tapif up)"
	fi
	[[ -e /sys/class/net/$tapif/tun_flags ]] || die_usage "--net $net: '$tapif' is not a tap device"
	# IFF_MULTI_QUEUE is 0x100 in tun_flags.
	if [[ $queues -gt 1 && $(($(cat "/sys/class/net/$tapif/tun_flags") & 0x100)) -eq 0 ]]; then
		die_usage "--queues $queues: tap '$tapif' is not multi_queue (ip tuntap add $tapif mode tap multi_queue)"
	fi
fi

# ---- dependencies and accelerator

# Cheap checks; tools/deps.sh installs (as root) or says what to run.
need_deps=0
for tool in "$QEMU" make gcc ld grub-mkrescue xorriso mformat timeout; do
	command -v "$tool" >/dev/null || need_deps=1
done
[[ $firmware == uefi && ! -r "$OVMF_CODE" ]] && need_deps=1
if [[ $need_deps -eq 1 ]]; then
	"$ROOT/tools/deps.sh" --quiet >&2 || die "missing packages (see above)"
fi
if [[ $firmware == uefi ]]; then
	[[ -r "$OVMF_CODE" && -r "$OVMF_VARS" ]] || die "OVMF firmware not found ($OVMF_CODE, $OVMF_VARS)"
fi

# KVM only if a VM really comes up: /dev/kvm can exist and still refuse us
# (no permission, nested virtualisation quirks). The probe starts a stopped
# machine with the CPU model the run will use and quits at once.
kvm_cpu_default="host,-arch-capabilities" # QEMU 7.2 aborts on nested KVM's ARCH_CAPABILITIES MSR
kvm_works() {
	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	echo quit | timeout 10 "$QEMU" -accel kvm -cpu "${cpu:-$kvm_cpu_default}" -machine pc -S \
		-nodefaults -display none -monitor stdio >/dev/null 2>&1
}
# The probe costs 1.4 to 1.9 s where KVM is nested, on every run, for an
# answer that changes only with the machine: it is remembered per machine.
# The key names what the answer depends on: host kernel, CPU model, whether
# /dev/kvm is there and ours, the QEMU binary (size and time), --cpu and the
# time limit. One line per key: "KEY<TAB>ACCEL<TAB>WHY".
accel_cache=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/skiff/cloudit-accel
accel_key() {
	local kvm=absent qbin model
	[[ -e /dev/kvm ]] && kvm=present
	[[ -r /dev/kvm && -w /dev/kvm ]] && kvm+=",rw"
	qbin=$(command -v "$QEMU")
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
	printf '%s' "$(uname -srvm)|$model|kvm $kvm|$qbin $(stat -L -c '%s %Y' "$qbin" 2>/dev/null)|cpu ${cpu:-default}|max ${ACCEL_KVM_MAX_MS:-1000}" |
		cksum | cut -d' ' -f1
}
accel_auto() {
	accel=tcg accel_why="auto; KVM not usable"
	if kvm_works; then
		# shellcheck source=bench/lib/accel.sh
		source "$ROOT/bench/lib/accel.sh"
		accel_resolve auto 2>/dev/null && accel=$ACCEL accel_why=$ACCEL_WHY
	fi
}
accel_why=requested
case "$accel" in
auto)
	# Nested KVM can work and still be many times slower than TCG (seen here:
	# 50 s to boot hello under KVM, 0.1 s under TCG), so "auto" times the
	# firmware under KVM once (bench/lib/accel.sh) and keeps KVM only if fast.
	if [[ $build_only -eq 1 ]]; then
		accel=tcg accel_why="auto; not probed for --build-only"
	else
		key=$(accel_key) cached=""
		[[ $reprobe -eq 0 && -r "$accel_cache" ]] && cached=$(awk -F'\t' -v k="$key" '$1 == k { print $2 "\t" $3 }' "$accel_cache" | tail -n 1)
		if [[ -n "$cached" ]]; then
			accel=${cached%%$'\t'*} accel_why="${cached#*$'\t'}; remembered, --reprobe to probe again"
		else
			accel_auto
			# Best effort: a cache that cannot be written only costs the next probe.
			if mkdir -p "${accel_cache%/*}" 2>/dev/null; then
				{
					[[ -r "$accel_cache" ]] && awk -F'\t' -v k="$key" '$1 != k' "$accel_cache"
					printf '%s\t%s\t%s\n' "$key" "$accel" "$accel_why"
				} >"$accel_cache.$$" 2>/dev/null && mv -f "$accel_cache.$$" "$accel_cache" 2>/dev/null
				rm -f "$accel_cache.$$"
			fi
		fi
	fi
	;;
kvm) [[ $build_only -eq 1 ]] || kvm_works || die "--accel kvm: KVM is not usable here (/dev/kvm missing, no access, or VM creation failed)" ;;
esac

boot=grub
[[ $direct -eq 1 ]] && boot=direct
[[ $machine == microvm ]] && firmware=qboot
echo "$PROG: $app, $([[ $machine == pc ]] || echo "machine $machine, ")accel $accel ($accel_why), firmware $firmware, boot $boot, nic $nic, net $([[ $nic == none ]] && echo none || echo "$net")${link_spec:+, link $link_spec}$([[ $pipes -eq 1 ]] && echo ", pipes")"

# ---- build

if [[ $no_build -eq 0 ]]; then
	# One build at a time in this tree: parallel boots would otherwise race
	# on build/gen. make's output goes to stderr, keeping stdout for serial.
	mkdir -p "$ROOT/build"
	(
		flock -w 600 9 || die "timed out waiting for another build"
		make -C "$ROOT" -s --no-print-directory APP="$app" >&2
	) 9>"$ROOT/build/.cloudit.lock" || die "build of $app failed"
fi
# The relay is a host tool, built (or found up to date) even with --no-build.
if [[ -n "$link_spec" ]]; then
	(
		flock -w 600 9 || die "timed out waiting for another build"
		make -C "$ROOT" -s --no-print-directory lossylink >&2
	) 9>"$ROOT/build/.cloudit.lock" || die "build of tools/lossylink failed"
fi
elf="$ROOT/build/$app.elf" img="$ROOT/build/$app.img"
for f in "$elf" "$img"; do
	[[ -f "$f" ]] || die "$f is missing (build it with make APP=$app)"
done
[[ $build_only -eq 1 ]] && exit 0

# ---- QEMU command line

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cloudit.XXXXXX") || die "cannot create a temp dir"
qpid="" fpid="" qmpfd="" mpid=""
t0=${EPOCHREALTIME/[.,]/}
elapsed() {
	local t1=${EPOCHREALTIME/[.,]/}
	printf '%d.%02d' $(((t1 - t0) / 1000000)) $(((t1 - t0) / 10000 % 100))
}
# shellcheck source=tools/lossylink/relay.sh
source "$ROOT/tools/lossylink/relay.sh"
cleanup() {
	[[ -n "$qpid" ]] && kill -TERM "$qpid" 2>/dev/null
	[[ -n "$fpid" ]] && wait "$fpid" 2>/dev/null
	link_stop # its counters, if the run did not get to print them
	[[ -n "$qmpfd" ]] && exec {qmpfd}>&-
	if [[ -n "$mpid" ]]; then
		kill -TERM "$mpid" 2>/dev/null
		wait "$mpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
# A signal ends the run with one line saying so and status 128+N, the
# shell's convention. The traps serve --headless, where the signal
# interrupts the wait at once. Interactively, Ctrl-C reaches QEMU too (one
# process group); QEMU stops with status 0, and bash, seeing its child
# survive SIGINT, takes it as the child's business and skips the trap, so
# the end of the script reads the signal from QEMU's SHUTDOWN reason and
# its "terminating on signal N" line.
signal_words() {
	case "$1" in
	1) echo "hung up (SIGHUP)" ;;
	2) echo "interrupted (Ctrl-C, SIGINT)" ;;
	15) echo "terminated (SIGTERM)" ;;
	*) echo "stopped by signal $1" ;;
	esac
}
stopped_by() {
	echo "$PROG: $(signal_words "$1") after $(elapsed) s: QEMU stopped" >&2
	exit $((128 + $1))
}
trap cleanup EXIT
trap 'stopped_by 2' INT
trap 'stopped_by 15' TERM
trap 'stopped_by 1' HUP

q=("$QEMU" -accel "$accel" -nodefaults -no-reboot -m "$mem" -smp "$smp"
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)
# microvm: the RTC for the wall clock and the PIT for calibration and the
# profiler's tick, both "auto" otherwise; virtio-mmio in its modern layout.
[[ $machine == microvm ]] && q+=(-machine microvm,rtc=on,pit=on -global virtio-mmio.force-legacy=false)
if [[ -n "$cpu" ]]; then
	q+=(-cpu "$cpu")
elif [[ $accel == kvm ]]; then
	q+=(-cpu "$kvm_cpu_default")
fi

if [[ $firmware == uefi ]]; then
	cp "$OVMF_VARS" "$tmp/OVMF_VARS.fd" || die "cannot copy $OVMF_VARS"
	q+=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE"
		-drive "if=pflash,format=raw,file=$tmp/OVMF_VARS.fd")
fi
if [[ $direct -eq 1 ]]; then
	q+=(-kernel "$elf")
else
	q+=(-drive "file=$img,format=raw,media=cdrom,readonly=on")
fi
# QEMU's option syntax doubles commas inside a value.
[[ -n "$append" ]] && q+=(-fw_cfg "name=opt/skiff/cmdline,string=${append//,/,,}")

if [[ $nic == none ]]; then
	q+=(-nic none)
else
	if [[ $net == user ]]; then
		nd="user,id=net0"
		for fwd in "${hostfwds[@]}"; do
			IFS=: read -r proto guest host <<<"$fwd"
			nd+=",hostfwd=$proto:127.0.0.1:$host-:$guest"
		done
	else
		ifname=${net#tap:}
		nd="tap,id=net0,ifname=$ifname,script=no,downscript=no"
		[[ $queues -gt 1 ]] && nd+=",queues=$queues"
		if [[ -n "$link_spec" ]]; then
			# The relay owns the tap; QEMU sends it frames over two
			# datagram sockets in the temp dir.
			link_start "$ifname" "$tmp" "$link_spec"
			case $? in
			2) die_usage "tools/lossylink refused --link '$link_spec' (above)" ;;
			1) die "the link relay (tools/lossylink) did not start on $ifname (above)" ;;
			esac
			nd="dgram,id=net0,$LINK_NETDEV"
		fi
		if [[ -z "$mac" ]]; then
			# Distinct guests on one bridge need distinct MACs: derive it from the tap name.
			sum=$(printf '%s' "$ifname" | cksum | cut -d' ' -f1)
			mac=$(printf '52:54:00:%02x:%02x:%02x' $((sum >> 16 & 255)) $((sum >> 8 & 255)) $((sum & 255)))
		fi
	fi
	dev=virtio-net-pci,romfile=
	[[ $nic == ne2k ]] && dev=ne2k_pci,romfile=
	[[ $machine == microvm ]] && dev=virtio-net-device
	# virtio 1.2 5.1.6.5.5: N pairs, and MSI-X entries for each queue, the control queue and configuration.
	[[ $queues -gt 1 ]] && dev+=",mq=on,vectors=$((2 * queues + 2))"
	# romfile= skips the iPXE option ROM: nothing network-boots, and it costs boot time.
	q+=(-netdev "$nd" -device "$dev,netdev=net0${mac:+,mac=$mac}${nic_opts:+,$nic_opts}")
	# Both directions as the guest's NIC sees them (after the link's losses).
	[[ -n "$pcap" ]] && q+=(-object "filter-dump,id=pcap0,netdev=net0,file=${pcap//,/,,}")
fi

# The pipes' monitor is QEMU's ivshmem server: it must listen before QEMU
# starts (the device reads its setup while QEMU starts up). It renames its
# socket into place once listening, so the socket's presence is the signal.
# --once: it exits when QEMU hangs up; cleanup stops it in any case.
if [[ $pipes -eq 1 ]]; then
	pipemon="$ROOT/build/host/pipemon"
	[[ -x "$pipemon" ]] || die "$pipemon is missing (make builds it)"
	# A keeper process holds what QEMU was given, so a monitor that dies can
	# be replaced (pipemon --attach) while the guest runs on.
	margs=()
	[[ -n "$pipes_files" ]] && margs+=(--files "$pipes_files")
	for fwd in "${hostfwds[@]}"; do
		IFS=: read -r proto guest host <<<"$fwd"
		[[ $proto == tcp ]] && margs+=(--fwd "$guest:$host")
	done
	"$pipemon" --socket "$tmp/pipes.sock" --keep "$tmp/pipes.keep" --once "${margs[@]}" </dev/null >&2 &
	mpid=$!
	for ((i = 0; i < 500; i++)); do
		[[ -S "$tmp/pipes.sock" ]] && break
		kill -0 "$mpid" 2>/dev/null || die "the pipes monitor failed to start"
		sleep 0.01
	done
	[[ -S "$tmp/pipes.sock" ]] || die "the pipes monitor did not listen within 5 s"
	echo "$PROG: pipes monitor pid $mpid (to replace it: $pipemon --attach $tmp/pipes.keep${margs[*]:+ ${margs[*]}})" >&2
	q+=(-chardev "socket,id=pipes,path=$tmp/pipes.sock" -device "ivshmem-doorbell,chardev=pipes,vectors=128")
fi

if [[ $headless -eq 1 ]]; then
	q+=(-display none -monitor none -serial stdio)
else
	# -nographic's console without its VGA fallback: serial and monitor
	# multiplexed on the terminal, Ctrl-A X quits, Ctrl-A C to the monitor.
	q+=(-display none -chardev stdio,id=con0,mux=on -serial chardev:con0 -mon chardev=con0,mode=readline)
fi
# A QMP monitor whose output is a file: QEMU's exit status is 0 for a reset
# under -no-reboot, a quit and a signal alike, but its SHUTDOWN event names
# the reason (guest-reset, host-qmp-quit, host-signal, ...). QMP sends
# events only after qmp_capabilities, which waits in the input FIFO (held
# open here, so it is neither lost nor ever at end of file).
if ! { mkfifo "$tmp/qmp.in" && : >"$tmp/qmp.out" && exec {qmpfd}<>"$tmp/qmp.in"; }; then
	die "cannot create the QMP files in $tmp"
fi
printf '{"execute": "qmp_capabilities"}\n' >&"$qmpfd"
q+=(-chardev "pipe,id=qmp,path=$tmp/qmp" -mon chardev=qmp,mode=control)
if [[ $gdb -eq 1 ]]; then
	q+=(-s -S)
	echo "$PROG: QEMU waits for gdb on :1234; attach with: gdb build/$app.sym -ex 'target remote :1234' (the symbols; build/$app.elf decompresses the kernel over its range first, so break with hbreak before kmain, or build ZIMAGE=0)" >&2
	[[ $direct -eq 0 ]] && echo "$PROG: (--direct skips firmware and GRUB, so breakpoints hit sooner)" >&2
fi
q+=("${qemu_extra[@]}")

run=()
[[ -n "$timeout_s" ]] && run=(timeout -k 5)
[[ -n "$timeout_s" && $headless -eq 0 ]] && run+=(--foreground)
[[ -n "$timeout_s" ]] && run+=("$timeout_s")

# ---- how to reach the guest and how to quit, printed before its output

# The guest's address as its options give it (eth0.ip= wins over ip=, as in
# the kernel); empty when it uses DHCP.
guest_addr() {
	local w ip="" eth0=""
	for w in $append; do
		case "$w" in
		ip=*) ip=${w#ip=} ;;
		eth0.ip=*) eth0=${w#eth0.ip=} ;;
		esac
	done
	ip=${eth0:-$ip}
	[[ $ip =~ ^([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)/[0-9]+$ ]] && echo "${BASH_REMATCH[1]}"
}
# A free address next to the tap's own, for the hint: "A.B.C.D/N".
tap_suggest() {
	local cidr a b c d n ip mask host
	cidr=$(ip -4 -o addr show dev "$1" 2>/dev/null | awk '{ print $4; exit }')
	[[ $cidr =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)/([0-9]+)$ ]] || return 1
	a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} c=${BASH_REMATCH[3]} d=${BASH_REMATCH[4]} n=${BASH_REMATCH[5]}
	[[ $n -le 30 ]] || return 1
	ip=$(((a << 24) | (b << 16) | (c << 8) | d))
	mask=$(((0xffffffff << (32 - n)) & 0xffffffff))
	host=$(((ip + 1) & ~mask & 0xffffffff))
	# The next address up, or down when that is the broadcast address.
	if [[ $host -ne 0 && $host -ne $((~mask & 0xffffffff)) ]]; then
		ip=$((ip + 1))
	else
		ip=$((ip - 1))
	fi
	echo "$((ip >> 24 & 255)).$((ip >> 16 & 255)).$((ip >> 8 & 255)).$((ip & 255))/$n $cidr"
}
# "how to reach guest port G at HOST:PORT", one phrase.
reach() {
	local proto=$1 guest=$2 addr=$3 port=$4 url
	if [[ $proto == udp ]]; then
		echo "guest udp port $guest is $addr:$port"
	elif [[ $guest == 80 ]]; then
		url="http://$addr$([[ $port != 80 ]] && echo ":$port")/"
		echo "open $url (guest port 80; or: curl $url, telnet $addr $port)"
	else
		echo "guest tcp port $guest is $addr:$port (telnet $addr $port)"
	fi
}
hints() {
	local fwd proto guest host addr s
	if [[ $pipes -eq 1 && $nic == none ]]; then
		for fwd in "${hostfwds[@]}"; do
			IFS=: read -r proto guest host <<<"$fwd"
			[[ $proto == tcp ]] && echo "$PROG: $(reach "$proto" "$guest" 127.0.0.1 "$host") through the pipes"
		done
	elif [[ $nic != none && $net == user ]]; then
		for fwd in "${hostfwds[@]}"; do
			IFS=: read -r proto guest host <<<"$fwd"
			echo "$PROG: $(reach "$proto" "$guest" 127.0.0.1 "$host")"
		done
	elif [[ $nic != none ]]; then
		addr=$(guest_addr)
		if [[ -n "$addr" ]]; then
			echo "$PROG: the guest is $addr on $ifname: ping $addr"
			for fwd in "${hostfwds[@]}"; do
				IFS=: read -r proto guest host <<<"$fwd"
				echo "$PROG: $(reach "$proto" "$guest" "$addr" "$guest")"
			done
		elif s=$(tap_suggest "$ifname"); then
			echo "$PROG: the guest asks for an address by DHCP on $ifname; to ping and telnet it at a known one: --append ip=${s%% *} ($ifname is ${s#* })"
		else
			echo "$PROG: the guest asks for an address by DHCP on $ifname, which has no IPv4 address; to reach it: ip addr add 192.168.77.1/24 dev $ifname, then --append ip=192.168.77.2/24"
		fi
	fi
	if [[ $headless -eq 0 ]]; then
		echo "$PROG: to quit: Ctrl-A X (Ctrl-A C switches to the QEMU monitor and back; Ctrl-C also stops QEMU)"
	fi
}
hints

# ---- serial filters: control sequences, timestamps, log copy

# strip_escapes all|clear: copy stdin to stdout as it comes (no line
# buffering: prompts and the monitor stay live), without every terminal
# control sequence (all: --headless logs) or without the screen clears and
# cursor homes OVMF sends (clear: an interactive UEFI console, where they
# would wipe cloudit's lines; colours and the monitor's line editing stay).
# A sequence split across two reads is held back until it is complete.
# ECMA-48 5.4: CSI is ESC [, parameter bytes 0x30-0x3F, intermediate bytes
# 0x20-0x2F, a final byte 0x40-0x7E; other escapes are ESC, intermediates,
# a final byte 0x30-0x7E other than [.
strip_escapes() {
	perl -e '
		$SIG{INT} = "IGNORE";
		my $re = $ARGV[0] eq "all" ? qr/\e(?:\[[0-?]*[ -\/]*[@-~]|(?!\[)[ -\/]*[0-~])/
		                           : qr/\e\[(?:[02]?J|H|0?1;0?1H|=3h)/;
		my $held = "";
		while (sysread(STDIN, my $b, 65536)) {
			$b = $held . $b;
			$b =~ s/$re//g;
			$held = $b =~ s/(\e(?:\[[0-?]*[ -\/]*|[ -\/]*))\z// ? $1 : "";
			syswrite(STDOUT, $b) if length $b;
		}' "$1"
}
stamp() {
	local t0=$1 line now
	while IFS= read -r line || [[ -n "$line" ]]; do
		now=${EPOCHREALTIME/[.,]/}
		printf '[+%6d ms] %s\n' $(((now - t0) / 1000)) "${line%$'\r'}"
	done
}
escapes=none
[[ $headless -eq 1 ]] && escapes=all
[[ $headless -eq 0 && $firmware == uefi ]] && escapes=clear
# The kernel names functions "@address" (the names are in build/APP.sym,
# not in the image): tools/symbolize.sh puts the names back.
serial_filter() {
	if [[ $escapes != none ]]; then strip_escapes "$escapes"; else cat; fi |
		"$ROOT/tools/symbolize.sh" "$elf" |
		if [[ $timestamps -eq 1 ]]; then stamp "$1"; else cat; fi |
		if [[ -n "$logfile" ]]; then tee "$logfile"; else cat; fi
}

# ---- run

t0=${EPOCHREALTIME/[.,]/}
if [[ -n "$logfile" ]]; then
	: >"$logfile" || die "cannot write --log file '$logfile'"
fi
if [[ $headless -eq 1 ]]; then
	# In the background with wait, so a TERM to this script reaches the trap
	# (and QEMU through timeout) at once.
	mkfifo "$tmp/serial"
	serial_filter "$t0" <"$tmp/serial" &
	fpid=$!
	if [[ $input -eq 1 ]]; then
		# Explicit: a background job's stdin would otherwise be /dev/null.
		"${run[@]}" "${q[@]}" <&0 >"$tmp/serial" 2>"$tmp/qemu.err" &
	else
		"${run[@]}" "${q[@]}" </dev/null >"$tmp/serial" 2>"$tmp/qemu.err" &
	fi
	qpid=$!
	wait "$qpid"
	rc=$?
	qpid=""
	wait "$fpid"
	fpid=""
elif [[ $escapes != none || $timestamps -eq 1 || -n "$logfile" ]]; then
	"${run[@]}" "${q[@]}" 2>"$tmp/qemu.err" | serial_filter "$t0"
	rc=${PIPESTATUS[0]}
else
	# The plain console is QEMU's own (the terminal's modes are its), so
	# function references stay "@address": tools/symbolize.sh names them.
	"${run[@]}" "${q[@]}" 2>"$tmp/qemu.err"
	rc=$?
fi
took=$(elapsed)
link_stop

# QEMU's own messages (warnings, errors) after the serial output; GRUB's
# "no suitable video mode" under OVMF is serial output, not one of these.
# "terminating on signal" only repeats what the lines below say.
qemu_errors=$(grep -v ': warning: ' "$tmp/qemu.err" 2>/dev/null | grep -E '^qemu-system-[a-z0-9_]+: ' || true)
grep -v ': terminating on signal [0-9]' "$tmp/qemu.err" >&2

if [[ -n "$timeout_s" && ($rc -eq 124 || $rc -eq 137) ]]; then
	echo "$PROG: timeout: QEMU killed after ${timeout_s} s" >&2
	exit 124
fi
if [[ $rc -eq 1 && -n "$qemu_errors" ]]; then
	echo "$PROG: QEMU failed: ${qemu_errors%%$'\n'*}" >&2
	exit 125
fi
if ((rc % 2 == 1)); then
	status=$(((rc - 1) / 2))
	what="exited with status $status"
	[[ $status -eq 70 ]] && what+=" (kernel panic or CPU exception)"
	echo "$PROG: $app $what after $took s" >&2
	exit "$status"
fi
if [[ $rc -eq 0 ]]; then
	# The last SHUTDOWN event's reason (QAPI ShutdownCause).
	reason=$(sed -n 's/.*"event": *"SHUTDOWN".*"reason": *"\([a-z-]*\)".*/\1/p' "$tmp/qmp.out" | tail -n 1)
	case "$reason" in
	host-qmp-quit | host-ui)
		echo "$PROG: quit by the user (Ctrl-A X or the monitor's quit) after $took s" >&2
		exit 126
		;;
	guest-reset)
		echo "$PROG: the guest reset without a status (a triple fault or a reboot; -no-reboot makes that an exit) after $took s" >&2
		;;
	guest-shutdown)
		echo "$PROG: the guest powered off without a status (ACPI, not isa-debug-exit) after $took s" >&2
		;;
	host-signal)
		sig=$(sed -n 's/.*: terminating on signal \([0-9]*\).*/\1/p' "$tmp/qemu.err" | tail -n 1)
		[[ -n "$sig" ]] && stopped_by "$sig"
		echo "$PROG: QEMU was stopped by a signal after $took s" >&2
		;;
	*)
		echo "$PROG: QEMU exited without a status from the guest${reason:+ ($reason)} after $took s" >&2
		;;
	esac
	exit 125
fi
echo "$PROG: QEMU failed with rc $rc${qemu_errors:+: ${qemu_errors%%$'\n'*}}" >&2
exit 125
