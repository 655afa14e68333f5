#!/usr/bin/env bash
# tools/gen-ksyms.sh [--nm] INPUT OUT.S: emit the .ksyms table that
# kernel/ksyms.c reads (the text symbols in address order) from a
# first-pass link of an image (INPUT an ELF), or with --nm from an
# `nm -n --defined-only` listing (the unit test's synthetic tables).
#
# The table is part of every image's file, so it is compact (about 2.1
# bytes a function) and holds addresses only: names stay on the host in
# build/APP.sym (tools/symbolize.sh puts them into the serial output).
#   ksyms_tab_n       .quad   symbols
#   ksyms_tab_anchor  .long   address of every KSYMS_BLOCK-th symbol (the
#                             image lives below 4 GiB)
#   ksyms_tab_off     .short  each symbol's address minus its block's anchor
# The 256 IDT entry stubs (isr_stub_N, 8 bytes each) are left out: the
# symbol isr_stubs at the first names them all (a sample or a backtrace
# there needs no vector number).
# KSYMS_BLOCK must match kernel/ksyms.c.
set -euo pipefail
listing=0
if [[ ${1:-} == --nm ]]; then
	listing=1
	shift
fi
[[ $# -eq 2 ]] || { echo "usage: gen-ksyms.sh [--nm] ELF|LISTING OUT.S" >&2; exit 2; }
in=$1 out=$2
trap 'rm -f "$out.tmp"' EXIT
# From an ELF, only symbols inside .text: a link-time-optimised build adds
# weak markers (NAME.c.HASH) at addresses that are not code.
lo=0 hi=0
if ((!listing)); then
	read -r lo hi < <(readelf -SW "$in" | awk '{ for (i = 1; i < NF; i++) if ($i == ".text") { print strtonum("0x" $(i + 2)), strtonum("0x" $(i + 2)) + strtonum("0x" $(i + 4)); exit } }')
	[[ -n $hi ]] || { echo "gen-ksyms: $in has no .text" >&2; exit 1; }
fi
if ((listing)); then cat -- "$in"; else nm -n --defined-only "$in"; fi | LC_ALL=C awk -v lo="$lo" -v hi="$hi" '
	BEGIN { n = 0; BLOCK = 32 }
	hi && (strtonum("0x" $1) < lo || strtonum("0x" $1) >= hi) { next }
	$2 ~ /^[tTwW]$/ && $3 !~ /^\./ {
		if ($3 ~ /^isr_stub_[0-9]+$/)
			next
		if (length($1) > 8 && substr($1, 1, length($1) - 8) !~ /^0+$/)
			fail($3 " at 0x" $1 " is above 4 GiB")
		addr[n] = strtonum("0x" substr($1, length($1) - 7)); name[n] = $3; n++
	}
	function fail(msg) { print "gen-ksyms: " msg > "/dev/stderr"; err = 1; exit 1 }
	END {
		if (err)
			exit 1
		print "\t.section .ksyms, \"a\""
		print "\t.global ksyms_tab_n, ksyms_tab_anchor, ksyms_tab_off"
		print "\t.balign 8"
		print "ksyms_tab_n:\n\t.quad " n
		print "ksyms_tab_anchor:"
		for (i = 0; i < n; i += BLOCK)
			printf "\t.long 0x%x\n", addr[i]
		print "ksyms_tab_off:"
		for (i = 0; i < n; i++) {
			o = addr[i] - addr[i - i % BLOCK]
			if (o > 65535)
				fail(name[i] " is 0x" sprintf("%x", o) " bytes past its block: make KSYMS_BLOCK smaller")
			printf "\t.short %d\n", o
		}
	}' >"$out.tmp"
mv "$out.tmp" "$out"
