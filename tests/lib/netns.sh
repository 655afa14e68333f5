# shellcheck shell=bash
# shellcheck disable=SC2034 # BG_PID, WAIT_LINE, WAIT_TIME are outputs for callers
# tests/lib/netns.sh: private network namespaces with tap devices for QEMU guests.
#
# Sourced by bash test and bench scripts. Every guest a test talks to sits on a tap
# device inside a namespace the script creates itself, so no test traffic can reach
# any real network: the namespace has only lo, its taps and (for several taps) a
# bridge, and no route out. Addresses follow the project plan: 10.77.N.0/24, host
# side .1, guest .2.
#
# Promises to callers:
#   - every namespace made by netns_create and every process started by bg_start is
#     recorded, and netns_cleanup kills those processes (by PID, or the process
#     group bg_start made for them) and deletes those namespaces, nothing else;
#   - netns_cleanup is idempotent and never fails, so it can sit in an EXIT trap;
#   - every wait is bounded by an explicit timeout;
#   - under CI=true a missing prerequisite is a loud failure (exit 1 with a
#     one-line reason), never a skip; elsewhere netns_require skips with exit 77.
#
# Functions:
#   netns_name BASE                          echo "skiff-BASE-<pid>" (unique per script)
#   netns_require                            check root, ip, /dev/net/tun (skip/fail)
#   netns_create NAME HOSTADDR/PREFIX [TAP...] namespace with lo up and taps (default tap0)
#   netns_add_tap NAME TAP [HOSTADDR/PREFIX] one more tap, up, on a link of its own
#   NETNS_MULTI_QUEUE=1                      taps made from then on are multi_queue
#                                            (IFF_MULTI_QUEUE: QEMU's queues=N, virtio MQ)
#   netns_exec NAME CMD...                   run CMD inside the namespace
#   bg_start NAME LOG CMD...                 start CMD in NAME in the background, output
#                                            to LOG, input from BG_STDIN (default
#                                            /dev/null); sets BG_PID and records it
#   bg_stop PID [GRACE_S]                    TERM, then KILL after GRACE_S (default 3)
#   wait_for_line FILE REGEX TIMEOUT_S [PID] wait for a line matching REGEX; sets
#                                            WAIT_LINE and WAIT_TIME (EPOCHREALTIME)
#   netns_cleanup                            kill recorded PIDs, delete recorded namespaces
#   netns_trap                               install netns_cleanup on EXIT, INT and TERM
#   netns_die MSG                            print "netns: MSG" to stderr, exit 1
#   netns_skip MSG                           exit 77 with "SKIP: MSG", or netns_die under CI

NETNS_CREATED=()
NETNS_PIDS=()

netns_die() {
	echo "netns: $*" >&2
	exit 1
}

netns_skip() {
	if [[ "${CI:-}" == "true" ]]; then
		netns_die "$* (CI=true: not skipping)"
	fi
	echo "SKIP: $*" >&2
	exit 77
}

netns_name() {
	echo "skiff-${1:?netns_name: BASE missing}-$$"
}

netns_require() {
	local tool
	[[ $(id -u) -eq 0 ]] || netns_skip "need root for ip netns and tap devices"
	for tool in ip setsid ps; do
		command -v "$tool" >/dev/null || netns_skip "missing tool: $tool"
	done
	[[ -c /dev/net/tun ]] || netns_skip "/dev/net/tun is missing (no tap support)"
}

netns_exec() {
	local ns=${1:?netns_exec: NAME missing}
	shift
	ip netns exec "$ns" "$@"
}

# NETNS_TAP_FLAGS: the extra ip tuntap flags (none, or multi_queue) for the next tap.
netns_tap_flags() {
	NETNS_TAP_FLAGS=()
	[[ "${NETNS_MULTI_QUEUE:-0}" == 1 ]] && NETNS_TAP_FLAGS=(multi_queue)
	return 0
}

