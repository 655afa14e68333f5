#!/usr/bin/env bash
# bench/http.sh (make bench-http; part of make bench): skiff's apps/httpd
# against the Linux yardstick's nginx (bench/linux/), one after the other,
# same QEMU options, same NIC, same client.
#
# Usage: bench/http.sh [--no-build] [--nic virtio|ne2k] [--secs S] [--no-mem]
#                      [--only skiff|linux] [--boot-only]
#
# Each guest boots alone on tap0 in a private namespace (tests/lib/netns.sh)
# with 1 vCPU, 256 MiB, -machine pc and the accelerator's CPU model
# (bench/lib/accel.sh: -cpu max under TCG), the NIC's MAC fixed and in the
# host's neighbour table (so no ARP wait is timed). Measured:
#   - wrk -t1 on the 612-byte page (/612.html, the same bytes in both) for S
#     seconds (default 10, BENCH_HTTP_SECS) at -c1, -c16, -c30 and -c64 with
#     keep-alive, and -c16 with "Connection: close" (a connection per
#     request): requests per second, and p50 and p99 latency (wrk --latency);
#     a 2 s warm-up first; socket errors and non-2xx answers are counted
#   - boot to first HTTP response: from QEMU's start to the first 200 of
#     GET /612.html, polled from the host with a fresh connection every
#     10 ms until the guest's stack first answers (a refusal), then every
#     1 ms (tests/net/http_client.py first --idle-interval 0.01 --interval
#     0.001, started and polling before QEMU starts: its own start-up is
#     not timed). It polled every 5 ms throughout: up to 5 ms of the
#     figure was the step, and a NIC not started yet leaves the SYNs
#     queued in the tap, delivered to the guest as one burst it must
#     refuse (1 ms throughout would make that burst 5x larger): skiff by
#     direct (PVH) boot and through SeaBIOS and GRUB, Linux as the
#     yardstick boots (PVH vmlinux + initrd). skiff's QEMU runs through
#     bench/lib/qemu-timed.sh, which notes its start to the microsecond;
#     Linux's start is the QEMU process's start time in /proc (10 ms ticks)
#   - the floor for that: the empty kernel (bench/empty/empty.S, a PVH ELF
#     whose first instruction exits through isa-debug-exit) booted with
#     exactly the QEMU options cloudit gives httpd, start to exit; skiff's
#     direct boot to first HTTP and the empty kernel alternate
#     BENCH_HTTP_BOOTS times (default 5) and the medians and their
#     difference are printed (issue 10's goal: within 10 ms)
#   - --boot-only: that pair alone (no wrk, no GRUB boot, no RAM bisection,
#     no Linux), for boot work; with BENCH_HTTP_ELF_B=FILE a second httpd
#     ELF (e.g. the build before a change) joins each round, booted with
#     the same options, so a before/after comes from one run
#   - image size: build/httpd.elf (direct boot) and build/httpd.img (GRUB
#     ISO) against the yardstick's vmlinuz + initrd.img (and the vmlinux it
#     boots by PVH)
#   - the smallest RAM that still serves: a bisection over a list of sizes
#     (skiff 2..256 MiB, direct boot; Linux 24..256 MiB), each boot bounded
#     (BENCH_HTTP_MEM_WAIT s, default 40; a QEMU that exits ends its try);
#     "serves" = GET /612.html gives 200
# Then a table: measure, skiff, Linux, skiff/Linux, with the accelerator
# named. For req/s a ratio above 1 means skiff is faster; for latency, boot,
# size and RAM below 1 does. Nothing is asserted. BENCH_ACCEL=auto|kvm|tcg
# as in bench/run.sh (ACCEL already set: used as is).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=bench/lib/accel.sh
source bench/lib/accel.sh
# shellcheck source=tests/lib/netns.sh
source tests/lib/netns.sh
# shellcheck source=bench/lib/guest_ns.sh
source bench/lib/guest_ns.sh

build=1 only="" nic=virtio secs=${BENCH_HTTP_SECS:-10} do_mem=1 mem_wait=${BENCH_HTTP_MEM_WAIT:-40}
boots=${BENCH_HTTP_BOOTS:-5} boot_only=0 elf_b=${BENCH_HTTP_ELF_B:-}
while [[ $# -gt 0 ]]; do
	case "$1" in
	--no-build) build=0 ;;
	--nic) nic=${2:?--nic wants virtio or ne2k}; shift ;;
	--secs) secs=${2:?--secs wants seconds}; shift ;;
	--no-mem) do_mem=0 ;;
	--only) only=${2:?--only wants skiff or linux}; shift ;;
	--boot-only) boot_only=1 ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "bench/http.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
