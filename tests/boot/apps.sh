#!/usr/bin/env bash
# tests/boot/apps.sh: boot every app under apps/ through all four boot paths
# (SeaBIOS+GRUB, OVMF+GRUB, PVH direct, and QEMU's microvm machine: PVH
# through qboot, no PCI, the NIC on virtio-mmio) under TCG and check what it
# prints and its exit status.
#
# Every app is checked for the kernel's banner ("boot: skiff", "boot: cpu:",
# "boot: memory:", "boot: command line:"), the loader the path implies, no
# CPU exception, no unknown-option warning, and "skiff: NAME exited with
# status S". An app adds its own expectations in apps/NAME/NAME.boottest,
# "key: value" lines, '#' comments:
#   expect: TEXT      a line contains TEXT (fixed string); repeatable
#   match: ERE        a line matches the extended regex; repeatable
#   reject: ERE       no line matches; repeatable
#   status: N         expected exit status (default 0); "running" for an app
#                     that never exits (a server): the case passes as soon as
#                     every expect/match line has appeared, then stops it
#                     (124, waiting for the timeout, also works but is slow)
#   timeout: SECONDS  bound for one boot (default 60)
#   args: ARGS        extra tools/cloudit.sh options (split on blanks)
#   paths: P...       subset of "bios uefi direct microvm" (default all four)
# BOOT_APPS="NAME..." limits the run to those apps.
# Tests beyond that (networking, several guests) go in tests/boot/NAME.sh,
# which tests/run.sh runs like this file.
set -uo pipefail
# shellcheck source=tests/lib/boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/boot.sh"

boot_init apps
boot_require

# boot_app NAME: read apps/NAME/NAME.boottest and queue one case per path.
boot_app() {
	local app=$1 file="$BOOT_ROOT/apps/$1/$1.boottest" line key val lineno=0
	local status=0 timeout=$BOOT_TIMEOUT paths=(uefi bios direct microvm) args=() expects=() w p
	if [[ -f "$file" ]]; then
		while IFS= read -r line || [[ -n "$line" ]]; do
			lineno=$((lineno + 1))
			[[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
			if [[ ! "$line" =~ ^([a-z]+):[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]]; then
				echo "FAIL apps/$app: $file:$lineno: expected 'key: value'"
				: >"$BOOT_TMP/$app-boottest.fail"
				return
			fi
			key=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
			case "$key" in
			expect) expects+=("$val") ;;
			match) expects+=("~$val") ;;
			reject) expects+=("!$val") ;;
			status) status=$val ;;
			timeout) timeout=$val ;;
			args) read -r -a w <<<"$val" && args+=("${w[@]}") ;;
			paths) read -r -a paths <<<"$val" ;;
			*)
				echo "FAIL apps/$app: $file:$lineno: unknown key '$key'"
				: >"$BOOT_TMP/$app-boottest.fail"
				return
				;;
			esac
		done <"$file"
	fi
	expects+=("boot: skiff " "boot: cpu: " "boot: memory: " "boot: command line:"
		'!\*\*\* exception' '!warning: unknown option')
	[[ "$status" != 124 && "$status" != running ]] && expects+=("skiff: $app exited with status $status")
	for p in "${paths[@]}"; do
		case "$p" in
		bios) boot_case "$app-bios" "$status" "$app" --firmware bios --timeout "$timeout" "${args[@]}" \
			--expect "${expects[@]}" '~boot: skiff .*booted by GRUB' '!booted by .*\(UEFI\)' ;;
		uefi) boot_case "$app-uefi" "$status" "$app" --firmware uefi --timeout "$timeout" "${args[@]}" \
			--expect "${expects[@]}" '~boot: skiff .*booted by GRUB.*\(UEFI\)' ;;
		direct) boot_case "$app-direct" "$status" "$app" --direct --timeout "$timeout" "${args[@]}" \
			--expect "${expects[@]}" '~boot: skiff .*booted by PVH' ;;
		microvm) boot_case "$app-microvm" "$status" "$app" --machine microvm --timeout "$timeout" "${args[@]}" \
			--expect "${expects[@]}" '~boot: skiff .*booted by PVH' '!pci: [0-9a-f]{2}:' ;;
		*)
			echo "FAIL apps/$app: unknown path '$p' in $file (want bios, uefi, direct, microvm)"
			: >"$BOOT_TMP/$app-paths.fail"
			;;
		esac
	done
}

# Default path order puts UEFI (the slowest boot) first, so the pool stays full.
# BOOT_APPS="a b" checks only those apps (e.g. the one being worked on).
for app in ${BOOT_APPS:-$(boot_apps)}; do
	boot_app "$app"
done
boot_finish
