#!/usr/bin/env bash
# bench/lib/qemu-timed.sh: QEMU, timed; for tools/cloudit.sh's QEMU=
# variable, so the guest runs with exactly the options cloudit gives it.
#
# Appends to the file $BENCH_QEMU_TIMES "start EPOCH" just before QEMU
# runs and "end EPOCH STATUS" once it exited (EPOCH: bash's
# EPOCHREALTIME, microseconds). With $BENCH_QEMU_KERNEL set, the argument
# after -kernel is replaced by it (bench/http.sh boots the empty kernel,
# bench/empty/empty.S, with the command line cloudit built for httpd).
# QEMU's exit status is passed on. $BENCH_QEMU_BIN names QEMU (default
# qemu-system-x86_64).
set -uo pipefail
times=${BENCH_QEMU_TIMES:?bench/lib/qemu-timed.sh: BENCH_QEMU_TIMES not set}
args=()
while [[ $# -gt 0 ]]; do
	if [[ $1 == -kernel && -n ${BENCH_QEMU_KERNEL:-} && $# -ge 2 ]]; then
		args+=(-kernel "$BENCH_QEMU_KERNEL")
		shift 2
		continue
	fi
	args+=("$1")
	shift
done
echo "start $EPOCHREALTIME" >>"$times"
# In the background with wait, so a TERM or INT to this script reaches QEMU at once.
"${BENCH_QEMU_BIN:-qemu-system-x86_64}" "${args[@]}" <&0 &
qpid=$!
trap 'kill -TERM "$qpid" 2>/dev/null' TERM INT HUP
wait "$qpid"
rc=$?
if kill -0 "$qpid" 2>/dev/null; then   # the wait ended by a trapped signal
	wait "$qpid"
	rc=$?
fi
echo "end $EPOCHREALTIME $rc" >>"$times"
exit "$rc"