[[ $nic == virtio || $nic == ne2k ]] || { echo "bench/http.sh: --nic wants virtio or ne2k" >&2; exit 2; }
[[ -z $only || $only == skiff || $only == linux ]] || { echo "bench/http.sh: --only wants skiff or linux" >&2; exit 2; }
kinds=(skiff linux)
[[ -z $only ]] || kinds=("$only")
if [[ $boot_only -eq 1 ]]; then
	only=skiff kinds=() do_mem=0
fi
[[ -z $elf_b || -s $elf_b ]] || { echo "bench/http.sh: BENCH_HTTP_ELF_B: no file $elf_b" >&2; exit 2; }
want() { [[ -z $only || $only == "$1" ]]; }
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || { echo "bench/http.sh: --secs wants whole seconds" >&2; exit 2; }
[[ "$boots" =~ ^[1-9][0-9]*$ ]] || { echo "bench/http.sh: BENCH_HTTP_BOOTS wants a positive count" >&2; exit 2; }

netns_require
for tool in wrk python3 qemu-system-x86_64; do
	command -v "$tool" >/dev/null || netns_die "missing $tool (tools/deps.sh installs it)"
done
if [[ -z "${ACCEL:-}" ]]; then
	accel_resolve "${BENCH_ACCEL:-auto}"
fi
if [[ $build -eq 1 ]]; then
	! want skiff || make -s -j2 APP=httpd >/dev/null
	! want linux || bench/linux/build.sh >/dev/null
fi
yard=build/bench/linux
# The empty kernel: two objects' worth of build, so no Makefile rule.
EMPTY=build/bench/empty.elf
if want skiff && { [[ ! -s $EMPTY ]] || [[ bench/empty/empty.S -nt $EMPTY ]]; }; then
	mkdir -p build/bench
	if ! { gcc -m32 -c bench/empty/empty.S -o build/bench/empty.o &&
		ld -m elf_i386 -Ttext=0x100000 -e _start -o "$EMPTY" build/bench/empty.o; }; then
		netns_die "cannot build the empty kernel $EMPTY (gcc -m32, ld -m elf_i386)"
	fi
fi
need=()
! want skiff || need+=(build/httpd.elf build/httpd.img)
! want linux || need+=("$yard/vmlinux" "$yard/vmlinuz" "$yard/initrd.img")
for f in "${need[@]}"; do
	[[ -s $f ]] || netns_die "$f missing (build first, or drop --no-build)"
done

GUEST=10.77.1.2 MAC=52:54:00:77:01:02
CLIENT=$root/tests/net/http_client.py
tmp=$(mktemp -d /tmp/bench-http.XXXXXX)
bench_guest_ns httpb

# start_guest KIND MEM [BOOT]: KIND skiff or linux, BOOT direct|grub
# (skiff). Sets GPID (the session bg_start made) and GLOG.
start_guest() {
	local kind=$1 mem=$2 boot=${3:-direct}
	GLOG=$tmp/$kind-$boot-$mem.log
	GTIMES=$tmp/$kind-$boot-$mem.times
	rm -f "$GTIMES"
	if [[ $kind == skiff ]]; then
		local how=(--direct)
		[[ $boot == grub ]] && how=(--firmware bios)
		bg_start "$ns" "$GLOG" env QEMU="$root/bench/lib/qemu-timed.sh" BENCH_QEMU_TIMES="$GTIMES" \
			BENCH_QEMU_KERNEL="${EMPTY_KERNEL:-}" tools/cloudit.sh httpd --headless --no-build "${how[@]}" \
			--accel "$ACCEL" --cpu "$cpu" --smp 1 --mem "$mem" --nic "$nic" --net tap:tap0 \
			--mac "$MAC" --append "ip=$GUEST/24 httpd.log=0 log.quiet=1 ${BENCH_HTTP_APPEND:-}" --timeout 900
	else
		bg_start "$ns" "$GLOG" bench/linux/run.sh --headless --accel "$ACCEL" --nic "$nic" \
			--net tap:tap0 --ip "$GUEST/24" --mem "$mem" --timeout 900
	fi
	GPID=$BG_PID
}

