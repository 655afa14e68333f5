# shellcheck shell=bash
# shellcheck disable=SC2034 # ACCEL, ACCEL_WHY are outputs for callers
# bench/lib/accel.sh: pick QEMU's accelerator for --accel auto|kvm|tcg.
#
# accel_resolve MODE   set ACCEL to kvm or tcg and ACCEL_WHY to why ("auto; KVM too
#                      slow: firmware probe 5400 ms > 1000 ms"); returns 1 with a
#                      one-line reason on stderr when MODE is kvm and KVM cannot
#                      run a VM, or MODE is unknown.
# accel_qemu_args ACC  echo the QEMU arguments for ACC (accelerator and CPU model).
# accel_kvm_probe_ms   boot SeaBIOS under KVM to "No bootable device" (no disk, no
#                      NIC, bounded by 10 s) and echo the milliseconds it took;
#                      returns 1 if KVM cannot run a VM at all.
#
# Why a probe and not just "does /dev/kvm exist": on this project's machines KVM is
# nested without hardware help. It works, but SeaBIOS alone takes ~5 s under it
# (0.1 s under TCG) and Debian's kernel takes minutes. "auto" therefore takes KVM
# only when the firmware probe finishes within ACCEL_KVM_MAX_MS (default 1000).
# Also: that nested KVM refuses the ARCH_CAPABILITIES MSR (0x10a) that -cpu host
# sets and QEMU 7.2 aborts on it; "host,-arch-capabilities" keeps every other
# host feature.

accel_qemu_args() {
	case "$1" in
	kvm) echo "-accel kvm -cpu host,-arch-capabilities" ;;
	tcg) echo "-accel tcg -cpu max" ;;
	esac
}

accel_kvm_probe_ms() {
	local log pid t0 i ms=""
	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	log=$(mktemp /tmp/accel_probe.XXXXXX)
	t0=$EPOCHREALTIME
	# shellcheck disable=SC2046 # accel_qemu_args prints plain words
	timeout 10 qemu-system-x86_64 $(accel_qemu_args kvm) -machine pc -m 64M \
		-nodefaults -display none -no-reboot \
		-chardev "file,id=dbg,path=$log" -device isa-debugcon,iobase=0x402,chardev=dbg \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 1000; i++)); do
		if grep -qa 'No bootable device' "$log" 2>/dev/null; then
			ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$log"
	[[ -n "$ms" ]] || return 1
	echo "$ms"
}

accel_resolve() {
	local mode=${1:-auto} ms="" max=${ACCEL_KVM_MAX_MS:-1000}
	ACCEL="" ACCEL_WHY=""
	case "$mode" in
	tcg) ACCEL=tcg ACCEL_WHY=requested ;;
	kvm)
		if ! ms=$(accel_kvm_probe_ms); then
			echo "accel: KVM requested but not usable (/dev/kvm missing, no access, or no VM could run)" >&2
			return 1
		fi
		ACCEL=kvm ACCEL_WHY="requested; firmware probe $ms ms"
		;;
	auto)
		if ms=$(accel_kvm_probe_ms) && [[ $ms -le $max ]]; then
			ACCEL=kvm ACCEL_WHY="auto; firmware probe $ms ms"
		elif [[ -n "$ms" ]]; then
			ACCEL=tcg ACCEL_WHY="auto; KVM too slow: firmware probe $ms ms > $max ms"
		else
			ACCEL=tcg ACCEL_WHY="auto; KVM not usable"
		fi
		;;
	*)
		echo "accel: unknown accelerator '$mode' (want auto, kvm or tcg)" >&2
		return 1
		;;
	esac
}
