# shellcheck shell=bash
# shellcheck disable=SC2034 # GUEST_* are outputs for callers
# tests/lib/guest.sh: the frame the network suites (tests/net/*.sh) share:
# skiff guests booted by tools/cloudit.sh on taps in a private namespace
# (tests/lib/netns.sh, sourced from here), checked from the host with one
# PASS or FAIL line per case.
#
# Sourced by bash. A suite calls guest_init, builds its app (guest_build),
# makes its namespace (netns_create), boots guests (guest_boot), reports its
# cases (pass, fail) and ends with guest_finish.
#
# Promises to callers:
#   - pass and fail print one line each, "PASS SUITE: DETAIL" and "FAIL
#     SUITE: DETAIL"; fail counts in GUEST_FAILURES;
#   - a missing prerequisite (root, taps, a tool) skips with exit 77, or
#     fails under CI=true (netns_skip);
#   - on exit, interrupt or termination every process started through
#     bg_start (guests included) is killed by PID, every namespace made by
#     netns_create deleted (netns_cleanup), then the scratch folder
#     GUEST_TMP removed unless PREFIX_KEEP is set;
#   - every wait is bounded: 600 s for a build, GUEST_BOOT_TIMEOUT for a
#     guest's ready line, LIMIT + 10 s for a tcp_client.py run.
#
# Functions:
#   guest_init SUITE PREFIX TOOL...   check root, taps and each TOOL; make GUEST_TMP;
#                                    install the traps. PREFIX names the suite's
#                                    environment: PREFIX_BOOT_TIMEOUT (s to a guest's
#                                    ready line under TCG, default 120) sets
#                                    GUEST_BOOT_TIMEOUT; PREFIX_KEEP=1 keeps GUEST_TMP
#                                    (the guests' logs)
#   pass DETAIL / fail DETAIL        one case's line
#   guest_build APP...               make APP=... in the tree; FAIL and exit 1 if it fails
#                                    (nothing with GUEST_NO_BUILD=1 when the images exist)
#   guest_build_scratch APP DIR      a copy of the tree in GUEST_TMP with DIR's files as
#                                    apps/APP (an app kept out of a plain `make`), its
#                                    images built (from the tree's kernel objects);
#                                    guests boot from that copy from then on
#   guest_start NS LOG APP ARG...    tools/cloudit.sh APP --headless --accel tcg --no-build
#                                    ARG... in NS in the background, output to LOG; sets
#                                    GUEST_PID. BG_STDIN=FILE (with --input): the guest's
#                                    console reads FILE
#   guest_boot WHY NS LOG READY APP ARG...
#                                    guest_start, then wait for a line matching READY:
#                                    0 with GUEST_BOOT_S (seconds to it) and WAIT_LINE;
#                                    else "FAIL WHY within Ns", LOG's tail, guest stopped, 1
#   guest_no_faults WHY LOG...       true when no LOG shows a panic or CPU exception;
#                                    else "FAIL WHY" and the first such lines, false
#   guest_tcp_case NS NAME LIMIT ARG...
#                                    tests/net/tcp_client.py --timeout LIMIT ARG... in NS:
#                                    "PASS NAME DETAIL" on its "ok DETAIL" line, else
#                                    "FAIL NAME: LINE"; GUEST_OUT is the line; 0 or 1
#   guest_await_line LOG ERE LIMIT [PRED]
#                                    wait up to LIMIT s for a line of LOG matching ERE
#                                    that was not there at the call and for which the
#                                    shell function PRED (given the line) is true; 0
#                                    when one came, else 1. GUEST_LINE is the last line
#                                    matching ERE either way (a guest's periodic
#                                    counters line: the wait ends with the first line
#                                    that shows what the case expects, not after a
#                                    fixed sleep)
#   guest_finish                     "SUITE: N failed" and exit 1, or "SUITE: all
#                                    passed" and exit 0

GUEST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/netns.sh
source "$GUEST_ROOT/tests/lib/netns.sh"

GUEST_CLOUDIT=$GUEST_ROOT/tools/cloudit.sh
GUEST_FAILURES=0
# What a guest's serial log shows for a panic or a CPU exception.
GUEST_FAULT_RE='panic|exception|#PF|#GP|double fault'

pass() { echo "PASS $GUEST_SUITE: $*"; }
fail() {
	echo "FAIL $GUEST_SUITE: $*"
	GUEST_FAILURES=$((GUEST_FAILURES + 1))
}

guest_init() {
	GUEST_SUITE=${1:?guest_init: SUITE missing}
	local prefix=${2:?guest_init: PREFIX missing} tool keep
	shift 2
	keep=${prefix}_KEEP
	GUEST_KEEP=${!keep:-}
	keep=${prefix}_BOOT_TIMEOUT
	GUEST_BOOT_TIMEOUT=${!keep:-120}
	netns_require
	for tool in "$@"; do
		command -v "$tool" >/dev/null || netns_skip "missing tool: $tool (tools/deps.sh installs it)"
	done
	GUEST_TMP=$(mktemp -d "/tmp/skiff-$GUEST_SUITE.XXXXXX") || netns_die "mktemp failed"
	trap guest_cleanup EXIT
	trap 'guest_cleanup; trap - EXIT; exit 130' INT
	trap 'guest_cleanup; trap - EXIT; exit 143' TERM
}

# shellcheck disable=SC2317 # called from the traps
guest_cleanup() {
	netns_cleanup
	[[ -n "$GUEST_KEEP" ]] || rm -rf "$GUEST_TMP"
}

