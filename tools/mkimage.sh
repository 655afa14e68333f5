#!/usr/bin/env bash
# tools/mkimage.sh APP ELF IMG ISODIR: wrap a kernel ELF into a hybrid
# BIOS+UEFI GRUB ISO (grub-mkrescue) that boots it at once through
# multiboot2, with GRUB itself on the serial console.
#
# GRUB's serial terminal is a dumb one: with its default (vt100) GRUB clears
# the screen when it takes the serial port and again before booting, which
# wipes what tools/cloudit.sh printed and puts escape codes into --headless
# logs. "terminfo serial dumb" must come before "terminal_output serial",
# whose start is the first clear. No menu: the kernel is loaded and booted by
# the script itself, so nothing waits for a key; if loading fails (too
# little memory, a broken image) GRUB's error stays on the console, followed
# by a line saying so, instead of a silent "Press any key".
set -euo pipefail
app=$1 elf=$2 img=$3 dir=$4
rm -rf "$dir"
mkdir -p "$dir/boot/grub"
cp "$elf" "$dir/boot/skiff.elf"
cat >"$dir/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminfo serial dumb
terminal_input serial
terminal_output serial
set pager=0
multiboot2 /boot/skiff.elf
boot
echo "skiff: GRUB could not boot /boot/skiff.elf for $app (the error is above); Ctrl-A X quits QEMU"
CFG
# Only the modules grub.cfg needs: a smaller image builds and boots faster.
# The EFI core image grub-mkrescue makes loads every part_* module it knows
# of, each missing one an "error: file ... not found" on the UEFI console.
mods="multiboot2 normal serial terminal terminfo echo iso9660 fat"
mods+=" part_msdos part_gpt part_acorn part_amiga part_bsd part_dfly part_dvh part_plan part_sun part_sunpc"
if ! out=$(grub-mkrescue --install-modules="$mods" --modules="multiboot2 serial" \
	--locales= --fonts= --themes= -o "$img" "$dir" 2>&1); then
	echo "mkimage: grub-mkrescue failed for $app:" >&2
	echo "$out" >&2
	exit 1
fi
