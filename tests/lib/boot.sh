# shellcheck shell=bash
# tests/lib/boot.sh: helpers for QEMU boot tests (tests/boot/*.sh).
#
# Sourced by bash. A suite calls boot_init, queues cases with boot_case (each
# boots one guest through tools/cloudit.sh --headless and checks its serial
# output and exit status), runs quick command-line cases with cli_case, and
# ends with boot_finish.
#
# Promises to suites:
#   - each case prints exactly one verdict line, "PASS suite/name" or
#     "FAIL suite/name: reasons", followed on failure by the tail of its
#     serial log; tests/run.sh counts these lines;
#   - at most BOOT_JOBS (default 2) guests run at once, every boot is bounded
#     by BOOT_TIMEOUT seconds (default 60), and every guest and temp file is
#     gone when the suite exits (boot_cleanup on EXIT, INT, TERM);
#   - guests use TCG (--accel tcg) so results do not depend on the host;
#   - each case runs cloudit.sh with a private TMPDIR and fails if cloudit
#     left anything in it (the UEFI variable store copy, FIFOs);
#   - under CI=true a missing QEMU or OVMF is a failure, never a skip;
#     elsewhere boot_require skips the suite with exit 77.
#
# Expectations (the words after --expect in boot_case):
#   'TEXT'      some line contains TEXT (fixed string)
#   '~ERE'      some line matches the extended regex ERE
#   '!ERE'      no line matches ERE
# Serial logs are compared with carriage returns removed.
#
# Functions:
#   boot_init SUITE                 temp dir, traps, counters; builds the images
#                                   unless BOOT_NO_BUILD=1 (tests/run.sh built them)
#   boot_require                    QEMU, OVMF and cloudit.sh present (skip/fail)
#   boot_case NAME STATUS ARGS... [--expect EXPECTATION...]
#                                   boot in the background (cloudit.sh ARGS plus
#                                   --headless --no-build --accel tcg --timeout),
#                                   then check status and expectations. STATUS
#                                   "running": the guest is not expected to stop;
#                                   the case ends (and stops it) as soon as every
#                                   positive expectation has appeared, and fails
#                                   if the guest stops first or the timeout hits
#   boot_input_case NAME STATUS READY INPUT ARGS... [--expect EXPECTATION...]
#                                   as boot_case, with cloudit.sh --input: once a
#                                   line matching the ERE READY appears, INPUT is
#                                   written to the guest's serial console
#                                   (printf %b; "@FILE" sends FILE's bytes)
#   cli_case NAME STATUS ARGS... [--expect EXPECTATION...]
#                                   run cloudit.sh ARGS in the foreground; for a
#                                   usage error (STATUS 2) also check the output
#                                   is exactly one line on stderr
#   file_case NAME FILE EXPECTATION...
#                                   check a file (e.g. a --log copy) the same way
#   boot_apps                       names of all apps (apps/NAME/*.c)
#   boot_finish                     wait for all cases; exit 1 if any failed

BOOT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BOOT_CLOUDIT="$BOOT_ROOT/tools/cloudit.sh"
BOOT_JOBS=${BOOT_JOBS:-2}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-60}
BOOT_TAIL=${BOOT_TAIL:-25}
BOOT_SUITE=""
BOOT_TMP=""
BOOT_PIDS=()

boot_cleanup() {
	local pid
	for pid in "${BOOT_PIDS[@]}"; do
		# Each case runs in its own process group (set -m): end the group,
		# which holds cloudit.sh, timeout and QEMU.
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${BOOT_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	BOOT_PIDS=()
	[[ -n "$BOOT_TMP" ]] && rm -rf "$BOOT_TMP"
	return 0
}

boot_init() {
	BOOT_SUITE=${1:?boot_init: SUITE missing}
	BOOT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/skiff-boot-$BOOT_SUITE.XXXXXX") || {
		echo "FAIL $BOOT_SUITE: cannot create a temp dir"
		exit 1
	}
	trap boot_cleanup EXIT
	trap 'boot_cleanup; trap - EXIT; exit 130' INT
	trap 'boot_cleanup; trap - EXIT; exit 143' TERM
	if [[ "${BOOT_NO_BUILD:-0}" != 1 ]]; then
		make -C "$BOOT_ROOT" -s --no-print-directory -j2 >&2 || {
			echo "FAIL $BOOT_SUITE: build failed"
			exit 1
		}
	fi
}

boot_skip() {
	if [[ "${CI:-}" == "true" ]]; then
		echo "FAIL $BOOT_SUITE: $* (CI=true: not skipping)"
		exit 1
	fi
	echo "SKIP $BOOT_SUITE: $*"
	exit 77
}

