#!/usr/bin/env bash
# tests/boot/zimage.sh: the self-extracting image's stub (zimage/stub.S,
# issue 10). Every boot test already goes through the stub (build/APP.elf
# is self-extracting by default); this suite checks what they cannot:
#  - a damaged image (checksum field changed; block cut short; a length
#    that would decode over the stub itself) prints the stub's one line on
#    COM1 and halts: no kernel line follows, QEMU is neither reset nor
#    exited 3 s after the line (a jump into garbage would fault to a
#    reset, which -no-reboot turns into an exit);
#  - httpd boots directly (PVH) with 4 MiB of RAM, issue 10's smallest
#    guest: the stub and the block fit above the kernel, and the kernel's
#    memory map still leaves room to serve.
# Skipped when the images are not self-extracting (ZIMAGE=0).
set -uo pipefail
# shellcheck source=tests/lib/boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/boot.sh"

boot_init zimage
boot_require
readelf -p .skiff.kernel "$BOOT_ROOT/build/hello.elf" >/dev/null 2>&1 ||
	boot_skip "build/hello.elf is not self-extracting (built with ZIMAGE=0)"

# damaged NAME FIELD DELTA EXPECT: hello.elf with the u32 at FIELD bytes
# into the stub's header (zimage/unpack.h: 4 raw, 8 packed, 12 Adler-32)
# plus DELTA, booted directly; EXPECT is the stub's line.
damaged() {
	local name=$1 field=$2 delta=$3 expect=$4 img="$BOOT_TMP/$1.elf" log="$BOOT_TMP/$1.log" reasons="" qpid t rodata
	cp "$BOOT_ROOT/build/hello.elf" "$img"
	# The header leads .rodata (stub.S's object is linked first); the
	# stub's code holds the magic too, as an immediate.
	rodata=$(readelf -SW "$img" | awk '{ for (i = 1; i < NF; i++) if ($i == ".rodata") { print strtonum("0x" $(i + 3)); exit } }')
	perl -e '
		my ($f, $field, $delta, $rodata) = @ARGV;
		open(my $fh, "+<:raw", $f) or die "open $f: $!\n";
		local $/; my $b = <$fh>;
		my $at = $rodata;
		die "no SKZ1 header at .rodata ($at) in $f\n" if substr($b, $at, 4) ne "SKZ1";
		my $v = unpack("V", substr($b, $at + $field, 4));
		seek($fh, $at + $field, 0); print $fh pack("V", ($v + $delta) & 0xffffffff); close($fh) or die;
	' "$img" "$field" "$((delta))" "$rodata" || { boot_verdict "$name" /dev/null "cannot patch the image"; return; }
	: >"$log"
	timeout -k 2 30 qemu-system-x86_64 -accel tcg -m 32M -display none -no-reboot -nodefaults \
		-serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$img" 2>"$BOOT_TMP/$name.qemu.err" &
	qpid=$!
	for ((t = 0; t < 200; t++)); do
		grep -Fq "$expect" "$log" && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.1
	done
	if grep -Fq "$expect" "$log"; then
		sleep 3
		kill -0 "$qpid" 2>/dev/null || reasons="QEMU exited after the line (status $(wait "$qpid"; echo $?)): the stub did not halt"
		[[ $(grep -c . "$log") -eq 1 ]] || reasons+="${reasons:+$'\n'}more than the stub's line on COM1"
	else
		reasons="no line '$expect' within 20 s"
	fi
	grep -q "boot: skiff" "$log" && reasons+="${reasons:+$'\n'}the kernel ran"
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	boot_verdict "$name" "$log" "$reasons"
}

damaged bad-checksum 12 1 "skiff zimage: the kernel fails its checksum (Adler-32) after decompression; halted"
damaged short-block 8 -1 "skiff zimage: the compressed kernel is corrupt (LZ4 block does not decode); halted"
damaged raw-too-long 4 0x100000 "skiff zimage: the kernel's length in the header exceeds its range; halted"

# The smallest guest of issue 10's table, through the stub.
boot_case httpd-4m-direct running httpd --direct --mem 4M --net user --hostfwd none --expect \
	"boot: memory:" "~^httpd: listening on port 80" "!exception" "!panic"
boot_finish
