#!/usr/bin/env bash
# bench/lossy.sh: TCP goodput of skiff (apps/netidle) and the Linux
# yardstick (bench/linux/) through the same lossy link, part of `make
# bench`; runs alone too (`make bench-lossy`).
#
# Usage: bench/lossy.sh [--no-build] [--bytes N] [--link SPEC] [--nic virtio,ne2k]
#
# bench/tcp.sh with both guests behind tools/lossylink (skiff through
# tools/cloudit.sh --link, the yardstick through bench/linux/run.sh --link:
# one relay program, the same knobs and seed): the same host client sends N
# bytes into discard and reads N from chargen, three times each way, and the
# table shows the median goodput in Mbit/s and the ratio skiff/Linux (above
# 1: skiff is faster). Defaults: 100 MB each way (BENCH_LOSSY_BYTES), link
# loss=1%,seed=1 (BENCH_LOSSY_LINK), virtio. Nothing is asserted. The relay
# path has a ceiling of its own (QEMU's dgram netdev and the relay's
# copies; bench/README.md): compare the ratio.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

bytes=${BENCH_LOSSY_BYTES:-100000000} link=${BENCH_LOSSY_LINK:-loss=1%,seed=1} nics=virtio args=()
while [[ $# -gt 0 ]]; do
	case "$1" in
	--no-build) args+=(--no-build) ;;
	--bytes) bytes=${2:?--bytes wants a count}; shift ;;
	--link) link=${2:?--link wants a spec, e.g. loss=1%}; shift ;;
	--nic) nics=${2:?--nic wants virtio,ne2k}; shift ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench/lossy.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
exec "$root/bench/tcp.sh" "${args[@]}" --nic "$nics" --bytes "$bytes" --link "$link"