# netns_create NAME HOSTADDR/PREFIX [TAP...]
# One tap gets the host address itself; several taps are enslaved to a bridge br0
# that carries the address, so guests on them share one L2 segment.
netns_create() {
	local ns=${1:?netns_create: NAME missing}
	local addr=${2:?netns_create: HOSTADDR/PREFIX missing}
	shift 2
	local taps=("$@") tap dev err
	[[ ${#taps[@]} -gt 0 ]] || taps=(tap0)
	[[ "$addr" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$ ]] ||
		netns_die "bad host address '$addr' (want A.B.C.D/PREFIX)"

	err=$(ip netns add "$ns" 2>&1) || netns_die "cannot create namespace $ns: $err"
	NETNS_CREATED+=("$ns")
	netns_exec "$ns" ip link set lo up || netns_die "cannot bring up lo in $ns"
	# No IPv6: keeps router solicitations and DAD probes off the guest's wire.
	netns_exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true

	for tap in "${taps[@]}"; do
		netns_tap_flags
		err=$(netns_exec "$ns" ip tuntap add dev "$tap" mode tap "${NETNS_TAP_FLAGS[@]}" 2>&1) ||
			netns_die "cannot create tap $tap in $ns: $err"
	done
	dev=${taps[0]}
	if [[ ${#taps[@]} -gt 1 ]]; then
		dev=br0
		netns_exec "$ns" ip link add br0 type bridge ||
			netns_die "cannot create bridge br0 in $ns"
		for tap in "${taps[@]}"; do
			netns_exec "$ns" ip link set "$tap" master br0 ||
				netns_die "cannot enslave $tap to br0 in $ns"
		done
	fi
	err=$(netns_exec "$ns" ip addr add "$addr" dev "$dev" 2>&1) ||
		netns_die "cannot add $addr to $dev in $ns: $err"
	for tap in "${taps[@]}" "$dev"; do
		netns_exec "$ns" ip link set "$tap" up || netns_die "cannot bring up $tap in $ns"
	done
}

# netns_add_tap NAME TAP [HOSTADDR/PREFIX]: a tap outside netns_create's bridge,
# so a second guest NIC gets a subnet of its own (or, unaddressed, can be moved
# to another namespace once QEMU has opened it).
netns_add_tap() {
	local ns=${1:?netns_add_tap: NAME missing} tap=${2:?netns_add_tap: TAP missing} addr=${3:-} err
	netns_tap_flags
	err=$(netns_exec "$ns" ip tuntap add dev "$tap" mode tap "${NETNS_TAP_FLAGS[@]}" 2>&1) ||
		netns_die "cannot create tap $tap in $ns: $err"
	if [[ -n "$addr" ]]; then
		err=$(netns_exec "$ns" ip addr add "$addr" dev "$tap" 2>&1) ||
			netns_die "cannot add $addr to $tap in $ns: $err"
	fi
	netns_exec "$ns" ip link set "$tap" up || netns_die "cannot bring up $tap in $ns"
}

# bg_start NAME LOG CMD...: CMD runs in its own session (setsid) so bg_stop can end
# it together with any children it forked (a wrapper script and its QEMU). Its
# input is BG_STDIN when set (a guest console's FIFO), else /dev/null.
bg_start() {
	local ns=${1:?bg_start: NAME missing} log=${2:?bg_start: LOG missing}
	shift 2
	[[ $# -gt 0 ]] || netns_die "bg_start: no command"
	setsid ip netns exec "$ns" "$@" <"${BG_STDIN:-/dev/null}" >"$log" 2>&1 &
	BG_PID=$!
	NETNS_PIDS+=("$BG_PID")
}

# Send SIG to PID's process group if PID leads one (bg_start made it so), else PID.
netns_signal() {
	local sig=$1 pid=$2 pgid
	pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ') || true
	if [[ "$pgid" == "$pid" ]]; then
		kill "-$sig" -- "-$pid" 2>/dev/null || true
	else
		kill "-$sig" "$pid" 2>/dev/null || true
	fi
}

bg_stop() {
	local pid=${1:?bg_stop: PID missing} grace=${2:-3} i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	netns_signal TERM "$pid"
	for ((i = 0; i < grace * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && netns_signal KILL "$pid"
	wait "$pid" 2>/dev/null || true
}

# wait_for_line FILE REGEX TIMEOUT_S [PID]
# Polls every 10 ms. Returns 0 on a match (WAIT_LINE, WAIT_TIME set), 1 on
# timeout, 2 if PID exited first. Partial (unterminated) lines are matched too.
wait_for_line() {
	local file=${1:?wait_for_line: FILE missing} re=${2:?wait_for_line: REGEX missing}
	local timeout=${3:?wait_for_line: TIMEOUT missing} pid=${4:-}
	local fd chunk buf="" now deadline
	WAIT_LINE="" WAIT_TIME=""
	deadline=$(awk -v t="$EPOCHREALTIME" -v d="$timeout" 'BEGIN { printf "%.6f", t + d }')
	while [[ ! -e "$file" ]]; do
		now=$EPOCHREALTIME
		[[ ${now/./} -lt ${deadline/./} ]] || return 1
		sleep 0.01
	done
	exec {fd}<"$file"
	while :; do
		while IFS= read -r chunk <&"$fd"; do
			buf+=$chunk
			if [[ "$buf" =~ $re ]]; then
				WAIT_TIME=$EPOCHREALTIME WAIT_LINE=$buf
				exec {fd}<&-
				return 0
			fi
			buf=""
		done
		buf+=$chunk # read hit EOF mid-line: keep the partial line
		if [[ -n "$buf" && "$buf" =~ $re ]]; then
			WAIT_TIME=$EPOCHREALTIME WAIT_LINE=$buf
			exec {fd}<&-
			return 0
		fi
		now=$EPOCHREALTIME
		if [[ ${now/./} -ge ${deadline/./} ]]; then
			exec {fd}<&-
			return 1
		fi
		if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
			exec {fd}<&-
			return 2
		fi
		sleep 0.01
	done
}

netns_cleanup() {
	local pid ns
	for pid in "${NETNS_PIDS[@]}"; do
		bg_stop "$pid" 3
	done
	NETNS_PIDS=()
	for ns in "${NETNS_CREATED[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	NETNS_CREATED=()
	return 0
}

netns_trap() {
	trap netns_cleanup EXIT
	trap 'netns_cleanup; trap - EXIT; exit 130' INT
	trap 'netns_cleanup; trap - EXIT; exit 143' TERM
}
