#!/usr/bin/env bash
# bench/linux/build.sh: build the Linux yardstick VM from Debian packages only.
#
# Output: build/bench/linux/vmlinuz (Debian's linux-image-amd64 kernel),
# build/bench/linux/vmlinux (the same kernel unpacked from vmlinuz: an ELF with a
# PVH entry note that QEMU's -kernel boots directly, skipping the xz decompressor,
# as it boots a unikernel ELF) and build/bench/linux/initrd.img (busybox-static, nginx with exactly the shared libs
# it loads, the virtio-net and NE2000 PCI modules with their dependencies, and
# bench/linux/init; nginx serves /index.html, the 612-byte page apps/httpd
# serves as /612.html (the same bytes, copied from apps/httpd/www/) and a
# 1 MiB /1m.bin). Packages come from `apt-get download` into a cache under
# build/ and are unpacked with dpkg-deb -x; nothing is installed on the host.
# Idempotent: exits at once when the outputs are newer than their inputs.
#
# Usage: bench/linux/build.sh [--force] [--out DIR]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$root/build/bench/linux
force=0

die() {
	echo "bench/linux/build.sh: $*" >&2
	exit 1
}

while [[ $# -gt 0 ]]; do
	case "$1" in
	--force) force=1 ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (usage: build.sh [--force] [--out DIR])" ;;
	esac
	shift
done

page612=$root/apps/httpd/www/612.html
inputs=("$here/build.sh" "$here/init" "$here/nginx.conf" "$here/index.html" "$page612")
if [[ $force -eq 0 && -s "$out/vmlinuz" && -s "$out/vmlinux" && -s "$out/initrd.img" ]]; then
	stale=0
	for f in "${inputs[@]}"; do
		[[ "$f" -nt "$out/initrd.img" ]] && stale=1
	done
	if [[ $stale -eq 0 ]]; then
		echo "bench/linux: up to date: $out/vmlinuz $out/vmlinux $out/initrd.img"
		exit 0
	fi
fi

for tool in apt-get apt-cache dpkg-deb gzip xz grep; do
	command -v "$tool" >/dev/null || die "missing host tool: $tool"
done

cache=$out/cache
pkgroot=$out/pkgroot
stage=$out/initramfs
mkdir -p "$cache"

# Packages: the kernel behind the linux-image-amd64 metapackage, busybox-static,
# and nginx. In bookworm nginx-light and nginx-core are metapackages; the binary
# itself is in "nginx", so that is what we unpack.
apt_updated=0
apt_depends() { apt-cache depends --no-recommends --no-suggests "$1" 2>/dev/null; }
kpkg=$(apt_depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
if [[ -z "$kpkg" && $(id -u) -eq 0 ]]; then
	echo "bench/linux: apt lists look empty, running apt-get update once"
	apt-get update -qq >/dev/null || die "apt-get update failed"
	apt_updated=1
	kpkg=$(apt_depends linux-image-amd64 | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
fi
[[ -n "$kpkg" ]] || die "cannot resolve linux-image-amd64 (run apt-get update)"

# nginx's shared-library packages, closed over their own lib* dependencies.
libpkgs=()
queue=(nginx)
declare -A seen=()
while [[ ${#queue[@]} -gt 0 ]]; do
	p=${queue[0]}
	queue=("${queue[@]:1}")
	while read -r dep; do
		[[ -n "$dep" && -z "${seen[$dep]:-}" ]] || continue
		seen[$dep]=1
		libpkgs+=("$dep")
		queue+=("$dep")
	done < <(apt_depends "$p" | awk '$1 == "Depends:" && $2 ~ /^(lib|zlib)/ && $2 !~ /-(dev|doc|bin)$/ { print $2 }')
	[[ ${#libpkgs[@]} -lt 40 ]] || die "library dependency closure of nginx exploded: ${libpkgs[*]}"
done
pkgs=("$kpkg" busybox-static nginx "${libpkgs[@]}")

download() {
	(cd "$cache" && apt-get download -q -o APT::Sandbox::User=root "$@")
}
missing=()
for p in "${pkgs[@]}"; do
	compgen -G "$cache/${p}_*.deb" >/dev/null || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
	echo "bench/linux: apt-get download ${missing[*]}"
	if ! download "${missing[@]}" >/dev/null; then
		[[ $apt_updated -eq 0 && $(id -u) -eq 0 ]] || die "apt-get download failed: ${missing[*]}"
		apt-get update -qq >/dev/null || die "apt-get update failed"
		download "${missing[@]}" >/dev/null || die "apt-get download failed: ${missing[*]}"
	fi
fi

rm -rf "$pkgroot" "$stage"
mkdir -p "$pkgroot" "$stage"
: >"$out/versions.txt"
for p in "${pkgs[@]}"; do
	# Newest cached version of each package wins if the cache holds several.
	deb=$(printf "%s\n" "$cache/${p}"_*.deb | sort -V | tail -n 1)
	dpkg-deb -x "$deb" "$pkgroot"
	# shellcheck disable=SC2016 # dpkg's ${Package}, not the shell's
	dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb" >>"$out/versions.txt"
done

kver=${kpkg#linux-image-}
[[ -f "$pkgroot/boot/vmlinuz-$kver" ]] || die "no /boot/vmlinuz-$kver in $kpkg"
moddir=$pkgroot/lib/modules/$kver

# --- initramfs tree ---------------------------------------------------------
mkdir -p "$stage"/{bin,sbin,etc/yard,etc/nginx,proc,sys,dev,run,tmp,srv/www} \
	"$stage"/var/{log/nginx,lib/nginx} "$stage/lib/modules/$kver" "$stage/lib64"
cp "$pkgroot/bin/busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$here/init" "$stage/init"
chmod 755 "$stage/init"

# Modules in dependency order, from each .ko's own modinfo "depends=" field
# (the package ships no modules.dep; depmod runs in its postinst).
declare -A kopath=()
while IFS= read -r -d '' ko; do
	m=$(basename "$ko" .ko)
	kopath[${m//-/_}]=$ko
done < <(find "$moddir/kernel" -name '*.ko' -print0)
declare -A loaded=()
modorder=()
mod_visit() {
	local m=${1//-/_} d deps
	[[ -z "${loaded[$m]:-}" ]] || return 0
	[[ -n "${kopath[$m]:-}" ]] || die "module $m not in $kpkg"
	loaded[$m]=1
	deps=$(tr '\0' '\n' <"${kopath[$m]}" | sed -n 's/^depends=//p' | head -n 1)
	for d in ${deps//,/ }; do
		mod_visit "$d"
	done
	modorder+=("$(basename "${kopath[$m]}" .ko)")
	cp "${kopath[$m]}" "$stage/lib/modules/$kver/"
}
for nic in virtio ne2k; do
	loaded=()
	modorder=()
	if [[ $nic == virtio ]]; then
		mod_visit virtio_pci
		mod_visit virtio_net
	else
		mod_visit ne2k_pci
	fi
	printf '%s\n' "${modorder[@]}" >"$stage/etc/yard/modules.$nic"
done

# nginx and exactly the libraries the unpacked loader resolves for it from the
# unpacked packages; any "not found" means a package is missing from the list.
cp "$pkgroot/usr/sbin/nginx" "$stage/bin/nginx"
ldso=$pkgroot/lib64/ld-linux-x86-64.so.2
[[ -e "$ldso" ]] || die "no dynamic loader in the unpacked libc6"
libpath=$pkgroot/lib/x86_64-linux-gnu:$pkgroot/usr/lib/x86_64-linux-gnu
ldlist=$("$ldso" --library-path "$libpath" --list "$pkgroot/usr/sbin/nginx") ||
	die "cannot list nginx's libraries with the unpacked loader"
if grep -q 'not found' <<<"$ldlist"; then
	die "nginx needs libraries the unpacked packages lack: $(grep 'not found' <<<"$ldlist" | tr -s ' \t\n' ' ')"
fi
mkdir -p "$stage/lib/x86_64-linux-gnu"
while read -r lib; do
	cp -L "$lib" "$stage/lib/x86_64-linux-gnu/$(basename "$lib")"
done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 }' <<<"$ldlist")
cp -L "$ldso" "$stage/lib64/ld-linux-x86-64.so.2"

cp "$here/nginx.conf" "$stage/etc/nginx/nginx.conf"
cp "$pkgroot/etc/nginx/mime.types" "$stage/etc/nginx/mime.types" 2>/dev/null || true
cat >"$stage/etc/passwd" <<'EOF'
root:x:0:0:root:/:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$stage/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
cp "$here/index.html" "$stage/srv/www/index.html"
# bench/http.sh's page: the very bytes skiff's httpd serves, so both guests
# send the same body.
[[ -s "$page612" ]] || die "$page612 is missing"
cp "$page612" "$stage/srv/www/612.html"
# TCP services for bench/lib/tcp_bench.sh, run by busybox nc (bench/linux/init):
# echo is cat itself; discard and chargen are two-line scripts. chargen sends
# the RFC 864 pattern (95 lines of 72 printable characters, each starting one
# further, CR LF) from a file of 149 whole periods, one cat per ~1 MiB.
printf '#!/bin/sh\nexec cat >/dev/null\n' >"$stage/bin/yard-discard"
printf '#!/bin/sh\nwhile cat /etc/yard/chargen; do :; done\n' >"$stage/bin/yard-chargen"
chmod 755 "$stage/bin/yard-discard" "$stage/bin/yard-chargen"
awk 'BEGIN {
	for (p = 0; p < 149; p++)
		for (l = 0; l < 95; l++) {
			s = ""
			for (c = 0; c < 72; c++)
				s = s sprintf("%c", 32 + (l + c) % 95)
			printf "%s\r\n", s
		}
}' >"$stage/etc/yard/chargen"
# 1 MiB payload with a fixed, checkable content for HTTP throughput benchmarks.
(yes 'skiff yardstick 1 MiB payload 0123456789abcdef' || true) | head -c 1048576 >"$stage/srv/www/1m.bin"

# --- pack ---------------------------------------------------------------------
tmp_initrd=$out/initrd.img.tmp
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	"$stage/bin/busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -6 -n >"$tmp_initrd"
cp "$pkgroot/boot/vmlinuz-$kver" "$out/vmlinuz.tmp"
# Debian builds with CONFIG_KERNEL_XZ: the payload is the first xz stream in the
# bzImage; xz complains about the bytes after it, so check the ELF header instead.
xzoff=$(LC_ALL=C grep -abo $'\xfd7zXZ\x00' "$out/vmlinuz.tmp" | head -n 1 | cut -d: -f1)
[[ -n "$xzoff" ]] || die "no xz payload in vmlinuz-$kver (kernel no longer built with CONFIG_KERNEL_XZ?)"
tail -c +"$((xzoff + 1))" "$out/vmlinuz.tmp" | xz -dc >"$out/vmlinux.tmp" 2>/dev/null || true
[[ "$(head -c 4 "$out/vmlinux.tmp" | od -An -tx1 | tr -d ' ')" == 7f454c46 ]] ||
	die "unpacking vmlinux from vmlinuz-$kver did not give an ELF"
mv "$out/vmlinux.tmp" "$out/vmlinux"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
mv "$tmp_initrd" "$out/initrd.img"
rm -rf "$pkgroot"
echo "bench/linux: built $out/vmlinuz $out/vmlinux ($kver) and $out/initrd.img ($(du -k "$out/initrd.img" | cut -f1) KiB)"
echo "bench/linux: virtio modules: $(paste -sd' ' "$stage/etc/yard/modules.virtio")"
echo "bench/linux: ne2k modules: $(paste -sd' ' "$stage/etc/yard/modules.ne2k")"
