#!/usr/bin/env bash
# tests/boot/console.sh: console input. Bytes written to the guest's serial
# port (cloudit.sh --input) reach the kernel through COM1's receive
# interrupt and its ring (kernel/console.c); the selftest (test.console=,
# kernel/selftest.c) reads them back and logs them:
#   getc      two lines by the blocking console_getc(), CR LF and LF endings
#   hook      a line through the input hook (interrupt context) and the
#             nonblocking console_read(), as poll() on fd 0 will use them
#   overflow  5000 bytes arrive unread: the 4 KiB ring keeps 4096 and
#             counts 904 dropped; afterwards nothing is readable
# Each case boots hello (direct, no NIC) and must exit 0.
set -uo pipefail
# shellcheck source=tests/lib/boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/boot.sh"

boot_init console
boot_require

boot_input_case getc 0 "selftest: console: type two lines" 'hello, skiff\r\nsecond line\n' \
	hello --direct --nic none --append 'test.console=getc' --expect \
	"selftest: console: line 1: 'hello, skiff' (12 bytes)" \
	"selftest: console: line 2: 'second line' (11 bytes)" \
	"skiff: hello exited with status 0"
boot_input_case hook 0 "selftest: console: type a line" 'through the hook\n' \
	hello --direct --nic none --append 'test.console=hook' --expect \
	"selftest: console: hook line: 'through the hook' (16 bytes, hook called yes)" \
	"skiff: hello exited with status 0"
head -c 5000 /dev/zero | tr '\0' 'x' >"$BOOT_TMP/5000"
boot_input_case overflow 0 "selftest: console: send 5000 bytes" "@$BOOT_TMP/5000" \
	hello --direct --nic none --append 'test.console=overflow' --expect \
	"selftest: console: kept 4096 of 5000 bytes, dropped 904, readable no" \
	"skiff: hello exited with status 0"

boot_finish
