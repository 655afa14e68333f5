#!/usr/bin/env bash
# tests/boot/kernel-faults.sh: deliberate faults (kernel/selftest.c, option
# test.fault) must reach the exception report or panic, name kernel code in
# the backtrace and power off with status 70; options that the kernel does
# not know or cannot parse must boot with a warning naming them, and a bad
# ip=/gw= with a warning naming the value and the reason in words. Options are
# passed with --append (fw_cfg opt/skiff/cmdline), so this also checks that
# they reach the kernel without a rebuild. Faults run on the direct path (the
# cheapest boot) and a page fault also through SeaBIOS+GRUB.
set -uo pipefail
# shellcheck source=tests/lib/boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/boot.sh"

boot_init kernel-faults
boot_require

# Intel SDM vol. 3A 6.15: #PF is vector 14, CR2 holds the faulting address;
# selftest's fault_pf writes to 0xdead00000000-ish, above the identity map.
PF_EXPECT=("*** exception 14 (page fault)" "RIP " "~CR2 0+dead0+ " "backtrace:"
	"~^ +[0-9a-f]{16} (fault_pf|selftest_run)\+0x[0-9a-f]+$"
	"skiff: fatal exception, powering off with status 70"
	"~boot: command line: .*test.fault=pf")

boot_case pf-bios 70 hello --firmware bios --append test.fault=pf --expect "${PF_EXPECT[@]}"
boot_case pf-direct 70 hello --direct --append test.fault=pf --expect "${PF_EXPECT[@]}"
# SDM 6.15: #UD is vector 6; the ud2 sits in selftest_run itself.
boot_case ud-direct 70 hello --direct --append test.fault=ud --expect \
	"*** exception 6 (invalid opcode)" "RIP " "backtrace:" \
	"~^ +[0-9a-f]{16} selftest_run\+0x[0-9a-f]+$" \
	"skiff: fatal exception, powering off with status 70"
boot_case panic-direct 70 hello --direct --append test.fault=panic --expect \
	"panic: selftest: panic requested" "backtrace:" \
	"~^ +[0-9a-f]{16} selftest_run\+0x[0-9a-f]+$" \
	"skiff: kernel panic, powering off with status 70" '!\*\*\* exception'
# Bad options warn, name themselves, and do not stop the boot.
boot_case bad-options-direct 0 hello --direct --append 'bogus.option=1 noequals' --expect \
	"unknown option 'bogus.option'" "malformed option 'noequals'" \
	"~boot: command line: .*bogus.option=1" \
	"~^Hello from skiff: " "skiff: hello exited with status 0"
# A bad ip=/gw= says which value and what is wrong in words, not an errno.
boot_case bad-ip-direct 0 hello --direct --append 'ip=10.0.0.300/24' --expect \
	"net: warning: bad network option ip=10.0.0.300/24: not an address A.B.C.D/N (octets 0-255, prefix 0-32) nor dhcp; every interface uses dhcp" \
	'!\(-[0-9]+\)' "skiff: hello exited with status 0"
boot_case bad-gw-direct 0 hello --direct --append 'eth0.gw=10.0.0' --expect \
	"net: warning: bad network option eth0.gw=10.0.0: not an address A.B.C.D; every interface uses dhcp" \
	'!\(-[0-9]+\)'
boot_case gw-with-dhcp-direct 0 hello --direct --append 'ip=dhcp gw=10.0.0.1' --expect \
	"net: warning: bad network options: a gw= needs an ip=A.B.C.D/N on the same interface, not dhcp (Invalid argument); every interface uses dhcp" \
	'!\(-[0-9]+\)'
boot_finish
