# shellcheck shell=bash
# shellcheck disable=SC2034 # ns, cpu are outputs for callers
# bench/lib/guest_ns.sh: the network a benchmark's guest lives on.
#
# bench_guest_ns NAME [HOST/N]
#                       creates namespace NAME (netns_name) with tap0 at
#                       HOST/N (default 10.77.1.1/24) and, when $MAC is set,
#                       a permanent neighbour entry for the guest ($GUEST,
#                       $MAC: fixed, so the host never waits on ARP and no
#                       timing rounds up to its 1 s retries),
#                       installs EXIT/INT/TERM traps that remove it and the
#                       caller's $tmp, and sets ns and cpu (the QEMU CPU
#                       model for $ACCEL). Needs tests/lib/netns.sh and
#                       bench/lib/accel.sh sourced.
bench_guest_ns() {
	finish() {
		netns_cleanup
		rm -rf "$tmp"
	}
	trap finish EXIT
	trap 'finish; trap - EXIT; exit 130' INT
	trap 'finish; trap - EXIT; exit 143' TERM
	ns=$(netns_name "$1")
	netns_create "$ns" "${2:-10.77.1.1/24}" tap0
	if [[ -n "${MAC:-}" ]]; then
		netns_exec "$ns" ip neigh replace "$GUEST" lladdr "$MAC" dev tap0 nud permanent
	fi
	cpu=$(accel_qemu_args "$ACCEL" | sed -n 's/.*-cpu \([^ ]*\).*/\1/p')
}
