#!/usr/bin/env bash
# bench/linux/ping.sh: run bench/lib/ping_bench.sh against the Linux yardstick for
# each NIC and accelerator asked for, REPEAT times each, one result line per run.
#
# Usage: bench/linux/ping.sh [--nic virtio,ne2k] [--accel tcg|kvm|auto[,...]]
#          [--boot pvh|bzimage] [--repeat N] [--boot-timeout S]
# Needs root (network namespaces, taps, fast ping). Builds the yardstick first if
# needed. Exit status is non-zero if any run failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

die() {
	echo "bench/linux/ping.sh: $*" >&2
	exit 2
}

nics=virtio,ne2k accels=tcg boot=pvh repeat=1 boot_timeout=120
while [[ $# -gt 0 ]]; do
	case "$1" in
	--nic) nics=${2:-}; shift ;;
	--accel) accels=${2:-}; shift ;;
	--boot) boot=${2:-}; shift ;;
	--repeat) repeat=${2:-}; shift ;;
	--boot-timeout) boot_timeout=${2:-}; shift ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || die "--repeat wants a positive integer"
[[ "$boot_timeout" =~ ^[1-9][0-9]*$ ]] || die "--boot-timeout wants whole seconds"

"$here/build.sh" >&2
failed=0
for accel in ${accels//,/ }; do
	for nic in ${nics//,/ }; do
		for ((i = 1; i <= repeat; i++)); do
			"$root/bench/lib/ping_bench.sh" --label "linux-$nic-$boot" \
				--boot-timeout "$boot_timeout" --ready '^yardstick: ready' -- \
				"$here/run.sh" --headless --timeout "$((boot_timeout + 60))" \
				--nic "$nic" --accel "$accel" --boot "$boot" --net tap:tap0 ||
				failed=1
		done
	done
done
exit "$failed"
