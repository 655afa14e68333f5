#!/usr/bin/env bash
# bench/lossy.sh: TCP goodput of skiff (apps/netidle) and the Linux
# yardstick (bench/linux/) through the same lossy link, part of `make
# bench`; runs alone too (`make bench-lossy`).
#
# Usage: bench/lossy.sh [--no-build] [--nic virtio|ne2k] [--bytes N] [--link SPEC]
#
# Each guest boots on a tap in a private namespace behind tools/lossylink
# (skiff through tools/cloudit.sh --link, the yardstick through
# bench/linux/run.sh --link: one relay program, the same knobs and seed),
# and the same host client (bench/lib/tcp_bench.sh, tests/net/tcp_client.py)
# sends N bytes into discard (host->guest, until the guest's FIN) and reads N
# bytes from chargen (guest->host, checked against the RFC 864 pattern),
# alternating, three times each way (BENCH_LOSSY_REPEAT). Prints the median
# goodput in Mbit/s for both and the ratio skiff/Linux (above 1: skiff is
# faster). Defaults: 100 MB each way (BENCH_LOSSY_BYTES), link
# loss=1%,seed=1 (BENCH_LOSSY_LINK), virtio. A guest that fails is booted
# once more. Nothing is asserted. BENCH_ACCEL=auto|kvm|tcg as in
# bench/run.sh. The relay path has a ceiling of its own (QEMU's dgram
# netdev and the relay's copies: bench/README.md): compare the ratio.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib/accel.sh
source bench/lib/accel.sh

build=1 nic=virtio bytes=${BENCH_LOSSY_BYTES:-100000000} link=${BENCH_LOSSY_LINK:-loss=1%,seed=1}
repeat=${BENCH_LOSSY_REPEAT:-3}
while [[ $# -gt 0 ]]; do
	case "$1" in
	--no-build) build=0 ;;
	--nic) nic=${2:?--nic wants virtio or ne2k}; shift ;;
	--bytes) bytes=${2:?--bytes wants a count}; shift ;;
	--link) link=${2:?--link wants a spec, e.g. loss=1%}; shift ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench/lossy.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
[[ $nic == virtio || $nic == ne2k ]] || { echo "bench/lossy.sh: --nic wants virtio or ne2k" >&2; exit 2; }
[[ $bytes =~ ^[1-9][0-9]*$ ]] || { echo "bench/lossy.sh: --bytes wants a positive count" >&2; exit 2; }
[[ $repeat =~ ^[1-9][0-9]?$ ]] || { echo "bench/lossy.sh: BENCH_LOSSY_REPEAT wants 1 to 99" >&2; exit 2; }

if [[ -z "${ACCEL:-}" ]]; then
	accel_resolve "${BENCH_ACCEL:-auto}"
fi
if [[ $build -eq 1 ]]; then
	make -s -j2 APP=netidle >/dev/null
	bench/linux/build.sh >/dev/null
fi
make -s lossylink >/dev/null

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

# A transfer at 1 Mbit/s still ends: the bound is generous, not a target.
xfer_timeout=$((bytes / 125000 + 120))
measure() {
	local label=$1 ready=$2 try out
	shift 2
	for try in 1 2; do
		out=$(bench/lib/tcp_bench.sh --ready "$ready" --bytes "$bytes" --repeat "$repeat" \
			--timeout "$xfer_timeout" --label "$label" -- "$@") && break
		echo "bench: lossy: $label failed (try $try)${out:+: $out}" >&2
	done
	echo "$out"
}

life=$((2 * repeat * xfer_timeout + 300))
echo "bench: tcp goodput through tools/lossylink ($link), median of $repeat x $bytes bytes each way, $nic, accelerator $ACCEL"
skiff=$(measure skiff '^netidle: tcp echo 7' \
	tools/cloudit.sh netidle --headless --no-build --direct --accel "$ACCEL" --nic "$nic" \
	--net tap:tap0 --append 'ip=10.77.1.2/24' --timeout "$life" --link "$link")
linux=$(measure linux '^yardstick: ready' \
	bench/linux/run.sh --headless --accel "$ACCEL" --nic "$nic" --net tap:tap0 \
	--ip 10.77.1.2/24 --timeout "$life" --link "$link")

printf '\n%-8s %-30s %12s %12s %12s\n' nic "measure ($link)" skiff linux "skiff/linux"
for m in discard_mbit chargen_mbit; do
	sv=$(field "$m" "$skiff") lv=$(field "$m" "$linux")
	case $m in
	discard_mbit) name="host->guest Mbit/s (discard)" ;;
	chargen_mbit) name="guest->host Mbit/s (chargen)" ;;
	esac
	printf '%-8s %-30s %12s %12s %12s\n' "$nic" "$name" "${sv:-failed}" "${lv:-failed}" \
		"$(ratio "${sv:-0}" "${lv:-0}")"
done
