#!/usr/bin/env bash
# bench/run.sh (make bench): skiff against the Linux VM yardstick, in one
# session on one accelerator, and the scheduler's own micro-benchmarks.
#
# For each NIC (virtio, ne2k) it boots skiff (apps/netidle, direct PVH boot)
# and the yardstick (Debian's kernel + busybox + nginx, PVH boot) on a tap in
# a private network namespace, measures boot-to-ready and 200 host->guest
# pings, and prints a table with the ratio skiff/Linux (below 1: skiff is
# faster). Then TCP throughput (bench/tcp.sh): the same host client sends
# into each guest's RFC 863 discard and reads its RFC 864 chargen; there the
# ratio skiff/Linux above 1 means skiff is faster. Absolute times depend on
# the machine; the ratios are the result. Then the same through a lossy
# link (bench/lossy.sh: 100 MB each way at 1 % loss, tools/lossylink in
# front of both guests). Then HTTP (bench/http.sh, also
# make bench-http): apps/httpd against the yardstick's nginx with wrk on a
# 612-byte page at several concurrencies, boot to first HTTP response,
# image size and the smallest RAM that serves; then the same at 1 and 2
# vCPUs with virtio multiqueue (bench/http_smp.sh, make bench-http-smp). Then the share of its rate a
# legitimate client keeps under a SYN flood (bench/flood.sh), skiff's httpd
# against the yardstick's nginx. Last, the host micro-benchmark of
# the Internet checksum (make bench-csum: net/checksum.c against the byte
# loop it replaced). After HTTP, the host pipes (bench/pipes.sh, also make
# bench-pipes): the same httpd through the pipes against virtio-net.
# Nothing is asserted. BENCH_ACCEL=auto|kvm|tcg picks the accelerator
# (default auto: KVM only when it is actually fast here).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib/accel.sh
source bench/lib/accel.sh

accel_resolve "${BENCH_ACCEL:-auto}"
echo "bench: accelerator $ACCEL ($ACCEL_WHY); $(nproc) host CPUs; $(uname -r)"
make -s -j2 APP=netidle >/dev/null
make -s -j2 APP=threads >/dev/null
bench/linux/build.sh >/dev/null

# field NAME LINE: the value of NAME=... in a ping_bench result line.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

declare -A res
for nic in virtio ne2k; do
	res[skiff-$nic]=$(bench/lib/ping_bench.sh --ready '^netidle: ready' --label "skiff-$nic" -- \
		tools/cloudit.sh netidle --headless --no-build --direct --accel "$ACCEL" --nic "$nic" \
		--net tap:tap0 --append 'ip=10.77.1.2/24' --timeout 600) || res[skiff-$nic]="failed"
	res[linux-$nic]=$(bench/lib/ping_bench.sh --ready '^yardstick: ready' --label "linux-$nic" -- \
		bench/linux/run.sh --headless --accel "$ACCEL" --nic "$nic" --net tap:tap0 --ip 10.77.1.2/24) ||
		res[linux-$nic]="failed"
done

printf '\n%-8s %-22s %12s %12s %12s\n' nic measure skiff linux "skiff/linux"
for nic in virtio ne2k; do
	s=${res[skiff-$nic]} l=${res[linux-$nic]}
	for m in boot_ms rtt_avg_ms rtt_p99_ms loss; do
		sv=$(field "$m" "$s") lv=$(field "$m" "$l")
		r=-
		[[ $m != loss && -n $sv && -n $lv ]] && r=$(ratio "$sv" "$lv")
		printf '%-8s %-22s %12s %12s %12s\n' "$nic" "$m" "${sv:-failed}" "${lv:-failed}" "$r"
	done
done

echo
ACCEL=$ACCEL bench/tcp.sh --no-build || echo "bench: tcp: failed"

echo
ACCEL=$ACCEL bench/lossy.sh --no-build || echo "bench: lossy: failed"

echo
ACCEL=$ACCEL ACCEL_WHY=$ACCEL_WHY bench/http.sh || echo "bench: http: failed"

echo
ACCEL=$ACCEL ACCEL_WHY=$ACCEL_WHY bench/http_smp.sh --no-build || echo "bench: http_smp: failed"

echo
ACCEL=$ACCEL ACCEL_WHY=$ACCEL_WHY bench/pipes.sh || echo "bench: pipes: failed"

echo
ACCEL=$ACCEL bench/flood.sh --no-build || echo "bench: flood: failed"

echo
echo "bench: scheduler (apps/threads threads.mode=bench, 2 CPUs, $ACCEL)"
tools/cloudit.sh threads --headless --no-build --direct --accel "$ACCEL" --smp 2 --nic none \
	--append threads.mode=bench --timeout 300 | sed -n 's/^threads: bench: //p'

echo
echo "bench: Internet checksum (host, net/checksum.c csum_partial; before = byte loop; best of 61 rounds)"
make -s bench-csum
