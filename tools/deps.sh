#!/usr/bin/env bash
# tools/deps.sh [--quiet]: install the Debian 12 packages skiff needs to build,
# boot and test, when some are missing.
#
# Promises:
#   - the check is one dpkg-query call, so it is instant when all is there;
#   - as root, missing packages are installed with apt-get (non-interactive);
#   - not root, it prints exactly the command to run and exits 1;
#   - --quiet prints nothing when nothing is missing.
# Exit status: 0 all present (or installed), 1 missing and not installed,
# 2 bad usage.
set -euo pipefail

# Build: gcc binutils make; images: grub-* xorriso mtools; boot: qemu ovmf;
# host tests: libcmocka-dev; network tests: iproute2 iputils-ping curl
# netcat-openbsd; procps for ps (tests/lib/netns.sh); dnsmasq-base for the
# DHCP server of tests/net/multi_nic.sh (the binary only: no service that
# would start and bind port 53 on the host); python3 for the TCP checks
# (tests/net/tcp_client.py) and the QEMU monitor in virtio_ping.sh;
# telnet (the transitional package that brings inetutils-telnet) driven by
# expect, and wrk, for tests/net/httpd.sh and bench/http.sh; bsdutils
# (script(1): a terminal for tools/cloudit.sh) for the user's path in
# tests/boot/cloudit-cli.sh and tests/net/cloudit_tap.sh; perl-base for
# cloudit's serial filter; clang and its runtimes (libFuzzer, the
# sanitizers) for the fuzz targets of tests/fuzz/; python3-scapy (forged
# frames) and hping3 (SYN floods) for tests/net/attack.sh, tests/net/flood.sh
# and bench/flood.sh.
PACKAGES=(
	gcc binutils make
	grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools
	qemu-system-x86 ovmf
	libcmocka-dev
	iproute2 iputils-ping curl netcat-openbsd procps dnsmasq-base
	python3 telnet expect wrk bsdutils perl-base
	clang libclang-rt-dev python3-scapy hping3
)

quiet=0
for arg in "$@"; do
	case "$arg" in
	--quiet | -q) quiet=1 ;;
	-h | --help)
		echo "usage: tools/deps.sh [--quiet]   install missing build/test packages (Debian 12)"
		exit 0
		;;
	*)
		echo "deps: unknown option '$arg' (usage: tools/deps.sh [--quiet])" >&2
		exit 2
		;;
	esac
done

say() { [[ $quiet -eq 1 ]] || echo "deps: $*"; }

missing_packages() {
	local installed
	if ! command -v dpkg-query >/dev/null; then
		# Not Debian: nothing to compare against; report all.
		printf '%s\n' "${PACKAGES[@]}"
		return
	fi
	# Unknown packages make dpkg-query complain on stderr and print no line.
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null |
		awk '$2 == "installed" { print $1 }') || true
	local p
	for p in "${PACKAGES[@]}"; do
		grep -qx -- "$p" <<<"$installed" || echo "$p"
	done
}

mapfile -t missing < <(missing_packages)
if [[ ${#missing[@]} -eq 0 ]]; then
	say "all ${#PACKAGES[@]} packages present"
	exit 0
fi

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if ! command -v apt-get >/dev/null; then
	echo "deps: missing ${missing[*]}, and apt-get is not available (skiff expects Debian 12)" >&2
	exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run this as root, then retry:" >&2
	echo "$cmd" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}" >&2
# Output goes to stderr so callers' stdout (test reports) stays clean.
apt-get update >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2

mapfile -t still < <(missing_packages)
if [[ ${#still[@]} -gt 0 ]]; then
	echo "deps: still missing after install: ${still[*]}" >&2
	exit 1
fi
say "installed ${missing[*]}"