# qemu_pid SID: the guest's QEMU among the processes of the session
# bg_start made (waits up to 5 s for it to start).
qemu_pid() {
	local sid=$1 pid="" i
	for ((i = 0; i < 500; i++)); do
		pid=$(ps -s "$sid" -o pid=,comm= 2>/dev/null | awk '$2 ~ /^qemu-system/ { print $1; exit }')
		[[ -n "$pid" ]] && break
		kill -0 "$sid" 2>/dev/null || return 1
		sleep 0.01
	done
	[[ -n "$pid" ]] && echo "$pid"
}

# qemu_start_epoch SID: when the guest's QEMU process started (epoch, 10 ms
# ticks).
qemu_start_epoch() {
	local pid ticks btime hz
	pid=$(qemu_pid "$1") || return 1
	# Field 22 of /proc/PID/stat, counted after the ")" closing the name.
	ticks=$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)
	btime=$(awk '$1 == "btime" { print $2 }' /proc/stat)
	hz=$(getconf CLK_TCK)
	awk -v b="$btime" -v t="$ticks" -v h="$hz" 'BEGIN { printf "%.3f", b + t / h }'
}

# timed_start: QEMU's start (epoch) as bench/lib/qemu-timed.sh noted it, or nothing.
timed_start() {
	[[ -s $GTIMES ]] && sed -n 's/^start \([0-9.]*\)$/\1/p' "$GTIMES" | tail -n 1
}

# boot_first KIND MEM BOOT WAIT: boots the guest (start_guest) and sets
# FIRST_MS to the ms from QEMU's start to the first 200 (empty if none
# within WAIT s). The poller (tests/net/http_client.py first, a fresh
# connection every 10 ms, every 1 ms once the guest's stack answers)
# starts first and the guest only once it polls:
# Python's start-up (1.7 s on a busy host) must not be part of the time.
boot_first() {
	local kind=$1 mem=$2 boot=$3 wait=$4 cpid i start r exact
	FIRST_MS=""
	netns_exec "$ns" python3 "$CLIENT" first "$GUEST" /612.html --wait "$((wait + 60))" \
		--idle-interval 0.01 --interval 0.001 \
		>"$tmp/first.out" 2>"$tmp/first.err" &
	cpid=$!
	for ((i = 0; i < 6000; i++)); do   # 60 s at most
		grep -q '^first: polling' "$tmp/first.err" 2>/dev/null && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.01
	done
	start_guest "$kind" "$mem" "$boot"
	start=$(qemu_start_epoch "$GPID") || start=""
	wait "$cpid" || true
	r=$(tail -n 1 "$tmp/first.out")
	[[ -n $start && $r == "ok epoch="* ]] || return 1
	exact=$(timed_start)
	[[ -z $exact ]] || start=$exact
	FIRST_MS=$(awk -v a="$start" -v b="${r#ok epoch=}" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
}

# empty_ms: the empty kernel's QEMU start to exit, in ms, with httpd's
# QEMU options (start_guest's, the kernel swapped by qemu-timed.sh).
empty_ms() {
	EMPTY_KERNEL=$root/$EMPTY start_guest skiff 256M direct
	local i
	for ((i = 0; i < 3000; i++)); do   # 30 s at most
		grep -q '^end ' "$GTIMES" 2>/dev/null && break
		sleep 0.01
	done
	bg_stop "$GPID" 3
	awk '$1 == "start" { s = $2 } $1 == "end" { e = $2; rc = $3 }
		END { if (s && e && rc == 1) printf "%.1f", (e - s) * 1000; else exit 1 }' "$GTIMES"
}

# median: of the numbers on stdin, one a line.
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# to_ms VALUE: wrk's 845.00us / 1.23ms / 2.00s in milliseconds.
to_ms() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
		else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.1f", v * 60000 }
		else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.1f", v * 1000 }
		else print "-" }'
}

declare -A R # R[kind,measure]

# run_wrk KIND NAME CONNS [HEADER]: one measured wrk run into R.
run_wrk() {
	local kind=$1 name=$2 c=$3 out=$tmp/wrk-$1-$2.txt errs
	shift 3
	netns_exec "$ns" timeout $((secs + 60)) wrk -t1 -c"$c" -d"${secs}s" --timeout 10s --latency "$@" \
		"http://$GUEST/612.html" >"$out" 2>&1 || true
	R[$kind,rps_$name]=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out")
	R[$kind,p50_$name]=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
	R[$kind,p99_$name]=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
	errs=$(grep -E 'Socket errors|Non-2xx' "$out" | tr -s ' \n' ' ' || true)
	[[ -z "$errs" ]] || echo "bench: http: $kind $name:$errs" >&2
	[[ -n "${R[$kind,rps_$name]}" ]] || echo "bench: http: $kind $name: wrk failed: $(tail -n 3 "$out" | tr '\n' ' ')" >&2
	echo "bench: http: $kind $name: ${R[$kind,rps_$name]:-failed} req/s, p50 ${R[$kind,p50_$name]} ms, p99 ${R[$kind,p99_$name]} ms" >&2
}

