#!/usr/bin/env bash
# tools/zimage.sh FULL RAW OUT WORKDIR ZPACK STUBOBJS...: make the
# self-extracting image OUT (build/APP.elf) from a linked kernel: FULL,
# its unstripped ELF (for the addresses of __kernel_end and the two
# entries), RAW, the same stripped (build/APP.raw.elf). zimage/stub.S
# explains the image; this script only does the steps:
#  1. the kernel's loadable bytes (objcopy -O binary: 1 MiB to the end of
#     its last section with contents, .bss left out);
#  2. ZPACK (tools/zpack/zpack.c) compresses them, with their Adler-32;
#  3. stub.S is assembled around that block and linked with STUBOBJS
#     (zimage/stub.c, zimage/unpack.c, compiled -m32) by zimage/stub.ld;
#  4. stripped, with a note section .skiff.kernel naming the kernel's
#     .text ("ADDR SIZE" as readelf prints them) and checksum, which
#     tools/symbolize.sh compares with a .sym (the image's own .text is
#     the stub's).
set -euo pipefail
PROG=zimage
[[ $# -ge 6 ]] || { echo "usage: tools/zimage.sh FULL RAW OUT WORKDIR ZPACK STUBOBJ..." >&2; exit 2; }
full=$1 raw=$2 out=$3 dir=$4 zpack=$5
shift 5
mkdir -p "$dir"

sym() {
	local v
	v=$(nm "$full" | awk -v s="$1" '$3 == s { print "0x" $1; exit }')
	[[ -n $v ]] || { echo "$PROG: no symbol $1 in $full" >&2; exit 1; }
	echo "$v"
}
load=$(readelf -lW "$raw" | awk '$1 == "LOAD" { print $3; exit }')
[[ $((load)) -eq $(($(sym __kernel_start))) ]] || { echo "$PROG: $raw's first load is not __kernel_start" >&2; exit 1; }

objcopy -O binary "$raw" "$dir/kernel.bin"
"$zpack" "$dir/kernel.bin" "$dir/kernel.z"
gcc -m32 -I. -D__ASSEMBLY__ -Wa,--noexecstack -DZI_BLOB_FILE="\"$dir/kernel.z\"" -c zimage/stub.S -o "$dir/stub_entry.o"
ld -m elf_i386 -nostdlib -static -n -z noexecstack --no-warn-rwx-segments --build-id=none -T zimage/stub.ld \
	--defsym=zi_kernel_load="$load" --defsym=zi_kernel_end="$(sym __kernel_end)" \
	--defsym=zi_kernel_mb2="$(sym _start_mb2)" --defsym=zi_kernel_pvh="$(sym _start_pvh)" \
	-o "$dir/zimage.elf" "$dir/stub_entry.o" "$@"

text=$(readelf -SW "$raw" | awk '{ for (i = 1; i < NF; i++) if ($i == ".text") { print $(i + 2), $(i + 4); exit } }')
sum=$(od -An -tx4 -j12 -N4 "$dir/kernel.z" | tr -d ' ')
printf 'skiff kernel .text %s adler32 %s' "$text" "$sum" > "$dir/kernel.note"
objcopy --strip-all --add-section .skiff.kernel="$dir/kernel.note" "$dir/zimage.elf" "$out.tmp"
mv "$out.tmp" "$out"
