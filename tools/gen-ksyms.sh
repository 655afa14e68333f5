#!/usr/bin/env bash
# tools/gen-ksyms.sh ELF OUT.S: emit the .ksyms table (sorted text symbols)
# for kernel/ksyms.c from a first-pass link of an image: ksyms_tab_n, then
# ksyms_tab_addr (uint32_t each: the image lives below 4 GiB), ksyms_tab_name
# (uint16_t offsets into ksyms_tab_names) and the NUL-separated names. Six
# bytes an entry plus its name: the table is part of every image's size.
# The 256 IDT entry stubs (isr_stub_N, 16 bytes each) are one entry,
# "isr_stubs": a sample or a backtrace there needs no vector number.
set -euo pipefail
elf=$1 out=$2
nm -n --defined-only "$elf" | awk 'BEGIN { n = 0 }
	$2 ~ /^[tTwW]$/ && $3 !~ /^\./ {
		if ($3 ~ /^isr_stub_[0-9]+$/) {
			if ($3 != "isr_stub_0")
				next
			$3 = "isr_stubs"
		}
		addr[n] = $1; name[n] = $3; n++
	}
	END {
		print "\t.section .ksyms, \"a\""
		print "\t.global ksyms_tab_n, ksyms_tab_addr, ksyms_tab_name, ksyms_tab_names"
		print "\t.balign 8"
		print "ksyms_tab_n:\n\t.quad " n + 0
		print "ksyms_tab_addr:"
		for (i = 0; i < n; i++) {
			if (length(addr[i]) > 8 && substr(addr[i], 1, length(addr[i]) - 8) !~ /^0+$/) {
				print "gen-ksyms: " name[i] " at 0x" addr[i] " is above 4 GiB" > "/dev/stderr"
				exit 1
			}
			printf "\t.long 0x%s\n", substr(addr[i], length(addr[i]) - 7)
		}
		print "ksyms_tab_name:"
		off = 0
		for (i = 0; i < n; i++) {
			if (off > 65535) {
				print "gen-ksyms: names past 64 KiB: widen ksyms_tab_name" > "/dev/stderr"
				exit 1
			}
			printf "\t.short %d\n", off
			off += length(name[i]) + 1
		}
		print "ksyms_tab_names:"
		for (i = 0; i < n; i++)
			printf "\t.asciz \"%s\"\n", name[i]
	}' >"$out.tmp"
mv "$out.tmp" "$out"