boot_require() {
	command -v qemu-system-x86_64 >/dev/null || boot_skip "qemu-system-x86_64 missing (tools/deps.sh installs it)"
	command -v timeout >/dev/null || boot_skip "timeout(1) missing"
	[[ -r /usr/share/OVMF/OVMF_CODE_4M.fd && -r /usr/share/OVMF/OVMF_VARS_4M.fd ]] ||
		boot_skip "OVMF firmware missing (tools/deps.sh installs ovmf)"
	[[ -x "$BOOT_CLOUDIT" ]] || boot_skip "tools/cloudit.sh missing"
}

boot_apps() {
	local d
	for d in "$BOOT_ROOT"/apps/*/; do
		compgen -G "$d*.c" >/dev/null && basename "$d"
	done
}

# boot_check LOG RC STATUS EXPECTATION...: echo the reasons a case fails,
# one per line; nothing when it passes.
boot_check() {
	local log=$1 rc=$2 status=$3 e
	shift 3
	[[ "$rc" == "$status" ]] || echo "exit status $rc, expected $status"
	for e in "$@"; do
		case "$e" in
		'~'*) grep -Eq -- "${e#\~}" "$log" || echo "no line matches /${e#\~}/" ;;
		'!'*) ! grep -Eq -- "${e#!}" "$log" || echo "unexpected line matching /${e#!}/: $(grep -Em1 -- "${e#!}" "$log")" ;;
		*) grep -Fq -- "$e" "$log" || echo "no line contains '$e'" ;;
		esac
	done
}

# boot_verdict NAME LOG REASONS: print the verdict (one write, so the lines
# of parallel cases do not interleave) and leave a .pass/.fail marker.
boot_verdict() {
	local name=$1 log=$2 reasons=$3 out
	if [[ -z "$reasons" ]]; then
		printf 'PASS %s/%s\n' "$BOOT_SUITE" "$name"
		: >"$BOOT_TMP/$name.pass"
		return 0
	fi
	out="FAIL $BOOT_SUITE/$name: ${reasons//$'\n'/; }"$'\n'
	if [[ -s "$log" ]]; then
		out+="    --- last $BOOT_TAIL lines of $name's output ---"$'\n'
		out+=$(tail -n "$BOOT_TAIL" "$log" | sed 's/^/    | /')$'\n'
	fi
	printf '%s' "$out"
	: >"$BOOT_TMP/$name.fail"
	return 1
}

# Split "ARGS... --expect EXPECTATIONS..." into BOOT_ARGS and BOOT_EXPECT.
boot_split_args() {
	BOOT_ARGS=() BOOT_EXPECT=()
	while [[ $# -gt 0 && "$1" != --expect ]]; do
		BOOT_ARGS+=("$1")
		shift
	done
	[[ $# -gt 0 ]] && shift
	BOOT_EXPECT=("$@")
}

boot_run_case() {
	local name=$1 status=$2 rc reasons cpid stopped=0 e positives=()
	local log="$BOOT_TMP/$name.log" tmpd="$BOOT_TMP/$name.tmp"
	shift 2
	boot_split_args "$@"
	mkdir -p "$tmpd"
	: >"$log.raw" # exists before the background job opens it: the poll below reads it
	# The suite's --timeout comes first so a case's own one wins.
	if [[ -n "${BOOT_INPUT_READY:-}" ]]; then
		# A FIFO held open read-write here: QEMU reads it, we write to it,
		# and it never reaches end-of-file while the guest runs.
		mkfifo "$BOOT_TMP/$name.in" && exec 3<>"$BOOT_TMP/$name.in"
		TMPDIR=$tmpd "$BOOT_CLOUDIT" --headless --input --no-build --timeout "$BOOT_TIMEOUT" "${BOOT_ARGS[@]}" \
			<&3 >"$log.raw" 2>&1 &
		cpid=$!
		while kill -0 "$cpid" 2>/dev/null; do
			if tr -d '\r' <"$log.raw" | grep -Eq -- "$BOOT_INPUT_READY"; then
				if [[ "$BOOT_INPUT" == @* ]]; then cat -- "${BOOT_INPUT#@}" >&3; else printf '%b' "$BOOT_INPUT" >&3; fi
				break
			fi
			sleep 0.2
		done
	else
		TMPDIR=$tmpd "$BOOT_CLOUDIT" --headless --no-build --timeout "$BOOT_TIMEOUT" "${BOOT_ARGS[@]}" \
			</dev/null >"$log.raw" 2>&1 &
		cpid=$!
	fi
	if [[ "$status" == running ]]; then
		# A guest that never stops: done once every positive expectation
		# has appeared; then stop it (cloudit's TERM trap ends QEMU).
		for e in "${BOOT_EXPECT[@]}"; do
			[[ "$e" == '!'* ]] || positives+=("$e")
		done
		while kill -0 "$cpid" 2>/dev/null; do
			tr -d '\r' <"$log.raw" >"$log"
			if [[ -z "$(boot_check "$log" running running "${positives[@]}")" ]]; then
				stopped=1
				kill -TERM "$cpid" 2>/dev/null
				break
			fi
			sleep 0.2
		done
	fi
	wait "$cpid"
	rc=$?
	tr -d '\r' <"$log.raw" >"$log"
	if [[ "$status" == running ]]; then
		reasons=$(boot_check "$log" running running "${BOOT_EXPECT[@]}")
		[[ $stopped -eq 1 ]] ||
			reasons="guest stopped (status $rc) before every expected line appeared${reasons:+$'\n'}$reasons"
	else
		reasons=$(boot_check "$log" "$rc" "$status" "${BOOT_EXPECT[@]}")
	fi
	if [[ -n "$(find "$tmpd" -mindepth 1 -maxdepth 1)" ]]; then
		reasons+="${reasons:+$'\n'}cloudit left temp files: $(find "$tmpd" -mindepth 1 -maxdepth 1 -printf '%f ')"
	fi
	boot_verdict "$name" "$log" "$reasons"
}

# Wait until fewer than BOOT_JOBS cases run.
boot_slot() {
	local pid alive
	while :; do
		alive=()
		for pid in "${BOOT_PIDS[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive+=("$pid")
		done
		[[ ${#alive[@]} -lt $BOOT_JOBS ]] && return 0
		wait -n "${alive[@]}" 2>/dev/null || true
	done
}

boot_case() {
	local name=${1:?boot_case: NAME missing} status=${2:?boot_case: STATUS missing}
	shift 2
	boot_slot
	# set -m: the case gets its own process group, so cleanup can end it whole.
	set -m
	boot_run_case "$name" "$status" --accel tcg "$@" &
	BOOT_PIDS+=("$!")
	set +m
}

boot_input_case() {
	local name=${1:?boot_input_case: NAME missing} status=${2:?boot_input_case: STATUS missing}
	local BOOT_INPUT_READY=${3:?boot_input_case: READY missing} BOOT_INPUT=${4?boot_input_case: INPUT missing}
	shift 4
	boot_slot
	set -m
	boot_run_case "$name" "$status" --accel tcg "$@" &
	BOOT_PIDS+=("$!")
	set +m
}

cli_case() {
	local name=${1:?cli_case: NAME missing} status=${2:?cli_case: STATUS missing}
	local out="$BOOT_TMP/$name.out" err="$BOOT_TMP/$name.err" log="$BOOT_TMP/$name.log" rc reasons
	shift 2
	boot_split_args "$@"
	timeout -k 5 "$BOOT_TIMEOUT" "$BOOT_CLOUDIT" "${BOOT_ARGS[@]}" </dev/null >"$out" 2>"$err"
	rc=$?
	cat "$out" "$err" >"$log"
	reasons=$(boot_check "$log" "$rc" "$status" "${BOOT_EXPECT[@]}")
	if [[ "$status" == 2 ]]; then
		[[ -s "$out" ]] && reasons+="${reasons:+$'\n'}printed on stdout for a usage error"
		[[ $(wc -l <"$err") -eq 1 ]] || reasons+="${reasons:+$'\n'}$(wc -l <"$err") lines on stderr, expected exactly one"
	fi
	boot_verdict "$name" "$log" "$reasons"
}

file_case() {
	local name=${1:?file_case: NAME missing} file=${2:?file_case: FILE missing} reasons
	shift 2
	if [[ ! -f "$file" ]]; then
		boot_verdict "$name" /dev/null "$file does not exist"
		return
	fi
	tr -d '\r' <"$file" >"$BOOT_TMP/$name.log"
	boot_verdict "$name" "$BOOT_TMP/$name.log" "$(boot_check "$BOOT_TMP/$name.log" 0 0 "$@")"
}

boot_finish() {
	local pid passed failed
	for pid in "${BOOT_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	BOOT_PIDS=()
	passed=$(find "$BOOT_TMP" -maxdepth 1 -name '*.pass' | wc -l)
	failed=$(find "$BOOT_TMP" -maxdepth 1 -name '*.fail' | wc -l)
	echo "$BOOT_SUITE: $passed passed, $failed failed"
	[[ $failed -eq 0 ]]
	exit $?
}
