#!/usr/bin/env bash
# bench/tcp.sh: TCP throughput of skiff (apps/netidle) and the Linux yardstick
# (bench/linux/), part of `make bench`; runs alone too.
#
# Usage: bench/tcp.sh [--no-build] [--nic virtio,ne2k] [--bytes N] [--link SPEC]
#
# For each NIC, boots skiff and then the yardstick on a tap in a private
# namespace (bench/lib/tcp_bench.sh, same accelerator, same host client) and
# measures host->guest (N bytes into discard, port 9, until the guest's FIN)
# and guest->host (N bytes from chargen, port 19, checked against the RFC 864
# pattern). Prints Mbit/s for both and the ratio skiff/Linux (above 1: skiff
# is faster). A guest that fails is booted once more (the yardstick's ne2k
# sometimes comes up deaf under TCG). Nothing is asserted. BENCH_ACCEL=auto|kvm|tcg as in bench/run.sh;
# BENCH_TCP_BYTES sets N (default 30000000). Each guest does three transfers
# each way, alternating; the table shows the medians. --link SPEC puts both
# guests behind tools/lossylink with those knobs (tools/cloudit.sh --link and
# bench/linux/run.sh --link: one relay program, the same knobs and seed);
# bench/lossy.sh runs it so. A third row counts, for host->guest, how
# many times the host's sender entered SACK recovery (median of the
# three; fewer is better, ratio below 1: skiff's receiving costs the
# sender fewer congestion episodes): a figure the host's load does not
# move.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib/accel.sh
source bench/lib/accel.sh

build=1 nics=virtio,ne2k bytes=${BENCH_TCP_BYTES:-30000000} link=""
while [[ $# -gt 0 ]]; do
	case "$1" in
	--no-build) build=0 ;;
	--nic) nics=${2:?--nic wants virtio,ne2k}; shift ;;
	--bytes) bytes=${2:?--bytes wants a count}; shift ;;
	--link) link=${2:?--link wants a spec, e.g. loss=1%}; shift ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench/tcp.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done

if [[ -z "${ACCEL:-}" ]]; then
	accel_resolve "${BENCH_ACCEL:-auto}"
fi
if [[ $build -eq 1 ]]; then
	make -s -j2 APP=netidle >/dev/null
	bench/linux/build.sh >/dev/null
fi
link_args=() through=""
if [[ -n "$link" ]]; then
	make -s lossylink >/dev/null
	link_args=(--link "$link") through=" through tools/lossylink ($link)"
fi
# 2 minutes, and a minute more per 75 MB (10 Mbit/s): a bound for a stuck
# guest, not a target.
xfer_timeout=$((bytes / 1250000 + 120))

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

# measure LABEL READY_RE GUEST_CMD...: one tcp_bench.sh run; a guest that
# failed (not ready, deaf, a transfer failed) gets one more boot, said so on
# stderr. Prints tcp_bench's result line (or nothing).
measure() {
	local label=$1 ready=$2 try out
	shift 2
	for try in 1 2; do
		out=$(bench/lib/tcp_bench.sh --ready "$ready" --bytes "$bytes" --timeout "$xfer_timeout" \
			--label "$label" -- "$@") && break
		echo "bench: tcp: $label failed (try $try)${out:+: $out}" >&2
	done
	echo "$out"
}

echo "bench: tcp throughput$through, median of 3 transfers of $bytes bytes each way, accelerator $ACCEL"
life=$((6 * xfer_timeout + 300))
declare -A res
for nic in ${nics//,/ }; do
	res[skiff-$nic]=$(measure "skiff-$nic" '^netidle: tcp echo 7' \
		tools/cloudit.sh netidle --headless --no-build --direct --accel "$ACCEL" --nic "$nic" \
		--net tap:tap0 --append 'ip=10.77.1.2/24' --timeout "$life" "${link_args[@]}")
	res[linux-$nic]=$(measure "linux-$nic" '^yardstick: ready' \
		bench/linux/run.sh --headless --accel "$ACCEL" --nic "$nic" --net tap:tap0 \
		--ip 10.77.1.2/24 --timeout "$life" "${link_args[@]}")
done

printf '\n%-8s %-28s %12s %12s %12s\n' nic measure skiff linux "skiff/linux"
for nic in ${nics//,/ }; do
	s=${res[skiff-$nic]} l=${res[linux-$nic]}
	for m in discard_mbit chargen_mbit discard_recov; do
		sv=$(field "$m" "$s") lv=$(field "$m" "$l")
		case $m in
		discard_mbit) name="host->guest Mbit/s (discard)" ;;
		chargen_mbit) name="guest->host Mbit/s (chargen)" ;;
		discard_recov) name="host->guest host recoveries" ;;
		esac
		printf '%-8s %-28s %12s %12s %12s\n' "$nic" "$name" "${sv:-failed}" "${lv:-failed}" \
			"$(ratio "${sv:-0}" "${lv:-0}")"
	done
done
