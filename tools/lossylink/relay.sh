# shellcheck shell=bash
# tools/lossylink/relay.sh: start and stop tools/lossylink beside a QEMU,
# for the scripts that boot guests (tools/cloudit.sh --link,
# bench/linux/run.sh --link). Sourced by bash.
#
#   link_start TAP DIR SPEC   start build/host/lossylink on TAP with its two
#                             sockets in DIR (a private temp dir), wait (5 s
#                             at most) until it is attached and bound; sets
#                             LINK_PID and LINK_NETDEV (the QEMU -netdev
#                             value after "ID,": dgram over those sockets).
#                             Returns 0, 2 when the relay refused SPEC, 1
#                             when it did not start (its reason is on stderr)
#   link_stop                 TERM to the relay and wait: it prints its
#                             counters on stderr as it goes. Idempotent.
# The relay inherits stderr and runs with --exit-with-parent, so it ends
# with the script that started it even if that one is killed.

LINK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LINK_PID="" LINK_NETDEV=""

link_start() {
	local tap=$1 dir=$2 spec=$3 i rc
	"$LINK_ROOT/build/host/lossylink" --tap "$tap" --sock "$dir/link.sock" --peer "$dir/qemu.sock" \
		--link "$spec" --exit-with-parent </dev/null >&2 &
	LINK_PID=$!
	for ((i = 0; i < 100; i++)); do
		[[ -S "$dir/link.sock" ]] && break
		kill -0 "$LINK_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [[ ! -S "$dir/link.sock" ]]; then
		kill -TERM "$LINK_PID" 2>/dev/null
		wait "$LINK_PID" 2>/dev/null
		rc=$?
		LINK_PID=""
		[[ $rc -eq 2 ]] && return 2
		return 1
	fi
	# shellcheck disable=SC2034 # an output for the caller
	LINK_NETDEV="local.type=unix,local.path=$dir/qemu.sock,remote.type=unix,remote.path=$dir/link.sock"
}

link_stop() {
	[[ -n "$LINK_PID" ]] || return 0
	kill -TERM "$LINK_PID" 2>/dev/null
	wait "$LINK_PID" 2>/dev/null
	LINK_PID=""
}
