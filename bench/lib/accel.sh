# shellcheck shell=bash
# bench/lib/accel.sh: pick QEMU's accelerator for --accel auto|kvm|tcg.
#
# accel_resolve MODE   echo "kvm" or "tcg" on stdout; returns 1 with a one-line reason
#                      on stderr when MODE is kvm and KVM cannot be used.
# accel_qemu_args ACC  echo the QEMU arguments for ACC (accelerator and CPU model).
#
# "auto" does not trust /dev/kvm existing: it starts a stopped (-S) pc machine with
# the same CPU model a run would use and takes KVM only if that comes up within
# 10 s. Nested KVM here refuses the ARCH_CAPABILITIES MSR (0x10a) that -cpu host
# sets, and QEMU 7.2 aborts on it; "host,-arch-capabilities" avoids that and
# keeps every other host feature.

accel_kvm_works() {
	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	command -v timeout >/dev/null || return 1
	# shellcheck disable=SC2046 # accel_qemu_args prints plain words
	echo quit | timeout 10 qemu-system-x86_64 $(accel_qemu_args kvm) -machine pc -S \
		-nodefaults -display none -monitor stdio >/dev/null 2>&1
}

accel_resolve() {
	case "${1:-auto}" in
	tcg) echo tcg ;;
	kvm)
		if ! accel_kvm_works; then
			echo "accel: KVM requested but not usable (/dev/kvm missing, no access, or VM creation failed)" >&2
			return 1
		fi
		echo kvm
		;;
	auto) if accel_kvm_works; then echo kvm; else echo tcg; fi ;;
	*)
		echo "accel: unknown accelerator '$1' (want auto, kvm or tcg)" >&2
		return 1
		;;
	esac
}

accel_qemu_args() {
	case "$1" in
	kvm) echo "-accel kvm -cpu host,-arch-capabilities" ;;
	tcg) echo "-accel tcg -cpu max" ;;
	esac
}
