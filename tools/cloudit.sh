#!/usr/bin/env bash
# tools/cloudit.sh APP [options]: build skiff app APP and boot it in QEMU,
# with the serial console on the terminal (Toro's CloudIt.sh, for skiff).
#
# Promises:
#   - the first line printed says what runs: app, accelerator, firmware,
#     boot path, NIC and network;
#   - a usage error (unknown app or option, bad value) is ONE line on stderr
#     and exit status 2, before anything is built or started;
#   - the exit status is the guest's: the kernel powers off through QEMU's
#     isa-debug-exit device (port 0xf4), which makes QEMU exit 2*status+1, so
#     QEMU's odd rc maps back to (rc-1)/2 (rc 141 -> 70, a kernel panic or
#     exception); 124 when --timeout killed QEMU; 125 when QEMU failed or
#     exited without a status from the guest (reset, triple fault, quit);
#     1 when the build or a dependency failed;
#   - every temporary file (the UEFI variable store copy, FIFOs) lives in one
#     temp dir removed on exit, and QEMU does not outlive the script.
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
QEMU failed or the guest stopped without a status; 2 = bad usage.

Boot:
  --firmware bios|uefi   SeaBIOS or OVMF, both booting build/APP.img through
                         GRUB (default bios)
  --direct               QEMU -kernel build/APP.elf (PVH entry; SeaBIOS only)
  --append 'k=v ...'     kernel/app options, passed through fw_cfg
                         opt/skiff/cmdline; they override the image's defaults
                         without a rebuild
Machine:
  --accel auto|kvm|tcg   auto = KVM when /dev/kvm works and is fast (a timed
                         firmware probe), else TCG (default auto)
  --cpu MODEL            QEMU CPU model (default: host for KVM, qemu64 for TCG)
  --smp N                CPUs (default 1)
  --mem SIZE             RAM, e.g. 256M or 1G (default 256M)
  --qemu 'ARGS'          extra QEMU arguments (split on blanks)
Network:
  --nic virtio|ne2k|none virtio-net-pci or ne2k_pci (default virtio)
  --net user|tap:IFNAME  user: QEMU user networking; the app's hostfwd ports
                         listen on 127.0.0.1 only. tap:IFNAME: an existing tap
                         device the caller owns (no up/down scripts)
  --hostfwd P:GUEST:HOST forward 127.0.0.1:HOST to guest port GUEST (P = tcp
                         or udp); replaces the .qemu file's hostfwd lines;
                         repeatable; 'none' forwards nothing
  --mac MAC              NIC MAC address (default 52:54:00:12:34:56 for
                         user, derived from IFNAME for tap)
Run:
  --headless             no monitor, stdin not read; serial on stdout
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
starts a comment. Keys: firmware, accel, cpu, smp, mem, nic, net, timeout
(like the options above), hostfwd: PROTO GUEST HOST (e.g. "hostfwd: tcp 80
8080", repeatable) and qemu: ARGS (repeatable).
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
firmware=bios accel=auto nic=virtio net=user smp=1 mem=256M cpu="" mac=""
direct=0 headless=0 input=0 timestamps=0 gdb=0 build_only=0 no_build=0
timeout_s="" logfile="" append=""
hostfwds=() qemu_extra=()
cli=()   # options, applied after the .qemu file so they override it

needs_value() { [[ $# -ge 2 ]] || die_usage "option $1 needs a value"; }

while [[ $# -gt 0 ]]; do
	case "$1" in
	-h | --help)
		usage
		exit 0
		;;
	--firmware | --accel | --nic | --net | --smp | --mem | --timeout | --cpu | --mac | --hostfwd | --append | --log | --qemu)
		needs_value "$@"
		cli+=("$1" "$2")
		shift 2
		;;
	--firmware=* | --accel=* | --nic=* | --net=* | --smp=* | --mem=* | --timeout=* | --cpu=* | --mac=* | --hostfwd=* | --append=* | --log=* | --qemu=*)
		cli+=("${1%%=*}" "${1#*=}")
		shift
		;;
	--direct) direct=1 && shift ;;
	--headless) headless=1 && shift ;;
	--input) input=1 && shift ;;
	--timestamps) timestamps=1 && shift ;;
	--gdb) gdb=1 && shift ;;
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
		accel) set_accel "$val" ;;
		nic) set_nic "$val" ;;
		net) set_net "$val" ;;
		smp) set_smp "$val" ;;
		mem) set_mem "$val" ;;
		cpu) set_cpu "$val" ;;
		timeout) set_timeout "$val" ;;
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
	--accel) set_accel "$val" ;;
	--nic) set_nic "$val" ;;
	--net) set_net "$val" ;;
	--smp) set_smp "$val" ;;
	--mem) set_mem "$val" ;;
	--cpu) set_cpu "$val" ;;
	--timeout) set_timeout "$val" ;;
	--mac) set_mac "$val" ;;
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

if [[ $direct -eq 1 && $firmware == uefi ]]; then
	die_usage "--direct uses QEMU's PVH loader under SeaBIOS; it does not combine with --firmware uefi"
fi
if [[ $timestamps -eq 1 && $headless -eq 0 ]]; then
	die_usage "--timestamps needs --headless"
fi
if [[ $input -eq 1 && $headless -eq 0 ]]; then
	die_usage "--input needs --headless (interactive sessions read the terminal anyway)"
