#!/usr/bin/env bash
# tools/gen-ksyms.sh ELF OUT.S: emit the .ksyms table (sorted text symbols)
# for kernel/ksyms.c from a first-pass link of an image.
set -euo pipefail
elf=$1 out=$2
{
	echo '	.section .ksyms, "a"'
	echo '	.balign 8'
	echo '	.global ksyms_count, ksyms_table, ksyms_names'
	nm -n --defined-only "$elf" | awk 'BEGIN { n = 0 }
		$2 ~ /^[tTwW]$/ && $3 !~ /^\./ { addr[n] = $1; name[n] = $3; n++ }
		END {
			print "ksyms_count:\n\t.quad " n
			print "ksyms_table:"
			off = 0
			for (i = 0; i < n; i++) {
				printf "\t.quad 0x%s\n\t.long %d, 0\n", addr[i], off
				off += length(name[i]) + 1
			}
			print "ksyms_names:"
			for (i = 0; i < n; i++)
				printf "\t.asciz \"%s\"\n", name[i]
		}'
} >"$out"
