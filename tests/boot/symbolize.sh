#!/usr/bin/env bash
# tests/boot/symbolize.sh: tools/symbolize.sh, which names the functions
# the kernel prints as "@address" (the image keeps no names; they are in
# build/APP.sym). Host only, over build/hello.elf and its .sym: an address
# at a function's first byte gives its name, one inside it name+0xoff, one
# below the first function or far past the last stays as printed, a
# reference cut between two writes is still named, and a .sym that does
# not belong to the image is refused (text unchanged, one line on stderr).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
pass=0 fail=0
ok() { echo "PASS symbolize/$1"; pass=$((pass + 1)); }
ko() { echo "FAIL symbolize/$1: $2"; fail=$((fail + 1)); }
make -s APP=hello >/dev/null 2>&1 && make -s APP=ping >/dev/null 2>&1 ||
	{ echo "FAIL symbolize/build: make APP=hello failed"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d /tmp/symbolize-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
elf=build/hello.elf
addr=$(nm build/hello.sym | awk '$3 == "kmain" { sub(/^0+/, "", $1); print $1 }')
[[ -n $addr ]] || { echo "FAIL symbolize/setup: no kmain in build/hello.sym"; echo "0 passed, 1 failed"; exit 1; }
plus=$(printf '%x' $((0x$addr + 0x1c)))

out=$(printf 'a @%s b\n' "$addr" | tools/symbolize.sh "$elf" 2>&1)
[[ $out == "a kmain b" ]] && ok start || ko start "got '$out'"
out=$(printf '  %016x @%s\n' $((0x$plus)) "$plus" | tools/symbolize.sh "$elf" 2>&1)
[[ $out == "  $(printf '%016x' $((0x$plus))) kmain+0x1c" ]] && ok offset || ko offset "got '$out'"
out=$(printf '@0fffff @ffffffff x@zz @12\n' | tools/symbolize.sh "$elf" 2>&1)
[[ $out == "@0fffff @ffffffff x@zz @12" ]] && ok outside || ko outside "got '$out'"
out=$({ printf 'cut @%s' "${addr:0:3}"; sleep 0.3; printf '%s+\n' "${addr:3}"; } | tools/symbolize.sh "$elf" 2>&1)
[[ $out == "cut kmain+" ]] && ok split-read || ko split-read "got '$out'"
# Another image's symbols under this image's name: refused.
cp build/hello.elf "$tmp/x.elf" && cp build/ping.sym "$tmp/x.sym"
out=$(printf '@%s\n' "$addr" | tools/symbolize.sh "$tmp/x.elf" 2>"$tmp/err")
if [[ $out == "@$addr" ]] && grep -q "does not match" "$tmp/err"; then ok stale-sym-refused
else ko stale-sym-refused "got '$out', stderr '$(cat "$tmp/err")'"; fi
# A self-extracting image's own .text is its stub's: without the kernel's
# (.skiff.kernel, tools/zimage.sh) its own .sym is refused, not misread.
if readelf -p .skiff.kernel build/hello.elf >/dev/null 2>&1; then
	objcopy --remove-section .skiff.kernel build/hello.elf "$tmp/y.elf" && cp build/hello.sym "$tmp/y.sym"
	out=$(printf '@%s\n' "$addr" | tools/symbolize.sh "$tmp/y.elf" 2>"$tmp/err")
	if [[ $out == "@$addr" ]] && grep -q "does not match" "$tmp/err"; then ok zimage-kernel-text
	else ko zimage-kernel-text "got '$out', stderr '$(cat "$tmp/err")'"; fi
fi
out=$(printf 'x\n' | tools/symbolize.sh 2>&1; echo "rc=$?")
[[ $out == *usage*"rc=2" ]] && ok usage || ko usage "got '$out'"
echo "$pass passed, $fail failed"
((fail == 0))
