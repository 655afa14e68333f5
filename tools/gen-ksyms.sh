#!/usr/bin/env bash
# tools/gen-ksyms.sh [--nm] INPUT OUT.S: emit the .ksyms table that
# kernel/ksyms.c reads (the text symbols in address order) from a
# first-pass link of an image (INPUT an ELF), or with --nm from an
# `nm -n --defined-only` listing (the unit test's synthetic tables).
#
# The table is part of every image's file, so it is compact (about 9 bytes
# a symbol against 13.5 for plain 32-bit addresses, 16-bit name offsets
# and C strings):
#   ksyms_tab_n       .quad   symbols
#   ksyms_tab_anchor  .long   address of every KSYMS_BLOCK-th symbol (the
#                             image lives below 4 GiB)
#   ksyms_tab_off     .short  each symbol's address minus its block's anchor
#   ksyms_tab_block   .short  offset of each block's first name in names
#   ksyms_tab_tok     .byte   pairs: byte 0x80 + k of a name stands for the
#                             two bytes tok[2k], tok[2k + 1], each a
#                             character or an earlier token (byte-pair
#                             encoding, as Linux's kallsyms compresses)
#   ksyms_tab_names   .byte   the encoded names, each ended by a 0
# A token nests at most KSYMS_DEPTH deep, so the decoder's stack is small.
# The 256 IDT entry stubs (isr_stub_N, 8 bytes each) are left out: the
# symbol isr_stubs at the first names them all (a sample or a backtrace
# there needs no vector number).
# KSYMS_BLOCK and KSYMS_DEPTH must match kernel/ksyms.c.
set -euo pipefail
listing=0
if [[ ${1:-} == --nm ]]; then
	listing=1
	shift
fi
[[ $# -eq 2 ]] || { echo "usage: gen-ksyms.sh [--nm] ELF|LISTING OUT.S" >&2; exit 2; }
in=$1 out=$2
trap 'rm -f "$out.tmp"' EXIT
if ((listing)); then cat -- "$in"; else nm -n --defined-only "$in"; fi | LC_ALL=C awk '
	BEGIN { n = 0; BLOCK = 32; DEPTH = 16; MAXTOK = 128 }
	$2 ~ /^[tTwW]$/ && $3 !~ /^\./ {
		if ($3 ~ /^isr_stub_[0-9]+$/)
			next
		if ($3 !~ /^[A-Za-z0-9_.$]+$/)
			fail("symbol \"" $3 "\" has a character outside [A-Za-z0-9_.$]")
		if (length($3) > 63)
			fail("symbol " $3 " is longer than 63 bytes (KSYMS_NAME_MAX in kernel/ksyms.h)")
		if (length($1) > 8 && substr($1, 1, length($1) - 8) !~ /^0+$/)
			fail($3 " at 0x" $1 " is above 4 GiB")
		addr[n] = strtonum("0x" substr($1, length($1) - 7)); name[n] = $3; n++
	}
	function fail(msg) { print "gen-ksyms: " msg > "/dev/stderr"; err = 1; exit 1 }
	END {
		if (err)
			exit 1
		for (i = 0; i < 256; i++)
			ord[sprintf("%c", i)] = i
		# Byte-pair encoding: replace the most frequent pair of adjacent
		# bytes by a new token while that saves bytes (a token costs two in
		# ksyms_tab_tok and saves one per use).
		for (i = 0; i < n; i++)
			enc[i] = name[i]
		for (k = 0; k < 128; k++)
			depth[sprintf("%c", 128 + k)] = 0
		ntok = 0
		while (ntok < MAXTOK) {
			delete cnt
			for (i = 0; i < n; i++) {
				s = enc[i]; l = length(s)
				for (j = 1; j < l; j++)
					cnt[substr(s, j, 2)]++
			}
			best = ""; bc = 0
			for (p in cnt) {
				a = substr(p, 1, 1); b = substr(p, 2, 1)
				d = 1 + ((a in depth ? depth[a] : 0) > (b in depth ? depth[b] : 0) ? \
					 (a in depth ? depth[a] : 0) : (b in depth ? depth[b] : 0))
				if (d > DEPTH)
					continue
				if (cnt[p] > bc || (cnt[p] == bc && p < best)) {
					best = p; bc = cnt[p]
				}
			}
			if (bc < 3)
				break
			t = sprintf("%c", 128 + ntok)
			a = substr(best, 1, 1); b = substr(best, 2, 1)
			depth[t] = 1 + ((a in depth ? depth[a] : 0) > (b in depth ? depth[b] : 0) ? \
					(a in depth ? depth[a] : 0) : (b in depth ? depth[b] : 0))
			tok[ntok++] = best
			for (i = 0; i < n; i++) {
				s = enc[i]
				if (!index(s, best))
					continue
				r = ""
				while ((j = index(s, best)) > 0) {
					r = r substr(s, 1, j - 1) t
					s = substr(s, j + 2)
				}
				enc[i] = r s
			}
		}

		print "\t.section .ksyms, \"a\""
		print "\t.global ksyms_tab_n, ksyms_tab_anchor, ksyms_tab_off, ksyms_tab_block, ksyms_tab_tok, ksyms_tab_names"
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
		print "ksyms_tab_block:"
		off = 0
		for (i = 0; i < n; i++) {
			if (i % BLOCK == 0) {
				if (off > 65535)
					fail("names past 64 KiB: widen ksyms_tab_block")
				printf "\t.short %d\n", off
			}
			off += length(enc[i]) + 1
		}
		print "ksyms_tab_tok:"
		for (k = 0; k < ntok; k++)
			printf "\t.byte %d, %d\n", ord[substr(tok[k], 1, 1)], ord[substr(tok[k], 2, 1)]
		print "ksyms_tab_names:"
		for (i = 0; i < n; i++) {
			s = enc[i]; line = "\t.byte "
			for (j = 1; j <= length(s); j++)
				line = line ord[substr(s, j, 1)] ","
			print line "0"
		}
	}' >"$out.tmp"
mv "$out.tmp" "$out"