# guest_make DIR APP [TARGET...]: one app's images (and the host tools, or
# TARGET) in the tree at DIR (bounded, -j2: the machine is shared); on
# failure the case "build" fails and the suite ends.
# GUEST_NO_BUILD=1 (tests/run.sh, after its build stage made every image):
# the tree's own images are used as they are (a no-op make costs most of a
# second a suite); a scratch tree is always built.
guest_make() {
	local dir=$1 app=$2 log="$GUEST_TMP/build-$2.log"
	shift 2
	if [[ "${GUEST_NO_BUILD:-0}" == 1 && "$dir" == "$GUEST_ROOT" &&
		-f "$dir/build/$app.elf" && -f "$dir/build/$app.img" ]]; then
		return 0
	fi
	if ! timeout 600 make -C "$dir" -s -j2 APP="$app" "$@" >"$log" 2>&1; then
		fail "build: make APP=$app failed:"
		tail -n 20 "$log"
		exit 1
	fi
}

guest_build() {
	local app
	for app in "$@"; do
		guest_make "$GUEST_ROOT" "$app"
	done
}

guest_build_scratch() {
	local app=${1:?guest_build_scratch: APP missing} dir=${2:?guest_build_scratch: DIR missing}
	local tree=$GUEST_TMP/tree
	mkdir -p "$tree" || netns_die "cannot make $tree"
	(cd "$GUEST_ROOT" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$tree" ||
		netns_die "cannot copy the tree to $tree"
	mkdir -p "$tree/apps/$app" || netns_die "cannot make $tree/apps/$app"
	cp "$dir"/* "$tree/apps/$app/" || netns_die "cannot copy $dir to $tree/apps/$app"
	# The kernel's objects as the tree's own build made them (same sources,
	# mtimes kept, dependency files with relative paths): make then compiles
	# only the app, where a kernel built from nothing costs tens of seconds.
	if [[ -d "$GUEST_ROOT/build/obj" ]]; then
		(cd "$GUEST_ROOT" && tar -cf - build/obj) | tar -xf - -C "$tree" ||
			netns_die "cannot copy build/obj to $tree"
	fi
	guest_make "$tree" "$app" images
	GUEST_CLOUDIT=$tree/tools/cloudit.sh
}

guest_start() {
	local ns=${1:?guest_start: NS missing} log=${2:?guest_start: LOG missing}
	local app=${3:?guest_start: APP missing}
	shift 3
	bg_start "$ns" "$log" "$GUEST_CLOUDIT" "$app" --headless --accel tcg --no-build "$@"
	GUEST_PID=$BG_PID
}

guest_boot() {
	local why=${1:?guest_boot: WHY missing} ns=${2:?guest_boot: NS missing}
	local log=${3:?guest_boot: LOG missing} ready=${4:?guest_boot: READY missing} t0
	shift 4
	t0=$EPOCHREALTIME
	guest_start "$ns" "$log" "$@"
	if ! wait_for_line "$log" "$ready" "$GUEST_BOOT_TIMEOUT" "$GUEST_PID"; then
		fail "$why within ${GUEST_BOOT_TIMEOUT}s"
		tail -n 15 "$log"
		bg_stop "$GUEST_PID"
		return 1
	fi
	GUEST_BOOT_S=$(awk -v a="$t0" -v b="$WAIT_TIME" 'BEGIN { printf "%.1f", b - a }')
}

guest_no_faults() {
	local why=${1:?guest_no_faults: WHY missing}
	shift
	grep -qiE "$GUEST_FAULT_RE" "$@" || return 0
	fail "$why"
	grep -iE "$GUEST_FAULT_RE" "$@" | head -n 5
	return 1
}

guest_tcp_case() {
	local ns=${1:?guest_tcp_case: NS missing} name=${2:?guest_tcp_case: NAME missing}
	local limit=${3:?guest_tcp_case: LIMIT missing}
	shift 3
	GUEST_OUT=$(netns_exec "$ns" timeout "$((limit + 10))" python3 "$GUEST_ROOT/tests/net/tcp_client.py" \
		--timeout "$limit" "$@" 2>&1 | tail -n 1)
	if [[ "$GUEST_OUT" == ok* ]]; then
		pass "$name ${GUEST_OUT#ok }"
		return 0
	fi
	fail "$name: ${GUEST_OUT:-no output from the client}"
	return 1
}

guest_await_line() {
	local log=${1:?guest_await_line: LOG missing} re=${2:?guest_await_line: ERE missing}
	local limit=${3:?guest_await_line: LIMIT missing} pred=${4:-true} seen end line
	seen=$(grep -cE -- "$re" "$log")
	end=$((SECONDS + limit))
	while :; do
		# Whole lines only (head -n: those ended by a newline so far); a
		# line still being printed is read on a later pass.
		while IFS= read -r line; do
			seen=$((seen + 1))
			"$pred" "$line" && { GUEST_LINE=$line; return 0; }
		done < <(head -n "$(wc -l <"$log")" "$log" | grep -E -- "$re" | tail -n +$((seen + 1)))
		[[ $SECONDS -lt $end ]] || break
		sleep 0.2
	done
	GUEST_LINE=$(grep -E -- "$re" "$log" | tail -n 1)
	return 1
}

guest_finish() {
	if [[ $GUEST_FAILURES -gt 0 ]]; then
		echo "$GUEST_SUITE: $GUEST_FAILURES failed"
		exit 1
	fi
	echo "$GUEST_SUITE: all passed"
	exit 0
}