fi
if [[ $gdb -eq 1 && $headless -eq 1 && -n "$timeout_s" ]]; then
	: # allowed: a scripted gdb session may want a bound
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
accel_why=requested
case "$accel" in
auto)
	# Nested KVM can work and still be many times slower than TCG (seen here:
	# 50 s to boot hello under KVM, 0.1 s under TCG), so "auto" times the
	# firmware under KVM once (bench/lib/accel.sh) and keeps KVM only if fast.
	accel=tcg accel_why="auto; KVM not usable"
	if [[ $build_only -eq 0 ]] && kvm_works; then
		# shellcheck source=bench/lib/accel.sh
		source "$ROOT/bench/lib/accel.sh"
		accel_resolve auto 2>/dev/null && accel=$ACCEL accel_why=$ACCEL_WHY
	fi
	;;
kvm) [[ $build_only -eq 1 ]] || kvm_works || die "--accel kvm: KVM is not usable here (/dev/kvm missing, no access, or VM creation failed)" ;;
esac

boot=grub
[[ $direct -eq 1 ]] && boot=direct
echo "$PROG: $app, accel $accel ($accel_why), firmware $firmware, boot $boot, nic $nic, net $([[ $nic == none ]] && echo none || echo "$net")"

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
elf="$ROOT/build/$app.elf" img="$ROOT/build/$app.img"
for f in "$elf" "$img"; do
	[[ -f "$f" ]] || die "$f is missing (build it with make APP=$app)"
done
[[ $build_only -eq 1 ]] && exit 0

# ---- QEMU command line

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cloudit.XXXXXX") || die "cannot create a temp dir"
qpid="" fpid=""
cleanup() {
	[[ -n "$qpid" ]] && kill -TERM "$qpid" 2>/dev/null
	[[ -n "$fpid" ]] && wait "$fpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

q=("$QEMU" -accel "$accel" -nodefaults -no-reboot -m "$mem" -smp "$smp"
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)
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
		if [[ -z "$mac" ]]; then
			# Distinct guests on one bridge need distinct MACs: derive it from the tap name.
			sum=$(printf '%s' "$ifname" | cksum | cut -d' ' -f1)
			mac=$(printf '52:54:00:%02x:%02x:%02x' $((sum >> 16 & 255)) $((sum >> 8 & 255)) $((sum & 255)))
		fi
	fi
	dev=virtio-net-pci
	[[ $nic == ne2k ]] && dev=ne2k_pci
	# romfile= skips the iPXE option ROM: nothing network-boots, and it costs boot time.
	q+=(-netdev "$nd" -device "$dev,netdev=net0,romfile=${mac:+,mac=$mac}")
fi

if [[ $headless -eq 1 ]]; then
	q+=(-display none -monitor none -serial stdio)
else
	# -nographic's console without its VGA fallback: serial and monitor
	# multiplexed on the terminal, Ctrl-A X quits, Ctrl-A C to the monitor.
	q+=(-display none -chardev stdio,id=con0,mux=on -serial chardev:con0 -mon chardev=con0,mode=readline)
fi
if [[ $gdb -eq 1 ]]; then
	q+=(-s -S)
	echo "$PROG: QEMU waits for gdb on :1234; attach with: gdb build/$app.elf -ex 'target remote :1234'" >&2
	[[ $direct -eq 0 ]] && echo "$PROG: (--direct skips firmware and GRUB, so breakpoints hit sooner)" >&2
fi
q+=("${qemu_extra[@]}")

run=()
[[ -n "$timeout_s" ]] && run=(timeout -k 5)
[[ -n "$timeout_s" && $headless -eq 0 ]] && run+=(--foreground)
[[ -n "$timeout_s" ]] && run+=("$timeout_s")

# ---- serial filters: timestamps, log copy

stamp() {
	local t0=$1 line now
	while IFS= read -r line || [[ -n "$line" ]]; do
		now=${EPOCHREALTIME/[.,]/}
		printf '[+%6d ms] %s\n' $(((now - t0) / 1000)) "${line%$'\r'}"
	done
}
serial_filter() {
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
elif [[ $timestamps -eq 1 || -n "$logfile" ]]; then
	"${run[@]}" "${q[@]}" 2>"$tmp/qemu.err" | serial_filter "$t0"
	rc=${PIPESTATUS[0]}
else
	"${run[@]}" "${q[@]}" 2>"$tmp/qemu.err"
	rc=$?
fi
t1=${EPOCHREALTIME/[.,]/}
elapsed=$(printf '%d.%02d' $(((t1 - t0) / 1000000)) $(((t1 - t0) / 10000 % 100)))

# QEMU's own messages (warnings, errors) after the serial output; GRUB's
# "no suitable video mode" under OVMF is serial output, not one of these.
qemu_errors=$(grep -v ': warning: ' "$tmp/qemu.err" 2>/dev/null | grep -E '^qemu-system-[a-z0-9_]+: ' || true)
[[ -s "$tmp/qemu.err" ]] && cat "$tmp/qemu.err" >&2

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
	echo "$PROG: $app $what after $elapsed s" >&2
	exit "$status"
fi
if [[ $rc -eq 0 ]]; then
	echo "$PROG: QEMU exited without a status from the guest (reset, triple fault or quit) after $elapsed s" >&2
	[[ $headless -eq 1 ]] && exit 125
	exit 0
fi
echo "$PROG: QEMU failed with rc $rc${qemu_errors:+: ${qemu_errors%%$'\n'*}}" >&2
exit 125
