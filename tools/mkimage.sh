#!/usr/bin/env bash
# tools/mkimage.sh APP ELF IMG ISODIR: wrap a kernel ELF into a hybrid
# BIOS+UEFI GRUB ISO (grub-mkrescue) whose menu boots it at once through
# multiboot2, with GRUB itself on the serial console.
set -euo pipefail
app=$1 elf=$2 img=$3 dir=$4
rm -rf "$dir"
mkdir -p "$dir/boot/grub"
cp "$elf" "$dir/boot/skiff.elf"
cat >"$dir/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial
terminal_output serial
set timeout=0
set timeout_style=hidden
menuentry "skiff $app" {
	multiboot2 /boot/skiff.elf
	boot
}
CFG
# Only the modules the menu needs: a smaller image builds and boots faster.
mods="multiboot2 normal serial terminal part_msdos part_gpt iso9660 fat"
if ! out=$(grub-mkrescue --install-modules="$mods" --modules="multiboot2 serial" \
	--locales= --fonts= --themes= -o "$img" "$dir" 2>&1); then
	echo "mkimage: grub-mkrescue failed for $app:" >&2
	echo "$out" >&2
	exit 1
fi