# serves KIND MEM: does the guest answer GET /612.html with MEM of RAM?
# Given up at once when QEMU exits (a panic with -no-reboot, a refusal).
serves() {
	local ok=0 qpid r why
	start_guest "$1" "$2"
	if qpid=$(qemu_pid "$GPID"); then
		r=$(netns_exec "$ns" python3 "$CLIENT" first "$GUEST" /612.html --wait "$mem_wait" \
			--while-pid "$qpid" 2>&1 | tail -n 1)
		[[ $r == ok* ]] && ok=1
	fi
	bg_stop "$GPID" 2
	if [[ $ok -eq 1 ]]; then
		why=serves
	elif [[ ${r:-} == *ended* || -z ${qpid:-} ]]; then
		# The line that says why: a panic's, a refusal's, else the last.
		why=$(tr -d '\r' <"$GLOG" | grep -iE 'panic|error|refus|minimum|too small|no memory|cannot' | head -n 1)
		[[ -n "$why" ]] || why=$(tr -d '\r' <"$GLOG" | grep -v '^ *$' | tail -n 1)
		why="does not serve: QEMU exited: ${why:0:110}"
	else
		why="does not serve within $mem_wait s"
	fi
	echo "bench: http: $1 with $2: $why" >&2
	[[ $ok -eq 1 ]]
}

# min_mem KIND SIZES...: the smallest of the ascending SIZES that serves,
# by bisection (assumes more RAM never hurts); "> largest" if none does.
min_mem() {
	local kind=$1 lo=0 hi mid
	shift
	local sizes=("$@")
	hi=${#sizes[@]}
	# Invariant: sizes[hi] serves (or hi is past the end); below lo none does.
	while ((lo < hi)); do
		mid=$(((lo + hi) / 2))
		if serves "$kind" "${sizes[$mid]}"; then hi=$mid; else lo=$((mid + 1)); fi
	done
	if ((hi < ${#sizes[@]})); then echo "${sizes[$hi]}"; else echo "> ${sizes[-1]}"; fi
}

load1=$(cut -d' ' -f1 /proc/loadavg)
echo "bench: http, accelerator $ACCEL ($ACCEL_WHY), nic $nic, 1 vCPU, 256M, cpu ${cpu:-default}, wrk -t1 ${secs} s per run; load $load1"

for kind in "${kinds[@]}"; do
	if boot_first "$kind" 256M direct 120; then
		ms=$FIRST_MS
		R[$kind,boot_direct]=$ms
		echo "bench: http: $kind: first HTTP response $ms ms after QEMU started" >&2
		netns_exec "$ns" timeout 30 wrk -t1 -c1 -d2s "http://$GUEST/612.html" >/dev/null 2>&1 || true
		run_wrk "$kind" c1 1
		run_wrk "$kind" c16 16
		run_wrk "$kind" c30 30
		run_wrk "$kind" c64 64
		run_wrk "$kind" c16close 16 -H 'Connection: close'
	else
		echo "bench: http: $kind: no HTTP response within 120 s: $(tail -n 3 "$GLOG" | tr -s '\r\n' ' ')" >&2
	fi
	bg_stop "$GPID" 3
done
if want skiff; then
	# The goal's pair, alternating so that both see the same host load.
	e_all=() h_all=() b_all=()
	for ((b = 0; b < boots; b++)); do
		if v=$(empty_ms); then e_all+=("$v"); else echo "bench: http: empty kernel: no clean exit" >&2; fi
		if boot_first skiff 256M direct 60; then
			h_all+=("$FIRST_MS")
		else
			echo "bench: http: skiff direct boot: no HTTP response" >&2
		fi
		bg_stop "$GPID" 3
		[[ -n $elf_b ]] || continue
		if EMPTY_KERNEL=$(realpath "$elf_b") boot_first skiff 256M direct 60; then
			b_all+=("$FIRST_MS")
		else
			echo "bench: http: $elf_b direct boot: no HTTP response" >&2
		fi
		bg_stop "$GPID" 3
	done
	echo "bench: http: empty kernel start to exit ms: ${e_all[*]:-none}" >&2
	echo "bench: http: skiff direct boot to first HTTP ms: ${h_all[*]:-none}" >&2
	[[ -z $elf_b ]] || echo "bench: http: $elf_b direct boot to first HTTP ms: ${b_all[*]:-none}" >&2
	R[skiff,empty]=$(printf '%s\n' "${e_all[@]}" | median)
	R[skiff,boot_direct_med]=$(printf '%s\n' "${h_all[@]}" | median)
	[[ -z $elf_b ]] || R[skiff,boot_b_med]=$(printf '%s\n' "${b_all[@]}" | median)
	if [[ $boot_only -eq 0 ]]; then
		boot_first skiff 256M grub 120 || echo "bench: http: skiff through GRUB: no HTTP response" >&2
		R[skiff,boot_grub]=$FIRST_MS
		bg_stop "$GPID" 3
	fi
	R[skiff,size_boot]=$(stat -c %s build/httpd.elf)
	R[skiff,size_img]=$(stat -c %s build/httpd.img)
fi
if want linux; then
	R[linux,size_boot]=$(($(stat -c %s "$yard/vmlinux") + $(stat -c %s "$yard/initrd.img")))
	R[linux,size_img]=$(($(stat -c %s "$yard/vmlinuz") + $(stat -c %s "$yard/initrd.img")))
fi
if [[ $do_mem -eq 1 ]]; then
	! want skiff || R[skiff,mem]=$(min_mem skiff 2M 3M 4M 6M 8M 12M 16M 24M 32M 48M 64M 128M 256M)
	! want linux || R[linux,mem]=$(min_mem linux 24M 32M 48M 64M 80M 96M 112M 128M 160M 192M 256M)
fi

# Two decimals; four below 0.1, so that the image sizes' ratio (~0.003) is not printed as 0.00.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf (a / b < 0.1 ? "%.4f" : "%.2f"), a / b; else print "-" }'; }
row() { # LABEL KEY [UNIT-STRIPPING]
	local s=${R[skiff,$2]:-} l=${R[linux,$2]:-}
	printf '%-40s %12s %12s %12s\n' "$1" "${s:--}" "${l:--}" "$(ratio "${s%M}" "${l%M}")"
}
if [[ $boot_only -eq 0 ]]; then
	echo
	echo "bench: http results (accelerator $ACCEL; nic $nic; wrk -t1 on /612.html, ${secs} s each)"
	printf '%-40s %12s %12s %12s\n' measure skiff linux skiff/linux
	for n in c1 c16 c30 c64 c16close; do
		case $n in
		c16close) what="-c16 Connection: close" ;;
		*) what="-${n} keep-alive" ;;
		esac
		row "req/s $what" "rps_$n"
		row "p50 ms $what" "p50_$n"
		row "p99 ms $what" "p99_$n"
	done
	row "boot to first HTTP ms, direct (PVH)" boot_direct
	row "boot to first HTTP ms, SeaBIOS+GRUB" boot_grub
	row "image bytes: elf | vmlinux+initrd" size_boot
	row "image bytes: iso | vmlinuz+initrd" size_img
	[[ $do_mem -eq 0 ]] || row "smallest RAM that serves (direct)" mem
fi
if want skiff; then
	e=${R[skiff,empty]:-} h=${R[skiff,boot_direct_med]:-}
	d=-
	[[ -n $e && -n $h ]] && d=$(awk -v a="$h" -v b="$e" 'BEGIN { printf "%.1f", a - b }')
	echo
	echo "bench: http: boot, medians of $boots alternating boots (QEMU options as httpd's, direct boot):"
	printf '%-40s %12s\n' "empty kernel, QEMU start to exit ms" "${e:--}" \
		"skiff httpd, QEMU start to first HTTP ms" "${h:--}" \
		"difference ms (goal: <= 10)" "$d"
	if [[ -n $elf_b ]]; then
		hb=${R[skiff,boot_b_med]:-} db=-
		[[ -n $e && -n $hb ]] && db=$(awk -v a="$hb" -v b="$e" 'BEGIN { printf "%.1f", a - b }')
		printf '%-40s %12s\n' "B ($(basename "$elf_b")), QEMU start to first HTTP ms" "${hb:--}" \
			"B's difference ms" "$db"
	fi
fi
